//! Mermaid `erDiagram` writer. Mermaid's ER diagrams cannot colour an entity, so drift is spelled
//! out: a column's comment says `drift: DJSA244 ...`, and a box with drift on the table as a whole
//! gets a pseudo-attribute row `drift DJSA101 "..."`.

use super::{EdgeKind, GraphColumn, Orm, SchemaGraph};

/// Mermaid's attribute type/name words: letters, digits, `_`, `-`, `(`, `)`, `[`, `]`.
fn word(s: &str) -> String {
    let w: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '(' | ')' | '[' | ']') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        w
    } else {
        format!("_{w}")
    }
}

/// Text inside a Mermaid double-quoted string.
fn quoted(s: &str) -> String {
    s.replace('"', "'").replace(['\n', '\r'], " ")
}

fn attribute(c: &GraphColumn, shared: bool) -> String {
    // A comma is not allowed in a type: `numeric(8,2)` becomes `numeric` with `8,2` in the comment.
    let (ty, detail) = match c.ty.split_once('(') {
        Some((base, rest)) if rest.contains(',') => (
            base.to_string(),
            Some(rest.trim_end_matches(')').to_string()),
        ),
        _ => (c.ty.clone(), None),
    };
    let ty = if ty == "?" { "unknown".to_string() } else { ty };
    let mut keys = Vec::new();
    if c.pk {
        keys.push("PK");
    }
    if c.fk {
        keys.push("FK");
    }
    if c.unique {
        keys.push("UK");
    }
    let mut comment: Vec<String> = Vec::new();
    if let Some(d) = detail {
        comment.push(d);
    }
    if c.null {
        comment.push("null".into());
    }
    match &c.django_field {
        Some(f) if *f != c.name && format!("{f}_id") != c.name => {
            comment.push(format!("field {f}"))
        }
        _ => {}
    }
    if shared {
        match (&c.django_field, &c.sqla_attr) {
            (None, Some(_)) => comment.push("SQLAlchemy only".into()),
            (Some(_), None) => comment.push("Django only".into()),
            _ => {}
        }
    }
    for d in &c.drift {
        comment.push(format!("drift: {} {}", d.code, d.message));
    }
    let mut s = format!("{} {}", word(&ty), word(&c.name));
    if !keys.is_empty() {
        s.push(' ');
        s.push_str(&keys.join(", "));
    }
    if !comment.is_empty() {
        s.push_str(&format!(" \"{}\"", quoted(&comment.join("; "))));
    }
    s
}

pub fn write(g: &SchemaGraph) -> String {
    let mut out = String::from("erDiagram\n");
    let drift = g.nodes.iter().filter(|n| n.has_drift()).count();
    out.push_str(&format!(
        "    %% djsa graph: {} tables, {} relations, {} with drift\n",
        g.nodes.iter().filter(|n| n.stub.is_none()).count(),
        g.edges.len(),
        drift
    ));
    for m in &g.unplaced {
        out.push_str(&format!(
            "    %% drift not on a table: {} {}\n",
            m.code,
            quoted(&m.message)
        ));
    }
    for n in &g.nodes {
        let mut title = n.title();
        match n.orm() {
            Some(Orm::Both) => {
                title = format!("{title} + {} ({})", n.sqla.join(", "), n.table);
            }
            Some(Orm::Sqlalchemy) if n.title() != n.table => {
                title = format!("{title} ({})", n.table);
            }
            Some(Orm::Sqlalchemy) => title = format!("{title} (SQLAlchemy)"),
            Some(Orm::Django) => title = format!("{title} ({})", n.table),
            None => title = format!("{title} ({})", n.stub.as_deref().unwrap_or("")),
        }
        if let Some(why) = &n.note {
            out.push_str(&format!(
                "    %% {} is drawn from its source only, columns may be incomplete: {}\n",
                n.title(),
                why.replace('\n', " ")
            ));
        }
        if n.columns.is_empty() && n.drift.is_empty() {
            out.push_str(&format!("    {}[\"{}\"]\n", n.id, quoted(&title)));
            continue;
        }
        out.push_str(&format!("    {}[\"{}\"] {{\n", n.id, quoted(&title)));
        for d in &n.drift {
            out.push_str(&format!(
                "        drift {} \"{}\"\n",
                word(&d.code),
                quoted(&d.message)
            ));
        }
        for c in &n.columns {
            out.push_str(&format!(
                "        {}\n",
                attribute(c, n.orm() == Some(Orm::Both))
            ));
        }
        out.push_str("    }\n");
    }
    for e in &g.edges {
        // Mermaid reads `A <left><line><right> B`: the left marker is A's cardinality.
        let (left, right) = match e.kind {
            EdgeKind::ForeignKey => ("}o", if e.null { "o|" } else { "||" }),
            EdgeKind::OneToOne => ("|o", if e.null { "o|" } else { "||" }),
            EdgeKind::ManyToMany => ("}o", "o{"),
        };
        let line = if e.kind == EdgeKind::ManyToMany {
            ".."
        } else {
            "--"
        };
        let orm = match e.orm {
            Orm::Django => "",
            Orm::Sqlalchemy => " [SQLAlchemy]",
            Orm::Both => " [both ORMs]",
        };
        out.push_str(&format!(
            "    {} {left}{line}{right} {} : \"{}{orm}\"\n",
            g.nodes[e.from].id,
            g.nodes[e.to].id,
            quoted(&e.label)
        ));
    }
    out
}
