//! The phone's configuration: every parameter with its default for this model and firmware.
//!
//! The Configuration Profile page is complete; the rest is a realistic selection of what
//! real 7800/8800 and SPA dumps carry (system, regional tones and star codes, SIP timers,
//! per-line settings), so that a `cfg.xml` has hundreds of elements as on a real phone.

use std::collections::HashMap;

use crate::identity::{Family, FirmwareLine, Identity};

/// One parameter: element name, value, and how dumps present it.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub value: String,
    /// `ua` attribute in `cfg.xml`: what the *user* account may do.
    pub ua: &'static str,
    /// `group` attribute in `spacfg.xml`, e.g. `Provisioning/Configuration_Profile`.
    pub group: &'static str,
    /// Shown empty in dumps (passwords).
    pub secret: bool,
}

/// The phone's configuration, in page order.
#[derive(Debug, Clone, Default)]
pub struct Config {
    params: Vec<Param>,
    index: HashMap<String, usize>,
}

impl Config {
    fn push(
        &mut self,
        name: &str,
        value: &str,
        ua: &'static str,
        group: &'static str,
        secret: bool,
    ) {
        if let Some(&i) = self.index.get(name) {
            self.params[i].value = value.to_string();
            return;
        }
        self.index.insert(name.to_string(), self.params.len());
        self.params.push(Param {
            name: name.to_string(),
            value: value.to_string(),
            ua,
            group,
            secret,
        });
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.index.get(name).map(|&i| self.params[i].value.as_str())
    }

    /// The value, or empty when the parameter does not exist.
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    pub fn is_yes(&self, name: &str) -> bool {
        self.value(name).trim().eq_ignore_ascii_case("yes")
    }

    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Sets an existing parameter; returns whether the value changed. Unknown names are ignored.
    pub fn set(&mut self, name: &str, value: &str) -> bool {
        match self.index.get(name) {
            Some(&i) if self.params[i].value != value => {
                self.params[i].value = value.to_string();
                true
            }
            _ => false,
        }
    }

    /// Sets a parameter, adding it when this phone's defaults lack it (a replayed phone
    /// knows what its captured dump holds).
    pub fn set_or_add(&mut self, name: &str, value: &str) {
        if !self.set(name, value) && !self.contains(name) {
            self.push(name, value, "na", "", false);
        }
    }

    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// The name a Configuration Profile field has on this family (SPA log aliases).
    pub fn log_msg_name(family: Family, mpp_name: &str) -> String {
        match (family, mpp_name) {
            (Family::Spa, "Log_Request_Msg") => "Log_Resync_Request_Msg".into(),
            (Family::Spa, "Log_Success_Msg") => "Log_Resync_Success_Msg".into(),
            (Family::Spa, "Log_Failure_Msg") => "Log_Resync_Failure_Msg".into(),
            _ => mpp_name.into(),
        }
    }
}

const PROV: &str = "Provisioning/Configuration_Profile";
const SYSTEM: &str = "System/System_Configuration";
const NETWORK: &str = "System/Network_Settings";
const OPTIONAL: &str = "System/Optional_Network_Configuration";
const UPLOAD: &str = "Provisioning/Upload_Configuration_Options";
const UPGRADE: &str = "Provisioning/Firmware_Upgrade";
const GPP: &str = "Provisioning/General_Purpose_Parameters";
const SIP: &str = "SIP/SIP_Parameters";
const TIMERS: &str = "SIP/SIP_Timer_Values__sec_";
const RTP: &str = "SIP/RTP_Parameters";
const TONES: &str = "Regional/Call_Progress_Tones";
const CADENCE: &str = "Regional/Distinctive_Ring_Patterns";
const CODES: &str = "Regional/Vertical_Service_Activation_Codes";
const REGIONAL: &str = "Regional/Miscellaneous";
const PHONE: &str = "Phone/General";
const SERVICES: &str = "Phone/Supplementary_Services";
const USER: &str = "User/Call_Forward";
const EXT: &str = "Ext/Line";

/// Builds the full default configuration of a phone.
pub fn default_config(identity: &Identity, https: bool, admin_password: &str) -> Config {
    let line = identity.firmware_line();
    let spa = identity.family() == Family::Spa;
    let mut c = Config::default();
    let na = "na";

    // System
    for (name, value) in [
        ("Restricted_Access_Domains", ""),
        ("Enable_Web_Server", "Yes"),
        ("Enable_Protocol", if https { "Https" } else { "Http" }),
        ("Web_Server_Port", if https { "443" } else { "80" }),
        ("Enable_Web_Admin_Access", "Yes"),
        ("Enable_Direct_Action_Url", "Yes"),
        ("Session_Max_Timeout", "3600"),
        ("Session_Idle_Timeout", "3600"),
        ("Phone-UI-User-Mode", "No"),
        ("User_Password_Prompt", "Yes"),
        ("Block_Nonproxy_SIP", "No"),
        ("SSH_Access", "No"),
    ] {
        c.push(name, value, na, SYSTEM, false);
    }
    c.push("Admin_Password", admin_password, na, SYSTEM, true);
    c.push("User_Password", "", "rw", SYSTEM, true);
    c.push("SSH_Password", "", na, SYSTEM, true);
    for (name, value) in [
        ("Connection_Type", "DHCP"),
        ("Static_IP", ""),
        ("NetMask", ""),
        ("Gateway", ""),
        ("Host_Name", ""),
        ("Domain", ""),
        ("Primary_DNS", ""),
        ("Secondary_DNS", ""),
        ("DNS_Server_Order", "Manual,DHCP"),
        ("DNS_Query_Mode", "Parallel"),
        ("DNS_Caching_Enable", "Yes"),
        ("Enable_VLAN", "No"),
        ("VLAN_ID", "1"),
        ("Enable_CDP", "Yes"),
        ("Enable_LLDP-MED", "Yes"),
        ("Network_Startup_Delay", "3"),
        ("DHCP_VLAN_Option", ""),
        ("IP_Mode", "Dual Mode"),
    ] {
        c.push(name, value, na, NETWORK, false);
    }
    for (name, value) in [
        ("Syslog_Server", ""),
        ("Syslog_Identifier", "None"),
        ("Debug_Server", ""),
        ("Debug_Level", "NOTICE"),
        ("Primary_NTP_Server", ""),
        ("Secondary_NTP_Server", ""),
        ("Enable_SSLv3", "No"),
        ("Use_Config_TOS", "No"),
    ] {
        c.push(name, value, na, OPTIONAL, false);
    }

    // Provisioning: the whole Configuration Profile page.
    let retry = if line == FirmwareLine::Mpp12 {
        "60,120,240,480,960,1920,3840,7680,15360,30720,61440,86400"
    } else {
        "3600"
    };
    let rule = if matches!(line, FirmwareLine::Spa | FirmwareLine::Mpp10) {
        "/spa$PSN.cfg"
    } else {
        "/$PSN.xml"
    };
    let dhcp = if matches!(line, FirmwareLine::Spa | FirmwareLine::Mpp10) {
        "160,159,66,150"
    } else {
        "66,160,159,150,60,43,125"
    };
    for (name, value) in [
        ("Provision_Enable", "Yes"),
        ("Resync_On_Reset", "Yes"),
        ("Resync_Random_Delay", "2"),
        ("Resync_At__HHmm_", ""),
        ("Resync_At_Random_Delay", "600"),
        ("Resync_Periodic", "3600"),
        ("Resync_Error_Retry_Delay", retry),
        ("Forced_Resync_Delay", "14400"),
        ("Resync_From_SIP", "Yes"),
        ("Resync_After_Upgrade_Attempt", "Yes"),
        ("Resync_Trigger_1", ""),
        ("Resync_Trigger_2", ""),
        ("User_Configurable_Resync", "Yes"),
        ("Resync_Fails_On_FNF", "Yes"),
    ] {
        c.push(name, value, na, PROV, false);
    }
    if line >= FirmwareLine::Mpp11 {
        c.push(
            "Profile_Authentication_Type",
            "Basic Http Authentication",
            na,
            PROV,
            false,
        );
    }
    c.push("Profile_Rule", rule, na, PROV, false);
    for name in ["Profile_Rule_B", "Profile_Rule_C", "Profile_Rule_D"] {
        c.push(name, "", na, PROV, false);
    }
    c.push("DHCP_Option_To_Use", dhcp, na, PROV, false);
    if line >= FirmwareLine::Mpp11 {
        c.push("DHCPv6_Option_To_Use", "17,160,159", na, PROV, false);
    }
    let family = identity.family();
    for (name, value) in [
        (
            "Log_Request_Msg",
            "$PN $MAC -- Requesting resync $SCHEME://$SERVIP:$PORT$PATH",
        ),
        (
            "Log_Success_Msg",
            "$PN $MAC -- Successful resync $SCHEME://$SERVIP:$PORT$PATH",
        ),
        ("Log_Failure_Msg", "$PN $MAC -- Resync failed: $ERR"),
    ] {
        c.push(&Config::log_msg_name(family, name), value, na, PROV, false);
    }
    for (name, value) in [
        ("Report_Rule", ""),
        ("HTTP_Report_Method", "POST"),
        ("Report_To_Server", "On Request"),
        ("Periodic_Upload_To_Server", "3600"),
        ("Upload_Delay_On_Local_Change", "60"),
    ] {
        c.push(name, value, na, UPLOAD, false);
    }
    for (name, value) in [
        ("Upgrade_Enable", "Yes"),
        ("Upgrade_Error_Retry_Delay", "3600"),
        ("Upgrade_Rule", ""),
        (
            "Log_Upgrade_Request_Msg",
            "$PN $MAC -- Requesting upgrade $SCHEME://$SERVIP:$PORT$PATH",
        ),
        (
            "Log_Upgrade_Success_Msg",
            "$PN $MAC -- Successful upgrade $SCHEME://$SERVIP:$PORT$PATH -- $ERR",
        ),
        (
            "Log_Upgrade_Failure_Msg",
            "$PN $MAC -- Upgrade failed: $ERR",
        ),
        ("Peer_Firmware_Sharing", "Yes"),
        ("Peer_Firmware_Sharing_Log_Server", ""),
    ] {
        c.push(name, value, na, UPGRADE, false);
    }
    for letter in 'A'..='P' {
        c.push(&format!("GPP_{letter}"), "", na, GPP, false);
    }
    for letter in 'A'..='D' {
        c.push(&format!("GPP_S{letter}"), "", na, GPP, true);
    }

    // SIP
    for (name, value) in [
        ("Max_Forward", "70"),
        ("Max_Redirection", "5"),
        ("Max_Auth", "2"),
        ("SIP_User_Agent_Name", "$VERSION"),
        ("SIP_Server_Name", "$VERSION"),
        ("SIP_Reg_User_Agent_Name", ""),
        ("SIP_Accept_Language", ""),
        ("DTMF_Relay_MIME_Type", "application/dtmf-relay"),
        ("Hook_Flash_MIME_Type", "application/hook-flash"),
        ("Remove_Last_Reg", "No"),
        ("Use_Compact_Header", "No"),
        ("Escape_Display_Name", "No"),
        ("Talk_Package", "No"),
        ("Hold_Package", "No"),
        ("Conference_Package", "No"),
        ("RFC_2543_Call_Hold", "Yes"),
        ("Random_REG_CID_On_Reboot", "No"),
        ("SIP_TCP_Port_Min", "5060"),
        ("SIP_TCP_Port_Max", "5080"),
        ("Caller_ID_Header", "PAID-RPID-FROM"),
        ("Hold_Target_Before_Refer", "No"),
        ("Dialog_SDP_Enable", "No"),
        ("Keep_Referee_When_Refer_Failed", "No"),
        ("Display_Diversion_Info", "No"),
        ("Display_Anonymous_From_Header", "No"),
        ("Sip_Accept_Encoding", "none"),
        ("Disable_Local_Name_To_Header", "No"),
    ] {
        c.push(name, value, na, SIP, false);
    }
    for (name, value) in [
        ("SIP_T1", ".5"),
        ("SIP_T2", "4"),
        ("SIP_T4", "5"),
        ("SIP_Timer_B", "16"),
        ("SIP_Timer_F", "16"),
        ("SIP_Timer_H", "16"),
        ("SIP_Timer_D", "16"),
        ("SIP_Timer_J", "16"),
        ("INVITE_Expires", "240"),
        ("ReINVITE_Expires", "30"),
        ("Reg_Min_Expires", "1"),
        ("Reg_Max_Expires", "7200"),
        ("Reg_Retry_Intvl", "30"),
        ("Reg_Retry_Long_Intvl", "1200"),
        ("Reg_Retry_Random_Delay", "0"),
        ("Reg_Retry_Long_Random_Delay", "0"),
        ("Reg_Retry_Intvl_Cap", "0"),
        ("Sub_Min_Expires", "10"),
        ("Sub_Max_Expires", "7200"),
        ("Sub_Retry_Intvl", "10"),
    ] {
        c.push(name, value, na, TIMERS, false);
    }
    for (name, value) in [
        ("RTP_Port_Min", "16384"),
        ("RTP_Port_Max", "16482"),
        ("RTP_Packet_Size", "0.02"),
        ("Max_RTP_ICMP_Err", "0"),
        ("RTCP_Tx_Interval", "0"),
        ("SDP_Payload_Type", "telephone-event"),
        ("AVT_Dynamic_Payload", "101"),
        ("AVT_16kHz_Dynamic_Payload", "107"),
        ("AVT_48kHz_Dynamic_Payload", "108"),
        ("INFOREQ_Dynamic_Payload", ""),
        ("G722.2_Dynamic_Payload", "96"),
        ("OPUS_Dynamic_Payload", "99"),
        ("G711u_Codec_Name", "PCMU"),
        ("G711a_Codec_Name", "PCMA"),
        ("G729a_Codec_Name", "G729a"),
        ("G722_Codec_Name", "G722"),
        ("G722.2_Codec_Name", "AMR-WB"),
        ("AVT_Codec_Name", "telephone-event"),
        ("Symmetric_RTP", "No"),
    ] {
        c.push(name, value, na, RTP, false);
    }

    // Regional: tones, cadences, star codes, time.
    for (name, value) in [
        ("Dial_Tone", "350@-19,440@-19;10(*/0/1+2)"),
        ("Second_Dial_Tone", "420@-19,520@-19;10(*/0/1+2)"),
        ("Outside_Dial_Tone", "420@-16;10(*/0/1)"),
        ("Prompt_Tone", "520@-19,620@-19;10(*/0/1+2)"),
        ("Busy_Tone", "480@-19,620@-19;10(.5/.5/1+2)"),
        ("Reorder_Tone", "480@-19,620@-19;10(.25/.25/1+2)"),
        ("Ring_Back_Tone", "440@-19,480@-19;*(2/4/1+2)"),
        ("Call_Waiting_Tone", "440@-10;30(.3/9.7/1)"),
        ("Confirm_Tone", "600@-16;1(.25/.25/1)"),
        ("MWI_Dial_Tone", "350@-19,440@-19;2(.1/.1/1+2);10(*/0/1+2)"),
        ("Cfwd_Dial_Tone", "350@-19,440@-19;2(.2/.2/1+2);10(*/0/1+2)"),
        ("Holding_Tone", "600@-19;25(.1/.1/1,.1/.1/1,.1/9.5/1)"),
        ("Conference_Tone", "350@-19;20(.1/.1/1,.1/9.7/1)"),
        (
            "Secure_Call_Indication_Tone",
            "397@-19,507@-19;15(0/2/0,.2/.1/1,.1/2.1/2)",
        ),
        ("Page_Tone", "600@-16;.3(.05/0.05/1)"),
        ("Alert_Tone", "600@-19;.2(.05/0.05/1)"),
        ("System_Beep", "600@-16;.1(.05/0.05/1)"),
        ("Call_Pickup_Tone", "440@-10;30(.3/9.7/1)"),
    ] {
        c.push(name, value, na, TONES, false);
    }
    for (i, value) in [
        "60(2/4)",
        "60(.3/.2,1/.2,.3/4)",
        "60(.8/.4,.8/4)",
        "60(.4/.2,.3/.2,.8/4)",
        "60(.2/.2,.2/.2,.2/.2,1/4)",
        "60(.2/.4,.2/.4,.2/4)",
        "60(4.5/4)",
        "60(0.25/9.75)",
        "60(.4/.2,.4/2)",
    ]
    .iter()
    .enumerate()
    {
        c.push(&format!("Cadence_{}", i + 1), value, na, CADENCE, false);
    }
    for (name, value) in [
        ("Call_Return_Code", "*69"),
        ("Blind_Transfer_Code", "*95"),
        ("Cfwd_All_Act_Code", "*72"),
        ("Cfwd_All_Deact_Code", "*73"),
        ("Cfwd_Busy_Act_Code", "*90"),
        ("Cfwd_Busy_Deact_Code", "*91"),
        ("Cfwd_No_Ans_Act_Code", "*92"),
        ("Cfwd_No_Ans_Deact_Code", "*93"),
        ("CW_Act_Code", "*56"),
        ("CW_Deact_Code", "*57"),
        ("CW_Per_Call_Act_Code", "*71"),
        ("CW_Per_Call_Deact_Code", "*70"),
        ("Block_CID_Act_Code", "*61"),
        ("Block_CID_Deact_Code", "*62"),
        ("Block_CID_Per_Call_Act_Code", "*81"),
        ("Block_CID_Per_Call_Deact_Code", "*82"),
        ("Block_ANC_Act_Code", "*77"),
        ("Block_ANC_Deact_Code", "*87"),
        ("DND_Act_Code", "*78"),
        ("DND_Deact_Code", "*79"),
        ("Secure_All_Call_Act_Code", "*16"),
        ("Secure_No_Call_Act_Code", "*17"),
        ("Paging_Code", "*96"),
        ("Call_Park_Code", "*68"),
        ("Call_Pickup_Code", "*97"),
        ("Call_Unpark_Code", "*88"),
        ("Group_Call_Pickup_Code", "*98"),
        ("Media_Loopback_Code", "*03"),
        ("Referral_Services_Codes", ""),
        ("Feature_Dial_Services_Codes", ""),
        ("Force_G711u_Code", "*027110"),
        ("Force_G711a_Code", "*027111"),
        ("Force_G722_Code", "*02722"),
        ("Force_G729a_Code", "*02729"),
    ] {
        c.push(name, value, na, CODES, false);
    }
    for (name, value) in [
        ("Set_Local_Date__mm_dd_yyyy_", ""),
        ("Set_Local_Time__HH_mm_", ""),
        ("Time_Zone", "GMT-08:00"),
        ("Time_Offset__HH_mm_", ""),
        ("Ignore_DHCP_Time_Offset", "Yes"),
        (
            "Daylight_Saving_Time_Rule",
            "start=3/-1/7/2;end=10/-1/7/2;save=1",
        ),
        ("Daylight_Saving_Time_Enable", "Yes"),
        ("DTMF_Playback_Level", "-16"),
        ("DTMF_Playback_Length", ".1"),
        ("Inband_DTMF_Boost", "12dB"),
        ("Interdigit_Long_Timer", "10"),
        ("Interdigit_Short_Timer", "3"),
        ("Dictionary_Server_Script", ""),
        ("Language_Selection", "English-US"),
        ("Locale", "en-US"),
    ] {
        c.push(name, value, na, REGIONAL, false);
    }

    // Phone
    for (name, value) in [
        ("Station_Name", ""),
        ("Station_Display_Name", ""),
        ("Voice_Mail_Number", ""),
        ("Text_Logo", ""),
        ("BMP_Picture_Download_URL", ""),
        ("Select_Logo", "Default"),
        ("Select_Background_Picture", "Default"),
        ("Screen_Saver_Enable", "No"),
        ("Screen_Saver_Wait", "300"),
        ("Back_Light_Timer", "30s"),
        ("LCD_Contrast", "7"),
        ("Boot_Display", "Default"),
        ("Handset_Volume", "9"),
        ("Headset_Volume", "9"),
        ("Ringer_Volume", "9"),
        ("Speaker_Volume", "11"),
        ("Line_Key_LED_Pattern", "Default"),
        ("Call_Appearances_Per_Line", "2"),
        ("Miss_Call_Shortcut", "No"),
        ("Peer_Firmware_Sharing_Server", ""),
    ] {
        c.push(name, value, "rw", PHONE, false);
    }
    for (name, value) in [
        ("Conference_Serv", "Yes"),
        ("Attn_Transfer_Serv", "Yes"),
        ("Blind_Transfer_Serv", "Yes"),
        ("DND_Serv", "Yes"),
        ("Block_ANC_Serv", "Yes"),
        ("Call_Back_Serv", "Yes"),
        ("Block_CID_Serv", "Yes"),
        ("Secure_Call_Serv", "Yes"),
        ("Cfwd_All_Serv", "Yes"),
        ("Cfwd_Busy_Serv", "Yes"),
        ("Cfwd_No_Ans_Serv", "Yes"),
        ("Paging_Serv", "Yes"),
        ("Call_Park_Serv", "Yes"),
        ("Call_Pick_Up_Serv", "Yes"),
        ("ACD_Login_Serv", "No"),
        ("Group_Call_Pick_Up_Serv", "Yes"),
        ("Service_Annc_Serv", "No"),
        ("Call_Recording_Serv", "No"),
        ("Reverse_Phone_Lookup_Serv", "Yes"),
    ] {
        c.push(name, value, na, SERVICES, false);
    }
    for (name, value) in [
        ("Cfwd_All_Dest", ""),
        ("Cfwd_Busy_Dest", ""),
        ("Cfwd_No_Ans_Dest", ""),
        ("Cfwd_No_Ans_Delay", "20"),
        ("CW_Setting", "Yes"),
        ("Block_CID_Setting", "No"),
        ("Block_ANC_Setting", "No"),
        ("DND_Setting", "No"),
        ("Time_Format", "12hr"),
        ("Date_Format", "month/day"),
        ("Alert_Tone_Off", "No"),
    ] {
        c.push(name, value, "rw", USER, false);
    }

    // Lines: the same set of settings for every extension.
    for n in 1..=identity.model.lines {
        let ext = |base: &str| format!("{base}_{n}_");
        let on = if n == 1 { "Yes" } else { "No" };
        for (base, value) in [
            ("Line_Enable", "Yes"),
            ("Share_Ext", "No"),
            ("Shared_User_ID", "No"),
            ("Subscription_Expires", "3600"),
            ("Restrict_MWI", "No"),
            ("NAT_Mapping_Enable", "No"),
            ("NAT_Keep_Alive_Enable", "No"),
            ("NAT_Keep_Alive_Msg", "$NOTIFY"),
            ("NAT_Keep_Alive_Dest", "$PROXY"),
            ("SIP_Transport", "UDP"),
            ("SIP_Port", &(5060 + u32::from(n) - 1).to_string()),
            ("SIP_100REL_Enable", "No"),
            ("EXT_SIP_Port", "0"),
            ("Auth_Resync-Reboot", "Yes"),
            ("SIP_Proxy-Require", ""),
            ("SIP_Remote-Party-ID", "No"),
            ("Referor_Bye_Delay", "4"),
            ("Refer-To_Target_Contact", "No"),
            ("Referee_Bye_Delay", "0"),
            ("Refer_Target_Bye_Delay", "0"),
            ("Sticky_183", "No"),
            ("Auth_INVITE", "No"),
            ("Ntfy_Refer_On_1xx-To-Inv", "Yes"),
            ("Set_G729_annexb", "yes"),
            ("Voice_Quality_Report_Address", ""),
            ("VQ_Report_Interval", "0"),
            ("User_Equal_Phone", "No"),
            ("Call_Recording_Protocol", "SIPREC"),
            ("Privacy_Header", "Disabled"),
            ("P-Early-Media_Support", "No"),
            ("Proxy", ""),
            ("Outbound_Proxy", ""),
            ("Alternate_Proxy", ""),
            ("Alternate_Outbound_Proxy", ""),
            ("Use_OB_Proxy_In_Dialog", "Yes"),
            ("Register", "Yes"),
            ("Make_Call_Without_Reg", "No"),
            ("Register_Expires", "3600"),
            ("Ans_Call_Without_Reg", "No"),
            ("Use_DNS_SRV", "No"),
            ("DNS_SRV_Auto_Prefix", "Yes"),
            ("Proxy_Fallback_Intvl", "3600"),
            ("Proxy_Redundancy_Method", "Normal"),
            ("Dual_Registration", "No"),
            ("Auto_Register_When_Failover", "No"),
            ("TLS_Name_Validate", "Yes"),
            ("Display_Name", ""),
            ("User_ID", ""),
            ("Auth_ID", ""),
            ("Reversed_Auth_Realm", ""),
            ("SIP_URI", ""),
            ("Preferred_Codec", "G711u"),
            ("Use_Pref_Codec_Only", "No"),
            ("Second_Preferred_Codec", "Unspecified"),
            ("Third_Preferred_Codec", "Unspecified"),
            ("G711u_Enable", "Yes"),
            ("G711a_Enable", "Yes"),
            ("G729a_Enable", "Yes"),
            ("G722_Enable", "Yes"),
            ("G722.2_Enable", "Yes"),
            ("iLBC_Enable", "Yes"),
            ("OPUS_Enable", "Yes"),
            ("Silence_Supp_Enable", "No"),
            ("DTMF_Tx_Method", "Auto"),
            ("Codec_Negotiation", "Default"),
            ("Encryption_Method", "AES 128"),
            (
                "Dial_Plan",
                "(*xx|[3469]11|0|00|[2-9]xxxxxx|1xxx[2-9]xxxxxxS0|xxxxxxxxxxxx.)",
            ),
            ("Caller_ID_Map", ""),
            ("Enable_URI_Dialing", "No"),
            ("Emergency_Number", ""),
            ("Voice_Mail_Server", ""),
            ("Voice_Mail_Subscribe_Interval", "86400"),
            ("Mailbox_ID", ""),
            ("Call_Waiting_Enable", "No"),
            ("Block_CID_Enable", "No"),
            ("Block_Anonymous_Call_Enable", "No"),
            ("DND_Enable", "No"),
            ("CFWD_Enable", "No"),
            ("Default_Ring", "1"),
            ("Conference_Bridge_URL", ""),
            ("Conference_Single_Hardkey", "No"),
            ("Feature_Key_Sync", "No"),
            ("Call_Park_Monitor_Enable", "No"),
            ("Enable_Broadsoft_Hoteling", "No"),
            ("Hoteling_Subscription_Expires", "3600"),
            ("Secure_Call_Option", "Optional"),
        ] {
            c.push(&ext(base), value, na, EXT, false);
        }
        c.push(&ext("Password"), "", na, EXT, true);
        c.push(&ext("Extension"), &n.to_string(), na, EXT, false);
        c.push(&ext("Short_Name"), "$USER", "rw", EXT, false);
        c.push(&ext("Extended_Function"), "", na, EXT, false);
        c.push(&ext("Call_Waiting_Serv"), on, na, EXT, false);
    }
    if spa {
        for (name, value) in [
            ("Bonjour_Enable", "No"),
            ("Linksys_Key_System", "No"),
            ("Force_LAN_Codec", "none"),
        ] {
            c.push(name, value, na, SYSTEM, false);
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{Mac, Model};

    fn identity(model: &str, fw: &str) -> Identity {
        Identity::new(
            Model::find(model).unwrap(),
            Mac::parse("00562b000001").unwrap(),
            None,
            Some(fw.into()),
        )
    }

    #[test]
    fn defaults_follow_family_and_firmware() {
        let mpp12 = default_config(&identity("CP-8861-3PCC", "12.0.1"), false, "");
        assert!(
            mpp12
                .value("Resync_Error_Retry_Delay")
                .starts_with("60,120,240")
        );
        assert_eq!(mpp12.value("Profile_Rule"), "/$PSN.xml");
        assert!(
            mpp12.params().len() > 500,
            "only {} parameters",
            mpp12.params().len()
        );
        let mpp10 = default_config(&identity("CP-7841-3PCC", "10.4.1"), false, "");
        assert_eq!(mpp10.value("Profile_Rule"), "/spa$PSN.cfg");
        assert_eq!(mpp10.value("DHCP_Option_To_Use"), "160,159,66,150");
        assert!(!mpp10.contains("DHCPv6_Option_To_Use"));
        let spa = default_config(&identity("SPA504G", "7.6.2"), false, "");
        assert!(spa.contains("Log_Resync_Request_Msg"));
        assert!(!spa.contains("Log_Request_Msg"));
        assert_eq!(spa.value("Resync_Error_Retry_Delay"), "3600");
    }
}
