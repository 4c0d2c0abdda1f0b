//! The resync engine against real servers on 127.0.0.1: HTTP file server, TFTP, UDP syslog.

mod common;

use std::time::Duration;

use common::*;
use phone_sim::{EventKind, PhoneConfig, PhoneControl, PhoneSim, RunningPhone};

fn fast(config: PhoneConfig) -> PhoneConfig {
    PhoneConfig {
        reboot_secs: 0.5,
        ..config
    }
}

#[tokio::test]
async fn worked_example_by_resync_from_a_file_server_reboots_and_shows_in_cfg_xml() {
    let server = FileServer::start(&[("/p.xml", WORKED_EXAMPLE)]).await;
    // A reboot long enough that a busy test thread still sees the port closed.
    let phone = PhoneSim::start(PhoneConfig {
        reboot_secs: 3.0,
        ..PhoneConfig::default()
    })
    .await
    .unwrap();
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
        time_scale: 100.0,
        values: vec![("Forced_Resync_Delay".into(), "60".into())],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    control.start_call();
    control.resync(Some(&server.url("/p.xml")));
    let waiting = wait_event(&control, 10, "waiting for idle", |k| {
        matches!(k, EventKind::WaitingForIdle { max_secs: 60 })
    })
    .await;
    let started = wait_event(&control, 10, "resync despite the call", |k| {
        matches!(k, EventKind::ResyncStarted { .. })
    })
    .await;
    let done = wait_event(&control, 10, "applied", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    assert_eq!(control.value("GPP_B").as_deref(), Some("forced"));
    // 60 phone seconds are 0.6 s real: the phone sat on the request that long, no less.
    let waited = started.phone_secs - waiting.phone_secs;
    // No upper limit in phone time (a busy machine stretches it): the call never ends, so the
    // resync above happening at all shows that the wait was bounded.
    assert!(
        waited >= 59.5,
        "waited {waited:.1} phone seconds for idle, Forced_Resync_Delay is 60"
    );
    // ... and the call was still up when it gave up waiting: it neither ended nor was cut by
    // a reboot before the resync ran.
    let during: Vec<_> = control
        .events()
        .into_iter()
        .filter(|e| e.seq < done.seq)
        .collect();
    assert!(
        during.iter().any(|e| e.kind == EventKind::CallStarted)
            && !during.iter().any(|e| matches!(
                e.kind,
                EventKind::CallEnded | EventKind::RebootStarted { .. }
            )),
        "{during:#?}"
    );
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

    // A rule that does not parse is a failed resync too, and is logged as one.
    phone
        .control()
        .resync(Some("[--uid tech http://127.0.0.1/p.xml"));
    let failure = loop {
        let line = receive().await;
        if line.contains("Resync failed") {
            break line;
        }
    };
    assert!(failure.contains("bad profile rule"), "{failure}");
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
    let phone = periodic_phone(&server, "60").await;
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

/// Runs a one-off resync and returns its outcome: the changed names, or the error.
async fn one_off(control: &PhoneControl, rule: &str) -> Result<Vec<String>, String> {
    let after = control.last_event_seq();
    control.resync(Some(rule));
    let outcome = control
        .wait_for_event_after(after, Duration::from_secs(15), |k| {
            matches!(
                k,
                EventKind::ResyncSucceeded { .. } | EventKind::ResyncFailed { .. }
            )
        })
        .await
        .unwrap_or_else(|| panic!("no outcome of {rule}; events: {:#?}", control.events()));
    match outcome.kind {
        EventKind::ResyncSucceeded { changed } => Ok(changed),
        EventKind::ResyncFailed { error } => Err(error),
        _ => unreachable!(),
    }
}

/// A UDP syslog listener on 127.0.0.1.
struct Syslog(tokio::net::UdpSocket);

impl Syslog {
    async fn start() -> Syslog {
        Syslog(tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap())
    }
    fn addr(&self) -> String {
        self.0.local_addr().unwrap().to_string()
    }
    async fn line(&self) -> String {
        let mut buf = vec![0u8; 2048];
        let (n, _) = tokio::time::timeout(Duration::from_secs(10), self.0.recv_from(&mut buf))
            .await
            .expect("no syslog line within 10 s")
            .unwrap();
        String::from_utf8_lossy(&buf[..n]).to_string()
    }
}

/// The phone-time starts of the resyncs of `source`, and the successes, in order.
fn starts_and_successes(control: &PhoneControl, source: &str) -> (Vec<f64>, Vec<f64>) {
    let events = control.events();
    let starts = events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::ResyncStarted { source: s } if s == source))
        .map(|e| e.phone_secs)
        .collect();
    let successes = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ResyncSucceeded { .. }))
        .map(|e| e.phone_secs)
        .collect();
    (starts, successes)
}

#[tokio::test]
async fn periodic_schedule_list_waits_each_item_in_turn_and_repeats_the_last() {
    let server = FileServer::start(&[("/p.xml", "<flat-profile></flat-profile>")]).await;
    let phone = periodic_phone(&server, "60,120+40,240").await;
    let control = phone.control();
    control.resync(None);
    // (60 + 160 + 240 + 240) / 100 = 7 s at most for four periodic resyncs.
    let mut after = 0;
    for n in 1..=4 {
        let started = control
            .wait_for_event_after(
                after,
                Duration::from_secs(20),
                |k| matches!(k, EventKind::ResyncStarted { source } if source == "periodic"),
            )
            .await
            .unwrap_or_else(|| panic!("no periodic resync {n}; events: {:#?}", control.events()));
        let done = wait_event_after(&control, started.seq, "its success", |k| {
            matches!(k, EventKind::ResyncSucceeded { .. })
        })
        .await;
        after = done.seq;
    }
    let (starts, successes) = starts_and_successes(&control, "periodic");
    // The timer runs from each success to the next start.
    let gaps: Vec<f64> = starts
        .iter()
        .take(4)
        .zip(&successes)
        .map(|(start, success)| start - success)
        .collect();
    // Each wait is at least its item. The upper limits only tell the items apart (a wait that
    // reaches the next item's length took the wrong one), which leaves a busy machine 0.6 s
    // and 0.8 s of real slack; the repeated last item has no upper limit, since a list that
    // started over would show as a wait shorter than 240.
    let expected = [
        (60.0, 120.0),
        (120.0, 240.0),
        (240.0, f64::MAX),
        (240.0, f64::MAX),
    ];
    for (i, (gap, (low, below))) in gaps.iter().zip(expected).enumerate() {
        assert!(
            *gap >= low - 0.5 && *gap < below,
            "wait {} was {gap:.1} phone s, expected at least {low}, less than {below} \
             (all: {gaps:.1?})",
            i + 1
        );
    }
}

#[tokio::test]
async fn periodic_timer_is_ignored_when_resync_at_is_set() {
    let server = FileServer::start(&[("/p.xml", "<flat-profile></flat-profile>")]).await;
    // The daily time two phone hours from now (the phone's clock starts at the wall clock).
    let daily = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .checked_add(jiff::SignedDuration::from_secs(7200))
        .unwrap()
        .strftime("%H%M")
        .to_string();
    let phone = PhoneSim::start(fast(PhoneConfig {
        time_scale: 3600.0, // an hour per second: the periodic 600 s would be 0.17 s
        values: vec![
            ("Resync_Periodic".into(), "600".into()),
            ("Resync_At__HHmm_".into(), daily),
            ("Resync_At_Random_Delay".into(), "0".into()),
            ("Profile_Rule".into(), server.url("/p.xml")),
        ],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    control.resync(None);
    let first = wait_event(&control, 10, "first", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    let next = wait_event_after(
        &control,
        first.seq,
        "the daily resync",
        |k| matches!(k, EventKind::ResyncStarted { source } if source == "periodic"),
    )
    .await;
    wait_event_after(&control, next.seq, "its success", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    let gap = next.phone_secs - first.phone_secs;
    assert!(
        (3600.0..=20_000.0).contains(&gap),
        "the next resync came {gap:.0} phone s later: at the daily time (~7200), not after \
         Resync_Periodic (600)"
    );
    assert_eq!(server.seen().len(), 2, "nothing in between");
}

#[tokio::test]
async fn provision_enable_no_stops_the_periodic_timer_without_spinning() {
    let server = FileServer::start(&[("/p.xml", "<flat-profile></flat-profile>")]).await;
    let phone = periodic_phone(&server, "60").await;
    let control = phone.control();
    control.resync(None);
    let first = wait_event(&control, 10, "first", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    control.set_value("Provision_Enable", "No");
    let refused = |k: &EventKind| matches!(k, EventKind::ResyncSuppressed { reason } if reason.contains("Provision_Enable"));
    let one = wait_event_after(&control, first.seq, "refused periodic", refused).await;
    let two = wait_event_after(&control, one.seq, "the next refused one", refused).await;
    // Refused, the timer restarts: the next one is a whole interval later, not at once.
    let gap = two.phone_secs - one.phone_secs;
    // At least an interval; below two, or a refusal went unrecorded (1.2 s of real slack).
    assert!((59.5..120.0).contains(&gap), "{gap:.1} phone s apart");
    assert_eq!(server.seen().len(), 1, "nothing fetched while refused");
}

#[tokio::test]
async fn servip_is_the_address_of_the_server_the_rule_names() {
    let syslog = Syslog::start().await;
    let server =
        FileServer::start(&[("/p.xml", "<flat-profile><GPP_A>1</GPP_A></flat-profile>")]).await;
    let port = server.addr.port();
    let phone = PhoneSim::start(fast(PhoneConfig {
        values: vec![
            ("Syslog_Server".into(), syslog.addr()),
            ("Log_Request_Msg".into(), "req $SERV $SERVIP $PORT".into()),
        ],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let mac = phone.identity().mac.colon();
    // A host name: $SERV is the name, $SERVIP what it resolves to (/etc/hosts).
    phone
        .control()
        .resync(Some(&format!("http://localhost:{port}/p.xml")));
    let request = syslog.line().await;
    assert!(
        request.ends_with(&format!("req localhost 127.0.0.1 {port}")),
        "{request}"
    );
    let success = syslog.line().await;
    assert!(
        success.ends_with(&format!(
            "CP-8861-3PCC {mac} -- Successful resync http://127.0.0.1:{port}/p.xml"
        )),
        "{success}"
    );
    wait_event(&phone.control(), 10, "up", |k| {
        matches!(k, EventKind::RebootFinished)
    })
    .await;
    // An address stays as written.
    phone.control().resync(Some(&server.url("/p.xml")));
    let request = syslog.line().await;
    assert!(
        request.ends_with(&format!("req 127.0.0.1 127.0.0.1 {port}")),
        "{request}"
    );
}

#[tokio::test]
async fn spa_syslog_uses_the_log_resync_message_names() {
    let syslog = Syslog::start().await;
    let server = FileServer::start(&[("/spa.cfg", "<flat-profile></flat-profile>")]).await;
    let phone = PhoneSim::start(fast(PhoneConfig {
        values: vec![("Syslog_Server".into(), syslog.addr())],
        ..PhoneConfig::model("SPA504G")
    }))
    .await
    .unwrap();
    let control = phone.control();
    assert_eq!(control.value("Log_Request_Msg"), None, "an MPP name");
    assert_eq!(
        control.value("Log_Resync_Request_Msg").as_deref(),
        Some("$PN $MAC -- Requesting resync $SCHEME://$SERVIP:$PORT$PATH")
    );
    assert!(!control.set_value("Log_Success_Msg", "mpp"));
    assert!(control.set_value("Log_Resync_Success_Msg", "spa-ok $PN $MA"));
    let mac = phone.identity().mac.colon();
    // SPA rules may end in a # comment.
    let url = server.url("/spa.cfg");
    assert_eq!(
        one_off(&control, &format!("{url} # SPA comment")).await,
        Ok(vec![])
    );
    let request = syslog.line().await;
    assert!(
        request.ends_with(&format!(
            "SPA504G {mac} -- Requesting resync {}",
            url.replace("127.0.0.1/", "127.0.0.1:80/")
        )),
        "{request}"
    );
    let success = syslog.line().await;
    assert!(
        success.ends_with(&format!("spa-ok SPA504G {}", phone.mac())),
        "{success}"
    );
    assert!(one_off(&control, &server.url("/none.cfg")).await.is_err());
    let _request = syslog.line().await;
    let failure = syslog.line().await;
    assert!(
        failure.ends_with(&format!(
            "SPA504G {mac} -- Resync failed: http_get failed: file not found"
        )),
        "{failure}"
    );
}

#[tokio::test]
async fn https_profile_from_a_self_signed_server() {
    let server = FileServer::start_https(&[(
        "/p.xml",
        "<flat-profile><GPP_G>over-tls</GPP_G></flat-profile>",
    )])
    .await;
    let url = server.url("/p.xml");
    assert!(url.starts_with("https://127.0.0.1:"));
    let phone = PhoneSim::start(fast(PhoneConfig::default())).await.unwrap();
    let control = phone.control();
    let (status, _) = get(&format!("{}/admin/resync?{url}", phone.url())).await;
    assert_eq!(status, 200);
    wait_event(&control, 10, "success", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    assert_eq!(control.value("GPP_G").as_deref(), Some("over-tls"));
    let fetched = wait_event(&control, 1, "fetched", |k| {
        matches!(k, EventKind::ProfileFetched { .. })
    })
    .await;
    assert!(
        matches!(&fetched.kind, EventKind::ProfileFetched { url: u, .. } if u == &url),
        "{fetched:?}"
    );
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/p.xml");
    assert!(seen[0].user_agent.starts_with("Cisco-CP-8861-3PCC/"));
    // The server speaks only TLS: the same address over plain HTTP gets nothing.
    wait_event(&control, 10, "up", |k| {
        matches!(k, EventKind::RebootFinished)
    })
    .await;
    let plain = url.replace("https://", "http://");
    assert!(one_off(&control, &plain).await.is_err());
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn digest_challenge_is_answered_with_the_request_uri_including_the_query() {
    let server = FileServer::start(&[]).await;
    let phone = PhoneSim::start(fast(PhoneConfig::default())).await.unwrap();
    let control = phone.control();
    let mac = phone.mac();
    server.put(
        &format!("/digest/{mac}.xml"),
        "<flat-profile><GPP_H>digest</GPP_H></flat-profile>",
    );
    // The client percent-encodes ' in a query: the Digest uri must be what was sent.
    let rule = format!(
        "[--uid {USER} --pwd {PASSWORD}]{}",
        server.url("/digest/$MA.xml?model=$PN&tag='x'")
    );
    assert_eq!(one_off(&control, &rule).await, Ok(vec!["GPP_H".into()]));
    assert_eq!(control.value("GPP_H").as_deref(), Some("digest"));
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "challenged once, then answered: {seen:#?}");
    assert_eq!(seen[0].authorization, None);
    let sent = format!("/digest/{mac}.xml?model=CP-8861-3PCC&tag=%27x%27");
    assert_eq!(seen[1].uri, sent);
    let answer = seen[1].authorization.as_deref().unwrap();
    assert!(answer.starts_with("Digest "), "{answer}");
    assert!(answer.contains(&format!("uri=\"{sent}\"")), "{answer}");
    wait_event(&control, 10, "up", |k| {
        matches!(k, EventKind::RebootFinished)
    })
    .await;

    // A wrong password: answered at most twice, then the resync fails.
    let before = server.seen().len();
    let wrong = format!("[--uid {USER} --pwd nope]{}", server.url("/digest/x.xml"));
    let error = one_off(&control, &wrong).await.unwrap_err();
    assert!(error.contains("authentication"), "{error}");
    assert_eq!(server.seen().len() - before, 3, "{:#?}", server.seen());
    // Without --uid/--pwd the challenge is not answered.
    let before = server.seen().len();
    assert!(
        one_off(&control, &server.url("/digest/x.xml"))
            .await
            .is_err()
    );
    assert_eq!(server.seen().len() - before, 1);
}

#[tokio::test]
async fn redirects_301_and_302_are_followed_also_to_a_digest_challenge() {
    let server = FileServer::start(&[(
        "/final.xml",
        "<flat-profile><GPP_I>moved</GPP_I></flat-profile>",
    )])
    .await;
    server.put("/digest/moved.xml", "<flat-profile></flat-profile>");
    server.redirect("/old.xml", 301, "/final.xml");
    server.redirect("/temp.xml", 302, &server.url("/final.xml"));
    server.redirect("/guarded.xml", 302, "/digest/moved.xml?from=redirect");
    let phone = PhoneSim::start(fast(PhoneConfig::default())).await.unwrap();
    let control = phone.control();

    assert_eq!(
        one_off(&control, &server.url("/old.xml")).await,
        Ok(vec!["GPP_I".into()])
    );
    let paths: Vec<String> = server.seen().iter().map(|s| s.path.clone()).collect();
    assert_eq!(paths, ["/old.xml", "/final.xml"]);
    wait_event(&control, 10, "up", |k| {
        matches!(k, EventKind::RebootFinished)
    })
    .await;

    control.set_value("GPP_I", "");
    let after = control.last_event_seq();
    assert_eq!(
        one_off(&control, &server.url("/temp.xml")).await,
        Ok(vec!["GPP_I".into()])
    );
    let paths: Vec<String> = server.seen().iter().map(|s| s.path.clone()).collect();
    assert_eq!(paths[2..], ["/temp.xml", "/final.xml"]);
    assert_eq!(control.value("GPP_I").as_deref(), Some("moved"));
    wait_event_after(&control, after, "up", |k| {
        matches!(k, EventKind::RebootFinished)
    })
    .await;

    // The challenge comes from where the redirect led: it is answered there, for that URI.
    let before = server.seen().len();
    let rule = format!(
        "[--uid {USER} --pwd {PASSWORD}]{}",
        server.url("/guarded.xml?x=1")
    );
    assert_eq!(one_off(&control, &rule).await, Ok(vec![]));
    let seen = server.seen()[before..].to_vec();
    let last = seen.last().unwrap();
    assert_eq!(last.uri, "/digest/moved.xml?from=redirect", "{seen:#?}");
    assert!(
        last.authorization
            .as_deref()
            .is_some_and(|a| a.contains("uri=\"/digest/moved.xml?from=redirect\"")),
        "{seen:#?}"
    );
}

/// A phone 100× faster than real time that resyncs from `server`'s `/p.xml` on `schedule`.
async fn periodic_phone(server: &FileServer, schedule: &str) -> RunningPhone {
    PhoneSim::start(fast(PhoneConfig {
        time_scale: 100.0,
        values: vec![
            ("Resync_Periodic".into(), schedule.into()),
            ("Profile_Rule".into(), server.url("/p.xml")),
        ],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap()
}

#[tokio::test]
async fn rules_b_to_d_run_in_order_when_a_is_blank_and_a_failure_stops_the_rest() {
    let server = FileServer::start(&[
        (
            "/b.xml",
            "<flat-profile><GPP_B>from-b</GPP_B></flat-profile>",
        ),
        (
            "/d.xml",
            "<flat-profile><GPP_D>from-d</GPP_D></flat-profile>",
        ),
    ])
    .await;
    let phone = PhoneSim::start(fast(PhoneConfig {
        values: vec![
            ("Profile_Rule".into(), String::new()),
            ("Profile_Rule_B".into(), server.url("/b.xml")),
            ("Profile_Rule_C".into(), server.url("/c-missing.xml")),
            ("Profile_Rule_D".into(), server.url("/d.xml")),
        ],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    control.resync(None);
    wait_event(&control, 10, "the failure of rule C", |k| {
        matches!(k, EventKind::ResyncFailed { .. })
    })
    .await;
    let fetched: Vec<String> = server.seen().into_iter().map(|s| s.path).collect();
    assert_eq!(
        fetched,
        ["/b.xml", "/c-missing.xml"],
        "D is not run after C fails"
    );
    // What B applied before C failed stays.
    assert_eq!(control.value("GPP_B").as_deref(), Some("from-b"));
    assert_eq!(control.value("GPP_D").as_deref(), Some(""));
}

#[tokio::test]
async fn a_retry_delay_of_0_means_no_retry() {
    let server = FileServer::start(&[]).await;
    let phone = PhoneSim::start(fast(PhoneConfig {
        time_scale: 100.0,
        values: vec![
            ("Resync_Error_Retry_Delay".into(), "0".into()),
            ("Profile_Rule".into(), server.url("/missing.xml")),
        ],
        ..PhoneConfig::default()
    }))
    .await
    .unwrap();
    let control = phone.control();
    control.resync(None);
    let failed = wait_event(&control, 10, "failure", |k| {
        matches!(k, EventKind::ResyncFailed { .. })
    })
    .await;
    // A later resync that succeeds: anything the failure scheduled is in the log before it.
    server.put("/missing.xml", "<flat-profile></flat-profile>");
    control.resync(None);
    wait_event_after(&control, failed.seq, "success", |k| {
        matches!(k, EventKind::ResyncSucceeded { .. })
    })
    .await;
    let retried = control.events().into_iter().any(|e| {
        matches!(&e.kind, EventKind::RetryScheduled { .. })
            || matches!(&e.kind, EventKind::ResyncStarted { source } if source == "retry")
    });
    assert!(!retried, "events: {:#?}", control.events());
}

#[tokio::test]
async fn the_reboot_history_keeps_the_last_five() {
    let phone = PhoneSim::start(PhoneConfig {
        reboot_secs: 0.05,
        ..PhoneConfig::default()
    })
    .await
    .unwrap();
    let control = phone.control();
    for _ in 0..6 {
        control.reboot().await;
    }
    let history = control.reboot_history();
    assert_eq!(history.len(), 5, "{history:?}");
    assert!(
        history.iter().all(|r| r.ends_with("]Web Request")),
        "{history:?}"
    );
    let xml = eventually(10, "status.xml after the reboots", || async {
        let response = client()
            .get(format!("{}/status.xml", phone.url()))
            .send()
            .await
            .ok()?;
        response.text().await.ok()
    })
    .await;
    assert!(element(&xml, "Reboot_Reason_5").is_some(), "{xml}");
    assert!(element(&xml, "Reboot_Reason_6").is_none(), "{xml}");
}
