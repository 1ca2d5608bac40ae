//! The documents a directive cites: "Quyết định 2686/QĐ-BCĐQG ngày 31/5/2021 của Ban Chỉ đạo
//! Quốc gia", "Công văn số 1771/UBND-VX, ngày 21/6/2021 của UBND tỉnh", "Văn bản số
//! 22/TB-VPCP", and numbers without their symbol after a kind ("các Công điện số 540, 541, 570
//! của Thủ tướng Chính phủ").

use super::agencies::{self, Tok};
use super::dates;
use super::{DocumentKind, PartialDate, Reference};

/// The kind a number's symbol names: "/TB-" Thông báo, "/QĐ-" Quyết định …; a symbol that is
/// an agency's ("/UBND-VX", "/VPCP-KGVX") is a Công văn's; a symbol of a kind outside the
/// vocabulary ("/NĐ-CP", "/TT-BYT", "/BC-") is Unknown. None when the number has no symbol.
pub(super) fn kind_of_symbol(number: &str) -> Option<DocumentKind> {
    let (_, mut symbol) = number.split_once('/')?;
    // "30/2020/NĐ-CP": skip the year.
    if let Some((y, rest)) = symbol.split_once('/')
        && y.len() == 4
        && y.bytes().all(|b| b.is_ascii_digit())
    {
        symbol = rest;
    }
    let code = symbol.split('-').next().unwrap_or("").trim();
    if code.is_empty() {
        return None;
    }
    let folded = agencies::fold(code);
    Some(match folded.as_str() {
        "tb" => DocumentKind::ThongBao,
        "qđ" | "qd" => DocumentKind::QuyetDinh,
        "kh" => DocumentKind::KeHoach,
        "ct" => DocumentKind::ChiThi,
        "cđ" | "cd" => DocumentKind::CongDien,
        "nq" => DocumentKind::NghiQuyet,
        "cv" => DocumentKind::CongVan,
        "nđ" | "nd" | "tt" | "ttlt" | "bc" | "ttr" | "gm" | "hd" | "hđ" | "qc" | "qyđ" | "l"
        | "pl" | "ql" | "tb-vp" => DocumentKind::Unknown,
        _ => DocumentKind::CongVan,
    })
}

/// A document number: digits, "/", an optional year and "/", a symbol starting with a capital
/// letter ("1229/UBND-VX", "30/2020/NĐ-CP"). Dates ("31/5/2021") are not.
pub(super) fn is_doc_number(s: &str) -> bool {
    let Some((left, right)) = s.split_once('/') else {
        return false;
    };
    if left.is_empty() || left.len() > 6 || !left.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let mut symbol = right;
    if let Some((y, rest)) = right.split_once('/')
        && y.len() == 4
        && y.bytes().all(|b| b.is_ascii_digit())
    {
        symbol = rest;
    }
    symbol.chars().count() >= 2
        && symbol.chars().next().is_some_and(char::is_uppercase)
        && symbol.chars().any(char::is_alphabetic)
        && symbol
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '&' | '/' | '.'))
        && !symbol.ends_with(['/', '-', '.'])
}

/// A document number at `i`, also when written "1229 /UBND-VX" or "1229/ UBND-VX".
fn number_at(toks: &[Tok<'_>], i: usize) -> Option<(String, usize)> {
    let t = toks.get(i)?;
    if !t.lead.is_empty() && !t.lead.chars().all(|c| matches!(c, '(' | '"' | '“')) {
        return None;
    }
    let clean = t.text.trim_end_matches(['-', '.']);
    if is_doc_number(clean) {
        return Some((clean.to_owned(), i + 1));
    }
    let next = toks.get(i + 1)?;
    if !t.trail.is_empty() || !next.lead.is_empty() {
        return None;
    }
    let digits_then_symbol =
        t.text.bytes().all(|b| b.is_ascii_digit()) && next.text.starts_with('/');
    if !digits_then_symbol && !t.text.ends_with('/') {
        return None;
    }
    let joined = format!("{}{}", t.text, next.text);
    let joined = joined.trim_end_matches(['-', '.']).to_owned();
    is_doc_number(&joined).then_some((joined, i + 2))
}

/// A kind word at `i` ("Quyết định", "Công văn" …): (Some(kind) or None for "Văn bản", index
/// after it).
fn kind_word_at(toks: &[Tok<'_>], i: usize) -> Option<(Option<DocumentKind>, usize)> {
    let a = toks.get(i)?;
    if a.key == "luật" {
        return Some((Some(DocumentKind::Unknown), i + 1));
    }
    let b = toks.get(i + 1)?;
    if !a.trail.is_empty() || !b.lead.is_empty() {
        return None;
    }
    let kind = match (a.key.as_str(), b.key.as_str()) {
        ("thông", "báo") => Some(DocumentKind::ThongBao),
        ("công", "văn") => Some(DocumentKind::CongVan),
        ("quyết", "định") => Some(DocumentKind::QuyetDinh),
        ("kế", "hoạch") => Some(DocumentKind::KeHoach),
        ("chỉ", "thị") => Some(DocumentKind::ChiThi),
        ("công", "điện") => Some(DocumentKind::CongDien),
        ("nghị", "quyết") => Some(DocumentKind::NghiQuyet),
        ("nghị", "định") | ("thông", "tư") => Some(DocumentKind::Unknown),
        ("văn", "bản") => None,
        _ => return None,
    };
    Some((kind, i + 2))
}

/// The nearest kind word in the six words before `i`, within the sentence.
fn kind_before(toks: &[Tok<'_>], i: usize) -> Option<DocumentKind> {
    for back in 1..=6 {
        let Some(j) = i.checked_sub(back) else { break };
        let t = toks.get(j)?;
        if back > 1 && t.trail.contains(['.', ';', ':']) {
            break;
        }
        if number_at(toks, j).is_some() {
            break;
        }
        if let Some((kind, end)) = kind_word_at(toks, j)
            && end <= i
        {
            return kind;
        }
    }
    None
}

/// After a number: ", ngày 31/5/2021 của Ban Chỉ đạo Quốc gia".
fn tail(src: &str, toks: &[Tok<'_>], mut j: usize) -> (Option<PartialDate>, Option<String>) {
    let mut date = None;
    if toks.get(j).is_some_and(|t| t.key == "ngày") {
        j += 1;
    }
    if let Some((d, next)) = dates::date_at(toks, j) {
        date = Some(d);
        j = next;
    }
    let issuer = match toks.get(j) {
        Some(t) if t.key == "của" && t.trail.is_empty() => agencies::issuer_at(src, toks, j + 1),
        _ => None,
    };
    (date, issuer)
}

struct Found {
    r: Reference,
    /// A number without its symbol: dropped when the same kind's full number is cited.
    bare: bool,
}

fn score(r: &Reference) -> usize {
    usize::from(r.date.is_some()) + usize::from(r.issuer.is_some())
}

/// Every document the text cites, in order of first citation, one per number (the citation
/// that says most wins: "98/TB-VPCP của Thủ tướng Chính phủ" in the subject, "98/TB-VPCP ngày
/// 08/5/2021 của Văn phòng Chính phủ" in the text → the latter). `own` is the document's own
/// number, never a reference.
pub(super) fn references(src: &str, own: Option<&str>) -> Vec<Reference> {
    let toks = agencies::tokens(src);
    let mut found: Vec<Found> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if let Some((number, next)) = number_at(&toks, i) {
            let kind = kind_before(&toks, i)
                .or_else(|| kind_of_symbol(&number))
                .unwrap_or(DocumentKind::Unknown);
            let (date, issuer) = tail(src, &toks, next);
            found.push(Found {
                r: Reference {
                    kind,
                    number: Some(number),
                    date,
                    issuer,
                },
                bare: false,
            });
            i = next;
            continue;
        }
        if let Some((kind, after)) = kind_word_at(&toks, i)
            && toks
                .get(after)
                .is_some_and(|t| t.key == "số" && t.trail.is_empty())
        {
            let mut j = after + 1;
            let mut numbers = Vec::new();
            while let Some(t) = toks.get(j) {
                let digits = !t.text.is_empty()
                    && t.text.len() <= 6
                    && t.text.bytes().all(|b| b.is_ascii_digit())
                    && t.lead.is_empty();
                if !digits || number_at(&toks, j).is_some() {
                    break;
                }
                numbers.push(t.text.to_owned());
                j += 1;
                if t.trail == "," {
                    continue;
                }
                if t.trail.is_empty()
                    && toks.get(j).is_some_and(|n| n.key == "và")
                    && toks
                        .get(j + 1)
                        .is_some_and(|n| n.text.bytes().all(|b| b.is_ascii_digit()))
                {
                    j += 1;
                    continue;
                }
                break;
            }
            if !numbers.is_empty() {
                let (date, issuer) = tail(src, &toks, j);
                let kind = kind.unwrap_or(DocumentKind::Unknown);
                for n in numbers {
                    found.push(Found {
                        r: Reference {
                            kind,
                            number: Some(n),
                            date,
                            issuer: issuer.clone(),
                        },
                        bare: true,
                    });
                }
                i = j;
                continue;
            }
        }
        i += 1;
    }
    let own = own.map(|o| o.split_whitespace().collect::<String>());
    let mut out: Vec<Reference> = Vec::new();
    for f in &found {
        let Some(number) = f.r.number.as_deref() else {
            continue;
        };
        if own.as_deref() == Some(number) {
            continue;
        }
        if f.bare {
            let prefix = format!("{number}/");
            let cited_in_full = found.iter().any(|g| {
                !g.bare
                    && g.r.kind == f.r.kind
                    && g.r
                        .number
                        .as_deref()
                        .is_some_and(|n| n.starts_with(&prefix))
            });
            if cited_in_full {
                continue;
            }
        }
        match out
            .iter_mut()
            .find(|r| r.number.as_deref() == Some(number) && (!f.bare || r.kind == f.r.kind))
        {
            Some(r) => {
                if score(&f.r) > score(r) {
                    r.date = f.r.date;
                    r.issuer.clone_from(&f.r.issuer);
                }
                if r.kind == DocumentKind::Unknown {
                    r.kind = f.r.kind;
                }
            }
            None => out.push(f.r.clone()),
        }
    }
    out
}
