//! Django's system checks, decided from source, plus djsa's own file-level diagnostics.
//!
//! Each family lives in its own module and appends to [`Ctx::out`]; messages, hints and IDs are
//! Django's, word for word. A check that needs something djsa could not read (an unknown field
//! class, a computed option) stays silent: a false positive costs more trust than a miss.

mod admin;
mod contrib;
mod field_checks;
pub mod model_checks;
mod related;
mod source;
pub mod view;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::db::{Db, Project, SourceFile};
use crate::diagnostic::{Diagnostic, Severity, code_matches};
use crate::fields::FieldKind;
use crate::project::{Field, Model, Parent, app_registry};
use crate::resolve::{ClassId, Resolved, Resolver, last_dot, split_dot};
use crate::span::Span;
use crate::syntax::{ClassDef, Expr, ExprKind};

/// Run one family of checks with its own context.
fn run_family(db: &dyn Db, project: Project, family: impl FnOnce(&mut Ctx<'_>)) -> Vec<Diagnostic> {
    if app_registry(db, project).settings.installed_apps.is_none() {
        return Vec::new();
    }
    let resolver = Resolver::new(db, project);
    let mut ctx = Ctx::new(db, project, &resolver);
    family(&mut ctx);
    ctx.out
}

/// One app's part of a family split by app: `check` runs on a context of its own, given the app's
/// concrete models.
fn run_app<T>(
    db: &dyn Db,
    project: Project,
    app: &str,
    check: impl FnOnce(&mut Ctx<'_>, Vec<usize>) -> T,
) -> T {
    let resolver = Resolver::new(db, project);
    let mut ctx = Ctx::new(db, project, &resolver);
    let mine = ctx.app_models(app);
    check(&mut ctx, mine)
}

/// Model- and field-level checks (`models.*`, `fields.E0xx`-`E2xx`), in Django's order: every
/// model's `Model.check()` findings, then the checks across models, then the fields' own checks.
///
/// The per-model parts run in one query per app ([`app_model_and_field_checks`]): after an edit,
/// only the apps whose models (or the models they read) changed run again.
#[salsa::tracked(returns(ref))]
pub fn model_and_field_checks(db: &dyn Db, project: Project) -> Vec<Diagnostic> {
    if app_registry(db, project).settings.installed_apps.is_none() {
        return Vec::new();
    }
    let per_app = view::per_app(db, project, |app| {
        app_model_and_field_checks(db, project, app)
    });
    let across = run_family(db, project, model_checks::check_across_models);
    per_app
        .iter()
        .flat_map(|a| a.models.iter().cloned())
        .chain(across)
        .chain(per_app.iter().flat_map(|a| a.fields.iter().cloned()))
        .collect()
}

/// One app's part of [`model_and_field_checks`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppChecks {
    models: Vec<Diagnostic>,
    fields: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn app_model_and_field_checks(db: &dyn Db, project: Project, app: String) -> AppChecks {
    run_app(db, project, &app, |ctx, mine| {
        model_checks::check_models(ctx, &app, &mine);
        let models = std::mem::take(&mut ctx.out);
        ctx.focus = Some(mine);
        field_checks::check(ctx);
        AppChecks {
            models,
            fields: std::mem::take(&mut ctx.out),
        }
    })
}

/// Related-field checks and lazy references (`fields.E3xx`).
#[salsa::tracked(returns(ref))]
pub fn related_checks(db: &dyn Db, project: Project) -> Vec<Diagnostic> {
    // One query per app ([`app_related_checks`]): after an edit, only the apps whose relations
    // (or the models they read) changed run again.
    if app_registry(db, project).settings.installed_apps.is_none() {
        return Vec::new();
    }
    view::per_app(db, project, |app| app_related_checks(db, project, app))
        .into_iter()
        .flat_map(|d| d.iter().cloned())
        .collect()
}

/// One app's part of [`related_checks`]: the relations declared on its concrete models.
#[salsa::tracked(returns(ref))]
pub fn app_related_checks(db: &dyn Db, project: Project, app: String) -> Vec<Diagnostic> {
    run_app(db, project, &app, |ctx, mine| {
        related::check_app(ctx, &mine);
        std::mem::take(&mut ctx.out)
    })
}

/// contrib (contenttypes, auth) and admin checks.
#[salsa::tracked(returns(ref))]
pub fn contrib_and_admin_checks(db: &dyn Db, project: Project) -> Vec<Diagnostic> {
    // The checks on models and their ModelAdmins run in one query per app
    // ([`app_contrib_and_admin_checks`]); what is left (settings, the user model) reads no
    // model but the user model.
    if app_registry(db, project).settings.installed_apps.is_none() {
        return Vec::new();
    }
    let mut out = run_family(db, project, |ctx| {
        contrib::check_project(ctx);
        admin::check_project(ctx);
    });
    for d in view::per_app(db, project, |app| {
        app_contrib_and_admin_checks(db, project, app)
    }) {
        out.extend(d.iter().cloned());
    }
    out
}

/// One app's part of [`contrib_and_admin_checks`]: the contrib checks on its concrete models and
/// the checks of the ModelAdmins registered for them.
#[salsa::tracked(returns(ref))]
pub fn app_contrib_and_admin_checks(db: &dyn Db, project: Project, app: String) -> Vec<Diagnostic> {
    run_app(db, project, &app, |ctx, mine| {
        contrib::check_models(ctx, &mine);
        admin::check_models(ctx, &mine);
        std::mem::take(&mut ctx.out)
    })
}

/// SQLAlchemy checks (DJSA2xx); they run without Django settings too.
#[salsa::tracked(returns(ref))]
pub fn sqlalchemy_checks(db: &dyn Db, project: Project) -> Vec<Diagnostic> {
    crate::sqla::checks::check(db, project)
}

/// Alembic revisions vs SQLAlchemy metadata, and the revision graph (DJSA26x).
#[salsa::tracked(returns(ref))]
pub fn alembic_checks(db: &dyn Db, project: Project) -> Vec<Diagnostic> {
    crate::alembic::diagnostics(db, project)
}

/// Model-vs-migration drift and migration graph problems (DJSA1xx).
#[salsa::tracked(returns(ref))]
pub fn migration_checks(db: &dyn Db, project: Project) -> Vec<Diagnostic> {
    if app_registry(db, project).settings.installed_apps.is_none() {
        return Vec::new();
    }
    crate::migrations::diagnostics(db, project)
}

/// The index of [`migration_checks`] in [`CHECK_FAMILIES`] (hosts start it first: it is the
/// longest).
pub const MIGRATION_FAMILY: usize = 4;

/// The independent check families. They are salsa queries, so a host with several cores can
/// compute them in parallel on database clones before asking for [`check_project`].
pub const CHECK_FAMILIES: &[fn(&dyn Db, Project)] = &[
    |db, p| {
        model_and_field_checks(db, p);
    },
    |db, p| {
        related_checks(db, p);
    },
    |db, p| {
        contrib_and_admin_checks(db, p);
    },
    |db, p| {
        sqlalchemy_checks(db, p);
    },
    |db, p| {
        migration_checks(db, p);
    },
    |db, p| {
        alembic_checks(db, p);
    },
];

/// The per-app queries of the families split by app, by family index in [`CHECK_FAMILIES`]: a
/// host with several cores computes them in parallel (they are independent) before the family
/// collects them.
pub fn per_app_query(family: usize) -> Option<fn(&dyn Db, Project, String)> {
    Some(match family {
        0 => |db, p, app| {
            app_model_and_field_checks(db, p, app);
        },
        1 => |db, p, app| {
            app_related_checks(db, p, app);
        },
        2 => |db, p, app| {
            app_contrib_and_admin_checks(db, p, app);
        },
        MIGRATION_FAMILY => |db, p, app| {
            crate::migrations::app_models_state(db, p, app);
        },
        _ => return None,
    })
}

/// The labels of the apps the per-app queries run for.
pub fn checked_apps(db: &dyn Db, project: Project) -> Vec<String> {
    view::app_labels(view::model_index(db, project))
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// All diagnostics of the project, filtered by SILENCED_SYSTEM_CHECKS and select/ignore.
#[salsa::tracked(returns(ref))]
pub fn check_project(db: &dyn Db, project: Project) -> Vec<Diagnostic> {
    let resolver = Resolver::new(db, project);
    let mut ctx = Ctx::new(db, project, &resolver);
    source::check(&mut ctx, project);
    for family in [
        model_and_field_checks(db, project),
        related_checks(db, project),
        contrib_and_admin_checks(db, project),
        sqlalchemy_checks(db, project),
        migration_checks(db, project),
        alembic_checks(db, project),
    ] {
        ctx.out.extend(family.iter().cloned());
    }
    let config = project.config(db);
    let mut out: Vec<Diagnostic> = ctx
        .out
        .into_iter()
        .filter(|d| !ctx.pm.settings.silenced.iter().any(|s| s == &d.code))
        .filter(|d| config.select.is_empty() || code_matches(&d.code, &config.select))
        .filter(|d| !code_matches(&d.code, &config.ignore))
        .collect();
    out.sort_by(|a, b| {
        let pa = a.file.map(|f| f.path(db).as_str()).unwrap_or("");
        let pb = b.file.map(|f| f.path(db).as_str()).unwrap_or("");
        (pa, a.span.start, &a.code, &a.message, &a.object).cmp(&(
            pb,
            b.span.start,
            &b.code,
            &b.message,
            &b.object,
        ))
    });
    // The object is part of the key: a finding on an abstract parent's field is reported once per
    // concrete child, at the same place, and the families list apps in no particular order.
    // No dedup: Django reports some checks once per database alias, and so does djsa.
    out
}

/// A relation target, as Django resolves `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Model(usize),
    /// A lazy reference to `app_label.ModelName` that is not installed (or abstract).
    Missing {
        app_label: String,
        model: String,
    },
    /// djsa cannot tell (computed, or a model outside what it read).
    Unknown,
}

/// A field as seen on a concrete model: its declaration, and the model it is attached to.
#[derive(Debug, Clone, Copy)]
pub struct ModelField<'a> {
    pub field: &'a Field,
    /// The model class the field is attached to (the concrete child for abstract-inherited fields).
    pub model: usize,
}

pub struct Ctx<'a> {
    pub db: &'a dyn Db,
    pub project: Project,
    /// The models a family split by app reports on ([`Ctx::checked_models`]); `None`: all.
    focus: Option<Vec<usize>>,
    /// The project, read model by model (see [`view`]).
    pub pm: view::View<'a>,
    pub resolver: &'a Resolver<'a>,
    pub out: Vec<Diagnostic>,
    local_fields_cache: FxHashMap<usize, std::rc::Rc<[&'a Field]>>,
    /// The buffer [`Ctx::local_fields`] collects in.
    local_fields_buf: Vec<&'a Field>,
    /// `related::forward_fields` per model (the relation checks ask for a target's fields once
    /// per relation pointing at it).
    forward_cache: FxHashMap<usize, (std::rc::Rc<Vec<related::TField<'a>>>, bool)>,
    /// `admin`'s C3 linearization per class (attribute lookups walk it once per attribute).
    mro_cache: std::cell::RefCell<FxHashMap<ClassId, Option<std::rc::Rc<Vec<admin::Node>>>>>,
    /// INSTALLED_APPS entries djsa could not load (`None`: INSTALLED_APPS unknown), worked out
    /// on first use (few contexts need it).
    unloaded: std::cell::OnceCell<Option<Unloaded>>,
    /// See [`Ctx::vendor`].
    vendor: std::cell::OnceCell<Option<&'static str>>,
    /// `related`'s `on_delete` values by file and name.
    on_delete_names: std::cell::RefCell<OnDeleteNames>,
    /// See [`Ctx::model_index`].
    model_index: Option<std::rc::Rc<contrib::ModelIndex<'a>>>,
    /// `contrib`'s `forward_fields` per model.
    contrib_forward_cache: FxHashMap<usize, (contrib::ForwardFields<'a>, bool)>,
    /// Per file: where its classes sit and its module body (two salsa reads per file, not per
    /// class).
    class_files: std::cell::RefCell<FxHashMap<SourceFile, ClassFile<'a>>>,
}

/// [`crate::resolve::class_paths`] and the module body of one file.
type ClassFile<'a> = (&'a [Vec<u32>], &'a [crate::syntax::Stmt]);

/// `on_delete` values (`None`: not one djsa knows) by file and the name they are written as.
type OnDeleteNames = FxHashMap<SourceFile, FxHashMap<String, Option<related::OnDelete>>>;

/// What the INSTALLED_APPS entries djsa could not load may be.
#[derive(Default)]
struct Unloaded {
    /// One is a dotted path to an AppConfig class (it could carry any label).
    config_path: bool,
    /// The labels module entries would have (their last component).
    labels: FxHashSet<String>,
}

impl<'a> Ctx<'a> {
    fn new(db: &'a dyn Db, project: Project, resolver: &'a Resolver<'a>) -> Self {
        let pm = view::View::new(db, project);
        Ctx {
            db,
            project,
            focus: None,
            unloaded: std::cell::OnceCell::new(),
            vendor: std::cell::OnceCell::new(),
            on_delete_names: Default::default(),
            pm,
            resolver,
            out: Vec::new(),
            local_fields_cache: FxHashMap::default(),
            local_fields_buf: Vec::new(),
            forward_cache: FxHashMap::default(),
            mro_cache: Default::default(),
            model_index: None,
            contrib_forward_cache: FxHashMap::default(),
            class_files: Default::default(),
        }
    }

    /// [`Resolver::class_def`], with each file's class positions and body read once (the
    /// checks read the same classes over and over; finding one in its body is a few steps).
    pub fn class_def(&self, id: ClassId) -> Option<&'a ClassDef> {
        let cached = self.class_files.borrow().get(&id.file).copied();
        let (paths, body) = match cached {
            Some(f) => f,
            None => {
                let f: ClassFile<'a> = (
                    crate::resolve::class_paths(self.db, id.file),
                    &crate::db::module_syntax(self.db, id.file).body,
                );
                self.class_files.borrow_mut().insert(id.file, f);
                f
            }
        };
        crate::resolve::class_at(body, paths.get(id.index as usize)?)
    }

    pub fn model(&self, idx: usize) -> &'a Model {
        self.pm.models.get(idx)
    }

    /// The index of the model whose class body declares `f`.
    pub fn declaring(&self, f: &Field) -> Option<usize> {
        self.pm.declaring(f)
    }

    /// Concrete, registered models, as `apps.get_models()` lists them (swapped ones included;
    /// callers that must skip them check [`Ctx::swapped`]).
    pub fn concrete_models(&self) -> impl Iterator<Item = usize> + 'a {
        self.pm.index.concrete.iter().copied()
    }

    /// The concrete models of one app, in model order (what a family split by app checks).
    pub fn app_models(&self, app: &str) -> Vec<usize> {
        self.pm
            .index
            .concrete_of_app
            .get(app)
            .cloned()
            .unwrap_or_default()
    }

    /// The models a check that runs model by model reports on: the app's when the family runs
    /// per app, else every concrete model.
    pub fn checked_models(&self) -> Vec<usize> {
        match &self.focus {
            Some(models) => models.clone(),
            None => self.concrete_models().collect(),
        }
    }

    /// `Meta.swappable` names a setting that points at another model.
    pub fn swapped(&self, idx: usize) -> Option<&'a str> {
        self.pm.index.swapped.get(idx)?.as_deref()
    }

    pub fn emit(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    /// Django's object label of a field: `app_label.Model.field`.
    pub fn field_label(&self, mf: ModelField<'_>) -> String {
        format!("{}.{}", self.model(mf.model).label(), mf.field.name)
    }

    /// Diagnostic on a field, located at its name.
    pub fn on_field(
        &self,
        mf: ModelField<'_>,
        code: &str,
        severity: Severity,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (file, span) = self.field_location(mf);
        Diagnostic::new(code, severity, message)
            .at(file, span)
            .object(self.field_label(mf))
    }

    /// Where to point for a field: its name in the class that declares it, or (for inherited
    /// fields declared in another app's file) the concrete model's class name.
    pub fn field_location(&self, mf: ModelField<'_>) -> (SourceFile, Span) {
        (mf.field.file, mf.field.name_span)
    }

    /// Diagnostic on a model, located at its class name.
    pub fn on_model(
        &self,
        idx: usize,
        code: &str,
        severity: Severity,
        message: impl Into<String>,
    ) -> Diagnostic {
        let m = self.model(idx);
        Diagnostic::new(code, severity, message)
            .at(m.file, m.name_span)
            .object(m.label())
    }

    /// Fields Django copies into a model: its own and those of abstract ancestors (not M2M-specific;
    /// callers filter by kind). Fields of concrete parents are not local. Shared from a
    /// per-model cache.
    pub fn local_fields(&mut self, idx: usize) -> std::rc::Rc<[&'a Field]> {
        if let Some(v) = self.local_fields_cache.get(&idx) {
            return v.clone();
        }
        // Collected in a buffer kept for the next model, then copied into the shared list.
        let mut out = std::mem::take(&mut self.local_fields_buf);
        out.clear();
        fn collect<'a>(ctx: &Ctx<'a>, idx: usize, out: &mut Vec<&'a Field>, depth: u32) {
            if depth > 30 {
                return;
            }
            let m = ctx.model(idx);
            for f in m.own_fields.iter() {
                if !out.iter().any(|o| o.name == f.name) {
                    out.push(f);
                }
            }
            for p in &m.parents {
                if let Parent::Model(pidx) = p
                    && ctx.model(*pidx).abstract_
                {
                    collect(ctx, *pidx, out, depth + 1);
                }
            }
        }
        collect(self, idx, &mut out, 0);
        let shared: std::rc::Rc<[&'a Field]> = out.as_slice().into();
        self.local_fields_buf = out;
        self.local_fields_cache.insert(idx, shared.clone());
        shared
    }

    /// Concrete (multi-table) parents of a model, nearest first, following abstract ones.
    pub fn concrete_parents(&self, idx: usize) -> Vec<usize> {
        let mut out = Vec::new();
        fn walk(ctx: &Ctx<'_>, idx: usize, out: &mut Vec<usize>, depth: u32) {
            if depth > 30 {
                return;
            }
            for p in &ctx.model(idx).parents {
                if let Parent::Model(pidx) = p {
                    if ctx.model(*pidx).abstract_ {
                        walk(ctx, *pidx, out, depth + 1);
                    } else if !out.contains(pidx) {
                        out.push(*pidx);
                    }
                }
            }
        }
        walk(self, idx, &mut out, 0);
        out
    }

    /// The model or one of its ancestors has a base djsa could not resolve, or members it could
    /// not understand: checks that need the full field list must stay silent.
    pub fn incomplete(&self, idx: usize) -> bool {
        fn walk(ctx: &Ctx<'_>, idx: usize, depth: u32) -> bool {
            if depth > 30 {
                return true;
            }
            let m = ctx.model(idx);
            m.incomplete
                || m.meta.incomplete
                || m.parents.iter().any(|p| match p {
                    Parent::Model(pidx) => walk(ctx, *pidx, depth + 1),
                    Parent::Unknown(_) => true,
                    _ => false,
                })
        }
        walk(self, idx, 0)
    }

    /// Resolve a relation's `to` as seen from the concrete model `model` (for abstract-inherited
    /// fields, bare names and "self" resolve against the concrete model's app).
    pub fn relation_target(&self, mf: ModelField<'_>) -> Target {
        let Some(to) = mf.field.opt("to") else {
            return Target::Unknown;
        };
        self.model_reference(to, mf.field.file, mf.model)
    }

    pub fn model_reference(&self, to: &Expr, file: SourceFile, from_model: usize) -> Target {
        let m = self.model(from_model);
        match &to.kind {
            ExprKind::Str(s) => self.lazy_reference(s, m.app_label.as_deref(), from_model),
            ExprKind::Name(n) => match &*self.resolver.resolve_name_rc(file, n) {
                &Resolved::Class(id) => match self.pm.model_by_class(id) {
                    Some(idx) if self.model(idx).registered && !self.model(idx).abstract_ => {
                        Target::Model(idx)
                    }
                    Some(idx) if self.model(idx).abstract_ => {
                        // Django: "either not installed, or is abstract".
                        let am = self.model(idx);
                        Target::Missing {
                            app_label: am.app_label.clone().unwrap_or_default(),
                            model: am.name.clone(),
                        }
                    }
                    _ => Target::Unknown,
                },
                Resolved::External(q) if q == "django.conf.settings.AUTH_USER_MODEL" => {
                    self.lazy_reference(&self.pm.settings.auth_user_model, None, from_model)
                }
                Resolved::Value(_, e) => match &e.kind {
                    ExprKind::Str(s) => self.lazy_reference(s, m.app_label.as_deref(), from_model),
                    _ => Target::Unknown,
                },
                _ => Target::Unknown,
            },
            _ => Target::Unknown,
        }
    }

    /// `"app_label.Model"`, `"Model"` or `"self"`.
    pub fn lazy_reference(&self, s: &str, default_app: Option<&str>, from_model: usize) -> Target {
        if s == "self" {
            return Target::Model(from_model);
        }
        let (app, name) = match split_dot(s) {
            Some((a, n)) => (a, n),
            None => match default_app {
                Some(a) => (a, s),
                None => return Target::Unknown,
            },
        };
        if name.bytes().any(|b| b == b'.') {
            return Target::Unknown;
        }
        match self.pm.get_model(app, name) {
            Some(idx) => Target::Model(idx),
            None => {
                // An app djsa did not load (not found in the environment) may hold it.
                if (self.pm.app(app).is_none() && self.unloaded_app_may_have_label(app))
                    || self.app_has_unknown_models(app)
                {
                    Target::Unknown
                } else {
                    Target::Missing {
                        app_label: app.to_string(),
                        model: name.to_string(),
                    }
                }
            }
        }
    }

    /// An INSTALLED_APPS entry djsa could not load (not found in the environment) may be the app
    /// with this label: a module entry's label is its last component (contrib apps keep theirs);
    /// an AppConfig path could carry any label.
    fn unloaded_app_may_have_label(&self, label: &str) -> bool {
        match self
            .unloaded
            .get_or_init(|| Ctx::compute_unloaded(&self.pm))
        {
            None => true,
            Some(u) => u.config_path || u.labels.contains(label),
        }
    }

    fn compute_unloaded(pm: &view::View<'_>) -> Option<Unloaded> {
        let entries = pm.settings.installed_apps.as_ref()?;
        let loaded: FxHashSet<&str> = pm.apps.iter().filter_map(|a| a.entry.as_str()).collect();
        let mut u = Unloaded::default();
        for entry in entries.iter().filter_map(|e| e.as_str()) {
            if loaded.contains(entry) {
                continue;
            }
            let last = entry.rsplit('.').next().unwrap_or(entry);
            if last.chars().next().is_some_and(char::is_uppercase) {
                u.config_path = true;
            }
            u.labels.insert(last.to_string());
        }
        Some(u)
    }

    /// An app whose models module has classes djsa could not classify (dynamic bases).
    fn app_has_unknown_models(&self, label: &str) -> bool {
        self.pm.index.unknown_model_apps.contains(label)
    }

    /// Django's default pk class name for a model's app (`BigAutoField`, ...), if known.
    pub fn default_pk_class(&self, idx: usize) -> Option<String> {
        let m = self.model(idx);
        let app = m.app_label.as_deref().and_then(|l| self.pm.app(l));
        let path = app
            .and_then(|a| a.default_auto_field.clone())
            .or_else(|| self.pm.settings.default_auto_field.clone())
            .unwrap_or_else(|| {
                if self.pm.django_version >= (6, 0) {
                    "django.db.models.BigAutoField".into()
                } else {
                    "django.db.models.AutoField".into()
                }
            });
        Some(last_dot(&path).to_string())
    }

    /// The database backend vendor from settings: "postgresql", "mysql", "sqlite", "oracle".
    pub fn vendor(&self) -> Option<&'static str> {
        *self.vendor.get_or_init(|| self.compute_vendor())
    }

    fn compute_vendor(&self) -> Option<&'static str> {
        let engine = self.pm.settings.engine.as_deref()?;
        Some(
            if engine.contains("postgres") || engine.contains("postgis") {
                "postgresql"
            } else if engine.contains("mysql") {
                "mysql"
            } else if engine.contains("sqlite") || engine.contains("spatialite") {
                "sqlite"
            } else if engine.contains("oracle") {
                "oracle"
            } else {
                return None;
            },
        )
    }

    /// Whether the field has a given kind (its own class or the Django base of a custom class).
    pub fn is_kind(f: &Field, kinds: &[FieldKind]) -> bool {
        kinds.contains(&f.kind)
    }
}
