//! The phone's web server: accept loop (closed while the phone reboots), TLS, access control,
//! faults, and the endpoints of the real firmware.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use hyper_util::rt::TokioIo;
use percent_encoding::percent_decode_str;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::auth::{Auth, Target, split_target};
use crate::events::EventKind;
use crate::phone::{Phone, ResyncRequest, ResyncSource};
use crate::xml::{write_ata_status_xml, write_cfg_xml, write_spacfg_xml, write_status_xml};

/// Largest request body accepted (a posted profile).
const MAX_POST: usize = 8 << 20;

/// Binds like a phone's web server (address reuse so a reboot can bind again at once).
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Serves until shutdown; closes the listener and every connection while the phone is down.
pub async fn serve(phone: Arc<Phone>, first: TcpListener) {
    let addr = match first.local_addr() {
        Ok(a) => a,
        Err(_) => return,
    };
    let mut listener = Some(first);
    let mut power = phone.power.subscribe();
    loop {
        // Wait until the phone is up.
        while !*power.borrow_and_update() {
            tokio::select! {
                _ = phone.shutdown.cancelled() => return,
                r = power.changed() => if r.is_err() { return },
            }
        }
        let current = match listener.take() {
            Some(l) => l,
            None => match rebind(&phone, addr).await {
                Some(l) => l,
                None => return,
            },
        };
        let connections = CancellationToken::new();
        loop {
            tokio::select! {
                _ = phone.shutdown.cancelled() => {
                    connections.cancel();
                    return;
                }
                r = power.changed() => {
                    if r.is_err() || !*power.borrow_and_update() {
                        break;
                    }
                }
                accepted = current.accept() => {
                    if let Ok((stream, peer)) = accepted {
                        tokio::spawn(connection(phone.clone(), stream, peer, connections.child_token()));
                    }
                }
            }
        }
        // Rebooting: drop every open connection and stop listening.
        connections.cancel();
        drop(current);
    }
}

async fn rebind(phone: &Phone, addr: SocketAddr) -> Option<TcpListener> {
    for _ in 0..200 {
        if let Ok(l) = bind(addr) {
            return Some(l);
        }
        tokio::select! {
            _ = phone.shutdown.cancelled() => return None,
            _ = tokio::time::sleep(std::time::Duration::from_millis(25)) => {}
        }
    }
    log::error!("phone-sim: could not listen on {addr} again after reboot");
    None
}

async fn connection(
    phone: Arc<Phone>,
    stream: TcpStream,
    peer: SocketAddr,
    stop: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let acceptor = phone
        .tls
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|t| t.acceptor.clone());
    let service_phone = phone.clone();
    let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
        let phone = service_phone.clone();
        async move { handle(phone, req, peer).await }
    });
    let builder = hyper::server::conn::http1::Builder::new();
    match acceptor {
        Some(acceptor) => {
            let tls = tokio::select! {
                _ = stop.cancelled() => return,
                r = acceptor.accept(stream) => match r { Ok(s) => s, Err(_) => return },
            };
            let conn = builder.serve_connection(TokioIo::new(tls), service);
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = conn => {}
            }
        }
        None => {
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = conn => {}
            }
        }
    }
}

/// Fires when the body it lives in is dropped: after the connection has taken the last byte.
struct SentSignal(Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for SentSignal {
    fn drop(&mut self) {
        if let Some(sender) = self.0.take() {
            let _ = sender.send(());
        }
    }
}

/// An answer with a signal that fires once its body has been handed to the connection in
/// full (or the connection gave up on it), for what the phone does only after answering: a
/// reboot closes every connection and must not cut its own answer.
pub(crate) fn answer_then(
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
) -> (Response<Body>, tokio::sync::oneshot::Receiver<()>) {
    use futures::StreamExt as _;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let signal = SentSignal(Some(sender));
    let stream =
        futures::stream::iter([Ok::<Bytes, Infallible>(Bytes::from(body))]).map(move |chunk| {
            let _until_dropped = &signal;
            chunk
        });
    let response = text(status, content_type, Body::from_stream(stream));
    (response, receiver)
}

fn text(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response<Body> {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn html_page(title: &str, body: &str) -> String {
    format!("<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}</body></html>\n")
}

const HTML: &str = "text/html; charset=utf-8";

fn html(status: StatusCode, title: &str, body: &str) -> Response<Body> {
    text(status, HTML, html_page(title, body))
}

/// Closing the connection without an answer (web server off, reset fault).
fn drop_connection() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "phone closes the connection",
    )
}

async fn handle(
    phone: Arc<Phone>,
    req: Request<hyper::body::Incoming>,
    _peer: SocketAddr,
) -> Result<Response<Body>, std::io::Error> {
    let raw = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let target = split_target(&raw);
    if target.path.starts_with("/__sim/") || target.path == "/__sim" {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(Body::new(body), MAX_POST)
            .await
            .unwrap_or_default();
        return Ok(crate::control::handle(&phone, &parts.method, &target, &body).await);
    }
    let method = req.method().clone();
    if !phone.state().config.is_yes("Enable_Web_Server") {
        return Err(drop_connection());
    }
    let (delay, reset, error_500) = {
        let mut state = phone.state();
        let f = &mut state.faults;
        let reset = f.reset_requests > 0;
        if reset {
            f.reset_requests -= 1;
        }
        let e500 = !reset && f.error_500 > 0;
        if e500 {
            f.error_500 -= 1;
        }
        (f.delay_ms, reset, e500)
    };
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    if reset {
        return Err(drop_connection());
    }
    let response = if error_500 {
        html(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500 Internal Server Error",
            "Internal Server Error",
        )
    } else {
        let authorization = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = if method == Method::POST {
            match axum::body::to_bytes(Body::new(req.into_body()), MAX_POST).await {
                Ok(b) => b,
                Err(_) => {
                    return Ok(html(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "413",
                        "Request too large",
                    ));
                }
            }
        } else {
            Bytes::new()
        };
        route(&phone, &method, &target, authorization.as_deref(), &body).await
    };
    phone.event(EventKind::Request {
        method: method.to_string(),
        path: target.path.clone(),
        status: response.status().as_u16(),
    });
    Ok(response)
}

/// Checks admin credentials for `/admin/…`. `Err` is the refusal to send.
fn check_admin(
    phone: &Phone,
    method: &Method,
    target: &Target,
    authorization: Option<&str>,
) -> Result<(), Box<Response<Body>>> {
    let password = phone.config_value("Admin_Password");
    let realm = phone.identity.model.name;
    let ok = match phone.settings.auth {
        Auth::None => true,
        Auth::XPassword => {
            target.xuser.as_deref() == Some("admin")
                && target.xpassword.as_deref().unwrap_or("") == password
        }
        Auth::Digest => authorization.is_some_and(|a| {
            phone.digest.verify(
                a,
                method.as_str(),
                &target.request_uri,
                realm,
                "admin",
                &password,
            )
        }),
    };
    if ok {
        return Ok(());
    }
    phone.event(EventKind::AuthRefused {
        path: target.path.clone(),
    });
    let mut refusal = html(
        StatusCode::UNAUTHORIZED,
        &format!("{realm} Login"),
        "<form>Admin login required</form>",
    );
    if phone.settings.auth == Auth::Digest
        && let Ok(v) = HeaderValue::from_str(&phone.digest.challenge(realm))
    {
        refusal.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    Err(Box::new(refusal))
}

async fn route(
    phone: &Arc<Phone>,
    method: &Method,
    target: &Target,
    authorization: Option<&str>,
    body: &Bytes,
) -> Response<Body> {
    let path = target.path.as_str();
    let model = phone.identity.model.name;
    let not_found = || html(StatusCode::NOT_FOUND, "404 Not Found", "Not Found");
    let admin = path.starts_with("/admin");
    if !admin && let Some(answer) = replayed(phone, method, target).await {
        return answer;
    }
    if path == "/" || path == "/index.html" || path == "/user" {
        return page(phone, "Info");
    }
    if path == "/status.xml" {
        return status_xml(phone);
    }
    if !path.starts_with("/admin") {
        return not_found();
    }
    if phone.state().faults.login_page {
        return html(
            StatusCode::OK,
            &format!("{model} Login"),
            "<form method=\"post\" action=\"/login\">User <input name=\"user\"> Password \
             <input type=\"password\" name=\"pwd\"> <input type=\"submit\" value=\"Log In\"></form>",
        );
    }
    if let Err(refusal) = check_admin(phone, method, target, authorization) {
        return *refusal;
    }
    if let Some(answer) = replayed(phone, method, target).await {
        return answer;
    }
    if !phone.state().config.is_yes("Enable_Web_Admin_Access") {
        return html(
            StatusCode::FORBIDDEN,
            "403 Forbidden",
            "Admin web access is disabled",
        );
    }
    if path == "/admin" || path == "/admin/" || path == "/admin/advanced" {
        return page(phone, "Admin");
    }
    if !phone.state().config.is_yes("Enable_Direct_Action_Url") {
        return html(
            StatusCode::FORBIDDEN,
            "403 Forbidden",
            "Direct action URLs are disabled",
        );
    }
    let mpp = phone.is_mpp();
    match (method.as_str(), path) {
        ("GET", "/admin/cfg.xml") if mpp => {
            let xml = write_cfg_xml(&phone.state().config);
            dump_served(phone);
            xml_dump(phone, xml)
        }
        ("GET", "/admin/spacfg.xml") if !mpp => {
            let status = phone.status_items();
            let xml = write_spacfg_xml(&phone.state().config, &status);
            dump_served(phone);
            xml_dump(phone, xml)
        }
        ("GET", "/admin/status.xml") => status_xml(phone),
        ("POST", "/admin/config.xml") if mpp => post_config(phone, body),
        ("GET", "/admin/resync") => resync(phone, &target.query),
        ("GET", "/admin/reboot") => {
            let page = html_page(model, "Rebooting...");
            let (response, sent) = answer_then(StatusCode::OK, HTML, page.into_bytes());
            let phone2 = phone.clone();
            tokio::spawn(async move {
                // The answer leaves before the phone goes down.
                let _ = sent.await;
                if !phone2.is_mpp() {
                    // SPA: reboots when idle.
                    let mut changed = phone2.changed.subscribe();
                    while phone2.state().call_active {
                        if changed.changed().await.is_err() {
                            return;
                        }
                    }
                }
                phone2.reboot("Web Request").await;
            });
            response
        }
        ("GET", "/admin/upgrade") => {
            let url = decode_query(&target.query);
            if url.is_empty() {
                return html(StatusCode::BAD_REQUEST, model, "Upgrade URL missing");
            }
            phone.state().upgrades.push(url.clone());
            phone.state().last_upgrade = Some(phone.clock.now());
            phone.event(EventKind::UpgradeRequested { url });
            html(StatusCode::OK, model, "Upgrade request accepted")
        }
        ("GET", "/admin/log/messages") => {
            let lines: Vec<String> = phone.state().log.iter().cloned().collect();
            text(
                StatusCode::OK,
                "text/plain; charset=utf-8",
                lines.join("\n") + "\n",
            )
        }
        _ => not_found(),
    }
}

/// A replayed phone's captured answer to this GET, after the time it took when captured; the
/// configuration dump with the values changed since written in.
async fn replayed(phone: &Phone, method: &Method, target: &Target) -> Option<Response<Body>> {
    let replay = phone.settings.replay.as_ref()?;
    if method != Method::GET {
        return None;
    }
    let page = replay.page(&target.path, &target.query)?;
    tokio::time::sleep(page.delay).await;
    let body = if replay.config_path.as_deref() == Some(page.path.as_str()) {
        let config = phone.state().config.clone();
        crate::replay::patch_dump(&page.body, &config)
    } else {
        page.body.clone()
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(page.status).unwrap_or(StatusCode::OK);
    if let Some(value) = page
        .content_type
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    Some(response)
}

fn decode_query(query: &str) -> String {
    percent_decode_str(&query.replace('+', " "))
        .decode_utf8_lossy()
        .trim()
        .to_string()
}

fn resync(phone: &Arc<Phone>, query: &str) -> Response<Body> {
    let model = phone.identity.model.name;
    if !phone.state().config.is_yes("Provision_Enable") {
        phone.event(EventKind::ResyncRefused {
            reason: "Provision_Enable is No".into(),
        });
        return html(
            StatusCode::FORBIDDEN,
            model,
            "Resync refused: provisioning is disabled (Provision Enable = No)",
        );
    }
    let rule = decode_query(query);
    let rule = (!rule.is_empty()).then_some(rule);
    phone.event(EventKind::ResyncRequested {
        source: "direct".into(),
        rule: rule.clone(),
    });
    let _ = phone.requests.send(ResyncRequest {
        source: ResyncSource::Direct,
        rule,
    });
    html(StatusCode::OK, model, "Resync request accepted")
}

fn post_config(phone: &Arc<Phone>, body: &Bytes) -> Response<Body> {
    let model = phone.identity.model.name;
    let text = String::from_utf8_lossy(body);
    match phone.apply_profile(&text) {
        Ok(applied) => {
            phone.event(EventKind::ConfigPosted {
                changed: applied.changed,
                ignored: applied.ignored,
                dropped: applied.dropped,
            });
            html(StatusCode::OK, model, "Configuration updated")
        }
        Err(e) => html(
            StatusCode::BAD_REQUEST,
            model,
            &format!("Profile refused: {}", quick_xml::escape::escape(e.as_str())),
        ),
    }
}

fn status_xml(phone: &Arc<Phone>) -> Response<Body> {
    if phone.identity.model.ata {
        return xml_dump(phone, write_ata_status_xml(&phone.ata_status()));
    }
    let items = phone.status_items();
    let history = phone.reboot_history();
    xml_dump(phone, write_status_xml(&items, &history))
}

/// A configuration dump was served: counts down to the password-change fault.
fn dump_served(phone: &Phone) {
    let change = {
        let mut state = phone.state();
        let left = &mut state.faults.password_changes_after_dumps;
        if *left == 0 {
            return;
        }
        *left -= 1;
        *left == 0
    };
    if change {
        phone.set_values(&[(
            "Admin_Password".to_string(),
            crate::faults::CHANGED_PASSWORD.to_string(),
        )]);
    }
}

/// An XML dump, with the body faults applied.
fn xml_dump(phone: &Phone, xml: String) -> Response<Body> {
    let faults = phone.state().faults.clone();
    let mut xml = xml;
    if faults.dtd_entities {
        let doctype = "<?xml version=\"1.0\"?>\n<!DOCTYPE flat-profile [\n\
            <!ENTITY lol \"lol\">\n\
            <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n\
            <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n";
        xml = format!(
            "{doctype}{}",
            xml.replacen(
                ">\n",
                ">\n<Station_Display_Name>&lol3;</Station_Display_Name>\n",
                1
            )
        );
    }
    if faults.malformed_xml {
        xml = xml.replacen("</Product_Name>", "</Product_Nam>", 1);
        xml = xml.replacen("</flat-profile>", "<Broken_Element>", 1);
        xml = xml.replacen("</flat-status>", "<Broken_Element>", 1);
    }
    if faults.truncated_xml {
        let mut cut = xml.len() / 2;
        while !xml.is_char_boundary(cut) {
            cut -= 1;
        }
        xml.truncate(cut);
    }
    if faults.huge_body_mb > 0 {
        let chunk = Bytes::from(
            "<Padding ua=\"na\">xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx</Padding>\n"
                .repeat(1024),
        );
        let count = (u64::from(faults.huge_body_mb) << 20) / chunk.len() as u64 + 1;
        let head = Bytes::from(xml);
        let stream = futures::stream::iter(
            std::iter::once(head).chain(std::iter::repeat_n(chunk, count as usize)),
        )
        .map(Ok::<Bytes, Infallible>);
        return text(StatusCode::OK, "text/xml", Body::from_stream(stream));
    }
    text(StatusCode::OK, "text/xml", xml)
}

use futures::StreamExt;

fn page(phone: &Phone, tab: &str) -> Response<Body> {
    let id = &phone.identity;
    let items = phone.status_items();
    let rows: String = items
        .iter()
        .map(|(k, v)| {
            format!(
                "<tr><td>{}</td><td>{}</td></tr>",
                k.replace('_', " "),
                quick_xml::escape::escape(v.as_str())
            )
        })
        .collect();
    let title = match id.family() {
        crate::identity::Family::Mpp => format!("Cisco {} Configuration Utility", id.model.name),
        crate::identity::Family::Spa => format!("{} Configuration Utility", id.model.name),
    };
    html(
        StatusCode::OK,
        &title,
        &format!("<h1>{title}</h1><h2>{tab}</h2><table>{rows}</table>"),
    )
}
