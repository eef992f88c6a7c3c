//! Source actions:
//! - `source.djsa.makeMigrations` "Make migrations for app '<label>'": offered in any file of a
//!   Django app with model drift; the edit creates exactly the migration(s)
//!   `djsa makemigrations <app>` writes ([`super::lens::make_migrations`]).
//! - `source.djsa.bridgeTable` "Generate Django model for SQLAlchemy table '<t>'": offered when
//!   the range touches a SQLAlchemy table or mapped class; creates
//!   `<module dir>/django_models_<table>.py`, or appends to it when it exists.
//!
//! File creations go through [`convert::code_action`], so a client without resource operations
//! gets the `djsa.createFile` command instead.

use std::path::Path;

use djsa_analysis::db::{Db, Project, SourceFile};
use djsa_analysis::diagnostic::{Edit, Fix};
use djsa_analysis::project::project_model;
use djsa_analysis::sqla::{bridge, sqla_tables};
use djsa_analysis::{Span, sqla};
use tower_lsp_server::ls_types as lsp;

use super::convert::{self, LineMap};
use super::lens::make_migrations;
use super::session::Snapshot;

pub const MAKE_MIGRATIONS_KIND: &str = "source.djsa.makeMigrations";
pub const BRIDGE_TABLE_KIND: &str = "source.djsa.bridgeTable";

/// Whether a request's `only` filter admits a kind (no filter admits everything).
pub fn admits(only: Option<&[lsp::CodeActionKind]>, kind: &str) -> bool {
    match only {
        None => true,
        Some(list) => list.iter().any(|k| {
            let k = k.as_str();
            k.is_empty() || kind == k || kind.starts_with(&format!("{k}."))
        }),
    }
}

/// The installed app whose package holds the file (the longest matching module prefix).
pub fn app_of_file(db: &dyn Db, project: Project, file: SourceFile) -> Option<String> {
    let module = file.module(db).as_ref()?;
    let pm = project_model(db, project);
    pm.apps
        .iter()
        .filter(|a| *module == a.name || module.starts_with(&format!("{}.", a.name)))
        .max_by_key(|a| a.name.len())
        .map(|a| a.label.clone())
}

/// The SQLAlchemy table (database name) whose definition the range touches.
pub fn table_at(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    lo: u32,
    hi: u32,
) -> Option<usize> {
    let index = sqla_tables(db, project);
    let touches = |s: Span| s.start <= hi && lo <= s.end;
    for (i, t) in index.tables.iter().enumerate() {
        if t.file == file
            && (touches(t.span) || t.columns.iter().any(|c| c.file == file && touches(c.span)))
        {
            return Some(i);
        }
    }
    for c in &index.classes {
        if c.file == file && touches(c.name_span) {
            return c.table;
        }
    }
    None
}

fn finish(mut a: lsp::CodeAction, kind: &str) -> lsp::CodeAction {
    a.kind = Some(lsp::CodeActionKind::from(kind.to_string()));
    a.diagnostics = None;
    a.is_preferred = None;
    a
}

fn placeholder_diag() -> lsp::Diagnostic {
    lsp::Diagnostic::default()
}

/// `source.djsa.makeMigrations` for the file's app, when it drifts.
pub fn make_migrations_action(snap: &Snapshot, file: SourceFile) -> Option<lsp::CodeAction> {
    let db = &snap.db;
    let app = app_of_file(db, snap.project, file)?;
    if !super::lens::drifting_apps(db, snap.project).contains(&app) {
        return None;
    }
    let new = make_migrations(db, snap.project, &app);
    if new.is_empty() {
        return None;
    }
    let fix = Fix {
        title: format!("Make migrations for app '{app}'"),
        edits: new
            .into_iter()
            .map(|m| Edit::Create {
                path: m.path,
                text: m.text,
            })
            .collect(),
    };
    let path_of = |f: SourceFile| snap.paths.get(&f).cloned();
    let a = convert::code_action(
        db,
        &fix,
        placeholder_diag(),
        &snap.root,
        &path_of,
        snap.enc,
        snap.edits,
        false,
    )?;
    Some(finish(a, MAKE_MIGRATIONS_KIND))
}

/// File name of the bridge module for a table.
fn bridge_file_name(table: &str) -> String {
    let clean: String = table
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("django_models_{clean}.py")
}

/// Split generated module text into its import lines and the rest (from the first non-import,
/// non-comment line on).
fn split_imports(text: &str) -> (Vec<&str>, &str) {
    let mut imports = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with("import ") || t.starts_with("from ") {
            imports.push(t);
        } else if !(t.is_empty() || t.starts_with('#')) {
            break;
        }
        offset += line.len();
    }
    (imports, &text[offset..])
}

/// `source.djsa.bridgeTable` for the SQLAlchemy table the range touches.
pub fn bridge_action(
    snap: &Snapshot,
    file: SourceFile,
    lo: u32,
    hi: u32,
) -> Option<lsp::CodeAction> {
    let db = &snap.db;
    let index = sqla_tables(db, snap.project);
    let ti = table_at(db, snap.project, file, lo, hi)?;
    let table: &sqla::Table = index.tables.get(ti)?;
    let out = bridge::django_models(index, &[table.qualified_name()]);
    if out.bridged.is_empty() {
        return None;
    }
    let src_path = snap.paths.get(&file)?;
    let target = src_path.parent()?.join(bridge_file_name(&table.name));
    let title = format!(
        "Generate Django model for SQLAlchemy table '{}'",
        table.name
    );
    let edit = match snap.file(&target) {
        Some(existing) => {
            let current = existing.text(db);
            // Bridged already: the module declares a model for this table.
            let model = out
                .text
                .lines()
                .find_map(|l| l.strip_prefix("class ").and_then(|r| r.split_once('(')))
                .map(|(name, _)| format!("class {name}("));
            if model.is_some_and(|m| current.contains(&m)) {
                return None;
            }
            let (imports, body) = split_imports(&out.text);
            let mut chunk = String::new();
            if !current.is_empty() && !current.ends_with('\n') {
                chunk.push('\n');
            }
            chunk.push_str("\n\n");
            for i in imports {
                if !current.lines().any(|l| l.trim() == i) {
                    chunk.push_str(i);
                    chunk.push('\n');
                }
            }
            chunk.push_str(body.trim_start_matches('\n'));
            let end = current.len() as u32;
            Edit::Replace {
                file: existing,
                span: Span::new(end, end),
                text: chunk,
            }
        }
        None if target.exists() => return None,
        None => Edit::Create {
            path: relative(&snap.root, &target),
            text: out.text.clone(),
        },
    };
    let fix = Fix {
        title,
        edits: vec![edit],
    };
    let path_of = |f: SourceFile| snap.paths.get(&f).cloned();
    let a = convert::code_action(
        db,
        &fix,
        placeholder_diag(),
        &snap.root,
        &path_of,
        snap.enc,
        snap.edits,
        false,
    )?;
    Some(finish(a, BRIDGE_TABLE_KIND))
}

fn relative(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

/// Source actions for a range of a file, filtered by the request's `only`.
pub fn source_actions(
    snap: &Snapshot,
    file: SourceFile,
    range: lsp::Range,
    only: Option<&[lsp::CodeActionKind]>,
) -> Vec<lsp::CodeActionOrCommand> {
    let map = LineMap::new(file.text(&snap.db), snap.enc);
    let (lo, hi) = (map.offset(range.start), map.offset(range.end));
    let mut out = Vec::new();
    if admits(only, MAKE_MIGRATIONS_KIND)
        && let Some(a) = make_migrations_action(snap, file)
    {
        out.push(lsp::CodeActionOrCommand::CodeAction(a));
    }
    if admits(only, BRIDGE_TABLE_KIND)
        && let Some(a) = bridge_action(snap, file, lo, hi)
    {
        out.push(lsp::CodeActionOrCommand::CodeAction(a));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_names() {
        let k = |s: &str| lsp::CodeActionKind::from(s.to_string());
        assert!(admits(None, MAKE_MIGRATIONS_KIND));
        assert!(admits(Some(&[k("source")]), MAKE_MIGRATIONS_KIND));
        assert!(admits(Some(&[k("source.djsa")]), BRIDGE_TABLE_KIND));
        assert!(!admits(Some(&[k("quickfix")]), MAKE_MIGRATIONS_KIND));
        assert!(!admits(
            Some(&[k("source.organizeImports")]),
            MAKE_MIGRATIONS_KIND
        ));
        assert_eq!(
            bridge_file_name("Stock Items"),
            "django_models_stock_items.py"
        );
        let (imports, body) =
            split_imports("# x\nimport uuid\n\nfrom django.db import models\n\n\nclass A:\n");
        assert_eq!(imports, ["import uuid", "from django.db import models"]);
        assert_eq!(body, "class A:\n");
    }
}
