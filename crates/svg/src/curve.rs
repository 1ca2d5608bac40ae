//! Epidemic curve: one stacked bar per day, one segment per series.

use std::fmt::Write as _;

use crate::{Fnv, escape, num, open_svg, thousands, truncate, visible_len};

/// A stacked component of every bar (e.g. "cộng đồng", "cách ly").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub label: String,
    /// Any SVG colour, e.g. "#c62828". Empty picks a default colour.
    pub color: String,
}

/// One day of the curve. `values[i]` belongs to `series[i]`; missing values count as 0,
/// extra ones are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    /// Usually "dd/mm".
    pub label: String,
    pub values: Vec<u32>,
}

const MARGIN: f64 = 16.0;
const TITLE_H: f64 = 28.0;
const PLOT_H: f64 = 240.0;
const MIN_PLOT_W: f64 = 240.0;
const TARGET_PLOT_W: f64 = 1200.0;
const MAX_SLOT: f64 = 40.0;
const MIN_SLOT: f64 = 1.0;
const MIN_WIDTH: f64 = 320.0;
const LEGEND_ROW_H: f64 = 20.0;
const LEGEND_CHARS: usize = 32;
const X_LABEL_CHARS: usize = 12;
/// Rough average advance of a character at 11 px.
const CHAR_PX_11: f64 = 6.2;
const DEFAULT_COLORS: [&str; 6] = [
    "#c62828", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f",
];

/// A "nice" axis maximum for a data maximum `v`: the step is the smallest of
/// 1, 2, 5 × 10ⁿ giving at most 6 intervals, and the maximum is the first multiple of
/// the step that is ≥ `v` (at least one step, so `nice_max(0) == (1, 1)`).
/// Saturates at `u32::MAX` for absurdly large inputs.
#[must_use]
pub fn nice_max(v: u32) -> (u32, u32) {
    let v = u64::from(v);
    let mut magnitude = 1u64;
    loop {
        for m in [1u64, 2, 5] {
            let step = m * magnitude;
            let intervals = v.div_ceil(step).max(1);
            if intervals <= 6 {
                let max = (intervals * step).min(u64::from(u32::MAX));
                let step = step.min(u64::from(u32::MAX));
                return (max as u32, step as u32);
            }
        }
        magnitude *= 10;
    }
}

/// Show every `k`-th x label so labels of `label_chars` characters do not overlap on
/// bars `slot` px apart. Beyond 3 the step is rounded up to whole weeks (7, 14, 21…).
#[must_use]
pub fn label_every(slot: f64, label_chars: usize) -> usize {
    let label_px = label_chars as f64 * CHAR_PX_11 + 8.0;
    let raw = if slot > 0.0 {
        (label_px / slot).ceil().max(1.0) as usize
    } else {
        1
    };
    match raw {
        0..=3 => raw.max(1),
        4..=7 => 7,
        _ => raw.div_ceil(7) * 7,
    }
}

/// Draws the epidemic curve. Days are drawn in the given order (include zero days);
/// no days gives a small "Chưa có dữ liệu" SVG.
#[must_use]
pub fn epi_curve(days: &[Day], series: &[Series], title: &str) -> String {
    if days.is_empty() {
        return crate::empty_svg(title, "curve");
    }
    let n = days.len();
    let value = |d: &Day, j: usize| u64::from(d.values.get(j).copied().unwrap_or(0));
    let totals: Vec<u64> = days
        .iter()
        .map(|d| (0..series.len()).map(|j| value(d, j)).sum())
        .collect();
    let total: u64 = totals.iter().sum();
    let (peak_day, peak) =
        totals.iter().enumerate().fold(
            (0usize, 0u64),
            |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) },
        );
    let (axis_max, step) = nice_max(u32::try_from(peak).unwrap_or(u32::MAX));
    let colors: Vec<String> = series
        .iter()
        .enumerate()
        .map(|(j, s)| {
            if s.color.trim().is_empty() {
                DEFAULT_COLORS[j % DEFAULT_COLORS.len()].to_owned()
            } else {
                escape(s.color.trim())
            }
        })
        .collect();

    // Horizontal geometry.
    let slot = (TARGET_PLOT_W / n as f64).clamp(MIN_SLOT, MAX_SLOT);
    let bars_w = slot * n as f64;
    let plot_w = bars_w.max(MIN_PLOT_W);
    let y_label_w = thousands(u64::from(axis_max)).len() as f64 * 7.0 + 10.0;
    let plot_left = MARGIN + y_label_w;
    let bars_x0 = plot_left + (plot_w - bars_w) / 2.0;
    let bar_w = if slot >= 4.0 { slot * 0.8 } else { slot };
    let x_chars = days
        .iter()
        .map(|d| visible_len(&d.label).min(X_LABEL_CHARS))
        .max()
        .unwrap_or(0)
        .max(1);
    let every = label_every(slot, x_chars);
    let right_pad = MARGIN.max((x_chars as f64 * CHAR_PX_11 + 8.0) / 2.0);
    let width = (plot_left + plot_w + right_pad).max(MIN_WIDTH).ceil();

    // Legend rows, wrapped to the width.
    let mut legend = Vec::with_capacity(series.len()); // (row, x, label)
    let (mut row, mut lx) = (0usize, MARGIN);
    for s in series {
        let label = truncate(&s.label, LEGEND_CHARS);
        let item_w = 12.0 + 6.0 + visible_len(&label) as f64 * 7.0 + 18.0;
        if lx > MARGIN && lx + item_w > width - MARGIN {
            row += 1;
            lx = MARGIN;
        }
        legend.push((row, lx, label));
        lx += item_w;
    }
    let legend_rows = if series.is_empty() { 0 } else { row + 1 };

    // Vertical geometry.
    let title_h = if title.is_empty() { 0.0 } else { TITLE_H };
    let legend_top = MARGIN + title_h;
    let caption_y = legend_top + legend_rows as f64 * LEGEND_ROW_H + 14.0;
    let plot_top = caption_y + 12.0;
    let plot_bottom = plot_top + PLOT_H;
    let height = (plot_bottom + 18.0 + MARGIN).ceil();
    let y_of = |v: u64| plot_bottom - v as f64 / f64::from(axis_max) * PLOT_H;

    let mut h = Fnv::new();
    h.str(title);
    for s in series {
        h.str(&s.label);
        h.str(&s.color);
    }
    for d in days {
        h.str(&d.label);
        for &v in &d.values {
            h.bytes(&v.to_le_bytes());
        }
        h.bytes(&[0xfe]);
    }
    let id = h.id("curve");

    let first = &days[0].label;
    let last = &days[n - 1].label;
    let desc = if total == 0 {
        format!("Đường cong dịch: {n} ngày, từ {first} đến {last}; không có ca nào.")
    } else {
        format!(
            "Đường cong dịch: {n} ngày, từ {first} đến {last}; tổng {} ca; cao nhất {} ca ngày {}.",
            thousands(total),
            thousands(peak),
            days[peak_day].label
        )
    };

    let mut out = String::with_capacity(2048 + n * (200 + 120 * series.len()));
    open_svg(
        &mut out,
        width,
        height,
        &id,
        "chart epi-curve",
        title,
        &desc,
    );
    if !title.is_empty() {
        let chars = ((width - 2.0 * MARGIN) / 8.5).max(8.0) as usize;
        let _ = write!(
            out,
            r##"<text class="chart-title" x="{}" y="{}" font-size="15" font-weight="600" fill="#212121">{}</text>"##,
            num(MARGIN),
            num(MARGIN + 15.0),
            escape(&truncate(title, chars))
        );
    }

    if !series.is_empty() {
        out.push_str(r##"<g class="legend" font-size="12" fill="#212121">"##);
        for (j, (row, x, label)) in legend.iter().enumerate() {
            let y = legend_top + *row as f64 * LEGEND_ROW_H;
            let _ = write!(
                out,
                r#"<g class="legend-item" data-series="{j}"><rect x="{}" y="{}" width="12" height="12" rx="2" fill="{}"/><text x="{}" y="{}">{}</text></g>"#,
                num(*x),
                num(y + 2.0),
                colors[j],
                num(x + 18.0),
                num(y + 12.0),
                escape(label)
            );
        }
        out.push_str("</g>");
    }

    // Axes, grid and tick labels.
    let _ = write!(
        out,
        r##"<text class="axis-caption" x="{}" y="{}" font-size="11" fill="#616161">Số ca</text>"##,
        num(MARGIN),
        num(caption_y)
    );
    out.push_str(r##"<g class="y-axis" font-size="11" fill="#616161" text-anchor="end">"##);
    let mut t = 0u64;
    while t <= u64::from(axis_max) {
        let y = y_of(t);
        if t > 0 {
            let _ = write!(
                out,
                r##"<line class="grid" x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#e0e0e0" stroke-width="1"/>"##,
                num(plot_left),
                num(plot_left + plot_w),
                y = num(y)
            );
        }
        let _ = write!(
            out,
            r#"<text class="y-label" x="{}" y="{}">{}</text>"#,
            num(plot_left - 6.0),
            num(y + 4.0),
            thousands(t)
        );
        t += u64::from(step.max(1));
    }
    out.push_str("</g>");

    // Bars.
    out.push_str(r#"<g class="bars">"#);
    for (i, d) in days.iter().enumerate() {
        let x = bars_x0 + i as f64 * slot;
        let _ = write!(
            out,
            r##"<g class="bar" data-day="{label}"><title>{label}: tổng {} ca</title><rect class="hit" x="{}" y="{}" width="{}" height="{}" fill="#000000" fill-opacity="0"/>"##,
            thousands(totals[i]),
            num(x),
            num(plot_top),
            num(slot),
            num(PLOT_H),
            label = escape(&d.label),
        );
        let mut cum = 0u64;
        for (j, s) in series.iter().enumerate() {
            let v = value(d, j);
            if v == 0 {
                continue;
            }
            let (y0, y1) = (y_of(cum), y_of(cum + v));
            cum += v;
            let _ = write!(
                out,
                r#"<rect class="seg" data-series="{j}" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} ca {}</title></rect>"#,
                num(x + (slot - bar_w) / 2.0),
                num(y1),
                num(bar_w),
                num(y0 - y1),
                colors[j],
                escape(&d.label),
                thousands(v),
                escape(&s.label)
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</g>");

    let _ = write!(
        out,
        r##"<g class="axes" stroke="#616161" stroke-width="1"><line x1="{l}" y1="{t}" x2="{l}" y2="{b}"/><line x1="{l}" y1="{b}" x2="{r}" y2="{b}"/></g>"##,
        l = num(plot_left),
        t = num(plot_top),
        b = num(plot_bottom),
        r = num(plot_left + plot_w)
    );

    // X labels, thinned.
    out.push_str(r##"<g class="x-axis" font-size="11" fill="#424242" text-anchor="middle">"##);
    for (i, d) in days.iter().enumerate().step_by(every) {
        let cx = num(bars_x0 + (i as f64 + 0.5) * slot);
        let _ = write!(
            out,
            r##"<line class="x-tick" x1="{cx}" y1="{}" x2="{cx}" y2="{}" stroke="#616161"/><text class="x-label" x="{cx}" y="{}">{}</text>"##,
            num(plot_bottom),
            num(plot_bottom + 4.0),
            num(plot_bottom + 16.0),
            escape(&truncate(&d.label, X_LABEL_CHARS))
        );
    }
    out.push_str("</g></svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> Vec<Series> {
        vec![
            Series {
                label: "cộng đồng".to_owned(),
                color: "#c62828".to_owned(),
            },
            Series {
                label: "cách ly <F1>".to_owned(),
                color: "#1565c0".to_owned(),
            },
        ]
    }

    fn days(n: usize) -> Vec<Day> {
        (0..n)
            .map(|i| Day {
                label: format!("{:02}/{:02}", i % 28 + 1, i / 28 % 12 + 1),
                values: vec![(i % 5) as u32, (i % 3) as u32],
            })
            .collect()
    }

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    fn attr_values(s: &str, marker: &str, attr: &str) -> Vec<f64> {
        s.match_indices(marker)
            .map(|(i, _)| {
                let rest = &s[i..];
                let a = rest.find(&format!(" {attr}=\"")).unwrap() + attr.len() + 3;
                rest[a..].split('"').next().unwrap().parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn nice_ticks() {
        assert_eq!(nice_max(0), (1, 1));
        assert_eq!(nice_max(1), (1, 1));
        assert_eq!(nice_max(5), (5, 1));
        assert_eq!(nice_max(6), (6, 1));
        assert_eq!(nice_max(7), (8, 2));
        assert_eq!(nice_max(10), (10, 2));
        assert_eq!(nice_max(13), (15, 5));
        assert_eq!(nice_max(23), (25, 5));
        assert_eq!(nice_max(47), (50, 10));
        assert_eq!(nice_max(101), (120, 20));
        assert_eq!(nice_max(1000), (1000, 200));
        assert_eq!(nice_max(1001), (1200, 200));
        assert_eq!(nice_max(u32::MAX), (u32::MAX, 1_000_000_000));
        for v in 0..5000 {
            let (max, step) = nice_max(v);
            assert!(max >= v && max % step == 0 && max / step <= 6, "{v}");
            let mantissa = step / 10u32.pow(step.ilog10());
            assert!([1, 2, 5].contains(&mantissa), "{v}");
        }
    }

    #[test]
    fn bars_legend_tooltips() {
        let mut ds = days(10);
        ds[4] = Day {
            label: "05/06".to_owned(),
            values: vec![3, 2],
        };
        let s = epi_curve(&ds, &series(), "Đường cong dịch");
        assert!(s.starts_with("<svg"));
        assert!(s.ends_with("</svg>"));
        assert_eq!(count(&s, r#"<g class="bar""#), 10);
        assert!(s.contains(">cộng đồng</text>"));
        assert!(s.contains(">cách ly &lt;F1&gt;</text>"));
        assert!(s.contains("<title>05/06: 3 ca cộng đồng</title>"));
        assert!(s.contains("<title>05/06: 2 ca cách ly &lt;F1&gt;</title>"));
        assert!(s.contains("<title>05/06: tổng 5 ca</title>"));
        assert!(s.contains(r#"font-family="system-ui, sans-serif""#));
        assert!(s.contains(r#"role="img""#));
        // Peak 5 → axis 0..5 step 1: six tick labels.
        assert_eq!(count(&s, r#"class="y-label""#), 6);
        assert_eq!(count(&s, r#"class="grid""#), 5);
        // Every label fits for 10 days.
        assert_eq!(count(&s, r#"class="x-label""#), 10);
    }

    #[test]
    fn stacked_segments_touch() {
        let ds = vec![Day {
            label: "01/06".to_owned(),
            values: vec![4, 6],
        }];
        let s = epi_curve(&ds, &series(), "");
        let ys = attr_values(&s, r#"<rect class="seg""#, "y");
        let hs = attr_values(&s, r#"<rect class="seg""#, "height");
        assert_eq!(ys.len(), 2);
        // The upper segment ends exactly where the lower one starts.
        assert!((ys[1] + hs[1] - ys[0]).abs() < 0.011);
        assert!(hs[1] > hs[0]);
    }

    #[test]
    fn one_day_all_zero_and_empty() {
        let ds = vec![Day {
            label: "01/06".to_owned(),
            values: vec![0, 0],
        }];
        let s = epi_curve(&ds, &series(), "Không ca");
        assert_eq!(count(&s, r#"<g class="bar""#), 1);
        assert_eq!(count(&s, r#"class="seg""#), 0);
        assert!(s.contains("không có ca nào"));
        assert!(!s.contains("NaN") && !s.contains("inf"));

        let s = epi_curve(&[], &series(), "Trống");
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains("Chưa có dữ liệu"));

        // Missing values count as zero, no series at all still draws the days.
        let ds = vec![Day {
            label: "02/06".to_owned(),
            values: vec![],
        }];
        let s = epi_curve(&ds, &[], "");
        assert_eq!(count(&s, r#"<g class="bar""#), 1);
    }

    #[test]
    fn labels_thinned_for_400_days() {
        let ds = days(400);
        let s = epi_curve(&ds, &series(), "400 ngày");
        assert_eq!(count(&s, r#"<g class="bar""#), 400);
        let xs = attr_values(&s, r#"<text class="x-label""#, "x");
        assert!(xs.len() > 10 && xs.len() < 60, "{}", xs.len());
        let every = label_every(3.0, 5);
        assert_eq!(every % 7, 0);
        assert_eq!(xs.len(), 400usize.div_ceil(every));
        let label_px = 5.0 * CHAR_PX_11;
        assert!(xs.windows(2).all(|w| w[1] - w[0] >= label_px), "{xs:?}");
        // The first day is labelled.
        assert!(s.contains(r#"class="x-label" x=""#));
        assert!(s.contains(">01/01</text>"));
        let width: f64 = s
            .split("width=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(width <= 1600.0, "{width}");
    }

    #[test]
    fn label_every_steps() {
        assert_eq!(label_every(40.0, 5), 1);
        assert_eq!(label_every(20.0, 5), 2);
        assert_eq!(label_every(10.0, 5), 7);
        assert_eq!(label_every(1.0, 5), 42);
    }

    #[test]
    fn deterministic_and_ids_differ() {
        let a = epi_curve(&days(30), &series(), "A");
        assert_eq!(a, epi_curve(&days(30), &series(), "A"));
        let b = epi_curve(&days(31), &series(), "A");
        let id = |s: &str| {
            s.split("aria-labelledby=\"")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_owned()
        };
        assert_ne!(id(&a), id(&b));
    }

    #[test]
    fn colours_escaped_and_defaulted() {
        let ser = vec![
            Series {
                label: "a".to_owned(),
                color: "red\" onload=\"x".to_owned(),
            },
            Series {
                label: "b".to_owned(),
                color: String::new(),
            },
        ];
        let ds = vec![Day {
            label: "01/06".to_owned(),
            values: vec![1, 1],
        }];
        let s = epi_curve(&ds, &ser, "");
        assert!(!s.contains("\" onload"));
        assert!(s.contains(r##"fill="#1565c0""##));
    }
}
