//! Tests of the validator, field kind by field kind, and across values.

use super::*;
use crate::profile::mask::mask_value;

fn check(name: &str, value: &str) -> Vec<Finding> {
    validate_param(name, value, FirmwareLine::Mpp11).unwrap()
}

/// Whether the value draws no finding at all.
fn is_clean(name: &str, value: &str) -> bool {
    check(name, value).is_empty()
}

fn errors(name: &str, value: &str) -> Vec<Finding> {
    check(name, value)
        .into_iter()
        .filter(Finding::is_error)
        .collect()
}

fn warnings(name: &str, value: &str) -> Vec<Finding> {
    check(name, value)
        .into_iter()
        .filter(|f| !f.is_error())
        .collect()
}

#[test]
fn yes_no_fields() {
    assert!(is_clean("Provision_Enable", "Yes"));
    assert!(is_clean("Resync_From_SIP", "No"));
    assert_eq!(warnings("Provision_Enable", "yes").len(), 1);
    let e = errors("Resync_On_Reset", "1");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].fix.as_deref(), Some("Yes"));
    assert_eq!(errors("Resync_On_Reset", "maybe").len(), 1);
}

#[test]
fn choice_fields() {
    assert!(is_clean(
        "Profile_Authentication_Type",
        "XSI Authentication"
    ));
    assert_eq!(
        errors("Profile_Authentication_Type", "basic http authentication").len(),
        1
    );
    let e = errors("Profile_Authentication_Type", "Digest");
    assert!(
        e[0].fix
            .as_deref()
            .unwrap()
            .contains("Basic Http Authentication")
    );
    let spa = validate_param(
        "Profile_Authentication_Type",
        "Disabled",
        FirmwareLine::Mpp10,
    )
    .unwrap();
    assert_eq!(spa.len(), 1, "not on 10.x");
    assert_eq!(spa[0].severity, Severity::Warning);
}

#[test]
fn integer_ranges() {
    assert!(is_clean("Forced_Resync_Delay", "14401"));
    assert!(is_clean("Forced_Resync_Delay", "0"));
    // Above the guides' range, as real site files carry it: a warning, not a refusal.
    assert!(errors("Forced_Resync_Delay", "86400").is_empty());
    let w = warnings("Forced_Resync_Delay", "86400");
    assert_eq!(w.len(), 1);
    assert!(
        w[0].message.contains("0–65535") && w[0].message.contains("not documented"),
        "{}",
        w[0].message
    );
    assert_eq!(errors("Forced_Resync_Delay", "4294967296").len(), 1);
    assert_eq!(errors("Forced_Resync_Delay", "-1").len(), 1);
    assert_eq!(errors("Forced_Resync_Delay", "4h").len(), 1);
    assert_eq!(errors("Forced_Resync_Delay", "").len(), 1);
    assert!(is_clean("Resync_At_Random_Delay", "300"));
    let twelve = validate_param("Resync_At_Random_Delay", "300", FirmwareLine::Mpp12).unwrap();
    assert_eq!(twelve.len(), 1);
}

#[test]
fn random_delay_counts_twenty_second_steps() {
    assert!(is_clean("Resync_Random_Delay", "3"));
    let w = warnings("Resync_Random_Delay", "600");
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("3 h 20 min"), "{}", w[0].message);
    assert_eq!(
        w[0].fix.as_deref(),
        Some("if you meant 600 seconds, enter 30")
    );
    assert_eq!(errors("Resync_Random_Delay", "60s").len(), 1);
}

#[test]
fn resync_at_is_empty_or_a_real_time() {
    for ok in ["", "0000", "1800", "2359", "2400", "0230"] {
        assert!(is_clean("Resync_At__HHmm_", ok), "{ok}");
    }
    for bad in ["2460", "2401", "2500", "1860", "180", "18000", "ab12"] {
        assert_eq!(errors("Resync_At__HHmm_", bad).len(), 1, "{bad}");
    }
    let e = errors("Resync_At__HHmm_", "18:00");
    assert_eq!(e[0].fix.as_deref(), Some("1800"));
}

#[test]
fn resync_at_makes_periodic_ignored() {
    let mut values = ProfileValues::new(FirmwareLine::Mpp10);
    values.set("Resync_At__HHmm_", "1800");
    values.set("Resync_Periodic", "3665");
    let findings = validate(&values);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].severity, Severity::Warning);
    assert_eq!(findings[0].param, "Resync_Periodic");
    assert!(findings[0].message.contains("ignored"));
    assert!(findings[0].message.contains("18:00"));
    values.set("Resync_Periodic", "0");
    assert!(validate(&values).is_empty());
    values.set("Resync_Periodic", "3665");
    values.set("Resync_At__HHmm_", "");
    assert!(validate(&values).is_empty());
    values.set("Resync_At__HHmm_", "2460");
    let findings = validate(&values);
    assert_eq!(findings.len(), 1);
    assert!(
        findings[0].is_error(),
        "an invalid time does not override periodic"
    );
}

#[test]
fn schedules() {
    for ok in ["3600", "0", "60,120,240", "1800,3600+300", "3600+600"] {
        assert!(is_clean("Resync_Error_Retry_Delay", ok), "{ok}");
    }
    for bad in ["", "1h", "60,,120", "60+", "-1"] {
        assert_eq!(errors("Resync_Error_Retry_Delay", bad).len(), 1, "{bad}");
    }
    assert_eq!(errors("Resync_Periodic", "60,1x")[0].position, Some(4));
    assert_eq!(warnings("Resync_Periodic", "10").len(), 1);
    assert!(is_clean("Resync_Periodic", "0"));
}

#[test]
fn dhcp_option_lists() {
    assert!(is_clean("DHCP_Option_To_Use", "66,160,159,150,60,43,125"));
    assert!(is_clean("DHCP_Option_To_Use", "66, 160"));
    let e = errors("DHCP_Option_To_Use", "66,160,66");
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].position, Some(7));
    assert_eq!(errors("DHCP_Option_To_Use", "0,66").len(), 1);
    assert_eq!(errors("DHCP_Option_To_Use", "255").len(), 1);
    assert_eq!(errors("DHCP_Option_To_Use", "66,,160").len(), 1);
    assert_eq!(errors("DHCP_Option_To_Use", "sixty").len(), 1);
    assert_eq!(warnings("DHCP_Option_To_Use", "").len(), 1);
}

#[test]
fn profile_rules() {
    assert!(is_clean(
        "Profile_Rule",
        "http://10.74.121.56/dms/CP-8861-3PCC/8861-3PCC.xml"
    ));
    assert!(is_clean("Profile_Rule", ""));
    let e = errors("Profile_Rule", "ftp://server/x.cfg");
    assert_eq!(e[0].position, Some(0));
    let e = errors("Profile_Rule_B", "($PRVTMR gte 600)? http://a/b");
    assert_eq!(e[0].position, Some(9));
    assert!(e[0].message.contains("character 10"));
}

#[test]
fn credentials_over_plain_text_are_warned() {
    let w = warnings("Profile_Rule", "[--uid u --pwd p] http://a/b.cfg");
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("plain http"));
    assert_eq!(
        warnings("Profile_Rule", "[--uid u --pwd p] tftp://a/b.cfg").len(),
        1
    );
    assert_eq!(
        warnings("Profile_Rule", "[--uid u --pwd p] /b.cfg").len(),
        1,
        "no scheme = TFTP"
    );
    assert!(is_clean(
        "Profile_Rule",
        "[--uid u --pwd p] https://a/b.cfg"
    ));
    assert!(is_clean("Profile_Rule", "[--key k] http://a/b.cfg"));
}

#[test]
fn rule_macros_alternatives_and_comments() {
    let w = warnings("Profile_Rule", "http://a/$EXT.cfg");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].position, Some(9));
    assert_eq!(w[0].fix.as_deref(), Some("did you mean $EXTIP?"));
    assert_eq!(warnings("Profile_Rule", "http://a/b | http://a/c").len(), 1);
    assert_eq!(warnings("Profile_Rule", "http://a/$SA.cfg").len(), 1);
    assert!(is_clean("Profile_Rule", "[--key $SA] http://a/$MA.cfg"));
    assert_eq!(warnings("Profile_Rule", "/x.cfg # note").len(), 1);
    assert!(
        validate_param("Profile_Rule", "/x.cfg # note", FirmwareLine::Spa)
            .unwrap()
            .is_empty()
    );
    assert_eq!(warnings("Profile_Rule", "[--uid u] https://a/b").len(), 1);
    assert_eq!(
        warnings("Profile_Rule", "[--key k]").len(),
        1,
        "options without a URL"
    );
    assert!(
        is_clean("Profile_Rule", "(a = \"x\";)!"),
        "assignments alone are legal"
    );
}

#[test]
fn url_in_a_trigger_is_an_error_with_the_url_to_resync_from() {
    let value = "http://10.74.121.56/admin/resync?tftp://10.74.121.56:69/8861conf.cfg";
    let e = errors("Resync_Trigger_1", value);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].message
            .contains("takes a condition such as $PRVTMR ge 600")
    );
    assert!(
        e[0].fix
            .as_deref()
            .unwrap()
            .contains("resync the phone now from tftp://10.74.121.56:69/8861conf.cfg")
    );
    assert_eq!(
        e[0].resync_url.as_deref(),
        Some("tftp://10.74.121.56:69/8861conf.cfg")
    );
}

#[test]
fn trigger_conditions() {
    assert!(is_clean("Resync_Trigger_1", ""));
    assert!(is_clean(
        "Resync_Trigger_2",
        "$UPGTMR gt 300 and $PRVTMR ge 600"
    ));
    let e = errors("Resync_Trigger_1", "$PRVTMR => 600");
    assert_eq!(e[0].position, Some(8));
    assert_eq!(warnings("Resync_Trigger_1", "$PRVTIMER ge 600").len(), 1);
}

#[test]
fn templates_warn_on_unknown_macros() {
    assert!(is_clean(
        "Log_Request_Msg",
        "$PN $MAC -- Requesting resync $SCHEME://$SERVIP:$PORT$PATH"
    ));
    let w = warnings("Log_Failure_Msg", "$PN $EXT failed: $ERR");
    assert_eq!(w.len(), 1);
    assert!(w[0].message.contains("$EXT"));
    assert_eq!(w[0].position, Some(4));
    assert!(
        is_clean("Log_Success_Msg", "$EXTIP $$EXT"),
        "$$ is a literal dollar"
    );
    let spa = validate_param("Log_Resync_Request_Msg", "$FOO", FirmwareLine::Spa).unwrap();
    assert_eq!(spa[0].param, "Log_Request_Msg");
}

#[test]
fn values_that_lock_people_out_are_warned_loudly() {
    let w = warnings("Provision_Enable", "No");
    assert_eq!(w.len(), 1);
    assert!(w[0].message.starts_with("CAUTION"));
    let mut values = ProfileValues::new(FirmwareLine::Mpp11);
    values.set("Enable_Web_Admin_Access", "No");
    values.set("Enable_Web_Server", "Yes");
    let f = validate(&values);
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("admin web pages"));
    assert!(is_access_parameter("Enable_Direct_Action_Url"));
}

#[test]
fn many_problems_in_one_value_are_summarised() {
    let value = "66,".repeat(1000) + "66";
    let e = errors("DHCP_Option_To_Use", &value);
    assert_eq!(e.len(), MAX_FINDINGS_PER_VALUE);
    assert!(e[MAX_FINDINGS_PER_VALUE - 1].message.contains("991 more"));
    let w = warnings("Log_Failure_Msg", &"é$EXT ".repeat(50));
    assert_eq!(w[1].position, Some(7));
}

#[test]
fn wrong_case_names_and_near_misses_are_warned_with_the_name_meant() {
    let mut values = ProfileValues::new(FirmwareLine::Mpp11);
    values.set("resync_periodic", "60");
    values.set("Resync_At_HHmm_", "0230");
    // Names of other pages, far from every field: not a slip.
    values.set("Line_Enable_1_", "Yes");
    values.set("Enable_LLDP-MED", "Yes");
    let f = validate(&values);
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f.iter().all(|f| f.severity == Severity::Warning));
    assert_eq!(f[0].param, "resync_periodic");
    assert_eq!(f[0].fix.as_deref(), Some("did you mean `Resync_Periodic`?"));
    assert!(f[0].message.contains("case-sensitive"), "{}", f[0].message);
    assert_eq!(f[1].param, "Resync_At_HHmm_");
    assert_eq!(
        f[1].fix.as_deref(),
        Some("did you mean `Resync_At__HHmm_`?")
    );
    assert!(
        f[1].message.contains("a phone ignores it"),
        "{}",
        f[1].message
    );
}

#[test]
fn secrets_are_masked() {
    let f = Finding {
        param: "Profile_Rule".into(),
        value: "[--uid u --pwd hunter2] http://a/b".into(),
        severity: Severity::Warning,
        message: String::new(),
        fix: None,
        position: None,
        resync_url: None,
    };
    assert!(!mask_value(&f.param, &f.value).contains("hunter2"));
}

#[test]
fn defaults_validate_clean_on_every_line() {
    for line in [
        FirmwareLine::Spa,
        FirmwareLine::Mpp10,
        FirmwareLine::Mpp11,
        FirmwareLine::Mpp12,
    ] {
        for def in schema::PARAMS {
            if !def.exists_on(line) {
                continue;
            }
            let f = validate_value(def, def.default_for(line), line);
            assert!(f.is_empty(), "{} on {line:?}: {f:?}", def.element);
        }
    }
}
