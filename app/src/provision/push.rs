//! The one-time provisioning server for "push": serves one `<flat-profile>` at a random-token
//! path, once, to one phone's address only, until it expires. It binds to the laptop address
//! that routes to the phone, records the User-Agent of the fetch and checks it names the
//! expected phone. Every Cisco-looking request is also a passive sighting.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::discovery::Sighting;
use crate::identity::PhoneIdentity;

/// The local address this machine uses to reach `phone` (no packet is sent: connecting a UDP
/// socket only asks the routing table).
pub fn local_address_towards(phone: IpAddr) -> std::io::Result<IpAddr> {
    let unspecified: SocketAddr = if phone.is_ipv4() {
        "0.0.0.0:0".parse().map_err(std::io::Error::other)?
    } else {
        "[::]:0".parse().map_err(std::io::Error::other)?
    };
    let socket = std::net::UdpSocket::bind(unspecified)?;
    socket.connect(SocketAddr::new(phone, 9))?;
    Ok(socket.local_addr()?.ip())
}

/// What happened to the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// Not fetched yet.
    Waiting,
    /// Served to the phone.
    Served { user_agent: Option<String> },
    /// The right address asked, but its User-Agent names another phone: not served.
    WrongPhone { user_agent: String, reason: String },
}

struct Shared {
    phone: IpAddr,
    path: String,
    body: Vec<u8>,
    expected: PhoneIdentity,
    expires: Instant,
    served: bool,
    /// Stopped (the operation ended or was cancelled): never served from then on, even by a
    /// server task that has not shut down yet.
    revoked: bool,
    outcome: watch::Sender<FetchOutcome>,
    sightings: broadcast::Sender<Sighting>,
}

/// A running one-time server; stops when dropped, and from that moment the profile is
/// never served.
pub struct OneTimeProfile {
    url: String,
    outcome: watch::Receiver<FetchOutcome>,
    stop: CancellationToken,
    shared: Arc<Mutex<Shared>>,
}

impl std::fmt::Debug for OneTimeProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a capability: do not print it.
        f.debug_struct("OneTimeProfile").finish_non_exhaustive()
    }
}

impl OneTimeProfile {
    /// Starts serving `profile_xml` to `phone` for at most `ttl`.
    pub async fn start(
        phone: IpAddr,
        profile_xml: String,
        expected: PhoneIdentity,
        ttl: Duration,
        sightings: broadcast::Sender<Sighting>,
    ) -> std::io::Result<Self> {
        let local = local_address_towards(phone)?;
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(local, 0)).await?;
        let bound = listener.local_addr()?;
        let token = hex::encode(rand::random::<[u8; 16]>());
        let path = format!("/{token}.xml");
        let host = match bound.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        let url = format!("http://{host}:{}{path}", bound.port());
        let (outcome_tx, outcome) = watch::channel(FetchOutcome::Waiting);
        let shared = Arc::new(Mutex::new(Shared {
            phone,
            path,
            body: profile_xml.into_bytes(),
            expected,
            expires: Instant::now() + ttl,
            served: false,
            revoked: false,
            outcome: outcome_tx,
            sightings,
        }));
        let app = axum::Router::new()
            .fallback(serve)
            .with_state(shared.clone());
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        tokio::spawn(async move {
            let server = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move { stopped.cancelled().await });
            if let Err(e) = server.await {
                log::warn!("the provisioning server stopped: {e}");
            }
        });
        Ok(OneTimeProfile {
            url,
            outcome,
            stop,
            shared,
        })
    }

    /// The URL to give the phone (`http://<laptop>:<port>/<token>.xml`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Puts `host:port` in the URL instead of the bound address (NAT, port forwards).
    pub fn advertise(&mut self, host_port: &str) {
        if let Some((_, path)) = self.url.rsplit_once('/') {
            self.url = format!("http://{}/{path}", host_port.trim_end_matches('/'));
        }
    }

    /// The URL with the token hidden, for events and logs.
    pub fn shown_url(&self) -> String {
        match self.url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/…"),
            None => self.url.clone(),
        }
    }

    /// Waits until the profile was fetched (or refused to the wrong phone).
    pub async fn fetched(&mut self) -> FetchOutcome {
        loop {
            let current = self.outcome.borrow_and_update().clone();
            if current != FetchOutcome::Waiting {
                return current;
            }
            if self.outcome.changed().await.is_err() {
                return self.outcome.borrow().clone();
            }
        }
    }

    /// The token is no longer served (a fetch from now on gets 410); the server keeps
    /// running until [`OneTimeProfile::stop`].
    pub fn revoke(&self) {
        self.shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .revoked = true;
    }

    /// Stops serving: the token is revoked at once, so a fetch arriving while the server
    /// shuts down gets 410, never the profile.
    pub fn stop(&self) {
        self.revoke();
        self.stop.cancel();
    }
}

impl Drop for OneTimeProfile {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve(
    State(shared): State<Arc<Mutex<Shared>>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut shared = shared.lock().unwrap_or_else(|e| e.into_inner());
    let ua_identity = user_agent
        .as_deref()
        .and_then(PhoneIdentity::from_user_agent);
    if ua_identity.is_some() || peer.ip() == shared.phone {
        let _ = shared.sightings.send(Sighting::provisioning_fetch(
            peer.ip(),
            user_agent.clone().unwrap_or_default(),
        ));
    }
    let not_found = || (StatusCode::NOT_FOUND, "not found").into_response();
    if peer.ip() != shared.phone || uri.path() != shared.path {
        return not_found();
    }
    if shared.served || shared.revoked || Instant::now() > shared.expires {
        return (
            StatusCode::GONE,
            "this one-time profile was already used or has expired",
        )
            .into_response();
    }
    if let (Some(seen), Some(ua)) = (&ua_identity, &user_agent)
        && let Some(reason) = identity_mismatch(&shared.expected, seen)
    {
        shared.served = true;
        let _ = shared.outcome.send(FetchOutcome::WrongPhone {
            user_agent: ua.clone(),
            reason,
        });
        return (StatusCode::FORBIDDEN, "this profile is for another phone").into_response();
    }
    shared.served = true;
    let _ = shared.outcome.send(FetchOutcome::Served { user_agent });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        shared.body.clone(),
    )
        .into_response()
}

/// Why the fetching phone is not the expected one, if it is not.
fn identity_mismatch(expected: &PhoneIdentity, seen: &PhoneIdentity) -> Option<String> {
    if let (Some(a), Some(b)) = (expected.mac, seen.mac)
        && a != b
    {
        return Some(format!("the phone that fetched has MAC {b}, expected {a}"));
    }
    if let (Some(a), Some(b)) = (&expected.model, &seen.model)
        && !a.eq_ignore_ascii_case(b)
    {
        return Some(format!("the phone that fetched is a {b}, expected a {a}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-time profile for the phone at 127.0.0.1 that [`expected`] describes.
    async fn serve_to_loopback(
        xml: &str,
        ttl: Duration,
        sightings: broadcast::Sender<Sighting>,
    ) -> OneTimeProfile {
        OneTimeProfile::start(
            "127.0.0.1".parse().unwrap(),
            xml.to_string(),
            expected(),
            ttl,
            sightings,
        )
        .await
        .unwrap()
    }

    fn expected() -> PhoneIdentity {
        PhoneIdentity {
            model: Some("CP-8861-3PCC".into()),
            mac: Some("00562b043615".parse().unwrap()),
            ..PhoneIdentity::default()
        }
    }

    async fn get(url: &str, user_agent: &str) -> reqwest::Response {
        get_from("127.0.0.1", url, user_agent).await
    }

    /// A fetch leaving from `source` (127.0.0.2 is another host on the loopback network).
    async fn get_from(source: &str, url: &str, user_agent: &str) -> reqwest::Response {
        crate::net::client_builder()
            .no_proxy()
            .local_address(source.parse::<IpAddr>().unwrap())
            .build()
            .unwrap()
            .get(url)
            .header("User-Agent", user_agent)
            .send()
            .await
            .unwrap()
    }

    #[test]
    fn loopback_routes_to_loopback() {
        let local = local_address_towards("127.0.0.1".parse().unwrap()).unwrap();
        assert!(local.is_loopback());
    }

    #[tokio::test]
    async fn serves_once_to_the_phone_and_records_its_user_agent() {
        let (sightings, mut seen) = broadcast::channel(8);
        let mut profile = serve_to_loopback(
            "<flat-profile><A>1</A></flat-profile>",
            Duration::from_secs(30),
            sightings,
        )
        .await;
        assert!(profile.url().starts_with("http://127.0.0.1:"));
        // Guessing another path gets nothing.
        let base = profile.url().rsplit_once('/').unwrap().0.to_string();
        assert_eq!(get(&format!("{base}/other.xml"), "x").await.status(), 404);
        let ua = "Cisco-CP-8861-3PCC/11.3.7 (00562b043615)";
        let first = get(profile.url(), ua).await;
        assert_eq!(first.status(), 200);
        assert_eq!(
            first.text().await.unwrap(),
            "<flat-profile><A>1</A></flat-profile>"
        );
        assert_eq!(
            profile.fetched().await,
            FetchOutcome::Served {
                user_agent: Some(ua.into())
            }
        );
        // Once only.
        assert_eq!(get(profile.url(), ua).await.status(), 410);
        // Sightings were published (the guess had no Cisco UA but came from the phone's IP).
        let mut uas = Vec::new();
        while let Ok(s) = seen.try_recv() {
            if s.text == ua {
                // What discovery records: the model and MAC the User-Agent names.
                let observation = s.observation().unwrap();
                assert_eq!(observation.identity.model.as_deref(), Some("CP-8861-3PCC"));
                assert_eq!(
                    observation.identity.mac.unwrap().lower_hex(),
                    "00562b043615"
                );
                assert_eq!(s.kind, crate::discovery::SightingKind::ProvisioningFetch);
            }
            uas.push(s.text);
        }
        assert!(uas.contains(&ua.to_string()), "{uas:?}");
    }

    #[tokio::test]
    async fn another_phone_at_the_address_is_refused() {
        let (sightings, _) = broadcast::channel(8);
        let mut profile =
            serve_to_loopback("<flat-profile/>", Duration::from_secs(30), sightings).await;
        let answer = get(profile.url(), "Cisco-CP-7841-3PCC/11.3.7 (00562b0436ff)").await;
        assert_eq!(answer.status(), 403);
        let FetchOutcome::WrongPhone { reason, .. } = profile.fetched().await else {
            panic!("expected a refusal");
        };
        assert!(reason.contains("MAC"), "{reason}");
    }

    #[tokio::test]
    async fn expired_profiles_are_not_served() {
        let (sightings, _) = broadcast::channel(8);
        let profile = serve_to_loopback("<flat-profile/>", Duration::ZERO, sightings).await;
        assert_eq!(
            get(profile.url(), "Cisco-CP-8861-3PCC/11.3.7 (00562b043615)")
                .await
                .status(),
            410
        );
    }

    #[tokio::test]
    async fn the_token_is_refused_to_another_address_and_stays_for_the_phone() {
        let (sightings, _) = broadcast::channel(8);
        let mut profile =
            serve_to_loopback("<flat-profile/>", Duration::from_secs(30), sightings).await;
        // Another host that learned the URL, even with the right phone's User-Agent.
        let ua = "Cisco-CP-8861-3PCC/11.3.7 (00562b043615)";
        let other = get_from("127.0.0.2", profile.url(), ua).await;
        assert_eq!(other.status(), 404);
        assert!(
            tokio::time::timeout(Duration::ZERO, profile.fetched())
                .await
                .is_err(),
            "the refusal must not count as the fetch"
        );
        // The token was not used up: the phone itself still gets it.
        assert_eq!(get(profile.url(), ua).await.status(), 200);
        assert!(matches!(
            profile.fetched().await,
            FetchOutcome::Served { .. }
        ));
    }

    /// The token (the URL's file name) of a one-time profile.
    fn token(profile: &OneTimeProfile) -> String {
        let name = profile.url().rsplit_once('/').unwrap().1;
        name.strip_suffix(".xml").unwrap().to_string()
    }

    #[tokio::test]
    async fn every_profile_gets_a_fresh_random_token_of_128_bits() {
        let (sightings, _) = broadcast::channel(8);
        let mut tokens = std::collections::HashSet::new();
        for _ in 0..16 {
            let profile = serve_to_loopback(
                "<flat-profile/>",
                Duration::from_secs(30),
                sightings.clone(),
            )
            .await;
            let token = token(&profile);
            assert_eq!(token.len(), 32, "{token}");
            assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
            assert!(tokens.insert(token.clone()), "{token} was given twice");
            // Not shown in events or logs.
            assert!(!profile.shown_url().contains(&token));
            assert!(!format!("{profile:?}").contains(&token));
        }
    }

    #[tokio::test]
    async fn the_server_listens_only_on_the_address_that_reaches_the_phone() {
        let (sightings, _) = broadcast::channel(8);
        let profile =
            serve_to_loopback("<flat-profile/>", Duration::from_secs(30), sightings).await;
        let url = url::Url::parse(profile.url()).unwrap();
        assert_eq!(url.host_str(), Some("127.0.0.1"));
        let port = url.port().unwrap();
        // 127.0.0.2 is this machine too: a server bound to every interface would answer.
        let elsewhere = tokio::net::TcpStream::connect(("127.0.0.2", port)).await;
        assert!(
            elsewhere.is_err(),
            "the server also listens on 127.0.0.2:{port}"
        );
        assert!(
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_revoked_profile_is_never_served() {
        let (sightings, _) = broadcast::channel(8);
        let mut profile =
            serve_to_loopback("<flat-profile/>", Duration::from_secs(30), sightings).await;
        // What stop() and dropping do first: the server is still up, the token is dead.
        profile.revoke();
        let ua = "Cisco-CP-8861-3PCC/11.3.7 (00562b043615)";
        assert_eq!(get(profile.url(), ua).await.status(), 410);
        assert!(
            tokio::time::timeout(Duration::ZERO, profile.fetched())
                .await
                .is_err()
        );
    }
}
