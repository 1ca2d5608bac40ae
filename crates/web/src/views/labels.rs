//! Labels for stored machine names, used by templates (`labels::classification(&c)`).

use chongdich_domain::case::{Classification, FoundIn, Outcome, Setting};
use chongdich_domain::exposure::{Certainty, Proximity};
use chongdich_domain::outbreak::ZoneKind;
use chongdich_domain::person::{IdKind, Sex};
use chongdich_domain::sample::{SampleKind, SampleReason, TestResult};

fn or_raw<T>(
    r: Result<T, chongdich_domain::Invalid>,
    label: impl Fn(T) -> &'static str,
    raw: &str,
) -> String {
    r.map(|v| label(v).to_owned())
        .unwrap_or_else(|_| raw.to_owned())
}

pub fn classification(s: &str) -> String {
    or_raw(Classification::parse(s), Classification::label, s)
}
pub fn found_in(s: &str) -> String {
    or_raw(FoundIn::parse(s), FoundIn::label, s)
}
pub fn setting(s: &str) -> String {
    or_raw(Setting::parse(s), Setting::label, s)
}
pub fn outcome(s: &str) -> String {
    or_raw(Outcome::parse(s), Outcome::label, s)
}
pub fn proximity(s: &str) -> String {
    or_raw(Proximity::parse(s), Proximity::label, s)
}
pub fn certainty(s: &str) -> String {
    or_raw(Certainty::parse(s), Certainty::label, s)
}
pub fn zone_kind(s: &str) -> String {
    or_raw(ZoneKind::parse(s), ZoneKind::label, s)
}
pub fn sample_kind(s: &str) -> String {
    or_raw(SampleKind::parse(s), SampleKind::label, s)
}
pub fn sample_reason(s: &str) -> String {
    or_raw(SampleReason::parse(s), SampleReason::label, s)
}
pub fn result(s: &str) -> String {
    or_raw(TestResult::parse(s), TestResult::label, s)
}
pub fn sex(s: &Option<String>) -> String {
    s.as_deref()
        .and_then(|v| Sex::parse(v).ok().flatten())
        .map(|v| v.label().to_owned())
        .unwrap_or_default()
}
pub fn id_kind(s: &Option<String>) -> String {
    s.as_deref()
        .and_then(|v| IdKind::parse(v).ok())
        .map(|v| v.label().to_owned())
        .unwrap_or_default()
}
/// dd/mm/yyyy or empty.
pub fn date(d: &Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}
/// A CSS class for a classification badge.
pub fn class_badge(s: &str) -> &'static str {
    match s {
        "confirmed" => "badge f0",
        "suspected" | "probable" => "badge warn",
        _ => "badge",
    }
}
