//! Server-drawn SVG charts for chongdich.
//!
//! Every function returns a complete `<svg>` document as a `String` that can be inlined
//! in an HTML page or served as a standalone `.svg` file: colours are presentation
//! attributes (no external CSS), elements carry `class` attributes so a page may restyle
//! them, and the root has `role="img"` plus `aria-labelledby` pointing at its `<title>`.
//!
//! Output is deterministic: the same input gives byte-identical output. Element ids are
//! derived from a hash of the input so that several charts inlined in one page do not
//! collide.
//!
//! * [`chain`] — a transmission chain / contact graph (layered, top to bottom).
//! * [`curve`] — an epidemic curve (stacked bars per day).
//! * [`map`] — units coloured by risk level, at their centroids or boundaries.

pub mod chain;
pub mod curve;
pub mod map;

use std::fmt::Write as _;

/// The font stack used for every text element.
pub(crate) const FONT: &str = "system-ui, sans-serif";

/// The message drawn when there is nothing to draw.
pub(crate) const NO_DATA: &str = "Chưa có dữ liệu";

/// Escapes text for use in XML/HTML text content and attribute values:
/// `&` `<` `>` `"` `'` become entities. Characters that XML 1.0 forbids outright
/// (C0 controls other than tab, newline and carriage return) are dropped, so the
/// output is always well-formed.
#[must_use]
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// True for combining diacritical marks, which belong to the preceding character
/// (Vietnamese text in NFD form carries its tone marks this way).
fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF)
}

/// Number of visible characters (combining marks do not count).
pub(crate) fn visible_len(s: &str) -> usize {
    s.chars().filter(|&c| !is_combining(c)).count()
}

/// Cuts `s` to at most `max` visible characters, ending with "…" when cut.
/// Works on characters, never bytes, and never separates a letter from its
/// combining marks.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if visible_len(s) <= max {
        return s.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let keep = max - 1;
    let mut out = String::new();
    let mut seen = 0usize;
    for c in s.chars() {
        if !is_combining(c) {
            if seen == keep {
                break;
            }
            seen += 1;
        }
        out.push(c);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('…');
    out
}

/// Formats a coordinate with at most two decimals and no trailing zeros.
pub(crate) fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    let mut s = format!("{r:.2}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    if s == "-0" {
        s = "0".to_owned();
    }
    s
}

/// Formats an integer the Vietnamese way: `12.345`.
pub(crate) fn thousands(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// FNV-1a, used to derive stable, input-dependent element ids.
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.bytes(&[0xff]);
    }

    pub(crate) fn i64(&mut self, v: i64) {
        self.bytes(&v.to_le_bytes());
    }

    pub(crate) fn id(&self, kind: &str) -> String {
        format!("cd-{kind}-{:012x}", self.0 & 0xffff_ffff_ffff)
    }
}

/// Writes the opening `<svg>` tag plus `<title>` and `<desc>`.
pub(crate) fn open_svg(
    out: &mut String,
    width: f64,
    height: f64,
    id: &str,
    class: &str,
    title: &str,
    desc: &str,
) {
    let (w, h) = (num(width), num(height));
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="{id}-title {id}-desc" class="{class}" font-family="{FONT}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(title),
        escape(desc),
    );
}

/// A small SVG saying "Chưa có dữ liệu" (no data yet), with the given title.
pub(crate) fn empty_svg(title: &str, kind: &str) -> String {
    let mut h = Fnv::new();
    h.str(kind);
    h.str(title);
    let id = h.id(kind);
    let mut out = String::new();
    let height = if title.is_empty() { 60.0 } else { 84.0 };
    open_svg(
        &mut out,
        320.0,
        height,
        &id,
        &format!("chart {kind} empty"),
        title,
        NO_DATA,
    );
    let mut y = 36.0;
    if !title.is_empty() {
        let _ = write!(
            out,
            r##"<text class="chart-title" x="16" y="26" font-size="15" font-weight="600" fill="#212121">{}</text>"##,
            escape(&truncate(title, 36))
        );
        y = 60.0;
    }
    let _ = write!(
        out,
        r##"<text class="no-data" x="160" y="{}" text-anchor="middle" font-size="14" fill="#757575">{NO_DATA}</text></svg>"##,
        num(y)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_script_and_ampersand() {
        let s = escape(r#"Nguyễn <script>alert("x&y")</script> & 'Bé'"#);
        assert_eq!(
            s,
            "Nguyễn &lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; &amp; &#39;Bé&#39;"
        );
        assert!(!s.contains('<'));
        assert_eq!(escape("a\u{0}b\u{7}c\td"), "abc\td");
    }

    #[test]
    fn truncate_by_chars_not_bytes() {
        assert_eq!(truncate("Nguyễn Văn A", 20), "Nguyễn Văn A");
        assert_eq!(truncate("Nguyễn Văn Anh Tuấn", 8), "Nguyễn…");
        assert_eq!(truncate("Đặng Thị Ánh", 4), "Đặn…");
        // NFD: "ễ" written as e + U+0302 + U+0303 stays whole.
        let nfd = "Nguye\u{0302}\u{0303}n";
        assert_eq!(visible_len(nfd), 6);
        assert_eq!(truncate(nfd, 6), nfd);
        assert_eq!(
            truncate("Nguye\u{0302}\u{0303}n Văn", 6),
            "Nguye\u{0302}\u{0303}…"
        );
    }

    #[test]
    fn number_formats() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(1.0 / 3.0), "0.33");
        assert_eq!(num(-0.001), "0");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1.000");
        assert_eq!(thousands(1_234_567), "1.234.567");
    }

    #[test]
    fn empty_svg_says_no_data() {
        let s = empty_svg("Chuỗi <lây>", "chain");
        assert!(s.starts_with("<svg"));
        assert!(s.ends_with("</svg>"));
        assert!(s.contains("Chưa có dữ liệu"));
        assert!(s.contains("<title id=\"cd-chain-"));
        assert!(s.contains("Chuỗi &lt;lây&gt;"));
    }
}
