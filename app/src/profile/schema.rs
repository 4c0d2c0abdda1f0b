//! The one table of every parameter the product shows on the Configuration Profile page (and
//! its read-only neighbours): element name, label, SPA alias, kind, range, unit, default by
//! firmware line, help and group. Form, validator, CLI and XML writer all read it from here.

use crate::identity::FirmwareLine;

/// Where a field sits on the phone's Voice > Provisioning tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Group {
    ConfigurationProfile,
    UploadConfiguration,
    FirmwareUpgrade,
    GeneralPurpose,
}

impl Group {
    /// The section heading as the phone's web page prints it.
    pub fn label(self) -> &'static str {
        match self {
            Group::ConfigurationProfile => "Configuration Profile",
            Group::UploadConfiguration => "Upload Configuration Options",
            Group::FirmwareUpgrade => "Firmware Upgrade",
            Group::GeneralPurpose => "General Purpose Parameters",
        }
    }

    /// Every group in page order.
    pub const ALL: [Group; 4] = [
        Group::ConfigurationProfile,
        Group::UploadConfiguration,
        Group::FirmwareUpgrade,
        Group::GeneralPurpose,
    ];
}

/// The unit an integer field counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Unit {
    Seconds,
    /// Resync Random Delay counts 20-second steps.
    TwentySeconds,
}

impl Unit {
    /// Seconds per step of the unit.
    pub fn seconds(self) -> u64 {
        match self {
            Unit::Seconds => 1,
            Unit::TwentySeconds => 20,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::TwentySeconds => "× 20 seconds",
        }
    }
}

/// What kind of value a field takes; decides widget, validation and hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Yes` or `No`.
    YesNo,
    /// One of the listed choices, spelled exactly.
    Choice(&'static [&'static str]),
    /// A whole number in `min..=max`, counted in `unit`.
    Integer { min: u32, max: u32, unit: Unit },
    /// Empty, or a 24-hour time `HHmm` from `0000` to `2400`.
    TimeHhmm,
    /// `N`, `N1,N2,…`, `N+R` in seconds; 0 = off (see [`crate::profile::schedule`]).
    Schedule,
    /// Comma list of DHCP option numbers 1–254, no duplicates.
    DhcpOptions,
    /// A profile rule (see [`crate::profile::rule`]).
    ProfileRule,
    /// A condition as in `Resync_Trigger_1` (see [`crate::profile::condition`]).
    Condition,
    /// A syslog message with `$` macros.
    MacroTemplate,
    /// Free text.
    Text,
}

/// A default that depends on the firmware generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    pub spa: &'static str,
    pub mpp10: &'static str,
    pub mpp11: &'static str,
    pub mpp12: &'static str,
}

impl Defaults {
    /// The same default on every line.
    pub const fn all(value: &'static str) -> Defaults {
        Defaults {
            spa: value,
            mpp10: value,
            mpp11: value,
            mpp12: value,
        }
    }

    /// One default for SPA and 10.x, another from 11.x on.
    pub const fn from_11(old: &'static str, new: &'static str) -> Defaults {
        Defaults {
            spa: old,
            mpp10: old,
            mpp11: new,
            mpp12: new,
        }
    }

    pub fn get(&self, line: FirmwareLine) -> &'static str {
        match line {
            FirmwareLine::Spa => self.spa,
            FirmwareLine::Mpp10 => self.mpp10,
            FirmwareLine::Mpp11 => self.mpp11,
            FirmwareLine::Mpp12 => self.mpp12,
        }
    }
}

/// One parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamDef {
    /// Canonical XML element (MPP spelling): `Resync_At__HHmm_`.
    pub element: &'static str,
    /// Web label: `Resync At (HHmm)`.
    pub label: &'static str,
    /// The name SPA firmware uses instead, if different (`Log_Resync_Request_Msg`).
    pub spa_element: Option<&'static str>,
    pub kind: Kind,
    pub defaults: Defaults,
    /// First firmware line that has the field (`None` = every line).
    pub since: Option<FirmwareLine>,
    pub group: Group,
    /// Shown but not edited by the product (neighbouring sections).
    pub read_only: bool,
    /// The value is a secret: never shown, logged or exported in clear.
    pub secret: bool,
    /// What the field does, in a technician's words.
    pub help: &'static str,
}

impl ParamDef {
    /// The default on a firmware line (empty string = empty field).
    pub fn default_for(&self, line: FirmwareLine) -> &'static str {
        self.defaults.get(line)
    }

    /// The element name a phone of that line reads and writes.
    pub fn element_for(&self, line: FirmwareLine) -> &'static str {
        match (line, self.spa_element) {
            (FirmwareLine::Spa, Some(spa)) => spa,
            _ => self.element,
        }
    }

    /// Whether phones of that line have the field at all.
    pub fn exists_on(&self, line: FirmwareLine) -> bool {
        self.since.is_none_or(|since| line >= since)
    }

    /// The unit of an integer field.
    pub fn unit(&self) -> Option<Unit> {
        match self.kind {
            Kind::Integer { unit, .. } => Some(unit),
            Kind::Schedule => Some(Unit::Seconds),
            _ => None,
        }
    }

    /// `(min, max)` of an integer field.
    pub fn range(&self) -> Option<(u32, u32)> {
        match self.kind {
            Kind::Integer { min, max, .. } => Some((min, max)),
            _ => None,
        }
    }
}

const YES: Defaults = Defaults::all("Yes");
const EMPTY: Defaults = Defaults::all("");
const SECONDS_U16: Kind = Kind::Integer {
    min: 0,
    max: 65535,
    unit: Unit::Seconds,
};

const fn field(
    element: &'static str,
    label: &'static str,
    kind: Kind,
    defaults: Defaults,
    help: &'static str,
) -> ParamDef {
    ParamDef {
        element,
        label,
        spa_element: None,
        kind,
        defaults,
        since: None,
        group: Group::ConfigurationProfile,
        read_only: false,
        secret: false,
        help,
    }
}

const fn in_group(mut def: ParamDef, group: Group, read_only: bool) -> ParamDef {
    def.group = group;
    def.read_only = read_only;
    def
}

const fn spa(mut def: ParamDef, spa_element: &'static str) -> ParamDef {
    def.spa_element = Some(spa_element);
    def
}

const fn since(mut def: ParamDef, line: FirmwareLine) -> ParamDef {
    def.since = Some(line);
    def
}

const fn gpp(element: &'static str, label: &'static str) -> ParamDef {
    in_group(
        field(
            element,
            label,
            Kind::Text,
            EMPTY,
            "General purpose value; profile rules and conditions read it as a macro ($A … $P).",
        ),
        Group::GeneralPurpose,
        false,
    )
}

const fn gpp_secret(element: &'static str, label: &'static str) -> ParamDef {
    let mut def = in_group(
        field(
            element,
            label,
            Kind::Text,
            EMPTY,
            "Secret general purpose value, usable only inside --key/--uid/--pwd of a rule ($SA … $SD).",
        ),
        Group::GeneralPurpose,
        false,
    );
    def.secret = true;
    def
}

/// Every parameter, in page order.
pub static PARAMS: &[ParamDef] = &[
    field(
        "Provision_Enable",
        "Provision Enable",
        Kind::YesNo,
        YES,
        "Master switch for every resync, including one asked for through /admin/resync. No = the phone refuses to resync.",
    ),
    field(
        "Resync_On_Reset",
        "Resync On Reset",
        Kind::YesNo,
        YES,
        "Resync after each boot (not after a reboot caused by a parameter change or an upgrade).",
    ),
    field(
        "Resync_Random_Delay",
        "Resync Random Delay",
        Kind::Integer {
            min: 0,
            max: 65535,
            unit: Unit::TwentySeconds,
        },
        Defaults::all("2"),
        "Longest random wait, in steps of 20 seconds, before the first contact after power-on or reset, so a building full of phones does not hit the server at once. 0 = no wait.",
    ),
    field(
        "Resync_At__HHmm_",
        "Resync At (HHmm)",
        Kind::TimeHhmm,
        EMPTY,
        "Daily resync time, 24-hour HHmm (e.g. 0230). When set, Resync Periodic is ignored. Empty = no daily resync.",
    ),
    field(
        "Resync_At_Random_Delay",
        "Resync At Random Delay",
        SECONDS_U16,
        Defaults::all("600"),
        "Longest random wait in seconds after the daily Resync At time, so phones do not all call at once. The 12.x guide asks for at least 600.",
    ),
    field(
        "Resync_Periodic",
        "Resync Periodic",
        Kind::Schedule,
        Defaults::all("3600"),
        "Seconds between resyncs, counted from the last successful one. 0 = off. Cisco recommends 86400 (daily) in production.",
    ),
    field(
        "Resync_Error_Retry_Delay",
        "Resync Error Retry Delay",
        Kind::Schedule,
        Defaults {
            spa: "3600",
            mpp10: "3600",
            mpp11: "3600",
            mpp12: "60,120,240,480,960,1920,3840,7680,15360,30720,61440,86400",
        },
        "Wait after a failed resync before trying again; a list gives successive waits, the last repeats. 0 = never retry.",
    ),
    field(
        "Forced_Resync_Delay",
        "Forced Resync Delay",
        SECONDS_U16,
        Defaults::all("14400"),
        "The phone never resyncs during a call; this is how long it waits for the lines to go idle before resyncing anyway.",
    ),
    field(
        "Resync_From_SIP",
        "Resync From SIP",
        Kind::YesNo,
        YES,
        "Let a SIP NOTIFY with Event: resync start a resync.",
    ),
    field(
        "Resync_After_Upgrade_Attempt",
        "Resync After Upgrade Attempt",
        Kind::YesNo,
        YES,
        "Resync after every firmware upgrade attempt.",
    ),
    field(
        "Resync_Trigger_1",
        "Resync Trigger 1",
        Kind::Condition,
        EMPTY,
        "A condition such as $PRVTMR ge 600. When set and false, periodic and on-reset resyncs are held back. Resyncs asked for through /admin/resync or SIP ignore it.",
    ),
    field(
        "Resync_Trigger_2",
        "Resync Trigger 2",
        Kind::Condition,
        EMPTY,
        "A second condition, used like Resync Trigger 1.",
    ),
    field(
        "User_Configurable_Resync",
        "User Configurable Resync",
        Kind::YesNo,
        YES,
        "Let the person at the phone start a resync from its menu.",
    ),
    field(
        "Resync_Fails_On_FNF",
        "Resync Fails On FNF",
        Kind::YesNo,
        YES,
        "Whether a \"file not found\" answer from the server counts as a failed resync (which starts the retry timer). No = it counts as success.",
    ),
    since(
        field(
            "Profile_Authentication_Type",
            "Profile Authentication Type",
            Kind::Choice(&[
                "Disabled",
                "Basic Http Authentication",
                "XSI Authentication",
            ]),
            Defaults {
                spa: "",
                mpp10: "",
                mpp11: "Basic Http Authentication",
                mpp12: "Basic Http Authentication",
            },
            "Which credentials the phone offers when a profile server answers 401 (firmware 11 and later).",
        ),
        FirmwareLine::Mpp11,
    ),
    field(
        "Profile_Rule",
        "Profile Rule",
        Kind::ProfileRule,
        Defaults::from_11("/spa$PSN.cfg", "/$PSN.xml"),
        "Where the phone fetches its profile. No scheme = TFTP; no server = the TFTP server named by DHCP (option 66).",
    ),
    field(
        "Profile_Rule_B",
        "Profile Rule B",
        Kind::ProfileRule,
        EMPTY,
        "Fetched after Profile Rule on every resync, even when that is empty. A failure stops the rules after it.",
    ),
    field(
        "Profile_Rule_C",
        "Profile Rule C",
        Kind::ProfileRule,
        EMPTY,
        "Fetched after Profile Rule B, like it.",
    ),
    field(
        "Profile_Rule_D",
        "Profile Rule D",
        Kind::ProfileRule,
        EMPTY,
        "Fetched after Profile Rule C, like it.",
    ),
    field(
        "DHCP_Option_To_Use",
        "DHCP Option To Use",
        Kind::DhcpOptions,
        Defaults::from_11("160,159,66,150", "66,160,159,150,60,43,125"),
        "DHCP options, most preferred first, that may name the profile/firmware server.",
    ),
    since(
        field(
            "DHCPv6_Option_To_Use",
            "DHCPv6 Option To Use",
            Kind::DhcpOptions,
            Defaults {
                spa: "",
                mpp10: "",
                mpp11: "17,160,159",
                mpp12: "17,160,159",
            },
            "DHCPv6 options, most preferred first, that may name the profile/firmware server.",
        ),
        FirmwareLine::Mpp11,
    ),
    spa(
        field(
            "Log_Request_Msg",
            "Log Request Msg",
            Kind::MacroTemplate,
            Defaults::all("$PN $MAC -- Requesting resync $SCHEME://$SERVIP:$PORT$PATH"),
            "Syslog line sent when a resync starts. Empty = not sent.",
        ),
        "Log_Resync_Request_Msg",
    ),
    spa(
        field(
            "Log_Success_Msg",
            "Log Success Msg",
            Kind::MacroTemplate,
            Defaults::all("$PN $MAC -- Successful resync $SCHEME://$SERVIP:$PORT$PATH"),
            "Syslog line sent when a resync succeeds. Empty = not sent.",
        ),
        "Log_Resync_Success_Msg",
    ),
    spa(
        field(
            "Log_Failure_Msg",
            "Log Failure Msg",
            Kind::MacroTemplate,
            Defaults::all("$PN $MAC -- Resync failed: $ERR"),
            "Syslog line sent when a resync fails; $ERR holds the reason. Empty = not sent.",
        ),
        "Log_Resync_Failure_Msg",
    ),
    // Upload Configuration Options (shown read-only).
    in_group(
        field(
            "Report_Rule",
            "Report Rule",
            Kind::ProfileRule,
            EMPTY,
            "Where the phone uploads its configuration.",
        ),
        Group::UploadConfiguration,
        true,
    ),
    in_group(
        field(
            "HTTP_Report_Method",
            "HTTP Report Method",
            Kind::Choice(&["POST", "PUT"]),
            Defaults::all("POST"),
            "HTTP method used for the upload.",
        ),
        Group::UploadConfiguration,
        true,
    ),
    in_group(
        field(
            "Report_To_Server",
            "Report To Server",
            Kind::Choice(&["On Request", "On Local Change", "Periodically"]),
            Defaults::all("On Request"),
            "When the phone uploads its configuration.",
        ),
        Group::UploadConfiguration,
        true,
    ),
    in_group(
        field(
            "Periodic_Upload_To_Server",
            "Periodic Upload To Server",
            Kind::Integer {
                min: 0,
                max: u32::MAX,
                unit: Unit::Seconds,
            },
            Defaults::all("3600"),
            "Seconds between uploads when reporting periodically.",
        ),
        Group::UploadConfiguration,
        true,
    ),
    in_group(
        field(
            "Upload_Delay_On_Local_Change",
            "Upload Delay On Local Change",
            Kind::Integer {
                min: 0,
                max: u32::MAX,
                unit: Unit::Seconds,
            },
            Defaults::all("60"),
            "Seconds after a change at the phone before it uploads.",
        ),
        Group::UploadConfiguration,
        true,
    ),
    // Firmware Upgrade (shown read-only).
    in_group(
        field(
            "Upgrade_Enable",
            "Upgrade Enable",
            Kind::YesNo,
            YES,
            "Master switch for firmware upgrades.",
        ),
        Group::FirmwareUpgrade,
        true,
    ),
    in_group(
        field(
            "Upgrade_Error_Retry_Delay",
            "Upgrade Error Retry Delay",
            Kind::Schedule,
            Defaults::all("3600"),
            "Wait after a failed upgrade before trying again. 0 = never retry.",
        ),
        Group::FirmwareUpgrade,
        true,
    ),
    in_group(
        field(
            "Upgrade_Rule",
            "Upgrade Rule",
            Kind::ProfileRule,
            EMPTY,
            "Where the phone fetches firmware; same syntax as a profile rule.",
        ),
        Group::FirmwareUpgrade,
        true,
    ),
    in_group(
        field(
            "Log_Upgrade_Request_Msg",
            "Log Upgrade Request Msg",
            Kind::MacroTemplate,
            Defaults::all("$PN $MAC -- Requesting upgrade $SCHEME://$SERVIP:$PORT$PATH"),
            "Syslog line sent when an upgrade starts.",
        ),
        Group::FirmwareUpgrade,
        true,
    ),
    in_group(
        field(
            "Log_Upgrade_Success_Msg",
            "Log Upgrade Success Msg",
            Kind::MacroTemplate,
            Defaults::all("$PN $MAC -- Successful upgrade $SCHEME://$SERVIP:$PORT$PATH -- $ERR"),
            "Syslog line sent when an upgrade succeeds.",
        ),
        Group::FirmwareUpgrade,
        true,
    ),
    in_group(
        field(
            "Log_Upgrade_Failure_Msg",
            "Log Upgrade Failure Msg",
            Kind::MacroTemplate,
            Defaults::all("$PN $MAC -- Upgrade failed: $ERR"),
            "Syslog line sent when an upgrade fails.",
        ),
        Group::FirmwareUpgrade,
        true,
    ),
    in_group(
        field(
            "Peer_Firmware_Sharing",
            "Peer Firmware Sharing",
            Kind::YesNo,
            YES,
            "Let phones of the same model on the subnet share a downloaded firmware image.",
        ),
        Group::FirmwareUpgrade,
        true,
    ),
    gpp("GPP_A", "GPP A"),
    gpp("GPP_B", "GPP B"),
    gpp("GPP_C", "GPP C"),
    gpp("GPP_D", "GPP D"),
    gpp("GPP_E", "GPP E"),
    gpp("GPP_F", "GPP F"),
    gpp("GPP_G", "GPP G"),
    gpp("GPP_H", "GPP H"),
    gpp("GPP_I", "GPP I"),
    gpp("GPP_J", "GPP J"),
    gpp("GPP_K", "GPP K"),
    gpp("GPP_L", "GPP L"),
    gpp("GPP_M", "GPP M"),
    gpp("GPP_N", "GPP N"),
    gpp("GPP_O", "GPP O"),
    gpp("GPP_P", "GPP P"),
    gpp_secret("GPP_SA", "GPP SA"),
    gpp_secret("GPP_SB", "GPP SB"),
    gpp_secret("GPP_SC", "GPP SC"),
    gpp_secret("GPP_SD", "GPP SD"),
];

/// Looks a parameter up by its XML element name or SPA alias (case-sensitive, as on phones).
pub fn lookup(name: &str) -> Option<&'static ParamDef> {
    PARAMS
        .iter()
        .find(|def| def.element == name || def.spa_element == Some(name))
}

/// A parameter whose name differs only in case (`resync_periodic`): phones would ignore it.
pub fn lookup_ignoring_case(name: &str) -> Option<&'static ParamDef> {
    PARAMS.iter().find(|def| {
        def.element.eq_ignore_ascii_case(name)
            || def
                .spa_element
                .is_some_and(|s| s.eq_ignore_ascii_case(name))
    })
}

/// The canonical (MPP) element name for a name or alias; unknown names come back unchanged.
pub fn canonical_name(name: &str) -> &str {
    lookup(name).map_or(name, |def| def.element)
}

/// The fields of one group, in page order.
pub fn group_fields(group: Group) -> impl Iterator<Item = &'static ParamDef> {
    PARAMS.iter().filter(move |def| def.group == group)
}

/// GPP_A … GPP_P by letter (`'a'` or `'A'`).
pub fn gpp_by_letter(letter: char) -> Option<&'static ParamDef> {
    let upper = letter.to_ascii_uppercase();
    if !upper.is_ascii_uppercase() || upper > 'P' {
        return None;
    }
    PARAMS
        .iter()
        .find(|def| def.element.strip_prefix("GPP_") == Some(upper.encode_utf8(&mut [0; 4])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_names_follow_the_naming_rule() {
        for def in PARAMS {
            let derived: String = def
                .label
                .chars()
                .map(|c| {
                    if matches!(c, ' ' | '[' | ']' | '(' | ')' | '/') {
                        '_'
                    } else {
                        c
                    }
                })
                .collect();
            assert_eq!(derived, def.element, "{}", def.label);
        }
        assert!(lookup("Resync_At__HHmm_").is_some());
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = PARAMS
            .iter()
            .flat_map(|d| std::iter::once(d.element).chain(d.spa_element))
            .collect();
        let before = names.len();
        names.sort();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn spa_aliases_resolve_to_the_canonical_field() {
        let def = lookup("Log_Resync_Request_Msg").unwrap();
        assert_eq!(def.element, "Log_Request_Msg");
        assert_eq!(def.element_for(FirmwareLine::Spa), "Log_Resync_Request_Msg");
        assert_eq!(def.element_for(FirmwareLine::Mpp11), "Log_Request_Msg");
        assert_eq!(canonical_name("Log_Resync_Failure_Msg"), "Log_Failure_Msg");
        assert_eq!(canonical_name("Something_Else"), "Something_Else");
        assert!(
            lookup("resync_periodic").is_none(),
            "names are case-sensitive"
        );
        assert_eq!(
            lookup_ignoring_case("resync_periodic").unwrap().element,
            "Resync_Periodic"
        );
    }

    #[test]
    fn defaults_depend_on_the_firmware_line() {
        let retry = lookup("Resync_Error_Retry_Delay").unwrap();
        assert_eq!(retry.default_for(FirmwareLine::Mpp11), "3600");
        assert!(
            retry
                .default_for(FirmwareLine::Mpp12)
                .starts_with("60,120,")
        );
        let rule = lookup("Profile_Rule").unwrap();
        assert_eq!(rule.default_for(FirmwareLine::Spa), "/spa$PSN.cfg");
        assert_eq!(rule.default_for(FirmwareLine::Mpp10), "/spa$PSN.cfg");
        assert_eq!(rule.default_for(FirmwareLine::Mpp11), "/$PSN.xml");
        let dhcp = lookup("DHCP_Option_To_Use").unwrap();
        assert_eq!(dhcp.default_for(FirmwareLine::Mpp10), "160,159,66,150");
        assert_eq!(
            dhcp.default_for(FirmwareLine::Mpp12),
            "66,160,159,150,60,43,125"
        );
        assert!(
            !lookup("DHCPv6_Option_To_Use")
                .unwrap()
                .exists_on(FirmwareLine::Mpp10)
        );
    }

    #[test]
    fn gpp_group_has_a_to_p_and_letters_resolve() {
        let plain: Vec<_> = group_fields(Group::GeneralPurpose)
            .filter(|d| !d.secret)
            .collect();
        assert_eq!(plain.len(), 16);
        assert_eq!(gpp_by_letter('a').unwrap().element, "GPP_A");
        assert_eq!(gpp_by_letter('P').unwrap().element, "GPP_P");
        assert!(gpp_by_letter('q').is_none());
    }
}
