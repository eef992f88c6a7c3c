//! Graphviz DOT writer: one HTML-like table per box (a row and ports per column, so an edge
//! leaves from its FK column and arrives at the referenced column), laid out right to left like
//! the SVG (a table sits right of the tables it references), a cluster per Django app and per
//! SQLAlchemy MetaData, a table both ORMs map as one box with both names in its header, drift
//! rows and boxes in red.

use super::{EdgeKind, GraphColumn, GraphNode, Orm, SchemaGraph};

pub const DRIFT_COLOR: &str = "#c62828";
pub const DRIFT_FILL: &str = "#fde2e2";
pub const DJANGO_COLOR: &str = "#0c4b33";
pub const SQLA_COLOR: &str = "#6d3f8f";
pub const BOTH_COLOR: &str = "#1f5f8b";
pub const STUB_COLOR: &str = "#9e9e9e";

/// Text inside an HTML-like label.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Text inside a DOT double-quoted string.
fn q(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}

/// Port name of a column.
pub fn port(column: &str) -> String {
    let p: String = column
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("c_{p}")
}

/// Port on the last cell of a column's row: edges arrive at a referenced column from the east.
pub fn port_east(column: &str) -> String {
    format!("e{}", port(column))
}

/// PK / FK / UQ / NULL markers of a column, as shown in the box.
pub fn markers(c: &GraphColumn) -> String {
    let mut m = Vec::new();
    if c.pk {
        m.push("PK");
    }
    if c.fk {
        m.push("FK");
    }
    if c.unique {
        m.push("UQ");
    }
    if c.null {
        m.push("NULL");
    }
    m.join(" ")
}

pub fn header_color(n: &GraphNode) -> &'static str {
    match n.orm() {
        Some(Orm::Django) => DJANGO_COLOR,
        Some(Orm::Sqlalchemy) => SQLA_COLOR,
        Some(Orm::Both) => BOTH_COLOR,
        None => STUB_COLOR,
    }
}

/// The second header line: the table, and the other ORM's names for a shared table.
pub fn subtitle(n: &GraphNode) -> String {
    match n.orm() {
        Some(Orm::Both) => format!("{} · SQLAlchemy {}", n.table, n.sqla.join(", ")),
        Some(Orm::Sqlalchemy) => {
            if n.title() == n.table {
                "SQLAlchemy Core table".to_string()
            } else {
                format!("{} · SQLAlchemy", n.table)
            }
        }
        Some(Orm::Django) => n.table.clone(),
        None => n.stub.clone().unwrap_or_default(),
    }
}

fn node(out: &mut String, n: &GraphNode, indent: &str) {
    let drift = n.has_drift();
    let border = if drift { DRIFT_COLOR } else { "#555555" };
    let mut label = format!(
        "<<TABLE BORDER=\"{}\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\" COLOR=\"{border}\"{}>",
        if drift { 3 } else { 1 },
        if n.stub.is_some() {
            " STYLE=\"dashed\""
        } else {
            ""
        }
    );
    let row = format!("\n{indent}    ");
    label.push_str(&format!(
        "{row}<TR><TD COLSPAN=\"3\" BGCOLOR=\"{}\"><FONT COLOR=\"white\"><B>{}</B></FONT></TD></TR>",
        header_color(n),
        html(&n.title())
    ));
    label.push_str(&format!(
        "{row}<TR><TD COLSPAN=\"3\" BGCOLOR=\"{}\"><FONT POINT-SIZE=\"9\" COLOR=\"white\">{}</FONT></TD></TR>",
        header_color(n),
        html(&subtitle(n))
    ));
    if let Some(why) = &n.note {
        label.push_str(&format!(
            "{row}<TR><TD COLSPAN=\"3\" ALIGN=\"LEFT\"><FONT COLOR=\"#666666\" POINT-SIZE=\"9\"><I>partial: {}</I></FONT></TD></TR>",
            html(why)
        ));
    }
    for d in &n.drift {
        label.push_str(&format!(
            "{row}<TR><TD COLSPAN=\"3\" ALIGN=\"LEFT\" BGCOLOR=\"{DRIFT_FILL}\"><FONT COLOR=\"{DRIFT_COLOR}\" POINT-SIZE=\"9\">{}: {}</FONT></TD></TR>",
            html(&d.code),
            html(&d.message)
        ));
    }
    for c in &n.columns {
        let bg = if c.drift.is_empty() {
            String::new()
        } else {
            format!(" BGCOLOR=\"{DRIFT_FILL}\"")
        };
        let codes: Vec<&str> = c.drift.iter().map(|d| d.code.as_str()).collect();
        let name = if c.pk {
            format!("<B>{}</B>", html(&c.name))
        } else {
            html(&c.name)
        };
        let codes = if codes.is_empty() {
            String::new()
        } else {
            format!(
                "<FONT COLOR=\"{DRIFT_COLOR}\">{}</FONT>",
                html(&codes.join(" "))
            )
        };
        let m = markers(c);
        let m = if m.is_empty() {
            String::new()
        } else {
            format!(" <FONT COLOR=\"#666666\">{}</FONT>", html(&m))
        };
        label.push_str(&format!(
            "{row}<TR><TD PORT=\"{}\" ALIGN=\"LEFT\"{bg}>{name}</TD><TD ALIGN=\"LEFT\"{bg}>{}{m}</TD><TD PORT=\"{}\" ALIGN=\"LEFT\"{bg}>{codes}</TD></TR>",
            port(&c.name),
            html(&c.ty),
            port_east(&c.name),
        ));
    }
    label.push_str(&format!("\n{indent}</TABLE>>"));
    let tooltip: Vec<String> = n
        .drift
        .iter()
        .chain(n.columns.iter().flat_map(|c| c.drift.iter()))
        .map(|d| q(&format!("{}: {}", d.code, d.message)))
        .collect();
    let tooltip = if tooltip.is_empty() {
        String::new()
    } else {
        format!(", tooltip=\"{}\"", tooltip.join("\\n"))
    };
    out.push_str(&format!("{indent}{} [label={label}{tooltip}];\n", n.id));
}

pub fn write(g: &SchemaGraph) -> String {
    let mut out = String::from("digraph schema {\n");
    out.push_str(
        "    graph [rankdir=RL, fontname=\"Helvetica\", fontsize=11, nodesep=0.4, ranksep=1.0];\n",
    );
    out.push_str("    node [shape=plaintext, fontname=\"Helvetica\", fontsize=10];\n");
    out.push_str("    edge [fontname=\"Helvetica\", fontsize=9, color=\"#444444\"];\n");
    for m in &g.unplaced {
        out.push_str(&format!(
            "    // drift not on a table: {} {}\n",
            m.code,
            m.message.replace('\n', " ")
        ));
    }
    // Clusters: Django apps in order of first appearance, then each SQLAlchemy MetaData.
    let mut clusters: Vec<(String, String)> = Vec::new();
    let key = |n: &GraphNode| -> Option<(String, String)> {
        if n.stub.is_some() {
            return None;
        }
        match (&n.app, &n.metadata) {
            (Some(a), _) => Some((
                format!("cluster_app_{}", super::ident(a)),
                format!("Django app {a}"),
            )),
            (None, Some(m)) => Some((
                format!("cluster_sqla_{}", super::ident(m)),
                format!("SQLAlchemy MetaData ({m})"),
            )),
            _ => None,
        }
    };
    for n in &g.nodes {
        if let Some(k) = key(n)
            && !clusters.contains(&k)
        {
            clusters.push(k);
        }
    }
    for (id, label) in &clusters {
        out.push_str(&format!("    subgraph {id} {{\n"));
        out.push_str(&format!(
            "        label=\"{}\"; style=\"rounded,dashed\"; color=\"#9e9e9e\"; fontcolor=\"#555555\";\n",
            q(label)
        ));
        for n in g
            .nodes
            .iter()
            .filter(|n| key(n).is_some_and(|k| k.0 == *id))
        {
            node(&mut out, n, "        ");
        }
        out.push_str("    }\n");
    }
    for n in g.nodes.iter().filter(|n| key(n).is_none()) {
        node(&mut out, n, "    ");
    }
    for e in &g.edges {
        let from = &g.nodes[e.from];
        let to = &g.nodes[e.to];
        let tail = match &e.from_column {
            Some(c) if from.column(c).is_some() => format!("{}:{}:w", from.id, port(c)),
            _ => from.id.clone(),
        };
        let head = match &e.to_column {
            Some(c) if to.column(c).is_some() => format!("{}:{}:e", to.id, port_east(c)),
            _ => to.id.clone(),
        };
        let mut attrs = vec![format!("label=\"{}\"", q(&e.label))];
        // Arrow at the referenced table (hollow when the FK column allows NULL); crow's foot
        // (many) or tee (one) at the referencing end.
        let head_arrow = if e.null { "onormal" } else { "normal" };
        match e.kind {
            EdgeKind::ForeignKey => {
                attrs.push(format!("arrowhead={head_arrow}, arrowtail=crow, dir=both"))
            }
            EdgeKind::OneToOne => {
                attrs.push(format!("arrowhead={head_arrow}, arrowtail=tee, dir=both"))
            }
            EdgeKind::ManyToMany => {
                attrs.push("style=dashed, arrowhead=crow, arrowtail=crow, dir=both".into())
            }
        }
        match e.orm {
            Orm::Django => {}
            Orm::Sqlalchemy => attrs.push(format!(
                "color=\"{SQLA_COLOR}\", fontcolor=\"{SQLA_COLOR}\""
            )),
            Orm::Both => attrs.push(format!("color=\"{BOTH_COLOR}\"")),
        }
        out.push_str(&format!("    {tail} -> {head} [{}];\n", attrs.join(", ")));
    }
    out.push_str("}\n");
    out
}
