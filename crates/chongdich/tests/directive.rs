//! `chongdich directive parse`: a real directive from file to JSON, end to end, without a
//! database; files that are not documents give a clear message and exit code 2.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_chongdich");

/// The directive fixtures (`data/directives/`).
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/directives")
        .join(name)
}

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p =
            std::env::temp_dir().join(format!("chongdich-directive-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs with settings that would make any command touching the database fail.
fn parse(dir: &Path, file: &Path) -> Output {
    Command::new(BIN)
        .args(["directive", "parse"])
        .arg(file)
        .current_dir(dir)
        .env("DATABASE_URL", "mysql://no-database-here")
        .env("CHONGDICH_CONFIG", dir.join("missing.toml"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("start chongdich")
}

fn find_item<'a>(items: &'a Value, path: &str) -> Option<&'a Value> {
    items.as_array()?.iter().find_map(|i| {
        if i["path"] == path {
            Some(i)
        } else {
            find_item(&i["items"], path)
        }
    })
}

#[test]
fn a_thong_bao_is_printed_as_json() {
    let dir = TempDir::new("json");
    let out = parse(&dir.0, &fixture("000_b7a427223fb6cfea.txt"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "thong_bao");
    assert_eq!(v["number"], "/TB-UBND");
    assert_eq!(v["place"], "Lai Châu");
    assert_eq!(
        v["date"],
        serde_json::json!({"year": 2021, "month": 6, "day": null})
    );
    assert!(
        v["subject"]
            .as_str()
            .unwrap()
            .starts_with("Kết luận của đồng chí Tổng Thanh Hải")
    );
    assert_eq!(v["recipients"], serde_json::json!([]));
    let numbers: Vec<&str> = v["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, ["2686/QĐ-BCĐQG", "1771/UBND-VX", "1758/UBND-VX"]);
    assert_eq!(v["references"][0]["kind"], "quyet_dinh");
    assert_eq!(
        v["references"][0]["date"],
        serde_json::json!({"year": 2021, "month": 5, "day": 31})
    );
    assert_eq!(v["references"][0]["issuer"], "Ban Chỉ đạo Quốc gia");

    assert_eq!(v["items"].as_array().unwrap().len(), 9);
    let task = find_item(&v["items"], "9.1").expect("item 9.1");
    assert_eq!(task["lead"], serde_json::json!(["Sở Tài chính"]));
    assert_eq!(task["support"], serde_json::json!(["Sở Y tế"]));
    assert_eq!(task["deadline"], "2021-07-05");
    assert_eq!(task["items"], serde_json::json!([]));
    let seven = find_item(&v["items"], "7").unwrap();
    assert_eq!(
        seven["lead"],
        serde_json::json!(["Sở Y tế", "UBND các huyện, thành phố"])
    );
    assert_eq!(seven["deadline"], Value::Null);

    assert_eq!(v["distribution"].as_array().unwrap().len(), 7);
    assert_eq!(v["distribution"][0], "TT: Tỉnh uỷ, HĐND tỉnh");
    assert_eq!(
        v["signer"],
        serde_json::json!({
            "name": "Nguyễn Thị Hồng Tuyền",
            "authority": "TL. CHỦ TỊCH / KT. CHÁNH VĂN PHÒNG",
            "title": "PHÓ CHÁNH VĂN PHÒNG"
        })
    );
}

#[test]
fn utf16_is_read_and_tcvn3_is_parsed_with_a_warning() {
    let dir = TempDir::new("encodings");
    // Windows Notepad's "Unicode": UTF-16 little-endian with its byte-order mark.
    let text = std::fs::read_to_string(fixture("000_b7a427223fb6cfea.txt")).unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let out = parse(&dir.0, &dir.write("unicode.txt", &utf16));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "thong_bao");
    assert_eq!(
        find_item(&v["items"], "9.1").unwrap()["deadline"],
        "2021-07-05"
    );
    // A text typed in .VnTime and saved without converting: parsed, with a warning.
    let tcvn3 = "Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc\n\
                 Th«ng b¸o kÕt luËn cña Ban ChØ ®¹o\n1. Së Y tÕ chñ tr×.\n";
    let out = parse(&dir.0, &dir.write("vntime.txt", tcvn3.as_bytes()));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("TCVN3"), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["items"].is_array(), "{v}");
}

#[test]
fn files_that_are_not_documents_are_refused_clearly() {
    let dir = TempDir::new("refused");
    let binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    for (name, bytes, says) in [
        ("binary.txt", binary.as_slice(), "UTF-8"),
        ("latin1.md", b"Quy\xeat \xf0\xe9nh".as_slice(), "UTF-8"),
        ("not-a-docx.docx", b"hello".as_slice(), ".docx"),
        ("scan.pdf", b"%PDF-1.4".as_slice(), ".txt, .md"),
        ("empty.txt", b" \r\n\n\t".as_slice(), "trống"),
    ] {
        let file = dir.write(name, bytes);
        let out = parse(&dir.0, &file);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}");
        assert!(err.contains(name) && err.contains(says), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    let missing = parse(&dir.0, &dir.0.join("missing.txt"));
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("missing.txt"));
}
