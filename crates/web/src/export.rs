//! Exports of the case list: one column definition for CSV and Excel. Rows are read 5,000 at a
//! time in id order (keyset), so memory stays flat however long the list: CSV is streamed as
//! it is read; the Excel workbook is written with the worksheet in constant-memory mode to a
//! temporary file, which is then streamed and removed.

use crate::error::ApiError;
use axum::body::{Body, Bytes};
use chongdich_domain::access::Scope;
use chongdich_domain::case::{Classification, FoundIn, Outcome, Setting};
use chongdich_store::Store;
use chongdich_store::cases::{CaseFilter, CaseRow};
use std::path::PathBuf;

/// Column headers, in Vietnamese.
pub const CASE_HEADERS: [&str; 20] = [
    "Mã ca",
    "Mã BN",
    "Họ và tên",
    "Năm sinh",
    "Giới tính",
    "Mã địa bàn",
    "Địa bàn",
    "Bệnh",
    "Phân loại",
    "Ngày khởi phát",
    "Ngày lấy mẫu",
    "Ngày xác định",
    "Ngày cách ly",
    "Nơi phát hiện",
    "Rõ nguồn lây",
    "Bối cảnh",
    "Nơi điều trị",
    "Kết quả điều trị",
    "Ngày kết quả",
    "Ổ dịch",
];

fn d(v: Option<chrono::NaiveDate>) -> String {
    v.map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// The cells of one case, as text, in header order.
pub fn case_cells(c: &CaseRow) -> [String; 20] {
    [
        c.id.to_string(),
        c.case_code.clone().unwrap_or_default(),
        c.full_name.clone(),
        c.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        match c.sex.as_deref() {
            Some("male") => "Nam".into(),
            Some("female") => "Nữ".into(),
            _ => String::new(),
        },
        c.area_id.clone(),
        c.area_name.clone(),
        c.disease_code.clone(),
        Classification::parse(&c.classification)
            .map(|x| x.label().to_owned())
            .unwrap_or_default(),
        d(c.onset_date),
        d(c.sample_date),
        d(c.confirmed_date),
        d(c.isolated_on),
        FoundIn::parse(&c.found_in)
            .map(|x| x.label().to_owned())
            .unwrap_or_default(),
        if c.source_known {
            "Có".into()
        } else {
            "Không".into()
        },
        Setting::parse(&c.setting)
            .map(|x| x.label().to_owned())
            .unwrap_or_default(),
        c.treatment_place.clone(),
        Outcome::parse(&c.outcome)
            .map(|x| x.label().to_owned())
            .unwrap_or_default(),
        d(c.outcome_date),
        c.outbreak_id.map(|o| o.to_string()).unwrap_or_default(),
    ]
}

/// A chunk of CSV (with the BOM and header first).
pub fn csv_rows(rows: &[CaseRow], first: bool) -> Result<Bytes, std::io::Error> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::with_capacity(rows.len() * 160));
    if first {
        w.write_record(CASE_HEADERS)
            .map_err(std::io::Error::other)?;
    }
    for r in rows {
        w.write_record(case_cells(r))
            .map_err(std::io::Error::other)?;
    }
    let mut out = if first {
        "\u{feff}".as_bytes().to_vec()
    } else {
        Vec::new()
    };
    out.extend(
        w.into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?,
    );
    Ok(Bytes::from(out))
}

/// Writes the filtered cases to a temporary .xlsx file and returns its path.
pub async fn xlsx_to_file(
    store: &Store,
    scope: &Scope,
    f: &CaseFilter,
) -> Result<PathBuf, ApiError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| ApiError::internal(e);
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet_with_constant_memory().map_err(err)?;
    ws.set_name("Ca bệnh").map_err(err)?;
    for (c, h) in CASE_HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(err)?;
    }
    let mut row = 1u32;
    let mut after = 0i64;
    loop {
        let chunk = store.cases_chunk(scope, f, after, 5_000).await?;
        let Some(last) = chunk.last() else { break };
        after = last.id;
        for c in &chunk {
            if row as i64 > crate::api::audit::XLSX_MAX_ROWS {
                break;
            }
            ws.write_number(row, 0, c.id as f64).map_err(err)?;
            for (i, cell) in case_cells(c).iter().enumerate().skip(1) {
                if !cell.is_empty() {
                    ws.write_string(row, i as u16, cell).map_err(err)?;
                }
            }
            row += 1;
        }
        tokio::task::yield_now().await;
    }
    ws.set_column_width(2, 28).map_err(err)?;
    ws.set_column_width(6, 24).map_err(err)?;
    let name = format!(
        "chongdich-export-{}-{}.xlsx",
        std::process::id(),
        rand::random::<u64>()
    );
    let path = std::env::temp_dir().join(name);
    let p2 = path.clone();
    tokio::task::spawn_blocking(move || wb.save(&p2))
        .await
        .map_err(ApiError::internal)?
        .map_err(err)?;
    Ok(path)
}

/// Streams a file in 64 KiB pieces and removes it once read (or if the reader goes away).
pub async fn file_body(path: PathBuf) -> std::io::Result<Body> {
    use tokio::io::AsyncReadExt;
    let file = tokio::fs::File::open(&path).await?;
    struct Cleanup(PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let stream =
        futures_util::stream::unfold((file, Cleanup(path)), |(mut file, cleanup)| async move {
            let mut buf = vec![0u8; 64 * 1024];
            match file.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok::<_, std::io::Error>(Bytes::from(buf)), (file, cleanup)))
                }
                Err(e) => Some((Err(e), (file, cleanup))),
            }
        });
    Ok(Body::from_stream(stream))
}
