//! Reading `<flat-profile>` files and writing the phone's XML dumps (own code, quick-xml).

use quick_xml::Reader;
use quick_xml::escape::escape;
use quick_xml::events::Event;

use crate::params::Config;

/// One `<Name>value</Name>` of a profile, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileValue {
    pub name: String,
    pub value: String,
}

/// Reads the parameter elements of a `<flat-profile>` (any wrapper such as `<device>`,
/// namespaces and attributes tolerated). Values are trimmed, newlines become spaces,
/// escapes are resolved. Duplicates are kept in order (the caller applies the last).
pub fn read_profile(text: &str) -> Result<Vec<ProfileValue>, String> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(false);
    // (name, text so far, has child elements)
    let mut stack: Vec<(String, String, bool)> = Vec::new();
    let mut out = Vec::new();
    let mut saw_root = false;
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "not well-formed XML near byte {}: {e}",
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Start(e) => {
                if let Some(parent) = stack.last_mut() {
                    parent.2 = true;
                }
                saw_root = true;
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                stack.push((name, String::new(), false));
            }
            Event::Empty(e) => {
                saw_root = true;
                if let Some(parent) = stack.last_mut() {
                    parent.2 = true;
                }
                if !stack.is_empty() {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    out.push(ProfileValue {
                        name,
                        value: String::new(),
                    });
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let text = t
                        .unescape()
                        .map_err(|e| format!("bad escape in XML text: {e}"))?;
                    top.1.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.1.push_str(&String::from_utf8_lossy(&t.into_inner()));
                }
            }
            Event::End(_) => {
                let Some((name, text, has_children)) = stack.pop() else {
                    return Err("closing tag without an opening tag".into());
                };
                // Leaves below the root are parameters; the root and wrappers are not.
                if !has_children && !stack.is_empty() {
                    out.push(ProfileValue {
                        name,
                        value: normalize(&text),
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(format!(
            "the XML ends inside <{}>",
            stack[stack.len() - 1].0
        ));
    }
    if !saw_root {
        return Err("no XML element found".into());
    }
    Ok(out)
}

fn normalize(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect()
}

/// `cfg.xml` of an MPP phone: every parameter with its `ua` attribute, passwords hidden.
pub fn write_cfg_xml(config: &Config) -> String {
    let mut out = String::with_capacity(config.params().len() * 60);
    out.push_str("<flat-profile>\n");
    for p in config.params() {
        let value = if p.secret { "" } else { p.value.as_str() };
        if value.is_empty() {
            out.push_str(&format!("<{} ua=\"{}\"/>\n", p.name, p.ua));
        } else {
            out.push_str(&format!(
                "<{} ua=\"{}\">{}</{}>\n",
                p.name,
                p.ua,
                escape(value),
                p.name
            ));
        }
    }
    out.push_str("</flat-profile>\n");
    out
}

/// `spacfg.xml`: configuration plus status, each element with its `group`.
pub fn write_spacfg_xml(config: &Config, status: &[(String, String)]) -> String {
    let mut out = String::with_capacity(config.params().len() * 80);
    out.push_str("<flat-profile xmlns=\"http://www.sipura.net/xsd/SPA50x-30x-SIP\">\n");
    for (name, value) in status {
        out.push_str(&format!(
            "<{name} group=\"Info/Product_Information\">{}</{name}>\n",
            escape(value.as_str())
        ));
    }
    for p in config.params() {
        let value = if p.secret { "" } else { p.value.as_str() };
        out.push_str(&format!(
            "<{} group=\"{}\">{}</{}>\n",
            p.name,
            p.group,
            escape(value),
            p.name
        ));
    }
    out.push_str("</flat-profile>\n");
    out
}

/// A status dump: `<flat-status>` with plain elements and a `<Reboot_History>` block.
pub fn write_status_xml(
    items: &[(String, String)],
    reboot_history: &[String],
    ata: bool,
) -> String {
    let mut out = String::from("<flat-status>\n");
    for (name, value) in items {
        out.push_str(&format!("<{name}>{}</{name}>\n", escape(value.as_str())));
    }
    if ata {
        // SPA ATAs nest their router status.
        out.push_str("<router-status>\n");
        for (name, value) in items
            .iter()
            .filter(|(n, _)| matches!(n.as_str(), "Current_IP" | "Host_Name" | "MAC_Address"))
        {
            out.push_str(&format!("<{name}>{}</{name}>\n", escape(value.as_str())));
        }
        out.push_str("</router-status>\n");
    }
    out.push_str("<Reboot_History>\n");
    for (i, reason) in reboot_history.iter().enumerate() {
        let n = i + 1;
        out.push_str(&format!(
            "<Reboot_Reason_{n}>{}</Reboot_Reason_{n}>\n",
            escape(reason.as_str())
        ));
    }
    out.push_str("</Reboot_History>\n</flat-status>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrappers_namespaces_duplicates_and_escapes() {
        let text = r#"<?xml version="1.0"?>
<device><flat-profile xmlns="http://www.sipura.net/xsd/SPA50x-30x-SIP">
  <Resync_Periodic ua="na">  86400 </Resync_Periodic>
  <Profile_Rule group="Provisioning/Configuration_Profile">http://a/b?x=1&amp;y=2</Profile_Rule>
  <Profile_Rule_B ua="na"/>
  <GPP_A>line
two</GPP_A>
  <Resync_Periodic>60</Resync_Periodic>
</flat-profile></device>"#;
        let values = read_profile(text).unwrap();
        let names: Vec<_> = values.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Resync_Periodic",
                "Profile_Rule",
                "Profile_Rule_B",
                "GPP_A",
                "Resync_Periodic"
            ]
        );
        assert_eq!(values[0].value, "86400");
        assert_eq!(values[1].value, "http://a/b?x=1&y=2");
        assert_eq!(values[2].value, "");
        assert_eq!(values[3].value, "line two");
    }

    #[test]
    fn refuses_broken_xml_with_a_reason() {
        assert!(read_profile("<flat-profile><A>1</B></flat-profile>").is_err());
        assert!(read_profile("<flat-profile><A>1</A>").is_err());
        assert!(read_profile("just text").is_err());
    }
}
