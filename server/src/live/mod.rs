//! Live-database introspection for `djsa check --database-url` (the only module with sqlx).
//!
//! One connection per backend (no pool), one read-only transaction, a constant number of bulk
//! catalog queries (never one per table, never touching user tables), then the result is handed
//! to analysis as a plain [`DbSchema`]. Read-only by construction:
//! - PostgreSQL: `SET SESSION default_transaction_read_only = on`, then
//!   `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY` with `SET LOCAL statement_timeout` and
//!   `lock_timeout`, rolled back at the end.
//! - MySQL/MariaDB: `SET SESSION TRANSACTION READ ONLY` (the session characteristic: on MariaDB
//!   `START TRANSACTION READ ONLY` alone lets DDL through, since DDL commits implicitly), lock wait
//!   and statement time limits, then `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY`.
//! - SQLite: opened read-only (`SQLITE_OPEN_READONLY`, i.e. `mode=ro`) with `query_only`; never
//!   `immutable`, never created.
//!
//! Passwords never leave this module: every URL shown goes through [`redact_url`], and every
//! error message is scrubbed of the password.

mod mysql;
mod postgres;
mod sqlite;

use std::time::{Duration, Instant};

use anyhow::Result;
use djsa_analysis::schema::{Backend, DbSchema};

/// What one introspection did.
#[derive(Debug, Clone)]
pub struct Introspection {
    pub schema: DbSchema,
    /// Catalog queries sent (constant per backend, independent of the number of tables).
    pub catalog_queries: u32,
    /// Every statement sent, session setup and ROLLBACK included.
    pub statements: u32,
    pub connect_time: Duration,
    pub query_time: Duration,
}

/// A one-line, password-free error (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveError(pub String);

impl std::fmt::Display for LiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for LiveError {}

/// Default connect timeout; `DJSA_CONNECT_TIMEOUT` (seconds) overrides it.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Server-side limit for one catalog query.
pub const STATEMENT_TIMEOUT_SECS: u64 = 30;

pub fn connect_timeout() -> Duration {
    std::env::var("DJSA_CONNECT_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 3600.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
}

/// The parts of a database URL djsa needs before handing it to sqlx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    pub backend: Backend,
    /// The URL with the scheme spelled the way sqlx expects.
    pub sqlx_url: String,
    /// `host:port` (or the file path for SQLite), for messages.
    pub target: String,
    /// The password as written in the URL (percent-encoded), if any.
    pub password: Option<String>,
}

/// Split `scheme://authority/rest` into (scheme, authority, rest-with-leading-delimiter).
fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some((scheme, &rest[..end], &rest[end..]))
}

const SECRET_PARAMS: &[&str] = &[
    "password",
    "pass",
    "passwd",
    "sslpassword",
    "ssl-key-password",
];

/// The URL with its password (userinfo and `password=` query parameters) replaced by `***`.
/// The one function every URL shown to the user goes through.
pub fn redact_url(url: &str) -> String {
    let url = url.trim();
    let Some((scheme, authority, rest)) = split_url(url) else {
        // Not a URL we can parse: show only what cannot be a secret.
        return match url.split_once(':') {
            Some((scheme, _))
                if scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+') =>
            {
                format!("{scheme}:***")
            }
            _ => "***".to_string(),
        };
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_string(),
    };
    let rest = match rest.split_once('?') {
        Some((path, query)) => {
            let (query, frag) = match query.split_once('#') {
                Some((q, f)) => (q, format!("#{f}")),
                None => (query, String::new()),
            };
            let parts: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => {
                        format!("{k}=***")
                    }
                    _ => kv.to_string(),
                })
                .collect();
            format!("{path}?{}{frag}", parts.join("&"))
        }
        None => rest.to_string(),
    };
    format!("{scheme}://{authority}{rest}")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Remove a password from a message (encoded and decoded spellings), and keep it on one line.
pub fn scrub(msg: &str, password: Option<&str>) -> String {
    let mut m = msg.replace(['\n', '\r'], " ");
    if let Some(p) = password.filter(|p| !p.is_empty()) {
        for form in [p.to_string(), percent_decode(p)] {
            if !form.is_empty() {
                m = m.replace(&form, "***");
            }
        }
    }
    m
}

/// Check the URL's shape and scheme; a clear error for anything else.
pub fn parse_url(url: &str) -> Result<UrlParts, LiveError> {
    let url = url.trim();
    let shown = redact_url(url);
    if url.is_empty() {
        return Err(LiveError("the database URL is empty".into()));
    }
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(LiveError(format!(
            "malformed database URL {shown}: expected scheme://user@host:port/database (postgres://, mysql://, mariadb:// or sqlite://)"
        )));
    };
    let scheme_l = scheme.to_ascii_lowercase();
    let backend = match scheme_l.as_str() {
        "postgres" | "postgresql" => Backend::Postgresql,
        "mysql" | "mariadb" => Backend::Mysql,
        "sqlite" | "sqlite3" => Backend::Sqlite,
        _ => {
            return Err(LiveError(format!(
                "unknown database URL scheme {scheme:?} in {shown}: use postgres://, mysql://, mariadb:// or sqlite://"
            )));
        }
    };
    if backend == Backend::Sqlite {
        let path = rest.trim_start_matches("//");
        let (file, query) = path.split_once('?').unwrap_or((path, ""));
        if file.is_empty() {
            return Err(LiveError(format!(
                "malformed database URL {shown}: no SQLite file path"
            )));
        }
        if file == ":memory:" || query.split('&').any(|kv| kv.starts_with("mode=memory")) {
            return Err(LiveError(
                "an in-memory SQLite database has no schema to compare".into(),
            ));
        }
        if query
            .split('&')
            .any(|kv| kv.to_ascii_lowercase().starts_with("immutable"))
        {
            return Err(LiveError(format!(
                "{shown}: `immutable` is not allowed (it reads a database another process may be writing as if it never changed); djsa opens SQLite read-only by itself"
            )));
        }
        if query
            .split('&')
            .any(|kv| kv.starts_with("mode=") && kv != "mode=ro")
        {
            return Err(LiveError(format!(
                "{shown}: only mode=ro is allowed; djsa never writes"
            )));
        }
        return Ok(UrlParts {
            backend,
            sqlx_url: format!("sqlite://{path}"),
            target: file.to_string(),
            password: None,
        });
    }
    let Some((_, authority, path)) = split_url(url) else {
        return Err(LiveError(format!(
            "malformed database URL {shown}: expected {scheme}://user@host:port/database"
        )));
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let password = userinfo
        .and_then(|u| u.split_once(':'))
        .map(|(_, p)| p.to_string());
    if hostport.is_empty() {
        return Err(LiveError(format!(
            "malformed database URL {shown}: no host"
        )));
    }
    let default_port = if backend == Backend::Postgresql {
        5432
    } else {
        3306
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => match p.parse::<u16>() {
            Ok(p) => (h.to_string(), p),
            Err(_) if h.starts_with('[') && !h.ends_with(']') => {
                (hostport.to_string(), default_port)
            }
            Err(_) => {
                return Err(LiveError(format!(
                    "malformed database URL {shown}: invalid port {p:?}"
                )));
            }
        },
        _ => (hostport.to_string(), default_port),
    };
    let db = path
        .trim_start_matches('/')
        .split(['?', '#'])
        .next()
        .unwrap_or("");
    if db.is_empty() {
        return Err(LiveError(format!(
            "malformed database URL {shown}: no database name (…/{host}:{port}/<database>)"
        )));
    }
    let rest = &url[scheme.len()..];
    let sqlx_scheme = if backend == Backend::Postgresql {
        "postgres"
    } else {
        "mysql"
    };
    Ok(UrlParts {
        backend,
        sqlx_url: format!("{sqlx_scheme}{rest}"),
        target: format!("{host}:{port}"),
        password,
    })
}

/// Turn an sqlx error into one clear, password-free line.
pub(crate) fn describe(e: &sqlx::Error, parts: &UrlParts, what: &str) -> LiveError {
    let pw = parts.password.as_deref();
    let target = &parts.target;
    let msg = match e {
        sqlx::Error::Configuration(inner) => format!("malformed database URL: {inner}"),
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => {
                format!(
                    "cannot connect to {target}: connection refused (is the server running, and on that port?)"
                )
            }
            std::io::ErrorKind::TimedOut => format!("cannot connect to {target}: timed out"),
            _ => format!("cannot connect to {target}: {io}"),
        },
        sqlx::Error::Tls(inner) => format!("TLS error talking to {target}: {inner}"),
        sqlx::Error::Database(dbe) => {
            let code = dbe.code().map(|c| c.to_string()).unwrap_or_default();
            let number = dbe
                .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                .map(|m| m.number());
            let m = dbe.message();
            match (parts.backend, code.as_str(), number) {
                (_, "28P01" | "28000", _) | (_, _, Some(1045)) => {
                    format!("authentication failed at {target}: {m}")
                }
                (Backend::Postgresql, "3D000", _) | (_, _, Some(1049)) => {
                    format!("database does not exist at {target}: {m}")
                }
                (_, _, Some(1044)) => format!(
                    "no access to the database at {target} (missing database or missing privileges): {m}"
                ),
                (_, "42501", _) | (_, _, Some(1142 | 1143 | 1227 | 1370)) => {
                    format!("missing privileges at {target} while {what}: {m}")
                }
                (_, "57014", _) | (_, _, Some(1969 | 3024)) => {
                    format!("query timed out at {target} while {what}: {m}")
                }
                (Backend::Sqlite, _, _) if m.contains("unable to open") => {
                    format!("cannot open SQLite database file {target}: {m} (does the file exist?)")
                }
                (Backend::Sqlite, _, _) if m.contains("not a database") => {
                    format!("{target} is not an SQLite database: {m}")
                }
                _ if code.is_empty() => format!("database error at {target} while {what}: {m}"),
                _ => format!("database error at {target} while {what}: {m} ({code})"),
            }
        }
        sqlx::Error::Protocol(p) => format!(
            "protocol error talking to {target}: {p} (is this really a {} server?)",
            parts.backend.as_str()
        ),
        other => format!("error talking to {target} while {what}: {other}"),
    };
    LiveError(scrub(&msg, pw))
}

/// The number of catalog queries an introspection sends on a backend (at most; one fewer when
/// there is no `django_migrations` table), whatever the number of tables.
pub fn catalog_queries(backend: Backend) -> u32 {
    match backend {
        Backend::Postgresql => postgres::CATALOG_QUERIES,
        Backend::Mysql => mysql::CATALOG_QUERIES,
        Backend::Sqlite => sqlite::CATALOG_QUERIES,
    }
}

/// Introspect the database behind `url` (async).
pub async fn introspect(url: &str) -> Result<Introspection, LiveError> {
    let parts = parse_url(url)?;
    let timeout = connect_timeout();
    match parts.backend {
        Backend::Postgresql => postgres::introspect(&parts, timeout).await,
        Backend::Mysql => mysql::introspect(&parts, timeout).await,
        Backend::Sqlite => sqlite::introspect(&parts, timeout).await,
    }
}

/// Introspect on a private single-threaded runtime (for the CLI).
pub fn introspect_blocking(url: &str) -> Result<Introspection, LiveError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LiveError(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(introspect(url))
}

/// Run a future with a deadline; on expiry a clear error naming what timed out.
pub(crate) async fn within<T>(
    limit: Duration,
    parts: &UrlParts,
    what: &str,
    fut: impl std::future::Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, LiveError> {
    match tokio::time::timeout(limit, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(describe(&e, parts, what)),
        Err(_) => Err(LiveError(format!(
            "timed out after {:.0?} {what} at {} (server unreachable or not answering)",
            limit, parts.target
        ))),
    }
}

/// Counts statements and catalog queries while introspecting.
#[derive(Default)]
pub(crate) struct Counter {
    pub catalog: u32,
    pub statements: u32,
}

/// Rows of `django_migrations`, as (app, name).
pub(crate) type Applied = Option<Vec<(String, String)>>;

/// The live-database diagnostics of a project, for the language server (and any other caller):
/// introspect the database behind `url` on a private runtime (blocking: call it from a blocking
/// task), then compare it with the models, the applied migrations, the SQLAlchemy tables and the
/// Alembic head (DJSA301-DJSA333), filtered like the other checks. The error is one
/// password-free line.
pub fn live_diagnostics(
    db: &djsa_analysis::RootDatabase,
    project: djsa_analysis::Project,
    url: &str,
) -> Result<Vec<djsa_analysis::Diagnostic>, LiveError> {
    let intro = introspect_blocking(url)?;
    let live = djsa_analysis::schema::LiveSchema::new(db, Some(intro.schema));
    Ok(djsa_analysis::schema::live_drift(db, project, live).clone())
}

/// The live drift of a project: introspect, then diff in analysis. Prints a summary on
/// `--verbose`. Errors are one line, password-free.
pub fn drift(
    db: &djsa_analysis::RootDatabase,
    project: djsa_analysis::Project,
    url: &str,
    verbose: bool,
    stderr: &mut dyn std::io::Write,
) -> Result<Vec<djsa_analysis::Diagnostic>> {
    let shown = redact_url(url);
    if verbose
        && let Ok(parts) = parse_url(url)
        && !tls_required(&parts)
    {
        writeln!(
            stderr,
            "djsa: live: note: {} is not on loopback and the URL does not require TLS (sslmode=verify-full / ssl-mode=VERIFY_IDENTITY)",
            parts.target
        )?;
    }
    let t = Instant::now();
    let intro = introspect_blocking(url)?;
    let introspect_time = t.elapsed();
    let t = Instant::now();
    let live = djsa_analysis::schema::LiveSchema::new(db, Some(intro.schema.clone()));
    let diags = djsa_analysis::schema::live_drift(db, project, live).clone();
    let compare_time = t.elapsed();
    if verbose {
        let s = &intro.schema;
        writeln!(
            stderr,
            "djsa: live: {shown}: {} {}{}, {} tables; {} catalog queries ({} statements) in {:?} (connect {:?}), compared in {:?}",
            s.backend.as_str(),
            if s.mariadb { "MariaDB " } else { "" },
            s.server_version,
            s.tables.len(),
            intro.catalog_queries,
            intro.statements,
            introspect_time,
            intro.connect_time,
            compare_time
        )?;
        let expected = djsa_analysis::schema::expected_schema(db, project, s.backend, s.mariadb);
        for (label, why) in &expected.skipped {
            writeln!(
                stderr,
                "djsa: skipped (live): model {label} not compared: {why}"
            )?;
        }
        if let Some(applied) = djsa_analysis::schema::migstate::applied_schema(db, project, s) {
            for (app, why) in &applied.skipped {
                writeln!(
                    stderr,
                    "djsa: skipped (live): app {app} not compared with its applied migrations: {why}"
                )?;
            }
        }
    }
    Ok(diags)
}

#[cfg(test)]
mod tests;

/// Loopback, a local file, or a URL that insists on TLS.
fn tls_required(parts: &UrlParts) -> bool {
    let host = parts
        .target
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or(&parts.target);
    let q = parts
        .sqlx_url
        .split_once('?')
        .map(|(_, q)| q.to_ascii_lowercase())
        .unwrap_or_default();
    parts.backend == Backend::Sqlite
        || matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1")
        || q.split('&').any(|kv| {
            matches!(
                kv,
                "sslmode=require"
                    | "sslmode=verify-ca"
                    | "sslmode=verify-full"
                    | "ssl-mode=required"
                    | "ssl-mode=verify_ca"
                    | "ssl-mode=verify_identity"
            )
        })
}

/// `--database-url`, else `DJSA_DATABASE_URL` (read here, not by clap, so `--help` never shows
/// its value).
pub fn database_url(arg: Option<&str>) -> Option<String> {
    arg.map(str::to_string)
        .or_else(|| std::env::var("DJSA_DATABASE_URL").ok())
        .filter(|u| !u.trim().is_empty())
}
