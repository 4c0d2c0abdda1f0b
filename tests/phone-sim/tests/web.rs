//! The phone's web interface over real HTTP on 127.0.0.1: dumps, POST, access control,
//! HTTPS, faults, the control interface.

mod common;

use common::*;
use phone_sim::{Auth, EventKind, Faults, PhoneConfig, PhoneSim};

#[tokio::test]
async fn worked_example_posted_to_config_xml_shows_in_cfg_xml() {
    let phone = PhoneSim::start(PhoneConfig::default()).await.unwrap();
    let (status, before) = get(&format!("{}/admin/cfg.xml", phone.url())).await;
    assert_eq!(status, 200);
    assert_eq!(element(&before, "Resync_Periodic").as_deref(), Some("3600"));
    assert!(
        before.matches("ua=\"").count() > 500,
        "a real cfg.xml holds hundreds of parameters"
    );

    let (status, _) = post(&format!("{}/admin/config.xml", phone.url()), WORKED_EXAMPLE).await;
    assert_eq!(status, 200);
    let (_, after) = get(&format!("{}/admin/cfg.xml", phone.url())).await;
    for (name, value) in WORKED_EXAMPLE_VALUES {
        assert_eq!(element(&after, name).as_deref(), Some(*value), "{name}");
    }
    // POST does not reboot the phone.
    assert!(phone.control().is_up());
    let posted = phone
        .control()
        .events()
        .into_iter()
        .find_map(|e| match e.kind {
            EventKind::ConfigPosted { changed, .. } => Some(changed),
            _ => None,
        })
        .unwrap();
    assert!(posted.contains(&"Resync_Periodic".to_string()));
    assert!(
        !posted.contains(&"Provision_Enable".to_string()),
        "unchanged values are not changes"
    );
}

#[tokio::test]
async fn flat_profile_rules_unknown_ignored_last_duplicate_wins_missing_left_alone() {
    // Values that differ from the defaults: a profile without them must not reset them.
    let phone = PhoneSim::start(PhoneConfig {
        values: vec![
            ("Resync_Periodic".into(), "7200".into()),
            ("GPP_B".into(), "kept".into()),
        ],
        ..PhoneConfig::model("CP-7841-3PCC")
    })
    .await
    .unwrap();
    let profile = "<device><flat-profile>\
        <No_Such_Param>1</No_Such_Param>\
        <GPP_A>first</GPP_A><GPP_A>  last\nline </GPP_A>\
        </flat-profile></device>";
    let (status, _) = post(&format!("{}/admin/config.xml", phone.url()), profile).await;
    assert_eq!(status, 200);
    let control = phone.control();
    assert_eq!(control.value("GPP_A").as_deref(), Some("last line"));
    assert_eq!(control.value("Resync_Periodic").as_deref(), Some("7200"));
    assert_eq!(control.value("GPP_B").as_deref(), Some("kept"));
    assert_eq!(control.value("No_Such_Param"), None);
    // Not XML at all: refused, nothing changed.
    let (status, body) = post(
        &format!("{}/admin/config.xml", phone.url()),
        "<flat-profile><GPP_A>x</GPP_B>",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(control.value("GPP_A").as_deref(), Some("last line"));
}

#[tokio::test]
async fn passwords_are_hidden_in_cfg_xml() {
    let phone = PhoneSim::start(PhoneConfig::default()).await.unwrap();
    post(
        &format!("{}/admin/config.xml", phone.url()),
        "<flat-profile><Password_1_>sip-secret</Password_1_><User_Password>u</User_Password></flat-profile>",
    )
    .await;
    assert_eq!(
        phone.control().value("Password_1_").as_deref(),
        Some("sip-secret")
    );
    let (_, xml) = get(&format!("{}/admin/cfg.xml", phone.url())).await;
    assert!(!xml.contains("sip-secret"));
    assert_eq!(element(&xml, "Password_1_").as_deref(), Some(""));
    assert_eq!(element(&xml, "User_Password").as_deref(), Some(""));
}

#[tokio::test]
async fn status_xml_names_the_phone() {
    let phone = PhoneSim::start(PhoneConfig {
        firmware: Some("12.0.1".into()),
        ..PhoneConfig::model("CP-8851-3PCC")
    })
    .await
    .unwrap();
    for path in ["/status.xml", "/admin/status.xml"] {
        let (status, xml) = get(&format!("{}{path}", phone.url())).await;
        assert_eq!(status, 200);
        assert_eq!(
            element(&xml, "Product_Name").as_deref(),
            Some("CP-8851-3PCC")
        );
        assert_eq!(
            element(&xml, "Software_Version").as_deref(),
            Some("sip88xx.12-0-1MPP-1")
        );
        assert_eq!(
            element(&xml, "MAC_Address").unwrap().to_lowercase(),
            phone.mac()
        );
        assert_eq!(element(&xml, "Current_IP").as_deref(), Some("127.0.0.1"));
        assert_eq!(element(&xml, "Call_State").as_deref(), Some("Idle"));
        assert!(
            element(&xml, "Reboot_Reason_1")
                .unwrap()
                .ends_with("]Power Cycle")
        );
    }
    let (_, cfg) = get(&format!("{}/admin/cfg.xml", phone.url())).await;
    assert!(
        element(&cfg, "Resync_Error_Retry_Delay")
            .unwrap()
            .starts_with("60,120,240")
    );
    for path in ["/", "/admin/advanced"] {
        let (status, page) = get(&format!("{}{path}", phone.url())).await;
        assert_eq!(status, 200);
        assert!(
            page.contains("<title>Cisco CP-8851-3PCC Configuration Utility</title>"),
            "{page}"
        );
    }
}

#[tokio::test]
async fn xpassword_credentials_are_checked() {
    let phone = PhoneSim::start(PhoneConfig::default().with_password("s3cret pw"))
        .await
        .unwrap();
    let url = phone.url();
    let (status, _) = get(&format!("{url}/admin/cfg.xml")).await;
    assert_eq!(status, 401, "missing credentials");
    let (status, _) = get(&format!("{url}/admin/cfg.xml?xuser=admin&xpassword=wrong")).await;
    assert_eq!(status, 401, "wrong password");
    let (status, _) = get(&format!(
        "{url}/admin/cfg.xml?xuser=user&xpassword=s3cret%20pw"
    ))
    .await;
    assert_eq!(status, 401, "the user account is not admin");
    let (status, xml) = get(&format!(
        "{url}/admin/cfg.xml?xuser=admin&xpassword=s3cret%20pw"
    ))
    .await;
    assert_eq!(status, 200);
    assert!(element(&xml, "Provision_Enable").is_some());
    // Cisco's own form: credentials appended after the path with '&'.
    let (status, _) = post(
        &format!("{url}/admin/config.xml&xuser=admin&xpassword=s3cret%20pw"),
        "<flat-profile><GPP_B>ok</GPP_B></flat-profile>",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(phone.control().value("GPP_B").as_deref(), Some("ok"));
    let (status, _) = post(
        &format!("{url}/admin/config.xml"),
        "<flat-profile><GPP_B>no</GPP_B></flat-profile>",
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(phone.control().value("GPP_B").as_deref(), Some("ok"));
    // The user-level status page needs no admin password.
    assert_eq!(get(&format!("{url}/status.xml")).await.0, 200);
    assert!(
        phone
            .control()
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::AuthRefused { .. }))
    );
}

/// HTTP Digest as a client computes it (RFC 2617, qop=auth).
fn digest_header(challenge: &str, user: &str, password: &str, uri: &str) -> String {
    use md5::{Digest, Md5};
    let md5 = |s: String| hex::encode(Md5::digest(s.as_bytes()));
    let field = |key: &str| {
        let start = challenge.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
        challenge[start..].split('"').next().unwrap().to_string()
    };
    let (realm, nonce) = (field("realm"), field("nonce"));
    let ha1 = md5(format!("{user}:{realm}:{password}"));
    let ha2 = md5(format!("GET:{uri}"));
    let response = md5(format!("{ha1}:{nonce}:00000001:0a4f113b:auth:{ha2}"));
    format!(
        "Digest username=\"{user}\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", response=\"{response}\""
    )
}

#[tokio::test]
async fn spa_asks_for_http_digest_and_dumps_spacfg_xml() {
    let phone = PhoneSim::start(PhoneConfig::model("SPA504G").with_password("spa-pw"))
        .await
        .unwrap();
    let url = format!("{}/admin/spacfg.xml", phone.url());
    let first = client().get(&url).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 401);
    let challenge = first.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.starts_with("Digest "), "{challenge}");

    let wrong = digest_header(&challenge, "admin", "nope", "/admin/spacfg.xml");
    let refused = client()
        .get(&url)
        .header("authorization", wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);

    let challenge = refused.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    let right = digest_header(&challenge, "admin", "spa-pw", "/admin/spacfg.xml");
    let ok = client()
        .get(&url)
        .header("authorization", right)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    let xml = ok.text().await.unwrap();
    assert!(xml.contains(
        "<Profile_Rule group=\"Provisioning/Configuration_Profile\">/spa$PSN.cfg</Profile_Rule>"
    ));
    assert!(xml.contains("<Log_Resync_Request_Msg group="));
    assert_eq!(element(&xml, "Product_Name").as_deref(), Some("SPA504G"));
    // SPA phones have no cfg.xml.
    let challenge2 = client().get(&url).send().await.unwrap().headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    let auth = digest_header(&challenge2, "admin", "spa-pw", "/admin/cfg.xml");
    let cfg = client()
        .get(format!("{}/admin/cfg.xml", phone.url()))
        .header("authorization", auth)
        .send()
        .await
        .unwrap();
    assert_eq!(cfg.status().as_u16(), 404);
}

#[tokio::test]
async fn spa_ata_status_follows_the_real_spa112_layout() {
    let phone = PhoneSim::start(PhoneConfig::model("SPA112")).await.unwrap();
    let (_, xml) = get(&format!("{}/status.xml", phone.url())).await;
    assert!(
        xml.starts_with("<?xml version=\"1.0\"?>\n<flat-status>\n"),
        "{xml}"
    );
    assert_eq!(element(&xml, "Product_Name").as_deref(), Some("SPA112"));
    assert_eq!(
        element(&xml, "Software_Version").as_deref(),
        Some("1.4.1(002)")
    );
    // No invented elements, and the MAC only inside <router-status>.
    for invented in [
        "Call_State",
        "Provisioning_State",
        "Registration_State_1_",
        "Reboot_History",
    ] {
        assert!(
            !xml.contains(&format!("<{invented}>")),
            "{invented} in {xml}"
        );
    }
    let router = xml.find("<router-status>").expect("router-status block");
    assert!(
        xml.find("<MAC_Address>").unwrap() > router,
        "MAC before router-status"
    );
    assert!(xml[router..].contains("<Manufacture_MAC_Address>"));
    assert!(xml[router..].contains("<!-- <Login_User_Password></Login_User_Password> -->"));
    // Unnumbered per-line fields once per line, in the line's order.
    assert_eq!(xml.matches("<Registration_State>").count(), 2);
    assert_eq!(xml.matches("<Mapped_SIP_Port>").count(), 2);
    let order = [
        "<External_IP>",
        "<Hook_State_1_>",
        "<Registration_State>",
        "<Call_Back_Active_1_>",
        "<Last_Called_Number_1_>",
        "<Call_1_State_1_>",
        "<Call_2_State_1_>",
        "<Call_2_Packet_Error_1_>",
        "<Hook_State_2_>",
        "<Call_1_Peer_Phone_2_>",
        "<Call_2_Packet_Error_2_>",
        "<Custom_CA_Provisioning_Status>",
        "<Custom_CA_Info>",
        "<router-status>",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|t| xml.find(t).unwrap_or_else(|| panic!("{t} missing")))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "order {positions:?}"
    );
    // 20 fields × 2 calls × 2 lines.
    assert_eq!(
        xml.matches("<Call_1_").count() + xml.matches("<Call_2_").count(),
        80
    );
    assert_eq!(element(&xml, "Hook_State_1_").as_deref(), Some("On"));
    assert_eq!(element(&xml, "Call_1_State_1_").as_deref(), Some("Idle"));
    // `4/20/2017 14:17:55` and `22:39:05`.
    let time = element(&xml, "Current_Time").unwrap();
    let (date, clock) = time.split_once(' ').unwrap();
    let parts: Vec<&str> = date.split('/').collect();
    assert_eq!(parts.len(), 3, "{time}");
    assert!(
        !parts[0].starts_with('0') && !parts[1].starts_with('0') && parts[2].len() == 4,
        "{time}"
    );
    assert_eq!(clock.len(), 8, "{time}");
    let elapsed = element(&xml, "Elapsed_Time").unwrap();
    assert_eq!(elapsed.split(':').count(), 3, "{elapsed}");
    phone.control().start_call();
    let (_, busy) = get(&format!("{}/status.xml", phone.url())).await;
    assert_eq!(element(&busy, "Hook_State_1_").as_deref(), Some("Off"));
    assert_eq!(
        element(&busy, "Call_1_State_1_").as_deref(),
        Some("Connected")
    );
    assert_eq!(element(&busy, "Call_1_State_2_").as_deref(), Some("Idle"));
    let (_, page) = get(&format!("{}/", phone.url())).await;
    assert!(page.contains("<title>SPA112 Configuration Utility</title>"));
}

#[tokio::test]
async fn web_switches_are_honoured() {
    let phone = PhoneSim::start(PhoneConfig::default()).await.unwrap();
    let control = phone.control();
    let url = phone.url();

    control.set_value("Enable_Direct_Action_Url", "No");
    assert_eq!(get(&format!("{url}/admin/cfg.xml")).await.0, 403);
    assert_eq!(get(&format!("{url}/admin/resync")).await.0, 403);
    assert_eq!(
        get(&format!("{url}/admin/advanced")).await.0,
        200,
        "the web pages stay"
    );
    control.set_value("Enable_Direct_Action_Url", "Yes");

    control.set_value("Enable_Web_Admin_Access", "No");
    assert_eq!(get(&format!("{url}/admin/cfg.xml")).await.0, 403);
    assert_eq!(get(&format!("{url}/status.xml")).await.0, 200);
    control.set_value("Enable_Web_Admin_Access", "Yes");

    control.set_value("Enable_Web_Server", "No");
    let closed = client().get(format!("{url}/status.xml")).send().await;
    assert!(closed.is_err(), "web server off: no answer");
    control.set_value("Enable_Web_Server", "Yes");
    assert_eq!(get(&format!("{url}/status.xml")).await.0, 200);
}

#[tokio::test]
async fn https_serves_a_self_signed_certificate_that_can_change() {
    let phone = PhoneSim::start(PhoneConfig {
        https: true,
        ..PhoneConfig::default()
    })
    .await
    .unwrap();
    assert!(phone.url().starts_with("https://"));
    let control = phone.control();
    let peer_cert = |response: &reqwest::Response| {
        response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(|i| i.peer_certificate())
            .map(<[u8]>::to_vec)
            .unwrap()
    };
    let response = client()
        .get(format!("{}/status.xml", phone.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let first = peer_cert(&response);
    assert_eq!(Some(first.clone()), control.certificate_der());

    // A client that trusts only the public roots refuses it: it is self-signed.
    let strict = reqwest::Client::builder().build().unwrap();
    assert!(
        strict
            .get(format!("{}/status.xml", phone.url()))
            .send()
            .await
            .is_err()
    );

    let (_, cfg) = get(&format!("{}/admin/cfg.xml", phone.url())).await;
    assert_eq!(element(&cfg, "Enable_Protocol").as_deref(), Some("Https"));

    let sha = control.rotate_certificate().unwrap();
    assert_eq!(control.certificate_sha256(), Some(sha));
    let response = client()
        .get(format!("{}/status.xml", phone.url()))
        .send()
        .await
        .unwrap();
    let second = peer_cert(&response);
    assert_ne!(first, second, "the certificate changed");
    assert_eq!(Some(second), control.certificate_der());
}

#[tokio::test]
async fn faults_500_reset_slow_truncated_malformed_huge() {
    let phone = PhoneSim::start(PhoneConfig::default()).await.unwrap();
    let control = phone.control();
    let status_url = format!("{}/status.xml", phone.url());

    control.set_faults(Faults {
        error_500: 2,
        ..Faults::default()
    });
    assert_eq!(get(&status_url).await.0, 500);
    assert_eq!(get(&status_url).await.0, 500);
    assert_eq!(
        get(&status_url).await.0,
        200,
        "only the next two requests fail"
    );

    control.set_faults(Faults {
        reset_requests: 1,
        ..Faults::default()
    });
    assert!(
        client().get(&status_url).send().await.is_err(),
        "connection closed unanswered"
    );
    assert_eq!(get(&status_url).await.0, 200);

    control.set_faults(Faults {
        delay_ms: 300,
        ..Faults::default()
    });
    let quick = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(100))
        .build()
        .unwrap();
    assert!(
        quick
            .get(&status_url)
            .send()
            .await
            .unwrap_err()
            .is_timeout()
    );
    assert_eq!(
        get(&status_url).await.0,
        200,
        "a patient client gets the answer"
    );

    control.set_faults(Faults {
        truncated_xml: true,
        ..Faults::default()
    });
    let (_, xml) = get(&format!("{}/admin/cfg.xml", phone.url())).await;
    assert!(!xml.trim_end().ends_with("</flat-profile>"));
    assert!(quick_xml_ok(&xml).is_err());

    control.set_faults(Faults {
        malformed_xml: true,
        ..Faults::default()
    });
    let (_, xml) = get(&status_url).await;
    assert!(quick_xml_ok(&xml).is_err(), "{xml}");

    control.set_faults(Faults {
        huge_body_mb: 3,
        ..Faults::default()
    });
    let body = client()
        .get(&status_url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(body.len() > 3 << 20, "{} bytes", body.len());

    control.clear_faults();
    let (_, xml) = get(&status_url).await;
    assert!(quick_xml_ok(&xml).is_ok());
}

fn quick_xml_ok(xml: &str) -> Result<(), String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => {
                return if depth == 0 {
                    Ok(())
                } else {
                    Err("unclosed".into())
                };
            }
            Err(e) => return Err(e.to_string()),
            _ => {}
        }
    }
}

#[tokio::test]
async fn dropped_parameter_is_silently_refused() {
    let phone = PhoneSim::start(PhoneConfig::default()).await.unwrap();
    let control = phone.control();
    control.drop_param("Resync_Periodic");
    let (status, _) = post(
        &format!("{}/admin/config.xml", phone.url()),
        "<flat-profile><Resync_Periodic>86400</Resync_Periodic><GPP_C>x</GPP_C></flat-profile>",
    )
    .await;
    assert_eq!(status, 200, "the phone does not say it dropped anything");
    let (_, xml) = get(&format!("{}/admin/cfg.xml", phone.url())).await;
    assert_eq!(element(&xml, "Resync_Periodic").as_deref(), Some("3600"));
    assert_eq!(element(&xml, "GPP_C").as_deref(), Some("x"));
}

#[tokio::test]
async fn control_interface_over_http() {
    let phone = PhoneSim::start(PhoneConfig::model("CP-7821-3PCC"))
        .await
        .unwrap();
    let url = phone.url();
    let c = client();
    let info: serde_json::Value = c
        .get(format!("{url}/__sim/info"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .as_str()
        .pipe_json();
    assert_eq!(info["model"], "CP-7821-3PCC");
    assert_eq!(info["mac"], phone.mac());

    c.post(format!("{url}/__sim/call/start"))
        .send()
        .await
        .unwrap();
    let (_, xml) = get(&format!("{url}/status.xml")).await;
    assert_eq!(element(&xml, "Call_State").as_deref(), Some("Connected"));
    c.post(format!("{url}/__sim/call/end"))
        .send()
        .await
        .unwrap();
    assert!(!phone.control().call_active());

    let faults = c
        .post(format!("{url}/__sim/faults"))
        .body(r#"{"error_500": 1, "drop_params": ["GPP_D"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(faults.status().as_u16(), 200);
    assert_eq!(get(&format!("{url}/status.xml")).await.0, 500);
    assert_eq!(
        phone.control().faults().drop_params,
        vec!["GPP_D".to_string()]
    );
    let bad = c
        .post(format!("{url}/__sim/faults"))
        .body("{nonsense")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    c.delete(format!("{url}/__sim/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(phone.control().faults(), Faults::default());

    let set = c
        .post(format!("{url}/__sim/config"))
        .body(r#"{"Provision_Enable": "No", "Bogus": "1"}"#)
        .send()
        .await
        .unwrap();
    let set: serde_json::Value = set.text().await.unwrap().as_str().pipe_json();
    assert_eq!(set["unknown"][0], "Bogus");
    let config: serde_json::Value = c
        .get(format!("{url}/__sim/config"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .as_str()
        .pipe_json();
    assert_eq!(config["Provision_Enable"], "No");

    let events: Vec<serde_json::Value> = c
        .get(format!("{url}/__sim/events"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .as_str()
        .pipe_json();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.contains(&"call_started") && kinds.contains(&"call_ended"),
        "{kinds:?}"
    );
    assert!(kinds.contains(&"value_set"));
    let last = events.last().unwrap()["seq"].as_u64().unwrap();
    let newer: Vec<serde_json::Value> = c
        .get(format!("{url}/__sim/events?since={last}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .as_str()
        .pipe_json();
    assert!(newer.iter().all(|e| e["seq"].as_u64().unwrap() > last));
}

#[tokio::test]
async fn upgrade_is_recorded_and_log_messages_show_what_happened() {
    let phone = PhoneSim::start(PhoneConfig::default()).await.unwrap();
    let url = phone.url();
    let (status, _) = get(&format!(
        "{url}/admin/upgrade?http://10.0.0.5/sip88xx.12-0-1MPP-1.loads"
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        phone.control().upgrades(),
        vec!["http://10.0.0.5/sip88xx.12-0-1MPP-1.loads".to_string()]
    );
    phone.control().start_call();
    let (status, log) = get(&format!("{url}/admin/log/messages")).await;
    assert_eq!(status, 200);
    assert!(
        log.contains("upgrade requested from http://10.0.0.5/"),
        "{log}"
    );
    assert!(log.contains("call: connected"), "{log}");
}

#[tokio::test]
async fn a_hundred_phones_at_once() {
    let phones = PhoneSim::start_many(&PhoneConfig::default(), 100)
        .await
        .unwrap();
    let macs: std::collections::HashSet<String> = phones.iter().map(|p| p.mac()).collect();
    assert_eq!(macs.len(), 100, "every phone has its own MAC");
    let c = client();
    let answers = futures::future::join_all(phones.iter().map(|p| {
        let c = c.clone();
        let url = format!("{}/status.xml", p.url());
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    }))
    .await;
    for (phone, xml) in phones.iter().zip(answers) {
        assert_eq!(
            element(&xml, "MAC_Address").unwrap().to_lowercase(),
            phone.mac()
        );
    }
    for phone in phones {
        let addr = phone.addr();
        phone.stop().await;
        assert!(!reachable(addr).await, "a stopped phone stops answering");
    }
}

#[tokio::test]
async fn auth_mode_none_needs_nothing_and_unknown_models_are_refused() {
    let phone = PhoneSim::start(PhoneConfig {
        auth: Auth::None,
        admin_password: Some("ignored".into()),
        ..PhoneConfig::default()
    })
    .await
    .unwrap();
    assert_eq!(get(&format!("{}/admin/cfg.xml", phone.url())).await.0, 200);
    let err = PhoneSim::start(PhoneConfig::model("CP-9999-3PCC"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("known models"), "{err}");
}

trait PipeJson {
    fn pipe_json<T: serde::de::DeserializeOwned>(self) -> T;
}

impl PipeJson for &str {
    fn pipe_json<T: serde::de::DeserializeOwned>(self) -> T {
        serde_json::from_str(self).unwrap()
    }
}

/// Polls until the phone's port is `up` (accepting connections) or not.
async fn port_until(addr: std::net::SocketAddr, up: bool, what: &str) {
    eventually(10, what, || async {
        (reachable(addr).await == up).then_some(())
    })
    .await
}

#[tokio::test]
async fn admin_reboot_records_the_reason_and_closes_the_port_for_the_reboot_time() {
    let phone = PhoneSim::start(PhoneConfig {
        reboot_secs: 1.0,
        ..PhoneConfig::default().with_password("pw")
    })
    .await
    .unwrap();
    let control = phone.control();
    let url = phone.url();
    // Without the password nothing happens.
    assert_eq!(get(&format!("{url}/admin/reboot")).await.0, 401);
    // An MPP phone reboots at once, even on a call (the call is dropped).
    control.start_call();
    let after = control.last_event_seq();
    let (status, body) = get(&format!("{url}/admin/reboot?xuser=admin&xpassword=pw")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Rebooting"), "{body}");
    let started = wait_event_after(
        &control,
        after,
        "reboot",
        |k| matches!(k, EventKind::RebootStarted { reason } if reason == "Web Request"),
    )
    .await;
    assert!(
        !control
            .events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::RebootStarted { .. }) && e.seq <= after),
        "the refused request did not reboot"
    );
    // The port closes while the phone is down and opens only once it is back: causal
    // checks, so that a busy test machine cannot fail them.
    port_until(phone.addr(), false, "port closed").await;
    assert!(!control.is_up());
    port_until(phone.addr(), true, "port open again").await;
    let finished = control
        .events()
        .into_iter()
        .find(|e| e.seq > started.seq && matches!(e.kind, EventKind::RebootFinished))
        .unwrap_or_else(|| {
            panic!(
                "the port opened before the reboot finished: {:#?}",
                control.events()
            )
        });
    let took = finished.phone_secs - started.phone_secs;
    // The phone's own clock: the configured 1 s, never less (a loaded machine may add some).
    assert!(took >= 1.0, "reboot took {took:.2} s, it is set to 1 s");

    let (_, status) = get(&format!("{url}/status.xml")).await;
    let reason = element(&status, "Reboot_Reason_1").unwrap();
    assert!(
        reason.starts_with('[') && reason.ends_with("]Web Request"),
        "{reason}"
    );
    assert!(
        element(&status, "Reboot_Reason_2")
            .unwrap()
            .ends_with("]Power Cycle")
    );
    assert_eq!(element(&status, "Call_State").as_deref(), Some("Idle"));
    assert_eq!(control.reboot_history().len(), 2);
}

#[tokio::test]
async fn spa_admin_reboot_waits_until_the_phone_is_idle() {
    let phone = PhoneSim::start(PhoneConfig {
        reboot_secs: 0.5,
        ..PhoneConfig::model("SPA504G")
    })
    .await
    .unwrap();
    let control = phone.control();
    control.start_call();
    let after = control.last_event_seq();
    let (status, _) = get(&format!("{}/admin/reboot", phone.url())).await;
    assert_eq!(status, 200);
    // An MPP phone is down within ~20 ms (see above); the busy SPA stays up for the call.
    let early = control
        .wait_for_event_after(after, std::time::Duration::from_secs(1), |k| {
            matches!(k, EventKind::RebootStarted { .. })
        })
        .await;
    assert!(early.is_none(), "rebooted during the call: {early:?}");
    assert!(reachable(phone.addr()).await);
    let (_, status_xml) = get(&format!("{}/status.xml", phone.url())).await;
    assert_eq!(
        element(&status_xml, "Call_State").as_deref(),
        Some("Connected")
    );

    control.end_call();
    let ended = wait_event_after(&control, after, "call ended", |k| {
        *k == EventKind::CallEnded
    })
    .await;
    let started = wait_event_after(
        &control,
        ended.seq,
        "reboot once idle",
        |k| matches!(k, EventKind::RebootStarted { reason } if reason == "Web Request"),
    )
    .await;
    wait_event_after(&control, started.seq, "up", |k| {
        matches!(k, EventKind::RebootFinished)
    })
    .await;
    port_until(phone.addr(), true, "SPA back").await;
    let (_, status_xml) = get(&format!("{}/status.xml", phone.url())).await;
    assert!(
        element(&status_xml, "Reboot_Reason_1")
            .unwrap()
            .ends_with("]Web Request")
    );
}
