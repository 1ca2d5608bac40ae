//! Reading the official lists of administrative units and the 2025 ward mapping
//! (`data/admin-units/`, from the national statistics office's register).

use crate::area::{AreaLevel, MappingKind, Structure, UnitCode};
use crate::error::Invalid;
use crate::population::{ParsedCsv, RowError};

/// One official unit as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRow {
    pub line: usize,
    pub level: AreaLevel,
    pub code: UnitCode,
    pub name: String,
    /// The kind as named: Tỉnh, Thành phố, Huyện, Quận, Thị xã, Xã, Phường, Thị trấn, Đặc khu.
    pub kind: String,
    pub parent_code: Option<UnitCode>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub area_km2: Option<f64>,
}

/// One old ward → new ward pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingRow {
    pub line: usize,
    pub old_code: UnitCode,
    pub new_code: UnitCode,
    pub kind: MappingKind,
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes())
}

fn columns(
    reader: &mut csv::Reader<&[u8]>,
    wanted: &[&str],
) -> Result<Vec<Option<usize>>, Invalid> {
    let headers = reader
        .headers()
        .map_err(|e| Invalid::field("file", format!("không đọc được dòng tiêu đề: {e}")))?
        .clone();
    Ok(wanted
        .iter()
        .map(|w| headers.iter().position(|h| h == *w))
        .collect())
}

fn optional_f64(s: &str, field: &str, line: usize, errors: &mut Vec<RowError>) -> Option<f64> {
    if s.is_empty() {
        return None;
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            errors.push(RowError {
                line,
                field: field.into(),
                message: format!("\"{s}\" không phải là số"),
            });
            None
        }
    }
}

/// Reads a units file (`level,code,name,type,parent_code,lat,lon[,area_km2]`).
/// Levels must fit the structure: no districts in the current structure.
pub fn parse_units_csv(text: &str, structure: Structure) -> Result<ParsedCsv<UnitRow>, Invalid> {
    let mut rdr = reader(text);
    let cols = columns(
        &mut rdr,
        &[
            "level",
            "code",
            "name",
            "type",
            "parent_code",
            "lat",
            "lon",
            "area_km2",
        ],
    )?;
    let (Some(level_c), Some(code_c), Some(name_c), Some(type_c), Some(parent_c)) =
        (cols[0], cols[1], cols[2], cols[3], cols[4])
    else {
        return Err(Invalid::field(
            "file",
            "tệp đơn vị hành chính cần các cột level, code, name, type, parent_code",
        ));
    };
    let mut out = ParsedCsv::default();
    for (i, record) in rdr.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(RowError {
                    line,
                    field: "file".into(),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("");
        let errors_before = out.errors.len();
        let mut fail = |field: &str, message: String| {
            out.errors.push(RowError {
                line,
                field: field.into(),
                message,
            })
        };
        let level = match AreaLevel::parse(get(Some(level_c))) {
            Ok(l @ (AreaLevel::Province | AreaLevel::Ward)) => Some(l),
            Ok(AreaLevel::District) if structure == Structure::Legacy => Some(AreaLevel::District),
            Ok(l) => {
                fail(
                    "level",
                    format!("cấp \"{}\" không có trong cơ cấu này", l.as_str()),
                );
                None
            }
            Err(e) => {
                fail("level", e.0[0].message.clone());
                None
            }
        };
        let code = level.and_then(|l| match UnitCode::parse_at(get(Some(code_c)), l) {
            Ok(c) => Some(c),
            Err(e) => {
                fail("code", e.0[0].message.clone());
                None
            }
        });
        let name = crate::text::clean(get(Some(name_c)));
        if name.is_empty() {
            fail("name", "thiếu tên đơn vị".into());
        }
        let parent_raw = get(Some(parent_c));
        let parent_code = match (level, parent_raw.is_empty()) {
            (Some(AreaLevel::Province), _) | (None, _) => None,
            (Some(_), true) => {
                fail("parent_code", "thiếu mã đơn vị cấp trên".into());
                None
            }
            (Some(_), false) => match UnitCode::parse(parent_raw) {
                Ok(c) => Some(c),
                Err(e) => {
                    fail("parent_code", e.0[0].message.clone());
                    None
                }
            },
        };
        let mut errs = Vec::new();
        let lat = optional_f64(get(cols[5]), "lat", line, &mut errs);
        let lon = optional_f64(get(cols[6]), "lon", line, &mut errs);
        let area_km2 = optional_f64(get(cols[7]), "area_km2", line, &mut errs);
        out.errors.extend(errs);
        if out.errors.len() > errors_before {
            continue;
        }
        if let (Some(level), Some(code)) = (level, code) {
            out.rows.push(UnitRow {
                line,
                level,
                code,
                name,
                kind: crate::text::clean(get(Some(type_c))),
                parent_code,
                lat,
                lon,
                area_km2,
            });
        }
    }
    Ok(out)
}

/// Reads the ward mapping (`old_ward_code,new_ward_code,kind`).
pub fn parse_mapping_csv(text: &str) -> Result<ParsedCsv<MappingRow>, Invalid> {
    let mut rdr = reader(text);
    let cols = columns(&mut rdr, &["old_ward_code", "new_ward_code", "kind"])?;
    let (Some(old_c), Some(new_c), Some(kind_c)) = (cols[0], cols[1], cols[2]) else {
        return Err(Invalid::field(
            "file",
            "tệp sáp nhập cần các cột old_ward_code, new_ward_code, kind",
        ));
    };
    let mut out = ParsedCsv::default();
    for (i, record) in rdr.records().enumerate() {
        let line = i + 2;
        let parsed = record
            .map_err(|e| Invalid::field("file", e.to_string()))
            .and_then(|r| {
                let get = |c: usize| r.get(c).unwrap_or("").to_owned();
                Ok(MappingRow {
                    line,
                    old_code: UnitCode::parse_at(&get(old_c), AreaLevel::Ward)
                        .map_err(|e| Invalid::field("old_ward_code", e.0[0].message.clone()))?,
                    new_code: UnitCode::parse_at(&get(new_c), AreaLevel::Ward)
                        .map_err(|e| Invalid::field("new_ward_code", e.0[0].message.clone()))?,
                    kind: MappingKind::parse(&get(kind_c))?,
                })
            });
        match parsed {
            Ok(row) => out.rows.push(row),
            Err(e) => out.errors.extend(e.0.into_iter().map(|f| RowError {
                line,
                field: f.field,
                message: f.message,
            })),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_units_parse_with_their_parents() {
        let csv = "level,code,name,type,parent_code,lat,lon\n\
                   province,12,Tỉnh Lai Châu,Tỉnh,,22.3,103.2\n\
                   district,105,Thành phố Lai Châu,Thành phố,12,22.38,103.47\n\
                   ward,03199,Phường Tân Phong,Phường,105,,\n";
        let p = parse_units_csv(csv, Structure::Legacy).unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.rows.len(), 3);
        assert_eq!(p.rows[2].parent_code.as_ref().unwrap().as_str(), "105");
        assert_eq!(p.rows[2].lat, None);
        assert_eq!(p.rows[0].parent_code, None);
    }

    #[test]
    fn a_district_in_the_current_structure_is_an_error_with_its_line() {
        let csv = "level,code,name,type,parent_code,lat,lon,area_km2\n\
                   province,12,Tỉnh Lai Châu,Tỉnh,,,,\n\
                   district,105,Thành phố Lai Châu,Thành phố,12,,,\n\
                   ward,03199,,Phường,12,x,,\n";
        let p = parse_units_csv(csv, Structure::Current).unwrap();
        assert_eq!(p.rows.len(), 1);
        let lines: Vec<_> = p
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(lines, [(3, "level"), (4, "name"), (4, "lat")]);
    }

    #[test]
    fn mapping_rows() {
        let csv = "old_ward_code,new_ward_code,kind\n00001,00097,whole\n00007,00008,default-part\n0007,00008,part\n";
        let p = parse_mapping_csv(csv).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[1].kind, MappingKind::DefaultPart);
        assert_eq!(p.errors[0].line, 4);
        assert_eq!(p.errors[0].field, "old_ward_code");
    }

    #[test]
    fn the_shipped_files_parse_without_errors() {
        let legacy = include_str!("../../../data/admin-units/units-legacy.csv");
        let current = include_str!("../../../data/admin-units/units-2025.csv");
        let mapping = include_str!("../../../data/admin-units/ward-mapping-2025.csv");
        let l = parse_units_csv(legacy, Structure::Legacy).unwrap();
        let c = parse_units_csv(current, Structure::Current).unwrap();
        let m = parse_mapping_csv(mapping).unwrap();
        assert!(l.errors.is_empty() && c.errors.is_empty() && m.errors.is_empty());
        // Counts stated in data/admin-units/README.md.
        let count = |rows: &[UnitRow], level| rows.iter().filter(|r| r.level == level).count();
        assert_eq!(count(&l.rows, AreaLevel::Province), 63);
        assert_eq!(count(&l.rows, AreaLevel::District), 696);
        assert_eq!(count(&l.rows, AreaLevel::Ward), 10_035);
        assert_eq!(count(&c.rows, AreaLevel::Province), 34);
        assert_eq!(count(&c.rows, AreaLevel::Ward), 3_321);
        assert_eq!(m.rows.len(), 10_597);
    }
}
