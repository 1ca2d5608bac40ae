//! A map of administrative units coloured by level: each unit at its centroid, or as its
//! boundary where one is known (GeoJSON uploaded by an administrator, given here as rings of
//! longitude/latitude pairs).
//!
//! The projection is equirectangular, scaled by the cosine of the middle latitude — good enough
//! for a country the size of Vietnam. With many units (a whole country's 10,000 wards) the dots
//! of one colour are drawn as a single path of small squares, so the document stays small
//! (about 13 bytes a unit); with few, each unit is a circle with its name and a link.

use crate::{FONT, NO_DATA, escape};
use std::fmt::Write as _;

/// One unit on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit<'a> {
    pub lat: f64,
    pub lon: f64,
    /// The colour: `green`, `yellow`, `orange`, `red`, or anything else for "not published".
    pub colour: &'a str,
    /// Shown on hover: "Phường Tân Phong — Nguy cơ".
    pub title: &'a str,
    pub href: Option<&'a str>,
    /// The boundary, as rings of (lon, lat); empty: draw a dot at the centroid.
    pub rings: &'a [Vec<(f64, f64)>],
}

/// Above this many units the compact drawing is used.
pub const DETAILED_MAX: usize = 1500;

fn fill(colour: &str) -> &'static str {
    match colour {
        "green" => "#2e7d32",
        "yellow" => "#f9a825",
        "orange" => "#ef6c00",
        "red" => "#c62828",
        _ => "#9e9e9e",
    }
}

struct Projection {
    min_lon: f64,
    max_lat: f64,
    k: f64,
    scale: f64,
    pad: f64,
}

impl Projection {
    fn fit(units: &[Unit<'_>], width: f64, pad: f64) -> Option<(Self, f64)> {
        let mut pts = units.iter().flat_map(|u| {
            std::iter::once((u.lon, u.lat))
                .chain(u.rings.iter().flatten().copied())
                .filter(|(x, y)| x.is_finite() && y.is_finite())
        });
        let first = pts.next()?;
        let (mut x0, mut x1, mut y0, mut y1) = (first.0, first.0, first.1, first.1);
        for (x, y) in pts {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        let k = ((y0 + y1) / 2.0).to_radians().cos().max(0.1);
        let w = ((x1 - x0) * k).max(1e-3);
        let h = (y1 - y0).max(1e-3);
        let scale = (width - 2.0 * pad) / w;
        let height = (h * scale + 2.0 * pad).clamp(120.0, width * 2.2);
        let scale = scale.min((height - 2.0 * pad) / h);
        Some((
            Self {
                min_lon: x0,
                max_lat: y1,
                k,
                scale,
                pad,
            },
            height,
        ))
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            self.pad + (lon - self.min_lon) * self.k * self.scale,
            self.pad + (self.max_lat - lat) * self.scale,
        )
    }
}

/// Draws the map `width` pixels wide; the height follows the units' extent.
pub fn level_map(units: &[Unit<'_>], width: u32, title: &str) -> String {
    let width = f64::from(width.max(200));
    let mut h = crate::Fnv::new();
    h.str(title);
    h.i64(units.len() as i64);
    let id = h.id("map");
    let mut out = String::new();
    let Some((p, height)) = Projection::fit(units, width, 12.0) else {
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 80" role="img" aria-labelledby="{id}"><title id="{id}">{}</title><text x="12" y="40" font-family="{FONT}" font-size="14">{NO_DATA}</text></svg>"#,
            escape(title)
        );
        return out;
    };
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0} {height:.0}" class="level-map" role="img" aria-labelledby="{id}"><title id="{id}">{}</title>"#,
        escape(title)
    );
    // Boundaries first, dots on top. A unit whose rings all shrink below a pixel keeps its dot.
    let mut drawn = vec![false; units.len()];
    for (k, u) in units
        .iter()
        .enumerate()
        .filter(|(_, u)| !u.rings.is_empty())
    {
        let d = ring_path(&p, u.rings);
        if d.is_empty() {
            continue;
        }
        drawn[k] = true;
        open_link(&mut out, u.href);
        let _ = write!(
            out,
            r##"<path d="{d}" fill="{}" fill-opacity="0.75" fill-rule="evenodd" stroke="#fff" stroke-width="0.6" class="unit lv-{}"><title>{}</title></path>"##,
            fill(u.colour),
            escape(u.colour),
            escape(u.title)
        );
        close_link(&mut out, u.href);
    }
    let dots: Vec<&Unit<'_>> = units
        .iter()
        .zip(&drawn)
        .filter(|(u, drawn)| !**drawn && u.lat.is_finite() && u.lon.is_finite())
        .map(|(u, _)| u)
        .collect();
    if dots.len() > DETAILED_MAX {
        // One path per colour: a 2-pixel square per unit, relative moves to stay short.
        for colour in ["grey", "green", "yellow", "orange", "red"] {
            let mut d = String::new();
            let (mut cx, mut cy) = (0i64, 0i64);
            for u in dots.iter().filter(|u| {
                let c = if matches!(u.colour, "green" | "yellow" | "orange" | "red") {
                    u.colour
                } else {
                    "grey"
                };
                c == colour
            }) {
                let (x, y) = p.xy(u.lon, u.lat);
                let (x, y) = (x.round() as i64, y.round() as i64);
                if d.is_empty() {
                    let _ = write!(d, "M{x} {y}h2v2h-2z");
                } else {
                    let _ = write!(d, "m{} {}h2v2h-2z", x - cx, y - cy);
                }
                (cx, cy) = (x, y);
            }
            if !d.is_empty() {
                let _ = write!(
                    out,
                    r#"<path d="{d}" fill="{}" class="lv-{colour}"/>"#,
                    fill(colour)
                );
            }
        }
    } else {
        let r = if dots.len() > 300 { 3.0 } else { 6.0 };
        for u in dots {
            let (x, y) = p.xy(u.lon, u.lat);
            open_link(&mut out, u.href);
            let _ = write!(
                out,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{}" stroke="#fff" stroke-width="1" class="unit lv-{}"><title>{}</title></circle>"##,
                fill(u.colour),
                escape(u.colour),
                escape(u.title)
            );
            close_link(&mut out, u.href);
        }
    }
    out.push_str("</svg>");
    out
}

/// How far (in pixels) a boundary may stray from the uploaded one: well under what the eye
/// sees, and it keeps a province of detailed ward boundaries to a few kilobytes a ward.
const TOLERANCE_PX: f64 = 0.3;

/// The `d` of a unit's rings, in tenths of a pixel: a point that rounds to the same tenth as
/// the one before is skipped, a ring under a pixel across is dropped, points closer than
/// [`TOLERANCE_PX`] to the line through their neighbours are dropped (Douglas–Peucker), and
/// coordinates are written relative, with at most one decimal.
fn ring_path(p: &Projection, rings: &[Vec<(f64, f64)>]) -> String {
    let mut d = String::new();
    for ring in rings {
        let mut pts: Vec<(i64, i64)> = Vec::with_capacity(ring.len());
        for &(lon, lat) in ring {
            if !(lon.is_finite() && lat.is_finite()) {
                continue;
            }
            let (x, y) = p.xy(lon, lat);
            let q = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
            if pts.last() != Some(&q) {
                pts.push(q);
            }
        }
        if pts.len() > 1 && pts.first() == pts.last() {
            pts.pop();
        }
        if pts.len() < 3 {
            continue;
        }
        let (mut x0, mut x1, mut y0, mut y1) = (i64::MAX, i64::MIN, i64::MAX, i64::MIN);
        for &(x, y) in &pts {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
        if (x1 - x0).max(y1 - y0) < 10 {
            continue;
        }
        let pts = simplify(&pts, TOLERANCE_PX * 10.0);
        if pts.len() < 3 {
            continue;
        }
        let (mut cx, mut cy) = pts[0];
        d.push('M');
        tenths(&mut d, cx);
        d.push(' ');
        tenths(&mut d, cy);
        d.push('l');
        for (i, &(x, y)) in pts.iter().enumerate().skip(1) {
            for (j, v) in [x - cx, y - cy].into_iter().enumerate() {
                if v >= 0 && (i > 1 || j > 0) {
                    d.push(' ');
                }
                tenths(&mut d, v);
            }
            (cx, cy) = (x, y);
        }
        d.push('z');
    }
    d
}

/// Writes a length in tenths of a pixel with at most one decimal: 123 → `12.3`, 120 → `12`,
/// -5 → `-.5`.
fn tenths(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    let (int, frac) = (v.unsigned_abs() / 10, v.unsigned_abs() % 10);
    if int > 0 || frac == 0 {
        let _ = write!(out, "{int}");
    }
    if frac > 0 {
        let _ = write!(out, ".{frac}");
    }
}

/// The points of a closed ring that stay within `tol` of it (Douglas–Peucker, iterative).
fn simplify(pts: &[(i64, i64)], tol: f64) -> Vec<(i64, i64)> {
    let n = pts.len();
    if n < 4 {
        return pts.to_vec();
    }
    // Closed: split at the point farthest from the first, simplify both halves.
    let far = |a: usize, b: usize, i: usize| -> f64 {
        let (ax, ay) = (pts[a % n].0 as f64, pts[a % n].1 as f64);
        let (bx, by) = (pts[b % n].0 as f64, pts[b % n].1 as f64);
        let (px, py) = (pts[i % n].0 as f64, pts[i % n].1 as f64);
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 {
            0.0
        } else {
            (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
        };
        ((px - ax - t * dx).powi(2) + (py - ay - t * dy).powi(2)).sqrt()
    };
    let split = (1..n)
        .max_by(|&i, &j| far(0, 0, i).total_cmp(&far(0, 0, j)))
        .unwrap_or(n / 2);
    let mut keep = vec![false; n + 1];
    keep[0] = true;
    keep[split] = true;
    keep[n] = true;
    let mut stack = vec![(0, split), (split, n)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let (mut best, mut at) = (0.0, a);
        for i in a + 1..b {
            let dist = far(a, b, i);
            if dist > best {
                (best, at) = (dist, i);
            }
        }
        if best > tol {
            keep[at] = true;
            stack.push((a, at));
            stack.push((at, b));
        }
    }
    (0..n).filter(|&i| keep[i]).map(|i| pts[i]).collect()
}

fn open_link(out: &mut String, href: Option<&str>) {
    if let Some(h) = href {
        let _ = write!(out, r#"<a href="{}">"#, escape(h));
    }
}

fn close_link(out: &mut String, href: Option<&str>) {
    if href.is_some() {
        out.push_str("</a>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit<'a>(lat: f64, lon: f64, colour: &'a str, title: &'a str) -> Unit<'a> {
        Unit {
            lat,
            lon,
            colour,
            title,
            href: Some("/public/area/L03386"),
            rings: &[],
        }
    }

    #[test]
    fn few_units_are_linked_circles_with_their_names() {
        let svg = level_map(
            &[
                unit(22.39, 103.45, "red", "Phường Tân Phong — Nguy cơ rất cao"),
                unit(22.30, 103.60, "green", "Xã <Sơn> Bình"),
            ],
            600,
            "Lai Châu",
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("#c62828") && svg.contains("#2e7d32"));
        assert!(svg.contains("Xã &lt;Sơn&gt; Bình"));
        assert!(svg.contains(r#"<a href="/public/area/L03386">"#));
        // North is up: the northern unit is drawn higher (smaller y).
        let y = |i: usize| -> f64 {
            let s = svg.split("cy=\"").nth(i).unwrap();
            s[..s.find('"').unwrap()].parse().unwrap()
        };
        assert!(y(1) < y(2));
    }

    #[test]
    fn a_country_of_wards_is_compact() {
        let titles: Vec<String> = (0..10_035).map(|i| format!("xã {i}")).collect();
        let units: Vec<Unit<'_>> = titles
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let colour = ["green", "yellow", "orange", "red", "none"][i % 5];
                unit(
                    8.5 + (i % 137) as f64 * 0.1,
                    102.2 + (i / 137) as f64 * 0.1,
                    colour,
                    t,
                )
            })
            .collect();
        let svg = level_map(&units, 640, "Việt Nam");
        assert!(svg.len() < 300_000, "{} bytes", svg.len());
        assert_eq!(svg.matches("<path").count(), 5);
        assert_eq!(svg.matches("h2v2h-2z").count(), 10_035);
    }

    #[test]
    fn boundaries_are_drawn_as_paths() {
        let rings = vec![vec![
            (103.4, 22.3),
            (103.5, 22.3),
            (103.5, 22.4),
            (103.4, 22.3),
        ]];
        let u = Unit {
            rings: &rings,
            ..unit(22.35, 103.45, "orange", "Phường A")
        };
        let svg = level_map(&[u], 400, "x");
        assert!(svg.contains("<path d=\"M") && svg.contains("#ef6c00"));
        assert!(!svg.contains("<circle"));
    }

    #[test]
    fn a_detailed_boundary_stays_small() {
        // A ward of a province about a degree across: 10,000 points along a circle of
        // 0.05° (about 30 pixels), and two dots that set the extent.
        let ring: Vec<(f64, f64)> = (0..=10_000)
            .map(|i| {
                let a = i as f64 / 10_000.0 * std::f64::consts::TAU;
                (103.5 + 0.05 * a.cos(), 22.3 + 0.05 * a.sin())
            })
            .collect();
        let rings = vec![ring];
        let units = [
            unit(21.8, 103.0, "green", "Xã A"),
            unit(22.8, 104.0, "green", "Xã B"),
            Unit {
                rings: &rings,
                ..unit(22.3, 103.5, "red", "Phường Tròn")
            },
        ];
        let svg = level_map(&units, 640, "Lai Châu");
        assert_eq!(svg.matches("<path").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 2);
        let d = svg.split("<path d=\"").nth(1).unwrap();
        let d = &d[..d.find('"').unwrap()];
        assert!(d.len() < 400, "{} bytes: {d}", d.len());
        assert!(svg.len() < 1_500, "{} bytes", svg.len());
        // At most one decimal anywhere in the path.
        for n in d.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
            assert!(
                n.split('.').nth(1).is_none_or(|f| f.len() <= 1),
                "{n} in {d}"
            );
        }
    }

    #[test]
    fn a_boundary_under_a_pixel_keeps_its_dot() {
        let tiny = vec![vec![
            (103.5, 22.3),
            (103.5001, 22.3),
            (103.5001, 22.3001),
            (103.5, 22.3),
        ]];
        let units = [
            unit(21.8, 103.0, "green", "Xã A"),
            unit(22.8, 104.0, "green", "Xã B"),
            Unit {
                rings: &tiny,
                ..unit(22.3, 103.5, "red", "Xã Nhỏ")
            },
        ];
        let svg = level_map(&units, 640, "x");
        assert!(!svg.contains("<path"));
        assert_eq!(svg.matches("<circle").count(), 3);
    }

    #[test]
    fn lengths_in_tenths() {
        let mut s = String::new();
        for v in [123, 120, -5, 0, -10, 7] {
            tenths(&mut s, v);
            s.push(',');
        }
        assert_eq!(s, "12.3,12,-.5,0,-1,.7,");
    }

    #[test]
    fn nothing_to_draw_says_so() {
        assert!(level_map(&[], 400, "x").contains(NO_DATA));
    }
}
