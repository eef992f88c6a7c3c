//! `djsa graph`: snapshots of the Mermaid and DOT output for the bundled example and for a
//! fixture where both ORMs map one table and drift (tests/graph_fixtures/shared_drift), the
//! checked-in SVG of the example kept current, the filters, and live-database drift marks.
//! The Python environment is disabled (`--python none`) so the output depends only on the files.
#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

use std::path::PathBuf;

use djsa_tests::{djsa, repo_root};

fn example() -> PathBuf {
    repo_root().join("examples").join("bookshop")
}

fn shared_drift() -> PathBuf {
    repo_root()
        .join("tests")
        .join("graph_fixtures")
        .join("shared_drift")
}

fn graph(dir: &std::path::Path, extra: &[&str]) -> String {
    let mut args = vec!["graph", dir.to_str().unwrap(), "--python", "none"];
    args.extend_from_slice(extra);
    let run = djsa(&args);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    run.stdout
}

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn mermaid_and_dot_snapshots() {
    for (case, dir) in [("bookshop", example()), ("shared_drift", shared_drift())] {
        for format in ["mermaid", "dot"] {
            let out = graph(&dir, &["--format", format]);
            snapshot(&format!("graph_{case}_{format}"), &out);
        }
    }
}

#[test]
fn default_format_is_mermaid() {
    let out = graph(&example(), &[]);
    assert!(out.starts_with("erDiagram\n"), "{out}");
}

/// Each drift finding lands on the column or box it names.
#[test]
fn drift_is_placed_on_columns_and_boxes() {
    let out = graph(&shared_drift(), &["--format", "mermaid"]);
    let line = |needle: &str| -> &str {
        out.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{out}"))
    };
    // Django vs SQLAlchemy on the shared `customer` table, which is one box with both names.
    assert!(
        out.contains("customer[\"shop.Customer + Customer (customer)\"]"),
        "{out}"
    );
    assert!(line("varchar(120) name").contains("drift: DJSA243"));
    assert!(line("integer loyalty_points").contains("SQLAlchemy only; drift: DJSA241"));
    assert!(!line("varchar(254) email").contains("drift"));
    // Model vs migrations: a new field on its row, a new model on its box.
    assert!(line("datetime placed_at").contains("drift: DJSA101"));
    assert!(line("drift DJSA101").contains("Create model Invoice"));
    // A SQLAlchemy-only table referencing the shared one.
    assert!(out.contains("analytics_visit }o--o| customer : \"customer_id [SQLAlchemy]\""));

    let dot = graph(&shared_drift(), &["--format", "dot"]);
    assert!(dot.contains("subgraph cluster_app_shop"), "{dot}");
    assert!(
        dot.contains("subgraph cluster_sqla_analytics_tables"),
        "{dot}"
    );
    assert!(
        dot.contains("analytics_visit:c_customer_id:w -> customer:ec_id:e"),
        "{dot}"
    );
    // Red border on the boxes with drift only.
    let border = |id: &str| -> bool {
        let start = dot.find(&format!("{id} [label=<<TABLE")).unwrap();
        dot[start..]
            .lines()
            .next()
            .unwrap()
            .contains("COLOR=\"#c62828\"")
    };
    assert!(border("customer") && border("shop_order") && border("shop_invoice"));
    assert!(!border("shop_product") && !border("analytics_visit"));
}

#[test]
fn filters_and_output_file() {
    // --app: only that app's models; relations out of it end at grey boxes.
    let out = graph(&example(), &["--app", "catalog"]);
    assert!(
        out.contains("catalog_book[\"catalog.Book (catalog_book)\"]"),
        "{out}"
    );
    assert!(!out.contains("orders_order"), "{out}");
    assert!(
        out.contains("auth_User[\"auth.User (not found)\"]"),
        "{out}"
    );
    let out = graph(&example(), &["--app", "orders"]);
    assert!(
        out.contains("catalog_book[\"catalog.Book (not drawn)\"]"),
        "{out}"
    );
    assert!(
        out.contains("orders_orderline }o--|| catalog_book : \"book\""),
        "{out}"
    );

    // --no-django: the SQLAlchemy side alone; drift found on the Django side is left out, the
    // SQLAlchemy side of a Django-vs-SQLAlchemy finding stays on its column.
    let out = graph(&shared_drift(), &["--no-django"]);
    assert!(out.contains("customer[\"Customer (customer)\"]"), "{out}");
    assert!(!out.contains("shop.Order"), "{out}");
    assert!(!out.contains("DJSA101"), "{out}");
    assert!(!out.contains("drift not on a table"), "{out}");
    assert!(out.contains("varchar(100) name \"drift: DJSA243"), "{out}");
    // --no-sqlalchemy: the Django side alone, without SQLAlchemy drift.
    let out = graph(&shared_drift(), &["--no-sqlalchemy"]);
    assert!(!out.contains("Visit"), "{out}");
    assert!(out.contains("drift: DJSA101"), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("g.dot");
    let out = graph(
        &example(),
        &["--format", "dot", "-o", file.to_str().unwrap()],
    );
    assert!(out.is_empty());
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.starts_with("digraph schema {"), "{written}");
}

/// docs/graph/bookshop.svg is what `djsa graph` draws for the example now.
#[test]
fn checked_in_svg_is_current() {
    let out = graph(&example(), &["--format", "svg"]);
    let path = repo_root().join("docs").join("graph").join("bookshop.svg");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == out,
        "{} is stale: regenerate it with\n  cargo run -p djsa -- graph examples/bookshop --python none --format svg -o docs/graph/bookshop.svg",
        path.display()
    );
    for model in [
        "catalog.Author",
        "catalog.Publisher",
        "catalog.Book",
        "catalog.Review",
        "orders.Order",
        "orders.OrderLine",
    ] {
        assert!(
            out.contains(&format!(">{model}</text>")),
            "{model} missing from the SVG"
        );
    }
}

/// With a live database, DJSA30x drift is marked too (SQLite, made here with Python's sqlite3).
#[test]
fn live_database_drift() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let script = format!(
        "import sqlite3; c = sqlite3.connect({:?}); \
         c.execute('create table customer (id integer primary key, name varchar(120) not null)'); \
         c.execute('create table shop_product (id integer primary key, sku varchar(20) not null unique, price decimal(8,2) not null, colour text)'); \
         c.commit()",
        db.to_str().unwrap()
    );
    let ok = std::process::Command::new("python3")
        .args(["-c", &script])
        .status()
        .expect("python3 is needed to make the SQLite database")
        .success();
    assert!(ok);
    let url = format!("sqlite://{}", db.to_str().unwrap());
    let out = graph(&shared_drift(), &["--database-url", &url]);
    let line = |needle: &str| -> String {
        out.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in\n{out}"))
            .to_string()
    };
    assert!(
        line("varchar(254) email").contains("drift: DJSA302"),
        "{out}"
    );
    assert!(
        line("drift DJSA303").contains("shop_product.colour"),
        "{out}"
    );
    assert!(line("drift DJSA301").contains("'shop_order'"), "{out}");
    assert!(out.contains("%% drift not on a table: DJSA309"), "{out}");
}
