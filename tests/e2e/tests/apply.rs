//! apply → verify against emulated phones: every way it should succeed and every way it
//! should fail, with the reason in words.

mod common;

use std::time::Duration;

use std::sync::Arc;

use common::*;
use phone_sim::{EventKind as SimEvent, Faults, PhoneConfig};
use phoneprov::identity::PhoneIdentity;
use phoneprov::phone::{Phone, PhoneError};
use phoneprov::provision::push::{FetchOutcome, OneTimeProfile};
use phoneprov::provision::{
    ApplyError, Engine, EventKind, EventSink, ResyncOptions, ResyncReport, Via, ViaChoice,
};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// What the profile server gives out: one value the phone does not have yet.
const PROFILE: &str = "<flat-profile><Resync_Periodic>7200</Resync_Periodic></flat-profile>";

/// A small provisioning server on 127.0.0.1 serving `xml` at `/p.xml`; when `gate` is given,
/// each answer waits until it opens (at most 10 s). Returns the profile's URL.
async fn profile_server(xml: &'static str, gate: Option<watch::Receiver<bool>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/p.xml",
        axum::routing::get(move || {
            let gate = gate.clone();
            async move {
                if let Some(mut gate) = gate {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(10), gate.wait_for(|open| *open))
                            .await;
                }
                xml
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{address}/p.xml")
}

/// Runs `resync` in a task and hands every event to `on_event` as it arrives.
async fn resync_watching(
    engine: &Arc<Engine>,
    phone: &Arc<Phone>,
    rule: Option<&str>,
    mut on_event: impl FnMut(&EventKind),
) -> (Result<ResyncReport, ApplyError>, Vec<EventKind>) {
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let sink = EventSink::new(phone.address().key(), sender);
    let task = {
        let (engine, phone) = (engine.clone(), phone.clone());
        let rule = rule.map(str::to_string);
        tokio::spawn(async move {
            let options = ResyncOptions {
                wait: true,
                timeout: Duration::from_secs(20),
                max_poll_interval: Duration::from_millis(150),
                ..ResyncOptions::default()
            };
            engine
                .resync(
                    &phone,
                    rule.as_deref(),
                    &options,
                    &sink,
                    &CancellationToken::new(),
                )
                .await
        })
    };
    let events = collect_events(&mut receiver, &mut on_event).await;
    (task.await.unwrap(), events)
}

/// The `Log_*_Msg` lines the phone sent (phone-sim's own record, without the syslog header).
fn syslog_sent(sim: &phone_sim::RunningPhone) -> Vec<String> {
    sim.control()
        .events()
        .into_iter()
        .filter_map(|e| match e.kind {
            SimEvent::Syslog { line, .. } => Some(line),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worked_example_set_by_push_is_verified() {
    let setup = setup();
    let sim = sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let phone = phone_for(&setup.engine, &sim, None);
    let (result, events) = apply(
        &setup.engine,
        &phone,
        worked_example(),
        options(ViaChoice::Push),
    )
    .await;
    let report = result.unwrap();
    assert_eq!(report.via, Some(Via::Push));
    assert!(report.fully_verified());
    assert_eq!(sim_values(&sim, &worked_example()), worked_example());
    let states = states(&events);
    for wanted in [
        "validated",
        "snapshot-saved",
        "sent",
        "profile-fetched",
        "applied",
        "verified",
    ] {
        assert!(states.contains(&wanted), "{wanted} missing from {states:?}");
    }
    // The phone fetched with its real User-Agent, which names it.
    let fetched = events.iter().find_map(|e| match e {
        EventKind::ProfileFetched { user_agent } => user_agent.clone(),
        _ => None,
    });
    let user_agent = fetched.unwrap();
    assert!(user_agent.contains("CP-8861-3PCC"), "{user_agent}");
    assert!(user_agent.contains(&sim.mac()), "{user_agent}");
    // The snapshot holds what the phone had before.
    let snapshot = setup
        .engine
        .history()
        .find(&phone.address().key(), None, report.snapshot.as_deref())
        .unwrap();
    assert_eq!(snapshot.values["Resync_Periodic"], "3600");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worked_example_set_by_post_is_verified() {
    let setup = setup();
    let sim = sim(PhoneConfig::model("CP-7841-3PCC")).await;
    let phone = phone_for(&setup.engine, &sim, None);
    let (result, events) = apply(
        &setup.engine,
        &phone,
        worked_example(),
        options(ViaChoice::Post),
    )
    .await;
    let report = result.unwrap();
    assert_eq!(report.via, Some(Via::Post));
    assert_eq!(sim_values(&sim, &worked_example()), worked_example());
    assert_eq!(states(&events).last(), Some(&"verified"));
    // The phone saw a POST of a flat profile with only what differed.
    let posted = sim
        .control()
        .events()
        .into_iter()
        .find_map(|e| match e.kind {
            SimEvent::ConfigPosted { changed, .. } => Some(changed),
            _ => None,
        })
        .unwrap();
    assert!(posted.contains(&"Resync_Periodic".to_string()));
    assert!(
        !posted.contains(&"Provision_Enable".to_string()),
        "{posted:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_phone_is_verified_after_the_call_ends() {
    let setup = setup();
    let sim = sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let control = sim.control();
    control.start_call();
    let phone = phone_for(&setup.engine, &sim, None);
    let mut ended = false;
    let (result, events) = apply_watching(
        &setup.engine,
        &phone,
        pairs(&[("Resync_Periodic", "86400")]),
        options(ViaChoice::Push),
        |event| {
            if *event == EventKind::WaitingForIdle && !ended {
                // Only now, once phoneprov said it waits, does the call end.
                assert_eq!(control.value("Resync_Periodic").as_deref(), Some("3600"));
                control.end_call();
                ended = true;
            }
        },
    )
    .await;
    result.unwrap();
    assert!(
        ended,
        "phoneprov never reported waiting for idle: {events:?}"
    );
    let states = states(&events);
    let waiting = states
        .iter()
        .position(|s| *s == "waiting-for-idle")
        .unwrap();
    let verified = states.iter().position(|s| *s == "verified").unwrap();
    assert!(waiting < verified, "{states:?}");
    assert_eq!(control.value("Resync_Periodic").as_deref(), Some("86400"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_reboots_after_applying_is_verified_once_back() {
    let setup = setup();
    let sim = sim(PhoneConfig {
        reboot_secs: 1.5,
        ..PhoneConfig::model("CP-8851-3PCC")
    })
    .await;
    let phone = phone_for(&setup.engine, &sim, None);
    let (result, events) = apply(
        &setup.engine,
        &phone,
        pairs(&[("Resync_Periodic", "7200")]),
        options(ViaChoice::Push),
    )
    .await;
    result.unwrap();
    let states = states(&events);
    let rebooting = states.iter().position(|s| *s == "rebooting");
    let back = states.iter().position(|s| *s == "back-online");
    let verified = states.iter().position(|s| *s == "verified").unwrap();
    assert!(
        rebooting.is_some() && back.is_some(),
        "the reboot was not seen: {states:?}"
    );
    assert!(back.unwrap() < verified, "{states:?}");
    assert!(
        sim.control().reboot_history()[0].ends_with("Provisioning"),
        "{:?}",
        sim.control().reboot_history()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_said_and_nothing_is_touched() {
    for model in ["CP-8861-3PCC", "SPA504G"] {
        let setup = setup();
        let sim = sim(PhoneConfig::model(model).with_password("right-one")).await;
        let phone = phone_for(&setup.engine, &sim, Some("wrong-one"));
        let (result, _) = apply(
            &setup.engine,
            &phone,
            pairs(&[("Resync_Periodic", "7200")]),
            options(ViaChoice::Auto),
        )
        .await;
        let error = result.unwrap_err();
        // Refused on the first read: nothing was sent.
        assert!(
            matches!(error, ApplyError::NotRead(PhoneError::WrongPassword { .. })),
            "{model}: {error:?}"
        );
        let text = error.to_string();
        assert!(text.contains("wrong password"), "{text}");
        assert!(text.contains("Nothing was sent"), "{text}");
        assert!(
            !text.contains("wrong-one") && !text.contains("right-one"),
            "{text}"
        );
        assert_eq!(
            sim.control().value("Resync_Periodic").as_deref(),
            Some("3600")
        );
        assert!(
            setup
                .engine
                .history()
                .list(&phone.address().key(), None)
                .unwrap()
                .is_empty()
        );

        // The right password works, by the family's own method (xpassword / Digest).
        let phone = phone_for(&setup.engine, &sim, Some("right-one"));
        let (result, _) = apply(
            &setup.engine,
            &phone,
            pairs(&[("Resync_Periodic", "7200")]),
            options(ViaChoice::Auto),
        )
        .await;
        result.unwrap();
        assert_eq!(
            sim.control().value("Resync_Periodic").as_deref(),
            Some("7200")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provision_enable_no_refuses_push_in_words_and_auto_posts_instead() {
    let setup = setup();
    let sim = sim(PhoneConfig {
        values: vec![("Provision_Enable".into(), "No".into())],
        ..PhoneConfig::model("CP-8861-3PCC")
    })
    .await;
    let phone = phone_for(&setup.engine, &sim, None);
    let (result, events) = apply(
        &setup.engine,
        &phone,
        pairs(&[("Resync_Periodic", "7200")]),
        options(ViaChoice::Push),
    )
    .await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, ApplyError::ProvisionDisabled { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("Provision Enable is No"), "{text}");
    assert!(text.contains("--via post"), "{text}");
    assert!(matches!(events.last(), Some(EventKind::Failed { .. })));
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );
    // Push was never tried: the phone saw no resync request.
    assert!(
        !sim.control()
            .events()
            .iter()
            .any(|e| matches!(e.kind, SimEvent::ResyncRequested { .. })),
        "{:?}",
        sim.control().events()
    );

    // Auto knows the phone refuses resyncs and posts instead, saying why before it sends.
    let (result, events) = apply(
        &setup.engine,
        &phone,
        pairs(&[("Resync_Periodic", "7200")]),
        options(ViaChoice::Auto),
    )
    .await;
    let report = result.unwrap();
    assert_eq!(report.via, Some(Via::Post));
    let reason = events
        .iter()
        .find_map(|e| match e {
            EventKind::FallingBack {
                from: Via::Push,
                to: Via::Post,
                reason,
            } => Some(reason.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no falling-back event: {events:?}"));
    assert!(
        reason.contains("Provision Enable is No, so the phone refuses resyncs"),
        "{reason}"
    );
    let states = states(&events);
    let falling_back = states.iter().position(|s| *s == "falling-back").unwrap();
    let sent = states.iter().position(|s| *s == "sent").unwrap();
    assert!(falling_back < sent, "{states:?}");
    assert_eq!(states.last(), Some(&"verified"), "{states:?}");
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("7200")
    );
    assert!(
        sim.control()
            .events()
            .iter()
            .any(|e| matches!(e.kind, SimEvent::ConfigPosted { .. }))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provision_enable_no_on_an_spa_phone_refuses_auto_too() {
    // SPA phones have no /admin/config.xml: nothing to fall back to.
    let setup = setup();
    let sim = sim(PhoneConfig {
        values: vec![("Provision_Enable".into(), "No".into())],
        ..PhoneConfig::model("SPA504G")
    })
    .await;
    let phone = phone_for(&setup.engine, &sim, None);
    let (result, events) = apply(
        &setup.engine,
        &phone,
        pairs(&[("Resync_Periodic", "7200")]),
        options(ViaChoice::Auto),
    )
    .await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, ApplyError::ProvisionDisabled { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("Provision Enable is No"), "{text}");
    assert!(
        text.contains("SPA phones take changes only by resync"),
        "{text}"
    );
    assert!(!states(&events).contains(&"falling-back"), "{events:?}");
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_cannot_reach_the_laptop_is_told_and_auto_falls_back_to_post() {
    let setup = setup();
    let sim = sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let phone = phone_for(&setup.engine, &sim, None);
    // The phone is told to fetch from an address where nothing listens, as when a firewall
    // or another network stands between it and the laptop.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let unreachable = || {
        let mut options = options(ViaChoice::Push);
        options.push_advertise = Some(closed.to_string());
        options
    };
    let (result, _) = apply(
        &setup.engine,
        &phone,
        pairs(&[("Resync_Periodic", "7200")]),
        unreachable(),
    )
    .await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, ApplyError::CannotReachLaptop { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("could not reach this laptop"),
        "{error}"
    );

    let mut auto = unreachable();
    auto.via = ViaChoice::Auto;
    let (result, events) = apply(
        &setup.engine,
        &phone,
        pairs(&[("Resync_Periodic", "7200")]),
        auto,
    )
    .await;
    assert_eq!(result.unwrap().via, Some(Via::Post));
    assert!(states(&events).contains(&"falling-back"), "{events:?}");
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("7200")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_the_phone_drops_is_named() {
    for via in [ViaChoice::Post, ViaChoice::Push] {
        let setup = setup();
        let sim = sim(PhoneConfig::model("CP-8861-3PCC")).await;
        sim.control().drop_param("Forced_Resync_Delay");
        let phone = phone_for(&setup.engine, &sim, None);
        let (result, _) = apply(&setup.engine, &phone, worked_example(), options(via)).await;
        let error = result.unwrap_err();
        let ApplyError::Unverified {
            mismatches,
            verified,
            ..
        } = &error
        else {
            panic!("{via:?}: {error:?}");
        };
        assert_eq!(mismatches.len(), 1, "{mismatches:?}");
        assert_eq!(mismatches[0].name, "Forced_Resync_Delay");
        assert_eq!(mismatches[0].read_back.as_deref(), Some("14400"));
        assert!(verified.contains(&"Resync_Periodic".to_string()));
        assert!(
            error
                .to_string()
                .contains("Forced_Resync_Delay reads back as \"14400\" instead of \"14401\""),
            "{error}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_certificate_is_refused_with_both_fingerprints() {
    let setup = setup();
    let sim = sim(PhoneConfig {
        https: true,
        ..PhoneConfig::model("CP-8861-3PCC")
    })
    .await;
    let phone = phone_for(&setup.engine, &sim, None);
    let (result, events) = apply(
        &setup.engine,
        &phone,
        pairs(&[("Resync_Periodic", "7200")]),
        options(ViaChoice::Post),
    )
    .await;
    result.unwrap();
    let plain = |f: &str| f.replace(':', "").to_ascii_lowercase();
    let trusted = events
        .iter()
        .find_map(|e| match e {
            EventKind::CertificateTrusted { sha256 } => Some(sha256.clone()),
            _ => None,
        })
        .expect("first use is reported, never silent");
    let original = sim.control().certificate_sha256().unwrap();
    assert_eq!(plain(&trusted), plain(&original));

    let rotated = sim.control().rotate_certificate().unwrap();
    let phone = phone_for(&setup.engine, &sim, None); // a new connection, as a new run
    let (result, _) = apply(
        &setup.engine,
        &phone,
        pairs(&[("Resync_Periodic", "3600")]),
        options(ViaChoice::Post),
    )
    .await;
    let error = result.unwrap_err();
    let ApplyError::NotRead(PhoneError::CertificateChanged(changed)) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(plain(&changed.old), plain(&original));
    assert_eq!(plain(&changed.new), plain(&rotated));
    assert!(
        error.to_string().contains("different HTTPS certificate"),
        "{error}"
    );
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("7200")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_disappears_mid_apply_leaves_a_snapshot_and_an_explanation() {
    let setup = setup();
    let sim = sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let control = sim.control();
    let phone = phone_for(&setup.engine, &sim, None);
    // Pulled from the wall right after it fetched the profile, before applying it.
    control.set_faults(Faults {
        vanish_after_fetch: true,
        ..Faults::default()
    });
    let mut quick = options(ViaChoice::Push);
    quick.timeout = Duration::from_secs(4);
    let (result, events) = apply(
        &setup.engine,
        &phone,
        pairs(&[("Resync_Periodic", "7200")]),
        quick,
    )
    .await;
    assert!(
        control
            .events()
            .iter()
            .any(|e| matches!(e.kind, SimEvent::ProfileFetched { .. })),
        "the phone never fetched"
    );
    let error = result.unwrap_err();
    let ApplyError::Disappeared { snapshot_hint, .. } = &error else {
        panic!("{error:?}");
    };
    let text = error.to_string();
    assert!(text.contains("stopped answering"), "{text}");
    assert!(text.contains("some, all or none"), "{text}");
    assert!(snapshot_hint.contains("rollback"), "{text}");
    assert!(states(&events).contains(&"rebooting"));
    let snapshots = setup
        .engine
        .history()
        .list(&phone.address().key(), None)
        .unwrap();
    assert_eq!(snapshots.len(), 1);
    assert!(text.contains(&snapshots[0].id), "{text}");
    assert_eq!(snapshots[0].values["Resync_Periodic"], "3600");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_spa_phone_with_digest_is_set_by_push() {
    let setup = setup();
    let sim = sim(PhoneConfig::model("SPA504G").with_password("spa-pw")).await;
    let phone = phone_for(&setup.engine, &sim, Some("spa-pw"));
    let (result, _) = apply(
        &setup.engine,
        &phone,
        pairs(&[("Resync_Periodic", "7200"), ("Resync_Random_Delay", "3")]),
        options(ViaChoice::Auto),
    )
    .await;
    let report = result.unwrap();
    assert_eq!(report.via, Some(Via::Push));
    assert_eq!(
        phone.client.auth_method(),
        Some(phoneprov::phone::AuthMethod::Digest)
    );
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("7200")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_restores_the_snapshot_on_the_phone() {
    let setup = setup();
    let sim = sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let phone = phone_for(&setup.engine, &sim, None);
    let (result, _) = apply(
        &setup.engine,
        &phone,
        worked_example(),
        options(ViaChoice::Post),
    )
    .await;
    let id = result.unwrap().snapshot.unwrap();
    let snapshot = setup
        .engine
        .history()
        .find(&phone.address().key(), None, Some(&id))
        .unwrap();
    let report = setup
        .engine
        .rollback(
            &phone,
            &snapshot,
            &options(ViaChoice::Auto),
            &phoneprov::provision::EventSink::discard("x"),
            &tokio_util::sync::CancellationToken::new(),
        )
        .await
        .unwrap();
    assert!(report.verified.contains(&"Resync_Periodic".to_string()));
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );
    assert_eq!(sim.control().value("Resync_At__HHmm_").as_deref(), Some(""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_phones_at_once() {
    let setup = setup();
    let sims = phone_sim::PhoneSim::start_many(
        &PhoneConfig {
            reboot_secs: 0.2,
            ..PhoneConfig::default()
        },
        6,
    )
    .await
    .unwrap();
    let tasks: Vec<_> = sims
        .iter()
        .enumerate()
        .map(|(i, sim)| {
            let engine = setup.engine.clone();
            let phone = phone_with_timeout(&engine, sim, None, Duration::from_secs(30));
            let via = if i % 2 == 0 {
                ViaChoice::Push
            } else {
                ViaChoice::Post
            };
            let value = (4000 + i).to_string();
            tokio::spawn(async move {
                apply(
                    &engine,
                    &phone,
                    pairs(&[("Resync_Periodic", &value)]),
                    options(via),
                )
                .await
                .0
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        task.await.unwrap().unwrap();
        assert_eq!(
            sims[i].control().value("Resync_Periodic"),
            Some((4000 + i).to_string())
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_from_a_one_off_rule_is_followed_to_its_success() {
    let setup = setup();
    let sim = sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let rule_before = sim.control().value("Profile_Rule");
    let phone = phone_for(&setup.engine, &sim, None);
    let url = profile_server(PROFILE, None).await;
    let (result, events) = resync_watching(&setup.engine, &phone, Some(&url), |_| {}).await;
    let report = result.unwrap();
    assert_eq!(report.success, Some(true), "{report:?}");
    assert_eq!(
        sim.control().value("Resync_Periodic").as_deref(),
        Some("7200")
    );
    let states = states(&events);
    // The phone's values are kept before it is asked to resync.
    assert_eq!(
        states[..2],
        ["snapshot-saved", "resync-requested"],
        "{states:?}"
    );
    assert_eq!(states.last(), Some(&"resync-finished"), "{states:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, EventKind::ResyncFinished { success: true, .. })),
        "{events:?}"
    );
    assert!(events.contains(&EventKind::ResyncRequested {
        rule: Some(url.clone())
    }));
    // The phone fetched that profile, and kept its own rule (a one-off rule is not saved).
    assert!(
        sim.control().events().iter().any(|e| matches!(
            &e.kind,
            SimEvent::ProfileFetched { url: fetched, .. } if fetched.ends_with("/p.xml")
        )),
        "{:?}",
        sim.control().events()
    );
    assert_eq!(sim.control().value("Profile_Rule"), rule_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_rule_that_fails_fails_the_resync_after_an_earlier_rules_success_line() {
    let setup = setup();
    let listening = setup
        .engine
        .enable_syslog("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let good = profile_server(PROFILE, None).await;
    // Same server, a file it does not have: rule B fails after rule A succeeded and logged so.
    let missing = good.replace("/p.xml", "/missing.xml");
    let sim = sim(PhoneConfig {
        values: vec![
            ("Syslog_Server".into(), listening.to_string()),
            ("Profile_Rule".into(), good.clone()),
            ("Profile_Rule_B".into(), missing),
        ],
        ..PhoneConfig::model("CP-8861-3PCC")
    })
    .await;
    let phone = phone_for(&setup.engine, &sim, None);
    let (result, events) = resync_watching(&setup.engine, &phone, None, |_| {}).await;
    let error = result.unwrap_err();
    assert!(
        matches!(error, ApplyError::ResyncFailed { .. }),
        "rule B's failure is the outcome: {error:?}"
    );
    assert!(
        sim.control()
            .wait_for_event(Duration::from_secs(10), |k| {
                matches!(k, SimEvent::Syslog { line, .. } if line.contains("-- Successful resync"))
            })
            .await
            .is_some(),
        "rule A logged its success first"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EventKind::ResyncFinished { success: true, .. })),
        "never reported as a success: {events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resync_is_followed_through_the_phones_syslog_lines() {
    let setup = setup();
    let listening = setup
        .engine
        .enable_syslog("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let sim = sim(PhoneConfig {
        values: vec![("Syslog_Server".into(), listening.to_string())],
        ..PhoneConfig::model("CP-8861-3PCC")
    })
    .await;
    let phone = phone_for(&setup.engine, &sim, None);
    // The profile is handed out only once phoneprov has reported the phone's request line:
    // the line is not merely sent, it reached the engine while the resync was running.
    let (open, gate) = watch::channel(false);
    let url = profile_server(PROFILE, Some(gate)).await;
    let (result, events) = resync_watching(&setup.engine, &phone, Some(&url), |event| {
        if let EventKind::Syslog { text } = event
            && text.contains("Requesting resync")
        {
            open.send_replace(true);
        }
    })
    .await;
    assert!(
        *open.borrow(),
        "the phone's request line never reached the engine: {events:?}"
    );
    let report = result.unwrap();
    assert_eq!(report.success, Some(true), "{report:?}");
    // The emulator records a line once its datagram is sent, so the engine may have read it
    // first: wait for the record, not for time.
    sim.control()
        .wait_for_event(
            Duration::from_secs(10),
            |k| matches!(k, SimEvent::Syslog { line, .. } if line.contains("-- Successful resync")),
        )
        .await;
    let sent = syslog_sent(&sim);
    assert!(
        sent.iter().any(|l| l.contains("-- Requesting resync"))
            && sent.iter().any(|l| l.contains("-- Successful resync")),
        "the phone did not log request and outcome: {sent:?}"
    );
    // Every line the phone sent, whole, is in the report and was an event, in its order.
    let reported: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            EventKind::Syslog { text } => Some(text.clone()),
            _ => None,
        })
        .collect();
    for (i, line) in sent.iter().enumerate() {
        assert!(
            report.syslog.get(i) == Some(line),
            "{line:?} is not line {i} of the report: {:?}",
            report.syslog
        );
        assert!(
            reported.get(i) == Some(line),
            "{line:?} is not syslog event {i}: {reported:?}"
        );
    }
    let states = states(&events);
    let first_line = states.iter().position(|s| *s == "syslog").unwrap();
    let finished = states.iter().position(|s| *s == "resync-finished").unwrap();
    assert!(first_line < finished, "{states:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_push_profile_is_refused_to_another_address_even_with_the_phones_identity() {
    let right = sim(PhoneConfig::model("CP-8861-3PCC")).await;
    // The same model and MAC (so only the address can tell), on another host of the
    // loopback network: its fetches leave from 127.0.0.2.
    let other = sim(PhoneConfig {
        listen: "127.0.0.2:0".parse().unwrap(),
        mac: Some(right.mac()),
        ..PhoneConfig::model("CP-8861-3PCC")
    })
    .await;
    let expected = PhoneIdentity {
        model: Some("CP-8861-3PCC".into()),
        mac: Some(right.mac().parse().unwrap()),
        ..PhoneIdentity::default()
    };
    let mut profile = OneTimeProfile::start(
        right.addr().ip(),
        PROFILE.to_string(),
        expected,
        Duration::from_secs(30),
        tokio::sync::broadcast::channel(8).0,
    )
    .await
    .unwrap();

    let control = other.control();
    control.resync(Some(profile.url()));
    let failed = control
        .wait_for_event(Duration::from_secs(10), |k| {
            matches!(
                k,
                SimEvent::ResyncFailed { .. } | SimEvent::ProfileFetched { .. }
            )
        })
        .await
        .expect("the other phone did not finish its resync");
    assert!(
        matches!(failed.kind, SimEvent::ResyncFailed { .. }),
        "{failed:?}"
    );
    assert_eq!(control.value("Resync_Periodic").as_deref(), Some("3600"));
    assert!(
        tokio::time::timeout(Duration::ZERO, profile.fetched())
            .await
            .is_err(),
        "the refused fetch counted as the phone's"
    );

    // The token is still the right phone's.
    right.control().resync(Some(profile.url()));
    let outcome = tokio::time::timeout(Duration::from_secs(10), profile.fetched())
        .await
        .expect("the right phone did not fetch");
    let FetchOutcome::Served { user_agent } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(user_agent.unwrap().contains(&right.mac()));
    right
        .control()
        .wait_for_event(Duration::from_secs(10), |k| {
            matches!(k, SimEvent::ProfileApplied { .. })
        })
        .await
        .expect("the right phone did not apply the profile");
    assert_eq!(
        right.control().value("Resync_Periodic").as_deref(),
        Some("7200")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_an_apply_on_a_busy_phone_ends_cancelled_and_never_verified() {
    let setup = setup();
    let sim = sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let control = sim.control();
    control.start_call();
    let phone = phone_for(&setup.engine, &sim, None);
    let cancel = CancellationToken::new();
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let sink = EventSink::new(phone.address().key(), sender);
    let task = {
        let (engine, phone, cancel) = (setup.engine.clone(), phone.clone(), cancel.clone());
        tokio::spawn(async move {
            engine
                .apply(
                    &phone,
                    &pairs(&[("Resync_Periodic", "7200")]),
                    &options(ViaChoice::Push),
                    &sink,
                    &cancel,
                )
                .await
        })
    };
    let mut events = Vec::new();
    while let Some(event) = receiver.recv().await {
        eprintln!("{}", event.summary());
        if event.kind == EventKind::WaitingForIdle {
            // The technician gives up while the phone is on its call.
            cancel.cancel();
        }
        events.push(event.kind);
    }
    let error = task.await.unwrap().unwrap_err();
    let ApplyError::Cancelled { snapshot_hint, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(
        states(&events).contains(&"waiting-for-idle"),
        "never waited: {events:?}"
    );
    for never in ["applied", "verified"] {
        assert!(!states(&events).contains(&never), "{never}: {events:?}");
    }
    let Some(EventKind::Failed { reason }) = events.last() else {
        panic!("{events:?}");
    };
    assert!(reason.starts_with("cancelled"), "{reason}");
    let snapshots = setup
        .engine
        .history()
        .list(&phone.address().key(), None)
        .unwrap();
    assert_eq!(snapshots.len(), 1);
    assert!(snapshot_hint.contains(&snapshots[0].id), "{error}");

    // Once cancelled, nothing reaches the phone: when the call ends, its pending resync
    // finds no profile to fetch.
    let after = control.last_event_seq();
    control.end_call();
    let outcome = control
        .wait_for_event_after(after, Duration::from_secs(10), |k| {
            matches!(
                k,
                SimEvent::ResyncFailed { .. }
                    | SimEvent::ProfileFetched { .. }
                    | SimEvent::ResyncSucceeded { .. }
            )
        })
        .await
        .expect("the phone did not run its pending resync");
    assert!(
        matches!(outcome.kind, SimEvent::ResyncFailed { .. }),
        "{outcome:?}"
    );
    assert_eq!(control.value("Resync_Periodic").as_deref(), Some("3600"));
}
