//! `phoneprov profile check|show`, run as the real binary.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use phoneprov::profile::schema::{self, Group};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn phoneprov(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_phoneprov"))
        .args(args)
        .output()
        .expect("run phoneprov")
}

fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_phoneprov"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run phoneprov");
    let mut stdin = child.stdin.take().unwrap();
    // The program may stop reading at its size cap; a broken pipe here is expected then.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

/// Exit 2 with exactly one line on stderr, nothing on stdout, no panic.
fn assert_one_line_usage_error(output: &Output, expected: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    assert!(err.contains(expected), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(output.stdout.is_empty(), "{}", stdout(output));
}

#[test]
fn the_article_worked_example_checks_clean_with_the_resync_at_warning() {
    let path = fixture("article-10.4.xml");
    let output = phoneprov(&["profile", "check", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let text = stdout(&output);
    assert!(text.contains("0 errors, 1 warning"), "{text}");
    assert!(text.contains("Resync_Periodic"), "{text}");
    assert!(text.contains("is ignored"), "{text}");

    let output = phoneprov(&[
        "profile",
        "check",
        "--json",
        "--firmware",
        "10.4.1",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{report:#}");
    assert_eq!(warnings[0]["param"], "Resync_Periodic");
    assert_eq!(warnings[0]["value"], "3665");
    assert!(warnings[0]["message"].as_str().unwrap().contains("18:00"));
}

#[test]
fn a_url_in_resync_trigger_1_is_an_error_that_explains() {
    let path = fixture("article-10.4-trigger-url.xml");
    let output = phoneprov(&["profile", "check", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("takes a condition such as $PRVTMR ge 600"),
        "{text}"
    );
    assert!(
        text.contains("tftp://10.74.121.56:69/8861conf.cfg"),
        "{text}"
    );

    let output = phoneprov(&["profile", "check", "--json", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["param"], "Resync_Trigger_1");
    assert_eq!(
        errors[0]["value"],
        "http://10.74.121.56/admin/resync?tftp://10.74.121.56:69/8861conf.cfg"
    );
    assert_eq!(
        errors[0]["resync_url"],
        "tftp://10.74.121.56:69/8861conf.cfg"
    );
}

#[test]
fn single_values_by_element_name() {
    let output = phoneprov(&["profile", "check", "--set", "Resync_At__HHmm_=2460"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("not a real time"));

    let output = phoneprov(&[
        "profile",
        "check",
        "--set",
        "Resync_At__HHmm_=2400",
        "--set",
        "Resync_Periodic=0",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("0 errors, 0 warnings"));

    // SPA alias names are accepted; a warning alone still exits 0.
    let output = phoneprov(&[
        "profile",
        "check",
        "--json",
        "--set",
        "Log_Resync_Failure_Msg=$PN $EXT",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["warnings"][0]["param"], "Log_Failure_Msg");
    assert!(
        report["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("$EXT")
    );

    // --set overrides the file.
    let path = fixture("article-10.4.xml");
    let output = phoneprov(&[
        "profile",
        "check",
        path.to_str().unwrap(),
        "--set",
        "Resync_At__HHmm_=",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).contains("0 errors, 0 warnings"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    assert_one_line_usage_error(
        &phoneprov(&["profile", "check", "--set", "Resync_Periodc=60"]),
        "not a Configuration Profile parameter (did you mean `Resync_Periodic`?)",
    );
    assert_one_line_usage_error(
        &phoneprov(&["profile", "check", "--set", "Resync_Periodic"]),
        "NAME=VALUE",
    );
    assert_one_line_usage_error(&phoneprov(&["profile", "check"]), "nothing to check");
    assert_one_line_usage_error(
        &phoneprov(&[
            "profile",
            "check",
            "--firmware",
            "banana",
            "--set",
            "Resync_Periodic=60",
        ]),
        "not a firmware version",
    );
    let output = phoneprov(&["profile", "check", "--no-such-flag"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn bad_files_exit_2_with_one_line_and_no_panic() {
    let garbage = fixture("garbage.bin");
    assert_one_line_usage_error(
        &phoneprov(&["profile", "check", garbage.to_str().unwrap()]),
        "binary data",
    );
    assert_one_line_usage_error(
        &phoneprov(&["profile", "show", garbage.to_str().unwrap()]),
        "binary data",
    );
    let text = fixture("not-xml.txt");
    assert_one_line_usage_error(
        &phoneprov(&["profile", "check", text.to_str().unwrap()]),
        "not XML",
    );
    let html = fixture("web-page.html");
    assert_one_line_usage_error(
        &phoneprov(&["profile", "check", html.to_str().unwrap()]),
        "not a phone profile",
    );
    let missing = fixture("there-is-no-such-file.xml");
    assert_one_line_usage_error(
        &phoneprov(&["profile", "check", missing.to_str().unwrap()]),
        "no such file",
    );
    let folder = fixture("");
    assert_one_line_usage_error(
        &phoneprov(&["profile", "show", folder.to_str().unwrap()]),
        "folder",
    );
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.xml");
    std::fs::write(&empty, b"").unwrap();
    assert_one_line_usage_error(
        &phoneprov(&["profile", "check", empty.to_str().unwrap()]),
        "empty",
    );
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, b"<<<<>>>>").unwrap();
    assert_one_line_usage_error(
        &phoneprov(&["profile", "check", broken.to_str().unwrap()]),
        "broken.xml",
    );
}

#[test]
fn a_50_mb_file_is_refused_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    // Real XML content, so it is the size that is refused and not the bytes.
    let mut xml = String::from("<flat-profile>\n");
    let element = "<Resync_Periodic ua=\"na\">3600</Resync_Periodic>\n";
    while xml.len() < 50 * 1024 * 1024 {
        xml.push_str(element);
    }
    xml.push_str("</flat-profile>\n");
    let path = dir.path().join("huge.xml");
    std::fs::write(&path, &xml).unwrap();
    let output = phoneprov(&["profile", "check", path.to_str().unwrap()]);
    assert_one_line_usage_error(&output, "at most 8 MiB");
    assert!(stderr(&output).contains("50.0 MiB"), "{}", stderr(&output));

    // Through standard input the size is not known in advance; the cap still holds.
    let output = with_stdin(&["profile", "check", "-"], xml.as_bytes());
    assert_one_line_usage_error(&output, "at most 8 MiB");
}

#[test]
fn standard_input_is_read_with_a_dash() {
    let xml = std::fs::read(fixture("article-10.4.xml")).unwrap();
    let output = with_stdin(&["profile", "check", "-"], &xml);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("1 warning"));
}

#[test]
fn malformed_xml_is_an_error_because_a_phone_may_refuse_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unclosed.xml");
    std::fs::write(
        &path,
        "<flat-profile>\n<Resync_Periodic>3600\n<Profile_Rule>/x.cfg</Profile_Rule>\n</flat-profile>\n",
    )
    .unwrap();
    let output = phoneprov(&["profile", "check", "--json", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["errors"][0]["param"], "(xml)");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not closed")
    );
}

#[test]
fn secrets_never_appear_in_output() {
    let path = fixture("spa-profile.xml");
    for args in [
        vec!["profile", "check", path.to_str().unwrap()],
        vec!["profile", "check", "--json", path.to_str().unwrap()],
        vec!["profile", "show", path.to_str().unwrap()],
        vec!["profile", "show", "--json", path.to_str().unwrap()],
        vec![
            "profile",
            "check",
            "--set",
            "Profile_Rule=[--uid u --pwd s3cret] tftp://a/b",
        ],
        vec![
            "profile",
            "check",
            "--set",
            "Profile_Rule=[--key s3cret] ftp://a/b",
        ],
        vec![
            "profile",
            "check",
            "--set",
            "Resync_Trigger_1=http://a/admin/resync?[--pwd s3cret] http://a/b",
        ],
    ] {
        let output = phoneprov(&args);
        let all = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!all.contains("s3cret"), "{args:?}: {all}");
        assert!(!all.contains("topsecretkey"), "{args:?}: {all}");
        assert!(
            output.status.code().is_some_and(|c| c <= 1),
            "{args:?}: {all}"
        );
    }
    // The rule itself is still shown, masked, so the technician sees which one it is.
    let output = phoneprov(&["profile", "check", path.to_str().unwrap()]);
    assert!(
        stdout(&output).contains("--pwd \"****\""),
        "{}",
        stdout(&output)
    );
}

#[test]
fn show_lists_every_field_with_value_default_and_hint() {
    let path = fixture("article-10.4.xml");
    let output = phoneprov(&["profile", "show", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for def in schema::group_fields(Group::ConfigurationProfile) {
        assert!(text.contains(def.label), "{} missing:\n{text}", def.label);
    }
    assert!(text.contains("3 × 20 s = 60 s"), "{text}");
    assert!(text.contains("3665 s = 1 h 1 min 5 s"), "{text}");

    let output = phoneprov(&[
        "profile",
        "show",
        "--json",
        "--firmware",
        "12.0.1",
        path.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["firmware"], "MPP 12.x");
    let fields = report["fields"].as_array().unwrap();
    assert_eq!(
        fields.len(),
        schema::group_fields(Group::ConfigurationProfile).count()
    );
    let field = |name: &str| fields.iter().find(|f| f["param"] == name).unwrap().clone();
    assert_eq!(field("Resync_Random_Delay")["value"], "3");
    assert_eq!(field("Resync_Random_Delay")["default"], "2");
    assert_eq!(field("Resync_Random_Delay")["hint"], "3 × 20 s = 60 s");
    assert_eq!(field("Resync_Trigger_1")["value"], Value::Null);
    assert!(
        field("Resync_Error_Retry_Delay")["default"]
            .as_str()
            .unwrap()
            .starts_with("60,120,")
    );
    assert_eq!(field("Profile_Rule")["default"], "/$PSN.xml");
    assert_eq!(field("Resync_Periodic")["warnings"], 1);

    // SPA names in the file mean SPA firmware: its element names and defaults.
    let output = phoneprov(&[
        "profile",
        "show",
        "--json",
        fixture("spa-profile.xml").to_str().unwrap(),
    ]);
    let report = json(&output);
    assert_eq!(report["firmware"], "SPA");
    let fields = report["fields"].as_array().unwrap();
    let request = fields
        .iter()
        .find(|f| f["param"] == "Log_Request_Msg")
        .unwrap();
    assert_eq!(request["element"], "Log_Resync_Request_Msg");
    let rule = fields
        .iter()
        .find(|f| f["param"] == "Profile_Rule")
        .unwrap();
    assert_eq!(rule["default"], "/spa$PSN.cfg");
    let secret = fields.iter().find(|f| f["param"] == "GPP_SA").unwrap();
    assert_eq!(secret["value"], "****");
}

#[test]
fn lock_out_values_get_a_loud_warning() {
    let output = phoneprov(&["profile", "check", "--set", "Enable_Web_Admin_Access=No"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).contains("warning: Enable_Web_Admin_Access = \"No\": CAUTION"),
        "{}",
        stdout(&output)
    );
    let output = phoneprov(&["profile", "check", "--set", "Provision_Enable=No"]);
    assert!(stdout(&output).contains("CAUTION"), "{}", stdout(&output));
}

#[test]
fn a_large_profile_under_the_cap_with_many_distinct_names_is_checked() {
    // 7 MiB, about 120 000 distinct unknown names plus one error: read in full, not refused.
    let dir = tempfile::tempdir().unwrap();
    let mut xml = String::from("<flat-profile>\n<Resync_At__HHmm_>2460</Resync_At__HHmm_>\n");
    let mut n = 0u64;
    while xml.len() < 7 * 1024 * 1024 {
        xml.push_str(&format!(
            "<Other_Parameter_{n}_ ua=\"na\">value {n}</Other_Parameter_{n}_>\n"
        ));
        n += 1;
    }
    xml.push_str("</flat-profile>\n");
    let path = dir.path().join("large.xml");
    std::fs::write(&path, &xml).unwrap();
    let output = phoneprov(&["profile", "check", "--json", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = json(&output);
    assert_eq!(report["errors"].as_array().unwrap().len(), 1);
    assert_eq!(report["errors"][0]["param"], "Resync_At__HHmm_");
}

#[test]
fn huge_values_with_many_problems_give_a_short_report() {
    let dir = tempfile::tempdir().unwrap();
    let big = 2 * 1024 * 1024;
    let cases = [
        ("DHCP_Option_To_Use", "66,".repeat(big / 3), Some(1)),
        (
            "Profile_Rule",
            format!("http://a/{}", "$EXT".repeat(big / 4)),
            Some(0),
        ),
        ("Log_Failure_Msg", "é$EXT ".repeat(big / 7), Some(0)),
        ("Profile_Rule_B", "--pwd".repeat(big / 5), Some(1)),
    ];
    for (name, value, code) in cases {
        let path = dir.path().join(format!("{name}.xml"));
        std::fs::write(
            &path,
            format!("<flat-profile><{name}>{value}</{name}></flat-profile>"),
        )
        .unwrap();
        let output = phoneprov(&["profile", "check", path.to_str().unwrap()]);
        assert_eq!(output.status.code(), code, "{name}: {}", stderr(&output));
        assert!(
            output.stdout.len() < 64 * 1024,
            "{name}: {} bytes",
            output.stdout.len()
        );
        let text = stdout(&output);
        assert!(
            text.contains("characters)") || text.contains("****"),
            "{name}: the value is cut or masked"
        );
        let output = phoneprov(&["profile", "check", "--json", path.to_str().unwrap()]);
        let report = json(&output);
        let total = report["errors"].as_array().unwrap().len()
            + report["warnings"].as_array().unwrap().len();
        assert!(total <= 10, "{name}: {total}");
    }
}

/// `phoneprov profile show FILE | head -1`: when the reader goes away the program ends
/// quietly, as Unix tools do, instead of panicking with "failed printing to stdout".
#[cfg(unix)]
#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    use std::os::unix::process::ExitStatusExt;

    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_phoneprov"))
        .args(["profile", "show"])
        .arg(fixture("article-10.4.xml"))
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        output.status.signal(),
        Some(13),
        "ended by SIGPIPE like other tools; status {:?}, stderr {stderr}",
        output.status
    );
}

#[test]
fn bad_files_are_refused_in_one_line_by_check_and_set_from() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let huge = dir.path().join("huge.xml");
    // Sparse: 100 MB on paper, nothing on disk; refused before it is read.
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let cases = [
        (write("notes.xml", b"Resync_Periodic=60\n"), "not XML"),
        (
            write(
                "photo.xml",
                &[0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46],
            ),
            "binary",
        ),
        (
            write(
                "bomb.xml",
                b"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
                  <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\
                  <flat-profile><Resync_Periodic>&lol2;</Resync_Periodic></flat-profile>",
            ),
            "declares a DTD",
        ),
        (
            write(
                "external.xml",
                b"<!DOCTYPE p [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\
                  <flat-profile><Profile_Rule>&e;</Profile_Rule></flat-profile>",
            ),
            "declares a DTD",
        ),
        (huge, "is 100.0 MiB or more"),
    ];
    for (path, said) in &cases {
        let path = path.to_str().unwrap();
        assert_one_line_usage_error(&phoneprov(&["profile", "check", path]), said);
        // Refused before any phone is contacted (nothing listens at this address).
        let set = phoneprov(&["set", "127.0.0.1:9", "--from", path]);
        assert_one_line_usage_error(&set, said);
    }
}
