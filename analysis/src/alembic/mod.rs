//! Alembic: environments, revision files, the revision graph, the schema the history builds, and
//! its drift against the SQLAlchemy metadata (`alembic check`, statically), plus the revision file
//! `alembic revision --autogenerate` would write (DJSA261-DJSA265).
//!
//! The host finds `alembic.ini` files and passes what they say as [`EnvSpec`]s in the project
//! configuration; everything else (revision files, env.py, models) comes from the Python files.

pub mod compare;
pub mod parse;
pub mod render;
pub mod state;

#[cfg(test)]
mod tests;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::db::{Db, Origin, Project, SourceFile, module_syntax};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::resolve::{Resolved, Resolver};
use crate::span::Span;
use crate::syntax::{ExprKind, Stmt, Target};

pub use compare::{Change, Dialect, Group};
pub use parse::{RevOp, Revision, revision_file};
pub use state::SchemaState;

/// An Alembic environment as the host found it in an `alembic.ini` (paths relative to the
/// project root, `/`-separated; `""` is the root).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct EnvSpec {
    pub ini: Option<String>,
    /// `script_location`: the directory with env.py and script.py.mako.
    pub dir: String,
    /// `version_locations`, default `<dir>/versions`.
    pub version_dirs: Vec<String>,
    /// `sqlalchemy.url`.
    pub url: Option<String>,
    /// script.py.mako exists and is not alembic's default template.
    pub template_customised: bool,
    /// `file_template` when it is not the default.
    pub file_template: Option<String>,
}

/// What an `alembic.ini` says, from its text (`ini_dir`: its directory, relative to the root).
pub fn parse_ini(text: &str, ini_dir: &str) -> Option<EnvSpec> {
    let mut section = String::new();
    let mut vals: FxHashMap<String, String> = FxHashMap::default();
    for raw in text.lines() {
        let line = raw.trim_end();
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with(';') || t.is_empty() {
            continue;
        }
        if t.starts_with('[') && t.ends_with(']') {
            section = t[1..t.len() - 1].trim().to_string();
            continue;
        }
        if section != "alembic" {
            continue;
        }
        if let Some((k, v)) = t.split_once('=').or_else(|| t.split_once(':')) {
            vals.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    // `%(here)s` is the ini's directory (absolute in alembic); other relative paths are taken
    // relative to the ini's directory too (where alembic is normally run).
    let here = |v: &str| -> String {
        match v.strip_prefix("%(here)s") {
            Some(rest) => join(ini_dir, rest.trim_start_matches('/')),
            None => join(ini_dir, v),
        }
    };
    let dir = here(vals.get("script_location")?);
    let version_dirs = match vals.get("version_locations") {
        Some(v) => {
            let sep = match vals.get("version_path_separator").map(String::as_str) {
                Some("space") | None => ' ',
                Some("colon") => ':',
                Some("semicolon") => ';',
                Some("newline") => '\n',
                _ => ' ',
            };
            v.split(sep)
                .filter(|s| !s.trim().is_empty())
                .map(|s| here(s.trim()))
                .collect()
        }
        None => vec![join(&dir, "versions")],
    };
    Some(EnvSpec {
        ini: Some(join(ini_dir, "alembic.ini")),
        dir,
        version_dirs,
        url: vals.get("sqlalchemy.url").cloned(),
        template_customised: false,
        file_template: vals
            .get("file_template")
            .filter(|t| t.as_str() != "%%(rev)s_%%(slug)s")
            .cloned(),
    })
}

/// Join and normalise `/`-separated relative paths (`a/./b/../c` -> `a/c`).
fn join(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let full = if rel.starts_with('/') || base.is_empty() {
        rel.to_string()
    } else {
        format!("{base}/{rel}")
    };
    for p in full.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            x => parts.push(x),
        }
    }
    let j = parts.join("/");
    if full.starts_with('/') {
        format!("/{j}")
    } else {
        j
    }
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}

/// A finding of the environment analysis, turned into a diagnostic by [`diagnostics`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: &'static str,
    pub file: Option<SourceFile>,
    pub span: Span,
    pub message: String,
}

/// One analysed environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Env {
    pub spec: EnvSpec,
    pub dialect: Dialect,
    pub revisions: Vec<Revision>,
    pub heads: Vec<String>,
    /// Revisions in replay order (indices into `revisions`).
    pub order: Vec<usize>,
    pub problems: Vec<Problem>,
    pub env_file: Option<SourceFile>,
    /// The SQLAlchemy tables compared (indices into the SQLAlchemy index).
    pub tables: Vec<usize>,
    /// The replayed state, when the history could be replayed.
    pub state: Option<SchemaState>,
    /// The drift, or why it was not computed.
    pub changes: Result<Vec<Group>, String>,
    pub render_as_batch: bool,
    /// What djsa skipped or assumed (shown by --verbose).
    pub notes: Vec<String>,
}

impl Env {
    /// The directory new revisions go to.
    pub fn versions_dir(&self) -> String {
        self.spec
            .version_dirs
            .first()
            .cloned()
            .unwrap_or_else(|| join(&self.spec.dir, "versions"))
    }
}

/// Revision files directly inside a versions directory.
fn in_dir(path: &str, dir: &str) -> bool {
    let p = path.replace('\\', "/");
    parent(&p) == dir
}

/// Every Alembic environment of the project.
#[salsa::tracked(returns(ref))]
pub fn environments(db: &dyn Db, project: Project) -> Vec<Env> {
    let config = project.config(db);
    let files: Vec<SourceFile> = project
        .files(db)
        .iter()
        .copied()
        .filter(|f| f.origin(db) == Origin::Project)
        .collect();
    let mut specs: Vec<EnvSpec> = config.alembic.clone();
    let mut notes_global = Vec::new();
    if specs.is_empty() {
        // No alembic.ini: `<x>/versions` directories holding revision files.
        let mut dirs: Vec<String> = files
            .iter()
            .filter(|f| parse::is_revision_file(db, **f))
            .map(|f| parent(&f.path(db).replace('\\', "/")).to_string())
            .filter(|d| d == "versions" || d.ends_with("/versions"))
            .collect();
        dirs.sort();
        dirs.dedup();
        for d in dirs {
            notes_global.push(format!(
                "alembic: no alembic.ini; using the revisions in {d}/"
            ));
            specs.push(EnvSpec {
                ini: None,
                dir: parent(&d).to_string(),
                version_dirs: vec![d],
                url: None,
                template_customised: false,
                file_template: None,
            });
        }
    }
    specs
        .into_iter()
        .map(|spec| {
            let mut env = analyse_env(db, project, &files, spec);
            env.notes.splice(0..0, notes_global.iter().cloned());
            env
        })
        .collect()
}

fn fnv(data: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in data.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn analyse_env(db: &dyn Db, project: Project, files: &[SourceFile], spec: EnvSpec) -> Env {
    let dialect = Dialect::from_url(spec.url.as_deref());
    let mut env = Env {
        dialect,
        revisions: Vec::new(),
        heads: Vec::new(),
        order: Vec::new(),
        problems: Vec::new(),
        env_file: None,
        tables: Vec::new(),
        state: None,
        changes: Err(String::new()),
        render_as_batch: false,
        notes: Vec::new(),
        spec,
    };
    let mut revs: Vec<Revision> = files
        .iter()
        .filter(|f| env.spec.version_dirs.iter().any(|d| in_dir(f.path(db), d)))
        .filter_map(|f| revision_file(db, *f).clone())
        .collect();
    revs.sort_by(|a, b| a.file.path(db).cmp(b.file.path(db)));
    env.revisions = revs;
    let env_path = join(&env.spec.dir, "env.py");
    env.env_file = files.iter().copied().find(|f| f.path(db) == &env_path);
    if env.spec.url.is_none() {
        env.notes
            .push("alembic: no sqlalchemy.url in alembic.ini; comparing as for PostgreSQL".into());
    }
    let mut blocked: Option<String> = None;
    let block = |why: String, blocked: &mut Option<String>| {
        if blocked.is_none() {
            *blocked = Some(why);
        }
    };

    // Revisions not understood.
    for r in &env.revisions {
        if let Some((span, msg)) = r.problems.first() {
            env.problems.push(Problem {
                code: "DJSA264",
                file: Some(r.file),
                span: *span,
                message: format!(
                    "Alembic revision '{}' is not understood statically: {msg}.",
                    r.revision
                ),
            });
            block(
                format!("revision {} not understood", r.revision),
                &mut blocked,
            );
        }
        for (_, msg) in &r.opaque {
            env.notes.push(format!(
                "alembic: {}: {msg} (treated as not changing the schema)",
                r.file.path(db)
            ));
        }
    }

    // The graph.
    let mut ids: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, r) in env.revisions.iter().enumerate() {
        if ids.insert(r.revision.as_str(), i).is_some() {
            env.problems.push(Problem {
                code: "DJSA264",
                file: Some(r.file),
                span: r.revision_span,
                message: format!(
                    "Alembic revision id '{}' is used by more than one revision file.",
                    r.revision
                ),
            });
            block("duplicate revision id".into(), &mut blocked);
        }
    }
    let labels: FxHashMap<&str, usize> = env
        .revisions
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.branch_labels.iter().map(move |l| (l.as_str(), i)))
        .collect();
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); env.revisions.len()];
    let mut referenced: FxHashSet<usize> = FxHashSet::default();
    for (i, r) in env.revisions.iter().enumerate() {
        for d in &r.down_revisions {
            match ids.get(d.as_str()) {
                Some(&j) => {
                    parents[i].push(j);
                    referenced.insert(j);
                }
                None => {
                    env.problems.push(Problem {
                        code: "DJSA263",
                        file: Some(r.file),
                        span: r.down_span,
                        message: format!(
                            "Alembic revision '{}' has down_revision '{d}', which does not exist.",
                            r.revision
                        ),
                    });
                    block("a down_revision does not exist".into(), &mut blocked);
                }
            }
        }
        for d in &r.depends_on {
            match ids.get(d.as_str()).or_else(|| labels.get(d.as_str())) {
                Some(&j) => parents[i].push(j),
                None => {
                    env.problems.push(Problem {
                        code: "DJSA263",
                        file: Some(r.file),
                        span: r.down_span,
                        message: format!(
                            "Alembic revision '{}' depends on '{d}', which does not exist.",
                            r.revision
                        ),
                    });
                    block("a depends_on target does not exist".into(), &mut blocked);
                }
            }
        }
    }
    env.heads = env
        .revisions
        .iter()
        .enumerate()
        .filter(|(i, _)| !referenced.contains(i))
        .map(|(_, r)| r.revision.clone())
        .collect();
    // Replay order (Kahn), and cycles.
    let n = env.revisions.len();
    let mut indeg: Vec<usize> = parents.iter().map(Vec::len).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ps) in parents.iter().enumerate() {
        for &p in ps {
            children[p].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
    ready.reverse();
    while let Some(i) = ready.pop() {
        env.order.push(i);
        for &c in &children[i] {
            indeg[c] -= 1;
            if indeg[c] == 0 {
                ready.push(c);
            }
        }
    }
    if env.order.len() < n {
        let on_cycle: Vec<usize> = (0..n).filter(|i| !env.order.contains(i)).collect();
        for &i in &on_cycle {
            let r = &env.revisions[i];
            env.problems.push(Problem {
                code: "DJSA265",
                file: Some(r.file),
                span: r.down_span,
                message: format!(
                    "Alembic revision '{}' is on a cycle of down_revision/depends_on references.",
                    r.revision
                ),
            });
        }
        block("the revision graph has a cycle".into(), &mut blocked);
    }
    if env.heads.len() > 1 {
        let mut heads = env.heads.clone();
        heads.sort();
        for h in &heads {
            if let Some(&i) = ids.get(h.as_str()) {
                let r = &env.revisions[i];
                env.problems.push(Problem {
                    code: "DJSA262",
                    file: Some(r.file),
                    span: r.revision_span,
                    message: format!(
                        "Multiple head revisions are present ({}); merge them with `alembic merge heads`.",
                        heads.join(", ")
                    ),
                });
            }
        }
        block("multiple heads".into(), &mut blocked);
    }

    // Replay.
    if blocked.is_none() {
        let mut st = SchemaState::default();
        'outer: for &i in &env.order {
            let r = &env.revisions[i];
            for (op, span) in &r.ops {
                if let Err(e) = st.apply(op) {
                    env.problems.push(Problem {
                        code: "DJSA264",
                        file: Some(r.file),
                        span: *span,
                        message: format!(
                            "Alembic revision '{}' could not be replayed statically: {e}.",
                            r.revision
                        ),
                    });
                    block(
                        format!("revision {} could not be replayed", r.revision),
                        &mut blocked,
                    );
                    break 'outer;
                }
            }
        }
        if blocked.is_none() {
            env.state = Some(st);
        }
    }

    // env.py: target_metadata and configure() options.
    let mut meta_key: Option<Option<String>> = None;
    match env.env_file {
        None => {
            env.notes.push(format!(
                "alembic: {env_path} not found; comparing every SQLAlchemy table of the project"
            ));
        }
        Some(f) => {
            let text = f.text(db);
            let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            env.render_as_batch = squeezed.contains("render_as_batch=True");
            if squeezed.contains("compare_type=False") {
                block(
                    "env.py sets compare_type=False (not modelled)".into(),
                    &mut blocked,
                );
            }
            if squeezed.contains("process_revision_directives=") {
                env.notes.push(
                    "alembic: env.py passes process_revision_directives to configure(): it may change the revision alembic writes (not modelled)".into(),
                );
            }
            if squeezed.contains("configure(") && squeezed.contains("**") {
                env.notes.push(
                    "alembic: env.py may pass more keyword arguments to configure() through ** (not read)".into(),
                );
            }
            for k in ["include_object=", "include_name="] {
                if squeezed.contains(k) {
                    block(
                        format!(
                            "env.py passes {} to configure() (not modelled)",
                            &k[..k.len() - 1]
                        ),
                        &mut blocked,
                    );
                }
            }
            meta_key = Some(target_metadata_key(
                db,
                project,
                f,
                &mut env.notes,
                &mut blocked,
            ));
        }
    }

    // The SQLAlchemy side.
    let index = crate::sqla::sqla_tables(db, project);
    let env_found = meta_key.is_some();
    let key = meta_key.flatten();
    let mut chosen: Vec<usize> = match &key {
        Some(k) => (0..index.tables.len())
            .filter(|&i| &index.tables[i].metadata == k)
            .collect(),
        None => Vec::new(),
    };
    if chosen.is_empty() {
        let mut keys: Vec<&str> = index.tables.iter().map(|t| t.metadata.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let one_metadata = keys.len() == 1 && !keys[0].starts_with('?');
        if !env_found {
            env.notes
                .push("alembic: no env.py; comparing every SQLAlchemy table of the project".into());
            chosen = (0..index.tables.len()).collect();
        } else if key.is_some() && one_metadata {
            env.notes.push(
                "alembic: target_metadata names no table djsa indexed; comparing the project's one SQLAlchemy MetaData".into(),
            );
            chosen = (0..index.tables.len()).collect();
        } else {
            block(
                "target_metadata could not be matched to the SQLAlchemy tables djsa indexed".into(),
                &mut blocked,
            );
        }
        if chosen.is_empty() {
            block(
                "no SQLAlchemy table found for target_metadata".into(),
                &mut blocked,
            );
        }
    }
    if crate::sqla::index::discovered_files(db, project)
        .iter()
        .any(|f| f.text(db).contains("naming_convention"))
    {
        block(
            "a MetaData naming_convention is declared (constraint and index names not modelled)"
                .into(),
            &mut blocked,
        );
    }
    if index.incomplete {
        block(
            "the SQLAlchemy index is incomplete (see the SQLAlchemy notes)".into(),
            &mut blocked,
        );
    }
    env.tables = chosen;
    if let Some(why) = blocked {
        env.notes
            .push(format!("alembic: {}: not compared: {why}", env.spec.dir));
        env.changes = Err(why);
        return env;
    }
    let tables: Vec<&crate::sqla::Table> = env.tables.iter().map(|&i| &index.tables[i]).collect();
    match compare::metadata_state(&tables) {
        Ok(meta) => {
            let st = env.state.clone().unwrap_or_default();
            env.changes = Ok(compare::compare(&st, &meta, dialect));
        }
        Err(e) => {
            env.notes
                .push(format!("alembic: {}: not compared: {e}", env.spec.dir));
            env.changes = Err(e);
        }
    }
    env
}

/// The metadata key (as the SQLAlchemy index names metadata) of env.py's `target_metadata`.
fn target_metadata_key(
    db: &dyn Db,
    project: Project,
    env_file: SourceFile,
    notes: &mut Vec<String>,
    blocked: &mut Option<String>,
) -> Option<String> {
    let body = &module_syntax(db, env_file).body;
    let mut value = None;
    for s in body {
        if let Stmt::Assign {
            targets, value: v, ..
        } = s
            && targets
                .iter()
                .any(|t| matches!(t, Target::Name(n, _) if n == "target_metadata"))
        {
            value = Some(v.clone());
        }
    }
    let Some(v) = value else {
        notes.push("alembic: env.py has no module-level target_metadata".into());
        return None;
    };
    if v.is_none() {
        if blocked.is_none() {
            *blocked = Some(
                "env.py sets target_metadata = None: autogenerate has no metadata to compare"
                    .into(),
            );
        }
        return None;
    }
    let ExprKind::Name(name) = &v.kind else {
        notes.push("alembic: target_metadata is not a plain name".into());
        return None;
    };
    let resolver = Resolver::new(db, project);
    let key_of = |f: SourceFile, start: u32| {
        format!(
            "{}@{}",
            f.module(db).as_deref().unwrap_or(f.path(db)),
            start
        )
    };
    let target = name.strip_suffix(".metadata").unwrap_or(name);
    match resolver.resolve_name(env_file, target) {
        Resolved::Class(id) => {
            let def = resolver.class_def(id)?;
            // A `metadata = MetaData(...)` in the class body is the metadata itself.
            for s in &def.body {
                if let Stmt::Assign { targets, value, .. } = s
                    && targets
                        .iter()
                        .any(|t| matches!(t, Target::Name(n, _) if n == "metadata"))
                {
                    return Some(key_of(id.file, value.span.start));
                }
            }
            Some(key_of(id.file, def.name_span.start))
        }
        Resolved::Value(f, e) => Some(key_of(f, e.span.start)),
        Resolved::External(q) => {
            // `SQLModel.metadata` and other libraries' registries: their tables are declared in
            // ways the SQLAlchemy index does not read.
            if blocked.is_none() {
                *blocked = Some(format!(
                    "target_metadata = {name} is the MetaData of `{q}`, whose tables djsa does not index"
                ));
            }
            None
        }
        _ => {
            notes.push(format!("alembic: target_metadata = {name} not resolved"));
            None
        }
    }
}

/// The head revision id(s) of the environment whose `script_location` is `dir` (for comparing
/// with a database's `alembic_version` table). `None`: no such environment.
pub fn heads(db: &dyn Db, project: Project, dir: &str) -> Option<Vec<String>> {
    environments(db, project)
        .iter()
        .find(|e| e.spec.dir == dir)
        .map(|e| e.heads.clone())
}

/// A deterministic revision id for fixes offered by the checker (the CLI uses a random one).
fn stable_rev_id(env: &Env, changes: &[Group]) -> String {
    let mut s = env.heads.join(",");
    for g in changes {
        for c in g.changes() {
            s.push_str(&c.describe());
        }
    }
    format!("{:012x}", fnv(&s) & 0xffff_ffff_ffff)
}

/// The revision file for an environment's drift: (path, text), or why djsa does not write it.
pub fn revision_for(
    env: &Env,
    rev_id: &str,
    message: &str,
    create_date: &str,
) -> Result<(String, String), String> {
    let changes = env.changes.as_ref().map_err(|e| e.clone())?;
    if env.spec.template_customised {
        return Err(
            "the environment's script.py.mako is customised; djsa only writes alembic's default template"
                .into(),
        );
    }
    if env.spec.file_template.is_some() {
        return Err(
            "alembic.ini sets a file_template; djsa only writes the default file names".into(),
        );
    }
    let info = render::RevisionInfo {
        rev_id,
        down_revisions: &env.heads,
        message,
        create_date,
        render_as_batch: env.render_as_batch,
        dialect: env.dialect,
    };
    let text = render::revision_text(changes, &info)?;
    let path = join(&env.versions_dir(), &render::file_name(rev_id, message));
    Ok((path, text))
}

/// DJSA261-DJSA265.
pub fn diagnostics(db: &dyn Db, project: Project) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let index = crate::sqla::sqla_tables(db, project);
    for env in environments(db, project) {
        for p in &env.problems {
            let sev = match p.code {
                "DJSA262" | "DJSA263" | "DJSA265" => Severity::Error,
                _ => Severity::Warning,
            };
            let mut d = Diagnostic::new(p.code, sev, p.message.clone());
            if let Some(f) = p.file {
                d = d.at(f, p.span);
            }
            if p.code == "DJSA264" {
                d = d.hint("djsa does not compare this Alembic environment with the models; `djsa alembic check --verbose` says why.");
            }
            out.push(d);
        }
        let Ok(changes) = &env.changes else { continue };
        if changes.is_empty() {
            continue;
        }
        let rev_id = stable_rev_id(env, changes);
        let fix = match revision_for(env, &rev_id, "djsa autogenerate", "(written by djsa)") {
            Ok((path, text)) if !project.files(db).iter().any(|f| f.path(db) == &path) => {
                vec![Fix {
                    title: format!("Create Alembic revision {path}"),
                    edits: vec![Edit::Create { path, text }],
                }]
            }
            _ => Vec::new(),
        };
        let head_file = env
            .heads
            .first()
            .and_then(|h| env.revisions.iter().find(|r| &r.revision == h))
            .map(|r| (r.file, r.revision_span));
        for g in changes {
            for c in g.changes() {
                let t = c.table();
                let table = env
                    .tables
                    .iter()
                    .map(|&i| &index.tables[i])
                    .find(|x| x.name == t.name && x.schema == t.schema);
                let (file, span) = match (table, c.column()) {
                    (Some(tb), Some(col)) => match tb.column(col) {
                        Some(cc) => (Some(cc.file), cc.span),
                        None => (Some(tb.file), tb.span),
                    },
                    (Some(tb), None) => (Some(tb.file), tb.span),
                    (None, _) => match head_file {
                        Some((f, s)) => (Some(f), s),
                        None => (env.env_file, Span::default()),
                    },
                };
                let mut d = Diagnostic::new(
                    "DJSA261",
                    Severity::Warning,
                    format!(
                        "SQLAlchemy metadata differs from the Alembic revisions: {} (alembic check: {}).",
                        c.describe(),
                        c.kinds().join(", ")
                    ),
                )
                .hint("Write a revision: `djsa alembic revision --autogenerate -m \"...\"` (or `alembic revision --autogenerate`).");
                if let Some(f) = file {
                    d = d.at(f, span);
                }
                d.fixes = fix.clone();
                out.push(d);
            }
        }
    }
    out
}
