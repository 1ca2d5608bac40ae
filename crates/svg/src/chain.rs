//! A transmission chain / contact graph, drawn as a layered top-to-bottom diagram.
//!
//! Layout:
//! * roots are the nodes without an incoming edge; in a component without any (a pure
//!   cycle) the node with the lowest level, then the smallest id, is taken as root;
//! * a node's layer is its BFS depth from the roots (the first depth at which it is
//!   reached);
//! * within a layer nodes are ordered by the barycentre of their parents' positions in
//!   the layer above, then by id; layer 0 is ordered by id;
//! * a layer wider than about 1600 px is wrapped into several rows.
//!
//! Edges to a lower layer are straight lines with an arrowhead; edges going back up or
//! staying within a layer (cycles) are dashed curves. Self-loops, duplicate edges and
//! edges to unknown nodes are ignored. Nodes with a duplicate id are ignored after the
//! first.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write as _;

use crate::{Fnv, escape, open_svg, truncate};

/// A person (case or contact) in the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: i64,
    /// Main line, e.g. "F0 · Nguyễn Văn A". Truncated when too long.
    pub label: String,
    /// Smaller second line, e.g. "BN 123 · 02/06". May be empty.
    pub sublabel: String,
    /// `Some(0)` = F0, `Some(1..=5)` = F1..F5, `None` = not classified.
    pub level: Option<u8>,
    /// When present the node is a link.
    pub href: Option<String>,
}

/// A contact / transmission from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: i64,
    pub to: i64,
    /// Shown next to the edge, e.g. a date "03/06". May be empty.
    pub label: String,
}

const NODE_W: i64 = 168;
const NODE_H: i64 = 44;
const H_GAP: i64 = 16;
const ROW_GAP: i64 = 20;
const LAYER_GAP: i64 = 64;
const MARGIN: i64 = 20;
const MAX_WIDTH: i64 = 1600;
const MIN_CONTENT_W: i64 = 280;
const TITLE_H: i64 = 30;
const LABEL_CHARS: usize = 22;
const SUBLABEL_CHARS: usize = 28;

const EDGE_COLOR: &str = "#757575";
const BACK_COLOR: &str = "#6a1b9a";
const BORDER_COLOR: &str = "#616161";
const HIGHLIGHT_COLOR: &str = "#111111";

/// The valid part of the input: unique nodes and usable, deduplicated edges.
struct Graph {
    /// Index into the caller's `nodes` for each unique node.
    uniq: Vec<usize>,
    /// (from, to, index into the caller's `edges`), endpoints index into `uniq`.
    edges: Vec<(usize, usize, usize)>,
}

fn build(nodes: &[Node], edges: &[Edge]) -> Graph {
    let mut index: HashMap<i64, usize> = HashMap::with_capacity(nodes.len());
    let mut uniq = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        if let Entry::Vacant(e) = index.entry(n.id) {
            e.insert(uniq.len());
            uniq.push(i);
        }
    }
    let mut seen: HashSet<(usize, usize)> = HashSet::with_capacity(edges.len());
    let mut es = Vec::with_capacity(edges.len());
    for (k, e) in edges.iter().enumerate() {
        if e.from == e.to {
            continue;
        }
        let (Some(&a), Some(&b)) = (index.get(&e.from), index.get(&e.to)) else {
            continue;
        };
        if seen.insert((a, b)) {
            es.push((a, b, k));
        }
    }
    Graph { uniq, edges: es }
}

/// Result of layering; all vectors are indexed by unique-node index.
struct Layered {
    layer: Vec<usize>,
    pos: Vec<usize>,
    /// Nodes of each layer in their final order.
    layers: Vec<Vec<usize>>,
}

fn level_rank(level: Option<u8>) -> u16 {
    level.map_or(u16::MAX, u16::from)
}

fn bfs(out: &[Vec<usize>], layer: &mut [usize], queue: &mut VecDeque<usize>) {
    while let Some(v) = queue.pop_front() {
        let d = layer[v] + 1;
        for &w in &out[v] {
            if layer[w] == usize::MAX {
                layer[w] = d;
                queue.push_back(w);
            }
        }
    }
}

fn layer_graph(g: &Graph, nodes: &[Node]) -> Layered {
    let n = g.uniq.len();
    let id = |v: usize| nodes[g.uniq[v]].id;
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut inn: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b, _) in &g.edges {
        out[a].push(b);
        inn[b].push(a);
    }

    let mut layer = vec![usize::MAX; n];
    let mut queue = VecDeque::new();
    for v in 0..n {
        if inn[v].is_empty() {
            layer[v] = 0;
            queue.push_back(v);
        }
    }
    bfs(&out, &mut layer, &mut queue);

    // Whatever is left hangs off a cycle with no way in: start from the lowest level,
    // then the smallest id, one component at a time.
    let mut rest: Vec<usize> = (0..n).filter(|&v| layer[v] == usize::MAX).collect();
    rest.sort_by_key(|&v| (level_rank(nodes[g.uniq[v]].level), id(v)));
    for v in rest {
        if layer[v] == usize::MAX {
            layer[v] = 0;
            queue.push_back(v);
            bfs(&out, &mut layer, &mut queue);
        }
    }

    let depth = layer.iter().copied().max().map_or(0, |m| m + 1);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (v, &d) in layer.iter().enumerate() {
        layers[d].push(v);
    }
    let mut pos = vec![0usize; n];
    if let Some(first) = layers.first_mut() {
        first.sort_by_key(|&v| id(v));
        for (p, &v) in first.iter().enumerate() {
            pos[v] = p;
        }
    }
    for (d, vs) in layers.iter_mut().enumerate().skip(1) {
        // (sum of parent positions, number of parents, id, node)
        let mut keyed: Vec<(u128, u128, i64, usize)> = vs
            .iter()
            .map(|&v| {
                let (sum, count) = inn[v]
                    .iter()
                    .filter(|&&u| layer[u] + 1 == d)
                    .fold((0u128, 0u128), |(s, c), &u| (s + pos[u] as u128, c + 1));
                (sum, count.max(1), id(v), v)
            })
            .collect();
        // Compare barycentres exactly: a.sum / a.count vs b.sum / b.count.
        keyed.sort_by(|a, b| (a.0 * b.1).cmp(&(b.0 * a.1)).then(a.2.cmp(&b.2)));
        *vs = keyed.into_iter().map(|k| k.3).collect();
        for (p, &v) in vs.iter().enumerate() {
            pos[v] = p;
        }
    }
    Layered { layer, pos, layers }
}

/// The layout used by [`chain`]: `(node id, layer, position within the layer)` for every
/// distinct node, sorted by layer then position. Layer 0 is the top.
#[must_use]
pub fn layout(nodes: &[Node], edges: &[Edge]) -> Vec<(i64, usize, usize)> {
    let g = build(nodes, edges);
    let l = layer_graph(&g, nodes);
    l.layers
        .iter()
        .enumerate()
        .flat_map(|(d, vs)| vs.iter().map(move |&v| (d, v)))
        .map(|(d, v)| (nodes[g.uniq[v]].id, d, l.pos[v]))
        .collect()
}

/// Fill colour, text colour and `data-level` value for a level.
fn level_style(level: Option<u8>) -> (&'static str, &'static str, String) {
    match level {
        Some(0) => ("#c62828", "#ffffff", "F0".to_owned()),
        Some(1) => ("#ef6c00", "#1a1a1a", "F1".to_owned()),
        Some(2) => ("#f9a825", "#1a1a1a", "F2".to_owned()),
        Some(3) => ("#9e9d24", "#1a1a1a", "F3".to_owned()),
        Some(4) => ("#bdbdbd", "#1a1a1a", "F4".to_owned()),
        Some(l) => ("#d6d6d6", "#1a1a1a", format!("F{l}")),
        None => ("#f2f2f2", "#424242", "none".to_owned()),
    }
}

/// Only keep links that cannot run script: relative URLs and http(s)/mailto.
fn safe_href(href: &str) -> bool {
    let h = href.trim_start();
    let scheme_end = h.find([':', '/', '?', '#']);
    match scheme_end {
        Some(i) if h[i..].starts_with(':') => {
            let scheme = h[..i].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// A point in content coordinates.
#[derive(Clone, Copy)]
struct Pt {
    x: i64,
    y: i64,
}

/// Draws the graph. `highlight` gets a thick dark outline; `title` goes into `<title>`
/// and is shown at the top. Empty input gives a small "Chưa có dữ liệu" SVG.
#[must_use]
pub fn chain(nodes: &[Node], edges: &[Edge], highlight: Option<i64>, title: &str) -> String {
    let g = build(nodes, edges);
    if g.uniq.is_empty() {
        return crate::empty_svg(title, "chain");
    }
    let l = layer_graph(&g, nodes);
    let node = |v: usize| &nodes[g.uniq[v]];

    // Geometry.
    let cols = ((MAX_WIDTH - 2 * MARGIN + H_GAP) / (NODE_W + H_GAP)).max(1) as usize;
    let row_width = |k: usize| k as i64 * (NODE_W + H_GAP) - H_GAP;
    let content_w = l
        .layers
        .iter()
        .map(|vs| row_width(vs.len().min(cols)))
        .max()
        .unwrap_or(0)
        .max(MIN_CONTENT_W);
    let mut layer_top = Vec::with_capacity(l.layers.len());
    let mut y = 0i64;
    for vs in &l.layers {
        layer_top.push(y);
        let rows = vs.len().div_ceil(cols).max(1) as i64;
        y += rows * NODE_H + (rows - 1) * ROW_GAP + LAYER_GAP;
    }
    let content_h = y - LAYER_GAP;
    let n = g.uniq.len();
    let mut at = vec![Pt { x: 0, y: 0 }; n];
    let mut row_of = vec![0usize; n];
    for (d, vs) in l.layers.iter().enumerate() {
        for (p, &v) in vs.iter().enumerate() {
            let (row, col) = (p / cols, p % cols);
            let in_row = cols.min(vs.len() - row * cols);
            let x0 = (content_w - row_width(in_row)) / 2;
            at[v] = Pt {
                x: x0 + col as i64 * (NODE_W + H_GAP),
                y: layer_top[d] + row as i64 * (NODE_H + ROW_GAP),
            };
            row_of[v] = row;
        }
    }

    // Edges: path data, label position, dashed or not. Curves may stick out to the right
    // of or above the nodes; track how far.
    struct Drawn {
        d: String,
        label_at: Pt,
        back: bool,
        edge: usize,
    }
    let mut drawn = Vec::with_capacity(g.edges.len());
    let (mut max_x, mut min_y) = (content_w, 0i64);
    for &(a, b, k) in &g.edges {
        let (pa, pb) = (at[a], at[b]);
        let (la, lb) = (l.layer[a], l.layer[b]);
        if lb > la {
            let s = Pt {
                x: pa.x + NODE_W / 2,
                y: pa.y + NODE_H,
            };
            let e = Pt {
                x: pb.x + NODE_W / 2,
                y: pb.y,
            };
            let gap = if row_of[b] == 0 { LAYER_GAP } else { ROW_GAP };
            let ly = e.y - gap / 2;
            let lx = s.x + (e.x - s.x) * (ly - s.y) / (e.y - s.y).max(1);
            drawn.push(Drawn {
                d: format!("M{},{}L{},{}", s.x, s.y, e.x, e.y),
                label_at: Pt { x: lx, y: ly },
                back: false,
                edge: k,
            });
        } else {
            let (s, c1, c2, e) = if lb < la {
                // Back up: leave and enter on the right side, bowing out to the right.
                let s = Pt {
                    x: pa.x + NODE_W,
                    y: pa.y + NODE_H / 2,
                };
                let e = Pt {
                    x: pb.x + NODE_W,
                    y: pb.y + NODE_H / 2,
                };
                let off = 40 + 12 * (la - lb).min(5) as i64;
                let cx = s.x.max(e.x) + off;
                (s, Pt { x: cx, y: s.y }, Pt { x: cx, y: e.y }, e)
            } else {
                // Same layer: leave and enter on top, bowing upwards.
                let s = Pt {
                    x: pa.x + NODE_W * 3 / 4,
                    y: pa.y,
                };
                let e = Pt {
                    x: pb.x + NODE_W * 3 / 4,
                    y: pb.y,
                };
                let off = 28 + ((s.x - e.x).abs() / 10).min(40);
                let cy = s.y.min(e.y) - off;
                (s, Pt { x: s.x, y: cy }, Pt { x: e.x, y: cy }, e)
            };
            max_x = max_x.max(c1.x).max(c2.x);
            min_y = min_y.min(c1.y).min(c2.y);
            drawn.push(Drawn {
                d: format!(
                    "M{},{}C{},{} {},{} {},{}",
                    s.x, s.y, c1.x, c1.y, c2.x, c2.y, e.x, e.y
                ),
                label_at: Pt {
                    x: (s.x + 3 * c1.x + 3 * c2.x + e.x) / 8,
                    y: (s.y + 3 * c1.y + 3 * c2.y + e.y) / 8,
                },
                back: true,
                edge: k,
            });
        }
    }

    // Ids unique per input, stable across runs.
    let mut h = Fnv::new();
    h.str(title);
    for &i in &g.uniq {
        h.i64(nodes[i].id);
        h.str(&nodes[i].label);
    }
    for &(_, _, k) in &g.edges {
        h.i64(edges[k].from);
        h.i64(edges[k].to);
    }
    h.i64(highlight.unwrap_or(i64::MIN));
    let id = h.id("chain");

    let title_h = if title.is_empty() { 0 } else { TITLE_H };
    let ox = MARGIN;
    let oy = MARGIN + title_h - min_y;
    let width = ox + max_x + MARGIN;
    let height = oy + content_h + MARGIN;

    let back_count = drawn.iter().filter(|d| d.back).count();
    let desc = format!(
        "Sơ đồ chuỗi lây nhiễm: {} người, {} mối liên hệ, {} tầng{}.",
        n,
        g.edges.len(),
        l.layers.len(),
        if back_count > 0 {
            format!(", {back_count} liên hệ vòng (nét đứt)")
        } else {
            String::new()
        }
    );

    let mut out = String::with_capacity(512 + n * 420 + drawn.len() * 160);
    open_svg(
        &mut out,
        width as f64,
        height as f64,
        &id,
        "chart chain",
        title,
        &desc,
    );
    let _ = write!(
        out,
        r#"<defs><marker id="{id}-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="{EDGE_COLOR}"/></marker><marker id="{id}-back" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="{BACK_COLOR}"/></marker></defs>"#
    );
    if !title.is_empty() {
        let chars = ((width - 2 * MARGIN) / 9).max(8) as usize;
        let _ = write!(
            out,
            r##"<text class="chart-title" x="{MARGIN}" y="{}" font-size="15" font-weight="600" fill="#212121">{}</text>"##,
            MARGIN + 15,
            escape(&truncate(title, chars))
        );
    }
    let _ = write!(out, r#"<g transform="translate({ox},{oy})">"#);

    out.push_str(r#"<g class="chain-edges" fill="none">"#);
    for d in &drawn {
        if d.back {
            let _ = write!(
                out,
                r#"<path class="edge back" d="{}" stroke="{BACK_COLOR}" stroke-width="1.5" stroke-dasharray="5 4" marker-end="url(#{id}-back)"/>"#,
                d.d
            );
        } else {
            let _ = write!(
                out,
                r#"<path class="edge" d="{}" stroke="{EDGE_COLOR}" stroke-width="1.5" marker-end="url(#{id}-arrow)"/>"#,
                d.d
            );
        }
    }
    out.push_str("</g>");

    out.push_str(r##"<g class="chain-edge-labels" font-size="10" text-anchor="middle" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">"##);
    for d in &drawn {
        let label = &edges[d.edge].label;
        if label.is_empty() {
            continue;
        }
        let fill = if d.back { BACK_COLOR } else { "#424242" };
        let _ = write!(
            out,
            r#"<text class="edge-label" x="{}" y="{}" fill="{fill}">{}</text>"#,
            d.label_at.x,
            d.label_at.y + 3,
            escape(&truncate(label, 16))
        );
    }
    out.push_str("</g>");

    out.push_str(r#"<g class="chain-nodes">"#);
    for vs in &l.layers {
        for &v in vs {
            let nd = node(v);
            let p = at[v];
            let (fill, text, lvl) = level_style(nd.level);
            let lit = highlight == Some(nd.id);
            let link = nd.href.as_deref().filter(|h| safe_href(h));
            if let Some(href) = link {
                let _ = write!(out, r#"<a href="{}">"#, escape(href));
            }
            let _ = write!(
                out,
                r#"<g class="node" data-id="{}" data-level="{lvl}""#,
                nd.id
            );
            if lit {
                out.push_str(r#" aria-current="true""#);
            }
            out.push('>');
            let tip = if nd.sublabel.is_empty() {
                nd.label.clone()
            } else {
                format!("{} — {}", nd.label, nd.sublabel)
            };
            let _ = write!(out, "<title>{}</title>", escape(&tip));
            let (stroke, sw, class) = if lit {
                (HIGHLIGHT_COLOR, "4", "box highlight")
            } else {
                (BORDER_COLOR, "1", "box")
            };
            let _ = write!(
                out,
                r#"<rect class="{class}" x="{}" y="{}" width="{NODE_W}" height="{NODE_H}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"/>"#,
                p.x, p.y
            );
            let cx = p.x + NODE_W / 2;
            let label_y = if nd.sublabel.is_empty() {
                p.y + NODE_H / 2 + 4
            } else {
                p.y + 19
            };
            let _ = write!(
                out,
                r#"<text class="label" x="{cx}" y="{label_y}" text-anchor="middle" font-size="12" font-weight="600" fill="{text}">{}</text>"#,
                escape(&truncate(&nd.label, LABEL_CHARS))
            );
            if !nd.sublabel.is_empty() {
                let _ = write!(
                    out,
                    r#"<text class="sublabel" x="{cx}" y="{}" text-anchor="middle" font-size="11" fill="{text}">{}</text>"#,
                    p.y + 35,
                    escape(&truncate(&nd.sublabel, SUBLABEL_CHARS))
                );
            }
            out.push_str("</g>");
            if link.is_some() {
                out.push_str("</a>");
            }
        }
    }
    out.push_str("</g></g></svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(id: i64, level: Option<u8>) -> Node {
        Node {
            id,
            label: format!("F{} · Người {id}", level.unwrap_or(9)),
            sublabel: format!("BN {id}"),
            level,
            href: None,
        }
    }

    fn e(from: i64, to: i64) -> Edge {
        Edge {
            from,
            to,
            label: "03/06".to_owned(),
        }
    }

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    #[test]
    fn escapes_names() {
        let mut a = n(1, Some(0));
        a.label = "F0 · <script>alert(1)</script> & Co".to_owned();
        a.href = Some("/ca/1?a=1&b=2".to_owned());
        let s = chain(&[a], &[], None, "Chuỗi <b>&</b>");
        assert!(!s.contains("<script>"));
        assert!(s.contains("&lt;script&gt;"));
        assert!(s.contains("&amp; Co"));
        assert!(s.contains(r#"<a href="/ca/1?a=1&amp;b=2">"#));
        assert!(s.contains("Chuỗi &lt;b&gt;&amp;&lt;/b&gt;"));
    }

    #[test]
    fn unsafe_links_are_dropped() {
        let mut a = n(1, Some(0));
        a.href = Some(" JavaScript:alert(1)".to_owned());
        let s = chain(&[a], &[], None, "");
        assert!(!s.contains("<a "));
        assert!(safe_href("/ca/1"));
        assert!(safe_href("https://x.vn/a:b"));
        assert!(safe_href("?q=a:b"));
        assert!(!safe_href("data:text/html,x"));
    }

    #[test]
    fn cycle_draws_three_nodes_and_one_dashed_back_edge() {
        let nodes = [n(1, Some(1)), n(2, Some(2)), n(3, Some(3))];
        let edges = [e(1, 2), e(2, 3), e(3, 1)];
        let lay = layout(&nodes, &edges);
        // Lowest level (F1, id 1) becomes the root of the pure cycle.
        assert_eq!(lay, vec![(1, 0, 0), (2, 1, 0), (3, 2, 0)]);
        let s = chain(&nodes, &edges, None, "Vòng");
        assert_eq!(count(&s, r#"<g class="node""#), 3);
        assert_eq!(count(&s, r#"class="edge back""#), 1);
        assert_eq!(count(&s, "stroke-dasharray"), 1);
        assert_eq!(count(&s, r#"<path class="edge" "#), 2);
        assert!(s.ends_with("</svg>"));
    }

    #[test]
    fn cycle_root_prefers_lowest_level_then_id() {
        let nodes = [n(7, Some(2)), n(5, Some(2)), n(9, Some(0))];
        let edges = [e(7, 5), e(5, 9), e(9, 7)];
        assert_eq!(layout(&nodes, &edges)[0], (9, 0, 0));
        let nodes = [n(7, None), n(5, None)];
        let edges = [e(7, 5), e(5, 7)];
        assert_eq!(layout(&nodes, &edges)[0], (5, 0, 0));
    }

    #[test]
    fn unknown_nodes_self_loops_and_duplicates_ignored() {
        let nodes = [n(1, Some(0)), n(2, Some(1)), n(2, Some(4))];
        let edges = [e(1, 2), e(1, 2), e(1, 99), e(98, 2), e(2, 2)];
        let lay = layout(&nodes, &edges);
        assert_eq!(lay, vec![(1, 0, 0), (2, 1, 0)]);
        let s = chain(&nodes, &edges, None, "");
        assert_eq!(count(&s, r#"<g class="node""#), 2);
        assert_eq!(count(&s, "<path class=\"edge"), 1);
        assert!(!s.contains("data-id=\"99\""));
    }

    #[test]
    fn layers_on_a_small_tree() {
        //        1        10
        //      / | \       |
        //     4  2  3     11
        //    /       \
        //   5         6
        let nodes: Vec<Node> = [1, 2, 3, 4, 5, 6, 10, 11]
            .iter()
            .map(|&i| n(i, Some(1)))
            .collect();
        let edges = [
            e(1, 4),
            e(1, 2),
            e(1, 3),
            e(4, 5),
            e(3, 6),
            e(10, 11),
            e(2, 6),
        ];
        let lay = layout(&nodes, &edges);
        assert_eq!(
            lay,
            vec![
                (1, 0, 0),
                (10, 0, 1),
                (2, 1, 0),
                (3, 1, 1),
                (4, 1, 2),
                (11, 1, 3),
                // 5 under 4 (pos 2); 6 under 2 and 3 (barycentre 0.5).
                (6, 2, 0),
                (5, 2, 1),
            ]
        );
        // y coordinates grow with the layer.
        let s = chain(&nodes, &edges, None, "");
        let y_of = |id: i64| -> i64 {
            let at = s.find(&format!("data-id=\"{id}\"")).unwrap();
            let rest = &s[at..];
            let y = rest.find(" y=\"").unwrap() + 4;
            rest[y..].split('"').next().unwrap().parse().unwrap()
        };
        assert!(y_of(1) < y_of(2));
        assert_eq!(y_of(2), y_of(11));
        assert!(y_of(2) < y_of(5));
    }

    #[test]
    fn first_reached_depth_wins() {
        // 1 → 2 → 3 and 1 → 3: node 3 sits at depth 1.
        let nodes = [n(1, Some(0)), n(2, Some(1)), n(3, Some(1))];
        let edges = [e(1, 2), e(2, 3), e(1, 3)];
        let lay = layout(&nodes, &edges);
        assert_eq!(lay, vec![(1, 0, 0), (2, 1, 0), (3, 1, 1)]);
        let s = chain(&nodes, &edges, None, "");
        // 2 → 3 stays within a layer: drawn as a dashed curve.
        assert_eq!(count(&s, r#"class="edge back""#), 1);
    }

    #[test]
    fn highlight_outline_and_colours() {
        let nodes = [n(1, Some(0)), n(2, Some(1)), n(3, None)];
        let edges = [e(1, 2), e(1, 3)];
        let s = chain(&nodes, &edges, Some(2), "");
        assert_eq!(count(&s, r#"class="box highlight""#), 1);
        assert_eq!(count(&s, r#"stroke-width="4""#), 1);
        let at = s.find(r#"data-id="2""#).unwrap();
        let hl = s.find("box highlight").unwrap();
        assert!(hl > at);
        assert!(s.contains(r##"fill="#c62828""##));
        assert!(s.contains(r##"fill="#ef6c00""##));
        assert!(s.contains(r##"fill="#ffffff">F0"##));
        let none = chain(&nodes, &edges, None, "");
        assert!(!none.contains("highlight"));
    }

    #[test]
    fn labels_truncated_by_chars() {
        let mut a = n(1, Some(0));
        a.label = "F0 · Nguyễn Thị Phương Thảo Quỳnh Hương Trần".to_owned();
        let s = chain(&[a], &[], None, "");
        assert!(s.contains(">F0 · Nguyễn Thị Phươn…</text>"));
        // The full name is kept in the tooltip.
        assert!(s.contains("<title>F0 · Nguyễn Thị Phương Thảo Quỳnh Hương Trần — BN 1</title>"));
    }

    #[test]
    fn empty_input() {
        let s = chain(&[], &[e(1, 2)], None, "Chuỗi lây");
        assert!(s.starts_with("<svg"));
        assert!(s.contains("Chưa có dữ liệu"));
        assert!(!s.contains(r#"<g class="node""#));
    }

    #[test]
    fn deterministic() {
        let nodes: Vec<Node> = (0..50).map(|i| n(i, Some((i % 4) as u8))).collect();
        let edges: Vec<Edge> = (1..50)
            .map(|i| e(i / 3, i))
            .chain([e(40, 2), e(7, 8)])
            .collect();
        let a = chain(&nodes, &edges, Some(7), "Ổ dịch");
        let b = chain(&nodes, &edges, Some(7), "Ổ dịch");
        assert_eq!(a, b);
        assert_eq!(layout(&nodes, &edges), layout(&nodes, &edges));
    }

    #[test]
    fn big_graph_is_well_formed_and_wrapped() {
        let mut seed: u64 = 42;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            seed >> 33
        };
        let nodes: Vec<Node> = (0..2000)
            .map(|i| {
                let mut nd = n(i, Some((next() % 6) as u8));
                nd.href = Some(format!("/ca/{i}"));
                nd
            })
            .collect();
        let mut edges = Vec::with_capacity(3000);
        // A tree (half of it hanging off node 0 directly) plus random extra links.
        for i in 1..2000 {
            let parent = if i < 1000 {
                0
            } else {
                (next() % i as u64) as i64
            };
            edges.push(e(parent, i));
        }
        while edges.len() < 3000 {
            edges.push(e((next() % 2000) as i64, (next() % 2000) as i64));
        }
        let s = chain(&nodes, &edges, Some(1234), "Ổ dịch lớn");
        assert!(s.starts_with("<svg"));
        assert!(s.ends_with("</svg>"));
        assert_eq!(count(&s, r#"<g class="node""#), 2000);
        assert_eq!(count(&s, "<a href="), 2000);
        assert_eq!(count(&s, "<g"), count(&s, "</g>"));
        assert_eq!(count(&s, "<a "), count(&s, "</a>"));
        assert_eq!(count(&s, "<text"), count(&s, "</text>"));
        let width: i64 = s
            .split("width=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(width <= 1800, "width {width}");
        assert_eq!(layout(&nodes, &edges).len(), 2000);
    }
}
