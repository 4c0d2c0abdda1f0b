//! `<flat-profile>` files from and to a phone's form: export the form (or only the changes),
//! import a file as edits. Secrets never go into an exported file.

use super::form::FormState;
use crate::identity::FirmwareLine;
use crate::profile::xml::{self, UserAccess};
use crate::profile::{ProfileValues, mask::holds_secret, schema};

/// An exported file and what was deliberately left out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub xml: String,
    pub written: usize,
    /// Labels of fields left out because they hold a password or key.
    pub left_out: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileFileError {
    #[error("there is nothing to export: no field differs from the phone")]
    NothingToExport,
    #[error("could not write the profile: {0}")]
    Write(#[from] xml::XmlWriteError),
    #[error("{0}")]
    Read(#[from] xml::XmlReadError),
    #[error("the file has no Configuration Profile fields phoneprov knows")]
    NoKnownFields,
    #[error(
        "the file is {0} MB; a phone profile is at most {max} MB, so this is not one",
        max = xml::MAX_PROFILE_BYTES / (1024 * 1024)
    )]
    TooLarge(u64),
}

/// Writes the form as a `<flat-profile>`: every field of the line as the form shows it
/// (`only_changes` = only the fields that differ from the phone), with the element names
/// of the phone's firmware line.
pub fn export(
    form: &FormState,
    line: FirmwareLine,
    only_changes: bool,
) -> Result<Export, ProfileFileError> {
    let mut values = ProfileValues::new(line);
    let mut left_out = Vec::new();
    for def in schema::PARAMS
        .iter()
        .filter(|d| d.exists_on(line) && !d.read_only)
    {
        if only_changes && !form.is_changed(def.element) {
            continue;
        }
        let value = form.shown_value(def.element, def.default_for(line));
        if def.secret || holds_secret(def.element, value) {
            left_out.push(def.label.to_string());
            continue;
        }
        values.set(def.element, value);
    }
    if values.is_empty() && only_changes && left_out.is_empty() {
        return Err(ProfileFileError::NothingToExport);
    }
    let xml = values.to_flat_profile(None, UserAccess::NoAccess)?;
    Ok(Export {
        xml,
        written: values.len(),
        left_out,
    })
}

/// What an import did to the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Fields whose value now differs from the phone.
    pub changes: usize,
    /// Known fields read from the file.
    pub known: usize,
    /// Elements of the file that are not Configuration Profile fields (kept out of the form).
    pub ignored: Vec<String>,
    /// Problems the lenient reader noticed, in words.
    pub problems: Vec<String>,
}

/// Reads a `<flat-profile>` (or a phone's dump) and sets its known fields as edits. Nothing
/// is sent; the form validates them like typed values. A file that cannot be read (not XML,
/// binary, too large, a DTD) changes nothing in the form.
pub fn import(
    form: &mut FormState,
    line: FirmwareLine,
    bytes: &[u8],
) -> Result<Imported, ProfileFileError> {
    if bytes.len() as u64 > xml::MAX_PROFILE_BYTES {
        return Err(ProfileFileError::TooLarge(
            bytes.len() as u64 / (1024 * 1024),
        ));
    }
    let document = xml::read_document_bytes(bytes)?;
    let values = ProfileValues::from_document(&document, line);
    let known: Vec<(&'static str, String)> = values
        .known()
        .filter(|(def, _)| !def.read_only)
        .map(|(def, value)| (def.element, value.to_string()))
        .collect();
    if known.is_empty() {
        return Err(ProfileFileError::NoKnownFields);
    }
    let ignored = values.unknown().map(|(name, _)| name.to_string()).collect();
    let changes = form.import(known.iter().map(|(e, v)| (*e, v.as_str())));
    Ok(Imported {
        changes,
        known: known.len(),
        ignored,
        problems: document.problems.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_cannot_be_read_change_nothing_in_the_form() {
        let mut form = FormState::default();
        form.set("Resync_Periodic", "3665");
        let before = form.clone();
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
                    <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\
                    <flat-profile><Resync_Periodic>&lol2;</Resync_Periodic></flat-profile>";
        let external = "<!DOCTYPE p [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\
                        <flat-profile><Profile_Rule>&e;</Profile_Rule></flat-profile>";
        let mut huge = b"<flat-profile><Resync_Periodic>1</Resync_Periodic>".to_vec();
        huge.resize(100 * 1024 * 1024, b' ');
        let cases: [(&str, &[u8], &str); 6] = [
            ("not XML", b"Resync_Periodic=60\n", "not XML"),
            (
                "binary",
                &[0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08],
                "binary",
            ),
            (
                "web page",
                b"<!DOCTYPE html><html><body>hi</body></html>",
                "web page",
            ),
            ("100 MB", &huge, "at most 8 MB"),
            ("entity bomb", bomb.as_bytes(), "declares a DTD"),
            ("external entity", external.as_bytes(), "declares a DTD"),
        ];
        for (what, bytes, said) in cases {
            let error = import(&mut form, FirmwareLine::Mpp11, bytes).unwrap_err();
            assert!(error.to_string().contains(said), "{what}: {error}");
            assert_eq!(form, before, "{what} changed the form");
        }
    }

    #[test]
    fn exported_changes_import_back_as_the_same_edits() {
        let mut form = FormState::default();
        form.set("Resync_Periodic", "3665");
        form.set(
            "Profile_Rule",
            "http://10.74.121.56/dms/CP-8861-3PCC/8861-3PCC.xml",
        );
        let export = export(&form, FirmwareLine::Mpp11, true).unwrap();
        assert_eq!(export.written, 2);
        assert!(
            export
                .xml
                .contains("<Resync_Periodic ua=\"na\">3665</Resync_Periodic>")
        );

        let mut other = FormState::default();
        let imported = import(&mut other, FirmwareLine::Mpp11, export.xml.as_bytes()).unwrap();
        assert_eq!(imported.changes, 2);
        assert_eq!(other.edits, form.edits);
    }

    #[test]
    fn spa_export_uses_spa_names_and_full_export_has_every_field() {
        let form = FormState::default();
        let spa = export(&form, FirmwareLine::Spa, false).unwrap();
        assert!(spa.xml.contains("<Log_Resync_Request_Msg"), "{}", spa.xml);
        assert!(spa.written > 15);
        assert!(matches!(
            export(&form, FirmwareLine::Mpp11, true),
            Err(ProfileFileError::NothingToExport)
        ));
    }

    #[test]
    fn passwords_never_reach_an_exported_file() {
        let mut form = FormState::default();
        form.set(
            "Profile_Rule",
            "[--uid admin --pwd s3cret]https://prov.example/$MA.xml",
        );
        form.set("GPP_SA", "topsecret");
        let export = export(&form, FirmwareLine::Mpp11, false).unwrap();
        assert!(!export.xml.contains("s3cret"));
        assert!(!export.xml.contains("topsecret"));
        assert!(
            export.left_out.iter().any(|l| l == "Profile Rule"),
            "{:?}",
            export.left_out
        );
    }

    #[test]
    fn import_keeps_unknown_elements_out_and_refuses_garbage_in_words() {
        let mut form = FormState::default();
        let file = b"<device><flat-profile><Resync_At__HHmm_>2460</Resync_At__HHmm_>\
            <Station_Name>Lobby</Station_Name></flat-profile></device>";
        let imported = import(&mut form, FirmwareLine::Mpp11, file).unwrap();
        assert_eq!(imported.known, 1);
        assert_eq!(imported.ignored, vec!["Station_Name"]);
        // Imported as an edit even though invalid: the form shows the error, Submit refuses.
        assert_eq!(form.edits.get("Resync_At__HHmm_").unwrap(), "2460");

        let error = import(&mut form, FirmwareLine::Mpp11, b"\x00\x01\x02binary").unwrap_err();
        assert!(error.to_string().contains("binary"));
        let error = import(&mut form, FirmwareLine::Mpp11, b"<a><b>1</b></a>").unwrap_err();
        assert_eq!(error, ProfileFileError::NoKnownFields);
    }
}
