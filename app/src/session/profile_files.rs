//! `<flat-profile>` files from and to a phone's form: export the form (or only the changes),
//! import a file as edits. Secrets never go into an exported file. An imported file's names
//! are understood among the phone's own ([`crate::profile::names`]); names the phone does not
//! have hold the whole import back until the technician chooses to leave them out.

use super::form::FormState;
use crate::identity::FirmwareLine;
use crate::profile::names::{KnownNames, Resolved, UnknownName, resolve};
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
    /// Nothing was imported: these names are not the phone's. Importing again with
    /// `skip_unknown` leaves them out.
    #[error(
        "nothing was imported: the phone has no parameter named {}",
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    UnknownNames(Vec<UnknownName>),
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
    /// Elements the phone has that are not fields of this page (kept out of the form).
    pub ignored: Vec<String>,
    /// Names the phone does not have, left out as the technician chose.
    pub skipped: Vec<UnknownName>,
    /// Names understood as another element: `"Resync Periodic" means Resync_Periodic`.
    pub meant: Vec<String>,
    /// Problems the lenient reader noticed, in words.
    pub problems: Vec<String>,
}

/// An import held back because the file has names the phone does not have: what the
/// window's import review shows, and what it needs to import the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReview {
    pub file: String,
    pub bytes: Vec<u8>,
    pub unknown: Vec<UnknownName>,
}

/// Reads a `<flat-profile>` (or a phone's dump) and sets its fields as edits, each name
/// understood among the phone's own names (the schema's for `line` before the phone was
/// read). Names the phone does not have refuse the whole import
/// ([`ProfileFileError::UnknownNames`]) unless `skip_unknown`. Nothing is sent; the form
/// validates the edits like typed values. A file that cannot be
/// read (not XML, binary, too large, a DTD) changes nothing in the form.
pub fn import(
    form: &mut FormState,
    line: FirmwareLine,
    bytes: &[u8],
    skip_unknown: bool,
) -> Result<Imported, ProfileFileError> {
    if bytes.len() as u64 > xml::MAX_PROFILE_BYTES {
        return Err(ProfileFileError::TooLarge(
            bytes.len() as u64 / (1024 * 1024),
        ));
    }
    let document = xml::read_document_bytes(bytes)?;
    let known = match &form.phone_values {
        Some(values) => KnownNames::new(values.keys()),
        None => KnownNames::schema(Some(line)),
    };
    let mut values = ProfileValues::new(line);
    let mut unknown: Vec<UnknownName> = Vec::new();
    let mut meant = Vec::new();
    for element in &document.elements {
        let resolved = resolve(&element.name, &known);
        meant.extend(resolved.meaning());
        match resolved {
            Resolved::Exact(name) | Resolved::Meant { element: name, .. } => {
                values.set(&name, &element.value)
            }
            Resolved::Unknown(name) if !unknown.contains(&name) => unknown.push(name),
            Resolved::Unknown(_) => {}
        }
    }
    if !unknown.is_empty() && !skip_unknown {
        return Err(ProfileFileError::UnknownNames(unknown));
    }
    let fields: Vec<(&'static str, String)> = values
        .known()
        .filter(|(def, _)| !def.read_only)
        .map(|(def, value)| (def.element, value.to_string()))
        .collect();
    if fields.is_empty() {
        return Err(ProfileFileError::NoKnownFields);
    }
    let ignored = values.unknown().map(|(name, _)| name.to_string()).collect();
    let changes = form.import(fields.iter().map(|(e, v)| (*e, v.as_str())));
    Ok(Imported {
        changes,
        known: fields.len(),
        ignored,
        skipped: unknown,
        meant,
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
            let error = import(&mut form, FirmwareLine::Mpp11, bytes, false).unwrap_err();
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
        let imported = import(
            &mut other,
            FirmwareLine::Mpp11,
            export.xml.as_bytes(),
            false,
        )
        .unwrap();
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
    fn import_keeps_other_pages_elements_out_and_refuses_garbage_in_words() {
        let mut form = FormState::default();
        form.load_phone_values(
            [("Resync_At__HHmm_", ""), ("Station_Name", "")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        );
        let file = b"<device><flat-profile><Resync_At__HHmm_>2460</Resync_At__HHmm_>\
            <Station_Name>Lobby</Station_Name></flat-profile></device>";
        let imported = import(&mut form, FirmwareLine::Mpp11, file, false).unwrap();
        assert_eq!(imported.known, 1);
        assert_eq!(imported.ignored, vec!["Station_Name"]);
        // Imported as an edit even though invalid: the form shows the error, Submit refuses.
        assert_eq!(form.edits.get("Resync_At__HHmm_").unwrap(), "2460");

        let error =
            import(&mut form, FirmwareLine::Mpp11, b"\x00\x01\x02binary", false).unwrap_err();
        assert!(error.to_string().contains("binary"));
        let error = import(&mut form, FirmwareLine::Mpp11, b"<a><b>1</b></a>", true).unwrap_err();
        assert_eq!(error, ProfileFileError::NoKnownFields);
    }

    #[test]
    fn names_the_phone_lacks_hold_the_import_back_until_left_out() {
        let mut form = FormState::default();
        form.load_phone_values(
            [("Resync_Periodic", "3600"), ("Resync_At__HHmm_", "")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        );
        let file = b"<flat-profile><Resync_Periodic>7200</Resync_Periodic>\
            <Resync_At_HHmm_>0230</Resync_At_HHmm_><Other_Model>1</Other_Model></flat-profile>";
        let error = import(&mut form, FirmwareLine::Mpp11, file, false).unwrap_err();
        let ProfileFileError::UnknownNames(unknown) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(unknown.len(), 2);
        assert!(
            error
                .to_string()
                .contains("Resync_At_HHmm_ (did you mean `Resync_At__HHmm_`?)"),
            "{error}"
        );
        assert!(form.edits.is_empty(), "nothing imported: {:?}", form.edits);

        let imported = import(&mut form, FirmwareLine::Mpp11, file, true).unwrap();
        assert_eq!(imported.skipped.len(), 2);
        assert_eq!(imported.changes, 1);
        assert_eq!(form.edits.get("Resync_Periodic").unwrap(), "7200");
        assert!(!form.edits.contains_key("Resync_At__HHmm_"));
    }
}
