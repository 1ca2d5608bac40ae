//! Rule sets edited as JSON by administrators (risk levels, quarantine): parsing that names
//! the path of a malformed value in Vietnamese, and the checks their validations share.

use crate::error::{Collector, Invalid};

/// Whether an id is 2–`max` characters of lowercase ASCII letters, digits and `_`.
fn id_ok(s: &str, max: usize) -> bool {
    (2..=max).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

pub(crate) fn check_id(c: &mut Collector, field: String, s: &str, max: usize) {
    if !id_ok(s, max) {
        c.push(
            field,
            format!("\"{s}\" không hợp lệ: dùng 2–{max} ký tự chữ thường không dấu, chữ số, dấu _"),
        );
    }
}

pub(crate) fn non_empty(c: &mut Collector, field: impl FnOnce() -> String, s: &str) {
    if s.trim().is_empty() {
        c.push(field(), "không được để trống");
    }
}

/// A serde_json message in Vietnamese (the common parts of it).
fn vietnamese(message: &str) -> String {
    const WORDS: [(&str, &str); 15] = [
        (
            "EOF while parsing an object",
            "hết dữ liệu khi đang đọc một đối tượng",
        ),
        (
            "EOF while parsing a list",
            "hết dữ liệu khi đang đọc một danh sách",
        ),
        (
            "EOF while parsing a string",
            "hết dữ liệu khi đang đọc một chuỗi",
        ),
        (
            "EOF while parsing a value",
            "hết dữ liệu khi đang đọc một giá trị",
        ),
        ("expected value", "cần một giá trị"),
        ("unknown variant ", "giá trị không hợp lệ "),
        ("unknown field ", "trường không có "),
        ("missing field ", "thiếu trường "),
        ("invalid type: ", "sai kiểu: "),
        ("invalid value: ", "giá trị không hợp lệ: "),
        ("invalid length ", "sai độ dài "),
        (", expected one of ", ", cần một trong: "),
        (", expected ", ", cần "),
        ("trailing characters", "thừa ký tự ở cuối"),
        ("EOF while parsing", "hết dữ liệu khi đang đọc"),
    ];
    let mut m = message.to_owned();
    for (en, vi) in WORDS {
        m = m.replace(en, vi);
    }
    if let Some(at) = m.rfind(" at line ")
        && let Some((line, column)) = m[at + 9..].split_once(" column ")
    {
        m = format!("{} (dòng {line}, cột {column})", &m[..at]);
    }
    m
}

/// Parses JSON, naming the path of a malformed value: `trường cases[2].found_in: …`. A
/// malformed document as a whole is reported on `root`.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(text: &str, root: &str) -> Result<T, Invalid> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let mut message = vietnamese(&e.inner().to_string());
        if !e.inner().is_data() {
            message = format!("JSON không hợp lệ: {message}");
        }
        if path.is_empty() || path == "." || path == "?" {
            Invalid::field(root, message)
        } else {
            Invalid::field(path.clone(), format!("trường {path}: {message}"))
        }
    })?;
    de.end().map_err(|e| {
        Invalid::field(
            root,
            format!("JSON không hợp lệ: {}", vietnamese(&e.to_string())),
        )
    })?;
    Ok(value)
}
