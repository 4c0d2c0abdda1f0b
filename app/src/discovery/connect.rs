//! The sweep's TCP connect probe, with a wait set by the LAN's answers: an address is
//! silent once it has had a few times the slowest round trip any host answered in, but never
//! less than a floor that holds for a real LAN (1–50 ms round trips), whatever the fast
//! answers of this one. Only the connect is bounded here; a web server that accepts and
//! takes seconds to answer its page is the fingerprint's business, with its own timeout.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::Instant;

/// The longest a connect is given, however slow the answers; also the wait for a single
/// address (typed by the technician, or from the neighbour table), which may be far away.
pub const LONGEST_CONNECT_WAIT: Duration = Duration::from_secs(1);

/// How many times the slowest answer an address may take before it counts as silent.
const SLOWEST_ANSWER_TIMES: u32 = 3;

/// The round trips of the hosts that answered so far, and the connect timeout they imply.
/// Shared by every probe of a sweep: an answer that comes late lengthens the wait of every
/// attempt still in flight.
#[derive(Debug)]
pub struct RoundTrips {
    floor: Duration,
    ceiling: Duration,
    slowest_micros: AtomicU64,
}

impl RoundTrips {
    /// `floor`: the least any address is given; `ceiling`: the most, however slow the
    /// answers (a floor above the ceiling wins).
    pub fn new(floor: Duration, ceiling: Duration) -> Self {
        RoundTrips {
            floor,
            ceiling: ceiling.max(floor),
            slowest_micros: AtomicU64::new(0),
        }
    }

    /// A host answered (accepted or refused) after `round_trip`.
    pub fn record(&self, round_trip: Duration) {
        let micros = u64::try_from(round_trip.as_micros()).unwrap_or(u64::MAX);
        self.slowest_micros.fetch_max(micros, Ordering::Relaxed);
    }

    /// The slowest answer so far (zero before any).
    pub fn slowest(&self) -> Duration {
        Duration::from_micros(self.slowest_micros.load(Ordering::Relaxed))
    }

    /// How long an address may take to answer a connect now.
    pub fn timeout(&self) -> Duration {
        (self.slowest() * SLOWEST_ANSWER_TIMES).clamp(self.floor, self.ceiling)
    }
}

/// What one connect attempt saw.
#[derive(Debug)]
pub enum Attempt {
    /// The port accepted.
    Open,
    /// The host answered with a refusal: it is there, the port is closed.
    Refused,
    /// No answer within the timeout.
    Silent,
    /// The attempt failed on this machine or on the way (no route, no buffer space…).
    Failed(io::Error),
}

impl Attempt {
    /// The host answered, whether the port was open or not.
    pub fn answered(&self) -> bool {
        matches!(self, Attempt::Open | Attempt::Refused)
    }
}

/// One TCP connect to `target`, waiting as long as `trips` allows.
pub async fn attempt(target: SocketAddr, trips: &RoundTrips) -> Attempt {
    wait_for_connect(TcpStream::connect(target), trips).await
}

/// Waits for `connect` until it ends or has taken longer than the timeout, which is read
/// again whenever it would run out (it may have grown meanwhile). Answers are recorded.
pub async fn wait_for_connect<T>(
    connect: impl Future<Output = io::Result<T>>,
    trips: &RoundTrips,
) -> Attempt {
    let started = Instant::now();
    tokio::pin!(connect);
    loop {
        tokio::select! {
            // An answer that is already there counts, however late this task runs (a busy
            // machine starting thousands of connects): only the LAN's slowness may cut it.
            biased;
            outcome = &mut connect => {
                return match outcome {
                    Ok(_stream) => {
                        trips.record(started.elapsed());
                        Attempt::Open
                    }
                    Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
                        trips.record(started.elapsed());
                        Attempt::Refused
                    }
                    Err(error) => Attempt::Failed(error),
                };
            }
            _ = tokio::time::sleep_until(started + trips.timeout()) => {
                if started.elapsed() >= trips.timeout() {
                    return Attempt::Silent;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOOR: Duration = Duration::from_millis(100);
    const CEILING: Duration = Duration::from_secs(1);

    /// A connect that a host `round_trip` away answers.
    async fn answer_after(round_trip: Duration) -> io::Result<()> {
        tokio::time::sleep(round_trip).await;
        Ok(())
    }

    #[test]
    fn the_timeout_follows_the_slowest_answer_within_floor_and_ceiling() {
        let trips = RoundTrips::new(FLOOR, CEILING);
        assert_eq!(trips.timeout(), FLOOR, "before any answer");
        trips.record(Duration::from_micros(40));
        assert_eq!(trips.timeout(), FLOOR, "loopback answers do not shorten it");
        trips.record(Duration::from_millis(80));
        assert_eq!(trips.timeout(), Duration::from_millis(240));
        trips.record(Duration::from_millis(5));
        assert_eq!(
            trips.timeout(),
            Duration::from_millis(240),
            "the slowest counts"
        );
        trips.record(Duration::from_secs(2));
        assert_eq!(trips.timeout(), CEILING);
    }

    /// The test LAN answers in microseconds; a real one in 1–50 ms. A host 50 ms away is
    /// still found after the fast ones taught their round trips.
    #[tokio::test(start_paused = true)]
    async fn fast_answers_do_not_cut_off_a_host_on_a_real_lan() {
        let trips = RoundTrips::new(FLOOR, CEILING);
        for _ in 0..50 {
            let fast = wait_for_connect(answer_after(Duration::from_micros(30)), &trips).await;
            assert!(matches!(fast, Attempt::Open));
        }
        for round_trip in [1, 20, 50] {
            let far = wait_for_connect(answer_after(Duration::from_millis(round_trip)), &trips);
            assert!(
                matches!(far.await, Attempt::Open),
                "a host {round_trip} ms away"
            );
        }
    }

    /// A slow LAN (round trips above the floor): the first slow answer lengthens the wait
    /// of the attempts already in flight, so the others are not given up at the floor.
    #[tokio::test(start_paused = true)]
    async fn a_slow_answer_lengthens_the_wait_of_attempts_in_flight() {
        let trips = RoundTrips::new(FLOOR, CEILING);
        let first = wait_for_connect(answer_after(Duration::from_millis(90)), &trips);
        let second = wait_for_connect(answer_after(Duration::from_millis(150)), &trips);
        let silent = wait_for_connect(std::future::pending::<io::Result<()>>(), &trips);
        let started = Instant::now();
        let (first, second, silent) = tokio::join!(first, second, silent);
        assert!(matches!(first, Attempt::Open));
        assert!(
            matches!(second, Attempt::Open),
            "150 ms is within 3 × 90 ms"
        );
        assert!(matches!(silent, Attempt::Silent));
        // The silent address was given three times the slowest answer (150 ms).
        assert_eq!(started.elapsed(), Duration::from_millis(450));
    }

    #[tokio::test(start_paused = true)]
    async fn refusals_count_as_answers_and_errors_do_not() {
        let trips = RoundTrips::new(FLOOR, CEILING);
        let refused = wait_for_connect(
            async {
                tokio::time::sleep(Duration::from_millis(70)).await;
                Err::<(), _>(io::Error::from(io::ErrorKind::ConnectionRefused))
            },
            &trips,
        )
        .await;
        assert!(refused.answered());
        assert_eq!(trips.slowest(), Duration::from_millis(70));
        let failed = wait_for_connect(
            async { Err::<(), _>(io::Error::from(io::ErrorKind::HostUnreachable)) },
            &trips,
        )
        .await;
        assert!(matches!(failed, Attempt::Failed(_)) && !failed.answered());
    }
}
