//! Which firmware family a profile file is written for, read from the file itself: its
//! `Software_Version`, else the signs real files carry (SPA: the Sipura namespace, SPA
//! element names, `group` attributes; MPP: the `<device>` wrapper, MPP-only element names,
//! `ua` attributes). Said with the reason, so a technician can see why those defaults and
//! ranges were used.

use super::schema;
use super::xml::Document;
use crate::identity::FirmwareLine;

/// The firmware line a file was read for, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub line: FirmwareLine,
    /// In words: "its Software_Version is 7.5.5", "SPA signs: the SPA namespace …".
    pub why: String,
    /// The line is a guess: the file did not tell (or told both ways).
    pub assumed: bool,
}

/// What points at one family, strongest first within each kind.
#[derive(Debug, Default)]
struct Signs {
    /// Hard to mistake: a namespace, a wrapper, an element name only one family has.
    strong: Vec<String>,
    /// Seen in the other family's files too (`group` with `ua` on MPP files).
    weak: Vec<String>,
}

impl Signs {
    fn is_empty(&self) -> bool {
        self.strong.is_empty() && self.weak.is_empty()
    }

    fn words(&self) -> String {
        self.strong
            .iter()
            .chain(&self.weak)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The family of `document` (see the module's text); [`FirmwareLine::ASSUMED`] when the
/// file does not tell.
pub fn infer(document: &Document) -> Family {
    if let Some(version) = document.value("Software_Version")
        && let Some(line) = FirmwareLine::from_version(version)
    {
        return Family {
            line,
            why: format!("its Software_Version is {version}"),
            assumed: false,
        };
    }
    let spa = spa_signs(document);
    let mpp = mpp_signs(document);
    let assumed = |why: String| Family {
        line: FirmwareLine::ASSUMED,
        why,
        assumed: true,
    };
    let spa_wins = !spa.strong.is_empty() && mpp.strong.is_empty()
        || spa.strong.is_empty() && mpp.strong.is_empty() && mpp.weak.is_empty() && !spa.is_empty();
    let mpp_wins = !mpp.strong.is_empty() && spa.strong.is_empty()
        || spa.strong.is_empty() && !mpp.weak.is_empty();
    if spa_wins {
        Family {
            line: FirmwareLine::Spa,
            why: format!("an SPA file: {}", spa.words()),
            assumed: false,
        }
    } else if mpp_wins {
        mpp_line(document, &mpp)
    } else if spa.is_empty() && mpp.is_empty() {
        assumed("nothing in the file tells the firmware".into())
    } else {
        assumed(format!(
            "the file has signs of both SPA ({}) and MPP ({})",
            spa.words(),
            mpp.words()
        ))
    }
}

/// An MPP file: 12.x when a 12.x sign is there, else 11.x when a field only 11.x and later
/// have is there (both "or later"), else the version is assumed.
fn mpp_line(document: &Document, mpp: &Signs) -> Family {
    let list_retry = document
        .value("Resync_Error_Retry_Delay")
        .is_some_and(|v| v.contains(','));
    let (line, version_why) = if list_retry {
        (
            FirmwareLine::Mpp12,
            Some("Resync_Error_Retry_Delay is a list, as on 12.x".to_string()),
        )
    } else if let Some(name) = document.elements.iter().find_map(|e| {
        let def = schema::lookup(&e.name)?;
        (!def.exists_on(FirmwareLine::Mpp10)).then_some(def.element)
    }) {
        (
            FirmwareLine::Mpp11,
            Some(format!("{name} exists from 11.x on")),
        )
    } else {
        (FirmwareLine::ASSUMED, None)
    };
    match version_why {
        Some(version_why) => Family {
            line,
            why: format!("an MPP file: {}; {version_why}", mpp.words()),
            assumed: false,
        },
        None => Family {
            line,
            why: format!(
                "an MPP file ({}) that does not say which version",
                mpp.words()
            ),
            assumed: true,
        },
    }
}

fn spa_signs(document: &Document) -> Signs {
    let mut signs = Signs::default();
    if let Some(namespace) = &document.namespace
        && namespace.to_ascii_lowercase().contains("sipura")
    {
        signs
            .strong
            .push(format!("the SPA namespace ({namespace})"));
    }
    if let Some(name) = document.elements.iter().find_map(|e| {
        schema::PARAMS
            .iter()
            .find(|d| d.spa_element == Some(e.name.as_str()))
            .map(|_| e.name.as_str())
    }) {
        signs.strong.push(format!("the SPA element name {name}"));
    }
    if document
        .elements
        .iter()
        .any(|e| e.attribute("group").is_some())
    {
        signs.weak.push("`group` attributes".into());
    }
    signs
}

fn mpp_signs(document: &Document) -> Signs {
    let mut signs = Signs::default();
    if document.root.as_deref() == Some("device") {
        signs.strong.push("the <device> wrapper".into());
    }
    if let Some(name) = document.elements.iter().find_map(|e| {
        let def = schema::lookup(&e.name)?;
        let mpp_only =
            def.spa_element.is_some_and(|spa| spa != e.name) || !def.exists_on(FirmwareLine::Spa);
        mpp_only.then_some(e.name.as_str())
    }) {
        signs.strong.push(format!("the MPP element name {name}"));
    }
    if document
        .elements
        .iter()
        .any(|e| e.attribute("ua").is_some())
    {
        signs.weak.push("`ua` attributes".into());
    }
    signs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::xml::read_document;

    fn family(xml: &str) -> Family {
        infer(&read_document(xml).unwrap())
    }

    #[test]
    fn the_version_in_the_file_decides() {
        let f = family("<flat-profile><Software_Version>7.5.5</Software_Version></flat-profile>");
        assert_eq!((f.line, f.assumed), (FirmwareLine::Spa, false));
        assert_eq!(f.why, "its Software_Version is 7.5.5");
    }

    #[test]
    fn spa_files_are_known_by_namespace_names_or_group_attributes() {
        let namespace = family(
            r#"<flat-profile xmlns="http://www.sipura.net/xsd/SPA50x-30x-SIP">
                 <Resync_Periodic>3600</Resync_Periodic></flat-profile>"#,
        );
        assert_eq!(
            (namespace.line, namespace.assumed),
            (FirmwareLine::Spa, false)
        );
        assert!(namespace.why.contains("SPA namespace"), "{}", namespace.why);

        let group = family(
            r#"<flat-profile><Resync_Periodic group="Provisioning/Configuration_Profile">3600</Resync_Periodic></flat-profile>"#,
        );
        assert_eq!(group.line, FirmwareLine::Spa);
        assert!(group.why.contains("`group` attributes"), "{}", group.why);

        let names = family(
            "<flat-profile><Log_Resync_Request_Msg>x</Log_Resync_Request_Msg></flat-profile>",
        );
        assert_eq!(names.line, FirmwareLine::Spa);
        assert!(
            names.why.contains("Log_Resync_Request_Msg"),
            "{}",
            names.why
        );
    }

    #[test]
    fn mpp_files_are_known_by_wrapper_names_and_ua_and_say_when_the_version_is_assumed() {
        let device = family(
            "<device><flat-profile><Resync_Periodic>1</Resync_Periodic></flat-profile></device>",
        );
        assert_eq!((device.line, device.assumed), (FirmwareLine::ASSUMED, true));
        assert!(
            device.why.contains("<device> wrapper") && device.why.contains("which version"),
            "{}",
            device.why
        );
        let eleven = family(
            r#"<flat-profile><Profile_Authentication_Type ua="na">Disabled</Profile_Authentication_Type></flat-profile>"#,
        );
        assert_eq!((eleven.line, eleven.assumed), (FirmwareLine::Mpp11, false));
        let twelve = family(
            r#"<flat-profile><Resync_Error_Retry_Delay ua="na">60,120</Resync_Error_Retry_Delay></flat-profile>"#,
        );
        assert_eq!((twelve.line, twelve.assumed), (FirmwareLine::Mpp12, false));
    }

    #[test]
    fn both_ua_and_group_on_an_element_is_an_mpp_file() {
        let f = family(
            r#"<flat-profile><Resync_Periodic ua="na" group="Provisioning/Configuration_Profile">3600</Resync_Periodic></flat-profile>"#,
        );
        assert_eq!(f.line, FirmwareLine::ASSUMED);
        assert!(f.why.starts_with("an MPP file"), "{}", f.why);
    }

    #[test]
    fn a_file_that_tells_nothing_or_both_ways_is_assumed_and_says_so() {
        let plain = family("<flat-profile><Resync_Periodic>1</Resync_Periodic></flat-profile>");
        assert_eq!((plain.line, plain.assumed), (FirmwareLine::ASSUMED, true));
        assert_eq!(plain.why, "nothing in the file tells the firmware");
        let both = family(
            r#"<device><flat-profile xmlns="http://www.sipura.net/xsd/SPA50x-30x-SIP"><Resync_Periodic>1</Resync_Periodic></flat-profile></device>"#,
        );
        assert!(both.assumed);
        assert!(both.why.contains("both SPA"), "{}", both.why);
    }
}
