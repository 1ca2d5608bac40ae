//! The injected clock. Nothing in chongdich asks the operating system for the time directly:
//! every rule that counts days takes its "now" from a [`Clock`], so tests and training
//! deployments can fix the date.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Offset, Utc};
use std::sync::{Arc, Mutex};

/// Vietnam's time zone (UTC+7, no daylight saving).
pub fn vietnam() -> FixedOffset {
    // 7 hours is within chrono's bounds, so the fallback is never taken.
    FixedOffset::east_opt(7 * 3600).unwrap_or(Utc.fix())
}

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;

    /// The calendar date in Vietnam.
    fn today(&self) -> NaiveDate {
        self.now().with_timezone(&vietnam()).date_naive()
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that believes today is a given date while time keeps running
/// (`serve --today`): the real time shifted by a whole number of days.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    shift: Duration,
}

impl ShiftedClock {
    pub fn to_date(today: NaiveDate, real_now: DateTime<Utc>) -> Self {
        let real_today = real_now.with_timezone(&vietnam()).date_naive();
        Self {
            shift: today.signed_duration_since(real_today),
        }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.shift
    }
}

/// A clock that stands still until moved; for tests.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(now)))
    }

    pub fn advance(&self, by: Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        match self.0.lock() {
            Ok(t) => *t,
            Err(poisoned) => *poisoned.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn today_is_in_vietnam_time() {
        // 18:00 UTC on 30 June is 01:00 on 1 July in Vietnam.
        let c = ManualClock::at(Utc.with_ymd_and_hms(2025, 6, 30, 18, 0, 0).unwrap());
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2025, 7, 1).unwrap());
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::at(Utc.with_ymd_and_hms(2021, 6, 24, 1, 0, 0).unwrap());
        let before = c.now();
        c.advance(Duration::days(14));
        assert_eq!(c.now() - before, Duration::days(14));
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2021, 7, 8).unwrap());
    }

    #[test]
    fn shifted_clock_believes_the_given_date() {
        let wanted = NaiveDate::from_ymd_opt(2021, 6, 24).unwrap();
        let c = ShiftedClock::to_date(wanted, Utc::now());
        assert_eq!(c.today(), wanted);
    }
}
