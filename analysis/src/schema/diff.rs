//! The live drift diagnostics: the models' expected schema and the applied migration state
//! against the schema a real database has (with the rule that one disagreement gives one
//! diagnostic), the migration files against `django_migrations`, and (from sibling modules) the
//! SQLAlchemy tables and the Alembic head.

use rustc_hash::FxHashSet;

use crate::db::{Db, Project};
use crate::diagnostic::{Diagnostic, Severity, code_matches};
use crate::migrations::migration_analysis;
use crate::project::project_model;
use crate::span::Span;

use super::expected::{ExpectedTable, Loc};
use super::{Backend, DbSchema, DbTable, LiveSchema, expected_schema};

pub(super) fn at(code: &str, severity: Severity, loc: &Loc, message: String) -> Diagnostic {
    Diagnostic::new(code, severity, message)
        .at(loc.file, loc.span)
        .object(loc.object.clone())
}

/// Every drift between the project and the live database, filtered like the system checks
/// (SILENCED_SYSTEM_CHECKS, select, ignore). Empty when no schema was given.
#[salsa::tracked(returns(ref))]
pub fn live_drift(db: &dyn Db, project: Project, live: LiveSchema) -> Vec<Diagnostic> {
    let Some(schema) = live.schema(db) else {
        return Vec::new();
    };
    let mut out = compare(db, project, schema);
    let pm = project_model(db, project);
    let config = project.config(db);
    out.retain(|d| {
        !pm.settings.silenced.iter().any(|s| s == &d.code)
            && (config.select.is_empty() || code_matches(&d.code, &config.select))
            && !code_matches(&d.code, &config.ignore)
    });
    out.sort_by(|a, b| {
        let pa = a.file.map(|f| f.path(db).as_str()).unwrap_or("");
        let pb = b.file.map(|f| f.path(db).as_str()).unwrap_or("");
        (pa, a.span.start, &a.code, &a.message).cmp(&(pb, b.span.start, &b.code, &b.message))
    });
    out
}

/// Which expectation a finding compares the database with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// The models' state (DJSA301-DJSA308).
    Model,
    /// The state of the migrations recorded as applied (DJSA311-DJSA316).
    Migrations,
}

impl Side {
    /// The code of a finding kind on this side.
    fn code(self, kind: Kind) -> &'static str {
        match (self, kind) {
            (Side::Model, Kind::TableMissing) => "DJSA301",
            (Side::Model, Kind::ColumnMissing) => "DJSA302",
            (Side::Model, Kind::ColumnExtra) => "DJSA303",
            (Side::Model, Kind::Type) => "DJSA304",
            (Side::Model, Kind::Null) => "DJSA305",
            (Side::Model, Kind::Unique) => "DJSA306",
            (Side::Model, Kind::Index) => "DJSA307",
            (Side::Model, Kind::ForeignKey) => "DJSA308",
            (Side::Migrations, Kind::TableMissing) => "DJSA311",
            (Side::Migrations, Kind::ColumnMissing) => "DJSA312",
            (Side::Migrations, Kind::ColumnExtra) => "DJSA313",
            (Side::Migrations, Kind::Type) => "DJSA314",
            (Side::Migrations, Kind::Null) => "DJSA315",
            (Side::Migrations, Kind::Unique | Kind::Index | Kind::ForeignKey) => "DJSA316",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    TableMissing,
    ColumnMissing,
    ColumnExtra,
    Type,
    Null,
    Unique,
    Index,
    ForeignKey,
}

/// One disagreement: a key that says what disagrees with what (so the same disagreement found
/// against the models and against the migration state is reported once), and its diagnostic.
struct Finding {
    key: String,
    diag: Diagnostic,
}

/// The drift diagnostics, unfiltered.
pub fn compare(db: &dyn Db, project: Project, schema: &DbSchema) -> Vec<Diagnostic> {
    let mut model = Vec::new();
    let expected = expected_schema(db, project, schema.backend, schema.mariadb);
    for t in &expected.tables {
        compare_table(schema, t, Side::Model, &mut model);
    }
    let mut out: Vec<Diagnostic> = Vec::new();
    if let Some(applied) = super::migstate::applied_schema(db, project, schema) {
        let mut mig = Vec::new();
        for t in &applied.expected.tables {
            compare_table(schema, t, Side::Migrations, &mut mig);
        }
        // Where the models and the applied migrations expect the same thing, the database
        // disagrees with both: one diagnostic (the model's), which names the migration.
        for m in &mut model {
            if m.key.starts_with("extra ") {
                continue;
            }
            if let Some(g) = mig.iter().find(|g| g.key == m.key) {
                m.diag.hint = g.diag.hint.clone().or(m.diag.hint.take());
            }
        }
        // A column the models expect that an unapplied migration adds: name that migration.
        for m in &mut model {
            if let Some(col) = m.key.strip_prefix("column ")
                && !mig.iter().any(|g| g.key == m.key)
                && let Some((_, (_, _, name))) = applied
                    .pending_columns
                    .iter()
                    .find(|((t, c), _)| format!("{t}.{c}") == col)
            {
                m.diag.hint = Some(format!(
                    "Migration {name} adds it and is not applied: run `manage.py migrate`."
                ));
            }
        }
        let model_keys: FxHashSet<&str> = model.iter().map(|f| f.key.as_str()).collect();
        for mut g in mig {
            if model_keys.contains(g.key.as_str()) {
                continue;
            }
            if g.key.starts_with("extra ") {
                let col = g.key.trim_start_matches("extra ");
                if let Some((_, (file, span, name))) = applied
                    .pending_columns
                    .iter()
                    .find(|((t, c), _)| format!("{t}.{c}") == col)
                {
                    g.diag = g
                        .diag
                        .at(*file, *span)
                        .hint(format!("Migration {name} adds it and is not applied: `migrate` will fail with \"column already exists\" (use `migrate --fake` only if the whole migration is in the database)."));
                }
            }
            out.push(g.diag);
        }
    }
    out.extend(model.into_iter().map(|f| f.diag));
    migrations(db, project, schema, &mut out);
    out.extend(super::sqla::compare(db, project, schema));
    out.extend(super::alembic_version::compare(db, project, schema));
    out
}

fn compare_table(schema: &DbSchema, t: &ExpectedTable, side: Side, out: &mut Vec<Finding>) {
    let mig = side == Side::Migrations;
    let push = |out: &mut Vec<Finding>, key: String, diag: Diagnostic| {
        out.push(Finding { key, diag });
    };
    // How the expectation is named in messages.
    let implied = if mig {
        "the applied migrations imply"
    } else {
        "the model field implies"
    };
    let declares = if mig {
        "the applied migrations declare one"
    } else {
        "the model declares one"
    };
    let via = |loc: &Loc| -> String {
        match &loc.migration {
            Some(m) => format!(
                "Migration {m} is recorded as applied in django_migrations, but the database does not have what it does: it was faked (`migrate --fake`) or changed outside Django."
            ),
            None => String::new(),
        }
    };
    let missing_sev = if t.managed {
        Severity::Error
    } else {
        Severity::Warning
    };
    let Some(dt) = schema.table(&t.name) else {
        let msg = if mig {
            format!(
                "Table '{}' does not exist in the database; the applied migrations create it.",
                t.name
            )
        } else {
            format!("Table '{}' does not exist in the database.", t.name)
        };
        let mut d = at(side.code(Kind::TableMissing), missing_sev, &t.loc, msg);
        d = d.hint(if mig {
            via(&t.loc)
        } else if t.managed {
            "Run `manage.py migrate`, or check that the database URL points at the right database.".into()
        } else {
            "The model is unmanaged (managed = False): create the table or view outside Django, or fix Meta.db_table.".into()
        });
        push(out, format!("table {}", t.name), d);
        return;
    };
    let mut missing_cols = FxHashSet::default();
    for c in &t.columns {
        let Some(dc) = dt.column(&c.column) else {
            missing_cols.insert(c.column.as_str());
            let msg = if mig {
                format!(
                    "Column '{}' of table '{}' does not exist in the database; the applied migrations add it.",
                    c.column, t.name
                )
            } else {
                format!(
                    "Column '{}' of table '{}' does not exist in the database.",
                    c.column, t.name
                )
            };
            let hint = if mig {
                via(&c.loc)
            } else {
                "An unapplied migration, or a column dropped or renamed outside Django.".into()
            };
            push(
                out,
                format!("column {}.{}", t.name, c.column),
                at(side.code(Kind::ColumnMissing), missing_sev, &c.loc, msg).hint(hint),
            );
            continue;
        };
        // Unmanaged models and views: Django does not own their DDL; only missing objects break queries.
        if !t.managed || dt.is_view {
            continue;
        }
        if let (Some(want), Some(ddl)) = (&c.data_type, &c.ddl)
            && *want != dc.data_type
        {
            let mut d = at(
                side.code(Kind::Type),
                Severity::Error,
                &c.loc,
                format!(
                    "Column '{}.{}' has type {} in the database; {implied} {}.",
                    t.name, c.column, dc.raw_type, ddl
                ),
            );
            if mig {
                d = d.hint(via(&c.loc));
            }
            push(out, format!("type {}.{} {want}", t.name, c.column), d);
        }
        if c.nullable != dc.nullable && !c.primary_key {
            let (null_true, null_false) = if mig {
                (
                    "the applied migrations have null=True",
                    "the applied migrations have null=False",
                )
            } else {
                (
                    "the model field has null=True",
                    "the model field has null=False",
                )
            };
            let mut d = if dc.nullable {
                at(
                    side.code(Kind::Null),
                    Severity::Warning,
                    &c.loc,
                    format!(
                        "Column '{}.{}' allows NULL in the database; {null_false}.",
                        t.name, c.column
                    ),
                )
            } else {
                at(
                    side.code(Kind::Null),
                    Severity::Error,
                    &c.loc,
                    format!(
                        "Column '{}.{}' is NOT NULL in the database; {null_true}.",
                        t.name, c.column
                    ),
                )
                .hint("Saving None fails with an integrity error.")
            };
            if mig {
                d = d.hint(via(&c.loc));
            }
            push(
                out,
                format!("null {}.{} {}", t.name, c.column, c.nullable),
                d,
            );
        }
        if let Some((tt, tc)) = &c.fk {
            let found = dt
                .foreign_keys
                .iter()
                .find(|fk| fk.columns.len() == 1 && fk.columns[0] == c.column);
            let expects = if mig {
                "the applied migrations expect"
            } else {
                "the model expects"
            };
            let key = format!("fk {}.{} {tt}.{tc}", t.name, c.column);
            match found {
                None => push(
                    out,
                    key,
                    at(
                        side.code(Kind::ForeignKey),
                        Severity::Warning,
                        &c.loc,
                        format!(
                            "Column '{}.{}' has no FOREIGN KEY constraint in the database; {expects} one to '{}'.'{}'.",
                            t.name, c.column, tt, tc
                        ),
                    ),
                ),
                Some(fk) => {
                    let same_table = if schema.backend == Backend::Mysql {
                        fk.ref_table.eq_ignore_ascii_case(tt)
                    } else {
                        fk.ref_table == *tt
                    };
                    if !same_table || fk.ref_columns.len() != 1 || fk.ref_columns[0] != *tc {
                        push(
                            out,
                            key,
                            at(
                                side.code(Kind::ForeignKey),
                                Severity::Warning,
                                &c.loc,
                                format!(
                                    "Foreign key '{}' on '{}.{}' references '{}'.'{}'; {expects} '{}'.'{}'.",
                                    fk.name,
                                    t.name,
                                    c.column,
                                    fk.ref_table,
                                    fk.ref_columns.join(","),
                                    tt,
                                    tc
                                ),
                            ),
                        );
                    }
                }
            }
        }
    }
    if !t.managed || dt.is_view {
        return;
    }
    if !mig {
        for d in super::extras::compare_extras(schema, t, dt) {
            push(out, format!("attr {}", d.message), d);
        }
    }
    for (cols, loc) in &t.uniques {
        if cols.iter().any(|c| missing_cols.contains(c.as_str())) || has_unique(dt, cols) {
            continue;
        }
        push(
            out,
            format!("unique {} {}", t.name, sorted(cols)),
            at(
                side.code(Kind::Unique),
                Severity::Warning,
                loc,
                format!(
                    "No UNIQUE constraint on '{}' ({}) in the database; {declares}.",
                    t.name,
                    cols.join(", ")
                ),
            ),
        );
    }
    for (cols, loc) in &t.indexes {
        if cols.iter().any(|c| missing_cols.contains(c.as_str())) || has_index(dt, cols) {
            continue;
        }
        push(
            out,
            format!("index {} {}", t.name, cols.join(",")),
            at(
                side.code(Kind::Index),
                Severity::Warning,
                loc,
                format!(
                    "No index on '{}' ({}) in the database; {declares}.",
                    t.name,
                    cols.join(", ")
                ),
            ),
        );
    }
    let known: FxHashSet<&str> = t.columns.iter().map(|c| c.column.as_str()).collect();
    for dc in &dt.columns {
        if known.contains(dc.name.as_str()) {
            continue;
        }
        let blocks_insert = !dc.nullable && dc.default.is_none() && !dc.is_identity;
        let msg = if mig {
            format!(
                "Column '{}.{}' ({}) exists in the database but not in the applied migrations.",
                t.name, dc.name, dc.raw_type
            )
        } else {
            format!(
                "Column '{}.{}' ({}) exists in the database but not on the model.",
                t.name, dc.name, dc.raw_type
            )
        };
        let sev = if blocks_insert || mig {
            Severity::Warning
        } else {
            Severity::Info
        };
        let mut d = at(side.code(Kind::ColumnExtra), sev, &t.loc, msg);
        if blocks_insert {
            d = d.hint("It is NOT NULL without a default: inserts through Django will fail.");
        } else if mig {
            d = d.hint("A migration that adds it would fail with \"column already exists\"; the column was added outside Django, or its migration was unrecorded.");
        }
        push(out, format!("extra {}.{}", t.name, dc.name), d);
    }
}

fn sorted(cols: &[String]) -> String {
    let mut v = cols.to_vec();
    v.sort();
    v.join(",")
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

pub(super) fn has_unique(dt: &DbTable, cols: &[String]) -> bool {
    same_set(&dt.primary_key, cols)
        || dt.uniques.iter().any(|u| same_set(u, cols))
        || dt.indexes.iter().any(|i| {
            i.unique
                && !i.partial
                && i.columns.len() == cols.len()
                && i.columns
                    .iter()
                    .all(|c| c.as_ref().is_some_and(|c| cols.contains(c)))
        })
}

/// An index (unique or not, the PK included) whose leading columns are `cols`.
pub(super) fn has_index(dt: &DbTable, cols: &[String]) -> bool {
    let leads = |ix: &[Option<String>]| {
        ix.len() >= cols.len()
            && ix
                .iter()
                .zip(cols)
                .all(|(a, b)| a.as_deref() == Some(b.as_str()))
    };
    let pk: Vec<Option<String>> = dt.primary_key.iter().cloned().map(Some).collect();
    leads(&pk)
        || dt.indexes.iter().any(|i| !i.partial && leads(&i.columns))
        || dt
            .uniques
            .iter()
            .any(|u| leads(&u.iter().cloned().map(Some).collect::<Vec<_>>()))
}

fn migrations(db: &dyn Db, project: Project, schema: &DbSchema, out: &mut Vec<Diagnostic>) {
    let pm = project_model(db, project);
    let ma = migration_analysis(db, project);
    let applied: Vec<(String, String)> = schema.applied_migrations.clone().unwrap_or_default();
    let is_applied = |app: &str, name: &str| applied.iter().any(|(a, n)| a == app && n == name);
    let installed: FxHashSet<&str> = pm.apps.iter().map(|a| a.label.as_str()).collect();
    for f in &ma.files {
        if !installed.contains(f.app_label.as_str()) {
            continue;
        }
        let replaces = f
            .parsed
            .as_ref()
            .map(|p| p.replaces.clone())
            .unwrap_or_default();
        let done = is_applied(&f.app_label, &f.name)
            || (!replaces.is_empty() && replaces.iter().all(|(a, n)| is_applied(a, n)))
            // A migration a squash replaces counts as applied once the squash is.
            || ma.files.iter().any(|g| {
                g.parsed.as_ref().is_ok_and(|p| p.replaces.iter().any(|(a, n)| *a == f.app_label && *n == f.name))
                    && is_applied(&g.app_label, &g.name)
            });
        if done {
            continue;
        }
        let span = f.parsed.as_ref().map(|p| p.class_span).unwrap_or_default();
        let why = if schema.applied_migrations.is_none() {
            " (the database has no django_migrations table)"
        } else {
            ""
        };
        out.push(
            Diagnostic::new(
                "DJSA309",
                Severity::Warning,
                format!(
                    "Migration {}.{} is not applied to the database{why}.",
                    f.app_label, f.name
                ),
            )
            .at(f.file, span)
            .object(format!("{}.{}", f.app_label, f.name))
            .hint("Run `manage.py migrate`."),
        );
    }
    for (app, name) in &applied {
        // Only apps whose whole migrations package djsa read.
        let Some((_, init)) = ma.packages.iter().find(|(a, _)| a == app) else {
            continue;
        };
        if !installed.contains(app.as_str()) {
            continue;
        }
        let known = ma
            .files
            .iter()
            .any(|f| f.app_label == *app && f.name == *name)
            || ma.files.iter().any(|f| {
                f.parsed
                    .as_ref()
                    .is_ok_and(|p| p.replaces.iter().any(|(a, n)| a == app && n == name))
            });
        if known {
            continue;
        }
        out.push(
            Diagnostic::new(
                "DJSA310",
                Severity::Warning,
                format!("Migration {app}.{name} is recorded as applied in django_migrations but has no file in the project."),
            )
            .at(*init, Span::default())
            .object(format!("{app}.{name}"))
            .hint("A deleted or renamed migration, or a database migrated from another branch."),
        );
    }
}
