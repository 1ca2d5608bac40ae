//! Directives: the Steering Committee's documents (Thông báo, Công văn, Quyết định …) and what
//! the parser extracts from their text: number, place and date, subject, recipients, the
//! documents they cite, the numbered items with the agencies each names as lead and as support
//! and its deadline, the distribution list and the signer.
//!
//! [`parse::parse`] never fails and never panics: a field it cannot find is `None` (or empty).

mod agencies;
mod dates;
pub mod encoding;
pub mod parse;
mod references;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    /// The kind of an administrative document (Nghị định 30/2020/NĐ-CP lists them).
    pub enum DocumentKind (field = "kind") {
        ThongBao = ("thong_bao", "Thông báo"),
        CongVan = ("cong_van", "Công văn"),
        QuyetDinh = ("quyet_dinh", "Quyết định"),
        KeHoach = ("ke_hoach", "Kế hoạch"),
        ChiThi = ("chi_thi", "Chỉ thị"),
        CongDien = ("cong_dien", "Công điện"),
        NghiQuyet = ("nghi_quyet", "Nghị quyết"),
        Unknown = ("unknown", "Không rõ loại"),
    }
}

/// A date as written in a document, which may be incomplete ("ngày tháng 6 năm 2021").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PartialDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl PartialDate {
    pub fn full(d: NaiveDate) -> Self {
        use chrono::Datelike;
        Self {
            year: d.year(),
            month: Some(d.month()),
            day: Some(d.day()),
        }
    }

    /// The calendar date, when day and month are known and valid.
    pub fn to_date(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month?, self.day?)
    }

    /// "05/07/2021", "tháng 6/2021" or "năm 2021".
    pub fn display(self) -> String {
        match (self.day, self.month) {
            (Some(d), Some(m)) => format!("{d:02}/{m:02}/{}", self.year),
            (None, Some(m)) => format!("tháng {m}/{}", self.year),
            _ => format!("năm {}", self.year),
        }
    }
}

/// A document cited by another ("Quyết định 2686/QĐ-BCĐQG ngày 31/5/2021 của Ban Chỉ đạo Quốc gia").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub kind: DocumentKind,
    pub number: Option<String>,
    pub date: Option<PartialDate>,
    pub issuer: Option<String>,
}

/// A numbered item (or sub-item) of a document: "II.3", "9.1" …
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub path: String,
    pub text: String,
    /// Agencies named as lead ("chủ trì", or the subject of the sentence), normalised.
    pub lead: Vec<String>,
    /// Agencies named as support ("phối hợp với …").
    pub support: Vec<String>,
    pub deadline: Option<NaiveDate>,
    pub items: Vec<Item>,
}

/// Who signed, and in what capacity: authority "KT. CHỦ TỊCH" / "TL. …" / "TM. …" / "TUQ. …".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    pub name: String,
    pub authority: Option<String>,
    pub title: Option<String>,
}

/// Everything the parser found in a document's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedDirective {
    pub kind: DocumentKind,
    pub number: Option<String>,
    /// The issuing body when the header names it ("UỶ BAN NHÂN DÂN TỈNH LAI CHÂU").
    pub issuer: Option<String>,
    pub place: Option<String>,
    pub date: Option<PartialDate>,
    pub subject: Option<String>,
    pub recipients: Vec<String>,
    pub references: Vec<Reference>,
    pub items: Vec<Item>,
    pub distribution: Vec<String>,
    pub signer: Option<Signer>,
}

impl ParsedDirective {
    /// Every item and sub-item, depth first.
    pub fn flat_items(&self) -> Vec<&Item> {
        fn walk<'a>(items: &'a [Item], out: &mut Vec<&'a Item>) {
            for i in items {
                out.push(i);
                walk(&i.items, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut out);
        out
    }
}

/// The key under which a document number is matched to a registered document: letters and
/// digits only, lowercase, without diacritics ("1229/UBND-VX" → "1229ubndvx"). None for a number without
/// its leading digits ("/TB-UBND", as a draft is numbered).
pub fn number_key(number: &str) -> Option<String> {
    let k: String = crate::text::search_key(number)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if k.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        Some(k)
    } else {
        None
    }
}
