//! A UDP syslog listener the user can turn on: phones whose `Syslog_Server` points at this
//! laptop send their `Log_Request_Msg` / `Log_Success_Msg` / `Log_Failure_Msg` lines here, and
//! the engine uses them to follow resyncs. Every datagram is also a passive sighting.

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};
use tokio::net::UdpSocket;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::discovery::Sighting;
use crate::identity::{Mac, looks_like_cisco_model};

/// What a line says about a resync (the default templates' wording; custom templates that
/// keep the words are recognised too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResyncLineKind {
    Request,
    Success,
    Failure,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyslogLine {
    pub at: jiff::Timestamp,
    pub from: IpAddr,
    pub host: Option<String>,
    /// The message part (after the syslog header).
    pub text: String,
    pub kind: ResyncLineKind,
}

/// Reads one datagram leniently (RFC 3164, RFC 5424, or bare text).
pub fn parse_datagram(from: IpAddr, bytes: &[u8]) -> SyslogLine {
    let raw = String::from_utf8_lossy(bytes);
    let raw = raw.trim_end_matches(['\0', '\n', '\r']);
    let message = syslog_loose::parse_message(raw, syslog_loose::Variant::Either);
    let mut text = message.msg.trim().to_string();
    let mut host = message.hostname.map(str::to_string);
    // Phones often send no syslog header: `<134>CP-8861-3PCC 00:0e:… -- …` puts the model
    // where a host name would be. It belongs to the message.
    text = strip_priority(&text).to_string();
    if let Some(name) = host.take_if(|h| looks_like_cisco_model(h) || h.parse::<Mac>().is_ok()) {
        text = format!("{name} {text}");
    }
    // With a header, the `$PN` that starts the default templates is read as the tag
    // (`… phone7 CP-8861-3PCC 00:0e:… -- …`). It belongs to the message too.
    if let Some(tag) = message.appname.filter(|a| looks_like_cisco_model(a))
        && !text.starts_with(tag)
    {
        text = format!("{tag} {text}");
    }
    let text = if text.is_empty() {
        raw.to_string()
    } else {
        text
    };
    SyslogLine {
        at: jiff::Timestamp::now(),
        from,
        kind: classify(&text),
        host,
        // A template may quote a rule with its credentials: they go no further.
        text: crate::profile::mask::mask_value("", &text),
    }
}

/// `<134>rest` → `rest` (what is left when the header was not recognised).
fn strip_priority(text: &str) -> &str {
    if let Some(rest) = text.strip_prefix('<')
        && let Some((digits, after)) = rest.split_once('>')
        && !digits.is_empty()
        && digits.len() <= 3
        && digits.chars().all(|c| c.is_ascii_digit())
    {
        return after.trim_start();
    }
    text
}

/// Success/failure/request from the words of the default `Log_*_Msg` templates.
pub fn classify(text: &str) -> ResyncLineKind {
    let lower = text.to_ascii_lowercase();
    if lower.contains("resync failed") || (lower.contains("resync") && lower.contains("fail")) {
        ResyncLineKind::Failure
    } else if lower.contains("successful resync")
        || (lower.contains("resync") && lower.contains("success"))
    {
        ResyncLineKind::Success
    } else if lower.contains("requesting resync")
        || (lower.contains("resync") && lower.contains("request"))
    {
        ResyncLineKind::Request
    } else {
        ResyncLineKind::Other
    }
}

/// A running listener; stops when dropped or cancelled.
#[derive(Debug)]
pub struct SyslogListener {
    address: SocketAddr,
    stop: CancellationToken,
}

impl SyslogListener {
    /// Binds `bind` (UDP 514 on a LAN; `127.0.0.1:0` in tests) and publishes every line on
    /// `lines` and every sender on `sightings`.
    pub async fn start(
        bind: SocketAddr,
        lines: broadcast::Sender<SyslogLine>,
        sightings: broadcast::Sender<Sighting>,
    ) -> std::io::Result<Self> {
        let socket = UdpSocket::bind(bind).await?;
        let address = socket.local_addr()?;
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        tokio::spawn(async move {
            let mut buffer = vec![0u8; 8192];
            loop {
                let received = tokio::select! {
                    _ = stopped.cancelled() => break,
                    received = socket.recv_from(&mut buffer) => received,
                };
                let Ok((length, from)) = received else {
                    continue;
                };
                let line = parse_datagram(from.ip(), &buffer[..length]);
                let mut sighting = Sighting::syslog(from.ip(), line.text.clone());
                sighting.at = line.at;
                let _ = sightings.send(sighting);
                let _ = lines.send(line);
            }
        });
        Ok(SyslogListener { address, stop })
    }

    /// The bound address (what to put in the phone's `Syslog_Server`).
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    pub fn stop(&self) {
        self.stop.cancel();
    }
}

impl Drop for SyslogListener {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_templates_are_recognised() {
        assert_eq!(
            classify(
                "CP-8861-3PCC 00:0e:08:ab:cd:ef -- Requesting resync http://10.0.0.5:80/p.xml"
            ),
            ResyncLineKind::Request
        );
        assert_eq!(
            classify(
                "CP-8861-3PCC 00:0e:08:ab:cd:ef -- Successful resync http://10.0.0.5:80/p.xml"
            ),
            ResyncLineKind::Success
        );
        assert_eq!(
            classify("CP-8861-3PCC 00:0e:08:ab:cd:ef -- Resync failed: http_get failed"),
            ResyncLineKind::Failure
        );
        assert_eq!(classify("REGISTER ok"), ResyncLineKind::Other);
    }

    #[test]
    fn rfc3164_and_bare_datagrams() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let line = parse_datagram(
            ip,
            b"<134>Nov 25 04:42:13 phone7 CP-8861-3PCC 00:0e:08:ab:cd:ef -- Successful resync http://x/p.xml",
        );
        assert_eq!(line.kind, ResyncLineKind::Success, "{line:?}");
        // The phone's Log_Success_Msg line, whole.
        assert_eq!(
            line.text,
            "CP-8861-3PCC 00:0e:08:ab:cd:ef -- Successful resync http://x/p.xml"
        );
        assert_eq!(line.host.as_deref(), Some("phone7"));
        let bare = parse_datagram(ip, b"SPA504G 00:0e:08:ab:cd:ef -- Resync failed: timeout\n");
        assert_eq!(bare.kind, ResyncLineKind::Failure);
        let quoting = parse_datagram(
            ip,
            b"<134>CP-8861-3PCC 00:0e:08:ab:cd:ef -- Requesting resync [--uid u --pwd Pw1]http://x/p.xml",
        );
        assert_eq!(quoting.kind, ResyncLineKind::Request);
        assert!(!quoting.text.contains("Pw1"), "{quoting:?}");
    }

    #[tokio::test]
    async fn the_listener_publishes_lines_and_sightings() {
        let (lines, mut line_rx) = broadcast::channel(16);
        let (sightings, mut sighting_rx) = broadcast::channel(16);
        let listener = SyslogListener::start("127.0.0.1:0".parse().unwrap(), lines, sightings)
            .await
            .unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        sender
            .send_to(
                b"<134>CP-7841-3PCC 00:56:2b:04:36:15 -- Requesting resync http://x/p.xml",
                listener.local_addr(),
            )
            .await
            .unwrap();
        let line = tokio::time::timeout(std::time::Duration::from_secs(5), line_rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(line.kind, ResyncLineKind::Request);
        let sighting = tokio::time::timeout(std::time::Duration::from_secs(5), sighting_rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sighting.kind, crate::discovery::SightingKind::Syslog);
        assert_eq!(sighting.address, "127.0.0.1".parse::<IpAddr>().unwrap());
        let seen = sighting.observation().unwrap();
        assert_eq!(seen.identity.model.as_deref(), Some("CP-7841-3PCC"));
        assert_eq!(seen.identity.mac.unwrap().lower_hex(), "00562b043615");
    }
}
