//! Parser tests: every field of the three real directives, the edges (empty text, no items,
//! Roman sections with sub-items, dash bullets, CRLF, a BOM, garbage), and random inputs
//! (mutated directives and random strings) that must never make it panic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::parse::parse;
use super::*;

const D000: &str = include_str!("../../../../data/directives/000_b7a427223fb6cfea.txt");
const D001: &str = include_str!("../../../../data/directives/001_59aeeaa545908d1b.txt");
const D002: &str = include_str!("../../../../data/directives/002_1ca6d9e88afb69e2.txt");

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn pd(year: i32, month: Option<u32>, day: Option<u32>) -> PartialDate {
    PartialDate { year, month, day }
}

fn item<'a>(p: &'a ParsedDirective, path: &str) -> &'a Item {
    p.flat_items()
        .into_iter()
        .find(|i| i.path == path)
        .unwrap_or_else(|| panic!("no item {path} in {:?}", paths(p)))
}

fn paths(p: &ParsedDirective) -> Vec<&str> {
    p.flat_items().iter().map(|i| i.path.as_str()).collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn refs(p: &ParsedDirective) -> Vec<(DocumentKind, &str, Option<PartialDate>, Option<&str>)> {
    p.references
        .iter()
        .map(|r| {
            (
                r.kind,
                r.number.as_deref().unwrap_or(""),
                r.date,
                r.issuer.as_deref(),
            )
        })
        .collect()
}

/// Lead, support and deadline of an item.
fn task<'a>(p: &'a ParsedDirective, path: &str) -> (Vec<&'a str>, Vec<&'a str>, Option<NaiveDate>) {
    let i = item(p, path);
    (strs(&i.lead), strs(&i.support), i.deadline)
}

#[test]
fn directive_000_thong_bao_with_blank_number_and_day() {
    let p = parse(D000);
    assert_eq!(p.kind, DocumentKind::ThongBao);
    assert_eq!(p.number.as_deref(), Some("/TB-UBND"));
    assert_eq!(number_key(p.number.as_deref().unwrap()), None);
    assert_eq!(p.issuer, None);
    assert_eq!(p.place.as_deref(), Some("Lai Châu"));
    assert_eq!(p.date, Some(pd(2021, Some(6), None)));
    let subject = p.subject.as_deref().unwrap();
    assert!(
        subject.starts_with("Kết luận của đồng chí Tổng Thanh Hải"),
        "{subject}"
    );
    assert!(
        subject.ends_with("về công tác phòng, chống dịch Covid-19"),
        "{subject}"
    );
    assert!(!subject.contains('*') && !subject.contains('#'));
    assert!(p.recipients.is_empty());

    assert_eq!(
        refs(&p),
        vec![
            (
                DocumentKind::QuyetDinh,
                "2686/QĐ-BCĐQG",
                Some(pd(2021, Some(5), Some(31))),
                Some("Ban Chỉ đạo Quốc gia")
            ),
            (
                DocumentKind::CongVan,
                "1771/UBND-VX",
                Some(pd(2021, Some(6), Some(21))),
                Some("UBND tỉnh")
            ),
            (
                DocumentKind::CongVan,
                "1758/UBND-VX",
                Some(pd(2021, Some(6), Some(21))),
                Some("Chủ tịch UBND tỉnh")
            ),
        ]
    );

    assert_eq!(
        paths(&p),
        [
            "1", "2", "3", "4", "5", "6", "7", "8", "9", "9.1", "9.2", "9.3"
        ]
    );
    assert!(p.items[0].text.starts_with("Tiếp tục quán triệt tinh thần"));
    for path in ["1", "2", "3", "8"] {
        assert_eq!(item(&p, path).deadline, None, "{path}");
    }
    for path in ["1", "2", "3", "9"] {
        assert!(item(&p, path).lead.is_empty(), "{path}");
    }
    assert_eq!(
        task(&p, "4"),
        (vec!["Sở Giáo dục và Đào tạo"], vec![], None)
    );
    assert_eq!(
        task(&p, "5"),
        (vec!["Sở Y tế"], vec!["các địa phương, đơn vị"], None)
    );
    assert_eq!(task(&p, "6").0, ["Sở Thông tin và Truyền thông"]);
    assert_eq!(task(&p, "7").0, ["Sở Y tế", "UBND các huyện, thành phố"]);
    assert_eq!(task(&p, "8").0, ["UBND các huyện, thành phố"]);
    // The browser test: a task for Sở Tài chính due 05/7/2021.
    assert_eq!(
        task(&p, "9.1"),
        (vec!["Sở Tài chính"], vec!["Sở Y tế"], Some(d("2021-07-05")))
    );
    assert!(
        item(&p, "9.1")
            .text
            .starts_with("Giao Sở Tài chính chủ trì")
    );
    assert_eq!(
        task(&p, "9.2"),
        (
            vec!["Sở Y tế", "Sở Lao động, Thương binh và Xã hội"],
            vec![],
            None
        )
    );
    // The sentence broken mid-name across an empty line is one item, one name.
    let i93 = item(&p, "9.3");
    assert!(
        i93.text
            .ends_with("Giao Sở Giao thông vận tải tiếp tục theo dõi, kịp thời tham mưu cho tỉnh mở lại các tuyến giao thông liên tỉnh đảm bảo thực hiện mục tiêu kép."),
        "{}",
        i93.text
    );
    assert_eq!(strs(&i93.lead), ["Sở Giao thông vận tải"]);
    // Neither the intro nor the closing paragraph is an item.
    assert!(
        p.flat_items()
            .iter()
            .all(|i| !i.text.contains("Thừa lệnh") && !i.text.contains("Sau khi nghe"))
    );

    assert_eq!(
        p.distribution,
        [
            "TT: Tỉnh uỷ, HĐND tỉnh",
            "UBND tỉnh: U",
            "Các sở, ban, ngành, đoàn thể tỉnh",
            "Thành viên BCĐ tỉnh",
            "UBND các huyện, thành phố",
            "VPUBND tỉnh: V, C, CB, HC",
            "Lưu: VT, VX1",
        ]
    );
    assert_eq!(
        p.signer,
        Some(Signer {
            name: "Nguyễn Thị Hồng Tuyền".into(),
            authority: Some("TL. CHỦ TỊCH / KT. CHÁNH VĂN PHÒNG".into()),
            title: Some("PHÓ CHÁNH VĂN PHÒNG".into()),
        })
    );
}

#[test]
fn directive_001_cong_van_with_header_and_recipients() {
    let p = parse(D001);
    assert_eq!(p.kind, DocumentKind::CongVan);
    assert_eq!(p.number.as_deref(), Some("1229/UBND-VX"));
    assert_eq!(number_key("1229/UBND-VX").as_deref(), Some("1229ubndvx"));
    assert_eq!(p.issuer.as_deref(), Some("UBND tỉnh Lai Châu"));
    assert_eq!(p.place.as_deref(), Some("Lai Châu"));
    assert_eq!(p.date, Some(pd(2021, Some(5), Some(11))));
    assert_eq!(
        p.subject.as_deref(),
        Some(
            "thực hiện Thông báo kết luận số 98/TB-VPCP của Thủ tướng Chính phủ về phòng, chống dịch Covid-19"
        )
    );
    assert_eq!(
        p.recipients,
        [
            "Các sở, ban, ngành, đoàn thể tỉnh",
            "UBND các huyện, thành phố"
        ]
    );

    let r = refs(&p);
    // The fuller citation of 98/TB-VPCP (date, Văn phòng Chính phủ) wins over the subject's.
    assert_eq!(
        r[0],
        (
            DocumentKind::ThongBao,
            "98/TB-VPCP",
            Some(pd(2021, Some(5), Some(8))),
            Some("Văn phòng Chính phủ")
        )
    );
    assert_eq!(
        r[1],
        (
            DocumentKind::NghiQuyet,
            "45/NQ-CP",
            Some(pd(2021, Some(4), Some(16))),
            Some("Chính phủ")
        )
    );
    // Numbers without symbol: Công điện 540, 541, 570; Thông báo 81, 82, 89 (98 is cited in full).
    let bare: Vec<(DocumentKind, &str, Option<&str>)> =
        r[2..].iter().map(|(k, n, _, i)| (*k, *n, *i)).collect();
    assert_eq!(
        bare,
        [
            (DocumentKind::CongDien, "540", Some("Thủ tướng Chính phủ")),
            (DocumentKind::CongDien, "541", Some("Thủ tướng Chính phủ")),
            (DocumentKind::CongDien, "570", Some("Thủ tướng Chính phủ")),
            (DocumentKind::ThongBao, "81", Some("Văn phòng Chính phủ")),
            (DocumentKind::ThongBao, "82", Some("Văn phòng Chính phủ")),
            (DocumentKind::ThongBao, "89", Some("Văn phòng Chính phủ")),
        ]
    );
    assert!(
        !p.references
            .iter()
            .any(|r| r.number.as_deref() == Some("1229/UBND-VX"))
    );

    assert_eq!(paths(&p), ["1", "2", "3", "4", "5", "6", "7"]);
    for path in ["1", "2", "3", "5"] {
        assert!(item(&p, path).lead.is_empty(), "{path}");
    }
    assert_eq!(
        task(&p, "4"),
        (vec!["Sở Y tế"], vec!["các sở, ngành liên quan"], None)
    );
    assert_eq!(
        task(&p, "6").0,
        ["UBND các huyện, thành phố", "Sở Giáo dục và Đào tạo"]
    );
    assert_eq!(
        task(&p, "7").0,
        [
            "Sở Thông tin và Truyền thông",
            "Sở Y tế",
            "Báo Lai Châu",
            "Đài Phát thanh và Truyền hình tỉnh",
            "UBND các huyện, thành phố"
        ]
    );
    assert!(p.flat_items().iter().all(|i| i.deadline.is_none()));
    assert!(!item(&p, "7").text.contains("yêu cầu yêu cầu"));

    assert_eq!(
        p.distribution,
        [
            "Như trên",
            "TT: Tỉnh ủy, HĐND tỉnh",
            "UBND tỉnh: U",
            "Thành viên BCD PCD Covid-19 tỉnh",
            "VPUBND tỉnh: V, C, CB, HC",
            "Lưu: VT, VX1",
        ]
    );
    assert_eq!(
        p.signer,
        Some(Signer {
            name: "Tổng Thanh Hải".into(),
            authority: Some("TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH".into()),
            title: Some("PHÓ CHỦ TỊCH".into()),
        })
    );
}

#[test]
fn directive_002_double_spaced_cong_van_without_number() {
    let p = parse(D002);
    // No title, no number: "Kính gửi" makes it a Công văn.
    assert_eq!(p.kind, DocumentKind::CongVan);
    assert_eq!(p.number, None);
    assert_eq!(p.issuer, None);
    assert_eq!(p.place.as_deref(), Some("Lai Châu"));
    assert_eq!(p.date, Some(pd(2021, None, None)));
    assert_eq!(p.subject, None);
    assert_eq!(
        p.recipients,
        [
            "Các sở, ban, ngành, đoàn thể tỉnh",
            "UBND các huyện, thành phố"
        ]
    );
    // "Văn bản số 22/TB-VPCP": the kind from the symbol; the issuer across a broken line.
    assert_eq!(
        refs(&p),
        [(
            DocumentKind::ThongBao,
            "22/TB-VPCP",
            Some(pd(2021, Some(1), Some(30))),
            Some("Văn phòng Chính phủ")
        )]
    );

    assert_eq!(paths(&p), ["1", "2", "3", "4", "5", "6", "7", "8"]);
    // Lines broken every few words are joined; a second paragraph stays with its item.
    let one = item(&p, "1");
    assert!(one.text.starts_with(
        "Thực hiện nghiêm các biện pháp phòng, chống dịch theo chỉ đạo; nâng cao mức cảnh báo"
    ));
    assert!(one.text.contains("\nKiểm tra rà soát các phương án"));
    assert!(!one.text.contains("  "));
    let three = item(&p, "3");
    assert!(three.text.contains("Phối hợp với Sở Tài chính đảm bảo"));
    assert!(three.text.contains("\nTrường hợp mua sắm"));
    assert_eq!(strs(&three.lead), ["Sở Y tế", "Sở Tài chính"]);
    assert_eq!(
        task(&p, "4").0,
        [
            "Bộ Chỉ huy Quân sự tỉnh",
            "Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
            "Công an tỉnh",
            "Sở Y tế",
            "UBND các huyện, thành phố"
        ]
    );
    assert_eq!(
        task(&p, "5").0,
        ["Sở Công Thương", "Cục Quản lý thị trường tỉnh", "Sở Y tế"]
    );
    assert_eq!(
        task(&p, "6").0,
        [
            "Sở Thông tin và Truyền thông",
            "Sở Y tế",
            "Báo Lai Châu",
            "Đài Phát thanh và Truyền hình tỉnh",
            "UBND các huyện, thành phố"
        ]
    );
    assert_eq!(task(&p, "7").0, ["UBND các huyện, thành phố"]);
    assert!(item(&p, "7").text.contains("\nTiếp tục kiểm tra, rà soát"));
    // Members of the committee, party committees and authorities: no single agency.
    assert!(item(&p, "8").lead.is_empty());
    assert!(!item(&p, "8").text.contains("Căn cứ nội dung"));
    assert!(p.flat_items().iter().all(|i| i.deadline.is_none()));

    assert_eq!(
        p.distribution,
        [
            "Như trên",
            "TT Tỉnh ủy",
            "Lãnh đạo UBND tỉnh: U",
            "Thành viên BCĐ tỉnh",
            "VPUBND: V, C, CB, HC",
            "Lưu: VT, VX2",
        ]
    );
    assert_eq!(
        p.signer,
        Some(Signer {
            name: "Tống Thanh Hải".into(),
            authority: Some("KT. CHỦ TỊCH".into()),
            title: Some("PHÓ CHỦ TỊCH".into()),
        })
    );
}

fn empty() -> ParsedDirective {
    ParsedDirective {
        kind: DocumentKind::Unknown,
        number: None,
        issuer: None,
        place: None,
        date: None,
        subject: None,
        recipients: vec![],
        references: vec![],
        items: vec![],
        distribution: vec![],
        signer: None,
    }
}

#[test]
fn directive_empty_and_blank_texts() {
    assert_eq!(parse(""), empty());
    assert_eq!(parse("   \n\t\n \r\n  \u{a0}\n"), empty());
    assert_eq!(parse("\u{feff}"), empty());
    assert_eq!(parse("**\n##\n***\n{\n}\n"), empty());
}

#[test]
fn directive_subject_stops_where_the_text_starts() {
    let p = parse(
        "THÔNG BÁO\nKết luận của Chủ tịch UBND tỉnh\ntại cuộc họp ngày 24/6/2021\nNgày 24/6/2021, Chủ tịch UBND tỉnh chủ trì cuộc họp.\n1. Sở Y tế chủ trì.\n",
    );
    assert_eq!(
        p.subject.as_deref(),
        Some("Kết luận của Chủ tịch UBND tỉnh tại cuộc họp ngày 24/6/2021")
    );
    assert_eq!(paths(&p), ["1"]);
    let p =
        parse("V/v tăng cường phòng, chống dịch.\nCăn cứ Luật Phòng, chống bệnh truyền nhiễm;\n");
    assert_eq!(p.subject.as_deref(), Some("tăng cường phòng, chống dịch"));
}

#[test]
fn directive_without_numbered_items() {
    let p = parse(
        "Số: 88/TB-UBND\n\nLai Châu, ngày 02 tháng 7 năm 2021\n\nTHÔNG BÁO\n\nLịch tiếp công dân\n\nUBND tỉnh thông báo lịch tiếp công dân tháng 7 năm 2021 tại trụ sở. Đề nghị các cơ quan biết./.\n",
    );
    assert_eq!(p.kind, DocumentKind::ThongBao);
    assert_eq!(p.number.as_deref(), Some("88/TB-UBND"));
    assert_eq!(p.date, Some(pd(2021, Some(7), Some(2))));
    assert_eq!(p.subject.as_deref(), Some("Lịch tiếp công dân"));
    assert!(p.items.is_empty());
    assert_eq!(p.signer, None);
}

const PLAN: &str = "UBND TỈNH LAI CHÂU
SỞ Y TẾ

Số: 45/KH-SYT

Lai Châu, ngày 02 tháng 7 năm 2021

KẾ HOẠCH
Tiêm chủng vắc xin phòng Covid-19 đợt 4

Căn cứ Quyết định số 3355/QĐ-BYT ngày 08/7/2021 của Bộ Y tế, Sở Y tế xây dựng kế hoạch như sau:

I. MỤC ĐÍCH, YÊU CẦU
1. Bảo đảm an toàn tiêm chủng.
2. Hoàn thành trong tháng 7/2021.

II. NHIỆM VỤ CỤ THỂ
1. Trung tâm Kiểm soát bệnh tật tỉnh:
a) Tiếp nhận, bảo quản vắc xin (xong trước 10/7).
b) Phối hợp với Sở Thông tin - Truyền thông tuyên truyền.
2. Giao UBND huyện Than Uyên chủ trì, phối hợp với Công an tỉnh tổ chức điểm tiêm, chậm nhất ngày 15 tháng 7 năm 2021:
- Lập danh sách đối tượng;
- Bố trí lực lượng
bảo đảm an ninh.
+ Tại các điểm tiêm cố định.
3. Sở Giáo dục và Đào tạo, Sở Văn hoá, Thể thao và Du lịch hoàn thành trong tháng 8/2021.

Trên đây là Kế hoạch tiêm chủng đợt 4, đề nghị các đơn vị triển khai thực hiện.

Nơi nhận:
- Như trên;
- Lưu: VT.

KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC

Lò Văn Bình
";

#[test]
fn directive_roman_sections_sub_items_and_bullets() {
    let p = parse(PLAN);
    assert_eq!(p.kind, DocumentKind::KeHoach);
    assert_eq!(p.number.as_deref(), Some("45/KH-SYT"));
    assert_eq!(p.issuer.as_deref(), Some("Sở Y tế"));
    assert_eq!(
        p.subject.as_deref(),
        Some("Tiêm chủng vắc xin phòng Covid-19 đợt 4")
    );
    assert_eq!(
        paths(&p),
        [
            "I", "I.1", "I.2", "II", "II.1", "II.1.a", "II.1.b", "II.2", "II.2.1", "II.2.2",
            "II.2.2.1", "II.3"
        ]
    );
    assert_eq!(item(&p, "I").text, "MỤC ĐÍCH, YÊU CẦU");
    assert_eq!(item(&p, "I.2").deadline, Some(d("2021-07-31")));
    // The heading's agency goes to its sub-items.
    assert_eq!(task(&p, "II.1").0, ["Trung tâm Kiểm soát bệnh tật tỉnh"]);
    assert_eq!(
        task(&p, "II.1.a"),
        (
            vec!["Trung tâm Kiểm soát bệnh tật tỉnh"],
            vec![],
            Some(d("2021-07-10"))
        )
    );
    assert_eq!(task(&p, "II.1.b").1, ["Sở Thông tin và Truyền thông"]);
    assert_eq!(
        task(&p, "II.2"),
        (
            vec!["UBND huyện Than Uyên"],
            vec!["Công an tỉnh"],
            Some(d("2021-07-15"))
        )
    );
    assert_eq!(item(&p, "II.2.2").text, "Bố trí lực lượng bảo đảm an ninh.");
    assert_eq!(item(&p, "II.2.2.1").text, "Tại các điểm tiêm cố định.");
    assert_eq!(
        task(&p, "II.3"),
        (
            vec!["Sở Giáo dục và Đào tạo", "Sở Văn hóa, Thể thao và Du lịch"],
            vec![],
            Some(d("2021-08-31"))
        )
    );
    assert!(!item(&p, "II.3").text.contains("Trên đây"));
    assert_eq!(
        refs(&p),
        [(
            DocumentKind::QuyetDinh,
            "3355/QĐ-BYT",
            Some(pd(2021, Some(7), Some(8))),
            Some("Bộ Y tế")
        )]
    );
    assert_eq!(p.distribution, ["Như trên", "Lưu: VT"]);
    let s = p.signer.unwrap();
    assert_eq!(s.name, "Lò Văn Bình");
    assert_eq!(s.authority.as_deref(), Some("KT. GIÁM ĐỐC"));
    assert_eq!(s.title.as_deref(), Some("PHÓ GIÁM ĐỐC"));
}

#[test]
fn directive_dash_bullets_without_numbers_are_the_items() {
    let p = parse(
        "CÔNG ĐIỆN KHẨN\n\nSố: 03/CĐ-UBND\n\nChủ tịch UBND tỉnh yêu cầu:\n\n- Sở Y tế khẩn trương rà soát các trường hợp về từ vùng dịch.\n- UBND các huyện, thành phố tăng cường kiểm soát, báo cáo trước ngày 20/7/2021.\n\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n\nTống Thanh Hải\n",
    );
    assert_eq!(p.kind, DocumentKind::CongDien);
    assert_eq!(paths(&p), ["1", "2"]);
    assert_eq!(task(&p, "1").0, ["Sở Y tế"]);
    assert_eq!(
        task(&p, "2"),
        (
            vec!["UBND các huyện, thành phố"],
            vec![],
            Some(d("2021-07-20"))
        )
    );
    assert_eq!(p.signer.unwrap().name, "Tống Thanh Hải");
}

#[test]
fn directive_crlf_bom_and_nfd_give_the_same_result() {
    let want = parse(D000);
    let crlf = D000.replace('\n', "\r\n");
    assert_eq!(parse(&crlf), want);
    assert_eq!(parse(&format!("\u{feff}{D000}")), want);
    use unicode_normalization::UnicodeNormalization;
    let nfd: String = D000.nfd().collect();
    assert_eq!(parse(&nfd), want);
    let old_mac = D001.replace('\n', "\r");
    assert_eq!(parse(&old_mac), parse(D001));
}

#[test]
fn directive_header_on_one_line_and_spelling_variants() {
    let p = parse(
        "ỦY BAN NHÂN DÂN TỈNH LAI CHÂU CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 1229 / UBND-VX Lai Châu, ngày 11/5/2021\nV/v phòng, chống dịch\nKính gửi: Sở Y tế, Sở Giáo dục - Đào tạo\n\n1. Uỷ ban nhân dân các huyện, thành phố và Sở Văn hoá - Thể thao và Du lịch chủ trì, phối hợp chặt chẽ với Sở Thông tin - Truyền thông thực hiện xong trước 30/6.\n",
    );
    assert_eq!(p.kind, DocumentKind::CongVan);
    assert_eq!(p.number.as_deref(), Some("1229/UBND-VX"));
    assert_eq!(p.place.as_deref(), Some("Lai Châu"));
    assert_eq!(p.date, Some(pd(2021, Some(5), Some(11))));
    assert_eq!(p.subject.as_deref(), Some("phòng, chống dịch"));
    assert_eq!(p.recipients, ["Sở Y tế", "Sở Giáo dục và Đào tạo"]);
    // Deadline without a year: the document's; 30/6 is before the document (11/5)? No: after.
    assert_eq!(
        task(&p, "1"),
        (
            vec![
                "UBND các huyện, thành phố",
                "Sở Văn hóa, Thể thao và Du lịch"
            ],
            vec!["Sở Thông tin và Truyền thông"],
            Some(d("2021-06-30"))
        )
    );
}

#[test]
fn directive_deadline_forms() {
    let deadline = |body: &str| {
        let p = parse(&format!(
            "Lai Châu, ngày 20 tháng 12 năm 2021\n\n1. {body}\n"
        ));
        p.items.first().and_then(|i| i.deadline)
    };
    assert_eq!(
        deadline("Báo cáo (trước ngày 05/01/2022)."),
        Some(d("2022-01-05"))
    );
    assert_eq!(deadline("Báo cáo xong trước 05/01."), Some(d("2022-01-05")));
    assert_eq!(deadline("Báo cáo trước 25/12."), Some(d("2021-12-25")));
    assert_eq!(
        deadline("Hoàn thành trong tháng 2/2022, báo cáo chậm nhất là ngày 15/01/2022."),
        Some(d("2022-01-15"))
    );
    assert_eq!(deadline("Thời hạn: 31/12/2021."), Some(d("2021-12-31")));
    assert_eq!(deadline("Báo cáo trước ngày 31/02/2022."), None);
    assert_eq!(
        deadline("Từ 0 giờ ngày 24/6/2021 được hoạt động trở lại."),
        None
    );
    assert_eq!(deadline("Trước mắt tập trung tiêm chủng."), None);
}

#[test]
fn directive_markdown_and_table_remnants() {
    let p = parse(
        "| **UỶ BAN NHÂN DÂN TỈNH LAI CHÂU** | **CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM** |\n|---|---|\n| Số: 12/KH-UBND | *Lai Châu, ngày 3 tháng 3 năm 2021* |\n\n## KẾ HOẠCH\n\n**Phòng, chống dịch**\n\n**1\\.** Sở Y tế chủ trì.  \n",
    );
    assert_eq!(p.kind, DocumentKind::KeHoach);
    assert_eq!(p.issuer.as_deref(), Some("UBND tỉnh Lai Châu"));
    assert_eq!(p.number.as_deref(), Some("12/KH-UBND"));
    assert_eq!(p.place.as_deref(), Some("Lai Châu"));
    assert_eq!(p.date, Some(pd(2021, Some(3), Some(3))));
    assert_eq!(p.subject.as_deref(), Some("Phòng, chống dịch"));
    assert_eq!(paths(&p), ["1"]);
    assert_eq!(task(&p, "1").0, ["Sở Y tế"]);
}

#[test]
fn directive_garbage_gives_nothing_much() {
    for g in [
        "\u{0}\u{1}\u{7f}",
        "////////",
        "1. 2. 3.",
        "Số:",
        "Số: ngày tháng năm",
        "- - - -",
        "I.\nII.\nIII.\nIV.",
        "a)\nb)\nc)",
        "Nơi nhận:\nNơi nhận:",
        "KT. CHỦ TỊCH",
        "ngày 99/99/9999 trước ngày 31/12/99999",
        "2686/QĐ-",
        "của của của",
        "🙂🙃 ✓ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    ] {
        let p = parse(g);
        assert!(serde_json::to_string(&p).is_ok(), "{g:?}");
        assert!(p.flat_items().iter().all(|i| !i.path.is_empty()), "{g:?}");
    }
    let p = parse("1. 2. 3.");
    assert_eq!(paths(&p), ["1"]);
    assert_eq!(p.items[0].text, "2. 3.");
}

#[test]
fn directive_number_symbols_give_kinds() {
    for (number, kind) in [
        ("12/TB-UBND", DocumentKind::ThongBao),
        ("1229/UBND-VX", DocumentKind::CongVan),
        ("5/QĐ-UBND", DocumentKind::QuyetDinh),
        ("7/KH-UBND", DocumentKind::KeHoach),
        ("3/CT-UBND", DocumentKind::ChiThi),
        ("2/CĐ-UBND", DocumentKind::CongDien),
        ("9/NQ-HĐND", DocumentKind::NghiQuyet),
    ] {
        let p = parse(&format!("Số: {number}\n\nNội dung.\n"));
        assert_eq!(p.kind, kind, "{number}");
        assert_eq!(p.number.as_deref(), Some(number));
    }
    assert_eq!(parse("Nội dung.").kind, DocumentKind::Unknown);
}

/// Lead and support of a one-item directive.
fn one_task(body: &str) -> (Vec<String>, Vec<String>) {
    let p = parse(&format!("1. {body}\n"));
    let i = p
        .items
        .first()
        .unwrap_or_else(|| panic!("no item in {body:?}"));
    (i.lead.clone(), i.support.clone())
}

#[test]
fn directive_steering_committee_names_keep_their_commas() {
    // A district-level committee: the whole name as written; the comma of "phòng, chống" and
    // those of "các huyện, thành phố" do not split it.
    for name in [
        "Ban Chỉ đạo phòng, chống dịch Covid-19 các huyện, thành phố",
        "Ban Chỉ đạo phòng chống dịch Covid-19 các huyện, thành phố",
        "Ban Chỉ đạo phòng, chống dịch bệnh Covid-19 các huyện, thành phố",
        "BCĐ phòng, chống dịch COVID-19 các xã, phường, thị trấn",
        "Ban Chỉ đạo phòng, chống dịch Covid-19 huyện Than Uyên",
        "Ban Chỉ đạo phòng, chống dịch Covid-19 cấp huyện",
    ] {
        assert_eq!(
            one_task(&format!("{name} tăng cường kiểm tra.")),
            (vec![name.to_owned()], vec![]),
            "{name}"
        );
    }
    assert_eq!(
        one_task(
            "Ban Chỉ đạo phòng, chống dịch Covid-19 các huyện, thành phố tăng cường kiểm tra."
        ),
        one_task(
            "Giao Ban Chỉ đạo phòng, chống dịch Covid-19 các huyện, thành phố tăng cường kiểm tra."
        ),
    );
    // The province's committee, however written, is "Ban Chỉ đạo tỉnh".
    for name in [
        "Ban Chỉ đạo phòng, chống dịch Covid-19 tỉnh",
        "Ban Chỉ đạo phòng, chống dịch tỉnh",
        "BCĐ phòng, chống dịch COVID-19 tỉnh",
        "BCĐ phòng chống dịch bệnh Covid-19 tỉnh Lai Châu",
    ] {
        assert_eq!(
            one_task(&format!(
                "{name} chủ trì, phối hợp với Sở Y tế kiểm tra các chốt."
            )),
            (
                vec!["Ban Chỉ đạo tỉnh".to_owned()],
                vec!["Sở Y tế".to_owned()]
            ),
            "{name}"
        );
    }
    assert_eq!(
        one_task(
            "Sở Y tế chủ trì, phối hợp với Ban Chỉ đạo phòng, chống dịch Covid-19 các huyện, thành phố và các đơn vị liên quan."
        ),
        (
            vec!["Sở Y tế".to_owned()],
            vec![
                "Ban Chỉ đạo phòng, chống dịch Covid-19 các huyện, thành phố".to_owned(),
                "các đơn vị liên quan".to_owned()
            ]
        )
    );
    // The committees of all levels name no single agency; nor do their members.
    for body in [
        "Ban Chỉ đạo phòng, chống dịch Covid-19 các cấp tăng cường kiểm tra.",
        "Các thành viên Ban Chỉ đạo phòng, chống dịch Covid-19 các huyện, thành phố tăng cường kiểm tra.",
    ] {
        assert_eq!(one_task(body), (vec![], vec![]), "{body}");
    }
}

#[test]
fn directive_head_of_an_agency_stands_for_it() {
    let leads = |body: &str| one_task(body).0;
    assert_eq!(
        leads("Yêu cầu Chủ tịch UBND các huyện, thành phố chỉ đạo kiểm tra các chốt."),
        ["UBND các huyện, thành phố"]
    );
    assert_eq!(
        leads("Giám đốc Sở Y tế, Chủ tịch Ủy ban nhân dân huyện Than Uyên chỉ đạo kiểm tra."),
        ["Sở Y tế", "UBND huyện Than Uyên"]
    );
    assert_eq!(
        leads("Đề nghị Công an tỉnh tăng cường kiểm tra."),
        ["Công an tỉnh"]
    );
    for body in [
        "Giao Sở Y tế chủ trì kiểm tra.",
        "Giao cho Sở Y tế chủ trì kiểm tra.",
        "Yêu cầu Sở Y tế kiểm tra.",
        "Yêu cầu Giám đốc Sở Y tế kiểm tra.",
    ] {
        assert_eq!(leads(body), ["Sở Y tế"], "{body}");
    }
    assert_eq!(
        one_task("Sở Y tế chủ trì, phối hợp với Chủ tịch UBND các huyện, thành phố kiểm tra."),
        (
            vec!["Sở Y tế".to_owned()],
            vec!["UBND các huyện, thành phố".to_owned()]
        )
    );
    // A body named with a title-like word stays itself; a title with no agency after it, or
    // with a collective, names none.
    assert_eq!(
        leads("Thường trực HĐND tỉnh giám sát."),
        ["Thường trực HĐND tỉnh"]
    );
    for body in [
        "Chủ tịch chỉ đạo kiểm tra.",
        "Thủ trưởng các sở, ban, ngành chỉ đạo kiểm tra.",
        "Giám đốc các sở, ban, ngành chỉ đạo kiểm tra.",
    ] {
        assert!(leads(body).is_empty(), "{body}");
    }
}

#[test]
fn directive_names_with_commas_are_not_split() {
    assert_eq!(
        one_task(
            "Sở Lao động, Thương binh và Xã hội chủ trì, phối hợp với Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh, Sở Văn hoá, Thể thao và Du lịch, Sở Nông nghiệp và Phát triển nông thôn, Bộ Chỉ huy Bộ đội Biên phòng tỉnh thực hiện."
        ),
        (
            vec!["Sở Lao động, Thương binh và Xã hội".to_owned()],
            vec![
                "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh".to_owned(),
                "Sở Văn hóa, Thể thao và Du lịch".to_owned(),
                "Sở Nông nghiệp và Phát triển nông thôn".to_owned(),
                "Bộ Chỉ huy Bộ đội Biên phòng tỉnh".to_owned(),
            ]
        )
    );
    // A generic name of the district levels: "các huyện, thành phố" is part of it.
    assert_eq!(
        one_task(
            "Trung tâm Y tế các huyện, thành phố, Công an các huyện, thành phố và Công an huyện Than Uyên kiểm tra."
        )
        .0,
        [
            "Trung tâm Y tế các huyện, thành phố",
            "Công an các huyện, thành phố",
            "Công an huyện Than Uyên"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Random inputs (proptest: a failure shrinks to a small input and is kept under
// `proptest-regressions/`; `PROPTEST_CASES=100000 cargo test -p chongdich-domain directive_fuzz`
// runs a longer campaign)

use proptest::prelude::*;

/// Pieces the random texts are made of, separated by "¦": the parser's own landmarks (item
/// numbers, dates, agency words, the signer's capacities, headings), line ends of every kind,
/// markdown and table remnants, combining marks, a BOM, a NUL and an emoji.
const PIECES: &str = "I.¦II.¦IV.¦1.¦2.¦9.¦1.1.¦a)¦đ)¦- ¦+ ¦• ¦ngày¦tháng¦năm¦/¦Số:¦Số: /TB-UBND¦trước ngày¦\
    trước ¦05/7/2021¦30/6¦31/02/2021¦99/99/9999¦\n¦\n\n¦\r\n¦\r¦ ¦  ¦,¦;¦:¦.¦./.¦(¦)¦**¦##¦\
    |¦{¦}¦Sở ¦Sở Y tế¦UBND các huyện, thành phố¦Sở Lao động, ¦phối hợp với ¦chủ trì, ¦\
    Ban Chỉ đạo phòng, chống dịch ¦BCĐ ¦Covid-19 ¦huyện, ¦Chủ tịch ¦Giám đốc ¦Công an ¦cấp ¦\
    Giao ¦Kính gửi:¦Nơi nhận:¦V/v ¦KT. CHỦ TỊCH¦TL. CHỦ TỊCH¦TM. ỦY BAN NHÂN DÂN¦TUQ.¦\
    PHÓ CHỦ TỊCH¦THÔNG BÁO¦CÔNG VĂN¦Quyết định ¦2686/QĐ-BCĐQG¦1229/UBND-VX¦của ¦các ¦\
    hoàn thành trong tháng ¦6/2021¦ư¦ờ¦Đ¦ạ¦Ủy¦uỷ¦hoá¦\u{feff}¦\u{a0}¦\t¦0¦7¦12¦2021¦Điều 1.¦\
    Thừa lệnh¦Nguyễn Văn A¦à¦e\u{301}¦\u{0}¦🙂";

fn pieces() -> Vec<&'static str> {
    PIECES.split('¦').collect()
}

/// One edit of a text: positions and lengths are fractions of the text, so that an edit
/// shrinks towards the start of the text and towards nothing.
#[derive(Debug, Clone)]
enum Edit {
    Delete { at: f64, len: usize },
    Duplicate { from: f64, len: usize, to: f64 },
    Swap { a: f64, b: f64, len: usize },
    Insert { at: f64, piece: usize },
    InsertChar { at: f64, c: char },
}

fn edit() -> impl Strategy<Value = Edit> {
    let frac = 0.0..1.0f64;
    prop_oneof![
        (frac.clone(), 0..40usize).prop_map(|(at, len)| Edit::Delete { at, len }),
        (frac.clone(), 0..200usize, frac.clone()).prop_map(|(from, len, to)| Edit::Duplicate {
            from,
            len,
            to
        }),
        (frac.clone(), frac.clone(), 0..80usize).prop_map(|(a, b, len)| Edit::Swap { a, b, len }),
        (frac.clone(), 0..pieces().len()).prop_map(|(at, piece)| Edit::Insert { at, piece }),
        (frac, any::<char>()).prop_map(|(at, c)| Edit::InsertChar { at, c }),
    ]
}

fn position(frac: f64, n: usize) -> usize {
    ((frac * (n + 1) as f64) as usize).min(n)
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut cs: Vec<char> = text.chars().collect();
    for e in edits {
        let n = cs.len();
        match *e {
            Edit::Delete { at, len } => {
                let a = position(at, n);
                cs.drain(a..(a + len).min(n));
            }
            Edit::Duplicate { from, len, to } => {
                let a = position(from, n);
                let copy: Vec<char> = cs[a..(a + len).min(n)].to_vec();
                let at = position(to, n);
                cs.splice(at..at, copy);
            }
            Edit::Swap { a, b, len } => {
                // Two disjoint spans of `len` characters change places.
                let (x, y) = (position(a, n), position(b, n));
                let (x, y) = (x.min(y), x.max(y));
                let len = len.min(y - x).min(n - y);
                let mut out: Vec<char> = cs[..x].to_vec();
                out.extend_from_slice(&cs[y..y + len]);
                out.extend_from_slice(&cs[x + len..y]);
                out.extend_from_slice(&cs[x..x + len]);
                out.extend_from_slice(&cs[y + len..]);
                cs = out;
            }
            Edit::Insert { at, piece } => {
                let at = position(at, n);
                cs.splice(at..at, pieces()[piece].chars());
            }
            Edit::InsertChar { at, c } => cs.insert(position(at, n), c),
        }
    }
    cs.into_iter().collect()
}

/// A text made of the parser's landmarks and arbitrary characters of any plane.
fn composed() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        3 => (0..pieces().len()).prop_map(|i| pieces()[i].to_owned()),
        1 => any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(part, 0..80).prop_map(|parts| parts.concat())
}

/// What every parse must satisfy: every item has a path, every deadline is a real day, and
/// the result survives a JSON round trip (what `chongdich directive parse` prints).
fn holds(p: &ParsedDirective) -> Result<(), TestCaseError> {
    for i in p.flat_items() {
        prop_assert!(!i.path.is_empty(), "an item without a path: {i:?}");
    }
    let json = serde_json::to_string(p).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: ParsedDirective =
        serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&back, p);
    Ok(())
}

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(cases(400))]

    /// The real directives (and a plan with Roman sections), cut, repeated, swapped and
    /// sprinkled with landmarks and stray characters.
    #[test]
    fn directive_fuzz_mutated_directives_never_panic(
        which in 0..4usize,
        edits in proptest::collection::vec(edit(), 1..12),
    ) {
        let base = [D000, D001, D002, PLAN][which];
        let p = parse(&apply(base, &edits));
        holds(&p)?;
    }

    /// Texts made of landmarks and arbitrary characters.
    #[test]
    fn directive_fuzz_composed_texts_never_panic(text in composed()) {
        holds(&parse(&text))?;
    }

    /// Any string at all.
    #[test]
    fn directive_fuzz_any_string_never_panics(text in any::<String>()) {
        holds(&parse(&text))?;
    }
}

/// The edits themselves do what they say, so the fuzzing above really changes the texts.
#[test]
fn directive_fuzz_edits_change_the_text_as_described() {
    assert_eq!(apply("abcdef", &[Edit::Delete { at: 0.0, len: 2 }]), "cdef");
    assert_eq!(
        apply(
            "abcdef",
            &[Edit::Duplicate {
                from: 0.0,
                len: 2,
                to: 1.0
            }]
        ),
        "abcdefab"
    );
    assert_eq!(
        apply(
            "abcdef",
            &[Edit::Swap {
                a: 0.0,
                b: 0.5,
                len: 2
            }]
        ),
        "decabf"
    );
    assert_eq!(apply("ab", &[Edit::Insert { at: 0.5, piece: 0 }]), "aI.b");
    assert_eq!(apply("", &[Edit::InsertChar { at: 0.9, c: 'đ' }]), "đ");
    // Lengths past the end are cut, never out of bounds.
    assert_eq!(apply("abc", &[Edit::Delete { at: 0.9, len: 39 }]), "abc");
    assert_eq!(apply("abc", &[Edit::Delete { at: 0.5, len: 39 }]), "ab");
}
