//! The window against a hostile phone (issue 11): while a phone that never answers, or
//! answers one byte a second, is being read, the technician goes on working in the window:
//! another phone is opened and a value typed into it, before phoneprov has given up on the
//! hostile one. The hostile phone then ends in an error in words on its row, and what was
//! typed is still there.
//!
//! "Before phoneprov has given up" is an order, not a time: the hostile server notes when the
//! app closes its connection (its request timeout, 10 s); if the window waited on the
//! network, the typing could only happen after that.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use phoneprov::gui::Shell;
use phoneprov::session::PhoneStatus;

mod gui_common;
use gui_common::{DemoWindow, demo_app, replace_in, type_into, wait_for};

/// How the hostile server treats each connection.
#[derive(Clone, Copy)]
enum Wire {
    /// Reads the request and never answers.
    Silent,
    /// Answers one byte a second.
    Trickle,
}

/// A raw HTTP server on 127.0.0.1 that counts requests and notes when the client gave up on
/// one (closed the connection before a complete answer, which it never gets).
struct HostilePhone {
    address: SocketAddr,
    requests: Arc<AtomicUsize>,
    gave_up: Arc<AtomicBool>,
}

impl HostilePhone {
    fn start(wire: Wire) -> HostilePhone {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let gave_up = Arc::new(AtomicBool::new(false));
        let (counted, noted) = (requests.clone(), gave_up.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (counted, noted) = (counted.clone(), noted.clone());
                std::thread::spawn(move || serve(stream, wire, &counted, &noted));
            }
        });
        HostilePhone {
            address,
            requests,
            gave_up,
        }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    fn gave_up(&self) -> bool {
        self.gave_up.load(Ordering::SeqCst)
    }
}

fn serve(mut stream: TcpStream, wire: Wire, requests: &AtomicUsize, gave_up: &AtomicBool) {
    let mut request = vec![0u8; 8192];
    if !matches!(stream.read(&mut request), Ok(n) if n > 0) {
        return;
    }
    requests.fetch_add(1, Ordering::SeqCst);
    match wire {
        Wire::Silent => {
            // The next read ends only when the client closes the connection.
            let _ = stream.read(&mut request);
        }
        Wire::Trickle => {
            let answer =
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 100000\r\n\r\n"
                    .to_string()
                    + &"<".repeat(100_000);
            for byte in answer.bytes() {
                if stream.write_all(&[byte]).is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
    gave_up.store(true, Ordering::SeqCst);
}

fn hostile_row(shell: &Shell, address: SocketAddr) -> Option<&phoneprov::session::PhoneEntry> {
    shell
        .phones()
        .entries
        .iter()
        .find(|e| e.address.short() == address.to_string())
}

fn the_window_stays_usable_while(wire: Wire) {
    let dir = tempfile::tempdir().unwrap();
    let (mut harness, _controls) = demo_app(dir.path(), DemoWindow::default());
    harness.run();
    let hostile = HostilePhone::start(wire);
    let address = hostile.address.to_string();

    // Add the hostile phone: it is read at once, in the background.
    type_into(&mut harness, "Add by address:", &address);
    harness.get_by_label("Add").click();
    harness.run();
    wait_for(&mut harness, 10, "the hostile phone is asked", |_| {
        hostile.requests() > 0
    });

    // Meanwhile: open another phone, wait for its values, type a value into it.
    harness.get_by_label_contains("Reception").click();
    harness.run();
    wait_for(&mut harness, 20, "Reception is read", |shell| {
        shell
            .phones()
            .selected_entry()
            .is_some_and(|e| e.form.phone_values.is_some())
    });
    replace_in(&mut harness, "Resync Periodic", "7200");
    let typed = |harness: &Harness<'_, Shell>| {
        harness
            .state()
            .phones()
            .entries
            .iter()
            .find(|e| e.display_name() == "Reception")
            .and_then(|e| e.form.edits.get("Resync_Periodic").cloned())
    };
    assert_eq!(typed(&harness).as_deref(), Some("7200"));
    assert!(
        harness
            .get_by_label("Resync Periodic")
            .value()
            .is_some_and(|v| v.contains("7200")),
        "the field shows what was typed"
    );
    assert!(
        !hostile.gave_up(),
        "the window took the typing only after phoneprov gave up on the hostile phone: it \
         waited on the network"
    );
    let status = hostile_row(harness.state(), hostile.address).map(|e| e.status.clone());
    assert_eq!(status, Some(PhoneStatus::NotContacted), "still being read");

    // The hostile phone ends in words; the typing is kept.
    wait_for(&mut harness, 40, "the hostile phone fails", |shell| {
        hostile_row(shell, hostile.address)
            .is_some_and(|e| matches!(e.status, PhoneStatus::Failed(_)))
    });
    let Some(PhoneStatus::Failed(reason)) =
        hostile_row(harness.state(), hostile.address).map(|e| e.status.clone())
    else {
        unreachable!()
    };
    assert!(
        reason.contains(&format!("the phone at {address} did not answer"))
            && reason.contains("within 10 s"),
        "{reason}"
    );
    harness.get_by_label_contains(&format!("{address}, failed"));
    // The connection was closed, not left open (a trickling server notices at its next byte).
    wait_for(
        &mut harness,
        10,
        "the hostile phone's connection closed",
        |_| hostile.gave_up(),
    );
    assert_eq!(typed(&harness).as_deref(), Some("7200"));
}

#[test]
fn the_window_stays_usable_while_a_phone_never_answers() {
    the_window_stays_usable_while(Wire::Silent);
}

#[test]
fn the_window_stays_usable_while_a_phone_answers_one_byte_a_second() {
    the_window_stays_usable_while(Wire::Trickle);
}
