//! Text helpers for names typed by people (provinces, districts, communes, persons):
//! cleaning input, diacritic-insensitive search keys, and sort keys whose plain byte
//! order is Vietnamese alphabetical order.
//!
//! All functions accept any Unicode input (NFC, NFD or a mix of both) and never panic.

use deunicode::deunicode_char;
use unicode_normalization::UnicodeNormalization;

/// Normalises user-entered text: Unicode NFC, trimmed, and every run of whitespace
/// (spaces, tabs, newlines, no-break spaces, ...) collapsed into a single ASCII space.
///
/// ```text
/// clean("  Thành phố \t Lai Châu \n") == "Thành phố Lai Châu"
/// ```
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Returns the key for diacritic- and case-insensitive search.
///
/// The text is lowercased and stripped of all diacritics (Vietnamese vowel modifiers and
/// tone marks included, `đ`/`Đ` becomes `d`); characters of other scripts are
/// transliterated to ASCII where possible. Every run of characters that are not letters
/// or digits becomes a single space, and the result is trimmed. Input in NFC or NFD gives
/// the same key.
///
/// ```text
/// search_key("LAI CHÂU") == search_key("lai chau") == "lai chau"
/// search_key("Đồng Văn") == "dong van"
/// ```
pub fn search_key(s: &str) -> String {
    let mut words = Words::default();
    for c in s.nfd() {
        if is_diacritic(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => words.push('d'),
            c if c.is_ascii() => words.push(c),
            c => match deunicode_char(c) {
                Some(ascii) => ascii.chars().for_each(|a| words.push(a)),
                None => words.push(c),
            },
        }
    }
    words.out
}

/// Builds [`search_key`]: lowercase words separated by single spaces.
#[derive(Default)]
struct Words {
    out: String,
    gap: bool,
}

impl Words {
    fn push(&mut self, c: char) {
        if c.is_alphanumeric() {
            if self.gap && !self.out.is_empty() {
                self.out.push(' ');
            }
            self.gap = false;
            self.out.extend(c.to_lowercase());
        } else {
            self.gap = true;
        }
    }
}

/// Returns a key whose plain byte-wise order is Vietnamese alphabetical order, so that a
/// database can `ORDER BY` it with binary collation (SQLite) or any other collation
/// (PostgreSQL): the key consists only of the characters `[0-9a-z]`.
///
/// The order follows the CLDR/ICU collation for `vi`, on three levels:
///
/// 1. Primary: letters in the Vietnamese alphabet
///    `a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z`, ignoring case
///    and tone marks. Digits sort before letters, and a run of digits compares by its
///    numeric value (`"Phường 2" < "Phường 10"`). A run of spaces or punctuation between
///    words sorts before any letter or digit (`"Na Hang" < "Nam Nhùn"`); leading and
///    trailing runs are ignored. A prefix sorts before the longer string.
/// 2. Secondary (only when primary is equal): tone marks, character by character from the
///    start, in the order no tone < huyền (à) < hỏi (ả) < ngã (ã) < sắc (á) < nặng (ạ).
///    Diacritics foreign to Vietnamese (ö, ç, ...) sort after all tones.
/// 3. Tertiary: lowercase before uppercase, character by character; for equal numbers,
///    fewer leading zeros first.
///
/// A fourth level records, by code point, the punctuation and the transliterated
/// characters, so that e.g. `"Lai-Châu"` and `"Lai Châu"` get different (but adjacent)
/// keys; differences in whitespace alone are ignored.
///
/// Characters of other scripts and symbols are transliterated with `deunicode`
/// (`"ß"` sorts as `"ss"`, `"中"` as `"zhong"`); characters that cannot be
/// transliterated sort after `z` by code point.
///
/// Encoding: each weight is two base-36 characters (`00`..`zz`); the levels are
/// separated by `00`, which is lower than every weight.
pub fn sort_key(s: &str) -> String {
    let atoms = Atoms::parse(s);
    let mut primary = String::new();
    let mut secondary = String::new();
    let mut tertiary = String::new();
    let mut gap = false;
    let mut iter = atoms.atoms.iter().peekable();
    while let Some(atom) = iter.next() {
        if matches!(atom, Atom::Sep) {
            gap = true;
            continue;
        }
        if gap && !primary.is_empty() {
            push_weight(&mut primary, W_WORD);
        }
        gap = false;
        match *atom {
            Atom::Sep => {}
            Atom::Letter(letter) => {
                push_weight(&mut primary, W_LETTER + letter.index);
                push_weight(&mut secondary, letter.secondary());
                push_weight(&mut tertiary, if letter.upper { 2 } else { 1 });
            }
            Atom::Digit(first) => {
                let mut digits = vec![first];
                while let Some(&&Atom::Digit(d)) = iter.peek() {
                    digits.push(d);
                    iter.next();
                }
                let zeros = digits
                    .iter()
                    .take_while(|&&d| d == 0)
                    .count()
                    .min(digits.len().saturating_sub(1));
                let significant = digits.split_off(zeros);
                push_number(&mut primary, &significant);
                push_weight(
                    &mut tertiary,
                    u32::try_from(zeros).map_or(W_MAX, |z| z.saturating_add(1)),
                );
            }
            Atom::Other(cp) => {
                push_weight(&mut primary, W_OTHER);
                push_code_point(&mut primary, cp);
            }
        }
    }
    let mut key = primary;
    push_weight(&mut key, W_LEVEL);
    key.push_str(&secondary);
    push_weight(&mut key, W_LEVEL);
    key.push_str(&tertiary);
    push_weight(&mut key, W_LEVEL);
    for &cp in &atoms.extra {
        push_code_point(&mut key, cp);
    }
    key
}

/// The Vietnamese alphabet, in collation order. A letter's primary weight is
/// `W_LETTER + its index here`.
const ALPHABET: &str = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz";

const A: u32 = 0;
const A_BREVE: u32 = 1;
const A_CIRCUMFLEX: u32 = 2;
const D_STROKE: u32 = 6;
const E: u32 = 7;
const E_CIRCUMFLEX: u32 = 8;
const O: u32 = 18;
const O_CIRCUMFLEX: u32 = 19;
const O_HORN: u32 = 20;
const U: u32 = 26;
const U_HORN: u32 = 27;

const BREVE: char = '\u{0306}';
const CIRCUMFLEX: char = '\u{0302}';
const HORN: char = '\u{031B}';

/// Largest weight that fits in two base-36 characters.
const W_MAX: u32 = 36 * 36 - 1;
/// Separates the levels of a key; lower than every weight.
const W_LEVEL: u32 = 0;
/// A run of spaces or punctuation between words.
const W_WORD: u32 = 1;
/// A run of `n` significant digits (`1 <= n <= MAX_RUN`) starts with `W_RUN + n`.
const W_RUN: u32 = 1;
const MAX_RUN: usize = 200;
/// A longer run starts with this, then its length encoded as a number.
const W_RUN_LONG: u32 = W_RUN + MAX_RUN as u32 + 1;
/// Digit `d` of a run.
const W_DIGIT: u32 = 210;
/// Letter `i` of [`ALPHABET`].
const W_LETTER: u32 = 300;
/// A character that cannot be transliterated, followed by its code point.
const W_OTHER: u32 = 1200;

/// Appends `w` (clamped to `W_MAX`) as two base-36 digits.
fn push_weight(out: &mut String, w: u32) {
    let w = w.min(W_MAX);
    for d in [w / 36, w % 36] {
        out.push(char::from_digit(d, 36).unwrap_or('z'));
    }
}

/// Appends a code point (at most 0x10FFFF < 36^4) as two weights.
fn push_code_point(out: &mut String, cp: u32) {
    push_weight(out, cp / 1296);
    push_weight(out, cp % 1296);
}

/// Appends a run of significant digits: its length, then the digits, so that longer
/// numbers sort after shorter ones.
fn push_number(out: &mut String, digits: &[u32]) {
    match u32::try_from(digits.len()) {
        Ok(len) if digits.len() <= MAX_RUN => push_weight(out, W_RUN + len),
        _ => {
            push_weight(out, W_RUN_LONG);
            let len: Vec<u32> = digits
                .len()
                .to_string()
                .chars()
                .filter_map(|c| c.to_digit(10))
                .collect();
            // At most 20 digits, so this recursion ends at once.
            push_number(out, &len);
        }
    }
    for &d in digits {
        push_weight(out, W_DIGIT + d);
    }
}

/// True for combining diacritical marks (the blocks used by Latin-script diacritics).
fn is_diacritic(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// The Vietnamese tone of a combining mark, 1 (huyền) to 5 (nặng).
fn tone_of(mark: char) -> Option<u32> {
    match mark {
        '\u{0300}' => Some(1), // huyền, grave
        '\u{0309}' => Some(2), // hỏi, hook above
        '\u{0303}' => Some(3), // ngã, tilde
        '\u{0301}' => Some(4), // sắc, acute
        '\u{0323}' => Some(5), // nặng, dot below
        _ => None,
    }
}

/// One letter of the key, with its diacritics.
#[derive(Clone, Copy, Debug)]
struct Letter {
    /// Index in [`ALPHABET`].
    index: u32,
    /// 0 (no tone) to 5, see [`tone_of`].
    tone: u32,
    /// 0, or 1 + rank of the first diacritic that is not Vietnamese.
    foreign: u32,
    upper: bool,
    /// Whether a vowel modifier (breve, circumflex, horn) was already applied.
    modified: bool,
}

impl Letter {
    /// An ASCII letter or `đ`/`Đ`, without diacritics.
    fn new(c: char) -> Option<Self> {
        let index = match c {
            'đ' | 'Đ' => D_STROKE,
            c if c.is_ascii_alphabetic() => {
                let lower = c.to_ascii_lowercase();
                u32::try_from(ALPHABET.chars().position(|a| a == lower)?).ok()?
            }
            _ => return None,
        };
        Some(Self {
            index,
            tone: 0,
            foreign: 0,
            upper: c.is_ascii_uppercase() || c == 'Đ',
            modified: false,
        })
    }

    /// Applies a combining mark; false if the letter has no room left for it.
    fn mark(&mut self, mark: char) -> bool {
        if !self.modified {
            let modified = match (self.index, mark) {
                (A, BREVE) => Some(A_BREVE),
                (A, CIRCUMFLEX) => Some(A_CIRCUMFLEX),
                (E, CIRCUMFLEX) => Some(E_CIRCUMFLEX),
                (O, CIRCUMFLEX) => Some(O_CIRCUMFLEX),
                (O, HORN) => Some(O_HORN),
                (U, HORN) => Some(U_HORN),
                _ => None,
            };
            if let Some(index) = modified {
                self.index = index;
                self.modified = true;
                return true;
            }
        }
        if self.tone == 0
            && let Some(tone) = tone_of(mark)
        {
            self.tone = tone;
            return true;
        }
        if self.foreign == 0 {
            let rank = match u32::from(mark) {
                cp @ 0x0300..=0x036F => cp - 0x0300,
                _ => 0x70,
            };
            self.foreign = 1 + rank;
            return true;
        }
        false
    }

    fn secondary(self) -> u32 {
        1 + self.tone + 6 * self.foreign
    }
}

/// A unit of the primary level.
#[derive(Clone, Copy, Debug)]
enum Atom {
    Letter(Letter),
    Digit(u32),
    /// Whitespace or punctuation.
    Sep,
    /// A character that cannot be transliterated: its code point.
    Other(u32),
}

/// A string cut into atoms, plus the code points that only the fourth level records.
#[derive(Default)]
struct Atoms {
    atoms: Vec<Atom>,
    extra: Vec<u32>,
}

impl Atoms {
    fn parse(s: &str) -> Self {
        let mut atoms = Self::default();
        let mut base = None;
        let mut marks = Vec::new();
        for c in s.nfd() {
            if is_diacritic(c) {
                marks.push(c);
            } else {
                atoms.cluster(base, &marks);
                marks.clear();
                base = Some(c);
            }
        }
        atoms.cluster(base, &marks);
        atoms
    }

    /// Adds a base character and the diacritics that follow it.
    fn cluster(&mut self, base: Option<char>, marks: &[char]) {
        let start = self.atoms.len();
        if let Some(c) = base {
            self.base(c);
        }
        let letter = self.atoms.get_mut(start..).and_then(|new| {
            new.iter_mut().find_map(|atom| match atom {
                Atom::Letter(letter) => Some(letter),
                _ => None,
            })
        });
        match letter {
            Some(letter) => {
                for &mark in marks {
                    if !letter.mark(mark) {
                        self.extra.push(u32::from(mark));
                    }
                }
            }
            None => self.extra.extend(marks.iter().map(|&m| u32::from(m))),
        }
    }

    fn base(&mut self, c: char) {
        if let Some(letter) = Letter::new(c) {
            self.atoms.push(Atom::Letter(letter));
        } else if let Some(d) = c.to_digit(10).filter(|_| c.is_ascii_digit()) {
            self.atoms.push(Atom::Digit(d));
        } else if c.is_whitespace() {
            self.atoms.push(Atom::Sep);
        } else if c.is_ascii() {
            self.atoms.push(Atom::Sep);
            self.extra.push(u32::from(c));
        } else {
            self.transliterate(c);
        }
    }

    fn transliterate(&mut self, c: char) {
        self.extra.push(u32::from(c));
        match deunicode_char(c) {
            // Deliberately invisible, such as a soft hyphen.
            Some("") => {}
            Some(ascii) if ascii.chars().any(|a| a.is_ascii_alphanumeric()) => {
                for a in ascii.chars() {
                    if let Some(letter) = Letter::new(a) {
                        self.atoms.push(Atom::Letter(letter));
                    } else if let Some(d) = a.to_digit(10) {
                        self.atoms.push(Atom::Digit(d));
                    } else {
                        self.atoms.push(Atom::Sep);
                    }
                }
            }
            // Punctuation-like symbols.
            Some(_) => self.atoms.push(Atom::Sep),
            // Unknown to deunicode: private use, unassigned, rare scripts.
            None => {
                self.extra.pop();
                self.atoms.push(Atom::Other(u32::from(c)));
            }
        }
    }
}

/// A number below 4000 in upper-case Roman numerals.
pub fn roman(mut n: u32) -> String {
    const DIGITS: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (value, digits) in DIGITS {
        while n >= value {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nfc(s: &str) -> String {
        s.nfc().collect()
    }

    fn nfd(s: &str) -> String {
        s.nfd().collect()
    }

    /// A mix: precomposed letters with modifier, followed by a separate tone mark.
    fn mixed(s: &str) -> String {
        s.nfd()
            .collect::<Vec<_>>()
            .chunk_by(|_, b| is_diacritic(*b))
            .map(|cluster| {
                let (tones, rest): (Vec<char>, Vec<char>) =
                    cluster.iter().partition(|c| tone_of(**c).is_some());
                let base: String = rest.iter().collect::<String>().nfc().collect();
                base + &tones.iter().collect::<String>()
            })
            .collect()
    }

    fn sorted(items: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = items.iter().rev().map(|s| s.to_string()).collect();
        v.sort_by_key(|s| sort_key(s));
        v
    }

    fn assert_order(expected: &[&str]) {
        assert_eq!(sorted(expected), expected, "keys must sort in this order");
        let mut shuffled: Vec<&str> = expected.to_vec();
        shuffled.rotate_left(expected.len() / 2);
        assert_eq!(sorted(&shuffled), expected);
        for pair in expected.windows(2) {
            assert!(
                sort_key(pair[0]) < sort_key(pair[1]),
                "{:?} must sort before {:?}",
                pair[0],
                pair[1]
            );
        }
    }

    fn lt(a: &str, b: &str) {
        assert!(sort_key(a) < sort_key(b), "{a:?} must sort before {b:?}");
    }

    const VOWELS: [&str; 12] = ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"];
    const TONES: [&str; 6] = ["", "\u{300}", "\u{309}", "\u{303}", "\u{301}", "\u{323}"];

    /// Every Vietnamese vowel with every tone, lower and upper case, precomposed.
    fn all_vowels() -> Vec<(&'static str, usize, bool, String)> {
        let mut out = Vec::new();
        for base in VOWELS {
            for (tone, mark) in TONES.iter().enumerate() {
                for upper in [false, true] {
                    let b = if upper {
                        base.to_uppercase()
                    } else {
                        base.to_string()
                    };
                    out.push((base, tone, upper, nfc(&format!("{b}{mark}"))));
                }
            }
        }
        out
    }

    fn assert_key_charset(s: &str) {
        let key = sort_key(s);
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
            "bad key {key:?} for {s:?}"
        );
        assert_eq!(key.len() % 2, 0, "weights are two characters wide");
    }

    // ---- clean ----

    #[test]
    fn clean_trims_and_collapses_whitespace() {
        assert_eq!(clean("  Thành phố \t Lai Châu \n"), "Thành phố Lai Châu");
        assert_eq!(clean("Mường\u{a0}\u{a0}Tè"), "Mường Tè");
        assert_eq!(clean("a\r\n\r\nb"), "a b");
        assert_eq!(clean("Lai Châu"), "Lai Châu");
    }

    #[test]
    fn clean_empty_and_blank() {
        assert_eq!(clean(""), "");
        assert_eq!(clean(" \t\n\u{3000} "), "");
    }

    #[test]
    fn clean_produces_nfc() {
        let decomposed = nfd("Đồng Văn");
        assert_ne!(decomposed, "Đồng Văn");
        assert_eq!(clean(&decomposed), "Đồng Văn");
        assert_eq!(clean(&mixed(" Huyện  Nậm Nhùn ")), "Huyện Nậm Nhùn");
        assert_eq!(clean("Xã Mù Cả").chars().count(), 8);
    }

    #[test]
    fn clean_keeps_case_and_punctuation() {
        assert_eq!(clean(" Tổ 5, Phường Tân Phong "), "Tổ 5, Phường Tân Phong");
    }

    // ---- search_key ----

    #[test]
    fn search_key_required_examples() {
        assert_eq!(search_key("Lai Châu"), "lai chau");
        assert_eq!(search_key("lai chau"), "lai chau");
        assert_eq!(search_key("LAI CHÂU"), "lai chau");
        assert_eq!(search_key("Đồng Văn"), "dong van");
        assert_eq!(search_key("Thành phố  Lai Châu"), "thanh pho lai chau");
        assert_eq!(search_key("Mường Tè"), "muong te");
        assert_eq!(search_key("Huyện Nậm Nhùn"), "huyen nam nhun");
        assert_eq!(search_key("Xã Mù Cả"), "xa mu ca");
        assert_eq!(search_key("ỷ"), "y");
    }

    #[test]
    fn search_key_punctuation_and_digits() {
        assert_eq!(
            search_key("  Tổ 5,  Phường Tân-Phong!! "),
            "to 5 phuong tan phong"
        );
        assert_eq!(search_key("Phường 10"), "phuong 10");
        assert_eq!(search_key("(Bà Rịa – Vũng Tàu)"), "ba ria vung tau");
        assert_eq!(search_key("đ Đ"), "d d");
    }

    #[test]
    fn search_key_empty_and_symbols_only() {
        assert_eq!(search_key(""), "");
        assert_eq!(search_key("  ...,;-  "), "");
        assert_eq!(search_key("\u{301}"), "");
    }

    #[test]
    fn search_key_all_vietnamese_letters() {
        for (base, _, _, ch) in all_vowels() {
            assert_eq!(ch.chars().count(), 1, "{ch:?} should be precomposed");
            let plain: String = base.nfd().take(1).collect();
            assert_eq!(search_key(&ch), plain, "for {ch:?}");
            assert_eq!(search_key(&nfd(&ch)), plain, "for NFD {ch:?}");
        }
        for c in "đĐ".chars() {
            assert_eq!(search_key(&c.to_string()), "d");
        }
    }

    #[test]
    fn deunicode_agrees_on_vietnamese_letters() {
        // search_key strips marks itself, but deunicode should agree on every letter.
        for (base, _, _, ch) in all_vowels() {
            let plain: String = base.nfd().take(1).collect();
            let translit = deunicode::deunicode(&ch).to_lowercase();
            assert_eq!(translit, plain, "deunicode on {ch:?}");
        }
        assert_eq!(deunicode::deunicode("Đđ"), "Dd");
    }

    #[test]
    fn search_key_other_scripts() {
        assert_eq!(search_key("北京"), "bei jing");
        assert_eq!(search_key("Straße"), "strasse");
        assert_eq!(search_key("Ελλάδα"), "ellada");
        assert_eq!(search_key("soft\u{ad}hyphen"), "softhyphen");
    }

    #[test]
    fn search_key_same_for_nfc_nfd_and_mixed() {
        for s in [
            "Lai Châu",
            "Đồng Văn",
            "Huyện Nậm Nhùn",
            "Xã Mù Cả",
            "Thượng Ngự",
        ] {
            let forms = [nfc(s), nfd(s), mixed(s)];
            assert_ne!(forms[0], forms[1]);
            for form in &forms {
                assert_eq!(search_key(form), search_key(s), "for {form:?}");
            }
        }
    }

    #[test]
    fn search_key_is_idempotent() {
        for s in [
            "Thành phố Lai Châu",
            "Tổ 5, Phường Tân Phong",
            "Straße 北京",
        ] {
            let k = search_key(s);
            assert_eq!(search_key(&k), k);
        }
    }

    // ---- sort_key ----

    #[test]
    fn sort_tones_and_letters_of_a() {
        assert_order(&["a", "à", "ả", "ã", "á", "ạ", "ă", "â", "b"]);
    }

    #[test]
    fn sort_provinces() {
        assert_order(&[
            "Cà Mau",
            "Cao Bằng",
            "Đà Nẵng",
            "Điện Biên",
            "Đồng Nai",
            "Hà Giang",
            "Hà Nội",
            "Hải Phòng",
            "Lai Châu",
            "Lạng Sơn",
            "Lào Cai",
        ]);
    }

    #[test]
    fn sort_districts_of_lai_chau() {
        assert_order(&[
            "Lai Châu",
            "Mường Tè",
            "Nậm Nhùn",
            "Phong Thổ",
            "Sìn Hồ",
            "Tam Đường",
            "Tân Uyên",
            "Than Uyên",
        ]);
    }

    #[test]
    fn sort_numbers_by_value() {
        assert_order(&["Phường 2", "Phường 10"]);
        assert_order(&[
            "0", "1", "1a", "2", "9", "10", "11", "99", "100", "1000", "a",
        ]);
        assert_order(&[
            "Phường 1",
            "Phường 2",
            "Phường 02",
            "Phường 002",
            "Phường 3",
        ]);
        assert_order(&["Tổ 1 Phường 9", "Tổ 1 Phường 10", "Tổ 2 Phường 1", "Tổ 10"]);
        assert_order(&["Khu 9", "Khu A"]);
    }

    #[test]
    fn sort_long_digit_runs() {
        let n200 = "9".repeat(200);
        let n201 = format!("1{}", "0".repeat(200));
        let n202 = format!("1{}", "0".repeat(201));
        let n1000 = format!("1{}", "0".repeat(999));
        let n1000b = format!("2{}", "0".repeat(999));
        let n10000 = format!("1{}", "0".repeat(9999));
        assert_order(&["5", &n200, &n201, &n202, &n1000, &n1000b, &n10000, "a"]);
        assert_key_charset(&n10000);
        lt(&format!("0{n201}"), &n202);
    }

    #[test]
    fn sort_vowels_with_modifiers() {
        assert_order(&["Xã O", "Xã Ô", "Xã Ơ", "Xã U", "Xã Ư"]);
        assert_eq!(
            sorted(&["Xã Ô", "Xã Ơ", "Xã Ư", "Xã U"]),
            ["Xã Ô", "Xã Ơ", "Xã U", "Xã Ư"]
        );
        assert_order(&[
            "o", "ó", "ọ", "ô", "ồ", "ộ", "ơ", "ờ", "ở", "ỡ", "ớ", "ợ", "p",
        ]);
        assert_order(&["u", "ụ", "ư", "ừ", "ử", "ữ", "ứ", "ự", "v"]);
        assert_order(&["e", "ẹ", "ê", "ề", "ể", "ễ", "ế", "ệ", "f"]);
    }

    #[test]
    fn sort_d_with_stroke() {
        assert_order(&["d", "D", "dz", "đ", "Đ", "đa", "e"]);
        assert_order(&["Dương", "Đà", "Đồng", "Em"]);
    }

    #[test]
    fn sort_e_circumflex_between_e_and_f() {
        assert_order(&["e", "E", "ez", "Ê", "f"]);
        lt("e", "Ê");
        lt("Ê", "f");
    }

    #[test]
    fn sort_whole_alphabet() {
        let letters: Vec<String> = ALPHABET
            .chars()
            .flat_map(|c| [c.to_string(), c.to_uppercase().to_string()])
            .collect();
        let refs: Vec<&str> = letters.iter().map(String::as_str).collect();
        assert_order(&refs);
    }

    #[test]
    fn sort_every_vowel_tone_and_case() {
        // Expected: by letter, then tone, then lowercase before uppercase.
        let mut expected = all_vowels();
        expected.sort_by_key(|(base, tone, upper, _)| {
            let index = ALPHABET.chars().position(|a| a.to_string() == *base);
            (index, *tone, *upper)
        });
        let strings: Vec<String> = expected.into_iter().map(|(_, _, _, s)| s).collect();
        let refs: Vec<&str> = strings.iter().map(String::as_str).collect();
        assert_order(&refs);
    }

    #[test]
    fn sort_word_separator_before_letters() {
        assert_order(&["Na Hang", "Nam Nhùn"]);
        assert_order(&["Lai Châu", "Lai Châuu"]);
        assert_order(&["Lai", "Lai Châu", "Lai Châu 2", "Lai Châuu", "Laic"]);
        assert_order(&["a b", "a1", "ab"]);
    }

    #[test]
    fn sort_prefix_first() {
        assert_order(&["", "H", "Hà", "Hà Nội", "Hà Nội 1"]);
    }

    #[test]
    fn sort_tones_compared_from_the_start() {
        // Same letters: the first differing tone decides.
        assert_order(&["Ha Nam", "Ha Nám", "Hà Nam", "Hà Nám", "Há Nam"]);
    }

    #[test]
    fn sort_tone_beats_case() {
        assert_order(&["a", "A", "à", "À", "ả", "Ả"]);
        assert_order(&["ha noi", "Ha Noi", "HA NOI", "Hà nội", "Hà Nội"]);
        // Case is compared character by character from the start.
        assert_order(&["ab", "aB", "Ab", "AB"]);
    }

    #[test]
    fn sort_foreign_diacritics_after_tones() {
        assert_order(&["o", "ọ", "ö", "ô"]);
        assert_order(&["c", "ç", "ca"]);
    }

    #[test]
    fn sort_key_same_for_nfc_nfd_and_mixed() {
        for s in [
            "Lai Châu",
            "Đồng Văn",
            "Huyện Nậm Nhùn",
            "Xã Mù Cả",
            "Thượng Ngự",
            "Ỷ Lạc",
        ] {
            let forms = [nfc(s), nfd(s), mixed(s)];
            assert_ne!(forms[0], forms[1]);
            for form in &forms {
                assert_eq!(sort_key(form), sort_key(s), "for {form:?}");
            }
        }
        for (_, _, _, ch) in all_vowels() {
            assert_eq!(sort_key(&nfd(&ch)), sort_key(&ch));
            assert_eq!(sort_key(&mixed(&ch)), sort_key(&ch));
        }
    }

    #[test]
    fn sort_key_ignores_whitespace_differences() {
        assert_eq!(sort_key("Lai  Châu"), sort_key("Lai Châu"));
        assert_eq!(sort_key(" Lai Châu\t"), sort_key("Lai Châu"));
        assert_eq!(sort_key("Lai\u{a0}Châu"), sort_key("Lai Châu"));
        assert_eq!(sort_key(&clean(" Lai \n Châu ")), sort_key("Lai Châu"));
    }

    #[test]
    fn sort_key_punctuation_separates_words() {
        assert_ne!(sort_key("Lai-Châu"), sort_key("Lai Châu"));
        assert_order(&["Lai Châu", "Lai-Châu", "Lai Châuu"]);
        assert_order(&["Bà Rịa – Vũng Tàu", "Bà Rịa Vũng Tàu 2", "Bac"]);
    }

    #[test]
    fn sort_key_charset() {
        for s in [
            "",
            " ",
            "Lai Châu",
            "ĐỒNG VĂN",
            "Tổ 5, Phường Tân Phong!",
            "北京",
            "😀🎉",
            "Straße",
            "Ελλάδα",
            "Москва",
            "\u{0}\u{1f}\u{7f}",
            "\u{301}\u{323}a\u{308}\u{308}\u{308}",
            "\u{e000}\u{10ffff}\u{fffd}",
            "ǅ ﬁ ² ½ № ™ ©",
            "\u{ad}\u{200b}\u{200d}",
        ] {
            assert_key_charset(s);
            assert_eq!(sort_key(s), sort_key(s), "deterministic");
        }
    }

    #[test]
    fn sort_key_other_scripts_and_symbols() {
        // Transliterated: ß sorts as "ss", just after it.
        assert_order(&["ss", "ß", "st"]);
        assert_order(&["Bac", "Bei Jing", "北京", "Bej"]);
        // Untransliterable letters sort after z, by code point.
        lt("zzz", "\u{e000}");
        lt("\u{e000}", "\u{e001}");
        lt("a", "a\u{e000}");
        // Distinct symbols give distinct keys.
        assert_ne!(sort_key("a!"), sort_key("a?"));
        assert_ne!(sort_key("a\u{301}\u{308}"), sort_key("a\u{301}\u{30a}"));
        assert_eq!(sort_key("soft\u{ad}hyphen"), sort_key("soft\u{ad}hyphen"));
        lt("softhyphen", "soft\u{ad}hyphen");
    }

    /// Straightforward model of the collation rules for a small alphabet, compared
    /// against the byte order of the keys for every string of up to three characters.
    #[test]
    fn sort_key_matches_reference_model() {
        const CHARS: [char; 10] = ['a', 'à', 'A', 'ạ', 'ă', 'đ', ' ', '0', '1', '2'];
        type Model = (Vec<(u8, u64)>, Vec<u64>, Vec<u64>);
        fn model(s: &str) -> Model {
            let (mut primary, mut secondary, mut tertiary) = (vec![], vec![], vec![]);
            let mut gap = false;
            let mut digits = String::new();
            let flush = |digits: &mut String, primary: &mut Vec<_>, tertiary: &mut Vec<_>| {
                if !digits.is_empty() {
                    let value = digits.parse::<u64>().unwrap_or(u64::MAX);
                    let zeros = digits.len() - value.to_string().len();
                    primary.push((1, value));
                    tertiary.push(zeros as u64);
                    digits.clear();
                }
            };
            for c in s.chars() {
                if c == ' ' {
                    flush(&mut digits, &mut primary, &mut tertiary);
                    gap = true;
                    continue;
                }
                if gap && !primary.is_empty() && digits.is_empty() {
                    primary.push((0, 0));
                }
                gap = false;
                if c.is_ascii_digit() {
                    digits.push(c);
                    continue;
                }
                flush(&mut digits, &mut primary, &mut tertiary);
                let (index, tone, upper) = match c {
                    'a' => (0, 0, 0),
                    'à' => (0, 1, 0),
                    'A' => (0, 0, 1),
                    'ạ' => (0, 5, 0),
                    'ă' => (1, 0, 0),
                    _ => (6, 0, 0),
                };
                primary.push((2, index));
                secondary.push(tone);
                tertiary.push(upper);
            }
            flush(&mut digits, &mut primary, &mut tertiary);
            (primary, secondary, tertiary)
        }
        let mut strings = vec![String::new()];
        let mut last = strings.clone();
        for _ in 0..3 {
            last = last
                .iter()
                .flat_map(|s| CHARS.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(last.iter().cloned());
        }
        let cases: Vec<(String, Model, String)> = strings
            .into_iter()
            .map(|s| (sort_key(&s), model(&s), s))
            .collect();
        for (key_a, model_a, a) in &cases {
            for (key_b, model_b, b) in &cases {
                assert_eq!(key_a.cmp(key_b), model_a.cmp(model_b), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn sort_key_empty_is_lowest() {
        assert_eq!(sort_key(""), "000000");
        assert_eq!(sort_key(" "), sort_key(""));
        lt("", "0");
        lt("", "a");
    }
}
