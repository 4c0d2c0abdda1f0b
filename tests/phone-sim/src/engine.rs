//! The resync engine: rules A→D, fetch, apply, retry schedule, periodic and daily resyncs,
//! triggers, the idle rule, reboot after a changing resync, and syslog.

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::events::EventKind;
use crate::fetch::fetch;
use crate::identity::Family;
use crate::params::Config;
use crate::phone::{Phone, ProvisioningState, ResyncRequest, ResyncSource};
use crate::rules::{ProfileUrl, eval_condition, parse_rule};

/// One schedule item: `N` or `N+R` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub secs: u64,
    pub random: u64,
}

/// `N`, `N1,N2,…`, `N+R` (items may carry `+R`). `None` when not a valid schedule.
pub fn parse_schedule(text: &str) -> Option<Vec<Wait>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.split(',')
        .map(|item| {
            let (n, r) = item.trim().split_once('+').unwrap_or((item.trim(), "0"));
            Some(Wait {
                secs: n.trim().parse().ok()?,
                random: r.trim().parse().ok()?,
            })
        })
        .collect()
}

fn with_jitter(w: Wait) -> f64 {
    let extra = if w.random > 0 {
        rand::random_range(0..=w.random)
    } else {
        0
    };
    (w.secs + extra) as f64
}

/// The wait before periodic resync number `index` (0 = the first after a success): the
/// list's items in turn, the last one repeating. `None` when that item is 0 (off).
pub fn periodic_wait(items: &[Wait], index: usize) -> Option<Wait> {
    let item = *items.get(index).or(items.last())?;
    (item.secs > 0).then_some(item)
}

/// `HHmm` → seconds after midnight, when valid (0000–2400).
pub fn parse_hhmm(text: &str) -> Option<u32> {
    let t = text.trim();
    if t.len() != 4 || !t.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let hh: u32 = t[..2].parse().ok()?;
    let mm: u32 = t[2..].parse().ok()?;
    if (hh < 24 && mm < 60) || (hh == 24 && mm == 0) {
        Some((hh * 3600 + mm * 60) % 86_400)
    } else {
        None
    }
}

/// Runs the phone's provisioning until shutdown.
pub async fn run(phone: Arc<Phone>, mut requests: mpsc::UnboundedReceiver<ResyncRequest>) {
    let mut changed = phone.changed.subscribe();
    if phone.settings.resync_on_boot && phone.state().config.is_yes("Resync_On_Reset") {
        let units: u64 = phone
            .config_value("Resync_Random_Delay")
            .trim()
            .parse()
            .unwrap_or(0);
        let delay = if units > 0 {
            rand::random_range(0..=units * 20)
        } else {
            0
        };
        phone.state().retry_due = Some(phone.clock.now() + delay as f64);
        phone.state().prvst = 0;
    }
    loop {
        let due = next_due(&phone);
        let sleep = match due {
            Some((at, _)) => phone.clock.real((at - phone.clock.now()).max(0.0)),
            None => std::time::Duration::from_secs(3600),
        };
        tokio::select! {
            _ = phone.shutdown.cancelled() => return,
            request = requests.recv() => {
                let Some(request) = request else { return };
                handle(&phone, request).await;
            }
            _ = changed.changed() => {}
            _ = tokio::time::sleep(sleep) => {
                if let Some((_, source)) = due {
                    scheduled(&phone, source).await;
                }
            }
        }
    }
}

/// The next automatic resync: a pending retry, else the daily time, else the periodic timer
/// (which starts only after the first successful resync).
fn next_due(phone: &Phone) -> Option<(f64, ResyncSource)> {
    let mut state = phone.state();
    if state.rebooting {
        return None;
    }
    if let Some(at) = state.retry_due {
        let source = if state.failures == 0 {
            ResyncSource::PowerUp
        } else {
            ResyncSource::Retry
        };
        return Some((at, source));
    }
    let base = state.last_success?;
    if state.periodic_due.is_none() {
        let now = phone.clock.now();
        let due = if let Some(target) = parse_hhmm(state.config.value("Resync_At__HHmm_")) {
            let from = now.max(base);
            let sod = phone.clock.second_of_day(from);
            let mut wait = (f64::from(target) - sod).rem_euclid(86_400.0);
            if wait < 1.0 {
                wait += 86_400.0;
            }
            let spread: u64 = state
                .config
                .value("Resync_At_Random_Delay")
                .trim()
                .parse()
                .unwrap_or(0);
            Some(
                from + wait
                    + with_jitter(Wait {
                        secs: 0,
                        random: spread,
                    }),
            )
        } else {
            let text = state.config.value("Resync_Periodic").trim().to_string();
            if text != state.periodic_schedule {
                state.periodic_schedule = text;
                state.periodic_index = 0;
            }
            parse_schedule(&state.periodic_schedule)
                .and_then(|items| periodic_wait(&items, state.periodic_index))
                .map(|wait| base.max(state.last_attempt.unwrap_or(base)) + with_jitter(wait))
        };
        state.periodic_due = due;
    }
    state.periodic_due.map(|at| (at, ResyncSource::Periodic))
}

/// A resync due by the phone's own timers: triggers may suppress it.
async fn scheduled(phone: &Arc<Phone>, source: ResyncSource) {
    {
        let mut state = phone.state();
        match source {
            ResyncSource::Periodic => {
                state.periodic_due = None;
                // The daily time does not use the list; the periodic timer moves to its next item.
                if parse_hhmm(state.config.value("Resync_At__HHmm_")).is_none() {
                    state.periodic_index += 1;
                }
            }
            _ => state.retry_due = None,
        }
    }
    if !phone.state().config.is_yes("Provision_Enable") {
        // The phone refuses it; the timer restarts from now (else it would be due at once again).
        phone.state().last_attempt = Some(phone.clock.now());
        phone.event(EventKind::ResyncSuppressed {
            reason: "Provision_Enable is No".into(),
        });
        return;
    }
    let macros = phone.macros();
    let triggers: Vec<String> = {
        let state = phone.state();
        ["Resync_Trigger_1", "Resync_Trigger_2"]
            .iter()
            .map(|t| state.config.value(t).trim().to_string())
            .filter(|t| !t.is_empty())
            .collect()
    };
    if let Some(failed) = triggers.iter().find(|t| !eval_condition(t, &macros)) {
        // Pretend the interval passed so the timer restarts.
        phone.state().last_attempt = Some(phone.clock.now());
        phone.event(EventKind::ResyncSuppressed {
            reason: format!("trigger condition is false: {failed}"),
        });
        return;
    }
    handle(phone, ResyncRequest { source, rule: None }).await;
}

/// Runs one requested resync: waits for idle (bounded by `Forced_Resync_Delay`), then runs.
pub async fn handle(phone: &Arc<Phone>, request: ResyncRequest) {
    wait_until_up(phone).await;
    if phone.state().call_active {
        let max: u64 = phone
            .config_value("Forced_Resync_Delay")
            .trim()
            .parse()
            .unwrap_or(14_400);
        phone.state().prov_state = ProvisioningState::WaitingForIdle;
        phone.event(EventKind::WaitingForIdle { max_secs: max });
        let deadline = tokio::time::Instant::now() + phone.clock.real(max as f64);
        let mut changed = phone.changed.subscribe();
        while phone.state().call_active {
            tokio::select! {
                _ = phone.shutdown.cancelled() => return,
                _ = tokio::time::sleep_until(deadline) => break,
                _ = changed.changed() => {}
            }
        }
    }
    run_resync(phone, request).await;
}

async fn wait_until_up(phone: &Phone) {
    let mut power = phone.power.subscribe();
    while !*power.borrow_and_update() {
        tokio::select! {
            _ = phone.shutdown.cancelled() => return,
            r = power.changed() => if r.is_err() { return },
        }
    }
}

async fn run_resync(phone: &Arc<Phone>, request: ResyncRequest) {
    let now = phone.clock.now();
    {
        let mut state = phone.state();
        state.prov_state = ProvisioningState::Resyncing;
        state.prvst = request.source.prvst();
        state.last_attempt = Some(now);
        state.periodic_due = None;
        state.retry_due = None;
    }
    phone.event(EventKind::ResyncStarted {
        source: request.source.name().into(),
    });
    let rules: Vec<String> = match &request.rule {
        Some(rule) => vec![rule.clone()],
        None => {
            let state = phone.state();
            [
                "Profile_Rule",
                "Profile_Rule_B",
                "Profile_Rule_C",
                "Profile_Rule_D",
            ]
            .iter()
            .map(|r| state.config.value(r).to_string())
            .collect()
        }
    };
    let mut changed_all: Vec<String> = Vec::new();
    let mut last_url = String::new();
    let mut outcome: Result<(), String> = Ok(());
    for rule in rules {
        match run_rule(phone, &rule, &mut changed_all).await {
            Ok(Some(url)) => last_url = url,
            Ok(None) => {}
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    match outcome {
        Ok(()) => {
            {
                let mut state = phone.state();
                state.last_success = Some(phone.clock.now());
                state.failures = 0;
                state.last_error.clear();
                // A phone that changed values reboots next: it is not idle in between.
                state.prov_state = after_resync(&changed_all);
            }
            phone.push_provisioning("Successful", &last_url);
            phone.event(EventKind::ResyncSucceeded {
                changed: changed_all.clone(),
            });
            if !changed_all.is_empty() {
                phone.reboot("Provisioning").await;
            }
        }
        Err(error) => {
            let retry = {
                let mut state = phone.state();
                state.failures += 1;
                state.last_error = error.clone();
                state.prov_state = after_resync(&changed_all);
                let index = state.failures - 1;
                parse_schedule(state.config.value("Resync_Error_Retry_Delay")).and_then(|items| {
                    let item = items[index.min(items.len() - 1)];
                    (item.secs > 0).then(|| with_jitter(item))
                })
            };
            phone.push_provisioning("Failed", &error);
            phone.event(EventKind::ResyncFailed { error });
            if let Some(wait) = retry {
                phone.state().retry_due = Some(phone.clock.now() + wait);
                phone.event(EventKind::RetryScheduled {
                    in_secs: wait as u64,
                });
            }
            // Changes made by earlier rules stay; a reboot follows them too.
            if !changed_all.is_empty() {
                phone.reboot("Provisioning").await;
            }
        }
    }
    phone.touch();
}

/// Runs one profile rule. `Ok(Some(url))` when a profile was fetched and applied.
async fn run_rule(
    phone: &Arc<Phone>,
    rule: &str,
    changed_all: &mut Vec<String>,
) -> Result<Option<String>, String> {
    let mut rule = rule.trim().to_string();
    if phone.identity.family() == Family::Spa
        && let Some(i) = rule.find('#')
    {
        rule.truncate(i);
    }
    if rule.trim().is_empty() {
        return Ok(None);
    }
    let mut macros = phone.macros();
    // A rule or URL that does not parse is a failed resync like any other: it is logged.
    let alternatives = match parse_rule(&rule) {
        Ok(alternatives) => alternatives,
        Err(e) => return Err(fail(phone, &mut macros, format!("bad profile rule: {e}")).await),
    };
    let Some(alt) = alternatives.into_iter().find(|a| match &a.condition {
        Some(c) => eval_condition(c, &macros),
        None => true,
    }) else {
        return Ok(None);
    };
    if !alt.assignments.is_empty() {
        let mut changed = Vec::new();
        {
            let mut state = phone.state();
            for (name, value) in &alt.assignments {
                let value = macros.expand(value, false);
                if state.faults.drops(name) {
                    continue;
                }
                if state.config.set(name, &value) {
                    changed.push(name.clone());
                }
            }
        }
        if !changed.is_empty() {
            changed_all.extend(changed.iter().cloned());
            phone.event(EventKind::Assigned { changed });
            macros = phone.macros();
        }
    }
    if alt.url.trim().is_empty() {
        return Ok(None);
    }
    let url_text = macros.expand(&alt.url, false);
    let url = match ProfileUrl::parse(&url_text) {
        Ok(url) => url,
        Err(e) => {
            let error = format!("bad profile URL {url_text}: {e}");
            return Err(fail(phone, &mut macros, error).await);
        }
    };
    let server = if url.server.is_empty() {
        phone
            .settings
            .tftp_server
            .map(|s| s.ip().to_string())
            .unwrap_or_default()
    } else {
        url.server.clone()
    };
    let port = if url.server.is_empty() {
        phone.settings.tftp_server.map_or(url.port, |s| s.port())
    } else {
        url.port
    };
    let mut url = url;
    if url.server.is_empty() && phone.settings.tftp_server.is_some() {
        url.server = server.clone();
        url.port = port;
    }
    let restricted = phone.config_value("Restricted_Access_Domains");
    if !allowed_server(&restricted, &server) {
        return Err(fail(
            phone,
            &mut macros,
            format!("server {server} is not in Restricted_Access_Domains ({restricted})"),
        )
        .await);
    }
    macros.set("SCHEME", url.scheme.clone());
    macros.set("SERV", server.clone());
    macros.set("SERVIP", server_ip(&server, port).await);
    macros.set("PORT", port.to_string());
    macros.set("PATH", url.path.clone());
    let display = url.to_url(&server);
    let family = phone.identity.family();
    send_syslog(
        phone,
        &macros,
        &Config::log_msg_name(family, "Log_Request_Msg"),
    )
    .await;

    let mut options = alt.options.clone();
    for v in [&mut options.uid, &mut options.pwd, &mut options.key]
        .into_iter()
        .flatten()
    {
        *v = macros.expand(v, true);
    }
    let post_body = options.post.as_ref().map(|p| {
        let name = match p.len() {
            1 => format!("GPP_{}", p.to_ascii_uppercase()),
            _ => p.clone(),
        };
        macros.expand(&phone.config_value(&name), false)
    });
    let fails_on_fnf = phone.state().config.is_yes("Resync_Fails_On_FNF");
    let result = fetch(
        &phone.http,
        &url,
        &options,
        post_body,
        phone.settings.tftp_server,
        phone.settings.source_ip,
    )
    .await;
    let body = match result {
        Ok(body) => body,
        Err(crate::fetch::FetchError::NotFound(_)) if !fails_on_fnf => {
            send_syslog(
                phone,
                &macros,
                &Config::log_msg_name(family, "Log_Success_Msg"),
            )
            .await;
            return Ok(Some(display));
        }
        Err(e) => return Err(fail(phone, &mut macros, e.to_string()).await),
    };
    phone.event(EventKind::ProfileFetched {
        url: display.clone(),
        user_agent: phone.identity.user_agent(),
        bytes: body.len(),
    });
    if phone.state().faults.vanish_after_fetch {
        phone.power.send_replace(false);
        return Err("the phone lost power after fetching the profile".into());
    }
    if options.key.is_some() {
        return Err(fail(
            phone,
            &mut macros,
            "encrypted profiles (--key) are not supported by this emulator".into(),
        )
        .await);
    }
    let text = String::from_utf8_lossy(&body);
    let applied = match phone.apply_profile(&text) {
        Ok(a) => a,
        Err(e) => return Err(fail(phone, &mut macros, format!("profile parse error: {e}")).await),
    };
    changed_all.extend(applied.changed.iter().cloned());
    phone.event(EventKind::ProfileApplied {
        url: display.clone(),
        changed: applied.changed,
        ignored: applied.ignored,
        dropped: applied.dropped,
    });
    send_syslog(
        phone,
        &macros,
        &Config::log_msg_name(family, "Log_Success_Msg"),
    )
    .await;
    Ok(Some(display))
}

/// `$SERVIP`: the profile server's IP address. The server as written when it is an address,
/// else what its name resolves to (the first IPv4 address, else the first); the name as
/// written when it does not resolve. IPv6 addresses are bracketed so that the default
/// `$SCHEME://$SERVIP:$PORT$PATH` templates still form a URL.
async fn server_ip(server: &str, port: u16) -> String {
    let bare = server.trim_start_matches('[').trim_end_matches(']');
    let ip = match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => Some(ip),
        Err(_) if bare.is_empty() => None,
        Err(_) => match tokio::net::lookup_host((bare, port)).await {
            Ok(addrs) => {
                let addrs: Vec<std::net::SocketAddr> = addrs.collect();
                addrs
                    .iter()
                    .find(|a| a.is_ipv4())
                    .or(addrs.first())
                    .map(|a| a.ip())
            }
            Err(_) => None,
        },
    };
    match ip {
        Some(std::net::IpAddr::V6(v6)) => format!("[{v6}]"),
        Some(v4) => v4.to_string(),
        None => server.to_string(),
    }
}

/// `Restricted_Access_Domains`: empty allows every server; else the server must be one of the
/// listed names or a host inside one of them.
fn allowed_server(list: &str, server: &str) -> bool {
    let entries: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let server = server.to_ascii_lowercase();
    entries.is_empty()
        || entries.iter().any(|e| {
            let e = e.to_ascii_lowercase();
            server == e || server.ends_with(&format!(".{e}"))
        })
}

async fn fail(phone: &Arc<Phone>, macros: &mut crate::rules::Macros, error: String) -> String {
    macros.set("ERR", error.clone());
    phone.state().last_error = error.clone();
    let name = Config::log_msg_name(phone.identity.family(), "Log_Failure_Msg");
    send_syslog(phone, macros, &name).await;
    error
}

/// Sends the expanded `Log_*_Msg` template to `Syslog_Server` (UDP, RFC 3164 framing).
async fn send_syslog(phone: &Phone, macros: &crate::rules::Macros, template_name: &str) {
    let (server, template) = {
        let state = phone.state();
        (
            state.config.value("Syslog_Server").trim().to_string(),
            state.config.value(template_name).to_string(),
        )
    };
    if server.is_empty() || template.trim().is_empty() {
        return;
    }
    let line = macros.expand(&template, false);
    let (host, port) = match server.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (h.to_string(), p.parse().unwrap_or(514)),
        _ => (server.clone(), 514),
    };
    let Ok(mut addrs) = tokio::net::lookup_host((host.as_str(), port)).await else {
        return;
    };
    let Some(addr) = addrs.next() else { return };
    let bind = crate::tftp::local_bind(addr, phone.settings.source_ip);
    let Ok(socket) = tokio::net::UdpSocket::bind(bind).await else {
        return;
    };
    let stamp = phone
        .clock
        .wall()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%b %e %H:%M:%S")
        .to_string();
    let host_name = phone.status_items()[6].1.clone();
    // local0.info
    let datagram = format!("<134>{stamp} {host_name} {line}");
    if socket.send_to(datagram.as_bytes(), addr).await.is_ok() {
        phone.event(EventKind::Syslog {
            server: addr.to_string(),
            line,
        });
    }
}

/// The provisioning state shown between the end of a resync and what follows it.
fn after_resync(changed: &[String]) -> ProvisioningState {
    if changed.is_empty() {
        ProvisioningState::Idle
    } else {
        ProvisioningState::Rebooting
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_and_times() {
        assert_eq!(
            parse_schedule("1800,3600+300"),
            Some(vec![
                Wait {
                    secs: 1800,
                    random: 0
                },
                Wait {
                    secs: 3600,
                    random: 300
                }
            ])
        );
        assert_eq!(parse_schedule("x"), None);
        assert_eq!(parse_hhmm("1800"), Some(64_800));
        assert_eq!(parse_hhmm("2400"), Some(0));
        assert_eq!(parse_hhmm("2460"), None);
        assert_eq!(parse_hhmm("930"), None);
        assert!(allowed_server("", "10.0.0.1"));
        assert!(allowed_server("example.com, 127.0.0.1", "prov.example.com"));
        assert!(allowed_server("example.com,127.0.0.1", "127.0.0.1"));
        assert!(!allowed_server("example.com", "evilexample.com"));
    }

    #[test]
    fn periodic_list_items_in_turn_the_last_repeating() {
        let items = parse_schedule("60,120+30,240").unwrap();
        let secs: Vec<_> = (0..5)
            .map(|i| periodic_wait(&items, i).map(|w| (w.secs, w.random)))
            .collect();
        assert_eq!(
            secs,
            [
                Some((60, 0)),
                Some((120, 30)),
                Some((240, 0)),
                Some((240, 0)),
                Some((240, 0))
            ]
        );
        assert_eq!(periodic_wait(&parse_schedule("0").unwrap(), 0), None);
        let stops = parse_schedule("60,0").unwrap();
        assert!(periodic_wait(&stops, 0).is_some());
        assert_eq!(periodic_wait(&stops, 1), None);
        assert_eq!(periodic_wait(&stops, 7), None);
    }

    #[tokio::test]
    async fn servip_is_the_servers_address() {
        assert_eq!(server_ip("10.74.121.56", 80).await, "10.74.121.56");
        assert_eq!(server_ip("localhost", 80).await, "127.0.0.1");
        assert_eq!(server_ip("[::1]", 80).await, "[::1]");
        assert_eq!(server_ip("", 69).await, "");
    }
}
