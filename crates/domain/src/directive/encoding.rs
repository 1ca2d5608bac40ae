//! A document's bytes as text, and text that is still in a pre-Unicode Vietnamese encoding.
//!
//! Offices wrote with the `.VnTime` (TCVN3, "ABC") and `VNI-Times` fonts for decades; a text
//! copied from such a file, or saved from it as Unicode without converting, is valid Unicode
//! but unreadable: "Céng hoµ x· héi chñ nghÜa ViÖt Nam" (TCVN3), "Coäng hoøa xaõ hoäi chuû
//! nghóa Vieät Nam" (VNI). Both encodings place Vietnamese letters on Latin-1 code points, so
//! such a text has many Latin-1 letters that Vietnamese never uses (µ, ·, Ü, ä, ø …) and none
//! of the letters only Vietnamese has (ă, đ, ơ, ư, ạ … ỹ). The parser would find nothing in
//! it; the user is told to convert it instead.

use std::fmt;

/// Why bytes are not a document's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undecodable {
    /// Not UTF-8 (nor UTF-16 with its byte-order mark): a legacy code page or a binary file.
    NotUtf8 { valid_up_to: usize },
    /// A NUL byte: a binary file.
    Binary,
}

impl fmt::Display for Undecodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotUtf8 { valid_up_to } => write!(
                f,
                "tệp không phải văn bản UTF-8 (byte không hợp lệ ở vị trí {valid_up_to}; có thể \
                 đang ở bảng mã TCVN3/VNI/Windows-1258 hoặc là tệp nhị phân); hãy lưu lại dưới \
                 dạng UTF-8 hoặc .docx"
            ),
            Self::Binary => f.write_str("tệp là tệp nhị phân, không phải văn bản"),
        }
    }
}

/// The text of a plain-text file: UTF-8 (a byte-order mark is dropped), or UTF-16 with its
/// byte-order mark, as Windows Notepad saves "Unicode".
pub fn decode_text(bytes: &[u8]) -> Result<String, Undecodable> {
    let utf16 = |be: bool, body: &[u8]| -> Result<String, Undecodable> {
        let units = body.chunks(2).map(|c| {
            let pair = [c[0], c.get(1).copied().unwrap_or(0)];
            if be {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| Undecodable::NotUtf8 { valid_up_to: 0 })
    };
    let text = if let Some(body) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(false, body)?
    } else if let Some(body) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(true, body)?
    } else {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        std::str::from_utf8(body)
            .map_err(|e| Undecodable::NotUtf8 {
                valid_up_to: e.valid_up_to(),
            })?
            .to_owned()
    };
    if text.contains('\0') {
        return Err(Undecodable::Binary);
    }
    Ok(text)
}

/// A pre-Unicode Vietnamese encoding a text seems to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyEncoding {
    /// TCVN 5712:1993 (ABC), the `.Vn…` fonts.
    Tcvn3,
    /// VNI, the `VNI-…` fonts.
    Vni,
}

impl LegacyEncoding {
    pub fn label(self) -> &'static str {
        match self {
            Self::Tcvn3 => "TCVN3 (ABC, phông .VnTime)",
            Self::Vni => "VNI (phông VNI-Times)",
        }
    }

    /// What to tell the user, naming the encoding.
    pub fn message(self) -> String {
        format!(
            "văn bản có vẻ đang ở bảng mã {} chứ không phải Unicode, nên không đọc được; hãy \
             chuyển mã sang Unicode (ví dụ Unikey: Công cụ chuyển mã) rồi dán hoặc tải lên lại",
            self.label()
        )
    }
}

/// Letters only Vietnamese has, precomposed or as the combining marks of a decomposed text.
fn vietnamese_only(c: char) -> bool {
    matches!(
        c,
        'ă' | 'Ă' | 'đ' | 'Đ' | 'ơ' | 'Ơ' | 'ư' | 'Ư' | 'ĩ' | 'Ĩ' | 'ũ' | 'Ũ' | '\u{1EA0}'
            ..='\u{1EF9}'
                | '\u{0300}'
                | '\u{0301}'
                | '\u{0303}'
                | '\u{0309}'
                | '\u{0323}'
                | '\u{031B}'
                | '\u{0306}'
    )
}

/// Latin-1 letters Vietnamese also uses.
const VIETNAMESE_LATIN1: &str = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý";

/// Code points of TCVN3's ă â ê ô ơ ư đ Đ and à ả ã á ạ, which VNI does not use.
const TCVN3_MARKS: &str = "¨©ª«¬\u{AD}®§µ¶·¸¹";

/// A text in TCVN3 or VNI read as Unicode, or None. It takes a few such letters (at least
/// three, and one letter in twenty) and fewer than half as many letters that only Unicode
/// Vietnamese has, so a Unicode text quoting a name in another language is not refused.
pub fn legacy_encoding(text: &str) -> Option<LegacyEncoding> {
    let (mut letters, mut native, mut foreign, mut tcvn3) = (0usize, 0usize, 0usize, 0usize);
    for c in text.chars() {
        if c.is_alphabetic() {
            letters += 1;
        }
        if vietnamese_only(c) {
            native += 1;
        } else if ('\u{A1}'..='\u{FF}').contains(&c)
            && c != '×'
            && c != '÷'
            && c != '°'
            && !VIETNAMESE_LATIN1.contains(c)
        {
            foreign += 1;
            if TCVN3_MARKS.contains(c) {
                tcvn3 += 1;
            }
        }
    }
    if foreign < 3 || foreign * 20 < letters || foreign <= native * 2 {
        return None;
    }
    // TCVN3's frequent letters (à á đ ô ơ) sit at 0xA1–0xBF, where VNI puts none.
    Some(if tcvn3 * 4 >= foreign {
        LegacyEncoding::Tcvn3
    } else {
        LegacyEncoding::Vni
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_or_without_bom_and_utf16_with_its_bom_are_text() {
        let s = "Số: 12/UBND-VX";
        assert_eq!(decode_text(s.as_bytes()).unwrap(), s);
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), s.as_bytes()].concat();
        assert_eq!(decode_text(&with_bom).unwrap(), s);
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(s.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode_text(&le).unwrap(), s);
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(s.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode_text(&be).unwrap(), s);
    }

    #[test]
    fn other_code_pages_and_binary_files_are_refused() {
        // "Số" in Windows-1258: S, 0xF4 (ô), 0xCC (combining acute).
        assert_eq!(
            decode_text(b"S\xf4\xcc: 12"),
            Err(Undecodable::NotUtf8 { valid_up_to: 1 })
        );
        assert_eq!(decode_text(b"ab\0cd"), Err(Undecodable::Binary));
        // A lone surrogate in UTF-16.
        assert!(decode_text(&[0xFF, 0xFE, 0x00, 0xD8]).is_err());
        assert!(
            decode_text(&[0x89, b'P', b'N', b'G'])
                .unwrap_err()
                .to_string()
                .contains("UTF-8")
        );
    }

    #[test]
    fn tcvn3_and_vni_read_as_unicode_are_recognised() {
        // The motto at the top of every document, as it looks in each encoding.
        let tcvn3 = "Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc\n\
                     Th«ng b¸o kÕt luËn cña Ban ChØ ®¹o";
        let vni = "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam\nÑoäc laäp - Töï do - Haïnh phuùc";
        assert_eq!(legacy_encoding(tcvn3), Some(LegacyEncoding::Tcvn3));
        assert_eq!(legacy_encoding(vni), Some(LegacyEncoding::Vni));
        assert!(LegacyEncoding::Tcvn3.message().contains("TCVN3"));
        assert!(LegacyEncoding::Vni.message().contains("VNI"));
    }

    #[test]
    fn unicode_vietnamese_and_plain_text_are_not_flagged() {
        for text in [
            "Cộng hòa xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc",
            include_str!("../../../../data/directives/000_b7a427223fb6cfea.txt"),
            include_str!("../../../../data/directives/001_59aeeaa545908d1b.txt"),
            include_str!("../../../../data/directives/002_1ca6d9e88afb69e2.txt"),
            "Cong hoa xa hoi chu nghia Viet Nam",
            "",
            // A Unicode text quoting a few foreign words and «guillemets».
            "Sở Y tế phối hợp với «Médecins Sans Frontières» và Bộ Y tế Đức (Müller) rà soát.",
        ] {
            assert_eq!(legacy_encoding(text), None, "{text:?}");
            // Decomposed (NFD) Unicode too.
            let nfd: String = unicode_normalization::UnicodeNormalization::nfd(text).collect();
            assert_eq!(legacy_encoding(&nfd), None, "{nfd:?}");
        }
    }
}
