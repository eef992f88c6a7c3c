//! Django's model checks (`models.E*`/`models.W*`), from `Model.check()` and `check_all_models`.
//!
//! Django runs `Model.check()` on every registered, non-swapped model (proxies and unmanaged
//! models included). Most of these checks need the model's field list as Django builds it: the
//! implicit `id`, the `<parent>_ptr` links of multi-table inheritance, fields copied from abstract
//! parents, the fields of concrete parents and the reverse relations other models point at it.
//! This module rebuilds that list (a [`Shape`] per model, plus an index of reverse relations) and
//! stays silent wherever a piece of it cannot be known statically.
//!
//! Checks Django runs against a database (`models.E018`/`E019`, `E041`, the backend-feature
//! warnings `W036`-`W047`, and in Django 6 the index and constraint checks) run only for Django 6
//! projects: since Django 6.0 `manage.py check` passes every configured database, while 5.2 passes
//! none unless `--database` is given. djsa judges them for one `default` database whose backend it
//! knows (SQLite, PostgreSQL, Oracle, the dummy backend; MySQL only where the server flavour does
//! not matter), and never with `DATABASE_ROUTERS`.
//!
//! Not reported: `models.E001`/`E002` (a swapped model's target is missing) cannot fire in
//! `manage.py check`, since `apps.get_models()` leaves swapped models out; `models.E020` (a `check`
//! that is not a classmethod) prints the function's repr with its memory address, which djsa
//! cannot reproduce; `models.W027` needs a backend without check constraints, which none is.
//! Models that override `check` are left alone: what their `check` returns is their own.

use std::borrow::Cow;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::checks::{Ctx, ModelField, Target};
use crate::db::{Db, Project, SourceFile};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fields::FieldKind;
use crate::project::{Field, Parent, lower_joined, to_lower};
use crate::resolve::{Resolved, Resolver};
use crate::span::Span;
use crate::syntax::{Expr, ExprKind, Stmt};

/// `Model.check()` for the given models (one app's, `app`).
pub(super) fn check_models(ctx: &mut Ctx<'_>, app: &str, models: &[usize]) {
    let revs = reverse_relations(ctx.db, ctx.project);
    let mut w = World::with_revs(revs);
    // The app's shapes were built for its share of the reverse relations: take them from there.
    let share = app_reverse_relations(ctx.db, ctx.project, app.to_string());
    for (idx, shape) in &share.shapes {
        w.shapes.insert(*idx, shape.clone());
    }
    for &idx in models {
        if ctx.swapped(idx).is_some() || overrides_check(ctx, idx, 0) {
            continue;
        }
        let mut out = Vec::new();
        model_check(ctx, &mut w, idx, &mut out);
        for d in out {
            ctx.emit(d);
        }
    }
}

/// The checks across all models: `db_table` clashes (models.E028) and index and constraint name
/// clashes (models.E029-E032).
pub(super) fn check_across_models(ctx: &mut Ctx<'_>) {
    let models: Vec<usize> = ctx
        .concrete_models()
        .filter(|&i| ctx.swapped(i).is_none())
        .collect();
    check_db_tables(ctx, &models);
    check_index_and_constraint_names(ctx, &models);
}

/// The reverse relations of every concrete model, for `_meta.get_fields()`, in model order.
///
/// Each app's share is its own query ([`app_reverse_relations`]), so an edit re-reads only the
/// apps whose models changed. Neither holds positions: salsa backdates them when the relations
/// stay as they were, and the per-app model checks that read them do not re-run.
#[salsa::tracked(returns(ref))]
pub fn reverse_relations(db: &dyn Db, project: Project) -> Revs {
    let shares =
        crate::checks::view::per_app(db, project, |app| app_reverse_relations(db, project, app));
    let mut found: Vec<&(usize, Rev)> = shares.iter().flat_map(|s| &s.found).collect();
    // Stable: a model's relations keep their field order.
    found.sort_by_key(|(_, r)| r.from);
    let mut w = Revs::default();
    for (on, r) in found {
        w.revs_on.entry(*on).or_default().push(w.revs.len());
        w.revs.push(r.clone());
    }
    w.rev_unknown_any =
        shares.iter().any(|s| s.rev_unknown_any) || hidden_models_possible(db, project);
    w.rev_unknown_on = shares
        .iter()
        .flat_map(|s| s.rev_unknown_on.iter().copied())
        .collect();
    w
}

/// The reverse relations declared by one app's concrete models.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppRevs {
    /// Each relation with the concrete model it is on.
    found: Vec<(usize, Rev)>,
    rev_unknown_any: bool,
    rev_unknown_on: FxHashSet<usize>,
    /// The shape of each of the app's (non-swapped) concrete models, built on the way; the
    /// app's model checks start from them. They hold no positions either.
    shapes: Vec<(usize, Option<Arc<Shape>>)>,
    /// [`Ctx::relation_target`] of the relations of those shapes, by the model they are on and
    /// their declaration (contrib's share of the reverse relations reads them; `ForeignObject`s
    /// are left out, their `to` is read otherwise here).
    targets: FxHashMap<(u32, FieldAt), Target>,
}

impl AppRevs {
    /// [`Ctx::relation_target`] of the relation field at `place` in the `own_fields` of `decl`,
    /// on the model `owner`, if it was resolved here.
    pub(super) fn target(&self, owner: usize, decl: usize, place: usize) -> Option<&Target> {
        let at = FieldAt {
            model: u32::try_from(decl).ok()?,
            place: u32::try_from(place).ok()?,
        };
        self.targets.get(&(u32::try_from(owner).ok()?, at))
    }
}

#[salsa::tracked(returns(ref))]
pub fn app_reverse_relations(db: &dyn Db, project: Project, app: String) -> AppRevs {
    let resolver = Resolver::new(db, project);
    let ctx = Ctx::new(db, project, &resolver);
    let models: Vec<usize> = ctx
        .app_models(&app)
        .into_iter()
        .filter(|&i| ctx.swapped(i).is_none())
        .collect();
    AppRevs::new(&ctx, &models)
}

/// The model (or an abstract parent) defines its own `check`: Django calls it instead of
/// `Model.check`, and what it returns is not known statically.
fn overrides_check(ctx: &Ctx<'_>, idx: usize, depth: u32) -> bool {
    if depth > 30 {
        return true;
    }
    let m = ctx.model(idx);
    if m.members.iter().any(|f| f.name == "check") || m.other_attrs.iter().any(|a| a == "check") {
        return true;
    }
    m.parents.iter().any(|p| match p {
        Parent::Model(p) => overrides_check(ctx, *p, depth + 1),
        _ => false,
    })
}

/// Everything `Model.check()` reports for one model, in Django's order.
fn model_check<'a>(ctx: &Ctx<'a>, w: &mut World<'a>, idx: usize, out: &mut Vec<Diagnostic>) {
    let m = ctx.model(idx);
    // _check_model: a proxy that declares fields.
    if m.proxy {
        let own: Vec<&Field> = m
            .own_fields
            .iter()
            .filter(|f| !is_private_kind(f.kind))
            .collect();
        if own
            .iter()
            .any(|f| !matches!(f.kind, FieldKind::Field | FieldKind::RelatedField))
        {
            let mut d = Diagnostic::new(
                "models.E017",
                Severity::Error,
                format!("Proxy model '{}' contains model fields.", m.name),
            )
            .at(m.file, m.name_span);
            d.object = None;
            out.push(d);
        }
        if !own.is_empty() {
            // Django goes on with a field list djsa does not model (fields on a proxy).
            return;
        }
    }
    check_m2m_through_same_relationship(ctx, w, idx, out);

    // Clash errors hide column name clashes.
    let mut clash: Vec<Diagnostic> = Vec::new();
    let mut clash_unknown = false;
    match check_id_field(ctx, w, idx) {
        Some(v) => clash.extend(v),
        None => clash_unknown = true,
    }
    match check_field_name_clashes(ctx, w, idx) {
        Some(v) => clash.extend(v),
        None => clash_unknown = true,
    }
    check_model_name(ctx, idx, &mut clash);
    match check_property_accessor_clashes(ctx, w, idx) {
        Some(v) => clash.extend(v),
        None => clash_unknown = true,
    }
    match check_single_primary_key(ctx, w, idx) {
        Some(v) => clash.extend(v),
        None => clash_unknown = true,
    }
    let no_clash = clash.is_empty();
    out.extend(clash);
    if no_clash && !clash_unknown {
        check_column_name_clashes(ctx, w, idx, out);
    }
    check_unique_together(ctx, w, idx, out);
    if ctx.pm.django_version < (6, 0) {
        check_indexes_52(ctx, w, idx, out);
    }
    check_ordering(ctx, w, idx, out);
    if ctx.pm.django_version < (6, 0) {
        check_default_pk(ctx, w, idx, out);
    }
    check_composite_pk(ctx, w, idx, out);
    if ctx.pm.django_version >= (6, 0) {
        check_related_fields_on_delete(ctx, w, idx, out);
        check_against_database(ctx, w, idx, out);
    }
}

// ------------------------------------------------------------------------------------------
// The field model: what Django's Options holds for a model.
// ------------------------------------------------------------------------------------------

/// Where a field sits in its model's Options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Slot {
    Local(usize),
    M2m(usize),
    Private(usize),
    /// A reverse relation (index into [`World::revs`]).
    Rev(usize),
}

/// One field object, identified like Django's field instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FRef {
    /// The model whose Options holds the field (for `Rev`, the model it points at).
    model: usize,
    slot: Slot,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Col {
    Known(String),
    /// The column is the field's attname (no `db_column`).
    Attname,
    /// The field has no column (`ForeignObject`, `CompositePrimaryKey`).
    NoColumn,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FKind {
    /// A Django field class (or a subclass that does not change its options).
    Known(FieldKind),
    /// A custom subclass whose `__init__` (or similar) may change anything but its name.
    Opaque(FieldKind),
    /// The implicit `id` primary key.
    AutoPk,
    /// The implicit `<parent>_ptr` one-to-one link to a concrete parent.
    Ptr(usize),
    /// `_order`, added by `order_with_respect_to`.
    OrderWrt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FInfo {
    name: Cow<'static, str>,
    /// The attname when it is not the name (`<name>_id` of a foreign key): see
    /// [`FInfo::attname`].
    attname: Option<Box<str>>,
    column: Col,
    /// `db_column`: `None` when it is not a literal.
    db_column: Option<Option<String>>,
    /// The model the field is attached to (`field.model`).
    owner: usize,
    /// The declaration (see [`FInfo::decl`]).
    decl: Option<FieldAt>,
    kind: FKind,
    /// `primary_key` as declared (`None`: not known).
    primary_key: Option<bool>,
}

/// Where a declared field is: the model whose class body declares it, and its place in that
/// model's `own_fields`. Shapes hold this instead of a reference, so that a per-app query can
/// keep them (see [`AppRevs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FieldAt {
    model: u32,
    place: u32,
}

impl FInfo {
    fn attname(&self) -> &str {
        self.attname.as_deref().unwrap_or(&self.name)
    }
    /// The column, when known.
    fn known_column(&self) -> Option<&str> {
        match &self.column {
            Col::Known(c) => Some(c),
            Col::Attname => Some(self.attname()),
            Col::NoColumn | Col::Unknown => None,
        }
    }
    /// The field's declaration (`None` for the fields Django creates).
    fn decl<'a>(&self, ctx: &Ctx<'a>) -> Option<&'a Field> {
        let at = self.decl?;
        ctx.model(at.model as usize)
            .own_fields
            .get(at.place as usize)
    }
    fn base_kind(&self) -> Option<FieldKind> {
        match self.kind {
            FKind::Known(k) => Some(k),
            FKind::Opaque(k) => Some(k),
            FKind::Ptr(_) => Some(FieldKind::OneToOneField),
            FKind::AutoPk | FKind::OrderWrt => None,
        }
    }
    /// `field.is_relation`; `None` when it depends on a class djsa cannot see into.
    fn is_relation(&self) -> Option<bool> {
        match self.kind {
            FKind::Known(k) => Some(k.is_relation() || k == FieldKind::GenericForeignKey),
            FKind::Opaque(FieldKind::Field | FieldKind::RelatedField) => None,
            FKind::Opaque(k) => Some(k.is_relation() || k == FieldKind::GenericForeignKey),
            FKind::Ptr(_) => Some(true),
            FKind::AutoPk | FKind::OrderWrt => Some(false),
        }
    }
    fn is_m2m(&self) -> Option<bool> {
        match self.kind {
            FKind::Opaque(FieldKind::Field | FieldKind::RelatedField) => None,
            _ => Some(self.base_kind() == Some(FieldKind::ManyToManyField)),
        }
    }
}

/// A model's fields as Django's Options lists them.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    proxy: bool,
    /// `_meta.local_fields`, in creation order.
    local: Vec<FInfo>,
    /// `_meta.local_many_to_many`.
    m2m: Vec<FInfo>,
    /// `_meta.private_fields` (generic relations).
    private: Vec<FInfo>,
    /// `_meta.parents`: concrete parent model and the name of its link field (`None` for proxies).
    parents: Vec<(usize, Option<String>)>,
    /// `_meta.pk` (`None`: not known).
    pk: Option<FRef>,
    /// Every forward field name of the model is known.
    complete: bool,
    /// The creation order of `local` is known.
    ordered: bool,
}

impl Shape {
    /// The forward field in a slot of this shape.
    fn slot(&self, slot: Slot) -> Option<&FInfo> {
        match slot {
            Slot::Local(i) => self.local.get(i),
            Slot::M2m(i) => self.m2m.get(i),
            Slot::Private(i) => self.private.get(i),
            Slot::Rev(_) => None,
        }
    }
}

/// A reverse relation (`ForeignObjectRel`) on a concrete model.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rev {
    /// The model the forward field names (`rel.model`; a proxy stays a proxy).
    to: usize,
    /// `related_query_name()`: the name it is found by.
    name: String,
    hidden: bool,
    many_to_many: bool,
    parent_link: bool,
    /// The model that declares the forward field (where the relation leads).
    from: usize,
}

/// The reverse relations (`ForeignObjectRel`) of the project's concrete models.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Revs {
    revs: Vec<Rev>,
    /// The reverse relations on each concrete model (indices into `revs`).
    revs_on: FxHashMap<usize, Vec<usize>>,
    /// Some model djsa could not read may point anywhere.
    rev_unknown_any: bool,
    /// Models with a reverse relation whose name djsa cannot know.
    rev_unknown_on: FxHashSet<usize>,
}

/// Shapes by model index (`None` inside: the model has none), dense: the checks ask for them
/// in inner loops.
#[derive(Default)]
struct Shapes(Vec<Option<Option<Arc<Shape>>>>);

impl Shapes {
    fn get(&self, idx: usize) -> Option<&Option<Arc<Shape>>> {
        self.0.get(idx)?.as_ref()
    }
    fn insert(&mut self, idx: usize, shape: Option<Arc<Shape>>) {
        if idx >= self.0.len() {
            self.0.resize((idx + 1).next_power_of_two(), None);
        }
        self.0[idx] = Some(shape);
    }
}

struct World<'a> {
    shapes: Shapes,
    revs: &'a Revs,
    /// Facts every shape asks for, worked out once: whether django-modeltranslation is
    /// installed, whether a model or an ancestor has a custom metaclass, whether an app's default
    /// primary key class is an auto field.
    translated: Option<bool>,
    metaclass: FxHashMap<usize, bool>,
    auto_pk: FxHashMap<Option<&'a str>, bool>,
}

impl<'a> World<'a> {
    fn with_revs(revs: &'a Revs) -> Self {
        World {
            shapes: Shapes::default(),
            revs,
            translated: None,
            metaclass: FxHashMap::default(),
            auto_pk: FxHashMap::default(),
        }
    }

    /// django-modeltranslation adds `<field>_<language>` fields to registered models at start-up.
    fn translated(&mut self, ctx: &Ctx<'a>) -> bool {
        *self.translated.get_or_insert_with(|| {
            ctx.pm
                .apps
                .iter()
                .any(|a| a.name == "modeltranslation" || a.name.starts_with("modeltranslation."))
        })
    }

    /// The model or a model ancestor is built by a custom metaclass (django-mptt's
    /// `MPTTModelBase` adds its tree fields that way): its fields are not what the class bodies
    /// say. Remembered per model: abstract bases are shared by many models.
    fn custom_metaclass(&mut self, ctx: &Ctx<'a>, idx: usize, depth: u32) -> bool {
        if depth > 30 {
            return true;
        }
        if let Some(&b) = self.metaclass.get(&idx) {
            return b;
        }
        let m = ctx.model(idx);
        let b = match ctx.class_def(m.class) {
            None => true,
            Some(class) if class.keywords.iter().any(|k| k.name == "metaclass") => true,
            Some(_) => m.parents.iter().any(|p| match p {
                Parent::Model(p) => self.custom_metaclass(ctx, *p, depth + 1),
                _ => false,
            }),
        };
        // A value cut short by the depth limit is not the model's own.
        if depth == 0 || !b {
            self.metaclass.insert(idx, b);
        }
        b
    }

    /// The implicit primary key of a model in this app is an auto field.
    fn auto_pk(&mut self, ctx: &Ctx<'a>, idx: usize) -> bool {
        let app = ctx.model(idx).app_label.as_deref();
        *self.auto_pk.entry(app).or_insert_with(|| {
            let class = ctx.default_pk_class(idx).unwrap_or_default();
            FieldKind::from_django_name(&class).is_some_and(FieldKind::is_auto)
        })
    }
}

impl AppRevs {
    fn new<'a>(ctx: &Ctx<'a>, models: &[usize]) -> Self {
        static NONE: Revs = Revs {
            revs: Vec::new(),
            revs_on: FxHashMap::with_hasher(rustc_hash::FxBuildHasher),
            rev_unknown_any: false,
            rev_unknown_on: FxHashSet::with_hasher(rustc_hash::FxBuildHasher),
        };
        let mut world = World::with_revs(&NONE);
        let mut w = AppRevs::default();
        // Swapped models take no part in the relation tree; auto-created through models only add
        // hidden relations.
        for &idx in models {
            let Some(shape) = world.shape(ctx, idx) else {
                w.rev_unknown_any = true;
                continue;
            };
            if shape.proxy {
                continue;
            }
            let from = ctx.model(idx);
            // The lowercased app label, class name and model name, made on the first relation.
            let mut lower: Option<(String, String, String)> = None;
            for f in shape.local.iter().chain(&shape.m2m).chain(&shape.private) {
                match f.is_relation() {
                    Some(true) => {}
                    Some(false) => continue,
                    None => {
                        w.rev_unknown_any = true;
                        continue;
                    }
                }
                let kind = f.base_kind();
                if kind == Some(FieldKind::GenericForeignKey) {
                    continue;
                }
                // The target.
                let target = match f.kind {
                    FKind::Ptr(p) => Target::Model(p),
                    _ => match (f.decl, f.decl(ctx)) {
                        (Some(at), Some(decl)) => {
                            let t = relation_target(ctx, decl, f.owner);
                            if decl.kind != FieldKind::ForeignObject {
                                w.targets.insert((f.owner as u32, at), t.clone());
                            }
                            t
                        }
                        _ => Target::Unknown,
                    },
                };
                let to = match target {
                    Target::Model(t) => t,
                    Target::Missing { .. } => continue,
                    Target::Unknown => {
                        w.rev_unknown_any = true;
                        continue;
                    }
                };
                let Some(on) = concrete_of(ctx, to) else {
                    w.rev_unknown_any = true;
                    continue;
                };
                if matches!(f.kind, FKind::Opaque(_)) {
                    // Its `related_name` may be anything.
                    w.rev_unknown_on.insert(on);
                    continue;
                }
                let (app_lower, class_lower, model_name) = &*lower.get_or_insert_with(|| {
                    (
                        to_lower(from.app_label.as_deref().unwrap_or_default()),
                        to_lower(&from.name),
                        from.model_name(),
                    )
                });
                let str_opt = |name: &str| -> Option<Option<String>> {
                    match f.decl(ctx).and_then(|d| d.opt(name)) {
                        None => Some(None),
                        Some(e) if e.is_none() => Some(None),
                        Some(e) => e.as_str().map(|s| Some(s.to_string())),
                    }
                };
                let (Some(related_name), Some(rqn)) =
                    (str_opt("related_name"), str_opt("related_query_name"))
                else {
                    w.rev_unknown_on.insert(on);
                    continue;
                };
                let m2m = kind == Some(FieldKind::ManyToManyField);
                let is_generic = kind == Some(FieldKind::GenericRelation);
                let mut related_name = related_name.filter(|s| !s.is_empty());
                if is_generic {
                    // GenericRel(related_name=related_query_name or "+").
                    related_name = Some(rqn.clone().unwrap_or_else(|| "+".into()));
                } else {
                    if m2m {
                        let symmetrical = match f.decl(ctx).and_then(|d| d.opt("symmetrical")) {
                            None => Some(
                                f.decl(ctx).and_then(|d| d.opt("to")).and_then(Expr::as_str)
                                    == Some("self"),
                            ),
                            Some(e) => e.as_bool(),
                        };
                        let to_self = f
                            .decl(ctx)
                            .and_then(|d| d.opt("to"))
                            .and_then(|e| e.as_str().or(e.as_name()));
                        let Some(symmetrical) = symmetrical else {
                            w.rev_unknown_on.insert(on);
                            continue;
                        };
                        if symmetrical
                            && matches!(to_self, Some(s) if s == "self" || s == from.name)
                        {
                            related_name = Some(format!("{}_rel_+", f.name));
                        } else if related_name.as_deref().is_some_and(|r| r.ends_with('+')) {
                            related_name = Some(format!("_{app_lower}_{class_lower}_{}_+", f.name));
                        }
                    }
                    if related_name.is_none() {
                        match from.meta.get("default_related_name") {
                            None => {}
                            Some(e) if e.is_none() => {}
                            Some(e) => match e.as_str() {
                                Some(s) if !s.is_empty() => related_name = Some(s.to_string()),
                                Some(_) => {}
                                None => {
                                    w.rev_unknown_on.insert(on);
                                    continue;
                                }
                            },
                        }
                    }
                    if let Some(r) = &related_name {
                        match py_format(
                            r,
                            &[
                                ("class", class_lower),
                                ("model_name", model_name),
                                ("app_label", app_lower),
                            ],
                        ) {
                            Some(s) => related_name = Some(s),
                            None => {
                                w.rev_unknown_on.insert(on);
                                continue;
                            }
                        }
                    }
                }
                let rqn = match rqn.filter(|s| !s.is_empty()) {
                    Some(q) if !is_generic => {
                        match py_format(&q, &[("class", class_lower), ("app_label", app_lower)]) {
                            Some(s) => Some(s),
                            None => {
                                w.rev_unknown_on.insert(on);
                                continue;
                            }
                        }
                    }
                    other => other,
                };
                let hidden = related_name.as_deref().is_some_and(|r| r.ends_with('+'));
                let name = rqn.or(related_name).unwrap_or_else(|| model_name.clone());
                let parent_link = match f.kind {
                    FKind::Ptr(_) => true,
                    _ => f.decl(ctx).and_then(|d| d.flag("parent_link", false)) == Some(true),
                };
                w.found.push((
                    on,
                    Rev {
                        to,
                        name,
                        hidden,
                        many_to_many: m2m,
                        parent_link,
                        from: idx,
                    },
                ));
            }
        }
        // A registered model djsa could not read may declare relations, and so may a model it
        // could not see at all.
        for &idx in models {
            if ctx.incomplete(idx) {
                w.rev_unknown_any = true;
            }
        }
        w.shapes = models
            .iter()
            .map(|&idx| (idx, world.shapes.get(idx).cloned().flatten()))
            .collect();
        w
    }
}

impl<'a> World<'a> {
    fn shape(&mut self, ctx: &Ctx<'a>, idx: usize) -> Option<Arc<Shape>> {
        if let Some(s) = self.shapes.get(idx) {
            return s.clone();
        }
        // Guard against inheritance cycles.
        self.shapes.insert(idx, None);
        let s = self.build_shape(ctx, idx).map(Arc::new);
        self.shapes.insert(idx, s.clone());
        s
    }

    fn build_shape(&mut self, ctx: &Ctx<'a>, idx: usize) -> Option<Shape> {
        let m = ctx.model(idx);
        if !m.registered || m.abstract_ || ctx.incomplete(idx) || self.custom_metaclass(ctx, idx, 0)
        {
            return None;
        }
        if m.proxy {
            if m.own_fields.iter().any(|f| !is_private_kind(f.kind)) {
                return None;
            }
            let c = concrete_of(ctx, idx)?;
            let cs = self.shape(ctx, c)?;
            // Private fields (generic relations) are copied into every subclass.
            let private = cs
                .private
                .iter()
                .map(|f| FInfo {
                    owner: idx,
                    ..f.clone()
                })
                .collect();
            return Some(Shape {
                proxy: true,
                local: Vec::new(),
                m2m: Vec::new(),
                private,
                parents: vec![(c, None)],
                pk: cs.pk,
                complete: cs.complete,
                ordered: true,
            });
        }
        let (decl, ordered) = declared_fields(ctx, idx, 0);
        let mut complete = !self.translated(ctx);
        // Room for `_order` too.
        let mut local: Vec<FInfo> = Vec::with_capacity(decl.len() + 1);
        let mut m2m = Vec::new();
        let mut private = Vec::new();
        for (at, f) in decl {
            if f.has_splat || f.kwargs.iter().any(|k| k.name == "name") {
                complete = false;
            }
            let info = finfo(f, at, idx);
            match info.kind {
                FKind::Known(FieldKind::ManyToManyField)
                | FKind::Opaque(FieldKind::ManyToManyField) => m2m.push(info),
                FKind::Known(FieldKind::GenericForeignKey | FieldKind::GenericRelation)
                | FKind::Opaque(FieldKind::GenericForeignKey | FieldKind::GenericRelation) => {
                    private.push(info)
                }
                _ => local.push(info),
            }
        }
        // Private fields of concrete parents are copied too.
        // Parent links: declared OneToOneFields with parent_link=True.
        let mut links: Vec<(usize, String)> = Vec::new();
        for fi in &local {
            if fi.base_kind() != Some(FieldKind::OneToOneField) {
                continue;
            }
            let decl = fi.decl(ctx)?;
            match decl.flag("parent_link", false) {
                Some(false) => {}
                Some(true) => match ctx.relation_target(ModelField {
                    field: decl,
                    model: idx,
                }) {
                    Target::Model(t) => links.push((concrete_of(ctx, t)?, fi.name.to_string())),
                    _ => return None,
                },
                None => return None,
            }
        }
        let mut parents: Vec<(usize, Option<String>)> = Vec::new();
        let mut ptrs: Vec<FInfo> = Vec::new();
        for p in ctx.concrete_parents(idx) {
            let p = concrete_of(ctx, p)?;
            if parents.iter().any(|(q, _)| *q == p) {
                continue;
            }
            if let Some((_, name)) = links.iter().find(|(t, _)| *t == p) {
                parents.push((p, Some(name.clone())));
            } else {
                let name = lower_joined(&[], &ctx.model(p).name, "_ptr");
                let attname = format!("{name}_id");
                ptrs.push(FInfo {
                    name: Cow::Owned(name.clone()),
                    attname: Some(attname.into()),
                    column: Col::Attname,
                    db_column: Some(None),
                    owner: idx,
                    decl: None,
                    kind: FKind::Ptr(p),
                    primary_key: Some(false),
                });
                parents.push((p, Some(name)));
            }
            let ps = self.shape(ctx, p)?;
            complete &= ps.complete;
            for pf in &ps.private {
                if !private.iter().any(|f| f.name == pf.name) {
                    private.push(FInfo {
                        owner: idx,
                        ..pf.clone()
                    });
                }
            }
        }
        // Auto-created fields get decreasing creation counters: the last created comes first.
        ptrs.reverse();
        // `_order` (order_with_respect_to) is created last.
        match m.meta.get("order_with_respect_to") {
            None => {}
            Some(e) if e.is_none() => {}
            Some(e) if e.as_str().is_some() => local.push(FInfo {
                name: Cow::Borrowed("_order"),
                attname: None,
                column: Col::Attname,
                db_column: Some(None),
                owner: idx,
                decl: None,
                kind: FKind::OrderWrt,
                primary_key: Some(false),
            }),
            Some(_) => return None,
        }
        // The primary key.
        let mut pk_name: Option<String> = None;
        let mut pk_known = true;
        for fi in &local {
            match fi.primary_key {
                Some(true) if pk_name.is_none() => pk_name = Some(fi.name.to_string()),
                Some(_) => {}
                None => pk_known = false,
            }
        }
        if let Some(c) = local
            .iter()
            .rev()
            .find(|f| f.base_kind() == Some(FieldKind::CompositePrimaryKey))
        {
            pk_name = Some(c.name.to_string());
            pk_known = true;
        }
        let mut auto_id = false;
        if pk_known && pk_name.is_none() {
            match parents.first() {
                Some((_, Some(link))) => pk_name = Some(link.clone()),
                Some((_, None)) => pk_known = false,
                None => auto_id = true,
            }
        }
        if !pk_known {
            // An implicit `id` may or may not exist.
            complete = false;
        }
        // The implicit `id`, the parent links, then the declared fields.
        let mut all = Vec::with_capacity(usize::from(auto_id) + ptrs.len() + local.len());
        if auto_id {
            if !self.auto_pk(ctx, idx) {
                complete = false;
            }
            all.push(FInfo {
                name: Cow::Borrowed("id"),
                attname: None,
                column: Col::Attname,
                db_column: Some(None),
                owner: idx,
                decl: None,
                kind: FKind::AutoPk,
                primary_key: Some(true),
            });
            pk_name = Some("id".into());
        }
        all.extend(ptrs);
        all.extend(local);
        let local = all;
        let pk = if pk_known {
            let name = pk_name?;
            // The implicit `id` is first; a declared pk is found by name (first match otherwise).
            let i = if auto_id {
                0
            } else {
                local.iter().position(|f| f.name == name)?
            };
            Some(FRef {
                model: idx,
                slot: Slot::Local(i),
            })
        } else {
            None
        };
        Some(Shape {
            proxy: false,
            local,
            m2m,
            private,
            parents,
            pk,
            complete,
            ordered,
        })
    }

    fn info(&mut self, ctx: &Ctx<'a>, f: FRef) -> Option<FieldView> {
        match f.slot {
            Slot::Rev(i) => {
                let r = self.revs.revs.get(i)?.clone();
                Some(FieldView::Rev(r))
            }
            // A handle on the shared shape: the checks ask for field infos in inner loops, and
            // copying their strings each time cost more than the checks themselves.
            slot => {
                let shape = self.shape(ctx, f.model)?;
                shape.slot(slot)?;
                Some(FieldView::Fwd(FwdInfo { shape, slot }))
            }
        }
    }

    /// The forward field `f` has this name or attname (what `info` would say, without a copy).
    fn fwd_named(&mut self, ctx: &Ctx<'a>, f: FRef, name: &str) -> bool {
        if matches!(f.slot, Slot::Rev(_)) {
            return false;
        }
        let Some(shape) = self.shape(ctx, f.model) else {
            return false;
        };
        let info = match f.slot {
            Slot::Local(i) => shape.local.get(i),
            Slot::M2m(i) => shape.m2m.get(i),
            Slot::Private(i) => shape.private.get(i),
            Slot::Rev(_) => None,
        };
        info.is_some_and(|i| i.name == name || i.attname() == name)
    }

    /// `Options._get_fields()`, in Django's order (its keyword arguments, one parameter each).
    #[allow(clippy::too_many_arguments)]
    fn get_fields(
        &mut self,
        ctx: &Ctx<'a>,
        idx: usize,
        forward: bool,
        reverse: bool,
        include_hidden: bool,
        topmost: bool,
        depth: u32,
    ) -> Option<Vec<FRef>> {
        if depth > 30 {
            return None;
        }
        let shape = self.shape(ctx, idx)?;
        let concrete = concrete_of(ctx, idx)?;
        let mut out: Vec<FRef> = Vec::new();
        let mut seen: FxHashSet<FRef> = FxHashSet::default();
        for (p, _) in &shape.parents {
            let pf =
                self.get_fields(ctx, *p, forward, reverse, include_hidden, false, depth + 1)?;
            for f in pf {
                let keep = match f.slot {
                    Slot::Rev(i) => {
                        let r = &self.revs.revs[i];
                        !r.parent_link || concrete_of(ctx, r.to) == Some(concrete)
                    }
                    _ => true,
                };
                if keep && seen.insert(f) {
                    out.push(f);
                }
            }
        }
        if reverse && !shape.proxy {
            for &i in self
                .revs
                .revs_on
                .get(&idx)
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                if include_hidden || !self.revs.revs[i].hidden {
                    out.push(FRef {
                        model: idx,
                        slot: Slot::Rev(i),
                    });
                }
            }
        }
        if forward {
            out.extend((0..shape.local.len()).map(|i| FRef {
                model: idx,
                slot: Slot::Local(i),
            }));
            out.extend((0..shape.m2m.len()).map(|i| FRef {
                model: idx,
                slot: Slot::M2m(i),
            }));
            if topmost {
                out.extend((0..shape.private.len()).map(|i| FRef {
                    model: idx,
                    slot: Slot::Private(i),
                }));
            }
        }
        Some(out)
    }

    /// Every forward name of the model and its parents is known.
    fn names_complete(&mut self, ctx: &Ctx<'a>, idx: usize, depth: u32) -> bool {
        if depth > 30 {
            return false;
        }
        let Some(s) = self.shape(ctx, idx) else {
            return false;
        };
        s.complete
            && s.parents
                .iter()
                .all(|(p, _)| self.names_complete(ctx, *p, depth + 1))
    }

    /// Every reverse relation pointing at the model or its parents is known.
    fn reverse_complete(&mut self, ctx: &Ctx<'a>, idx: usize, depth: u32) -> bool {
        if self.revs.rev_unknown_any || depth > 30 {
            return false;
        }
        let Some(c) = concrete_of(ctx, idx) else {
            return false;
        };
        if self.revs.rev_unknown_on.contains(&c) {
            return false;
        }
        let Some(s) = self.shape(ctx, idx) else {
            return false;
        };
        s.parents
            .iter()
            .all(|(p, _)| self.reverse_complete(ctx, *p, depth + 1))
    }

    /// `Options.get_field(name)`: forward fields by name or attname, then reverse ones.
    fn get_field(&mut self, ctx: &Ctx<'a>, idx: usize, name: &str) -> Lookup {
        let Some(fwd) = self.get_fields(ctx, idx, true, false, false, true, 0) else {
            return Lookup::Unknown;
        };
        let mut found = None;
        for f in fwd {
            if self.fwd_named(ctx, f, name) {
                found = Some(f);
            }
        }
        if let Some(f) = found {
            return Lookup::Found(f);
        }
        if !self.names_complete(ctx, idx, 0) {
            return Lookup::Unknown;
        }
        let Some(rev) = self.get_fields(ctx, idx, false, true, true, true, 0) else {
            return Lookup::Unknown;
        };
        let mut found = None;
        for f in rev {
            if let Slot::Rev(i) = f.slot
                && self.revs.revs[i].name == name
            {
                found = Some(f);
            }
        }
        if let Some(f) = found {
            return Lookup::Found(f);
        }
        if !self.reverse_complete(ctx, idx, 0) {
            return Lookup::Unknown;
        }
        Lookup::Missing
    }

    /// `Options.all_parents`: direct parents, then their ancestors, without repeats.
    fn all_parents(&mut self, ctx: &Ctx<'a>, idx: usize, depth: u32) -> Option<Vec<usize>> {
        if depth > 30 {
            return None;
        }
        let s = self.shape(ctx, idx)?;
        let mut out: Vec<usize> = s.parents.iter().map(|(p, _)| *p).collect();
        for (p, _) in &s.parents {
            for a in self.all_parents(ctx, *p, depth + 1)? {
                if !out.contains(&a) {
                    out.push(a);
                }
            }
        }
        Some(out)
    }

    /// The model a relation field leads to (`path_infos[-1].to_opts.model`).
    fn related_model(&mut self, ctx: &Ctx<'a>, f: FRef) -> Option<usize> {
        match self.info(ctx, f)? {
            FieldView::Rev(r) => Some(r.from),
            FieldView::Fwd(i) => match i.kind {
                FKind::Ptr(p) => Some(p),
                FKind::Known(k) | FKind::Opaque(k)
                    if k.is_relation() && k != FieldKind::RelatedField =>
                {
                    match relation_target(ctx, i.decl(ctx)?, i.owner) {
                        Target::Model(t) => Some(t),
                        _ => None,
                    }
                }
                _ => None,
            },
        }
    }
}

#[derive(Debug, Clone)]
enum FieldView {
    Fwd(FwdInfo),
    Rev(Rev),
}

/// A forward field's [`FInfo`], read in place in its model's shape.
#[derive(Debug, Clone)]
struct FwdInfo {
    shape: Arc<Shape>,
    /// Checked to hold a field when the handle is made.
    slot: Slot,
}

impl std::ops::Deref for FwdInfo {
    type Target = FInfo;
    fn deref(&self) -> &FInfo {
        match self.shape.slot(self.slot) {
            Some(f) => f,
            None => unreachable!("FwdInfo is only made for a slot its shape holds"),
        }
    }
}

impl FieldView {
    fn name(&self) -> &str {
        match self {
            FieldView::Fwd(f) => &f.name,
            FieldView::Rev(r) => &r.name,
        }
    }
    /// `field.model` (for a reverse relation: the model it is attached to).
    fn model(&self) -> usize {
        match self {
            FieldView::Fwd(f) => f.owner,
            FieldView::Rev(r) => r.to,
        }
    }
}

enum Lookup {
    Found(FRef),
    Missing,
    Unknown,
}

/// `to` of a relation field, as seen from the model it is attached to (`ForeignObject` takes it
/// positionally first, unlike the parameter list djsa keeps for it).
fn relation_target(ctx: &Ctx<'_>, decl: &Field, model: usize) -> Target {
    if decl.kind == FieldKind::ForeignObject {
        let to = decl
            .kwargs
            .iter()
            .find(|k| k.name == "to")
            .map(|k| &k.value)
            .or_else(|| decl.args.first());
        return match to {
            Some(to) => ctx.model_reference(to, decl.file, model),
            None => Target::Unknown,
        };
    }
    ctx.relation_target(ModelField { field: decl, model })
}

/// Some installed app may define models djsa does not see: an app it could not load, or a class
/// in a models file whose bases it cannot resolve (a model built on a package that is not in the
/// environment djsa reads).
#[salsa::tracked(returns(copy))]
fn hidden_models_possible(db: &dyn Db, project: Project) -> bool {
    let resolver = Resolver::new(db, project);
    let ctx = &Ctx::new(db, project, &resolver);
    let listed = ctx.pm.settings.installed_apps.as_ref().map_or(0, Vec::len);
    if listed != ctx.pm.apps.len() {
        return true;
    }
    if ctx
        .pm
        .apps
        .iter()
        .any(|a| ctx.app_has_unknown_models(&a.label))
    {
        return true;
    }
    let mut files: Vec<SourceFile> = Vec::new();
    for m in ctx.pm.models.iter() {
        if m.registered && !files.contains(&m.file) {
            files.push(m.file);
        }
    }
    const KNOWN: &[&str] = &[
        "django.",
        "builtins.",
        "typing.",
        "enum.",
        "abc.",
        "collections.",
        "dataclasses.",
        "datetime.",
        "decimal.",
        "uuid.",
    ];
    for f in files {
        for class in crate::resolve::module_classes(ctx.db, f) {
            for b in &class.bases {
                match &*ctx.resolver.resolve_expr_rc(f, b) {
                    Resolved::Class(_) => {}
                    Resolved::External(q) if KNOWN.iter().any(|k| q.starts_with(k)) => {}
                    _ => return true,
                }
            }
        }
    }
    false
}

fn is_private_kind(k: FieldKind) -> bool {
    matches!(k, FieldKind::GenericForeignKey | FieldKind::GenericRelation)
}

fn finfo(f: &Field, at: FieldAt, owner: usize) -> FInfo {
    let opaque = f.custom.as_ref().is_some_and(|c| c.opaque)
        || matches!(f.kind, FieldKind::Field | FieldKind::RelatedField);
    let kind = if opaque {
        FKind::Opaque(f.kind)
    } else {
        FKind::Known(f.kind)
    };
    let fk = matches!(f.kind, FieldKind::ForeignKey | FieldKind::OneToOneField);
    let attname = fk.then(|| {
        let mut a = String::with_capacity(f.name.len() + 3);
        a.push_str(&f.name);
        a.push_str("_id");
        a.into_boxed_str()
    });
    let db_column = match f.opt("db_column") {
        None => Some(None),
        Some(e) if e.is_none() => Some(None),
        Some(e) => e.as_str().map(|s| Some(s.to_string())),
    };
    let column = if opaque || f.has_splat {
        Col::Unknown
    } else if matches!(
        f.kind,
        FieldKind::ForeignObject | FieldKind::CompositePrimaryKey
    ) {
        Col::NoColumn
    } else {
        match &db_column {
            Some(Some(c)) => Col::Known(c.clone()),
            Some(None) => Col::Attname,
            None => Col::Unknown,
        }
    };
    let primary_key = if f.kind == FieldKind::CompositePrimaryKey {
        Some(true)
    } else if f.has_splat {
        None
    } else if opaque {
        match f.opt("primary_key") {
            Some(e) => e.as_bool(),
            None if f.kind.is_relation() || is_private_kind(f.kind) => Some(false),
            None => None,
        }
    } else {
        f.flag("primary_key", false)
    };
    FInfo {
        name: Cow::Owned(f.name.clone()),
        attname,
        column,
        db_column,
        owner,
        decl: Some(at),
        kind,
        primary_key,
    }
}

/// The concrete model behind a proxy (the model itself otherwise).
fn concrete_of(ctx: &Ctx<'_>, idx: usize) -> Option<usize> {
    let mut cur = idx;
    for _ in 0..30 {
        let m = ctx.model(cur);
        if !m.proxy {
            return Some(cur);
        }
        cur = *ctx.concrete_parents(cur).first()?;
    }
    None
}

/// Fields a concrete class gets from its own body and its abstract ancestors, in creation order;
/// and whether that order is known. Each field comes with where it is declared.
fn declared_fields<'a>(ctx: &Ctx<'a>, idx: usize, depth: u32) -> (Vec<(FieldAt, &'a Field)>, bool) {
    if depth > 30 {
        return (Vec::new(), false);
    }
    let m = ctx.model(idx);
    let own = || {
        m.own_fields.iter().enumerate().map(move |(place, f)| {
            (
                FieldAt {
                    model: idx as u32,
                    place: place as u32,
                },
                f,
            )
        })
    };
    if !m.parents.iter().any(|p| matches!(p, Parent::Model(_))) {
        // Nothing inherited: the class body's fields, in order.
        return (own().collect(), true);
    }
    // Names an inherited field cannot take: the class body's own names, then those inherited
    // before it. Looked up on demand (few fields are inherited).
    let mut taken: Vec<&str> = Vec::new();
    let blocked = |taken: &[&str], name: &str| {
        m.own_fields.iter().any(|f| f.name == name)
            || m.other_attrs.iter().any(|a| a == name)
            || m.members.iter().any(|mem| mem.name == name)
            || taken.contains(&name)
    };
    let mut inherited: Vec<(FieldAt, &'a Field)> = Vec::new();
    let mut ordered = true;
    for p in &m.parents {
        let Parent::Model(pidx) = p else { continue };
        let pm = ctx.model(*pidx);
        if pm.abstract_ {
            let (pf, po) = declared_fields(ctx, *pidx, depth + 1);
            ordered &= po;
            for (at, f) in pf {
                if !blocked(&taken, &f.name) {
                    taken.push(&f.name);
                    inherited.push((at, f));
                }
            }
        } else {
            // Fields of a concrete parent are inherited attributes: later abstract bases do not
            // add fields of those names.
            let (pf, _) = declared_fields(ctx, *pidx, depth + 1);
            taken.extend(pf.iter().map(|(_, f)| f.name.as_str()));
        }
    }
    // Creation order: a class body runs after its bases exist, so ancestors' fields come first;
    // unrelated bases are ordered only when they share a file.
    let declaring: Vec<usize> = {
        let mut v: Vec<usize> = inherited
            .iter()
            .filter_map(|(_, f)| ctx.declaring(f))
            .collect();
        v.dedup();
        v
    };
    let mut uniq: Vec<usize> = Vec::new();
    for d in declaring {
        if !uniq.contains(&d) {
            uniq.push(d);
        }
    }
    if uniq.len() > 1 {
        for (i, &a) in uniq.iter().enumerate() {
            for &b in &uniq[i + 1..] {
                if class_order(ctx, a, b).is_none() {
                    ordered = false;
                }
            }
        }
        if ordered {
            inherited.sort_by(|(_, x), (_, y)| {
                if x.declared_in == y.declared_in {
                    x.span.start.cmp(&y.span.start)
                } else {
                    match (ctx.declaring(x), ctx.declaring(y)) {
                        (Some(a), Some(b)) => class_order(ctx, a, b),
                        _ => None,
                    }
                    .unwrap_or(std::cmp::Ordering::Equal)
                }
            });
        }
    } else {
        inherited.sort_by_key(|(_, f)| f.span.start);
    }
    let mut out = inherited;
    out.extend(own());
    (out, ordered)
}

/// Which of two classes ran its body first, when that is known.
fn class_order(ctx: &Ctx<'_>, a: usize, b: usize) -> Option<std::cmp::Ordering> {
    if a == b {
        return Some(std::cmp::Ordering::Equal);
    }
    if is_ancestor(ctx, a, b, 0) {
        return Some(std::cmp::Ordering::Less);
    }
    if is_ancestor(ctx, b, a, 0) {
        return Some(std::cmp::Ordering::Greater);
    }
    let (ma, mb) = (ctx.model(a), ctx.model(b));
    if ma.file == mb.file {
        return Some(ma.span.start.cmp(&mb.span.start));
    }
    None
}

fn is_ancestor(ctx: &Ctx<'_>, anc: usize, of: usize, depth: u32) -> bool {
    if depth > 30 {
        return false;
    }
    ctx.model(of).parents.iter().any(|p| match p {
        Parent::Model(p) => *p == anc || is_ancestor(ctx, anc, *p, depth + 1),
        _ => false,
    })
}

// ------------------------------------------------------------------------------------------
// Model.check() pieces.
// ------------------------------------------------------------------------------------------

/// Where a finding points when it is about one entry of a Meta option (an index, a constraint, an
/// ordering element). Django's object stays the model.
type Loc = Option<(SourceFile, Span)>;

fn place(mut d: Diagnostic, loc: Loc) -> Diagnostic {
    if let Some((file, span)) = loc {
        d.file = Some(file);
        d.span = span;
    }
    d
}

/// The span of `part` (at byte `offset` of the string's value) inside a plain string literal;
/// the whole literal when its source is not the plain quoted value.
///
/// A literal's source is exactly its value in quotes when it is two bytes longer than the value:
/// a prefix, triple quotes, an escape sequence (always longer in source than the character it
/// stands for) or implicit concatenation all make the source longer still. Deciding it from the
/// lengths keeps the checks off the file's text, so an edit that leaves the syntax as it was (a
/// comment) does not re-run them.
fn str_part_span(e: &Expr, offset: usize, len: usize) -> Span {
    let Some(s) = e.as_str() else { return e.span };
    if e.span.len() as usize != s.len() + 2 {
        return e.span;
    }
    let start = e.span.start + 1 + offset as u32;
    Span::new(start, start + len as u32)
}

/// Where a field is declared (implicit fields: nowhere of their own).
fn field_loc(ctx: &Ctx<'_>, f: &FInfo) -> Loc {
    f.decl(ctx).map(|decl| {
        ctx.field_location(ModelField {
            field: decl,
            model: f.owner,
        })
    })
}

fn model_diag(ctx: &Ctx<'_>, idx: usize, code: &str, msg: String) -> Diagnostic {
    ctx.on_model(idx, code, Severity::Error, msg)
}

/// A diagnostic whose object is a field (implicit fields point at the model's name).
fn field_diag(ctx: &Ctx<'_>, f: &FInfo, code: &str, msg: String) -> Diagnostic {
    match f.decl(ctx) {
        Some(decl) => ctx.on_field(
            ModelField {
                field: decl,
                model: f.owner,
            },
            code,
            Severity::Error,
            msg,
        ),
        None => {
            let m = ctx.model(f.owner);
            Diagnostic::new(code, Severity::Error, msg)
                .at(m.file, m.name_span)
                .object(format!("{}.{}", m.label(), f.name))
        }
    }
}

/// models.E003.
fn check_m2m_through_same_relationship<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
    out: &mut Vec<Diagnostic>,
) {
    let Some(shape) = w.shape(ctx, idx) else {
        return;
    };
    let mut seen: Vec<(usize, usize, String)> = Vec::new();
    for f in &shape.m2m {
        let (FKind::Known(FieldKind::ManyToManyField), Some(decl)) = (f.kind, f.decl(ctx)) else {
            continue;
        };
        let Target::Model(target) = ctx.relation_target(ModelField {
            field: decl,
            model: idx,
        }) else {
            continue;
        };
        let Some(through) = decl.opt("through") else {
            continue;
        };
        if through.is_none() {
            continue;
        }
        let Target::Model(through) = ctx.model_reference(through, decl.file, idx) else {
            continue;
        };
        let tf = match decl.opt("through_fields") {
            None => "None".to_string(),
            Some(e) => match literal_text(e) {
                Some(t) => t,
                None => continue,
            },
        };
        let sig = (target, through, tf);
        if seen.contains(&sig) {
            let loc = Some(ctx.field_location(ModelField {
                field: decl,
                model: idx,
            }));
            out.push(place(model_diag(
                ctx,
                idx,
                "models.E003",
                format!(
                    "The model has two identical many-to-many relations through the intermediate model '{}'.",
                    ctx.model(through).label()
                ),
            ), loc));
        } else {
            seen.push(sig);
        }
    }
}

/// models.E004. `None` when it cannot be decided.
fn check_id_field<'a>(ctx: &Ctx<'a>, w: &mut World<'a>, idx: usize) -> Option<Vec<Diagnostic>> {
    let shape = w.shape(ctx, idx)?;
    let pk = shape.pk?;
    let pk_name = match w.info(ctx, pk)? {
        FieldView::Fwd(f) => f.name.clone(),
        FieldView::Rev(_) => return None,
    };
    let first = shape.local.iter().enumerate().find(|(i, f)| {
        f.name == "id"
            && FRef {
                model: idx,
                slot: Slot::Local(*i),
            } != pk
    });
    if let Some((_, f)) = first
        && pk_name == "id"
    {
        return match f.primary_key {
            Some(false) => Some(vec![model_diag(
                ctx,
                idx,
                "models.E004",
                "'id' can only be used as a field name if the field also sets 'primary_key=True'."
                    .into(),
            )]),
            Some(true) => Some(Vec::new()),
            None => None,
        };
    }
    Some(Vec::new())
}

/// A tiny dict, as `used_fields` in `_check_field_name_clashes`. Its names are borrowed from the
/// shapes and relations the check holds.
struct Used<'s>(Vec<(&'s str, FRef)>);

impl<'s> Used<'s> {
    fn get(&self, k: &str) -> Option<FRef> {
        self.0.iter().find(|(n, _)| *n == k).map(|(_, f)| *f)
    }
    fn set(&mut self, k: &'s str, f: FRef) {
        match self.0.iter_mut().find(|(n, _)| *n == k) {
            Some(e) => e.1 = f,
            None => self.0.push((k, f)),
        }
    }
}

/// models.E005 / models.E006.
fn check_field_name_clashes<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
) -> Option<Vec<Diagnostic>> {
    let shape = w.shape(ctx, idx)?;
    if !shape.complete || !shape.ordered {
        return None;
    }
    let parents = w.all_parents(ctx, idx, 0)?;
    if !w.names_complete(ctx, idx, 0) {
        return None;
    }
    // The parents' shapes, held while `used` borrows their names.
    let mut pshapes: Vec<Arc<Shape>> = Vec::with_capacity(parents.len());
    for &p in &parents {
        let ps = w.shape(ctx, p)?;
        if !ps.ordered {
            return None;
        }
        pshapes.push(ps);
    }
    let revs: &'a Revs = w.revs;
    let mut errors = Vec::new();
    let mut used = Used(Vec::new());
    for (&p, ps) in parents.iter().zip(&pshapes) {
        for (i, f) in ps.local.iter().enumerate() {
            let me = FRef {
                model: p,
                slot: Slot::Local(i),
            };
            if let Some(c) = used.get(&f.name).or_else(|| used.get(f.attname())) {
                let c = w.info(ctx, c)?;
                errors.push(model_diag(
                    ctx,
                    idx,
                    "models.E005",
                    format!(
                        "The field '{}' from parent model '{}' clashes with the field '{}' from parent model '{}'.",
                        c.name(),
                        ctx.model(c.model()).label_lower(),
                        f.name,
                        ctx.model(f.owner).label_lower()
                    ),
                ));
            }
            used.set(&f.name, me);
            used.set(f.attname(), me);
        }
    }
    if !parents.is_empty() && !parents.iter().all(|&p| w.reverse_complete(ctx, p, 0)) {
        return None;
    }
    for &p in &parents {
        for f in w.get_fields(ctx, p, true, true, false, true, 0)? {
            // The fields of a parent are its own and its ancestors', all among `parents`.
            let name = match f.slot {
                Slot::Rev(i) => revs.revs.get(i).map(|r| r.name.as_str()),
                slot => parents
                    .iter()
                    .position(|&q| q == f.model)
                    .and_then(|j| pshapes[j].slot(slot))
                    .map(|fi| &*fi.name),
            };
            used.set(name?, f);
        }
    }
    for (_, link) in &shape.parents {
        let Some(link) = link else { continue };
        if let Some(c) = used.get(link) {
            let c = w.info(ctx, c)?;
            errors.push(model_diag(
                ctx,
                idx,
                "models.E006",
                format!(
                    "The field '{link}' clashes with the field '{}' from model '{}'.",
                    c.name(),
                    ctx.model(c.model()).label_lower()
                ),
            ));
        }
    }
    for (i, f) in shape.local.iter().enumerate() {
        let me = FRef {
            model: idx,
            slot: Slot::Local(i),
        };
        let clash = used.get(&f.name).or_else(|| used.get(f.attname()));
        if let Some(c) = clash {
            let c = w.info(ctx, c)?;
            let id_conflict = f.name == "id" && c.name() == "id" && c.model() == idx;
            if !id_conflict {
                errors.push(field_diag(
                    ctx,
                    f,
                    "models.E006",
                    format!(
                        "The field '{}' clashes with the field '{}' from model '{}'.",
                        f.name,
                        c.name(),
                        ctx.model(c.model()).label_lower()
                    ),
                ));
            }
        }
        used.set(&f.name, me);
        used.set(f.attname(), me);
    }
    Some(errors)
}

/// models.E023 / models.E024.
fn check_model_name(ctx: &Ctx<'_>, idx: usize, out: &mut Vec<Diagnostic>) {
    let name = ctx.model(idx).name.clone();
    if name.starts_with('_') || name.ends_with('_') {
        out.push(model_diag(
            ctx,
            idx,
            "models.E023",
            format!("The model name '{name}' cannot start or end with an underscore as it collides with the query lookup syntax."),
        ));
    } else if name.contains("__") {
        out.push(model_diag(
            ctx,
            idx,
            "models.E024",
            format!("The model name '{name}' cannot contain double underscores as it collides with the query lookup syntax."),
        ));
    }
}

/// Names of `property` objects a class body defines (not `cached_property`).
fn class_properties(ctx: &Ctx<'_>, idx: usize) -> Option<Vec<String>> {
    let m = ctx.model(idx);
    let class = ctx.class_def(m.class)?;
    let (mut out, names) = body_properties(class);
    // `_property_names` walks the MRO; a name already seen in an earlier class hides later ones.
    // Mixins listed before the first model base come before every model class in the MRO.
    let mut seen: FxHashSet<String> = names.into_iter().collect();
    for f in m.own_fields.iter() {
        seen.insert(f.name.clone());
        seen.insert(format!("{}_id", f.name));
    }
    for b in &class.bases {
        let &Resolved::Class(id) = &*ctx.resolver.resolve_expr_rc(m.class.file, b) else {
            break;
        };
        if ctx.pm.model_by_class(id).is_some() {
            break;
        }
        let Some(mixin) = ctx.class_def(id) else {
            break;
        };
        let (props, names) = body_properties(mixin);
        for p in props {
            if !seen.contains(&p) && !out.contains(&p) {
                out.push(p);
            }
        }
        seen.extend(names);
        if !mixin.bases.is_empty() {
            // Its own bases come next in the MRO; djsa does not follow them.
            break;
        }
    }
    Some(out)
}

/// `property` objects a class body defines (not `cached_property`), and every name it binds.
fn body_properties(class: &crate::syntax::ClassDef) -> (Vec<String>, Vec<String>) {
    let mut props = Vec::new();
    let mut names = Vec::new();
    let is_property = |n: Option<&str>| match n {
        Some(n) => {
            n == "property"
                || n == "builtins.property"
                || n.ends_with(".setter")
                || n.ends_with(".getter")
                || n.ends_with(".deleter")
        }
        None => false,
    };
    for s in &class.body {
        match s {
            Stmt::Function(f) => {
                if f.decorators.iter().any(|d| is_property(d.as_name())) && !props.contains(&f.name)
                {
                    props.push(f.name.clone());
                }
                names.push(f.name.clone());
            }
            Stmt::Assign { targets, value, .. } => {
                for t in targets {
                    if let crate::syntax::Target::Name(n, _) = t {
                        if let ExprKind::Call { func, .. } = &value.kind
                            && is_property(func.as_name())
                            && !props.contains(n)
                        {
                            props.push(n.clone());
                        }
                        names.push(n.clone());
                    }
                }
            }
            Stmt::AnnOnly { target, .. } => names.push(target.clone()),
            Stmt::Class(c) => names.push(c.name.clone()),
            _ => {}
        }
    }
    (props, names)
}

/// models.E025: a property of the class shadows the attname of a relation field inherited from a
/// concrete parent (local fields overwrite the class attribute, so only inherited ones can clash).
fn check_property_accessor_clashes<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
) -> Option<Vec<Diagnostic>> {
    let shape = w.shape(ctx, idx)?;
    if shape.parents.is_empty() {
        return Some(Vec::new());
    }
    let props = class_properties(ctx, idx)?;
    if props.is_empty() {
        return Some(Vec::new());
    }
    let own: FxHashSet<String> = shape
        .local
        .iter()
        .chain(&shape.m2m)
        .chain(&shape.private)
        .flat_map(|f| [f.name.to_string(), f.attname().to_string()])
        .collect();
    let mut errors = Vec::new();
    for f in w.get_fields(ctx, idx, true, false, false, true, 0)? {
        if f.model == idx {
            continue;
        }
        let FieldView::Fwd(fi) = w.info(ctx, f)? else {
            continue;
        };
        match fi.is_relation() {
            Some(true) => {}
            Some(false) => continue,
            None => return None,
        }
        if fi.base_kind() == Some(FieldKind::GenericForeignKey) {
            continue;
        }
        if props.iter().any(|p| p == fi.attname()) && !own.contains(fi.attname()) {
            errors.push(model_diag(
                ctx,
                idx,
                "models.E025",
                format!(
                    "The property '{}' clashes with a related field accessor.",
                    fi.attname()
                ),
            ));
        }
    }
    Some(errors)
}

/// models.E026.
fn check_single_primary_key<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
) -> Option<Vec<Diagnostic>> {
    let shape = w.shape(ctx, idx)?;
    let mut n = 0;
    for f in &shape.local {
        if f.decl.is_none() {
            continue;
        }
        match f.primary_key {
            Some(true) => n += 1,
            Some(false) => {}
            None => return None,
        }
    }
    if n > 1 {
        Some(vec![model_diag(
            ctx,
            idx,
            "models.E026",
            "The model cannot have more than one field with 'primary_key=True'.".into(),
        )])
    } else {
        Some(Vec::new())
    }
}

/// models.E007.
fn check_column_name_clashes<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
    out: &mut Vec<Diagnostic>,
) {
    let Some(shape) = w.shape(ctx, idx) else {
        return;
    };
    if !shape.ordered {
        return;
    }
    // A field whose column is unknown takes no part: every clash between known columns is
    // reported by Django whatever the unknown one is.
    let mut used: Vec<&str> = Vec::new();
    for f in &shape.local {
        let Some(c) = f.known_column() else { continue };
        if used.contains(&c) {
            let mut d = model_diag(
                ctx,
                idx,
                "models.E007",
                format!(
                    "Field '{}' has column name '{c}' that is used by another field.",
                    f.name
                ),
            );
            d.hint = Some("Specify a 'db_column' for the field.".into());
            out.push(place(d, field_loc(ctx, f)));
        } else {
            used.push(c);
        }
    }
}

// ------------------------------------------------------------------------------------------
// unique_together, indexes (5.2) and `_check_local_fields`.
// ------------------------------------------------------------------------------------------

/// models.E010 / E011 and the field references of `unique_together`.
fn check_unique_together<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
    out: &mut Vec<Diagnostic>,
) {
    let m = ctx.model(idx);
    let Some((e, file)) = m.meta.get_with_file("unique_together") else {
        return;
    };
    // normalize_together(): falsy -> (); a list/tuple whose first element is not a list/tuple is
    // one group; otherwise every element becomes a tuple (a non-iterable one makes Django keep the
    // value as it is, which the check then rejects).
    let items = match &e.kind {
        ExprKind::List(v) | ExprKind::Tuple(v) => v,
        _ => {
            match truthy(e) {
                Some(false) | None => return,
                Some(true) => {}
            }
            if matches!(
                e.kind,
                ExprKind::Str(_)
                    | ExprKind::Int(_)
                    | ExprKind::Float(_)
                    | ExprKind::Bool(_)
                    | ExprKind::Set(_)
                    | ExprKind::Dict(_)
            ) {
                out.push(model_diag(
                    ctx,
                    idx,
                    "models.E010",
                    "'unique_together' must be a list or tuple.".into(),
                ));
            }
            return;
        }
    };
    if items.is_empty() || items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_))) {
        return;
    }
    let mut groups: Vec<Vec<(Option<String>, Loc)>> = Vec::new();
    let each = |v: &[Expr]| -> Vec<(Option<String>, Loc)> {
        v.iter()
            .map(|x| (name_of_literal(x), Some((file, x.span))))
            .collect()
    };
    if items[0].as_sequence().is_none() {
        match &items[0].kind {
            ExprKind::Str(_)
            | ExprKind::Int(_)
            | ExprKind::None
            | ExprKind::Bool(_)
            | ExprKind::Float(_) => {}
            _ => return,
        }
        groups.push(each(items));
    } else {
        let mut verbatim = false;
        for it in items {
            match &it.kind {
                ExprKind::List(v) | ExprKind::Tuple(v) => {
                    if v.iter().any(|x| matches!(x.kind, ExprKind::Starred(_))) {
                        return;
                    }
                    groups.push(each(v));
                }
                ExprKind::Str(s) => {
                    groups.push(
                        s.chars()
                            .map(|c| (Some(c.to_string()), Some((file, it.span))))
                            .collect(),
                    );
                }
                ExprKind::Int(_) | ExprKind::None | ExprKind::Bool(_) | ExprKind::Float(_) => {
                    verbatim = true
                }
                _ => return,
            }
        }
        if verbatim || items.iter().any(|i| i.as_sequence().is_none()) {
            out.push(model_diag(
                ctx,
                idx,
                "models.E011",
                "All 'unique_together' elements must be lists or tuples.".into(),
            ));
            return;
        }
    }
    for g in groups {
        let names: Vec<(String, Loc)> = g
            .into_iter()
            .filter_map(|(n, loc)| n.map(|n| (n, loc)))
            .collect();
        check_local_fields(ctx, w, idx, &names, "unique_together", out);
    }
}

/// `str()` of a literal used as a field name (`None` when not a literal djsa can print).
fn name_of_literal(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Str(s) => Some(s.clone()),
        ExprKind::Int(i) => Some(i.to_string()),
        ExprKind::None => Some("None".into()),
        ExprKind::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
        _ => None,
    }
}

/// `Model._check_local_fields(fields, option)`: models.E012 / E013 / E016 / E048 / E049.
fn check_local_fields<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
    names: &[(String, Loc)],
    option: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(fwd) = w.get_fields(ctx, idx, true, false, false, true, 0) else {
        return;
    };
    let complete = w.names_complete(ctx, idx, 0);
    // `get_fields` lists only fields of shapes it has read, so each has its info. The last field
    // with the name (or attname) wins, as in Django's `{name: field}` map.
    let model_name = &ctx.model(idx).name;
    for (name, loc) in names {
        let (name, loc) = (name.as_str(), *loc);
        let Some(f) = fwd
            .iter()
            .rev()
            .copied()
            .find(|&f| w.fwd_named(ctx, f, name))
        else {
            if complete {
                out.push(place(
                    model_diag(
                        ctx,
                        idx,
                        "models.E012",
                        format!("'{option}' refers to the nonexistent field '{name}'."),
                    ),
                    loc,
                ));
            }
            continue;
        };
        let Some(FieldView::Fwd(fi)) = w.info(ctx, f) else {
            continue;
        };
        match fi.is_m2m() {
            None => continue,
            Some(true) => {
                out.push(place(model_diag(
                    ctx,
                    idx,
                    "models.E013",
                    format!("'{option}' refers to a ManyToManyField '{name}', but ManyToManyFields are not permitted in '{option}'."),
                ), loc));
                continue;
            }
            Some(false) => {}
        }
        if fi.base_kind() == Some(FieldKind::CompositePrimaryKey) {
            out.push(place(model_diag(
                ctx,
                idx,
                "models.E048",
                format!(
                    "{} refers to a CompositePrimaryKey {}, but CompositePrimaryKeys are not permitted in {}.",
                    py_repr(option),
                    py_repr(name),
                    py_repr(option)
                ),
            ), loc));
            continue;
        }
        if fi.base_kind() == Some(FieldKind::ForeignObject) {
            if ctx.pm.django_version < (6, 0) {
                // Falls through to the local check below.
            } else {
                match fi.decl(ctx).and_then(|d| {
                    d.kwargs
                        .iter()
                        .find(|k| k.name == "from_fields")
                        .map(|k| &k.value)
                        .or_else(|| d.args.get(2))
                }) {
                    Some(e) => match e.as_sequence() {
                        Some(v) if v.len() > 1 => {
                            out.push(place(model_diag(
                                ctx,
                                idx,
                                "models.E049",
                                format!("{} refers to a ForeignObject {} with multiple 'from_fields', which is not supported for that option.", py_repr(option), py_repr(name)),
                            ), loc));
                            continue;
                        }
                        Some(_) => {}
                        None => continue,
                    },
                    None => continue,
                }
            }
        }
        if matches!(
            fi.kind,
            FKind::Opaque(FieldKind::Field | FieldKind::RelatedField)
        ) {
            continue;
        }
        let local = matches!(f.slot, Slot::Local(_)) && f.model == idx;
        if !local {
            let mut d = model_diag(
                ctx,
                idx,
                "models.E016",
                format!(
                    "'{option}' refers to field '{name}' which is not local to model '{model_name}'."
                ),
            );
            d.hint = Some("This issue may be caused by multi-table inheritance.".into());
            out.push(place(d, loc));
        }
    }
}

/// The Meta list of indexes or constraints of a model, with names interpolated as Django does.
/// `None` when it is not a literal list of calls.
fn meta_objects<'a>(
    ctx: &Ctx<'a>,
    idx: usize,
    attr: &str,
) -> Option<Vec<(&'a Expr, Option<String>)>> {
    let m = ctx.model(idx);
    if m.meta.incomplete {
        return None;
    }
    let Some(e) = m.meta.get(attr) else {
        return Some(Vec::new());
    };
    let items = e.as_sequence()?;
    let app_label = m.app_label.as_deref()?;
    // The lowercased app label and model name, made for the first name that interpolates.
    let mut lower: Option<(String, String)> = None;
    let mut out = Vec::new();
    for it in items {
        let ExprKind::Call { has_splat, .. } = &it.kind else {
            return None;
        };
        if *has_splat {
            return None;
        }
        let name = match it.kwarg("name") {
            None => None,
            Some(n) => {
                let s = n.as_str()?;
                if s.contains('%') {
                    let (app_lower, model_name) =
                        &*lower.get_or_insert_with(|| (to_lower(app_label), m.model_name()));
                    Some(py_format(
                        s,
                        &[("app_label", app_lower), ("class", model_name)],
                    )?)
                } else {
                    Some(s.to_string())
                }
            }
        };
        out.push((it, name));
    }
    Some(out)
}

/// Django 5.2 `_check_indexes` without databases: models.E033 / E034 and the field references.
fn check_indexes_52<'a>(ctx: &Ctx<'a>, w: &mut World<'a>, idx: usize, out: &mut Vec<Diagnostic>) {
    let Some(indexes) = meta_objects(ctx, idx, "indexes") else {
        return;
    };
    let file = ctx.model(idx).meta.get_with_file("indexes").map(|(_, f)| f);
    let mut fields: Vec<(String, Loc)> = Vec::new();
    let mut includes: Vec<(String, Loc)> = Vec::new();
    let mut references: Vec<(String, Loc)> = Vec::new();
    for (call, name) in &indexes {
        let ExprKind::Call { args, .. } = &call.kind else {
            continue;
        };
        // Only Django's own index classes are known to keep the name they are given.
        if !django_class(
            ctx,
            file,
            call,
            &["Index"],
            &["django.contrib.postgres.indexes"],
        ) {
            continue;
        }
        let loc = file.map(|f| (f, call.span));
        if let Some(name) = name.as_deref().filter(|n| !n.is_empty()) {
            index_name_checks(ctx, idx, name, loc, out);
        }
        if let Some(fs) = call.kwarg("fields").and_then(Expr::as_sequence) {
            for x in fs {
                if let (Some(s), Some(f)) = (x.as_str(), file) {
                    fields.push((
                        s.strip_prefix('-').unwrap_or(s).to_string(),
                        Some((f, x.span)),
                    ));
                }
            }
        }
        if let Some(inc) = call.kwarg("include").and_then(Expr::as_sequence) {
            for x in inc {
                if let (Some(s), Some(f)) = (x.as_str(), file) {
                    includes.push((s.to_string(), Some((f, x.span))));
                }
            }
        }
        for a in args {
            for r in expr_references(ctx, file, a, true, 0) {
                let r = r.into_iter().next().unwrap_or_default();
                if !references.iter().any(|(n, _)| *n == r) {
                    references.push((r, loc));
                }
            }
        }
    }
    fields.extend(includes);
    fields.extend(references);
    check_local_fields(ctx, w, idx, &fields, "indexes", out);
}

/// models.E033 / models.E034.
fn index_name_checks(ctx: &Ctx<'_>, idx: usize, name: &str, loc: Loc, out: &mut Vec<Diagnostic>) {
    let first = name.chars().next().unwrap_or('a');
    if first == '_' || first.is_numeric() {
        out.push(place(
            model_diag(
                ctx,
                idx,
                "models.E033",
                format!("The index name '{name}' cannot start with an underscore or a number."),
            ),
            loc,
        ));
    }
    if name.chars().count() > 30 {
        out.push(place(
            model_diag(
                ctx,
                idx,
                "models.E034",
                format!("The index name '{name}' cannot be longer than 30 characters."),
            ),
            loc,
        ));
    }
}

/// Field references of an expression (`Model._get_expr_references`): each a lookup path split
/// on `__`. Only expressions djsa knows are followed; anything else adds nothing (a reference
/// djsa misses can only hide an error, never invent one). `as_f`: a bare string is `F(string)`
/// (an index/constraint expression or a function argument), not a value (in a `Q`).
fn expr_references(
    ctx: &Ctx<'_>,
    file: Option<SourceFile>,
    e: &Expr,
    as_f: bool,
    depth: u32,
) -> Vec<Vec<String>> {
    if depth > 20 {
        return Vec::new();
    }
    let split = |s: &str| s.split("__").map(str::to_string).collect::<Vec<_>>();
    match &e.kind {
        ExprKind::Str(s) if as_f => vec![split(s)],
        ExprKind::BinOp { left, right, .. } => {
            let mut v = expr_references(ctx, file, left, as_f, depth + 1);
            v.extend(expr_references(ctx, file, right, as_f, depth + 1));
            v
        }
        ExprKind::Unary { operand, .. } => expr_references(ctx, file, operand, as_f, depth + 1),
        ExprKind::Call {
            func, args, kwargs, ..
        } => {
            // `F("x").desc()`, `Lower("x").asc()`.
            if let ExprKind::Attribute { value, attr } = &func.kind {
                if matches!(attr.as_str(), "asc" | "desc") {
                    return expr_references(ctx, file, value, true, depth + 1);
                }
                return Vec::new();
            }
            let Some(file) = file else {
                return Vec::new();
            };
            let resolved = ctx.resolver.resolve_expr_rc(file, func);
            let Resolved::External(q) = &*resolved else {
                return Vec::new();
            };
            let name = q.rsplit('.').next().unwrap_or("");
            if !q.starts_with("django.db.models") {
                return Vec::new();
            }
            let all_args = |args: &[Expr]| -> Vec<Vec<String>> {
                args.iter()
                    .flat_map(|a| expr_references(ctx, Some(file), a, true, depth + 1))
                    .collect()
            };
            match name {
                "F" => args
                    .first()
                    .and_then(Expr::as_str)
                    .map(|s| vec![split(s)])
                    .unwrap_or_default(),
                "Q" => {
                    let mut v: Vec<Vec<String>> = Vec::new();
                    for a in args {
                        v.extend(expr_references(ctx, Some(file), a, false, depth + 1));
                    }
                    // Q(**kwargs) children are sorted by lookup.
                    let mut kws: Vec<&crate::syntax::Keyword> = kwargs.iter().collect();
                    kws.sort_by(|a, b| a.name.cmp(&b.name));
                    for k in kws {
                        v.push(split(&k.name));
                        v.extend(expr_references(ctx, Some(file), &k.value, false, depth + 1));
                    }
                    v
                }
                "Value" | "RawSQL" => Vec::new(),
                "Lower" | "Upper" | "Length" | "Abs" | "Trim" | "LTrim" | "RTrim" | "Reverse"
                | "Coalesce" | "Concat" | "Greatest" | "Least" | "OrderBy"
                | "ExpressionWrapper" | "Round" | "Floor" | "Ceil" | "Sign" | "MD5" => {
                    all_args(args)
                }
                "Cast" | "Collate" | "Left" | "Right" | "Substr" | "TruncDate" | "TruncTime" => {
                    all_args(args.get(..1).unwrap_or(&[]))
                }
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// A call to `RawSQL` anywhere in an expression (`condition.flatten()`).
fn contains_raw_sql(ctx: &Ctx<'_>, file: SourceFile, e: &Expr, depth: u32) -> bool {
    if depth > 20 {
        return false;
    }
    match &e.kind {
        ExprKind::Call {
            func, args, kwargs, ..
        } => {
            if let Resolved::External(q) = &*ctx.resolver.resolve_expr_rc(file, func)
                && q.starts_with("django.db.models")
                && q.ends_with(".RawSQL")
            {
                return true;
            }
            args.iter()
                .any(|a| contains_raw_sql(ctx, file, a, depth + 1))
                || kwargs
                    .iter()
                    .any(|k| contains_raw_sql(ctx, file, &k.value, depth + 1))
        }
        ExprKind::BinOp { left, right, .. } => {
            contains_raw_sql(ctx, file, left, depth + 1)
                || contains_raw_sql(ctx, file, right, depth + 1)
        }
        ExprKind::Unary { operand, .. } => contains_raw_sql(ctx, file, operand, depth + 1),
        _ => false,
    }
}

// ------------------------------------------------------------------------------------------
// ordering.
// ------------------------------------------------------------------------------------------

/// What `_meta.ordering` is for a model: its Meta's, or inherited from a concrete parent.
fn effective_ordering<'a>(
    ctx: &Ctx<'a>,
    idx: usize,
    depth: u32,
) -> Option<Option<(&'a Expr, SourceFile)>> {
    if depth > 30 {
        return None;
    }
    let m = ctx.model(idx);
    if m.meta.incomplete {
        return None;
    }
    if let Some(e) = m.meta.get_with_file("ordering") {
        return Some(Some(e));
    }
    // `base_meta`: the first class in the MRO with `_meta`.
    for p in &m.parents {
        match p {
            Parent::Model(p) => {
                let pm = ctx.model(*p);
                if pm.abstract_ {
                    return Some(None);
                }
                return effective_ordering(ctx, *p, depth + 1);
            }
            Parent::Unknown(_) => return None,
            Parent::Base | Parent::Mixin => {}
        }
    }
    Some(None)
}

/// models.E021 / E014 / E015.
fn check_ordering<'a>(ctx: &Ctx<'a>, w: &mut World<'a>, idx: usize, out: &mut Vec<Diagnostic>) {
    let m = ctx.model(idx);
    if m.meta.incomplete {
        return;
    }
    let owrt = match m.meta.get("order_with_respect_to") {
        None => Some(false),
        Some(e) => truthy(e),
    };
    let own_ordering = match m.meta.get("ordering") {
        None => Some(false),
        Some(e) => truthy(e),
    };
    if owrt == Some(true) && own_ordering == Some(true) {
        let loc = m.meta.get_with_file("ordering").map(|(e, f)| (f, e.span));
        out.push(place(
            model_diag(
                ctx,
                idx,
                "models.E021",
                "'ordering' and 'order_with_respect_to' cannot be used together.".into(),
            ),
            loc,
        ));
        return;
    }
    if owrt != Some(false) {
        return;
    }
    let Some(Some((ordering, ofile))) = effective_ordering(ctx, idx, 0) else {
        return;
    };
    let items = match &ordering.kind {
        ExprKind::List(v) | ExprKind::Tuple(v) => v,
        _ => {
            match truthy(ordering) {
                Some(false) => return,
                None => return,
                Some(true) => {}
            }
            if matches!(
                ordering.kind,
                ExprKind::Str(_)
                    | ExprKind::Int(_)
                    | ExprKind::Float(_)
                    | ExprKind::Bool(_)
                    | ExprKind::Set(_)
                    | ExprKind::Dict(_)
            ) {
                out.push(place(
                    model_diag(
                        ctx,
                        idx,
                        "models.E014",
                        "'ordering' must be a tuple or list (even if you want to order by only one field)."
                            .into(),
                    ),
                    Some((ofile, ordering.span)),
                ));
            }
            return;
        }
    };
    if items.is_empty() {
        return;
    }
    // (name without '-', the element, offset of the name in the element's value)
    let mut fields: Vec<(String, &Expr, usize)> = Vec::new();
    let mut related: Vec<(String, &Expr, usize)> = Vec::new();
    for it in items {
        let Some(s) = it.as_str() else { continue };
        if s == "?" {
            continue;
        }
        let (s, off) = match s.strip_prefix('-') {
            Some(rest) => (rest, 1),
            None => (s, 0),
        };
        if s.contains("__") {
            related.push((s.to_string(), it, off));
        } else {
            fields.push((s.to_string(), it, off));
        }
    }
    let postgres = !related.is_empty()
        && ctx
            .pm
            .apps
            .iter()
            .any(|a| a.name == "django.contrib.postgres");
    // Related fields.
    'outer: for (field, elem, off) in &related {
        let mut cls: Option<usize> = Some(idx);
        let mut fld: Option<FRef> = None;
        let mut errors: Vec<Span> = Vec::new();
        let mut pos = *off;
        for part in field.split("__") {
            let part_span = str_part_span(elem, pos, part.len());
            pos += part.len() + 2;
            let step = match cls {
                None => None,
                Some(c) => {
                    if part == "pk" {
                        match w.shape(ctx, c).and_then(|s| s.pk) {
                            Some(pk) => Some(pk),
                            None => continue 'outer,
                        }
                    } else {
                        match w.get_field(ctx, c, part) {
                            Lookup::Found(f) => Some(f),
                            Lookup::Missing => None,
                            Lookup::Unknown => continue 'outer,
                        }
                    }
                }
            };
            match step {
                Some(f) => {
                    fld = Some(f);
                    let rel = match w.info(ctx, f) {
                        Some(FieldView::Rev(_)) => Some(true),
                        Some(FieldView::Fwd(i)) => {
                            if i.base_kind() == Some(FieldKind::GenericForeignKey) {
                                continue 'outer;
                            }
                            i.is_relation()
                        }
                        None => None,
                    };
                    match rel {
                        Some(true) => match w.related_model(ctx, f) {
                            Some(t) => {
                                if w.shape(ctx, t).is_none() {
                                    continue 'outer;
                                }
                                cls = Some(t);
                            }
                            None => continue 'outer,
                        },
                        Some(false) => cls = None,
                        None => continue 'outer,
                    }
                }
                None => {
                    let ok = match fld {
                        None => Some(false),
                        Some(f) => lookup_or_transform(ctx, w, f, part, postgres),
                    };
                    match ok {
                        Some(true) => {}
                        Some(false) => errors.push(part_span),
                        None => continue 'outer,
                    }
                }
            }
        }
        for span in errors {
            out.push(place(
                model_diag(
                    ctx,
                    idx,
                    "models.E015",
                    format!("'ordering' refers to the nonexistent field, related field, or lookup '{field}'."),
                ),
                Some((ofile, span)),
            ));
        }
    }
    // Plain fields.
    let mut plain: Vec<(String, Span)> = Vec::new();
    for (f, elem, off) in fields {
        if f != "pk" && !plain.iter().any(|(p, _)| *p == f) {
            let span = str_part_span(elem, off, f.len());
            plain.push((f, span));
        }
    }
    if plain.is_empty() {
        return;
    }
    if !w.names_complete(ctx, idx, 0) || !w.reverse_complete(ctx, idx, 0) {
        return;
    }
    let Some(all) = w.get_fields(ctx, idx, true, true, true, true, 0) else {
        return;
    };
    // The fields whose names are valid (forward ones by name or attname), read in place.
    let revs: &'a Revs = w.revs;
    let mut valid: Vec<FRef> = Vec::new();
    for f in all {
        match f.slot {
            Slot::Rev(i) => {
                let Some(r) = revs.revs.get(i) else { return };
                // opts.related_objects: visible ones, and hidden many-to-many ones.
                if !r.hidden || r.many_to_many {
                    valid.push(f);
                }
            }
            _ => {
                let Some(FieldView::Fwd(i)) = w.info(ctx, f) else {
                    return;
                };
                // opts.fields: no many-to-many, generic relations or generic foreign keys; a
                // field of unknown kind may be a plain field.
                let excluded = matches!(
                    i.base_kind(),
                    Some(
                        FieldKind::ManyToManyField
                            | FieldKind::GenericRelation
                            | FieldKind::GenericForeignKey
                    )
                );
                if !excluded || i.is_m2m().is_none() {
                    valid.push(f);
                }
            }
        }
    }
    for (f, span) in plain {
        let found = valid.iter().any(|&v| match v.slot {
            Slot::Rev(i) => revs.revs.get(i).is_some_and(|r| r.name == f),
            _ => w.fwd_named(ctx, v, &f),
        });
        if !found {
            out.push(place(
                model_diag(
                    ctx,
                    idx,
                    "models.E015",
                    format!(
                        "'ordering' refers to the nonexistent field, related field, or lookup '{f}'."
                    ),
                ),
                Some((ofile, span)),
            ));
        }
    }
}

/// Whether `field.get_transform(part)` or `field.get_lookup(part)` finds something, for Django's
/// built-in lookups; `None` when the field's lookups are not known.
fn lookup_or_transform<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    f: FRef,
    part: &str,
    postgres: bool,
) -> Option<bool> {
    const COMMON: &[&str] = &[
        "exact",
        "iexact",
        "gt",
        "gte",
        "lt",
        "lte",
        "in",
        "contains",
        "icontains",
        "startswith",
        "istartswith",
        "endswith",
        "iendswith",
        "range",
        "isnull",
        "regex",
        "iregex",
    ];
    const RELATED: &[&str] = &["in", "exact", "lt", "gt", "gte", "lte", "isnull"];
    const DATE: &[&str] = &[
        "year",
        "iso_year",
        "month",
        "day",
        "week",
        "week_day",
        "iso_week_day",
        "quarter",
    ];
    const TIME: &[&str] = &["hour", "minute", "second"];
    let kind = match w.info(ctx, f)? {
        FieldView::Rev(_) => return Some(RELATED.contains(&part)),
        FieldView::Fwd(i) => match i.kind {
            FKind::Known(k) => k,
            FKind::Opaque(_) => return None,
            FKind::Ptr(_) => FieldKind::OneToOneField,
            FKind::AutoPk | FKind::OrderWrt => FieldKind::IntegerField,
        },
    };
    // Transforms projects often register themselves (`CharField.register_lookup(Lower)`).
    const REGISTRABLE: &[&str] = &[
        "lower", "upper", "length", "trim", "ltrim", "rtrim", "abs", "unaccent", "md5", "sha1",
        "sha256", "reverse", "ceil", "floor", "round", "sign", "sqrt", "chr", "ord",
    ];
    if REGISTRABLE.contains(&part) {
        return None;
    }
    use FieldKind::*;
    Some(match kind {
        ForeignKey | OneToOneField | ManyToManyField => RELATED.contains(&part),
        DateField => COMMON.contains(&part) || DATE.contains(&part),
        DateTimeField => {
            COMMON.contains(&part)
                || DATE.contains(&part)
                || TIME.contains(&part)
                || part == "date"
                || part == "time"
        }
        TimeField => COMMON.contains(&part) || TIME.contains(&part),
        CharField | TextField | SlugField | EmailField | URLField if postgres => return None,
        JSONField | HStoreField | ArrayField | RangeField | GeneratedField | Field
        | RelatedField | ForeignObject | GenericRelation | GenericForeignKey
        | CompositePrimaryKey => return None,
        _ => COMMON.contains(&part),
    })
}

// ------------------------------------------------------------------------------------------
// Primary keys.
// ------------------------------------------------------------------------------------------

/// Django 5.2 models.W042: an auto-created primary key while no default is configured.
fn check_default_pk<'a>(ctx: &Ctx<'a>, w: &mut World<'a>, idx: usize, out: &mut Vec<Diagnostic>) {
    if ctx.pm.settings.default_auto_field.is_some()
        || !settings_fully_visible(ctx, "DEFAULT_AUTO_FIELD")
    {
        return;
    }
    let Some(shape) = w.shape(ctx, idx) else {
        return;
    };
    let Some(pk) = shape.pk else { return };
    let Some(FieldView::Fwd(pkf)) = w.info(ctx, pk) else {
        return;
    };
    if pkf.kind != FKind::AutoPk {
        return;
    }
    let m = ctx.model(idx);
    let Some(app) = m.app_label.as_deref().and_then(|l| ctx.pm.app(l)) else {
        return;
    };
    let qualname = match app.config {
        None => "AppConfig".to_string(),
        Some(id) => {
            match config_sets_default_auto_field(ctx, id, 0) {
                Some(false) => {}
                Some(true) | None => return,
            }
            match ctx.class_def(id) {
                Some(c) => c.name.clone(),
                None => return,
            }
        }
    };
    let mut d = ctx.on_model(
        idx,
        "models.W042",
        Severity::Warning,
        "Auto-created primary key used when not defining a primary key type, by default 'django.db.models.AutoField'.",
    );
    d.hint = Some(format!(
        "Configure the DEFAULT_AUTO_FIELD setting or the {qualname}.default_auto_field attribute to point to a subclass of AutoField, e.g. 'django.db.models.BigAutoField'."
    ));
    out.push(d);
}

/// Whether an AppConfig class (or a base other than `AppConfig`) assigns `default_auto_field`.
fn config_sets_default_auto_field(
    ctx: &Ctx<'_>,
    id: crate::resolve::ClassId,
    depth: u32,
) -> Option<bool> {
    if depth > 20 {
        return None;
    }
    let c = ctx.class_def(id)?;
    for s in &c.body {
        match s {
            Stmt::Assign { targets, .. }
                if targets.iter().any(
                    |t| matches!(t, crate::syntax::Target::Name(n, _) if n == "default_auto_field"),
                ) =>
            {
                return Some(true);
            }
            Stmt::Function(f) if f.name == "default_auto_field" => return Some(true),
            Stmt::If { .. } | Stmt::Try { .. } | Stmt::Opaque { .. } => return None,
            _ => {}
        }
    }
    for b in &c.bases {
        match &*ctx.resolver.resolve_expr_rc(id.file, b) {
            Resolved::External(q)
                if q == "django.apps.AppConfig" || q == "django.apps.config.AppConfig" => {}
            &Resolved::Class(p) => {
                if config_sets_default_auto_field(ctx, p, depth + 1)? {
                    return Some(true);
                }
            }
            _ => return None,
        }
    }
    Some(false)
}

/// models.E042: fields of a CompositePrimaryKey.
fn check_composite_pk<'a>(ctx: &Ctx<'a>, w: &mut World<'a>, idx: usize, out: &mut Vec<Diagnostic>) {
    let Some(shape) = w.shape(ctx, idx) else {
        return;
    };
    if shape.proxy {
        return;
    }
    let Some(pk) = shape.pk else { return };
    let Some(FieldView::Fwd(pkf)) = w.info(ctx, pk) else {
        return;
    };
    if pkf.kind != FKind::Known(FieldKind::CompositePrimaryKey) {
        return;
    }
    let Some(decl) = pkf.decl(ctx) else { return };
    let mut names = Vec::new();
    for a in &decl.args {
        match a.as_str() {
            Some(s) => names.push(s.to_string()),
            None => return,
        }
    }
    let mut pending = Vec::new();
    let mut seen_columns: Vec<(String, Vec<String>)> = Vec::new();
    for name in &names {
        let hint = match w.get_field(ctx, idx, name) {
            Lookup::Unknown => return,
            Lookup::Missing => Some(format!("{} is not a valid field.", py_repr(name))),
            Lookup::Found(f) => {
                let Some(FieldView::Fwd(fi)) = w.info(ctx, f) else {
                    return;
                };
                let col = match (&fi.kind, &fi.column) {
                    (FKind::Known(FieldKind::ManyToManyField), _) => {
                        // Django 6 gives a many-to-many field no column; 5.2 gives it one.
                        if ctx.pm.django_version >= (6, 0) {
                            None
                        } else {
                            Some(fi.name.to_string())
                        }
                    }
                    (_, Col::Known(_) | Col::Attname) => fi.known_column().map(str::to_string),
                    (_, Col::NoColumn) => None,
                    (_, Col::Unknown) => return,
                };
                let null = match fi.decl(ctx) {
                    Some(d) if !matches!(fi.kind, FKind::Known(_)) => {
                        let _ = d;
                        return;
                    }
                    Some(d) => match d.flag("null", false) {
                        Some(n) => n,
                        None => return,
                    },
                    None => false,
                };
                let local = matches!(f.slot, Slot::Local(_)) && f.model == idx;
                if col.is_none() {
                    Some(format!("{} field has no column.", py_repr(name)))
                } else if null {
                    Some(format!("{} field may not set 'null=True'.", py_repr(name)))
                } else if fi.base_kind() == Some(FieldKind::GeneratedField) {
                    Some(format!("{} field is a generated field.", py_repr(name)))
                } else if !local {
                    Some(format!("{} field is not a local field.", py_repr(name)))
                } else {
                    let c = col.unwrap_or_default();
                    match seen_columns.iter_mut().find(|(k, _)| *k == c) {
                        Some((_, v)) => v.push(name.clone()),
                        None => seen_columns.push((c, vec![name.clone()])),
                    }
                    None
                }
            }
        };
        if let Some(hint) = hint {
            let mut d = model_diag(
                ctx,
                idx,
                "models.E042",
                format!(
                    "{} cannot be included in the composite primary key.",
                    py_repr(name)
                ),
            );
            d.hint = Some(hint);
            pending.push(d);
        }
    }
    for (_, names) in seen_columns {
        if names.len() > 1 {
            let dups = names[1..]
                .iter()
                .map(|n| py_repr(n))
                .collect::<Vec<_>>()
                .join(", ");
            let mut d = model_diag(
                ctx,
                idx,
                "models.E042",
                format!("{dups} cannot be included in the composite primary key."),
            );
            d.hint = Some(format!(
                "{dups} and {} are the same fields.",
                py_repr(&names[0])
            ));
            pending.push(d);
        }
    }
    out.extend(pending);
}

/// Django 6 models.E050: database-level and Python-level `on_delete` on one model.
fn check_related_fields_on_delete<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
    out: &mut Vec<Diagnostic>,
) {
    let Some(fields) = w.get_fields(ctx, idx, true, false, false, true, 0) else {
        return;
    };
    let mut db = false;
    let mut py = false;
    for f in fields {
        let Some(FieldView::Fwd(fi)) = w.info(ctx, f) else {
            continue;
        };
        let variant = match fi.kind {
            FKind::Ptr(_) => OnDelete::Python,
            FKind::Known(
                FieldKind::ForeignKey | FieldKind::OneToOneField | FieldKind::ForeignObject,
            )
            | FKind::Opaque(FieldKind::ForeignKey | FieldKind::OneToOneField) => {
                let Some(decl) = fi.decl(ctx) else { continue };
                let Some(e) = decl.opt("on_delete") else {
                    continue;
                };
                on_delete_variant(ctx, decl.file, e)
            }
            _ => continue,
        };
        match variant {
            OnDelete::Db => db = true,
            OnDelete::Python => py = true,
            OnDelete::Nothing => {}
            OnDelete::Unknown => return,
        }
        if db && py {
            out.push(model_diag(
                ctx,
                idx,
                "models.E050",
                "The model cannot have related fields with both database-level and Python-level on_delete variants.".into(),
            ));
            return;
        }
    }
}

enum OnDelete {
    Db,
    Python,
    Nothing,
    Unknown,
}

fn on_delete_variant(ctx: &Ctx<'_>, file: SourceFile, e: &Expr) -> OnDelete {
    let func = match &e.kind {
        ExprKind::Call { func, .. } => func.as_ref(),
        _ => e,
    };
    let resolved = ctx.resolver.resolve_expr_rc(file, func);
    let Resolved::External(q) = &*resolved else {
        return OnDelete::Unknown;
    };
    let Some(name) = q
        .strip_prefix("django.db.models.deletion.")
        .or_else(|| q.strip_prefix("django.db.models."))
    else {
        return OnDelete::Unknown;
    };
    match name {
        "DB_CASCADE" | "DB_SET_NULL" | "DB_SET_DEFAULT" => OnDelete::Db,
        "DO_NOTHING" => OnDelete::Nothing,
        "CASCADE" | "PROTECT" | "RESTRICT" | "SET_NULL" | "SET_DEFAULT" | "SET" => OnDelete::Python,
        _ => OnDelete::Unknown,
    }
}

// ------------------------------------------------------------------------------------------
// Checks against the database backend (Django 6: `run_checks` passes every alias by default).
// ------------------------------------------------------------------------------------------

/// A setting missing from what djsa evaluated is really unset: no settings file mentions it or
/// pulls in names djsa cannot follow (a star import, `globals()`).
fn settings_fully_visible(ctx: &Ctx<'_>, name: &str) -> bool {
    let files = &ctx.pm.settings.env.files;
    !files.is_empty()
        && !files.iter().any(|f| {
            f.text(ctx.db).lines().any(|line| {
                let code = line.split('#').next().unwrap_or("");
                code.contains(name) || code.contains("import *") || code.contains("globals()")
            })
        })
}

/// What djsa knows of the one configured database: its alias and the features the model checks
/// ask about (`None`: depends on the server version or the flavour, e.g. MySQL vs MariaDB).
struct Backend {
    alias: String,
    display: Option<&'static str>,
    /// `connection.ops.max_name_length()` unless the backend truncates names.
    max_name_length: Option<usize>,
    partial_indexes: Option<bool>,
    covering_indexes: Option<bool>,
    expression_indexes: Option<bool>,
    deferrable_unique: Option<bool>,
    comments: Option<bool>,
    nulls_distinct: Option<bool>,
}

impl Backend {
    /// The single database Django checks against, when djsa knows it.
    fn configured(ctx: &Ctx<'_>) -> Option<Backend> {
        if ctx.pm.django_version < (6, 0) {
            return None;
        }
        let env = &ctx.pm.settings.env.names;
        // Routers may keep a model off a database (router.allow_migrate_model).
        if env
            .get("DATABASE_ROUTERS")
            .is_some_and(|r| r.truthy() != Some(false))
        {
            return None;
        }
        // No DATABASES (or an empty one): Django uses its dummy backend for 'default'.
        let alias = match env.get("DATABASES") {
            None => {
                if !settings_fully_visible(ctx, "DATABASES") {
                    return None;
                }
                None
            }
            Some(dbs) => {
                let crate::settings::Value::Dict(entries) = &dbs.value else {
                    return None;
                };
                match entries.as_slice() {
                    [] => None,
                    [(alias, _)] => Some(alias.as_str()?.to_string()),
                    _ => return None,
                }
            }
        };
        let engine = ctx.pm.settings.engine.as_deref();
        let dummy = match (&alias, engine) {
            (_, Some(e)) => e.contains("dummy"),
            (None, None) => true,
            (Some(_), None) => return None,
        };
        let alias = alias.unwrap_or_else(|| "default".to_string());
        if alias != "default" {
            return None;
        }
        if dummy {
            return Some(Backend {
                alias,
                display: Some("unknown"),
                max_name_length: None,
                partial_indexes: Some(true),
                covering_indexes: Some(false),
                expression_indexes: Some(true),
                deferrable_unique: Some(false),
                comments: Some(false),
                nulls_distinct: Some(false),
            });
        }
        let vendor = ctx.vendor()?;
        Some(match vendor {
            "sqlite" => Backend {
                alias,
                display: Some("SQLite"),
                max_name_length: None,
                partial_indexes: Some(true),
                covering_indexes: Some(false),
                expression_indexes: Some(true),
                deferrable_unique: Some(false),
                comments: Some(false),
                nulls_distinct: Some(false),
            },
            "postgresql" => Backend {
                alias,
                display: Some("PostgreSQL"),
                max_name_length: Some(63),
                partial_indexes: Some(true),
                covering_indexes: Some(true),
                expression_indexes: Some(true),
                deferrable_unique: Some(true),
                comments: Some(true),
                nulls_distinct: Some(true),
            },
            "mysql" => Backend {
                alias,
                // "MySQL" or "MariaDB", as the server says.
                display: None,
                max_name_length: Some(64),
                partial_indexes: Some(false),
                covering_indexes: Some(false),
                expression_indexes: None,
                deferrable_unique: Some(false),
                comments: Some(true),
                nulls_distinct: Some(false),
            },
            "oracle" => Backend {
                alias,
                display: Some("Oracle"),
                // Oracle truncates long names itself.
                max_name_length: None,
                partial_indexes: Some(false),
                covering_indexes: Some(false),
                expression_indexes: Some(true),
                deferrable_unique: Some(true),
                comments: Some(true),
                nulls_distinct: Some(false),
            },
            _ => return None,
        })
    }

    /// Features a model declares it requires count as present.
    fn require(&mut self, names: &[&str]) {
        for n in names {
            let f = match *n {
                "supports_partial_indexes" => &mut self.partial_indexes,
                "supports_covering_indexes" => &mut self.covering_indexes,
                "supports_expression_indexes" => &mut self.expression_indexes,
                "supports_deferrable_unique_constraints" => &mut self.deferrable_unique,
                "supports_comments" => &mut self.comments,
                "supports_nulls_distinct_unique_constraints" => &mut self.nulls_distinct,
                _ => continue,
            };
            *f = Some(true);
        }
    }

    /// Meta.required_db_features is not a literal: no feature warning can be trusted.
    fn require_unknown(&mut self) {
        self.partial_indexes = None;
        self.covering_indexes = None;
        self.expression_indexes = None;
        self.deferrable_unique = None;
        self.comments = None;
        self.nulls_distinct = None;
    }

    /// A feature warning, when the backend is known to lack the feature.
    fn lacks(&self, feature: Option<bool>) -> Option<&'static str> {
        match feature {
            Some(false) => self.display,
            _ => None,
        }
    }
}

fn warning(ctx: &Ctx<'_>, idx: usize, code: &str, msg: String, hint: &str) -> Diagnostic {
    let mut d = ctx.on_model(idx, code, Severity::Warning, msg);
    d.hint = Some(hint.to_string());
    d
}

/// `_check_long_column_names`, `_check_indexes`, `_check_constraints` and
/// `_check_db_table_comment` for the configured database (Django 6).
fn check_against_database<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
    out: &mut Vec<Diagnostic>,
) {
    // Every model is checked, proxies and unmanaged ones included: `allow_migrate_model()` asks
    // only the routers (and Backend::configured() gives up when there are any).
    let Some(mut db) = Backend::configured(ctx) else {
        return;
    };
    let m = ctx.model(idx);
    if m.meta.incomplete {
        return;
    }
    // A feature named in Meta.required_db_features silences its warning.
    if let Some(e) = m.meta.get("required_db_features") {
        let names: Option<Vec<&str>> = match truthy(e) {
            Some(false) => Some(Vec::new()),
            _ => match &e.kind {
                ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => {
                    v.iter().map(Expr::as_str).collect()
                }
                _ => None,
            },
        };
        match names {
            Some(names) => db.require(&names),
            None => db.require_unknown(),
        }
    }
    check_long_column_names(ctx, w, idx, &db, out);
    check_indexes_61(ctx, w, idx, &db, out);
    check_constraints_61(ctx, w, idx, &db, out);
    if let Some(e) = m.meta.get("db_table_comment")
        && truthy(e) == Some(true)
        && let Some(display) = db.lacks(db.comments)
    {
        out.push(ctx.on_model(
            idx,
            "models.W046",
            Severity::Warning,
            format!("{display} does not support comments on tables (db_table_comment)."),
        ));
    }
}

/// models.E018 / models.E019.
fn check_long_column_names<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
    db: &Backend,
    out: &mut Vec<Diagnostic>,
) {
    let Some(max) = db.max_name_length else {
        return;
    };
    let Some(shape) = w.shape(ctx, idx) else {
        return;
    };
    let too_long = |f: &FInfo| -> Option<String> {
        match (&f.db_column, f.known_column()) {
            (Some(None), Some(c)) if c.chars().count() > max => Some(c.to_string()),
            _ => None,
        }
    };
    for f in &shape.local {
        if let Some(c) = too_long(f) {
            let mut d = model_diag(
                ctx,
                idx,
                "models.E018",
                format!(
                    "Autogenerated column name too long for field \"{c}\". Maximum length is \"{max}\" for database \"{}\".",
                    db.alias
                ),
            );
            d.hint = Some("Set the column name manually using 'db_column'.".into());
            out.push(place(d, field_loc(ctx, f)));
        }
    }
    for f in &shape.m2m {
        let (FKind::Known(FieldKind::ManyToManyField), Some(decl)) = (f.kind, f.decl(ctx)) else {
            continue;
        };
        let columns: Vec<String> = match decl.opt("through").filter(|e| !e.is_none()) {
            Some(through) => {
                let Target::Model(t) = ctx.model_reference(through, decl.file, idx) else {
                    continue;
                };
                let Some(ts) = w.shape(ctx, t) else { continue };
                ts.local.iter().filter_map(too_long).collect()
            }
            None => {
                // The auto-created through model: `id` and one foreign key to each side.
                let Target::Model(t) = ctx.relation_target(ModelField {
                    field: decl,
                    model: idx,
                }) else {
                    continue;
                };
                let from = ctx.model(idx).model_name();
                let to = ctx.model(t).model_name();
                let (from, to) = if from == to {
                    (format!("from_{from}"), format!("to_{to}"))
                } else {
                    (from, to)
                };
                [format!("{from}_id"), format!("{to}_id")]
                    .into_iter()
                    .filter(|c| c.chars().count() > max)
                    .collect()
            }
        };
        for c in columns {
            let mut d = model_diag(
                ctx,
                idx,
                "models.E019",
                format!(
                    "Autogenerated column name too long for M2M field \"{c}\". Maximum length is \"{max}\" for database \"{}\".",
                    db.alias
                ),
            );
            d.hint = Some("Use 'through' to create a separate model for M2M and then set column_name using 'db_column'.".into());
            out.push(place(d, field_loc(ctx, f)));
        }
    }
}

/// Whether a Meta call is one of Django's own classes (index or constraint) of the given names.
fn django_class(
    ctx: &Ctx<'_>,
    file: Option<SourceFile>,
    call: &Expr,
    names: &[&str],
    extra_modules: &[&str],
) -> bool {
    let ExprKind::Call { func, .. } = &call.kind else {
        return false;
    };
    let Some(file) = file else { return false };
    match &*ctx.resolver.resolve_expr_rc(file, func) {
        Resolved::External(q) => {
            let (module, name) = q.rsplit_once('.').unwrap_or(("", q));
            (module.starts_with("django.db.models") && names.contains(&name))
                || extra_modules.contains(&module)
        }
        _ => false,
    }
}

/// Django 6 `Index.check()` for every index of the model.
fn check_indexes_61<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
    db: &Backend,
    out: &mut Vec<Diagnostic>,
) {
    let Some(indexes) = meta_objects(ctx, idx, "indexes") else {
        return;
    };
    if indexes.is_empty() {
        return;
    }
    let file = ctx.model(idx).meta.get_with_file("indexes").map(|(_, f)| f);
    let any_include = indexes
        .iter()
        .any(|(c, _)| c.kwarg("include").is_some_and(|e| truthy(e) == Some(true)));
    let any_expressions = indexes
        .iter()
        .any(|(c, _)| matches!(&c.kind, ExprKind::Call { args, .. } if !args.is_empty()));
    for (call, name) in &indexes {
        if !django_class(
            ctx,
            file,
            call,
            &["Index"],
            &["django.contrib.postgres.indexes"],
        ) {
            continue;
        }
        let ExprKind::Call { args, .. } = &call.kind else {
            continue;
        };
        let loc = file.map(|f| (f, call.span));
        if let Some(name) = name.as_deref().filter(|n| !n.is_empty()) {
            index_name_checks(ctx, idx, name, loc, out);
        }
        let mut names: Vec<String> = Vec::new();
        let mut add = |n: String| {
            if !names.contains(&n) {
                names.push(n);
            }
        };
        if let Some(fs) = call.kwarg("fields").and_then(Expr::as_sequence) {
            for f in fs.iter().filter_map(Expr::as_str) {
                add(f.strip_prefix('-').unwrap_or(f).to_string());
            }
        }
        if let Some(inc) = call.kwarg("include").and_then(Expr::as_sequence) {
            for f in inc.iter().filter_map(Expr::as_str) {
                add(f.to_string());
            }
        }
        for a in args {
            for r in expr_references(ctx, file, a, true, 0) {
                add(r.into_iter().next().unwrap_or_default());
            }
        }
        let names: Vec<(String, Loc)> = names.into_iter().map(|n| (n, loc)).collect();
        check_local_fields(ctx, w, idx, &names, "indexes", out);
        if call.kwarg("condition").is_some_and(|e| !e.is_none())
            && let Some(d) = db.lacks(db.partial_indexes)
        {
            out.push(place(
                warning(
                    ctx,
                    idx,
                    "models.W037",
                    format!("{d} does not support indexes with conditions."),
                    "Conditions will be ignored. Silence this warning if you don't care about it.",
                ),
                loc,
            ));
        }
        if any_include && let Some(d) = db.lacks(db.covering_indexes) {
            out.push(place(warning(
                ctx,
                idx,
                "models.W040",
                format!("{d} does not support indexes with non-key columns."),
                "Non-key columns will be ignored. Silence this warning if you don't care about it.",
            ), loc));
        }
        if any_expressions && let Some(d) = db.lacks(db.expression_indexes) {
            out.push(place(
                warning(
                    ctx,
                    idx,
                    "models.W043",
                    format!("{d} does not support indexes on expressions."),
                    "An index won't be created. Silence this warning if you don't care about it.",
                ),
                loc,
            ));
        }
    }
}

/// Django 6 `CheckConstraint.check()` / `UniqueConstraint.check()` for every constraint.
fn check_constraints_61<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
    db: &Backend,
    out: &mut Vec<Diagnostic>,
) {
    let Some(constraints) = meta_objects(ctx, idx, "constraints") else {
        return;
    };
    let file = ctx
        .model(idx)
        .meta
        .get_with_file("constraints")
        .map(|(_, f)| f);
    let Some(file_) = file else { return };
    const HINT: &str =
        "A constraint won't be created. Silence this warning if you don't care about it.";
    for (call, name) in &constraints {
        let ExprKind::Call { args, .. } = &call.kind else {
            continue;
        };
        let loc = Some((file_, call.span));
        if django_class(ctx, file, call, &["CheckConstraint"], &[]) {
            // Every backend djsa knows supports check constraints (no models.W027).
            let Some(condition) = call.kwarg("condition") else {
                continue;
            };
            let refs = if is_q(ctx, file_, condition) {
                expr_references(ctx, file, condition, false, 0)
            } else {
                Vec::new()
            };
            if contains_raw_sql(ctx, file_, condition, 0) {
                let Some(name) = name else { continue };
                out.push(place(warning(
                    ctx,
                    idx,
                    "models.W045",
                    format!("Check constraint {} contains RawSQL() expression and won't be validated during the model full_clean().", py_repr(name)),
                    "Silence this warning if you don't care about it.",
                ), loc));
            }
            check_references(ctx, w, idx, refs, loc, out);
        } else if django_class(ctx, file, call, &["UniqueConstraint"], &[]) {
            let mut names: Vec<String> = Vec::new();
            for key in ["fields", "include"] {
                if let Some(fs) = call.kwarg(key) {
                    let Some(fs) = fs.as_sequence() else { continue };
                    for f in fs.iter().filter_map(Expr::as_str) {
                        if !names.iter().any(|n| n == f) {
                            names.push(f.to_string());
                        }
                    }
                }
            }
            let names: Vec<(String, Loc)> = names.into_iter().map(|n| (n, loc)).collect();
            check_local_fields(ctx, w, idx, &names, "constraints", out);
            let condition = call.kwarg("condition").filter(|e| !e.is_none());
            if condition.is_some()
                && let Some(d) = db.lacks(db.partial_indexes)
            {
                out.push(place(
                    warning(
                        ctx,
                        idx,
                        "models.W036",
                        format!("{d} does not support unique constraints with conditions."),
                        HINT,
                    ),
                    loc,
                ));
            }
            if call.kwarg("deferrable").is_some_and(|e| !e.is_none())
                && let Some(d) = db.lacks(db.deferrable_unique)
            {
                out.push(place(
                    warning(
                        ctx,
                        idx,
                        "models.W038",
                        format!("{d} does not support deferrable unique constraints."),
                        HINT,
                    ),
                    loc,
                ));
            }
            if call
                .kwarg("include")
                .is_some_and(|e| truthy(e) == Some(true))
                && let Some(d) = db.lacks(db.covering_indexes)
            {
                out.push(place(
                    warning(
                        ctx,
                        idx,
                        "models.W039",
                        format!("{d} does not support unique constraints with non-key columns."),
                        HINT,
                    ),
                    loc,
                ));
            }
            if !args.is_empty()
                && let Some(d) = db.lacks(db.expression_indexes)
            {
                out.push(place(
                    warning(
                        ctx,
                        idx,
                        "models.W044",
                        format!("{d} does not support unique constraints on expressions."),
                        HINT,
                    ),
                    loc,
                ));
            }
            if call.kwarg("nulls_distinct").is_some_and(|e| !e.is_none())
                && let Some(d) = db.lacks(db.nulls_distinct)
            {
                out.push(place(
                    warning(
                        ctx,
                        idx,
                        "models.W047",
                        format!("{d} does not support UniqueConstraint.nulls_distinct."),
                        HINT,
                    ),
                    loc,
                ));
            }
            let mut refs = Vec::new();
            if let Some(c) = condition
                && is_q(ctx, file_, c)
            {
                refs.extend(expr_references(ctx, file, c, false, 0));
            }
            for a in args {
                refs.extend(expr_references(ctx, file, a, true, 0));
            }
            check_references(ctx, w, idx, refs, loc, out);
        }
    }
}

/// The expression is a `Q` (or `Q`s combined with `&`, `|`, `^`, `~`).
fn is_q(ctx: &Ctx<'_>, file: SourceFile, e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call { func, .. } => matches!(&*ctx.resolver.resolve_expr_rc(file, func),
            Resolved::External(q) if q.starts_with("django.db.models") && q.ends_with(".Q")),
        ExprKind::BinOp { left, right, .. } => is_q(ctx, file, left) && is_q(ctx, file, right),
        ExprKind::Unary { operand, .. } => is_q(ctx, file, operand),
        _ => false,
    }
}

/// `BaseConstraint._check_references()`: models.E041 and the local-field checks.
fn check_references<'a>(
    ctx: &Ctx<'a>,
    w: &mut World<'a>,
    idx: usize,
    refs: Vec<Vec<String>>,
    loc: Loc,
    out: &mut Vec<Diagnostic>,
) {
    let mut uniq: Vec<Vec<String>> = Vec::new();
    for r in refs {
        if !r.is_empty() && !uniq.contains(&r) {
            uniq.push(r);
        }
    }
    let composite_pk = w.shape(ctx, idx).and_then(|s| s.pk).and_then(|pk| w.info(ctx, pk)).map(
        |f| matches!(f, FieldView::Fwd(ref i) if i.base_kind() == Some(FieldKind::CompositePrimaryKey)),
    );
    let mut fields: Vec<String> = Vec::new();
    for r in &uniq {
        let field_name = &r[0];
        let lookups = &r[1..];
        if field_name != "pk" || composite_pk == Some(true) {
            if !fields.contains(field_name) {
                fields.push(field_name.clone());
            }
        } else if composite_pk.is_none() {
            return;
        }
        if lookups.is_empty() {
            continue;
        }
        let f = if field_name == "pk" {
            match w.shape(ctx, idx).and_then(|s| s.pk) {
                Some(pk) => pk,
                None => continue,
            }
        } else {
            match w.get_field(ctx, idx, field_name) {
                Lookup::Found(f) => f,
                _ => continue,
            }
        };
        // Only forward many-to-one / one-to-one relations join here.
        let joins = match w.info(ctx, f) {
            Some(FieldView::Fwd(i)) => match i.kind {
                FKind::Ptr(_) => true,
                FKind::Known(FieldKind::ForeignKey | FieldKind::OneToOneField) => true,
                FKind::Known(_) | FKind::AutoPk | FKind::OrderWrt => false,
                FKind::Opaque(_) => continue,
            },
            Some(FieldView::Rev(r)) => {
                // A reverse one-to-one is one_to_one; a reverse foreign key is one_to_many.
                let _ = r;
                continue;
            }
            None => continue,
        };
        if !joins {
            continue;
        }
        if lookup_or_transform(ctx, w, f, &lookups[0], false) == Some(false) {
            out.push(model_diag(
                ctx,
                idx,
                "models.E041",
                format!(
                    "'constraints' refers to the joined field '{}'.",
                    r.join("__")
                ),
            ));
        }
    }
    let fields: Vec<(String, Loc)> = fields.into_iter().map(|n| (n, loc)).collect();
    check_local_fields(ctx, w, idx, &fields, "constraints", out);
}

// ------------------------------------------------------------------------------------------
// check_all_models: tables, index and constraint names across models.
// ------------------------------------------------------------------------------------------

/// Order of models as `apps.get_models()` lists them, when known: app order, then definition
/// order inside one models file.
fn registry_order(ctx: &Ctx<'_>, a: usize, b: usize) -> Option<std::cmp::Ordering> {
    let (ma, mb) = (ctx.model(a), ctx.model(b));
    let pos = |l: &Option<String>| {
        l.as_deref()
            .and_then(|l| ctx.pm.apps.iter().position(|x| x.label == l))
    };
    let (pa, pb) = (pos(&ma.app_label)?, pos(&mb.app_label)?);
    if pa != pb {
        return Some(pa.cmp(&pb));
    }
    if ma.file == mb.file {
        return Some(ma.span.start.cmp(&mb.span.start));
    }
    None
}

/// models.E028 / models.W035.
fn check_db_tables(ctx: &mut Ctx<'_>, models: &[usize]) {
    let routers = match ctx.pm.settings.env.names.get("DATABASE_ROUTERS") {
        None => false,
        Some(v) => match v.truthy() {
            Some(b) => b,
            None => return,
        },
    };
    let mut tables: Vec<(String, Vec<usize>)> = Vec::new();
    // Position of each table in `tables` (which keeps first-seen order).
    let mut table_pos: FxHashMap<String, usize> = FxHashMap::default();
    let mut unknown = false;
    for &idx in models {
        let m = ctx.model(idx);
        if m.proxy {
            continue;
        }
        if m.meta.incomplete {
            unknown = true;
            continue;
        }
        match m.meta.get("managed") {
            None => {}
            Some(e) => match truthy(e) {
                Some(true) => {}
                Some(false) => continue,
                None => {
                    unknown = true;
                    continue;
                }
            },
        }
        let table = match m.meta.get("db_table") {
            Some(e) => match e.as_str() {
                Some(s) if !s.is_empty() => s.to_string(),
                Some(_) => match default_table(ctx, idx) {
                    Some(t) => t,
                    None => continue,
                },
                None => {
                    unknown = true;
                    continue;
                }
            },
            None => match default_table(ctx, idx) {
                Some(t) => t,
                None => continue,
            },
        };
        match table_pos.get(&table) {
            Some(&i) => tables[i].1.push(idx),
            None => {
                table_pos.insert(table.clone(), tables.len());
                tables.push((table, vec![idx]));
            }
        }
    }
    if unknown {
        return;
    }
    for (table, mut ms) in tables {
        if ms.len() < 2 {
            continue;
        }
        let mut known = true;
        for i in 0..ms.len() {
            for j in i + 1..ms.len() {
                if registry_order(ctx, ms[i], ms[j]).is_none() {
                    known = false;
                }
            }
        }
        if !known {
            continue;
        }
        ms.sort_by(|a, b| registry_order(ctx, *a, *b).unwrap_or(std::cmp::Ordering::Equal));
        let labels = ms
            .iter()
            .map(|&i| ctx.model(i).label())
            .collect::<Vec<_>>()
            .join(", ");
        let (code, sev, hint) = if routers {
            (
                "models.W035",
                Severity::Warning,
                Some(format!(
                    "You have configured settings.DATABASE_ROUTERS. Verify that {labels} are correctly routed to separate databases."
                )),
            )
        } else {
            ("models.E028", Severity::Error, None)
        };
        let first = ms[0];
        let m = ctx.model(first);
        let mut d = Diagnostic::new(
            code,
            sev,
            format!("db_table '{table}' is used by multiple models: {labels}."),
        )
        .at(m.file, m.name_span)
        .object(table.clone());
        d.hint = hint;
        ctx.emit(d);
    }
}

/// `app_label_modelname`; `None` when the default connection would truncate it (with a hash).
fn default_table(ctx: &Ctx<'_>, idx: usize) -> Option<String> {
    let m = ctx.model(idx);
    let name = lower_joined(
        &[m.app_label.as_deref().unwrap_or_default(), "_"],
        &m.name,
        "",
    );
    let max = match ctx.vendor() {
        Some("postgresql") => Some(63),
        Some("mysql") => Some(64),
        Some("oracle") => Some(30),
        _ => None,
    };
    match max {
        Some(n) if name.chars().count() > n => None,
        _ => Some(name),
    }
}

/// models.E029 / E030 (indexes) and models.E031 / E032 (constraints).
fn check_index_and_constraint_names(ctx: &mut Ctx<'_>, models: &[usize]) {
    for (attr, ids, what) in [
        ("indexes", ("models.E029", "models.E030"), "index"),
        ("constraints", ("models.E031", "models.E032"), "constraint"),
    ] {
        let mut names: Vec<(String, Vec<usize>)> = Vec::new();
        let mut name_pos: FxHashMap<String, usize> = FxHashMap::default();
        let mut unknown = false;
        for &idx in models {
            match meta_objects(ctx, idx, attr) {
                None => unknown = true,
                Some(objs) => {
                    for (_, name) in objs {
                        let Some(name) = name.filter(|n| !n.is_empty()) else {
                            if attr == "constraints" {
                                unknown = true;
                            }
                            continue;
                        };
                        match name_pos.get(&name) {
                            Some(&i) => names[i].1.push(idx),
                            None => {
                                name_pos.insert(name.clone(), names.len());
                                names.push((name, vec![idx]));
                            }
                        }
                    }
                }
            }
        }
        if unknown {
            continue;
        }
        for (name, ms) in names {
            if ms.len() < 2 {
                continue;
            }
            let mut labels: Vec<String> = ms.iter().map(|&i| ctx.model(i).label()).collect();
            labels.sort();
            labels.dedup();
            let (code, msg) = if labels.len() == 1 {
                (
                    ids.0,
                    format!(
                        "{what} name '{name}' is not unique for model {}.",
                        labels[0]
                    ),
                )
            } else {
                (
                    ids.1,
                    format!(
                        "{what} name '{name}' is not unique among models: {}.",
                        labels.join(", ")
                    ),
                )
            };
            let m = ctx.model(ms[0]);
            let d = Diagnostic::new(code, Severity::Error, msg).at(m.file, m.name_span);
            ctx.emit(d);
        }
    }
}

// ------------------------------------------------------------------------------------------
// Python helpers.
// ------------------------------------------------------------------------------------------

/// `template % {key: value, ...}` for `%(key)s` and `%%`; `None` for anything else.
fn py_format(template: &str, vals: &[(&str, &str)]) -> Option<String> {
    if !template.contains('%') {
        return Some(template.to_string());
    }
    let mut out = String::new();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '%' => out.push('%'),
            '(' => {
                let mut key = String::new();
                loop {
                    let k = chars.next()?;
                    if k == ')' {
                        break;
                    }
                    key.push(k);
                }
                if chars.next()? != 's' {
                    return None;
                }
                let v = vals.iter().find(|(k, _)| *k == key)?.1;
                out.push_str(v);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Python's `repr()` of a string.
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Truthiness of a literal (`None` when not a literal).
fn truthy(e: &Expr) -> Option<bool> {
    Some(match &e.kind {
        ExprKind::None => false,
        ExprKind::Bool(b) => *b,
        ExprKind::Int(i) => i.get() != 0,
        ExprKind::Str(s) => !s.is_empty(),
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => !v.is_empty(),
        ExprKind::Dict(v) => !v.is_empty(),
        _ => return None,
    })
}

/// A canonical text of a literal (strings, numbers, lists/tuples of them), to compare options.
fn literal_text(e: &Expr) -> Option<String> {
    Some(match &e.kind {
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::None => "None".into(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::List(v) | ExprKind::Tuple(v) => {
            let parts: Option<Vec<String>> = v.iter().map(literal_text).collect();
            format!("({})", parts?.join(","))
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_names_like_python() {
        assert_eq!(
            py_format(
                "%(app_label)s_%(class)s_idx",
                &[("app_label", "shop"), ("class", "item")]
            ),
            Some("shop_item_idx".into())
        );
        assert_eq!(py_format("100%%", &[]), Some("100%".into()));
        assert_eq!(py_format("%d", &[]), None);
        assert_eq!(py_format("%(nope)s", &[("class", "x")]), None);
    }

    #[test]
    fn reprs_strings_like_python() {
        assert_eq!(py_repr("pk"), "'pk'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'\"b"), "'a\\'\"b'");
    }
}
