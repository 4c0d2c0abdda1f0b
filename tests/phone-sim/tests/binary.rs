//! The real `phone-sim` binary: ready lines, one phone per --listen, distinct MACs, SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;

#[tokio::test]
async fn binary_starts_one_phone_per_listen_and_prints_ready_lines() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_phone-sim"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--listen",
            "127.0.0.1:0",
            "--model",
            "CP-7841-3PCC",
            "--firmware",
            "12.0.1",
            "--admin-password",
            "pw",
            "--reboot-secs",
            "0.5",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .take(2)
            .map(Result::unwrap)
            .collect::<Vec<_>>()
    });
    let lines = tokio::time::timeout(std::time::Duration::from_secs(20), lines)
        .await
        .expect("no ready lines within 20 s")
        .unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let mut macs = Vec::new();
    for line in &lines {
        // ready http://127.0.0.1:PORT mac=… model=…
        let parts: Vec<&str> = line.split(' ').collect();
        assert_eq!(parts[0], "ready", "{line}");
        assert_eq!(parts[3], "model=CP-7841-3PCC", "{line}");
        let mac = parts[2].strip_prefix("mac=").unwrap().to_string();
        let (status, _) = get(&format!("{}/admin/cfg.xml", parts[1])).await;
        assert_eq!(status, 401, "the password asks for xpassword");
        let (status, xml) = get(&format!(
            "{}/admin/status.xml?xuser=admin&xpassword=pw",
            parts[1]
        ))
        .await;
        assert_eq!(status, 200);
        assert_eq!(element(&xml, "MAC_Address").unwrap().to_lowercase(), mac);
        assert_eq!(
            element(&xml, "Software_Version").as_deref(),
            Some("sip78xx.12-0-1MPP-1")
        );
        macs.push(mac);
    }
    assert_ne!(macs[0], macs[1]);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(
        status.success(),
        "SIGTERM ends phone-sim cleanly: {status:?}"
    );
}

#[test]
fn binary_refuses_an_unknown_model_with_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_phone-sim"))
        .args(["--listen", "127.0.0.1:0", "--model", "CP-1234"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown model 'CP-1234'") && err.contains("CP-8861-3PCC"),
        "{err}"
    );
}

/// Kills the child when the test ends, also when it fails.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_serves_https_enforces_the_xpassword_and_runs_its_clock_faster() {
    // An SPA would ask for HTTP Digest by default: --auth xpassword must win.
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_phone-sim"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--model",
                "SPA504G",
                "--https",
                "--auth",
                "xpassword",
                "--admin-password",
                "pw",
                "--time-scale",
                "60",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || BufReader::new(stdout).lines().next());
    let line = tokio::time::timeout(std::time::Duration::from_secs(20), line)
        .await
        .expect("no ready line within 20 s")
        .unwrap()
        .expect("phone-sim ended without a ready line")
        .unwrap();
    let url = line.split(' ').nth(1).unwrap().to_string();
    assert!(url.starts_with("https://127.0.0.1:"), "{line}");

    // HTTPS with a certificate, and nothing for a client that speaks plain HTTP.
    let response = client()
        .get(format!("{url}/status.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let tls = response.extensions().get::<reqwest::tls::TlsInfo>();
    assert!(tls.and_then(|t| t.peer_certificate()).is_some());
    let plain = url.replace("https://", "http://");
    assert!(
        client()
            .get(format!("{plain}/status.xml"))
            .send()
            .await
            .is_err()
    );

    // The admin pages need xuser/xpassword: no Digest challenge, a wrong password refused.
    let refused = client()
        .get(format!("{url}/admin/status.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    assert!(refused.headers().get("www-authenticate").is_none());
    let (status, _) = get(&format!("{url}/admin/status.xml?xuser=admin&xpassword=no")).await;
    assert_eq!(status, 401);
    let admin = |url: &str| {
        let url = format!("{url}/admin/status.xml?xuser=admin&xpassword=pw");
        async move {
            let (status, xml) = get(&url).await;
            assert_eq!(status, 200);
            element(&xml, "Elapsed_Time")
                .unwrap()
                .parse::<u64>()
                .unwrap()
        }
    };
    // --time-scale 60: a phone minute passes in about a real second.
    let t0 = std::time::Instant::now();
    let e0 = admin(&url).await;
    eventually(10, "a phone minute", || async {
        (admin(&url).await >= e0 + 60).then_some(())
    })
    .await;
    // Within `eventually`'s 10 s, so faster than real time; and no faster than 60×.
    let real = t0.elapsed();
    assert!(
        real >= std::time::Duration::from_millis(800),
        "60 phone seconds took {real:?}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(child.0.wait().unwrap().success(), "SIGTERM ends it cleanly");
}

#[tokio::test]
async fn binary_replays_a_capture_as_captured() {
    let capture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/captures/spa112-ata.json"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_phone-sim"))
        .args(["--listen", "127.0.0.1:0", "--replay", capture])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout).lines().next().unwrap().unwrap()
    });
    let line = tokio::time::timeout(std::time::Duration::from_secs(20), line)
        .await
        .expect("no ready line within 20 s")
        .unwrap();
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts[2], "mac=e05fb94a1120", "{line}");
    assert_eq!(parts[3], "model=SPA112", "{line}");
    // The captured pages, byte for byte; the capture's 404 too.
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(capture).unwrap()).unwrap();
    for exchange in json["exchanges"].as_array().unwrap() {
        let path = exchange["path"].as_str().unwrap();
        let (status, body) = get(&format!("{}{path}", parts[1])).await;
        assert_eq!(
            u64::from(status),
            exchange["status"].as_u64().unwrap(),
            "{path}"
        );
        assert_eq!(body, exchange["body"].as_str().unwrap(), "{path}");
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
}

#[test]
fn binary_refuses_a_file_that_is_not_a_capture() {
    let dir = std::env::temp_dir().join(format!("phone-sim-not-a-capture-{}", std::process::id()));
    std::fs::write(&dir, b"{\"format\": \"something else\", \"exchanges\": []}").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_phone-sim"))
        .args(["--listen", "127.0.0.1:0", "--replay", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&dir);
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("not a phoneprov capture"), "{said}");
}
