//! Excel in and out: an uploaded workbook's first sheet is read as CSV text, so the same rules
//! (header, line numbers, per-row errors) apply; lists are written as `.xlsx` in constant memory.

use chongdich_domain::Invalid;
use std::io::Cursor;

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A list written as a workbook: one sheet, written in constant memory, its header row in
/// bold. Rows are added with [`ListSheet::row`] from row 1 on.
pub struct ListSheet {
    workbook: rust_xlsxwriter::Workbook,
    rows: u32,
}

/// A cell of a [`ListSheet`] row.
pub enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    Empty,
}

impl ListSheet {
    pub fn new(
        sheet: &str,
        headers: &[&str],
        widths: &[(u16, f64)],
    ) -> Result<Self, rust_xlsxwriter::XlsxError> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let ws = workbook.add_worksheet_with_constant_memory()?;
        ws.set_name(sheet)?;
        for (c, w) in widths {
            ws.set_column_width(*c, *w)?;
        }
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        Ok(Self { workbook, rows: 0 })
    }

    pub fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), rust_xlsxwriter::XlsxError> {
        let r = self.rows + 1;
        let ws = self.workbook.worksheet_from_index(0)?;
        for (c, cell) in cells.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) => {
                    ws.write_string(r, c, *t)?;
                }
                Cell::Number(n) => {
                    ws.write_number(r, c, *n)?;
                }
                Cell::Empty => {}
            }
        }
        self.rows = r;
        Ok(())
    }

    /// The workbook as a download named `{stem}-yyyymmdd.xlsx`, the export audited as
    /// `record_type` with what was exported and how many rows.
    pub async fn download(
        mut self,
        s: &crate::AppState,
        who: &chongdich_store::audit::Who,
        record_type: &str,
        what: &str,
        stem: &str,
    ) -> Result<axum::response::Response, crate::error::PageError> {
        use chongdich_domain::audit::{AuditAction, AuditEvent};
        let bytes = self.workbook.save_to_buffer().map_err(failed)?;
        s.store
            .audit(
                who,
                AuditEvent::new(AuditAction::Export, record_type, None)
                    .with_detail(format!("{what}: {} dòng", self.rows)),
            )
            .await?;
        Ok(crate::views::tasks::download(
            &format!("{stem}-{}.xlsx", s.clock.today().format("%Y%m%d")),
            XLSX_MIME,
            bytes,
        ))
    }
}

/// A workbook that could not be written.
pub fn failed(e: rust_xlsxwriter::XlsxError) -> crate::error::PageError {
    crate::error::PageError {
        status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("không tạo được tệp Excel: {e}"),
    }
}

/// Whether bytes are a zip container (an .xlsx workbook) rather than text.
pub fn is_xlsx(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // Whole numbers as typed (460196, not 460196.0).
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The first worksheet as CSV text (row 1 is line 1, as in a CSV file).
pub fn first_sheet_as_csv(bytes: &[u8]) -> Result<String, Invalid> {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let bad = |e: String| Invalid::field("file", format!("không đọc được tệp Excel: {e}"));
    let mut wb: Xlsx<Cursor<&[u8]>> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| bad(e.to_string()))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| bad("tệp không có trang tính nào".into()))?
        .map_err(|e| bad(e.to_string()))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in range.rows() {
        w.write_record(row.iter().map(cell_text))
            .map_err(|e| bad(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| bad(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| bad(e.to_string()))
}

/// Text of an upload: UTF-8 CSV as is, or the first sheet of an Excel workbook.
pub fn upload_text(bytes: &[u8]) -> Result<String, Invalid> {
    if is_xlsx(bytes) {
        return first_sheet_as_csv(bytes);
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        Invalid::field(
            "file",
            "tệp phải là CSV mã hoá UTF-8 (Excel: Lưu thành \"CSV UTF-8\") hoặc tệp Excel .xlsx",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workbook_reads_as_csv_with_whole_numbers_kept_whole() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["code", "population", "year", "source"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "105").unwrap();
        ws.write_number(1, 1, 41771.0).unwrap();
        ws.write_number(1, 2, 2019.0).unwrap();
        ws.write_string(1, 3, "Tổng điều tra, 2019").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        assert!(is_xlsx(&bytes));
        let csv = upload_text(&bytes).unwrap();
        assert_eq!(
            csv,
            "code,population,year,source\n105,41771,2019,\"Tổng điều tra, 2019\"\n"
        );
    }

    #[test]
    fn text_that_is_neither_is_refused() {
        assert_eq!(upload_text(b"a,b\n1,2\n").unwrap(), "a,b\n1,2\n");
        assert_eq!(
            upload_text(&[0xff, 0xfe, 0x00]).unwrap_err().0[0].field,
            "file"
        );
        assert_eq!(
            upload_text(b"PK\x03\x04broken").unwrap_err().0[0].field,
            "file"
        );
    }
}
