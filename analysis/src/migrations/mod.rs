//! Django migrations: read every migrations package, build the graph, replay it into a project
//! state, compare it with the models' state like `makemigrations` does, and write the migration
//! Django would write.
//!
//! Honesty rule: an app whose migrations or models djsa cannot reproduce exactly is "not
//! drift-checked" (said once, with the reason) rather than given a possibly wrong migration.

pub mod autodetect;
pub mod fromproject;
pub mod graph;
mod md5;
pub mod naming;
pub mod parse;
pub mod state;
pub mod writer;

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::db::{Db, Origin, Project, SourceFile, module_syntax};
use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::project::{ProjectModel, ProjectSettings, app_registry, project_model};
use crate::resolve::{Resolver, module_map};
use crate::span::Span;

use autodetect::{Input, Op, PlannedMigration};
use graph::{Graph, Key};
use parse::{ParsedMigration, ValCx};
use state::ProjectState;

/// One migration file of an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    pub app_label: String,
    pub name: String,
    pub file: SourceFile,
    pub parsed: SharedParse,
}

/// A migration as [`parsed_migration`] read it, shared with that query rather than copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedParse(Arc<Result<ParsedMigration, parse::Unreadable>>);

impl SharedParse {
    pub fn as_ref(&self) -> Result<&ParsedMigration, &parse::Unreadable> {
        self.0.as_ref().as_ref()
    }
}

impl std::ops::Deref for SharedParse {
    type Target = Result<ParsedMigration, parse::Unreadable>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// The migration history (through `Deref`: files, graph, packages, ...) and the models' state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationAnalysis {
    history: Arc<MigrationHistory>,
    /// Replayed migration state ("from") and the models' state ("to"), both restricted to the
    /// apps that can be compared exactly.
    pub from_state: Arc<ProjectState>,
    pub to_state: ProjectState,
    /// Apps not compared, with the reason (said once per app): the history's, then the models'.
    pub skipped: Vec<(String, String)>,
}

impl std::ops::Deref for MigrationAnalysis {
    type Target = MigrationHistory;
    fn deref(&self) -> &MigrationHistory {
        &self.history
    }
}

impl MigrationAnalysis {
    /// Leaf nodes of an app when they are known, else nothing (unreadable migrations).
    pub fn conflicts(&self, app: &str) -> Option<Vec<Key>> {
        if self.unreadable_apps.iter().any(|a| a == app) {
            return None;
        }
        let leaves = self.graph.leaf_nodes(app);
        (leaves.len() > 1).then_some(leaves)
    }
}

impl MigrationAnalysis {
    pub fn skipped_reason(&self, app: &str) -> Option<&str> {
        skipped_reason(&self.skipped, app)
    }
    fn skip(&mut self, app: &str, reason: String) {
        skip(&mut self.skipped, app, reason);
    }
}

/// The reason an app is not compared, from a `skipped` list.
fn skipped_reason<'a>(skipped: &'a [(String, String)], app: &str) -> Option<&'a str> {
    skipped
        .iter()
        .find(|(a, _)| a == app)
        .map(|(_, r)| r.as_str())
}

/// Add an app to a `skipped` list, once (its first reason stays).
fn skip(skipped: &mut Vec<(String, String)>, app: &str, reason: String) {
    if skipped_reason(skipped, app).is_none() {
        skipped.push((app.to_string(), reason));
    }
}

fn setting_fn(settings: &ProjectSettings) -> impl Fn(&str) -> Option<String> + '_ {
    move |name: &str| {
        if name == "AUTH_USER_MODEL" {
            return Some(settings.auth_user_model.clone());
        }
        let set = settings.env.names.get(name);
        if set.is_none() && name == "WAGTAIL_PAGE_MODEL" {
            // swapper.swappable_setting() sets an unset swappable setting to its default model
            // when wagtail's models are imported (before any migration is loaded).
            return Some("wagtailcore.Page".into());
        }
        set.and_then(|v| v.as_str()).map(str::to_string)
    }
}

/// Whether every top-level name of the settings module is known: no star import of a module djsa
/// did not evaluate, no `globals()`/`exec`/`setattr` games, no code djsa cannot follow. Only then
/// is a name missing from the evaluated settings really unset.
fn settings_closed(
    db: &dyn Db,
    settings: &ProjectSettings,
    modules: &FxHashMap<String, SourceFile>,
) -> bool {
    use crate::syntax::{ExprKind, Stmt};
    fn block(
        db: &dyn Db,
        f: SourceFile,
        stmts: &[Stmt],
        modules: &FxHashMap<String, SourceFile>,
        files: &[SourceFile],
    ) -> bool {
        stmts.iter().all(|s| match s {
            Stmt::ImportFrom {
                level,
                module,
                star: true,
                ..
            } => {
                // A star import of a project module was evaluated (it is one of the files); of
                // anything else, the names it binds are unknown.
                let target = crate::resolve::absolute_module(db, f, *level, module.as_deref())
                    .and_then(|m| modules.get(&m).copied());
                target.is_some_and(|t| files.contains(&t))
            }
            Stmt::Expr(e) => match &e.kind {
                ExprKind::Call { func, .. } => {
                    let name = func.as_name().unwrap_or_default();
                    let first = name.split('.').next().unwrap_or_default();
                    !matches!(
                        first,
                        "globals" | "locals" | "vars" | "exec" | "eval" | "setattr"
                    ) && !matches!(&func.kind, ExprKind::Attribute { .. })
                }
                _ => true,
            },
            Stmt::If { .. } | Stmt::Try { .. } => {
                s.blocks().all(|b| block(db, f, b, modules, files))
            }
            Stmt::Opaque { .. } => false,
            _ => true,
        })
    }
    let files = &settings.env.files;
    if settings.file.is_none() || files.is_empty() {
        return false;
    }
    files.iter().all(|&f| {
        let syntax = module_syntax(db, f);
        syntax.errors.is_empty() && block(db, f, &syntax.body, modules, files)
    })
}

/// What `getattr(settings, NAME, default)` gives, from the evaluated settings module.
pub fn setting_lookup_fn(
    settings: &ProjectSettings,
    closed: bool,
) -> impl Fn(&str) -> parse::SettingLookup + '_ {
    use crate::settings::Value;
    use parse::{SettingLookup, Val};
    // Scalars only: the settings evaluator reads tuples as lists, so a container's exact
    // type is not known.
    fn conv(v: &Value) -> Option<Val> {
        Some(match v {
            Value::Str(s) => Val::Str(s.clone()),
            Value::Int(i) => Val::int(*i),
            Value::Bool(b) => Val::Bool(*b),
            Value::None => Val::None,
            Value::List(_) | Value::Dict(_) | Value::Unknown(_) => return None,
        })
    }
    move |name: &str| match settings.env.names.get(name) {
        Some(l) => match conv(&l.value) {
            Some(v) => SettingLookup::Value(v),
            None => SettingLookup::Unknown,
        },
        // Django's own settings always exist (with Django's default); swappable `*_MODEL`
        // settings may be set at import time (swapper); only a closed settings module proves
        // that a name is unset.
        None if closed
            && !parse::DJANGO_GLOBAL_SETTINGS.contains(&name)
            && !name.ends_with("_MODEL") =>
        {
            SettingLookup::Absent
        }
        None => SettingLookup::Unknown,
    }
}

/// The migrations packages of the installed apps and their modules, from the app registry and
/// the module map only: editing a model does not change it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationModules {
    /// (app label, migration name, file): apps in registry order, files by module name.
    pub files: Vec<(String, String, SourceFile)>,
    /// Apps with a `migrations` package (label -> the package's `__init__.py`).
    pub packages: Vec<(String, SourceFile)>,
    /// Labels of installed apps, project origin or not.
    pub project_apps: Vec<String>,
    /// `MIGRATION_MODULES` is set (djsa does not follow it).
    pub redirected: bool,
}

#[salsa::tracked(returns(ref))]
pub fn migration_modules(db: &dyn Db, project: Project) -> MigrationModules {
    let reg = app_registry(db, project);
    let modules = module_map(db, project);
    let mut out = MigrationModules::default();
    if reg.settings.installed_apps.is_none() {
        return out;
    }
    out.redirected = reg.settings.env.names.contains_key("MIGRATION_MODULES");
    let mut by_module: Vec<(&String, &SourceFile)> = modules.iter().collect();
    by_module.sort_by(|a, b| a.0.cmp(b.0));
    for app in &reg.apps {
        if app.origin == Origin::Project {
            out.project_apps.push(app.label.clone());
        }
        let pkg = format!("{}.migrations", app.name);
        let Some(&init) = modules.get(&pkg) else {
            // No migrations package: Django never writes migrations for it either.
            continue;
        };
        out.packages.push((app.label.clone(), init));
        let prefix = format!("{pkg}.");
        for &(m, &f) in &by_module {
            let Some(name) = m.strip_prefix(&prefix) else {
                continue;
            };
            if name.contains('.') || name.starts_with('_') || name.starts_with('~') {
                continue;
            }
            out.files.push((app.label.clone(), name.to_string(), f));
        }
    }
    out
}

/// Whether the settings module is closed (see [`settings_closed`]), once per revision.
#[salsa::tracked(returns(copy))]
fn migration_settings_closed(db: &dyn Db, project: Project) -> bool {
    let reg = app_registry(db, project);
    settings_closed(db, &reg.settings, module_map(db, project))
}

/// One migration file read into operations. It depends on the file, the settings and what the
/// file imports, not on the models: an edit of a model does not read migrations again, and a
/// host can read all migration files in parallel.
#[salsa::tracked(returns(clone))]
pub fn parsed_migration(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    app_label: String,
) -> SharedParse {
    SharedParse(Arc::new(read_migration(db, project, file, &app_label)))
}

fn read_migration(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    app_label: &str,
) -> Result<ParsedMigration, parse::Unreadable> {
    let reg = app_registry(db, project);
    let modules = module_map(db, project);
    let resolver = Resolver::new(db, project);
    let setting = setting_fn(&reg.settings);
    let closed = migration_settings_closed(db, project);
    let setting_value = setting_lookup_fn(&reg.settings, closed);
    let syntax = module_syntax(db, file);
    if let Some((span, m)) = missing_project_import(db, modules, file, &syntax.body) {
        return Err(parse::Unreadable {
            span,
            reason: format!("it imports {m}, which does not exist in the project"),
            value_level: false,
        });
    }
    if let Some(e) = syntax.errors.first() {
        return Err(parse::Unreadable {
            span: *e,
            reason: "syntax error".into(),
            value_level: false,
        });
    }
    let memo = parse::NameMemo::default();
    let cx = ValCx {
        resolver: &resolver,
        file,
        setting: &setting,
        opaque_ok: false,
        setting_value: &setting_value,
        memo: Some(&memo),
    };
    parse::parse_migration(&cx, &syntax.body, app_label)
}

/// The migration files, their graph and the state they replay to: everything of the analysis
/// that does not depend on the models (beyond the custom field classes replay needs).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationHistory {
    pub files: Vec<MigrationFile>,
    pub graph: Graph,
    /// The replayed state of the apps not skipped here.
    pub from_state: Arc<ProjectState>,
    /// Apps skipped because of their migrations, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Apps with a `migrations` package (label -> the package's `__init__.py`).
    pub packages: Vec<(String, SourceFile)>,
    /// Labels of installed apps, project origin or not.
    pub project_apps: Vec<String>,
    /// Apps with a migration djsa cannot read (their graph shape is unknown).
    pub unreadable_apps: Vec<String>,
}

impl MigrationHistory {
    fn skipped_reason(&self, app: &str) -> Option<&str> {
        skipped_reason(&self.skipped, app)
    }
    fn skip(&mut self, app: &str, reason: String) {
        skip(&mut self.skipped, app, reason);
    }
}

/// The field classes replay needs from the project (see [`custom_fields`]): recomputed when a
/// model changes, but equal values stop [`migration_history`] from replaying again.
#[salsa::tracked(returns(ref))]
pub fn project_custom_fields(
    db: &dyn Db,
    project: Project,
) -> Vec<(String, crate::fields::FieldKind)> {
    custom_fields(db, project_model(db, project))
}

#[salsa::tracked(returns(clone))]
pub fn migration_history(db: &dyn Db, project: Project) -> Arc<MigrationHistory> {
    let reg = app_registry(db, project);
    let mm = migration_modules(db, project);
    let mut out = MigrationHistory::default();
    if reg.settings.installed_apps.is_none() {
        return Arc::new(out);
    }
    if mm.redirected {
        for a in &reg.apps {
            out.skip(
                &a.label,
                "MIGRATION_MODULES is set; djsa does not follow it yet".into(),
            );
        }
    }
    out.packages = mm.packages.clone();
    out.project_apps = mm.project_apps.clone();
    out.files = mm
        .files
        .iter()
        .map(|(app_label, name, f)| MigrationFile {
            app_label: app_label.clone(),
            name: name.clone(),
            file: *f,
            parsed: parsed_migration(db, project, *f, app_label.clone()),
        })
        .collect();
    // A migration replaced by a squashed migration that djsa reads is not part of the graph
    // `makemigrations` builds (it loads no applied migrations, so every squash is used): its
    // content does not matter to the state. (`unreadable_apps` still lists its app: with a
    // database, the replaced migrations may be the ones in use.)
    let replaced: rustc_hash::FxHashSet<(&str, &str)> = out
        .files
        .iter()
        .filter_map(|f| f.parsed.as_ref().ok())
        .flat_map(|p| p.replaces.iter().map(|(a, n)| (a.as_str(), n.as_str())))
        .collect();
    let unreadable: Vec<(String, String)> = out
        .files
        .iter()
        .filter(|f| !replaced.contains(&(f.app_label.as_str(), f.name.as_str())))
        .filter_map(|f| {
            let u = f.parsed.as_ref().err()?;
            Some((
                f.app_label.clone(),
                format!(
                    "migration {} cannot be read statically: {}",
                    f.name, u.reason
                ),
            ))
        })
        .collect();
    for (app, reason) in unreadable {
        out.skip(&app, reason);
    }
    // Borrowed while `out` is filled in; put back at the end (no copy of the parsed files).
    let files = std::mem::take(&mut out.files);
    // An unreadable migration still exists: a node with unknown dependencies (its app is not
    // compared, and its graph is not judged for conflicts).
    let empty = ParsedMigration {
        dependencies: Vec::new(),
        replaces: Vec::new(),
        run_before: Vec::new(),
        initial: None,
        operations: Vec::new(),
        class_span: Span::default(),
    };
    let nodes: Vec<(Key, &ParsedMigration)> = files
        .iter()
        .map(|f| {
            (
                (f.app_label.clone(), f.name.clone()),
                f.parsed.as_ref().unwrap_or(&empty),
            )
        })
        .collect();
    let parsed: Vec<(Key, &ParsedMigration)> = files
        .iter()
        .filter_map(|f| {
            f.parsed
                .as_ref()
                .ok()
                .map(|p| ((f.app_label.clone(), f.name.clone()), p))
        })
        .collect();
    let graph = Graph::build(&nodes);
    for f in &files {
        if f.parsed.is_err() {
            out.unreadable_apps.push(f.app_label.clone());
        }
    }
    for (node, _, dep) in &graph.missing {
        out.skip(
            &node.0,
            format!(
                "migration {} depends on {}.{}, which does not exist",
                node.1, dep.0, dep.1
            ),
        );
    }
    for node in &graph.cycles {
        out.skip(
            &node.0,
            format!("migration {} is on a dependency cycle", node.1),
        );
    }
    let mut apps_seen: Vec<String> = graph.apps.iter().cloned().collect();
    apps_seen.sort();
    let leaves_of = graph.leaf_nodes_by_app();
    for a in apps_seen {
        // Migrations of an app that is not installed are still in the graph, like Django.
        let leaves = leaves_of.get(a.as_str()).map_or(0, Vec::len);
        if leaves > 1 && !out.unreadable_apps.contains(&a) {
            out.skip(&a, "conflicting migrations (several leaf nodes)".into());
        }
    }
    // Replay.
    let by_key: FxHashMap<Key, &ParsedMigration> =
        parsed.iter().map(|(k, p)| (k.clone(), *p)).collect();
    // Sized once for what the history creates: every model and field it declares (an upper
    // bound of the distinct fields the replay's cache keeps), so neither grows while replaying.
    let (models_declared, fields_declared) = parsed
        .iter()
        .flat_map(|(_, p)| &p.operations)
        .map(state::declared)
        .fold((0, 0), |(m, f), (dm, df)| (m + dm, f + df));
    let mut from = ProjectState::with_capacity(models_declared);
    let aum = reg.settings.auth_user_model.clone();
    let custom = project_custom_fields(db, project);
    // Nodes on a cycle belong to skipped apps; the rest replays in plan order.
    let plan = graph.plan();
    let mut field_cache =
        state::FieldCache::with_capacity_and_hasher(fields_declared, Default::default());
    for node in plan {
        if out.skipped_reason(&node.0).is_some() {
            continue;
        }
        let Some(m) = by_key.get(&node) else { continue };
        for op in &m.operations {
            if let Err(e) =
                state::apply_cached(&mut from, &node.0, op, &aum, custom, &mut field_cache)
            {
                out.skip(&node.0, format!("migration {}: {e}", node.1));
                break;
            }
        }
    }
    let skipped: rustc_hash::FxHashSet<&str> =
        out.skipped.iter().map(|(a, _)| a.as_str()).collect();
    // Apps djsa knows nothing about (not installed here) keep their migration state only.
    let installed: rustc_hash::FxHashSet<&str> =
        reg.apps.iter().map(|a| a.label.as_str()).collect();
    from.models
        .retain(|(a, _), _| !skipped.contains(a.as_str()) && installed.contains(a.as_str()));
    drop(field_cache);
    drop(parsed);
    drop(nodes);
    out.files = files;
    out.graph = graph;
    out.from_state = Arc::new(from);
    Arc::new(out)
}

/// The migration state of every registered concrete model, in model order (`Err`: why djsa
/// cannot reproduce it). Independent of the migrations, so a host computes it while the
/// migration files are read. Each app's models are their own query ([`app_models_state`]): after
/// an edit, only the apps whose states read the edited model are computed again, and the states
/// of the others are the same `Arc`s as before.
#[salsa::tracked(returns(ref))]
pub fn models_state(
    db: &dyn Db,
    project: Project,
) -> Vec<(usize, Result<Arc<state::ModelState>, String>)> {
    if app_registry(db, project).settings.installed_apps.is_none() {
        return Vec::new();
    }
    let mut out: Vec<(usize, Result<Arc<state::ModelState>, String>)> =
        crate::checks::view::per_app(db, project, |app| app_models_state(db, project, app))
            .into_iter()
            .flat_map(|states| states.iter().cloned())
            .collect();
    out.sort_by_key(|(idx, _)| *idx);
    out
}

/// The migration state of one app's registered concrete models.
#[salsa::tracked(returns(ref))]
pub fn app_models_state(
    db: &dyn Db,
    project: Project,
    app: String,
) -> Vec<(usize, Result<Arc<state::ModelState>, String>)> {
    let pm = crate::checks::view::View::new(db, project);
    let resolver = Resolver::new(db, project);
    let setting = setting_fn(pm.settings);
    let closed = migration_settings_closed(db, project);
    let setting_value = setting_lookup_fn(pm.settings, closed);
    let memo = parse::NameMemo::default();
    let fp = fromproject::FromProject {
        pm: &pm,
        resolver: &resolver,
        setting: &setting,
        setting_value: &setting_value,
        memo: &memo,
        inherited: Default::default(),
        own_managers: Default::default(),
        classes: Default::default(),
        class_names: Default::default(),
    };
    pm.index
        .concrete
        .iter()
        .copied()
        .filter(|&i| pm.index.app_of.get(i).and_then(Option::as_deref) == Some(app.as_str()))
        .map(|idx| (idx, fp.model_state(idx).map(Arc::new)))
        .collect()
}

/// The migration history compared with the models' state.
#[salsa::tracked(returns(ref))]
pub fn migration_analysis(db: &dyn Db, project: Project) -> MigrationAnalysis {
    let history = migration_history(db, project);
    let pm = project_model(db, project);
    let mut out = MigrationAnalysis {
        from_state: history.from_state.clone(),
        skipped: history.skipped.clone(),
        history,
        to_state: ProjectState::default(),
    };
    if pm.settings.installed_apps.is_none() {
        return out;
    }
    // The models' state, for the apps the history did not skip.
    let mut to = ProjectState::with_capacity(models_state(db, project).len());
    let history_skips = out.skipped.len();
    for (idx, state) in models_state(db, project) {
        let m = &pm.models[*idx];
        let Some(label) = &m.app_label else { continue };
        if out.skipped_reason(label).is_some() {
            continue;
        }
        match state {
            Ok(s) => to.insert_shared(Arc::clone(s)),
            Err(e) => out.skip(label, format!("model {}: {e}", m.name)),
        }
    }
    // Models djsa could not read (`pm.opaque_relations`) may be anywhere; each app's own models
    // were checked above, so the comparison goes on per app.
    let skipped: rustc_hash::FxHashSet<&str> =
        out.skipped.iter().map(|(a, _)| a.as_str()).collect();
    if out.skipped.len() > history_skips {
        let mut from = (*out.from_state).clone();
        from.models
            .retain(|(a, _), _| !skipped.contains(a.as_str()));
        out.from_state = Arc::new(from);
    }
    to.models.retain(|(a, _), _| !skipped.contains(a.as_str()));
    out.to_state = to;
    out
}

/// Field classes of the project that deconstruct like their Django base class (they override
/// neither `__init__` nor `deconstruct`), by the path `deconstruct()` reports.
pub fn custom_fields(db: &dyn Db, pm: &ProjectModel) -> Vec<(String, crate::fields::FieldKind)> {
    let mut out: Vec<(String, crate::fields::FieldKind)> = Vec::new();
    for m in &pm.models {
        for f in m.own_fields.iter() {
            if let Some(path) = custom_field_path(db, f)
                && !out.iter().any(|(p, _)| *p == path)
            {
                out.push((path, f.kind));
            }
        }
    }
    out
}

/// The `deconstruct()` path of a field whose class is a plain subclass of a non-relational
/// Django field; `None` for Django's own classes and anything djsa cannot vouch for.
pub fn custom_field_path(db: &dyn Db, f: &crate::project::Field) -> Option<String> {
    use crate::fields::FieldKind;
    let c = f.custom.as_ref()?;
    if c.opaque
        || matches!(
            f.kind,
            FieldKind::ForeignKey
                | FieldKind::OneToOneField
                | FieldKind::ManyToManyField
                | FieldKind::Field
                | FieldKind::RelatedField
        )
    {
        return None;
    }
    let module = c.class.file.module(db).clone()?;
    Some(format!("{module}.{}", c.name))
}

/// An import of a module inside one of the project's own packages that does not exist (Django
/// would fail with ImportError when loading the migration).
fn missing_project_import(
    db: &dyn Db,
    modules: &rustc_hash::FxHashMap<String, SourceFile>,
    file: SourceFile,
    body: &[crate::syntax::Stmt],
) -> Option<(Span, String)> {
    use crate::syntax::Stmt;
    let is_project_pkg = |m: &str| {
        let top = m.split('.').next().unwrap_or(m);
        modules
            .get(top)
            .is_some_and(|f| f.origin(db) == Origin::Project)
    };
    for s in body {
        let (module, span) = match s {
            Stmt::Import { module, span, .. } => (module.clone(), *span),
            Stmt::ImportFrom {
                level,
                module,
                span,
                ..
            } => {
                let Some(abs) =
                    crate::resolve::absolute_module(db, file, *level, module.as_deref())
                else {
                    continue;
                };
                (abs, *span)
            }
            _ => continue,
        };
        if is_project_pkg(&module) && !modules.contains_key(&module) {
            return Some((span, module));
        }
    }
    None
}

/// What `makemigrations` would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub migrations: Vec<PlannedMigration>,
    /// Apps djsa could not decide for, with the reason.
    pub cannot: Vec<(String, String)>,
    /// Lines Django's non-interactive questioner prints (stdout, before anything else).
    pub log: Vec<String>,
    /// Django's non-interactive questioner stops here (`makemigrations` exits with status 3).
    pub abort: Option<autodetect::QuestionerAbort>,
}

pub struct PlanOptions<'a> {
    pub apps: Vec<String>,
    pub name: Option<&'a str>,
    pub timestamp: &'a str,
    /// Field renames to apply (Django's interactive questioner answered "yes"):
    /// (app_label, model name, old field, new field). With an empty model name, a model
    /// rename: (app_label, "", old model name, new model name).
    pub renames: Vec<(String, String, String, String)>,
}

/// What a plain `makemigrations` (all apps, no renames) would do. DJSA101 and the language
/// server's lenses and source actions read it, so the autodetector runs once per revision.
#[salsa::tracked(returns(ref))]
pub fn default_plan(db: &dyn Db, project: Project) -> Plan {
    plan(
        db,
        project,
        &PlanOptions {
            apps: Vec::new(),
            name: None,
            timestamp: "00000000_0000",
            renames: Vec::new(),
        },
    )
}

pub fn plan(db: &dyn Db, project: Project, opts: &PlanOptions<'_>) -> Plan {
    let pm = project_model(db, project);
    let ma = migration_analysis(db, project);
    let mut leaves: Vec<Key> = Vec::new();
    let mut apps: Vec<&String> = ma.graph.apps.iter().collect();
    apps.sort();
    let mut leaves_of = ma.graph.leaf_nodes_by_app();
    for a in apps {
        leaves.extend(leaves_of.remove(a.as_str()).unwrap_or_default());
    }
    leaves.sort();
    let inp = Input {
        from: &ma.from_state,
        to: &ma.to_state,
        leaves,
        apps_with_migrations_package: ma.packages.iter().map(|(a, _)| a.clone()).collect(),
        specified_apps: opts.apps.clone(),
        auth_user_model: &pm.settings.auth_user_model,
        django_version: pm.django_version,
        migration_name: opts.name,
        timestamp: opts.timestamp,
        renames: opts
            .renames
            .iter()
            .map(|(a, m, o, n)| (a.clone(), m.to_lowercase(), o.clone(), n.clone()))
            .collect(),
    };
    let mut cannot: Vec<(String, String)> = ma.skipped.clone();
    // The states without the apps left out so far (copied only when one is left out).
    let mut pruned: Option<(ProjectState, ProjectState)> = None;
    let labels: Vec<String> = pm.apps.iter().map(|a| a.label.clone()).collect();
    let mut migrations = Vec::new();
    let mut log = Vec::new();
    let mut abort = None;
    // An app djsa cannot reproduce is left out and the rest detected again.
    for _ in 0..labels.len() + 1 {
        let detected = {
            let (from, to) = match &pruned {
                Some((f, t)) => (f, t),
                None => (&*ma.from_state, &ma.to_state),
            };
            // Renames asked for in an app left out go with it (asking again would only repeat
            // the same refusal once per remaining app).
            let renames = inp
                .renames
                .iter()
                .filter(|r| !cannot.iter().any(|(a, _)| *a == r.0))
                .cloned()
                .collect();
            let inp = Input {
                from,
                to,
                renames,
                ..inp.clone()
            };
            autodetect::detect_full(&inp)
        };
        match detected {
            Ok(d) => {
                migrations = d.migrations;
                log = d.log;
                abort = d.abort;
                break;
            }
            Err(e) => {
                let app = labels.iter().find(|l| {
                    e.strip_prefix(l.as_str())
                        .is_some_and(|r| r.starts_with('.') || r.starts_with(':'))
                });
                match app {
                    Some(a) => {
                        cannot.push((a.clone(), e.clone()));
                        let (from, to) = pruned
                            .get_or_insert_with(|| ((*ma.from_state).clone(), ma.to_state.clone()));
                        from.models.retain(|(x, _), _| x != a);
                        to.models.retain(|(x, _), _| x != a);
                    }
                    None => {
                        cannot.push(("*".into(), e));
                        break;
                    }
                }
            }
        }
    }
    // djsa never writes into installed packages.
    migrations.retain(|m: &PlannedMigration| {
        let keep = ma.project_apps.contains(&m.app_label);
        if !keep {
            cannot.push((
                m.app_label.clone(),
                "changes detected in an installed package's app; djsa does not write there".into(),
            ));
        }
        keep
    });
    Plan {
        migrations,
        cannot,
        log,
        abort,
    }
}

/// Path of a new migration file of an app (next to its migrations package).
pub fn migration_path(
    db: &dyn Db,
    ma: &MigrationAnalysis,
    app: &str,
    name: &str,
) -> Option<String> {
    let (_, init) = ma.packages.iter().find(|(a, _)| a == app)?;
    let p = init.path(db);
    let dir = p.strip_suffix("__init__.py")?;
    Some(format!("{dir}{name}.py"))
}

/// Diagnostics: drift (DJSA101), conflicts (DJSA102), missing dependencies (DJSA103),
/// unreadable migrations (DJSA104), dependency cycles (DJSA105). Only for the project's own apps.
pub fn diagnostics(db: &dyn Db, project: Project) -> Vec<Diagnostic> {
    let pm = project_model(db, project);
    let ma = migration_analysis(db, project);
    let mut out = Vec::new();
    let is_project = |f: SourceFile| f.origin(db) == Origin::Project;
    let file_of = |app: &str, name: &str| {
        ma.files
            .iter()
            .find(|f| f.app_label == app && f.name == name)
    };
    for f in &ma.files {
        if !is_project(f.file) {
            continue;
        }
        if let Err(u) = f.parsed.as_ref()
            && !u.value_level
        {
            out.push(
                Diagnostic::new(
                    "DJSA104",
                    Severity::Warning,
                    format!(
                        "Migration {}.{} cannot be understood statically ({}); app '{}' is not checked for model changes.",
                        f.app_label, f.name, u.reason, f.app_label
                    ),
                )
                .at(f.file, u.span),
            );
        }
    }
    for (node, _, dep) in &ma.graph.missing {
        if let Some(f) = file_of(&node.0, &node.1).filter(|f| is_project(f.file)) {
            let span = f.parsed.as_ref().map(|p| p.class_span).unwrap_or_default();
            out.push(
                Diagnostic::new(
                    "DJSA103",
                    Severity::Error,
                    format!(
                        "Migration {}.{} dependencies reference nonexistent parent node ('{}', '{}')",
                        node.0, node.1, dep.0, dep.1
                    ),
                )
                .at(f.file, span),
            );
        }
    }
    for node in &ma.graph.cycles {
        if let Some(f) = file_of(&node.0, &node.1).filter(|f| is_project(f.file)) {
            let span = f.parsed.as_ref().map(|p| p.class_span).unwrap_or_default();
            out.push(
                Diagnostic::new(
                    "DJSA105",
                    Severity::Error,
                    format!(
                        "Migration {}.{} is part of a dependency cycle.",
                        node.0, node.1
                    ),
                )
                .at(f.file, span),
            );
        }
    }
    let mut apps: Vec<&String> = ma.graph.apps.iter().collect();
    apps.sort();
    // The leaves of all apps in one pass (what `conflicts` gives, app by app).
    let leaves_of = ma.graph.leaf_nodes_by_app();
    for a in apps {
        if ma.unreadable_apps.iter().any(|u| u == a) {
            continue;
        }
        let Some(leaves) = leaves_of.get(a.as_str()).filter(|l| l.len() > 1) else {
            continue;
        };
        if let Some(f) = file_of(a, &leaves[0].1).filter(|f| is_project(f.file)) {
            let names: Vec<String> = leaves.iter().map(|l| l.1.clone()).collect();
            let span = f.parsed.as_ref().map(|p| p.class_span).unwrap_or_default();
            out.push(
                Diagnostic::new(
                    "DJSA102",
                    Severity::Error,
                    format!(
                        "Conflicting migrations detected; multiple leaf nodes in the migration graph: ({} in {a}).",
                        names.join(", ")
                    ),
                )
                .hint("To fix them run 'python manage.py makemigrations --merge'")
                .at(f.file, span),
            );
        }
    }
    // Drift: only apps that already have migrations can drift; skip the autodetector when none do.
    if !ma.project_apps.iter().any(|a| ma.graph.apps.contains(a)) {
        return out;
    }
    let p = default_plan(db, project);
    if let Some(a) = &p.abort
        && ma.project_apps.contains(&a.app_label)
        && ma.graph.apps.contains(&a.app_label)
        && let Some(mm) = pm.models.iter().find(|x| {
            x.registered
                && !x.abstract_
                && x.app_label.as_deref() == Some(a.app_label.as_str())
                && x.name.to_lowercase() == a.model
        })
    {
        let (file, span) = match mm.own_fields.iter().find(|f| f.name == a.field) {
            Some(f) => (f.file, f.name_span),
            None => (mm.file, mm.name_span),
        };
        let question = if a.auto_now_add {
            format!(
                "It is impossible to add the field '{}' with 'auto_now_add=True' to {} without providing a default.",
                a.field, a.model
            )
        } else {
            format!(
                "It is impossible to add a non-nullable field '{}' to {} without specifying a default.",
                a.field, a.model
            )
        };
        out.push(
            Diagnostic::new(
                "DJSA101",
                Severity::Warning,
                format!(
                    "Model changes not reflected in a migration: Add field {} to {} (app '{}'); makemigrations will ask: {question}",
                    a.field, a.model, a.app_label
                ),
            )
            .hint(
                "Give the field a default (or null=True), or run 'python manage.py makemigrations' interactively and provide a one-off default",
            )
            .at(file, span),
        );
    }
    for m in &p.migrations {
        // Apps without any migration yet: the first `makemigrations` creates them; not drift.
        if !ma.project_apps.contains(&m.app_label) || !ma.graph.apps.contains(&m.app_label) {
            continue;
        }
        let Some(path) = migration_path(db, ma, &m.app_label, &m.name) else {
            continue;
        };
        if pm.apps.iter().all(|a| a.label != m.app_label) {
            continue;
        }
        let exists = project.files(db).iter().any(|f| f.path(db) == &path);
        let fixes = if exists {
            Vec::new()
        } else {
            vec![Fix {
                title: format!("Create migration {path}"),
                edits: vec![Edit::Create {
                    path: path.clone(),
                    text: writer::migration_text(m, Some("Generated by djsa")),
                }],
            }]
        };
        let renames = rename_candidates(ma, m);
        let model_renames = model_rename_candidates(ma, m);
        for op in &m.operations {
            let mut fixes = fixes.clone();
            if let Op::CreateModel { name, .. } | Op::DeleteModel { name } = op
                && let Some((old, new)) = model_renames.iter().find(|(o, n)| o == name || n == name)
            {
                let rp = plan(
                    db,
                    project,
                    &PlanOptions {
                        apps: vec![m.app_label.clone()],
                        name: None,
                        timestamp: "00000000_0000",
                        renames: vec![(
                            m.app_label.clone(),
                            String::new(),
                            old.clone(),
                            new.clone(),
                        )],
                    },
                );
                if let Some(rm) = rp.migrations.iter().find(|x| x.app_label == m.app_label)
                    && let Some(rpath) = migration_path(db, ma, &rm.app_label, &rm.name)
                    && !project.files(db).iter().any(|f| f.path(db) == &rpath)
                {
                    fixes.push(Fix {
                        title: format!("Rename model {old} to {new}: create migration {rpath}"),
                        edits: vec![Edit::Create {
                            path: rpath,
                            text: writer::migration_text(rm, Some("Generated by djsa")),
                        }],
                    });
                }
            }
            if let Op::AddField {
                model_name, name, ..
            }
            | Op::RemoveField { model_name, name } = op
                && let Some((_, old, new)) = renames
                    .iter()
                    .find(|(mm, o, n)| mm == model_name && (o == name || n == name))
            {
                let rp = plan(
                    db,
                    project,
                    &PlanOptions {
                        apps: vec![m.app_label.clone()],
                        name: None,
                        timestamp: "00000000_0000",
                        renames: vec![(
                            m.app_label.clone(),
                            model_name.clone(),
                            old.clone(),
                            new.clone(),
                        )],
                    },
                );
                if let Some(rm) = rp.migrations.iter().find(|x| x.app_label == m.app_label)
                    && let Some(rpath) = migration_path(db, ma, &rm.app_label, &rm.name)
                    && !project.files(db).iter().any(|f| f.path(db) == &rpath)
                {
                    fixes.push(Fix {
                        title: format!(
                            "Rename field {old} on {model_name} to {new}: create migration {rpath}"
                        ),
                        edits: vec![Edit::Create {
                            path: rpath,
                            text: writer::migration_text(rm, Some("Generated by djsa")),
                        }],
                    });
                }
            }
            let (file, span) = locate(pm, ma, m, op);
            let Some(file) = file else { continue };
            let desc = op.describe();
            let desc = desc.get(2..).unwrap_or(&desc);
            // Django's interactive questioner asks about a nullable field made NOT NULL.
            let question = match op {
                Op::AlterField {
                    model_name,
                    name,
                    field,
                } if field.get("null") != Some(&parse::Val::Bool(true))
                    && field.get("default").is_none()
                    && field.get("db_default").is_none()
                    && !field.is_m2m()
                    && ma
                        .from_state
                        .get(&m.app_label, model_name)
                        .and_then(|s| s.field(name))
                        .is_some_and(|f| f.get("null") == Some(&parse::Val::Bool(true))) =>
                {
                    format!(
                        "; makemigrations will ask: It is impossible to change a nullable field '{name}' on {model_name} to non-nullable without providing a default"
                    )
                }
                _ => String::new(),
            };
            let mut d = Diagnostic::new(
                "DJSA101",
                Severity::Warning,
                format!(
                    "Model changes not reflected in a migration: {desc} (app '{}'){question}.",
                    m.app_label
                ),
            )
            .hint(format!(
                "Run 'python manage.py makemigrations {}'",
                m.app_label
            ))
            .at(file, span);
            d.fixes = fixes;
            out.push(d);
        }
    }
    out
}

/// Removed/added field pairs on one model that Django's questioner would offer as a rename
/// (equal deconstruction): (model, old, new), the first candidate per added field.
pub fn rename_candidates(
    ma: &MigrationAnalysis,
    m: &PlannedMigration,
) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for op in &m.operations {
        let Op::AddField {
            model_name,
            name: new,
            field,
        } = op
        else {
            continue;
        };
        for op2 in &m.operations {
            let Op::RemoveField {
                model_name: m2,
                name: old,
            } = op2
            else {
                continue;
            };
            if m2 != model_name || out.iter().any(|(_, o, _)| o == old) {
                continue;
            }
            let old_field = ma
                .from_state
                .get(&m.app_label, model_name)
                .and_then(|s| s.field(old));
            if old_field == Some(field) {
                out.push((model_name.clone(), old.clone(), new.clone()));
                break;
            }
        }
    }
    out
}

/// Deleted/created model pairs of one app that Django's questioner would offer as a rename
/// (same fields, no relations djsa would have to follow): (old name, new name).
pub fn model_rename_candidates(
    ma: &MigrationAnalysis,
    m: &PlannedMigration,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for op in &m.operations {
        let Op::CreateModel { name: new, .. } = op else {
            continue;
        };
        let Some(n) = ma.to_state.get(&m.app_label, &new.to_lowercase()) else {
            continue;
        };
        for op2 in &m.operations {
            let Op::DeleteModel { name: old } = op2 else {
                continue;
            };
            if out.iter().any(|(o, _)| o == old) {
                continue;
            }
            let Some(o) = ma.from_state.get(&m.app_label, &old.to_lowercase()) else {
                continue;
            };
            if o.fields.len() == n.fields.len()
                && o.fields.iter().all(|x| n.fields.contains(x))
                && !o.fields.iter().any(|(_, f)| f.is_relation())
            {
                out.push((old.clone(), new.clone()));
                break;
            }
        }
    }
    out
}

fn locate(
    pm: &ProjectModel,
    ma: &MigrationAnalysis,
    m: &PlannedMigration,
    op: &Op,
) -> (Option<SourceFile>, Span) {
    let model = op.model_lower();
    let model_idx = pm.models.iter().position(|x| {
        x.registered
            && !x.abstract_
            && x.app_label.as_deref() == Some(m.app_label.as_str())
            && x.name.to_lowercase() == model
    });
    if let Some(idx) = model_idx {
        let mm = &pm.models[idx];
        if let Some(f) = op.field_name()
            && !matches!(op, Op::RemoveField { .. })
            && let Some(field) = mm.own_fields.iter().find(|x| x.name == f)
        {
            return (Some(field.file), field.name_span);
        }
        return (Some(mm.file), mm.name_span);
    }
    // A deleted model: point at the app's latest migration.
    let leaf = ma.graph.leaf_nodes(&m.app_label).into_iter().next();
    if let Some(l) = leaf
        && let Some(f) = ma
            .files
            .iter()
            .find(|f| f.app_label == l.0 && f.name == l.1)
    {
        let span = f.parsed.as_ref().map(|p| p.class_span).unwrap_or_default();
        return (Some(f.file), span);
    }
    (None, Span::default())
}

#[cfg(test)]
mod tests;
