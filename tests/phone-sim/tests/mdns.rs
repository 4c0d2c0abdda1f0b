//! mDNS announcement. Multicast: runs only inside ../shared/tools/netns-lan (scripts/test
//! always runs the suite there); outside it the test FAILS with an explanation rather than
//! sending multicast onto a real network.

use std::time::Duration;

use phone_sim::{PhoneConfig, PhoneSim};

#[tokio::test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn mdns_announces_model_mac_and_firmware() {
    let Ok(lan_self) = std::env::var("LAN_SELF") else {
        panic!(
            "this mDNS test must run inside ../shared/tools/netns-lan (LAN_CIDR/LAN_SELF unset); \
             run it with scripts/test or `../shared/tools/netns-lan -- cargo test -p phone-sim --test mdns`"
        );
    };
    assert!(
        std::env::var("LAN_CIDR").is_ok(),
        "LAN_CIDR unset: not inside netns-lan"
    );
    let ip: std::net::IpAddr = lan_self.parse().unwrap();
    let phone = PhoneSim::start(PhoneConfig {
        listen: std::net::SocketAddr::new(ip, 0),
        mdns: true,
        model: "CP-8851-3PCC".into(),
        ..PhoneConfig::default()
    })
    .await
    .unwrap();
    let browser = mdns_sd::ServiceDaemon::new().unwrap();
    let events = browser.browse("_http._tcp.local.").unwrap();
    let mac = phone.identity().mac.colon();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(event) = events.recv_async().await {
            if let mdns_sd::ServiceEvent::ServiceResolved(info) = event
                && info.get_property_val_str("mac") == Some(mac.as_str())
            {
                return Some((
                    info.get_property_val_str("model").map(str::to_string),
                    info.get_property_val_str("firmware").map(str::to_string),
                    info.get_port(),
                ));
            }
        }
        None
    })
    .await
    .expect("the phone's announcement was not resolved within 10 s")
    .expect("browse channel closed");
    assert_eq!(found.0.as_deref(), Some("CP-8851-3PCC"));
    assert_eq!(found.1.as_deref(), Some("11.3.7"));
    assert_eq!(found.2, phone.addr().port());
    let _ = browser.shutdown();
    phone.stop().await;
}
