//! A configuration or status answer checked whole before anything is read from it. A phone
//! that answers with its login page, a web page, a cut-off or broken document, a DTD, another
//! document or binary data has not been read: that is an error naming what came back, never
//! an empty or partial reading. The exceptions are the layouts real phones write (namespaces,
//! CRLF, comments, `group`/`ua` attributes, the SPA ATA status layout) and the status page's
//! `Reboot_History` block, which Cisco's own example writes not well-formed.

use super::client::Answer;
use super::error::{PageKind, PageProblem, PhoneError};
use super::host::HostSeen;
use crate::profile::xml::read::NOT_CLOSED;
use crate::profile::xml::{Document, XmlReadError, read_document};

/// Reads `answer` (a 2xx answer to `path`) as the page `page`, whole or not at all.
pub fn read_page(
    phone: &str,
    path: &str,
    page: PageKind,
    answer: &Answer,
) -> Result<Document, PhoneError> {
    let unreadable = |problem| PhoneError::Unreadable {
        phone: phone.to_string(),
        path: path.to_string(),
        page,
        problem,
    };
    let text = decode(&answer.body).map_err(unreadable)?;
    let document = match read_document(&text) {
        Ok(document) => document,
        Err(XmlReadError::Html) => return Err(web_page(phone, path, page, answer, &text)),
        Err(XmlReadError::Empty) => return Err(unreadable(PageProblem::Empty)),
        Err(XmlReadError::Binary) => return Err(unreadable(PageProblem::Binary)),
        Err(XmlReadError::Dtd) => return Err(unreadable(PageProblem::Dtd)),
        Err(e @ (XmlReadError::NotXml | XmlReadError::Malformed { .. })) => {
            let seen = HostSeen::of(answer.server.as_deref(), &answer.body);
            if !document_started(&text) && !seen.is_phone() {
                return Err(PhoneError::NotAPhone {
                    phone: phone.to_string(),
                    seen: seen.describe(),
                });
            }
            return Err(unreadable(PageProblem::Malformed(e.to_string())));
        }
    };
    let root = document.root.clone().unwrap_or_default();
    if !page.roots().contains(&root.as_str()) {
        return Err(unreadable(PageProblem::OtherRoot(root)));
    }
    if let Some(problem) = first_intolerable_problem(&document, &text, page) {
        return Err(unreadable(PageProblem::Malformed(problem)));
    }
    if !document.root_closed {
        return Err(unreadable(PageProblem::Truncated {
            bytes: answer.body.len(),
        }));
    }
    if !document.elements.iter().any(|e| page.always_has(&e.name)) {
        return Err(unreadable(PageProblem::NoKnownFields));
    }
    Ok(document)
}

/// Text that starts like XML (`<?xml`, `<!--` or a tag): a broken document rather than some
/// other service's plain-text answer.
fn document_started(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('<')
}

/// The body as text: UTF-8 (invalid sequences replaced, as phones write Latin-1 into some
/// names), or Latin-1 when the XML declaration says so; UTF-16 and other declared
/// character sets are refused.
fn decode(body: &[u8]) -> Result<String, PageProblem> {
    if body.starts_with(&[0xFF, 0xFE]) || body.starts_with(&[0xFE, 0xFF]) {
        return Err(PageProblem::Charset("UTF-16".to_string()));
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(200)]).to_ascii_lowercase();
    let declared = head
        .strip_prefix('\u{feff}')
        .unwrap_or(&head)
        .trim_start()
        .strip_prefix("<?xml")
        .and_then(|rest| rest.split_once("?>"))
        .and_then(|(declaration, _)| declaration.split_once("encoding"))
        .and_then(|(_, rest)| {
            let rest = rest.trim_start().strip_prefix('=')?.trim_start();
            let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
            rest[1..].split(quote).next().map(str::to_string)
        });
    match declared.as_deref() {
        None | Some("utf-8" | "utf8" | "us-ascii" | "ascii") => {
            Ok(String::from_utf8_lossy(body).into_owned())
        }
        Some("iso-8859-1" | "latin1" | "latin-1" | "iso8859-1") => {
            Ok(body.iter().map(|&b| char::from(b)).collect())
        }
        Some(other) => Err(PageProblem::Charset(other.to_string())),
    }
}

/// A web page where XML was asked for: the login page, a phone's other page, or a device
/// that is no phone at all.
fn web_page(phone: &str, path: &str, page: PageKind, answer: &Answer, text: &str) -> PhoneError {
    let seen = HostSeen::of(answer.server.as_deref(), &answer.body);
    if is_login_form(text) {
        return PhoneError::LoginPage {
            phone: phone.to_string(),
            path: path.to_string(),
        };
    }
    if !seen.is_phone() {
        return PhoneError::NotAPhone {
            phone: phone.to_string(),
            seen: seen.describe(),
        };
    }
    PhoneError::Unreadable {
        phone: phone.to_string(),
        path: path.to_string(),
        page,
        problem: PageProblem::WebPage(seen.title),
    }
}

/// A page with a password field is a login form.
fn is_login_form(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["type=\"password\"", "type='password'", "type=password"]
        .iter()
        .any(|needle| lower.contains(needle))
}

/// The first problem the page may not have. A status page's `Reboot_History` block is
/// allowed to be broken (Cisco's own example of it is): problems from its opening tag up to
/// the first element after it that is not a `Reboot_…` element are passed over. In a
/// document cut off in transit, the elements left open and the cut on the last line are
/// the cut's marks, said as the cut (not as broken XML).
fn first_intolerable_problem(document: &Document, text: &str, page: PageKind) -> Option<String> {
    let tolerated = match page {
        PageKind::Config => None,
        PageKind::Status => reboot_history_lines(document, text),
    };
    let last_line = text.trim_end().matches('\n').count() + 1;
    let marks_the_cut = |problem: &str, line: usize| {
        !document.root_closed && (problem.ends_with(NOT_CLOSED) || line >= last_line)
    };
    document
        .problems
        .iter()
        .zip(&document.problem_lines)
        .find(|(problem, line)| {
            !tolerated.is_some_and(|(from, to)| (from..to).contains(*line))
                && !marks_the_cut(problem, **line)
        })
        .map(|(problem, _)| problem.clone())
}

/// The lines of the `Reboot_History` block: from its opening tag to the line of the first
/// element after it that is not a `Reboot_…` element (the end of the document if none).
fn reboot_history_lines(document: &Document, text: &str) -> Option<(usize, usize)> {
    let start = text.find("<Reboot_History")?;
    let from = text[..start].matches('\n').count() + 1;
    let to = document
        .elements
        .iter()
        .filter(|e| e.line > from && !e.name.starts_with("Reboot_"))
        .map(|e| e.line)
        .min()
        .unwrap_or(usize::MAX);
    Some((from, to))
}

#[cfg(test)]
#[path = "page_tests.rs"]
mod tests;
