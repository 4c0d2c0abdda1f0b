//! Benchmark: apply-and-verify against in-process phone-sim phones that answer instantly
//! (reboot time 0). Measures phoneprov's own time per phone (one phone, repeated) and 100
//! phones one after another versus all at once.
//!
//! Run: `cargo bench -p phoneprov-e2e --bench apply` (release build).

use std::sync::Arc;
use std::time::{Duration, Instant};

use phone_sim::{PhoneConfig, PhoneSim, RunningPhone};
use phoneprov::phone::{ClientOptions, Credentials, Phone, PhoneAddress};
use phoneprov::provision::{ApplyOptions, Engine, EventSink, ViaChoice};
use tokio_util::sync::CancellationToken;

const PHONES: usize = 100;
const REPEATS: usize = 30;

fn phone_for(engine: &Engine, sim: &RunningPhone) -> Arc<Phone> {
    let address: PhoneAddress = sim.url().parse().expect("phone-sim URL");
    Arc::new(
        engine
            .phone(address, Credentials::default(), ClientOptions::default())
            .expect("client"),
    )
}

async fn apply_once(engine: &Engine, phone: &Phone, via: ViaChoice, value: usize) -> Duration {
    let options = ApplyOptions {
        via,
        ..ApplyOptions::default()
    };
    let started = Instant::now();
    let report = engine
        .apply(
            phone,
            &[("Resync_Periodic".to_string(), (4000 + value).to_string())],
            &options,
            &EventSink::discard(phone.address().key()),
            &CancellationToken::new(),
        )
        .await
        .expect("apply verified");
    assert!(report.fully_verified() && report.verified.len() == 1);
    started.elapsed()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let engine = Arc::new(Engine::open(dir.path()).expect("engine"));
        let template = PhoneConfig {
            reboot_secs: 0.0,
            ..PhoneConfig::default()
        };
        let sims = PhoneSim::start_many(&template, PHONES)
            .await
            .expect("phones");
        println!("phoneprov apply-and-verify benchmark: {PHONES} in-process phone-sim phones (reboot 0 s)");
        for via in [ViaChoice::Post, ViaChoice::Push] {
            // One phone, repeated: the time of one apply-and-verify.
            let one = phone_for(&engine, &sims[0]);
            apply_once(&engine, &one, via, 0).await; // warm-up (connection, auth detection)
            let mut times = Vec::new();
            for i in 0..REPEATS {
                times.push(apply_once(&engine, &one, via, i + 1).await);
            }
            times.sort();
            let median = times[REPEATS / 2];
            let mean = times.iter().sum::<Duration>() / REPEATS as u32;

            let phones: Vec<Arc<Phone>> = sims.iter().map(|s| phone_for(&engine, s)).collect();
            let started = Instant::now();
            for (i, phone) in phones.iter().enumerate() {
                apply_once(&engine, phone, via, 100 + i).await;
            }
            let sequential = started.elapsed();

            let started = Instant::now();
            let tasks: Vec<_> = phones
                .iter()
                .enumerate()
                .map(|(i, phone)| {
                    let engine = engine.clone();
                    let phone = phone.clone();
                    tokio::spawn(async move { apply_once(&engine, &phone, via, 300 + i).await })
                })
                .collect();
            for task in tasks {
                task.await.expect("task");
            }
            let parallel = started.elapsed();
            println!(
                "via {:<4}: 1 phone: median {:.1} ms, mean {:.1} ms per apply-and-verify ({REPEATS} runs) | \
                 {PHONES} phones one after another: {:.0} ms ({:.1} ms/phone) | all at once: {:.0} ms | speed-up {:.1}x",
                format!("{via:?}").to_lowercase(),
                ms(median),
                ms(mean),
                ms(sequential),
                ms(sequential) / PHONES as f64,
                ms(parallel),
                sequential.as_secs_f64() / parallel.as_secs_f64(),
            );
        }
        for sim in sims {
            sim.stop().await;
        }
    });
}
