//! SQLAlchemy tables against the live database (DJSA321-DJSA327): the tables of the project's
//! `MetaData` objects (Core `Table(...)` and declarative classes, from [`crate::sqla`]) compared with
//! the catalog, with SQLAlchemy's DDL type per dialect.
//!
//! Scope: a `MetaData` is compared only when at least one of its tables exists in the database
//! (otherwise the URL is most likely another database than the SQLAlchemy one); tables with an
//! explicit `schema=` are not compared (djsa reads the search path / current database only).

use rustc_hash::FxHashSet;

use crate::db::{Db, Project};
use crate::diagnostic::{Diagnostic, Severity};
use crate::sqla::{SqlType, Table, sqla_tables};

use super::diff::{has_index, has_unique};
use super::{Backend, DbSchema, normalize_type};

/// The canonical types ([`normalize_type`]) the catalog may show for a SQLAlchemy type created
/// by `metadata.create_all()` on `backend`; empty: not compared (unknown type, or a type whose
/// DDL depends on arguments djsa does not keep, such as a PostgreSQL enum's name).
pub fn sqla_db_types(backend: Backend, mariadb: bool, ty: &SqlType) -> Vec<String> {
    use SqlType as T;
    let pg = backend == Backend::Postgresql;
    let my = backend == Backend::Mysql;
    let raw: Vec<String> = match ty {
        T::Integer => vec!["integer".into()],
        T::BigInteger => vec!["bigint".into()],
        T::SmallInteger => vec!["smallint".into()],
        T::Boolean => vec!["boolean".into()],
        T::String { length, fixed } => {
            let base = if *fixed { "char" } else { "varchar" };
            match length {
                Some(n) => vec![format!("{base}({n})")],
                None if my => Vec::new(),
                None => vec![base.into()],
            }
        }
        T::Text => vec!["text".into()],
        T::Numeric { precision, scale } => match (precision, scale) {
            (Some(p), Some(s)) => vec![format!("numeric({p}, {s})")],
            (Some(p), None) if my => vec![format!("decimal({p},0)")],
            (Some(p), None) => vec![format!("numeric({p})")],
            // MySQL's bare DECIMAL is decimal(10,0).
            _ if my => vec!["decimal(10,0)".into()],
            _ => vec!["numeric".into()],
        },
        // `Float(precision)` is not kept: FLOAT(25..53) is a double on PostgreSQL and MySQL.
        T::Float if pg => vec!["double precision".into(), "real".into()],
        T::Float if my => vec!["float".into(), "double".into()],
        T::Float => vec!["float".into()],
        T::Double => vec![if pg { "double precision" } else { "double" }.into()],
        T::Date => vec!["date".into()],
        T::DateTime { timezone } if pg => vec![
            if *timezone {
                "timestamp with time zone"
            } else {
                "timestamp without time zone"
            }
            .into(),
        ],
        T::DateTime { .. } => vec!["datetime".into()],
        T::Time if pg => vec!["time without time zone".into()],
        T::Time => vec!["time".into()],
        T::Interval if pg => vec!["interval".into()],
        // MySQL and SQLite store an Interval as a datetime (epoch + delta).
        T::Interval => vec!["datetime".into()],
        T::LargeBinary if pg => vec!["bytea".into()],
        T::LargeBinary => vec!["blob".into()],
        T::Uuid if pg => vec!["uuid".into()],
        T::Uuid if my && mariadb => vec!["uuid".into()],
        T::Uuid => vec!["char(32)".into()],
        // JSON and postgresql.JSONB are one SqlType: either is accepted on PostgreSQL.
        T::Json if pg => vec!["json".into(), "jsonb".into()],
        T::Json => vec!["json".into()],
        T::Enum { values: Some(v) } if backend == Backend::Sqlite => {
            let n = v.iter().map(|s| s.chars().count()).max().unwrap_or(1);
            vec![format!("varchar({n})")]
        }
        T::Enum { values: Some(v) } if my => vec![format!(
            "enum({})",
            v.iter()
                .map(|s| format!("'{}'", s.replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(",")
        )],
        _ => Vec::new(),
    };
    raw.iter()
        .map(|r| normalize_type(backend, mariadb, r))
        .collect()
}

/// How SQLAlchemy's DDL writes a type, for messages (the first accepted spelling).
fn shown(backend: Backend, mariadb: bool, ty: &SqlType) -> String {
    let _ = mariadb;
    match crate::alembic::compare::compile_type(ty, dialect(backend)) {
        Some(s) => s,
        None => ty.sa_source(),
    }
}

fn dialect(backend: Backend) -> crate::alembic::compare::Dialect {
    use crate::alembic::compare::Dialect;
    match backend {
        Backend::Postgresql => Dialect::Postgresql,
        Backend::Mysql => Dialect::Mysql,
        Backend::Sqlite => Dialect::Sqlite,
    }
}

fn at(
    code: &str,
    severity: Severity,
    file: crate::db::SourceFile,
    span: crate::span::Span,
    object: String,
    message: String,
) -> Diagnostic {
    Diagnostic::new(code, severity, message)
        .at(file, span)
        .object(object)
}

/// The SQLAlchemy drift diagnostics, unfiltered.
pub fn compare(db: &dyn Db, project: Project, schema: &DbSchema) -> Vec<Diagnostic> {
    let index = sqla_tables(db, project);
    let mut out = Vec::new();
    let backend = schema.backend;
    // MetaData objects with at least one table in the database.
    let present: FxHashSet<&str> = index
        .tables
        .iter()
        .filter(|t| t.schema.is_none() && schema.table(&t.name).is_some())
        .map(|t| t.metadata.as_str())
        .collect();
    for t in &index.tables {
        if t.schema.is_some() || !present.contains(t.metadata.as_str()) {
            continue;
        }
        compare_table(schema, t, backend, &mut out);
    }
    out
}

fn compare_table(schema: &DbSchema, t: &Table, backend: Backend, out: &mut Vec<Diagnostic>) {
    let mariadb = schema.mariadb;
    let Some(dt) = schema.table(&t.name) else {
        out.push(
            at(
                "DJSA321",
                Severity::Error,
                t.file,
                t.span,
                t.name.clone(),
                format!(
                    "Table '{}' does not exist in the database; other tables of its SQLAlchemy MetaData do.",
                    t.name
                ),
            )
            .hint("Create it (`metadata.create_all()`, or an Alembic migration), or check the table name."),
        );
        return;
    };
    let mut missing: FxHashSet<&str> = FxHashSet::default();
    for c in &t.columns {
        let object = format!("{}.{}", t.name, c.name);
        let Some(dc) = dt.column(&c.name) else {
            missing.insert(c.name.as_str());
            out.push(
                at(
                    "DJSA322",
                    Severity::Error,
                    c.file,
                    c.span,
                    object,
                    format!(
                        "Column '{}' of table '{}' does not exist in the database; the SQLAlchemy table declares it.",
                        c.name, t.name
                    ),
                )
                .hint("Queries through this table fail. Add the column (an Alembic migration), or remove it from the table."),
            );
            continue;
        };
        if c.computed.is_some() || dt.is_view {
            continue;
        }
        let want = sqla_db_types(backend, mariadb, &c.ty);
        if !want.is_empty() && !want.contains(&dc.data_type) {
            out.push(at(
                "DJSA324",
                Severity::Error,
                c.file,
                c.span,
                object.clone(),
                format!(
                    "Column '{}.{}' has type {} in the database; the SQLAlchemy column implies {}.",
                    t.name,
                    c.name,
                    dc.raw_type,
                    shown(backend, mariadb, &c.ty)
                ),
            ));
        }
        if c.nullable != dc.nullable && !c.primary_key {
            let d = if dc.nullable {
                at(
                    "DJSA325",
                    Severity::Warning,
                    c.file,
                    c.span,
                    object.clone(),
                    format!(
                        "Column '{}.{}' allows NULL in the database; the SQLAlchemy column has nullable=False.",
                        t.name, c.name
                    ),
                )
            } else {
                at(
                    "DJSA325",
                    Severity::Error,
                    c.file,
                    c.span,
                    object.clone(),
                    format!(
                        "Column '{}.{}' is NOT NULL in the database; the SQLAlchemy column is nullable.",
                        t.name, c.name
                    ),
                )
                .hint("Inserting None fails with an integrity error.")
            };
            out.push(d);
        }
        if c.server_default.is_some() && dc.default.is_none() && !dc.is_identity {
            out.push(at(
                "DJSA327",
                Severity::Warning,
                c.file,
                c.span,
                object.clone(),
                format!(
                    "Column '{}.{}' has no default in the database; the SQLAlchemy column has a server_default.",
                    t.name, c.name
                ),
            ));
        }
        if backend != Backend::Sqlite
            && let Some(want) = &c.comment
            && dc.comment.as_deref() != Some(want.as_str())
        {
            out.push(at(
                "DJSA327",
                Severity::Info,
                c.file,
                c.span,
                object.clone(),
                match &dc.comment {
                    Some(have) => format!(
                        "Column '{}.{}' has the comment {have:?} in the database; the SQLAlchemy column's comment is {want:?}.",
                        t.name, c.name
                    ),
                    None => format!(
                        "Column '{}.{}' has no comment in the database; the SQLAlchemy column's comment is {want:?}.",
                        t.name, c.name
                    ),
                },
            ));
        }
    }
    if dt.is_view {
        return;
    }
    let table_at =
        |code: &str, sev: Severity, msg: String| at(code, sev, t.file, t.span, t.name.clone(), msg);
    if backend != Backend::Sqlite
        && let Some(want) = &t.comment
        && dt.comment.as_deref() != Some(want.as_str())
    {
        out.push(table_at(
            "DJSA327",
            Severity::Info,
            match &dt.comment {
                Some(have) => format!(
                    "Table '{}' has the comment {have:?} in the database; the SQLAlchemy table's comment is {want:?}.",
                    t.name
                ),
                None => format!(
                    "Table '{}' has no comment in the database; the SQLAlchemy table's comment is {want:?}.",
                    t.name
                ),
            },
        ));
    }
    let gone = |cols: &[String]| cols.iter().any(|c| missing.contains(c.as_str()));
    let same = |a: &[String], b: &[String]| a.len() == b.len() && a.iter().all(|x| b.contains(x));
    if !t.primary_key.is_empty() && !gone(&t.primary_key) && !same(&t.primary_key, &dt.primary_key)
    {
        out.push(table_at(
            "DJSA326",
            Severity::Error,
            if dt.primary_key.is_empty() {
                format!(
                    "Table '{}' has no PRIMARY KEY in the database; the SQLAlchemy table's is ({}).",
                    t.name,
                    t.primary_key.join(", ")
                )
            } else {
                format!(
                    "Table '{}' has PRIMARY KEY ({}) in the database; the SQLAlchemy table's is ({}).",
                    t.name,
                    dt.primary_key.join(", "),
                    t.primary_key.join(", ")
                )
            },
        ));
    }
    let mut uniques: Vec<&Vec<String>> = t.uniques.iter().collect();
    uniques.extend(t.indexes.iter().filter(|i| i.unique).map(|i| &i.columns));
    let mut seen: Vec<Vec<String>> = Vec::new();
    for cols in uniques {
        let mut key = cols.clone();
        key.sort();
        if cols.is_empty() || gone(cols) || seen.contains(&key) || has_unique(dt, cols) {
            continue;
        }
        seen.push(key);
        out.push(table_at(
            "DJSA326",
            Severity::Warning,
            format!(
                "No UNIQUE constraint on '{}' ({}) in the database; the SQLAlchemy table declares one.",
                t.name,
                cols.join(", ")
            ),
        ));
    }
    let mut indexes: Vec<Vec<String>> = t
        .indexes
        .iter()
        .filter(|i| !i.unique)
        .map(|i| i.columns.clone())
        .collect();
    for c in &t.columns {
        if c.index && !c.unique && !indexes.iter().any(|i| *i == [c.name.clone()]) {
            indexes.push(vec![c.name.clone()]);
        }
    }
    for cols in &indexes {
        if cols.is_empty() || gone(cols) || has_index(dt, cols) {
            continue;
        }
        out.push(table_at(
            "DJSA326",
            Severity::Warning,
            format!(
                "No index on '{}' ({}) in the database; the SQLAlchemy table declares one.",
                t.name,
                cols.join(", ")
            ),
        ));
    }
    for fk in &t.foreign_keys {
        let Some(target) = &fk.target_table else {
            continue;
        };
        if target.contains('.') || gone(&fk.columns) {
            continue;
        }
        let found = dt
            .foreign_keys
            .iter()
            .find(|d| same(&d.columns, &fk.columns));
        let object = format!("{}.{}", t.name, fk.columns.join(","));
        let eq_table = |a: &str| {
            if backend == Backend::Mysql {
                a.eq_ignore_ascii_case(target)
            } else {
                a == target
            }
        };
        match found {
            None => out.push(at(
                "DJSA326",
                Severity::Warning,
                fk.file,
                fk.span,
                object,
                format!(
                    "Column '{}.{}' has no FOREIGN KEY constraint in the database; the SQLAlchemy table declares one to '{}'.",
                    t.name,
                    fk.columns.join(", "),
                    target
                ),
            )),
            Some(d) if !eq_table(&d.ref_table)
                || (!fk.target_columns.is_empty() && d.ref_columns != fk.target_columns) =>
            {
                out.push(at(
                    "DJSA326",
                    Severity::Warning,
                    fk.file,
                    fk.span,
                    object,
                    format!(
                        "Foreign key '{}' on '{}.{}' references '{}'.'{}'; the SQLAlchemy table declares '{}'.'{}'.",
                        d.name,
                        t.name,
                        fk.columns.join(","),
                        d.ref_table,
                        d.ref_columns.join(","),
                        target,
                        fk.target_columns.join(",")
                    ),
                ));
            }
            Some(d) => {
                let want = fk.ondelete.as_deref().map(|s| s.to_ascii_uppercase());
                let have = d.on_delete.as_deref().map(str::to_ascii_uppercase);
                // No ondelete= is the server default (NO ACTION, or RESTRICT on MySQL).
                let default = |x: &Option<String>| {
                    x.as_deref().is_none_or(|s| s == "NO ACTION" || s == "RESTRICT")
                };
                if want != have && !(default(&want) && default(&have)) {
                    out.push(at(
                        "DJSA326",
                        Severity::Warning,
                        fk.file,
                        fk.span,
                        object,
                        format!(
                            "Foreign key '{}' on '{}.{}' has ON DELETE {} in the database; the SQLAlchemy table declares ondelete={}.",
                            d.name,
                            t.name,
                            fk.columns.join(","),
                            have.as_deref().unwrap_or("NO ACTION"),
                            want.as_deref().map(|w| format!("{w:?}")).unwrap_or_else(|| "None".into())
                        ),
                    ));
                }
            }
        }
    }
    if t.incomplete {
        return;
    }
    let known: FxHashSet<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    for dc in &dt.columns {
        if known.contains(dc.name.as_str()) {
            continue;
        }
        let blocks_insert = !dc.nullable && dc.default.is_none() && !dc.is_identity;
        let mut d = table_at(
            "DJSA323",
            if blocks_insert {
                Severity::Warning
            } else {
                Severity::Info
            },
            format!(
                "Column '{}.{}' ({}) exists in the database but not in the SQLAlchemy table.",
                t.name, dc.name, dc.raw_type
            ),
        );
        if blocks_insert {
            d = d.hint("It is NOT NULL without a default: inserts through SQLAlchemy will fail.");
        }
        out.push(d);
    }
}
