//! Vaccination coverage and treatment capacity of many units from one CSV (or the first sheet
//! of an Excel workbook, read as CSV): one row per unit and date, every bad row reported by
//! its line and column.
//!
//! Columns (Vietnamese or English names, with or without diacritics, any order):
//!
//! | column | also | meaning |
//! |---|---|---|
//! | `ma_dia_ban` | `area_id`, `code`, `ma` | the unit: an area id (`L03386`, `N01`) or a GSO code (`03386`, with the structure chosen) |
//! | `ngay` | `as_of`, `date` | date of the figures: dd/mm/yyyy or yyyy-mm-dd |
//! | `mui1_18` | `first_dose_18plus` | aged 18+ with at least one dose |
//! | `du_lieu_65` | `full_dose_65plus` | aged 65+ fully vaccinated |
//! | `du_lieu` | `full_dose_all` | whole population fully vaccinated |
//! | `nguon` | `source` | source of the coverage figures (required with them) |
//! | `dap_ung_dieu_tri` | `capacity_met` | can receive and treat its patients: có/không, yes/no, 1/0 |
//! | `ghi_chu` | `note` | note on the capacity |
//!
//! A percentage is written `65`, `65,5` or `65%`; a number at most 1 with decimals (`0.655`,
//! as Excel stores a cell formatted as percent) is a fraction.

use crate::area::{AreaId, Structure, UnitCode};
use crate::population::{ParsedCsv, RowError};
use crate::text::{clean, search_key};
use crate::{FieldError, Invalid};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashSet;

/// Coverage fractions (0–1) of a unit: first dose 18+, full dose 65+, full dose all; and where
/// they come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageFigures {
    pub figures: [Option<f64>; 3],
    pub source: String,
}

/// Whether a unit can receive and treat its patients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityFigure {
    pub met: bool,
    pub note: String,
}

/// One row of an import: a unit, a date, and its coverage, its capacity, or both.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskInputRow {
    /// Line in the file (the header is line 1); 0 when the row did not come from a file.
    pub line: usize,
    pub area: AreaId,
    pub as_of: NaiveDate,
    pub coverage: Option<CoverageFigures>,
    pub capacity: Option<CapacityFigure>,
}

impl RiskInputRow {
    /// How an error of this row's `field` is named: `dòng 5: first_dose_18plus`, or
    /// `rows[3].first_dose_18plus` for a row at index `i` not read from a file.
    pub fn field_name(&self, i: usize, field: &str) -> String {
        if self.line > 0 {
            format!("dòng {}: {field}", self.line)
        } else {
            format!("rows[{i}].{field}")
        }
    }
}

/// The columns, by canonical (English) name, with the header names accepted for each.
pub const COLUMNS: [(&str, &[&str]); 8] = [
    (
        "area_id",
        &["area_id", "ma_dia_ban", "code", "ma", "ma_don_vi", "ma_dv"],
    ),
    ("as_of", &["as_of", "ngay", "date", "ngay_so_lieu"]),
    ("first_dose_18plus", &["first_dose_18plus", "mui1_18"]),
    ("full_dose_65plus", &["full_dose_65plus", "du_lieu_65"]),
    ("full_dose_all", &["full_dose_all", "du_lieu"]),
    ("source", &["source", "nguon"]),
    (
        "capacity_met",
        &["capacity_met", "dap_ung_dieu_tri", "dap_ung"],
    ),
    ("note", &["note", "ghi_chu"]),
];

/// A header cell as compared: lowercase, no diacritics, words joined by `_`.
fn header_key(h: &str) -> String {
    search_key(&h.replace(['_', '-'], " "))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
}

/// A coverage figure: `65`, `65,5`, `65%` (percent) or `0.655` (a fraction, at most 1 with
/// decimals); empty is unknown.
pub fn coverage_value(field: &str, s: &str) -> Result<Option<f64>, Invalid> {
    let typed = s.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let is_percent = typed.ends_with('%');
    let t = typed.trim_end_matches('%').trim().replace(',', ".");
    let bad = || {
        Invalid::field(
            field,
            format!(
                "\"{typed}\": nhập tỷ lệ phần trăm từ 0 đến 100 (65, 65,5, 65%) hoặc tỷ lệ từ 0 đến 1 (0.655)"
            ),
        )
    };
    let v: f64 = t.parse().map_err(|_| bad())?;
    if !v.is_finite() {
        return Err(bad());
    }
    let fraction = if !is_percent && t.contains('.') && v <= 1.0 {
        v
    } else {
        v / 100.0
    };
    if (0.0..=1.0).contains(&fraction) {
        Ok(Some(fraction))
    } else {
        Err(bad())
    }
}

/// có/không, yes/no, 1/0, true/false, đạt/không đạt; empty is not stated.
pub fn yes_no(field: &str, s: &str) -> Result<Option<bool>, Invalid> {
    let k = search_key(s);
    match k.as_str() {
        "" => Ok(None),
        "co" | "yes" | "y" | "1" | "true" | "dat" | "dap ung" | "x" => Ok(Some(true)),
        "khong" | "no" | "n" | "0" | "false" | "khong dat" | "khong dap ung" => Ok(Some(false)),
        _ => Err(Invalid::field(
            field,
            format!("\"{}\": ghi có hoặc không", s.trim()),
        )),
    }
}

/// The unit of a row: an area id, or a GSO code of `structure`.
fn unit(s: &str, structure: Option<Structure>) -> Result<AreaId, Invalid> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Invalid::field(
            "area_id",
            "thiếu mã địa bàn (ví dụ L03386, hoặc mã Tổng cục Thống kê 03386)",
        ));
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        let code = UnitCode::parse(t).map_err(|e| {
            Invalid(
                e.0.into_iter()
                    .map(|f| FieldError::new("area_id", f.message))
                    .collect(),
            )
        })?;
        let Some(st) = structure else {
            return Err(Invalid::field(
                "area_id",
                format!(
                    "mã \"{t}\" là mã Tổng cục Thống kê: chọn cơ cấu (trước hay từ 01/07/2025)"
                ),
            ));
        };
        return Ok(AreaId::official(st, &code));
    }
    AreaId::parse(t).map_err(|_| {
        Invalid::field(
            "area_id",
            format!("mã địa bàn \"{t}\" không hợp lệ (ví dụ L03386, N01, hoặc mã số 03386)"),
        )
    })
}

fn keep<T>(errs: &mut Vec<FieldError>, r: Result<T, Invalid>) -> Option<T> {
    r.map_err(|e| errs.extend(e.0)).ok()
}

/// Reads the rows of an import. `structure` resolves GSO codes; `today` refuses dates after
/// it. The file itself being unreadable (no header, no unit or date column, no figure column,
/// no data row) is an `Invalid` on `file`; bad rows are in the result's `errors`.
pub fn parse_risk_inputs_csv(
    text: &str,
    structure: Option<Structure>,
    today: NaiveDate,
) -> Result<ParsedCsv<RiskInputRow>, Invalid> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(Invalid::field("file", "tệp rỗng"));
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Invalid::field("file", format!("không đọc được dòng tiêu đề: {e}")))?
        .clone();
    let keys: Vec<String> = headers.iter().map(header_key).collect();
    let mut cols: [Option<usize>; 8] = [None; 8];
    for (slot, (_, names)) in cols.iter_mut().zip(COLUMNS.iter()) {
        *slot = keys.iter().position(|k| names.contains(&k.as_str()));
    }
    let (Some(unit_col), Some(date_col)) = (cols[0], cols[1]) else {
        return Err(Invalid::field(
            "file",
            "dòng đầu của tệp phải là tiêu đề, có cột ma_dia_ban (hoặc area_id, code) và cột ngay (hoặc as_of)",
        ));
    };
    if cols[2..5].iter().all(Option::is_none) && cols[6].is_none() {
        return Err(Invalid::field(
            "file",
            "tệp cần ít nhất một cột tỷ lệ tiêm chủng (mui1_18, du_lieu_65, du_lieu) hoặc cột dap_ung_dieu_tri",
        ));
    }
    let mut parsed = ParsedCsv::default();
    let mut seen = HashSet::new();
    let mut any = false;
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                parsed.errors.push(RowError {
                    line,
                    field: "file".into(),
                    message: format!("dòng không đọc được: {e}"),
                });
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        any = true;
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("");
        let mut errs: Vec<FieldError> = Vec::new();
        let area = keep(&mut errs, unit(get(Some(unit_col)), structure));
        let as_of = keep(
            &mut errs,
            crate::vocab::parse_past_date("as_of", get(Some(date_col)), today).and_then(|d| {
                d.ok_or_else(|| Invalid::field("as_of", "thiếu ngày của số liệu (dd/mm/yyyy)"))
            }),
        );
        let mut figures = [None; 3];
        for (k, f) in figures.iter_mut().enumerate() {
            let name = COLUMNS[2 + k].0;
            *f = keep(&mut errs, coverage_value(name, get(cols[2 + k]))).flatten();
        }
        let typed_figures = (2..5).any(|k| !get(cols[k]).trim().is_empty());
        let source = clean(get(cols[5]));
        let met = keep(&mut errs, yes_no("capacity_met", get(cols[6]))).flatten();
        let note = clean(get(cols[7]));
        if typed_figures && source.is_empty() {
            errs.push(FieldError::new(
                "source",
                "ghi nguồn của tỷ lệ tiêm chủng (báo cáo, ngày)",
            ));
        }
        if !typed_figures && get(cols[6]).trim().is_empty() {
            errs.push(FieldError::new(
                "first_dose_18plus",
                "dòng không có tỷ lệ tiêm chủng hay đánh giá năng lực điều trị",
            ));
        }
        if let (Some(a), Some(d)) = (&area, as_of)
            && !seen.insert((a.to_string(), d))
        {
            errs.push(FieldError::new(
                "area_id",
                format!("{a} ngày {} đã có ở dòng trên", d.format("%d/%m/%Y")),
            ));
        }
        match (area, as_of) {
            (Some(area), Some(as_of)) if errs.is_empty() => parsed.rows.push(RiskInputRow {
                line,
                area,
                as_of,
                coverage: typed_figures.then_some(CoverageFigures { figures, source }),
                capacity: met.map(|met| CapacityFigure { met, note }),
            }),
            _ => parsed.errors.extend(errs.into_iter().map(|e| RowError {
                line,
                field: e.field,
                message: e.message,
            })),
        }
    }
    if !any {
        return Err(Invalid::field(
            "file",
            "tệp chỉ có dòng tiêu đề, không có dòng số liệu nào",
        ));
    }
    Ok(parsed)
}

/// A CSV template with the Vietnamese header and two example rows.
pub const TEMPLATE_CSV: &str = "ma_dia_ban,ngay,mui1_18,du_lieu_65,du_lieu,nguon,dap_ung_dieu_tri,ghi_chu\n\
L03386,20/06/2021,65%,50,40,\"Báo cáo CDC tỉnh, 20/06/2021\",có,\n\
L03387,20/06/2021,\"72,5\",,38,\"Báo cáo CDC tỉnh, 20/06/2021\",không,Thiếu máy thở\n";

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 6, 24).unwrap()
    }

    #[test]
    fn percentages_and_fractions() {
        assert_eq!(coverage_value("f", "65").unwrap(), Some(0.65));
        assert_eq!(coverage_value("f", "65,5").unwrap(), Some(0.655));
        assert_eq!(coverage_value("f", "65%").unwrap(), Some(0.65));
        assert_eq!(coverage_value("f", "0.655").unwrap(), Some(0.655));
        assert_eq!(coverage_value("f", "1").unwrap(), Some(0.01));
        assert_eq!(coverage_value("f", "").unwrap(), None);
        assert!(coverage_value("f", "170").is_err());
        assert!(coverage_value("f", "abc").is_err());
        assert!(coverage_value("f", "-3").is_err());
    }

    #[test]
    fn vietnamese_headers_codes_and_errors_by_line() {
        let text = "Mã địa bàn,Ngày,mui1_18,nguon,dap_ung_dieu_tri\n\
                    03386,20/06/2021,65,BC,có\n\
                    L03387,2021-06-20,170,BC,\n\
                    ,25/06/2021,,,maybe\n";
        let p = parse_risk_inputs_csv(text, Some(Structure::Legacy), today()).unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].area.as_str(), "L03386");
        assert!(p.rows[0].capacity.as_ref().unwrap().met);
        let errs: Vec<(usize, &str)> = p
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert!(errs.contains(&(3, "first_dose_18plus")), "{errs:?}");
        assert!(errs.contains(&(4, "area_id")), "{errs:?}");
        assert!(errs.contains(&(4, "as_of")), "{errs:?}");
        assert!(errs.contains(&(4, "capacity_met")), "{errs:?}");
        // A GSO code without a structure.
        let p = parse_risk_inputs_csv(text, None, today()).unwrap();
        assert!(p.errors.iter().any(|e| e.line == 2 && e.field == "area_id"));
    }

    #[test]
    fn files_that_are_not_an_import() {
        assert!(parse_risk_inputs_csv("", None, today()).is_err());
        assert!(parse_risk_inputs_csv("a,b\n1,2\n", None, today()).is_err());
        assert!(parse_risk_inputs_csv("area_id,as_of,source\n", None, today()).is_err());
        assert!(parse_risk_inputs_csv("area_id,as_of,du_lieu\n", None, today()).is_err());
        let t = parse_risk_inputs_csv(TEMPLATE_CSV, None, today()).unwrap();
        assert_eq!(t.errors, vec![]);
        assert_eq!(t.rows[1].coverage.as_ref().unwrap().figures[0], Some(0.725));
    }
}
