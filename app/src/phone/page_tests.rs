//! Each kind of answer a phone may give where its configuration or status page was asked for:
//! the real layouts read whole, everything else an error naming what came back.

use reqwest::StatusCode;

use super::*;
use crate::phone::error::thousands;

fn answer(body: &[u8]) -> Answer {
    Answer {
        status: StatusCode::OK,
        body: body.to_vec(),
        www_authenticate: None,
        server: None,
    }
}

fn read(page: PageKind, body: &str) -> Result<Document, PhoneError> {
    read_page(
        "10.0.0.7:80",
        "/admin/cfg.xml",
        page,
        &answer(body.as_bytes()),
    )
}

fn problem(page: PageKind, body: &[u8]) -> PageProblem {
    match read_page("10.0.0.7:80", "/admin/cfg.xml", page, &answer(body)) {
        Err(PhoneError::Unreadable { problem, .. }) => problem,
        other => panic!("not unreadable: {other:?}"),
    }
}

const CFG: &str = "<flat-profile>\n<Resync_Periodic ua=\"na\">3600</Resync_Periodic>\n\
                   <Profile_Rule ua=\"na\">http://prov/p.xml</Profile_Rule>\n</flat-profile>\n";

#[test]
fn real_layouts_are_read_whole() {
    // The SPA 7 namespace, group attributes, CRLF, a declaration, comments at line ends.
    let spa = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n\
               <flat-profile xmlns=\"http://www.sipura.net/xsd/SPA50x-30x-SIP\">\r\n\
               <Resync_Periodic group=\"Provisioning/Configuration_Profile\">3600</Resync_Periodic> <!-- hourly -->\r\n\
               <Profile_Rule ua=\"ua\" group=\"Provisioning/Configuration_Profile\"/>\r\n\
               </flat-profile>\r\n";
    let document = read(PageKind::Config, spa).unwrap();
    assert_eq!(document.value("Resync_Periodic"), Some("3600"));
    assert!(read(PageKind::Config, CFG).is_ok());
    // An SPA ATA's status page: nested router status, a commented-out element.
    let ata = "<?xml version=\"1.0\"?>\n<flat-status>\n<Product_Name>SPA112</Product_Name>\n\
               <!-- <Customization>Open</Customization> -->\n<Registration_State>Online</Registration_State>\n\
               <router-status>\n<MAC_Address>00:0E:08:AB:CD:EF</MAC_Address>\n</router-status>\n</flat-status>\n";
    assert!(read(PageKind::Status, ata).is_ok());
    // Latin-1, as declared.
    let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><flat-profile>\
                   <Station_Name>Caf\xe9</Station_Name><Resync_Periodic>1</Resync_Periodic></flat-profile>";
    let document = read_page("p", "/admin/cfg.xml", PageKind::Config, &answer(latin1)).unwrap();
    assert_eq!(document.value("Station_Name"), Some("Café"));
}

#[test]
fn the_reboot_history_block_may_be_broken_and_nothing_else() {
    // Cisco's own example of the block: an unclosed reason, a bare ampersand, a stray end tag.
    let cisco = "<flat-status>\n<Product_Name>CP-8861-3PCC</Product_Name>\n<Reboot_History>\n\
                 <Reboot_Reason_1>[08/10/14 14:03:43]Provisioning\n\
                 <Reboot_Reason_2>[08/10/14 13:58:17]Power Cycle & more</Reboot_Reason_2>\n\
                 </Reboot_History></Reboot_Hist>\n<Serial_Number>FCH1234</Serial_Number>\n</flat-status>\n";
    let document = read(PageKind::Status, cisco).unwrap();
    assert_eq!(document.value("Serial_Number"), Some("FCH1234"));
    let broken_elsewhere = cisco.replace("</Product_Name>", "</Product_Nam>");
    assert!(matches!(
        problem(PageKind::Status, broken_elsewhere.as_bytes()),
        PageProblem::Malformed(_)
    ));
    // The same break in a configuration is refused.
    let broken_config = CFG.replace("</Resync_Periodic>", "</Resync_Periodi>");
    assert!(matches!(
        problem(PageKind::Config, broken_config.as_bytes()),
        PageProblem::Malformed(_)
    ));
}

#[test]
fn a_cut_off_answer_says_where_it_stopped() {
    let cut = &CFG[..CFG.len() / 2];
    let error = read(PageKind::Config, cut).unwrap_err();
    assert_eq!(
        error,
        PhoneError::Unreadable {
            phone: "10.0.0.7:80".into(),
            path: "/admin/cfg.xml".into(),
            page: PageKind::Config,
            problem: PageProblem::Truncated { bytes: cut.len() },
        }
    );
    assert!(
        error.to_string().contains(&format!(
            "the configuration from the phone at 10.0.0.7:80 stopped after {} bytes",
            cut.len()
        )),
        "{error}"
    );
    // Cut right after a complete element, between elements.
    let at_element = CFG.replace("</flat-profile>\n", "");
    assert_eq!(
        problem(PageKind::Config, at_element.as_bytes()),
        PageProblem::Truncated {
            bytes: at_element.len()
        }
    );
    assert_eq!(thousands(1234), "1,234");
    assert_eq!(thousands(1_048_576), "1,048,576");
    assert_eq!(thousands(12), "12");
}

#[test]
fn dtds_entities_other_roots_and_strangers_are_refused() {
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
                <!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><flat-profile><Resync_Periodic>&lol2;</Resync_Periodic></flat-profile>";
    assert_eq!(problem(PageKind::Config, bomb.as_bytes()), PageProblem::Dtd);
    let external = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><flat-profile><A>&e;</A></flat-profile>";
    assert_eq!(
        problem(PageKind::Config, external.as_bytes()),
        PageProblem::Dtd
    );
    // An entity without a DTD is not expanded: the document is not well-formed.
    let undeclared = "<flat-profile><Resync_Periodic>&lol;</Resync_Periodic></flat-profile>";
    assert!(matches!(
        problem(PageKind::Config, undeclared.as_bytes()),
        PageProblem::Malformed(_)
    ));
    assert_eq!(
        problem(PageKind::Config, b"<other><A>1</A></other>"),
        PageProblem::OtherRoot("other".into())
    );
    assert_eq!(
        problem(PageKind::Status, CFG.as_bytes()),
        PageProblem::OtherRoot("flat-profile".into())
    );
    assert_eq!(
        problem(
            PageKind::Config,
            b"<flat-profile><Nothing_Known>1</Nothing_Known></flat-profile>"
        ),
        PageProblem::NoKnownFields
    );
    assert_eq!(
        problem(PageKind::Config, b"<flat-profile/>"),
        PageProblem::NoKnownFields
    );
    assert_eq!(problem(PageKind::Config, b""), PageProblem::Empty);
    assert_eq!(
        problem(PageKind::Config, b"\x1f\x8b\x08\0\0\0"),
        PageProblem::Binary
    );
    assert_eq!(
        problem(PageKind::Config, b"\xff\xfe<\0f\0"),
        PageProblem::Charset("UTF-16".into())
    );
    assert_eq!(
        problem(
            PageKind::Config,
            b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><flat-profile/>"
        ),
        PageProblem::Charset("shift_jis".into())
    );
    let deep = "<flat-profile>".to_string() + &"<a>".repeat(5000);
    assert!(matches!(
        problem(PageKind::Config, deep.as_bytes()),
        PageProblem::Malformed(_)
    ));
}

#[test]
fn web_pages_are_the_login_page_a_phone_page_or_no_phone() {
    let login = "<!DOCTYPE html><html><head><title>Cisco CP-8861-3PCC</title></head><body>\
                 <form method=\"post\" action=\"/login\"><input type=\"password\" name=\"pwd\"></form></body></html>";
    let error = read(PageKind::Config, login).unwrap_err();
    assert!(matches!(error, PhoneError::LoginPage { .. }), "{error:?}");
    assert!(error.to_string().contains(
        "with its login page: it wants a password, or its firmware's web login is not supported"
    ));
    let info =
        "<html><head><title>SPA504G Configuration Utility</title></head><body>Info</body></html>";
    assert_eq!(
        problem(PageKind::Config, info.as_bytes()),
        PageProblem::WebPage(Some("SPA504G Configuration Utility".into()))
    );
    let nginx = Answer {
        server: Some("nginx/1.24.0".into()),
        ..answer(b"<html><head><title>Welcome to nginx!</title></head></html>")
    };
    let error = read_page("10.0.0.9:80", "/admin/cfg.xml", PageKind::Config, &nginx).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the device at 10.0.0.9:80 answers HTTP but is not a Cisco/Linksys phone: it is a web \
         server \"nginx/1.24.0\" showing a page titled \"Welcome to nginx!\"; nothing was sent to \
         it; check the address"
    );
    let text = Answer {
        server: Some("SimpleHTTP/0.6 Python/3.12".into()),
        ..answer(b"OK")
    };
    assert!(matches!(
        read_page("p", "/admin/cfg.xml", PageKind::Config, &text),
        Err(PhoneError::NotAPhone { .. })
    ));
}
