//! The resync engine against real servers on 127.0.0.1: HTTP file server, TFTP, UDP syslog.

mod common;

use std::time::Duration;

use common::*;
use phone_sim::{EventKind, PhoneConfig, PhoneSim};

fn fast(config: PhoneConfig) -> PhoneConfig {
    PhoneConfig {
        reboot_secs: 0.5,
        ..config
    }
}

#[tokio::test]
async fn worked_example_by_resync_from_a_file_server_reboots_and_shows_in_cfg_xml() {
    let server = FileServer::start(&[("/p.xml", WORKED_EXAMPLE)]).await;
    let phone = PhoneSim::start(fast(PhoneConfig::default())).await.unwrap();
    let control = phone.control();
    let (status, _) = get(&format!(
        "{}/admin/resync?{}",
        phone.url(),
        server.url("/p.xml")
    ))
    .await;
    assert_eq!(status, 200);

    // The phone reboots after a changing resync: unreachable, then back.
    wait_event(&control, 10, "reboot", |k| {
        matches!(k, EventKind::RebootStarted { .. })
    })
    .await;
    assert!(
        !reachable(phone.addr()).await,
        "a rebooting phone does not answer"
    );
    wait_event(&control, 10, "back up", |k| {
        matches!(k, EventKind::RebootFinished)
    })
    .await;
    let xml = eventually(10, "status.xml after reboot", || async {
        let r = client()
            .get(format!("{}/status.xml", phone.url()))
            .send()
            .await
            .ok()?;
        r.text().await.ok()
    })
    .await;
    let reason = element(&xml, "Reboot_Reason_1").unwrap();
    assert!(
        reason.starts_with('[') && reason.ends_with("]Provisioning"),
        "{reason}"
    );
    assert_eq!(
        element(&xml, "Provisioning_Status_1").as_deref(),
        Some("Successful")
    );
    assert!(
        element(&xml, "Provisioning_Reason_1")
            .unwrap()
            .ends_with("/p.xml")
    );

    let (_, cfg) = get(&format!("{}/admin/cfg.xml", phone.url())).await;
    for (name, value) in WORKED_EXAMPLE_VALUES {
        assert_eq!(element(&cfg, name).as_deref(), Some(*value), "{name}");
    }
    // The one-off rule is not saved as the phone's rule... the example sets its own.
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].user_agent,
        format!("Cisco-CP-8861-3PCC/11.3.7 ({})", phone.mac())
    );
}

#[tokio::test]
async fn unchanged_resync_does_not_reboot_and_one_off_rule_is_not_saved() {
    let server = FileServer::start(&[(
        "/same.xml",
        "<flat-profile><Resync_Periodic>3600</Resync_Periodic></flat-profile>",
    )])
    .await;
    let phone = PhoneSim::start(fast(PhoneConfig::default())).await.unwrap();
    let control = phone.control();
    get(&format!(
        "{}/admin/resync?{}",
        phone.url(),
        server.url("/same.xml")
    ))
    .await;
    let done = wait_event(&control, 10, "success", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    assert_eq!(done.kind, EventKind::ResyncSucceeded { changed: vec![] });
    assert!(
        !control
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::RebootStarted { .. }))
    );
    assert_eq!(control.value("Profile_Rule").as_deref(), Some("/$PSN.xml"));
}

#[tokio::test]
async fn busy_phone_applies_only_after_the_call_ends() {
    let server = FileServer::start(&[(
        "/p.xml",
        "<flat-profile><GPP_A>after-call</GPP_A></flat-profile>",
    )])
    .await;
    let phone = PhoneSim::start(fast(PhoneConfig::default())).await.unwrap();
    let control = phone.control();
    control.start_call();
    get(&format!(
        "{}/admin/resync?{}",
        phone.url(),
        server.url("/p.xml")
    ))
    .await;
    wait_event(&control, 10, "waiting for idle", |k| {
        matches!(k, EventKind::WaitingForIdle { .. })
    })
    .await;
    let (_, status) = get(&format!("{}/status.xml", phone.url())).await;
    assert_eq!(
        element(&status, "Provisioning_State").as_deref(),
        Some("Waiting For Idle")
    );
    assert!(server.seen().is_empty(), "nothing fetched during the call");
    assert_eq!(control.value("GPP_A").as_deref(), Some(""));

    control.end_call();
    wait_event(&control, 10, "applied", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    assert_eq!(control.value("GPP_A").as_deref(), Some("after-call"));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn forced_resync_delay_bounds_the_wait_for_idle() {
    let server = FileServer::start(&[(
        "/p.xml",
        "<flat-profile><GPP_B>forced</GPP_B></flat-profile>",
    )])
    .await;
    let phone = PhoneSim::start(fast(PhoneConfig {
        time_scale: 200.0,
        values: vec![("Forced_Resync_Delay".into(), "60".into())],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    control.start_call();
    control.resync(Some(&server.url("/p.xml")));
    wait_event(&control, 10, "resync despite the call", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    assert_eq!(control.value("GPP_B").as_deref(), Some("forced"));
    let waited = control
        .events()
        .iter()
        .any(|e| matches!(e.kind, EventKind::WaitingForIdle { max_secs: 60 }));
    assert!(waited);
}

#[tokio::test]
async fn missing_profile_fails_and_schedules_the_retry() {
    let server = FileServer::start(&[]).await;
    let phone = PhoneSim::start(fast(PhoneConfig {
        time_scale: 100.0,
        values: vec![
            ("Resync_Error_Retry_Delay".into(), "30,60".into()),
            ("Profile_Rule".into(), server.url("/missing.xml")),
        ],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    get(&format!("{}/admin/resync", phone.url())).await;
    let failed = wait_event(&control, 10, "failure", |k| {
        matches!(k, EventKind::ResyncFailed { .. })
    })
    .await;
    match failed.kind {
        EventKind::ResyncFailed { error } => assert!(error.contains("not found"), "{error}"),
        _ => unreachable!(),
    }
    wait_event(&control, 10, "retry scheduled", |k| {
        matches!(k, EventKind::RetryScheduled { in_secs: 30 })
    })
    .await;
    let (_, status) = get(&format!("{}/status.xml", phone.url())).await;
    assert_eq!(
        element(&status, "Provisioning_Status_1").as_deref(),
        Some("Failed")
    );
    assert!(
        element(&status, "Provisioning_Reason_1")
            .unwrap()
            .contains("not found")
    );

    // 30 phone seconds = 0.3 s: the retry comes by itself, then the schedule's next step.
    wait_event(
        &control,
        10,
        "retry",
        |k| matches!(k, EventKind::ResyncStarted { source } if source == "retry"),
    )
    .await;
    wait_event(&control, 10, "second retry delay", |k| {
        matches!(k, EventKind::RetryScheduled { in_secs: 60 })
    })
    .await;
    assert!(server.seen().len() >= 2);

    // With Resync_Fails_On_FNF = No a missing file counts as success.
    control.set_value("Resync_Fails_On_FNF", "No");
    control.resync(None);
    wait_event(&control, 10, "success", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
}

#[tokio::test]
async fn provision_enable_no_refuses_the_resync() {
    let server =
        FileServer::start(&[("/p.xml", "<flat-profile><GPP_A>x</GPP_A></flat-profile>")]).await;
    let phone = PhoneSim::start(PhoneConfig::default()).await.unwrap();
    post(
        &format!("{}/admin/config.xml", phone.url()),
        "<flat-profile><Provision_Enable>No</Provision_Enable></flat-profile>",
    )
    .await;
    let (status, body) = get(&format!(
        "{}/admin/resync?{}",
        phone.url(),
        server.url("/p.xml")
    ))
    .await;
    assert_eq!(status, 403);
    assert!(body.contains("Provision Enable"), "{body}");
    wait_event(&phone.control(), 5, "refused", |k| {
        matches!(k, EventKind::ResyncRefused { .. })
    })
    .await;
    assert!(server.seen().is_empty());
    assert_eq!(phone.control().value("GPP_A").as_deref(), Some(""));
}

#[tokio::test]
async fn syslog_lines_for_request_success_and_failure() {
    let syslog = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let server =
        FileServer::start(&[("/p.xml", "<flat-profile><GPP_A>1</GPP_A></flat-profile>")]).await;
    let phone = PhoneSim::start(fast(PhoneConfig {
        values: vec![(
            "Syslog_Server".into(),
            syslog.local_addr().unwrap().to_string(),
        )],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let mac = phone.identity().mac.colon();
    let mut buf = vec![0u8; 2048];
    let mut receive = async || {
        let (n, _) = tokio::time::timeout(Duration::from_secs(10), syslog.recv_from(&mut buf))
            .await
            .expect("no syslog line within 10 s")
            .unwrap();
        String::from_utf8_lossy(&buf[..n]).to_string()
    };
    phone.control().resync(Some(&server.url("/p.xml")));
    let request = receive().await;
    assert!(request.starts_with("<134>"), "{request}");
    assert!(
        request.ends_with(&format!(
            "CP-8861-3PCC {mac} -- Requesting resync {}",
            server.url("/p.xml").replace("127.0.0.1/", "127.0.0.1:80/")
        )),
        "{request}"
    );
    let success = receive().await;
    assert!(
        success.ends_with(&format!(
            "CP-8861-3PCC {mac} -- Successful resync {}",
            server.url("/p.xml")
        )),
        "{success}"
    );

    wait_event(&phone.control(), 10, "up", |k| {
        matches!(k, EventKind::RebootFinished)
    })
    .await;
    phone.control().resync(Some(&server.url("/nothing.xml")));
    let _request = receive().await;
    let failure = receive().await;
    assert!(
        failure.ends_with(&format!(
            "CP-8861-3PCC {mac} -- Resync failed: http_get failed: file not found"
        )),
        "{failure}"
    );
}

#[tokio::test]
async fn tftp_profile_from_a_real_tftp_server() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("8861.xml"),
        "<flat-profile><GPP_C>via-tftp</GPP_C></flat-profile>",
    )
    .unwrap();
    let tftpd = async_tftp::server::TftpServerBuilder::with_dir_ro(dir.path())
        .unwrap()
        .bind("127.0.0.1:0".parse().unwrap())
        .build()
        .await
        .unwrap();
    let tftp_addr = tftpd.listen_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = tftpd.serve().await;
    });
    // The default rule `/$PSN.xml` has no server: the DHCP-given TFTP server is used.
    let phone = PhoneSim::start(fast(PhoneConfig {
        tftp_server: Some(tftp_addr),
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    get(&format!("{}/admin/resync", phone.url())).await;
    wait_event(&control, 15, "tftp success", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    assert_eq!(control.value("GPP_C").as_deref(), Some("via-tftp"));

    // A tftp:// one-off rule with server and port, and a missing file.
    wait_event(&control, 10, "up", |k| {
        matches!(k, EventKind::RebootFinished)
    })
    .await;
    let before = control.events().len();
    control.resync(Some(&format!(
        "tftp://127.0.0.1:{}/missing.xml",
        tftp_addr.port()
    )));
    let failed = eventually(15, "tftp failure", || async {
        control.events()[before..]
            .iter()
            .find_map(|e| match &e.kind {
                EventKind::ResyncFailed { error } => Some(error.clone()),
                _ => None,
            })
    })
    .await;
    assert!(
        failed.contains("tftp_get failed: file not found"),
        "{failed}"
    );
    task.abort();
}

#[tokio::test]
async fn rule_with_encoded_brackets_credentials_conditions_assignments_and_macros() {
    let phone = PhoneSim::start(fast(PhoneConfig::default())).await.unwrap();
    let mac = phone.mac();
    let server = FileServer::start(&[]).await;
    server.put(
        &format!("/protected/{mac}.xml"),
        "<flat-profile><GPP_D>authed</GPP_D></flat-profile>",
    );
    let control = phone.control();
    // %5B…%5D = [--uid user --pwd pass]: answered to the server's 401 with Basic.
    let rule = format!(
        "%5B--uid+user+--pwd+pass%5D{}",
        server.url("/protected/$MA.xml")
    );
    let (status, _) = get(&format!("{}/admin/resync?{rule}", phone.url())).await;
    assert_eq!(status, 200);
    wait_event(&control, 10, "success", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    assert_eq!(control.value("GPP_D").as_deref(), Some("authed"));
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "challenged once, then answered");
    assert_eq!(seen[1].authorization.as_deref(), Some("Basic dXNlcjpwYXNz"));
    wait_event(&control, 10, "up", |k| {
        matches!(k, EventKind::RebootFinished)
    })
    .await;

    // Condition false → next alternative; assignments run before the fetch.
    server.put("/second.xml", "<flat-profile></flat-profile>");
    let before = control.events().len();
    control.resync(Some(&format!(
        "(\"$A\" eq \"never\")? {} | (\"$A\" ne \"done\")? (a = \"done\";)! {}",
        server.url("/first.xml"),
        server.url("/second.xml")
    )));
    eventually(10, "second alternative", || async {
        control.events()[before..]
            .iter()
            .any(|e| matches!(e.kind, EventKind::ResyncSucceeded { .. }))
            .then_some(())
    })
    .await;
    assert_eq!(control.value("GPP_A").as_deref(), Some("done"));
    assert!(server.seen().iter().any(|s| s.path == "/second.xml"));
    assert!(!server.seen().iter().any(|s| s.path == "/first.xml"));
}

#[tokio::test]
async fn periodic_resync_runs_after_the_first_success_and_triggers_can_suppress_it() {
    let server = FileServer::start(&[("/p.xml", "<flat-profile></flat-profile>")]).await;
    let phone = PhoneSim::start(fast(PhoneConfig {
        time_scale: 200.0,
        values: vec![
            ("Resync_Periodic".into(), "60".into()),
            ("Profile_Rule".into(), server.url("/p.xml")),
        ],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    control.resync(None);
    // 60 phone seconds = 0.3 s later the periodic resync comes by itself.
    wait_event(
        &control,
        10,
        "periodic",
        |k| matches!(k, EventKind::ResyncStarted { source } if source == "periodic"),
    )
    .await;
    eventually(10, "the periodic fetch", || async {
        (server.seen().len() >= 2).then_some(())
    })
    .await;

    // The 10.4 article's URL in Resync_Trigger_1 is a condition that is never true.
    control.set_value(
        "Resync_Trigger_1",
        "http://10.74.121.56/admin/resync?tftp://10.74.121.56:69/8861conf.cfg",
    );
    wait_event(&control, 10, "suppressed", |k| {
        matches!(k, EventKind::ResyncSuppressed { .. })
    })
    .await;
    // Direct resyncs ignore triggers.
    let before = server.seen().len();
    get(&format!("{}/admin/resync", phone.url())).await;
    eventually(10, "direct resync despite the trigger", || async {
        (server.seen().len() > before).then_some(())
    })
    .await;
}

#[tokio::test]
async fn daily_resync_at_hhmm_replaces_the_periodic_timer() {
    let server = FileServer::start(&[("/p.xml", "<flat-profile></flat-profile>")]).await;
    let phone = PhoneSim::start(fast(PhoneConfig {
        time_scale: 3600.0, // an hour per second
        values: vec![
            ("Resync_Periodic".into(), "0".into()),
            ("Resync_At_Random_Delay".into(), "0".into()),
            ("Profile_Rule".into(), server.url("/p.xml")),
        ],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    control.resync(None);
    wait_event(&control, 10, "first", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    // With Resync_Periodic = 0 nothing more would happen; a daily time two phone hours ahead does.
    let now = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .checked_add(jiff::SignedDuration::from_secs(
            (control.phone_secs() + 7200.0) as i64,
        ))
        .unwrap();
    control.set_value("Resync_At__HHmm_", &now.strftime("%H%M").to_string());
    let daily = wait_event(
        &control,
        20,
        "daily resync",
        |k| matches!(k, EventKind::ResyncStarted { source } if source == "periodic"),
    )
    .await;
    assert!(
        daily.phone_secs > 3600.0,
        "came about two phone hours later, at {}",
        daily.phone_secs
    );
}

#[tokio::test]
async fn a_posted_schedule_change_takes_effect_without_waiting_for_the_old_timer() {
    let server = FileServer::start(&[("/p.xml", "<flat-profile></flat-profile>")]).await;
    let phone = PhoneSim::start(fast(PhoneConfig {
        time_scale: 200.0,
        values: vec![("Profile_Rule".into(), server.url("/p.xml"))],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    control.resync(None);
    wait_event(&control, 10, "first", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    // The default 3600 s would be 18 s real; 60 s is 0.3 s.
    let after = control.last_event_seq();
    post(
        &format!("{}/admin/config.xml", phone.url()),
        "<flat-profile><Resync_Periodic>60</Resync_Periodic></flat-profile>",
    )
    .await;
    let periodic = control
        .wait_for_event_after(
            after,
            Duration::from_secs(10),
            |k| matches!(k, EventKind::ResyncStarted { source } if source == "periodic"),
        )
        .await;
    assert!(periodic.is_some(), "events: {:#?}", control.events());
}

#[tokio::test]
async fn restricted_access_domains_block_other_servers() {
    let server =
        FileServer::start(&[("/p.xml", "<flat-profile><GPP_A>x</GPP_A></flat-profile>")]).await;
    let phone = PhoneSim::start(fast(PhoneConfig {
        values: vec![(
            "Restricted_Access_Domains".into(),
            "prov.example.com".into(),
        )],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    get(&format!(
        "{}/admin/resync?{}",
        phone.url(),
        server.url("/p.xml")
    ))
    .await;
    let failed = wait_event(&control, 10, "failure", |k| {
        matches!(k, EventKind::ResyncFailed { .. })
    })
    .await;
    assert!(format!("{:?}", failed.kind).contains("Restricted_Access_Domains"));
    assert!(server.seen().is_empty());
    control.set_value("Restricted_Access_Domains", "prov.example.com,127.0.0.1");
    let after = control.last_event_seq();
    control.resync(Some(&server.url("/p.xml")));
    let ok = control
        .wait_for_event_after(after, Duration::from_secs(10), |k| {
            matches!(k, EventKind::ResyncSucceeded { .. })
        })
        .await;
    assert!(ok.is_some(), "{:#?}", control.events());
}

#[tokio::test]
async fn resync_on_reset_runs_by_itself_at_power_up() {
    let server =
        FileServer::start(&[("/p.xml", "<flat-profile><GPP_E>boot</GPP_E></flat-profile>")]).await;
    let phone = PhoneSim::start(fast(PhoneConfig {
        resync_on_boot: true,
        time_scale: 100.0,
        values: vec![
            ("Resync_Random_Delay".into(), "1".into()),
            ("Profile_Rule".into(), server.url("/p.xml")),
        ],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    wait_event(
        &control,
        10,
        "power-up resync",
        |k| matches!(k, EventKind::ResyncStarted { source } if source == "power_up"),
    )
    .await;
    wait_event(&control, 10, "applied", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    assert_eq!(control.value("GPP_E").as_deref(), Some("boot"));
}

#[tokio::test]
async fn a_phone_can_vanish_right_after_fetching_and_be_plugged_back_in() {
    let server = FileServer::start(&[(
        "/p.xml",
        "<flat-profile><GPP_F>never</GPP_F></flat-profile>",
    )])
    .await;
    let phone = PhoneSim::start(fast(PhoneConfig::default())).await.unwrap();
    let control = phone.control();
    control.set_faults(phone_sim::Faults {
        vanish_after_fetch: true,
        ..phone_sim::Faults::default()
    });
    get(&format!(
        "{}/admin/resync?{}",
        phone.url(),
        server.url("/p.xml")
    ))
    .await;
    wait_event(&control, 10, "fetched", |k| {
        matches!(k, EventKind::ProfileFetched { .. })
    })
    .await;
    eventually(10, "phone gone", || async {
        (!reachable(phone.addr()).await).then_some(())
    })
    .await;
    assert!(!control.is_up());
    assert_eq!(
        control.value("GPP_F").as_deref(),
        Some(""),
        "nothing applied"
    );
    control.clear_faults();
    control.power_on();
    eventually(10, "phone back", || async {
        reachable(phone.addr()).await.then_some(())
    })
    .await;
    assert_eq!(get(&format!("{}/status.xml", phone.url())).await.0, 200);
}
