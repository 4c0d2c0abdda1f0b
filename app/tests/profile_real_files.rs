//! `phoneprov profile check|show` on files shaped like the real ones in the field
//! (spec: phone-interface.md, "What real files and dumps show"): the family read from the
//! file and said with its reason, near-miss names pointed out, and the oddities real files
//! carry read without refusing the whole file.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn phoneprov(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_phoneprov"))
        .args(args)
        .output()
        .expect("run phoneprov")
}

/// Writes `xml` to a file in `dir` and returns its path.
fn file(dir: &tempfile::TempDir, xml: &str) -> PathBuf {
    let path = dir.path().join("site.xml");
    std::fs::write(&path, xml).unwrap();
    path
}

fn check_json(path: &std::path::Path, extra: &[&str]) -> (Option<i32>, Value) {
    let mut args = vec!["profile", "check", "--json", path.to_str().unwrap()];
    args.extend(extra);
    let output = phoneprov(&args);
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code(), report)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The messages of the findings of one kind about one parameter.
fn messages(report: &Value, kind: &str, param: &str) -> Vec<String> {
    report[kind]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["param"] == param)
        .map(|f| format!("{} {}", f["message"], f["fix"]))
        .collect()
}

/// An SPA site file as real ones are written: the Sipura namespace, `group` attributes, no
/// Software_Version and no SPA-only element name.
const SPA_FILE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<flat-profile xmlns="http://www.sipura.net/xsd/SPA50x-30x-SIP">
  <Resync_Periodic group="Provisioning/Configuration_Profile">3600</Resync_Periodic>
  <Profile_Rule group="Provisioning/Configuration_Profile">http://prov/spa$MA.cfg</Profile_Rule>
</flat-profile>
"#;

#[test]
fn the_family_is_read_from_the_file_and_said_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(&dir, SPA_FILE);
    let (code, report) = check_json(&path, &[]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["firmware"], "SPA");
    assert_eq!(report["firmware_assumed"], false);
    let reason = report["firmware_reason"].as_str().unwrap();
    assert!(
        reason.contains("SPA namespace") && reason.contains("`group` attributes"),
        "{reason}"
    );

    let show = phoneprov(&["profile", "show", path.to_str().unwrap()]);
    let text = stdout(&show);
    let header = text.lines().next().unwrap();
    assert!(
        header.contains("defaults for SPA firmware (from the file: an SPA file: the SPA namespace"),
        "{header}"
    );
    // The SPA line's defaults, not 11.x's.
    assert!(text.contains("default /spa$PSN.cfg"), "{text}");

    // --firmware still decides.
    let (_, report) = check_json(&path, &["--firmware", "11.3.7"]);
    assert_eq!(report["firmware"], "MPP 11.x");
    assert_eq!(report["firmware_reason"], "--firmware 11.3.7");

    // A file that tells nothing is assumed, and says so.
    let path = file(
        &dir,
        "<flat-profile><Resync_Periodic>3600</Resync_Periodic></flat-profile>",
    );
    let output = phoneprov(&["profile", "check", path.to_str().unwrap()]);
    assert!(
        stdout(&output).contains(
            "MPP 11.x firmware (assumed: nothing in the file tells the firmware; use --firmware)"
        ),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_near_miss_of_a_known_name_is_warned_with_the_name_meant() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        &dir,
        "<flat-profile>\n<Resync_At_HHmm_>0230</Resync_At_HHmm_>\n</flat-profile>\n",
    );
    let (code, report) = check_json(&path, &[]);
    assert_eq!(code, Some(0), "a warning, not an error: {report}");
    let warned = messages(&report, "warnings", "Resync_At_HHmm_");
    assert_eq!(warned.len(), 1, "{report}");
    assert!(
        warned[0].contains("did you mean `Resync_At__HHmm_`?") && warned[0].contains("ignores"),
        "{}",
        warned[0]
    );
}

#[test]
fn names_with_hyphens_dots_and_mixed_case_are_read_as_real_files_have_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        &dir,
        r#"<flat-profile>
  <Phone-UI-readonly ua="na">No</Phone-UI-readonly>
  <Enable_LLDP-MED ua="na">Yes</Enable_LLDP-MED>
  <Auth_Resync-Reboot_1_ ua="na">Yes</Auth_Resync-Reboot_1_>
  <Enable_802.1X_Authentication ua="na">No</Enable_802.1X_Authentication>
  <Phone-UI-User-Mode ua="na">No</Phone-UI-User-Mode>
  <Phone-UI-user-mode ua="na">No</Phone-UI-user-mode>
  <resync_periodic ua="na">7200</resync_periodic>
  <Resync_Periodic ua="na">3600</Resync_Periodic>
</flat-profile>"#,
    );
    let (code, report) = check_json(&path, &[]);
    assert_eq!(code, Some(0), "{report}");
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    let warnings = report["warnings"].as_array().unwrap();
    // Only the field name written in the wrong case is pointed out; the other pages'
    // names (hyphens, dots, two spellings of one field) are not slips of a field's name.
    assert_eq!(warnings.len(), 1, "{report}");
    assert_eq!(warnings[0]["param"], "resync_periodic");
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains("case-sensitive"),
        "{report}"
    );
    assert_eq!(warnings[0]["fix"], "did you mean `Resync_Periodic`?");

    let show = phoneprov(&["profile", "show", "--json", path.to_str().unwrap()]);
    let shown: Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(shown["other_parameters"], 7, "{shown}");
}

#[test]
fn invalid_ua_values_are_warned_and_the_value_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        &dir,
        r#"<flat-profile><Resync_Periodic ua="ua">7200</Resync_Periodic></flat-profile>"#,
    );
    let (code, report) = check_json(&path, &[]);
    assert_eq!(code, Some(0), "{report}");
    let warned = messages(&report, "warnings", "Resync_Periodic");
    assert_eq!(warned.len(), 1, "{report}");
    assert!(warned[0].contains("ua=\\\"ua\\\""), "{}", warned[0]);
    let show = phoneprov(&["profile", "show", "--json", path.to_str().unwrap()]);
    let shown: Value = serde_json::from_slice(&show.stdout).unwrap();
    let periodic = shown["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["param"] == "Resync_Periodic")
        .unwrap()
        .clone();
    assert_eq!(periodic["value"], "7200");
}

#[test]
fn both_ua_and_group_on_an_element_reads_as_an_mpp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        &dir,
        r#"<flat-profile><Resync_Periodic ua="na" group="Provisioning/Configuration_Profile">7200</Resync_Periodic></flat-profile>"#,
    );
    let (code, report) = check_json(&path, &[]);
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report["warnings"].as_array().unwrap().is_empty(),
        "{report}"
    );
    assert_eq!(report["firmware"], "MPP 11.x");
    assert_eq!(report["firmware_assumed"], true);
    assert!(
        report["firmware_reason"]
            .as_str()
            .unwrap()
            .starts_with("an MPP file (`ua` attributes, `group` attributes)")
            || report["firmware_reason"]
                .as_str()
                .unwrap()
                .starts_with("an MPP file (`ua` attributes)"),
        "{report}"
    );
}

#[test]
fn stray_text_between_elements_does_not_change_the_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        &dir,
        "<flat-profile>\r\n// Network\r\n<Resync_Periodic ua=\"na\">7200</Resync_Periodic> <!-- daily -->\r\n\
         stray words\r\n<Resync_At__HHmm_ ua=\"na\">0230</Resync_At__HHmm_>\r\n</flat-profile>\r\n",
    );
    let show = phoneprov(&["profile", "show", "--json", path.to_str().unwrap()]);
    assert_eq!(show.status.code(), Some(0));
    let shown: Value = serde_json::from_slice(&show.stdout).unwrap();
    let value = |name: &str| {
        shown["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["param"] == name)
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(value("Resync_Periodic"), "7200");
    assert_eq!(value("Resync_At__HHmm_"), "0230");
    let (code, report) = check_json(&path, &[]);
    assert_eq!(code, Some(0), "{report}");
}

#[test]
fn a_value_above_the_guides_range_is_a_warning_that_says_what_is_known() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        &dir,
        r#"<flat-profile>
  <Forced_Resync_Delay ua="na">86400</Forced_Resync_Delay>
  <Resync_Periodic ua="na">86400</Resync_Periodic>
</flat-profile>"#,
    );
    let (code, report) = check_json(&path, &[]);
    assert_eq!(code, Some(0), "the site profile is not refused: {report}");
    assert!(report["errors"].as_array().unwrap().is_empty(), "{report}");
    let warned = messages(&report, "warnings", "Forced_Resync_Delay");
    assert_eq!(warned.len(), 1, "{report}");
    assert!(
        warned[0].contains("0–65535") && warned[0].contains("not documented"),
        "{}",
        warned[0]
    );
}

#[test]
fn a_set_name_may_be_the_label_in_any_case_and_the_output_says_which_element() {
    let output = phoneprov(&[
        "profile",
        "check",
        "--set",
        "resync at (hhmm)=0230",
        "--set",
        "Resync Periodic=0",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("\"resync at (hhmm)\" means Resync_At__HHmm_"),
        "{text}"
    );
    assert!(
        text.contains("\"Resync Periodic\" means Resync_Periodic"),
        "{text}"
    );
    assert!(text.contains("2 values checked"), "{text}");
    // The value is checked as that field's: a time past 24:00 is an error.
    let output = phoneprov(&["profile", "check", "--set", "Resync At (HHmm)=2460"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
}
