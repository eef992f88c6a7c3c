//! PostgreSQL: pg_catalog (not information_schema, which hides columns without privileges), in
//! one REPEATABLE READ READ ONLY transaction that is rolled back.

use std::str::FromStr;
use std::time::{Duration, Instant};

use djsa_analysis::schema::{
    Backend, DbCheck, DbColumn, DbForeignKey, DbIndex, DbSchema, DbTable, normalize_type,
};
use rustc_hash::FxHashMap;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{Connection, Executor, Row};

use super::{Applied, Counter, Introspection, LiveError, STATEMENT_TIMEOUT_SECS, UrlParts, within};

/// Catalog queries: 6 always, +1 when `django_migrations` exists, +1 when `alembic_version`
/// exists (`migration_tables` decides).
pub const CATALOG_QUERIES: u32 = 8;

const SERVER: &str = "SELECT current_setting('server_version') AS version, current_setting('transaction_read_only') AS ro";
const TABLES: &str = "SELECT c.relname::text AS table_name, c.relkind::text AS kind, obj_description(c.oid, 'pg_class') AS comment
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','p','v','m','f') AND n.nspname = ANY (current_schemas(false)) AND NOT c.relispartition
ORDER BY array_position(current_schemas(false), n.nspname::name), 1";
const COLUMNS: &str = "SELECT c.relname::text AS table_name, a.attname::text AS column_name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type, a.attnotnull AS not_null,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default_expr, a.attidentity::text AS identity,
       pg_catalog.col_description(a.attrelid, a.attnum) AS comment
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE c.relkind IN ('r','p','v','m','f') AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname = ANY (current_schemas(false))
ORDER BY array_position(current_schemas(false), n.nspname::name), 1, a.attnum";
const CONSTRAINTS: &str = "SELECT c.relname::text AS table_name, con.conname::text AS name, con.contype::text AS type,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord) AS columns,
       fc.relname::text AS ref_table,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord) AS ref_columns,
       NULLIF(con.confdeltype::text, ' ') AS on_delete,
       pg_catalog.pg_get_constraintdef(con.oid, true) AS definition
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
WHERE n.nspname = ANY (current_schemas(false)) AND con.contype IN ('p','u','f','c')
ORDER BY 1, 2";
const INDEXES: &str = "SELECT t.relname::text AS table_name, i.relname::text AS index_name, ix.indisunique AS is_unique,
       ix.indisprimary AS is_primary,
       ARRAY(SELECT pg_catalog.pg_get_indexdef(ix.indexrelid, k, true)
             FROM generate_series(1, ix.indnkeyatts) k ORDER BY k) AS elements,
       ARRAY(SELECT a.attname::text FROM generate_series(1, ix.indnkeyatts) k
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ix.indkey[k - 1]
             ORDER BY k) AS attnames,
       ix.indpred IS NOT NULL AS partial
FROM pg_catalog.pg_index ix
JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = ANY (current_schemas(false))
ORDER BY 1, 2";
const MIGRATION_TABLES: &str = "SELECT to_regclass('django_migrations')::text AS django_migrations, to_regclass('alembic_version')::text AS alembic_version";
const ALEMBIC_VERSION: &str = "SELECT version_num::text AS version_num FROM alembic_version";
const DJANGO_MIGRATIONS: &str = "SELECT app::text, name::text FROM django_migrations ORDER BY id";

/// Open the configured read-only session: connect (bounded by `timeout`), make the session and
/// a REPEATABLE READ transaction read-only, with statement and lock timeouts.
pub(crate) async fn open(
    parts: &UrlParts,
    timeout: Duration,
    n: &mut Counter,
) -> Result<PgConnection, LiveError> {
    let opts = PgConnectOptions::from_str(&parts.sqlx_url)
        .map_err(|e| super::describe(&e, parts, "reading the URL"))?
        .application_name("djsa-check");
    let mut conn = within(
        timeout,
        parts,
        "connecting",
        PgConnection::connect_with(&opts),
    )
    .await?;
    n.statements += 1;
    within(
        timeout,
        parts,
        "making the session read-only",
        conn.execute(sqlx::raw_sql(
            "SET SESSION default_transaction_read_only = on",
        )),
    )
    .await?;
    let setup = format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \
         SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT_SECS}s'; \
         SET LOCAL lock_timeout = '5s'; \
         SET LOCAL idle_in_transaction_session_timeout = '60s'"
    );
    n.statements += 4;
    within(
        timeout,
        parts,
        "starting a read-only transaction",
        conn.execute(sqlx::raw_sql(sqlx::AssertSqlSafe(setup))),
    )
    .await?;
    Ok(conn)
}

fn s(row: &PgRow, col: &str) -> Option<String> {
    row.try_get::<Option<String>, _>(col).ok().flatten()
}

fn b(row: &PgRow, col: &str) -> bool {
    row.try_get::<Option<bool>, _>(col)
        .ok()
        .flatten()
        .unwrap_or(false)
}

fn arr(row: &PgRow, col: &str) -> Vec<Option<String>> {
    row.try_get::<Vec<Option<String>>, _>(col)
        .unwrap_or_default()
}

fn unquote(ident: &str) -> String {
    match ident.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => ident.to_string(),
    }
}

pub(crate) async fn introspect(
    parts: &UrlParts,
    timeout: Duration,
) -> Result<Introspection, LiveError> {
    let mut n = Counter::default();
    let t = Instant::now();
    let mut conn = open(parts, timeout, &mut n).await?;
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
    let server = fetch!(SERVER, "reading the server version");
    let version = server
        .first()
        .and_then(|r| s(r, "version"))
        .unwrap_or_default();
    let tables = fetch!(TABLES, "listing tables");
    let columns = fetch!(COLUMNS, "reading columns");
    let constraints = fetch!(CONSTRAINTS, "reading constraints");
    let indexes = fetch!(INDEXES, "reading indexes");
    let mt = fetch!(MIGRATION_TABLES, "looking for django_migrations");
    let has_dm = mt.first().and_then(|r| s(r, "django_migrations")).is_some();
    let applied: Applied = if has_dm {
        let rows = fetch!(DJANGO_MIGRATIONS, "reading django_migrations");
        Some(
            rows.iter()
                .filter_map(|r| Some((s(r, "app")?, s(r, "name")?)))
                .collect(),
        )
    } else {
        None
    };
    let has_av = mt.first().and_then(|r| s(r, "alembic_version")).is_some();
    let alembic_versions = if has_av {
        let rows = fetch!(ALEMBIC_VERSION, "reading alembic_version");
        Some(rows.iter().filter_map(|r| s(r, "version_num")).collect())
    } else {
        None
    };
    n.statements += 1;
    // Nothing was written; end the transaction anyway, then close.
    let _ = conn.execute(sqlx::raw_sql("ROLLBACK")).await;
    let _ = conn.close().await;
    let query_time = t.elapsed();

    let mut out: Vec<DbTable> = Vec::new();
    let mut by_name: FxHashMap<String, usize> = FxHashMap::default();
    for r in &tables {
        let Some(name) = s(r, "table_name") else {
            continue;
        };
        if by_name.contains_key(&name) {
            continue; // shadowed by an earlier schema on the search path
        }
        let kind = s(r, "kind").unwrap_or_default();
        by_name.insert(name.clone(), out.len());
        out.push(DbTable {
            name,
            is_view: kind == "v" || kind == "m",
            columns: Vec::new(),
            primary_key: Vec::new(),
            uniques: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            comment: s(r, "comment"),
        });
    }
    for r in &columns {
        let (Some(t), Some(name), Some(ty)) =
            (s(r, "table_name"), s(r, "column_name"), s(r, "data_type"))
        else {
            continue;
        };
        let Some(&i) = by_name.get(&t) else { continue };
        if out[i].column(&name).is_some() {
            continue;
        }
        let default = s(r, "default_expr");
        let identity = s(r, "identity").is_some_and(|x| !x.trim().is_empty())
            || default
                .as_deref()
                .is_some_and(|d| d.starts_with("nextval("));
        out[i].columns.push(DbColumn {
            name,
            data_type: normalize_type(Backend::Postgresql, false, &ty),
            raw_type: ty,
            nullable: !b(r, "not_null"),
            default,
            is_identity: identity,
            comment: s(r, "comment"),
        });
    }
    for r in &constraints {
        let (Some(t), Some(name), Some(kind)) = (s(r, "table_name"), s(r, "name"), s(r, "type"))
        else {
            continue;
        };
        let Some(&i) = by_name.get(&t) else { continue };
        let cols: Vec<String> = arr(r, "columns").into_iter().flatten().collect();
        match kind.as_str() {
            "p" => out[i].primary_key = cols,
            "u" => out[i].uniques.push(cols),
            "f" => out[i].foreign_keys.push(DbForeignKey {
                name,
                columns: cols,
                ref_table: s(r, "ref_table").unwrap_or_default(),
                ref_columns: arr(r, "ref_columns").into_iter().flatten().collect(),
                on_delete: s(r, "on_delete").map(|c| on_delete(&c).to_string()),
            }),
            "c" => out[i].checks.push(DbCheck {
                name,
                definition: s(r, "definition").unwrap_or_default(),
            }),
            _ => {}
        }
    }
    for r in &indexes {
        let (Some(t), Some(name)) = (s(r, "table_name"), s(r, "index_name")) else {
            continue;
        };
        let Some(&i) = by_name.get(&t) else { continue };
        let elements = arr(r, "elements");
        let attnames = arr(r, "attnames");
        // A key column is a plain column when its attnum is set (expressions have attnum 0).
        let columns: Vec<Option<String>> = elements
            .iter()
            .zip(attnames.iter().chain(std::iter::repeat(&None)))
            .map(|(e, a)| match (e, a) {
                (Some(e), Some(a)) if unquote(e) == *a => Some(a.clone()),
                _ => None,
            })
            .collect();
        if b(r, "is_primary") {
            continue;
        }
        out[i].indexes.push(DbIndex {
            name,
            columns,
            unique: b(r, "is_unique"),
            partial: b(r, "partial"),
        });
    }
    Ok(Introspection {
        schema: DbSchema {
            backend: Backend::Postgresql,
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

fn on_delete(code: &str) -> &'static str {
    match code {
        "a" => "NO ACTION",
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "?",
    }
}
