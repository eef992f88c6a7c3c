//! SQLite: `sqlite_schema` joined with the pragma table-valued functions, on a connection opened
//! read-only (`SQLITE_OPEN_READONLY`, i.e. `mode=ro`) with `query_only`; never created, never
//! `immutable`.

use std::str::FromStr;
use std::time::{Duration, Instant};

use djsa_analysis::schema::{
    Backend, DbCheck, DbColumn, DbForeignKey, DbIndex, DbSchema, DbTable, normalize_type,
};
use rustc_hash::FxHashMap;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{Connection, Row};

use super::{Applied, Counter, Introspection, LiveError, UrlParts, within};

/// Catalog queries: 6 always, +1 when `django_migrations` exists, +1 when `alembic_version` exists.
pub const CATALOG_QUERIES: u32 = 8;

const SERVER: &str = "SELECT sqlite_version() AS version";
const SCHEMA: &str = "SELECT type, name, tbl_name, sql FROM sqlite_schema
WHERE name NOT LIKE 'sqlite_%' AND type IN ('table', 'view') ORDER BY name";
const COLUMNS: &str =
    "SELECT m.name AS table_name, p.name AS column_name, p.type, p.\"notnull\" AS not_null,
       p.dflt_value, p.pk
FROM sqlite_schema m JOIN pragma_table_xinfo(m.name) p
WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%' AND p.hidden = 0
ORDER BY m.name, p.cid";
const INDEXES: &str =
    "SELECT m.name AS table_name, il.name AS index_name, il.\"unique\" AS is_unique, il.origin,
       il.partial, ii.name AS column_name
FROM sqlite_schema m
JOIN pragma_index_list(m.name) il
JOIN pragma_index_xinfo(il.name) ii
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND ii.key = 1
ORDER BY m.name, il.name, ii.seqno";
const FOREIGN_KEYS: &str =
    "SELECT m.name AS table_name, fk.id, fk.\"table\" AS ref_table, fk.\"from\" AS column_name,
       fk.\"to\" AS ref_column, fk.on_delete
FROM sqlite_schema m JOIN pragma_foreign_key_list(m.name) fk
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
ORDER BY m.name, fk.id, fk.seq";
const MIGRATION_TABLES: &str = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('django_migrations', 'alembic_version')";
const ALEMBIC_VERSION: &str = "SELECT version_num FROM alembic_version";
const DJANGO_MIGRATIONS: &str = "SELECT app, name FROM django_migrations ORDER BY id";

/// Open the database file read-only. It must exist: nothing is ever created.
pub(crate) async fn open(
    parts: &UrlParts,
    timeout: Duration,
) -> Result<SqliteConnection, LiveError> {
    let path = parts.target.as_str();
    if !std::path::Path::new(path).is_file() {
        return Err(LiveError(format!(
            "SQLite database file {path} does not exist"
        )));
    }
    let opts = SqliteConnectOptions::from_str(&parts.sqlx_url)
        .map_err(|e| super::describe(&e, parts, "reading the URL"))?
        .read_only(true)
        .create_if_missing(false)
        .immutable(false)
        .pragma("query_only", "ON");
    within(
        timeout,
        parts,
        "opening the database",
        SqliteConnection::connect_with(&opts),
    )
    .await
}

fn s(row: &SqliteRow, col: &str) -> Option<String> {
    if let Ok(v) = row.try_get::<Option<String>, _>(col) {
        return v;
    }
    row.try_get::<Option<i64>, _>(col)
        .ok()
        .flatten()
        .map(|x| x.to_string())
}

fn i(row: &SqliteRow, col: &str) -> i64 {
    row.try_get::<Option<i64>, _>(col)
        .ok()
        .flatten()
        .unwrap_or(0)
}

pub(crate) async fn introspect(
    parts: &UrlParts,
    timeout: Duration,
) -> Result<Introspection, LiveError> {
    let mut n = Counter::default();
    let t = Instant::now();
    let mut conn = open(parts, timeout).await?;
    let connect_time = t.elapsed();
    let t = Instant::now();
    let limit = Duration::from_secs(super::STATEMENT_TIMEOUT_SECS);
    macro_rules! fetch {
        ($sql:expr, $what:expr) => {{
            n.catalog += 1;
            n.statements += 1;
            within(limit, parts, $what, sqlx::query($sql).fetch_all(&mut conn)).await?
        }};
    }
    let server = fetch!(SERVER, "reading the SQLite version");
    let version = server
        .first()
        .and_then(|r| s(r, "version"))
        .unwrap_or_default();
    let schema = fetch!(SCHEMA, "listing tables");
    let columns = fetch!(COLUMNS, "reading columns");
    let indexes = fetch!(INDEXES, "reading indexes");
    let fks = fetch!(FOREIGN_KEYS, "reading foreign keys");
    let mt = fetch!(MIGRATION_TABLES, "looking for django_migrations");
    let has = |name: &str| mt.iter().any(|r| s(r, "name").as_deref() == Some(name));
    let (has_dm, has_av) = (has("django_migrations"), has("alembic_version"));
    let alembic_versions = if has_av {
        let rows = fetch!(ALEMBIC_VERSION, "reading alembic_version");
        Some(rows.iter().filter_map(|r| s(r, "version_num")).collect())
    } else {
        None
    };
    let applied: Applied = if !has_dm {
        None
    } else {
        let rows = fetch!(DJANGO_MIGRATIONS, "reading django_migrations");
        Some(
            rows.iter()
                .filter_map(|r| Some((s(r, "app")?, s(r, "name")?)))
                .collect(),
        )
    };
    let _ = conn.close().await;
    let query_time = t.elapsed();

    let mut out: Vec<DbTable> = Vec::new();
    let mut by_name: FxHashMap<String, usize> = FxHashMap::default();
    let mut autoinc: FxHashMap<usize, bool> = FxHashMap::default();
    for r in &schema {
        let Some(name) = s(r, "name") else { continue };
        let sql = s(r, "sql").unwrap_or_default();
        by_name.insert(name.clone(), out.len());
        autoinc.insert(
            out.len(),
            sql.to_ascii_uppercase().contains("AUTOINCREMENT"),
        );
        out.push(DbTable {
            name,
            is_view: s(r, "type").as_deref() == Some("view"),
            columns: Vec::new(),
            primary_key: Vec::new(),
            uniques: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: named_checks(&sql),
            comment: None,
        });
    }
    let mut pks: Vec<(usize, i64, String)> = Vec::new();
    for r in &columns {
        let (Some(t), Some(name)) = (s(r, "table_name"), s(r, "column_name")) else {
            continue;
        };
        let Some(&ti) = by_name.get(&t) else { continue };
        let ty = s(r, "type").unwrap_or_default();
        let pk = i(r, "pk");
        if pk > 0 {
            pks.push((ti, pk, name.clone()));
        }
        out[ti].columns.push(DbColumn {
            name,
            data_type: normalize_type(Backend::Sqlite, false, &ty),
            raw_type: ty,
            nullable: i(r, "not_null") == 0 && pk == 0,
            default: s(r, "dflt_value"),
            is_identity: pk > 0 && autoinc.get(&ti).copied().unwrap_or(false),
            comment: None,
        });
    }
    pks.sort();
    for (ti, _, name) in pks {
        out[ti].primary_key.push(name);
    }
    let mut ix: Vec<(usize, DbIndex, String)> = Vec::new();
    for r in &indexes {
        let (Some(t), Some(name)) = (s(r, "table_name"), s(r, "index_name")) else {
            continue;
        };
        let Some(&ti) = by_name.get(&t) else { continue };
        let col = s(r, "column_name");
        match ix.last_mut() {
            Some((li, last, _)) if *li == ti && last.name == name => last.columns.push(col),
            _ => ix.push((
                ti,
                DbIndex {
                    name,
                    columns: vec![col],
                    unique: i(r, "is_unique") == 1,
                    partial: i(r, "partial") == 1,
                },
                s(r, "origin").unwrap_or_default(),
            )),
        }
    }
    for (ti, index, origin) in ix {
        if origin == "pk" {
            continue;
        }
        if origin == "u"
            && let Some(cols) = index
                .columns
                .iter()
                .cloned()
                .collect::<Option<Vec<String>>>()
        {
            out[ti].uniques.push(cols);
        }
        out[ti].indexes.push(index);
    }
    let mut fk_list: Vec<(usize, i64, DbForeignKey)> = Vec::new();
    for r in &fks {
        let (Some(t), Some(col)) = (s(r, "table_name"), s(r, "column_name")) else {
            continue;
        };
        let Some(&ti) = by_name.get(&t) else { continue };
        let id = i(r, "id");
        let ref_table = s(r, "ref_table").unwrap_or_default();
        // `REFERENCES t` without a column means t's primary key.
        let ref_col = s(r, "ref_column");
        match fk_list.last_mut() {
            Some((li, lid, fk)) if *li == ti && *lid == id => {
                fk.columns.push(col);
                fk.ref_columns.extend(ref_col);
            }
            _ => fk_list.push((
                ti,
                id,
                DbForeignKey {
                    name: format!("{t}_fk{id}"),
                    columns: vec![col],
                    ref_table,
                    ref_columns: ref_col.into_iter().collect(),
                    on_delete: s(r, "on_delete"),
                },
            )),
        }
    }
    for (ti, _, mut fk) in fk_list {
        if fk.ref_columns.is_empty()
            && let Some(&ri) = by_name.get(&fk.ref_table)
        {
            fk.ref_columns = out[ri].primary_key.clone();
        }
        out[ti].foreign_keys.push(fk);
    }
    Ok(Introspection {
        schema: DbSchema {
            backend: Backend::Sqlite,
            mariadb: false,
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

/// Named CHECK constraints of a `CREATE TABLE` statement (`CONSTRAINT "name" CHECK (...)`): SQLite
/// keeps them only in the SQL text. Names only, with the parenthesised condition as written;
/// unnamed checks are left out (there is nothing to match them by).
pub(crate) fn named_checks(sql: &str) -> Vec<DbCheck> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // Skip string literals; find the keyword CONSTRAINT outside them.
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
                continue;
            }
            c if c.is_ascii_alphabetic() => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                if !sql[start..i].eq_ignore_ascii_case("constraint") {
                    continue;
                }
                let rest = &sql[i..];
                let (name, after) = match ident(rest.trim_start()) {
                    Some(x) => x,
                    None => continue,
                };
                let after = after.trim_start();
                if let (Some(kw), Some(rest)) = (after.get(..5), after.get(5..))
                    && kw.eq_ignore_ascii_case("check")
                {
                    let cond = rest.trim_start();
                    let def = balanced(cond).unwrap_or(cond);
                    out.push(DbCheck {
                        name,
                        definition: format!("CHECK {def}"),
                    });
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// A quoted (`"x"`, `` `x` ``, `[x]`) or bare identifier at the start of `s`, and the rest.
fn ident(s: &str) -> Option<(String, &str)> {
    let first = s.chars().next()?;
    let close = match first {
        '"' => '"',
        '`' => '`',
        '[' => ']',
        c if c.is_alphanumeric() || c == '_' => {
            let end = s
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(s.len());
            return Some((s[..end].to_string(), &s[end..]));
        }
        _ => return None,
    };
    let inner = &s[1..];
    let end = inner.find(close)?;
    Some((inner[..end].to_string(), &inner[end + 1..]))
}

/// The balanced `( ... )` group at the start of `s`.
fn balanced(s: &str) -> Option<&str> {
    if !s.starts_with('(') {
        return None;
    }
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(&s[..=i]);
                }
            }
            _ => {}
        }
    }
    None
}
