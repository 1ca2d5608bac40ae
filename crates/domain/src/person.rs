//! People as recorded by the epidemic response: identity documents (CCCD, CMND, passport),
//! phone numbers, sex, date or year of birth, and the person form itself.
//!
//! A form or an import row arrives as a [`PersonDraft`] (every field a string, kept to
//! re-show the form) and is parsed into a [`PersonInput`], collecting the errors of every
//! field at once. A CCCD number encodes the province of birth registration, the sex and the
//! year of birth; when the form also gives a birth year or a sex, they must agree.

use crate::area::AreaId;
use crate::error::{Collector, Invalid};
use crate::text;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// The kind of an identity document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// Căn cước công dân / căn cước: 12 digits.
    Cccd,
    /// Chứng minh nhân dân: 9 digits (the older card).
    Cmnd,
    /// Hộ chiếu: letters and digits.
    Passport,
}

impl IdKind {
    /// Every kind, in the order a form lists them.
    pub const ALL: [IdKind; 3] = [IdKind::Cccd, IdKind::Cmnd, IdKind::Passport];

    /// The stored name: `"cccd"`, `"cmnd"` or `"passport"`.
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Cccd => "cccd",
            IdKind::Cmnd => "cmnd",
            IdKind::Passport => "passport",
        }
    }

    /// Parses the stored name or the label, ignoring case and diacritics
    /// (`"cccd"`, `"CCCD"`, `"passport"`, `"Hộ chiếu"`); errors on field `id_kind`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let key = text::search_key(s);
        Self::ALL
            .into_iter()
            .find(|k| key == k.as_str() || key == text::search_key(k.label()))
            .ok_or_else(|| {
                Invalid::field("id_kind", "Loại giấy tờ phải là CCCD, CMND hoặc Hộ chiếu")
            })
    }

    /// The label shown to people: `"CCCD"`, `"CMND"` or `"Hộ chiếu"`.
    pub fn label(self) -> &'static str {
        match self {
            IdKind::Cccd => "CCCD",
            IdKind::Cmnd => "CMND",
            IdKind::Passport => "Hộ chiếu",
        }
    }
}

/// The three-digit province codes that open a CCCD number: the GSO codes of the 63
/// provinces in force from 2016 to 30 June 2025 (the province rows of
/// `data/admin-units/units-legacy.csv`), zero-padded to three digits.
const CCCD_PROVINCE_CODES: [&str; 63] = [
    "001", // Hà Nội
    "002", // Hà Giang
    "004", // Cao Bằng
    "006", // Bắc Kạn
    "008", // Tuyên Quang
    "010", // Lào Cai
    "011", // Điện Biên
    "012", // Lai Châu
    "014", // Sơn La
    "015", // Yên Bái
    "017", // Hòa Bình
    "019", // Thái Nguyên
    "020", // Lạng Sơn
    "022", // Quảng Ninh
    "024", // Bắc Giang
    "025", // Phú Thọ
    "026", // Vĩnh Phúc
    "027", // Bắc Ninh
    "030", // Hải Dương
    "031", // Hải Phòng
    "033", // Hưng Yên
    "034", // Thái Bình
    "035", // Hà Nam
    "036", // Nam Định
    "037", // Ninh Bình
    "038", // Thanh Hóa
    "040", // Nghệ An
    "042", // Hà Tĩnh
    "044", // Quảng Bình
    "045", // Quảng Trị
    "046", // Huế
    "048", // Đà Nẵng
    "049", // Quảng Nam
    "051", // Quảng Ngãi
    "052", // Bình Định
    "054", // Phú Yên
    "056", // Khánh Hòa
    "058", // Ninh Thuận
    "060", // Bình Thuận
    "062", // Kon Tum
    "064", // Gia Lai
    "066", // Đắk Lắk
    "067", // Đắk Nông
    "068", // Lâm Đồng
    "070", // Bình Phước
    "072", // Tây Ninh
    "074", // Bình Dương
    "075", // Đồng Nai
    "077", // Bà Rịa - Vũng Tàu
    "079", // Hồ Chí Minh
    "080", // Long An
    "082", // Tiền Giang
    "083", // Bến Tre
    "084", // Trà Vinh
    "086", // Vĩnh Long
    "087", // Đồng Tháp
    "089", // An Giang
    "091", // Kiên Giang
    "092", // Cần Thơ
    "093", // Hậu Giang
    "094", // Sóc Trăng
    "095", // Bạc Liêu
    "096", // Cà Mau
];

/// An identity document: its kind and its number, normalised (digits only for CCCD and
/// CMND, uppercase letters and digits for a passport).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdDocument {
    pub kind: IdKind,
    /// Without spaces, dots or dashes; uppercase for a passport.
    pub number: String,
}

impl IdDocument {
    /// Parses a document as typed: `kind` is a stored name or label (see [`IdKind::parse`]),
    /// `number` the number.
    ///
    /// Empty number → `Ok(None)`. Spaces, dots and dashes are removed before checking.
    /// An empty `kind` with a number is guessed: 12 digits is a CCCD, 9 digits a CMND,
    /// anything else a passport. An unknown kind fails on field `id_kind`; a bad number on
    /// field `id_number`.
    pub fn parse(kind: &str, number: &str) -> Result<Option<Self>, Invalid> {
        let number: String = number
            .chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-')))
            .collect();
        if number.is_empty() {
            return Ok(None);
        }
        let all_digits = number.bytes().all(|b| b.is_ascii_digit());
        let guessed = kind.trim().is_empty();
        let kind = if guessed {
            match number.len() {
                12 if all_digits => IdKind::Cccd,
                9 if all_digits => IdKind::Cmnd,
                _ => IdKind::Passport,
            }
        } else {
            IdKind::parse(kind)?
        };
        let bad = |message: String| Err(Invalid::field("id_number", message));
        match kind {
            IdKind::Cccd => {
                if number.len() != 12 || !all_digits {
                    return bad("Số CCCD phải gồm đúng 12 chữ số".to_owned());
                }
                let province = number.get(..3).unwrap_or_default();
                if !CCCD_PROVINCE_CODES.contains(&province) {
                    return bad(format!(
                        "Mã tỉnh 3 chữ số đầu của CCCD ({province}) không tồn tại"
                    ));
                }
            }
            IdKind::Cmnd => {
                if number.len() != 9 || !all_digits {
                    return bad("Số CMND phải gồm đúng 9 chữ số".to_owned());
                }
            }
            IdKind::Passport => {
                let number = number.to_uppercase();
                let ok = (6..=9).contains(&number.chars().count())
                    && number
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    && number.chars().any(|c| c.is_ascii_digit());
                if !ok {
                    return bad(if guessed {
                        "Số giấy tờ không hợp lệ: CCCD gồm 12 chữ số, CMND 9 chữ số, \
                         hộ chiếu 6–9 chữ cái và chữ số"
                            .to_owned()
                    } else {
                        "Số hộ chiếu phải gồm 6–9 chữ cái không dấu và chữ số, \
                         có ít nhất một chữ số (vd. C1234567)"
                            .to_owned()
                    });
                }
                return Ok(Some(Self { kind, number }));
            }
        }
        Ok(Some(Self { kind, number }))
    }

    /// What a CCCD number says about its holder; `None` for other documents.
    pub fn cccd_info(&self) -> Option<CccdInfo> {
        if self.kind != IdKind::Cccd {
            return None;
        }
        let digits: Vec<u32> = self
            .number
            .chars()
            .map(|c| c.to_digit(10))
            .collect::<Option<_>>()?;
        if digits.len() != 12 {
            return None;
        }
        let province_code = self.number.get(1..3)?.to_owned();
        let century_sex = *digits.get(3)?;
        let (century, sex) = century_of_digit(century_sex);
        let yy = digits.get(4)? * 10 + digits.get(5)?;
        let birth_year = century + i32::try_from(yy).ok()?;
        Some(CccdInfo {
            province_code,
            sex,
            birth_year,
        })
    }
}

/// The first year of the century and the sex that the fourth digit of a CCCD encodes.
fn century_of_digit(d: u32) -> (i32, Sex) {
    let sex = if d.is_multiple_of(2) {
        Sex::Male
    } else {
        Sex::Female
    };
    let century = match d / 2 {
        0 => 1900,
        1 => 2000,
        2 => 2100,
        3 => 2200,
        _ => 1800,
    };
    (century, sex)
}

/// What the first six digits of a CCCD say (Thông tư 07/2016/TT-BCA, Điều 7; kept by
/// Thông tư 59/2021/TT-BCA): 3-digit code of the province of birth registration, 1 digit
/// century+sex, 2 digits year of birth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CccdInfo {
    /// The province of birth registration: two digits, e.g. `"12"` for Lai Châu.
    pub province_code: String,
    pub sex: Sex,
    /// Decoded from the century digit and the two year digits.
    pub birth_year: i32,
}

/// A structurally valid CCCD number, for synthetic data: province_code two digits
/// ("01".."96"), serial < 1_000_000.
///
/// The birth year is clamped to 1800–2299 (the centuries the fourth digit can encode) and
/// the serial taken modulo 1 000 000. A province code that is not one of the 63 gives a
/// number that [`IdDocument::parse`] rejects.
pub fn cccd_number(province_code: &str, sex: Sex, birth_year: i32, serial: u32) -> String {
    let year = birth_year.clamp(1800, 2299);
    let base = match year.div_euclid(100) {
        18 => 8,
        19 => 0,
        20 => 2,
        21 => 4,
        _ => 6,
    };
    let digit = base + u8::from(sex == Sex::Female);
    format!(
        "{:0>3}{digit}{:02}{:06}",
        province_code.trim(),
        year.rem_euclid(100),
        serial % 1_000_000
    )
}

/// A Vietnamese phone number, normalised to its domestic form (`"0912345678"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phone(String);

impl Phone {
    /// Parses a phone number as typed: `"0912 345 678"`, `"0912.345.678"`,
    /// `"+84 912 345 678"` and `"84912345678"` all give `"0912345678"`.
    ///
    /// Valid: a mobile number of 10 digits starting 03, 05, 07, 08 or 09, or a landline
    /// number of 11 digits starting 02. Errors on field `phone`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let bad = |message: String| Err(Invalid::field("phone", message));
        let compact: String = s
            .chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '.' | '-' | '(' | ')')))
            .collect();
        if compact.is_empty() {
            return bad("Số điện thoại không được để trống".to_owned());
        }
        let national = if let Some(rest) = compact.strip_prefix("+84") {
            rest
        } else if let Some(rest) = compact.strip_prefix("0084") {
            rest
        } else if compact.starts_with("84") && matches!(compact.len(), 11 | 12) {
            compact.get(2..).unwrap_or_default()
        } else if compact.starts_with('+') {
            return bad("Chỉ nhận số điện thoại Việt Nam (+84)".to_owned());
        } else {
            compact.as_str()
        };
        if !national.bytes().all(|b| b.is_ascii_digit()) || national.is_empty() {
            return bad(format!(
                "Số điện thoại \"{}\" chỉ được gồm chữ số (có thể bắt đầu bằng +84)",
                s.trim()
            ));
        }
        let number = if national.starts_with('0') {
            national.to_owned()
        } else if compact.len() != national.len() {
            // Written with the country code: the leading 0 was dropped.
            format!("0{national}")
        } else {
            return bad("Số điện thoại phải bắt đầu bằng 0 hoặc +84".to_owned());
        };
        let len = number.len();
        match number.get(..2).unwrap_or_default() {
            "03" | "05" | "07" | "08" | "09" if len == 10 => Ok(Self(number)),
            "03" | "05" | "07" | "08" | "09" => bad(format!(
                "Số di động phải gồm đúng 10 chữ số (số đã nhập có {len})"
            )),
            "02" if len == 11 => Ok(Self(number)),
            "02" => bad(format!(
                "Số máy bàn (bắt đầu bằng 02) phải gồm đúng 11 chữ số (số đã nhập có {len})"
            )),
            "01" if len == 11 => bad(
                "Số di động 11 chữ số đầu 01x đã chuyển sang 10 chữ số từ năm 2018, \
                 hãy nhập số mới"
                    .to_owned(),
            ),
            prefix => bad(format!(
                "Đầu số {prefix} không tồn tại: số di động bắt đầu bằng 03, 05, 07, 08, 09, \
                 số máy bàn bằng 02"
            )),
        }
    }

    /// The normalised number, e.g. `"0912345678"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Sex as recorded on identity documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// Both values, in the order a form lists them.
    pub const ALL: [Sex; 2] = [Sex::Male, Sex::Female];

    /// The stored name: `"male"` or `"female"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// Parses `male`/`female`, `nam`/`nữ` (or `nu`), `m`/`f`, ignoring case; an empty
    /// string is `None`. Errors on field `sex`.
    pub fn parse(s: &str) -> Result<Option<Self>, Invalid> {
        let s = text::clean(s).to_lowercase();
        match s.as_str() {
            "" => Ok(None),
            "male" | "nam" | "m" => Ok(Some(Sex::Male)),
            "female" | "nữ" | "nu" | "f" => Ok(Some(Sex::Female)),
            _ => Err(Invalid::field("sex", "Giới tính phải là Nam hoặc Nữ")),
        }
    }

    /// The label shown to people: `"Nam"` or `"Nữ"`.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }
}

/// A birth: the full date when known, otherwise only the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Birth {
    /// The full date of birth.
    Date(NaiveDate),
    /// Only the year is known (common in older records and for elderly people).
    Year(i32),
}

/// The earliest accepted year of birth.
const MIN_BIRTH_YEAR: i32 = 1900;

impl Birth {
    /// Parses `dd/mm/yyyy`, `d/m/yyyy`, `yyyy-mm-dd` or a bare year `yyyy`; an empty string
    /// is `None`. The date may not be after `today` and the year must be 1900 or later.
    /// Errors on field `birth_date`.
    pub fn parse(s: &str, today: NaiveDate) -> Result<Option<Self>, Invalid> {
        let bad = |message: String| Err(Invalid::field("birth_date", message));
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        let format_hint = || {
            format!(
                "Ngày sinh \"{s}\" không đúng dạng: nhập ngày/tháng/năm (vd. 05/03/1987) \
                 hoặc chỉ năm sinh (vd. 1987)"
            )
        };
        let (year, month, day) = if let Some(year) = number(s, 4, 4) {
            (year, None, None)
        } else {
            let (year, month, day) = match (
                s.split('/').collect::<Vec<_>>().as_slice(),
                s.split('-').collect::<Vec<_>>().as_slice(),
            ) {
                ([d, m, y], _) => (number(y, 4, 4), number(m, 1, 2), number(d, 1, 2)),
                (_, [y, m, d]) => (number(y, 4, 4), number(m, 1, 2), number(d, 1, 2)),
                _ => (None, None, None),
            };
            match (year, month, day) {
                (Some(y), Some(m), Some(d)) => (y, Some(m), Some(d)),
                _ => return bad(format_hint()),
            }
        };
        let Ok(year) = i32::try_from(year) else {
            return bad(format_hint());
        };
        if year < MIN_BIRTH_YEAR {
            return bad(format!(
                "Năm sinh {year} không hợp lệ: phải từ {MIN_BIRTH_YEAR} trở đi"
            ));
        }
        let birth = match (month, day) {
            (Some(m), Some(d)) => match NaiveDate::from_ymd_opt(year, m, d) {
                Some(date) => Birth::Date(date),
                None => return bad(format!("Ngày {d:02}/{m:02}/{year} không tồn tại")),
            },
            _ => Birth::Year(year),
        };
        let future = match birth {
            Birth::Date(date) => date > today,
            Birth::Year(year) => year > today.year(),
        };
        if future {
            return bad(format!(
                "Ngày sinh {} ở tương lai (sau hôm nay {})",
                birth.display(),
                today.format("%d/%m/%Y")
            ));
        }
        Ok(Some(birth))
    }

    /// The year of birth.
    pub fn year(self) -> i32 {
        match self {
            Birth::Date(date) => date.year(),
            Birth::Year(year) => year,
        }
    }

    /// As shown to people: `"05/03/1987"` or `"1987"`.
    pub fn display(self) -> String {
        match self {
            Birth::Date(date) => date.format("%d/%m/%Y").to_string(),
            Birth::Year(year) => year.to_string(),
        }
    }
}

/// A run of `min..=max` ASCII digits, as a number.
fn number(s: &str, min: usize, max: usize) -> Option<u32> {
    if (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// A person as typed in a form or an import row: every field a string, kept to re-show the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonDraft {
    pub full_name: String,
    /// `cccd`, `cmnd`, `passport` (or a label); empty to guess from the number.
    pub id_kind: String,
    pub id_number: String,
    /// `dd/mm/yyyy`, `yyyy-mm-dd` or `yyyy`.
    pub birth_date: String,
    /// `male`/`female`, `nam`/`nữ`.
    pub sex: String,
    pub phone: String,
    /// ISO 3166-1 alpha-2; empty means `VN`.
    pub nationality: String,
    /// An [`AreaId`]: where the person lives.
    pub area_id: String,
    /// House number and street, village name …
    pub street: String,
    pub occupation: String,
    pub workplace: String,
}

/// A person, parsed and checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonInput {
    /// Cleaned (NFC, single spaces), 2–100 characters.
    pub full_name: String,
    pub id: Option<IdDocument>,
    pub birth: Option<Birth>,
    pub sex: Option<Sex>,
    pub phone: Option<Phone>,
    /// ISO 3166-1 alpha-2, uppercase (`"VN"` by default).
    pub nationality: String,
    pub area_id: AreaId,
    pub street: String,
    pub occupation: String,
    pub workplace: String,
}

/// The nationality assumed when none is given.
const DEFAULT_NATIONALITY: &str = "VN";

impl PersonDraft {
    /// Parses every field, collecting all the errors at once, then checks that a CCCD
    /// agrees with the birth year and sex given (errors on `id_number`).
    pub fn parse(&self, today: NaiveDate) -> Result<PersonInput, Invalid> {
        let mut c = Collector::new();
        let full_name = c.take(parse_full_name(&self.full_name));
        let id = c.take(IdDocument::parse(&self.id_kind, &self.id_number));
        let birth = c.take(Birth::parse(&self.birth_date, today));
        let sex = c.take(Sex::parse(&self.sex));
        let phone = if self.phone.trim().is_empty() {
            Some(None)
        } else {
            c.take(Phone::parse(&self.phone).map(Some))
        };
        let nationality = c.take(parse_nationality(&self.nationality));
        let area_id = if self.area_id.trim().is_empty() {
            c.push("area_id", "Chưa chọn địa bàn nơi ở");
            None
        } else {
            c.take(AreaId::parse(&self.area_id))
        };
        let street = c.take(optional_text("street", "Địa chỉ", &self.street));
        let occupation = c.take(optional_text("occupation", "Nghề nghiệp", &self.occupation));
        let workplace = c.take(optional_text("workplace", "Nơi làm việc", &self.workplace));

        if let Some(info) = id
            .as_ref()
            .and_then(|id| id.as_ref())
            .and_then(IdDocument::cccd_info)
        {
            let given_birth = birth.flatten();
            let given_sex = sex.flatten();
            if let Some(message) = cccd_mismatch(&info, given_birth, given_sex, today) {
                c.push("id_number", message);
            }
        }
        c.finish()?;
        match (
            full_name,
            id,
            birth,
            sex,
            phone,
            nationality,
            area_id,
            street,
            occupation,
            workplace,
        ) {
            (
                Some(full_name),
                Some(id),
                Some(birth),
                Some(sex),
                Some(phone),
                Some(nationality),
                Some(area_id),
                Some(street),
                Some(occupation),
                Some(workplace),
            ) => Ok(PersonInput {
                full_name,
                id,
                birth,
                sex,
                phone,
                nationality,
                area_id,
                street,
                occupation,
                workplace,
            }),
            // Every field that failed pushed an error, so finish() returned above.
            _ => Err(Invalid::field("full_name", "Dữ liệu không hợp lệ")),
        }
    }
}

/// What is wrong, if anything, between a CCCD and the birth and sex typed beside it.
fn cccd_mismatch(
    info: &CccdInfo,
    birth: Option<Birth>,
    sex: Option<Sex>,
    today: NaiveDate,
) -> Option<String> {
    if info.birth_year > today.year() {
        return Some(format!(
            "Số CCCD cho biết sinh năm {} — sau năm hiện tại, chữ số thứ 4 (thế kỷ và giới tính) \
             có thể bị nhập sai",
            info.birth_year
        ));
    }
    if info.birth_year < MIN_BIRTH_YEAR {
        return Some(format!(
            "Số CCCD cho biết sinh năm {} — trước năm {MIN_BIRTH_YEAR}, chữ số thứ 4 \
             (thế kỷ và giới tính) có thể bị nhập sai",
            info.birth_year
        ));
    }
    let wrong_year = birth.map(Birth::year).filter(|&y| y != info.birth_year);
    let wrong_sex = sex.filter(|&s| s != info.sex);
    let entered = match (wrong_year, wrong_sex) {
        (None, None) => return None,
        (Some(y), None) => format!("năm sinh {y}"),
        (None, Some(s)) => format!("giới tính {}", s.label()),
        (Some(y), Some(s)) => format!("năm sinh {y} và giới tính {}", s.label()),
    };
    Some(format!(
        "Số CCCD cho biết sinh năm {}, giới tính {} — không khớp {entered} đã nhập",
        info.birth_year,
        info.sex.label()
    ))
}

/// A full name: cleaned, 2–100 characters, letters, spaces and `'-.` only.
fn parse_full_name(s: &str) -> Result<String, Invalid> {
    let bad = |message: &str| Err(Invalid::field("full_name", message));
    let name = text::clean(s);
    let len = name.chars().count();
    if len == 0 {
        return bad("Họ tên không được để trống");
    }
    if !(2..=100).contains(&len) {
        return bad("Họ tên cần từ 2 đến 100 ký tự");
    }
    if name.chars().any(char::is_numeric) {
        return bad("Họ tên không được chứa chữ số");
    }
    if !name
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, ' ' | '\'' | '-' | '.'))
    {
        return bad("Họ tên chỉ gồm chữ cái, dấu cách và các dấu ' - .");
    }
    if !name.chars().any(char::is_alphabetic) {
        return bad("Họ tên phải có chữ cái");
    }
    Ok(name)
}

/// A nationality: two ASCII letters (ISO 3166-1 alpha-2), uppercased; empty means `VN`.
fn parse_nationality(s: &str) -> Result<String, Invalid> {
    let code = s.trim().to_uppercase();
    if code.is_empty() {
        return Ok(DEFAULT_NATIONALITY.to_owned());
    }
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(Invalid::field(
            "nationality",
            "Quốc tịch phải là mã 2 chữ cái theo ISO 3166-1 (vd. VN, LA, CN)",
        ))
    }
}

/// An optional free-text field: cleaned, at most 200 characters.
fn optional_text(field: &str, label: &str, s: &str) -> Result<String, Invalid> {
    let cleaned = text::clean(s);
    if cleaned.chars().count() > 200 {
        Err(Invalid::field(field, format!("{label} dài quá 200 ký tự")))
    } else {
        Ok(cleaned)
    }
}

impl PersonInput {
    /// The year of birth, if known.
    pub fn birth_year(&self) -> Option<i32> {
        self.birth.map(Birth::year)
    }

    /// The name for diacritic- and case-insensitive search: [`text::search_key`] of the
    /// full name (`"Đỗ Thị Hằng"` → `"do thi hang"`).
    pub fn name_key(&self) -> String {
        text::search_key(&self.full_name)
    }

    /// Back to strings, to re-show the form; parsing the result gives `self` again.
    pub fn draft(&self) -> PersonDraft {
        PersonDraft {
            full_name: self.full_name.clone(),
            id_kind: self
                .id
                .as_ref()
                .map(|id| id.kind.as_str().to_owned())
                .unwrap_or_default(),
            id_number: self
                .id
                .as_ref()
                .map(|id| id.number.clone())
                .unwrap_or_default(),
            birth_date: self.birth.map(Birth::display).unwrap_or_default(),
            sex: self.sex.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            phone: self
                .phone
                .as_ref()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            nationality: self.nationality.clone(),
            area_id: self.area_id.as_str().to_owned(),
            street: self.street.clone(),
            occupation: self.occupation.clone(),
            workplace: self.workplace.clone(),
        }
    }
}

/// The key under which possible duplicates are grouped: the name key and the year of birth,
/// `"nguyen van an|1987"`; `None` when the year is unknown.
pub fn dedup_key(name_key: &str, birth_year: Option<i32>) -> Option<String> {
    birth_year.map(|year| format!("{name_key}|{year}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 8, 15).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn id(kind: &str, number: &str) -> IdDocument {
        IdDocument::parse(kind, number).unwrap().unwrap()
    }

    fn id_err(kind: &str, number: &str) -> Invalid {
        IdDocument::parse(kind, number).unwrap_err()
    }

    fn draft() -> PersonDraft {
        PersonDraft {
            full_name: "Nguyễn Văn An".into(),
            area_id: "L12".into(),
            ..PersonDraft::default()
        }
    }

    // ---- IdKind ----

    #[test]
    fn id_kind_round_trip_and_labels() {
        for kind in IdKind::ALL {
            assert_eq!(IdKind::parse(kind.as_str()).unwrap(), kind);
            assert_eq!(IdKind::parse(kind.label()).unwrap(), kind);
        }
        assert_eq!(IdKind::parse(" HO CHIEU ").unwrap(), IdKind::Passport);
        assert_eq!(IdKind::Passport.label(), "Hộ chiếu");
        let err = IdKind::parse("bằng lái").unwrap_err();
        assert!(err.message_for("id_kind").is_some());
    }

    // ---- CCCD ----

    #[test]
    fn province_codes_are_those_of_the_legacy_units_file() {
        let legacy = include_str!("../../../data/admin-units/units-legacy.csv");
        let from_file: Vec<String> = legacy
            .lines()
            .filter_map(|l| l.strip_prefix("province,"))
            .map(|rest| format!("{:0>3}", rest.split(',').next().unwrap()))
            .collect();
        assert_eq!(from_file.len(), 63);
        assert_eq!(from_file, CCCD_PROVINCE_CODES.map(str::to_owned));
    }

    #[test]
    fn valid_cccd() {
        let doc = id("cccd", "012 087 001 234");
        assert_eq!(doc.kind, IdKind::Cccd);
        assert_eq!(doc.number, "012087001234");
        assert_eq!(id("CCCD", "001.190.012.345").number, "001190012345");
        assert_eq!(id("cccd", "096-300-000-001").number, "096300000001");
    }

    #[test]
    fn cccd_wrong_length_or_letters() {
        for bad in ["01208700123", "0120870012345", "01208700123A"] {
            let err = id_err("cccd", bad);
            assert_eq!(
                err.message_for("id_number"),
                Some("Số CCCD phải gồm đúng 12 chữ số"),
                "{bad}"
            );
        }
    }

    #[test]
    fn cccd_unknown_province_code() {
        let err = id_err("cccd", "999087001234");
        assert_eq!(
            err.message_for("id_number"),
            Some("Mã tỉnh 3 chữ số đầu của CCCD (999) không tồn tại")
        );
        // Gaps in the list, codes past 096, and 000.
        for bad in [
            "003087001234",
            "097087001234",
            "100087001234",
            "000087001234",
        ] {
            assert!(
                id_err("cccd", bad).message_for("id_number").is_some(),
                "{bad}"
            );
        }
    }

    #[test]
    fn cccd_info_decodes_province_sex_and_year() {
        let info = id("cccd", "012087001234").cccd_info().unwrap();
        assert_eq!(
            info,
            CccdInfo {
                province_code: "12".into(),
                sex: Sex::Male,
                birth_year: 1987
            }
        );
        let info = id("cccd", "001305000001").cccd_info().unwrap();
        assert_eq!(
            (info.province_code.as_str(), info.sex, info.birth_year),
            ("01", Sex::Female, 2005)
        );
        let cases = [
            ('0', Sex::Male, 1999),
            ('1', Sex::Female, 1999),
            ('2', Sex::Male, 2099),
            ('3', Sex::Female, 2099),
            ('4', Sex::Male, 2199),
            ('5', Sex::Female, 2199),
            ('6', Sex::Male, 2299),
            ('7', Sex::Female, 2299),
            ('8', Sex::Male, 1899),
            ('9', Sex::Female, 1899),
        ];
        for (digit, sex, year) in cases {
            let info = id("cccd", &format!("079{digit}99123456"))
                .cccd_info()
                .unwrap();
            assert_eq!((info.sex, info.birth_year), (sex, year), "digit {digit}");
            assert_eq!(info.province_code, "79");
        }
        assert_eq!(id("cmnd", "123456789").cccd_info(), None);
    }

    #[test]
    fn cccd_number_round_trips() {
        for sex in Sex::ALL {
            for year in [1850, 1900, 1987, 1999, 2000, 2024, 2100, 2250] {
                for code in ["01", "12", "96"] {
                    let number = cccd_number(code, sex, year, 4321);
                    assert_eq!(number.len(), 12);
                    let info = id("", &number).cccd_info().unwrap();
                    assert_eq!(info.province_code, code);
                    assert_eq!(info.sex, sex);
                    assert_eq!(info.birth_year, year);
                    assert!(number.ends_with("004321"));
                }
            }
        }
        assert_eq!(cccd_number("12", Sex::Female, 1990, 7), "012190000007");
        assert_eq!(cccd_number("12", Sex::Male, 2003, 999_999), "012203999999");
        // An unknown province gives a number that parse rejects.
        assert!(IdDocument::parse("cccd", &cccd_number("03", Sex::Male, 1990, 1)).is_err());
    }

    // ---- CMND, passport, guessing ----

    #[test]
    fn cmnd() {
        assert_eq!(id("cmnd", "186 123 456").number, "186123456");
        let err = id_err("cmnd", "18612345");
        assert_eq!(
            err.message_for("id_number"),
            Some("Số CMND phải gồm đúng 9 chữ số")
        );
        assert!(
            id_err("cmnd", "18612345X")
                .message_for("id_number")
                .is_some()
        );
        assert!(
            id_err("cmnd", "012087001234")
                .message_for("id_number")
                .is_some()
        );
    }

    #[test]
    fn passport() {
        let doc = id("passport", "c1234567");
        assert_eq!(
            (doc.kind, doc.number.as_str()),
            (IdKind::Passport, "C1234567")
        );
        assert_eq!(id("Hộ chiếu", "P 0123 456").number, "P0123456");
        assert_eq!(id("passport", "123456").number, "123456");
        for bad in ["C123", "C12345678X", "ABCDEFGH", "C12345_7", "C1234Ư67"] {
            let err = id_err("passport", bad);
            assert!(err.message_for("id_number").is_some(), "{bad}");
        }
    }

    #[test]
    fn kind_guessed_from_number_and_unknown_kind() {
        assert_eq!(id("", "012087001234").kind, IdKind::Cccd);
        assert_eq!(id(" ", "186123456").kind, IdKind::Cmnd);
        assert_eq!(id("", "B7654321").kind, IdKind::Passport);
        assert!(
            id_err("", "999087001234")
                .message_for("id_number")
                .is_some()
        );
        assert!(id_err("", "12345").message_for("id_number").is_some());
        let err = id_err("giấy phép lái xe", "012087001234");
        assert!(err.message_for("id_kind").is_some());
        assert!(err.message_for("id_number").is_none());
    }

    #[test]
    fn empty_number_is_none() {
        assert_eq!(IdDocument::parse("cccd", "").unwrap(), None);
        assert_eq!(IdDocument::parse("", " . - ").unwrap(), None);
        assert_eq!(IdDocument::parse("bằng lái", "").unwrap(), None);
    }

    // ---- phone ----

    #[test]
    fn phone_normalisations() {
        for s in [
            "0912 345 678",
            "0912.345.678",
            "0912-345-678",
            "+84 912 345 678",
            "+84 (0) 912 345 678",
            "84912345678",
            "0084912345678",
            " 0912345678 ",
        ] {
            assert_eq!(Phone::parse(s).unwrap().as_str(), "0912345678", "{s}");
        }
        assert_eq!(
            Phone::parse("0213 3876 543").unwrap().as_str(),
            "02133876543"
        );
        assert_eq!(
            Phone::parse("+84 213 3876 543").unwrap().as_str(),
            "02133876543"
        );
        for prefix in ["03", "05", "07", "08", "09"] {
            assert!(
                Phone::parse(&format!("{prefix}12345678")).is_ok(),
                "{prefix}"
            );
        }
    }

    #[test]
    fn phone_rejections() {
        let msg = |s: &str| {
            Phone::parse(s)
                .unwrap_err()
                .message_for("phone")
                .unwrap()
                .to_owned()
        };
        assert!(msg("091234567").contains("10 chữ số"));
        assert!(msg("09123456789").contains("10 chữ số"));
        assert!(msg("0213387654").contains("11 chữ số"));
        assert!(msg("01234567890").contains("2018"));
        assert!(msg("0612345678").contains("Đầu số 06"));
        assert!(msg("0412345678").contains("Đầu số 04"));
        assert!(msg("912345678").contains("bắt đầu bằng 0"));
        assert!(msg("0912 345 67a").contains("chữ số"));
        assert!(msg("+1 202 555 0100").contains("+84"));
        assert!(msg("").contains("trống"));
    }

    // ---- sex ----

    #[test]
    fn sex_parse() {
        for s in ["male", "Nam", "NAM", "m", "M"] {
            assert_eq!(Sex::parse(s).unwrap(), Some(Sex::Male), "{s}");
        }
        let nu_nfd: String = "Nữ".nfd().collect();
        for s in ["female", "nữ", "NỮ", "nu", "F", nu_nfd.as_str()] {
            assert_eq!(Sex::parse(s).unwrap(), Some(Sex::Female), "{s}");
        }
        assert_eq!(Sex::parse("  ").unwrap(), None);
        for bad in ["x", "khác", "trai"] {
            assert!(Sex::parse(bad).unwrap_err().message_for("sex").is_some());
        }
        assert_eq!(Sex::Female.label(), "Nữ");
        assert_eq!(Sex::Male.as_str(), "male");
    }

    // ---- birth ----

    #[test]
    fn birth_formats() {
        let t = today();
        assert_eq!(
            Birth::parse("05/03/1987", t).unwrap(),
            Some(Birth::Date(date(1987, 3, 5)))
        );
        assert_eq!(
            Birth::parse("5/3/1987", t).unwrap(),
            Some(Birth::Date(date(1987, 3, 5)))
        );
        assert_eq!(
            Birth::parse("1987-03-05", t).unwrap(),
            Some(Birth::Date(date(1987, 3, 5)))
        );
        assert_eq!(Birth::parse(" 1987 ", t).unwrap(), Some(Birth::Year(1987)));
        assert_eq!(Birth::parse("", t).unwrap(), None);
        assert_eq!(Birth::Date(date(1987, 3, 5)).display(), "05/03/1987");
        assert_eq!(Birth::Year(1987).display(), "1987");
        assert_eq!(Birth::Date(date(1987, 3, 5)).year(), 1987);
        assert_eq!(Birth::parse("15/08/2025", t).unwrap(), Some(Birth::Date(t)));
        assert_eq!(Birth::parse("2025", t).unwrap(), Some(Birth::Year(2025)));
    }

    #[test]
    fn birth_rejections() {
        let t = today();
        let msg = |s: &str| {
            Birth::parse(s, t)
                .unwrap_err()
                .message_for("birth_date")
                .unwrap()
                .to_owned()
        };
        assert_eq!(msg("30/02/1990"), "Ngày 30/02/1990 không tồn tại");
        assert_eq!(msg("1990-02-30"), "Ngày 30/02/1990 không tồn tại");
        assert!(msg("29/02/2023").contains("không tồn tại"));
        assert!(Birth::parse("29/02/2024", t).is_ok());
        assert!(msg("16/08/2025").contains("tương lai"));
        assert!(msg("2026").contains("tương lai"));
        assert!(msg("1899").contains("1900"));
        assert!(msg("31/12/1899").contains("1900"));
        for bad in [
            "87",
            "05/03/87",
            "05.03.1987",
            "1987/03/05",
            "ngày 5",
            "05/13/1987x",
            "0005/03/1987",
        ] {
            assert!(
                msg(bad).contains("không đúng dạng") || msg(bad).contains("không tồn tại"),
                "{bad}"
            );
        }
        assert!(msg("05/13/1987").contains("không tồn tại"));
    }

    // ---- person ----

    #[test]
    fn minimal_draft_parses_with_defaults() {
        let p = draft().parse(today()).unwrap();
        assert_eq!(p.full_name, "Nguyễn Văn An");
        assert_eq!(p.nationality, "VN");
        assert_eq!(p.area_id.as_str(), "L12");
        assert_eq!(
            (p.id.clone(), p.birth, p.sex, p.phone.clone()),
            (None, None, None, None)
        );
        assert_eq!(p.birth_year(), None);
        assert_eq!(dedup_key(&p.name_key(), p.birth_year()), None);
    }

    #[test]
    fn full_draft_parses_and_round_trips() {
        let d = PersonDraft {
            full_name: "  Lò  Văn   Páo ".into(),
            id_kind: "cccd".into(),
            id_number: "012 087 001 234".into(),
            birth_date: "5/3/1987".into(),
            sex: "Nam".into(),
            phone: "+84 912 345 678".into(),
            nationality: "vn".into(),
            area_id: " N12 ".into(),
            street: " Bản  Nậm Loỏng ".into(),
            occupation: "Nông dân".into(),
            workplace: "".into(),
        };
        let p = d.parse(today()).unwrap();
        assert_eq!(p.full_name, "Lò Văn Páo");
        assert_eq!(p.id.as_ref().unwrap().number, "012087001234");
        assert_eq!(p.birth, Some(Birth::Date(date(1987, 3, 5))));
        assert_eq!(p.sex, Some(Sex::Male));
        assert_eq!(p.phone.as_ref().unwrap().as_str(), "0912345678");
        assert_eq!(p.nationality, "VN");
        assert_eq!(p.area_id.as_str(), "N12");
        assert_eq!(p.street, "Bản Nậm Loỏng");
        assert_eq!(p.birth_year(), Some(1987));
        assert_eq!(
            dedup_key(&p.name_key(), p.birth_year()).unwrap(),
            "lo van pao|1987"
        );
        let back = p.draft();
        assert_eq!(back.birth_date, "05/03/1987");
        assert_eq!(back.sex, "male");
        assert_eq!(back.id_kind, "cccd");
        assert_eq!(back.parse(today()).unwrap(), p);
    }

    #[test]
    fn draft_collects_every_field_error() {
        let d = PersonDraft {
            full_name: "Nguyễn Văn 2".into(),
            id_kind: "cccd".into(),
            id_number: "12345".into(),
            birth_date: "30/02/1990".into(),
            sex: "x".into(),
            phone: "12345".into(),
            nationality: "VNM".into(),
            area_id: "".into(),
            street: "a".repeat(201),
            occupation: "ok".into(),
            workplace: "b".repeat(201),
        };
        let err = d.parse(today()).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "full_name",
                "id_number",
                "birth_date",
                "sex",
                "phone",
                "nationality",
                "area_id",
                "street",
                "workplace"
            ]
        );
        assert_eq!(
            err.message_for("full_name"),
            Some("Họ tên không được chứa chữ số")
        );
        assert_eq!(err.message_for("area_id"), Some("Chưa chọn địa bàn nơi ở"));
        assert_eq!(err.message_for("street"), Some("Địa chỉ dài quá 200 ký tự"));
        let err = PersonDraft {
            area_id: "X1".into(),
            id_kind: "abc".into(),
            id_number: "1".into(),
            ..draft()
        }
        .parse(today())
        .unwrap_err();
        assert!(err.message_for("area_id").is_some());
        assert!(err.message_for("id_kind").is_some());
    }

    #[test]
    fn full_name_rules() {
        let name_err = |s: &str| {
            PersonDraft {
                full_name: s.into(),
                ..draft()
            }
            .parse(today())
            .err()
            .and_then(|e| e.message_for("full_name").map(str::to_owned))
        };
        assert_eq!(name_err("").as_deref(), Some("Họ tên không được để trống"));
        assert_eq!(
            name_err("   ").as_deref(),
            Some("Họ tên không được để trống")
        );
        assert!(name_err("A").is_some());
        assert!(name_err(&"A".repeat(101)).is_some());
        assert!(name_err("Nguyễn @n").is_some());
        assert!(name_err("--").is_some());
        for ok in [
            "Võ Thị Sáu",
            "H'Hen Niê",
            "Nguyễn Thị-Minh Khai",
            "Y Ngông Niê Kđăm",
            "Jr. Smith",
        ] {
            assert_eq!(name_err(ok), None, "{ok}");
        }
    }

    #[test]
    fn name_cleaned_to_nfc_and_keyed_without_diacritics() {
        let typed: String = "  Đỗ   Thị Hằng ".nfd().collect();
        assert_ne!(typed.trim(), "Đỗ   Thị Hằng");
        let p = PersonDraft {
            full_name: typed,
            ..draft()
        }
        .parse(today())
        .unwrap();
        assert_eq!(p.full_name, "Đỗ Thị Hằng");
        assert_eq!(p.full_name.chars().count(), 11);
        assert_eq!(p.name_key(), "do thi hang");
    }

    #[test]
    fn nationality() {
        let nat = |s: &str| {
            PersonDraft {
                nationality: s.into(),
                ..draft()
            }
            .parse(today())
        };
        assert_eq!(nat("").unwrap().nationality, "VN");
        assert_eq!(nat(" la ").unwrap().nationality, "LA");
        for bad in ["V", "VNM", "V1", "Việt Nam", "ĐỨ"] {
            assert!(
                nat(bad).unwrap_err().message_for("nationality").is_some(),
                "{bad}"
            );
        }
    }

    #[test]
    fn cccd_must_agree_with_birth_and_sex() {
        let with = |birth: &str, sex: &str| PersonDraft {
            id_kind: "cccd".into(),
            id_number: "012087001234".into(),
            birth_date: birth.into(),
            sex: sex.into(),
            ..draft()
        };
        assert!(with("1987", "nam").parse(today()).is_ok());
        assert!(with("05/03/1987", "").parse(today()).is_ok());
        assert!(with("", "").parse(today()).is_ok());
        let msg = |d: PersonDraft| {
            d.parse(today())
                .unwrap_err()
                .message_for("id_number")
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            msg(with("1990", "")),
            "Số CCCD cho biết sinh năm 1987, giới tính Nam — không khớp năm sinh 1990 đã nhập"
        );
        assert_eq!(
            msg(with("", "nữ")),
            "Số CCCD cho biết sinh năm 1987, giới tính Nam — không khớp giới tính Nữ đã nhập"
        );
        assert_eq!(
            msg(with("01/01/1990", "nữ")),
            "Số CCCD cho biết sinh năm 1987, giới tính Nam — không khớp năm sinh 1990 và giới tính Nữ đã nhập"
        );
        // A CMND or passport says nothing about birth or sex.
        let cmnd = PersonDraft {
            id_kind: "cmnd".into(),
            id_number: "186123456".into(),
            ..with("1990", "nữ")
        };
        assert!(cmnd.parse(today()).is_ok());
    }

    #[test]
    fn cccd_century_digit_may_not_give_a_future_or_too_old_year() {
        let with = |number: &str| PersonDraft {
            id_number: number.into(),
            ..draft()
        };
        // 4 = male born in the 2100s.
        let err = with("012487001234").parse(today()).unwrap_err();
        assert!(
            err.message_for("id_number")
                .unwrap()
                .contains("sinh năm 2187")
        );
        // 2 = male born in the 2000s: 2026 is after 2025.
        assert!(with("012226001234").parse(today()).is_err());
        assert!(with("012225001234").parse(today()).is_ok());
        // 8 = male born in the 1800s.
        let err = with("012887001234").parse(today()).unwrap_err();
        assert!(err.message_for("id_number").unwrap().contains("1887"));
    }

    #[test]
    fn dedup_key_needs_a_year() {
        assert_eq!(
            dedup_key("do thi hang", Some(1990)).as_deref(),
            Some("do thi hang|1990")
        );
        assert_eq!(dedup_key("do thi hang", None), None);
    }
}
