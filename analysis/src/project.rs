//! The project model: settings, the app registry and the model index, built from syntax facts.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::db::{Db, Origin, Project, SourceFile};
use crate::fields::FieldKind;
use crate::resolve::{ClassId, Resolved, Resolver, module_classes};
use crate::settings::{Located, SettingsEnv, Value, evaluate_settings};
use crate::span::Span;
use crate::syntax::{ClassDef, Expr, ExprKind, Keyword, Stmt, Target};

/// Something djsa met and could not understand statically; listed by `--verbose`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub file: Option<SourceFile>,
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectSettings {
    pub file: Option<SourceFile>,
    pub env: SettingsEnv,
    /// `None` when INSTALLED_APPS could not be evaluated.
    pub installed_apps: Option<Vec<Located>>,
    pub auth_user_model: String,
    /// DEFAULT_AUTO_FIELD as set in settings (`None`: not set, Django's default applies).
    pub default_auto_field: Option<String>,
    pub silenced: Vec<String>,
    pub engine: Option<String>,
    pub has_routers: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub name: String,
    pub label: String,
    /// Where INSTALLED_APPS names it.
    pub entry: Located,
    pub config: Option<ClassId>,
    /// `default_auto_field` set on the AppConfig class (or a parent config).
    pub default_auto_field: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parent {
    Model(usize),
    /// `django.db.models.Model` itself.
    Base,
    /// A base djsa could not resolve (its fields may be anything).
    Unknown(String),
    /// A non-model class (mixin).
    Mixin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    pub class: ClassId,
    pub name: String,
    /// The subclass overrides `__init__`, `check` or similar: its options are not what the call says.
    pub opaque: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub file: SourceFile,
    pub kind: FieldKind,
    pub custom: Option<CustomField>,
    pub args: Box<[Expr]>,
    pub kwargs: Box<[Keyword]>,
    pub has_splat: bool,
    /// The model class whose body declares it (a class, not an index into the model list, so
    /// that a class body is read once per edit of its file: see [`file_class_bodies`]).
    pub declared_in: ClassId,
    /// Implicit `id` / `<parent>_ptr` fields.
    pub auto_created: bool,
}

impl Field {
    /// The expression given for a parameter, by keyword or position.
    pub fn opt(&self, name: &str) -> Option<&Expr> {
        if let Some(k) = self.kwargs.iter().find(|k| k.name == name) {
            return Some(&k.value);
        }
        // Only the first `args.len()` parameters can have been given positionally.
        let params = self.kind.positional_params();
        let given = &params[..self.args.len().min(params.len())];
        let pos = given.iter().position(|p| *p == name)?;
        self.args.get(pos)
    }
    /// The value is known to be a literal bool (or absent, giving `default`).
    pub fn flag(&self, name: &str, default: bool) -> Option<bool> {
        match self.opt(name) {
            None => Some(default),
            Some(e) => e.as_bool(),
        }
    }
    /// Whether djsa can trust what the call says about options.
    pub fn options_known(&self) -> bool {
        !self.has_splat && !self.custom.as_ref().is_some_and(|c| c.opaque)
    }
    pub fn is_primary_key(&self) -> bool {
        self.flag("primary_key", false) == Some(true)
    }
}

/// One `Meta` attribute: its name, value and the file that declares it. Shared (`Arc`) between a
/// class body, the model and the models that inherit it, so an unchanged one compares by pointer.
pub type MetaAttr = Arc<(String, Expr, SourceFile)>;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Meta {
    pub attrs: Vec<MetaAttr>,
    pub span: Option<(SourceFile, Span)>,
    /// The Meta declares bases djsa could not follow.
    pub incomplete: bool,
}

impl Meta {
    pub fn get(&self, name: &str) -> Option<&Expr> {
        self.attrs.iter().rev().find(|a| a.0 == name).map(|a| &a.1)
    }
    pub fn get_with_file(&self, name: &str) -> Option<(&Expr, SourceFile)> {
        self.attrs
            .iter()
            .rev()
            .find(|a| a.0 == name)
            .map(|a| (&a.1, a.2))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub span: Span,
    pub is_property: bool,
    pub is_classmethod: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    pub class: ClassId,
    pub file: SourceFile,
    pub module: String,
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub app_label: Option<String>,
    pub abstract_: bool,
    pub proxy: bool,
    pub parents: Vec<Parent>,
    /// Fields declared in this class body (shared with its [`ClassBody`]).
    pub own_fields: Arc<[Field]>,
    /// Meta as Django sees it for this class (own Meta or inherited from an abstract parent).
    pub meta: Meta,
    /// The class body declares its own `class Meta`.
    pub has_own_meta: bool,
    pub members: Arc<[Member]>,
    /// Names assigned in the class body that are not fields (managers, constants...).
    pub other_attrs: Arc<[String]>,
    /// djsa could not understand everything this model declares (unknown bases or field classes).
    pub incomplete: bool,
    /// Registered in the app registry (concrete or abstract model in an installed app).
    pub registered: bool,
}

/// `s.to_lowercase()`, with a fast path for ASCII text (model and app names nearly always are).
pub(crate) fn to_lower(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// The `prefix` parts, `name.to_lowercase()` and `suffix`, joined in one allocation (table
/// names, `<model>_set`).
pub(crate) fn lower_joined(prefix: &[&str], name: &str, suffix: &str) -> String {
    let len = prefix.iter().map(|p| p.len()).sum::<usize>() + name.len() + suffix.len();
    let mut s = String::with_capacity(len);
    for p in prefix {
        s.push_str(p);
    }
    if name.is_ascii() {
        let start = s.len();
        s.push_str(name);
        s[start..].make_ascii_lowercase();
    } else {
        s.push_str(&name.to_lowercase());
    }
    s.push_str(suffix);
    s
}

/// The parts joined, in one allocation (`format!` costs several times more on hot paths).
pub(crate) fn join_parts(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

impl Model {
    pub fn label(&self) -> String {
        join_parts(&[self.app_label.as_deref().unwrap_or("?"), ".", &self.name])
    }
    pub fn label_lower(&self) -> String {
        join_parts(&[
            self.app_label.as_deref().unwrap_or("?"),
            ".",
            &to_lower(&self.name),
        ])
    }
    pub fn model_name(&self) -> String {
        to_lower(&self.name)
    }
    pub fn meta_bool(&self, name: &str) -> Option<bool> {
        self.meta.get(name).and_then(Expr::as_bool)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectModel {
    pub settings: ProjectSettings,
    pub apps: Vec<App>,
    pub models: Vec<Arc<Model>>,
    pub notes: Vec<Note>,
    /// A relation field whose target djsa cannot know exists somewhere in the project.
    pub opaque_relations: bool,
    pub django_version: (u32, u32),
    /// Lookup indexes over `models`; checks ask for them in inner loops.
    lookup: ModelLookup,
}

/// Lookup indexes over the project's models: registered models by `(app_label, lowercased
/// name)`, and every model by class. Shared by [`ProjectModel`] and the checks' per-model view,
/// which holds it in its own backdated query (an edit that keeps the set of models keeps it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelLookup {
    /// App label → lowercased model name → model.
    by_label: FxHashMap<String, FxHashMap<String, usize>>,
    by_class: FxHashMap<ClassId, usize>,
}

impl ModelLookup {
    fn new(models: &[Arc<Model>]) -> Self {
        let mut l = ModelLookup::default();
        for (i, m) in models.iter().enumerate() {
            l.by_class.entry(m.class).or_insert(i);
            if m.registered
                && let Some(app) = &m.app_label
            {
                l.by_label
                    .entry(app.clone())
                    .or_default()
                    .entry(m.name.to_ascii_lowercase())
                    .or_insert(i);
            }
        }
        l
    }
    /// A registered model by app label and name, compared as `apps.get_model` does: ignoring
    /// ASCII case (the first registered match wins).
    pub fn get_model(&self, app_label: &str, name: &str) -> Option<usize> {
        let names = self.by_label.get(app_label)?;
        if !name.bytes().any(|b| b.is_ascii_uppercase()) {
            return names.get(name).copied();
        }
        // Lowercase short names on the stack (ASCII lowercasing keeps UTF-8 valid).
        let mut buf = [0u8; 64];
        if let Some(dst) = buf.get_mut(..name.len()) {
            dst.copy_from_slice(name.as_bytes());
            dst.make_ascii_lowercase();
            if let Ok(lower) = std::str::from_utf8(dst) {
                return names.get(lower).copied();
            }
        }
        names.get(&name.to_ascii_lowercase()).copied()
    }
    pub fn model_by_class(&self, class: ClassId) -> Option<usize> {
        self.by_class.get(&class).copied()
    }
}

impl ProjectModel {
    pub fn app(&self, label: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.label == label)
    }
    /// A registered model by app label and (case-insensitive) name, as `apps.get_model` finds it.
    pub fn get_model(&self, app_label: &str, name: &str) -> Option<usize> {
        self.lookup.get_model(app_label, name)
    }
    pub fn model_by_class(&self, class: ClassId) -> Option<usize> {
        self.lookup.model_by_class(class)
    }
    pub fn lookup(&self) -> &ModelLookup {
        &self.lookup
    }
}

#[salsa::tracked(returns(ref))]
pub fn project_model(db: &dyn Db, project: Project) -> ProjectModel {
    let registry = app_registry(db, project);
    let resolver = Resolver::new(db, project);
    let config = project.config(db);
    let mut b = Builder {
        resolver: &resolver,
        notes: registry.notes.clone(),
        models: Vec::new(),
        by_class: FxHashMap::default(),
        class_files: FxHashMap::default(),
    };
    let settings = registry.settings.clone();
    let apps = registry.apps.clone();
    b.models(&apps);
    let opaque_relations = b.models.iter().any(|m| {
        m.registered
            && m.own_fields
                .iter()
                .any(|f| f.kind.is_relation() && f.custom.as_ref().is_some_and(|c| c.opaque))
    }) || b.models.iter().any(|m| m.registered && m.incomplete);
    let mut pm = ProjectModel {
        settings,
        apps,
        lookup: ModelLookup::default(),
        models: b.models.into_iter().map(Arc::new).collect(),
        notes: b.notes,
        opaque_relations,
        django_version: config.django(),
    };
    pm.lookup = ModelLookup::new(&pm.models);
    pm
}

/// Settings and the app registry, without the model index: what discovery needs to decide which
/// modules to load next (so each loading round does not rebuild every model).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppRegistry {
    pub settings: ProjectSettings,
    pub apps: Vec<App>,
    pub notes: Vec<Note>,
}

#[salsa::tracked(returns(ref))]
pub fn app_registry(db: &dyn Db, project: Project) -> AppRegistry {
    let resolver = Resolver::new(db, project);
    let config = project.config(db);
    let mut b = Builder {
        resolver: &resolver,
        notes: Vec::new(),
        models: Vec::new(),
        by_class: FxHashMap::default(),
        class_files: FxHashMap::default(),
    };
    let mut settings = b.settings(config.settings_module.as_deref());
    let apps = b.apps(&settings);
    if let Some(e) = &config.database_engine {
        settings.engine = Some(e.clone());
    }
    AppRegistry {
        settings,
        apps,
        notes: b.notes,
    }
}

/// Installed apps' labels by app name.
type AppLabels<'a> = FxHashMap<&'a str, &'a str>;

/// The label of the installed app containing a module: the one with the longest name that is
/// the module or a package above it.
fn app_of_module<'a>(module: &str, apps: &AppLabels<'a>) -> Option<&'a str> {
    if let Some(label) = apps.get(module) {
        return Some(label);
    }
    module
        .rmatch_indices('.')
        .find_map(|(i, _)| apps.get(&module[..i]).copied())
}

struct Builder<'r, 'db> {
    resolver: &'r Resolver<'db>,
    notes: Vec<Note>,
    models: Vec<Model>,
    by_class: FxHashMap<ClassId, Option<usize>>,
    /// Per file: where its classes sit and its module body (two salsa reads per file, not per
    /// class).
    class_files: FxHashMap<SourceFile, ClassFile<'db>>,
}

/// [`crate::resolve::class_paths`] and the module body of one file.
type ClassFile<'db> = (&'db [Vec<u32>], &'db [Stmt]);

impl<'db> Builder<'_, 'db> {
    /// [`Resolver::class_def`], reading each file's class positions and body once.
    fn class_def(&mut self, id: ClassId) -> Option<&'db ClassDef> {
        let db = self.resolver.db();
        let (paths, body) = *self.class_files.entry(id.file).or_insert_with(|| {
            (
                crate::resolve::class_paths(db, id.file),
                &crate::db::module_syntax(db, id.file).body,
            )
        });
        crate::resolve::class_at(body, paths.get(id.index as usize)?)
    }

    fn note(&mut self, file: Option<SourceFile>, span: Span, message: impl Into<String>) {
        self.notes.push(Note {
            file,
            span,
            message: message.into(),
        });
    }

    fn settings(&mut self, module: Option<&str>) -> ProjectSettings {
        let mut s = ProjectSettings {
            auth_user_model: "auth.User".into(),
            ..Default::default()
        };
        let Some(module) = module else {
            self.note(
                None,
                Span::default(),
                "no settings module: INSTALLED_APPS unknown, only syntax-level checks run",
            );
            return s;
        };
        let Some(env) = evaluate_settings(self.resolver, module) else {
            self.note(
                None,
                Span::default(),
                format!("settings module {module} was not found among the project files"),
            );
            return s;
        };
        s.file = self.resolver.file_of(module);
        let get = |n: &str| env.names.get(n);
        match get("INSTALLED_APPS") {
            Some(v) => match &v.value {
                Value::List(items) => {
                    if let Some(bad) = items.iter().find(|i| i.as_str().is_none()) {
                        let why = match &bad.value {
                            Value::Unknown(w) => w.clone(),
                            _ => "an entry is not a string".into(),
                        };
                        self.note(
                            bad.file,
                            bad.span,
                            format!("INSTALLED_APPS not understood statically: {why}"),
                        );
                    } else {
                        s.installed_apps = Some(items.clone());
                    }
                }
                Value::Unknown(why) => {
                    self.note(
                        v.file,
                        v.span,
                        format!("INSTALLED_APPS not understood statically: {why}"),
                    );
                }
                _ => self.note(v.file, v.span, "INSTALLED_APPS is not a list or tuple"),
            },
            None => s.installed_apps = Some(Vec::new()),
        }
        if let Some(v) = get("AUTH_USER_MODEL") {
            match v.as_str() {
                Some(m) => s.auth_user_model = m.to_string(),
                None => self.note(
                    v.file,
                    v.span,
                    "AUTH_USER_MODEL not understood statically; assuming auth.User",
                ),
            }
        }
        if let Some(v) = get("DEFAULT_AUTO_FIELD") {
            match v.as_str() {
                Some(f) => s.default_auto_field = Some(f.to_string()),
                None => {
                    self.note(
                        v.file,
                        v.span,
                        "DEFAULT_AUTO_FIELD not understood statically",
                    );
                    s.default_auto_field = Some("?".into());
                }
            }
        }
        if let Some(v) = get("SILENCED_SYSTEM_CHECKS") {
            match v.as_list() {
                Some(items) => {
                    s.silenced = items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect()
                }
                None => self.note(
                    v.file,
                    v.span,
                    "SILENCED_SYSTEM_CHECKS not understood statically",
                ),
            }
        }
        if let Some(dbs) = get("DATABASES")
            && let Some(default) = dbs.get("default")
            && let Some(engine) = default.get("ENGINE")
        {
            s.engine = engine.as_str().map(str::to_string);
        }
        if let Some(r) = get("DATABASE_ROUTERS") {
            s.has_routers = r.truthy() != Some(false);
        }
        s.env = env;
        s
    }

    fn apps(&mut self, settings: &ProjectSettings) -> Vec<App> {
        let Some(entries) = &settings.installed_apps else {
            return Vec::new();
        };
        let mut apps = Vec::new();
        for entry in entries {
            let Some(name) = entry.as_str() else { continue };
            match self.app_for_entry(name, entry) {
                Some(app) => apps.push(app),
                None => self.note(entry.file, entry.span, format!("installed app {name:?} was not found in the project or its Python environment; its models are not checked")),
            }
        }
        apps
    }

    fn app_for_entry(&mut self, entry_name: &str, entry: &Located) -> Option<App> {
        let r = self.resolver;
        let db = r.db();
        // A module (package) path.
        if let Some(file) = r.file_of(entry_name) {
            let mut config = None;
            if let Some(apps_file) = r.file_of(&format!("{entry_name}.apps")) {
                // Django >= 3.2: the single AppConfig subclass in apps.py, or the one with default = True.
                let candidates: Vec<ClassId> = module_classes(db, apps_file)
                    .iter()
                    .enumerate()
                    .map(|(i, _)| ClassId {
                        file: apps_file,
                        index: i as u32,
                    })
                    .filter(|id| self.is_app_config(*id, 0))
                    .collect();
                let defaults: Vec<ClassId> = candidates
                    .iter()
                    .copied()
                    .filter(|id| self.config_attr_bool(*id, "default") == Some(true))
                    .collect();
                let non_false: Vec<ClassId> = candidates
                    .iter()
                    .copied()
                    .filter(|id| self.config_attr_bool(*id, "default") != Some(false))
                    .collect();
                if defaults.len() == 1 {
                    config = Some(defaults[0]);
                } else if defaults.is_empty() && non_false.len() == 1 {
                    config = Some(non_false[0]);
                }
            }
            return Some(self.make_app(entry_name, config, entry, file.origin(db)));
        }
        // A dotted path to an AppConfig class.
        let (module, class) = entry_name.rsplit_once('.')?;
        let file = r.file_of(module)?;
        if let &Resolved::Class(id) = &*r.resolve_name_rc(file, class)
            && self.is_app_config(id, 0)
        {
            let name = self
                .config_attr_str(id, "name")
                .unwrap_or_else(|| module.to_string());
            return Some(self.make_app(&name, Some(id), entry, file.origin(db)));
        }
        None
    }

    fn make_app(
        &mut self,
        module_name: &str,
        config: Option<ClassId>,
        entry: &Located,
        origin: Origin,
    ) -> App {
        let mut name = module_name.to_string();
        let mut label = None;
        let mut default_auto_field = None;
        if let Some(id) = config {
            if let Some(n) = self.config_attr_str(id, "name") {
                name = n;
            }
            label = self.config_attr_str(id, "label");
            default_auto_field = self.config_attr_str(id, "default_auto_field");
        }
        let label = label.unwrap_or_else(|| name.rsplit('.').next().unwrap_or(&name).to_string());
        App {
            name,
            label,
            entry: entry.clone(),
            config,
            default_auto_field,
            origin,
        }
    }

    fn is_app_config(&self, id: ClassId, depth: u32) -> bool {
        if depth > 20 {
            return false;
        }
        let Some(c) = self.resolver.class_def(id) else {
            return false;
        };
        c.bases
            .iter()
            .any(|b| match &*self.resolver.resolve_expr_rc(id.file, b) {
                Resolved::External(q) => {
                    q == "django.apps.AppConfig" || q == "django.apps.config.AppConfig"
                }
                &Resolved::Class(p) => self.is_app_config(p, depth + 1),
                _ => false,
            })
    }

    /// A class attribute of an AppConfig, following its bases.
    fn config_attr(&self, id: ClassId, attr: &str, depth: u32) -> Option<Expr> {
        if depth > 20 {
            return None;
        }
        let c = self.resolver.class_def(id)?;
        for s in &c.body {
            if let Stmt::Assign { targets, value, .. } = s
                && targets
                    .iter()
                    .any(|t| matches!(t, Target::Name(n, _) if n == attr))
            {
                return Some(value.clone());
            }
        }
        for b in &c.bases {
            if let &Resolved::Class(p) = &*self.resolver.resolve_expr_rc(id.file, b)
                && let Some(v) = self.config_attr(p, attr, depth + 1)
            {
                return Some(v);
            }
        }
        None
    }
    fn config_attr_str(&self, id: ClassId, attr: &str) -> Option<String> {
        self.config_attr(id, attr, 0)
            .and_then(|e| e.as_str().map(str::to_string))
    }
    fn config_attr_bool(&self, id: ClassId, attr: &str) -> Option<bool> {
        self.config_attr(id, attr, 0).and_then(|e| e.as_bool())
    }

    /// Register the models of every installed app, in INSTALLED_APPS order.
    fn models(&mut self, apps: &[App]) {
        let r = self.resolver;
        let mut visited: FxHashSet<SourceFile> = FxHashSet::default();
        let mut seen_labels: FxHashSet<(String, String)> = FxHashSet::default();
        // Labels by app name (the last app listed under a name wins, as the longest-name
        // search over the list did).
        let labels: AppLabels<'_> = apps
            .iter()
            .map(|a| (a.name.as_str(), a.label.as_str()))
            .collect();
        for app in apps {
            let Some(file) = r.file_of(&format!("{}.models", app.name)) else {
                continue;
            };
            let mut queue = vec![file];
            while let Some(f) = queue.pop() {
                if !visited.insert(f) {
                    continue;
                }
                // Imports in `except` handlers are left out: Django runs them only when the
                // `try` body failed.
                for i in crate::resolve::module_imports(r.db(), f) {
                    if !i.in_handler
                        && let Some(mf) = r.file_of(&i.module)
                    {
                        queue.push(mf);
                    }
                }
                let n = crate::resolve::class_paths(r.db(), f).len();
                for i in 0..n {
                    let id = ClassId {
                        file: f,
                        index: i as u32,
                    };
                    let Some(idx) = self.model_for_class(id, &labels, 0) else {
                        continue;
                    };
                    let m = &self.models[idx];
                    let Some(label) = m.app_label.clone() else {
                        continue;
                    };
                    if seen_labels.insert((label, to_lower(&m.name))) {
                        self.models[idx].registered = true;
                    }
                }
            }
        }
    }

    /// The model built from a class, if the class is a Django model. Memoized.
    fn model_for_class(&mut self, id: ClassId, apps: &AppLabels<'_>, depth: u32) -> Option<usize> {
        if let Some(v) = self.by_class.get(&id) {
            return *v;
        }
        if depth > 30 {
            return None;
        }
        // Mark in progress (inheritance cycles resolve to "not a model").
        self.by_class.insert(id, None);
        let r = self.resolver;
        let class = self.class_def(id)?;
        let mut parents = Vec::new();
        let mut is_model = false;
        for b in &class.bases {
            let p = match &*r.resolve_expr_rc(id.file, b) {
                Resolved::External(q)
                    if q == "django.db.models.Model" || q == "django.db.models.base.Model" =>
                {
                    is_model = true;
                    Parent::Base
                }
                &Resolved::Class(pid) => match self.model_for_class(pid, apps, depth + 1) {
                    Some(pidx) => {
                        is_model = true;
                        Parent::Model(pidx)
                    }
                    None => Parent::Mixin,
                },
                Resolved::External(q) if q.starts_with("builtins.") || q.starts_with("typing.") => {
                    Parent::Mixin
                }
                Resolved::External(q) => Parent::Unknown(q.clone()),
                _ => Parent::Unknown(expr_text(b)),
            };
            parents.push(p);
        }
        if !is_model {
            return None;
        }
        // A model class has bases, so its body was read.
        let body = class_body(r.db(), r.project(), id)?;
        let model = self.build_model(id, class, &body, parents, apps);
        let idx = self.models.len();
        self.models.push(model);
        self.by_class.insert(id, Some(idx));
        Some(idx)
    }

    fn build_model(
        &mut self,
        id: ClassId,
        class: &ClassDef,
        body: &ClassBody,
        parents: Vec<Parent>,
        apps: &AppLabels<'_>,
    ) -> Model {
        let r = self.resolver;
        let db = r.db();
        let file = id.file;
        let module = file.module(db).clone().unwrap_or_default();
        self.notes.extend(body.notes.iter().cloned());
        let incomplete = body.incomplete || parents.iter().any(|p| matches!(p, Parent::Unknown(_)));
        // Meta: own, or inherited from the first parent that has one (abstract parents keep theirs).
        let mut meta = Meta::default();
        let has_own_meta = body.meta.is_some();
        if let Some(own) = &body.meta {
            for b in &own.bases {
                // `class Meta(Parent.Meta)`: inherit its attributes.
                let text = expr_text(b);
                match text
                    .strip_suffix(".Meta")
                    .map(|p| r.resolve_name_rc(file, p))
                    .as_deref()
                {
                    Some(&Resolved::Class(pid)) => {
                        match self.by_class.get(&pid).copied().flatten() {
                            // Django resets `abstract` on an abstract parent's Meta once the
                            // parent is built, so `Meta(Parent.Meta)` does not inherit it.
                            Some(pidx) => meta.attrs.extend(
                                self.models[pidx]
                                    .meta
                                    .attrs
                                    .iter()
                                    .filter(|a| a.0 != "abstract")
                                    .cloned(),
                            ),
                            None => meta.incomplete = true,
                        }
                    }
                    _ => meta.incomplete = true,
                }
            }
            meta.attrs.extend(own.attrs.iter().cloned());
            meta.span = Some((file, own.name_span));
        } else {
            // Python finds `Meta` on the first class in the MRO that has it; Django keeps the
            // attribute only on abstract models.
            if let Some(pidx) = self.meta_holder(&parents, 0) {
                let pm = &self.models[pidx];
                meta.attrs
                    .extend(pm.meta.attrs.iter().filter(|a| a.0 != "abstract").cloned());
                meta.incomplete |= pm.meta.incomplete;
            }
        }
        let abstract_ = has_own_meta && meta.get("abstract").and_then(Expr::as_bool) == Some(true);
        let proxy = meta.get("proxy").and_then(Expr::as_bool) == Some(true);
        // App label: Meta.app_label, else the installed app containing the module.
        let app_label = match meta.get("app_label") {
            Some(e) => e.as_str().map(str::to_string),
            None => app_of_module(&module, apps).map(str::to_string),
        };
        Model {
            class: id,
            file,
            module,
            name: class.name.clone(),
            name_span: class.name_span,
            span: class.span,
            app_label,
            abstract_,
            proxy,
            parents,
            own_fields: body.fields.clone(),
            meta,
            has_own_meta,
            members: body.members.clone(),
            other_attrs: body.other_attrs.clone(),
            incomplete,
            registered: false,
        }
    }

    /// The abstract ancestor whose `Meta` attribute a class without its own Meta inherits.
    fn meta_holder(&self, parents: &[Parent], depth: u32) -> Option<usize> {
        if depth > 30 {
            return None;
        }
        for p in parents {
            if let Parent::Model(pidx) = p {
                let pm = &self.models[*pidx];
                if pm.abstract_ || (pm.has_own_meta && pm.meta.get("abstract").is_some()) {
                    return Some(*pidx);
                }
                if let Some(h) = self.meta_holder(&pm.parents, depth + 1) {
                    return Some(h);
                }
            }
        }
        None
    }
}

/// What a model class's own body declares: its fields, methods, other names and own `Meta`.
/// It depends on the class's file and on the names its fields resolve through, not on the rest of
/// the project, so after an edit only the classes of the edited file are read again and every
/// other model keeps the same `Arc`s (which compare by pointer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassBody {
    pub fields: Arc<[Field]>,
    pub members: Arc<[Member]>,
    pub other_attrs: Arc<[String]>,
    /// The class's own `class Meta`, if any.
    pub meta: Option<OwnMeta>,
    /// The body holds something djsa cannot follow (an unknown field class, an `if`/`try`).
    pub incomplete: bool,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnMeta {
    pub bases: Vec<Expr>,
    pub attrs: Vec<MetaAttr>,
    pub name_span: Span,
}

/// The bodies of the classes of `file` (by class index, see [`crate::resolve::class_paths`]) read
/// as model bodies (see [`ClassBody`]); `None` for a class without bases, which cannot be a
/// model. One query per file shares name resolution between its classes; `project_model` reads
/// the bodies of the classes that are models.
#[salsa::tracked(returns(ref))]
pub fn file_class_bodies(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
) -> Vec<Option<Arc<ClassBody>>> {
    let resolver = Resolver::new(db, project);
    let reader = BodyReader {
        resolver: &resolver,
    };
    let paths = crate::resolve::class_paths(db, file);
    let body = &crate::db::module_syntax(db, file).body;
    paths
        .iter()
        .enumerate()
        .map(|(index, path)| {
            let id = ClassId {
                file,
                index: index as u32,
            };
            let class = crate::resolve::class_at(body, path)?;
            if class.bases.is_empty() {
                return None;
            }
            Some(Arc::new(reader.read(id, class)))
        })
        .collect()
}

/// The body of a class with bases (see [`file_class_bodies`]).
fn class_body(db: &dyn Db, project: Project, id: ClassId) -> Option<Arc<ClassBody>> {
    file_class_bodies(db, project, id.file)
        .get(id.index as usize)?
        .clone()
}

struct BodyReader<'r, 'db> {
    resolver: &'r Resolver<'db>,
}

impl BodyReader<'_, '_> {
    fn read(&self, id: ClassId, class: &ClassDef) -> ClassBody {
        let file = id.file;
        let mut incomplete = false;
        let mut notes = Vec::new();
        // Every field is a call assigned in the body: room for them all up front.
        let calls = class
            .body
            .iter()
            .filter(|s| {
                matches!(s, Stmt::Assign { value, .. } if matches!(value.kind, ExprKind::Call { .. }))
            })
            .count();
        let mut fields = Vec::with_capacity(calls);
        let mut members = Vec::new();
        let mut other_attrs = Vec::new();
        let mut meta = None;
        for s in &class.body {
            match s {
                Stmt::Assign { targets, value, .. } => {
                    let [Target::Name(name, name_span)] = targets.as_slice() else {
                        continue;
                    };
                    match self.field_class(file, value) {
                        FieldClass::Field(kind, custom) => {
                            let ExprKind::Call {
                                args,
                                kwargs,
                                has_splat,
                                ..
                            } = &value.kind
                            else {
                                continue;
                            };
                            fields.push(Field {
                                name: name.clone(),
                                name_span: *name_span,
                                span: value.span,
                                file,
                                kind,
                                custom,
                                args: args.clone(),
                                kwargs: kwargs.clone(),
                                has_splat: *has_splat,
                                declared_in: id,
                                auto_created: false,
                            });
                        }
                        FieldClass::NotField => other_attrs.push(name.clone()),
                        FieldClass::Unknown(what) => {
                            incomplete = true;
                            other_attrs.push(name.clone());
                            notes.push(Note {
                                file: Some(file),
                                span: value.span,
                                message: format!("{}.{}: {what} is not understood statically; checks that need every field of this model are skipped", class.name, name),
                            });
                        }
                    }
                }
                Stmt::Class(c) if c.name == "Meta" => {
                    let mut attrs = Vec::new();
                    for s in &c.body {
                        if let Stmt::Assign { targets, value, .. } = s {
                            for t in targets {
                                if let Target::Name(n, _) = t {
                                    attrs.push(Arc::new((n.clone(), value.clone(), file)));
                                }
                            }
                        }
                    }
                    meta = Some(OwnMeta {
                        bases: c.bases.clone(),
                        attrs,
                        name_span: c.name_span,
                    });
                }
                Stmt::Function(f) => {
                    let is_property = f.decorators.iter().any(|d| {
                        matches!(d.as_name(), Some(n) if n == "property" || n.ends_with("cached_property"))
                    });
                    let is_classmethod = f
                        .decorators
                        .iter()
                        .any(|d| d.as_name() == Some("classmethod"));
                    members.push(Member {
                        name: f.name.clone(),
                        span: f.name_span,
                        is_property,
                        is_classmethod,
                    });
                }
                Stmt::AnnOnly { .. } | Stmt::Expr(_) => {}
                Stmt::If { .. } | Stmt::Try { .. } | Stmt::Opaque { .. } => {
                    incomplete = true;
                }
                _ => {}
            }
        }
        ClassBody {
            fields: fields.into(),
            members: members.into(),
            other_attrs: other_attrs.into(),
            meta,
            incomplete,
            notes,
        }
    }

    fn field_class(&self, file: SourceFile, value: &Expr) -> FieldClass {
        let ExprKind::Call { func, .. } = &value.kind else {
            return FieldClass::NotField;
        };
        match &*self.resolver.resolve_expr_rc(file, func) {
            Resolved::External(q) => match FieldKind::from_qualified(q) {
                Some(k) => FieldClass::Field(k, None),
                None if q.starts_with("django.") || q.starts_with("builtins.") => {
                    FieldClass::NotField
                }
                None => FieldClass::Unknown(q.clone()),
            },
            // A Django field class read from an installed contrib module (contenttypes'
            // GenericForeignKey/GenericRelation): the field itself, not a custom subclass.
            &Resolved::Class(id) if self.django_field_kind(id).is_some() => {
                match self.django_field_kind(id) {
                    Some(k) => FieldClass::Field(k, None),
                    None => FieldClass::NotField,
                }
            }
            &Resolved::Class(id) => match self.custom_field(id, 0) {
                Some((kind, opaque)) => {
                    let name = self
                        .resolver
                        .class_def(id)
                        .map(|c| c.name.clone())
                        .unwrap_or_default();
                    FieldClass::Field(
                        kind,
                        Some(CustomField {
                            class: id,
                            name,
                            opaque,
                        }),
                    )
                }
                None if self.class_is_unknown(id, 0) => FieldClass::Unknown(expr_text(func)),
                None => FieldClass::NotField,
            },
            Resolved::Function(..) | Resolved::Module(_) => FieldClass::NotField,
            Resolved::Value(..) | Resolved::Unknown => match &func.kind {
                // `Manager.from_queryset(QS)()` and other call chains: not fields we can know.
                ExprKind::Name(n) => FieldClass::Unknown(n.clone()),
                _ => FieldClass::NotField,
            },
        }
    }

    /// A Django field class defined in a loaded `django.*` module (contrib), by its name.
    fn django_field_kind(&self, id: ClassId) -> Option<FieldKind> {
        let module = id.file.module(self.resolver.db()).clone()?;
        if !module.starts_with("django.") {
            return None;
        }
        let name = &self.resolver.class_def(id)?.name;
        FieldKind::from_qualified(&format!("{module}.{name}"))
    }

    /// If the class is a subclass of a Django field: (base kind, opaque).
    fn custom_field(&self, id: ClassId, depth: u32) -> Option<(FieldKind, bool)> {
        if depth > 20 {
            return None;
        }
        let c = self.resolver.class_def(id)?;
        let overrides = c.body.iter().any(|s| {
            matches!(s, Stmt::Function(f) if matches!(f.name.as_str(), "__init__" | "check" | "contribute_to_class" | "deconstruct" | "_check_max_length_attribute"))
                || matches!(s, Stmt::Assign { .. })
        });
        for b in &c.bases {
            match &*self.resolver.resolve_expr_rc(id.file, b) {
                Resolved::External(q) => {
                    if let Some(k) = FieldKind::from_qualified(q) {
                        let opaque =
                            overrides || matches!(k, FieldKind::Field | FieldKind::RelatedField);
                        return Some((k, opaque));
                    }
                }
                &Resolved::Class(p) => {
                    if let Some(k) = self.django_field_kind(p) {
                        return Some((k, overrides));
                    }
                    if let Some((k, opaque)) = self.custom_field(p, depth + 1) {
                        return Some((k, opaque || overrides));
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// A class with a base djsa cannot resolve: it may be a field, a manager or anything.
    fn class_is_unknown(&self, id: ClassId, depth: u32) -> bool {
        if depth > 20 {
            return true;
        }
        let Some(c) = self.resolver.class_def(id) else {
            return true;
        };
        c.bases
            .iter()
            .any(|b| match &*self.resolver.resolve_expr_rc(id.file, b) {
                Resolved::External(q) => !q.starts_with("django.") && !q.starts_with("builtins."),
                Resolved::Class(p) => self.class_is_unknown(*p, depth + 1),
                Resolved::Unknown | Resolved::Value(..) => true,
                _ => false,
            })
    }
}

enum FieldClass {
    Field(FieldKind, Option<CustomField>),
    NotField,
    Unknown(String),
}

pub fn expr_text(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Name(n) => n.clone(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Attribute { value, attr } => format!("{}.{attr}", expr_text(value)),
        ExprKind::Call { func, .. } => format!("{}(...)", expr_text(func)),
        ExprKind::Subscript { value, .. } => format!("{}[...]", expr_text(value)),
        _ => "an expression".into(),
    }
}
