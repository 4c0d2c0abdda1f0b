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
pub fn write_status_xml(items: &[(String, String)], reboot_history: &[String]) -> String {
    let mut out = String::from("<flat-status>\n");
    for (name, value) in items {
        out.push_str(&format!("<{name}>{}</{name}>\n", escape(value.as_str())));
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

/// What an SPA ATA's `status.xml` reports about one line.
#[derive(Debug, Clone, Default)]
pub struct AtaLine {
    pub registered: bool,
    pub last_registration: String,
    pub off_hook: bool,
    /// `State` of call 1 (`Idle`, `Connected`).
    pub call_state: String,
}

/// What an SPA ATA's `status.xml` carries.
#[derive(Debug, Clone, Default)]
pub struct AtaStatus {
    pub product: String,
    pub serial: String,
    pub software: String,
    pub hardware: String,
    /// `4/20/2017 14:17:55`.
    pub current_time: String,
    /// `22:39:05`.
    pub elapsed: String,
    pub lines: Vec<AtaLine>,
    pub ip: String,
    /// `88:88:88:88:88:13`.
    pub mac: String,
    pub lan_mac: String,
}

/// The per-call fields of a real ATA, in the document's order.
const ATA_CALL_FIELDS: &[&str] = &[
    "State",
    "Tone",
    "Encoder",
    "Decoder",
    "FAX",
    "Type",
    "Remote_Hold",
    "Callback",
    "Peer_Name",
    "Peer_Phone",
    "Duration",
    "Packets_Sent",
    "Packets_Recv",
    "Bytes_Sent",
    "Bytes_Recv",
    "Decode_Latency",
    "Jitter",
    "Round_Trip_Delay",
    "Packets_Lost",
    "Packet_Error",
];

/// An SPA ATA's `status.xml` as real ones are (SPA112 `1.4.1(002)`): an XML declaration,
/// `<flat-status>`, per-line fields partly numbered (`Hook_State_1_`) and partly repeated
/// unnumbered once per line (`Registration_State`), calls as `Call_<call>_<what>_<line>_`,
/// the MAC only inside `<router-status>`, one element commented out, and no provisioning
/// state or reboot history.
pub fn write_ata_status_xml(s: &AtaStatus) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let mut el = |name: &str, value: &str| {
        out.push_str(&format!("<{name}>{}</{name}>\n", escape(value)));
    };
    el("Product_Name", &s.product);
    el("Serial_Number", &s.serial);
    el("Software_Version", &s.software);
    el("Hardware_Version", &s.hardware);
    el("Client_Certificate", "Installed");
    el("Customization", "Open");
    el("Current_Time", &s.current_time);
    el("Elapsed_Time", &s.elapsed);
    for counter in [
        "RTP_Packets_Sent",
        "RTP_Bytes_Sent",
        "RTP_Packets_Recv",
        "RTP_Bytes_Recv",
        "SIP_Messages_Sent",
        "SIP_Bytes_Sent",
        "SIP_Messages_Recv",
        "SIP_Bytes_Recv",
    ] {
        el(counter, "0");
    }
    el("External_IP", "");
    for (index, line) in s.lines.iter().enumerate() {
        let n = index + 1;
        el(
            &format!("Hook_State_{n}_"),
            if line.off_hook { "Off" } else { "On" },
        );
        el(
            "Registration_State",
            if line.registered {
                "Registered"
            } else {
                "Not Registered"
            },
        );
        el("Last_Registration_At", &line.last_registration);
        el(
            "Next_Registration_In",
            if line.registered { "3600 s" } else { "" },
        );
        el("Message_Waiting", "No");
        el("Mapped_SIP_Port", "");
        el(&format!("Call_Back_Active_{n}_"), "No");
        el(&format!("Last_Called_Number_{n}_"), "");
        el(&format!("Last_Caller_Number_{n}_"), "");
        for what in ATA_CALL_FIELDS {
            for call in 1..=2 {
                let value = match *what {
                    "State" if call == 1 => line.call_state.as_str(),
                    "State" => "Idle",
                    "Tone" => "None",
                    _ => "",
                };
                el(&format!("Call_{call}_{what}_{n}_"), value);
            }
        }
    }
    el("Custom_CA_Provisioning_Status", "");
    el("Custom_CA_Info", "Not Installed");
    let body = out;
    let mut out = String::with_capacity(body.len() + 1024);
    out.push_str("<?xml version=\"1.0\"?>\n<flat-status>\n");
    out.push_str(&body);
    out.push_str(&format!(
        "\n<router-status>\n<Status_WAN>\n<Packets_Sent>0</Packets_Sent>\n<Packets_Received>0</Packets_Received>\n</Status_WAN>\n\
         <Status_LAN>\n<Port>\n<Packets_Sent>0</Packets_Sent>\n<Packets_Received>0</Packets_Received>\n</Port>\n</Status_LAN>\n\
         <WAN_Interface>\n<IP>{ip}</IP>\n<Netmask>255.255.255.0</Netmask>\n<Gateway></Gateway>\n\
         <Manufacture_MAC_Address>{mac}</Manufacture_MAC_Address>\n<MAC_Address>{mac}</MAC_Address>\n</WAN_Interface>\n\
         <LAN_Interface>\n<MAC_Address>{lan}</MAC_Address>\n</LAN_Interface>\n\
         <Login_User_Name>admin</Login_User_Name>\n<!-- <Login_User_Password></Login_User_Password> -->\n\
         <Time_Sync_State>1</Time_Sync_State>\n<Time_Setting_Valid>1</Time_Setting_Valid>\n</router-status>\n</flat-status>\n",
        ip = escape(s.ip.as_str()),
        mac = escape(s.mac.as_str()),
        lan = escape(s.lan_mac.as_str()),
    ));
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
