//! A self-contained SVG of the schema graph, laid out here (no Graphviz needed): boxes in columns
//! by foreign-key depth (a table sits right of every table it references), ordered within a
//! column by the barycentre of their neighbours, edges as curves from the FK column's row to the
//! referenced table. Text widths are estimated for a monospace font, so the output is the same on
//! every machine. Drift is red: the box border, the column's row and a list under the diagram.

use std::fmt::Write as _;

use super::dot::{
    BOTH_COLOR, DJANGO_COLOR, DRIFT_COLOR, DRIFT_FILL, SQLA_COLOR, STUB_COLOR, header_color,
    markers, subtitle,
};
use super::{EdgeKind, GraphNode, Orm, SchemaGraph};

const FONT: &str = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";
/// Advance of one character at 12px in a typical monospace font (0.6 em).
const CH: f64 = 7.3;
const ROW: f64 = 18.0;
const HEADER: f64 = 40.0;
const PAD: f64 = 8.0;
const GAP_X: f64 = 140.0;
const GAP_Y: f64 = 30.0;
const MARGIN: f64 = 24.0;
/// Longest drift message shown inside a box (the list under the diagram has it whole).
const DRIFT_ROW_CHARS: usize = 44;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn chars(s: &str) -> f64 {
    s.chars().count() as f64
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Column widths inside a box: name, type, markers, drift codes.
struct Geometry {
    w: f64,
    h: f64,
    name_w: f64,
    type_w: f64,
    mark_w: f64,
}

/// Many-to-many fields of a box, drawn as rows under its columns: (edge, field, join table).
fn m2m_rows(g: &SchemaGraph, i: usize) -> Vec<(usize, String, String)> {
    g.edges
        .iter()
        .enumerate()
        .filter(|(_, e)| e.from == i && e.kind == EdgeKind::ManyToMany)
        .map(|(ei, e)| match e.label.split_once(" (") {
            Some((f, via)) => (ei, f.to_string(), via.trim_end_matches(')').to_string()),
            None => (ei, e.label.clone(), String::new()),
        })
        .collect()
}

fn geometry(n: &GraphNode, m2m: &[(usize, String, String)]) -> Geometry {
    let name_w = n
        .columns
        .iter()
        .map(|c| chars(&c.name))
        .chain(m2m.iter().map(|m| chars(&m.1)))
        .fold(0.0, f64::max)
        * CH;
    let type_w = n
        .columns
        .iter()
        .map(|c| chars(&c.ty))
        .chain(m2m.iter().map(|_| 3.0))
        .fold(0.0, f64::max)
        * CH;
    let mark_w = n
        .columns
        .iter()
        .map(|c| chars(&markers(c)))
        .chain(m2m.iter().map(|m| chars(&m.2)))
        .fold(0.0, f64::max)
        * CH
        * 0.85;
    let code_w = n
        .columns
        .iter()
        .map(|c| chars(&codes(c)))
        .fold(0.0, f64::max)
        * CH;
    let mut row = name_w + 14.0 + type_w;
    if mark_w > 0.0 {
        row += 12.0 + mark_w;
    }
    if code_w > 0.0 {
        row += 12.0 + code_w;
    }
    let title = chars(&n.title()) * (CH + 0.9);
    let sub = chars(&subtitle(n)) * CH * 0.85;
    let drift = n
        .drift
        .iter()
        .map(|d| chars(&drift_line(d)) * CH * 0.9)
        .fold(0.0, f64::max);
    let note = n
        .note
        .as_ref()
        .map(|w| chars(&note_line(w)) * CH * 0.9)
        .unwrap_or(0.0);
    let w = w_of(row, title, sub, drift.max(note));
    let rows = extra_rows(n) + n.columns.len() + m2m.len();
    let h = HEADER + rows as f64 * ROW + if rows > 0 { 6.0 } else { 0.0 };
    Geometry {
        w,
        h,
        name_w,
        type_w,
        mark_w,
    }
}

fn w_of(row: f64, title: f64, sub: f64, other: f64) -> f64 {
    (row.max(title).max(sub).max(other) + 2.0 * PAD)
        .max(120.0)
        .ceil()
}

/// Rows above the columns: the partial-model note and the table-level drift.
fn extra_rows(n: &GraphNode) -> usize {
    n.drift.len() + usize::from(n.note.is_some())
}

fn note_line(why: &str) -> String {
    format!("partial: {}", short(why, DRIFT_ROW_CHARS))
}

fn codes(c: &super::GraphColumn) -> String {
    let v: Vec<&str> = c.drift.iter().map(|d| d.code.as_str()).collect();
    v.join(" ")
}

fn drift_line(d: &super::DriftMark) -> String {
    // The box has little room: drop the words every DJSA101 message starts with.
    let m = d
        .message
        .strip_prefix("Model changes not reflected in a migration: ")
        .unwrap_or(&d.message);
    format!("⚠ {} {}", d.code, short(m, DRIFT_ROW_CHARS))
}

/// Column (rank) of each node: 0 for a table that references nothing, else one more than the
/// deepest table it references. Cycles are cut where the walk meets a node it is inside.
fn ranks(g: &SchemaGraph) -> Vec<usize> {
    let n = g.nodes.len();
    let mut out: Vec<Option<usize>> = vec![None; n];
    let mut on_stack = vec![false; n];
    fn visit(
        g: &SchemaGraph,
        i: usize,
        out: &mut Vec<Option<usize>>,
        on_stack: &mut Vec<bool>,
    ) -> usize {
        if let Some(r) = out[i] {
            return r;
        }
        on_stack[i] = true;
        let mut r = 0;
        for e in g.edges.iter().filter(|e| e.from == i && e.to != i) {
            if on_stack[e.to] {
                continue;
            }
            r = r.max(visit(g, e.to, out, on_stack) + 1);
        }
        on_stack[i] = false;
        out[i] = Some(r);
        r
    }
    for i in 0..n {
        visit(g, i, &mut out, &mut on_stack);
    }
    out.into_iter().map(|r| r.unwrap_or(0)).collect()
}

struct Placed {
    x: f64,
    y: f64,
    geo: Geometry,
}

/// A column (rank) of the layout: x, width, and the vertical extents of its boxes.
type Column = (f64, f64, Vec<(f64, f64)>);

/// The placed boxes, and the columns.
struct Layout {
    placed: Vec<Placed>,
    rank: Vec<usize>,
    cols: Vec<Column>,
    width: f64,
    height: f64,
}

fn layout(g: &SchemaGraph) -> Layout {
    let rank = ranks(g);
    let geos: Vec<Geometry> = (0..g.nodes.len())
        .map(|i| geometry(&g.nodes[i], &m2m_rows(g, i)))
        .collect();
    let max_rank = rank.iter().copied().max().unwrap_or(0);
    let mut cols: Vec<Vec<usize>> = vec![Vec::new(); max_rank + 1];
    for (i, r) in rank.iter().enumerate() {
        cols[*r].push(i);
    }
    let col_w: Vec<f64> = cols
        .iter()
        .map(|c| c.iter().map(|&i| geos[i].w).fold(0.0, f64::max))
        .collect();
    let mut col_x = Vec::new();
    let mut x = MARGIN;
    for w in &col_w {
        col_x.push(x);
        x += w + GAP_X;
    }
    let width = x - GAP_X + MARGIN;
    let stack = |cols: &Vec<Vec<usize>>| -> (Vec<f64>, f64) {
        let mut y = vec![0.0; g.nodes.len()];
        let heights: Vec<f64> = cols
            .iter()
            .map(|c| c.iter().map(|&i| geos[i].h + GAP_Y).sum::<f64>() - GAP_Y)
            .collect();
        let tallest = heights.iter().copied().fold(0.0, f64::max);
        for (ci, c) in cols.iter().enumerate() {
            // Centre each column on the tallest one.
            let mut top = ((tallest - heights[ci]) / 2.0).floor();
            for &i in c {
                y[i] = top;
                top += geos[i].h + GAP_Y;
            }
        }
        (y, tallest)
    };
    // Barycentre ordering: a few sweeps, each sorting a column by where its neighbours sit.
    for _ in 0..4 {
        let (y, _) = stack(&cols);
        let centre = |i: usize| y[i] + geos[i].h / 2.0;
        for c in cols.iter_mut() {
            let key: Vec<(usize, f64)> = c
                .iter()
                .map(|&i| {
                    let ns: Vec<f64> = g
                        .edges
                        .iter()
                        .filter_map(|e| {
                            if e.from == i && e.to != i {
                                Some(centre(e.to))
                            } else if e.to == i && e.from != i {
                                Some(centre(e.from))
                            } else {
                                None
                            }
                        })
                        .collect();
                    let k = if ns.is_empty() {
                        centre(i)
                    } else {
                        ns.iter().sum::<f64>() / ns.len() as f64
                    };
                    (i, k)
                })
                .collect();
            let mut sorted = key.clone();
            sorted.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            *c = sorted.into_iter().map(|(i, _)| i).collect();
        }
    }
    let (y, tallest) = stack(&cols);
    let extents = cols
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let boxes = c.iter().map(|&i| (y[i], y[i] + geos[i].h)).collect();
            (col_x[ci], col_w[ci], boxes)
        })
        .collect();
    let placed = geos
        .into_iter()
        .enumerate()
        .map(|(i, geo)| Placed {
            x: col_x[rank[i]] + (col_w[rank[i]] - geo.w) / 2.0,
            y: y[i],
            geo,
        })
        .collect();
    Layout {
        placed,
        rank,
        cols: extents,
        width,
        height: tallest,
    }
}

/// A free height in a column for an edge that crosses it (between two boxes, or above or below
/// them), nearest to `want`; `used` spreads edges that share a gap.
fn free_y(
    boxes: &[(f64, f64)],
    want: f64,
    slot_use: &mut rustc_hash::FxHashMap<(usize, usize), u32>,
    col: usize,
) -> f64 {
    let mut slots: Vec<f64> = Vec::new();
    if let Some(first) = boxes.first() {
        slots.push(first.0 - GAP_Y / 2.0);
    }
    for w in boxes.windows(2) {
        slots.push((w[0].1 + w[1].0) / 2.0);
    }
    if let Some(last) = boxes.last() {
        slots.push(last.1 + GAP_Y / 2.0);
    }
    let Some((si, y)) = slots
        .iter()
        .copied()
        .enumerate()
        .min_by(|a, b| (a.1 - want).abs().total_cmp(&(b.1 - want).abs()))
    else {
        return want;
    };
    let n = slot_use.entry((col, si)).or_insert(0);
    let k = *n;
    *n += 1;
    // 0, +6, -6, +12, -12, ...
    let step = f64::from(k.div_ceil(2)) * 6.0;
    if k % 2 == 1 { y + step } else { y - step }
}

/// Vertical centre of a column's row in a placed box (the header's centre when not found).
fn row_y(g: &SchemaGraph, i: usize, p: &Placed, column: Option<&str>, edge: Option<usize>) -> f64 {
    let n = &g.nodes[i];
    if let Some(e) = edge
        && let Some(k) = m2m_rows(g, i).iter().position(|m| m.0 == e)
    {
        return p.y + HEADER + (extra_rows(n) + n.columns.len() + k) as f64 * ROW + ROW / 2.0 + 3.0;
    }
    match column.and_then(|c| n.columns.iter().position(|x| x.name == c)) {
        Some(i) => p.y + HEADER + (extra_rows(n) + i) as f64 * ROW + ROW / 2.0 + 3.0,
        None => p.y + HEADER / 2.0,
    }
}

pub fn write(g: &SchemaGraph, title: &str) -> String {
    let lay = layout(g);
    let (placed, width, height) = (&lay.placed, lay.width, lay.height);
    let mut slot_use = rustc_hash::FxHashMap::default();
    let legend_h = 56.0;
    let top = MARGIN + legend_h;
    // The drift list under the diagram.
    let mut drift_list: Vec<String> = Vec::new();
    for n in &g.nodes {
        for d in &n.drift {
            drift_list.push(format!("{} — {} {}", n.title(), d.code, d.message));
        }
        for c in &n.columns {
            for d in &c.drift {
                drift_list.push(format!(
                    "{}.{} — {} {}",
                    n.title(),
                    c.name,
                    d.code,
                    d.message
                ));
            }
        }
    }
    for d in &g.unplaced {
        drift_list.push(format!("(no table) — {} {}", d.code, d.message));
    }
    let list_h = if drift_list.is_empty() {
        0.0
    } else {
        30.0 + drift_list.len() as f64 * 16.0
    };
    let list_w = drift_list
        .iter()
        .map(|s| chars(s) * CH * 0.92 + 2.0 * MARGIN)
        .fold(0.0, f64::max);
    let legend_w = legend_width();
    let total_w = width.max(list_w).max(legend_w + 2.0 * MARGIN).ceil();
    let total_h = (top + height + MARGIN + list_h + MARGIN).ceil();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total_w}\" height=\"{total_h}\" viewBox=\"0 0 {total_w} {total_h}\" font-family=\"{FONT}\" font-size=\"12\">"
    );
    let _ = writeln!(s, "<title>{}</title>", esc(title));
    s.push_str(
        "<defs>\n\
         <marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"context-stroke\"/></marker>\n\
         <marker id=\"arrow-open\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"white\" stroke=\"context-stroke\" stroke-width=\"1.5\"/></marker>\n\
         <marker id=\"crow\" viewBox=\"-12 0 12 12\" refX=\"0\" refY=\"6\" markerWidth=\"11\" markerHeight=\"11\" orient=\"auto-start-reverse\"><path d=\"M0,0 L-12,6 L0,12 M-12,6 L0,6\" fill=\"none\" stroke=\"context-stroke\" stroke-width=\"1.4\"/></marker>\n\
         <marker id=\"tee\" viewBox=\"-12 0 12 12\" refX=\"0\" refY=\"6\" markerWidth=\"11\" markerHeight=\"11\" orient=\"auto-start-reverse\"><path d=\"M-6,0 L-6,12 M-12,6 L0,6\" fill=\"none\" stroke=\"context-stroke\" stroke-width=\"1.6\"/></marker>\n\
         </defs>\n"
    );
    let _ = writeln!(
        s,
        "<rect x=\"0\" y=\"0\" width=\"{total_w}\" height=\"{total_h}\" fill=\"white\"/>"
    );
    legend(&mut s, title);

    // Edges first: boxes are opaque and drawn over them.
    s.push_str("<g class=\"edges\" fill=\"none\">\n");
    for (ei, e) in g.edges.iter().enumerate() {
        let (a, pa) = (&g.nodes[e.from], &placed[e.from]);
        let (b, pb) = (&g.nodes[e.to], &placed[e.to]);
        let color = match e.orm {
            Orm::Django => "#455a64",
            Orm::Sqlalchemy => SQLA_COLOR,
            Orm::Both => BOTH_COLOR,
        };
        let y1 = top + row_y(g, e.from, pa, e.from_column.as_deref(), Some(ei));
        let y2 = top + row_y(g, e.to, pb, e.to_column.as_deref(), None);
        let (a_l, a_r) = (pa.x, pa.x + pa.geo.w);
        let (b_l, b_r) = (pb.x, pb.x + pb.geo.w);
        let d = if e.from == e.to {
            let x = a_r;
            format!(
                "M{x:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x:.1},{y2:.1}",
                x + 46.0,
                x + 46.0
            )
        } else if b_r <= a_l {
            // Leftwards, through free heights of every column in between.
            let (ra, rb) = (lay.rank[e.from], lay.rank[e.to]);
            let mut pts: Vec<(f64, f64, f64)> = vec![(a_l, a_l, y1)];
            for r in (rb + 1..ra).rev() {
                let (cx, cw, boxes) = &lay.cols[r];
                let t = (a_l - (cx + cw / 2.0)) / (a_l - b_r).max(1.0);
                let want = y1 - top + (y2 - y1) * t;
                let y = top + free_y(boxes, want, &mut slot_use, r);
                pts.push((cx + cw, *cx, y));
            }
            pts.push((b_r, b_r, y2));
            let mut d = format!("M{a_l:.1},{y1:.1}");
            for w in pts.windows(2) {
                let (x_from, y_from) = (w[0].1, w[0].2);
                let (x_to, x_out, y_to) = (w[1].0, w[1].1, w[1].2);
                let dx = ((x_from - x_to) * 0.45).max(20.0);
                let _ = write!(
                    d,
                    " C{:.1},{y_from:.1} {:.1},{y_to:.1} {x_to:.1},{y_to:.1}",
                    x_from - dx,
                    x_to + dx
                );
                if x_out < x_to {
                    let _ = write!(d, " L{x_out:.1},{y_to:.1}");
                }
            }
            d
        } else if a_r <= b_l {
            let dx = ((b_l - a_r) * 0.45).max(30.0);
            format!(
                "M{a_r:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {b_l:.1},{y2:.1}",
                a_r + dx,
                b_l - dx
            )
        } else {
            // Same column: loop out on the left.
            let x = a_l.min(b_l);
            format!(
                "M{a_l:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {b_l:.1},{y2:.1}",
                x - 50.0,
                x - 50.0
            )
        };
        let (start, end, dash) = match e.kind {
            EdgeKind::ForeignKey => (
                "url(#crow)",
                if e.null {
                    "url(#arrow-open)"
                } else {
                    "url(#arrow)"
                },
                "",
            ),
            EdgeKind::OneToOne => (
                "url(#tee)",
                if e.null {
                    "url(#arrow-open)"
                } else {
                    "url(#arrow)"
                },
                "",
            ),
            EdgeKind::ManyToMany => ("url(#crow)", "url(#crow)", " stroke-dasharray=\"6 4\""),
        };
        let _ = writeln!(
            s,
            "<path class=\"edge\" d=\"{d}\" stroke=\"{color}\" stroke-width=\"1.4\"{dash} marker-start=\"{start}\" marker-end=\"{end}\"><title>{}</title></path>",
            esc(&format!("{}.{} → {}", a.title(), e.label, b.title()))
        );
    }
    s.push_str("</g>\n");

    for (i, (n, p)) in g.nodes.iter().zip(placed.iter()).enumerate() {
        node(&mut s, n, p, top, &m2m_rows(g, i));
    }
    // Edge labels for relations without an FK column row (many-to-many, multi-column keys), over
    // the boxes so they stay readable.
    for e in g
        .edges
        .iter()
        .filter(|e| e.from_column.is_none() && e.kind != EdgeKind::ManyToMany)
    {
        let (pa, pb) = (&placed[e.from], &placed[e.to]);
        let y1 = top + row_y(g, e.from, pa, None, None);
        let y2 = top + row_y(g, e.to, pb, None, None);
        let x1 = if pb.x + pb.geo.w <= pa.x {
            pa.x
        } else {
            pa.x + pa.geo.w
        };
        let x2 = if pb.x + pb.geo.w <= pa.x {
            pb.x + pb.geo.w
        } else {
            pb.x
        };
        let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0 - 8.0);
        // `authors (via catalog_book_authors)` on two lines: the gap between columns is narrow.
        let (l1, l2) = match e.label.split_once(" (") {
            Some((a, b)) => (a.to_string(), format!("({b}")),
            None => (e.label.clone(), String::new()),
        };
        let _ = writeln!(
            s,
            "<text class=\"edge-label\" x=\"{mx:.1}\" y=\"{my:.1}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#37474f\" stroke=\"white\" stroke-width=\"4\" paint-order=\"stroke\"><tspan x=\"{mx:.1}\">{}</tspan><tspan x=\"{mx:.1}\" dy=\"12\">{}</tspan></text>",
            esc(&l1),
            esc(&l2)
        );
    }
    if !drift_list.is_empty() {
        let y0 = top + height + MARGIN;
        let _ = writeln!(
            s,
            "<text class=\"drift-title\" x=\"{MARGIN}\" y=\"{:.1}\" font-weight=\"bold\" fill=\"{DRIFT_COLOR}\">Drift ({} finding{})</text>",
            y0 + 14.0,
            drift_list.len(),
            if drift_list.len() == 1 { "" } else { "s" }
        );
        for (i, line) in drift_list.iter().enumerate() {
            let _ = writeln!(
                s,
                "<text class=\"drift-item\" x=\"{MARGIN}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5d1010\">{}</text>",
                y0 + 34.0 + i as f64 * 16.0,
                esc(line)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// Legend entries: colour, dash pattern (`none`: solid fill), label.
const LEGEND: [(&str, &str, &str); 5] = [
    (DJANGO_COLOR, "none", "Django model"),
    (SQLA_COLOR, "none", "SQLAlchemy table"),
    (BOTH_COLOR, "none", "both ORMs, one table"),
    (STUB_COLOR, "4 3", "not drawn / not found"),
    ("white", "", "drift"),
];
const LEGEND_ARROWS: &str = "→ references · ┤ one-to-one · ⋯ many-to-many";
/// Advance of one character of the legend's 11px text.
const LEGEND_CH: f64 = 6.8;

fn legend_width() -> f64 {
    let items: f64 = LEGEND
        .iter()
        .map(|(_, _, label)| 28.0 + chars(label) * LEGEND_CH + 24.0)
        .sum();
    items + chars(LEGEND_ARROWS) * LEGEND_CH
}

fn legend(s: &mut String, title: &str) {
    let y = MARGIN;
    let _ = writeln!(
        s,
        "<text class=\"graph-title\" x=\"{MARGIN}\" y=\"{:.1}\" font-size=\"15\" font-weight=\"bold\" fill=\"#263238\">{}</text>",
        y + 12.0,
        esc(title)
    );
    let items = LEGEND;

    let mut x = MARGIN;
    let ly = y + 28.0;
    s.push_str("<g class=\"legend\" font-size=\"11\">\n");
    for (color, dash, label) in items {
        if label == "drift" {
            let _ = writeln!(
                s,
                "<rect x=\"{x:.1}\" y=\"{ly:.1}\" width=\"22\" height=\"14\" rx=\"3\" fill=\"{DRIFT_FILL}\" stroke=\"{DRIFT_COLOR}\" stroke-width=\"2.5\"/>"
            );
        } else {
            let dash = if dash == "none" {
                String::new()
            } else {
                format!(" stroke-dasharray=\"{dash}\" stroke=\"#555\"")
            };
            let _ = writeln!(
                s,
                "<rect x=\"{x:.1}\" y=\"{ly:.1}\" width=\"22\" height=\"14\" rx=\"3\" fill=\"{color}\"{dash}/>"
            );
        }
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#37474f\">{label}</text>",
            x + 28.0,
            ly + 11.0
        );
        x += 28.0 + chars(label) * LEGEND_CH + 24.0;
    }
    let _ = writeln!(
        s,
        "<text x=\"{x:.1}\" y=\"{:.1}\" fill=\"#37474f\">{LEGEND_ARROWS}</text>",
        ly + 11.0
    );
    s.push_str("</g>\n");
}

fn node(s: &mut String, n: &GraphNode, p: &Placed, top: f64, m2m: &[(usize, String, String)]) {
    let (x, y, w, h) = (p.x, top + p.y, p.geo.w, p.geo.h);
    let drift = n.has_drift();
    let color = header_color(n);
    let _ = writeln!(
        s,
        "<g class=\"table\" id=\"node-{}\" data-table=\"{}\">",
        esc(&n.id),
        esc(&n.table)
    );
    let (stroke, sw, dash) = if drift {
        (DRIFT_COLOR, 2.5, "")
    } else if n.stub.is_some() {
        (STUB_COLOR, 1.2, " stroke-dasharray=\"5 3\"")
    } else {
        ("#546e7a", 1.0, "")
    };
    let _ = writeln!(
        s,
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"5\" fill=\"white\"/>"
    );
    // Header: rounded on top only.
    let r = 5.0;
    let _ = writeln!(
        s,
        "<path d=\"M{x:.1},{:.1} a{r},{r} 0 0 1 {r},-{r} h{:.1} a{r},{r} 0 0 1 {r},{r} v{:.1} h-{w:.1} z\" fill=\"{color}\"{}/>",
        y + r,
        w - 2.0 * r,
        HEADER - r,
        if n.stub.is_some() {
            " fill-opacity=\"0.55\""
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "<text class=\"title\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" font-weight=\"bold\" fill=\"white\">{}</text>",
        x + PAD,
        y + 17.0,
        esc(&n.title())
    );
    let _ = writeln!(
        s,
        "<text class=\"subtitle\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#eceff1\">{}</text>",
        x + PAD,
        y + 32.0,
        esc(&subtitle(n))
    );
    let mut ry = y + HEADER + 3.0;
    if let Some(why) = &n.note {
        let _ = writeln!(
            s,
            "<g class=\"note\"><title>{}</title><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" font-style=\"italic\" fill=\"#616161\">{}</text></g>",
            esc(&format!("Drawn from the model's source only: {why}")),
            x + PAD,
            ry + 13.0,
            esc(&note_line(why))
        );
        ry += ROW;
    }
    for d in &n.drift {
        let _ = writeln!(
            s,
            "<g class=\"drift\"><title>{}</title><rect x=\"{:.1}\" y=\"{ry:.1}\" width=\"{:.1}\" height=\"{ROW}\" fill=\"{DRIFT_FILL}\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{DRIFT_COLOR}\">{}</text></g>",
            esc(&format!("{}: {}", d.code, d.message)),
            x + 1.0,
            w - 2.0,
            x + PAD,
            ry + 13.0,
            esc(&drift_line(d))
        );
        ry += ROW;
    }
    for (i, c) in n.columns.iter().enumerate() {
        let bg = if !c.drift.is_empty() {
            Some(DRIFT_FILL)
        } else if i % 2 == 1 {
            Some("#f5f7f8")
        } else {
            None
        };
        let tip = if c.drift.is_empty() {
            String::new()
        } else {
            let t: Vec<String> = c
                .drift
                .iter()
                .map(|d| format!("{}: {}", d.code, d.message))
                .collect();
            format!("<title>{}</title>", esc(&t.join("\n")))
        };
        let _ = write!(s, "<g class=\"column\">{tip}");
        if let Some(bg) = bg {
            let _ = write!(
                s,
                "<rect x=\"{:.1}\" y=\"{ry:.1}\" width=\"{:.1}\" height=\"{ROW}\" fill=\"{bg}\"/>",
                x + 1.0,
                w - 2.0
            );
        }
        let ty_x = x + PAD + p.geo.name_w + 14.0;
        let mk_x = ty_x + p.geo.type_w + 12.0;
        let code_x = mk_x
            + if p.geo.mark_w > 0.0 {
                p.geo.mark_w + 12.0
            } else {
                0.0
            };
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#212121\"{}>{}</text>",
            x + PAD,
            ry + 13.0,
            if c.pk { " font-weight=\"bold\"" } else { "" },
            esc(&c.name)
        );
        let _ = write!(
            s,
            "<text x=\"{ty_x:.1}\" y=\"{:.1}\" fill=\"#455a64\">{}</text>",
            ry + 13.0,
            esc(&c.ty)
        );
        let m = markers(c);
        if !m.is_empty() {
            let _ = write!(
                s,
                "<text x=\"{mk_x:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#78909c\">{}</text>",
                ry + 13.0,
                esc(&m)
            );
        }
        let codes = codes(c);
        if !codes.is_empty() {
            let _ = write!(
                s,
                "<text x=\"{code_x:.1}\" y=\"{:.1}\" font-weight=\"bold\" fill=\"{DRIFT_COLOR}\">{}</text>",
                ry + 13.0,
                esc(&codes)
            );
        }
        s.push_str("</g>\n");
        ry += ROW;
    }
    for (_, field, via) in m2m {
        let ty_x = x + PAD + p.geo.name_w + 14.0;
        let mk_x = ty_x + p.geo.type_w + 12.0;
        let _ = writeln!(
            s,
            "<g class=\"m2m\"><title>{}</title><text x=\"{:.1}\" y=\"{:.1}\" font-style=\"italic\" fill=\"#37474f\">{}</text><text x=\"{ty_x:.1}\" y=\"{:.1}\" font-style=\"italic\" fill=\"#455a64\">m2m</text><text x=\"{mk_x:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#78909c\">{}</text></g>",
            esc(&format!(
                "many-to-many field {field}, join table {}",
                via.trim_start_matches("via ")
            )),
            x + PAD,
            ry + 13.0,
            esc(field),
            ry + 13.0,
            ry + 13.0,
            esc(via)
        );
        ry += ROW;
    }
    let _ = writeln!(
        s,
        "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"5\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{sw}\"{dash}/>"
    );
    s.push_str("</g>\n");
}
