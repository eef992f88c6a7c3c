//! Unit tests of URL handling and of the read-only session setup against real servers
//! (PostgreSQL on 127.0.0.1:5432, MariaDB on 127.0.0.1:3306). Without a server the server tests
//! say so and pass, except under CI (`CI` set), where a missing server is a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use sqlx::Executor;

use super::*;

#[test]
fn redacts_passwords_everywhere() {
    assert_eq!(
        redact_url("postgres://bob:s3cret@db.example:5432/app"),
        "postgres://bob:***@db.example:5432/app"
    );
    assert_eq!(
        redact_url("mysql://root@127.0.0.1/test"),
        "mysql://root@127.0.0.1/test"
    );
    assert_eq!(
        redact_url("postgres://db/app?sslmode=require&password=hunter2"),
        "postgres://db/app?sslmode=require&password=***"
    );
    assert_eq!(
        redact_url("postgres://u:p%40ss@h/d#frag"),
        "postgres://u:***@h/d#frag"
    );
    // An '@' inside the password: the last '@' ends the userinfo.
    assert_eq!(redact_url("postgres://u:a@b@h/d"), "postgres://u:***@h/d");
    assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    assert_eq!(redact_url("garbage with spaces:pw"), "***");
    assert_eq!(redact_url("weird:stuff"), "weird:***");
    assert!(!scrub("failed for hunter2 and hunter%32", Some("hunter%32")).contains("hunter"));
}

#[test]
fn parses_and_rejects_urls() {
    let p = parse_url("postgresql://u:pw@127.0.0.1:5433/test?sslmode=disable").unwrap();
    assert_eq!(p.backend, Backend::Postgresql);
    assert_eq!(p.target, "127.0.0.1:5433");
    assert_eq!(
        p.sqlx_url,
        "postgres://u:pw@127.0.0.1:5433/test?sslmode=disable"
    );
    assert_eq!(p.password.as_deref(), Some("pw"));
    let m = parse_url("mariadb://root@localhost/test").unwrap();
    assert_eq!(
        (m.backend, m.target.as_str()),
        (Backend::Mysql, "localhost:3306")
    );
    assert!(m.sqlx_url.starts_with("mysql://"));
    let s = parse_url("sqlite:///tmp/a.db").unwrap();
    assert_eq!(
        (s.backend, s.target.as_str()),
        (Backend::Sqlite, "/tmp/a.db")
    );
    for (bad, want) in [
        ("oracle://u:pw@h/d", "unknown database URL scheme"),
        ("no-scheme-here", "malformed database URL"),
        ("postgres://u:pw@h:notaport/d", "invalid port"),
        ("postgres://u:pw@h:5432", "no database name"),
        ("postgres://u:pw@/d", "no host"),
        ("sqlite://x.db?immutable=1", "immutable"),
        ("sqlite://x.db?mode=rwc", "mode=ro"),
        ("", "empty"),
    ] {
        let e = parse_url(bad).unwrap_err().0;
        assert!(e.contains(want), "{bad}: {e}");
        assert!(!e.contains(":pw@"), "{bad}: password shown: {e}");
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The server is reachable, or (outside CI) the test is skipped with a note.
fn server_up(addr: &str) -> bool {
    let up = std::net::TcpStream::connect_timeout(&addr.parse().unwrap(), Duration::from_secs(1))
        .is_ok();
    if !up {
        assert!(
            std::env::var_os("CI").is_none(),
            "{addr} is down under CI: .ci/run must start it"
        );
        eprintln!("skipped: no server on {addr}");
    }
    up
}

fn pg_url() -> String {
    std::env::var("DJSA_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test?sslmode=disable".into())
}
fn my_url() -> String {
    std::env::var("DJSA_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test?ssl-mode=disabled".into())
}

/// Through djsa's own session setup, a write fails even though the user may write.
#[test]
fn postgres_session_is_read_only() {
    if !server_up("127.0.0.1:5432") {
        return;
    }
    rt().block_on(async {
        let parts = parse_url(&pg_url()).unwrap();
        let mut n = Counter::default();
        let mut conn = postgres::open(&parts, Duration::from_secs(5), &mut n)
            .await
            .unwrap();
        for sql in [
            "CREATE TABLE djsa_must_not_exist (x int)",
            "CREATE TEMPORARY TABLE djsa_tmp (x int)",
        ] {
            let e = conn
                .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql)))
                .await
                .unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains("read-only transaction"), "{sql}: {msg}");
            // The failed statement aborts the transaction; start a fresh read-only one.
            conn.execute(sqlx::raw_sql("ROLLBACK; BEGIN READ ONLY"))
                .await
                .unwrap();
        }
        // Even after the transaction ends, the session default stays read-only.
        conn.execute(sqlx::raw_sql("ROLLBACK")).await.unwrap();
        let e = conn
            .execute(sqlx::raw_sql("CREATE TABLE djsa_must_not_exist (x int)"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("read-only transaction"), "{e}");
    });
}

#[test]
fn mariadb_session_is_read_only() {
    if !server_up("127.0.0.1:3306") {
        return;
    }
    rt().block_on(async {
        let parts = parse_url(&my_url()).unwrap();
        let mut n = Counter::default();
        let (mut conn, _, _) = mysql::open(&parts, Duration::from_secs(5), &mut n).await.unwrap();
        for sql in ["CREATE TABLE djsa_must_not_exist (x int)", "CREATE TEMPORARY TABLE djsa_tmp (x int)", "DROP TABLE IF EXISTS djsa_must_not_exist"] {
            let e = conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql))).await;
            let msg = format!("{e:?}");
            assert!(msg.contains("READ ONLY") || msg.contains("1792"), "{sql}: {msg}");
        }
        // After the transaction, the session characteristic still applies to new transactions.
        conn.execute(sqlx::raw_sql("ROLLBACK")).await.unwrap();
        let e = conn.execute(sqlx::raw_sql("CREATE TABLE djsa_must_not_exist (x int)")).await;
        assert!(format!("{e:?}").contains("READ ONLY"), "{e:?}");
        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'djsa_must_not_exist'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(exists, 0);
    });
}

#[test]
fn sqlite_is_opened_read_only_and_never_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    rt().block_on(async {
        use sqlx::Connection;
        let mut w = sqlx::SqliteConnection::connect_with(
            &sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true),
        )
        .await
        .unwrap();
        w.execute(sqlx::raw_sql("CREATE TABLE t (id integer PRIMARY KEY)"))
            .await
            .unwrap();
        w.close().await.unwrap();
        let parts = parse_url(&format!("sqlite://{}", path.display())).unwrap();
        let mut conn = sqlite::open(&parts, Duration::from_secs(5)).await.unwrap();
        for sql in [
            "CREATE TABLE x (y int)",
            "INSERT INTO t VALUES (1)",
            "PRAGMA user_version = 7",
        ] {
            let e = conn
                .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql)))
                .await
                .unwrap_err();
            assert!(
                e.to_string().contains("readonly")
                    || e.to_string().contains("read-only")
                    || e.to_string().contains("query_only"),
                "{sql}: {e}"
            );
        }
        let missing = parse_url(&format!(
            "sqlite://{}",
            dir.path().join("nope.db").display()
        ))
        .unwrap();
        let e = sqlite::open(&missing, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(e.0.contains("does not exist"), "{e}");
        assert!(!dir.path().join("nope.db").exists());
    });
}

#[test]
fn introspection_uses_a_constant_number_of_queries() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.db");
    rt().block_on(async {
        use sqlx::Connection;
        let mut w = sqlx::SqliteConnection::connect_with(&sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true))
            .await
            .unwrap();
        let mut counts = Vec::new();
        for k in 0..3 {
            for j in 0..10 {
                let sql = format!("CREATE TABLE t{k}_{j} (id integer PRIMARY KEY AUTOINCREMENT, name varchar(10) NOT NULL UNIQUE, p integer REFERENCES t{k}_{j}(id))");
                w.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(sql))).await.unwrap();
            }
            let i = introspect(&format!("sqlite://{}", path.display())).await.unwrap();
            assert_eq!(i.schema.tables.len(), (k + 1) * 10);
            counts.push(i.catalog_queries);
        }
        // Neither django_migrations nor alembic_version: two queries fewer.
        assert_eq!(counts, [sqlite::CATALOG_QUERIES - 2; 3]);
        for sql in [
            "CREATE TABLE django_migrations (id integer PRIMARY KEY, app varchar(255), name varchar(255), applied datetime)",
            "INSERT INTO django_migrations (app, name, applied) VALUES ('shop', '0001_initial', '2026-01-01')",
            "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)",
            "INSERT INTO alembic_version VALUES ('a1b2')",
        ] {
            w.execute(sqlx::raw_sql(sql)).await.unwrap();
        }
        let i = introspect(&format!("sqlite://{}", path.display())).await.unwrap();
        assert_eq!(i.catalog_queries, sqlite::CATALOG_QUERIES);
        assert_eq!(i.schema.alembic_versions, Some(vec!["a1b2".to_string()]));
        assert_eq!(
            i.schema.applied_migrations,
            Some(vec![("shop".to_string(), "0001_initial".to_string())])
        );
        let t = i.schema.table("t0_0").unwrap();
        assert_eq!(t.primary_key, ["id"]);
        assert_eq!(t.uniques, [vec!["name".to_string()]]);
        assert_eq!(t.foreign_keys[0].ref_table, "t0_0");
        assert_eq!(t.foreign_keys[0].ref_columns, ["id"]);
        assert!(t.columns[0].is_identity);
        assert_eq!(t.columns[1].data_type, "varchar(10)");
    });
}

/// A server that accepts and never answers: a clear timeout error, no password.
#[test]
fn stalled_server_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    rt().block_on(async {
        for scheme in ["postgres", "mysql"] {
            let parts = parse_url(&format!("{scheme}://u:topsecret@127.0.0.1:{port}/db")).unwrap();
            let t = std::time::Instant::now();
            let e = match parts.backend {
                Backend::Postgresql => {
                    postgres::open(&parts, Duration::from_millis(500), &mut Counter::default())
                        .await
                        .map(|_| ())
                }
                _ => mysql::open(&parts, Duration::from_millis(500), &mut Counter::default())
                    .await
                    .map(|_| ()),
            }
            .unwrap_err();
            assert!(t.elapsed() < Duration::from_secs(3));
            assert!(e.0.contains("timed out"), "{e}");
            assert!(!e.0.contains("topsecret"), "{e}");
        }
    });
}

#[test]
fn sqlite_named_checks_survive_odd_text() {
    for sql in [
        "CREATE TABLE t (a int, CONSTRAINT x ché",
        "CREATE TABLE t (CONSTRAINT \"é\" CHECK (a > 'é'",
        "CONSTRAINT",
        "CONSTRAINT [unterminated",
        "'unterminated",
    ] {
        let _ = super::sqlite::named_checks(sql);
    }
    assert_eq!(
        super::sqlite::named_checks("CREATE TABLE t (a int, CONSTRAINT \"é\" CHECK (a > 'é'))")[0]
            .name,
        "é"
    );
}

#[test]
fn sqlite_named_checks_come_from_the_create_table_sql() {
    let sql = r#"CREATE TABLE "shop_book" ("id" integer NOT NULL PRIMARY KEY, "note" varchar(10) NOT NULL DEFAULT 'constraint x check (1)', "pages" integer unsigned NOT NULL CHECK ("pages" >= 0), CONSTRAINT "price_positive" CHECK (("price" >= 0 AND ("x" IN ('(', ')')))), constraint [other] check(a>1), CONSTRAINT "u" UNIQUE ("note"))"#;
    let got: Vec<(String, String)> = super::sqlite::named_checks(sql)
        .into_iter()
        .map(|c| (c.name, c.definition))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "price_positive".to_string(),
                r#"CHECK (("price" >= 0 AND ("x" IN ('(', ')'))))"#.to_string()
            ),
            ("other".to_string(), "CHECK (a>1)".to_string()),
        ]
    );
}
