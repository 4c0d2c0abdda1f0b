//! Tests of the rule parser and the preview.

use super::*;
use crate::identity::{FirmwareLine, Mac, PhoneIdentity};
use crate::profile::macros::MacroContext;
use crate::profile::values::ProfileValues;

#[test]
fn documented_examples_parse() {
    for text in [
        "http://remote.server.com/cisco/$MA.cfg",
        "[--key $SC] https://prov.example.com/$MA.xml",
        "($PRVTMR ge 600)? http://p.tel.com/has-reg.cfg | [--post a] http://p.tel.com/lost-reg?",
        "(\"$A\" ne \"Provisioned\")? (Line_Enable_1_ = \"No\";)! https://p.tel.com/init-prov | https://p.tel.com/configs",
        "/spa$PSN.cfg",
        "/$PSN.xml",
        "tftp://10.74.121.56:69/8861conf.cfg",
        "http://10.74.121.56/dms/CP-8861-3PCC/8861-3PCC.xml",
        "[--uid \"my user\" --pwd \"s3 cret\"] https://p.example.com/x.cfg",
        "[--srv] https://example.com/$MA.xml",
        "10.1.1.1/spa.cfg",
        "gds://",
        "",
    ] {
        ProfileRule::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn parts_are_read() {
    let rule = ProfileRule::parse(
        "(\"$A\" ne \"Provisioned\")? (a = \"x\"; Line_Enable_1_ = \"No\";)! [--key \"k 1\" --uid u --pwd p] https://p.tel.com:8443/init-prov | /$PSN.xml # spa comment",
    )
    .unwrap();
    assert_eq!(rule.alternatives.len(), 2);
    let first = &rule.alternatives[0];
    assert_eq!(
        first.condition.as_ref().unwrap().0,
        "\"$A\" ne \"Provisioned\""
    );
    assert_eq!(first.assignments[0].name, "GPP_A");
    assert_eq!(first.assignments[1].value, "No");
    assert_eq!(first.options.key.as_deref(), Some("k 1"));
    assert_eq!(first.options.pwd.as_deref(), Some("p"));
    let url = first.url.as_ref().unwrap();
    assert_eq!(url.scheme, Some(Scheme::Https));
    assert_eq!(url.server.as_deref(), Some("p.tel.com"));
    assert_eq!(url.port, Some(8443));
    assert_eq!(url.path, "/init-prov");
    let second = rule.alternatives[1].url.as_ref().unwrap();
    assert_eq!(second.scheme, None);
    assert_eq!(second.server, None);
    assert_eq!(rule.comment.as_ref().unwrap().0.trim(), "spa comment");
}

#[test]
fn post_alias_and_srv_options_are_read() {
    let rule = ProfileRule::parse(
        "[--post status --alias \"prov main\" --srv] http://prov.example.com/$MA.xml",
    )
    .unwrap();
    let options = &rule.alternatives[0].options;
    assert_eq!(options.post.as_deref(), Some("status"));
    assert_eq!(options.alias.as_deref(), Some("prov main"));
    assert!(options.srv);
    assert_eq!(options.key, None);
    let error = ProfileRule::parse("[--alias] http://a/b").unwrap_err();
    assert!(error.message.contains("needs a value"), "{error}");
}

#[test]
fn errors_point_at_the_position() {
    let cases: &[(&str, usize, &str)] = &[
        ("ftp://x/y", 0, "scheme"),
        ("http://x:99999/y", 9, "port"),
        ("http://server.example.com", 25, "path"),
        ("($PRVTMR gte 600)? http://a/b", 9, "operator"),
        ("($PRVTMR ge 600) http://a/b", 15, "'?'"),
        ("[--user x] http://a/b", 1, "unknown option"),
        ("[--pwd] http://a/b", 1, "needs a value"),
        ("[--key k http://a/b", 0, "never closed"),
        ("http://a/b |", 12, "empty"),
        ("(a = x;)! http://a/b", 5, "double quotes"),
        ("http://a/b c", 10, "spaces"),
        ("http:///b", 7, "server"),
    ];
    for (text, position, word) in cases {
        match ProfileRule::parse(text) {
            Err(e) => {
                assert!(e.message.contains(word), "{text}: {}", e.message);
                assert_eq!(e.position, *position, "{text}: {e}");
            }
            Ok(_) => panic!("{text} should not parse"),
        }
    }
    // A stray ')' after the URL is part of its path, not an error.
    let rule = ProfileRule::parse("http://a/b)").unwrap();
    let url = rule.alternatives[0].url.as_ref().unwrap();
    assert_eq!(url.path, "/b)");
}

#[test]
fn preview_expands_macros_for_a_phone() {
    let id = PhoneIdentity {
        model: Some("CP-8861-3PCC".into()),
        mac: Some("00:56:2b:04:36:15".parse::<Mac>().unwrap()),
        firmware: Some("11.3.7".into()),
        ..Default::default()
    };
    let mut values = ProfileValues::new(FirmwareLine::Mpp11);
    values.set("GPP_A", "Provisioned");
    values.set("GPP_B", "prov.example.com");
    let ctx = MacroContext::new(&id, Some(&values));
    let p = preview(
        "(\"$A\" ne \"Provisioned\")? https://$B/init/$MA.xml | [--uid u --pwd p] http://$B/$PSN/$MAU.cfg",
        &ctx,
    )
    .unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(
        p[0].url,
        "https://prov.example.com:443/init/00562b043615.xml"
    );
    assert_eq!(p[0].condition_holds, Some(false));
    assert_eq!(p[1].url, "http://prov.example.com:80/8861/00562B043615.cfg");
    assert!(p[1].sends_credentials);
    let p = preview("/$PSN.xml", &ctx).unwrap();
    assert_eq!(p[0].url, "tftp://<DHCP option 66 server>:69/8861.xml");
    assert_eq!(p[0].server, None);
    let p = preview("($PRVTMR ge 600)? http://a/$SN.cfg | http://a/b", &ctx).unwrap();
    assert_eq!(p[0].condition_holds, None);
    assert_eq!(p[0].unresolved, ["$SN"]);
}
