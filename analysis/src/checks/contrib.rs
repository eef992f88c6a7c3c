//! Checks registered by contrib apps: contenttypes (GenericForeignKey, model name lengths) and
//! auth (the user model, permissions).
//!
//! Also the model introspection the admin checks share: `_meta.get_field()` over forward and
//! reverse fields, and the attributes a model class has. Everything answers "unknown" when djsa
//! could not read the whole model, so callers stay silent.

use std::borrow::Cow;
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::checks::admin::{ClassAttr, MODEL_CLASS_ATTRS, Node, SVal};
use crate::checks::model_checks::{AppRevs, app_reverse_relations};
use crate::checks::{Ctx, ModelField, Target, view};
use crate::db::{Db, Project};
use crate::diagnostic::Severity;
use crate::fields::FieldKind;
use crate::project::{Field, Parent, app_registry, lower_joined, to_lower};
use crate::resolve::{ClassId, Resolved, Resolver};
use crate::settings::Value;
use crate::syntax::{Expr, ExprKind, Stmt};

/// The contrib checks on the given models (one app's): generic foreign keys, model name lengths
/// and permissions.
pub(super) fn check_models(ctx: &mut Ctx<'_>, models: &[usize]) {
    let index = ctx.model_index();
    if ctx.app_installed("django.contrib.contenttypes") {
        check_generic_foreign_keys(ctx, &index, models);
        check_model_name_lengths(ctx, models);
    }
    if ctx.app_installed("django.contrib.auth") {
        check_models_permissions(ctx, models);
    }
}

/// The contrib checks on the project as a whole: the user model.
pub(super) fn check_project(ctx: &mut Ctx<'_>) {
    if ctx.app_installed("django.contrib.auth") {
        let index = ctx.model_index();
        check_user_model(ctx, &index);
    }
}

// ---------------------------------------------------------------------------------------------
// Model introspection shared with the admin checks.

/// A model's forward fields by name (see [`Ctx::forward_fields`]), shared from a per-model cache.
pub(super) type ForwardFields<'a> = Rc<Vec<(Cow<'a, str>, FInfo<'a>)>>;

/// A field as `_meta.get_field()` returns it.
#[derive(Debug, Clone, Copy)]
pub(super) enum FInfo<'a> {
    /// A declared field, attached to the concrete model `on`.
    Declared { field: &'a Field, on: usize },
    /// The implicit `id` primary key.
    AutoPk,
    /// The implicit `<parent>_ptr` OneToOneField of multi-table inheritance.
    ParentLink { parent: usize },
    /// The reverse side of a relation declared on model `from` (`None`: an implicit parent link).
    Reverse {
        field: Option<&'a Field>,
        from: usize,
    },
}

#[derive(Debug, Clone)]
pub(super) enum Lookup<'a> {
    /// Found; `name` is the field's name (differs from the query for an attname like `author_id`).
    Found {
        info: FInfo<'a>,
        name: Cow<'a, str>,
    },
    Missing,
    /// djsa cannot tell (the model is not fully known, or an unknown relation may add the name).
    Unknown,
}

/// A relation pointing at a model, seen from the target. It holds no positions and no
/// references (see [`reverse_index`]): [`ModelIndex::rev_field`] finds the field again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Rev {
    /// The relation field as its declaring model and its place in that model's `own_fields`;
    /// `None` for the implicit `<parent>_ptr` link of a multi-table child.
    field: Option<(usize, u32)>,
    pub from: usize,
    /// `related_query_name()`: the name `get_field()` finds it by.
    pub query_name: String,
    /// The reverse accessor set on the target class, if any.
    pub accessor: Option<String>,
}

/// Reverse relations of the project, by concrete target model.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct RevIndex {
    reverse: FxHashMap<usize, Vec<Rev>>,
    /// Names a relation with an unknown target (or unknown options) may add to any model.
    maybe_names: FxHashSet<String>,
    /// Some relation could add any name to any model.
    any: bool,
    /// Concrete models a relation with unknown reverse names points at.
    any_for: FxHashSet<usize>,
}

/// One app's share of [`RevIndex`]: what its concrete models declare.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct AppRevShare {
    /// Each relation with the concrete model it points at, in model and field order.
    found: Vec<(usize, Rev)>,
    maybe_names: FxHashSet<String>,
    any: bool,
    any_for: FxHashSet<usize>,
}

/// The project's [`RevIndex`], merged from one share per app ([`app_reverse_share`]): an edit
/// re-reads only the apps whose models (or their relations' targets) changed. Neither holds
/// positions, so salsa backdates them when the relations stay as they were, and the check
/// queries that read the index do not re-run.
#[salsa::tracked(returns(ref))]
fn reverse_index(db: &dyn Db, project: Project) -> RevIndex {
    let shares = view::per_app(db, project, |app| app_reverse_share(db, project, app));
    let mut found: Vec<&(usize, Rev)> = shares.iter().flat_map(|s| &s.found).collect();
    // Stable: a model's relations keep their order, and models come in index order, as the
    // checks would list them walking every model.
    found.sort_by_key(|(_, r)| r.from);
    let mut ix = RevIndex::default();
    for (on, r) in found {
        ix.reverse.entry(*on).or_default().push(r.clone());
    }
    // INSTALLED_APPS entries djsa could not load (their models are unknown) may relate to
    // anything.
    let registry = app_registry(db, project);
    let listed = registry
        .settings
        .installed_apps
        .as_ref()
        .map_or(0, Vec::len);
    ix.any = listed != registry.apps.len() || shares.iter().any(|s| s.any);
    for s in &shares {
        ix.maybe_names.extend(s.maybe_names.iter().cloned());
        ix.any_for.extend(s.any_for.iter().copied());
    }
    ix
}

#[salsa::tracked(returns(ref))]
fn app_reverse_share(db: &dyn Db, project: Project, app: String) -> AppRevShare {
    let resolver = Resolver::new(db, project);
    let mut ctx = Ctx::new(db, project, &resolver);
    let models = ctx.app_models(&app);
    let shared = app_reverse_relations(db, project, app);
    let mut share = AppRevShare::default();
    share.add(&mut ctx, shared, &models);
    share
}

/// Some model of the project (abstract or not) sets `Meta.order_with_respect_to`. Its own query:
/// it reads every model, and is backdated while the answer stays.
#[salsa::tracked(returns(copy))]
fn any_order_with_respect_to(db: &dyn Db, project: Project) -> bool {
    view::View::new(db, project)
        .models
        .iter()
        .any(|m| m.meta.get("order_with_respect_to").is_some())
}

/// The reverse-relation index as one context reads it.
#[derive(Debug)]
pub(super) struct ModelIndex<'a> {
    ix: &'a RevIndex,
}

impl<'a> Ctx<'a> {
    /// The project's [`ModelIndex`] (contrib and admin share it).
    pub(super) fn model_index(&mut self) -> Rc<ModelIndex<'a>> {
        if let Some(ix) = &self.model_index {
            return ix.clone();
        }
        let ix = Rc::new(ModelIndex {
            ix: reverse_index(self.db, self.project),
        });
        self.model_index = Some(ix.clone());
        ix
    }
}

impl AppRevShare {
    /// Adds the reverse relations the given concrete models declare; `shared` is the same app's
    /// share of the model checks' reverse relations, which resolved most relation targets already.
    fn add(&mut self, ctx: &mut Ctx<'_>, shared: &AppRevs, models: &[usize]) {
        let ix = self;
        for &idx in models {
            if ctx.swapped(idx).is_some() {
                continue;
            }
            let m = ctx.model(idx);
            if m.proxy {
                continue;
            }
            // Bases djsa could not resolve may declare relations with any related_name.
            if has_unknown_base(ctx, idx, 0) {
                ix.any = true;
            }
            if m.incomplete {
                ix.unknown_members(ctx, idx);
            }
            // The implicit parent link's reverse one-to-one on each concrete parent.
            let own = ctx.local_fields(idx);
            for p in ctx.concrete_parents(idx) {
                let declared = own.iter().any(|f| {
                    f.kind == FieldKind::OneToOneField
                        && f.flag("parent_link", false) != Some(false)
                });
                if declared {
                    continue;
                }
                let name = ctx.model(idx).model_name();
                ix.found.push((
                    p,
                    Rev {
                        field: None,
                        from: idx,
                        query_name: name.clone(),
                        accessor: Some(name),
                    },
                ));
            }
            for &field in own.iter() {
                if !field.kind.is_relation() {
                    continue;
                }
                let mf = ModelField { field, model: idx };
                let relation_target = |ctx: &Ctx<'_>| shared_target(ctx, shared, mf);
                if !field.options_known() {
                    // A custom relation field that may do anything with its options: its
                    // reverse names are known only if given literally.
                    let model_name = ctx.model(idx).model_name();
                    let unknown = field.has_splat
                        || ix.call_names(ctx, field.file, &field.kwargs, &model_name, idx);
                    if unknown {
                        // Unknown reverse names: only the target (when known) can get them.
                        match relation_target(ctx) {
                            Target::Model(t) => match ctx.concrete_of(t) {
                                Some(ct) => {
                                    ix.any_for.insert(ct);
                                }
                                None => ix.any = true,
                            },
                            Target::Missing { .. } => {}
                            Target::Unknown => ix.any = true,
                        }
                    }
                    continue;
                }
                let names = reverse_names(ctx, field, idx);
                let Some((query_name, accessor)) = names else {
                    match relation_target(ctx) {
                        Target::Model(t) => match ctx.concrete_of(t) {
                            Some(ct) => {
                                ix.any_for.insert(ct);
                            }
                            None => ix.any = true,
                        },
                        Target::Missing { .. } => {}
                        Target::Unknown => ix.any = true,
                    }
                    continue;
                };
                match relation_target(ctx) {
                    Target::Model(t) => {
                        let Some(ct) = ctx.concrete_of(t) else {
                            ix.any = true;
                            continue;
                        };
                        // Where the field is declared, to find it again without a reference.
                        let Some(decl) = ctx.declaring(field) else {
                            ix.any = true;
                            continue;
                        };
                        let place = ctx
                            .model(decl)
                            .own_fields
                            .iter()
                            .position(|f| std::ptr::eq(f, field));
                        let Some(place) = place else {
                            ix.any = true;
                            continue;
                        };
                        ix.found.push((
                            ct,
                            Rev {
                                field: Some((decl, place as u32)),
                                from: idx,
                                query_name,
                                accessor,
                            },
                        ));
                    }
                    Target::Missing { .. } => {}
                    Target::Unknown => {
                        ix.maybe_names.insert(query_name);
                        if let Some(a) = accessor {
                            ix.maybe_names.insert(a);
                        }
                    }
                }
            }
        }
    }
    /// Names the unknown class attributes of an incomplete model (or of its abstract
    /// ancestors) could add to other models as reverse relations.
    fn unknown_members(&mut self, ctx: &Ctx<'_>, idx: usize) {
        let mut chain = vec![idx];
        let mut i = 0;
        while i < chain.len() && chain.len() < 40 {
            for p in &ctx.model(chain[i]).parents {
                if let Parent::Model(p) = p
                    && ctx.model(*p).abstract_
                    && !chain.contains(p)
                {
                    chain.push(*p);
                }
            }
            i += 1;
        }
        for m in chain {
            let model = ctx.model(m);
            if !model.incomplete {
                continue;
            }
            let Some(class) = ctx.class_def(model.class) else {
                self.any = true;
                return;
            };
            self.scan_unknown(ctx, &class.body, m, idx, 0);
        }
    }

    fn scan_unknown(
        &mut self,
        ctx: &Ctx<'_>,
        body: &[Stmt],
        declaring: usize,
        idx: usize,
        depth: u32,
    ) {
        if depth > 10 {
            self.any = true;
            return;
        }
        let model_name = ctx.model(idx).model_name();
        for s in body {
            match s {
                Stmt::Assign { value, .. } => {
                    let ExprKind::Call {
                        kwargs, has_splat, ..
                    } = &value.kind
                    else {
                        continue;
                    };
                    if ctx
                        .model(declaring)
                        .own_fields
                        .iter()
                        .any(|f| f.span == value.span)
                    {
                        continue;
                    }
                    let file = ctx.model(declaring).file;
                    if *has_splat || self.call_names(ctx, file, kwargs, &model_name, idx) {
                        self.any = true;
                    }
                }
                Stmt::If { body, orelse, .. } => {
                    self.scan_unknown(ctx, body, declaring, idx, depth + 1);
                    self.scan_unknown(ctx, orelse, declaring, idx, depth + 1);
                }
                Stmt::Try {
                    body,
                    handlers,
                    orelse,
                    finalbody,
                    ..
                } => {
                    self.scan_unknown(ctx, body, declaring, idx, depth + 1);
                    for h in handlers {
                        self.scan_unknown(ctx, h, declaring, idx, depth + 1);
                    }
                    self.scan_unknown(ctx, orelse, declaring, idx, depth + 1);
                    self.scan_unknown(ctx, finalbody, declaring, idx, depth + 1);
                }
                Stmt::Opaque { .. } => self.any = true,
                _ => {}
            }
        }
    }

    /// Reverse names a call that may build a relation field could add to some model.
    /// Adds the reverse names a relation-like call may create; returns true when one of them
    /// cannot be known.
    fn call_names(
        &mut self,
        ctx: &Ctx<'_>,
        file: crate::db::SourceFile,
        kwargs: &[crate::syntax::Keyword],
        model_name: &str,
        idx: usize,
    ) -> bool {
        let mut unknown = false;
        self.maybe_names.insert(model_name.to_string());
        self.maybe_names
            .insert(crate::project::join_parts(&[model_name, "_set"]));
        for k in kwargs {
            if k.name == "related_name" || k.name == "related_query_name" {
                match ctx.eval(file, &k.value, None, 0) {
                    SVal::Str(s) => {
                        self.maybe_names.insert(fill_placeholders(&s, ctx, idx));
                    }
                    SVal::None => {}
                    _ => unknown = true,
                }
            }
        }
        unknown
    }
}

impl<'a> ModelIndex<'a> {
    /// Reverse relations seen by a model: those pointing at its concrete model or a concrete
    /// ancestor.
    pub(super) fn reverse_of(&self, ctx: &Ctx<'a>, idx: usize) -> Vec<&'a Rev> {
        let mut out = Vec::new();
        for t in ctx.concrete_chain(idx) {
            if let Some(v) = self.ix.reverse.get(&t) {
                out.extend(v.iter());
            }
        }
        out
    }

    /// The field of a reverse relation (`None` for an implicit parent link).
    pub(super) fn rev_field(&self, ctx: &Ctx<'a>, r: &Rev) -> Option<&'a Field> {
        let (model, place) = r.field?;
        ctx.model(model).own_fields.get(place as usize)
    }

    /// Some relation may give this model reverse names djsa cannot know.
    fn unknown_names(&self, ctx: &Ctx<'a>, idx: usize) -> bool {
        self.ix.any
            || (!self.ix.any_for.is_empty()
                && ctx
                    .concrete_chain(idx)
                    .iter()
                    .any(|t| self.ix.any_for.contains(t)))
    }

    /// `Model._meta.get_field(name)`.
    pub(super) fn get_field(&self, ctx: &mut Ctx<'a>, idx: usize, name: &str) -> Lookup<'a> {
        let (forward, complete) = ctx.forward_fields(idx);
        if let Some((n, info)) = forward.iter().find(|(n, _)| n == name) {
            return Lookup::Found {
                info: *info,
                name: n.clone(),
            };
        }
        for (n, info) in forward.iter() {
            if let FInfo::Declared { field, .. } = info
                && is_attname(field, name)
            {
                return Lookup::Found {
                    info: *info,
                    name: n.clone(),
                };
            }
        }
        for r in self.reverse_of(ctx, idx) {
            if r.query_name == name {
                return Lookup::Found {
                    info: FInfo::Reverse {
                        field: self.rev_field(ctx, r),
                        from: r.from,
                    },
                    name: Cow::Borrowed(&r.query_name),
                };
            }
        }
        if !complete
            || self.unknown_names(ctx, idx)
            || self.ix.maybe_names.contains(name)
            || (name == "id" && ctx.id_uncertain(idx))
        {
            return Lookup::Unknown;
        }
        Lookup::Missing
    }

    /// `hasattr(Model, name)`: `Some(true/false)` when djsa knows, `None` when it cannot tell.
    pub(super) fn model_has_attr(&self, ctx: &mut Ctx<'a>, idx: usize, name: &str) -> Option<bool> {
        if MODEL_CLASS_ATTRS.binary_search(&name).is_ok()
            || matches!(
                name,
                "objects"
                    | "_default_manager"
                    | "_base_manager"
                    | "DoesNotExist"
                    | "MultipleObjectsReturned"
                    | "_meta"
                    | "Meta"
                    | "NotUpdated"
            )
        {
            return Some(true);
        }
        let (forward, complete) = ctx.forward_fields(idx);
        for (n, info) in forward.iter() {
            if n == name {
                return Some(true);
            }
            if let FInfo::Declared { field, .. } = info {
                if is_attname(field, name) {
                    return Some(true);
                }
                if field.opt("choices").is_some()
                    && name
                        .strip_prefix("get_")
                        .and_then(|r| r.strip_suffix("_display"))
                        == Some(&**n)
                {
                    return Some(true);
                }
                if matches!(field.kind, FieldKind::DateField | FieldKind::DateTimeField)
                    && (name.strip_prefix("get_next_by_") == Some(&**n)
                        || name.strip_prefix("get_previous_by_") == Some(&**n))
                {
                    return Some(true);
                }
                if field.custom.as_ref().is_some_and(|c| c.opaque) {
                    // contribute_to_class may add anything.
                    return None;
                }
            }
        }
        for r in self.reverse_of(ctx, idx) {
            if r.accessor.as_deref() == Some(name) || r.query_name == name {
                return Some(true);
            }
        }
        // Class attributes along the MRO (models, abstract bases, mixins).
        let class = ctx.model(idx).class;
        match ctx.class_attr(class, name, &leaf_stop) {
            ClassAttr::Found { .. } | ClassAttr::Value(_) => return Some(true),
            ClassAttr::Unknown => return None,
            ClassAttr::Missing => {}
            ClassAttr::Leaf(_) => return None,
        }
        if ctx.order_with_respect_to_names(idx, name) {
            return Some(true);
        }
        if !complete
            || self.unknown_names(ctx, idx)
            || self.ix.maybe_names.contains(name)
            || (name == "id" && ctx.id_uncertain(idx))
        {
            return None;
        }
        Some(false)
    }
}

/// For model classes: `models.Model` and `object` pass (their attributes are checked apart),
/// any other class known by name only stops the lookup.
pub(super) fn leaf_stop<'x>(n: &Node, _name: &str) -> Option<ClassAttr<'x>> {
    match n {
        Node::External(q) if q == "builtins.object" || is_model_base(q) => None,
        other => Some(ClassAttr::Leaf(other.clone())),
    }
}

pub(super) fn is_model_base(q: &str) -> bool {
    q == "django.db.models.Model" || q == "django.db.models.base.Model"
}

/// Whether `name` is the attname (`<name>_id`) of a ForeignKey or OneToOneField (and
/// subclasses), compared without building it.
fn is_attname(f: &Field, name: &str) -> bool {
    matches!(f.kind, FieldKind::ForeignKey | FieldKind::OneToOneField)
        && name.strip_suffix("_id") == Some(f.name.as_str())
}

fn has_unknown_base(ctx: &Ctx<'_>, idx: usize, depth: u32) -> bool {
    if depth > 30 {
        return true;
    }
    ctx.model(idx).parents.iter().any(|p| match p {
        Parent::Unknown(_) => true,
        Parent::Model(p) => has_unknown_base(ctx, *p, depth + 1),
        _ => false,
    })
}

fn fill_placeholders(s: &str, ctx: &Ctx<'_>, idx: usize) -> String {
    // Every placeholder starts with "%(": without one there is nothing to replace.
    if !s.contains("%(") {
        return s.to_string();
    }
    let m = ctx.model(idx);
    s.replace("%(class)s", &to_lower(&m.name))
        .replace("%(model_name)s", &m.model_name())
        .replace(
            "%(app_label)s",
            &to_lower(m.app_label.as_deref().unwrap_or_default()),
        )
}

/// [`Ctx::relation_target`] of a relation, taken from the model checks' share of the app
/// (`shared`) when they resolved it.
fn shared_target(ctx: &Ctx<'_>, shared: &AppRevs, mf: ModelField<'_>) -> Target {
    if let Some(decl) = ctx.declaring(mf.field)
        && let Some(place) = ctx
            .model(decl)
            .own_fields
            .iter()
            .position(|f| std::ptr::eq(f, mf.field))
        && let Some(t) = shared.target(mf.model, decl, place)
    {
        return t.clone();
    }
    ctx.relation_target(mf)
}

/// (related query name, accessor name) of a relation field declared on `idx`; `None` when an
/// option is not a literal.
fn reverse_names(ctx: &Ctx<'_>, f: &Field, idx: usize) -> Option<(String, Option<String>)> {
    if !f.options_known() {
        return None;
    }
    let class = Some(f.declared_in);
    let lit = |key: &str| -> Result<Option<String>, ()> {
        match f.opt(key) {
            None => Ok(None),
            Some(e) if e.is_none() => Ok(None),
            Some(e) => match ctx.eval(f.file, e, class, 0) {
                SVal::Str(s) => Ok(Some(fill_placeholders(&s, ctx, idx))),
                SVal::None => Ok(None),
                _ => Err(()),
            },
        }
    };
    let related_query_name = lit("related_query_name").ok()?;
    if f.kind == FieldKind::GenericRelation {
        // GenericRel: related_name is related_query_name or "+".
        let q = related_query_name.unwrap_or_else(|| "+".into());
        return Some((q, None));
    }
    let mut related_name = lit("related_name").ok()?;
    if related_name.is_none() {
        // Meta.default_related_name of the declaring model.
        let meta = &ctx.model(idx).meta;
        if meta.incomplete {
            return None;
        }
        if let Some((e, file)) = meta.get_with_file("default_related_name") {
            match ctx.eval(file, e, None, 0) {
                SVal::Str(s) => related_name = Some(fill_placeholders(&s, ctx, idx)),
                _ => return None,
            }
        }
    }
    let name = &ctx.model(idx).name;
    let accessor = match &related_name {
        Some(r) if r.ends_with('+') => None,
        Some(r) => Some(r.clone()),
        None if f.kind == FieldKind::OneToOneField => Some(to_lower(name)),
        None => Some(lower_joined(&[], name, "_set")),
    };
    let query = match related_query_name.or(related_name) {
        Some(q) => q,
        None => to_lower(name),
    };
    Some((query, accessor))
}

impl<'a> Ctx<'a> {
    /// `apps.is_installed(name)` (an entry djsa could not load counts by its literal path).
    pub(super) fn app_installed(&self, name: &str) -> bool {
        self.pm.apps.iter().any(|a| a.name == name)
            || self
                .pm
                .settings
                .installed_apps
                .as_ref()
                .is_some_and(|entries| {
                    entries.iter().any(|e| {
                        e.as_str().is_some_and(|s| {
                            s == name
                                || s.strip_prefix(name)
                                    .is_some_and(|rest| rest.starts_with(".apps."))
                        })
                    })
                })
    }

    /// The concrete model of a (possibly proxy) model.
    pub(super) fn concrete_of(&self, idx: usize) -> Option<usize> {
        let mut cur = idx;
        for _ in 0..30 {
            let m = self.model(cur);
            if !m.proxy {
                return Some(cur);
            }
            cur = *self.concrete_parents(cur).first()?;
        }
        None
    }

    /// The concrete model and all its concrete ancestors.
    pub(super) fn concrete_chain(&self, idx: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let Some(c) = self.concrete_of(idx) else {
            return out;
        };
        let mut stack = vec![c];
        while let Some(m) = stack.pop() {
            if out.contains(&m) || out.len() > 60 {
                continue;
            }
            out.push(m);
            stack.extend(self.concrete_parents(m));
        }
        out
    }

    /// Forward fields of a model as `_meta` lists them (own, abstract-inherited, concrete
    /// parents', parent links, the automatic `id`), and whether the list is complete.
    pub(super) fn forward_fields(&mut self, idx: usize) -> (ForwardFields<'a>, bool) {
        if let Some((v, c)) = self.contrib_forward_cache.get(&idx) {
            return (v.clone(), *c);
        }
        let mut out: Vec<(Cow<'a, str>, FInfo<'a>)> = Vec::new();
        let mut complete = !self.incomplete(idx);
        self.collect_forward(idx, &mut out, &mut complete, 0);
        let out = Rc::new(out);
        self.contrib_forward_cache
            .insert(idx, (out.clone(), complete));
        (out, complete)
    }

    fn collect_forward(
        &mut self,
        idx: usize,
        out: &mut Vec<(Cow<'a, str>, FInfo<'a>)>,
        complete: &mut bool,
        depth: u32,
    ) {
        if depth > 30 {
            *complete = false;
            return;
        }
        let m = self.model(idx);
        let own = self.local_fields(idx);
        for &f in own.iter() {
            if !out.iter().any(|(n, _)| *n == f.name) {
                out.push((
                    Cow::Borrowed(&f.name),
                    FInfo::Declared { field: f, on: idx },
                ));
            }
        }
        let parents = self.concrete_parents(idx);
        for &p in &parents {
            if !m.proxy {
                let declared_link = own.iter().any(|f| {
                    f.kind == FieldKind::OneToOneField
                        && f.flag("parent_link", false) != Some(false)
                        && match self.relation_target(ModelField {
                            field: f,
                            model: idx,
                        }) {
                            Target::Model(t) => t == p,
                            _ => true,
                        }
                });
                if !declared_link {
                    let name = lower_joined(&[], &self.model(p).name, "_ptr");
                    if !out.iter().any(|(n, _)| *n == name) {
                        out.push((Cow::Owned(name), FInfo::ParentLink { parent: p }));
                    }
                }
            }
            self.collect_forward(p, out, complete, depth + 1);
        }
        if parents.is_empty() && !m.proxy {
            let mut has_pk = false;
            let mut uncertain = false;
            for f in own.iter() {
                match f.flag("primary_key", false) {
                    Some(true) => has_pk = true,
                    Some(false) => {}
                    None => uncertain = true,
                }
                if f.kind == FieldKind::CompositePrimaryKey {
                    has_pk = true;
                }
                if !f.options_known() {
                    uncertain = true;
                }
            }
            // With a field whose primary_key djsa cannot read, `id` may or may not exist: it is
            // left out, and lookups of `id` answer "unknown" (see `id_uncertain`).
            if !has_pk && !uncertain && !out.iter().any(|(n, _)| n == "id") {
                out.push((Cow::Borrowed("id"), FInfo::AutoPk));
            }
        }
    }

    /// The automatic `id` of a model's root may exist but djsa cannot tell.
    pub(super) fn id_uncertain(&mut self, idx: usize) -> bool {
        let chain = self.concrete_chain(idx);
        for m in chain {
            if !self.concrete_parents(m).is_empty() {
                continue;
            }
            for f in self.local_fields(m).iter() {
                if f.flag("primary_key", false).is_none() || !f.options_known() {
                    return true;
                }
            }
        }
        false
    }

    /// `get_<x>_order`/`set_<x>_order` and `get_next_in_order` names added by
    /// `order_with_respect_to`, conservatively (any model of the project using it).
    fn order_with_respect_to_names(&self, idx: usize, name: &str) -> bool {
        if matches!(name, "get_next_in_order" | "get_previous_in_order") {
            return self.model(idx).meta.get("order_with_respect_to").is_some();
        }
        (name.starts_with("get_") || name.starts_with("set_"))
            && name.ends_with("_order")
            && any_order_with_respect_to(self.db, self.project)
    }

    /// A string from a literal or a `gettext_lazy("...")`-style call.
    pub(super) fn text_literal(&self, file: crate::db::SourceFile, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Str(s) => Some(s.clone()),
            ExprKind::Call {
                func,
                args,
                kwargs,
                has_splat: false,
            } if kwargs.is_empty() && args.len() == 1 => {
                let resolved = self.resolver.resolve_expr_rc(file, func);
                let Resolved::External(q) = &*resolved else {
                    return None;
                };
                let ok = matches!(
                    q.as_str(),
                    "django.utils.translation.gettext_lazy"
                        | "django.utils.translation.gettext"
                        | "django.utils.translation.ugettext_lazy"
                        | "django.utils.translation.ugettext"
                );
                if ok {
                    args[0].as_str().map(str::to_string)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// contenttypes

/// Models and the GenericForeignKeys Django copies onto each (own, abstract and concrete
/// parents', proxies' concrete model's): `check_generic_foreign_keys` finds them in `vars(model)`.
fn check_generic_foreign_keys<'a>(ctx: &mut Ctx<'a>, index: &ModelIndex<'a>, models: &[usize]) {
    for &idx in models {
        if ctx.swapped(idx).is_some() {
            continue;
        }
        let mut gfks: Vec<&Field> = Vec::new();
        collect_gfks(ctx, idx, &mut gfks, 0);
        for gfk in gfks {
            check_gfk(ctx, index, idx, gfk);
        }
    }
}

fn collect_gfks<'a>(ctx: &mut Ctx<'a>, idx: usize, out: &mut Vec<&'a Field>, depth: u32) {
    if depth > 30 {
        return;
    }
    for &f in ctx.local_fields(idx).iter() {
        if f.kind == FieldKind::GenericForeignKey && !out.iter().any(|o| o.name == f.name) {
            out.push(f);
        }
    }
    for p in ctx.concrete_parents(idx) {
        collect_gfks(ctx, p, out, depth + 1);
    }
}

fn check_gfk<'a>(ctx: &mut Ctx<'a>, index: &ModelIndex<'a>, idx: usize, gfk: &Field) {
    if !gfk.options_known() {
        return;
    }
    let arg = |name: &str, default: &str| -> Option<String> {
        match gfk.opt(name) {
            None => Some(default.to_string()),
            Some(e) => e.as_str().map(str::to_string),
        }
    };
    let mf = ModelField {
        field: gfk,
        model: idx,
    };
    let object_name = ctx.model(idx).name.clone();
    // _check_field_name is left to the field checks (fields.E001-E003 on every field).
    if let Some(fk_field) = arg("fk_field", "object_id")
        && let Lookup::Missing = index.get_field(ctx, idx, &fk_field)
    {
        let d = ctx.on_field(
            mf,
            "contenttypes.E001",
            Severity::Error,
            format!(
                "The GenericForeignKey object ID references the nonexistent field '{fk_field}'."
            ),
        );
        ctx.emit(d);
    }
    let Some(ct_field) = arg("ct_field", "content_type") else {
        return;
    };
    let hint = "GenericForeignKeys must use a ForeignKey to 'contenttypes.ContentType' as the 'content_type' field.";
    match index.get_field(ctx, idx, &ct_field) {
        Lookup::Unknown => {}
        Lookup::Missing => {
            let d = ctx.on_field(
                mf,
                "contenttypes.E002",
                Severity::Error,
                format!("The GenericForeignKey content type references the nonexistent field '{object_name}.{ct_field}'."),
            );
            ctx.emit(d);
        }
        Lookup::Found { info, .. } => {
            let (field, on) = match info {
                FInfo::Declared { field, on } => (field, on),
                FInfo::AutoPk | FInfo::Reverse { .. } => {
                    let d = ctx
                        .on_field(
                            mf,
                            "contenttypes.E003",
                            Severity::Error,
                            format!("'{object_name}.{ct_field}' is not a ForeignKey."),
                        )
                        .hint(hint);
                    ctx.emit(d);
                    return;
                }
                // A OneToOneField is a ForeignKey; it points at the parent, not ContentType.
                FInfo::ParentLink { parent } => {
                    if ctx.model(parent).label() != "contenttypes.ContentType" {
                        let d = ctx
                            .on_field(
                                mf,
                                "contenttypes.E004",
                                Severity::Error,
                                format!("'{object_name}.{ct_field}' is not a ForeignKey to 'contenttypes.ContentType'."),
                            )
                            .hint(hint);
                        ctx.emit(d);
                    }
                    return;
                }
            };
            let is_fk = matches!(field.kind, FieldKind::ForeignKey | FieldKind::OneToOneField);
            let unknown_kind = matches!(field.kind, FieldKind::Field | FieldKind::RelatedField)
                || field.custom.as_ref().is_some_and(|c| c.opaque);
            if !is_fk {
                if unknown_kind {
                    return;
                }
                let d = ctx
                    .on_field(
                        mf,
                        "contenttypes.E003",
                        Severity::Error,
                        format!("'{object_name}.{ct_field}' is not a ForeignKey."),
                    )
                    .hint(hint);
                ctx.emit(d);
                return;
            }
            let target = ctx.relation_target(ModelField { field, model: on });
            let is_ct = match target {
                Target::Model(t) => ctx.model(t).label() == "contenttypes.ContentType",
                Target::Missing { .. } => false,
                Target::Unknown => return,
            };
            if !is_ct {
                let d = ctx
                    .on_field(
                        mf,
                        "contenttypes.E004",
                        Severity::Error,
                        format!("'{object_name}.{ct_field}' is not a ForeignKey to 'contenttypes.ContentType'."),
                    )
                    .hint(hint);
                ctx.emit(d);
                return;
            }
            if ctx.pm.django_version >= (6, 0)
                && let Some(on_delete) = field.opt("on_delete")
                && let Resolved::External(q) = &*ctx.resolver.resolve_expr_rc(field.file, on_delete)
                && matches!(
                    q.as_str(),
                    "django.db.models.DB_CASCADE"
                        | "django.db.models.DB_SET_NULL"
                        | "django.db.models.DB_SET_DEFAULT"
                        | "django.db.models.deletion.DB_CASCADE"
                        | "django.db.models.deletion.DB_SET_NULL"
                        | "django.db.models.deletion.DB_SET_DEFAULT"
                )
            {
                let d = ctx
                    .on_field(
                        mf,
                        "contenttypes.E006",
                        Severity::Error,
                        format!("'{object_name}.{ct_field}' cannot use the database-level on_delete variant."),
                    )
                    .hint("Change the on_delete rule to the non-database variant.");
                ctx.emit(d);
            }
        }
    }
}

/// contenttypes.E005.
fn check_model_name_lengths(ctx: &mut Ctx<'_>, models: &[usize]) {
    for &idx in models {
        if ctx.swapped(idx).is_some() {
            continue;
        }
        // The length of the lowercased name (an ASCII name keeps its length).
        let name = &ctx.model(idx).name;
        let n = if name.is_ascii() {
            name.len()
        } else {
            ctx.model(idx).model_name().chars().count()
        };
        if n > 100 {
            let d = ctx.on_model(
                idx,
                "contenttypes.E005",
                Severity::Error,
                format!("Model names must be at most 100 characters (got {n})."),
            );
            ctx.emit(d);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// auth

/// A class attribute of a model class along its MRO, as an expression (with its file).
fn model_class_value<'a>(ctx: &Ctx<'a>, class: ClassId, name: &str) -> Option<ClassAttr<'a>> {
    let r = ctx.class_attr(class, name, &leaf_stop);
    Some(r)
}

fn check_user_model<'a>(ctx: &mut Ctx<'a>, index: &ModelIndex<'a>) {
    let label = ctx.pm.settings.auth_user_model.clone();
    let Some((app, name)) = label.split_once('.') else {
        return;
    };
    let Some(idx) = ctx.pm.get_model(app, name) else {
        return;
    };
    if ctx.model(idx).abstract_ {
        return;
    }
    let class = ctx.model(idx).class;
    let module = ctx.model(idx).module.clone();
    let cls_repr =
        crate::project::join_parts(&["<class '", &module, ".", &ctx.model(idx).name, "'>"]);
    let sval = |ctx: &Ctx<'_>, attr: &str| -> Option<crate::checks::admin::SVal> {
        match model_class_value(ctx, class, attr)? {
            ClassAttr::Found {
                value: crate::checks::admin::AttrValue::Expr(e, file),
                owner,
                ..
            } => Some(ctx.eval(file, e, Some(owner), 0)),
            _ => None,
        }
    };
    let required = sval(ctx, "REQUIRED_FIELDS");
    let username = sval(ctx, "USERNAME_FIELD");
    // auth.E001
    if let Some(req) = &required
        && !matches!(req, SVal::Unknown | SVal::List(_) | SVal::Tuple(_))
    {
        let d = ctx.on_model(
            idx,
            "auth.E001",
            Severity::Error,
            "'REQUIRED_FIELDS' must be a list or tuple.",
        );
        ctx.emit(d);
    }
    // auth.E002
    if let (Some(req), Some(SVal::Str(u))) = (&required, &username) {
        let contains = match req {
            SVal::List(items) | SVal::Tuple(items) => {
                if items.iter().any(|i| matches!(i, SVal::Unknown)) {
                    None
                } else {
                    Some(items.iter().any(|i| matches!(i, SVal::Str(s) if s == u)))
                }
            }
            SVal::Str(s) => Some(s.contains(u.as_str())),
            _ => None,
        };
        if contains == Some(true) {
            let d = ctx
                .on_model(
                    idx,
                    "auth.E002",
                    Severity::Error,
                    "The field named as the 'USERNAME_FIELD' for a custom user model must not be included in 'REQUIRED_FIELDS'.",
                )
                .hint(format!("The 'USERNAME_FIELD' is currently set to '{u}', you should remove '{u}' from the 'REQUIRED_FIELDS'."));
            ctx.emit(d);
        }
    }
    // auth.E003 / auth.W004
    if let Some(SVal::Str(u)) = &username
        && let Some(false) = username_unique(ctx, index, idx, u)
    {
        let object_name = ctx.model(idx).name.clone();
        let backends = ctx.pm.settings.env.names.get("AUTHENTICATION_BACKENDS");
        // Only the default (a list holding ModelBackend) gives E003; a tuple or more backends
        // give W004. An explicit setting cannot tell list from tuple after evaluation.
        let default_only = match backends {
            None => Some(true),
            Some(v) => match &v.value {
                Value::List(items) => {
                    let strs: Vec<Option<&str>> = items.iter().map(|i| i.as_str()).collect();
                    if strs.iter().any(Option::is_none)
                        || strs == [Some("django.contrib.auth.backends.ModelBackend")]
                    {
                        None
                    } else {
                        Some(false)
                    }
                }
                _ => None,
            },
        };
        match default_only {
            Some(true) => {
                let d = ctx.on_model(
                    idx,
                    "auth.E003",
                    Severity::Error,
                    format!("'{object_name}.{u}' must be unique because it is named as the 'USERNAME_FIELD'."),
                );
                ctx.emit(d);
            }
            Some(false) => {
                let d = ctx
                    .on_model(
                        idx,
                        "auth.W004",
                        Severity::Warning,
                        format!("'{object_name}.{u}' is named as the 'USERNAME_FIELD', but it is not unique."),
                    )
                    .hint("Ensure that your authentication backend(s) can handle non-unique usernames.");
                ctx.emit(d);
            }
            None => {}
        }
    }
    // auth.C009 / auth.C010
    for (attr, code) in [
        ("is_anonymous", "auth.C009"),
        ("is_authenticated", "auth.C010"),
    ] {
        if let Some(ClassAttr::Found {
            value:
                crate::checks::admin::AttrValue::Method {
                    property: false,
                    plain: true,
                },
            ..
        }) = model_class_value(ctx, class, attr)
        {
            let d = ctx.on_model(
                idx,
                code,
                Severity::Critical,
                format!("{cls_repr}.{attr} must be an attribute or property rather than a method. Ignoring this is a security issue as anonymous users will be treated as authenticated!"),
            );
            ctx.emit(d);
        }
    }
}

/// Whether the USERNAME_FIELD is unique (by the field or a total UniqueConstraint on it alone).
fn username_unique<'a>(
    ctx: &mut Ctx<'a>,
    index: &ModelIndex<'a>,
    idx: usize,
    name: &str,
) -> Option<bool> {
    let Lookup::Found { info, .. } = index.get_field(ctx, idx, name) else {
        return None;
    };
    match info {
        FInfo::Declared { field, .. } => {
            if !field.options_known() {
                return None;
            }
            if field.flag("unique", false)? || field.flag("primary_key", false)? {
                return Some(true);
            }
        }
        FInfo::AutoPk | FInfo::ParentLink { .. } => return Some(true),
        FInfo::Reverse { .. } => return None,
    }
    let m = ctx.model(idx);
    if m.meta.incomplete {
        return None;
    }
    let Some((constraints, file)) = m.meta.get_with_file("constraints") else {
        return Some(false);
    };
    let items = constraints.as_sequence()?;
    for c in items {
        let ExprKind::Call {
            func,
            args,
            kwargs,
            has_splat,
        } = &c.kind
        else {
            return None;
        };
        if *has_splat {
            return None;
        }
        match &*ctx.resolver.resolve_expr_rc(file, func) {
            Resolved::External(q)
                if q == "django.db.models.UniqueConstraint"
                    || q == "django.db.models.constraints.UniqueConstraint" => {}
            Resolved::External(q) if q.starts_with("django.db.models.") => continue,
            _ => return None,
        }
        if !args.is_empty()
            || kwargs
                .iter()
                .any(|k| k.name == "condition" && !k.value.is_none())
        {
            continue;
        }
        let Some(fields) = kwargs.iter().find(|k| k.name == "fields") else {
            continue;
        };
        let seq = fields.value.as_sequence()?;
        let names: Option<Vec<&str>> = seq.iter().map(Expr::as_str).collect();
        if names? == [name] {
            return Some(true);
        }
    }
    Some(false)
}

/// `camel_case_to_spaces`: Django's default verbose_name.
pub(super) fn camel_case_to_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut prev: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_uppercase() {
            let after_lower = prev.is_some_and(|p| p.is_ascii_lowercase());
            let before_non_upper = chars.peek().is_some_and(|n| !n.is_ascii_uppercase());
            if after_lower || before_non_upper {
                out.push(' ');
            }
        }
        out.push(c);
        prev = Some(c);
    }
    to_lower(out.trim())
}

fn check_models_permissions(ctx: &mut Ctx<'_>, models: &[usize]) {
    const NAME_MAX: usize = 255;
    const CODENAME_MAX: usize = 100;
    for &idx in models {
        if ctx.swapped(idx).is_some() {
            continue;
        }
        let m = ctx.model(idx);
        if m.meta.incomplete {
            continue;
        }
        // Labels are built only for a finding.
        let label = || m.label();
        let model_name = m.model_name();
        let verbose_name = match m.meta.get_with_file("verbose_name") {
            None => Some(camel_case_to_spaces(&m.name)),
            Some((e, f)) => ctx.text_literal(f, e),
        };
        let custom: Vec<&str>;
        let actions: &[&str] = match m.meta.get("default_permissions") {
            None => &["add", "change", "delete", "view"],
            Some(e) => {
                let listed: Option<Vec<&str>> = e
                    .as_sequence()
                    .and_then(|items| items.iter().map(|i| i.as_str()).collect());
                let Some(listed) = listed else {
                    continue;
                };
                custom = listed;
                &custom
            }
        };
        if let Some(vn) = &verbose_name {
            // The length of the longest `Can {action} {verbose_name}`, counted without building it.
            let vn_len = vn.chars().count();
            let max_name = actions
                .iter()
                .map(|a| "Can ".len() + a.chars().count() + 1 + vn_len)
                .max()
                .unwrap_or(0);
            if max_name > NAME_MAX {
                let allowed = NAME_MAX as i64 - (max_name as i64 - vn.chars().count() as i64);
                let d = ctx.on_model(
                    idx,
                    "auth.E007",
                    Severity::Error,
                    format!("The verbose_name of model '{}' must be at most {allowed} characters for its builtin permission names to be at most {NAME_MAX} characters.", label()),
                );
                ctx.emit(d);
            }
        }
        // The longest `{action}_{model_name}`, counted the same way.
        let model_name_len = model_name.chars().count();
        let max_codename = actions
            .iter()
            .map(|a| a.chars().count() + 1 + model_name_len)
            .max()
            .unwrap_or(0);
        if max_codename > CODENAME_MAX {
            let allowed =
                CODENAME_MAX as i64 - (max_codename as i64 - model_name.chars().count() as i64);
            let d = ctx.on_model(
                idx,
                "auth.E011",
                Severity::Error,
                format!("The name of model '{}' must be at most {allowed} characters for its builtin permission codenames to be at most {CODENAME_MAX} characters.", label()),
            );
            ctx.emit(d);
        }
        let Some((perms, pfile)) = m.meta.get_with_file("permissions") else {
            continue;
        };
        let Some(items) = perms.as_sequence() else {
            continue;
        };
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut ok = true;
        for it in items {
            match it.as_sequence() {
                Some([c, n]) => match (c.as_str(), ctx.text_literal(pfile, n)) {
                    (Some(c), Some(n)) => pairs.push((c.to_string(), n)),
                    _ => ok = false,
                },
                _ => ok = false,
            }
        }
        if !ok {
            continue;
        }
        let builtin_codenames: Vec<String> = actions
            .iter()
            .map(|a| crate::project::join_parts(&[a, "_", &model_name]))
            .collect();
        let mut seen: FxHashSet<String> = FxHashSet::default();
        for (codename, name) in pairs {
            if name.chars().count() > NAME_MAX {
                let d = ctx.on_model(
                    idx,
                    "auth.E008",
                    Severity::Error,
                    format!("The permission named '{name}' of model '{}' is longer than {NAME_MAX} characters.", label()),
                );
                ctx.emit(d);
            }
            if codename.chars().count() > CODENAME_MAX {
                let d = ctx.on_model(
                    idx,
                    "auth.E012",
                    Severity::Error,
                    format!("The permission codenamed '{codename}' of model '{}' is longer than {CODENAME_MAX} characters.", label()),
                );
                ctx.emit(d);
            }
            if builtin_codenames.contains(&codename) {
                let d = ctx.on_model(
                    idx,
                    "auth.E005",
                    Severity::Error,
                    format!("The permission codenamed '{codename}' clashes with a builtin permission for model '{}'.", label()),
                );
                ctx.emit(d);
            } else if seen.contains(&codename) {
                let d = ctx.on_model(
                    idx,
                    "auth.E006",
                    Severity::Error,
                    format!(
                        "The permission codenamed '{codename}' is duplicated for model '{}'.",
                        label()
                    ),
                );
                ctx.emit(d);
            }
            seen.insert(codename);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::camel_case_to_spaces;

    #[test]
    fn verbose_names() {
        assert_eq!(camel_case_to_spaces("BookGenre"), "book genre");
        assert_eq!(camel_case_to_spaces("EBook"), "e book");
        assert_eq!(camel_case_to_spaces("URLRecord"), "url record");
        assert_eq!(camel_case_to_spaces("HTTPS"), "https");
    }
}
