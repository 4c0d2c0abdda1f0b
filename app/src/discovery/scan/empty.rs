//! Why a scan found no phone, in a technician's words: what the sweep saw, and the usual
//! reasons phones are not where it looked. The command line and the window both show it.

use super::events::{ScanSummary, SweepReport};

impl ScanSummary {
    /// Sentences that say why this scan found no phone; empty when it found one, or when it
    /// was cancelled or cut short (its list is incomplete for that reason).
    pub fn why_nothing_found(&self) -> Vec<String> {
        if !self.phones.is_empty() || self.cancelled || self.timed_out {
            return Vec::new();
        }
        let Some(sweep) = &self.sweep else {
            return vec![
                "The address sweep was off: only mDNS, the neighbour table and typed addresses \
                 were used, and no phone showed up there. Turn the sweep on, or type a phone's \
                 address."
                    .into(),
            ];
        };
        let mut reasons = vec![what_answered(sweep)];
        if sweep.own_subnets {
            reasons.push(format!(
                "Phones on a voice VLAN are not on this laptop's subnets ({}): give the voice \
                 subnet to sweep (--cidr on the command line, 'Sweep only these networks' in \
                 the window's Settings).",
                list(&sweep.networks)
            ));
        } else {
            reasons.push(
                "If the phones are on another subnet, this laptop needs a route to it (ask for \
                 the voice VLAN, or plug into a phone's PC port)."
                    .into(),
            );
        }
        reasons.push(
            "The phones' web server may be off (Enable Web Server: No): such phones answer no \
             sweep; they show up when they fetch their profile from phoneprov or send it \
             syslog."
                .into(),
        );
        if !sweep.connect_errors.is_empty() {
            let errors: Vec<String> = sweep
                .connect_errors
                .iter()
                .map(|(error, count)| format!("{count} × {error}"))
                .collect();
            reasons.push(format!(
                "Some connections failed on this laptop: {}.",
                errors.join(", ")
            ));
        }
        reasons
    }
}

fn what_answered(sweep: &SweepReport) -> String {
    let ports = sweep
        .ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let networks = list(&sweep.networks);
    match sweep.answered {
        0 => format!("No host answered on ports {ports} in {networks}."),
        answered => format!(
            "{answered} host{} answered in {networks}, {} with a web server on ports {ports}, \
             but none looked like a Cisco phone.",
            if answered == 1 { "" } else { "s" },
            sweep.open
        ),
    }
}

fn list(networks: &[ipnet::IpNet]) -> String {
    networks
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::discovery::Progress;

    fn empty_scan(sweep: Option<SweepReport>) -> ScanSummary {
        ScanSummary {
            phones: Vec::new(),
            cancelled: false,
            timed_out: false,
            swept: Progress { done: 0, total: 0 },
            elapsed: Duration::ZERO,
            sweep,
        }
    }

    fn own_lan() -> SweepReport {
        SweepReport {
            networks: vec!["192.168.1.0/24".parse().unwrap()],
            ports: vec![80, 443],
            own_subnets: true,
            ..SweepReport::default()
        }
    }

    #[test]
    fn silence_on_our_own_subnet_points_at_the_voice_vlan_and_the_web_server() {
        let reasons = empty_scan(Some(own_lan())).why_nothing_found();
        assert_eq!(
            reasons[0],
            "No host answered on ports 80, 443 in 192.168.1.0/24."
        );
        assert!(reasons[1].contains("voice VLAN") && reasons[1].contains("--cidr"));
        assert!(reasons[1].contains("Settings"));
        assert!(reasons[2].contains("web server may be off"));
        assert_eq!(reasons.len(), 3);
    }

    #[test]
    fn hosts_that_answered_and_failed_connects_are_told() {
        let mut sweep = SweepReport {
            own_subnets: false,
            answered: 3,
            open: 1,
            ..own_lan()
        };
        sweep
            .connect_errors
            .insert("No buffer space available (os error 105)".into(), 12);
        let reasons = empty_scan(Some(sweep)).why_nothing_found();
        assert!(reasons[0].starts_with("3 hosts answered in 192.168.1.0/24, 1 with a web"));
        assert!(reasons[1].contains("route"));
        assert!(reasons[3].contains("12 × No buffer space available"));
    }

    #[test]
    fn nothing_to_explain_when_phones_were_found_or_the_scan_was_cut_short() {
        let mut cut = empty_scan(Some(own_lan()));
        cut.timed_out = true;
        assert!(cut.why_nothing_found().is_empty());
        let mut found = empty_scan(Some(own_lan()));
        let mut table = crate::discovery::PhoneTable::new();
        let typed = crate::discovery::Observation::new(
            crate::discovery::Source::Manual,
            "10.0.0.5".parse().unwrap(),
        );
        found.phones.push(table.record(typed).phone().clone());
        assert!(found.why_nothing_found().is_empty());
        assert!(empty_scan(None).why_nothing_found()[0].contains("sweep was off"));
    }
}
