//! Dates as documents write them: "31/5/2021", "05-7-2021", "ngày 11 tháng 5 năm 2021" (with
//! blanks: "ngày tháng 6 năm 2021"), and the deadlines of items: "(trước ngày 05/7/2021)",
//! "chậm nhất ngày 15/02/2021", "xong trước 30/6" (the year of the document), "hoàn thành
//! trong tháng 6/2021" (the month's last day).

use super::PartialDate;
use super::agencies::Tok;
use chrono::{Datelike, NaiveDate};

fn number(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn year_of(s: &str) -> Option<i32> {
    let n = number(s)?;
    let y = match s.len() {
        2 => 2000 + n,
        4 => n,
        _ => return None,
    };
    i32::try_from(y).ok().filter(|y| (1945..=2200).contains(y))
}

/// The parts of "31/5/2021", "31-5-2021", "31.5.2021", "30/6": (day, month, year).
fn parts(s: &str) -> Option<(u32, u32, Option<&str>)> {
    let sep = s.chars().find(|c| matches!(c, '/' | '-' | '.'))?;
    let mut it = s.split(sep);
    let d = number(it.next()?)?;
    let m = number(it.next()?)?;
    let y = it.next();
    if it.next().is_some() || !(1..=31).contains(&d) || !(1..=12).contains(&m) {
        return None;
    }
    Some((d, m, y))
}

/// A full date written "31/5/2021".
pub(super) fn dmy(s: &str) -> Option<NaiveDate> {
    let (d, m, y) = parts(s)?;
    NaiveDate::from_ymd_opt(year_of(y?)?, m, d)
}

/// "6/2021": (month, year).
fn month_year(s: &str) -> Option<(u32, i32)> {
    let (m, y) = s.split_once(['/', '-', '.'])?;
    let m = number(m)?;
    ((1..=12).contains(&m) && y.len() == 4).then_some(())?;
    Some((m, year_of(y)?))
}

/// A date at token `j`: "31/5/2021" or "31 tháng 5 năm 2021". Returns it and the index after.
pub(super) fn date_at(toks: &[Tok<'_>], j: usize) -> Option<(PartialDate, usize)> {
    let t = toks.get(j)?;
    if let Some(d) = dmy(t.text) {
        return Some((PartialDate::full(d), j + 1));
    }
    let (d, m, y, end) = words_at(toks, j)?;
    let date = NaiveDate::from_ymd_opt(y?, m, d)?;
    Some((PartialDate::full(date), end))
}

/// "15 tháng 7 năm 2021" / "15 tháng 7": (day, month, year, index after).
fn words_at(toks: &[Tok<'_>], j: usize) -> Option<(u32, u32, Option<i32>, usize)> {
    let d = number(toks.get(j)?.text).filter(|d| (1..=31).contains(d))?;
    (toks.get(j + 1)?.key == "tháng").then_some(())?;
    let m = number(toks.get(j + 2)?.text).filter(|m| (1..=12).contains(m))?;
    if toks.get(j + 3).is_some_and(|t| t.key == "năm")
        && let Some(y) = toks.get(j + 4).and_then(|t| year_of(t.text))
    {
        return Some((d, m, Some(y), j + 5));
    }
    Some((d, m, None, j + 3))
}

/// The date of a document's place-and-date line after "ngày": "11 tháng 5 năm 2021", "tháng 6
/// năm 2021", "năm 2021", "11/5/2021". None without a year.
pub(super) fn header_date(toks: &[Tok<'_>]) -> Option<PartialDate> {
    if let Some(d) = toks.first().and_then(|t| dmy(t.text)) {
        return Some(PartialDate::full(d));
    }
    let mut day = None;
    let mut month = None;
    let mut year = None;
    let mut field = 0; // 0: day, 1: month, 2: year
    for t in toks {
        match t.key.as_str() {
            "tháng" => field = 1,
            "năm" => field = 2,
            _ => {
                if let Some(n) = number(t.text) {
                    match field {
                        0 if day.is_none() => day = Some(n).filter(|d| (1..=31).contains(d)),
                        1 if month.is_none() => month = Some(n).filter(|m| (1..=12).contains(m)),
                        2 if year.is_none() => year = year_of(t.text),
                        _ => {}
                    }
                }
            }
        }
    }
    let year = year?;
    // A day without its month means nothing.
    let day = day.filter(|_| month.is_some());
    if let (Some(d), Some(m)) = (day, month)
        && NaiveDate::from_ymd_opt(year, m, d).is_none()
    {
        return Some(PartialDate {
            year,
            month,
            day: None,
        });
    }
    Some(PartialDate { year, month, day })
}

fn last_day(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year.checked_add(1)?, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

/// The context a deadline without its year is read in.
#[derive(Debug, Clone, Copy)]
pub(super) struct DocDate {
    pub year: Option<i32>,
    /// The document's date (its first day when only month and year are known).
    pub on: Option<NaiveDate>,
}

impl DocDate {
    pub fn of(d: Option<PartialDate>) -> Self {
        Self {
            year: d.map(|d| d.year),
            on: d.and_then(|d| NaiveDate::from_ymd_opt(d.year, d.month?, d.day.unwrap_or(1))),
        }
    }

    /// A day and month in the document's year, or the next when that would be two months
    /// before the document (a December document's "trước 05/01").
    fn complete(self, d: u32, m: u32) -> Option<NaiveDate> {
        let date = NaiveDate::from_ymd_opt(self.year?, m, d)?;
        match self.on {
            Some(on)
                if date
                    .checked_add_signed(chrono::Duration::days(60))
                    .is_some_and(|d| d < on) =>
            {
                NaiveDate::from_ymd_opt(date.year() + 1, m, d)
            }
            _ => Some(date),
        }
    }
}

/// A deadline date at token `j`: "05/7/2021", "30/6", "15 tháng 7 năm 2021".
fn deadline_date_at(toks: &[Tok<'_>], j: usize, doc: DocDate) -> Option<NaiveDate> {
    let t = toks.get(j)?;
    if let Some((d, m, y)) = parts(t.text) {
        return match y {
            Some(y) => NaiveDate::from_ymd_opt(year_of(y)?, m, d),
            None => doc.complete(d, m),
        };
    }
    let (d, m, y, _) = words_at(toks, j)?;
    match y {
        Some(y) => NaiveDate::from_ymd_opt(y, m, d),
        None => doc.complete(d, m),
    }
}

/// "6/2021", "6 năm 2021", "6" after "trong tháng": the month's last day.
fn month_end_at(toks: &[Tok<'_>], j: usize, doc: DocDate) -> Option<NaiveDate> {
    let t = toks.get(j)?;
    if let Some((m, y)) = month_year(t.text) {
        return last_day(y, m);
    }
    let m = number(t.text).filter(|m| (1..=12).contains(m))?;
    if toks.get(j + 1).is_some_and(|t| t.key == "năm")
        && let Some(y) = toks.get(j + 2).and_then(|t| year_of(t.text))
    {
        return last_day(y, m);
    }
    let end = last_day(doc.year?, m)?;
    match doc.on {
        Some(on)
            if end
                .checked_add_signed(chrono::Duration::days(60))
                .is_some_and(|d| d < on) =>
        {
            last_day(end.year() + 1, m)
        }
        _ => Some(end),
    }
}

/// The earliest deadline an item's text sets, if any.
pub(super) fn deadline(toks: &[Tok<'_>], doc: DocDate) -> Option<NaiveDate> {
    let mut best: Option<NaiveDate> = None;
    let key = |i: usize| toks.get(i).map_or("", |t| t.key.as_str());
    for i in 0..toks.len() {
        let start = match key(i) {
            "trước" => Some(i + 1),
            "chậm" if key(i + 1) == "nhất" => Some(i + 2),
            "hạn" if matches!(key(i + 1), "chót" | "cuối") => Some(i + 2),
            "thời" if key(i + 1) == "hạn" => Some(i + 2),
            _ => None,
        };
        let found = if let Some(mut j) = start {
            let mut skipped = 0;
            while skipped < 4
                && matches!(
                    key(j),
                    "là" | "vào" | "ngày" | "hoàn" | "thành" | "xong" | "hết"
                )
            {
                j += 1;
                skipped += 1;
            }
            deadline_date_at(toks, j, doc)
        } else if key(i) == "trong" && key(i + 1) == "tháng" {
            let done = (i.saturating_sub(3)..i).any(|k| {
                matches!(key(k), "xong" | "tất") || (key(k) == "hoàn" && key(k + 1) == "thành")
            });
            if done {
                month_end_at(toks, i + 2, doc)
            } else {
                None
            }
        } else {
            None
        };
        if let Some(d) = found
            && best.is_none_or(|b| d < b)
        {
            best = Some(d);
        }
    }
    best
}
