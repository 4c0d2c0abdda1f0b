//! The control interface under `/__sim/` (real phones have no such path): calls, faults,
//! the event log, configuration snapshots, certificate changes. JSON in and out; no auth.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderValue, Method, Response, StatusCode, header};
use serde::Serialize;

use crate::auth::Target;
use crate::events::EventKind;
use crate::faults::Faults;
use crate::phone::Phone;

fn json(status: StatusCode, value: &impl Serialize) -> Response<Body> {
    let body = serde_json::to_vec_pretty(value).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn error(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    json(status, &serde_json::json!({ "error": message.into() }))
}

/// What `GET /__sim/info` returns.
#[derive(Debug, Serialize)]
pub struct Info {
    pub model: String,
    pub family: crate::identity::Family,
    pub mac: String,
    pub serial: String,
    pub firmware: String,
    pub software_version: String,
    pub user_agent: String,
    pub url: Option<String>,
    pub call_active: bool,
    pub provisioning_state: crate::phone::ProvisioningState,
    pub rebooting: bool,
    pub certificate_sha256: Option<String>,
    pub upgrades: Vec<String>,
}

pub fn info(phone: &Phone) -> Info {
    let id = &phone.identity;
    let state = phone.state();
    let addr = *phone.addr.lock().unwrap_or_else(|e| e.into_inner());
    let scheme = if phone.settings.https {
        "https"
    } else {
        "http"
    };
    Info {
        model: id.model.name.into(),
        family: id.family(),
        mac: id.mac.lower_hex(),
        serial: id.serial.clone(),
        firmware: id.firmware.clone(),
        software_version: id.software_version(),
        user_agent: id.user_agent(),
        url: addr.map(|a| format!("{scheme}://{a}")),
        call_active: state.call_active,
        provisioning_state: state.prov_state,
        rebooting: state.rebooting,
        certificate_sha256: phone
            .tls
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|t| t.sha256.clone()),
        upgrades: state.upgrades.clone(),
    }
}

/// Replaces the HTTPS certificate with a new self-signed one. Returns its SHA-256.
pub fn rotate_certificate(phone: &Phone) -> Result<String, crate::SimError> {
    if !phone.settings.https {
        return Err(crate::SimError::Tls(
            "this phone does not serve HTTPS".into(),
        ));
    }
    let identity =
        crate::tls::TlsIdentity::generate(vec![phone.settings.ip.to_string(), "localhost".into()])?;
    let sha = identity.sha256.clone();
    *phone.tls.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(identity));
    phone.event(EventKind::CertificateRotated {
        sha256: sha.clone(),
    });
    Ok(sha)
}

pub async fn handle(
    phone: &Arc<Phone>,
    method: &Method,
    target: &Target,
    body: &[u8],
) -> Response<Body> {
    let path = target
        .path
        .trim_start_matches("/__sim")
        .trim_end_matches('/');
    match (method.as_str(), path) {
        ("GET", "" | "/info") => json(StatusCode::OK, &info(phone)),
        ("GET", "/events") => {
            let since = target
                .query
                .split('&')
                .find_map(|kv| kv.strip_prefix("since="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            json(StatusCode::OK, &phone.events.since(since))
        }
        ("POST", "/call/start") => {
            phone.set_call(true);
            json(StatusCode::OK, &info(phone))
        }
        ("POST", "/call/end") => {
            phone.set_call(false);
            json(StatusCode::OK, &info(phone))
        }
        ("GET", "/faults") => json(StatusCode::OK, &phone.state().faults),
        ("POST" | "PUT", "/faults") => match serde_json::from_slice::<Faults>(body) {
            Ok(faults) => {
                phone.state().faults = faults.clone();
                phone.event(EventKind::FaultsChanged);
                json(StatusCode::OK, &faults)
            }
            Err(e) => error(
                StatusCode::BAD_REQUEST,
                format!("faults JSON not understood: {e}"),
            ),
        },
        ("DELETE", "/faults") => {
            phone.state().faults = Faults::default();
            phone.event(EventKind::FaultsChanged);
            json(StatusCode::OK, &Faults::default())
        }
        ("GET", "/config") => {
            let values: serde_json::Map<String, serde_json::Value> = phone
                .state()
                .config
                .params()
                .iter()
                .map(|p| (p.name.clone(), serde_json::Value::String(p.value.clone())))
                .collect();
            json(StatusCode::OK, &values)
        }
        ("POST", "/config") => {
            match serde_json::from_slice::<std::collections::BTreeMap<String, String>>(body) {
                Ok(values) => {
                    let values: Vec<(String, String)> = values.into_iter().collect();
                    let unknown = phone.set_values(&values);
                    json(StatusCode::OK, &serde_json::json!({ "unknown": unknown }))
                }
                Err(e) => error(
                    StatusCode::BAD_REQUEST,
                    format!("expected a JSON object of parameter names to values: {e}"),
                ),
            }
        }
        ("POST", "/certificate/rotate") => match rotate_certificate(phone) {
            Ok(sha) => json(StatusCode::OK, &serde_json::json!({ "sha256": sha })),
            Err(e) => error(StatusCode::CONFLICT, e.to_string()),
        },
        ("POST", "/reboot") => {
            let body = serde_json::to_vec_pretty(&serde_json::json!({ "rebooting": true }))
                .unwrap_or_default();
            let (response, sent) =
                crate::server::answer_then(StatusCode::OK, "application/json", body);
            let phone = phone.clone();
            tokio::spawn(async move {
                // The answer leaves before the phone goes down.
                let _ = sent.await;
                phone.reboot("Web Request").await;
            });
            response
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "unknown control path; see GET /__sim/info, /__sim/events, /__sim/faults, /__sim/config, POST /__sim/call/start|end, /__sim/certificate/rotate, /__sim/reboot",
        ),
    }
}
