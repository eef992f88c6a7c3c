//! The database's `alembic_version` table against the project's Alembic revision scripts
//! (DJSA331-DJSA333).

use rustc_hash::FxHashSet;

use crate::alembic::{Env, environments};
use crate::db::{Db, Project};
use crate::diagnostic::{Diagnostic, Severity};
use crate::span::Span;

use super::DbSchema;

/// Every revision `versions` stands on: themselves and their ancestors (down revisions and
/// `depends_on`), within `env`.
fn reached(env: &Env, versions: &[String]) -> FxHashSet<String> {
    let mut seen: FxHashSet<String> = FxHashSet::default();
    let mut stack: Vec<String> = versions.to_vec();
    while let Some(v) = stack.pop() {
        if !seen.insert(v.clone()) {
            continue;
        }
        if let Some(r) = env.revisions.iter().find(|r| r.revision == v) {
            stack.extend(r.down_revisions.iter().cloned());
            stack.extend(r.depends_on.iter().cloned());
        }
    }
    seen
}

/// The unfiltered diagnostics.
pub fn compare(db: &dyn Db, project: Project, schema: &DbSchema) -> Vec<Diagnostic> {
    let envs: Vec<&Env> = environments(db, project)
        .iter()
        .filter(|e| !e.revisions.is_empty())
        .collect();
    let mut out = Vec::new();
    let Some(first) = envs.first() else {
        return out;
    };
    let Some(versions) = &schema.alembic_versions else {
        // No alembic_version table: only a problem when the environment's tables are there.
        let index = crate::sqla::sqla_tables(db, project);
        for env in &envs {
            let mut present: Vec<&str> = env
                .tables
                .iter()
                .filter_map(|&i| index.tables.get(i))
                .filter(|t| t.schema.is_none() && schema.table(&t.name).is_some())
                .map(|t| t.name.as_str())
                .collect();
            if present.is_empty() {
                continue;
            }
            present.sort_unstable();
            present.dedup();
            let Some(head) = env
                .revisions
                .iter()
                .find(|r| env.heads.contains(&r.revision))
            else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    "DJSA333",
                    Severity::Warning,
                    format!(
                        "The database has no alembic_version table, but it has tables of this Alembic environment ({}).",
                        present.join(", ")
                    ),
                )
                .at(head.file, head.revision_span)
                .object(head.revision.clone())
                .hint("`alembic upgrade head` would try to create them again. If the schema is that of the head revision, record it with `alembic stamp head`."),
            );
        }
        return out;
    };
    // The environment the database belongs to: the one that knows its revisions.
    let env = envs
        .iter()
        .find(|e| {
            !versions.is_empty()
                && versions
                    .iter()
                    .all(|v| e.revisions.iter().any(|r| r.revision == *v))
        })
        .or_else(|| {
            envs.iter().find(|e| {
                versions
                    .iter()
                    .any(|v| e.revisions.iter().any(|r| r.revision == *v))
            })
        })
        .unwrap_or(first);
    let anchor = env
        .revisions
        .iter()
        .find(|r| env.heads.contains(&r.revision))
        .or(env.revisions.first());
    let (anchor_file, anchor_span) = match (env.env_file, anchor) {
        (Some(f), _) => (f, Span::default()),
        (None, Some(r)) => (r.file, r.revision_span),
        (None, None) => return out,
    };
    let mut unknown = false;
    for v in versions {
        if env.revisions.iter().any(|r| r.revision == *v) {
            continue;
        }
        unknown = true;
        out.push(
            Diagnostic::new(
                "DJSA331",
                Severity::Error,
                format!("The database is at Alembic revision '{v}', which is not in the revision scripts."),
            )
            .at(anchor_file, anchor_span)
            .object(v.clone())
            .hint("A revision deleted or not yet pulled, or a database upgraded from another branch: `alembic upgrade` and `alembic downgrade` will fail (\"Can't locate revision\")."),
        );
    }
    if unknown {
        // Where the database stands in the history is not known: nothing more to say.
        return out;
    }
    let done = reached(env, versions);
    let at_text = if versions.is_empty() {
        "alembic_version is empty".to_string()
    } else {
        format!("alembic_version is at {}", versions.join(", "))
    };
    for &i in &env.order {
        let Some(r) = env.revisions.get(i) else {
            continue;
        };
        if done.contains(&r.revision) {
            continue;
        }
        out.push(
            Diagnostic::new(
                "DJSA332",
                Severity::Warning,
                format!(
                    "Alembic revision '{}' is not applied to the database ({at_text}).",
                    r.revision
                ),
            )
            .at(r.file, r.revision_span)
            .object(r.revision.clone())
            .hint("Run `alembic upgrade head`."),
        );
    }
    out
}
