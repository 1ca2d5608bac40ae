//! The directive parser: from a document's text, as converted from .docx or PDF with the
//! conversion's artefacts (markdown remnants, lines broken mid-sentence and mid-name, blank
//! numbers and dates), to a [`ParsedDirective`]. It never fails and never panics: what it
//! cannot find is `None` or empty.
//!
//! How the fields are read, and the choices made where documents leave room:
//!
//! - **kind**: the title line ("THÔNG BÁO", "QUYẾT ĐỊNH" …); else the number's symbol ("/TB-"
//!   Thông báo, "/QĐ-" Quyết định, "/KH-", "/CT-", "/CĐ-", "/NQ-"; an agency's symbol such as
//!   "/UBND-VX" is a Công văn's); else a "V/v" line or a "Kính gửi:" list makes it a Công văn
//!   (the only kind without a title word); else `unknown`.
//! - **number**: what follows "Số:", spaces around "/" removed ("1229 /UBND-VX" →
//!   "1229/UBND-VX"). A draft's blank number keeps its symbol: "Số: /TB-UBND" → "/TB-UBND"
//!   (`number_key` gives no key for it). None without a "Số:" line.
//! - **issuer**: the header's body in capitals, normalised like agency names: "ỦY BAN NHÂN DÂN /
//!   TỈNH LAI CHÂU" → "UBND tỉnh Lai Châu". When the header names a parent and the issuer
//!   ("UBND TỈNH LAI CHÂU / SỞ Y TẾ") the issuer is the last.
//! - **place**, **date**: "Lai Châu, ngày 11 tháng 5 năm 2021"; a blank day or month is null
//!   ("ngày tháng 6 năm 2021" → {2021, 6, null}); no year, no date.
//! - **subject**: the "V/v …" lines of a Công văn without the "V/v" marker, or the lines under
//!   the title word; markdown stripped, broken lines joined.
//! - **recipients**: the "Kính gửi:" list, one per dash line (or the line after "Kính gửi:",
//!   split into agencies when it is a list of them), with "Ủy ban nhân dân" written "UBND".
//! - **references**: every number with a symbol in the subject and the text, and the numbers
//!   without symbol after a kind and "số" ("các Công điện số 540, 541, 570"), with the kind
//!   (the word before, or the symbol when the word is "Văn bản" or missing), the date after
//!   "ngày", the issuer after "của". One per number; the document's own number is not one.
//! - **items**: "1.", "2." …; Roman sections "I.", "II." with their items ("II.3"); "1.1."
//!   decimal sub-items; "a)", "b)" sub-items keep their letter ("3.a"); dash bullets under an
//!   item are numbered in order ("9.1", "9.2"), "+" bullets under a dash ("9.1.1"); "Điều 1."
//!   articles. Without any numbered item, the dash bullets are the items ("1", "2" …). The
//!   intro before the first item and the closing paragraph after the last ("Thừa lệnh …",
//!   "… yêu cầu … thực hiện./.") are not items. A line continues the one before when that one
//!   does not end a sentence (also across an empty line: "Giao Sở Giao thông" / "vận tải"), or
//!   when it starts with a lowercase letter; an unnumbered paragraph inside an item belongs to
//!   it (joined with a newline).
//! - **lead**: the agencies that are the subject of a sentence of the item (after "Giao",
//!   "Đề nghị", "Yêu cầu"), each in its standard name ("Sở Y tế", "Sở Lao động, Thương binh và
//!   Xã hội", "UBND các huyện, thành phố") or as written with spelling fixed ("Sở Abc",
//!   "UBND huyện Than Uyên", "Ban Chỉ đạo phòng, chống dịch Covid-19 các huyện, thành phố":
//!   the commas inside a name do not split it; the province's committee is "Ban Chỉ đạo
//!   tỉnh"). An agency's head stands for it ("Yêu cầu Chủ tịch UBND các huyện, thành phố chỉ
//!   đạo …" → "UBND các huyện, thành phố"; "Giám đốc Sở Y tế" → "Sở Y tế"). Collective
//!   subjects that no single agency stands for ("Các cấp, các ngành", "các cơ quan báo chí",
//!   "thành viên Ban Chỉ đạo tỉnh") are not leads: an item with only those has no lead. Sector
//!   words in a list ("Các lực lượng: Quân đội, Biên phòng, Công an, Y tế") stand for the
//!   provincial agencies. A sub-item without a lead takes its parent's when the parent's text
//!   is a heading ending in ":" ("2. Sở Y tế:" / "a) …").
//! - **support**: what follows "phối hợp (với)": agencies (a head standing for the agency as
//!   in a lead), and collective phrases as written ("các địa phương, đơn vị"); an agency
//!   already a lead is not also a support.
//! - **deadline**: the earliest of "trước (ngày) 05/7/2021", "chậm nhất (là) ngày …", "hạn
//!   chót", "thời hạn", "xong trước 30/6" (the document's year; the next year when that is two
//!   months before the document), "hoàn thành trong tháng 6/2021" (the month's last day) in the
//!   item's own text. The date written is the deadline ("trước ngày 05/7/2021" → 2021-07-05).
//! - **distribution**: the "Nơi nhận:" list, one per line, without the brace artefacts ("}")
//!   and the trailing purpose notes ("(để b/c)", "(b/c)", "(để t/h)"), nor the final ";"/".".
//! - **signer**: after the text: the authority lines ("TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG")
//!   joined with " / ", the title line(s) below them as written ("PHÓ CHÁNH VĂN PHÒNG"), the
//!   name (the last line that reads as a name). A block with authority or title but no name
//!   gives an empty name; no block, no signer.

use super::agencies::{self, Entity, fold};
use super::dates::{self, DocDate};
use super::references;
use super::{DocumentKind, Item, ParsedDirective, PartialDate, Signer};
use unicode_normalization::UnicodeNormalization;

/// Extracts what it can from a document's text. Never panics.
pub fn parse(text: &str) -> ParsedDirective {
    let lines = clean_lines(text);
    let header = read_header(&lines);
    let start = header.end.min(lines.len());
    let noi_nhan = (start..lines.len()).find(|&i| is_noi_nhan(&lines[i]));
    let signer_start =
        (start..lines.len()).find(|&i| is_authority(&lines[i]) || is_title(&lines[i]));
    let end = [noi_nhan, signer_start]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(lines.len());

    let blocks = blocks(lines.get(start..end).unwrap_or(&[]));
    let doc = DocDate::of(header.date);
    let items = items(&blocks, doc);

    let (distribution, dist_lines) = match noi_nhan {
        Some(n) => distribution(&lines, n),
        None => (Vec::new(), 0..0),
    };
    let signer_lines: Vec<&str> = (end..lines.len())
        .filter(|i| Some(*i) != noi_nhan && !dist_lines.contains(i))
        .filter_map(|i| lines.get(i).map(String::as_str))
        .collect();
    let signer = signer(&signer_lines);

    let mut cited = String::new();
    if let Some(s) = &header.subject {
        cited.push_str(s);
        cited.push('\n');
    }
    for b in &blocks {
        cited.push_str(&b.text);
        cited.push('\n');
    }
    let references = references::references(&cited, header.number.as_deref());

    let kind = header
        .kind
        .or_else(|| {
            header
                .number
                .as_deref()
                .and_then(references::kind_of_symbol)
        })
        .filter(|k| *k != DocumentKind::Unknown)
        .or_else(|| (header.has_vv || header.has_recipients).then_some(DocumentKind::CongVan))
        .unwrap_or(DocumentKind::Unknown);

    ParsedDirective {
        kind,
        number: header.number,
        issuer: header.issuer,
        place: header.place,
        date: header.date,
        subject: header.subject,
        recipients: header.recipients,
        references,
        items,
        distribution,
        signer,
    }
}

// ---------------------------------------------------------------------------------------------
// Lines

/// The text as lines: NFC, any line ending, markdown remnants (headings, bold, italics,
/// escapes, table pipes) and invisible characters removed, whitespace collapsed; an empty
/// string for a blank line.
fn clean_lines(text: &str) -> Vec<String> {
    let nfc: std::borrow::Cow<'_, str> = if unicode_normalization::is_nfc_quick(text.chars())
        == unicode_normalization::IsNormalized::Yes
    {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    };
    let unified = nfc.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = Vec::new();
    for raw in unified.split('\n') {
        let t = raw.trim();
        if t.len() >= 2 && t.starts_with('|') && t.ends_with('|') {
            for cell in t.trim_matches('|').split('|') {
                out.push(clean_line(cell));
            }
        } else {
            out.push(clean_line(raw));
        }
    }
    out
}

fn clean_line(raw: &str) -> String {
    let mut s = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{FEFF}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{00AD}' => {}
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => {}
            c if c.is_whitespace() || c.is_control() => s.push(' '),
            c => s.push(c),
        }
    }
    let s = s.replace("**", "").replace("__", "");
    let mut t = s.trim();
    if t.starts_with('#') {
        t = t.trim_start_matches('#').trim_start();
    }
    if let Some(rest) = t.strip_prefix("> ") {
        t = rest;
    }
    let t = t.trim_matches('*').trim();
    if t.chars()
        .all(|c| matches!(c, '{' | '}' | '|' | '-' | '_' | '=' | '*' | '~' | '`' | ' '))
    {
        return String::new();
    }
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn has_lower(s: &str) -> bool {
    s.chars().any(char::is_lowercase)
}

/// A line in capitals: at least two letters and no lowercase one.
fn is_upper_line(s: &str) -> bool {
    !has_lower(s) && s.chars().filter(|c| c.is_alphabetic()).nth(1).is_some()
}

fn starts_folded(s: &str, prefix: &str) -> bool {
    let head: String = s.chars().take(prefix.chars().count() + 2).collect();
    fold(&head).starts_with(prefix)
}

fn is_noi_nhan(l: &str) -> bool {
    l.chars().count() < 200 && starts_folded(l, "nơi nhận")
}

/// "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "TL. CHỦ TỊCH", "TUQ. CHỦ TỊCH", "Q. GIÁM ĐỐC".
fn is_authority(l: &str) -> bool {
    if !is_upper_line(l) || l.chars().count() > 80 {
        return false;
    }
    let compact: String = l.chars().filter(|c| !c.is_whitespace()).collect();
    [
        "TM.", "KT.", "TL.", "TUQ.", "Q.", "T/M", "K/T", "T/L", "T.M.", "K.T.", "T.L.",
    ]
    .iter()
    .any(|p| compact.starts_with(p))
}

const SIGNER_TITLES: &[&str] = &[
    "chủ tịch",
    "phó chủ tịch",
    "giám đốc",
    "phó giám đốc",
    "chánh văn phòng",
    "phó chánh văn phòng",
    "trưởng ban",
    "phó trưởng ban",
    "bí thư",
    "phó bí thư",
    "trưởng phòng",
    "phó trưởng phòng",
    "cục trưởng",
    "phó cục trưởng",
];

/// A signer's title in capitals ("PHÓ CHỦ TỊCH").
fn is_title(l: &str) -> bool {
    if !is_upper_line(l) || l.chars().count() > 60 {
        return false;
    }
    let f = fold(l);
    let f = f.trim_end_matches([':', '.']).trim();
    // The title alone, or with a qualifier ("PHÓ CHỦ TỊCH THƯỜNG TRỰC"); not "CHỦ TỊCH UBND
    // TỈNH …" heading a decision.
    SIGNER_TITLES.iter().any(|t| {
        f == *t
            || f.strip_prefix(&format!("{t} "))
                .is_some_and(|q| q.split_whitespace().count() <= 2 && !q.contains("ubnd"))
    })
}

// ---------------------------------------------------------------------------------------------
// Header

#[derive(Default)]
struct Header {
    kind: Option<DocumentKind>,
    number: Option<String>,
    issuer: Option<String>,
    place: Option<String>,
    date: Option<PartialDate>,
    subject: Option<String>,
    recipients: Vec<String>,
    has_vv: bool,
    has_recipients: bool,
    /// The first line of the text.
    end: usize,
}

fn is_motto(l: &str) -> bool {
    let f = fold(l);
    f.contains("cộng hòa xã hội chủ nghĩa")
        || (f.contains("độc lập") && f.contains("tự do") && f.contains("hạnh phúc"))
}

/// "Số: 1229 /UBND-VX" → Some(Some("1229/UBND-VX")); "Số: /TB-UBND" → Some(Some("/TB-UBND"));
/// "Số:" → Some(None). None when the line is not a number line.
fn number_line(l: &str) -> Option<Option<String>> {
    let mut it = l.char_indices();
    let (_, a) = it.next()?;
    let (_, b) = it.next()?;
    if fold(&format!("{a}{b}")) != "số" {
        return None;
    }
    let rest = match it.next() {
        Some((i, _)) => l.get(i..)?,
        None => "",
    };
    let rest = rest.trim_start();
    let (colon, rest) = match rest.strip_prefix(':') {
        Some(r) => (true, r.trim_start()),
        None => (false, rest),
    };
    let first = rest.chars().next();
    if !colon && !first.is_some_and(|c| c.is_ascii_digit() || matches!(c, '/' | '.' | '…')) {
        return None;
    }
    let rest = rest.trim_start_matches(['.', '…', '_', ' ']);
    // Spaces around "/" and "-" inside the number.
    let mut compact = String::new();
    let cs: Vec<char> = rest.chars().collect();
    for (k, &c) in cs.iter().enumerate() {
        if c == ' ' {
            let prev = k.checked_sub(1).and_then(|p| cs.get(p)).copied();
            let next = cs.get(k + 1).copied();
            if matches!(prev, Some('/' | '-')) || matches!(next, Some('/' | '-')) {
                continue;
            }
        }
        compact.push(c);
    }
    let token = compact
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_end_matches([',', ';', '.', ':']);
    Some(
        (token.chars().any(char::is_alphanumeric) && token.chars().count() <= 60)
            .then(|| token.to_owned()),
    )
}

/// "Lai Châu, ngày 11 tháng 5 năm 2021": (place, date).
fn date_line(l: &str) -> Option<(Option<String>, Option<PartialDate>)> {
    if l.chars().count() > 140 {
        return None;
    }
    let toks = agencies::tokens(l);
    let ngay = toks.iter().position(|t| t.key == "ngày")?;
    let rest = toks.get(ngay + 1..).unwrap_or(&[]);
    let has_words = rest.iter().any(|t| t.key == "tháng") && rest.iter().any(|t| t.key == "năm");
    let has_dmy = rest.first().is_some_and(|t| dates::dmy(t.text).is_some());
    // Nothing but the date after "ngày" (blanks and dots allowed).
    let only_date = rest.iter().filter(|t| !t.text.is_empty()).count() <= 6
        && rest.iter().all(|t| {
            t.text.is_empty()
                || t.key == "tháng"
                || t.key == "năm"
                || t.text.bytes().all(|b| b.is_ascii_digit())
                || dates::dmy(t.text).is_some()
        });
    if !(has_words || has_dmy) || !only_date {
        return None;
    }
    let place = if ngay == 0 {
        None
    } else {
        let before = toks.get(ngay - 1)?;
        if !before.trail.contains(',') || ngay > 6 {
            return None;
        }
        // Only the place's words before "ngày": capitalised, no digits, no "Số:".
        let words = toks.get(..ngay)?;
        let place_like = words.iter().enumerate().all(|(k, t)| {
            t.cap
                && t.lead.is_empty()
                && t.text.chars().all(|c| c.is_alphabetic() || c == '.')
                && (k + 1 == ngay || t.trail.is_empty() || t.trail == ".")
        });
        if !place_like {
            return None;
        }
        let first = toks.first()?;
        let p = l.get(first.start..before.end)?.trim();
        Some(p.to_owned()).filter(|p| !p.is_empty())
    };
    Some((place, dates::header_date(rest)))
}

fn title_line(l: &str) -> Option<DocumentKind> {
    if !is_upper_line(l) || l.chars().count() > 40 {
        return None;
    }
    let f = fold(l);
    let f = f.trim_end_matches([':', '.']).trim();
    [
        ("thông báo", DocumentKind::ThongBao),
        ("công văn", DocumentKind::CongVan),
        ("quyết định", DocumentKind::QuyetDinh),
        ("kế hoạch", DocumentKind::KeHoach),
        ("chỉ thị", DocumentKind::ChiThi),
        ("công điện", DocumentKind::CongDien),
        ("nghị quyết", DocumentKind::NghiQuyet),
    ]
    .into_iter()
    .find(|(w, _)| f == *w || f.starts_with(&format!("{w} ")))
    .map(|(_, k)| k)
}

fn vv_line(l: &str) -> Option<&str> {
    let mut it = l.char_indices();
    let mut end = 0;
    for _ in 0..3 {
        let (i, c) = it.next()?;
        end = i + c.len_utf8();
    }
    let head = l.get(..end)?;
    if !head.eq_ignore_ascii_case("v/v") {
        return None;
    }
    Some(l.get(end..)?.trim_start_matches([':', ' ', '.']).trim())
}

fn kinh_gui_line(l: &str) -> Option<&str> {
    if !starts_folded(l, "kính gửi") {
        return None;
    }
    let rest: &str = match l.char_indices().nth(8) {
        Some((i, _)) => l.get(i..)?,
        None => "",
    };
    Some(rest.trim_start_matches([':', ' ']).trim())
}

/// A line that is some header element (so it ends a subject running over several lines).
fn is_header_element(l: &str) -> bool {
    is_motto(l)
        || number_line(l).is_some()
        || date_line(l).is_some()
        || vv_line(l).is_some()
        || kinh_gui_line(l).is_some()
        || title_line(l).is_some()
}

/// Words that start the text after a subject, not the subject.
const BODY_STARTS: &[&str] = &[
    "căn cứ",
    "thực hiện",
    "ngày ",
    "sau khi",
    "kính gửi",
    "trên cơ sở",
    "theo đề nghị",
    "xét đề nghị",
];

/// Consecutive non-empty lines from `i`, up to an empty line, a header element, a line that
/// starts the text ("Căn cứ …", "Ngày 24/6/2021, …") or the end of a sentence.
fn run_of_lines(lines: &[String], mut i: usize, first: Option<String>) -> (String, usize) {
    let mut parts: Vec<String> = first.into_iter().filter(|s| !s.is_empty()).collect();
    while let Some(l) = lines.get(i) {
        let ended = parts.last().is_some_and(|p| p.ends_with(['.', ':', ';']));
        if l.is_empty()
            || ended
            || is_header_element(l)
            || marker(l).is_some()
            || BODY_STARTS.iter().any(|p| starts_folded(l, p))
        {
            break;
        }
        parts.push(l.clone());
        i += 1;
    }
    let joined = parts.join(" ");
    (
        joined
            .trim_end_matches(['.', ';', ','])
            .trim_end()
            .to_owned(),
        i,
    )
}

fn read_header(lines: &[String]) -> Header {
    let mut h = Header::default();
    let mut issuer_lines: Vec<&str> = Vec::new();
    let mut anchored = false;
    let mut i = 0;
    while let Some(l) = lines.get(i) {
        if l.is_empty() {
            i += 1;
            continue;
        }
        if is_motto(l) {
            i += 1;
            continue;
        }
        let number = number_line(l);
        let date = date_line(l).or_else(|| {
            // "Số: 1229/UBND-VX Lai Châu, ngày …" on one line: the place is the capitalised
            // words before ", ngày".
            number.as_ref()?;
            let at = l.find(", ngày")?;
            let words: Vec<&str> = l.get(..at)?.split_whitespace().collect();
            let place: Vec<&str> = words
                .iter()
                .rev()
                .take_while(|w| {
                    w.chars().next().is_some_and(char::is_uppercase)
                        && w.chars().all(|c| c.is_alphabetic() || c == '.')
                })
                .take(4)
                .copied()
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            date_line(&format!("{}{}", place.join(" "), l.get(at..)?))
        });
        if number.is_some() || date.is_some() {
            if let Some(n) = number
                && h.number.is_none()
            {
                h.number = n;
            }
            if let Some((place, d)) = date
                && h.date.is_none()
                && h.place.is_none()
            {
                h.place = place;
                h.date = d;
            }
            anchored = true;
            i += 1;
            continue;
        }
        if let Some(kind) = title_line(l) {
            if h.kind.is_none() {
                h.kind = Some(kind);
            }
            anchored = true;
            i += 1;
            while lines.get(i).is_some_and(String::is_empty) {
                i += 1;
            }
            let subject_like = lines.get(i).is_some_and(|s| {
                !is_header_element(s)
                    && marker(s).is_none()
                    && s.chars().count() <= 400
                    && !["căn cứ", "thực hiện", "ngày", "kính gửi"]
                        .iter()
                        .any(|p| starts_folded(s, p))
            });
            if subject_like {
                let first = lines
                    .get(i)
                    .map(|s| vv_line(s).map_or_else(|| s.clone(), str::to_owned));
                let (s, next) = run_of_lines(lines, i + 1, first);
                if h.subject.is_none() && !s.is_empty() {
                    h.subject = Some(s);
                }
                i = next;
            }
            continue;
        }
        if let Some(rest) = vv_line(l) {
            h.has_vv = true;
            let (s, next) = run_of_lines(lines, i + 1, Some(rest.to_owned()));
            if h.subject.is_none() && !s.is_empty() {
                h.subject = Some(s);
            }
            anchored = true;
            i = next;
            continue;
        }
        if let Some(rest) = kinh_gui_line(l) {
            h.has_recipients = true;
            anchored = true;
            if !rest.is_empty() {
                h.recipients.extend(split_recipients(rest));
            }
            i = recipients(lines, i + 1, rest.is_empty(), &mut h.recipients);
            continue;
        }
        if !anchored && is_upper_line(l) && l.chars().count() <= 100 && marker(l).is_none() {
            issuer_lines.push(l);
            i += 1;
            continue;
        }
        break;
    }
    h.issuer = agencies::header_issuer(&issuer_lines);
    h.end = i;
    h
}

/// Strips a list line's dash, its trailing ";" "," "." and brace artefacts.
fn list_entry(l: &str) -> String {
    let t = l.trim_start_matches(['-', '–', '—', '+', '•', '·', '*', ' ']);
    let mut t = t.replace(['{', '}'], " ");
    loop {
        let before = t.clone();
        let trimmed = t
            .trim()
            .trim_end_matches([';', ',', '.', ':'])
            .trim()
            .to_owned();
        t = strip_purpose_note(&trimmed);
        if t == before {
            break;
        }
    }
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "… (để b/c)" → "…": a short parenthesised purpose note at the end.
fn strip_purpose_note(s: &str) -> String {
    let t = s.trim_end();
    if let Some(body) = t.strip_suffix(')')
        && let Some(open) = body.rfind('(')
    {
        let note = body.get(open + 1..).unwrap_or("");
        let f = fold(note.trim());
        let purpose = f.starts_with("để ")
            || [
                "b/c",
                "t/h",
                "p/h",
                "c/đ",
                "b/cáo",
                "báo cáo",
                "thực hiện",
                "biết",
            ]
            .contains(&f.as_str());
        if purpose && note.chars().count() <= 30 {
            return body.get(..open).unwrap_or("").trim_end().to_owned();
        }
    }
    t.to_owned()
}

fn is_dash_line(l: &str) -> bool {
    let mut cs = l.chars();
    matches!(cs.next(), Some('-' | '–' | '—' | '•' | '·' | '+'))
        && cs.next().is_none_or(|c| c == ' ' || c.is_alphabetic())
}

/// The line after "Kính gửi:": one recipient, or several when it is a list of agencies.
fn split_recipients(rest: &str) -> Vec<String> {
    if rest.contains(';') {
        return rest
            .split(';')
            .map(list_entry)
            .filter(|s| !s.is_empty())
            .map(|s| agencies::display_name(&s))
            .collect();
    }
    let entry = list_entry(rest);
    let toks = agencies::tokens(&entry);
    let (ents, end) = agencies::list_at(&entry, &toks, 0);
    if ents.len() > 1 && end == toks.len() {
        return ents
            .into_iter()
            .map(|e| match e {
                Entity::Named(n) | Entity::Group(n) => n,
            })
            .collect();
    }
    if entry.is_empty() {
        Vec::new()
    } else {
        vec![agencies::display_name(&entry)]
    }
}

/// The recipients' lines from `i`: dash lines (empty lines between them allowed), or short
/// lines ending in ";" when the list has no dashes. Returns the index after the list.
fn recipients(lines: &[String], mut i: usize, open: bool, out: &mut Vec<String>) -> usize {
    let mut dashes = false;
    let mut last = i;
    while let Some(l) = lines.get(i) {
        if l.is_empty() {
            i += 1;
            continue;
        }
        if is_dash_line(l) {
            dashes = true;
        } else if !(open && !dashes && l.chars().count() <= 100 && l.ends_with([';', '.'])) {
            break;
        }
        let e = agencies::display_name(&list_entry(l));
        if !e.is_empty() {
            out.push(e);
        }
        i += 1;
        last = i;
        if !dashes && l.ends_with('.') {
            break;
        }
    }
    last
}

// ---------------------------------------------------------------------------------------------
// Body: paragraphs with their markers

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Roman(u32),
    Arabic(u32),
    Decimal(u32, u32),
    Letter(u32, char),
    Article(u32),
    Dash,
    Plus,
}

const LETTERS: &[char] = &[
    'a', 'b', 'c', 'd', 'đ', 'e', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't',
    'u', 'v', 'x', 'y',
];

fn roman_value(s: &str) -> Option<u32> {
    let mut total = 0u32;
    let mut prev = 0u32;
    for c in s.chars().rev() {
        let v = match c {
            'I' => 1,
            'V' => 5,
            'X' => 10,
            'L' => 50,
            'C' => 100,
            _ => return None,
        };
        if v < prev {
            total = total.checked_sub(v)?;
        } else {
            total = total.saturating_add(v);
            prev = v;
        }
    }
    (total > 0 && total <= 40 && crate::text::roman(total) == s).then_some(total)
}

/// After a marker: end of line or a space.
fn after_marker(l: &str, at: usize) -> Option<&str> {
    let rest = l.get(at..)?;
    if rest.is_empty() {
        return Some("");
    }
    rest.starts_with(' ').then(|| rest.trim())
}

/// The marker a line starts with, and the text after it.
fn marker(l: &str) -> Option<(Marker, &str)> {
    let first = l.chars().next()?;
    if matches!(first, '-' | '–' | '—' | '•' | '·' | '▪' | '●' | '+') {
        let rest = l.get(first.len_utf8()..)?;
        if rest.starts_with(' ') {
            let m = if first == '+' {
                Marker::Plus
            } else {
                Marker::Dash
            };
            return Some((m, rest.trim()));
        }
        return None;
    }
    if first.is_ascii_digit() {
        let digits: String = l.chars().take_while(char::is_ascii_digit).collect();
        if digits.len() > 3 {
            return None;
        }
        let n: u32 = digits.parse().ok()?;
        let after = l.get(digits.len()..)?;
        if let Some(r) = after.strip_prefix('.') {
            // "1.2." / "1.2" decimal sub-item.
            let sub: String = r.chars().take_while(char::is_ascii_digit).collect();
            if !sub.is_empty() {
                if sub.len() > 2 {
                    return None;
                }
                let m: u32 = sub.parse().ok()?;
                let at = digits.len() + 1 + sub.len();
                let at = if l.get(at..).is_some_and(|s| s.starts_with(['.', ')'])) {
                    at + 1
                } else {
                    at
                };
                return after_marker(l, at).map(|t| (Marker::Decimal(n, m), t));
            }
            return after_marker(l, digits.len() + 1).map(|t| (Marker::Arabic(n), t));
        }
        if after.starts_with(')') {
            return after_marker(l, digits.len() + 1).map(|t| (Marker::Arabic(n), t));
        }
        return None;
    }
    if first.is_ascii_uppercase() {
        let letters: String = l
            .chars()
            .take(9)
            .take_while(|c| matches!(c, 'I' | 'V' | 'X' | 'L' | 'C'))
            .collect();
        if !letters.is_empty()
            && let Some(n) = roman_value(&letters)
            && l.get(letters.len()..)
                .is_some_and(|s| s.starts_with(['.', ')']))
            && let Some(t) = after_marker(l, letters.len() + 1)
        {
            return Some((Marker::Roman(n), t));
        }
    }
    if starts_folded(l, "điều ") {
        let rest = l.get("Điều".len()..)?.trim_start();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !digits.is_empty() && digits.len() <= 3 {
            let n: u32 = digits.parse().ok()?;
            let after = rest.get(digits.len()..)?;
            if let Some(t) = after.strip_prefix(['.', ':']) {
                return Some((Marker::Article(n), t.trim()));
            }
        }
        return None;
    }
    if first.is_lowercase() {
        let ix = LETTERS.iter().position(|&c| c == first)?;
        let at = first.len_utf8();
        if l.get(at..).is_some_and(|s| s.starts_with(')')) {
            let ix = u32::try_from(ix).ok()? + 1;
            return after_marker(l, at + 1).map(|t| (Marker::Letter(ix, first), t));
        }
    }
    None
}

#[derive(Debug)]
struct Block {
    marker: Option<Marker>,
    text: String,
}

/// A text that ends a sentence: ".", ":", ";", "!", "?", "…" (before closing quotes).
fn ends_sentence(s: &str) -> bool {
    let t = s
        .trim_end()
        .trim_end_matches(['"', '”', '’', '\'', '»', '*']);
    t.ends_with(['.', ':', ';', '!', '?', '…'])
}

fn starts_lowercase(s: &str) -> bool {
    s.trim_start_matches(['"', '“', '(', '\'', '‘'])
        .chars()
        .next()
        .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit())
}

#[derive(Default)]
struct Counters {
    roman: u32,
    arabic: u32,
    decimal: u32,
    letter: u32,
    article: u32,
}

impl Counters {
    /// Whether a marker really starts an item: after the end of a sentence, or in sequence.
    fn accepts(&self, m: Marker, after_sentence: bool) -> bool {
        after_sentence
            || match m {
                Marker::Roman(n) => n == self.roman + 1,
                Marker::Arabic(n) => n == self.arabic + 1,
                Marker::Article(n) => n == self.article + 1,
                Marker::Decimal(p, n) => p == self.arabic && n == self.decimal + 1,
                Marker::Letter(n, _) => n == self.letter + 1,
                Marker::Dash | Marker::Plus => false,
            }
    }

    fn update(&mut self, m: Marker) {
        match m {
            Marker::Roman(n) => {
                *self = Counters {
                    roman: n,
                    article: self.article,
                    ..Counters::default()
                };
            }
            Marker::Article(n) => {
                *self = Counters {
                    article: n,
                    roman: self.roman,
                    ..Counters::default()
                };
            }
            Marker::Arabic(n) => {
                self.arabic = n;
                self.decimal = 0;
                self.letter = 0;
            }
            Marker::Decimal(_, n) => {
                self.decimal = n;
                self.letter = 0;
            }
            Marker::Letter(n, _) => self.letter = n,
            Marker::Dash | Marker::Plus => {}
        }
    }
}

/// The text's paragraphs: broken lines joined, each with the marker it starts with.
fn blocks(lines: &[String]) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut c = Counters::default();
    for l in lines {
        if l.is_empty() {
            continue;
        }
        let after_sentence = out.last().is_none_or(|b| ends_sentence(&b.text));
        if let Some((m, rest)) = marker(l).filter(|(m, _)| c.accepts(*m, after_sentence)) {
            c.update(m);
            out.push(Block {
                marker: Some(m),
                text: rest.to_owned(),
            });
            continue;
        }
        match out.last_mut() {
            Some(b) if !ends_sentence(&b.text) || starts_lowercase(l) => {
                if !b.text.is_empty() {
                    b.text.push(' ');
                }
                b.text.push_str(l);
            }
            _ => out.push(Block {
                marker: None,
                text: l.clone(),
            }),
        }
    }
    out
}

const CLOSINGS: &[&str] = &[
    "thừa lệnh",
    "thừa ủy quyền",
    "tl. ",
    "trên đây là",
    "yêu cầu",
    "đề nghị các",
    "đề nghị thủ trưởng",
    "căn cứ nội dung",
    "nhận được",
    "trong quá trình",
    "văn phòng ubnd tỉnh thông báo",
    "văn phòng ủy ban nhân dân tỉnh thông báo",
    "ủy ban nhân dân tỉnh yêu cầu",
    "ubnd tỉnh yêu cầu",
    "chủ tịch ubnd tỉnh yêu cầu",
    "chủ tịch ủy ban nhân dân tỉnh yêu cầu",
    "ban chỉ đạo tỉnh yêu cầu",
];

/// The closing paragraph: "Thừa lệnh …", "… yêu cầu … thực hiện./.".
fn is_closing(text: &str) -> bool {
    let t = text.trim_end();
    if t.ends_with("/.") {
        return true;
    }
    let head: String = t.chars().take(48).collect();
    let head = fold(&head);
    CLOSINGS.iter().any(|p| head.starts_with(p))
}

// ---------------------------------------------------------------------------------------------
// Items

struct Node {
    path: String,
    paras: Vec<String>,
    children: Vec<usize>,
    dashes: u32,
}

#[derive(Default, Clone, Copy)]
struct Open {
    section: Option<usize>,
    arabic: Option<usize>,
    decimal: Option<usize>,
    letter: Option<usize>,
    dash: Option<usize>,
    plus: Option<usize>,
}

struct Tree {
    nodes: Vec<Node>,
    roots: Vec<usize>,
    root_dashes: u32,
}

impl Tree {
    fn add(&mut self, parent: Option<usize>, path: String, text: &str) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node {
            path,
            paras: if text.is_empty() {
                Vec::new()
            } else {
                vec![text.to_owned()]
            },
            children: Vec::new(),
            dashes: 0,
        });
        match parent.and_then(|p| self.nodes.get_mut(p)) {
            Some(p) => p.children.push(id),
            None => self.roots.push(id),
        }
        id
    }

    fn path(&self, id: Option<usize>) -> Option<&str> {
        id.and_then(|i| self.nodes.get(i)).map(|n| n.path.as_str())
    }

    /// "<parent>.<suffix>", or the suffix alone at the top.
    fn child_path(&self, parent: Option<usize>, suffix: &str) -> String {
        match self.path(parent) {
            Some(p) => format!("{p}.{suffix}"),
            None => suffix.to_owned(),
        }
    }

    fn next_dash(&mut self, parent: Option<usize>) -> u32 {
        let counter = match parent.and_then(|p| self.nodes.get_mut(p)) {
            Some(n) => &mut n.dashes,
            None => &mut self.root_dashes,
        };
        *counter += 1;
        *counter
    }

    fn push_para(&mut self, id: usize, text: &str) {
        if let Some(n) = self.nodes.get_mut(id) {
            n.paras.push(text.to_owned());
        }
    }
}

fn is_numbered(m: Option<Marker>) -> bool {
    matches!(
        m,
        Some(
            Marker::Roman(_)
                | Marker::Arabic(_)
                | Marker::Decimal(..)
                | Marker::Letter(..)
                | Marker::Article(_)
        )
    )
}

fn items(blocks: &[Block], doc: DocDate) -> Vec<Item> {
    let has_numbered = blocks.iter().any(|b| is_numbered(b.marker));
    let last_marked = blocks.iter().rposition(|b| {
        is_numbered(b.marker)
            || (!has_numbered && matches!(b.marker, Some(Marker::Dash | Marker::Plus)))
    });
    // Whether each section (Roman or article) has numbered items of its own.
    let mut section_has_items = vec![false; blocks.len()];
    let mut current: Option<usize> = None;
    for (k, b) in blocks.iter().enumerate() {
        match b.marker {
            Some(Marker::Roman(_) | Marker::Article(_)) => current = Some(k),
            Some(Marker::Arabic(_) | Marker::Decimal(..) | Marker::Letter(..)) => {
                if let Some(s) = current.and_then(|s| section_has_items.get_mut(s)) {
                    *s = true;
                }
            }
            _ => {}
        }
    }

    let mut tree = Tree {
        nodes: Vec::new(),
        roots: Vec::new(),
        root_dashes: 0,
    };
    let mut open = Open::default();
    let mut section_items = false;
    for (k, b) in blocks.iter().enumerate() {
        let text = b.text.as_str();
        match b.marker {
            Some(Marker::Roman(n)) => {
                let id = tree.add(None, crate::text::roman(n), text);
                open = Open {
                    section: Some(id),
                    ..Open::default()
                };
                section_items = section_has_items.get(k).copied().unwrap_or(false);
            }
            Some(Marker::Article(n)) => {
                let id = tree.add(None, n.to_string(), text);
                open = Open {
                    section: Some(id),
                    ..Open::default()
                };
                section_items = section_has_items.get(k).copied().unwrap_or(false);
            }
            Some(Marker::Arabic(n)) => {
                let path = tree.child_path(open.section, &n.to_string());
                let id = tree.add(open.section, path, text);
                open = Open {
                    section: open.section,
                    arabic: Some(id),
                    ..Open::default()
                };
            }
            Some(Marker::Decimal(p, m)) => {
                let (parent, path) = match open.arabic {
                    Some(a) => (Some(a), tree.child_path(Some(a), &m.to_string())),
                    None => (
                        open.section,
                        tree.child_path(open.section, &format!("{p}.{m}")),
                    ),
                };
                let id = tree.add(parent, path, text);
                open = Open {
                    decimal: Some(id),
                    letter: None,
                    dash: None,
                    plus: None,
                    ..open
                };
            }
            Some(Marker::Letter(_, c)) => {
                let parent = open.decimal.or(open.arabic).or(open.section);
                let path = tree.child_path(parent, &c.to_string());
                let id = tree.add(parent, path, text);
                open = Open {
                    letter: Some(id),
                    dash: None,
                    plus: None,
                    ..open
                };
            }
            Some(m @ (Marker::Dash | Marker::Plus)) => {
                let item_parent = open.letter.or(open.decimal).or(open.arabic);
                let parent = if m == Marker::Plus {
                    open.dash.or(item_parent)
                } else {
                    item_parent
                };
                let parent = match parent {
                    Some(p) => Some(p),
                    None if open.section.is_some() && !section_items => open.section,
                    None if !has_numbered => None,
                    None => {
                        // A bullet of a section's heading, or of the intro.
                        if let Some(s) = open.section {
                            tree.push_para(s, &format!("- {text}"));
                        }
                        continue;
                    }
                };
                let n = tree.next_dash(parent);
                let path = tree.child_path(parent, &n.to_string());
                let id = tree.add(parent, path, text);
                open = if m == Marker::Plus && open.dash.is_some() {
                    Open {
                        plus: Some(id),
                        ..open
                    }
                } else {
                    Open {
                        dash: Some(id),
                        plus: None,
                        ..open
                    }
                };
            }
            None => {
                if last_marked.is_none_or(|l| k > l) && is_closing(text) {
                    break;
                }
                let deepest = open
                    .plus
                    .or(open.dash)
                    .or(open.letter)
                    .or(open.decimal)
                    .or(open.arabic)
                    .or(open.section);
                if let Some(id) = deepest {
                    tree.push_para(id, text);
                }
            }
        }
    }
    tree.roots
        .iter()
        .map(|&r| build(&tree, r, &[], doc))
        .collect()
}

fn build(tree: &Tree, id: usize, parent_lead: &[String], doc: DocDate) -> Item {
    let Some(node) = tree.nodes.get(id) else {
        return Item {
            path: String::new(),
            text: String::new(),
            lead: Vec::new(),
            support: Vec::new(),
            deadline: None,
            items: Vec::new(),
        };
    };
    let text = node.paras.join("\n");
    let toks = agencies::tokens(&text);
    let (mut lead, support) = item_agencies(&text, &toks);
    if lead.is_empty() && !parent_lead.is_empty() {
        lead = parent_lead.to_vec();
    }
    let deadline = dates::deadline(&toks, doc);
    let heading = node
        .paras
        .first()
        .is_some_and(|p| p.trim_end().ends_with(':'))
        && node.paras.len() == 1;
    let inherit: &[String] = if heading { &lead } else { &[] };
    let items = node
        .children
        .iter()
        .map(|&c| build(tree, c, inherit, doc))
        .collect();
    Item {
        path: node.path.clone(),
        text,
        lead,
        support,
        deadline,
        items,
    }
}

/// Words before the subject of a sentence that assign it: "Giao", "Đề nghị", "Yêu cầu".
fn skip_assigning(toks: &[agencies::Tok<'_>], mut j: usize) -> usize {
    let key = |i: usize| toks.get(i).map_or("", |t| t.key.as_str());
    loop {
        let before = j;
        match key(j) {
            "giao" => {
                j += 1;
                if key(j) == "cho" {
                    j += 1;
                }
            }
            "đề" if key(j + 1) == "nghị" => j += 2,
            "yêu" if key(j + 1) == "cầu" => j += 2,
            "đồng" if key(j + 1) == "thời" => j += 2,
            "đồng" if key(j + 1) == "ý" => j += 2,
            _ => {}
        }
        if j == before {
            return j;
        }
    }
}

/// Lead and support agencies of an item's own text.
fn item_agencies(text: &str, toks: &[agencies::Tok<'_>]) -> (Vec<String>, Vec<String>) {
    let mut lead: Vec<String> = Vec::new();
    let mut support: Vec<String> = Vec::new();
    let push = |v: &mut Vec<String>, s: String| {
        if !s.is_empty() && !v.contains(&s) {
            v.push(s);
        }
    };
    let mut i = 0;
    while i < toks.len() {
        let clause_start = i == 0
            || toks.get(i).is_some_and(|t| t.line_start)
            || toks.get(i - 1).is_some_and(|p| {
                p.trail.contains([';', ':'])
                    || (p.trail.contains(['.', '!', '?']) && toks.get(i).is_some_and(|t| t.cap))
            });
        if clause_start {
            let j = skip_assigning(toks, i);
            let (ents, _) = agencies::tasked_at(text, toks, j);
            for e in ents {
                if let Entity::Named(n) = e {
                    push(&mut lead, n);
                }
            }
        }
        let is_phoi_hop = toks.get(i).is_some_and(|t| t.key == "phối")
            && toks
                .get(i + 1)
                .is_some_and(|t| t.key == "hợp" && t.lead.is_empty());
        if is_phoi_hop {
            let mut j = i + 2;
            if toks.get(j - 1).is_some_and(|t| t.trail.is_empty()) {
                if toks.get(j).is_some_and(|t| t.key == "chặt")
                    && toks.get(j + 1).is_some_and(|t| t.key == "chẽ")
                {
                    j += 2;
                }
                if toks.get(j).is_some_and(|t| {
                    matches!(t.key.as_str(), "với" | "cùng" | "của") && t.trail.is_empty()
                }) {
                    j += 1;
                }
                let (ents, end) = agencies::tasked_at(text, toks, j);
                for e in ents {
                    match e {
                        Entity::Named(n) | Entity::Group(n) => push(&mut support, n),
                    }
                }
                i = end.max(i + 1);
                continue;
            }
        }
        i += 1;
    }
    support.retain(|s| !lead.contains(s));
    (lead, support)
}

// ---------------------------------------------------------------------------------------------
// Distribution and signer

/// The "Nơi nhận:" list from line `n`: its entries and the lines it covers.
fn distribution(lines: &[String], n: usize) -> (Vec<String>, std::ops::Range<usize>) {
    let mut out = Vec::new();
    let first = lines.get(n).map(String::as_str).unwrap_or("");
    // "Nơi nhận: - Như trên;" on one line.
    let rest = first
        .char_indices()
        .nth(8)
        .and_then(|(i, _)| first.get(i..))
        .unwrap_or("")
        .trim_start_matches([':', ' ']);
    if !rest.is_empty() {
        let e = list_entry(rest);
        if !e.is_empty() {
            out.push(e);
        }
    }
    let mut i = n + 1;
    let mut last = i;
    while let Some(l) = lines.get(i) {
        if l.is_empty() {
            i += 1;
            continue;
        }
        let listed = is_dash_line(l)
            || (!is_upper_line(l) && l.chars().count() <= 100 && l.ends_with([';', '.']));
        if !listed {
            break;
        }
        let e = list_entry(l);
        if !e.is_empty() {
            out.push(e);
        }
        i += 1;
        last = i;
    }
    (out, n..last)
}

/// A person's name: two to seven capitalised words of letters.
fn is_name(l: &str) -> bool {
    let words: Vec<&str> = l.split_whitespace().collect();
    (2..=7).contains(&words.len())
        && l.chars().count() <= 60
        && has_lower(l)
        && words.iter().all(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().all(|c| c.is_alphabetic() || c == '.')
        })
}

fn signer(lines: &[&str]) -> Option<Signer> {
    let mut authority: Vec<&str> = Vec::new();
    let mut title: Vec<&str> = Vec::new();
    let mut name: Option<&str> = None;
    for l in lines {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        if is_authority(l) {
            authority.push(l);
        } else if is_upper_line(l) && !l.contains(':') && l.chars().count() <= 60 && name.is_none()
        {
            if !authority.is_empty() || is_title(l) || !title.is_empty() {
                title.push(l);
            }
        } else if is_name(l) {
            name = Some(l);
        }
    }
    if authority.is_empty() && title.is_empty() && name.is_none() {
        return None;
    }
    if authority.is_empty() && title.is_empty() {
        // A name alone after the text is no signature block.
        return None;
    }
    Some(Signer {
        name: name.unwrap_or("").to_owned(),
        authority: (!authority.is_empty()).then(|| authority.join(" / ")),
        title: (!title.is_empty()).then(|| title.join(" ")),
    })
}
