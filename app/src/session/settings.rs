//! Settings the technician chooses once and keeps: theme, scale, discovery, syslog listener.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Follow the operating system.
    #[default]
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub const ALL: [ThemeChoice; 3] = [ThemeChoice::System, ThemeChoice::Light, ThemeChoice::Dark];

    pub fn words(self) -> &'static str {
        match self {
            ThemeChoice::System => "Follow the system",
            ThemeChoice::Light => "Light",
            ThemeChoice::Dark => "Dark",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiscoverySettings {
    pub mdns: bool,
    pub sweep: bool,
    /// Read the neighbour (ARP) table and mark Cisco MAC prefixes.
    pub neighbours: bool,
    /// Network interfaces to use (names, e.g. `eth0`); empty = every interface.
    pub interfaces: Vec<String>,
    /// Ports probed besides 80 and 443.
    pub extra_ports: Vec<u16>,
    /// Networks to sweep instead of the laptop's own subnets (CIDR text, as typed).
    pub networks: Vec<String>,
}

impl Default for DiscoverySettings {
    fn default() -> Self {
        DiscoverySettings {
            mdns: true,
            sweep: true,
            neighbours: true,
            interfaces: Vec::new(),
            extra_ports: Vec::new(),
            networks: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SyslogSettings {
    pub enabled: bool,
    /// UDP port. 514 is the phones' default but needs administrator rights on most systems,
    /// so the default is 5514 (set the phone's Syslog Server to `laptop:5514`).
    pub port: u16,
}

impl Default for SyslogSettings {
    fn default() -> Self {
        SyslogSettings {
            enabled: false,
            port: 5514,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub theme: ThemeChoice,
    /// Interface scale: 1.0 = 100 %, 2.0 = 200 %.
    pub zoom: f32,
    pub discovery: DiscoverySettings,
    pub syslog: SyslogSettings,
    /// How many phones a submit to many works on at once (the others wait their turn).
    pub parallel: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: ThemeChoice::System,
            zoom: 1.0,
            discovery: DiscoverySettings::default(),
            syslog: SyslogSettings::default(),
            parallel: Settings::DEFAULT_PARALLEL,
        }
    }
}

impl Settings {
    pub const ZOOM_RANGE: std::ops::RangeInclusive<f32> = 0.75..=3.0;
    /// Phones worked on at once by default: enough for a floor of desks, few enough for a
    /// small office switch and the laptop's two cores.
    pub const DEFAULT_PARALLEL: usize = 8;
    pub const PARALLEL_RANGE: std::ops::RangeInclusive<usize> = 1..=100;

    /// Brings values from an edited or old file back into range.
    pub fn sanitised(mut self) -> Self {
        if !self.zoom.is_finite() {
            self.zoom = 1.0;
        }
        self.zoom = self
            .zoom
            .clamp(*Self::ZOOM_RANGE.start(), *Self::ZOOM_RANGE.end());
        if self.syslog.port == 0 {
            self.syslog.port = SyslogSettings::default().port;
        }
        self.discovery.extra_ports.retain(|p| *p != 0);
        self.discovery.extra_ports.sort_unstable();
        self.discovery.extra_ports.dedup();
        self.parallel = self
            .parallel
            .clamp(*Self::PARALLEL_RANGE.start(), *Self::PARALLEL_RANGE.end());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_take_defaults_and_bad_values_are_brought_into_range() {
        let settings: Settings = serde_json::from_str(r#"{"theme":"Dark","zoom":40.0}"#).unwrap();
        let settings = settings.sanitised();
        assert_eq!(settings.theme, ThemeChoice::Dark);
        assert_eq!(settings.zoom, 3.0);
        assert_eq!(settings.syslog, SyslogSettings::default());
        assert!(settings.discovery.mdns && settings.discovery.sweep);
        assert_eq!(settings.parallel, 8, "an older file gets the default");
        let none: Settings = serde_json::from_str(r#"{"parallel":0}"#).unwrap();
        assert_eq!(none.sanitised().parallel, 1);
        let ports = Settings {
            discovery: DiscoverySettings {
                extra_ports: vec![8080, 0, 8080, 81],
                ..DiscoverySettings::default()
            },
            ..Settings::default()
        }
        .sanitised();
        assert_eq!(ports.discovery.extra_ports, vec![81, 8080]);
    }
}
