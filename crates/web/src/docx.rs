//! The text of a Word document (.docx): the paragraphs of `word/document.xml`, one per line,
//! with tabs and line breaks, for the directive parser. Headers, footers, comments and deleted
//! (tracked) text are not read.
//!
//! Word's automatic numbering is kept: a paragraph numbered by a list (`w:numPr`, directly or
//! through its paragraph style) starts with the label Word shows ("1.", "a)", "II.", "9.1.",
//! "-" for a bullet), read from `word/numbering.xml` and `word/styles.xml` and counted the way
//! Word counts. A numbering that cannot be read (no numbering part, an unknown list, a
//! malformed part) leaves the paragraph's text as it is: it never makes the reader fail.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::collections::HashMap;
use std::io::{Cursor, Read, Seek};

/// The largest `word/document.xml` read (uncompressed): far above any directive, low enough
/// that a zip bomb cannot exhaust memory. `word/numbering.xml` and `word/styles.xml` have the
/// same bound.
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
/// `w:br` / `w:cr` a line break; a table's cells are paragraphs too. A numbered paragraph
/// starts with its list label and a space.
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
    let lists = Lists::read(
        optional_part(&mut zip, "word/numbering.xml").as_deref(),
        optional_part(&mut zip, "word/styles.xml").as_deref(),
    );
    xml_text(&xml, &lists)
}

/// A part of the package that may be missing: `None` when it is, or cannot be read, or is
/// too large, or is not UTF-8.
fn optional_part<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<String> {
    let file = zip.by_name(name).ok()?;
    let mut raw = Vec::new();
    file.take(MAX_DOCUMENT_XML + 1).read_to_end(&mut raw).ok()?;
    if raw.len() as u64 > MAX_DOCUMENT_XML {
        return None;
    }
    String::from_utf8(raw).ok()
}

/// The text of a WordprocessingML body, numbered paragraphs labelled from `lists`.
fn xml_text(xml: &str, lists: &Lists) -> Result<String, DocxError> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    // Inside w:t (text to keep); inside w:tabs (tab stops, not tab characters).
    let mut in_text = false;
    let mut in_tabs = 0usize;
    // Depth of w:pPr elements: 1 inside a paragraph's properties, 2 inside the former
    // properties of a tracked change (w:pPrChange/w:pPr), which do not count.
    let mut ppr_depth = 0usize;
    let mut para = ParaNumbering::default();
    let mut counters = Counters::default();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| DocxError::Corrupt(e.to_string()))?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    "p" if empty => out.push('\n'),
                    "t" if !empty => in_text = true,
                    "tabs" if !empty => in_tabs += 1,
                    "tab" if in_tabs == 0 => out.push('\t'),
                    "br" | "cr" => out.push('\n'),
                    "noBreakHyphen" if empty => out.push('-'),
                    "pPr" if !empty => {
                        if ppr_depth == 0 {
                            para = ParaNumbering::default();
                        }
                        ppr_depth += 1;
                    }
                    "pStyle" if ppr_depth == 1 => para.style = val(e),
                    "ilvl" if ppr_depth == 1 => para.ilvl = val(e).as_deref().and_then(int),
                    "numId" if ppr_depth == 1 => para.num_id = val(e).as_deref().and_then(int),
                    _ => {}
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "tabs" => in_tabs = in_tabs.saturating_sub(1),
                "p" => out.push('\n'),
                "pPr" => {
                    ppr_depth = ppr_depth.saturating_sub(1);
                    // The properties come first in a paragraph: the label goes before its text.
                    if ppr_depth == 0
                        && let Some(label) = lists.label(&para, &mut counters)
                    {
                        out.push_str(&label);
                        out.push(' ');
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => out.push_str(t),
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    out.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(r) {
                    out.push_str(s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The levels of a list Word defines (`w:ilvl` 0 to 8).
const LEVELS: usize = 9;

/// The longest chain of `w:basedOn` styles (or of numbering style links) followed: real
/// documents have a few; a cycle stops here.
const MAX_CHAIN: usize = 16;

/// How a level shows its number (`w:numFmt`). The formats not listed (ordinal, text, Asian
/// counting systems …) show as decimal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum NumFmt {
    #[default]
    Decimal,
    DecimalZero,
    UpperRoman,
    LowerRoman,
    UpperLetter,
    LowerLetter,
    Bullet,
    None,
}

impl NumFmt {
    /// The format of a `w:numFmt` value; `None` for "custom" (written by newer Word inside
    /// `mc:AlternateContent`, whose fallback then gives the format).
    fn parse(v: &str) -> Option<NumFmt> {
        Some(match v {
            "decimalZero" => NumFmt::DecimalZero,
            "upperRoman" => NumFmt::UpperRoman,
            "lowerRoman" => NumFmt::LowerRoman,
            "upperLetter" => NumFmt::UpperLetter,
            "lowerLetter" => NumFmt::LowerLetter,
            "bullet" => NumFmt::Bullet,
            "none" => NumFmt::None,
            "custom" => return None,
            _ => NumFmt::Decimal,
        })
    }

    /// A counter's value as this format shows it: "3", "03", "III", "iii", "C", "c"; past
    /// "z" letters double as in Word ("aa", "bb"). Roman numerals from 4000 and letters past
    /// 30 rounds show as decimal; a bullet or no number shows nothing.
    fn show(self, n: u32) -> String {
        match self {
            NumFmt::Decimal => n.to_string(),
            NumFmt::DecimalZero => format!("{n:02}"),
            NumFmt::UpperRoman | NumFmt::LowerRoman if (1..4000).contains(&n) => {
                let r = chongdich_domain::text::roman(n);
                if self == NumFmt::LowerRoman {
                    r.to_lowercase()
                } else {
                    r
                }
            }
            NumFmt::UpperLetter | NumFmt::LowerLetter if (1..=26 * 30).contains(&n) => {
                let base = if self == NumFmt::UpperLetter {
                    b'A'
                } else {
                    b'a'
                };
                let letter = char::from(base + ((n - 1) % 26) as u8);
                std::iter::repeat_n(letter, ((n - 1) / 26 + 1) as usize).collect()
            }
            NumFmt::UpperRoman | NumFmt::LowerRoman | NumFmt::UpperLetter | NumFmt::LowerLetter => {
                n.to_string()
            }
            NumFmt::Bullet | NumFmt::None => String::new(),
        }
    }
}

/// A level of a list (`w:lvl`).
#[derive(Debug, Clone, Default)]
struct Level {
    /// `w:start`: the first number (0 when not given, as in the standard).
    start: u32,
    fmt: NumFmt,
    /// `w:lvlText`: the label, "%1" … "%9" standing for the levels' numbers.
    text: String,
    /// `w:lvlRestart`: restarts only after a level up to this one (1-based) is used; 0 never.
    /// Without it the level restarts after any level above it.
    restart: Option<i64>,
    /// `w:isLgl`: every level's number shown in decimal ("legal" numbering: "1.1" under "I").
    legal: bool,
    /// `w:pStyle`: the paragraph style linked to this level.
    style: Option<String>,
}

/// An abstract list definition (`w:abstractNum`).
#[derive(Debug, Default)]
struct Abstract {
    levels: [Option<Level>; LEVELS],
    /// `w:numStyleLink`: the levels are those of the list of this numbering style.
    num_style_link: Option<String>,
}

/// A level override of a list instance (`w:lvlOverride`).
#[derive(Debug, Default)]
struct Override {
    start: Option<u32>,
    level: Option<Level>,
}

/// A list instance (`w:num`): the numbers paragraphs refer to.
#[derive(Debug, Default)]
struct Num {
    abstract_id: Option<i64>,
    overrides: [Option<Override>; LEVELS],
}

/// What a style says of numbering (`w:style` with `w:pPr/w:numPr`).
#[derive(Debug, Default)]
struct Style {
    based_on: Option<String>,
    num_id: Option<i64>,
    ilvl: Option<i64>,
}

/// A paragraph's numbering properties as written in its `w:pPr`.
#[derive(Debug, Default)]
struct ParaNumbering {
    style: Option<String>,
    num_id: Option<i64>,
    ilvl: Option<i64>,
}

/// The list definitions of a document (numbering.xml) and the numbering of its styles
/// (styles.xml).
#[derive(Debug, Default)]
struct Lists {
    nums: HashMap<i64, Num>,
    abstracts: HashMap<i64, Abstract>,
    styles: HashMap<String, Style>,
}

/// The current number of each level of each list: lists are counted by abstract definition
/// (instances of one definition continue each other, as in Word), an instance with overrides
/// on its own.
#[derive(Debug, Default)]
struct Counters(HashMap<(i64, Option<i64>), [Option<u32>; LEVELS]>);

impl Lists {
    /// The lists of a document's numbering and styles parts; a part missing or malformed
    /// gives nothing.
    fn read(numbering: Option<&str>, styles: Option<&str>) -> Lists {
        let (nums, abstracts) = numbering.and_then(read_numbering).unwrap_or_default();
        let styles = styles.and_then(read_styles).unwrap_or_default();
        Lists {
            nums,
            abstracts,
            styles,
        }
    }

    /// The list and level a style numbers its paragraphs with, following `w:basedOn`.
    fn style_numbering(&self, id: &str) -> (Option<i64>, Option<i64>) {
        let (mut num_id, mut ilvl) = (None, None);
        let mut current = Some(id);
        for _ in 0..MAX_CHAIN {
            let Some(style) = current.and_then(|id| self.styles.get(id)) else {
                break;
            };
            num_id = num_id.or(style.num_id);
            ilvl = ilvl.or(style.ilvl);
            if num_id.is_some() && ilvl.is_some() {
                break;
            }
            current = style.based_on.as_deref();
        }
        (num_id, ilvl)
    }

    /// The abstract definition of a list instance, following numbering style links.
    fn abstract_of(&self, num: &Num) -> Option<(i64, &Abstract)> {
        let mut id = num.abstract_id?;
        for _ in 0..MAX_CHAIN {
            let definition = self.abstracts.get(&id)?;
            let linked = definition
                .num_style_link
                .as_deref()
                .and_then(|style| self.style_numbering(style).0)
                .and_then(|num_id| self.nums.get(&num_id))
                .and_then(|num| num.abstract_id)
                .filter(|&linked| linked != id && self.abstracts.contains_key(&linked));
            match linked {
                Some(linked) => id = linked,
                None => return Some((id, definition)),
            }
        }
        None
    }

    /// The label of a paragraph ("1.", "a)", "-"), counting it; `None` when it is not
    /// numbered, its list is unknown, or its level shows no label.
    fn label(&self, para: &ParaNumbering, counters: &mut Counters) -> Option<String> {
        let (style_num, style_ilvl) = para
            .style
            .as_deref()
            .map(|s| self.style_numbering(s))
            .unwrap_or_default();
        // numId 0 removes the numbering (a style's, say).
        let num_id = para.num_id.or(style_num).filter(|&id| id != 0)?;
        let num = self.nums.get(&num_id)?;
        let (abstract_id, definition) = self.abstract_of(num)?;
        let level = |k: usize| {
            num.overrides[k]
                .as_ref()
                .and_then(|o| o.level.as_ref())
                .or(definition.levels[k].as_ref())
        };
        let start = |k: usize| {
            num.overrides[k]
                .as_ref()
                .and_then(|o| o.start)
                .or(level(k).map(|l| l.start))
                .unwrap_or(0)
        };
        let ilvl = match para.ilvl.or(style_ilvl) {
            Some(i) => usize::try_from(i).ok().filter(|&i| i < LEVELS)?,
            // A style without a level: the level linked to the style, else the first.
            None => para
                .style
                .as_deref()
                .and_then(|s| {
                    (0..LEVELS).find(|&k| level(k).and_then(|l| l.style.as_deref()) == Some(s))
                })
                .unwrap_or(0),
        };
        let this = level(ilvl)?;
        let overridden = num.overrides.iter().any(Option::is_some);
        let counts = counters
            .0
            .entry((abstract_id, overridden.then_some(num_id)))
            .or_default();
        counts[ilvl] = Some(counts[ilvl].map_or(start(ilvl), |n| n.saturating_add(1)));
        for (deeper, count) in counts.iter_mut().enumerate().skip(ilvl + 1) {
            let restarts = match level(deeper).and_then(|l| l.restart) {
                None => true,
                Some(after) => after > ilvl as i64,
            };
            if restarts {
                *count = None;
            }
        }
        match this.fmt {
            NumFmt::None => return None,
            NumFmt::Bullet => return Some("-".into()),
            _ => {}
        }
        let mut label = String::new();
        let mut chars = this.text.chars().peekable();
        while let Some(c) = chars.next() {
            let referenced = chars
                .peek()
                .and_then(|d| d.to_digit(10))
                .filter(|d| (1..=9).contains(d));
            if c == '%'
                && let Some(d) = referenced
            {
                chars.next();
                let k = d as usize - 1;
                let n = counts[k].unwrap_or_else(|| start(k));
                let fmt = match level(k) {
                    Some(l) if this.legal && l.fmt != NumFmt::None => NumFmt::Decimal,
                    Some(l) => l.fmt,
                    None => NumFmt::Decimal,
                };
                label.push_str(&fmt.show(n));
            } else {
                label.push(c);
            }
        }
        let label = label.trim();
        (!label.is_empty()).then(|| label.to_owned())
    }
}

/// The list instances and abstract definitions of `word/numbering.xml`; `None` when it is
/// malformed.
fn read_numbering(xml: &str) -> Option<(HashMap<i64, Num>, HashMap<i64, Abstract>)> {
    let mut nums = HashMap::new();
    let mut abstracts = HashMap::new();
    let mut definition: Option<(i64, Abstract)> = None;
    let mut num: Option<(i64, Num)> = None;
    let mut over: Option<(usize, Override)> = None;
    let mut lvl: Option<(usize, Level)> = None;
    let ok = walk(xml, |name, open| match (name, open) {
        ("abstractNum", Some(e)) => {
            definition = attr(e, "abstractNumId")
                .as_deref()
                .and_then(int)
                .map(|id| (id, Abstract::default()));
        }
        ("abstractNum", None) => {
            if let Some((id, d)) = definition.take() {
                abstracts.insert(id, d);
            }
        }
        ("num", Some(e)) => {
            num = attr(e, "numId")
                .as_deref()
                .and_then(int)
                .map(|id| (id, Num::default()));
        }
        ("num", None) => {
            if let Some((id, n)) = num.take() {
                nums.insert(id, n);
            }
        }
        ("abstractNumId", Some(e)) => {
            if let Some((_, n)) = &mut num {
                n.abstract_id = val(e).as_deref().and_then(int);
            }
        }
        ("lvlOverride", Some(e)) if num.is_some() => {
            over = level_index(e).map(|i| (i, Override::default()));
        }
        ("lvlOverride", None) => {
            if let (Some((i, o)), Some((_, n))) = (over.take(), &mut num) {
                n.overrides[i] = Some(o);
            }
        }
        ("startOverride", Some(e)) => {
            if let Some((_, o)) = &mut over {
                o.start = val(e).as_deref().and_then(count);
            }
        }
        ("lvl", Some(e)) if definition.is_some() || over.is_some() => {
            lvl = level_index(e).map(|i| (i, Level::default()));
        }
        ("lvl", None) => {
            if let Some((i, l)) = lvl.take() {
                if let Some((_, o)) = &mut over {
                    o.level = Some(l);
                } else if let Some((_, d)) = &mut definition {
                    d.levels[i] = Some(l);
                }
            }
        }
        ("numStyleLink", Some(e)) if lvl.is_none() => {
            if let Some((_, d)) = &mut definition {
                d.num_style_link = val(e);
            }
        }
        (field, Some(e)) => {
            if let Some((_, l)) = &mut lvl {
                match field {
                    "start" => l.start = val(e).as_deref().and_then(count).unwrap_or(0),
                    "numFmt" => {
                        if let Some(fmt) = val(e).as_deref().and_then(NumFmt::parse) {
                            l.fmt = fmt;
                        }
                    }
                    "lvlText" => l.text = val(e).unwrap_or_default(),
                    "lvlRestart" => l.restart = val(e).as_deref().and_then(int),
                    "isLgl" => l.legal = on(e),
                    "pStyle" => l.style = val(e),
                    _ => {}
                }
            }
        }
        _ => {}
    });
    ok.then_some((nums, abstracts))
}

/// The numbering of the paragraph and numbering styles of `word/styles.xml`; `None` when it
/// is malformed.
fn read_styles(xml: &str) -> Option<HashMap<String, Style>> {
    let mut styles = HashMap::new();
    let mut style: Option<(String, Style)> = None;
    let mut ppr_depth = 0usize;
    let ok = walk(xml, |name, open| match (name, open) {
        ("style", Some(e)) => {
            let kind = attr(e, "type");
            ppr_depth = 0;
            style = attr(e, "styleId")
                .filter(|_| matches!(kind.as_deref(), None | Some("paragraph" | "numbering")))
                .map(|id| (id, Style::default()));
        }
        ("style", None) => {
            if let Some((id, s)) = style.take() {
                styles.insert(id, s);
            }
        }
        ("pPr", Some(_)) => ppr_depth += 1,
        ("pPr", None) => ppr_depth = ppr_depth.saturating_sub(1),
        (field, Some(e)) => {
            if let Some((_, s)) = &mut style {
                match field {
                    "basedOn" => s.based_on = val(e),
                    "numId" if ppr_depth == 1 => s.num_id = val(e).as_deref().and_then(int),
                    "ilvl" if ppr_depth == 1 => s.ilvl = val(e).as_deref().and_then(int),
                    _ => {}
                }
            }
        }
        _ => {}
    });
    ok.then_some(styles)
}

/// Walks an XML part: `visit(name, Some(element))` where an element opens, `visit(name,
/// None)` where it closes (an empty element opens and closes at once). False when the XML is
/// malformed.
fn walk(xml: &str, mut visit: impl FnMut(&str, Option<&BytesStart<'_>>)) -> bool {
    let mut reader = Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => visit(e.local_name().as_ref(), Some(&e)),
            Ok(Event::Empty(e)) => {
                visit(e.local_name().as_ref(), Some(&e));
                visit(e.local_name().as_ref(), None);
            }
            Ok(Event::End(e)) => visit(e.local_name().as_ref(), None),
            Ok(Event::Eof) => return true,
            Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// An attribute's value by its local name (`w:val` → "val").
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    let mut attributes = e.attributes();
    attributes.with_checks(false);
    attributes
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The `w:val` of an element.
fn val(e: &BytesStart<'_>) -> Option<String> {
    attr(e, "val")
}

/// An on/off property (`<w:isLgl/>`, `<w:isLgl w:val="0"/>`).
fn on(e: &BytesStart<'_>) -> bool {
    val(e).is_none_or(|v| !matches!(v.as_str(), "0" | "false" | "off"))
}

/// An integer attribute value.
fn int(v: &str) -> Option<i64> {
    v.trim().parse().ok()
}

/// A counter's value: a non-negative integer.
fn count(v: &str) -> Option<u32> {
    v.trim().parse().ok()
}

/// The level (`w:ilvl`, 0 to 8) of a `w:lvl` or `w:lvlOverride`.
fn level_index(e: &BytesStart<'_>) -> Option<usize> {
    attr(e, "ilvl")
        .as_deref()
        .and_then(int)
        .and_then(|i| usize::try_from(i).ok())
        .filter(|&i| i < LEVELS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::io::Write;

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;

    /// A .docx made in memory: the given body inside a minimal document.xml.
    fn docx(body: &str) -> Vec<u8> {
        docx_with(body, &[])
    }

    /// A .docx made in memory with other parts (`word/numbering.xml`, `word/styles.xml`).
    fn docx_with(body: &str, parts: &[(&str, &str)]) -> Vec<u8> {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W}><w:body>{body}</w:body></w:document>"#
        );
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        w.start_file("[Content_Types].xml", opts).unwrap();
        w.write_all(b"<Types/>").unwrap();
        w.start_file("word/document.xml", opts).unwrap();
        w.write_all(xml.as_bytes()).unwrap();
        for (name, content) in parts {
            w.start_file(*name, opts).unwrap();
            w.write_all(content.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// A `word/numbering.xml` part around abstract definitions and list instances.
    fn numbering(inner: &str) -> (&'static str, String) {
        (
            "word/numbering.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:numbering {W}>{inner}</w:numbering>"#
            ),
        )
    }

    /// A list level as Word writes it (`extra` before the indentation: `<w:isLgl/>` …).
    fn lvl(ilvl: usize, fmt: &str, text: &str, extra: &str) -> String {
        format!(
            r#"<w:lvl w:ilvl="{ilvl}" w:tplc="042A000F"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{extra}<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{}" w:hanging="360"/></w:pPr></w:lvl>"#,
            720 * (ilvl + 1)
        )
    }

    /// An abstract definition of the given levels.
    fn abstract_num(id: u32, levels: &[String]) -> String {
        format!(
            r#"<w:abstractNum w:abstractNumId="{id}"><w:nsid w:val="1A2B3C4D"/><w:multiLevelType w:val="hybridMultilevel"/>{}</w:abstractNum>"#,
            levels.concat()
        )
    }

    /// A list instance of an abstract definition.
    fn num(id: u32, abstract_id: u32) -> String {
        format!(r#"<w:num w:numId="{id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>"#)
    }

    /// A paragraph numbered by list `num_id` at level `ilvl`.
    fn numbered(num_id: u32, ilvl: u32, text: &str) -> String {
        format!(
            r#"<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr><w:spacing w:after="120"/><w:jc w:val="both"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    }

    /// A paragraph without numbering.
    fn plain(text: &str) -> String {
        format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
    }

    /// The text of a body with a numbering part.
    fn numbered_text(body: &[String], numbering_xml: &str) -> String {
        let (name, xml) = numbering(numbering_xml);
        docx_text(&docx_with(&body.concat(), &[(name, &xml)])).unwrap()
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

    #[test]
    fn automatic_numbering_decimal_letters_and_bullets() {
        let defs = [
            abstract_num(
                0,
                &[
                    lvl(0, "decimal", "%1.", ""),
                    lvl(1, "lowerLetter", "%2)", ""),
                    lvl(
                        2,
                        "bullet",
                        "\u{F0B7}",
                        r#"<w:rPr><w:rFonts w:ascii="Symbol"/></w:rPr>"#,
                    ),
                ],
            ),
            num(3, 0),
        ]
        .concat();
        let text = numbered_text(
            &[
                plain("Kết luận:"),
                numbered(3, 0, "Giao Sở Y tế."),
                numbered(3, 1, "Tiếp nhận vắc xin;"),
                numbered(3, 1, "Bảo quản vắc xin."),
                numbered(3, 0, "Giao Sở Tài chính."),
                numbered(3, 2, "Lập danh sách."),
                plain("Nơi nhận:"),
            ],
            &defs,
        );
        assert_eq!(
            text,
            "Kết luận:\n1. Giao Sở Y tế.\na) Tiếp nhận vắc xin;\nb) Bảo quản vắc xin.\n\
             2. Giao Sở Tài chính.\n- Lập danh sách.\nNơi nhận:\n"
        );
    }

    #[test]
    fn roman_sections_restart_their_decimal_items() {
        let defs = [
            abstract_num(
                1,
                &[
                    lvl(0, "upperRoman", "%1.", ""),
                    lvl(1, "decimal", "%2.", ""),
                ],
            ),
            num(1, 1),
        ]
        .concat();
        let text = numbered_text(
            &[
                numbered(1, 0, "MỤC ĐÍCH, YÊU CẦU"),
                numbered(1, 1, "Bảo đảm an toàn."),
                numbered(1, 1, "Hoàn thành trong tháng 7/2021."),
                numbered(1, 0, "NHIỆM VỤ CỤ THỂ"),
                numbered(1, 1, "Trung tâm Kiểm soát bệnh tật tỉnh."),
                numbered(1, 0, "TỔ CHỨC THỰC HIỆN"),
            ],
            &defs,
        );
        assert_eq!(
            text,
            "I. MỤC ĐÍCH, YÊU CẦU\n1. Bảo đảm an toàn.\n2. Hoàn thành trong tháng 7/2021.\n\
             II. NHIỆM VỤ CỤ THỂ\n1. Trung tâm Kiểm soát bệnh tật tỉnh.\nIII. TỔ CHỨC THỰC HIỆN\n"
        );
    }

    #[test]
    fn multi_level_labels_start_overrides_legal_numbering_and_restarts() {
        let defs = [
            abstract_num(
                2,
                &[
                    lvl(0, "decimal", "%1.", ""),
                    lvl(1, "decimal", "%1.%2.", ""),
                    // Newer Word: a custom format with its fallback.
                    lvl(
                        2,
                        "custom",
                        "(%3)",
                        r#"<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="w14"><w:numFmt w:val="custom" w:format="01, 02, 03, ..."/></mc:Choice><mc:Fallback><w:numFmt w:val="decimalZero"/></mc:Fallback></mc:AlternateContent>"#,
                    ),
                ],
            ),
            // List 5 starts at 9; list 6, of the same definition without override, counts
            // on its own.
            r#"<w:num w:numId="5"><w:abstractNumId w:val="2"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="9"/></w:lvlOverride></w:num>"#.into(),
            num(6, 2),
            // Legal numbering: the sections' Roman numbers in decimal in the items' labels;
            // level 2 never restarts.
            abstract_num(
                4,
                &[
                    lvl(0, "upperRoman", "%1.", ""),
                    lvl(1, "lowerLetter", "%1.%2.", "<w:isLgl/>"),
                    lvl(2, "lowerRoman", "%3/", r#"<w:lvlRestart w:val="0"/>"#),
                ],
            ),
            num(7, 4),
        ]
        .concat();
        let text = numbered_text(
            &[
                numbered(5, 0, "Sở Y tế:"),
                numbered(5, 1, "Chủ trì."),
                numbered(5, 2, "Ngay."),
                numbered(5, 2, "Sau."),
                numbered(5, 1, "Phối hợp."),
                numbered(5, 0, "Sở Tài chính."),
                numbered(6, 0, "Khác."),
                numbered(7, 0, "Một"),
                numbered(7, 1, "Hai"),
                numbered(7, 2, "Ba"),
                numbered(7, 0, "Bốn"),
                numbered(7, 1, "Năm"),
                numbered(7, 2, "Sáu"),
            ],
            &defs,
        );
        assert_eq!(
            text,
            "9. Sở Y tế:\n9.1. Chủ trì.\n(01) Ngay.\n(02) Sau.\n9.2. Phối hợp.\n10. Sở Tài chính.\n\
             1. Khác.\nI. Một\n1.1. Hai\ni/ Ba\nII. Bốn\n2.1. Năm\nii/ Sáu\n"
        );
    }

    #[test]
    fn style_numbering_links_and_tracked_changes() {
        let defs = [
            abstract_num(
                0,
                &[
                    lvl(0, "decimal", "%1.", r#"<w:pStyle w:val="Heading1"/>"#),
                    lvl(1, "lowerLetter", "%2)", ""),
                ],
            ),
            num(3, 0),
            // A list defined through a numbering style ("Điều 1.").
            r#"<w:abstractNum w:abstractNumId="10"><w:numStyleLink w:val="DieuList"/></w:abstractNum>"#.into(),
            abstract_num(11, &[lvl(0, "decimal", "Điều %1.", "")]).replace(
                r#"<w:multiLevelType w:val="hybridMultilevel"/>"#,
                r#"<w:styleLink w:val="DieuList"/>"#,
            ),
            num(11, 11),
            num(12, 10),
        ]
        .concat();
        let (name, numbering_xml) = numbering(&defs);
        let styles = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles {W}>
<w:docDefaults><w:pPrDefault><w:pPr><w:spacing w:after="160"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:pPr><w:numPr><w:numId w:val="3"/></w:numPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Heading1"/><w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr></w:pPr></w:style>
<w:style w:type="numbering" w:styleId="DieuList"><w:name w:val="Dieu List"/><w:pPr><w:numPr><w:numId w:val="11"/></w:numPr></w:pPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:pPr><w:numPr><w:numId w:val="3"/></w:numPr></w:pPr></w:style>
</w:styles>"#
        );
        let styled = |style: &str, ppr: &str, text: &str| {
            format!(
                r#"<w:p><w:pPr><w:pStyle w:val="{style}"/>{ppr}</w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
            )
        };
        let body = [
            styled("Heading1", "", "Sở Y tế:"),
            styled("Heading2", "", "Chủ trì;"),
            styled("Heading2", "", "Phối hợp."),
            // Numbering removed by numId 0, and numbering only in the former properties of a
            // tracked change: not numbered, not counted.
            styled(
                "Heading1",
                r#"<w:numPr><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr>"#,
                "Không đánh số.",
            ),
            styled(
                "TableGrid",
                r#"<w:pPrChange w:id="1" w:author="A"><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="3"/></w:numPr></w:pPr></w:pPrChange>"#,
                "Thay đổi.",
            ),
            styled("Heading1", "", "Sở Tài chính."),
            numbered(12, 0, "Phạm vi."),
            numbered(12, 0, "Đối tượng."),
        ]
        .concat();
        let bytes = docx_with(
            &body,
            &[(name, &numbering_xml), ("word/styles.xml", &styles)],
        );
        assert_eq!(
            docx_text(&bytes).unwrap(),
            "1. Sở Y tế:\na) Chủ trì;\nb) Phối hợp.\nKhông đánh số.\nThay đổi.\n2. Sở Tài chính.\n\
             Điều 1. Phạm vi.\nĐiều 2. Đối tượng.\n"
        );
        // Without the styles part the styled paragraphs are plain; the lists still number.
        let bytes = docx_with(&body, &[(name, &numbering_xml)]);
        assert!(
            docx_text(&bytes)
                .unwrap()
                .starts_with("Sở Y tế:\nChủ trì;\n"),
        );
    }

    #[test]
    fn missing_or_unknown_numbering_leaves_the_plain_text() {
        let body = [
            numbered(3, 0, "Một."),
            numbered(9, 0, "Hai."),
            numbered(4, 0, "Ba."),
            numbered(3, 7, "Bốn."),
            numbered(3, 42, "Năm."),
            numbered(5, 0, "Sáu."),
            numbered(5, 1, "Bảy."),
        ]
        .concat();
        let plain_text = "Một.\nHai.\nBa.\nBốn.\nNăm.\nSáu.\nBảy.\n";
        // No numbering.xml.
        assert_eq!(docx_text(&docx(&body)).unwrap(), plain_text);
        // A numbering.xml without these lists: list 3's definition has no level 7, list 4
        // names no definition, list 9 is not defined; list 5's levels show no number.
        let defs = [
            abstract_num(0, &[lvl(0, "bullet", "o", "")])
                .replace(r#"w:val="bullet""#, r#"w:val="none""#),
            num(3, 0),
            r#"<w:num w:numId="4"><w:abstractNumId w:val="77"/></w:num>"#.into(),
            abstract_num(1, &[lvl(0, "decimal", "", ""), lvl(1, "decimal", "  ", "")]),
            num(5, 1),
        ]
        .concat();
        let (name, xml) = numbering(&defs);
        assert_eq!(
            docx_text(&docx_with(&body, &[(name, &xml)])).unwrap(),
            plain_text
        );
        // A malformed or empty numbering.xml, or one that is not XML at all.
        for broken in [
            "<w:numbering><w:abstractNum w:abstractNumId=\"0\"><w:lvl w:ilvl=\"0\">",
            "<w:numbering><w:num w:numId=\"3\"></w:abstractNum></w:numbering>",
            "",
            "\u{0}\u{1}PK",
        ] {
            assert_eq!(
                docx_text(&docx_with(&body, &[("word/numbering.xml", broken)])).unwrap(),
                plain_text,
                "{broken:?}"
            );
        }
        // Bad values in a definition: no number rather than a failure or a panic.
        let odd = [
            r#"<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="-3"/><w:lvlText w:val="%1.%9%x%"/></w:lvl><w:lvl w:ilvl="99"/><w:lvl/></w:abstractNum>"#,
            r#"<w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="4294967295"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>"#,
            r#"<w:abstractNum w:abstractNumId="x"/><w:num w:numId="y"/>"#,
            &num(3, 0),
            &num(5, 1),
        ]
        .concat();
        let (name, xml) = numbering(&odd);
        assert_eq!(
            docx_text(&docx_with(&body, &[(name, &xml)])).unwrap(),
            "0.0%x% Một.\nHai.\nBa.\nBốn.\nNăm.\n4294967295. Sáu.\nBảy.\n"
        );
    }

    #[test]
    fn number_formats() {
        let show = |fmt, ns: &[u32]| ns.iter().map(|&n| NumFmt::show(fmt, n)).collect::<Vec<_>>();
        assert_eq!(
            show(NumFmt::UpperRoman, &[1, 4, 9, 14, 40, 1994, 3999, 0, 4000]),
            [
                "I",
                "IV",
                "IX",
                "XIV",
                "XL",
                "MCMXCIV",
                "MMMCMXCIX",
                "0",
                "4000"
            ]
        );
        assert_eq!(show(NumFmt::LowerRoman, &[2, 19]), ["ii", "xix"]);
        assert_eq!(
            show(NumFmt::LowerLetter, &[1, 4, 26, 27, 28, 53, 0, 781]),
            ["a", "d", "z", "aa", "bb", "aaa", "0", "781"]
        );
        assert_eq!(show(NumFmt::UpperLetter, &[3]), ["C"]);
        assert_eq!(show(NumFmt::DecimalZero, &[5, 12]), ["05", "12"]);
        assert_eq!(show(NumFmt::Decimal, &[0, 10]), ["0", "10"]);
        assert_eq!(show(NumFmt::Bullet, &[1]), [""]);
        assert_eq!(NumFmt::parse("ordinal"), Some(NumFmt::Decimal));
        assert_eq!(NumFmt::parse("custom"), None);
    }

    #[test]
    fn a_directive_numbered_by_word_parses_its_items() {
        let defs = [
            abstract_num(
                0,
                &[
                    lvl(0, "decimal", "%1.", ""),
                    lvl(1, "lowerLetter", "%2)", ""),
                ],
            ),
            num(1, 0),
        ]
        .concat();
        let text = numbered_text(
            &[
                plain("Số: 45/TB-UBND"),
                plain("Lai Châu, ngày 02 tháng 7 năm 2021"),
                plain("THÔNG BÁO"),
                plain("Kết luận cuộc họp"),
                numbered(
                    1,
                    0,
                    "Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế (trước ngày 05/7/2021).",
                ),
                numbered(1, 0, "Sở Y tế:"),
                numbered(1, 1, "Tiếp nhận, bảo quản vắc xin (xong trước 10/7/2021)."),
                numbered(1, 1, "Phối hợp với Công an tỉnh tổ chức điểm tiêm."),
            ],
            &defs,
        );
        let p = chongdich_domain::directive::parse::parse(&text);
        let paths: Vec<&str> = p.flat_items().iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["1", "2", "2.a", "2.b"], "{text}");
        let first = &p.items[0];
        assert_eq!(first.lead, ["Sở Tài chính"]);
        assert_eq!(first.support, ["Sở Y tế"]);
        assert_eq!(first.deadline.unwrap().to_string(), "2021-07-05");
        let a = p
            .flat_items()
            .into_iter()
            .find(|i| i.path == "2.a")
            .unwrap();
        assert_eq!(a.lead, ["Sở Y tế"]);
        assert_eq!(a.deadline.unwrap().to_string(), "2021-07-10");
    }
}
