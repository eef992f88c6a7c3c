//! What the checks see of the project, read so that salsa records which models a check read.
//!
//! [`project_model`] is one value for the whole project: a query that reads it re-runs after any
//! edit of any model. The checks read it through this view instead:
//! - each model is its own tracked struct ([`ModelFacts`]), whose data salsa tracks per model;
//! - the lookup indexes, the list of models and what the checks derive from all of them at once
//!   ([`ModelIndex`]) are backdated queries, unchanged by an edit that keeps the set of models;
//! - settings and apps come from [`app_registry`], which model edits do not touch.
//!
//! A check query that reads models only through [`View`] then re-runs only when a model it read
//! changed, so a family split by app (`model_and_field_checks`) redoes one app after a one-line
//! edit instead of the whole project.

use std::cell::{Cell, OnceCell};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::db::{Db, Project};
use crate::project::{
    App, Model, ModelLookup, ProjectModel, ProjectSettings, app_registry, project_model,
};
use crate::resolve::ClassId;

/// One model of the project, `index` being its place in [`ProjectModel::models`].
#[salsa::tracked(debug)]
pub struct ModelFacts<'db> {
    pub index: u32,
    #[tracked]
    #[returns(ref)]
    pub model: Arc<Model>,
}

/// Every model of the project as a tracked struct. After an edit this re-runs and recreates the
/// structs; salsa compares each model with its previous value, so only the edited ones count as
/// changed, and the list itself (ids only) is backdated while the set of models stays.
#[salsa::tracked(returns(ref))]
pub fn model_facts(db: &dyn Db, project: Project) -> Vec<ModelFacts<'_>> {
    project_model(db, project)
        .models
        .iter()
        .enumerate()
        .map(|(i, m)| ModelFacts::new(db, i as u32, m.clone()))
        .collect()
}

/// What the checks need from all models at once, without positions: it stays equal (and salsa
/// backdates it) across an edit that changes options, spans or comments of existing models.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModelIndex {
    pub lookup: ModelLookup,
    /// Concrete, registered models in index order, as `apps.get_models()` lists them.
    pub concrete: Vec<usize>,
    /// The app label of every model (`None`: outside every installed app).
    pub app_of: Vec<Option<String>>,
    /// The concrete models of each app, in index order (see [`super::Ctx::app_models`]).
    pub concrete_of_app: FxHashMap<String, Vec<usize>>,
    /// See [`super::Ctx::app_has_unknown_models`].
    pub unknown_model_apps: FxHashSet<String>,
    /// `Meta.swappable` of every model, when it names a setting that points at another model
    /// (see [`super::Ctx::swapped`]).
    pub swapped: Vec<Option<String>>,
    pub opaque_relations: bool,
}

#[salsa::tracked(returns(ref))]
pub fn model_index(db: &dyn Db, project: Project) -> ModelIndex {
    let pm = project_model(db, project);
    let concrete: Vec<usize> = (0..pm.models.len())
        .filter(|&i| pm.models[i].registered && !pm.models[i].abstract_)
        .collect();
    let mut concrete_of_app: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for &i in &concrete {
        if let Some(app) = &pm.models[i].app_label {
            concrete_of_app.entry(app.clone()).or_default().push(i);
        }
    }
    ModelIndex {
        lookup: pm.lookup().clone(),
        concrete,
        concrete_of_app,
        app_of: pm.models.iter().map(|m| m.app_label.clone()).collect(),
        unknown_model_apps: unknown_model_apps(pm),
        swapped: pm.models.iter().map(|m| swapped(pm, m)).collect(),
        opaque_relations: pm.opaque_relations,
    }
}

/// The model is swapped out: its `Meta.swappable` names a setting that points at another model.
fn swapped(pm: &ProjectModel, m: &Model) -> Option<String> {
    let setting = m.meta.get("swappable")?.as_str()?;
    let value = if setting == "AUTH_USER_MODEL" {
        pm.settings.auth_user_model.clone()
    } else {
        pm.settings.env.names.get(setting)?.as_str()?.to_string()
    };
    if value.eq_ignore_ascii_case(&m.label()) || value == m.label_lower() {
        None
    } else {
        Some(value)
    }
}

/// The labels [`super::Ctx::app_has_unknown_models`] answers yes for: apps of unregistered
/// incomplete models, and every `<label>` of a note reading `app <label>:...`.
fn unknown_model_apps(pm: &ProjectModel) -> FxHashSet<String> {
    let mut out: FxHashSet<String> = pm
        .models
        .iter()
        .filter(|m| m.incomplete && !m.registered)
        .filter_map(|m| m.app_label.clone())
        .collect();
    for n in &pm.notes {
        let Some(rest) = n.message.strip_prefix("app ") else {
            continue;
        };
        for (pos, _) in rest.match_indices(':') {
            out.insert(rest[..pos].to_string());
        }
    }
    out
}

/// The project as the checks see it: the fields they used on [`ProjectModel`], with models read
/// one by one through their tracked structs.
pub struct View<'a> {
    pub settings: &'a ProjectSettings,
    pub apps: Apps<'a>,
    pub django_version: (u32, u32),
    pub models: Models<'a>,
    pub index: &'a ModelIndex,
}

impl<'a> View<'a> {
    pub fn new(db: &'a dyn Db, project: Project) -> Self {
        let registry = app_registry(db, project);
        View {
            settings: &registry.settings,
            apps: Apps(&registry.apps),
            django_version: project.config(db).django(),
            models: Models::new(db, model_facts(db, project)),
            index: model_index(db, project),
        }
    }
    pub fn app(&self, label: &str) -> Option<&'a App> {
        self.apps.0.iter().find(|a| a.label == label)
    }
    /// The index of the model whose class body declares `f`.
    pub fn declaring(&self, f: &crate::project::Field) -> Option<usize> {
        self.index.lookup.model_by_class(f.declared_in)
    }
    /// A registered model by app label and (case-insensitive) name, as `apps.get_model` finds it.
    pub fn get_model(&self, app_label: &str, name: &str) -> Option<usize> {
        self.index.lookup.get_model(app_label, name)
    }
    pub fn model_by_class(&self, class: ClassId) -> Option<usize> {
        self.index.lookup.model_by_class(class)
    }
}

/// The installed apps, in INSTALLED_APPS order.
#[derive(Clone, Copy)]
pub struct Apps<'a>(&'a [App]);

impl<'a> std::ops::Deref for Apps<'a> {
    type Target = [App];
    fn deref(&self) -> &[App] {
        self.0
    }
}

impl<'a> IntoIterator for &Apps<'a> {
    type Item = &'a App;
    type IntoIter = std::slice::Iter<'a, App>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// How many remembered models [`Models`] keeps per block.
const BLOCK: usize = 64;

/// One block of remembered models.
type Block<'a> = [Cell<Option<&'a Model>>; BLOCK];

/// The models, by index; reading one records a dependency on that model only. A model read once
/// is remembered (the checks read the same models over and over in inner loops), in blocks made
/// on first use: a context reads few of the project's models.
pub struct Models<'a> {
    db: &'a dyn Db,
    facts: &'a [ModelFacts<'a>],
    read: Vec<OnceCell<Box<Block<'a>>>>,
}

impl<'a> Models<'a> {
    fn new(db: &'a dyn Db, facts: &'a [ModelFacts<'a>]) -> Self {
        Models {
            db,
            facts,
            read: (0..facts.len().div_ceil(BLOCK))
                .map(|_| OnceCell::new())
                .collect(),
        }
    }
    pub fn len(&self) -> usize {
        self.facts.len()
    }
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }
    /// The model at `idx` (indices come from the project model, so they are in range).
    #[inline]
    pub fn get(&self, idx: usize) -> &'a Model {
        if let Some(block) = self.read[idx / BLOCK].get()
            && let Some(m) = block[idx % BLOCK].get()
        {
            return m;
        }
        self.first_read(idx)
    }
    /// [`Models::get`] of a model not read yet: a salsa read, remembered.
    #[inline(never)]
    fn first_read(&self, idx: usize) -> &'a Model {
        let block = self.read[idx / BLOCK]
            .get_or_init(|| Box::new(std::array::from_fn(|_| Cell::new(None))));
        let slot = &block[idx % BLOCK];
        if let Some(m) = slot.get() {
            return m;
        }
        let m: &'a Model = self.facts[idx].model(self.db);
        slot.set(Some(m));
        m
    }
    /// The model at `idx`, if there is one.
    pub fn try_get(&self, idx: usize) -> Option<&'a Model> {
        (idx < self.len()).then(|| self.get(idx))
    }
    /// Every model: a check that walks them all depends on all of them.
    pub fn iter(&self) -> impl Iterator<Item = &'a Model> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

impl<'a> std::ops::Index<usize> for Models<'a> {
    type Output = Model;
    fn index(&self, idx: usize) -> &Model {
        self.get(idx)
    }
}

/// A per-app query's results for every app with concrete models, in label order: how a family
/// or an index split by app gathers its parts.
pub fn per_app<'db, T: 'db>(
    db: &'db dyn Db,
    project: Project,
    query: impl Fn(String) -> &'db T,
) -> Vec<&'db T> {
    app_labels(model_index(db, project))
        .into_iter()
        .map(|app| query(app.to_string()))
        .collect()
}

/// The labels of the apps that have concrete models, sorted: the apps a family split by app runs
/// one query for.
pub fn app_labels(index: &ModelIndex) -> Vec<&str> {
    let mut out: Vec<&str> = index.concrete_of_app.keys().map(String::as_str).collect();
    out.sort_unstable();
    out
}
