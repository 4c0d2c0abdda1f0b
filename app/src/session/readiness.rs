//! The readiness check shown above the form when a phone is selected: one line per thing
//! that decides whether a change can reach the phone, each green or saying what to do, in the
//! technician's words. Computed from the phone's entry and what its last read saw
//! ([`PhoneFacts`]); nothing here talks to the phone.

pub use super::phone_facts::PhoneFacts;
use super::phones::{PhoneEntry, PhoneStatus};
use super::timeline::Stage;
use crate::profile::values::refuses_resyncs;

/// What a line says at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// Fine as it is.
    Ready,
    /// Works, but not the usual way, or not known until tried; the line says what happens.
    Note,
    /// Stops or spoils a change until it is fixed; the line says how.
    Blocked,
}

/// One line of the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessLine {
    /// What is checked ("Web admin", "Provision Enable", …).
    pub item: &'static str,
    pub state: Readiness,
    /// What was found and, unless ready, what to do.
    pub words: String,
}

impl ReadinessLine {
    fn new(item: &'static str, state: Readiness, words: impl Into<String>) -> Self {
        ReadinessLine {
            item,
            state,
            words: words.into(),
        }
    }
}

/// How far the phone's clock may be from this computer's before Resync At is doubtful. Wide,
/// because the phone shows its own time zone's time.
const CLOCK_TOLERANCE_HOURS: i64 = 26;

/// Where the guides put Provision Enable on the phone's web page.
const PROVISION_PAGE: &str = "Voice > Provisioning > Configuration Profile";

/// The lines for `entry` at `now`. Until the phone has been read, only what is known is
/// said: the other lines wait for the read.
pub fn check(entry: &PhoneEntry, now: jiff::Timestamp) -> Vec<ReadinessLine> {
    use Readiness::{Blocked, Note, Ready};
    let mut lines = Vec::new();
    let facts = entry.facts.as_ref();
    // Web admin and password first: nothing else can be known without them.
    match (&entry.status, facts) {
        (PhoneStatus::NeedsCredentials, _) => {
            lines.push(ReadinessLine::new(
                "Web admin",
                Ready,
                format!("The phone answers at {}", entry.address.short()),
            ));
            lines.push(ReadinessLine::new(
                "Password",
                Blocked,
                "The phone wants an admin password phoneprov does not have (or has wrong). \
                 Use 🔑 Password… and type the phone's admin password.",
            ));
        }
        (_, Some(facts)) => {
            lines.push(ReadinessLine::new(
                "Web admin",
                Ready,
                format!("Reachable at {}", entry.address.short()),
            ));
            lines.push(if facts.login_used {
                ReadinessLine::new("Password", Ready, "Needed, and phoneprov has it")
            } else {
                ReadinessLine::new(
                    "Password",
                    Ready,
                    "Not needed: the phone has no admin password",
                )
            });
        }
        (PhoneStatus::Failed(reason), None) => {
            lines.push(ReadinessLine::new(
                "Web admin",
                Blocked,
                format!(
                    "Not reachable: {reason}. Check that the phone is on and on this network, and \
                     its address; if its web server is set to HTTPS only, add it as https://{}",
                    entry.address.host
                ),
            ));
        }
        _ => {
            lines.push(ReadinessLine::new(
                "Web admin",
                Note,
                "Not read yet: the phone is being read",
            ));
        }
    }
    let Some(facts) = facts else {
        return lines;
    };
    let setting = |name: &str| facts.settings.get(name).map(|v| v.trim());

    // HTTPS only.
    let https_only = setting("Enable_Protocol").is_some_and(|p| p.eq_ignore_ascii_case("https"));
    lines.push(match (https_only, entry.address.is_https()) {
        (true, _) => ReadinessLine::new(
            "HTTPS only",
            Ready,
            "The phone's web server is HTTPS only; phoneprov talks HTTPS to it and remembers its \
             certificate",
        ),
        (false, true) => ReadinessLine::new(
            "HTTPS only",
            Ready,
            "Talking HTTPS; the phone's certificate is remembered on first use",
        ),
        (false, false) => ReadinessLine::new("HTTPS only", Ready, "No: the phone serves HTTP"),
    });

    // Provision Enable.
    let provision = entry
        .form
        .phone_value("Provision_Enable")
        .or(setting("Provision_Enable"));
    let refuses = provision.is_some_and(refuses_resyncs);
    lines.push(match (refuses, facts.spa) {
        (false, _) => ReadinessLine::new("Provision Enable", Ready, "Yes: the phone takes resyncs"),
        (true, false) => ReadinessLine::new(
            "Provision Enable",
            Blocked,
            format!(
                "No: the phone refuses every resync, so \"Resync now\" cannot work and changes \
                 are posted instead of pushed. To fix: set Provision Enable to Yes on the phone's \
                 web page ({PROVISION_PAGE}), or here in the form and Submit."
            ),
        ),
        (true, true) => ReadinessLine::new(
            "Provision Enable",
            Blocked,
            format!(
                "No: this SPA phone refuses resyncs and has no other way in, so phoneprov cannot \
                 change it. To fix: set Provision Enable to Yes on the phone's web page \
                 ({PROVISION_PAGE})."
            ),
        ),
    });

    // Direct-action URLs (`/admin/resync`, `/admin/config.xml`).
    lines.push(match setting("Enable_Direct_Action_Url") {
        Some(value) if value.eq_ignore_ascii_case("no") => ReadinessLine::new(
            "Direct-action URLs",
            Blocked,
            "Off: the phone refuses /admin/resync and /admin/config.xml, so phoneprov can read \
             it but not change it. To fix: set Enable Direct Action Url to Yes on the phone's web \
             page (admin login, advanced view).",
        ),
        Some(_) => ReadinessLine::new("Direct-action URLs", Ready, "On"),
        None => ReadinessLine::new(
            "Direct-action URLs",
            Note,
            "The phone does not report Enable Direct Action Url; it is on unless someone turned \
             it off",
        ),
    });

    lines.push(push_line(entry, facts, refuses));
    lines.push(clock_line(entry, facts, now));

    // A call in progress.
    let forced = entry
        .form
        .phone_value("Forced_Resync_Delay")
        .unwrap_or("14400");
    lines.push(match facts.call_active {
        Some(true) => ReadinessLine::new(
            "Call",
            Note,
            format!(
                "A call is in progress: the phone applies a change only when it ends (or after \
                 Forced Resync Delay, {forced} s). Ask the person at the desk to hang up, or wait."
            ),
        ),
        Some(false) => ReadinessLine::new("Call", Ready, "No call in progress"),
        None => ReadinessLine::new(
            "Call",
            Note,
            "The phone does not say whether it is on a call; a change waits for idle if it is",
        ),
    });
    lines
}

/// Whether the phone can fetch a push from this computer, or it will be posted instead.
fn push_line(entry: &PhoneEntry, facts: &PhoneFacts, refuses: bool) -> ReadinessLine {
    use Readiness::{Blocked, Note, Ready};
    const ITEM: &str = "Push from this computer";
    if refuses && !facts.spa {
        return ReadinessLine::new(
            ITEM,
            Note,
            "Not used: with Provision Enable = No, changes are posted to the phone instead",
        );
    }
    let fetched_before = entry
        .timeline
        .entries
        .iter()
        .rev()
        .find(|e| e.stage == Stage::Fetched);
    let fallback = if facts.spa {
        "an SPA phone has no other way in, so the change fails. To fix: let the phone reach \
         this computer (same network or routed, no firewall in between)"
    } else {
        "phoneprov posts the change instead"
    };
    match (&facts.laptop_address, fetched_before) {
        (_, Some(_)) => ReadinessLine::new(
            ITEM,
            Ready,
            "Works: the phone fetched from this computer in this session",
        ),
        (Ok(address), None) if address.is_loopback() => {
            ReadinessLine::new(ITEM, Ready, "Works: the phone runs on this computer")
        }
        (Ok(address), None) => ReadinessLine::new(
            ITEM,
            Note,
            format!(
                "Not tried yet: the phone will fetch from {address}; if it cannot reach it, \
                 {fallback}"
            ),
        ),
        (Err(reason), None) => ReadinessLine::new(
            ITEM,
            if facts.spa { Blocked } else { Note },
            format!("This computer has no route to the phone ({reason}); {fallback}"),
        ),
    }
}

/// Whether the phone's clock is good enough for a daily Resync At.
fn clock_line(entry: &PhoneEntry, facts: &PhoneFacts, now: jiff::Timestamp) -> ReadinessLine {
    use Readiness::{Blocked, Note, Ready};
    const ITEM: &str = "Clock";
    let resync_at = entry
        .form
        .phone_value("Resync_At__HHmm_")
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let resync_at_edit = entry
        .form
        .edits
        .get("Resync_At__HHmm_")
        .map(|v| v.trim())
        .filter(|v| !v.is_empty());
    let used = resync_at_edit.or(resync_at);
    let Some(clock) = facts.clock.as_deref() else {
        return ReadinessLine::new(
            ITEM,
            Note,
            "The phone does not report its time; if Resync At is used, check the date and time \
             on the phone's screen",
        );
    };
    let Some(phone_time) = parse_phone_time(clock) else {
        return ReadinessLine::new(
            ITEM,
            Note,
            format!("The phone reports its time as \"{clock}\", which phoneprov cannot read"),
        );
    };
    // The phone prints its local time with no zone: compare as if it were UTC, loosely.
    let ours = now.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    let apart = (phone_time - ours)
        .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
        .map(|d| d.as_secs().abs() / 3600)
        .unwrap_or(i64::MAX);
    let sane = phone_time.year() >= 2020 && apart <= CLOCK_TOLERANCE_HOURS;
    match (sane, used) {
        (true, Some(at)) => ReadinessLine::new(
            ITEM,
            Ready,
            format!("The phone's clock reads {clock}: Resync At {at} will happen when expected"),
        ),
        (true, None) => ReadinessLine::new(ITEM, Ready, format!("The phone's clock reads {clock}")),
        (false, Some(at)) => ReadinessLine::new(
            ITEM,
            Blocked,
            format!(
                "The phone's clock reads {clock}, far from today: Resync At {at} would run at the \
                 wrong time. To fix: give the phone a time server (NTP) or set its date and time."
            ),
        ),
        (false, None) => ReadinessLine::new(
            ITEM,
            Note,
            format!(
                "The phone's clock reads {clock}, far from today; it matters only if Resync At is \
                 used. To fix: give the phone a time server (NTP)."
            ),
        ),
    }
}

/// `MM/DD/YY HH:MM:SS` (MPP status pages) or `M/D/YYYY HH:MM:SS` (SPA ATAs).
fn parse_phone_time(text: &str) -> Option<jiff::civil::DateTime> {
    let (date, time) = text.trim().split_once(' ')?;
    let mut date = date.split('/').map(|p| p.trim().parse::<i16>().ok());
    let (month, day, year) = (date.next()??, date.next()??, date.next()??);
    let year = if year < 100 { 2000 + year } else { year };
    let mut time = time.trim().split(':').map(|p| p.parse::<i8>().ok());
    let (hour, minute) = (time.next()??, time.next()??);
    let second = time.next().flatten().unwrap_or(0);
    jiff::civil::DateTime::new(
        year,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        hour,
        minute,
        second,
        0,
    )
    .ok()
}

/// Whether any line stops a change.
pub fn blocked(lines: &[ReadinessLine]) -> bool {
    lines.iter().any(|l| l.state == Readiness::Blocked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{PhoneAddress, PhoneList};

    const NOW: i64 = 1_800_000_000; // 2027-01-15 08:00:00 UTC

    fn now() -> jiff::Timestamp {
        jiff::Timestamp::from_second(NOW).unwrap()
    }

    fn facts(settings: &[(&str, &str)]) -> PhoneFacts {
        PhoneFacts {
            settings: settings
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            call_active: Some(false),
            clock: Some("01/15/27 09:30:00".to_string()),
            login_used: false,
            spa: false,
            laptop_address: Ok("10.0.0.2".parse().unwrap()),
            read_at: now(),
        }
    }

    fn entry(values: &[(&str, &str)], facts: Option<PhoneFacts>) -> PhoneEntry {
        let mut list = PhoneList::default();
        let id = list
            .add_manual(PhoneAddress::parse("10.0.0.9").unwrap())
            .id();
        let mut entry = list.get(id).unwrap().clone();
        entry.form.load_phone_values(
            values
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        );
        entry.status = PhoneStatus::Reachable;
        entry.facts = facts;
        entry
    }

    fn line<'a>(lines: &'a [ReadinessLine], item: &str) -> &'a ReadinessLine {
        lines
            .iter()
            .find(|l| l.item == item)
            .unwrap_or_else(|| panic!("no line {item} in {lines:#?}"))
    }

    #[test]
    fn a_phone_with_the_defaults_is_ready_on_every_line_but_the_untried_push() {
        let facts = facts(&[
            ("Enable_Direct_Action_Url", "Yes"),
            ("Enable_Protocol", "Http"),
        ]);
        let lines = check(&entry(&[("Provision_Enable", "Yes")], Some(facts)), now());
        let items: Vec<_> = lines.iter().map(|l| l.item).collect();
        assert_eq!(
            items,
            [
                "Web admin",
                "Password",
                "HTTPS only",
                "Provision Enable",
                "Direct-action URLs",
                "Push from this computer",
                "Clock",
                "Call"
            ]
        );
        for line in &lines {
            let expected = if line.item == "Push from this computer" {
                Readiness::Note
            } else {
                Readiness::Ready
            };
            assert_eq!(line.state, expected, "{line:?}");
        }
        assert!(
            line(&lines, "Push from this computer")
                .words
                .contains("10.0.0.2")
        );
        assert!(!blocked(&lines));
    }

    #[test]
    fn provision_enable_no_says_where_to_turn_it_on_and_that_changes_are_posted() {
        let lines = check(
            &entry(&[("Provision_Enable", "No")], Some(facts(&[]))),
            now(),
        );
        let provision = line(&lines, "Provision Enable");
        assert_eq!(provision.state, Readiness::Blocked);
        assert!(
            provision.words.contains(PROVISION_PAGE),
            "{}",
            provision.words
        );
        assert!(provision.words.contains("posted"), "{}", provision.words);
        let push = line(&lines, "Push from this computer");
        assert_eq!(push.state, Readiness::Note);
        assert!(push.words.contains("posted"), "{}", push.words);
        // The same rule the engine uses: "no" in any case refuses.
        let lines = check(
            &entry(&[("Provision_Enable", "no ")], Some(facts(&[]))),
            now(),
        );
        assert_eq!(line(&lines, "Provision Enable").state, Readiness::Blocked);
    }

    #[test]
    fn a_phone_that_wants_a_password_says_to_give_it_and_nothing_more() {
        let mut entry = entry(&[], None);
        entry.status = PhoneStatus::NeedsCredentials;
        let lines = check(&entry, now());
        assert_eq!(lines.len(), 2);
        assert_eq!(line(&lines, "Web admin").state, Readiness::Ready);
        let password = line(&lines, "Password");
        assert_eq!(password.state, Readiness::Blocked);
        assert!(
            password.words.contains("🔑 Password…"),
            "{}",
            password.words
        );
        // Once read with the saved password, the line is green and says so.
        let mut known = facts(&[]);
        known.login_used = true;
        let mut entry = super::tests::entry(&[], Some(known));
        entry.status = PhoneStatus::Reachable;
        let lines = check(&entry, now());
        assert_eq!(line(&lines, "Password").state, Readiness::Ready);
        assert!(line(&lines, "Password").words.contains("phoneprov has it"));
    }

    #[test]
    fn an_unreachable_phone_says_what_to_check() {
        let mut entry = entry(&[], None);
        entry.status = PhoneStatus::Failed("connection refused".into());
        let lines = check(&entry, now());
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].state, Readiness::Blocked);
        assert!(lines[0].words.contains("connection refused"));
        assert!(
            lines[0].words.contains("https://10.0.0.9"),
            "{}",
            lines[0].words
        );
    }

    #[test]
    fn direct_action_urls_off_blocks_with_the_setting_to_change() {
        let lines = check(
            &entry(&[], Some(facts(&[("Enable_Direct_Action_Url", "No")]))),
            now(),
        );
        let direct = line(&lines, "Direct-action URLs");
        assert_eq!(direct.state, Readiness::Blocked);
        assert!(direct.words.contains("Enable Direct Action Url"));
        assert!(blocked(&lines));
    }

    #[test]
    fn https_only_is_said() {
        let lines = check(
            &entry(&[], Some(facts(&[("Enable_Protocol", "Https")]))),
            now(),
        );
        assert!(line(&lines, "HTTPS only").words.contains("HTTPS only"));
    }

    #[test]
    fn push_is_proven_by_a_fetch_or_a_phone_on_this_computer_and_an_spa_without_route_is_blocked() {
        let mut entry = entry(&[], Some(facts(&[])));
        entry
            .timeline
            .push(now(), Stage::Fetched, "Profile fetched by the phone");
        let lines = check(&entry, now());
        assert_eq!(
            line(&lines, "Push from this computer").state,
            Readiness::Ready
        );

        let mut local = facts(&[]);
        local.laptop_address = Ok("127.0.0.1".parse().unwrap());
        let lines = check(&super::tests::entry(&[], Some(local)), now());
        assert_eq!(
            line(&lines, "Push from this computer").state,
            Readiness::Ready
        );

        let mut spa = facts(&[]);
        spa.spa = true;
        spa.laptop_address = Err("network unreachable".into());
        let lines = check(&super::tests::entry(&[], Some(spa)), now());
        let push = line(&lines, "Push from this computer");
        assert_eq!(push.state, Readiness::Blocked);
        assert!(push.words.contains("network unreachable"));
    }

    #[test]
    fn a_clock_far_from_today_blocks_resync_at_only_when_it_is_used() {
        let mut wrong = facts(&[]);
        wrong.clock = Some("01/01/70 00:03:10".into());
        let lines = check(
            &entry(&[("Resync_At__HHmm_", "0230")], Some(wrong.clone())),
            now(),
        );
        let clock = line(&lines, "Clock");
        assert_eq!(clock.state, Readiness::Blocked);
        assert!(clock.words.contains("NTP"), "{}", clock.words);
        let lines = check(
            &entry(&[("Resync_At__HHmm_", "")], Some(wrong.clone())),
            now(),
        );
        assert_eq!(line(&lines, "Clock").state, Readiness::Note);
        // An edit that sets Resync At counts too.
        let mut edited = entry(&[("Resync_At__HHmm_", "")], Some(wrong));
        edited
            .form
            .edits
            .insert("Resync_At__HHmm_".into(), "0300".into());
        assert_eq!(
            line(&check(&edited, now()), "Clock").state,
            Readiness::Blocked
        );
        // The SPA ATA's spelling, with the four-digit year.
        let mut spa = facts(&[]);
        spa.clock = Some("1/15/2027 7:17:55".into());
        let lines = check(&entry(&[("Resync_At__HHmm_", "0230")], Some(spa)), now());
        assert_eq!(line(&lines, "Clock").state, Readiness::Ready);
    }

    #[test]
    fn a_call_in_progress_says_the_change_waits() {
        let mut busy = facts(&[]);
        busy.call_active = Some(true);
        let lines = check(
            &entry(&[("Forced_Resync_Delay", "1800")], Some(busy)),
            now(),
        );
        let call = line(&lines, "Call");
        assert_eq!(call.state, Readiness::Note);
        assert!(call.words.contains("1800 s"), "{}", call.words);
    }
}
