//! `chongdich risk`: what-if assessments from a file, end to end, without a database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_chongdich");

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("chongdich-risk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn entries(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs in `dir` with settings that would make any command touching the database fail.
fn risk(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("risk")
        .args(args)
        .current_dir(dir)
        .env("DATABASE_URL", "mysql://no-database-here")
        .env("CHONGDICH_CONFIG", dir.join("missing.toml"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("start chongdich")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A province, a district of four communes in a row R – O – Y – G, and a second district.
const WHAT_IF: &str = r#"{
  "as_of": "2021-06-24",
  "units": [
    {"code": "P", "level": "province"},
    {"code": "D1", "level": "district", "parent": "P"},
    {"code": "D2", "level": "district", "parent": "P"},
    {"code": "R", "level": "ward", "parent": "D1", "population": 1000},
    {"code": "O", "level": "ward", "parent": "D1", "population": 10000, "neighbours": ["R"]},
    {"code": "Y", "level": "ward", "parent": "D1", "population": 10000, "neighbours": ["O"]},
    {"code": "G", "level": "ward", "parent": "D1", "population": 10000, "neighbours": ["Y"]},
    {"code": "K", "level": "ward", "parent": "D2"}
  ],
  "cases": [
    {"ward": "R", "confirmed_on": "2021-06-20", "found_in": "community", "source_known": false},
    {"ward": "R", "confirmed_on": "2021-06-22", "found_in": "community", "source_known": false},
    {"ward": "G", "confirmed_on": "2021-06-22", "found_in": "quarantine", "count": 5},
    {"ward": "K", "confirmed_on": "2021-06-01", "found_in": "community", "source_known": false}
  ],
  "comment": "unknown fields are ignored"
}"#;

fn unit<'a>(out: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    out["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == code)
        .unwrap_or_else(|| panic!("no unit {code} in {out}"))
}

fn reasons(u: &serde_json::Value) -> Vec<String> {
    u["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_what_if_file_is_assessed_without_a_database() {
    let dir = TempDir::new("assess");
    dir.write("what-if.json", WHAT_IF);
    let o = risk(
        &dir.0,
        &["assess", "--rules", "qd2686", "--input", "what-if.json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["rules"], "qd2686");
    assert_eq!(out["as_of"], "2021-06-24");
    let codes: Vec<&str> = out["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["R", "O", "Y", "G", "K", "D1", "D2", "P"]);
    for (code, level, colour) in [
        ("R", "nguy_co_rat_cao", "red"),
        ("O", "nguy_co_cao", "orange"),
        ("Y", "nguy_co", "yellow"),
        ("G", "binh_thuong_moi", "green"),
        ("K", "binh_thuong_moi", "green"),
        ("D1", "nguy_co_rat_cao", "red"),
        ("D2", "binh_thuong_moi", "green"),
        ("P", "nguy_co_rat_cao", "red"),
    ] {
        let u = unit(&out, code);
        assert_eq!(u["level"], level, "{code}: {u}");
        assert_eq!(u["colour"], colour, "{code}: {u}");
    }
    let r = reasons(unit(&out, "R"));
    assert!(
        r.contains(
            &"Nguy cơ cao: Có ca F0 trong cộng đồng chưa rõ nguồn lây — 2 ca trong 14 ngày (từ 1 ca)"
                .to_owned()
        ),
        "{r:?}"
    );
    assert!(r[0].starts_with("Nguy cơ rất cao: "), "{r:?}");
    assert_eq!(
        reasons(unit(&out, "O"))[0],
        "Nguy cơ cao: tiếp giáp đơn vị Nguy cơ rất cao: R"
    );
    assert!(
        reasons(unit(&out, "D1")).contains(
            &"Nguy cơ rất cao: 2/4 xã (50%) ở mức Nguy cơ cao trở lên (từ 50%)".to_owned()
        ),
        "{:?}",
        reasons(unit(&out, "D1"))
    );
    // Cases found in quarantine do not count; K's case is too old; K has no population.
    let g = reasons(unit(&out, "G"));
    assert_eq!(
        g,
        ["Bình thường mới: không có yếu tố nào của các mức cao hơn"]
    );
    let k = reasons(unit(&out, "K"));
    assert!(
        k.iter()
            .any(|t| t.contains("không tính được: thiếu số dân của đơn vị K")),
        "{k:?}"
    );
    // Without --rules: the set in force on as_of (QĐ 2686 on 24/06/2021).
    let o = risk(&dir.0, &["assess", "--input", "what-if.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out["rules"], "qd2686");
    // Under QĐ 4800 the same file gives levels cap_1 … cap_4.
    let o = risk(
        &dir.0,
        &["assess", "--rules", "qd4800", "--input", "what-if.json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(unit(&out, "R")["level"], "cap_4");
    assert_eq!(unit(&out, "R")["colour"], "red");
    assert_eq!(unit(&out, "O")["level"], "cap_1");
    // No database was created or opened: the directory holds only the input.
    assert_eq!(dir.entries(), ["what-if.json"]);
}

#[test]
fn a_malformed_file_or_an_unknown_set_is_an_error() {
    let dir = TempDir::new("errors");
    dir.write(
        "bad.json",
        &WHAT_IF.replace(r#""found_in": "quarantine""#, r#""found_in": "street""#),
    );
    let o = risk(
        &dir.0,
        &["assess", "--rules", "qd2686", "--input", "bad.json"],
    );
    assert!(!o.status.success());
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert!(err.contains("trường cases[2].found_in"), "{err}");
    assert!(err.contains("street"), "{err}");

    dir.write("broken.json", r#"{"as_of": "2021-06-24", "units": ["#);
    let o = risk(
        &dir.0,
        &["assess", "--rules", "qd2686", "--input", "broken.json"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("JSON không hợp lệ"), "{}", stderr(&o));

    dir.write(
        "orphan.json",
        &WHAT_IF.replace(r#""parent": "D2""#, r#""parent": "D9""#),
    );
    let o = risk(
        &dir.0,
        &["assess", "--rules", "qd2686", "--input", "orphan.json"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("units[7].parent"), "{}", stderr(&o));

    let o = risk(
        &dir.0,
        &["assess", "--rules", "ct16", "--input", "bad.json"],
    );
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("\"ct16\""), "{err}");
    assert!(err.contains("qd2686, qd4800, qd218"), "{err}");

    let o = risk(
        &dir.0,
        &["assess", "--rules", "qd2686", "--input", "missing.json"],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("missing.json"), "{}", stderr(&o));
}

#[test]
fn the_shipped_sets_are_listed() {
    let dir = TempDir::new("rules");
    let o = risk(&dir.0, &["rules"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("qd2686") && lines[0].contains("31/05/2021 – 11/10/2021"));
    assert!(lines[1].starts_with("qd4800") && lines[1].contains("12/10/2021 – 26/01/2022"));
    assert!(lines[2].starts_with("qd218") && lines[2].contains("27/01/2022 – nay"));
    assert_eq!(dir.entries(), Vec::<String>::new());
}
