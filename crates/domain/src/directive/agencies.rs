//! Agency names in a directive's text: the words of a sentence as tokens, the standard
//! provincial departments and sectors and the national bodies documents cite (matched as
//! wholes, so the comma in "Sở Lao động, Thương binh và Xã hội" does not split it), generic
//! names ("Sở …", "Cục …", "UBND huyện …"), and collective phrases ("các sở, ban, ngành",
//! "các địa phương, đơn vị") that name no single agency.
//!
//! Names are compared folded: lowercase, NFC, tone marks on the modern vowel ("hoá" = "hóa",
//! "Uỷ" = "Ủy"). A known name comes out in its one spelling ("Sở Thông tin - Truyền thông" →
//! "Sở Thông tin và Truyền thông", "Ủy ban nhân dân tỉnh" → "UBND tỉnh"); a generic name comes out
//! as written with the same spelling fixes.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// A word of a text with the punctuation around it split off.
#[derive(Debug)]
pub(super) struct Tok<'a> {
    /// The word as written, without leading or trailing punctuation (may be empty for a
    /// piece that is only punctuation, such as "-" or "./.").
    pub text: &'a str,
    /// The word folded for comparison.
    pub key: String,
    /// Punctuation before the word ("(", "“"), or the whole piece when it has no word.
    pub lead: &'a str,
    /// Punctuation after the word (",", ";", ").").
    pub trail: &'a str,
    /// Byte range of `text` in the source.
    pub start: usize,
    pub end: usize,
    /// The word starts with a capital letter.
    pub cap: bool,
    /// The word starts a line of the source.
    pub line_start: bool,
}

impl Tok<'_> {
    /// Whether this piece joins the words of a name ("Thông tin - Truyền thông", "TT & TT").
    fn is_joiner(&self) -> bool {
        self.text.is_empty()
            && !self.lead.is_empty()
            && self.lead.chars().all(|c| matches!(c, '-' | '–' | '&'))
    }
}

fn is_lead_punct(c: char) -> bool {
    matches!(
        c,
        '(' | '[' | '{' | '"' | '“' | '‘' | '\'' | '«' | '*' | '„'
    )
}

fn is_trail_punct(c: char) -> bool {
    matches!(
        c,
        ',' | ';'
            | ':'
            | '.'
            | '!'
            | '?'
            | ')'
            | ']'
            | '}'
            | '"'
            | '”'
            | '’'
            | '\''
            | '»'
            | '…'
            | '*'
    )
}

/// Splits a text into words at whitespace; never panics (every offset comes from
/// `char_indices`).
pub(super) fn tokens(s: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut line_start = true;
    let mut piece: Option<usize> = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        if c.is_whitespace() {
            if let Some(st) = piece.take() {
                push_piece(s, st, i, line_start, &mut out);
                line_start = false;
            }
            if c == '\n' {
                line_start = true;
            }
        } else if piece.is_none() {
            piece = Some(i);
        }
    }
    out
}

fn push_piece<'a>(s: &'a str, st: usize, en: usize, line_start: bool, out: &mut Vec<Tok<'a>>) {
    let Some(piece) = s.get(st..en) else {
        return;
    };
    let mut a = 0;
    for (i, c) in piece.char_indices() {
        if is_lead_punct(c) {
            a = i + c.len_utf8();
        } else {
            break;
        }
    }
    let mut b = piece.len();
    for (i, c) in piece.char_indices().rev() {
        if i < a {
            break;
        }
        if is_trail_punct(c) {
            b = i;
        } else {
            break;
        }
    }
    let only_punct = a >= b || piece.chars().all(|c| !c.is_alphanumeric());
    let (lead, text, trail, ts, te) = if only_punct {
        (piece, "", "", st, st)
    } else {
        (
            piece.get(..a).unwrap_or(""),
            piece.get(a..b).unwrap_or(""),
            piece.get(b..).unwrap_or(""),
            st + a,
            st + b,
        )
    };
    out.push(Tok {
        text,
        key: fold(text),
        lead,
        trail,
        start: ts,
        end: te,
        cap: text.chars().next().is_some_and(char::is_uppercase),
        line_start,
    });
}

/// Lowercase, with tone marks on the modern vowel.
pub(super) fn fold(s: &str) -> String {
    let lower = if s.bytes().all(|b| !b.is_ascii_uppercase() && b.is_ascii()) {
        s.to_owned()
    } else {
        s.to_lowercase()
    };
    if lower.is_ascii() || !has_old_second(&lower) {
        return lower;
    }
    modern_tones(&lower)
}

/// The vowels an old-style tone placement puts the mark on ("hoá", "uỷ").
const OLD_SECOND: &str = "áàảãạéèẻẽẹýỳỷỹỵÁÀẢÃẠÉÈẺẼẸÝỲỶỸỴ";

fn has_old_second(s: &str) -> bool {
    s.chars()
        .any(|c| u32::from(c) >= 0xC0 && OLD_SECOND.contains(c))
}

/// Old-style tone placement at the end of a word and its modern form.
const OLD_TONES: &[(&str, &str)] = &[
    ("oá", "óa"),
    ("oà", "òa"),
    ("oả", "ỏa"),
    ("oã", "õa"),
    ("oạ", "ọa"),
    ("oé", "óe"),
    ("oè", "òe"),
    ("oẻ", "ỏe"),
    ("oẽ", "õe"),
    ("oẹ", "ọe"),
    ("uý", "úy"),
    ("uỳ", "ùy"),
    ("uỷ", "ủy"),
    ("uỹ", "ũy"),
    ("uỵ", "ụy"),
];

fn upper(c: char) -> char {
    c.to_uppercase().next().unwrap_or(c)
}

fn tone_table() -> &'static HashMap<(char, char), (char, char)> {
    static T: OnceLock<HashMap<(char, char), (char, char)>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m = HashMap::new();
        for (old, new) in OLD_TONES {
            let (mut o, mut n) = (old.chars(), new.chars());
            if let (Some(a), Some(b), Some(c), Some(d)) = (o.next(), o.next(), n.next(), n.next()) {
                m.insert((a, b), (c, d));
                m.insert((upper(a), b), (upper(c), d));
                m.insert((upper(a), upper(b)), (upper(c), upper(d)));
            }
        }
        m
    })
}

/// Moves a tone mark written on the last vowel of a word-final "oa", "oe", "uy" to the first
/// ("hoá" → "hóa", "Uỷ" → "Ủy"; "quý" is left alone), keeping case.
pub(super) fn modern_tones(s: &str) -> String {
    if !has_old_second(s) {
        return s.to_owned();
    }
    let mut cs: Vec<char> = s.chars().collect();
    let table = tone_table();
    for i in 1..cs.len() {
        if cs.get(i + 1).is_some_and(|c| c.is_alphabetic()) {
            continue;
        }
        let (Some(&a), Some(&b)) = (cs.get(i - 1), cs.get(i)) else {
            continue;
        };
        let Some(&(c, d)) = table.get(&(a, b)) else {
            continue;
        };
        let after_q = i >= 2 && cs.get(i - 2).is_some_and(|q| matches!(q, 'q' | 'Q'));
        if matches!(a, 'u' | 'U') && after_q {
            continue;
        }
        if let Some(x) = cs.get_mut(i - 1) {
            *x = c;
        }
        if let Some(x) = cs.get_mut(i) {
            *x = d;
        }
    }
    cs.into_iter().collect()
}

/// A name with the spelling fixes of the folded comparison applied for display: whitespace
/// collapsed, modern tone marks, "Ủy ban nhân dân" → "UBND".
pub(super) fn display_name(s: &str) -> String {
    let fixed = modern_tones(s);
    let words: Vec<&str> = fixed.split_whitespace().collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let four: Vec<String> = words
            .iter()
            .skip(i)
            .take(4)
            .map(|w| fold(w.trim_matches(|c: char| !c.is_alphanumeric())))
            .collect();
        if four == ["ủy", "ban", "nhân", "dân"] {
            // Keep the punctuation after "dân".
            let last = words.get(i + 3).copied().unwrap_or("");
            let tail: String = last
                .chars()
                .rev()
                .take_while(|c| !c.is_alphanumeric())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            out.push(format!("UBND{tail}"));
            i += 4;
        } else {
            out.push(words.get(i).copied().unwrap_or("").to_owned());
            i += 1;
        }
    }
    out.join(" ")
}

/// Standard names (first) and the other ways documents write them.
const KNOWN: &[&[&str]] = &[
    // Provincial departments.
    &["Sở Y tế"],
    &["Sở Tài chính"],
    &[
        "Sở Giáo dục và Đào tạo",
        "Sở Giáo dục - Đào tạo",
        "Sở GD&ĐT",
        "Sở GDĐT",
    ],
    &[
        "Sở Lao động, Thương binh và Xã hội",
        "Sở Lao động - Thương binh và Xã hội",
        "Sở Lao động Thương binh và Xã hội",
        "Sở LĐ-TB&XH",
        "Sở LĐTB&XH",
        "Sở LĐTBXH",
    ],
    &[
        "Sở Giao thông vận tải",
        "Sở Giao thông và Vận tải",
        "Sở GTVT",
    ],
    &[
        "Sở Thông tin và Truyền thông",
        "Sở Thông tin - Truyền thông",
        "Sở TT&TT",
        "Sở TTTT",
    ],
    &["Sở Công Thương", "Sở Công nghiệp và Thương mại"],
    &[
        "Sở Văn hóa, Thể thao và Du lịch",
        "Sở Văn hóa - Thể thao và Du lịch",
        "Sở Văn hóa Thể thao và Du lịch",
        "Sở VH,TT&DL",
        "Sở VHTTDL",
    ],
    &["Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", "Sở KHĐT"],
    &["Sở Nội vụ"],
    &["Sở Tư pháp"],
    &["Sở Xây dựng"],
    &["Sở Tài nguyên và Môi trường", "Sở TN&MT", "Sở TNMT"],
    &[
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Sở NN&PTNT",
        "Sở NNPTNT",
    ],
    &["Sở Nông nghiệp và Môi trường"],
    &["Sở Ngoại vụ"],
    &["Sở Khoa học và Công nghệ", "Sở KH&CN", "Sở KHCN"],
    &["Sở Dân tộc và Tôn giáo"],
    // Sectors and other provincial bodies.
    &["Công an tỉnh"],
    &[
        "Bộ Chỉ huy Quân sự tỉnh",
        "Bộ CHQS tỉnh",
        "Bộ Chỉ huy quân sự tỉnh",
    ],
    &[
        "Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
        "Bộ CH BĐBP tỉnh",
        "Bộ CHBĐBP tỉnh",
        "Bộ đội Biên phòng tỉnh",
        "BĐBP tỉnh",
    ],
    &[
        "Văn phòng UBND tỉnh",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "VPUBND tỉnh",
        "VP UBND tỉnh",
    ],
    &[
        "UBND các huyện, thành phố",
        "Ủy ban nhân dân các huyện, thành phố",
        "UBND các huyện, thị xã, thành phố",
        "Ủy ban nhân dân các huyện, thị xã, thành phố",
        "UBND các huyện, thành phố, thị xã",
        "UBND các huyện/thành phố",
        "UBND huyện, thành phố",
        "UBND cấp huyện",
    ],
    &[
        "UBND các xã, phường, thị trấn",
        "Ủy ban nhân dân các xã, phường, thị trấn",
        "UBND cấp xã",
    ],
    &["UBND tỉnh", "Ủy ban nhân dân tỉnh"],
    &["Chủ tịch UBND tỉnh", "Chủ tịch Ủy ban nhân dân tỉnh"],
    &[
        "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
        "Ủy ban MTTQ Việt Nam tỉnh",
        "Ủy ban MTTQ VN tỉnh",
        "Ủy ban MTTQ tỉnh",
        "Ủy ban Mặt trận Tổ quốc tỉnh",
        "Mặt trận Tổ quốc tỉnh",
        "UBMTTQ tỉnh",
        "UBMTTQVN tỉnh",
    ],
    &[
        "Đài Phát thanh và Truyền hình tỉnh",
        "Đài Phát thanh - Truyền hình tỉnh",
        "Đài PT-TH tỉnh",
        "Đài PTTH tỉnh",
    ],
    &["Báo Lai Châu"],
    &["Cục Thuế tỉnh", "Cục Thuế"],
    &["Cục Hải quan tỉnh", "Cục Hải quan"],
    &[
        "Cục Quản lý thị trường tỉnh",
        "Cục Quản lý thị trường",
        "Cục QLTT tỉnh",
    ],
    &["Bảo hiểm xã hội tỉnh", "BHXH tỉnh"],
    &["Kho bạc Nhà nước tỉnh", "KBNN tỉnh"],
    &["Ban Dân tộc tỉnh", "Ban Dân tộc"],
    &[
        "Tỉnh đoàn",
        "Đoàn Thanh niên Cộng sản Hồ Chí Minh tỉnh",
        "Tỉnh Đoàn",
    ],
    &[
        "Hội Liên hiệp Phụ nữ tỉnh",
        "Hội LHPN tỉnh",
        "Hội Liên hiệp phụ nữ tỉnh",
    ],
    &["Hội Nông dân tỉnh"],
    &["Hội Cựu chiến binh tỉnh"],
    &["Hội Chữ thập đỏ tỉnh"],
    &["Liên đoàn Lao động tỉnh"],
    &[
        "Ban Chỉ đạo tỉnh",
        "Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh",
        "Ban Chỉ đạo phòng, chống dịch bệnh Covid-19 tỉnh",
        "Ban Chỉ đạo phòng chống dịch Covid-19 tỉnh",
        "Ban Chỉ đạo phòng, chống dịch tỉnh",
        "BCĐ tỉnh",
        "BCĐ phòng, chống dịch Covid-19 tỉnh",
    ],
    &[
        "Trung tâm Kiểm soát bệnh tật tỉnh",
        "Trung tâm Kiểm soát bệnh tật",
        "CDC tỉnh",
    ],
    &["Bệnh viện Đa khoa tỉnh"],
    &["Tỉnh ủy"],
    &["Ban Thường vụ Tỉnh ủy"],
    &["Thường trực Tỉnh ủy"],
    &["HĐND tỉnh", "Hội đồng nhân dân tỉnh"],
    &[
        "Thường trực HĐND tỉnh",
        "Thường trực Hội đồng nhân dân tỉnh",
    ],
    // National bodies (as cited: issuers of the documents a directive implements).
    &["Chính phủ"],
    &["Thủ tướng Chính phủ"],
    &["Văn phòng Chính phủ"],
    &["Bộ Y tế"],
    &[
        "Ban Chỉ đạo Quốc gia",
        "Ban Chỉ đạo Quốc gia phòng, chống dịch Covid-19",
        "Ban Chỉ đạo Quốc gia phòng, chống dịch bệnh Covid-19",
        "BCĐQG",
    ],
    &["Bộ Chính trị"],
    &["Ban Bí thư"],
    &["Quốc hội"],
    &["Ủy ban Thường vụ Quốc hội"],
    &["Bộ Công an"],
    &["Bộ Quốc phòng"],
    &["Bộ Giáo dục và Đào tạo"],
    &["Bộ Tài chính"],
    &["Bộ Thông tin và Truyền thông"],
    &["Bộ Giao thông vận tải"],
    &["Bộ Công Thương"],
    &[
        "Bộ Lao động - Thương binh và Xã hội",
        "Bộ Lao động, Thương binh và Xã hội",
    ],
    &["Bộ Nội vụ"],
    &["Bộ Ngoại giao"],
    &["Bộ Văn hóa, Thể thao và Du lịch"],
    &["Bộ Kế hoạch và Đầu tư"],
    &["Bộ Tư pháp"],
];

/// Sector words that, as an element of a list ("Các lực lượng: Quân đội, Biên phòng, Công an,
/// Y tế"), stand for the provincial agency. Matched only capitalised and followed by a list
/// separator.
const BARE: &[(&str, &str)] = &[
    ("Quân đội", "Bộ Chỉ huy Quân sự tỉnh"),
    ("Quân sự", "Bộ Chỉ huy Quân sự tỉnh"),
    ("Biên phòng", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh"),
    ("Bộ đội Biên phòng", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh"),
    ("Công an", "Công an tỉnh"),
    ("Y tế", "Sở Y tế"),
];

/// Titles before an agency in "của Chủ tịch UBND tỉnh", "của Bộ trưởng Bộ Y tế".
const TITLES: &[&str] = &[
    "Phó Chủ tịch Thường trực",
    "Phó Chủ tịch",
    "Chủ tịch",
    "Phó Thủ tướng",
    "Thủ tướng",
    "Bộ trưởng",
    "Thứ trưởng",
    "Giám đốc",
    "Phó Giám đốc",
    "Trưởng ban",
    "Phó Trưởng ban",
    "Chánh Văn phòng",
    "Thường trực",
    "Lãnh đạo",
];

/// Titles of the official who heads an agency and acts for it: "Chủ tịch UBND các huyện,
/// thành phố chỉ đạo …" is a task of UBND các huyện, thành phố, "Giám đốc Sở Y tế chỉ đạo …"
/// one of Sở Y tế. Only heads of the agency named after the title: not "Chánh Văn phòng"
/// (head of the office, not of the UBND named after it) nor "Thường trực" ("Thường trực
/// HĐND tỉnh" is a body of its own).
const HEAD_TITLES: &[&str] = &[
    "Phó Chủ tịch Thường trực",
    "Phó Chủ tịch",
    "Chủ tịch",
    "Giám đốc",
    "Phó Giám đốc",
    "Trưởng ban",
    "Phó Trưởng ban",
    "Cục trưởng",
    "Chỉ huy trưởng",
];

struct Table {
    stop: HashSet<&'static str>,
    group_words: HashSet<&'static str>,
    /// Folded first word → (folded words, index of the standard name).
    by_first: HashMap<String, Vec<(Vec<String>, usize)>>,
    bare: Vec<(Vec<String>, &'static str)>,
    titles: Vec<Vec<String>>,
    head_titles: Vec<Vec<String>>,
}

fn name_keys(s: &str) -> Vec<String> {
    tokens(s)
        .iter()
        .filter(|t| !t.text.is_empty())
        .map(|t| t.key.clone())
        .collect()
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut by_first: HashMap<String, Vec<(Vec<String>, usize)>> = HashMap::new();
        for (i, names) in KNOWN.iter().enumerate() {
            for n in names.iter() {
                let keys = name_keys(n);
                if let Some(f) = keys.first() {
                    by_first.entry(f.clone()).or_default().push((keys, i));
                }
            }
        }
        Table {
            stop: STOP.split_whitespace().collect(),
            group_words: GROUP_WORDS.split_whitespace().collect(),
            by_first,
            bare: BARE.iter().map(|(b, c)| (name_keys(b), *c)).collect(),
            titles: TITLES.iter().map(|t| name_keys(t)).collect(),
            head_titles: HEAD_TITLES.iter().map(|t| name_keys(t)).collect(),
        }
    })
}

fn is_stop(key: &str) -> bool {
    table().stop.contains(key)
}

fn is_group_word(key: &str) -> bool {
    table().group_words.contains(key)
}

fn standard(i: usize) -> &'static str {
    KNOWN
        .get(i)
        .and_then(|names| names.first())
        .copied()
        .unwrap_or("")
}

/// Matches a sequence of folded words at `i`: joiners ("-", "&") may stand between words, a
/// word inside the name may carry a comma, nothing else. Returns the index after the match.
fn match_seq<K: AsRef<str>>(toks: &[Tok<'_>], i: usize, keys: &[K]) -> Option<usize> {
    let mut j = i;
    for (k, key) in keys.iter().enumerate() {
        if k > 0 {
            while toks.get(j).is_some_and(Tok::is_joiner) {
                j += 1;
            }
        }
        let t = toks.get(j)?;
        if t.key != key.as_ref() || (k > 0 && !t.lead.is_empty()) {
            return None;
        }
        if k + 1 < keys.len() && !(t.trail.is_empty() || t.trail == ",") {
            return None;
        }
        j += 1;
    }
    Some(j)
}

/// The longest known name at `i`: (standard name, index after it).
fn known_at(toks: &[Tok<'_>], i: usize) -> Option<(&'static str, usize)> {
    let first = toks.get(i)?;
    let cands = table().by_first.get(&first.key)?;
    let mut best: Option<(usize, usize)> = None;
    for (keys, idx) in cands {
        if let Some(end) = match_seq(toks, i, keys)
            && best.is_none_or(|(e, _)| end > e)
        {
            best = Some((end, *idx));
        }
    }
    best.map(|(end, idx)| (standard(idx), end))
}

fn bare_at(toks: &[Tok<'_>], i: usize) -> Option<(&'static str, usize)> {
    if !toks.get(i)?.cap {
        return None;
    }
    for (keys, name) in &table().bare {
        if let Some(end) = match_seq(toks, i, keys) {
            let last = toks.get(end - 1)?;
            let separated = last.trail.starts_with([',', ';', ':'])
                || (last.trail.is_empty()
                    && toks
                        .get(end)
                        .is_some_and(|n| n.key == "và" && n.lead.is_empty()));
            if separated {
                return Some((name, end));
            }
        }
    }
    None
}

/// Lowercase words that end a generic name (verbs and particles that follow an agency).
const STOP: &str = "chủ phối tăng thực tiếp có được khẩn chỉ đẩy rà kịp theo tại trên cho về để các và với \
    phải cần tổ triển hướng kiểm chịu báo tham xây đề bố nghiêm thường căn giao lập là đã sẽ \
    đang cũng trong của từ khi nếu thì mà này đó chuẩn duy bảo đảm nắm rút tuyên vận huy \
    khuyến giám xử cập phát hỗ tích sớm ngay tập cung nâng điều bổ chấp sử cử mở đóng dừng \
    tạm cấp trình ký gửi thông tổng nghiên lựa đánh phân quán tiến hoàn trả làm tự yêu đôn \
    nhắc ứng đưa hạn dự nhanh tốt quyết ban chủ cùng hoặc hay như nhằm vì do bởi sau trước \
    đến tới ra vào lên xuống đi nhất kể đều vẫn còn luôn không chưa đảm bằng qua ở tiêm xét \
    truy cách điều khoanh phong";

/// First words of a generic agency name, capitalised: one word, or two.
const HEADS: &[&[&str]] = &[
    &["sở"],
    &["cục"],
    &["bộ"],
    &["ban"],
    &["đài"],
    &["báo"],
    &["viện"],
    &["hội"],
    &["đồn"],
    &["chi", "cục"],
    &["trung", "tâm"],
    &["bệnh", "viện"],
    &["văn", "phòng"],
    &["công", "an"],
    &["liên", "đoàn"],
    &["kho", "bạc"],
    &["ngân", "hàng"],
    &["bảo", "hiểm"],
    &["tòa", "án"],
    &["ủy", "ban"],
];

const LEVELS: &[&[&str]] = &[
    &["tỉnh"],
    &["huyện"],
    &["thành", "phố"],
    &["thị", "xã"],
    &["thị", "trấn"],
    &["xã"],
    &["phường"],
    &["quận"],
];

fn head_at(toks: &[Tok<'_>], i: usize) -> Option<usize> {
    if !toks.get(i)?.cap {
        return None;
    }
    HEADS
        .iter()
        .filter_map(|h| {
            match_seq(toks, i, h).filter(|&e| {
                // No punctuation inside a two-word head.
                toks.get(i..e)
                    .is_some_and(|ts| ts.iter().rev().skip(1).all(|t| t.trail.is_empty()))
            })
        })
        .max()
}

fn level_at(toks: &[Tok<'_>], i: usize) -> Option<usize> {
    LEVELS.iter().filter_map(|l| match_seq(toks, i, l)).max()
}

fn is_ubnd_head(toks: &[Tok<'_>], i: usize) -> Option<usize> {
    let t = toks.get(i)?;
    if t.key == "ubnd" {
        return Some(i + 1);
    }
    if t.cap {
        match_seq(toks, i, &["ủy", "ban", "nhân", "dân"])
    } else {
        None
    }
}

/// "các huyện, thành phố", "các xã, phường, thị trấn" at `i`: "các" and levels, the comma
/// between two levels part of the phrase (it names the levels, not separate agencies).
/// Returns the index after the last level.
fn levels_at(toks: &[Tok<'_>], i: usize) -> Option<usize> {
    let first = toks.get(i)?;
    if first.key != "các" || !first.trail.is_empty() {
        return None;
    }
    let mut j = i + 1;
    while toks.get(j).is_some_and(|t| t.lead.is_empty())
        && let Some(e) = level_at(toks, j)
    {
        let comma = toks.get(e - 1).is_some_and(|t| t.trail == ",");
        j = e;
        if !comma || level_at(toks, j).is_none() {
            break;
        }
    }
    (j > i + 1).then_some(j)
}

/// "UBND huyện Than Uyên", "UBND các xã, phường": UBND, a level, a place name (or "các" and
/// levels).
fn ubnd_at(src: &str, toks: &[Tok<'_>], i: usize) -> Option<(String, usize)> {
    let h = is_ubnd_head(toks, i)?;
    if !toks.get(h - 1)?.trail.is_empty() {
        return None;
    }
    let mut j = h;
    let mut words: Vec<String> = vec!["UBND".to_owned()];
    if toks.get(j)?.key == "các" {
        let e = levels_at(toks, j)?;
        words.push(slice(src, toks, j, e));
        return Some((display_name(&words.join(" ")), e));
    }
    let e = level_at(toks, j)?;
    words.push(slice(src, toks, j, e).to_lowercase());
    j = e;
    let mut names = 0;
    while let Some(t) = toks.get(j) {
        if !t.cap || !t.lead.is_empty() || names >= 4 || !toks.get(j - 1)?.trail.is_empty() {
            break;
        }
        words.push(t.text.to_owned());
        names += 1;
        j += 1;
    }
    (names > 0).then(|| (display_name(&words.join(" ")), j))
}

/// The source text of tokens `i..e`, whitespace collapsed.
fn slice(src: &str, toks: &[Tok<'_>], i: usize, e: usize) -> String {
    let (Some(a), Some(b)) = (toks.get(i), e.checked_sub(1).and_then(|l| toks.get(l))) else {
        return String::new();
    };
    src.get(a.start..b.end)
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A generic name: a capitalised head ("Sở", "Trung tâm") and the words of the name: capitalised
/// words, up to three lowercase words after them that are not verbs, "và" before a
/// capitalised word, a level and place at the end.
fn generic_at(src: &str, toks: &[Tok<'_>], i: usize) -> Option<(String, usize)> {
    let h = head_at(toks, i)?;
    if !toks.get(h - 1)?.trail.is_empty() {
        return None;
    }
    let mut j = h;
    let mut end = h;
    let mut caps = 0;
    let mut lower_run = 0;
    while let Some(t) = toks.get(j) {
        if !t.lead.is_empty() || t.text.is_empty() || !t.text.chars().any(char::is_alphabetic) {
            break;
        }
        if t.cap {
            if head_at(toks, j).is_some() && caps > 0 || is_ubnd_head(toks, j).is_some() {
                break;
            }
            caps += 1;
            lower_run = 0;
        } else if t.key == "và" {
            let next_ok = toks.get(j + 1).is_some_and(|n| {
                n.cap && head_at(toks, j + 1).is_none() && is_ubnd_head(toks, j + 1).is_none()
            });
            if !next_ok || caps == 0 || !t.trail.is_empty() {
                break;
            }
        } else if caps > 0 && lower_run < 3 && !is_stop(&t.key) {
            lower_run += 1;
        } else {
            break;
        }
        j += 1;
        if t.key != "và" {
            end = j;
        }
        if !t.trail.is_empty() {
            break;
        }
    }
    let open = toks.get(end - 1).is_some_and(|t| t.trail.is_empty());
    // "Công an" names a kind of agency by itself, so a level after it is enough: "Công an
    // huyện Than Uyên", "Công an các huyện, thành phố".
    let police = caps == 0
        && match_seq(toks, i, &["công", "an"]) == Some(h)
        && (levels_at(toks, h).is_some() || level_at(toks, h).is_some());
    if caps == 0 && !police {
        return None;
    }
    // The levels the name is of: "Trung tâm Y tế các huyện, thành phố" (the comma between
    // the levels does not end the name).
    if open && let Some(l) = levels_at(toks, end) {
        end = l;
    }
    // A level word and place name after the name: "… tỉnh", "… huyện Than Uyên".
    else if open && let Some(l) = level_at(toks, end) {
        end = l;
        while let Some(t) = toks.get(end) {
            if !t.cap || !t.lead.is_empty() || !toks.get(end - 1)?.trail.is_empty() {
                break;
            }
            end += 1;
        }
    }
    let mut name = display_name(&slice(src, toks, i, end));
    // "Sở y tế X" as typed: capitalise the head.
    if let Some(f) = name.chars().next()
        && f.is_lowercase()
    {
        name = f.to_uppercase().chain(name.chars().skip(1)).collect();
    }
    Some((name, end))
}

/// The standard name of the province's steering committee, which its long names ("Ban Chỉ
/// đạo phòng, chống dịch Covid-19 tỉnh") come out as.
const PROVINCE_COMMITTEE: &str = "Ban Chỉ đạo tỉnh";

/// An epidemic steering committee at `i`: "Ban Chỉ đạo" or "BCĐ", "phòng, chống" (or "phòng
/// chống"), "dịch", optionally "bệnh" and "Covid-19", then its scope: "tỉnh", "các huyện,
/// thành phố", "huyện Than Uyên", "cấp huyện", "các cấp", or none. The comma in "phòng,
/// chống" and those between the levels are part of the name; without this, the generic
/// reading stops at the first ("Ban Chỉ đạo phòng"). Returns the index after the
/// committee's words ("… dịch Covid-19") and the index after its scope.
fn committee_at(toks: &[Tok<'_>], i: usize) -> Option<(usize, usize)> {
    if !toks.get(i)?.cap {
        return None;
    }
    let head =
        match_seq(toks, i, &["ban", "chỉ", "đạo"]).or_else(|| match_seq(toks, i, &["bcđ"]))?;
    let no_punct = |a: usize, e: usize| {
        toks.get(a..e - 1)
            .is_some_and(|ts| ts.iter().all(|t| t.trail.is_empty()))
    };
    if !no_punct(i, head + 1) {
        return None;
    }
    let mut j = match_seq(toks, head, &["phòng", "chống", "dịch"])?;
    if !no_punct(head + 1, j) {
        return None;
    }
    for word in ["bệnh", "covid"] {
        if toks.get(j - 1).is_some_and(|t| t.trail.is_empty())
            && toks
                .get(j)
                .is_some_and(|t| t.lead.is_empty() && t.key.starts_with(word))
        {
            j += 1;
        }
    }
    let words_end = j;
    if !toks.get(j - 1)?.trail.is_empty() {
        return Some((words_end, j));
    }
    if let Some(e) = match_seq(toks, j, &["các", "cấp"]) {
        return Some((words_end, e));
    }
    if let Some(e) = levels_at(toks, j) {
        return Some((words_end, e));
    }
    let level_start = match toks.get(j) {
        Some(t) if t.key == "cấp" && t.trail.is_empty() => j + 1,
        _ => j,
    };
    let Some(mut e) = level_at(toks, level_start) else {
        return Some((words_end, j));
    };
    // The place's name after the level: "huyện Than Uyên".
    let mut names = 0;
    while let Some(t) = toks.get(e) {
        if !t.cap || !t.lead.is_empty() || names >= 4 || !toks.get(e - 1)?.trail.is_empty() {
            break;
        }
        names += 1;
        e += 1;
    }
    Some((words_end, e))
}

/// The entity a committee at `i` names: the province's committee in its standard name, a
/// collective ("Ban Chỉ đạo phòng, chống dịch các cấp"), or the committee of another level
/// as written ("Ban Chỉ đạo phòng, chống dịch Covid-19 các huyện, thành phố").
fn committee_entity(src: &str, toks: &[Tok<'_>], i: usize) -> Option<(Entity, usize)> {
    let (words_end, end) = committee_at(toks, i)?;
    if match_seq(toks, words_end, &["các", "cấp"]) == Some(end) {
        return Some((Entity::Group(slice(src, toks, i, end)), end));
    }
    let province = |k: usize| toks.get(k).is_some_and(|t| t.key == "tỉnh");
    let level = match toks.get(words_end) {
        Some(t) if t.key == "cấp" => words_end + 1,
        _ => words_end,
    };
    if province(level) && end > level {
        return Some((Entity::Named(PROVINCE_COMMITTEE.to_owned()), end));
    }
    Some((Entity::Named(display_name(&slice(src, toks, i, end))), end))
}

/// Words a collective phrase is made of ("các sở, ban, ngành liên quan").
const GROUP_WORDS: &str = "sở ban ngành địa phương đơn vị cơ quan cấp lực lượng đoàn thể tổ chức doanh nghiệp báo \
    chí liên năng tỉnh huyện xã thành phố viên ủy chính quyền nhân dân hội trưởng thủ đảng \
    hệ thống trị y tế trực thuộc phường thị trấn quận lĩnh vực trung ương các";

const GROUP_STARTS: &[&[&str]] = &[
    &["các"],
    &["cấp", "ủy"],
    &["chính", "quyền"],
    &["thành", "viên"],
    &["thủ", "trưởng"],
    &["lãnh", "đạo"],
    &["ban", "chỉ", "đạo", "các", "cấp"],
];

/// A collective phrase at `i`; returns the index after it.
fn group_at(toks: &[Tok<'_>], i: usize) -> Option<usize> {
    let first = toks.get(i)?;
    if !first.lead.is_empty() {
        return None;
    }
    let start_end = GROUP_STARTS
        .iter()
        .filter_map(|g| match_seq(toks, i, g))
        .max()?;
    // "các" must be followed by a group word.
    if start_end == i + 1 {
        let next = toks.get(i + 1)?;
        if !first.trail.is_empty() || !is_group_word(&next.key) {
            return None;
        }
    }
    let mut j = start_end;
    // Words of the start carry no punctuation but the last.
    let mut last_trail = toks.get(j - 1)?.trail;
    loop {
        if !last_trail.is_empty() {
            if last_trail != "," {
                break;
            }
            // A comma inside the phrase: go on only with a lowercase group word.
            match toks.get(j) {
                Some(n) if !n.cap && n.lead.is_empty() && is_group_word(&n.key) => {}
                _ => break,
            }
        }
        let Some(t) = toks.get(j) else { break };
        if !t.lead.is_empty() {
            break;
        }
        let prev_key = toks.get(j - 1).map(|p| p.key.as_str()).unwrap_or("");
        if prev_key == "viên"
            && last_trail.is_empty()
            && let Some(e) = known_at(toks, j)
                .map(|(_, e)| e)
                .or_else(|| committee_at(toks, j).map(|(_, e)| e))
        {
            // "thành viên Ban Chỉ đạo tỉnh": the members, not the committee.
            j = e;
            last_trail = toks.get(j - 1)?.trail;
            continue;
        }
        let ok = if t.key == "có" {
            toks.get(j + 1).is_some_and(|n| n.key == "liên")
        } else if t.key == "và" {
            toks.get(j + 1).is_some_and(|n| n.key == "các")
        } else {
            is_group_word(&t.key) && !(t.cap && last_trail == ",")
        };
        if !ok {
            break;
        }
        j += 1;
        last_trail = t.trail;
    }
    Some(j)
}

/// What a list element names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Entity {
    /// An agency, in its standard or normalised name.
    Named(String),
    /// A collective phrase as written ("các địa phương, đơn vị").
    Group(String),
}

/// One agency or collective phrase at `i`: (what, index after it).
pub(super) fn entity_at(src: &str, toks: &[Tok<'_>], i: usize) -> Option<(Entity, usize)> {
    let t = toks.get(i)?;
    if !t.lead.is_empty() || t.text.is_empty() {
        return None;
    }
    let known = known_at(toks, i);
    // "Ban Chỉ đạo các cấp" is a collective, not "Ban Chỉ đạo".
    let group_phrase = match_seq(toks, i, &["ban", "chỉ", "đạo", "các", "cấp"]);
    if let Some((name, end)) = known
        && group_phrase.is_none_or(|g| end >= g)
    {
        let end = place_suffix(toks, end, name);
        return Some((Entity::Named(name.to_owned()), end));
    }
    if group_phrase.is_none() {
        if let Some((name, end)) = bare_at(toks, i) {
            return Some((Entity::Named(name.to_owned()), end));
        }
        if let Some((name, end)) = ubnd_at(src, toks, i) {
            return Some((Entity::Named(name), end));
        }
        if let Some(found) = committee_entity(src, toks, i) {
            return Some(found);
        }
        if let Some((name, end)) = generic_at(src, toks, i) {
            return Some((Entity::Named(name), end));
        }
    }
    let end = group_at(toks, i)?;
    let text = slice(src, toks, i, end);
    Some((Entity::Group(text), end))
}

/// After a known name, a place it is "of" is part of the phrase but not of the name: "Sở Y tế
/// tỉnh Lai Châu", "Công an tỉnh Lai Châu".
fn place_suffix(toks: &[Tok<'_>], end: usize, name: &str) -> usize {
    if toks
        .get(end.wrapping_sub(1))
        .is_none_or(|t| !t.trail.is_empty())
    {
        return end;
    }
    let mut j = end;
    if !name.ends_with(" tỉnh") {
        match toks.get(j) {
            Some(t) if t.key == "tỉnh" && t.lead.is_empty() => {
                if !t.trail.is_empty() {
                    return j + 1;
                }
                j += 1;
            }
            _ => return end,
        }
    }
    let mut names = 0;
    while let Some(t) = toks.get(j) {
        if !t.cap || !t.lead.is_empty() || names >= 3 {
            break;
        }
        names += 1;
        j += 1;
        if !t.trail.is_empty() {
            break;
        }
    }
    if names == 0 && j == end { end } else { j }
}

/// A list of agencies and collective phrases at `i`, separated by commas, semicolons, a colon
/// after a heading ("Các lực lượng: …"), "và" or "cùng". Returns the elements and the index
/// after the last.
pub(super) fn list_at(src: &str, toks: &[Tok<'_>], i: usize) -> (Vec<Entity>, usize) {
    list_with(src, toks, i, false)
}

/// The agencies a task names at `i` (its leads, or its supports after "phối hợp với"): a list
/// as [`list_at`] reads it, where an element may be an agency's head ("Chủ tịch UBND các
/// huyện, thành phố", "Giám đốc Sở Y tế"), who acts for the agency and stands for it. Not for
/// the recipients, who are kept as written, title and all.
pub(super) fn tasked_at(src: &str, toks: &[Tok<'_>], i: usize) -> (Vec<Entity>, usize) {
    list_with(src, toks, i, true)
}

/// The index after a head's title at `i` when an agency follows it (no punctuation inside
/// or after the title), else `i`.
fn after_head_title(src: &str, toks: &[Tok<'_>], i: usize) -> usize {
    table()
        .head_titles
        .iter()
        .filter_map(|keys| match_seq(toks, i, keys))
        .filter(|&e| {
            toks.get(i..e)
                .is_some_and(|ts| ts.iter().all(|t| t.trail.is_empty()))
        })
        .max()
        .filter(|&e| matches!(entity_at(src, toks, e), Some((Entity::Named(_), _))))
        .unwrap_or(i)
}

fn list_with(src: &str, toks: &[Tok<'_>], i: usize, heads: bool) -> (Vec<Entity>, usize) {
    let mut out = Vec::new();
    let mut j = i;
    let mut end = i;
    loop {
        if heads {
            j = after_head_title(src, toks, j);
        }
        let Some((e, next)) = entity_at(src, toks, j) else {
            break;
        };
        out.push(e);
        end = next;
        j = next;
        let Some(last) = next.checked_sub(1).and_then(|l| toks.get(l)) else {
            break;
        };
        if last.trail.starts_with([',', ';', ':']) {
            continue;
        }
        if !last.trail.is_empty() {
            break;
        }
        match toks.get(j) {
            Some(t)
                if matches!(t.key.as_str(), "và" | "cùng")
                    && t.lead.is_empty()
                    && t.trail.is_empty() =>
            {
                j += 1;
            }
            _ => break,
        }
    }
    (out, end)
}

/// The issuer of a cited document after "của": a known body, a title and a body ("Chủ tịch
/// UBND tỉnh"), a generic name, or the capitalised words up to punctuation.
pub(super) fn issuer_at(src: &str, toks: &[Tok<'_>], i: usize) -> Option<String> {
    if let Some((name, _)) = known_at(toks, i) {
        return Some(name.to_owned());
    }
    let mut title_end = None;
    for keys in &table().titles {
        if let Some(e) = match_seq(toks, i, keys)
            && title_end.is_none_or(|b| e > b)
            && toks.get(e - 1).is_some_and(|t| t.trail.is_empty())
        {
            title_end = Some(e);
        }
    }
    if let Some(e) = title_end
        && let Some((Entity::Named(n), _)) = entity_at(src, toks, e)
    {
        return Some(format!("{} {n}", capitalise(&slice(src, toks, i, e))));
    }
    if let Some((Entity::Named(n), _)) = entity_at(src, toks, i) {
        return Some(n);
    }
    // Capitalised words up to punctuation or a verb.
    let first = toks.get(i)?;
    if !first.cap || !first.lead.is_empty() {
        return None;
    }
    let mut j = i;
    while let Some(t) = toks.get(j) {
        if j > i && (!t.lead.is_empty() || (!t.cap && is_stop(&t.key))) {
            break;
        }
        j += 1;
        if !t.trail.is_empty() || j - i >= 8 {
            break;
        }
    }
    let s = display_name(&slice(src, toks, i, j));
    (!s.is_empty()).then_some(s)
}

fn capitalise(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(f) => f.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// The issuing body of a header written in capitals ("ỦY BAN NHÂN DÂN" / "TỈNH LAI CHÂU")
/// in the normalised form: "UBND tỉnh Lai Châu". When the header names a parent body and
/// the issuer ("UBND TỈNH LAI CHÂU" / "SỞ Y TẾ"), the issuer is the last.
pub(super) fn header_issuer(lines: &[&str]) -> Option<String> {
    // Split into bodies: a line that starts with a head word starts a body.
    let mut bodies: Vec<String> = Vec::new();
    for l in lines {
        let toks = tokens(l);
        let starts_body = head_at(&toks, 0).is_some()
            || is_ubnd_head(&toks, 0).is_some()
            || known_at(&toks, 0).is_some();
        match bodies.last_mut() {
            Some(b) if !starts_body => {
                b.push(' ');
                b.push_str(l);
            }
            _ => bodies.push((*l).to_owned()),
        }
    }
    let last = bodies.pop()?;
    let mut out = normalise_caps(&last);
    // "VĂN PHÒNG" under "UBND TỈNH X": the office of that committee.
    if fold(&out) == "văn phòng"
        && let Some(parent) = bodies.pop()
    {
        out = format!("Văn phòng {}", normalise_caps(&parent));
    }
    (!out.is_empty()).then_some(out)
}

const ACRONYMS: &[&str] = &["UBND", "HĐND", "MTTQ", "BCĐ", "CDC", "BHXH", "VN"];

/// A name written in capitals, in sentence case: a known name in its standard form, the rest
/// lowercase except the place after a level word ("tỉnh Lai Châu") and acronyms.
fn normalise_caps(s: &str) -> String {
    let toks = tokens(s);
    let mut out: Vec<String> = Vec::new();
    let mut j = 0;
    let mut place = false;
    if let Some((name, end)) = known_at(&toks, 0) {
        out.push(name.to_owned());
        place = LEVELS
            .iter()
            .any(|l| l.len() == 1 && l.first().is_some_and(|w| name.ends_with(&format!(" {w}"))));
        j = end;
    } else if let Some(h) = is_ubnd_head(&toks, 0) {
        out.push("UBND".to_owned());
        j = h;
    }
    while let Some(t) = toks.get(j) {
        if !place && let Some(e) = level_at(&toks, j) {
            for l in toks.get(j..e).unwrap_or(&[]) {
                out.push(format!("{}{}{}", l.lead, l.key, l.trail));
            }
            place = true;
            j = e;
            continue;
        }
        let w = if ACRONYMS.contains(&t.text) {
            t.text.to_owned()
        } else if place || out.is_empty() || t.key.starts_with("covid") {
            capitalise(&t.key)
        } else {
            t.key.clone()
        };
        out.push(format!("{}{w}{}", t.lead, t.trail));
        j += 1;
    }
    display_name(&out.join(" "))
}
