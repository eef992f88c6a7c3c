//! The live drift diagnostics (DJSA301-DJSA310): the models' expected schema against the schema a
//! real database has, and the migration files against `django_migrations`.

use rustc_hash::FxHashSet;

use crate::db::{Db, Project};
use crate::diagnostic::{Diagnostic, Severity, code_matches};
use crate::migrations::migration_analysis;
use crate::project::project_model;
use crate::span::Span;

use super::expected::{ExpectedTable, Loc};
use super::{Backend, DbSchema, DbTable, LiveSchema, expected_schema};

fn at(code: &str, severity: Severity, loc: &Loc, message: String) -> Diagnostic {
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

/// The drift diagnostics, unfiltered.
pub fn compare(db: &dyn Db, project: Project, schema: &DbSchema) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let expected = expected_schema(db, project, schema.backend, schema.mariadb);
    for t in &expected.tables {
        compare_table(schema, t, &mut out);
    }
    migrations(db, project, schema, &mut out);
    out
}

fn compare_table(schema: &DbSchema, t: &ExpectedTable, out: &mut Vec<Diagnostic>) {
    let missing_sev = if t.managed {
        Severity::Error
    } else {
        Severity::Warning
    };
    let Some(dt) = schema.table(&t.name) else {
        let mut d = at(
            "DJSA301",
            missing_sev,
            &t.loc,
            format!("Table '{}' does not exist in the database.", t.name),
        );
        d = d.hint(if t.managed {
            "Run `manage.py migrate`, or check that the database URL points at the right database."
        } else {
            "The model is unmanaged (managed = False): create the table or view outside Django, or fix Meta.db_table."
        });
        out.push(d);
        return;
    };
    let mut missing_cols = FxHashSet::default();
    for c in &t.columns {
        let Some(dc) = dt.column(&c.column) else {
            missing_cols.insert(c.column.as_str());
            out.push(
                at(
                    "DJSA302",
                    missing_sev,
                    &c.loc,
                    format!(
                        "Column '{}' of table '{}' does not exist in the database.",
                        c.column, t.name
                    ),
                )
                .hint("An unapplied migration, or a column dropped or renamed outside Django."),
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
            out.push(at(
                "DJSA304",
                Severity::Error,
                &c.loc,
                format!(
                    "Column '{}.{}' has type {} in the database; the model field implies {}.",
                    t.name, c.column, dc.raw_type, ddl
                ),
            ));
        }
        if c.nullable != dc.nullable && !c.primary_key {
            let d = if dc.nullable {
                at(
                    "DJSA305",
                    Severity::Warning,
                    &c.loc,
                    format!(
                        "Column '{}.{}' allows NULL in the database; the model field has null=False.",
                        t.name, c.column
                    ),
                )
            } else {
                at(
                    "DJSA305",
                    Severity::Error,
                    &c.loc,
                    format!("Column '{}.{}' is NOT NULL in the database; the model field has null=True.", t.name, c.column),
                )
                .hint("Saving None fails with an integrity error.")
            };
            out.push(d);
        }
        if let Some((tt, tc)) = &c.fk {
            let found = dt
                .foreign_keys
                .iter()
                .find(|fk| fk.columns.len() == 1 && fk.columns[0] == c.column);
            match found {
                None => out.push(at(
                    "DJSA308",
                    Severity::Warning,
                    &c.loc,
                    format!(
                        "Column '{}.{}' has no FOREIGN KEY constraint in the database; the model expects one to '{}'.'{}'.",
                        t.name, c.column, tt, tc
                    ),
                )),
                Some(fk) => {
                    let same_table = if schema.backend == Backend::Mysql {
                        fk.ref_table.eq_ignore_ascii_case(tt)
                    } else {
                        fk.ref_table == *tt
                    };
                    if !same_table || fk.ref_columns.len() != 1 || fk.ref_columns[0] != *tc {
                        out.push(at(
                            "DJSA308",
                            Severity::Warning,
                            &c.loc,
                            format!(
                                "Foreign key '{}' on '{}.{}' references '{}'.'{}'; the model expects '{}'.'{}'.",
                                fk.name,
                                t.name,
                                c.column,
                                fk.ref_table,
                                fk.ref_columns.join(","),
                                tt,
                                tc
                            ),
                        ));
                    }
                }
            }
        }
    }
    if !t.managed || dt.is_view {
        return;
    }
    for (cols, loc) in &t.uniques {
        if cols.iter().any(|c| missing_cols.contains(c.as_str())) || has_unique(dt, cols) {
            continue;
        }
        out.push(at(
            "DJSA306",
            Severity::Warning,
            loc,
            format!(
                "No UNIQUE constraint on '{}' ({}) in the database; the model declares one.",
                t.name,
                cols.join(", ")
            ),
        ));
    }
    for (cols, loc) in &t.indexes {
        if cols.iter().any(|c| missing_cols.contains(c.as_str())) || has_index(dt, cols) {
            continue;
        }
        out.push(at(
            "DJSA307",
            Severity::Warning,
            loc,
            format!(
                "No index on '{}' ({}) in the database; the model declares one.",
                t.name,
                cols.join(", ")
            ),
        ));
    }
    let known: FxHashSet<&str> = t.columns.iter().map(|c| c.column.as_str()).collect();
    for dc in &dt.columns {
        if known.contains(dc.name.as_str()) {
            continue;
        }
        let blocks_insert = !dc.nullable && dc.default.is_none() && !dc.is_identity;
        let mut d = at(
            "DJSA303",
            if blocks_insert {
                Severity::Warning
            } else {
                Severity::Info
            },
            &t.loc,
            format!(
                "Column '{}.{}' ({}) exists in the database but not on the model.",
                t.name, dc.name, dc.raw_type
            ),
        );
        if blocks_insert {
            d = d.hint("It is NOT NULL without a default: inserts through Django will fail.");
        }
        out.push(d);
    }
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

fn has_unique(dt: &DbTable, cols: &[String]) -> bool {
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
fn has_index(dt: &DbTable, cols: &[String]) -> bool {
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
