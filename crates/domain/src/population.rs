//! Population figures: each with its year and source, never invented.
//!
//! A CSV import parses every row first; the caller then chooses to import the valid rows and
//! report the bad ones by line number, or to import nothing while any row is bad.

use crate::area::UnitCode;
use crate::error::{FieldError, Invalid};
use serde::{Deserialize, Serialize};

/// A population figure as entered: how many people, counted in which year, according to what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationFigure {
    pub population: i64,
    pub year: i32,
    pub source: String,
}

impl PopulationFigure {
    pub fn parse(population: &str, year: &str, source: &str) -> Result<Self, Invalid> {
        let mut errors = Vec::new();
        let digits: String = population
            .trim()
            .chars()
            .filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}'))
            .collect();
        let population = match digits.parse::<i64>() {
            Ok(n) if (0..=200_000_000).contains(&n) => Some(n),
            Ok(_) => {
                errors.push(FieldError::new(
                    "population",
                    "dân số phải từ 0 đến 200.000.000",
                ));
                None
            }
            Err(_) => {
                errors.push(FieldError::new("population", "dân số phải là số nguyên"));
                None
            }
        };
        let year = match year.trim().parse::<i32>() {
            Ok(y) if (1900..=2100).contains(&y) => Some(y),
            _ => {
                errors.push(FieldError::new("year", "năm phải là số từ 1900 đến 2100"));
                None
            }
        };
        let source = crate::text::clean(source);
        if source.is_empty() {
            errors.push(FieldError::new("source", "cần ghi nguồn số liệu"));
        } else if source.chars().count() > 1000 {
            errors.push(FieldError::new("source", "nguồn dài quá 1000 ký tự"));
        }
        match (population, year) {
            (Some(population), Some(year)) if errors.is_empty() => Ok(Self {
                population,
                year,
                source,
            }),
            _ => Err(Invalid(errors)),
        }
    }
}

/// A valid row of a population CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationRow {
    /// The line of the file (the header is line 1).
    pub line: usize,
    pub code: UnitCode,
    pub figure: PopulationFigure,
}

/// A bad row of a CSV file, by line number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// The result of reading a CSV: its valid rows and the errors of its bad rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCsv<T> {
    pub rows: Vec<T>,
    pub errors: Vec<RowError>,
}

impl<T> Default for ParsedCsv<T> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Reads a population CSV with the header `code,population,year,source` (a `name` column,
/// and any other, may be present and is ignored).
pub fn parse_population_csv(text: &str) -> Result<ParsedCsv<PopulationRow>, Invalid> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Invalid::field("file", format!("không đọc được dòng tiêu đề: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(code_col), Some(pop_col), Some(year_col), Some(source_col)) =
        (col("code"), col("population"), col("year"), col("source"))
    else {
        return Err(Invalid::field(
            "file",
            "tệp CSV cần các cột code, population, year, source",
        ));
    };
    let mut parsed = ParsedCsv::default();
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
        let get = |c: usize| record.get(c).unwrap_or("");
        let code = UnitCode::parse(get(code_col));
        let figure = PopulationFigure::parse(get(pop_col), get(year_col), get(source_col));
        match (code, figure) {
            (Ok(code), Ok(figure)) => parsed.rows.push(PopulationRow { line, code, figure }),
            (code, figure) => {
                for e in code.err().into_iter().chain(figure.err()).flat_map(|e| e.0) {
                    parsed.errors.push(RowError {
                        line,
                        field: e.field,
                        message: e.message,
                    });
                }
            }
        }
    }
    Ok(parsed)
}

/// How to treat a file with bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Import nothing while any row is bad.
    AllOrNothing,
    /// Import every valid row and report each bad one.
    ValidRows,
}

impl ImportMode {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s.trim() {
            "all_or_nothing" | "" => Ok(ImportMode::AllOrNothing),
            "valid_rows" => Ok(ImportMode::ValidRows),
            _ => Err(Invalid::field(
                "mode",
                "chọn \"all_or_nothing\" (không nhập gì nếu có dòng lỗi) hoặc \"valid_rows\" (nhập các dòng hợp lệ)",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_need_a_number_a_year_and_a_source() {
        let f = PopulationFigure::parse("460.196", "2019", " Tổng điều tra 2019 ").unwrap();
        assert_eq!(f.population, 460_196);
        assert_eq!(f.source, "Tổng điều tra 2019");
        let err = PopulationFigure::parse("nhiều", "19", "").unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["population", "year", "source"]);
        assert!(PopulationFigure::parse("-5", "2019", "x").is_err());
    }

    #[test]
    fn csv_rows_are_checked_one_by_one_with_line_numbers() {
        let csv = "\u{feff}code,name,population,year,source\n\
                   105,Thành phố Lai Châu,41771,2019,GSO 2019\n\
                   10x,Sai mã,1,2019,GSO\n\
                   106,Huyện Tam Đường,,2019,GSO\n\
                   109,Huyện Phong Thổ,79645,2019,GSO 2019\n";
        let parsed = parse_population_csv(csv).unwrap();
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].line, 2);
        assert_eq!(parsed.rows[1].code.as_str(), "109");
        assert_eq!(
            parsed
                .errors
                .iter()
                .map(|e| (e.line, e.field.as_str()))
                .collect::<Vec<_>>(),
            [(3, "code"), (4, "population")]
        );
    }

    #[test]
    fn csv_without_the_needed_columns_is_refused() {
        let err = parse_population_csv("ma,dan_so\n12,1\n").unwrap_err();
        assert_eq!(err.0[0].field, "file");
    }

    #[test]
    fn import_modes() {
        assert_eq!(
            ImportMode::parse("valid_rows").unwrap(),
            ImportMode::ValidRows
        );
        assert_eq!(ImportMode::parse("").unwrap(), ImportMode::AllOrNothing);
        assert!(ImportMode::parse("some").is_err());
    }
}
