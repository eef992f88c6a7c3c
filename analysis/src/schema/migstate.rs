//! The state the migrations recorded as applied in `django_migrations` give, with where each
//! model and field comes from (the migration operation that created or last altered it), so the
//! live database can be compared with it as well as with the models.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::db::{Db, Project, SourceFile};
use crate::migrations::graph::Key;
use crate::migrations::migration_analysis;
use crate::migrations::parse::Val;
use crate::migrations::state::{self, ModelState, ProjectState};
use crate::project::project_model;
use crate::span::Span;

use super::DbSchema;
use super::expected::{ExpectedSchema, Loc, expected_from_states};

/// Where an object of the migration state comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    file: SourceFile,
    span: Span,
    migration: String,
}

/// (table, column) -> (file, span, migration) of an unapplied migration that adds the column.
pub type PendingColumn = ((String, String), (SourceFile, Span, String));

/// The applied migration state turned into an expected schema.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppliedSchema {
    pub expected: ExpectedSchema,
    /// Fields added by migrations that are not applied: (table, column) -> (file, span,
    /// migration), to explain a column the database has but the applied state does not.
    pub pending_columns: Vec<PendingColumn>,
    /// Apps not compared with the reason (unreadable or partially applied migrations...).
    pub skipped: Vec<(String, String)>,
}

fn s<'a>(op: &'a crate::migrations::parse::RawOp, k: &str) -> Option<&'a str> {
    op.get(k).and_then(Val::as_str)
}

/// The state of the applied migrations on `schema`'s backend; `None` when the database has no
/// `django_migrations` table (nothing is known to be applied).
pub fn applied_schema(db: &dyn Db, project: Project, schema: &DbSchema) -> Option<AppliedSchema> {
    let applied_rows = schema.applied_migrations.as_ref()?;
    let pm = project_model(db, project);
    pm.settings.installed_apps.as_ref()?;
    let ma = migration_analysis(db, project);
    let mut out = AppliedSchema::default();
    let mut skip: FxHashMap<String, String> = FxHashMap::default();
    if pm.settings.env.names.contains_key("MIGRATION_MODULES") {
        return None;
    }
    for a in &ma.unreadable_apps {
        skip.entry(a.clone())
            .or_insert_with(|| "a migration cannot be read statically".into());
    }
    for (node, _, dep) in &ma.graph.missing {
        skip.entry(node.0.clone()).or_insert_with(|| {
            format!(
                "migration {} depends on {}.{}, which does not exist",
                node.1, dep.0, dep.1
            )
        });
    }
    for node in &ma.graph.cycles {
        skip.entry(node.0.clone())
            .or_insert_with(|| format!("migration {} is on a dependency cycle", node.1));
    }
    let rows: FxHashSet<(&str, &str)> = applied_rows
        .iter()
        .map(|(a, n)| (a.as_str(), n.as_str()))
        .collect();
    let installed: FxHashSet<&str> = pm.apps.iter().map(|a| a.label.as_str()).collect();
    let files: FxHashMap<Key, &crate::migrations::MigrationFile> = ma
        .files
        .iter()
        .map(|f| ((f.app_label.clone(), f.name.clone()), f))
        .collect();
    // A node is applied when its row exists; a squash also when all it replaces are. A squash
    // partly applied replays its replaced migrations in Django: not reproduced, the app is skipped.
    let mut applied_nodes: FxHashSet<Key> = FxHashSet::default();
    for node in ma.graph.nodes() {
        let Some(f) = files.get(&node) else { continue };
        let replaces = f
            .parsed
            .as_ref()
            .map(|p| p.replaces.clone())
            .unwrap_or_default();
        let own = rows.contains(&(node.0.as_str(), node.1.as_str()));
        let n_replaced = replaces
            .iter()
            .filter(|(a, n)| rows.contains(&(a.as_str(), n.as_str())))
            .count();
        if own || (!replaces.is_empty() && n_replaced == replaces.len()) {
            applied_nodes.insert(node);
        } else if n_replaced > 0 {
            skip.entry(node.0.clone())
                .or_insert_with(|| format!("the squashed migration {} is partly applied", node.1));
        }
    }
    let aum = pm.settings.auth_user_model.clone();
    let mut st = ProjectState::default();
    let mut model_origin: FxHashMap<(String, String), Origin> = FxHashMap::default();
    let mut field_origin: FxHashMap<(String, String, String), Origin> = FxHashMap::default();
    // (app, model lower, field) -> origin, for AddField/CreateModel of unapplied migrations.
    let mut pending: Vec<((String, String, String), Origin)> = Vec::new();
    for node in ma.graph.plan() {
        if skip.contains_key(&node.0) || !installed.contains(node.0.as_str()) {
            continue;
        }
        let Some(f) = files.get(&node) else { continue };
        let Ok(parsed) = f.parsed.as_ref() else {
            continue;
        };
        let label = format!("{}.{}", node.0, node.1);
        let app = node.0.clone();
        let origin = |span: Span| Origin {
            file: f.file,
            span,
            migration: label.clone(),
        };
        if !applied_nodes.contains(&node) {
            for op in &parsed.operations {
                match op.name.as_str() {
                    "AddField" => {
                        if let (Some(m), Some(n)) = (s(op, "model_name"), s(op, "name")) {
                            pending.push((
                                (app.clone(), m.to_lowercase(), n.to_string()),
                                origin(op.span),
                            ));
                        }
                    }
                    "CreateModel" => {
                        let Some(m) = s(op, "name") else { continue };
                        for fl in op.get("fields").and_then(Val::items).unwrap_or(&[]) {
                            if let Some([Val::Str(n), _]) = fl.items() {
                                pending.push((
                                    (app.clone(), m.to_lowercase(), n.clone()),
                                    origin(op.span),
                                ));
                            }
                        }
                    }
                    _ => {}
                }
            }
            continue;
        }
        for op in &parsed.operations {
            if let Err(e) = state::apply(&mut st, &app, op, &aum) {
                skip.entry(app.clone())
                    .or_insert_with(|| format!("migration {}: {e}", node.1));
                break;
            }
            let o = origin(op.span);
            let model = s(op, "model_name").or_else(|| s(op, "name"));
            match op.name.as_str() {
                "CreateModel" => {
                    let Some(m) = s(op, "name") else { continue };
                    let m = m.to_lowercase();
                    model_origin.insert((app.clone(), m.clone()), o.clone());
                    for fl in op.get("fields").and_then(Val::items).unwrap_or(&[]) {
                        if let Some([Val::Str(n), _]) = fl.items() {
                            field_origin.insert((app.clone(), m.clone(), n.clone()), o.clone());
                        }
                    }
                }
                "AddField" | "AlterField" => {
                    if let (Some(m), Some(n)) = (model, s(op, "name")) {
                        field_origin.insert((app.clone(), m.to_lowercase(), n.to_string()), o);
                    }
                }
                "RenameField" => {
                    if let (Some(m), Some(n)) = (model, s(op, "new_name")) {
                        field_origin.insert((app.clone(), m.to_lowercase(), n.to_string()), o);
                    }
                }
                "RenameModel" => {
                    if let (Some(old), Some(new)) = (s(op, "old_name"), s(op, "new_name")) {
                        let (old, new) = (old.to_lowercase(), new.to_lowercase());
                        model_origin.insert((app.clone(), new.clone()), o);
                        let moved: Vec<_> = field_origin
                            .iter()
                            .filter(|((a, m, _), _)| *a == app && *m == old)
                            .map(|((a, _, f), v)| ((a.clone(), new.clone(), f.clone()), v.clone()))
                            .collect();
                        field_origin.extend(moved);
                    }
                }
                "AlterModelTable" => {
                    if let Some(m) = model {
                        model_origin.insert((app.clone(), m.to_lowercase()), o);
                    }
                }
                _ => {}
            }
        }
    }
    // Every model of the state was made by an applied CreateModel: its origin is known.
    let mut states: Vec<(usize, ModelState)> = Vec::new();
    let mut origins: Vec<Origin> = Vec::new();
    for ((app, m), ms) in &st.models {
        if skip.contains_key(app) || !installed.contains(app.as_str()) {
            continue;
        }
        let Some(o) = model_origin.get(&(app.clone(), m.clone())) else {
            continue;
        };
        states.push((origins.len(), (**ms).clone()));
        origins.push(o.clone());
    }
    let locate = |idx: usize, ms: &ModelState, field: Option<&str>| -> Loc {
        let model = &origins[idx];
        let o = match field {
            Some(fname) => field_origin
                .get(&(ms.app_label.clone(), ms.name_lower(), fname.to_string()))
                .unwrap_or(model),
            None => model,
        };
        let object = match field {
            Some(fname) => format!("{}.{}.{fname}", ms.app_label, ms.name),
            None => format!("{}.{}", ms.app_label, ms.name),
        };
        Loc {
            file: o.file,
            span: o.span,
            object,
            migration: Some(o.migration.clone()),
        }
    };
    out.expected = expected_from_states(pm, &states, schema.backend, schema.mariadb, &locate);
    // Pending fields, mapped to columns through the applied state's tables.
    for ((app, model, field), o) in pending {
        let Some(ms) = st.get(&app, &model) else {
            continue;
        };
        let Some(t) = out
            .expected
            .tables
            .iter()
            .find(|t| t.loc.object == format!("{}.{}", ms.app_label, ms.name))
        else {
            continue;
        };
        for column in [field.clone(), format!("{field}_id")] {
            out.pending_columns.push((
                (t.name.clone(), column),
                (o.file, o.span, o.migration.clone()),
            ));
        }
    }
    let mut skipped: Vec<(String, String)> = skip.into_iter().collect();
    skipped.sort();
    out.skipped = skipped;
    Some(out)
}
