//! The directive parser on a long document.
//!
//! `cargo run --release -p chongdich-bench -- directive [--runs N] [--items N]`
//!
//! Builds a plan of about 20 pages (3,000 characters a page): Roman sections of numbered items
//! taken from the three real directives in turn, renumbered, each with a lead agency, some with
//! "a)" / "b)" sub-items or dash bullets, deadlines, cited documents and lines broken
//! mid-sentence as conversions leave them; then times `parse` over N runs (200). Target: < 20 ms
//! for a 20-page directive.

use anyhow::{Context, Result, bail};
use chongdich_domain::directive::parse::parse;
use std::time::{Duration, Instant};

const D000: &str = include_str!("../../../data/directives/000_b7a427223fb6cfea.txt");
const D001: &str = include_str!("../../../data/directives/001_59aeeaa545908d1b.txt");
const D002: &str = include_str!("../../../data/directives/002_1ca6d9e88afb69e2.txt");

const AGENCIES: &[&str] = &[
    "Sở Y tế",
    "Sở Tài chính",
    "Sở Giáo dục và Đào tạo",
    "Sở Lao động, Thương binh và Xã hội",
    "Sở Giao thông vận tải",
    "Sở Thông tin và Truyền thông",
    "Công an tỉnh",
    "Bộ Chỉ huy Quân sự tỉnh",
    "UBND các huyện, thành phố",
    "Sở Văn hoá, Thể thao và Du lịch",
    "Đài Phát thanh và Truyền hình tỉnh",
    "Sở Kế hoạch và Đầu tư",
];

const SECTIONS: &[&str] = &["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"];

/// The items' sentences of the real directives, cut to about 180 characters at a word.
fn sentences() -> Vec<String> {
    let mut out = Vec::new();
    for d in [D000, D001, D002] {
        for i in parse(d).flat_items() {
            let text = i.text.replace('\n', " ");
            if text.chars().count() <= 80 {
                continue;
            }
            let mut cut = String::new();
            for w in text.split_whitespace() {
                if cut.chars().count() + w.chars().count() > 180 {
                    break;
                }
                if !cut.is_empty() {
                    cut.push(' ');
                }
                cut.push_str(w);
            }
            let cut = cut.trim_end_matches([',', ';', ':', '.']);
            out.push(format!("{cut}."));
        }
    }
    out
}

/// Breaks a line at a space near its middle with an empty line, as a PDF conversion does.
fn broken(line: &str) -> String {
    let half = line.len() / 2;
    match line
        .char_indices()
        .find(|(i, c)| *i >= half && *c == ' ')
        .map(|(i, _)| i)
    {
        Some(at) => format!("{}\n\n{}", &line[..at], &line[at + 1..]),
        None => line.to_owned(),
    }
}

fn lower_first(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(f) => f.to_lowercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// A plan of `items` numbered items in sections of 20.
pub fn document(items: usize) -> String {
    let pool = sentences();
    let mut s = String::from(
        "**UỶ BAN NHÂN DÂN\nTỈNH LAI CHÂU**\n\n**CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc**\n\n\
         Số: 2150 /KH-UBND\n\nLai Châu, ngày 28 tháng 6 năm 2021\n\n## KẾ HOẠCH\n\n\
         ### **Triển khai các biện pháp phòng, chống dịch Covid-19 trên địa bàn tỉnh trong tình hình mới**\n\n\
         Thực hiện Quyết định 2686/QĐ-BCĐQG ngày 31/5/2021 của Ban Chỉ đạo Quốc gia, Công văn số 1771/UBND-VX, \
         ngày 21/6/2021 của UBND tỉnh và Thông báo số 98/TB-VPCP ngày 08/5/2021 của Văn phòng Chính phủ, \
         UBND tỉnh ban hành Kế hoạch như sau:\n\n",
    );
    let mut k = 0usize;
    for n in 0..items {
        if n % 20 == 0 {
            let section = SECTIONS.get(n / 20).copied().unwrap_or("X");
            s.push_str(&format!("{section}. NHIỆM VỤ NHÓM {}\n\n", n / 20 + 1));
        }
        let number = n % 20 + 1;
        let agency = AGENCIES[n % AGENCIES.len()];
        let support = AGENCIES[(n + 5) % AGENCIES.len()];
        let sentence = &pool[n % pool.len()];
        let day = n % 28 + 1;
        let month = n % 6 + 7;
        let line = format!(
            "{number}. {agency} chủ trì, phối hợp với {support} và các địa phương, đơn vị: {sentence} Báo cáo kết quả \
             về UBND tỉnh (qua Sở Y tế) trước ngày {day:02}/{month}/2021."
        );
        s.push_str(&if n % 2 == 0 { broken(&line) } else { line });
        s.push_str("\n\n");
        match n % 4 {
            1 => {
                for letter in ["a", "b"] {
                    k += 1;
                    let who = AGENCIES[(n + k) % AGENCIES.len()];
                    let sub = lower_first(&pool[(n + k) % pool.len()]);
                    s.push_str(&format!(
                        "{letter}) {who} {sub} Hoàn thành trong tháng {month}/2021.\n"
                    ));
                }
                s.push('\n');
            }
            3 => {
                for j in 0..3 {
                    k += 1;
                    let who = AGENCIES[(n + j + 1) % AGENCIES.len()];
                    s.push_str(&format!(
                        "- Giao {who} theo dõi, đôn đốc, tổng hợp kết quả, xong trước {:02}/{month}.\n",
                        (day + j) % 28 + 1
                    ));
                }
                s.push('\n');
            }
            _ => {}
        }
    }
    s.push_str(
        "Trên đây là Kế hoạch triển khai các biện pháp phòng, chống dịch Covid-19, yêu cầu các sở, ban, ngành, \
         UBND các huyện, thành phố nghiêm túc triển khai thực hiện./.\n\n\
         ***Nơi nhận:***\n\n- Bộ Y tế (b/c);\n- TT: Tỉnh uỷ, HĐND tỉnh; } (để b/c)\n- Các sở, ban, ngành, đoàn thể tỉnh;\n\
         - UBND các huyện, thành phố;\n- Lưu: VT, VX1.\n\n\
         **TM. ỦY BAN NHÂN DÂN  \nKT. CHỦ TỊCH  \nPHÓ CHỦ TỊCH**\n\n**Tống Thanh Hải**\n",
    );
    s
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub fn run(args: &[String]) -> Result<()> {
    let mut runs = 200usize;
    let mut items = 120usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = it.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--runs" => runs = value?.parse()?,
            "--items" => items = value?.parse()?,
            other => bail!("unknown option {other} (--runs N, --items N)"),
        }
    }
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    let text = document(items);
    let chars = text.chars().count();
    let parsed = parse(&text);
    let all = parsed.flat_items();
    let with_lead = all.iter().filter(|i| !i.lead.is_empty()).count();
    let with_deadline = all.iter().filter(|i| i.deadline.is_some()).count();
    println!(
        "# directive parser ({} cores)\ninput: {chars} characters, {} bytes (~{:.1} pages of 3,000 characters), {} lines",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        text.len(),
        chars as f64 / 3000.0,
        text.lines().count()
    );
    println!(
        "read: {} items and sub-items ({} top-level sections), {with_lead} with a lead, {with_deadline} with a deadline, {} references",
        all.len(),
        parsed.items.len(),
        parsed.references.len()
    );
    // Warm up, then time.
    for _ in 0..runs.min(10) {
        std::hint::black_box(parse(std::hint::black_box(&text)));
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(parse(std::hint::black_box(&text)));
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "parse × {runs}: p50 {} p99 {} max {} (target < 20 ms for 20 pages)",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap_or(&Duration::ZERO))
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_plan_is_read_whole() {
        let text = document(120);
        assert!(text.chars().count() > 50_000, "{}", text.chars().count());
        let p = parse(&text);
        assert_eq!(p.number.as_deref(), Some("2150/KH-UBND"));
        assert_eq!(p.items.len(), 6);
        let all = p.flat_items();
        // 6 sections, 120 items, 30 × 2 letters, 30 × 3 bullets.
        assert_eq!(all.len(), 6 + 120 + 60 + 90);
        assert!(
            all.iter()
                .filter(|i| i.path.contains('.'))
                .all(|i| !i.lead.is_empty() && i.deadline.is_some()),
            "every item has its lead and deadline"
        );
        assert_eq!(p.signer.map(|s| s.name).as_deref(), Some("Tống Thanh Hải"));
    }
}
