//! Asks before sweeping ranges larger than a /22: that many addresses take long and reach far
//! beyond one office, so the technician confirms (the CLI's `--yes-large`).

use egui::RichText;

use super::a11y;

use super::intent::Intent;

/// What discovery refused to sweep without asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargeScanQuestion {
    /// The ranges, as discovery names them.
    pub ranges: String,
    pub addresses: u64,
}

impl LargeScanQuestion {
    /// A rough duration: 256 addresses at a time, half a second for a silent one.
    pub fn estimate_words(&self) -> String {
        let seconds = self.addresses.div_ceil(256) / 2;
        if seconds < 60 {
            format!("about {} s", seconds.max(1))
        } else {
            format!("about {} min", seconds.div_ceil(60))
        }
    }
}

pub fn show(ctx: &egui::Context, question: &LargeScanQuestion) -> Vec<Intent> {
    let mut intents = Vec::new();
    let response = a11y::dialog(
        ctx,
        "large scan question",
        &format!("Sweep {} addresses?", question.addresses),
        560.0,
        |ui| {
            ui.add(
                egui::Label::new(format!(
                    "{} hold {} addresses, more than the 1,024 of a /22. Sweeping them takes {} \
                 and reaches far beyond one office: sweep only networks you are allowed to \
                 scan. A smaller range can be set in Settings, under 'Sweep only these networks'.",
                    question.ranges,
                    question.addresses,
                    question.estimate_words()
                ))
                .wrap(),
            );
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button(RichText::new("Sweep them").strong()).clicked() {
                    intents.push(Intent::StartLargeScan);
                }
                if ui.button("Cancel").clicked() {
                    intents.push(Intent::CloseLargeScanQuestion);
                }
            });
        },
    );
    if response.should_close() && intents.is_empty() {
        intents.push(Intent::CloseLargeScanQuestion);
    }
    intents
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_grows_with_the_range() {
        let slash16 = LargeScanQuestion {
            ranges: "10.1.0.0/16".into(),
            addresses: 65_534,
        };
        assert_eq!(slash16.estimate_words(), "about 3 min");
        let slash21 = LargeScanQuestion {
            ranges: "10.1.0.0/21".into(),
            addresses: 2046,
        };
        assert_eq!(slash21.estimate_words(), "about 4 s");
    }
}
