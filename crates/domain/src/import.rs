//! Lists imported from Excel (or CSV): which kinds, the fields of each kind with their Vietnamese
//! labels and the column headers people write for them, finding the header row, mapping the
//! file's columns to fields (guessed from the headers, overridden by the user, remembered for
//! next time by header text), turning a row into a draft, and the per-row report.
//!
//! Nothing here reads a file or a database: rows arrive as cells of text (`Vec<String>`), the
//! commune typed on a row is resolved by the caller (it needs the area tree).

use crate::case::{CaseDraft, Classification, FoundIn, Setting};
use crate::error::{FieldError, Invalid};
use crate::exposure::{ExposureDraft, Proximity};
use crate::person::PersonDraft;
use crate::quarantine::Subject;
use crate::quarantine::order::FallbackDraft;
use crate::returnee::{BatchDraft, ReturneeDraft};
use crate::text::{clean, search_key};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

crate::vocabulary! {
    /// What a list holds.
    pub enum ImportKind (field = "kind") {
        Returnees = ("returnees", "Danh sách người về"),
        Cases = ("cases", "Danh sách ca bệnh"),
        Contacts = ("contacts", "Danh sách người tiếp xúc"),
    }
}

/// A field a column can be mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The field's name (as in the drafts and in errors).
    pub field: &'static str,
    /// Its Vietnamese label (what the report says).
    pub label: &'static str,
    /// Headers people write for it; compared ignoring case, diacritics and punctuation.
    pub aliases: &'static [&'static str],
    pub required: bool,
    /// What the cell may hold.
    pub hint: &'static str,
}

const fn target(
    field: &'static str,
    label: &'static str,
    aliases: &'static [&'static str],
    hint: &'static str,
) -> Target {
    Target {
        field,
        label,
        aliases,
        required: false,
        hint,
    }
}

const T_FULL_NAME: Target = Target {
    field: "full_name",
    label: "Họ và tên",
    aliases: &[
        "Họ và tên",
        "Họ tên",
        "Họ và tên người về",
        "Họ và tên công dân",
        "Tên",
        "Full name",
        "Name",
    ],
    required: true,
    hint: "bắt buộc",
};
const T_ID_NUMBER: Target = target(
    "id_number",
    "Số CCCD/CMND",
    &[
        "Số CCCD/CMND",
        "CCCD/CMND",
        "CMND/CCCD",
        "Số CMND/CCCD",
        "CCCD",
        "CMND",
        "Số CCCD",
        "Số CMND",
        "Số CCCD/CMND/Hộ chiếu",
        "CCCD/CMND/Hộ chiếu",
        "Số giấy tờ",
        "Số giấy tờ tùy thân",
        "Số định danh",
        "Số định danh cá nhân",
        "Hộ chiếu",
        "ID",
    ],
    "CCCD 12 số, CMND 9 số hoặc hộ chiếu",
);
const T_ID_KIND: Target = target(
    "id_kind",
    "Loại giấy tờ",
    &["Loại giấy tờ", "Loại giấy tờ tùy thân"],
    "CCCD, CMND, hộ chiếu (để trống: tự nhận biết)",
);
const T_BIRTH_DATE: Target = target(
    "birth_date",
    "Ngày sinh",
    &[
        "Ngày sinh",
        "Năm sinh",
        "Ngày tháng năm sinh",
        "Ngày, tháng, năm sinh",
        "Sinh năm",
        "Date of birth",
    ],
    "dd/mm/yyyy hoặc năm",
);
const T_SEX: Target = target(
    "sex",
    "Giới tính",
    &["Giới tính", "Giới", "Nam/Nữ", "Sex"],
    "Nam hoặc Nữ",
);
const T_PHONE: Target = target(
    "phone",
    "Số điện thoại",
    &[
        "Số điện thoại",
        "SĐT",
        "Điện thoại",
        "Số ĐT",
        "ĐT",
        "Điện thoại liên hệ",
        "Phone",
    ],
    "",
);
const T_NATIONALITY: Target = target("nationality", "Quốc tịch", &["Quốc tịch"], "để trống: VN");
const T_COMMUNE: Target = target(
    "commune",
    "Xã, phường",
    &[
        "Xã, phường",
        "Xã/Phường",
        "Xã phường",
        "Phường/Xã",
        "Phường, xã",
        "Xã/Phường/Thị trấn",
        "Xã, phường, thị trấn",
        "Xã",
        "Phường",
        "Nơi ở (xã, phường)",
    ],
    "để trống: xã, phường tiếp nhận",
);
const T_DISTRICT: Target = target(
    "district",
    "Huyện",
    &[
        "Huyện",
        "Quận, huyện",
        "Quận/Huyện",
        "Huyện/Thành phố",
        "Huyện, thành phố",
        "Huyện/TP",
    ],
    "để phân biệt xã trùng tên",
);
const T_STREET: Target = target(
    "street",
    "Địa chỉ",
    &[
        "Địa chỉ",
        "Thôn, bản, tổ",
        "Thôn/bản/tổ",
        "Thôn, bản",
        "Thôn/bản",
        "Thôn",
        "Bản",
        "Tổ dân phố",
        "Số nhà",
        "Địa chỉ nơi ở",
        "Nơi ở",
        "Nơi cách ly",
        "Địa chỉ cách ly",
    ],
    "số nhà, thôn, bản, tổ",
);
const T_OCCUPATION: Target = target("occupation", "Nghề nghiệp", &["Nghề nghiệp", "Nghề"], "");
const T_WORKPLACE: Target = target(
    "workplace",
    "Nơi làm việc",
    &[
        "Nơi làm việc",
        "Nơi làm việc, học tập",
        "Nơi công tác",
        "Nơi làm việc/học tập",
    ],
    "",
);
const T_SUBJECT: Target = target(
    "subject",
    "Đối tượng",
    &[
        "Đối tượng",
        "Phân loại",
        "Loại đối tượng",
        "Đối tượng cách ly",
    ],
    "người về, F1, nhập cảnh, nghi nhiễm (để trống: người về)",
);
const T_DOSES: Target = target(
    "doses",
    "Số mũi tiêm",
    &[
        "Số mũi tiêm",
        "Số mũi",
        "Số mũi vắc xin",
        "Số mũi đã tiêm",
        "Số mũi vaccine",
        "Tiêm vắc xin",
    ],
    "0–5",
);
const T_LAST_DOSE: Target = target(
    "last_dose",
    "Ngày tiêm mũi cuối",
    &[
        "Ngày tiêm mũi cuối",
        "Ngày tiêm gần nhất",
        "Ngày tiêm mũi gần nhất",
        "Ngày tiêm",
    ],
    "dd/mm/yyyy",
);
const T_RECOVERED_ON: Target = target(
    "recovered_on",
    "Ngày khỏi bệnh",
    &["Ngày khỏi bệnh", "Ngày khỏi", "Ngày ra viện"],
    "dd/mm/yyyy",
);
const T_ARRIVED_ON: Target = target(
    "arrived_on",
    "Ngày về",
    &[
        "Ngày về",
        "Ngày đến",
        "Ngày về địa phương",
        "Ngày về đến địa phương",
        "Ngày trở về",
    ],
    "dd/mm/yyyy (để trống: ngày của lô)",
);

/// The columns of a returnee list.
pub const RETURNEE_TARGETS: &[Target] = &[
    T_FULL_NAME,
    T_ID_NUMBER,
    T_ID_KIND,
    T_BIRTH_DATE,
    T_SEX,
    T_PHONE,
    T_NATIONALITY,
    T_COMMUNE,
    T_DISTRICT,
    T_STREET,
    T_OCCUPATION,
    T_WORKPLACE,
    T_SUBJECT,
    T_DOSES,
    T_LAST_DOSE,
    T_RECOVERED_ON,
    T_ARRIVED_ON,
];

/// The commune of a case or a contact: no batch gives one.
const T_OWN_COMMUNE: Target = Target {
    required: true,
    hint: "bắt buộc: nơi ở của người",
    ..T_COMMUNE
};

/// The columns of a case list: the person's, then the case's.
pub const CASE_TARGETS: &[Target] = &[
    T_FULL_NAME,
    T_ID_NUMBER,
    T_ID_KIND,
    T_BIRTH_DATE,
    T_SEX,
    T_PHONE,
    T_NATIONALITY,
    T_OWN_COMMUNE,
    T_DISTRICT,
    T_STREET,
    T_OCCUPATION,
    T_WORKPLACE,
    target(
        "classification",
        "Phân loại",
        &[
            "Phân loại",
            "Phân loại ca bệnh",
            "Phân loại ca",
            "Tình trạng",
            "Classification",
        ],
        "nghi ngờ, có thể, xác định (để trống: nghi ngờ)",
    ),
    target(
        "disease",
        "Bệnh",
        &["Bệnh", "Mã bệnh", "Tên bệnh", "Disease"],
        "mã bệnh (để trống: bệnh chọn khi tải lên, mặc định covid19)",
    ),
    target(
        "case_code",
        "Mã BN",
        &[
            "Mã BN",
            "Mã bệnh nhân",
            "Mã ca bệnh",
            "Mã ca",
            "BN",
            "Số BN",
            "Case code",
        ],
        "vd: BN12345",
    ),
    target(
        "onset_date",
        "Ngày khởi phát",
        &[
            "Ngày khởi phát",
            "Ngày khởi phát triệu chứng",
            "Ngày có triệu chứng",
            "Ngày xuất hiện triệu chứng",
        ],
        "dd/mm/yyyy",
    ),
    target(
        "sample_date",
        "Ngày lấy mẫu",
        &["Ngày lấy mẫu", "Ngày lấy mẫu xét nghiệm", "Ngày XN"],
        "dd/mm/yyyy",
    ),
    target(
        "confirmed_date",
        "Ngày xác định",
        &[
            "Ngày xác định",
            "Ngày có kết quả",
            "Ngày có kết quả xét nghiệm",
            "Ngày xác định ca bệnh",
            "Ngày khẳng định",
        ],
        "dd/mm/yyyy",
    ),
    target(
        "found_in",
        "Nơi phát hiện",
        &["Nơi phát hiện", "Phát hiện tại", "Nơi phát hiện ca bệnh"],
        "trong cộng đồng, khu cách ly, khu phong tỏa, cửa khẩu, cơ sở y tế (để trống: cộng đồng)",
    ),
    target("notes", "Ghi chú", &["Ghi chú", "Notes"], ""),
];

/// The columns of a contact list: the contact person's, then the source and the contact.
pub const CONTACT_TARGETS: &[Target] = &[
    T_FULL_NAME,
    T_ID_NUMBER,
    T_ID_KIND,
    T_BIRTH_DATE,
    T_SEX,
    T_PHONE,
    T_NATIONALITY,
    T_OWN_COMMUNE,
    T_DISTRICT,
    T_STREET,
    T_OCCUPATION,
    T_WORKPLACE,
    Target {
        field: "source",
        label: "Người nguồn",
        aliases: &[
            "CCCD người nguồn",
            "Mã BN nguồn",
            "Người nguồn",
            "Nguồn lây",
            "F0",
            "Mã F0",
            "CCCD F0",
            "Tiếp xúc với",
            "Source",
        ],
        required: true,
        hint: "bắt buộc: số CCCD/CMND hoặc mã BN của ca bệnh nguồn",
    },
    Target {
        field: "first_date",
        label: "Ngày tiếp xúc",
        aliases: &[
            "Ngày tiếp xúc",
            "Ngày tiếp xúc đầu",
            "Ngày tiếp xúc đầu tiên",
            "Ngày TX",
        ],
        required: true,
        hint: "bắt buộc: dd/mm/yyyy",
    },
    target(
        "last_date",
        "Ngày tiếp xúc cuối",
        &[
            "Ngày tiếp xúc cuối",
            "Ngày tiếp xúc cuối cùng",
            "Ngày TX cuối",
        ],
        "dd/mm/yyyy (để trống: ngày tiếp xúc)",
    ),
    target(
        "setting",
        "Nơi tiếp xúc",
        &[
            "Nơi tiếp xúc",
            "Bối cảnh",
            "Hoàn cảnh tiếp xúc",
            "Môi trường tiếp xúc",
        ],
        "hộ gia đình, trường học, chợ … (để trống: khác)",
    ),
    target(
        "proximity",
        "Mức độ tiếp xúc",
        &["Mức độ tiếp xúc", "Hình thức tiếp xúc", "Khoảng cách"],
        "trực tiếp, trong 2 m, cùng không gian kín, chăm sóc (để trống: trong 2 m)",
    ),
    target("notes", "Ghi chú", &["Ghi chú", "Notes"], ""),
];

impl ImportKind {
    /// The fields a list of this kind maps its columns to (empty: not importable yet).
    pub fn targets(self) -> &'static [Target] {
        match self {
            ImportKind::Returnees => RETURNEE_TARGETS,
            ImportKind::Cases => CASE_TARGETS,
            ImportKind::Contacts => CONTACT_TARGETS,
        }
    }

    /// Whether lists of this kind can be imported.
    pub fn available(self) -> bool {
        !self.targets().is_empty()
    }

    /// The Vietnamese label of a field of this kind (the field itself when unknown). Errors
    /// of the row parsers that name fields of their own are named as the column they come from.
    pub fn field_label(self, field: &str) -> &'static str {
        let field = match field {
            "area_id" => "commune",
            "start" => "arrived_on",
            "address" => "street",
            other => other,
        };
        self.targets()
            .iter()
            .find(|t| t.field == field)
            .map(|t| t.label)
            .unwrap_or("Dòng")
    }
}

/// How many non-blank rows at the top of a sheet are searched for the header row (a title, a
/// date line and an empty line often come first).
pub const HEADER_SEARCH_ROWS: usize = 10;

/// The report keeps at most this many bad rows (the counts stay exact).
pub const MAX_REPORTED_ROWS: usize = 1000;

/// A mapping remembered between imports: field → the header text of its column.
pub type SavedMapping = BTreeMap<String, String>;

/// Which column (0-based) holds each field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping(pub BTreeMap<String, usize>);

fn header_key(h: &str) -> String {
    search_key(h)
}

fn alias_keys(t: &Target) -> impl Iterator<Item = String> + '_ {
    std::iter::once(t.field.replace('_', " "))
        .chain(std::iter::once(search_key(t.label)))
        .chain(t.aliases.iter().map(|a| search_key(a)))
}

/// The field a header names, by its aliases.
fn field_of_header(kind: ImportKind, header: &str) -> Option<&'static str> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    kind.targets()
        .iter()
        .find(|t| alias_keys(t).any(|a| a == key))
        .map(|t| t.field)
}

/// How much a row looks like the header row: how many of its cells name a field (by alias or
/// by a remembered mapping).
pub fn header_score(kind: ImportKind, cells: &[String], saved: Option<&SavedMapping>) -> usize {
    let remembered: Vec<String> = saved
        .map(|s| s.values().map(|h| header_key(h)).collect())
        .unwrap_or_default();
    cells
        .iter()
        .filter(|c| {
            field_of_header(kind, c).is_some() || {
                let k = header_key(c);
                !k.is_empty() && remembered.contains(&k)
            }
        })
        .count()
}

/// Whether a row is blank (every cell empty or spaces).
pub fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}

/// The header row among the first rows of a sheet (blank rows already left out): the row
/// naming most fields, the first of equals. Errors on `file`: an empty sheet, or no row naming
/// any field.
pub fn find_header(
    kind: ImportKind,
    first_rows: &[(u32, Vec<String>)],
    saved: Option<&SavedMapping>,
) -> Result<usize, Invalid> {
    if first_rows.is_empty() {
        return Err(Invalid::field(
            "file",
            "tệp không có dữ liệu (trang tính đầu tiên trống)",
        ));
    }
    let mut best: Option<(usize, usize)> = None;
    for (i, (_, cells)) in first_rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let score = header_score(kind, cells, saved);
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i).ok_or_else(|| {
        let examples: Vec<String> = kind
            .targets()
            .iter()
            .take(3)
            .map(|t| format!("\"{}\"", t.label))
            .collect();
        Invalid::field(
            "file",
            format!(
                "không thấy dòng tiêu đề: trong {HEADER_SEARCH_ROWS} dòng đầu không có dòng nào \
                 ghi tên cột (vd: {}). Thêm một dòng tiêu đề phía trên dữ liệu.",
                examples.join(", ")
            ),
        )
    })
}

/// A row of column numbers under the header ("(1)", "(2)" … or "1", "2" …), common in
/// official lists: not data.
pub fn is_column_numbers(cells: &[String]) -> bool {
    let filled: Vec<&str> = cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    filled.len() >= 3
        && filled.iter().enumerate().all(|(i, c)| {
            let n = c.trim_start_matches('(').trim_end_matches(')');
            n.parse::<usize>().is_ok_and(|n| n == i + 1)
        })
}

impl Mapping {
    /// Each field to the first column whose header names it.
    pub fn guess(kind: ImportKind, headers: &[String]) -> Mapping {
        let mut m = BTreeMap::new();
        for (col, h) in headers.iter().enumerate() {
            if let Some(f) = field_of_header(kind, h) {
                m.entry(f.to_owned()).or_insert(col);
            }
        }
        Mapping(m)
    }

    /// The mapping offered for a file: each field's remembered header when the file has a
    /// column of that header, else the guess.
    pub fn offered(kind: ImportKind, headers: &[String], saved: Option<&SavedMapping>) -> Mapping {
        let mut m = Mapping::guess(kind, headers).0;
        if let Some(saved) = saved {
            for (field, header) in saved {
                if !kind.targets().iter().any(|t| t.field == field) {
                    continue;
                }
                let key = header_key(header);
                if let Some(col) = headers.iter().position(|h| header_key(h) == key) {
                    // The column is the user's choice for this field: no other field keeps it.
                    m.retain(|f, c| *c != col || f == field);
                    m.insert(field.clone(), col);
                }
            }
        }
        Mapping(m)
    }

    /// The mapping as remembered: field → header text.
    pub fn to_saved(&self, headers: &[String]) -> SavedMapping {
        self.0
            .iter()
            .filter_map(|(f, c)| {
                headers
                    .get(*c)
                    .filter(|h| !h.trim().is_empty())
                    .map(|h| (f.clone(), clean(h)))
            })
            .collect()
    }

    /// A mapping as chosen on the form: `(field, column)` pairs, the column as its number
    /// (empty: not mapped). Checked like [`Mapping::check`].
    pub fn from_choices<'a>(
        kind: ImportKind,
        columns: usize,
        choices: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Mapping, Invalid> {
        let mut m = BTreeMap::new();
        let mut errors = Vec::new();
        for (field, col) in choices {
            let Some(t) = kind.targets().iter().find(|t| t.field == field) else {
                continue;
            };
            let col = col.trim();
            if col.is_empty() {
                continue;
            }
            match col.parse::<usize>() {
                Ok(c) if c < columns => {
                    m.insert(t.field.to_owned(), c);
                }
                _ => errors.push(FieldError::new(
                    t.field,
                    format!("cột \"{col}\" không có trong tệp"),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(Invalid(errors));
        }
        let m = Mapping(m);
        m.check(kind, columns)?;
        Ok(m)
    }

    /// Every required field has a column, no column is given to two fields, every column exists.
    pub fn check(&self, kind: ImportKind, columns: usize) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        for t in kind.targets() {
            if t.required && !self.0.contains_key(t.field) {
                errors.push(FieldError::new(
                    t.field,
                    format!("chưa chọn cột cho \"{}\" (bắt buộc)", t.label),
                ));
            }
        }
        let mut seen: HashMap<usize, &str> = HashMap::new();
        for t in kind.targets() {
            let Some(&col) = self.0.get(t.field) else {
                continue;
            };
            if col >= columns {
                errors.push(FieldError::new(
                    t.field,
                    format!("cột {} không có trong tệp", col + 1),
                ));
            } else if let Some(other) = seen.insert(col, t.label) {
                errors.push(FieldError::new(
                    t.field,
                    format!(
                        "cột {} đã được chọn cho \"{other}\"; mỗi cột chỉ cho một trường",
                        col + 1
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(errors))
        }
    }

    /// The column of a field.
    pub fn column(&self, field: &str) -> Option<usize> {
        self.0.get(field).copied()
    }

    /// The cell of a field on a row (empty when not mapped or beyond the row), cleaned.
    pub fn cell(&self, field: &str, cells: &[String]) -> String {
        self.column(field)
            .and_then(|c| cells.get(c))
            .map(|s| clean(s))
            .unwrap_or_default()
    }
}

/// Everything an import needs besides its file: the batch as typed, the province's decision
/// for people without a rule, and the columns once chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportSettings {
    pub batch: BatchDraft,
    pub fallback: FallbackDraft,
    /// The header row's number in the sheet and its cells, found on upload.
    pub header_line: u32,
    pub headers: Vec<String>,
    /// The columns, once chosen and checked.
    pub mapping: Option<Mapping>,
    /// Cases and contacts: the disease of rows naming none (empty: covid19).
    pub disease: String,
}

/// One error of a row: the field, its Vietnamese label and the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub field: String,
    pub label: String,
    pub message: String,
}

impl RowError {
    pub fn new(kind: ImportKind, field: &str, message: impl Into<String>) -> Self {
        let label = kind.field_label(field);
        Self {
            field: field.to_owned(),
            label: label.to_owned(),
            message: message.into(),
        }
    }

    /// "Số CCCD/CMND: …".
    pub fn text(&self) -> String {
        format!("{}: {}", self.label, self.message)
    }
}

/// The errors of a parse, named by column.
pub fn row_errors(kind: ImportKind, e: &Invalid) -> Vec<RowError> {
    let mut out: Vec<RowError> = Vec::new();
    for f in &e.0 {
        let r = RowError::new(kind, &f.field, f.message.clone());
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowReport {
    /// The row's number in the sheet (1 is the first row, as Excel numbers them).
    pub line: u32,
    pub ok: bool,
    pub errors: Vec<RowError>,
    /// The name on the row, to find it.
    pub name: String,
}

impl RowReport {
    /// "Dòng 3: Số CCCD/CMND: …", one line per error.
    pub fn lines(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| format!("Dòng {}: {}", self.line, e.text()))
            .collect()
    }
}

/// The validation report of a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The header row's number.
    pub header_line: u32,
    /// Data rows (blank rows left out).
    pub total: u64,
    pub valid: u64,
    pub invalid: u64,
    /// The bad rows in order of line, at most [`MAX_REPORTED_ROWS`].
    pub rows: Vec<RowReport>,
}

impl Report {
    /// Bad rows not listed (beyond [`MAX_REPORTED_ROWS`]).
    pub fn unlisted(&self) -> u64 {
        self.invalid.saturating_sub(self.rows.len() as u64)
    }
}

/// A row of a returnee list, as typed: the draft (its person's commune left blank) and the
/// commune and district to resolve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReturneeRow {
    pub draft: ReturneeDraft,
    pub commune: String,
    pub district: String,
}

/// A number that lost its leading zeros in a spreadsheet (a CCCD typed as a number: 10 or 11
/// digits) gets them back; anything else is left as typed.
pub fn id_number_text(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-')))
        .collect();
    if (10..12).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        format!("{t:0>12}")
    } else {
        s.trim().to_owned()
    }
}

/// The key an ID number is compared by for duplicates within a file (None when blank).
pub fn id_key(s: &str) -> Option<String> {
    let t: String = id_number_text(s)
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-')))
        .flat_map(char::to_uppercase)
        .collect();
    (!t.is_empty()).then_some(t)
}

/// A mobile number that lost its leading zero (9 digits from 3, 5, 7, 8 or 9), or a landline
/// that did (10 digits from 2), gets it back.
pub fn phone_text(s: &str) -> String {
    let t = s.trim();
    let digits = t.bytes().all(|b| b.is_ascii_digit());
    match (t.len(), t.as_bytes().first()) {
        (9, Some(b'3' | b'5' | b'7' | b'8' | b'9')) | (10, Some(b'2')) if digits => {
            format!("0{t}")
        }
        _ => t.to_owned(),
    }
}

/// `20.6.2021`, `20-06-2021`, `20/6/2021` → `20/06/2021`; anything else as typed.
pub fn date_text(s: &str) -> String {
    let t = s.trim();
    let parts: Vec<&str> = t.split(['/', '.', '-']).collect();
    if let [d, m, y] = parts.as_slice()
        && (1..=2).contains(&d.len())
        && (1..=2).contains(&m.len())
        && y.len() == 4
        && [d, m, y]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return format!("{d:0>2}/{m:0>2}/{y}");
    }
    t.to_owned()
}

/// Doses as typed ("2", "2 mũi", "2.0"): the leading number, else as typed.
fn doses_text(s: &str) -> String {
    let t = s.trim();
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let rest = search_key(&t[digits.len()..]);
    if !digits.is_empty() && matches!(rest.as_str(), "" | "mui" | "0") {
        digits
    } else {
        t.to_owned()
    }
}

/// Who the row is, as people write it: "F1", "người về", "nhập cảnh" …; the stored name when
/// recognised, else as typed (the draft's parser names what it accepts).
pub fn subject_text(s: &str) -> String {
    let key = search_key(s);
    let subject = match key.as_str() {
        "f1" | "tiep xuc gan" | "nguoi tiep xuc gan" => Some(Subject::F1),
        "nguoi ve"
        | "ve tu vung dich"
        | "nguoi ve tu vung dich"
        | "tro ve"
        | "nguoi tro ve"
        | "nguoi ve tu vung co dich" => Some(Subject::Returnee),
        "nhap canh" | "nguoi nhap canh" => Some(Subject::Entrant),
        "nghi nhiem" | "nguoi nghi nhiem" | "nghi ngo" => Some(Subject::Suspect),
        _ => None,
    };
    subject
        .map(|s| s.as_str().to_owned())
        .unwrap_or_else(|| s.trim().to_owned())
}

/// The person on a row (its commune left blank: the caller resolves it).
fn person_draft(mapping: &Mapping, cells: &[String]) -> PersonDraft {
    let cell = |f: &str| mapping.cell(f, cells);
    PersonDraft {
        full_name: cell("full_name"),
        id_kind: cell("id_kind"),
        id_number: id_number_text(&cell("id_number")),
        birth_date: date_text(&cell("birth_date")),
        sex: cell("sex"),
        phone: phone_text(&cell("phone")),
        nationality: cell("nationality"),
        area_id: String::new(),
        street: cell("street"),
        occupation: cell("occupation"),
        workplace: cell("workplace"),
    }
}

/// The row's cells under the mapping, into a draft.
pub fn returnee_row(mapping: &Mapping, cells: &[String]) -> ReturneeRow {
    let cell = |f: &str| mapping.cell(f, cells);
    ReturneeRow {
        draft: ReturneeDraft {
            person: person_draft(mapping, cells),
            subject: subject_text(&cell("subject")),
            doses: doses_text(&cell("doses")),
            last_dose: date_text(&cell("last_dose")),
            recovered_on: date_text(&cell("recovered_on")),
            arrived_on: date_text(&cell("arrived_on")),
        },
        commune: cell("commune"),
        district: cell("district"),
    }
}

/// A value of a vocabulary as people write it: its stored name, its label, or one of `extra`
/// (compared ignoring case, diacritics and punctuation); the stored name when recognised, else
/// as typed (the draft's parser names what it accepts).
fn vocab_text(
    s: &str,
    known: impl IntoIterator<Item = (&'static str, &'static str)>,
    extra: &[(&str, &'static str)],
) -> String {
    let key = search_key(s);
    if key.is_empty() {
        return String::new();
    }
    known
        .into_iter()
        .find(|(name, label)| {
            key == search_key(name)
                || key == search_key(&name.replace('_', " "))
                || key == search_key(label)
        })
        .map(|(name, _)| name)
        .or_else(|| {
            extra
                .iter()
                .find(|(k, _)| search_key(k) == key)
                .map(|(_, name)| *name)
        })
        .map(str::to_owned)
        .unwrap_or_else(|| s.trim().to_owned())
}

/// A classification as typed: "xác định", "F0", "nghi ngo", "confirmed" …
pub fn classification_text(s: &str) -> String {
    vocab_text(
        s,
        Classification::ALL.iter().map(|c| (c.as_str(), c.label())),
        &[
            ("nghi ngờ", "suspected"),
            ("ca nghi ngờ", "suspected"),
            ("có thể", "probable"),
            ("ca có thể", "probable"),
            ("xác định", "confirmed"),
            ("ca xác định", "confirmed"),
            ("F0", "confirmed"),
            ("dương tính", "confirmed"),
            ("loại trừ", "discarded"),
        ],
    )
}

/// Where a case was found, as typed: "cộng đồng", "khu cách ly", "cửa khẩu" …
pub fn found_in_text(s: &str) -> String {
    vocab_text(
        s,
        FoundIn::ALL.iter().map(|c| (c.as_str(), c.label())),
        &[
            ("cộng đồng", "community"),
            ("trong cộng đồng", "community"),
            ("cách ly", "quarantine"),
            ("khu cách ly", "quarantine"),
            ("cách ly tập trung", "quarantine"),
            ("khu cách ly tập trung", "quarantine"),
            ("phong tỏa", "lockdown"),
            ("khu phong tỏa", "lockdown"),
            ("khu vực phong tỏa", "lockdown"),
            ("cửa khẩu", "point_of_entry"),
            ("nhập cảnh", "point_of_entry"),
            ("cơ sở y tế", "hospital"),
            ("bệnh viện", "hospital"),
        ],
    )
}

/// The setting of a contact, as typed: "hộ gia đình", "gia đình", "chợ" …
pub fn setting_text(s: &str) -> String {
    vocab_text(
        s,
        Setting::ALL.iter().map(|c| (c.as_str(), c.label())),
        &[
            ("gia đình", "household"),
            ("hộ gia đình", "household"),
            ("khu công nghiệp", "industrial_park"),
            ("công ty", "office"),
            ("cơ quan", "office"),
            ("nơi làm việc", "office"),
            ("trường", "school"),
            ("nhà hàng", "restaurant"),
            ("quán ăn", "restaurant"),
            ("bệnh viện", "hospital"),
            ("xe", "transport"),
            ("phương tiện", "transport"),
            ("đám cưới", "gathering"),
            ("đám tang", "gathering"),
            ("sự kiện", "gathering"),
        ],
    )
}

/// How close a contact was, as typed: "trực tiếp", "trong 2m", "cùng phòng" …
pub fn proximity_text(s: &str) -> String {
    vocab_text(
        s,
        Proximity::ALL.iter().map(|c| (c.as_str(), c.label())),
        &[
            ("trực tiếp", "physical"),
            ("tiếp xúc trực tiếp", "physical"),
            ("2m", "within_2m"),
            ("2 m", "within_2m"),
            ("trong 2m", "within_2m"),
            ("dưới 2m", "within_2m"),
            ("dưới 2 m", "within_2m"),
            ("gần", "within_2m"),
            ("cùng không gian kín", "same_space"),
            ("cùng phòng", "same_space"),
            ("chăm sóc", "care"),
        ],
    )
}

/// A row of a case list, as typed: the person (its commune left blank), the case, and the
/// commune and district to resolve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseRow {
    pub person: PersonDraft,
    pub case: CaseDraft,
    pub commune: String,
    pub district: String,
}

/// A case row's cells under the mapping; `disease` when the row names none.
pub fn case_row(mapping: &Mapping, cells: &[String], disease: &str) -> CaseRow {
    let cell = |f: &str| mapping.cell(f, cells);
    let typed = cell("disease");
    CaseRow {
        person: person_draft(mapping, cells),
        case: CaseDraft {
            disease: if typed.is_empty() {
                disease.trim().to_owned()
            } else {
                typed.to_lowercase()
            },
            classification: classification_text(&cell("classification")),
            case_code: cell("case_code"),
            onset_date: date_text(&cell("onset_date")),
            sample_date: date_text(&cell("sample_date")),
            confirmed_date: date_text(&cell("confirmed_date")),
            found_in: found_in_text(&cell("found_in")),
            notes: cell("notes"),
            ..CaseDraft::default()
        },
        commune: cell("commune"),
        district: cell("district"),
    }
}

/// A row of a contact list, as typed: the contact person (its commune left blank), the source
/// as typed (an ID number or a case code), the contact, the commune and district to resolve.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactRow {
    pub person: PersonDraft,
    pub source: String,
    pub exposure: ExposureDraft,
    pub commune: String,
    pub district: String,
}

/// A contact row's cells under the mapping.
pub fn contact_row(mapping: &Mapping, cells: &[String]) -> ContactRow {
    let cell = |f: &str| mapping.cell(f, cells);
    ContactRow {
        person: person_draft(mapping, cells),
        source: id_number_text(&cell("source")),
        exposure: ExposureDraft {
            first_date: date_text(&cell("first_date")),
            last_date: date_text(&cell("last_date")),
            setting: setting_text(&cell("setting")),
            proximity: proximity_text(&cell("proximity")),
            notes: cell("notes"),
            ..ExposureDraft::default()
        },
        commune: cell("commune"),
        district: cell("district"),
    }
}

/// ID numbers seen on several rows of a file. A large file's numbers are kept as 64-bit hashes
/// (12 bytes a row, not the numbers themselves): two different numbers of one file sharing a
/// hash is a chance of about one in 10^9 for 100,000 rows.
#[derive(Debug, Default)]
pub struct Duplicates {
    first: HashMap<u64, u32>,
    repeated: HashMap<u64, Vec<u32>>,
}

fn key_hash(key: &str) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

impl Duplicates {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the ID number typed on a line.
    pub fn add(&mut self, id_number: &str, line: u32) {
        let Some(k) = id_key(id_number) else {
            return;
        };
        let h = key_hash(&k);
        match self.first.entry(h) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(line);
            }
            std::collections::hash_map::Entry::Occupied(f) => {
                self.repeated
                    .entry(h)
                    .or_insert_with(|| vec![*f.get()])
                    .push(line);
            }
        }
    }

    /// Forgets the numbers seen once (keeps the memory of a large file small afterwards).
    pub fn keep_repeated(&mut self) {
        self.first = HashMap::new();
    }

    /// The error of a line whose number is on other lines too, naming them.
    pub fn error(&self, kind: ImportKind, id_number: &str, line: u32) -> Option<RowError> {
        let lines = self.repeated.get(&key_hash(&id_key(id_number)?))?;
        let others: Vec<String> = lines
            .iter()
            .filter(|l| **l != line)
            .take(5)
            .map(u32::to_string)
            .collect();
        let more = if lines.len() > 6 { " …" } else { "" };
        Some(RowError::new(
            kind,
            "id_number",
            format!(
                "trùng số giấy tờ với dòng {}{more} (cùng một người hai lần trong tệp?)",
                others.join(", ")
            ),
        ))
    }

    /// Every line that shares its number with another.
    pub fn lines(&self) -> impl Iterator<Item = u32> + '_ {
        self.repeated.values().flat_map(|l| l.iter().copied())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn headers_match_ignoring_case_and_diacritics() {
        let headers = row(&[
            "STT",
            "HO TEN",
            "Số CCCD/CMND",
            "Năm sinh",
            "Giới tính",
            "SĐT",
            "Xã, phường",
            "Quận, huyện",
            "Thôn, bản, tổ",
            "Đối tượng",
            "Số mũi",
            "Ngày tiêm mũi cuối",
            "Ngày khỏi bệnh",
            "Ngày đến",
        ]);
        let m = Mapping::guess(ImportKind::Returnees, &headers);
        let want = [
            ("full_name", 1),
            ("id_number", 2),
            ("birth_date", 3),
            ("sex", 4),
            ("phone", 5),
            ("commune", 6),
            ("district", 7),
            ("street", 8),
            ("subject", 9),
            ("doses", 10),
            ("last_dose", 11),
            ("recovered_on", 12),
            ("arrived_on", 13),
        ];
        for (f, c) in want {
            assert_eq!(m.column(f), Some(c), "{f}");
        }
        assert_eq!(m.0.len(), want.len());
        assert!(m.check(ImportKind::Returnees, headers.len()).is_ok());
        // Other spellings.
        let m = Mapping::guess(
            ImportKind::Returnees,
            &row(&["Họ và tên", "CCCD", "Số điện thoại", "Xã/Phường", "Huyện"]),
        );
        assert_eq!(m.column("id_number"), Some(1));
        assert_eq!(m.column("phone"), Some(2));
        assert_eq!(m.column("commune"), Some(3));
        assert_eq!(m.column("district"), Some(4));
    }

    #[test]
    fn the_header_row_may_follow_a_title_and_an_empty_sheet_or_a_sheet_without_one_is_named() {
        let rows = vec![
            (1, row(&["DANH SÁCH CÔNG DÂN VỀ TỪ BẮC GIANG", "", ""])),
            (2, row(&["(Kèm theo công văn số 123)", "", ""])),
            (4, row(&["STT", "Họ và tên", "Ngày sinh"])),
            (5, row(&["1", "Nguyễn Văn An", "1990"])),
        ];
        assert_eq!(find_header(ImportKind::Returnees, &rows, None).unwrap(), 2);
        let e = find_header(ImportKind::Returnees, &[], None).unwrap_err();
        assert!(e.message_for("file").unwrap().contains("trống"));
        let data = vec![
            (1, row(&["Nguyễn Văn An", "001090012345", "1990"])),
            (2, row(&["Lê Thị Bình", "", "1985"])),
        ];
        let e = find_header(ImportKind::Returnees, &data, None).unwrap_err();
        assert!(
            e.message_for("file").unwrap().contains("dòng tiêu đề"),
            "{e}"
        );
        // A header of the user's own words is known by the remembered mapping.
        let saved: SavedMapping = [("full_name".to_owned(), "Tên công dân".to_owned())].into();
        let own = vec![(1, row(&["Tên công dân", "Ghi chú"]))];
        assert_eq!(
            find_header(ImportKind::Returnees, &own, Some(&saved)).unwrap(),
            0
        );
        assert!(is_column_numbers(&row(&["(1)", "(2)", "(3)", ""])));
        assert!(!is_column_numbers(&row(&["1", "Nguyễn Văn An", "1990"])));
    }

    #[test]
    fn a_required_field_not_mapped_or_a_column_mapped_twice_is_named() {
        let m = Mapping::guess(ImportKind::Returnees, &row(&["CCCD", "Ngày sinh"]));
        let e = m.check(ImportKind::Returnees, 2).unwrap_err();
        assert!(e.message_for("full_name").unwrap().contains("Họ và tên"));
        let e = Mapping::from_choices(
            ImportKind::Returnees,
            3,
            [("full_name", "0"), ("street", "0"), ("phone", "")],
        )
        .unwrap_err();
        assert!(
            e.message_for("street").unwrap().contains("Họ và tên"),
            "{e}"
        );
        let e = Mapping::from_choices(ImportKind::Returnees, 3, [("full_name", "7")]).unwrap_err();
        assert!(e.message_for("full_name").is_some());
        let m = Mapping::from_choices(
            ImportKind::Returnees,
            3,
            [("full_name", "1"), ("id_number", "2"), ("unknown", "0")],
        )
        .unwrap();
        assert_eq!(m.0.len(), 2);
    }

    #[test]
    fn a_remembered_mapping_wins_over_the_guess_by_header_text() {
        let headers = row(&["Tên", "Tên công dân", "CCCD"]);
        let guess = Mapping::guess(ImportKind::Returnees, &headers);
        assert_eq!(guess.column("full_name"), Some(0));
        let chosen = Mapping::from_choices(
            ImportKind::Returnees,
            3,
            [("full_name", "1"), ("id_number", "2"), ("street", "0")],
        )
        .unwrap();
        let saved = chosen.to_saved(&headers);
        assert_eq!(saved["full_name"], "Tên công dân");
        // Next time, in another order and spelling of case.
        let next = row(&["cccd", "TÊN CÔNG DÂN", "Tên", "Ngày sinh"]);
        let m = Mapping::offered(ImportKind::Returnees, &next, Some(&saved));
        assert_eq!(m.column("full_name"), Some(1));
        assert_eq!(m.column("street"), Some(2));
        assert_eq!(m.column("id_number"), Some(0));
        assert_eq!(m.column("birth_date"), Some(3));
        assert!(m.check(ImportKind::Returnees, next.len()).is_ok());
    }

    #[test]
    fn a_row_becomes_a_draft_with_spreadsheet_habits_undone() {
        let headers = row(&[
            "Họ và tên",
            "CCCD",
            "Ngày sinh",
            "SĐT",
            "Xã",
            "Huyện",
            "Đối tượng",
            "Số mũi",
            "Ngày về",
        ]);
        let m = Mapping::guess(ImportKind::Returnees, &headers);
        let r = returnee_row(
            &m,
            &row(&[
                "  Nguyễn   Văn An ",
                "12090012345",
                "5.3.1990",
                "912345678",
                "Tân Phong",
                "TP Lai Châu",
                "F1",
                "2 mũi",
                "20-6-2021",
            ]),
        );
        assert_eq!(r.draft.person.full_name, "Nguyễn Văn An");
        assert_eq!(r.draft.person.id_number, "012090012345");
        assert_eq!(r.draft.person.birth_date, "05/03/1990");
        assert_eq!(r.draft.person.phone, "0912345678");
        assert_eq!(r.draft.subject, "f1");
        assert_eq!(r.draft.doses, "2");
        assert_eq!(r.draft.arrived_on, "20/06/2021");
        assert_eq!(r.commune, "Tân Phong");
        assert_eq!(r.district, "TP Lai Châu");
        assert!(r.draft.person.area_id.is_empty());
        // A short row: missing cells are blank.
        let r = returnee_row(&m, &row(&["Lê Thị Bình"]));
        assert_eq!(r.draft.person.full_name, "Lê Thị Bình");
        assert!(r.draft.person.id_number.is_empty());
        assert_eq!(subject_text("Người về từ vùng dịch"), "returnee");
        assert_eq!(subject_text("khách du lịch"), "khách du lịch");
        assert_eq!(doses_text("hai"), "hai");
        assert_eq!(phone_text("0912345678"), "0912345678");
        assert_eq!(id_number_text("123456789"), "123456789");
    }

    #[test]
    fn the_same_id_number_on_two_rows_names_both_lines() {
        let mut d = Duplicates::new();
        d.add("001090012345", 3);
        d.add("", 4);
        d.add("001 090 012 345", 7);
        d.add("012345678", 8);
        d.keep_repeated();
        let e3 = d.error(ImportKind::Returnees, "001090012345", 3).unwrap();
        assert_eq!(e3.field, "id_number");
        assert!(e3.message.contains("dòng 7"), "{}", e3.message);
        let e7 = d.error(ImportKind::Returnees, "001090012345", 7).unwrap();
        assert!(e7.message.contains("dòng 3"));
        assert_eq!(e7.text().split(':').next(), Some("Số CCCD/CMND"));
        assert!(d.error(ImportKind::Returnees, "012345678", 8).is_none());
        let mut lines: Vec<u32> = d.lines().collect();
        lines.sort();
        assert_eq!(lines, [3, 7]);
    }

    #[test]
    fn errors_of_the_parsers_are_named_by_their_column() {
        let e = Invalid(vec![
            FieldError::new("area_id", "x"),
            FieldError::new("start", "y"),
            FieldError::new("id_number", "z"),
        ]);
        let r = RowReport {
            line: 3,
            ok: false,
            errors: row_errors(ImportKind::Returnees, &e),
            name: "An".into(),
        };
        assert_eq!(
            r.lines(),
            [
                "Dòng 3: Xã, phường: x",
                "Dòng 3: Ngày về: y",
                "Dòng 3: Số CCCD/CMND: z"
            ]
        );
        assert!(ImportKind::Returnees.available());
        assert!(ImportKind::Cases.available() && ImportKind::Contacts.available());
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<RowReport>(&json).unwrap(), r);
    }

    #[test]
    fn a_case_row_becomes_a_person_and_a_case_with_labels_without_diacritics() {
        let headers = row(&[
            "STT",
            "Họ tên",
            "CCCD",
            "Năm sinh",
            "Giới tính",
            "Xã, phường",
            "Phân loại",
            "Mã BN",
            "Ngày khởi phát",
            "Ngày lấy mẫu",
            "Ngày có kết quả",
            "Nơi phát hiện",
            "Ghi chú",
        ]);
        let m = Mapping::guess(ImportKind::Cases, &headers);
        assert!(m.check(ImportKind::Cases, headers.len()).is_ok(), "{m:?}");
        assert_eq!(m.column("classification"), Some(6));
        assert_eq!(m.column("confirmed_date"), Some(10));
        assert_eq!(m.column("subject"), None);
        let r = case_row(
            &m,
            &row(&[
                "1",
                "Nguyễn Văn An",
                "12090012345",
                "1990",
                "Nam",
                "Tân Phong",
                "xac dinh",
                "BN1001",
                "18.6.2021",
                "19/6/2021",
                "20-6-2021",
                "Khu cach ly tap trung",
                "về từ Bắc Giang",
            ]),
            "covid19",
        );
        assert_eq!(r.person.id_number, "012090012345");
        assert_eq!(r.commune, "Tân Phong");
        assert_eq!(r.case.classification, "confirmed");
        assert_eq!(r.case.disease, "covid19");
        assert_eq!(r.case.case_code, "BN1001");
        assert_eq!(r.case.onset_date, "18/06/2021");
        assert_eq!(r.case.confirmed_date, "20/06/2021");
        assert_eq!(r.case.found_in, "quarantine");
        let today = chrono::NaiveDate::from_ymd_opt(2021, 6, 24).unwrap();
        let c = r.case.parse(today).unwrap();
        assert_eq!(c.classification, Classification::Confirmed);
        assert_eq!(c.found_in, FoundIn::Quarantine);
        for (typed, want) in [
            ("Nghi ngờ", "suspected"),
            ("NGHI NGO", "suspected"),
            ("có thể", "probable"),
            ("Xác định (F0)", "confirmed"),
            ("F0", "confirmed"),
            ("confirmed", "confirmed"),
            ("", ""),
            ("chưa rõ", "chưa rõ"),
        ] {
            assert_eq!(classification_text(typed), want, "{typed}");
        }
        assert_eq!(found_in_text("Trong cộng đồng"), "community");
        assert_eq!(found_in_text("cua khau"), "point_of_entry");
        // A row naming its disease keeps it.
        let m = Mapping::guess(ImportKind::Cases, &row(&["Họ tên", "Bệnh"]));
        assert_eq!(
            case_row(&m, &row(&["An", "Sởi"]), "covid19").case.disease,
            "sởi"
        );
        // The commune is required: no batch gives one.
        let m = Mapping::guess(ImportKind::Cases, &row(&["Họ tên", "CCCD"]));
        let e = m.check(ImportKind::Cases, 2).unwrap_err();
        assert!(e.message_for("commune").is_some(), "{e}");
    }

    #[test]
    fn a_contact_row_names_its_source_and_its_dates() {
        let headers = row(&[
            "Họ và tên",
            "Số CCCD",
            "Xã",
            "CCCD người nguồn",
            "Ngày tiếp xúc",
            "Ngày tiếp xúc cuối",
            "Nơi tiếp xúc",
            "Mức độ tiếp xúc",
        ]);
        let m = Mapping::guess(ImportKind::Contacts, &headers);
        assert!(
            m.check(ImportKind::Contacts, headers.len()).is_ok(),
            "{m:?}"
        );
        let r = contact_row(
            &m,
            &row(&[
                "Lê Thị Bình",
                "",
                "Tân Phong",
                "12090012345",
                "15/6/2021",
                "",
                "Gia đình",
                "truc tiep",
            ]),
        );
        assert_eq!(r.source, "012090012345");
        assert_eq!(r.exposure.first_date, "15/06/2021");
        assert_eq!(r.exposure.setting, "household");
        assert_eq!(r.exposure.proximity, "physical");
        let today = chrono::NaiveDate::from_ymd_opt(2021, 6, 24).unwrap();
        let e = r.exposure.parse(today).unwrap();
        assert_eq!(e.last_date, e.first_date);
        // "Mã BN nguồn" names the source too; a source and a first date are required.
        let m = Mapping::guess(ImportKind::Contacts, &row(&["Họ tên", "Xã", "Mã BN nguồn"]));
        assert_eq!(m.column("source"), Some(2));
        let e = m.check(ImportKind::Contacts, 3).unwrap_err();
        assert!(e.message_for("first_date").is_some(), "{e}");
        assert_eq!(ImportKind::Contacts.field_label("source"), "Người nguồn");
        assert_eq!(proximity_text("trong 2m"), "within_2m");
        assert_eq!(setting_text("Chợ"), "market");
    }
}
