//! The phone's clock, running `scale` times faster than real time.

use std::time::{Duration, Instant};

/// Phone time = start + real elapsed × scale.
#[derive(Debug, Clone)]
pub struct SimClock {
    start: Instant,
    start_wall: jiff::Timestamp,
    scale: f64,
}

impl SimClock {
    pub fn new(scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        SimClock {
            start: Instant::now(),
            start_wall: jiff::Timestamp::now(),
            scale,
        }
    }

    /// Phone seconds since start.
    pub fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * self.scale
    }

    /// The phone's wall clock (UTC).
    pub fn wall(&self) -> jiff::Timestamp {
        self.wall_at(self.now())
    }

    pub fn wall_at(&self, phone_secs: f64) -> jiff::Timestamp {
        let nanos = (phone_secs * 1e9) as i64;
        self.start_wall
            .checked_add(jiff::SignedDuration::from_nanos(nanos))
            .unwrap_or(self.start_wall)
    }

    /// How long to really wait for `phone_secs` of phone time.
    pub fn real(&self, phone_secs: f64) -> Duration {
        Duration::from_secs_f64((phone_secs / self.scale).clamp(0.0, 1e9))
    }

    /// `MM/DD/YY HH:MM:SS` as the status pages print times.
    pub fn stamp(&self, phone_secs: f64) -> String {
        self.wall_at(phone_secs)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%m/%d/%y %H:%M:%S")
            .to_string()
    }

    pub fn rfc3339(&self, phone_secs: f64) -> String {
        self.wall_at(phone_secs).to_string()
    }

    /// Seconds since midnight (UTC) of the phone's wall clock.
    pub fn second_of_day(&self, phone_secs: f64) -> f64 {
        let t = self.wall_at(phone_secs).as_millisecond() as f64 / 1000.0;
        t.rem_euclid(86_400.0)
    }
}
