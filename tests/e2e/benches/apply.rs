//! Benchmark: apply-and-verify against 100 in-process phone-sim phones.
//!
//! Two kinds of phone:
//! - *instant* (reboot 0 s, no delay): one phone repeated gives phoneprov's own time per
//!   apply-and-verify (an upper bound: the emulator's work on the same two cores is included);
//! - *like real phones* (every answer 50 ms late, 1 s reboot after a change; real phones take
//!   far longer): 100 phones one after another versus all at once, the speed-up a technician
//!   sees. With instant phones the whole run is CPU work on two cores, so running phones at
//!   once can be at most about twice as fast; the instant figures are printed for that too.
//!
//! Run: `cargo bench -p phoneprov-e2e --bench apply` (release build).

use std::sync::Arc;
use std::time::{Duration, Instant};

use phone_sim::{Faults, PhoneConfig, PhoneSim, RunningPhone};
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

/// One kind of phone to measure.
struct Scenario {
    name: &'static str,
    reboot_secs: f64,
    delay_ms: u64,
    /// Repeats of the one-phone measurement (0: skip it).
    repeats: usize,
}

/// Applies to every phone one after another, then to all at once; returns both wall times.
async fn sequential_and_parallel(
    engine: &Arc<Engine>,
    phones: &[Arc<Phone>],
    via: ViaChoice,
    first_value: usize,
) -> (Duration, Duration) {
    let started = Instant::now();
    for (i, phone) in phones.iter().enumerate() {
        apply_once(engine, phone, via, first_value + i).await;
    }
    let sequential = started.elapsed();

    let started = Instant::now();
    let tasks: Vec<_> = phones
        .iter()
        .enumerate()
        .map(|(i, phone)| {
            let engine = engine.clone();
            let phone = phone.clone();
            let value = first_value + PHONES + i;
            tokio::spawn(async move { apply_once(&engine, &phone, via, value).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    (sequential, started.elapsed())
}

async fn run(engine: &Arc<Engine>, scenario: &Scenario, next_value: &mut usize) {
    let template = PhoneConfig {
        reboot_secs: scenario.reboot_secs,
        ..PhoneConfig::default()
    };
    let sims = PhoneSim::start_many(&template, PHONES)
        .await
        .expect("phones");
    for sim in &sims {
        sim.control().set_faults(Faults {
            delay_ms: scenario.delay_ms,
            ..Faults::default()
        });
    }
    println!(
        "{}: {PHONES} in-process phone-sim phones (reboot {} s, answers {} ms late)",
        scenario.name, scenario.reboot_secs, scenario.delay_ms
    );
    let phones: Vec<Arc<Phone>> = sims.iter().map(|s| phone_for(engine, s)).collect();
    for via in [ViaChoice::Post, ViaChoice::Push] {
        let via_name = format!("{via:?}").to_lowercase();
        // Warm-up on every phone: connection set up and authentication found out, as a
        // technician's list has after its first read.
        for phone in &phones {
            apply_once(engine, phone, via, *next_value).await;
            *next_value += 1;
        }
        if scenario.repeats > 0 {
            let mut times = Vec::new();
            for _ in 0..scenario.repeats {
                times.push(apply_once(engine, &phones[0], via, *next_value).await);
                *next_value += 1;
            }
            times.sort();
            let median = times[times.len() / 2];
            let mean = times.iter().sum::<Duration>() / times.len() as u32;
            println!(
                "  via {via_name:<4}: 1 phone: median {:.1} ms, mean {:.1} ms, max {:.1} ms per apply-and-verify ({} runs)",
                ms(median),
                ms(mean),
                ms(times[times.len() - 1]),
                scenario.repeats,
            );
        }
        let (sequential, parallel) =
            sequential_and_parallel(engine, &phones, via, *next_value).await;
        *next_value += 2 * PHONES;
        println!(
            "  via {via_name:<4}: {PHONES} phones one after another: {:.0} ms ({:.1} ms/phone) | all at once: {:.0} ms | speed-up {:.1}x",
            ms(sequential),
            ms(sequential) / PHONES as f64,
            ms(parallel),
            sequential.as_secs_f64() / parallel.as_secs_f64(),
        );
    }
    for sim in sims {
        sim.stop().await;
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let engine = Arc::new(Engine::open(dir.path()).expect("engine"));
        println!("phoneprov apply-and-verify benchmark");
        let mut next_value = 0;
        let scenarios = [
            Scenario {
                name: "instant phones",
                reboot_secs: 0.0,
                delay_ms: 0,
                repeats: REPEATS,
            },
            Scenario {
                name: "phones like real ones",
                reboot_secs: 1.0,
                delay_ms: 50,
                repeats: 0,
            },
        ];
        for scenario in &scenarios {
            run(&engine, scenario, &mut next_value).await;
        }
    });
}
