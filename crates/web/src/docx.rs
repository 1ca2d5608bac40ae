//! The text of a Word document (.docx): the paragraphs of `word/document.xml`, one per line,
//! with tabs and line breaks, for the directive parser. Headers, footers, comments and deleted
//! (tracked) text are not read.

use quick_xml::Reader;
use quick_xml::events::Event;
use std::io::{Cursor, Read};

/// The largest `word/document.xml` read (uncompressed): far above any directive, low enough
/// that a zip bomb cannot exhaust memory.
pub const MAX_DOCUMENT_XML: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocxError {
    #[error("tệp không phải văn bản Word .docx (không phải tệp nén zip)")]
    NotZip,
    #[error("tệp nén không phải văn bản Word .docx (không có word/document.xml)")]
    NoDocument,
    #[error("nội dung văn bản Word quá lớn (hơn {} MB)", MAX_DOCUMENT_XML / 1024 / 1024)]
    TooLarge,
    #[error("văn bản Word bị hỏng: {0}")]
    Corrupt(String),
}

/// Whether bytes start like a zip container (a .docx, an .xlsx).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The text of a .docx: each paragraph (`w:p`) a line, `w:t` its text, `w:tab` a tab,
/// `w:br` / `w:cr` a line break; a table's cells are paragraphs too.
pub fn docx_text(bytes: &[u8]) -> Result<String, DocxError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| DocxError::NotZip)?;
    let file = zip.by_name("word/document.xml").map_err(|e| match e {
        zip::result::ZipError::FileNotFound => DocxError::NoDocument,
        e => DocxError::Corrupt(e.to_string()),
    })?;
    let mut raw = Vec::new();
    file.take(MAX_DOCUMENT_XML + 1)
        .read_to_end(&mut raw)
        .map_err(|e| DocxError::Corrupt(e.to_string()))?;
    if raw.len() as u64 > MAX_DOCUMENT_XML {
        return Err(DocxError::TooLarge);
    }
    let xml = String::from_utf8(raw)
        .map_err(|_| DocxError::Corrupt("word/document.xml không phải UTF-8".into()))?;
    xml_text(&xml)
}

/// The text of a WordprocessingML body.
fn xml_text(xml: &str) -> Result<String, DocxError> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    // Inside w:t (text to keep); inside w:tabs (tab stops, not tab characters).
    let mut in_text = false;
    let mut in_tabs = 0usize;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| DocxError::Corrupt(e.to_string()))?;
        match event {
            Event::Start(e) => match e.local_name().as_ref() {
                "t" => in_text = true,
                "tabs" => in_tabs += 1,
                "tab" if in_tabs == 0 => out.push('\t'),
                "br" | "cr" => out.push('\n'),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "p" => out.push('\n'),
                "tab" if in_tabs == 0 => out.push('\t'),
                "br" | "cr" => out.push('\n'),
                "noBreakHyphen" => out.push('-'),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "tabs" => in_tabs = in_tabs.saturating_sub(1),
                "p" => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => out.push_str(&t),
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    out.push_str(s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::io::Write;

    /// A .docx made in memory: the given body inside a minimal document.xml.
    fn docx(body: &str) -> Vec<u8> {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
        );
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        w.start_file("[Content_Types].xml", opts).unwrap();
        w.write_all(b"<Types/>").unwrap();
        w.start_file("word/document.xml", opts).unwrap();
        w.write_all(xml.as_bytes()).unwrap();
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn paragraphs_runs_tabs_and_breaks() {
        let bytes = docx(concat!(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>"#,
            r#"<w:r><w:t>Số: 1229</w:t></w:r><w:r><w:t xml:space="preserve"> /UBND-VX</w:t></w:r>"#,
            r#"<w:r><w:tab/><w:t>Lai Châu, ngày 11 tháng 5 năm 2021</w:t></w:r></w:p>"#,
            r#"<w:p/>"#,
            r#"<w:p><w:r><w:t>V/v thực hiện</w:t><w:br/><w:t>Thông báo &amp; kết luận &#273;ó</w:t></w:r>"#,
            r#"<w:del><w:r><w:delText>xoá</w:delText></w:r></w:del></w:p>"#,
            r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Ô một</w:t></w:r></w:p></w:tc>"#,
            r#"<w:tc><w:p><w:r><w:t>Ô hai</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#,
        ));
        assert!(is_zip(&bytes));
        let text = docx_text(&bytes).unwrap();
        assert_eq!(
            text,
            "Số: 1229 /UBND-VX\tLai Châu, ngày 11 tháng 5 năm 2021\n\nV/v thực hiện\nThông báo & kết luận đó\nÔ một\nÔ hai\n"
        );
    }

    #[test]
    fn a_directive_through_docx_parses_like_its_text() {
        let body: String = [
            "Số: 45/TB-UBND",
            "Lai Châu, ngày 02 tháng 7 năm 2021",
            "THÔNG BÁO",
            "Kết luận cuộc họp",
            "1. Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế (trước ngày 05/7/2021).",
        ]
        .iter()
        .map(|l| format!("<w:p><w:r><w:t>{l}</w:t></w:r></w:p>"))
        .collect();
        let text = docx_text(&docx(&body)).unwrap();
        let p = chongdich_domain::directive::parse::parse(&text);
        assert_eq!(p.number.as_deref(), Some("45/TB-UBND"));
        let item = &p.items[0];
        assert_eq!(item.lead, ["Sở Tài chính"]);
        assert_eq!(item.support, ["Sở Y tế"]);
        assert_eq!(item.deadline.unwrap().to_string(), "2021-07-05");
    }

    #[test]
    fn clear_errors_for_what_is_not_a_docx() {
        assert_eq!(docx_text(b"plain text, not a zip"), Err(DocxError::NotZip));
        assert_eq!(docx_text(&[]), Err(DocxError::NotZip));
        assert_eq!(docx_text(&[0xff, 0xfe, 0, 1, 2, 3]), Err(DocxError::NotZip));
        // A zip without word/document.xml (an .xlsx, say).
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("xl/workbook.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b"<workbook/>").unwrap();
        let xlsx = w.finish().unwrap().into_inner();
        assert_eq!(docx_text(&xlsx), Err(DocxError::NoDocument));
        // Broken XML.
        let broken = docx("<w:p><w:r><w:t>không đóng</w:r></w:p>");
        assert!(matches!(docx_text(&broken), Err(DocxError::Corrupt(_))));
        assert!(
            DocxError::NotZip.to_string().contains(".docx"),
            "{}",
            DocxError::NotZip
        );
    }
}
