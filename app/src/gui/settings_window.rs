//! The Settings dialog: theme and scale, discovery sources and ports, syslog listener.
//! Edits a draft; nothing changes until Save.

use egui::RichText;

use super::a11y;

use super::intent::Intent;
use super::style;
use crate::session::{Settings, ThemeChoice};

#[derive(Debug, Clone)]
pub struct SettingsDraft {
    pub settings: Settings,
    pub ports_text: String,
    pub networks_text: String,
    pub interfaces_text: String,
    pub error: Option<String>,
}

impl SettingsDraft {
    pub fn new(settings: &Settings) -> Self {
        SettingsDraft {
            settings: settings.clone(),
            ports_text: join(&settings.discovery.extra_ports),
            networks_text: settings.discovery.networks.join(", "),
            interfaces_text: settings.discovery.interfaces.join(", "),
            error: None,
        }
    }

    /// The settings the draft describes, or what is wrong with it in words.
    pub fn parse(&self) -> Result<Settings, String> {
        let mut settings = self.settings.clone();
        let mut ports = Vec::new();
        for item in split_list(&self.ports_text) {
            match item.parse::<u16>() {
                Ok(port) if port > 0 => ports.push(port),
                _ => return Err(format!("\"{item}\" is not a port (1–65535)")),
            }
        }
        settings.discovery.extra_ports = ports;
        let mut networks = Vec::new();
        for item in split_list(&self.networks_text) {
            match item.parse::<ipnet::IpNet>() {
                Ok(net) => networks.push(net.to_string()),
                Err(_) => {
                    return Err(format!(
                        "\"{item}\" is not a network; write it like 192.168.1.0/24"
                    ));
                }
            }
        }
        settings.discovery.networks = networks;
        settings.discovery.interfaces = split_list(&self.interfaces_text)
            .map(str::to_string)
            .collect();
        Ok(settings.sanitised())
    }
}

fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ' ', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn join(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn show(ctx: &egui::Context, draft: &mut SettingsDraft) -> Vec<Intent> {
    let mut intents = Vec::new();
    let response = a11y::dialog(ctx, "settings", "Settings", 560.0, |ui| {
        ui.add_space(4.0);
        appearance(ui, &mut draft.settings);
        ui.separator();
        finding_phones(ui, draft);
        ui.separator();
        phone_logs(ui, &mut draft.settings);
        ui.separator();
        many_phones(ui, &mut draft.settings);
        if let Some(error) = &draft.error {
            ui.colored_label(style::bad_colour(ui.visuals()), error);
        }
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button(RichText::new("Save").strong()).clicked() {
                match draft.parse() {
                    Ok(settings) => intents.push(Intent::ApplySettings(settings)),
                    Err(error) => draft.error = Some(error),
                }
            }
            if ui.button("Cancel").clicked() {
                intents.push(Intent::CloseSettings);
            }
        });
    });
    if response.should_close() && intents.is_empty() {
        intents.push(Intent::CloseSettings);
    }
    intents
}

/// Theme and text size.
fn appearance(ui: &mut egui::Ui, settings: &mut Settings) {
    ui.label(RichText::new("Appearance").strong());
    ui.horizontal(|ui| {
        ui.label("Theme:");
        for choice in ThemeChoice::ALL {
            ui.radio_value(&mut settings.theme, choice, choice.words());
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Text size:");
        ui.add(
            egui::Slider::new(&mut settings.zoom, Settings::ZOOM_RANGE)
                .step_by(0.25)
                .show_value(false),
        )
        .labelled_by(label.id);
        ui.label(format!("{:.0} %", settings.zoom * 100.0));
        for (words, zoom) in [("100 %", 1.0), ("150 %", 1.5), ("200 %", 2.0)] {
            if ui.button(words).clicked() {
                settings.zoom = zoom;
            }
        }
    });
}

/// How many phones a submit to several works on at once.
fn many_phones(ui: &mut egui::Ui, settings: &mut Settings) {
    ui.label(RichText::new("Submitting to many phones").strong());
    ui.horizontal(|ui| {
        let label = ui.label("Phones at once:");
        ui.add(egui::DragValue::new(&mut settings.parallel).range(Settings::PARALLEL_RANGE))
            .labelled_by(label.id)
            .on_hover_text(
                "The others wait their turn. Phones on a call wait for it to end without \
                 holding up more than their own turn.",
            );
    });
}

/// Which discovery sources a scan uses, and where it looks.
fn finding_phones(ui: &mut egui::Ui, draft: &mut SettingsDraft) {
    ui.label(RichText::new("Finding phones").strong());
    ui.checkbox(
        &mut draft.settings.discovery.mdns,
        "Listen for phones that announce themselves (mDNS)",
    );
    ui.checkbox(
        &mut draft.settings.discovery.sweep,
        "Sweep this laptop's networks (ports 80 and 443)",
    );
    ui.checkbox(
        &mut draft.settings.discovery.neighbours,
        "Read this laptop's neighbour (ARP) table and mark Cisco hardware",
    );
    ui.horizontal(|ui| {
        let label = ui.label("Only these interfaces:");
        ui.add(
            egui::TextEdit::singleline(&mut draft.interfaces_text)
                .hint_text("empty = all, e.g. eth0, wlan0"),
        )
        .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        let label = ui.label("Other ports:");
        ui.add(egui::TextEdit::singleline(&mut draft.ports_text).hint_text("8080, 8443"))
            .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        let label = ui.label("Sweep only these networks:");
        ui.add(
            egui::TextEdit::singleline(&mut draft.networks_text)
                .hint_text("empty = this laptop's own subnets"),
        )
        .labelled_by(label.id);
    });
}

/// The syslog listener.
fn phone_logs(ui: &mut egui::Ui, settings: &mut Settings) {
    ui.label(RichText::new("Phone logs").strong());
    ui.checkbox(
        &mut settings.syslog.enabled,
        "Receive the phones' syslog lines (resync messages)",
    );
    ui.horizontal(|ui| {
        let label = ui.label("UDP port:");
        ui.add(egui::DragValue::new(&mut settings.syslog.port).range(1..=65535))
            .labelled_by(label.id);
        ui.label(
            RichText::new("Set the phone's Syslog Server to this laptop's address:port.").small(),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_parses_ports_and_networks_and_refuses_garbage_in_words() {
        let mut draft = SettingsDraft::new(&Settings::default());
        draft.ports_text = "8080, 8443;8080".into();
        draft.networks_text = "10.0.0.0/24 192.168.1.0/24".into();
        draft.interfaces_text = "eth0, wlan0".into();
        let settings = draft.parse().unwrap();
        assert_eq!(settings.discovery.interfaces, vec!["eth0", "wlan0"]);
        assert_eq!(settings.discovery.extra_ports, vec![8080, 8443]);
        assert_eq!(
            settings.discovery.networks,
            vec!["10.0.0.0/24", "192.168.1.0/24"]
        );
        draft.ports_text = "80800".into();
        assert!(draft.parse().unwrap_err().contains("80800"));
        draft.ports_text.clear();
        draft.networks_text = "office".into();
        assert!(draft.parse().unwrap_err().contains("192.168.1.0/24"));
    }
}
