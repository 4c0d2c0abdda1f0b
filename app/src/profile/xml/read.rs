//! A lenient reader for everything XML a phone or a provisioning server hands us:
//! `<flat-profile>` files (bare or in a `<device>` wrapper, SPA `group` attributes, the SPA 7
//! namespace), `cfg.xml`/`spacfg.xml` dumps and `status.xml` pages, which Cisco itself does not
//! always write well-formed. It flattens the document to its leaf elements, in order.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesEnd, BytesStart, Event};

use crate::identity::PhoneIdentity;

/// One leaf element: `<Resync_Periodic ua="na">3600</Resync_Periodic>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Local name, namespace prefix removed.
    pub name: String,
    /// Text with XML escapes resolved, trimmed, newlines turned into spaces.
    pub value: String,
    /// Attributes as written (`ua`, `group`, …), local names.
    pub attributes: Vec<(String, String)>,
    /// Written as `<X/>` (Cisco's guides disagree on what that means; see rule-syntax.md).
    pub self_closing: bool,
    /// 1-based line of the opening tag.
    pub line: usize,
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A flattened document: every leaf in document order, duplicates kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    /// Name of the outermost element (`flat-profile`, `device`, `flat-status`, …).
    pub root: Option<String>,
    /// The first default namespace declared (`xmlns="http://www.sipura.net/xsd/SPA50x-30x-SIP"`
    /// on SPA files), if any.
    pub namespace: Option<String>,
    pub elements: Vec<Element>,
    /// What was not well-formed and how it was read anyway.
    pub problems: Vec<String>,
    /// The 1-based line of each of `problems`, in the same order.
    pub problem_lines: Vec<usize>,
    /// The outermost element's end tag was met: a document cut off in transit is not.
    pub root_closed: bool,
}

impl Document {
    /// The value of the *last* element of that name: a parameter given twice, the last wins.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.element(name).map(|e| e.value.as_str())
    }

    /// The last element of that name.
    pub fn element(&self, name: &str) -> Option<&Element> {
        self.elements.iter().rev().find(|e| e.name == name)
    }

    /// Who the phone is, from the identity elements of a `status.xml`, `cfg.xml` or
    /// `spacfg.xml` dump ([`PhoneIdentity::from_named_values`]).
    pub fn identity(&self) -> PhoneIdentity {
        PhoneIdentity::from_named_values(|name| self.value(name))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlReadError {
    #[error("the file is empty")]
    Empty,
    #[error("this is binary data, not an XML profile")]
    Binary,
    #[error("this is not XML (it does not start with a tag)")]
    NotXml,
    #[error("this is a web page (HTML), not a phone profile")]
    Html,
    #[error(
        "it declares a DTD (<!DOCTYPE …>), which may define entities; refused: phoneprov reads \
         no DTD and expands no entities"
    )]
    Dtd,
    #[error("the XML is broken at line {line}: {message}")]
    Malformed { line: usize, message: String },
}

/// How the problem of an element left open ends (a cut-off document has those).
pub const NOT_CLOSED: &str = "is not closed";

/// Deeper nesting than this is refused (phones write three levels).
const MAX_DEPTH: usize = 64;

/// How many syntax errors are stepped over before the rest is given up.
const MAX_RECOVERED_ERRORS: usize = 64;

/// Reads bytes from a file or an HTTP body. Refuses binary data; decodes UTF-8 (invalid
/// sequences replaced, as phones write Latin-1 into some names).
pub fn read_document_bytes(bytes: &[u8]) -> Result<Document, XmlReadError> {
    if looks_binary(bytes) {
        return Err(XmlReadError::Binary);
    }
    read_document(&String::from_utf8_lossy(bytes))
}

/// Reads a document leniently. Fails only when nothing usable can be read.
pub fn read_document(text: &str) -> Result<Document, XmlReadError> {
    let text = text.trim_start_matches('\u{feff}');
    refuse_what_is_not_xml(text)?;
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.trim_text(true);
    config.check_end_names = false;
    config.expand_empty_elements = false;

    let mut reading = Reading::new(text);
    loop {
        let before = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(tag)) => reading.open(&tag, before)?,
            Ok(Event::Empty(tag)) => reading.empty(&tag, before),
            Ok(Event::End(tag)) => reading.close(&tag, before),
            Ok(Event::Text(content)) => {
                let value = match content.unescape() {
                    Ok(v) => v.into_owned(),
                    Err(_) => {
                        reading.problem(before, "unknown XML escape kept as written");
                        String::from_utf8_lossy(&content).into_owned()
                    }
                };
                reading.add_text(&value);
            }
            Ok(Event::CData(content)) => reading.add_text(&String::from_utf8_lossy(&content)),
            Ok(Event::Eof) => break,
            // A DTD can define entities (billion laughs, external files): never read one.
            Ok(Event::DocType(_)) => return Err(XmlReadError::Dtd),
            Ok(_) => {} // declarations, comments, processing instructions
            Err(error) => {
                let errors = reading.syntax_error(reader.error_position(), error.to_string());
                if errors > MAX_RECOVERED_ERRORS || reader.buffer_position() <= before {
                    break;
                }
            }
        }
    }
    reading.finish()
}

/// Empty text, NUL bytes and text that does not start with a tag are not read at all.
fn refuse_what_is_not_xml(text: &str) -> Result<(), XmlReadError> {
    let start = text.trim_start();
    if start.is_empty() {
        return Err(XmlReadError::Empty);
    }
    if text.contains('\0') {
        return Err(XmlReadError::Binary);
    }
    if !start.starts_with('<') {
        return Err(XmlReadError::NotXml);
    }
    if is_html(start) {
        return Err(XmlReadError::Html);
    }
    Ok(())
}

/// A web page: it starts with `<!DOCTYPE html` or `<html` (after an XML declaration or
/// comments, which some pages carry).
pub fn is_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(1024)
        .collect::<String>()
        .to_ascii_lowercase();
    let mut rest = head.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("<?") {
            rest = after.split_once("?>").map_or("", |(_, r)| r).trim_start();
        } else if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    rest.starts_with("<!doctype html") || rest.starts_with("<html")
}

/// A document being read: what is read so far, the open elements and the problems met.
struct Reading<'a> {
    text: &'a str,
    document: Document,
    stack: Vec<Frame>,
    first_error: Option<(usize, String)>,
    errors: usize,
    lines: LineCounter,
}

impl<'a> Reading<'a> {
    fn new(text: &'a str) -> Self {
        Reading {
            text,
            document: Document::default(),
            stack: Vec::new(),
            first_error: None,
            errors: 0,
            lines: LineCounter::default(),
        }
    }

    /// Notes a problem at a byte position of the text.
    fn problem(&mut self, position: u64, what: &str) {
        let line = self.lines.line_of(self.text, position);
        self.note(line, format!("line {line}: {what}"));
    }

    fn note(&mut self, line: usize, problem: String) {
        self.document.problems.push(problem);
        self.document.problem_lines.push(line);
    }

    /// A syntax error the reader stepped over; returns how many there were so far.
    fn syntax_error(&mut self, position: u64, message: String) -> usize {
        let line = self.lines.line_of(self.text, position);
        self.note(line, format!("line {line}: {message} (skipped)"));
        self.first_error.get_or_insert((line, message));
        self.errors += 1;
        self.errors
    }

    /// `<X …>`: a new element, possibly a leaf.
    fn open(&mut self, tag: &BytesStart<'_>, before: u64) -> Result<(), XmlReadError> {
        let line = self.lines.line_of(self.text, tag_start(self.text, before));
        // A leaf that already has text and now gets a "child" was never closed:
        // `<Reboot_Reason_1>[..]Provisioning <Reboot_Reason_2>…`. Close it.
        let unclosed_leaf = self.stack.len() >= 2
            && self
                .stack
                .last()
                .is_some_and(|top| !top.has_children && !top.text.trim().is_empty());
        if let Some(frame) = self.stack.pop_if(|_| unclosed_leaf) {
            self.not_closed(&frame);
            self.finish_leaf(frame, false);
        }
        let Some(frame) = self.frame(tag, line) else {
            return Ok(());
        };
        if self.stack.len() >= MAX_DEPTH {
            // Profiles and dumps are three levels deep; this is not one of them, and
            // matching end tags through a deep stack would cost quadratic time.
            return Err(XmlReadError::Malformed {
                line,
                message: format!("elements are nested more than {MAX_DEPTH} levels deep"),
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    /// `<X …/>`: a leaf without text.
    fn empty(&mut self, tag: &BytesStart<'_>, before: u64) {
        let line = self.lines.line_of(self.text, tag_start(self.text, before));
        if let Some(frame) = self.frame(tag, line) {
            self.finish_leaf(frame, true);
        }
        if self.stack.is_empty() {
            self.document.root_closed = true;
        }
    }

    /// The frame of an opening tag, noted as the root or as its parent's child; `None` (and a
    /// problem noted) when the tag's name is not an XML name.
    fn frame(&mut self, tag: &BytesStart<'_>, line: usize) -> Option<Frame> {
        let Some(frame) = Frame::open(tag, line) else {
            self.note(line, format!("line {line}: not a tag name (skipped)"));
            self.errors += 1;
            return None;
        };
        if self.document.root.is_none() {
            self.document.root = Some(frame.name.clone());
        }
        if self.document.namespace.is_none() {
            self.document.namespace = default_namespace(tag);
        }
        if let Some(parent) = self.stack.last_mut() {
            parent.has_children = true;
        }
        Some(frame)
    }

    /// `</X>`: closes up to the matching open tag; a stray end tag closes nothing.
    fn close(&mut self, tag: &BytesEnd<'_>, before: u64) {
        let name = String::from_utf8_lossy(tag.local_name().as_ref()).into_owned();
        let Some(depth) = self.stack.iter().rposition(|f| f.name == name) else {
            self.problem(before, &format!("</{name}> closes nothing"));
            return;
        };
        while self.stack.len() > depth {
            let Some(frame) = self.stack.pop() else { break };
            if self.stack.len() > depth {
                self.not_closed(&frame);
            }
            if !frame.has_children {
                self.finish_leaf(frame, false);
            }
        }
        if self.stack.is_empty() {
            self.document.root_closed = true;
        }
    }

    fn add_text(&mut self, text: &str) {
        if let Some(top) = self.stack.last_mut() {
            top.text.push_str(text);
        }
    }

    fn not_closed(&mut self, frame: &Frame) {
        let problem = format!("line {}: <{}> {NOT_CLOSED}", frame.line, frame.name);
        self.note(frame.line, problem);
    }

    /// Records a closed leaf. A childless top-level element without text is an empty
    /// container (`<flat-profile/>`), not a value.
    fn finish_leaf(&mut self, frame: Frame, self_closing: bool) {
        if self.stack.is_empty() && frame.text.trim().is_empty() {
            return;
        }
        self.document.elements.push(Element {
            name: frame.name,
            value: normalize_value(&frame.text),
            attributes: frame.attributes,
            self_closing,
            line: frame.line,
        });
    }

    /// The document, once the input has ended.
    fn finish(mut self) -> Result<Document, XmlReadError> {
        // Whatever is still open at the end: keep the leaves that carry text.
        while let Some(frame) = self.stack.pop() {
            if !frame.has_children && !frame.text.trim().is_empty() {
                self.not_closed(&frame);
                self.finish_leaf(frame, false);
            }
        }
        let mut document = self.document;
        // Leaves closed at the end of the input were pushed last; restore document order.
        document.elements.sort_by_key(|e| e.line);
        if document.elements.is_empty() && document.root.is_none() {
            let (line, message) = self.first_error.unwrap_or((1, "no element found".into()));
            return Err(XmlReadError::Malformed { line, message });
        }
        Ok(document)
    }
}

struct Frame {
    name: String,
    attributes: Vec<(String, String)>,
    text: String,
    has_children: bool,
    line: usize,
}

impl Frame {
    /// `None` when the tag's name is not an XML name (`<<<>`, `< >`).
    fn open(tag: &BytesStart<'_>, line: usize) -> Option<Frame> {
        let name = String::from_utf8_lossy(tag.local_name().as_ref()).into_owned();
        if !is_xml_name(&name) {
            return None;
        }
        let attributes = tag
            .attributes()
            .with_checks(false)
            .flatten()
            .map(|attribute| {
                let key = String::from_utf8_lossy(attribute.key.local_name().as_ref()).into_owned();
                let value = attribute
                    .unescape_value()
                    .unwrap_or_else(|_| {
                        Cow::Owned(String::from_utf8_lossy(&attribute.value).into_owned())
                    })
                    .into_owned();
                (key, value)
            })
            .filter(|(key, _)| key != "xmlns")
            .collect();
        Some(Frame {
            name,
            attributes,
            text: String::new(),
            has_children: false,
            line,
        })
    }
}

/// The value of a tag's `xmlns="…"` (the default namespace; `xmlns:p` prefixes are not it).
fn default_namespace(tag: &BytesStart<'_>) -> Option<String> {
    tag.attributes()
        .with_checks(false)
        .flatten()
        .find(|attribute| attribute.key.as_ref() == b"xmlns")
        .map(|attribute| String::from_utf8_lossy(&attribute.value).into_owned())
}

/// Letters, digits, `_`, `-`, `.`; not starting with a digit, `-` or `.`.
fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Phones trim values and turn newlines into spaces.
pub fn normalize_value(text: &str) -> String {
    text.trim().replace("\r\n", " ").replace(['\n', '\r'], " ")
}

/// Where a tag starts: the reader's position before it may still be on the whitespace
/// (trimmed text) that precedes it.
fn tag_start(text: &str, before: u64) -> u64 {
    let start = usize::try_from(before)
        .unwrap_or(usize::MAX)
        .min(text.len());
    let skipped = text.as_bytes()[start..]
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .count();
    before + skipped as u64
}

/// Line numbers of byte positions. Positions mostly grow, so newlines are counted from the
/// last position asked for, not from the start: counting from the start for each element
/// made a 7 MiB profile take minutes.
#[derive(Default)]
struct LineCounter {
    position: usize,
    line: usize,
}

impl LineCounter {
    fn line_of(&mut self, text: &str, position: u64) -> usize {
        let end = usize::try_from(position)
            .unwrap_or(usize::MAX)
            .min(text.len());
        if end < self.position {
            *self = LineCounter::default();
        }
        let newlines = text.as_bytes()[self.position..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.position = end;
        self.line += newlines;
        self.line + 1
    }
}

/// NUL bytes or a high share of control characters in the first KiB mean binary data.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    if head.contains(&0) {
        return true;
    }
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        .count();
    control * 10 > head.len().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_profile_in_a_device_wrapper_with_duplicates() {
        let doc = read_document(
            r#"<?xml version="1.0"?>
<device>
  <flat-profile>
    <Resync_Periodic ua="na">3600</Resync_Periodic>
    <Profile_Rule ua="na">[--key &quot;secret&quot;] https://prov.example.com/$MA.cfg</Profile_Rule>
    <Profile_Rule_B ua="na"/>
    <Resync_Periodic>86400</Resync_Periodic>
  </flat-profile>
</device>"#,
        )
        .unwrap();
        assert_eq!(doc.root.as_deref(), Some("device"));
        assert_eq!(doc.value("Resync_Periodic"), Some("86400"), "last wins");
        assert_eq!(
            doc.value("Profile_Rule"),
            Some(r#"[--key "secret"] https://prov.example.com/$MA.cfg"#)
        );
        let empty = doc.element("Profile_Rule_B").unwrap();
        assert!(empty.self_closing);
        assert_eq!(empty.value, "");
        assert_eq!(empty.attribute("ua"), Some("na"));
        assert_eq!(doc.elements.len(), 4);
        assert!(doc.problems.is_empty(), "{:?}", doc.problems);
    }

    #[test]
    fn spa_namespace_and_group_attributes() {
        let doc = read_document(
            r#"<flat-profile xmlns="http://www.sipura.net/xsd/SPA50x-30x-SIP">
<Resync_Periodic group="Provisioning/Configuration_Profile">3600</Resync_Periodic>
<spa:Log_Resync_Request_Msg xmlns:spa="x" group="Provisioning/Configuration_Profile">$PN $MAC</spa:Log_Resync_Request_Msg>
</flat-profile>"#,
        )
        .unwrap();
        assert_eq!(doc.root.as_deref(), Some("flat-profile"));
        let periodic = doc.element("Resync_Periodic").unwrap();
        assert_eq!(
            periodic.attribute("group"),
            Some("Provisioning/Configuration_Profile")
        );
        assert_eq!(doc.value("Log_Resync_Request_Msg"), Some("$PN $MAC"));
    }

    #[test]
    fn deep_nesting_is_refused_and_many_lines_are_numbered() {
        let deep = "<a>".repeat(10_000) + &"</b>".repeat(10_000);
        assert!(matches!(
            read_document(&deep),
            Err(XmlReadError::Malformed { .. })
        ));
        let mut many = String::from("<flat-profile>\n");
        for n in 0..2000 {
            many.push_str(&format!("<P_{n}>v</P_{n}>\n"));
        }
        many.push_str("</flat-profile>");
        let doc = read_document(&many).unwrap();
        assert_eq!(doc.elements.len(), 2000);
        assert_eq!(doc.elements[1999].line, 2001);
    }

    #[test]
    fn values_are_trimmed_and_newlines_become_spaces() {
        let doc =
            read_document("<flat-profile><A>\n  one\r\ntwo\nthree  </A></flat-profile>").unwrap();
        assert_eq!(doc.value("A"), Some("one two three"));
    }

    #[test]
    fn status_dump_that_is_not_well_formed_is_still_read() {
        // Shaped like Cisco's own Reboot_History example: an unclosed element, a stray end
        // tag and a bare ampersand.
        let doc = read_document(
            "<status>\n<Product_Name>CP-8861-3PCC</Product_Name>\n<Reboot_History>\n\
             <Reboot_Reason_1>[08/10/14 14:03:43]Provisioning\n\
             <Reboot_Reason_2>[08/10/14 13:58:17]Power Cycle & more</Reboot_Reason_2>\n\
             </Reboot_History></Reboot_Hist>\n<Serial_Number>FCH1234</Serial_Number>\n",
        )
        .unwrap();
        assert_eq!(doc.value("Product_Name"), Some("CP-8861-3PCC"));
        assert_eq!(
            doc.value("Reboot_Reason_1"),
            Some("[08/10/14 14:03:43]Provisioning")
        );
        assert_eq!(
            doc.value("Reboot_Reason_2"),
            Some("[08/10/14 13:58:17]Power Cycle & more")
        );
        assert_eq!(doc.value("Serial_Number"), Some("FCH1234"));
        assert!(!doc.problems.is_empty());
    }

    #[test]
    fn commented_out_elements_are_not_read() {
        let doc =
            read_document("<flat-status><!-- <Hidden>1</Hidden> --><Shown>2</Shown></flat-status>")
                .unwrap();
        assert_eq!(doc.value("Hidden"), None);
        assert_eq!(doc.value("Shown"), Some("2"));
    }

    #[test]
    fn empty_root_is_a_container_not_a_value() {
        let doc = read_document("<flat-profile/>").unwrap();
        assert!(doc.elements.is_empty());
        assert_eq!(doc.root.as_deref(), Some("flat-profile"));
    }

    #[test]
    fn identity_from_a_status_dump() {
        let document = read_document(
            "<status><Product_Name>CP-8861-3PCC</Product_Name><Serial_Number>FCH2101ABCD</Serial_Number>\
             <Software_Version>sip88xx.11-3-7MPP0001-272</Software_Version><Hardware_Version>1.0.0</Hardware_Version>\
             <MAC_Address>00562B043615</MAC_Address><Current_IP>10.0.0.7</Current_IP><Host_Name></Host_Name></status>",
        )
        .unwrap();
        let id = document.identity();
        assert_eq!(id.model.as_deref(), Some("CP-8861-3PCC"));
        assert_eq!(id.serial.as_deref(), Some("FCH2101ABCD"));
        assert_eq!(
            id.firmware_line(),
            Some(crate::identity::FirmwareLine::Mpp11)
        );
        assert_eq!(id.mac.unwrap().lower_hex(), "00562b043615");
        assert_eq!(id.ip, Some("10.0.0.7".parse().unwrap()));
        assert_eq!(id.host_name, None, "empty means unknown");
    }

    #[test]
    fn refuses_what_is_not_xml() {
        assert_eq!(read_document(""), Err(XmlReadError::Empty));
        assert_eq!(read_document("  \n"), Err(XmlReadError::Empty));
        assert_eq!(
            read_document("Resync_Periodic=3600"),
            Err(XmlReadError::NotXml)
        );
        assert_eq!(
            read_document_bytes(&[0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00]),
            Err(XmlReadError::Binary)
        );
        for broken in ["<<<>>>", "< >", "<a", "<!-- x"] {
            assert!(
                matches!(read_document(broken), Err(XmlReadError::Malformed { .. })),
                "{broken}"
            );
        }
    }
}
