//! A parameter name as a technician types it, understood: the element name, in any case; an
//! SPA alias; or the label as the phone's web page prints it (`Resync At (HHmm)`). Resolved
//! against a set of known names (a phone's own configuration, or the schema); a name that
//! is none of them comes back with the nearest known names for "did you mean".
//! The CLI, the engine and the window all resolve names here.

use std::collections::BTreeMap;

use super::schema;
use crate::identity::FirmwareLine;

/// The element name of a label by the phones' naming rule: every space and each of
/// `[ ] ( ) /` becomes `_` (`Resync At (HHmm)` → `Resync_At__HHmm_`). Hyphens and dots stay:
/// real element names carry them (`Enable_LLDP-MED`, `Enable_802.1X_Authentication`).
pub fn element_of_label(label: &str) -> String {
    label
        .trim()
        .chars()
        .map(|c| {
            if c.is_whitespace() || matches!(c, '[' | ']' | '(' | ')' | '/') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// Names known to something that takes them, with a case-blind index.
#[derive(Debug, Clone, Default)]
pub struct KnownNames {
    /// Lower-case name → the names spelled that way (usually one).
    by_lower: BTreeMap<String, Spellings>,
}

#[derive(Debug, Clone, Default)]
struct Spellings {
    names: Vec<String>,
    /// Characters of the lower-case name ([`char_set`]) and their count, to rule most
    /// names out before measuring a distance.
    chars: u64,
    length: usize,
}

/// The set of characters of `name` as 64 bits (letters, digits, `_ - .` each their own;
/// anything else shares the rest). One slip adds or removes at most one character of the
/// set each way, so names `k` slips apart differ in at most `2k` bits.
fn char_set(name: &str) -> u64 {
    name.chars().fold(0, |set, c| {
        let bit = match c {
            'a'..='z' => c as u32 - 'a' as u32,
            '0'..='9' => 26 + c as u32 - '0' as u32,
            '_' => 36,
            '-' => 37,
            '.' => 38,
            other => 39 + other as u32 % 25,
        };
        set | 1 << bit
    })
}

impl KnownNames {
    pub fn new<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        let mut by_lower: BTreeMap<String, Spellings> = BTreeMap::new();
        for name in names {
            let name = name.as_ref();
            let lower = name.to_lowercase();
            let spellings = by_lower.entry(lower).or_insert_with_key(|lower| Spellings {
                names: Vec::new(),
                chars: char_set(lower),
                length: lower.chars().count(),
            });
            if !spellings.names.iter().any(|s| s == name) {
                spellings.names.push(name.to_string());
            }
        }
        KnownNames { by_lower }
    }

    /// The schema's element names as a phone of `line` spells them (`None`: every spelling,
    /// MPP names and SPA aliases).
    pub fn schema(line: Option<FirmwareLine>) -> Self {
        match line {
            Some(line) => KnownNames::new(
                schema::PARAMS
                    .iter()
                    .filter(|d| d.exists_on(line))
                    .map(|d| d.element_for(line)),
            ),
            None => KnownNames::new(
                schema::PARAMS
                    .iter()
                    .flat_map(|d| std::iter::once(d.element).chain(d.spa_element)),
            ),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.by_lower
            .get(&name.to_lowercase())
            .is_some_and(|s| s.names.iter().any(|n| n == name))
    }

    pub fn is_empty(&self) -> bool {
        self.by_lower.is_empty()
    }

    /// The one known spelling of `name` ignoring case (none when two spellings differ only
    /// in case: then the technician must choose).
    fn ignoring_case(&self, name: &str) -> Option<&str> {
        match self.by_lower.get(&name.to_lowercase())?.names.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Every name, in no particular order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_lower
            .values()
            .flat_map(|s| s.names.iter().map(String::as_str))
    }
}

/// How a typed name was understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A known name, exactly as typed.
    Exact(String),
    /// Understood as `element` (a label, another case, or the other line's spelling).
    Meant { given: String, element: String },
    /// No known name.
    Unknown(UnknownName),
}

/// A name nothing known is called, with the closest known names (possibly none).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnknownName {
    pub name: String,
    pub nearest: Vec<String>,
}

impl std::fmt::Display for UnknownName {
    /// `Resync_Periodc (did you mean `Resync_Periodic`?)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match did_you_mean(&self.nearest) {
            Some(hint) => write!(f, "{} ({hint})", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl Resolved {
    /// The element name to use, when understood.
    pub fn element(&self) -> Option<&str> {
        match self {
            Resolved::Exact(name) | Resolved::Meant { element: name, .. } => Some(name),
            Resolved::Unknown(_) => None,
        }
    }

    /// `"Resync Periodic" means Resync_Periodic` for a name understood as another.
    pub fn meaning(&self) -> Option<String> {
        match self {
            Resolved::Meant { given, element } => Some(format!("\"{given}\" means {element}")),
            _ => None,
        }
    }
}

/// Resolves `given` among `known`: the exact name; else the label's element name; else the
/// same name in another case; else the schema field it names (any case, label, MPP name or
/// SPA alias) in whichever spelling `known` has. Otherwise unknown, with the nearest names.
pub fn resolve(given: &str, known: &KnownNames) -> Resolved {
    let given = given.trim();
    if known.contains(given) {
        return Resolved::Exact(given.to_string());
    }
    let as_element = element_of_label(given);
    let meant = |element: &str| Resolved::Meant {
        given: given.to_string(),
        element: element.to_string(),
    };
    if known.contains(&as_element) {
        return meant(&as_element);
    }
    if let Some(found) = known.ignoring_case(&as_element) {
        return meant(found);
    }
    if let Some(def) = schema::lookup_ignoring_case(&as_element) {
        let spellings = std::iter::once(def.element).chain(def.spa_element);
        if let Some(found) = spellings.filter_map(|s| known.ignoring_case(s)).next() {
            return meant(found);
        }
    }
    Resolved::Unknown(UnknownName {
        name: given.to_string(),
        nearest: nearest(&as_element, known),
    })
}

/// The name the schema would give `given` (its field's MPP element, in the right case), or
/// `given` by the label rule: what to validate before the phone's own names are known.
pub fn schema_spelling(given: &str) -> String {
    match resolve(given, &KnownNames::schema(None)) {
        Resolved::Exact(element) | Resolved::Meant { element, .. } => {
            schema::canonical_name(&element).to_string()
        }
        Resolved::Unknown(_) => element_of_label(given),
    }
}

/// Most names offered in one "did you mean".
const MAX_SUGGESTIONS: usize = 3;

/// The known names nearest to `name` (a slip of one or two characters, case ignored),
/// closest first: `Resync_At_HHmm_` → `Resync_At__HHmm_`, `Resync_Periodc` → `Resync_Periodic`.
pub fn nearest(name: &str, known: &KnownNames) -> Vec<String> {
    let lower = name.to_lowercase();
    let length = lower.chars().count();
    // Longer names tolerate more slips; a short name with two slips is another name.
    let limit = (length / 6).clamp(1, 3);
    let chars = char_set(&lower);
    let mut close: Vec<(usize, &str)> = known
        .by_lower
        .iter()
        // Cheap bounds first (each slip changes the length by at most one and the set of
        // characters by at most two): most names are never measured.
        .filter(|(_, s)| {
            s.length.abs_diff(length) <= limit
                && (s.chars ^ chars).count_ones() as usize <= 2 * limit
        })
        .filter_map(|(candidate, spellings)| {
            let distance = strsim::osa_distance(&lower, candidate);
            (distance <= limit).then_some((distance, spellings))
        })
        .flat_map(|(distance, spellings)| {
            spellings.names.iter().map(move |s| (distance, s.as_str()))
        })
        .collect();
    close.sort();
    close
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, name)| name.to_string())
        .collect()
}

/// `did you mean Resync_Periodic?` / `did you mean A or B?` (`None` without suggestions).
pub fn did_you_mean(nearest: &[String]) -> Option<String> {
    let (last, rest) = nearest.split_last()?;
    let quoted = |n: &String| format!("`{n}`");
    Some(if rest.is_empty() {
        format!("did you mean {}?", quoted(last))
    } else {
        format!(
            "did you mean {} or {}?",
            rest.iter().map(quoted).collect::<Vec<_>>().join(", "),
            quoted(last)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone() -> KnownNames {
        KnownNames::new([
            "Resync_Periodic",
            "Resync_At__HHmm_",
            "Resync_Error_Retry_Delay",
            "Station_Name",
            "Enable_LLDP-MED",
            "Log_Resync_Request_Msg",
            "Primary__DNS",
        ])
    }

    #[test]
    fn labels_become_element_names_by_the_phones_rule() {
        assert_eq!(element_of_label("Resync At (HHmm)"), "Resync_At__HHmm_");
        assert_eq!(element_of_label("Primary  DNS"), "Primary__DNS");
        assert_eq!(element_of_label("Enable LLDP-MED"), "Enable_LLDP-MED");
        for def in schema::PARAMS {
            assert_eq!(element_of_label(def.label), def.element, "{}", def.label);
        }
    }

    #[test]
    fn exact_names_labels_and_other_cases_resolve_to_the_phones_element() {
        let known = phone();
        assert_eq!(
            resolve("Resync_Periodic", &known),
            Resolved::Exact("Resync_Periodic".into())
        );
        for given in ["Resync Periodic", "resync periodic", "RESYNC_PERIODIC"] {
            assert_eq!(
                resolve(given, &known).element(),
                Some("Resync_Periodic"),
                "{given}"
            );
        }
        let at = resolve("resync at (hhmm)", &known);
        assert_eq!(at.element(), Some("Resync_At__HHmm_"));
        assert_eq!(
            at.meaning().unwrap(),
            "\"resync at (hhmm)\" means Resync_At__HHmm_"
        );
        // A name outside the schema, by its label.
        assert_eq!(
            resolve("Station Name", &known).element(),
            Some("Station_Name")
        );
        // The MPP name of a field an SPA phone spells its own way.
        assert_eq!(
            resolve("Log_Request_Msg", &known).element(),
            Some("Log_Resync_Request_Msg")
        );
    }

    #[test]
    fn before_the_phone_is_read_names_are_spelled_as_the_schema_does() {
        assert_eq!(schema_spelling("resync at (hhmm)"), "Resync_At__HHmm_");
        assert_eq!(schema_spelling("Log_Resync_Request_Msg"), "Log_Request_Msg");
        assert_eq!(schema_spelling("Station Name"), "Station_Name");
    }

    #[test]
    fn misspelt_names_are_unknown_with_the_nearest_names() {
        let known = phone();
        let unknown = UnknownName {
            name: "Resync_Periodc".into(),
            nearest: vec!["Resync_Periodic".into()],
        };
        assert_eq!(
            unknown.to_string(),
            "Resync_Periodc (did you mean `Resync_Periodic`?)"
        );
        assert_eq!(
            resolve("Resync_Periodc", &known),
            Resolved::Unknown(unknown)
        );
        let Resolved::Unknown(UnknownName { nearest, .. }) = resolve("Resync_At_HHmm_", &known)
        else {
            panic!("a slip is not a name");
        };
        assert_eq!(nearest, ["Resync_At__HHmm_"]);
        assert_eq!(
            did_you_mean(&nearest).unwrap(),
            "did you mean `Resync_At__HHmm_`?"
        );
        let Resolved::Unknown(UnknownName { nearest, .. }) = resolve("Totally_Different", &known)
        else {
            panic!("unknown");
        };
        assert!(nearest.is_empty());
        assert_eq!(did_you_mean(&nearest), None);
    }

    #[test]
    fn two_spellings_that_differ_only_in_case_are_not_guessed_between() {
        let known = KnownNames::new(["Phone-UI-User-Mode", "Phone-UI-user-mode"]);
        assert!(matches!(
            resolve("phone-ui-USER-mode", &known),
            Resolved::Unknown(_)
        ));
        assert_eq!(
            resolve("Phone-UI-user-mode", &known).element(),
            Some("Phone-UI-user-mode")
        );
    }
}
