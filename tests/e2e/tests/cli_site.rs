//! `phoneprov set` on several phones, through the real binary against phone-sim phones:
//! progress per phone, the count of each outcome, the exit code, the `--report` CSV, and the
//! values the phones really hold afterwards.

use phone_sim::{PhoneConfig, PhoneSim};

mod common;

/// The report's rows as header → value maps, in file order.
fn report_rows(path: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|row| {
            header
                .iter()
                .cloned()
                .zip(row.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_on_four_phones_reports_each_outcome_and_exits_1_when_one_is_not_verified() {
    let data = tempfile::tempdir().unwrap();
    let first = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    let second = common::sim(PhoneConfig {
        firmware: Some("12.0.1".into()),
        ..PhoneConfig::model("CP-7841-3PCC")
    })
    .await;
    let locked = common::sim(PhoneConfig::model("CP-8845-3PCC").with_password("s3cret")).await;
    let stubborn = common::sim(PhoneConfig::model("CP-8861-3PCC")).await;
    stubborn.control().drop_param("Resync_Periodic");
    let report = data.path().join("run.csv");
    let addresses: Vec<String> = [&first, &second, &locked, &stubborn]
        .iter()
        .map(|p| p.addr().to_string())
        .collect();
    let mut args: Vec<&str> = vec!["set"];
    args.extend(addresses.iter().map(String::as_str));
    args.extend([
        "Resync_Periodic=7200",
        "--parallel",
        "2",
        "--via",
        "post",
        "--report",
        report.to_str().unwrap(),
    ]);
    let output = common::run_cli(&data, &args).await;
    let (stdout, stderr) = (common::text(&output.stdout), common::text(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.ends_with("4 phones: 2 verified, 0 waiting, 2 failed\n"),
        "{stdout}"
    );
    // Progress per phone, each line naming its phone.
    for address in &addresses {
        assert!(
            stderr.contains(&format!("{address}: ")),
            "{address}: {stderr}"
        );
    }
    assert!(
        stdout.contains(&format!("http://{}: verified", addresses[0])),
        "{stdout}"
    );

    // The phones hold what the report says.
    assert_eq!(
        first.control().value("Resync_Periodic").as_deref(),
        Some("7200")
    );
    assert_eq!(
        second.control().value("Resync_Periodic").as_deref(),
        Some("7200")
    );
    assert_eq!(
        locked.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );
    assert_eq!(
        stubborn.control().value("Resync_Periodic").as_deref(),
        Some("3600")
    );

    let rows = report_rows(&report);
    assert_eq!(rows.len(), 4);
    let outcomes: Vec<&str> = rows.iter().map(|r| r["outcome"].as_str()).collect();
    assert_eq!(outcomes, ["verified", "verified", "failed", "failed"]);
    assert_eq!(rows[0]["address"], format!("http://{}", addresses[0]));
    assert_eq!(rows[0]["model"], "CP-8861-3PCC");
    assert!(rows[1]["firmware"].contains("12-0-1"), "{:?}", rows[1]);
    assert!(!rows[0]["mac"].is_empty());
    assert_eq!(rows[0]["Resync_Periodic old"], "3600");
    assert_eq!(rows[0]["Resync_Periodic new"], "7200");
    assert_eq!(rows[0]["reason"], "");
    assert!(
        rows[2]["reason"].to_lowercase().contains("password"),
        "{:?}",
        rows[2]
    );
    assert!(rows[3]["reason"].contains("3600"), "{:?}", rows[3]);
    for row in &rows {
        let started: jiff::Timestamp = row["started"].parse().unwrap();
        let ended: jiff::Timestamp = row["ended"].parse().unwrap();
        assert!(started <= ended, "{row:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phones_from_a_discover_csv_and_a_plain_list_all_verified_exit_0() {
    let data = tempfile::tempdir().unwrap();
    let sims = PhoneSim::start_many(
        &PhoneConfig {
            reboot_secs: 0.3,
            ..PhoneConfig::model("CP-8861-3PCC")
        },
        3,
    )
    .await
    .unwrap();
    // What `phoneprov discover --csv` writes: the url column is used, the name kept.
    let discovered = data.path().join("phones.csv");
    let mut csv = String::from("address,url,mac,model,firmware,serial,access,cisco,sources,name\n");
    for (i, sim) in sims.iter().take(2).enumerate() {
        csv.push_str(&format!(
            "{},{},,,,,open,certain,sweep,\"Desk {i}, floor 2\"\n",
            sim.addr().ip(),
            sim.url()
        ));
    }
    std::fs::write(&discovered, csv).unwrap();
    let report = data.path().join("run.csv");
    let output = common::run_cli(
        &data,
        &[
            "set",
            &sims[2].addr().to_string(),
            "Resync_Periodic=4000",
            "Resync_At__HHmm_=0230",
            "--phones",
            discovered.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    )
    .await;
    let stdout = common::text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        common::text(&output.stderr)
    );
    assert!(
        stdout.ends_with("3 phones: 3 verified, 0 waiting, 0 failed\n"),
        "{stdout}"
    );
    for sim in &sims {
        assert_eq!(
            sim.control().value("Resync_Periodic").as_deref(),
            Some("4000")
        );
        assert_eq!(
            sim.control().value("Resync_At__HHmm_").as_deref(),
            Some("0230")
        );
    }
    let rows = report_rows(&report);
    assert_eq!(rows[1]["name"], "Desk 0, floor 2");
    assert_eq!(rows[1]["address"], sims[0].url());
    assert!(rows.iter().all(|r| r["outcome"] == "verified"));
    assert!(rows.iter().all(|r| r["Resync_At__HHmm_ new"] == "0230"));

    // A plain list with a typo: nothing is sent anywhere, exit 2.
    let list = data.path().join("phones.txt");
    std::fs::write(
        &list,
        format!(
            "# floor 2\n{}\nhttp://10.0.0.5/admin/cfg.xml\n",
            sims[0].addr()
        ),
    )
    .unwrap();
    let output = common::run_cli(
        &data,
        &[
            "set",
            "Resync_Periodic=5000",
            "--phones",
            list.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        common::text(&output.stderr)
    );
    assert_eq!(
        sims[0].control().value("Resync_Periodic").as_deref(),
        Some("4000")
    );
}
