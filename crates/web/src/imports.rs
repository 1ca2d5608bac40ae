//! Importing lists from Excel (issue #4): the engine behind the pages (`views::imports`), the
//! API (`api::imports`) and the benchmark.
//!
//! A file is read as a stream of rows on a blocking thread (calamine's cell reader for .xlsx,
//! the csv reader for CSV) and handed over in chunks through a small channel, so that a list of
//! 100,000 rows never sits in memory as rows: only the file, one chunk, the ID numbers seen
//! (for duplicates within the file) and one bit per line (valid or not).
//!
//! Upload keeps the file as a job with the batch typed and the header row found; a check maps
//! the columns, validates every row (ID, commune, duplicate in the file or in the database, the
//! order the rules give) and keeps the report; a run checks again — nothing is written while
//! checking — then writes the valid rows in one transaction (`ReturneeImport`, `CaseImport`,
//! `ContactImport` of the store), all or none, in a background task whose progress is kept in
//! memory ([`Progress`]). Each kind is checked by its own [`Checker`]: returnees against the
//! batch and the rules, cases against the diseases, contacts against their sources (an ID
//! number or a case code within the user's scope, looked up a chunk at a time).

use crate::excel::is_xlsx;
use axum::body::Bytes;
use chongdich_domain::access::Permission;
use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaLevel;
use chongdich_domain::case::CaseInput;
use chongdich_domain::exposure::ExposureInput;
use chongdich_domain::import::{
    Duplicates, ImportKind, ImportSettings, MAX_REPORTED_ROWS, Mapping, Report, RowError,
    RowReport, SavedMapping, case_row, contact_row, find_header, is_blank, is_column_numbers,
    returnee_row, row_errors,
};
use chongdich_domain::person::{PersonDraft, PersonInput};
use chongdich_domain::quarantine::QuarantineRuleSet;
use chongdich_domain::quarantine::order::Fallback;
use chongdich_domain::returnee::{BatchInput, BatchSource, ReturneeInput};
use chongdich_domain::{FieldError, Invalid};
use chongdich_store::audit::Who;
use chongdich_store::imports::{Checked, CommuneResolver, JobRow};
use chongdich_store::returnees::returnee_terms;
use chongdich_store::{Store, StoreError};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use tokio::sync::mpsc;

/// Rows handed over at a time, checked at a time and written at a time.
pub const CHUNK: usize = 1000;
/// Rows shown under the headers when choosing columns.
pub const SAMPLE_ROWS: usize = 5;

/// A row of a sheet: its number (1 is the first row) and its cells as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub line: u32,
    pub cells: Vec<String>,
}

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

/// Tells an .xlsx workbook from a UTF-8 CSV file; anything else is refused on `file`.
pub fn sniff(bytes: &[u8], file_name: &str) -> Result<Format, Invalid> {
    if bytes.is_empty() {
        return Err(Invalid::field("file", "chưa chọn tệp hoặc tệp rỗng"));
    }
    if is_xlsx(bytes) {
        return Ok(Format::Xlsx);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(Invalid::field(
            "file",
            "tệp Excel 97–2003 (.xls) chưa đọc được: mở tệp trong Excel và lưu thành .xlsx",
        ));
    }
    let lower = file_name.to_lowercase();
    if lower.ends_with(".xlsx") {
        return Err(Invalid::field(
            "file",
            format!("tệp \"{file_name}\" không phải tệp Excel (.xlsx) đọc được"),
        ));
    }
    if std::str::from_utf8(bytes).is_err() {
        return Err(Invalid::field(
            "file",
            "tệp phải là Excel (.xlsx) hoặc CSV mã hoá UTF-8 (Excel: Lưu thành \"CSV UTF-8\")",
        ));
    }
    Ok(Format::Csv)
}

fn bad_file(e: impl std::fmt::Display) -> Invalid {
    Invalid::field("file", format!("không đọc được tệp: {e}"))
}

/// A cell as text: whole numbers without ".0", dates as dd/mm/yyyy.
fn cell_text(v: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match v {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{day:02}/{m:02}/{y:04}")
        }
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::Error(e) => format!("#{e:?}"),
    }
}

type Chunk = Result<Vec<Row>, Invalid>;

fn read_xlsx(bytes: &[u8], tx: &mpsc::Sender<Chunk>) -> Result<(), Invalid> {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let mut wb: Xlsx<std::io::Cursor<&[u8]>> =
        open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(bad_file)?;
    let name = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| Invalid::field("file", "tệp không có trang tính nào"))?;
    let mut cells = wb.worksheet_cells_reader(&name).map_err(bad_file)?;
    let mut chunk: Vec<Row> = Vec::with_capacity(CHUNK);
    let mut current: Option<Row> = None;
    while let Some(cell) = cells.next_cell().map_err(bad_file)? {
        let (r, c) = cell.get_position();
        let text = cell_text(cell.get_value());
        if current.as_ref().is_some_and(|row| row.line != r + 1)
            && let Some(done) = current.take()
        {
            chunk.push(done);
            if chunk.len() >= CHUNK {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                if tx.blocking_send(Ok(full)).is_err() {
                    return Ok(()); // nobody reads any more
                }
            }
        }
        let row = current.get_or_insert_with(|| Row {
            line: r + 1,
            cells: Vec::new(),
        });
        if text.is_empty() {
            continue;
        }
        let c = c as usize;
        if row.cells.len() <= c {
            row.cells.resize(c + 1, String::new());
        }
        row.cells[c] = text;
    }
    if let Some(done) = current.take() {
        chunk.push(done);
    }
    if !chunk.is_empty() {
        let _ = tx.blocking_send(Ok(chunk));
    }
    Ok(())
}

fn read_csv(bytes: &[u8], tx: &mpsc::Sender<Chunk>) -> Result<(), Invalid> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut chunk: Vec<Row> = Vec::with_capacity(CHUNK);
    for rec in rdr.records() {
        let rec = rec.map_err(bad_file)?;
        let line = rec
            .position()
            .map(|p| u32::try_from(p.line()).unwrap_or(u32::MAX))
            .unwrap_or(0);
        chunk.push(Row {
            line,
            cells: rec.iter().map(str::to_owned).collect(),
        });
        if chunk.len() >= CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if tx.blocking_send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        let _ = tx.blocking_send(Ok(chunk));
    }
    Ok(())
}

/// Every row of the first sheet, in chunks, read on a blocking thread. An unreadable file
/// gives one error (on `file`) in place of a chunk. Dropping the receiver stops the reading.
pub fn rows(content: Bytes, format: Format) -> mpsc::Receiver<Chunk> {
    let (tx, rx) = mpsc::channel(2);
    tokio::task::spawn_blocking(move || {
        let read = match format {
            Format::Xlsx => read_xlsx(&content, &tx),
            Format::Csv => read_csv(&content, &tx),
        };
        if let Err(e) = read {
            let _ = tx.blocking_send(Err(e));
        }
    });
    rx
}

/// The rows under the header: blank rows and a row of column numbers left out.
pub struct DataRows {
    rx: mpsc::Receiver<Chunk>,
    header_line: u32,
    numbers_checked: bool,
}

impl DataRows {
    pub fn new(content: Bytes, format: Format, header_line: u32) -> Self {
        Self {
            rx: rows(content, format),
            header_line,
            numbers_checked: false,
        }
    }

    /// The next chunk of data rows; None at the end of the sheet.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<Row>>, Invalid> {
        while let Some(chunk) = self.rx.recv().await {
            let mut out = Vec::with_capacity(CHUNK);
            for row in chunk? {
                if row.line <= self.header_line || is_blank(&row.cells) {
                    continue;
                }
                if !self.numbers_checked {
                    self.numbers_checked = true;
                    if is_column_numbers(&row.cells) {
                        continue;
                    }
                }
                out.push(row);
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
        Ok(None)
    }
}

/// The top of a file: its header row and the first data rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub header_line: u32,
    pub headers: Vec<String>,
    pub sample: Vec<Row>,
}

/// Finds the header row of a file (see [`find_header`]) and reads the first data rows. Errors
/// on `file`: not a spreadsheet, empty, no header row, nothing under the header.
pub async fn preview(
    kind: ImportKind,
    content: Bytes,
    format: Format,
    saved: Option<&SavedMapping>,
) -> Result<Preview, Invalid> {
    let mut rx = rows(content.clone(), format);
    let mut first: Vec<(u32, Vec<String>)> = Vec::new();
    'read: while let Some(chunk) = rx.recv().await {
        for row in chunk? {
            if is_blank(&row.cells) {
                continue;
            }
            first.push((row.line, row.cells));
            if first.len() >= chongdich_domain::import::HEADER_SEARCH_ROWS {
                break 'read;
            }
        }
    }
    drop(rx);
    let at = find_header(kind, &first, saved)?;
    let (header_line, mut headers) = first.swap_remove(at);
    while headers.last().is_some_and(|h| h.trim().is_empty()) {
        headers.pop();
    }
    let headers: Vec<String> = headers
        .iter()
        .map(|h| chongdich_domain::text::clean(h))
        .collect();
    let mut data = DataRows::new(content, format, header_line);
    let mut sample = Vec::new();
    while sample.len() < SAMPLE_ROWS {
        match data.next_chunk().await? {
            Some(rows) => sample.extend(rows.into_iter().take(SAMPLE_ROWS - sample.len())),
            None => break,
        }
    }
    if sample.is_empty() {
        return Err(Invalid::field(
            "file",
            format!("không có dòng dữ liệu nào dưới dòng tiêu đề (dòng {header_line})"),
        ));
    }
    Ok(Preview {
        header_line,
        headers,
        sample,
    })
}

/// The mapping a user last chose for a kind, if any and readable.
pub async fn remembered(
    store: &Store,
    username: &str,
    kind: ImportKind,
) -> Result<Option<SavedMapping>, StoreError> {
    Ok(store
        .import_mapping(username, kind)
        .await?
        .and_then(|m| serde_json::from_str(&m).ok()))
}

/// A job's settings (an unreadable one is an internal error: the app wrote it).
pub fn settings_of(job: &JobRow) -> Result<ImportSettings, StoreError> {
    serde_json::from_str(&job.mapping)
        .map_err(|e| StoreError::Internal(format!("thiết lập của lượt nhập #{}: {e}", job.id)))
}

/// The job's kind.
pub fn kind_of(job: &JobRow) -> Result<ImportKind, StoreError> {
    ImportKind::parse(&job.kind).map_err(|e| StoreError::Internal(e.to_string()))
}

/// The batch and fallback typed with a returnee list, parsed (the batch comes from Excel).
pub fn returnee_batch(
    settings: &ImportSettings,
    today: NaiveDate,
) -> Result<(BatchInput, Option<Fallback>), Invalid> {
    let mut draft = settings.batch.clone();
    draft.source = BatchSource::Excel.as_str().to_owned();
    let mut errors: Vec<FieldError> = Vec::new();
    let batch = draft.parse(today).map_err(|e| errors.extend(e.0)).ok();
    let fallback = settings
        .fallback
        .parse()
        .map_err(|e| errors.extend(e.0))
        .ok();
    match (batch, fallback) {
        (Some(b), Some(f)) if errors.is_empty() => Ok((b, f)),
        _ => Err(Invalid(errors)),
    }
}

/// Everything a returnee row is checked against: the batch, the province's decision, the
/// columns, the rule sets and the communes within the user's scope.
pub struct ReturneeCheck {
    pub batch: BatchInput,
    pub fallback: Option<Fallback>,
    pub mapping: Mapping,
    pub today: NaiveDate,
    sets: Vec<QuarantineRuleSet>,
    communes: CommuneResolver,
}

impl ReturneeCheck {
    pub async fn new(
        store: &Store,
        scope: &Scope,
        settings: &ImportSettings,
        mapping: Mapping,
        today: NaiveDate,
    ) -> Result<Self, StoreError> {
        let (batch, fallback) = returnee_batch(settings, today)?;
        Ok(Self {
            communes: store.commune_resolver(scope, batch.arrived_on).await?,
            sets: store.quarantine_rules().await?,
            batch,
            fallback,
            mapping,
            today,
        })
    }

    /// One row, checked without the database: its fields, its commune, the order the rules
    /// (or the province's decision) give.
    pub fn row(&self, cells: &[String]) -> Result<ReturneeInput, Vec<RowError>> {
        let kind = ImportKind::Returnees;
        let mut r = returnee_row(&self.mapping, cells);
        let mut errors = Vec::new();
        match self.communes.resolve(&r.commune, &r.district) {
            Ok(Some(id)) => r.draft.person.area_id = id.as_str().to_owned(),
            Ok(None) => {}
            Err(m) => errors.push(RowError::new(kind, "commune", m)),
        }
        let input = match r.draft.parse(&self.batch, self.today) {
            Ok(i) => Some(i),
            Err(e) => {
                for f in row_errors(kind, &e) {
                    // A commune already reported unknown is not reported twice.
                    if !(f.field == "area_id" && errors.iter().any(|x| x.field == "commune")) {
                        errors.push(f);
                    }
                }
                None
            }
        };
        if let Some(input) = input
            && errors.is_empty()
        {
            return match returnee_terms(&self.sets, &input, self.fallback.as_ref()) {
                Ok(_) => Ok(input),
                Err(e) => Err(row_errors(kind, &e)
                    .into_iter()
                    .map(|mut f| {
                        if f.field == "subject" && self.fallback.is_none() {
                            f.message.push_str(
                                " — ghi quyết định của tỉnh cho người không có quy tắc ở mục \
                                 \"Quyết định áp dụng\" của lô",
                            );
                        }
                        f
                    })
                    .collect()),
            };
        }
        Err(errors)
    }
}

/// The permission a kind of list needs (pages and API alike).
pub fn permission(kind: ImportKind) -> Permission {
    match kind {
        ImportKind::Returnees => Permission::ManageQuarantine,
        ImportKind::Cases | ImportKind::Contacts => Permission::EditSurveillance,
    }
}

/// The disease of a case or contact list (the code typed on upload, `covid19` when none).
pub fn disease_code(settings: &ImportSettings) -> String {
    let d = settings.disease.trim().to_lowercase();
    if d.is_empty() {
        "covid19".to_owned()
    } else {
        d
    }
}

/// The person on a row, parsed with its commune resolved: the errors of both, the commune
/// reported once.
fn person_of(
    kind: ImportKind,
    communes: &CommuneResolver,
    mut person: PersonDraft,
    commune: &str,
    district: &str,
    today: NaiveDate,
    errors: &mut Vec<RowError>,
) -> Option<PersonInput> {
    match communes.resolve(commune, district) {
        Ok(Some(id)) => person.area_id = id.as_str().to_owned(),
        Ok(None) => {}
        Err(m) => errors.push(RowError::new(kind, "commune", m)),
    }
    match person.parse(today) {
        Ok(p) => Some(p),
        Err(e) => {
            for f in row_errors(kind, &e) {
                if !(f.field == "area_id" && errors.iter().any(|x| x.field == "commune")) {
                    errors.push(f);
                }
            }
            None
        }
    }
}

/// Everything a case row is checked against: the columns, the disease of rows naming none,
/// the diseases known and the communes within the user's scope.
pub struct CaseCheck {
    pub mapping: Mapping,
    pub today: NaiveDate,
    disease: String,
    diseases: HashSet<String>,
    communes: CommuneResolver,
}

impl CaseCheck {
    /// One row, checked without the database: the person, its commune, the case.
    pub fn row(&self, cells: &[String]) -> Result<(PersonInput, CaseInput), Vec<RowError>> {
        let kind = ImportKind::Cases;
        let r = case_row(&self.mapping, cells, &self.disease);
        let mut errors = Vec::new();
        let person = person_of(
            kind,
            &self.communes,
            r.person,
            &r.commune,
            &r.district,
            self.today,
            &mut errors,
        );
        let case = match r.case.parse(self.today) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.extend(row_errors(kind, &e));
                None
            }
        };
        if let Some(c) = &case
            && !self.diseases.contains(&c.disease)
        {
            errors.push(RowError::new(
                kind,
                "disease",
                format!("không có bệnh mã \"{}\"", c.disease),
            ));
        }
        match (person, case) {
            (Some(p), Some(c)) if errors.is_empty() => Ok((p, c)),
            _ => Err(errors),
        }
    }
}

/// Everything a contact row is checked against: the columns, the disease, the communes within
/// the user's scope and the sources met so far (typed text → person, None: nobody).
pub struct ContactCheck {
    pub mapping: Mapping,
    pub today: NaiveDate,
    pub disease_id: i64,
    scope: Scope,
    communes: CommuneResolver,
    sources: HashMap<String, Option<i64>>,
}

impl ContactCheck {
    /// Looks up the sources of a chunk not met before.
    async fn prepare(&mut self, store: &Store, chunk: &[Row]) -> Result<(), StoreError> {
        let mut keys: Vec<String> = chunk
            .iter()
            .map(|r| contact_row(&self.mapping, &r.cells).source)
            .filter(|k| !k.is_empty() && !self.sources.contains_key(k))
            .collect();
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            return Ok(());
        }
        let found = store.import_sources(&self.scope, &keys).await?;
        for k in keys {
            let id = found.get(&k).copied();
            self.sources.insert(k, id);
        }
        Ok(())
    }

    /// The sources found, for writing.
    pub fn source_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.sources.values().filter_map(|v| *v).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// One row: the contact person, its commune, its source (met by [`Self::prepare`]), the
    /// contact's dates and setting.
    pub fn row(
        &self,
        cells: &[String],
    ) -> Result<(PersonInput, i64, ExposureInput), Vec<RowError>> {
        let kind = ImportKind::Contacts;
        let r = contact_row(&self.mapping, cells);
        let mut errors = Vec::new();
        let person = person_of(
            kind,
            &self.communes,
            r.person,
            &r.commune,
            &r.district,
            self.today,
            &mut errors,
        );
        let source = if r.source.is_empty() {
            errors.push(RowError::new(
                kind,
                "source",
                "cần số CCCD/CMND hoặc mã BN của người nguồn",
            ));
            None
        } else {
            let found = self.sources.get(&r.source).copied().flatten();
            if found.is_none() {
                errors.push(RowError::new(
                    kind,
                    "source",
                    format!(
                        "không có ca bệnh hay người mang số, mã \"{}\" trong phạm vi của bạn",
                        r.source
                    ),
                ));
            }
            found
        };
        let exposure = match r.exposure.parse(self.today) {
            Ok(e) => Some(e),
            Err(e) => {
                errors.extend(row_errors(kind, &e));
                None
            }
        };
        match (person, source, exposure) {
            (Some(p), Some(s), Some(e)) if errors.is_empty() => Ok((p, s, e)),
            _ => Err(errors),
        }
    }
}

/// The check of a list of any kind.
pub enum Checker {
    Returnees(ReturneeCheck),
    Cases(CaseCheck),
    Contacts(ContactCheck),
}

impl Checker {
    pub async fn new(
        store: &Store,
        scope: &Scope,
        kind: ImportKind,
        settings: &ImportSettings,
        mapping: Mapping,
        today: NaiveDate,
    ) -> Result<Self, StoreError> {
        Ok(match kind {
            ImportKind::Returnees => Checker::Returnees(
                ReturneeCheck::new(store, scope, settings, mapping, today).await?,
            ),
            ImportKind::Cases => Checker::Cases(CaseCheck {
                mapping,
                today,
                disease: disease_code(settings),
                diseases: store
                    .diseases()
                    .await?
                    .into_iter()
                    .map(|d| d.code)
                    .collect(),
                communes: store.commune_resolver(scope, today).await?,
            }),
            ImportKind::Contacts => Checker::Contacts(ContactCheck {
                mapping,
                today,
                disease_id: store
                    .disease_for_input(&disease_code(settings))
                    .await?
                    .disease
                    .id,
                scope: scope.clone(),
                communes: store.commune_resolver(scope, today).await?,
                sources: HashMap::new(),
            }),
        })
    }

    pub fn kind(&self) -> ImportKind {
        match self {
            Checker::Returnees(_) => ImportKind::Returnees,
            Checker::Cases(_) => ImportKind::Cases,
            Checker::Contacts(_) => ImportKind::Contacts,
        }
    }

    pub fn mapping(&self) -> &Mapping {
        match self {
            Checker::Returnees(c) => &c.mapping,
            Checker::Cases(c) => &c.mapping,
            Checker::Contacts(c) => &c.mapping,
        }
    }

    /// Whatever a chunk's rows need from the database before they are checked.
    async fn prepare(&mut self, store: &Store, chunk: &[Row]) -> Result<(), StoreError> {
        match self {
            Checker::Contacts(c) => c.prepare(store, chunk).await,
            _ => Ok(()),
        }
    }

    /// One row alone: the ID number of its new person when valid.
    fn row_id(&self, cells: &[String]) -> Result<Option<String>, Vec<RowError>> {
        let person = match self {
            Checker::Returnees(c) => c.row(cells)?.person,
            Checker::Cases(c) => c.row(cells)?.0,
            Checker::Contacts(c) => c.row(cells)?.0,
        };
        Ok(person.id.map(|d| d.number))
    }
}

/// One bit per line: the valid rows of a check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineSet(Vec<u64>);

impl LineSet {
    pub fn insert(&mut self, line: u32) {
        let (w, b) = ((line / 64) as usize, line % 64);
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        self.0[w] |= 1 << b;
    }

    pub fn remove(&mut self, line: u32) {
        if let Some(w) = self.0.get_mut((line / 64) as usize) {
            *w &= !(1 << (line % 64));
        }
    }

    pub fn contains(&self, line: u32) -> bool {
        self.0
            .get((line / 64) as usize)
            .is_some_and(|w| w & (1 << (line % 64)) != 0)
    }
}

/// A check of a whole file: its report and which lines are valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub report: Report,
    pub valid_lines: LineSet,
}

fn push_bad(report: &mut Report, line: u32, name: String, errors: Vec<RowError>) {
    report.invalid += 1;
    if report.rows.len() < MAX_REPORTED_ROWS {
        report.rows.push(RowReport {
            line,
            ok: false,
            errors,
            name,
        });
    }
}

/// Checks every row of a list: each row alone (e.g. [`ReturneeCheck::row`]), its ID number
/// against the other rows and against the people already registered. Reads only.
pub async fn check_rows(
    store: &Store,
    ctx: &mut Checker,
    content: Bytes,
    format: Format,
    header_line: u32,
    progress: &(dyn Fn(u64) + Send + Sync),
) -> Result<Outcome, StoreError> {
    let kind = ctx.kind();
    // The ID numbers first: a number on two rows makes both bad.
    let mut dups = Duplicates::new();
    if ctx.mapping().column("id_number").is_some() {
        let mut data = DataRows::new(content.clone(), format, header_line);
        while let Some(chunk) = data.next_chunk().await? {
            for row in &chunk {
                dups.add(&ctx.mapping().cell("id_number", &row.cells), row.line);
            }
        }
        dups.keep_repeated();
    }
    let mut out = Outcome {
        report: Report {
            header_line,
            ..Report::default()
        },
        valid_lines: LineSet::default(),
    };
    let mut data = DataRows::new(content, format, header_line);
    while let Some(chunk) = data.next_chunk().await? {
        ctx.prepare(store, &chunk).await?;
        let start = out.report.rows.len();
        let mut valid: Vec<(u32, String, Option<String>)> = Vec::new();
        for row in &chunk {
            out.report.total += 1;
            let name = ctx.mapping().cell("full_name", &row.cells);
            let id_text = ctx.mapping().cell("id_number", &row.cells);
            let mut errors = match ctx.row_id(&row.cells) {
                Ok(number) => {
                    valid.push((row.line, name.clone(), number));
                    Vec::new()
                }
                Err(e) => e,
            };
            if let Some(e) = dups.error(kind, &id_text, row.line) {
                errors.retain(|x| x.field != "id_number");
                errors.push(e);
                valid.retain(|(l, ..)| *l != row.line);
            }
            if !errors.is_empty() {
                push_bad(&mut out.report, row.line, name, errors);
            }
        }
        // The same person already registered.
        let numbers: Vec<String> = valid.iter().filter_map(|(.., n)| n.clone()).collect();
        let taken = if numbers.is_empty() {
            Default::default()
        } else {
            store.id_numbers_taken(&numbers).await?
        };
        let mut taken_here = false;
        for (line, name, number) in valid {
            match number.filter(|n| taken.contains(n)) {
                Some(n) => {
                    taken_here = true;
                    push_bad(
                        &mut out.report,
                        line,
                        name,
                        vec![RowError::new(
                            kind,
                            "id_number",
                            format!(
                                "đã có hồ sơ người mang số {n} (trùng người); cập nhật hồ sơ đó \
                             thay vì nhập lại"
                            ),
                        )],
                    );
                }
                None => {
                    out.report.valid += 1;
                    out.valid_lines.insert(line);
                }
            }
        }
        if taken_here {
            // Keep the report in line order.
            out.report.rows[start..].sort_by_key(|r| r.line);
        }
        progress(out.report.total);
    }
    if out.report.total == 0 {
        return Err(Invalid::field(
            "file",
            format!("không có dòng dữ liệu nào dưới dòng tiêu đề (dòng {header_line})"),
        )
        .into());
    }
    Ok(out)
}

/// What a run is doing, for the progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Step {
    /// `checking` (the rows are checked again, nothing written yet) or `writing`.
    pub phase: &'static str,
    pub done: u64,
    pub total: u64,
}

/// The progress of the runs in this process, by job.
#[derive(Debug, Default)]
pub struct Progress(Mutex<HashMap<i64, Step>>);

impl Progress {
    pub fn set(&self, job: i64, step: Step) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(job, step);
        }
    }

    pub fn get(&self, job: i64) -> Option<Step> {
        self.0.lock().ok().and_then(|m| m.get(&job).copied())
    }

    pub fn clear(&self, job: i64) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(&job);
        }
    }
}

/// Imports the valid rows of a list, all or none: the rows are checked again (nothing written
/// meanwhile: on SQLite the import's transaction holds the write lock), then written in one
/// transaction. A check that now finds another number of valid rows than `expected` (the
/// database changed since) stops the run. Gives the batch (returnees) and the rows written.
#[allow(clippy::too_many_arguments)]
pub async fn import_rows(
    store: &Store,
    scope: &Scope,
    who: &Who,
    ctx: &mut Checker,
    content: Bytes,
    format: Format,
    header_line: u32,
    file_name: &str,
    expected: Option<u64>,
    progress: &(dyn Fn(Step) + Send + Sync),
) -> Result<(Option<i64>, u64), StoreError> {
    let checked = check_rows(store, ctx, content.clone(), format, header_line, &|n| {
        progress(Step {
            phase: "checking",
            done: n,
            total: expected.unwrap_or(0),
        })
    })
    .await?;
    let valid = checked.report.valid;
    if let Some(e) = expected
        && e != valid
    {
        return Err(StoreError::Conflict(format!(
            "dữ liệu đã thay đổi từ lúc kiểm tra ({e} dòng hợp lệ, nay {valid}): hãy kiểm tra lại"
        )));
    }
    if valid == 0 {
        return Err(Invalid::field("file", "không có dòng hợp lệ nào để nhập").into());
    }
    let still = |line: u32, e: Vec<RowError>| {
        StoreError::Internal(format!(
            "dòng {line} không còn hợp lệ: {}",
            e.iter().map(RowError::text).collect::<Vec<_>>().join("; ")
        ))
    };
    let step = |written: u64| {
        progress(Step {
            phase: "writing",
            done: written,
            total: valid,
        })
    };
    let mut data = DataRows::new(content, format, header_line);
    let mut written = 0u64;
    match ctx {
        Checker::Returnees(ctx) => {
            let mut import = store
                .begin_returnee_import(scope, who, &ctx.batch, ctx.fallback.as_ref())
                .await?;
            let mut buf: Vec<ReturneeInput> = Vec::with_capacity(CHUNK);
            while let Some(chunk) = data.next_chunk().await? {
                for row in chunk {
                    if !checked.valid_lines.contains(row.line) {
                        continue;
                    }
                    buf.push(ctx.row(&row.cells).map_err(|e| still(row.line, e))?);
                }
                if buf.len() >= CHUNK {
                    import.add(&buf).await?;
                    written += buf.len() as u64;
                    buf.clear();
                    step(written);
                }
            }
            if !buf.is_empty() {
                import.add(&buf).await?;
                written += buf.len() as u64;
            }
            step(written);
            let (batch, rows) = import.commit(file_name).await?;
            Ok((Some(batch), rows))
        }
        Checker::Cases(ctx) => {
            let mut import = store.begin_case_import(who).await?;
            while let Some(chunk) = data.next_chunk().await? {
                for row in chunk {
                    if !checked.valid_lines.contains(row.line) {
                        continue;
                    }
                    let (person, case) = ctx.row(&row.cells).map_err(|e| still(row.line, e))?;
                    import.add(&person, &case).await?;
                    written += 1;
                }
                step(written);
            }
            Ok((None, import.commit(file_name).await?))
        }
        Checker::Contacts(ctx) => {
            let mut import = store
                .begin_contact_import(scope, who, ctx.disease_id, &ctx.source_ids())
                .await?;
            while let Some(chunk) = data.next_chunk().await? {
                for row in chunk {
                    if !checked.valid_lines.contains(row.line) {
                        continue;
                    }
                    let (person, source, exposure) =
                        ctx.row(&row.cells).map_err(|e| still(row.line, e))?;
                    import.add(&person, source, &exposure).await?;
                    written += 1;
                }
                step(written);
            }
            Ok((None, import.commit(file_name).await?))
        }
    }
}

/// Kept from the upload form: the batch (and decision) typed and the file.
pub struct Upload {
    pub kind: ImportKind,
    pub settings: ImportSettings,
    pub file_name: String,
    pub content: Vec<u8>,
}

/// Keeps an uploaded list as a job after checking the batch typed (the receiving commune
/// within the scope), that the file is a spreadsheet with a header row and rows under it.
/// Errors name the form's fields (`area_id`, `origin`, `arrived_on`, `fallback_…`, `file`).
pub async fn upload(
    store: &Store,
    scope: &Scope,
    who: &Who,
    today: NaiveDate,
    mut up: Upload,
) -> Result<(JobRow, Preview), StoreError> {
    if !up.kind.available() {
        return Err(Invalid::field(
            "kind",
            format!("chưa hỗ trợ nhập {}", up.kind.label().to_lowercase()),
        )
        .into());
    }
    let mut errors: Vec<FieldError> = Vec::new();
    let batch = if up.kind == ImportKind::Returnees {
        match returnee_batch(&up.settings, today) {
            Ok((b, _)) => Some(b),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        }
    } else {
        up.settings.batch = Default::default();
        up.settings.fallback = Default::default();
        up.settings.disease = disease_code(&up.settings);
        match store.disease_for_input(&up.settings.disease).await {
            Ok(_) => {}
            Err(StoreError::Invalid(e)) => errors.extend(e.0),
            Err(e) => return Err(e),
        }
        None
    };
    if let Some(b) = &batch {
        match store.area(scope, &b.area_id).await {
            Ok(a) if a.level() == AreaLevel::Ward => {}
            Ok(_) => errors.push(FieldError::new("area_id", "chọn một xã, phường tiếp nhận")),
            Err(StoreError::NotFound(_)) => errors.push(FieldError::new(
                "area_id",
                "xã, phường không có hoặc nằm ngoài phạm vi của bạn",
            )),
            Err(e) => return Err(e),
        }
    }
    let saved = remembered(store, &who.username, up.kind).await?;
    let content = Bytes::from(std::mem::take(&mut up.content));
    let preview = match sniff(&content, &up.file_name) {
        Ok(format) => match preview(up.kind, content.clone(), format, saved.as_ref()).await {
            Ok(p) => Some(p),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        },
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let (Some(preview), true) = (preview, errors.is_empty()) else {
        return Err(Invalid(errors).into());
    };
    if up.kind == ImportKind::Returnees {
        up.settings.batch.source = BatchSource::Excel.as_str().to_owned();
    }
    up.settings.header_line = preview.header_line;
    up.settings.headers = preview.headers.clone();
    up.settings.mapping = None;
    let settings = to_json(&up.settings)?;
    let file_name = if up.file_name.trim().is_empty() {
        "tệp tải lên".to_owned()
    } else {
        up.file_name.chars().take(200).collect()
    };
    let job = store
        .create_import_job(
            who,
            up.kind,
            batch.as_ref().map(|b| &b.area_id),
            &file_name,
            Vec::from(content),
            &settings,
        )
        .await?;
    Ok((job, preview))
}

/// The columns offered for a job: those of its last check, else the user's remembered ones
/// (by header), else the guess.
pub async fn offered_mapping(
    store: &Store,
    who: &Who,
    job: &JobRow,
) -> Result<Mapping, StoreError> {
    let settings = settings_of(job)?;
    if let Some(m) = settings.mapping {
        return Ok(m);
    }
    let kind = kind_of(job)?;
    let saved = remembered(store, &who.username, kind).await?;
    Ok(Mapping::offered(kind, &settings.headers, saved.as_ref()))
}

/// The first rows of a job's file, for choosing columns.
pub async fn job_preview(store: &Store, who: &Who, job: &JobRow) -> Result<Preview, StoreError> {
    let settings = settings_of(job)?;
    let content = Bytes::from(store.import_job_content(who, job.id).await?);
    let format = sniff(&content, &job.file_name)?;
    let mut data = DataRows::new(content, format, settings.header_line);
    let mut sample = Vec::new();
    while sample.len() < SAMPLE_ROWS {
        match data.next_chunk().await? {
            Some(rows) => sample.extend(rows.into_iter().take(SAMPLE_ROWS - sample.len())),
            None => break,
        }
    }
    Ok(Preview {
        header_line: settings.header_line,
        headers: settings.headers,
        sample,
    })
}

/// Checks a job's rows with the columns chosen (None: those offered), keeps the report and
/// remembers the columns for the user's next list. A mapping without a required field is
/// refused naming the field.
pub async fn check_job(
    store: &Store,
    scope: &Scope,
    who: &Who,
    today: NaiveDate,
    id: i64,
    mapping: Option<Mapping>,
) -> Result<(JobRow, Report), StoreError> {
    let job = store.import_job(who, id).await?;
    let kind = kind_of(&job)?;
    let mut settings = settings_of(&job)?;
    let mapping = match mapping {
        Some(m) => m,
        None => offered_mapping(store, who, &job).await?,
    };
    mapping.check(kind, settings.headers.len())?;
    let mut ctx = Checker::new(store, scope, kind, &settings, mapping.clone(), today).await?;
    let content = Bytes::from(store.import_job_content(who, id).await?);
    let format = sniff(&content, &job.file_name)?;
    let outcome = check_rows(
        store,
        &mut ctx,
        content,
        format,
        settings.header_line,
        &|_| {},
    )
    .await?;
    let report = outcome.report;
    let saved = mapping.to_saved(&settings.headers);
    settings.mapping = Some(mapping);
    let job = store
        .save_import_check(
            who,
            id,
            &Checked {
                settings: to_json(&settings)?,
                total: i64::try_from(report.total).unwrap_or(i64::MAX),
                valid: i64::try_from(report.valid).unwrap_or(i64::MAX),
                invalid: i64::try_from(report.invalid).unwrap_or(i64::MAX),
                report: to_json(&report)?,
            },
        )
        .await?;
    store
        .remember_import_mapping(&who.username, kind, &to_json(&saved)?)
        .await?;
    Ok((job, report))
}

/// A value kept as JSON.
fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Internal(e.to_string()))
}

/// A job's report (None before a check).
pub fn report_of(job: &JobRow) -> Option<Report> {
    serde_json::from_str(&job.report).ok()
}

/// Starts importing a checked job in the background; a job that is not checked, already
/// running or done is refused (409), so a job imports once. The outcome is kept with the job.
pub async fn start(
    state: &crate::AppState,
    scope: Scope,
    who: Who,
    id: i64,
) -> Result<JobRow, StoreError> {
    let job = state.store.start_import_job(&who, id).await?;
    let expected = u64::try_from(job.valid).ok();
    state.imports.set(
        id,
        Step {
            phase: "checking",
            done: 0,
            total: expected.unwrap_or(0),
        },
    );
    let s = state.clone();
    let today = state.clock.today();
    let running = job.clone();
    tokio::spawn(async move {
        let outcome = run_job(&s, &scope, &who, today, &running, expected).await;
        if let Err(e) = &outcome {
            tracing::warn!(job = id, "import failed: {e}");
        }
        let outcome = outcome.map_err(|e| match e {
            StoreError::Invalid(i) => {
                i.0.iter()
                    .map(|f| f.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            }
            StoreError::Conflict(m) | StoreError::Forbidden(m) => m,
            StoreError::NotFound(what) => format!("không tìm thấy {what}"),
            StoreError::Db(_) | StoreError::Internal(_) => {
                format!("lỗi hệ thống, không dòng nào được ghi ({e})")
            }
        });
        if let Err(e) = s.store.finish_import_job(&who, id, outcome).await {
            tracing::error!(job = id, "import outcome not kept: {e}");
        }
        s.imports.clear(id);
    });
    Ok(job)
}

async fn run_job(
    s: &crate::AppState,
    scope: &Scope,
    who: &Who,
    today: NaiveDate,
    job: &JobRow,
    expected: Option<u64>,
) -> Result<(Option<i64>, u64), StoreError> {
    let settings = settings_of(job)?;
    let mapping = settings
        .mapping
        .clone()
        .ok_or_else(|| StoreError::Conflict("chưa chọn cột".into()))?;
    let mut ctx = Checker::new(&s.store, scope, kind_of(job)?, &settings, mapping, today).await?;
    let content = Bytes::from(s.store.import_job_content(who, job.id).await?);
    let format = sniff(&content, &job.file_name)?;
    let id = job.id;
    import_rows(
        &s.store,
        scope,
        who,
        &mut ctx,
        content,
        format,
        settings.header_line,
        &job.file_name,
        expected,
        &|step| s.imports.set(id, step),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_kept_one_bit_each() {
        let mut s = LineSet::default();
        for l in [2, 3, 64, 65, 100_001] {
            s.insert(l);
        }
        assert!(s.contains(3) && s.contains(64) && s.contains(100_001));
        assert!(!s.contains(4) && !s.contains(1_000_000));
        s.remove(64);
        assert!(!s.contains(64) && s.contains(65));
    }

    #[test]
    fn files_that_are_not_lists_are_named_on_file() {
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe";
        for (bytes, name) in [
            (&png[..], "ds.xlsx"),
            (&png[..], "ds.png"),
            (&b""[..], "ds.xlsx"),
            (&b"\xD0\xCF\x11\xE0rest"[..], "ds.xls"),
        ] {
            let e = sniff(bytes, name).unwrap_err();
            assert!(e.message_for("file").is_some(), "{name}");
        }
        assert_eq!(sniff(b"Ho ten\nAn\n", "ds.csv").unwrap(), Format::Csv);
    }

    #[tokio::test]
    async fn a_workbook_streams_its_rows_with_dates_and_whole_numbers() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Danh sách").unwrap();
        for (c, h) in ["STT", "Họ và tên", "CCCD", "Ngày về"].iter().enumerate() {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        ws.write_number(3, 0, 1.0).unwrap();
        ws.write_string(3, 1, "Nguyễn Văn An").unwrap();
        ws.write_number(3, 2, 12090012345.0).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2021, 6, 20).unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        ws.write_datetime_with_format(3, 3, &date, &fmt).unwrap();
        ws.write_string(5, 1, "Lê Thị Bình").unwrap();
        let bytes = Bytes::from(wb.save_to_buffer().unwrap());
        let p = preview(ImportKind::Returnees, bytes.clone(), Format::Xlsx, None)
            .await
            .unwrap();
        assert_eq!(p.header_line, 3);
        assert_eq!(p.headers, ["STT", "Họ và tên", "CCCD", "Ngày về"]);
        assert_eq!(p.sample.len(), 2);
        assert_eq!(p.sample[0].line, 4);
        assert_eq!(
            p.sample[0].cells,
            ["1", "Nguyễn Văn An", "12090012345", "20/06/2021"]
        );
        assert_eq!(p.sample[1].line, 6);
        assert_eq!(p.sample[1].cells, ["", "Lê Thị Bình"]);
        // No header row: the error names the file.
        let e = preview(
            ImportKind::Returnees,
            Bytes::from_static(b"Nguyen Van An,001090012345\n"),
            Format::Csv,
            None,
        )
        .await
        .unwrap_err();
        assert!(e.message_for("file").unwrap().contains("dòng tiêu đề"));
        // A header and nothing under it.
        let e = preview(
            ImportKind::Returnees,
            Bytes::from_static(b"Ho ten,CCCD\n"),
            Format::Csv,
            None,
        )
        .await
        .unwrap_err();
        assert!(
            e.message_for("file")
                .unwrap()
                .contains("không có dòng dữ liệu")
        );
    }
}
