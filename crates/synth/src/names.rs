//! Plausible Vietnamese full names: họ (surname), tên đệm (middle name) and tên (given
//! name), in that order, each properly accented and in Unicode NFC.
//!
//! Surnames follow their national frequency; middle and given names depend on sex.

pub use crate::rng::Rng;
use chongdich_domain::person::Sex;

/// Surnames with their share of the population, in tenths of a percent (the weights add
/// up to 1000).
///
/// Source: Wikipedia, "Vietnamese name" (section "Family name"), after Lê Trung Hoa,
/// *Họ và tên người Việt Nam*, Nhà xuất bản Khoa học Xã hội, 2005: Nguyễn 38%, Trần 11%,
/// Lê 9.5%, Phạm 7.1%, Hoàng/Huỳnh 5.1%, Phan 4.5%, Vũ/Võ 3.9%, Đặng 2.1%, Bùi 2%,
/// Đỗ 1.4%, Hồ 1.3%, Ngô 1.3%, Dương 1%, Lý 0.5%. Hoàng/Huỳnh and Vũ/Võ are one name each,
/// spelt differently in the North and the South; the split between the spellings is our
/// estimate. The remaining 11.3% is spread over other common surnames by our estimate.
const SURNAMES: [(&str, u32); 39] = [
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 71),
    ("Hoàng", 30),
    ("Huỳnh", 21),
    ("Phan", 45),
    ("Vũ", 20),
    ("Võ", 19),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    // The remainder (113).
    ("Đào", 8),
    ("Đinh", 8),
    ("Trịnh", 7),
    ("Mai", 7),
    ("Trương", 7),
    ("Đoàn", 7),
    ("Lâm", 6),
    ("Cao", 6),
    ("Lương", 6),
    ("Hà", 6),
    ("Phùng", 5),
    ("Tạ", 5),
    ("Vương", 4),
    ("Tô", 4),
    ("Châu", 4),
    ("Lưu", 4),
    ("Thái", 3),
    ("Quách", 3),
    ("Kiều", 3),
    ("Triệu", 3),
    ("Lại", 3),
    ("La", 2),
    ("Chu", 2),
];

/// Middle names of men, with relative weights (Văn dominates, more so in older
/// generations).
const MIDDLE_MALE: [(&str, u32); 16] = [
    ("Văn", 40),
    ("Đức", 8),
    ("Minh", 8),
    ("Quang", 6),
    ("Hữu", 6),
    ("Thành", 5),
    ("Công", 5),
    ("Xuân", 3),
    ("Ngọc", 3),
    ("Quốc", 4),
    ("Trung", 3),
    ("Thanh", 3),
    ("Hoàng", 2),
    ("Tuấn", 2),
    ("Gia", 2),
    ("Anh", 2),
];

/// Middle names of women, with relative weights (Thị dominates, more so in older
/// generations).
const MIDDLE_FEMALE: [(&str, u32); 14] = [
    ("Thị", 45),
    ("Ngọc", 8),
    ("Thu", 6),
    ("Thanh", 6),
    ("Minh", 4),
    ("Hồng", 4),
    ("Phương", 4),
    ("Kim", 4),
    ("Thúy", 3),
    ("Mai", 3),
    ("Bảo", 3),
    ("Khánh", 3),
    ("Diệu", 2),
    ("Hoài", 2),
];

/// How often a name has no middle name at all.
const NO_MIDDLE_MALE: f64 = 0.05;
const NO_MIDDLE_FEMALE: f64 = 0.03;

/// Given names of men.
const GIVEN_MALE: [&str; 50] = [
    "An", "Anh", "Bảo", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Dương", "Duy", "Giang", "Hải",
    "Hiếu", "Hòa", "Hoàng", "Hùng", "Huy", "Khải", "Khang", "Khánh", "Khoa", "Kiên", "Lâm", "Long",
    "Lộc", "Mạnh", "Minh", "Nam", "Nghĩa", "Nhân", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài",
    "Tâm", "Thắng", "Thành", "Thiện", "Thịnh", "Toàn", "Trí", "Trung", "Tú", "Tuấn", "Tùng",
    "Việt", "Vinh", "Vũ",
];

/// Given names of women.
const GIVEN_FEMALE: [&str; 48] = [
    "An", "Anh", "Châu", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hằng", "Hạnh", "Hiền", "Hoa",
    "Hồng", "Huệ", "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Ly", "Mai", "My", "Nga",
    "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo", "Thu", "Thủy", "Trang",
    "Trinh", "Tuyết", "Uyên", "Vân", "Vy", "Yến", "Xuân", "Nhi", "Thư", "Thơ", "Diệp", "Lụa",
    "Nhàn",
];

/// A surname, drawn by national frequency.
pub fn surname(rng: &mut Rng) -> &'static str {
    rng.weighted(&SURNAMES).copied().unwrap_or("Nguyễn")
}

/// A full name: surname, middle name (sometimes none) and given name, e.g.
/// "Nguyễn Văn An", "Trần Thị Hằng", "Lê Minh". The middle name never repeats the given
/// name.
pub fn full_name(rng: &mut Rng, sex: Sex) -> String {
    let surname = surname(rng);
    let (middles, no_middle, given): (&[(&str, u32)], f64, &[&str]) = match sex {
        Sex::Male => (&MIDDLE_MALE, NO_MIDDLE_MALE, &GIVEN_MALE),
        Sex::Female => (&MIDDLE_FEMALE, NO_MIDDLE_FEMALE, &GIVEN_FEMALE),
    };
    let given = *rng.pick(given);
    let middle = if rng.chance(no_middle) {
        None
    } else {
        rng.weighted(middles)
            .copied()
            // "Minh Minh", "Thu Thu": take the most common middle name instead.
            .map(|m| if m == given { middles[0].0 } else { m })
    };
    match middle {
        Some(middle) => format!("{surname} {middle} {given}"),
        None => format!("{surname} {given}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chongdich_domain::person::PersonDraft;
    use chongdich_domain::text;
    use chrono::NaiveDate;
    use std::collections::HashSet;

    fn names(seed: u64, n: usize) -> Vec<String> {
        let mut rng = Rng::new(seed);
        (0..n)
            .map(|i| {
                let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
                full_name(&mut rng, sex)
            })
            .collect()
    }

    #[test]
    fn same_seed_same_names() {
        assert_eq!(names(2025, 500), names(2025, 500));
        assert_ne!(names(2025, 500), names(2026, 500));
    }

    #[test]
    fn nguyen_is_about_38_percent() {
        let all = names(1, 10_000);
        let nguyen = all.iter().filter(|n| n.starts_with("Nguyễn ")).count();
        assert!((3_300..=4_300).contains(&nguyen), "{nguyen}");
        let tran = all.iter().filter(|n| n.starts_with("Trần ")).count();
        assert!((900..=1_300).contains(&tran), "{tran}");
        // Every surname shows up.
        for (surname, _) in SURNAMES {
            assert!(
                all.iter().any(|n| n.starts_with(&format!("{surname} "))),
                "{surname}"
            );
        }
    }

    #[test]
    fn weights_add_up_to_a_thousand() {
        assert_eq!(SURNAMES.iter().map(|(_, w)| w).sum::<u32>(), 1000);
        let unique: HashSet<&str> = SURNAMES.iter().map(|(s, _)| *s).collect();
        assert_eq!(unique.len(), SURNAMES.len());
    }

    #[test]
    fn middle_and_given_names_follow_sex() {
        let mut rng = Rng::new(3);
        let women: Vec<String> = (0..2_000)
            .map(|_| full_name(&mut rng, Sex::Female))
            .collect();
        let men: Vec<String> = (0..2_000).map(|_| full_name(&mut rng, Sex::Male)).collect();
        assert!(women.iter().any(|n| n.contains(" Thị ")));
        assert!(!women.iter().any(|n| n.contains(" Văn ")));
        assert!(men.iter().any(|n| n.contains(" Văn ")));
        assert!(!men.iter().any(|n| n.contains(" Thị ")));
        let thi = women.iter().filter(|n| n.contains(" Thị ")).count();
        assert!((700..1_100).contains(&thi), "{thi}");
        // Some names have no middle name, most have one; none repeats a word.
        let words = |n: &String| n.split(' ').count();
        assert!(men.iter().any(|n| words(n) == 2));
        assert!(men.iter().filter(|n| words(n) == 3).count() > 1_800);
        for n in men.iter().chain(&women) {
            let parts: Vec<&str> = n.split(' ').collect();
            assert!(matches!(parts.len(), 2 | 3), "{n}");
            assert_ne!(parts[parts.len() - 2], parts[parts.len() - 1], "{n}");
        }
    }

    #[test]
    fn enough_given_names_all_nfc() {
        let male: HashSet<&str> = GIVEN_MALE.into_iter().collect();
        let female: HashSet<&str> = GIVEN_FEMALE.into_iter().collect();
        assert!(male.len() >= 40, "{}", male.len());
        assert!(female.len() >= 40, "{}", female.len());
        let every = SURNAMES
            .iter()
            .map(|(s, _)| *s)
            .chain(MIDDLE_MALE.iter().map(|(s, _)| *s))
            .chain(MIDDLE_FEMALE.iter().map(|(s, _)| *s))
            .chain(male)
            .chain(female);
        for word in every {
            // clean() normalises to NFC: an NFC word comes back unchanged.
            assert_eq!(text::clean(word), word, "{word:?} is not NFC");
            assert!(word.chars().all(char::is_alphabetic), "{word:?}");
        }
    }

    #[test]
    fn names_parse_as_person_names() {
        let today = NaiveDate::from_ymd_opt(2025, 8, 15).unwrap();
        for name in names(77, 2_000) {
            let draft = PersonDraft {
                full_name: name.clone(),
                area_id: "L12".into(),
                ..PersonDraft::default()
            };
            let person = draft.parse(today).unwrap();
            assert_eq!(person.full_name, name);
            assert!(person.name_key().is_ascii());
        }
    }
}
