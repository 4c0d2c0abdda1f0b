//! A phone's own requests leave from the phone's address. Emulated phones share one host;
//! a profile fetch or syslog line that left from the host's primary address would be refused
//! by a server that serves only the phone (phoneprov's push server does exactly that), and
//! would name the wrong phone in a syslog listener. Needs several addresses on one interface:
//! runs only inside ../shared/tools/netns-lan (scripts/test always runs the suite there).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use phone_sim::{PhoneConfig, PhoneSim};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The namespace's own address (for our servers) and a second one (for the phone).
fn namespace_addresses() -> (IpAddr, IpAddr) {
    let (Ok(lan_self), Ok(hosts)) = (std::env::var("LAN_SELF"), std::env::var("LAN_HOSTS")) else {
        panic!(
            "this test needs several local addresses: run it inside ../shared/tools/netns-lan \
             --hosts 1 or more (scripts/test does)"
        );
    };
    let phone = hosts
        .split_whitespace()
        .next()
        .expect("netns-lan --hosts 1 or more");
    (lan_self.parse().unwrap(), phone.parse().unwrap())
}

#[tokio::test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs netns-lan (Linux network namespaces): not supported on this system"
)]
async fn profile_fetches_and_syslog_leave_from_the_phones_own_address() {
    let (laptop, phone_ip) = namespace_addresses();
    let phone = PhoneSim::start(PhoneConfig {
        listen: SocketAddr::new(phone_ip, 0),
        ..PhoneConfig::default()
    })
    .await
    .unwrap();

    // A one-request profile server on the laptop's address that notes who connected.
    let server = tokio::net::TcpListener::bind(SocketAddr::new(laptop, 0))
        .await
        .unwrap();
    let server_addr = server.local_addr().unwrap();
    let syslog = tokio::net::UdpSocket::bind(SocketAddr::new(laptop, 0))
        .await
        .unwrap();
    assert!(
        phone
            .control()
            .set_value("Syslog_Server", &syslog.local_addr().unwrap().to_string())
    );

    phone
        .control()
        .resync(Some(&format!("http://{server_addr}/p.xml")));
    let (mut stream, peer) = tokio::time::timeout(Duration::from_secs(10), server.accept())
        .await
        .expect("the phone fetched within 10 s")
        .unwrap();
    let mut request = vec![0u8; 4096];
    let _ = stream.read(&mut request).await.unwrap();
    let body = "<flat-profile><GPP_A>fetched</GPP_A></flat-profile>";
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(answer.as_bytes()).await.unwrap();
    assert_eq!(
        peer.ip(),
        phone_ip,
        "the fetch must come from the phone's address"
    );

    let mut datagram = vec![0u8; 2048];
    let (_, from) = tokio::time::timeout(Duration::from_secs(10), syslog.recv_from(&mut datagram))
        .await
        .expect("a syslog line within 10 s")
        .unwrap();
    assert_eq!(
        from.ip(),
        phone_ip,
        "syslog must come from the phone's address"
    );
}
