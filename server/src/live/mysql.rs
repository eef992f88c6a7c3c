//! MySQL / MariaDB: information_schema of `DATABASE()`, in a READ ONLY session and transaction.

use std::str::FromStr;
use std::time::{Duration, Instant};

use djsa_analysis::schema::{
    Backend, DbCheck, DbColumn, DbForeignKey, DbIndex, DbSchema, DbTable, normalize_type,
};
use rustc_hash::FxHashMap;
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::{Connection, Executor, Row};

use super::{Applied, Counter, Introspection, LiveError, STATEMENT_TIMEOUT_SECS, UrlParts, within};

/// Catalog queries: 8 always, +1 when `django_migrations` exists, +1 when `alembic_version` exists.
pub const CATALOG_QUERIES: u32 = 10;

const SERVER: &str = "SELECT VERSION() AS version, DATABASE() AS db";
const TABLES: &str = "SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME";
const COLUMNS: &str = "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION";
const INDEXES: &str = "SELECT TABLE_NAME, INDEX_NAME, CAST(NON_UNIQUE AS CHAR) AS NON_UNIQUE, COLUMN_NAME
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";
/// Key columns of PRIMARY KEY, UNIQUE and FOREIGN KEY constraints. Not joined with
/// TABLE_CONSTRAINTS / REFERENTIAL_CONSTRAINTS in SQL: on MariaDB that join of information_schema
/// views costs ~1.5 s for 1,000 tables, the separate queries ~40 ms each.
const KEYS: &str =
    "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";
const REFERENTIAL: &str = "SELECT TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE
FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()";
const CHECKS: &str = "SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc
  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'
ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME";
/// MariaDB: check names are unique per table only, so join on the table too.
const CHECKS_MARIADB: &str = "SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc
  ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
 AND cc.TABLE_NAME = tc.TABLE_NAME
WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'
ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME";
const MIGRATION_TABLES: &str = "SELECT TABLE_NAME FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('django_migrations', 'alembic_version')";
const ALEMBIC_VERSION: &str = "SELECT version_num FROM alembic_version";
const DJANGO_MIGRATIONS: &str = "SELECT app, name FROM django_migrations ORDER BY id";

/// Open the configured read-only session. The session characteristic (`SET SESSION TRANSACTION
/// READ ONLY`) is what stops DDL: on MariaDB `START TRANSACTION READ ONLY` alone does not, since
/// DDL commits the transaction implicitly and runs outside it.
pub(crate) async fn open(
    parts: &UrlParts,
    timeout: Duration,
    n: &mut Counter,
) -> Result<(MySqlConnection, bool, String), LiveError> {
    let opts = MySqlConnectOptions::from_str(&parts.sqlx_url)
        .map_err(|e| super::describe(&e, parts, "reading the URL"))?;
    let mut conn = within(
        timeout,
        parts,
        "connecting",
        MySqlConnection::connect_with(&opts),
    )
    .await?;
    n.statements += 1;
    within(
        timeout,
        parts,
        "making the session read-only",
        conn.execute(sqlx::raw_sql("SET SESSION TRANSACTION READ ONLY")),
    )
    .await?;
    n.statements += 1;
    n.catalog += 1;
    let row = within(
        timeout,
        parts,
        "reading the server version",
        sqlx::query(SERVER).fetch_one(&mut conn),
    )
    .await?;
    let version = s(&row, 0).unwrap_or_default();
    let mariadb = version.to_ascii_lowercase().contains("mariadb");
    let limits = if mariadb {
        format!(
            "SET SESSION lock_wait_timeout = 5, SESSION max_statement_time = {STATEMENT_TIMEOUT_SECS}"
        )
    } else {
        format!(
            "SET SESSION lock_wait_timeout = 5, SESSION max_execution_time = {}",
            STATEMENT_TIMEOUT_SECS * 1000
        )
    };
    n.statements += 2;
    within(
        timeout,
        parts,
        "setting time limits",
        conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(limits))),
    )
    .await?;
    within(
        timeout,
        parts,
        "starting a read-only transaction",
        conn.execute(sqlx::raw_sql(
            "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
        )),
    )
    .await?;
    Ok((conn, mariadb, version))
}

/// A column as text, whatever MySQL typed it as (I_S columns vary between servers).
fn s(row: &MySqlRow, idx: usize) -> Option<String> {
    if let Ok(v) = row.try_get::<Option<String>, _>(idx) {
        return v;
    }
    if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(idx) {
        return v.map(|b| String::from_utf8_lossy(&b).into_owned());
    }
    if let Ok(v) = row.try_get::<Option<i64>, _>(idx) {
        return v.map(|x| x.to_string());
    }
    if let Ok(v) = row.try_get::<Option<u64>, _>(idx) {
        return v.map(|x| x.to_string());
    }
    None
}

pub(crate) async fn introspect(
    parts: &UrlParts,
    timeout: Duration,
) -> Result<Introspection, LiveError> {
    let mut n = Counter::default();
    let t = Instant::now();
    let (mut conn, mariadb, version) = open(parts, timeout, &mut n).await?;
    let connect_time = t.elapsed();
    let t = Instant::now();
    let limit = Duration::from_secs(STATEMENT_TIMEOUT_SECS + 5);
    macro_rules! fetch {
        ($sql:expr, $what:expr) => {{
            n.catalog += 1;
            n.statements += 1;
            within(limit, parts, $what, sqlx::query($sql).fetch_all(&mut conn)).await?
        }};
    }
    let tables = fetch!(TABLES, "listing tables");
    let columns = fetch!(COLUMNS, "reading columns");
    let indexes = fetch!(INDEXES, "reading indexes");
    let keys = fetch!(KEYS, "reading key constraints");
    let referential = fetch!(REFERENTIAL, "reading foreign key rules");
    let checks = fetch!(
        if mariadb { CHECKS_MARIADB } else { CHECKS },
        "reading check constraints"
    );
    let mt = fetch!(MIGRATION_TABLES, "looking for django_migrations");
    let has = |name: &str| mt.iter().any(|r| s(r, 0).as_deref() == Some(name));
    let (has_dm, has_av) = (has("django_migrations"), has("alembic_version"));
    let applied: Applied = if !has_dm {
        None
    } else {
        let rows = fetch!(DJANGO_MIGRATIONS, "reading django_migrations");
        Some(
            rows.iter()
                .filter_map(|r| Some((s(r, 0)?, s(r, 1)?)))
                .collect(),
        )
    };
    let alembic_versions = if has_av {
        let rows = fetch!(ALEMBIC_VERSION, "reading alembic_version");
        Some(rows.iter().filter_map(|r| s(r, 0)).collect())
    } else {
        None
    };
    n.statements += 1;
    let _ = conn.execute(sqlx::raw_sql("ROLLBACK")).await;
    let _ = conn.close().await;
    let query_time = t.elapsed();

    let mut out: Vec<DbTable> = Vec::new();
    let mut by_name: FxHashMap<String, usize> = FxHashMap::default();
    for r in &tables {
        let Some(name) = s(r, 0) else { continue };
        by_name.insert(name.clone(), out.len());
        out.push(DbTable {
            name,
            is_view: s(r, 1).is_some_and(|k| k.contains("VIEW")),
            columns: Vec::new(),
            primary_key: Vec::new(),
            uniques: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            comment: s(r, 2).filter(|c| !c.is_empty()),
        });
    }
    for r in &columns {
        let (Some(t), Some(name), Some(ty)) = (s(r, 0), s(r, 1), s(r, 2)) else {
            continue;
        };
        let Some(&i) = by_name.get(&t) else { continue };
        // MariaDB spells a NULL default as the string NULL.
        let default = s(r, 4).filter(|d| !(mariadb && d == "NULL"));
        out[i].columns.push(DbColumn {
            name,
            data_type: normalize_type(Backend::Mysql, mariadb, &ty),
            raw_type: ty,
            nullable: s(r, 3).as_deref() == Some("YES"),
            default,
            is_identity: s(r, 5).is_some_and(|e| e.to_ascii_lowercase().contains("auto_increment")),
            comment: s(r, 6).filter(|c| !c.is_empty()),
        });
    }
    let mut ix: Vec<(usize, DbIndex)> = Vec::new();
    for r in &indexes {
        let (Some(t), Some(name)) = (s(r, 0), s(r, 1)) else {
            continue;
        };
        let Some(&i) = by_name.get(&t) else { continue };
        if name == "PRIMARY" {
            continue;
        }
        let col = s(r, 3);
        match ix.last_mut() {
            Some((ti, last)) if *ti == i && last.name == name => last.columns.push(col),
            _ => ix.push((
                i,
                DbIndex {
                    name,
                    columns: vec![col],
                    unique: s(r, 2).as_deref() == Some("0"),
                    partial: false,
                },
            )),
        }
    }
    for (i, index) in ix {
        out[i].indexes.push(index);
    }
    let mut fks: Vec<(usize, DbForeignKey)> = Vec::new();
    let mut uniques: Vec<(usize, String, Vec<String>)> = Vec::new();
    let rules: FxHashMap<(String, String), String> = referential
        .iter()
        .filter_map(|r| Some(((s(r, 0)?, s(r, 1)?), s(r, 2)?)))
        .collect();
    for r in &keys {
        let (Some(t), Some(name), Some(col)) = (s(r, 0), s(r, 1), s(r, 2)) else {
            continue;
        };
        let Some(&i) = by_name.get(&t) else { continue };
        let ref_table = s(r, 3);
        if name == "PRIMARY" {
            out[i].primary_key.push(col);
        } else if let Some(ref_table) = ref_table {
            match fks.last_mut() {
                Some((ti, fk)) if *ti == i && fk.name == name => {
                    fk.columns.push(col);
                    fk.ref_columns.extend(s(r, 4));
                }
                _ => fks.push((
                    i,
                    DbForeignKey {
                        on_delete: rules.get(&(t.clone(), name.clone())).cloned(),
                        name,
                        columns: vec![col],
                        ref_table,
                        ref_columns: s(r, 4).into_iter().collect(),
                    },
                )),
            }
        } else {
            match uniques.last_mut() {
                Some((ti, n, cols)) if *ti == i && *n == name => cols.push(col),
                _ => uniques.push((i, name, vec![col])),
            }
        }
    }
    for (i, fk) in fks {
        out[i].foreign_keys.push(fk);
    }
    for (i, _, cols) in uniques {
        out[i].uniques.push(cols);
    }
    for r in &checks {
        let (Some(t), Some(name)) = (s(r, 0), s(r, 1)) else {
            continue;
        };
        let Some(&i) = by_name.get(&t) else { continue };
        out[i].checks.push(DbCheck {
            name,
            definition: s(r, 2).unwrap_or_default(),
        });
    }
    Ok(Introspection {
        schema: DbSchema {
            backend: Backend::Mysql,
            mariadb,
            server_version: version,
            tables: out,
            applied_migrations: applied,
            alembic_versions,
        },
        catalog_queries: n.catalog,
        statements: n.statements,
        connect_time,
        query_time,
    })
}
