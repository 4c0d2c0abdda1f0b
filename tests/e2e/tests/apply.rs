//! apply → verify against emulated phones: every way it should succeed and every way it
//! should fail, with the reason in words.

mod common;

use std::time::Duration;

use common::*;
use phone_sim::{EventKind as SimEvent, Faults, PhoneConfig};
use phoneprov::phone::PhoneError;
use phoneprov::provision::{ApplyError, EventKind, Via, ViaChoice};

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
        assert!(
            matches!(error, ApplyError::Phone(PhoneError::WrongPassword { .. })),
            "{model}: {error:?}"
        );
        let text = error.to_string();
        assert!(text.contains("wrong password"), "{text}");
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
    let ApplyError::Phone(PhoneError::CertificateChanged(changed)) = &error else {
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
