//! Crash safety: a real process writing phoneprov's kept files (the window's state, the known
//! phones, the certificate pins, snapshots) is killed with SIGKILL at many points; after each
//! kill every file must still load with phoneprov's own loader and hold either what it held
//! before or what the killed process was writing, never a mix or a fragment.
//!
//! The writer is this test binary itself, started again with `--ignored --exact writer_child`
//! and the directory in an environment variable, so it is a separate process the kernel kills
//! mid-write, using the same code the app does.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use phoneprov::discovery::KnownPhones;
use phoneprov::identity::{Mac, PhoneIdentity};
use phoneprov::phone::PhoneAddress;
use phoneprov::phone::trust::TrustStore;
use phoneprov::provision::history::{History, Snapshot};
use phoneprov::session::persist::{SavedState, StateFile};

const DIR_ENV: &str = "PHONEPROV_CRASH_WRITER_DIR";
const START_ENV: &str = "PHONEPROV_CRASH_WRITER_START";
/// How many writers are started and killed.
const KILLS: u64 = 200;
/// Enough entries that each file takes several write calls (tens of kilobytes), so a kill
/// often lands inside one.
const PHONES: usize = 120;
const SNAPSHOT_VALUES: usize = 400;

fn state_file(dir: &Path) -> StateFile {
    StateFile::in_dir(dir)
}

fn known_path(dir: &Path) -> PathBuf {
    dir.join("known-phones.json")
}

fn trust_path(dir: &Path) -> PathBuf {
    dir.join("trusted-certificates.json")
}

fn mac(i: usize) -> Mac {
    Mac([0x00, 0x0e, 0x08, 0, (i >> 8) as u8, i as u8])
}

/// Generation `g` of every file, written in a fixed order; `gen g` is printed once all are.
fn write_generation(dir: &Path, g: u64) {
    let mut state = SavedState::default();
    for i in 0..PHONES {
        let address = PhoneAddress::parse(&format!("10.0.{}.{}", i / 250, i % 250 + 1)).unwrap();
        let id = match state.phones.add_manual(address) {
            phoneprov::session::phones::Added::New(id)
            | phoneprov::session::phones::Added::Existing(id) => id,
        };
        state.phones.rename(id, &format!("gen-{g}-phone-{i}"));
    }
    state_file(dir).save(&state).unwrap();

    KnownPhones::update(known_path(dir), |known| {
        for i in 0..PHONES {
            known.set_name(mac(i), Some(format!("gen-{g}-phone-{i}")));
        }
        true
    })
    .unwrap();

    let trust = TrustStore::open(trust_path(dir)).unwrap();
    trust
        .check(&format!("phone-{g}"), format!("certificate {g}").as_bytes())
        .unwrap();

    let values: BTreeMap<String, String> = (0..SNAPSHOT_VALUES)
        .map(|i| (format!("Param_{i}_"), format!("gen-{g} value {i}")))
        .collect();
    let snapshot = Snapshot::new(
        "10.0.0.5:80",
        &PhoneIdentity::default(),
        &format!("gen-{g}"),
        &values,
    );
    History::new(dir).save(&snapshot).unwrap();
    println!("gen {g}");
}

/// The writer process: writes generation after generation until it is killed. Does nothing
/// when run by hand.
#[test]
#[ignore = "the writer process of killed_writers_leave_old_or_new_files, started by it"]
fn writer_child() {
    let Some(dir) = std::env::var_os(DIR_ENV) else {
        return;
    };
    let mut g: u64 = std::env::var(START_ENV).unwrap().parse().unwrap();
    loop {
        write_generation(Path::new(&dir), g);
        g += 1;
    }
}

fn spawn_writer(dir: &Path, start: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "writer_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DIR_ENV, dir)
        .env(START_ENV, start.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The one generation a file's names carry (`gen-G-…`); a file mixing two is a fragment.
fn one_generation<'a>(what: &str, names: impl Iterator<Item = &'a str>) -> Option<u64> {
    let generations: std::collections::BTreeSet<u64> = names
        .map(|name| {
            name.strip_prefix("gen-")
                .and_then(|rest| rest.split('-').next())
                .and_then(|g| g.parse().ok())
                .unwrap_or_else(|| panic!("{what}: a name not written by the writer: {name:?}"))
        })
        .collect();
    assert!(
        generations.len() <= 1,
        "{what} mixes generations {generations:?}"
    );
    generations.into_iter().next()
}

/// What the files hold now, read with phoneprov's loaders. Panics on anything unreadable.
struct Found {
    state: Option<u64>,
    known: Option<u64>,
    /// Every snapshot's generation.
    snapshots: Vec<u64>,
}

fn read_all(dir: &Path) -> Found {
    let state = state_file(dir)
        .load()
        .unwrap_or_else(|e| panic!("the state file does not load: {e}"));
    let state_names: Vec<String> = state
        .phones
        .entries
        .iter()
        .map(|e| e.name.clone())
        .collect();
    if !state_names.is_empty() {
        assert_eq!(state_names.len(), PHONES, "the state file lost phones");
    }
    let known = KnownPhones::load(known_path(dir))
        .unwrap_or_else(|e| panic!("the known phones do not load: {e}"));
    if !known.is_empty() {
        assert_eq!(known.len(), PHONES, "the known phones lost entries");
    }
    TrustStore::open(trust_path(dir))
        .unwrap_or_else(|e| panic!("the certificate pins do not load: {e}"));

    let mut snapshots = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir.join("history")) {
        for path in entries.map(|e| e.unwrap().path()) {
            if path.extension().is_none_or(|x| x != "json") {
                continue; // a temporary file a killed writer left behind, never read
            }
            let bytes = std::fs::read(&path).unwrap();
            let snapshot: Snapshot = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{} is not a whole snapshot: {e}", path.display()));
            assert_eq!(snapshot.values.len(), SNAPSHOT_VALUES);
            let g = one_generation("a snapshot", std::iter::once(snapshot.reason.as_str()));
            snapshots.push(g.unwrap());
        }
    }
    snapshots.sort_unstable();
    Found {
        state: one_generation("the state file", state_names.iter().map(String::as_str)),
        known: one_generation(
            "the known phones",
            known.phones().filter_map(|p| p.name.as_deref()),
        ),
        snapshots,
    }
}

#[test]
fn killed_writers_leave_old_or_new_files() {
    // In memory where the system allows: a kill (unlike a power cut) leaves the system's
    // cache intact, so syncing to a disk adds only time here.
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
    .unwrap();
    let dir = dir.path();
    let mut before = read_all(dir);
    let mut next_start = 0;
    let mut killed_before_first_report = 0;
    for kill in 0..KILLS {
        let start = next_start;
        let mut writer = spawn_writer(dir, start);
        let mut lines = BufReader::new(writer.stdout.take().unwrap())
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| l.strip_prefix("gen ").and_then(|g| g.parse::<u64>().ok()));
        // Kill after 0–2 finished generations, then a varied moment into the next one (a
        // generation takes tens of milliseconds), so the kills land all over the writes. The
        // delay only chooses the moment; nothing is timed.
        let mut finished: Vec<u64> = Vec::new();
        for _ in 0..kill % 3 {
            finished.push(lines.next().expect("the writer stopped on its own"));
        }
        std::thread::sleep(Duration::from_micros((kill * 7919) % 40_000));
        writer.kill().unwrap(); // SIGKILL
        writer.wait().unwrap();
        // What it finished before dying is still in the pipe.
        finished.extend(lines);
        let last_finished = finished.last().copied();
        if last_finished.is_none() {
            killed_before_first_report += 1;
        }
        // Written by this writer: any generation from `start` on (the last it reported may
        // be followed by one it finished but had no time to report, and one in progress).
        let new = |g: u64| g >= start;

        let after = read_all(dir);
        for (what, old, now) in [
            ("the state file", before.state, after.state),
            ("the known phones", before.known, after.known),
        ] {
            assert!(
                now == old || now.is_some_and(new),
                "kill {kill}: {what} holds generation {now:?}; before it was {old:?}, the \
                 writer started at {start}"
            );
            if let Some(g) = last_finished {
                assert!(
                    now >= Some(g),
                    "kill {kill}: {what} lost finished generation {g}"
                );
            }
        }
        let pins = TrustStore::open(trust_path(dir)).unwrap();
        if let Some(g) = last_finished {
            assert!(
                pins.get(&format!("phone-{g}")).is_some(),
                "kill {kill}: pin {g} lost"
            );
        }
        // Snapshots are new files: the old ones untouched, new ones whole.
        assert!(
            after.snapshots.starts_with(&before.snapshots),
            "kill {kill}"
        );
        assert!(
            after.snapshots[before.snapshots.len()..]
                .iter()
                .all(|&g| new(g)),
            "kill {kill}: {:?}",
            after.snapshots
        );
        next_start = [
            after.state,
            after.known,
            after.snapshots.last().copied(),
            last_finished,
        ]
        .into_iter()
        .flatten()
        .max()
        .map_or(start, |g| g + 1)
        .max(start + 1);
        before = after;
    }
    // The kills landed both before and after whole generations.
    assert!(killed_before_first_report > 0 && killed_before_first_report < KILLS);
    assert!(before.state.is_some(), "no generation was ever written");
}
