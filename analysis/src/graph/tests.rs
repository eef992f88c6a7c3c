#![allow(clippy::unwrap_used)]

use super::*;

fn col(name: &str, ty: &str) -> GraphColumn {
    GraphColumn {
        name: name.into(),
        ty: ty.into(),
        pk: false,
        fk: false,
        unique: false,
        null: false,
        django_field: Some(name.into()),
        sqla_attr: None,
        drift: Vec::new(),
    }
}

fn node(table: &str, django: &str, columns: Vec<GraphColumn>) -> GraphNode {
    GraphNode {
        id: ident(table),
        table: table.into(),
        django: Some(django.into()),
        app: django.split('.').next().map(str::to_string),
        sqla: Vec::new(),
        metadata: None,
        stub: None,
        columns,
        drift: Vec::new(),
        note: None,
    }
}

fn sample() -> SchemaGraph {
    let mut id = col("id", "bigint");
    id.pk = true;
    let mut price = col("price", "numeric(8,2)");
    price.drift.push(DriftMark {
        code: "DJSA244".into(),
        message: "Column \"shop_book\".price: Django says NOT NULL, SQLAlchemy says NULL.".into(),
    });
    let mut author = col("author_id", "bigint");
    author.fk = true;
    author.null = true;
    author.django_field = Some("author".into());
    let book = node("shop_book", "shop.Book", vec![id.clone(), price, author]);
    let mut a = node("shop_author", "shop.Author", vec![id]);
    a.drift.push(DriftMark {
        code: "DJSA101".into(),
        message: "Model changes not reflected in a migration: Create model Author (app 'shop')."
            .into(),
    });
    SchemaGraph {
        nodes: vec![book, a],
        edges: vec![GraphEdge {
            from: 0,
            from_column: Some("author_id".into()),
            to: 1,
            to_column: Some("id".into()),
            kind: EdgeKind::ForeignKey,
            label: "author".into(),
            null: true,
            orm: Orm::Django,
        }],
        unplaced: Vec::new(),
    }
}

#[test]
fn drift_codes() {
    assert!(is_drift_code("DJSA101"));
    assert!(is_drift_code("DJSA244"));
    assert!(is_drift_code("DJSA305"));
    assert!(is_drift_code("DJSA310"));
    assert!(!is_drift_code("DJSA102"));
    assert!(!is_drift_code("DJSA221"));
    assert!(!is_drift_code("fields.E300"));
}

#[test]
fn identifiers_are_safe() {
    assert_eq!(ident("public.shop-book"), "public_shop_book");
    assert_eq!(ident("1x"), "t1x");
    assert_eq!(ident(""), "t");
}

#[test]
fn mermaid_marks_drift_in_text() {
    let m = mermaid::write(&sample());
    assert!(m.starts_with("erDiagram\n"), "{m}");
    // A comma is not allowed in a Mermaid type: precision goes to the comment.
    assert!(
        m.contains("numeric price \"8,2; drift: DJSA244 Column 'shop_book'.price"),
        "{m}"
    );
    assert!(m.contains("drift DJSA101 \"Model changes"), "{m}");
    assert!(
        m.contains("shop_book }o--o| shop_author : \"author\""),
        "{m}"
    );
}

#[test]
fn dot_has_ports_and_red_drift() {
    let d = dot::write(&sample());
    assert!(
        d.contains("shop_book:c_author_id:w -> shop_author:ec_id:e"),
        "{d}"
    );
    assert!(d.contains("COLOR=\"#c62828\""), "{d}");
    assert!(d.contains("subgraph cluster_app_shop"), "{d}");
    assert!(
        d.contains(r#"tooltip="DJSA244: Column \"shop_book\".price"#),
        "{d}"
    );
    // The table-level drift row is HTML-escaped inside the label.
    assert!(
        d.contains("DJSA101: Model changes not reflected in a migration: Create model Author"),
        "{d}"
    );
}

#[test]
fn svg_is_deterministic_and_places_references_left() {
    let g = sample();
    let a = svg::write(&g, "t");
    assert_eq!(a, svg::write(&g, "t"));
    assert!(
        a.contains(">shop.Book</text>") && a.contains(">shop.Author</text>"),
        "{a}"
    );
    // shop.Author (referenced) is in the first column, shop.Book right of it.
    let x_of = |id: &str| -> f64 {
        let i = a.find(&format!("id=\"node-{id}\"")).unwrap();
        let r = &a[i..];
        let j = r.find("<rect x=\"").unwrap() + 9;
        r[j..].split('"').next().unwrap().parse().unwrap()
    };
    assert!(x_of("shop_author") < x_of("shop_book"));
}

#[test]
fn svg_survives_cycles_self_references_and_empty_graphs() {
    let mut g = sample();
    // shop_author -> shop_book closes a cycle; shop_book -> shop_book is a self-reference.
    for (from, to) in [(1, 0), (0, 0)] {
        g.edges.push(GraphEdge {
            from,
            from_column: Some("id".into()),
            to,
            to_column: None,
            kind: EdgeKind::ForeignKey,
            label: "x".into(),
            null: false,
            orm: Orm::Sqlalchemy,
        });
    }
    let s = svg::write(&g, "t");
    assert_eq!(s.matches("class=\"edge\"").count(), 3, "{s}");
    assert!(s.contains(">shop.Book</text>") && s.contains(">shop.Author</text>"));
    let empty = svg::write(&SchemaGraph::default(), "empty");
    assert!(empty.starts_with("<svg ") && empty.trim_end().ends_with("</svg>"));
    assert!(mermaid::write(&SchemaGraph::default()).starts_with("erDiagram\n"));
}
