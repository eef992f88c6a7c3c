//! Django's related-field checks (`fields.E3xx`, `fields.W34x`), from
//! `django/db/models/fields/related.py`, plus the lazy-reference check `fields.E307` from
//! `django/core/checks/model_checks.py`.
//!
//! The reverse side of every relation (accessor and query names) is built once for all concrete
//! models of the installed apps, contrib and third-party ones included, as Django's relation tree
//! does. A relation whose options djsa cannot read (an opaque custom field, `**kwargs`, a computed
//! `related_name`) takes no part: checks that would need it stay silent.
//!
//! That whole-project index ([`relation_index`]) holds no positions and no references, and is
//! built from one share per app ([`app_relations`]): after an edit that keeps every relation as
//! it was, salsa backdates it, and the per-app check queries ([`check_app`]) that read it re-run
//! only when a model they read changed.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::checks::{Ctx, Target};
use crate::db::{Db, Project, SourceFile};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fields::FieldKind;
use crate::project::{Field, Parent, lower_joined, to_lower};
use crate::resolve::{ClassId, Resolved, Resolver};
use crate::span::Span;
use crate::syntax::{Expr, ExprKind, Stmt, Target as AssignTarget};

/// The related-field checks and lazy references of the relations declared on the given models
/// (one app's concrete models).
pub(super) fn check_app(ctx: &mut Ctx<'_>, models: &[usize]) {
    let index = relation_index(ctx.db, ctx.project);
    let graph = Graph::new(index);
    // The app's relations, in the index's order, with their fields and positions back.
    let mut mine: Vec<(usize, Rel<'_>)> = Vec::new();
    for &idx in models {
        let start = index.rels.partition_point(|r| r.owner < idx);
        let end = index.rels.partition_point(|r| r.owner <= idx);
        if start == end {
            continue;
        }
        let m = ctx.model(idx);
        let fields = model_local_fields(ctx, idx);
        for (ri, facts) in index.rels.iter().enumerate().take(end).skip(start) {
            let rel = if facts.implicit {
                Rel::new(facts, None, m.file, m.name_span)
            } else {
                // Local fields have distinct names.
                let Some(f) = fields.iter().find(|f| f.name == facts.name) else {
                    continue;
                };
                Rel::new(facts, Some(f), f.file, f.name_span)
            };
            mine.push((ri, rel));
        }
    }
    for (ri, rel) in &mine {
        if rel.owner_swapped || !rel.known || rel.kind == RelKind::GenericRelation {
            continue;
        }
        let mut out = Vec::new();
        check_rel(ctx, &graph, rel, *ri, &mut out);
        ctx.out.extend(out);
    }
    let mut out = Vec::new();
    check_lazy_references(ctx, mine.iter().map(|(_, r)| r), &mut out);
    ctx.out.extend(out);
}

// ---------------------------------------------------------------------------------------------
// The relation graph.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RelKind {
    ForeignKey,
    OneToOne,
    ManyToMany,
    ForeignObject,
    GenericRelation,
}

impl RelKind {
    fn of(kind: FieldKind) -> Option<RelKind> {
        Some(match kind {
            FieldKind::ForeignKey => RelKind::ForeignKey,
            FieldKind::OneToOneField => RelKind::OneToOne,
            FieldKind::ManyToManyField => RelKind::ManyToMany,
            FieldKind::ForeignObject => RelKind::ForeignObject,
            FieldKind::GenericRelation => RelKind::GenericRelation,
            _ => return None,
        })
    }

    /// Positional parameters of the field class's `__init__`, after `self` (one table for the
    /// whole crate: `FieldKind::positional_params`).
    fn params(self) -> &'static [&'static str] {
        match self {
            RelKind::ForeignKey => FieldKind::ForeignKey,
            RelKind::OneToOne => FieldKind::OneToOneField,
            RelKind::ManyToMany => FieldKind::ManyToManyField,
            RelKind::ForeignObject => FieldKind::ForeignObject,
            RelKind::GenericRelation => FieldKind::GenericRelation,
        }
        .positional_params()
    }

    /// Reverse relation is "multiple" (accessor `<model>_set`).
    fn multiple(self) -> bool {
        self != RelKind::OneToOne
    }
}

/// What a relation's `to` is, as Django resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum To {
    /// A registered concrete model (possibly a proxy or a swapped one).
    Model(usize),
    /// Not a registered concrete model: a lazy reference that never resolves, or an abstract class.
    Missing {
        /// What `_check_relation_model_exists` prints: the string as written, or the class name.
        shown: String,
        /// The model key of the pending lazy operation, if any: (app_label, model_name).
        key: Option<(String, String)>,
    },
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Names {
    /// `remote_field.related_name` after `contribute_to_class`.
    related_name: Option<String>,
    hidden: bool,
    /// `None` for a symmetrical relation to the same model.
    accessor: Option<String>,
    query_name: String,
}

/// What the checks need of every relation of the project, without positions or references: it
/// stays equal (and salsa backdates it) across an edit that keeps the relation as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelFacts {
    /// The concrete model the field is attached to (the child for abstract-inherited fields).
    owner: usize,
    owner_swapped: bool,
    /// An implicit `<parent>_ptr` link (no field declares it).
    implicit: bool,
    name: String,
    kind: RelKind,
    parent_link: bool,
    to: To,
    /// The concrete model behind `to` (`None`: not a model, or the owner is swapped).
    target: Option<usize>,
    /// The field's options are what the call says.
    known: bool,
    names: Option<Names>,
    /// Reverse names the relation may have when `names` is unknown (`None`: any name).
    possible: Option<Vec<String>>,
    /// The table of its auto-created intermediary model, for a many-to-many field without
    /// `through`.
    auto_table: Option<String>,
}

/// A relation being built ([`build_rels`]) or checked: its facts, its field and its position.
/// A relation checked is read from the index, so what it has of the facts is borrowed.
#[derive(Debug)]
struct Rel<'a> {
    /// The concrete model the field is attached to (the child for abstract-inherited fields).
    owner: usize,
    owner_swapped: bool,
    /// `None` for an implicit `<parent>_ptr` link.
    field: Option<&'a Field>,
    name: Cow<'a, str>,
    kind: RelKind,
    parent_link: bool,
    to: Cow<'a, To>,
    /// The field's options are what the call says.
    known: bool,
    names: Option<Cow<'a, Names>>,
    file: SourceFile,
    span: Span,
}

impl<'a> Rel<'a> {
    /// A relation of the index with its field and position back.
    fn new(facts: &'a RelFacts, field: Option<&'a Field>, file: SourceFile, span: Span) -> Self {
        Rel {
            owner: facts.owner,
            owner_swapped: facts.owner_swapped,
            field,
            name: Cow::Borrowed(&facts.name),
            kind: facts.kind,
            parent_link: facts.parent_link,
            to: Cow::Borrowed(&facts.to),
            known: facts.known,
            names: facts.names.as_ref().map(Cow::Borrowed),
            file,
            span,
        }
    }

    fn param(&self, name: &str) -> Option<&'a Expr> {
        self.field.and_then(|f| param(f, self.kind, name))
    }

    /// What the index keeps of the relation (moved out of it).
    fn into_facts(self, ctx: &Ctx<'_>) -> RelFacts {
        let target = match *self.to {
            To::Model(t) if !self.owner_swapped => Some(concrete_of(ctx, t)),
            _ => None,
        };
        let possible = match (&self.names, self.field) {
            (None, Some(f)) => possible_names(ctx, self.owner, f),
            _ => None,
        };
        let auto_table = match self.field {
            Some(f)
                if self.kind == RelKind::ManyToMany
                    && !self.owner_swapped
                    && self.known
                    && param(f, self.kind, "through").is_none_or(Expr::is_none) =>
            {
                m2m_auto_table(ctx, &self)
            }
            _ => None,
        };
        RelFacts {
            owner: self.owner,
            owner_swapped: self.owner_swapped,
            implicit: self.field.is_none(),
            name: self.name.into_owned(),
            kind: self.kind,
            parent_link: self.parent_link,
            to: self.to.into_owned(),
            target,
            known: self.known,
            names: self.names.map(Cow::into_owned),
            possible,
            auto_table,
        }
    }
}

/// A parameter by keyword or by position in the field class's signature.
fn param<'f>(f: &'f Field, kind: RelKind, name: &str) -> Option<&'f Expr> {
    if let Some(k) = f.kwargs.iter().find(|k| k.name == name) {
        return Some(&k.value);
    }
    // Only the first `args.len()` parameters can have been given positionally.
    let params = kind.params();
    let given = &params[..f.args.len().min(params.len())];
    let pos = given.iter().position(|p| *p == name)?;
    f.args.get(pos)
}

fn kwarg<'f>(f: &'f Field, name: &str) -> Option<&'f Expr> {
    f.kwargs.iter().find(|k| k.name == name).map(|k| &k.value)
}

/// A boolean keyword option: `Some(default)` when absent, `None` when not a literal.
fn flag(f: &Field, name: &str, default: bool) -> Option<bool> {
    match kwarg(f, name) {
        None => Some(default),
        Some(e) => e.as_bool(),
    }
}

/// A string option: `Ok(None)` when absent or `None`, `Err(())` when not a literal.
fn str_ref(e: Option<&Expr>) -> Result<Option<&str>, ()> {
    match e {
        None => Ok(None),
        Some(e) if e.is_none() => Ok(None),
        Some(e) => e.as_str().map(Some).ok_or(()),
    }
}

/// Every relation of the project, from the apps' shares ([`app_relations`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RelIndex {
    /// By owner model (a model's relations in field order).
    rels: Vec<RelFacts>,
    /// Concrete model -> relations whose target's concrete model it is.
    by_target: FxHashMap<usize, Vec<usize>>,
    /// Relations djsa could not resolve the target of, with the reverse names they may have
    /// (`None`: any name).
    untargeted: Vec<Option<Vec<String>>>,
    /// Concrete, non-swapped models by their table name (for E340/W344 without a quadratic scan).
    model_tables: FxHashMap<String, Vec<usize>>,
    /// Auto-created many-to-many tables by name: indexes into `rels`.
    auto_tables: FxHashMap<String, Vec<usize>>,
}

#[salsa::tracked(returns(ref))]
pub fn relation_index(db: &dyn Db, project: Project) -> RelIndex {
    let shares = crate::checks::view::per_app(db, project, |app| app_relations(db, project, app));
    let mut rels: Vec<&RelFacts> = shares.iter().flat_map(|s| &s.rels).collect();
    // Stable: a model's relations keep their field order.
    rels.sort_by_key(|r| r.owner);
    let mut by_target: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    let mut auto_tables: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (i, r) in rels.iter().enumerate() {
        if let Some(t) = r.target {
            by_target.entry(t).or_default().push(i);
        }
        if let Some(t) = &r.auto_table {
            auto_tables.entry(t.clone()).or_default().push(i);
        }
    }
    let mut tables: Vec<&(String, usize)> = shares.iter().flat_map(|s| &s.tables).collect();
    tables.sort_by_key(|(_, idx)| *idx);
    let mut model_tables: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    for (t, idx) in tables {
        model_tables.entry(t.clone()).or_default().push(*idx);
    }
    RelIndex {
        rels: rels.into_iter().cloned().collect(),
        by_target,
        untargeted: shares
            .iter()
            .flat_map(|s| s.untargeted.iter().cloned())
            .collect(),
        model_tables,
        auto_tables,
    }
}

/// One app's share of [`relation_index`]: the relations declared on its concrete models.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AppRels {
    rels: Vec<RelFacts>,
    untargeted: Vec<Option<Vec<String>>>,
    /// The table of each concrete, non-swapped model whose table is known.
    tables: Vec<(String, usize)>,
}

#[salsa::tracked(returns(ref))]
pub fn app_relations(db: &dyn Db, project: Project, app: String) -> AppRels {
    let resolver = Resolver::new(db, project);
    let mut ctx = Ctx::new(db, project, &resolver);
    let models = ctx.app_models(&app);
    let (rels, untargeted) = build_rels(&mut ctx, &models);
    let rels = rels.into_iter().map(|r| r.into_facts(&ctx)).collect();
    let tables = models
        .iter()
        .filter(|&&idx| ctx.swapped(idx).is_none())
        .filter_map(|&idx| Some((db_table(&ctx, idx)?, idx)))
        .collect();
    AppRels {
        rels,
        untargeted,
        tables,
    }
}

/// The relation index, with what the checks compute from it once per query.
struct Graph<'a> {
    index: &'a RelIndex,
    /// [`Graph::clash_index`] per target model.
    clash_cache: RefCell<FxHashMap<usize, Rc<ClashIndex<'a>>>>,
    /// [`declared_managers`] per model.
    managers_cache: RefCell<FxHashMap<usize, Option<Managers>>>,
    /// Per target model: it has a Python-level / a database-level on_delete variant.
    on_delete_cache: RefCell<FxHashMap<usize, (bool, bool)>>,
    /// [`model_mro`] per model.
    mro_cache: RefCell<FxHashMap<usize, Mro>>,
}

/// [`model_mro`] of a model, shared from a per-model cache.
type Mro = Rc<(Vec<usize>, bool)>;

/// Managers declared in a class body: (name, is-manager), shared from a per-model cache.
type Managers = Rc<Vec<(String, Tri)>>;

struct ClashIndex<'a> {
    /// `related_objects` of the model.
    objs: Vec<usize>,
    /// Accessor name -> positions in `objs` of the relations with that accessor.
    by_accessor: FxHashMap<&'a str, Positions>,
}

/// Positions in [`ClashIndex::objs`], in increasing order (most accessors have one).
enum Positions {
    One(usize),
    Many(Vec<usize>),
}

impl Positions {
    fn push(&mut self, pos: usize) {
        match self {
            Positions::One(first) => *self = Positions::Many(vec![*first, pos]),
            Positions::Many(v) => v.push(pos),
        }
    }
    fn as_slice(&self) -> &[usize] {
        match self {
            Positions::One(p) => std::slice::from_ref(p),
            Positions::Many(v) => v,
        }
    }
}

impl ClashIndex<'_> {
    /// Positions of the relations with this accessor.
    fn with_accessor(&self, name: &str) -> &[usize] {
        self.by_accessor.get(name).map_or(&[], Positions::as_slice)
    }
}

/// Reverse names a relation whose options djsa cannot fully read may have: `None` for any.
fn possible_names(ctx: &Ctx<'_>, owner: usize, f: &Field) -> Option<Vec<String>> {
    let mut out = vec![ctx.model(owner).model_name()];
    for k in &f.kwargs {
        if k.name == "related_name" || k.name == "related_query_name" {
            match &k.value.kind {
                ExprKind::Str(s) if !s.contains('%') => out.push(s.clone()),
                ExprKind::None => {}
                _ => return None,
            }
        }
    }
    if f.has_splat || f.args.len() > 2 {
        return None;
    }
    Some(out)
}

/// The relations declared on the given concrete models (proxies declare none), in model order,
/// and the reverse names of relations djsa could not resolve the target of.
fn build_rels<'a>(ctx: &mut Ctx<'a>, models: &[usize]) -> (Vec<Rel<'a>>, Vec<Option<Vec<String>>>) {
    let mut rels = Vec::new();
    let mut untargeted = Vec::new();
    for &idx in models {
        let m = ctx.model(idx);
        if m.proxy {
            continue;
        }
        let owner_swapped = ctx.swapped(idx).is_some();
        if m.incomplete && !owner_swapped {
            // Relations djsa could not read may be declared here: by default their reverse
            // query name is this model's name.
            untargeted.push(Some(vec![m.model_name()]));
        }
        let fields = model_local_fields(ctx, idx);
        let mut explicit_links: Vec<usize> = Vec::new();
        for &f in fields.iter() {
            let Some(kind) = RelKind::of(f.kind) else {
                if f.kind == FieldKind::RelatedField && !owner_swapped {
                    untargeted.push(possible_names(ctx, idx, f));
                }
                continue;
            };
            let opaque = f.custom.as_ref().is_some_and(|c| c.opaque);
            let known = f.options_known() && f.args.len() <= kind.params().len();
            let to = match param(f, kind, "to") {
                Some(e) if !opaque && f.args.len() <= kind.params().len() => {
                    resolve_to(ctx, e, f.file, idx)
                }
                _ => To::Unknown,
            };
            let parent_link = kind == RelKind::OneToOne
                && !opaque
                && kwarg(f, "parent_link").and_then(Expr::as_bool) == Some(true);
            if parent_link && let To::Model(t) = to {
                explicit_links.push(concrete_of(ctx, t));
            }
            let mut rel = Rel {
                owner: idx,
                owner_swapped,
                field: Some(f),
                name: Cow::Borrowed(&f.name),
                kind,
                parent_link,
                to: Cow::Owned(to),
                known,
                names: None,
                file: f.file,
                span: f.name_span,
            };
            rel.names = if known {
                names_of(ctx, &rel).map(Cow::Owned)
            } else {
                None
            };
            if *rel.to == To::Unknown && !owner_swapped {
                untargeted.push(possible_names(ctx, idx, f));
            }
            rels.push(rel);
        }
        for p in ctx.concrete_parents(idx) {
            if explicit_links.contains(&concrete_of(ctx, p)) {
                continue;
            }
            let pm = ctx.model(p);
            let mut rel = Rel {
                owner: idx,
                owner_swapped,
                field: None,
                name: Cow::Owned(lower_joined(&[], &pm.name, "_ptr")),
                kind: RelKind::OneToOne,
                parent_link: true,
                to: Cow::Owned(To::Model(p)),
                known: true,
                names: None,
                file: m.file,
                span: m.name_span,
            };
            rel.names = names_of(ctx, &rel).map(Cow::Owned);
            rels.push(rel);
        }
    }
    (rels, untargeted)
}

impl<'a> Graph<'a> {
    fn new(index: &'a RelIndex) -> Self {
        Graph {
            index,
            clash_cache: RefCell::default(),
            managers_cache: RefCell::default(),
            on_delete_cache: RefCell::default(),
            mro_cache: RefCell::default(),
        }
    }

    /// [`model_mro`] of a model, computed once.
    fn model_mro(&self, ctx: &Ctx<'_>, idx: usize) -> Mro {
        if let Some(v) = self.mro_cache.borrow().get(&idx) {
            return v.clone();
        }
        let v = Rc::new(model_mro(ctx, idx));
        self.mro_cache.borrow_mut().insert(idx, v.clone());
        v
    }

    /// `rel_opts.related_objects` of a model: relations pointing at it or at one of its concrete
    /// ancestors (parent links of ancestors excluded), hidden ones only for many-to-many.
    fn related_objects(&self, ctx: &Ctx<'_>, target: usize) -> Vec<usize> {
        self.reverse_rels(ctx, target)
            .into_iter()
            .filter(|&i| {
                let r = &self.index.rels[i];
                match &r.names {
                    Some(n) => !n.hidden || r.kind == RelKind::ManyToMany,
                    None => false,
                }
            })
            .collect()
    }

    /// [`declared_managers`] of a model, computed once.
    fn declared_managers(&self, ctx: &Ctx<'_>, idx: usize) -> Option<Managers> {
        if let Some(v) = self.managers_cache.borrow().get(&idx) {
            return v.clone();
        }
        let v = declared_managers(ctx, idx).map(Rc::new);
        self.managers_cache.borrow_mut().insert(idx, v.clone());
        v
    }

    /// [`Graph::related_objects`] of a model with its relations indexed by accessor name
    /// (positions into `objs`), computed once per model.
    fn clash_index(&self, ctx: &Ctx<'_>, target: usize) -> Rc<ClashIndex<'a>> {
        if let Some(ix) = self.clash_cache.borrow().get(&target) {
            return ix.clone();
        }
        let objs = self.related_objects(ctx, target);
        let index: &'a RelIndex = self.index;
        let mut by_accessor: FxHashMap<&'a str, Positions> = FxHashMap::default();
        by_accessor.reserve(objs.len());
        for (pos, &oi) in objs.iter().enumerate() {
            if let Some(Names {
                accessor: Some(a), ..
            }) = &index.rels[oi].names
            {
                match by_accessor.entry(a.as_str()) {
                    std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().push(pos),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(Positions::One(pos));
                    }
                }
            }
        }
        let ix = Rc::new(ClashIndex { objs, by_accessor });
        self.clash_cache.borrow_mut().insert(target, ix.clone());
        ix
    }

    /// Every relation (hidden ones and unreadable ones included) pointing at the model or at
    /// one of its concrete ancestors, parent links of ancestors excluded.
    fn reverse_rels(&self, ctx: &Ctx<'_>, target: usize) -> Vec<usize> {
        if ctx.swapped(target).is_some() {
            return Vec::new();
        }
        let base = concrete_of(ctx, target);
        let mut out: Vec<usize> = self.index.by_target.get(&base).cloned().unwrap_or_default();
        for a in concrete_ancestors(ctx, base) {
            if let Some(v) = self.index.by_target.get(&a) {
                out.extend(
                    v.iter()
                        .copied()
                        .filter(|&i| !self.index.rels[i].parent_link),
                );
            }
        }
        out
    }

    /// Is `name` the name of a reverse relation of the model (`fields_map`)? `None` when a
    /// relation djsa cannot read might be.
    fn reverse_has(&self, ctx: &Ctx<'_>, target: usize, name: &str) -> Option<bool> {
        let mut unsure = false;
        for i in self.reverse_rels(ctx, target) {
            let r = &self.index.rels[i];
            match (&r.names, &r.possible) {
                (Some(n), _) if n.query_name == name => return Some(true),
                (Some(_), _) => {}
                (None, Some(v)) if !v.iter().any(|x| x == name) => {}
                (None, _) => unsure = true,
            }
        }
        for u in &self.index.untargeted {
            match u {
                Some(v) if !v.iter().any(|x| x == name) => {}
                _ => unsure = true,
            }
        }
        if unsure { None } else { Some(false) }
    }
}

/// The concrete model behind a proxy.
fn concrete_of(ctx: &Ctx<'_>, idx: usize) -> usize {
    let mut cur = idx;
    for _ in 0..30 {
        if !ctx.model(cur).proxy {
            return cur;
        }
        match ctx.concrete_parents(cur).first() {
            Some(&p) => cur = p,
            None => return cur,
        }
    }
    cur
}

/// Every concrete (multi-table) ancestor, transitively.
fn concrete_ancestors(ctx: &Ctx<'_>, idx: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut queue = ctx.concrete_parents(idx);
    let mut steps = 0;
    while let Some(p) = queue.pop() {
        steps += 1;
        if steps > 200 || out.contains(&p) || p == idx {
            continue;
        }
        out.push(p);
        queue.extend(ctx.concrete_parents(p));
    }
    out
}

/// Fields Django copies into a model (own and abstract-inherited), minus inherited ones the class
/// body overrides with a non-field attribute.
fn model_local_fields<'a>(ctx: &mut Ctx<'a>, idx: usize) -> Rc<[&'a Field]> {
    let m = ctx.model(idx);
    let all = ctx.local_fields(idx);
    let keep = |f: &&'a Field| {
        f.declared_in == m.class
            || !(m.other_attrs.contains(&f.name) || m.members.iter().any(|x| x.name == f.name))
    };
    if all.iter().all(keep) {
        return all;
    }
    all.iter().copied().filter(keep).collect()
}

/// Resolve `to` (or `through`) as Django does, keeping what its messages print.
fn resolve_to(ctx: &Ctx<'_>, e: &Expr, file: SourceFile, from_model: usize) -> To {
    let m = ctx.model(from_model);
    let from_lazy = |s: &str| -> To {
        match ctx.lazy_reference(s, m.app_label.as_deref(), from_model) {
            Target::Model(t) => {
                let tm = ctx.model(t);
                if tm.abstract_ {
                    // Abstract models are not registered: the reference never resolves.
                    let key = lazy_key(s, m.app_label.as_deref());
                    To::Missing {
                        shown: s.to_string(),
                        key,
                    }
                } else {
                    To::Model(t)
                }
            }
            Target::Missing { app_label, .. } => {
                if app_may_build_models(ctx, &app_label) {
                    return To::Unknown;
                }
                To::Missing {
                    shown: s.to_string(),
                    key: lazy_key(s, m.app_label.as_deref()),
                }
            }
            Target::Unknown => To::Unknown,
        }
    };
    match &e.kind {
        ExprKind::Str(s) => from_lazy(s),
        ExprKind::Name(n) => match &*ctx.resolver.resolve_name_rc(file, n) {
            &Resolved::Class(id) => match ctx.pm.model_by_class(id) {
                Some(t) if ctx.model(t).abstract_ => {
                    let tm = ctx.model(t);
                    To::Missing {
                        shown: tm.name.clone(),
                        key: tm
                            .app_label
                            .as_ref()
                            .map(|a| (a.clone(), to_lower(&tm.name))),
                    }
                }
                Some(t) if ctx.model(t).registered => To::Model(t),
                _ => To::Unknown,
            },
            Resolved::External(q) if q == "django.conf.settings.AUTH_USER_MODEL" => {
                from_lazy(&ctx.pm.settings.auth_user_model)
            }
            Resolved::Value(_, v) => match &v.kind {
                ExprKind::Str(s) => from_lazy(s),
                _ => To::Unknown,
            },
            _ => To::Unknown,
        },
        _ => To::Unknown,
    }
}

/// Could the app hold models djsa does not see? Objects assigned in a model's class body can
/// build models when the class is created (simple-history's `HistoricalRecords()` makes
/// `Historical<Model>`), so a class-body call djsa cannot classify as a field or a manager, or a
/// model it could not fully read, means the app's model list may be incomplete.
fn app_may_build_models(ctx: &Ctx<'_>, label: &str) -> bool {
    // The app's models only, by the index: a query that asks depends on those alone.
    let app_of = &ctx.pm.index.app_of;
    (0..app_of.len())
        .filter(|&i| app_of[i].as_deref() == Some(label))
        .map(|i| ctx.model(i))
        .any(|m| {
            m.registered && (m.incomplete || class_body_may_build_models(ctx, m.class, m.file))
        })
}

fn class_body_may_build_models(ctx: &Ctx<'_>, class: ClassId, file: SourceFile) -> bool {
    let Some(c) = ctx.class_def(class) else {
        return true;
    };
    c.body.iter().any(|s| {
        let Stmt::Assign { value, .. } = s else {
            return false;
        };
        let ExprKind::Call { func, .. } = &value.kind else {
            return false;
        };
        match &func.kind {
            ExprKind::Name(n) if n.ends_with(".as_manager") => false,
            ExprKind::Call { func: inner, .. }
                if inner
                    .as_name()
                    .is_some_and(|n| n.ends_with(".from_queryset")) =>
            {
                false
            }
            ExprKind::Name(_) => match &*ctx.resolver.resolve_expr_rc(file, func) {
                Resolved::External(q) => !q.starts_with("django.") && !q.starts_with("builtins."),
                &Resolved::Class(id) => class_may_build_models(ctx, id, 0),
                Resolved::Value(_, v) => !matches!(
                    &v.kind,
                    ExprKind::Call { func, .. }
                        if func.as_name().is_some_and(|n| n.ends_with(".from_queryset"))
                ),
                _ => true,
            },
            _ => true,
        }
    })
}

/// A class (not a field or manager) that hooks into model creation, or one djsa cannot follow.
fn class_may_build_models(ctx: &Ctx<'_>, id: ClassId, depth: u32) -> bool {
    if depth > 20 {
        return true;
    }
    if class_is_manager(ctx, id, 0) == Tri::Yes {
        return false;
    }
    let Some(c) = ctx.class_def(id) else {
        return true;
    };
    if c.body
        .iter()
        .any(|s| matches!(s, Stmt::Function(f) if f.name == "contribute_to_class"))
    {
        // Fields have it too; a field subclass of Django's is not a model factory.
        return !class_is_field(ctx, id, 0);
    }
    c.bases
        .iter()
        .any(|b| match &*ctx.resolver.resolve_expr_rc(id.file, b) {
            Resolved::External(q) => !q.starts_with("django.") && !q.starts_with("builtins."),
            &Resolved::Class(p) => class_may_build_models(ctx, p, depth + 1),
            Resolved::Unknown | Resolved::Value(..) => true,
            _ => false,
        })
}

fn class_is_field(ctx: &Ctx<'_>, id: ClassId, depth: u32) -> bool {
    if depth > 20 {
        return false;
    }
    let Some(c) = ctx.class_def(id) else {
        return false;
    };
    c.bases
        .iter()
        .any(|b| match &*ctx.resolver.resolve_expr_rc(id.file, b) {
            Resolved::External(q) => FieldKind::from_qualified(q).is_some(),
            &Resolved::Class(p) => class_is_field(ctx, p, depth + 1),
            _ => false,
        })
}

/// `make_model_tuple(resolve_relation(model, s))`.
fn lazy_key(s: &str, app: Option<&str>) -> Option<(String, String)> {
    match s.split_once('.') {
        Some((a, n)) if !n.contains('.') => Some((a.to_string(), to_lower(n))),
        Some(_) => None,
        None => app.map(|a| (a.to_string(), to_lower(s))),
    }
}

/// Python `%` formatting with a dict, for the keys Django passes; `None` for anything else.
fn interpolate(s: &str, vars: &[(&str, &str)]) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.bytes().position(|b| b == b'%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('%') {
            out.push('%');
            rest = r;
            continue;
        }
        let r = after.strip_prefix('(')?;
        let close = r.find(')')?;
        let key = &r[..close];
        let r2 = r[close + 1..].strip_prefix('s')?;
        let v = vars.iter().find(|(k, _)| *k == key)?.1;
        out.push_str(v);
        rest = r2;
    }
    out.push_str(rest);
    Some(out)
}

/// `related_name`, accessor and query name, as `contribute_to_class` leaves them.
fn names_of(ctx: &Ctx<'_>, rel: &Rel<'_>) -> Option<Names> {
    let m = ctx.model(rel.owner);
    let cls = to_lower(&m.name);
    let app = m.app_label.as_deref()?;
    let (raw_rn, raw_rqn) = match rel.field {
        Some(f) => (
            str_ref(param(f, rel.kind, "related_name")).ok()?,
            str_ref(param(f, rel.kind, "related_query_name")).ok()?,
        ),
        None => (None, None),
    };
    let truthy = |s: Option<&str>| s.is_some_and(|s| !s.is_empty());
    let mut related_name: Option<Cow<'_, str>> = raw_rn.map(Cow::Borrowed);
    let mut symmetrical = false;
    match rel.kind {
        RelKind::GenericRelation => {
            related_name = Some(Cow::Borrowed(
                raw_rqn.filter(|s| !s.is_empty()).unwrap_or("+"),
            ));
        }
        RelKind::ManyToMany => {
            let f = rel.field?;
            let to_str = param(f, rel.kind, "to").and_then(Expr::as_str);
            symmetrical = match param(f, rel.kind, "symmetrical") {
                None => to_str == Some("self"),
                Some(e) if e.is_none() => to_str == Some("self"),
                Some(e) => e.as_bool()?,
            };
            if symmetrical && (to_str == Some("self") || to_str == Some(m.name.as_str())) {
                related_name = Some(Cow::Owned(format!("{}_rel_+", rel.name)));
            } else if raw_rn.is_some_and(|s| s.ends_with('+')) {
                related_name = Some(Cow::Owned(format!("_{}_{}_{}_+", app, cls, rel.name)));
            }
        }
        _ => {}
    }
    // RelatedField.contribute_to_class.
    let chosen = if truthy(related_name.as_deref()) {
        related_name.as_deref()
    } else {
        if m.meta.incomplete {
            return None;
        }
        match m.meta.get("default_related_name") {
            None => None,
            Some(e) if e.is_none() => None,
            Some(e) => Some(e.as_str()?),
        }
    };
    let interpolated = match chosen {
        Some(s) if !s.is_empty() => {
            let app_lower = to_lower(app);
            Some(interpolate(
                s,
                &[
                    ("class", &cls),
                    ("model_name", &cls),
                    ("app_label", &app_lower),
                ],
            )?)
        }
        _ => None,
    };
    if let Some(v) = interpolated {
        related_name = Some(Cow::Owned(v));
    }
    let rqn = match raw_rqn {
        Some(q) if !q.is_empty() => {
            let app_lower = to_lower(app);
            Some(interpolate(
                q,
                &[("class", &cls), ("app_label", &app_lower)],
            )?)
        }
        other => other.map(str::to_string),
    };
    let hidden = related_name.as_deref().is_some_and(|s| s.ends_with('+'));
    let accessor =
        if rel.kind == RelKind::ManyToMany && symmetrical && *rel.to == To::Model(rel.owner) {
            None
        } else if truthy(related_name.as_deref()) {
            related_name.as_deref().map(str::to_string)
        } else {
            Some(crate::project::join_parts(&[
                &cls,
                if rel.kind.multiple() { "_set" } else { "" },
            ]))
        };
    let query_name = if truthy(rqn.as_deref()) {
        rqn.clone()?
    } else if truthy(related_name.as_deref()) {
        related_name.as_deref()?.to_string()
    } else {
        cls
    };
    Some(Names {
        related_name: related_name.map(Cow::into_owned),
        hidden,
        accessor,
        query_name,
    })
}

// ---------------------------------------------------------------------------------------------
// Fields of a target model.

#[derive(Debug, Clone, Copy)]
pub(super) enum FRef<'a> {
    Decl(&'a Field),
    AutoId,
    /// An implicit `<parent>_ptr` link to the given parent.
    Ptr(usize),
}

#[derive(Debug, Clone)]
pub(super) struct TField<'a> {
    name: std::borrow::Cow<'a, str>,
    fref: FRef<'a>,
    /// The model the field belongs to (`field.model`).
    model: usize,
}

impl TField<'_> {
    fn kind(&self) -> Option<FieldKind> {
        match self.fref {
            FRef::Decl(f) => Some(f.kind),
            FRef::AutoId => None,
            FRef::Ptr(_) => Some(FieldKind::OneToOneField),
        }
    }
    /// The field has an attname of its own (`<name>_id`) and it is `name`.
    fn attname_is(&self, name: &str) -> bool {
        let has_attname = match self.fref {
            FRef::Decl(f) => matches!(f.kind, FieldKind::ForeignKey | FieldKind::OneToOneField),
            FRef::Ptr(_) => true,
            FRef::AutoId => false,
        };
        has_attname && name.strip_suffix("_id") == Some(&*self.name)
    }
}

/// `_meta.get_fields(reverse=False)` of a model, in Django's order: concrete parents' fields,
/// then the auto `id`, the declared fields, the implicit parent links. The flag says whether the
/// list is complete.
fn forward_fields<'a>(ctx: &mut Ctx<'a>, idx: usize, depth: u32) -> (Rc<Vec<TField<'a>>>, bool) {
    if depth == 0
        && let Some((v, c)) = ctx.forward_cache.get(&idx)
    {
        return (v.clone(), *c);
    }
    let (v, c) = forward_fields_uncached(ctx, idx, depth);
    let v = Rc::new(v);
    if depth == 0 {
        ctx.forward_cache.insert(idx, (v.clone(), c));
    }
    (v, c)
}

fn forward_fields_uncached<'a>(
    ctx: &mut Ctx<'a>,
    idx: usize,
    depth: u32,
) -> (Vec<TField<'a>>, bool) {
    let mut out = Vec::new();
    if depth > 30 {
        return (out, false);
    }
    let mut complete = !ctx.incomplete(idx);
    let m = ctx.model(idx);
    if m.proxy {
        return match ctx.concrete_parents(idx).first() {
            Some(&p) => forward_fields_uncached(ctx, p, depth + 1),
            None => (out, false),
        };
    }
    let parents = ctx.concrete_parents(idx);
    for &p in &parents {
        let (pf, c) = forward_fields_uncached(ctx, p, depth + 1);
        complete &= c;
        out.extend(pf);
    }
    let local = model_local_fields(ctx, idx);
    let class = ctx.model(idx).class;
    let mut pk_known = true;
    let has_pk = local.iter().any(|f| match f.flag("primary_key", false) {
        Some(b) => b,
        None => {
            pk_known = false;
            false
        }
    }) || local
        .iter()
        .any(|f| f.kind == FieldKind::CompositePrimaryKey);
    if parents.is_empty() && !has_pk {
        if pk_known {
            out.push(TField {
                name: "id".into(),
                fref: FRef::AutoId,
                model: idx,
            });
        } else {
            complete = false;
        }
    }
    // Abstract-inherited fields were created before the class body's own.
    let inherited = local.iter().filter(|f| f.declared_in != class);
    let own = local.iter().filter(|f| f.declared_in == class);
    let mut explicit_links = Vec::new();
    for &f in inherited.chain(own) {
        if f.kind == FieldKind::OneToOneField
            && kwarg(f, "parent_link").and_then(Expr::as_bool) == Some(true)
            && let Some(to) = param(f, RelKind::OneToOne, "to")
            && let To::Model(t) = resolve_to(ctx, to, f.file, idx)
        {
            explicit_links.push(concrete_of(ctx, t));
        }
        out.push(TField {
            name: f.name.as_str().into(),
            fref: FRef::Decl(f),
            model: idx,
        });
    }
    for &p in &parents {
        if explicit_links.contains(&concrete_of(ctx, p)) {
            continue;
        }
        out.push(TField {
            name: lower_joined(&[], &ctx.model(p).name, "_ptr").into(),
            fref: FRef::Ptr(p),
            model: idx,
        });
    }
    (out, complete)
}

/// `_meta.fields + _meta.many_to_many` (no private fields).
fn clashable_fields<'f, 'a>(fields: &'f [TField<'a>]) -> impl Iterator<Item = &'f TField<'a>> {
    fields.iter().filter(|f| {
        !matches!(
            f.kind(),
            Some(FieldKind::GenericForeignKey | FieldKind::GenericRelation)
        )
    })
}

/// `_meta.fields`: forward fields that are not many-to-many or private.
fn non_m2m_fields<'a>(fields: &[TField<'a>]) -> Option<Vec<TField<'a>>> {
    let mut out = Vec::new();
    for f in fields {
        match f.kind() {
            Some(FieldKind::GenericForeignKey | FieldKind::GenericRelation) => {}
            Some(FieldKind::ManyToManyField) => {}
            Some(FieldKind::RelatedField) => return None,
            _ => out.push(f.clone()),
        }
    }
    Some(out)
}

/// Whether `_meta.get_field(name)` finds something: `None` when djsa cannot tell.
fn field_exists(ctx: &mut Ctx<'_>, graph: &Graph<'_>, model: usize, name: &str) -> Option<bool> {
    let (fields, complete) = forward_fields(ctx, model, 0);
    if fields.iter().any(|f| f.name == name || f.attname_is(name)) {
        return Some(true);
    }
    if !complete {
        return None;
    }
    graph.reverse_has(ctx, model, name)
}

// ---------------------------------------------------------------------------------------------
// Checks on one relation field.

fn emit(
    ctx: &Ctx<'_>,
    rel: &Rel<'_>,
    out: &mut Vec<Diagnostic>,
    code: &str,
    severity: Severity,
    message: String,
    hint: Option<String>,
) {
    let label = format!("{}.{}", ctx.model(rel.owner).label(), rel.name);
    out.push(
        Diagnostic::new(code, severity, message)
            .at(rel.file, rel.span)
            .object(label)
            .hint_opt(hint),
    );
}

fn field_label(ctx: &Ctx<'_>, rel: &Rel<'_>) -> String {
    crate::project::join_parts(&[&ctx.model(rel.owner).label(), ".", &rel.name])
}

/// [`field_label`] of a relation of the index.
fn facts_label(ctx: &Ctx<'_>, rel: &RelFacts) -> String {
    crate::project::join_parts(&[&ctx.model(rel.owner).label(), ".", &rel.name])
}

/// The checks on one relation, `ri` being its place in the index.
fn check_rel(
    ctx: &mut Ctx<'_>,
    graph: &Graph<'_>,
    rel: &Rel<'_>,
    ri: usize,
    out: &mut Vec<Diagnostic>,
) {
    // RelatedField.check
    if let Some(names) = &rel.names {
        check_related_name_is_valid(ctx, rel, names, out);
        check_related_query_name_is_valid(ctx, rel, names, out);
    }
    check_relation_model_exists(ctx, rel, out);
    check_clashes(ctx, graph, rel, ri, out);
    match rel.kind {
        RelKind::ForeignKey | RelKind::OneToOne | RelKind::ForeignObject => {
            check_foreign_object(ctx, graph, rel, out);
            if rel.kind != RelKind::ForeignObject {
                check_on_delete(ctx, graph, rel, out);
                if rel.kind == RelKind::ForeignKey
                    && let Some(f) = rel.field
                    && (flag(f, "unique", false) == Some(true)
                        || flag(f, "primary_key", false) == Some(true))
                {
                    emit(
                        ctx,
                        rel,
                        out,
                        "fields.W342",
                        Severity::Warning,
                        "Setting unique=True on a ForeignKey has the same effect as using a OneToOneField.".into(),
                        Some("ForeignKey(unique=True) is usually better served by a OneToOneField.".into()),
                    );
                }
            }
        }
        RelKind::ManyToMany => check_many_to_many(ctx, graph, rel, ri, out),
        RelKind::GenericRelation => {}
    }
}

const PY_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// `str.isidentifier()` for ASCII; `None` for other text.
fn is_identifier(s: &str) -> Option<bool> {
    if !s.is_ascii() {
        return None;
    }
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return Some(false);
    };
    Some(
        (first.is_ascii_alphabetic() || first == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'),
    )
}

/// fields.E306.
fn check_related_name_is_valid(
    ctx: &Ctx<'_>,
    rel: &Rel<'_>,
    names: &Names,
    out: &mut Vec<Diagnostic>,
) {
    let Some(rn) = &names.related_name else {
        return;
    };
    let Some(ident) = is_identifier(rn) else {
        return;
    };
    let valid = ident && !PY_KEYWORDS.contains(&rn.as_str());
    if !(valid || rn.ends_with('+')) {
        emit(
            ctx,
            rel,
            out,
            "fields.E306",
            Severity::Error,
            format!(
                "The name '{}' is invalid related_name for field {}.{}",
                rn,
                ctx.model(rel.owner).name,
                rel.name
            ),
            Some("Related name must be a valid Python identifier or end with a '+'".into()),
        );
    }
}

/// fields.E308 / fields.E309.
fn check_related_query_name_is_valid(
    ctx: &Ctx<'_>,
    rel: &Rel<'_>,
    names: &Names,
    out: &mut Vec<Diagnostic>,
) {
    if names.hidden {
        return;
    }
    let q = &names.query_name;
    let hint = "Add or change a related_name or related_query_name argument for this field.";
    if q.ends_with('_') {
        emit(
            ctx,
            rel,
            out,
            "fields.E308",
            Severity::Error,
            format!("Reverse query name '{q}' must not end with an underscore."),
            Some(hint.into()),
        );
    }
    if q.contains("__") {
        emit(
            ctx,
            rel,
            out,
            "fields.E309",
            Severity::Error,
            format!("Reverse query name '{q}' must not contain '__'."),
            Some(hint.into()),
        );
    }
}

/// fields.E300 / fields.E301.
fn check_relation_model_exists(ctx: &Ctx<'_>, rel: &Rel<'_>, out: &mut Vec<Diagnostic>) {
    match &*rel.to {
        To::Missing { shown, .. } => emit(
            ctx,
            rel,
            out,
            "fields.E300",
            Severity::Error,
            format!(
                "Field defines a relation with model '{shown}', which is either not installed, or is abstract."
            ),
            None,
        ),
        To::Model(t) => {
            if ctx.swapped(*t).is_some() {
                let tm = ctx.model(*t);
                let Some(setting) = tm.meta.get("swappable").and_then(Expr::as_str) else {
                    return;
                };
                emit(
                    ctx,
                    rel,
                    out,
                    "fields.E301",
                    Severity::Error,
                    format!(
                        "Field defines a relation with the model '{}', which has been swapped out.",
                        tm.label()
                    ),
                    Some(format!(
                        "Update the relation to point at 'settings.{setting}'."
                    )),
                );
            }
        }
        To::Unknown => {}
    }
}

/// fields.E302 - fields.E305, fields.E348.
fn check_clashes(
    ctx: &mut Ctx<'_>,
    graph: &Graph<'_>,
    rel: &Rel<'_>,
    ri: usize,
    out: &mut Vec<Diagnostic>,
) {
    let To::Model(t) = *rel.to else { return };
    let Some(names) = &rel.names else { return };
    let tm = ctx.model(t);
    let target_name = &tm.name;
    let owner = ctx.model(rel.owner);
    // Labels are built only for a finding (most relations have none).
    let field_label_of = || format!("{}.{}", owner.label(), rel.name);
    let rel_name = names.accessor.as_deref();
    let query = names.query_name.as_str();
    let hidden = names.hidden;

    let (fields, _) = forward_fields(ctx, t, 0);
    for cf in clashable_fields(&fields) {
        if !hidden && rel_name == Some(&*cf.name) {
            let clash_name = format!("{}.{}", tm.label(), cf.name);
            let field_name = field_label_of();
            emit(
                ctx,
                rel,
                out,
                "fields.E302",
                Severity::Error,
                format!(
                    "Reverse accessor '{target_name}.{}' for '{field_name}' clashes with field name '{clash_name}'.",
                    cf.name
                ),
                Some(format!(
                    "Rename field '{clash_name}', or add/change a related_name argument to the definition for field '{field_name}'."
                )),
            );
        }
        if cf.name == query {
            let clash_name = format!("{}.{}", tm.label(), cf.name);
            let field_name = field_label_of();
            emit(
                ctx,
                rel,
                out,
                "fields.E303",
                Severity::Error,
                format!(
                    "Reverse query name for '{field_name}' clashes with field name '{clash_name}'."
                ),
                Some(format!(
                    "Rename field '{clash_name}', or add/change a related_name argument to the definition for field '{field_name}'."
                )),
            );
        }
    }

    // Only relations whose accessor equals this one's accessor or query name can clash: look
    // them up by accessor, in `related_objects` order.
    let index = graph.clash_index(ctx, t);
    let by_accessor = match rel_name {
        Some(rn) if !hidden => index.with_accessor(rn),
        _ => &[],
    };
    let candidates = merge_sorted(by_accessor, index.with_accessor(query));
    for oi in candidates.map(|pos| index.objs[pos]) {
        if oi == ri {
            continue;
        }
        let other = &graph.index.rels[oi];
        let Some(on) = &other.names else { continue };
        let e304 = !hidden && rel_name.is_some() && on.accessor.as_deref() == rel_name;
        let e305 = on.accessor.as_deref() == Some(query);
        if !e304 && !e305 {
            continue;
        }
        let clash_name = facts_label(ctx, other);
        let field_name = field_label_of();
        if e304 {
            emit(
                ctx,
                rel,
                out,
                "fields.E304",
                Severity::Error,
                format!(
                    "Reverse accessor '{target_name}.{}' for '{field_name}' clashes with reverse accessor for '{clash_name}'.",
                    rel_name.unwrap_or_default()
                ),
                Some(format!(
                    "Add or change a related_name argument to the definition for '{field_name}' or '{clash_name}'."
                )),
            );
        }
        if e305 {
            emit(
                ctx,
                rel,
                out,
                "fields.E305",
                Severity::Error,
                format!(
                    "Reverse query name for '{field_name}' clashes with reverse query name for '{clash_name}'."
                ),
                Some(format!(
                    "Add or change a related_name argument to the definition for '{field_name}' or '{clash_name}'."
                )),
            );
        }
    }

    if ctx.pm.django_version >= (6, 1)
        && !hidden
        && let Some(rn) = rel_name
        && has_manager(ctx, graph, t, rn) == Some(true)
    {
        let field_name = field_label_of();
        emit(
            ctx,
            rel,
            out,
            "fields.E348",
            Severity::Error,
            format!(
                "Related name '{rn}' for '{field_name}' clashes with the name of a model manager."
            ),
            Some(format!(
                "Rename the model manager or change the related_name argument in the definition for field '{field_name}'."
            )),
        );
    }
}

/// The union of two increasing sequences, increasing (each value once).
fn merge_sorted<'s>(a: &'s [usize], b: &'s [usize]) -> impl Iterator<Item = usize> + 's {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || match (a.get(i).copied(), b.get(j).copied()) {
        (Some(x), Some(y)) => {
            if x <= y {
                i += 1;
            }
            if y <= x {
                j += 1;
            }
            Some(x.min(y))
        }
        (Some(x), None) => {
            i += 1;
            Some(x)
        }
        (None, Some(y)) => {
            j += 1;
            Some(y)
        }
        (None, None) => None,
    })
}

// ---------------------------------------------------------------------------------------------
// Managers (for fields.E348).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    Yes,
    No,
    Maybe,
}

/// Model classes in the MRO of a model (itself first), and whether the walk saw every base.
fn model_mro(ctx: &Ctx<'_>, idx: usize) -> (Vec<usize>, bool) {
    let mut out = Vec::new();
    let mut complete = true;
    fn walk(ctx: &Ctx<'_>, idx: usize, out: &mut Vec<usize>, complete: &mut bool, depth: u32) {
        if depth > 30 {
            *complete = false;
            return;
        }
        if out.contains(&idx) {
            return;
        }
        out.push(idx);
        let m = ctx.model(idx);
        if m.incomplete {
            *complete = false;
        }
        for p in &m.parents {
            match p {
                Parent::Model(p) => walk(ctx, *p, out, complete, depth + 1),
                Parent::Unknown(_) => *complete = false,
                _ => {}
            }
        }
    }
    walk(ctx, idx, &mut out, &mut complete, 0);
    (out, complete)
}

/// Is this class-body value a manager?
fn value_is_manager(ctx: &Ctx<'_>, file: SourceFile, e: &Expr) -> Tri {
    match &e.kind {
        ExprKind::Call { func, .. } => match &func.kind {
            ExprKind::Name(n) if n.ends_with(".as_manager") => Tri::Yes,
            ExprKind::Call { func: inner, .. }
                if inner
                    .as_name()
                    .is_some_and(|n| n.ends_with(".from_queryset")) =>
            {
                Tri::Yes
            }
            ExprKind::Name(_) => match &*ctx.resolver.resolve_expr_rc(file, func) {
                Resolved::External(q) => {
                    if is_django_manager(q) {
                        Tri::Yes
                    } else if q.starts_with("builtins.")
                        || (q.starts_with("django.") && !q.contains("anager"))
                    {
                        Tri::No
                    } else {
                        Tri::Maybe
                    }
                }
                &Resolved::Class(id) => class_is_manager(ctx, id, 0),
                // `PageManager = BasePageManager.from_queryset(PageQuerySet)`.
                Resolved::Value(_, v) if is_from_queryset_call(v) => Tri::Yes,
                Resolved::Function(..) => Tri::Maybe,
                _ => Tri::Maybe,
            },
            _ => Tri::Maybe,
        },
        ExprKind::Str(_)
        | ExprKind::Bytes
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::List(_)
        | ExprKind::Tuple(_)
        | ExprKind::Set(_)
        | ExprKind::Dict(_)
        | ExprKind::Lambda
        | ExprKind::BinOp { .. } => Tri::No,
        _ => Tri::Maybe,
    }
}

fn is_from_queryset_call(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Call { func, .. } if func.as_name().is_some_and(|n| n.ends_with(".from_queryset")))
}

fn is_django_manager(q: &str) -> bool {
    matches!(
        q,
        "django.db.models.Manager"
            | "django.db.models.manager.Manager"
            | "django.db.models.manager.BaseManager"
            | "django.db.models.BaseManager"
    )
}

fn class_is_manager(ctx: &Ctx<'_>, id: ClassId, depth: u32) -> Tri {
    if depth > 20 {
        return Tri::Maybe;
    }
    let Some(c) = ctx.class_def(id) else {
        return Tri::Maybe;
    };
    let mut result = Tri::No;
    for b in &c.bases {
        // `models.Manager["Model"]`: the generic alias of the class.
        let b = match &b.kind {
            ExprKind::Subscript { value, .. } => value.as_ref(),
            _ => b,
        };
        let r = match &b.kind {
            ExprKind::Call { func, .. }
                if func
                    .as_name()
                    .is_some_and(|n| n.ends_with(".from_queryset")) =>
            {
                Tri::Yes
            }
            _ => match &*ctx.resolver.resolve_expr_rc(id.file, b) {
                Resolved::External(q) if is_django_manager(q) => Tri::Yes,
                Resolved::External(q) if q.starts_with("builtins.") || q.starts_with("typing.") => {
                    Tri::No
                }
                &Resolved::Class(p) => class_is_manager(ctx, p, depth + 1),
                Resolved::Value(_, v) if is_from_queryset_call(v) => Tri::Yes,
                _ => Tri::Maybe,
            },
        };
        match r {
            Tri::Yes => return Tri::Yes,
            Tri::Maybe => result = Tri::Maybe,
            Tri::No => {}
        }
    }
    result
}

/// Managers declared in one model class body: (name, is-manager).
fn declared_managers(ctx: &Ctx<'_>, idx: usize) -> Option<Vec<(String, Tri)>> {
    let m = ctx.model(idx);
    let c = ctx.class_def(m.class)?;
    let mut out = Vec::new();
    for s in &c.body {
        if let Stmt::Assign { targets, value, .. } = s {
            for t in targets {
                if let AssignTarget::Name(n, _) = t {
                    if m.own_fields.iter().any(|f| &f.name == n) {
                        continue;
                    }
                    out.push((n.clone(), value_is_manager(ctx, m.file, value)));
                }
            }
        }
    }
    Some(out)
}

/// Is `name` in `_meta.managers` of the model?
fn has_manager(ctx: &Ctx<'_>, graph: &Graph<'_>, idx: usize, name: &str) -> Option<bool> {
    let shared = graph.model_mro(ctx, idx);
    let (mro, complete) = (&shared.0, shared.1);
    let mut maybe = !complete;
    let declared_managers = |ctx: &Ctx<'_>, c: usize| graph.declared_managers(ctx, c);
    for &c in mro {
        for (n, t) in declared_managers(ctx, c)?.iter() {
            if n == name && *t == Tri::Yes {
                return Some(true);
            }
            if n == name && *t == Tri::Maybe {
                maybe = true;
            }
        }
    }
    if name == "objects" && complete {
        // The auto-created `objects` of any concrete class in the MRO without managers.
        for &c in mro {
            let cm = ctx.model(c);
            if cm.abstract_ {
                continue;
            }
            let cshared = graph.model_mro(ctx, c);
            if !cshared.1 {
                maybe = true;
                continue;
            }
            let mut any = Tri::No;
            for &x in &cshared.0 {
                for (_, t) in declared_managers(ctx, x)?.iter() {
                    match *t {
                        Tri::Yes => any = Tri::Yes,
                        Tri::Maybe if any == Tri::No => any = Tri::Maybe,
                        _ => {}
                    }
                }
            }
            match any {
                Tri::No => return Some(true),
                Tri::Maybe => maybe = true,
                Tri::Yes => {}
            }
        }
    }
    if maybe { None } else { Some(false) }
}

// ---------------------------------------------------------------------------------------------
// ForeignObject / ForeignKey.

/// The `to_fields` of a ForeignObject/ForeignKey: `None` entries mean the primary key.
enum ToFields<'a> {
    /// A foreign key's `to_field`.
    One(Option<&'a str>),
    Many(Vec<Option<&'a str>>),
}

impl<'a> ToFields<'a> {
    fn as_slice(&self) -> &[Option<&'a str>] {
        match self {
            ToFields::One(f) => std::slice::from_ref(f),
            ToFields::Many(v) => v,
        }
    }
}

fn to_fields<'a>(rel: &Rel<'a>) -> Option<ToFields<'a>> {
    match rel.kind {
        RelKind::ForeignKey | RelKind::OneToOne => Some(ToFields::One(
            str_ref(rel.param("to_field"))
                .ok()?
                .filter(|s| !s.is_empty()),
        )),
        RelKind::ForeignObject => {
            let e = rel.param("to_fields")?;
            let items = e.as_sequence()?;
            items
                .iter()
                .map(|i| {
                    if i.is_none() {
                        Some(None)
                    } else {
                        i.as_str().map(|s| Some(s).filter(|s| !s.is_empty()))
                    }
                })
                .collect::<Option<Vec<_>>>()
                .map(ToFields::Many)
        }
        _ => None,
    }
}

/// fields.E312, fields.E347, fields.E310 / fields.E311.
fn check_foreign_object(
    ctx: &mut Ctx<'_>,
    graph: &Graph<'_>,
    rel: &Rel<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let To::Model(t) = *rel.to else { return };
    if rel.field.is_none() {
        return;
    }
    let Some(to_fields) = to_fields(rel) else {
        return;
    };
    let to_fields = to_fields.as_slice();
    // _check_to_fields_exist
    let mut all_exist = true;
    for tf in to_fields.iter().flatten() {
        match field_exists(ctx, graph, t, tf) {
            Some(true) => {}
            Some(false) => {
                all_exist = false;
                let target_label = ctx.model(t).label();
                emit(
                    ctx,
                    rel,
                    out,
                    "fields.E312",
                    Severity::Error,
                    format!(
                        "The to_field '{tf}' doesn't exist on the related model '{target_label}'."
                    ),
                    None,
                );
            }
            None => return,
        }
    }
    let (fields, complete) = forward_fields(ctx, t, 0);
    // _check_to_fields_composite_pk
    let concrete = concrete_of(ctx, t);
    for tf in to_fields {
        let composite = match tf {
            None => {
                ctx.concrete_parents(concrete).is_empty()
                    && fields.iter().any(|f| {
                        f.model == concrete && f.kind() == Some(FieldKind::CompositePrimaryKey)
                    })
            }
            Some(name) => fields
                .iter()
                .find(|f| &f.name == name)
                .is_some_and(|f| f.kind() == Some(FieldKind::CompositePrimaryKey)),
        };
        if composite {
            emit(
                ctx,
                rel,
                out,
                "fields.E347",
                Severity::Error,
                format!(
                    "Field defines a relation involving model '{}' which has a CompositePrimaryKey and such relations are not supported.",
                    ctx.model(t).name
                ),
                None,
            );
        }
    }
    // _check_unique_target
    if !all_exist || !complete || ctx.incomplete(t) {
        return;
    }
    let mut foreign: Vec<TField<'_>> = Vec::new();
    for tf in to_fields {
        match tf {
            None => {
                // The primary key: always unique.
                return;
            }
            Some(name) => {
                let Some(f) = fields
                    .iter()
                    .find(|f| &f.name == name || f.attname_is(name))
                else {
                    return;
                };
                if f.model != concrete {
                    // Not local to the target: Django raises FieldError instead.
                    return;
                }
                foreign.push(f.clone());
            }
        }
    }
    if foreign.is_empty() {
        return;
    }
    let mut any_unique = false;
    for f in &foreign {
        match field_unique(f) {
            Some(true) => any_unique = true,
            Some(false) => {}
            None => return,
        }
    }
    if any_unique {
        return;
    }
    if ctx.model(t).proxy {
        return;
    }
    let names: Vec<String> = foreign.iter().map(|f| f.name.to_string()).collect();
    match meta_unique_covers(ctx, t, &fields, &names) {
        Some(false) => {}
        _ => return,
    }
    let model_name = ctx.model(t).name.clone();
    if foreign.len() > 1 {
        let combo = foreign
            .iter()
            .map(|f| format!("'{}'", f.name))
            .collect::<Vec<_>>()
            .join(", ");
        emit(
            ctx,
            rel,
            out,
            "fields.E310",
            Severity::Error,
            format!("No subset of the fields {combo} on model '{model_name}' is unique."),
            Some("Mark a single field as unique=True or add a set of fields to a unique constraint (via unique_together or a UniqueConstraint (without condition) in the model Meta.constraints).".into()),
        );
    } else {
        emit(
            ctx,
            rel,
            out,
            "fields.E311",
            Severity::Error,
            format!(
                "'{model_name}.{}' must be unique because it is referenced by a foreign key.",
                foreign[0].name
            ),
            Some("Add unique=True to this field or add a UniqueConstraint (without condition) in the model Meta.constraints.".into()),
        );
    }
}

/// `field.unique`: `None` when djsa cannot tell.
fn field_unique(f: &TField<'_>) -> Option<bool> {
    match f.fref {
        FRef::AutoId | FRef::Ptr(_) => Some(true),
        FRef::Decl(d) => {
            if !d.options_known() {
                return None;
            }
            if matches!(
                d.kind,
                FieldKind::OneToOneField | FieldKind::CompositePrimaryKey
            ) {
                return Some(true);
            }
            let pk = flag(d, "primary_key", false)?;
            let unique = flag(d, "unique", false)?;
            Some(pk || unique)
        }
    }
}

/// Does `unique_together`, a total UniqueConstraint or a composite primary key of the model cover
/// a subset of `names`? `None` when djsa cannot tell.
fn meta_unique_covers(
    ctx: &Ctx<'_>,
    t: usize,
    fields: &[TField<'_>],
    names: &[String],
) -> Option<bool> {
    let m = ctx.model(t);
    if m.meta.incomplete {
        return None;
    }
    let subset = |group: &[String]| group.iter().all(|g| names.contains(g));
    let strings = |e: &Expr| -> Option<Vec<String>> {
        e.as_sequence()?
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect()
    };
    if let Some(ut) = m.meta.get("unique_together")
        && !ut.is_none()
    {
        let items = ut.as_sequence()?;
        if let Some(first) = items.first() {
            // A single tuple of names is normalised to a tuple of tuples.
            let groups: Vec<&Expr> = if first.as_str().is_some() {
                vec![ut]
            } else {
                items.iter().collect()
            };
            for g in groups {
                if subset(&strings(g)?) {
                    return Some(true);
                }
            }
        }
    }
    if let Some((cs, file)) = m.meta.get_with_file("constraints") {
        for c in cs.as_sequence()? {
            let ExprKind::Call {
                func,
                args,
                kwargs,
                has_splat,
            } = &c.kind
            else {
                return None;
            };
            let resolved = ctx.resolver.resolve_expr_rc(file, func);
            let Resolved::External(q) = &*resolved else {
                return None;
            };
            if !q.starts_with("django.") {
                return None;
            }
            if !q.ends_with(".UniqueConstraint") {
                continue;
            }
            if *has_splat {
                return None;
            }
            if !args.is_empty() {
                continue; // expressions: not a total constraint
            }
            match kwargs.iter().find(|k| k.name == "condition") {
                None => {}
                Some(k) if k.value.is_none() => {}
                Some(k) if matches!(k.value.kind, ExprKind::Call { .. }) => continue,
                Some(_) => return None,
            }
            let Some(fk) = kwargs.iter().find(|k| k.name == "fields") else {
                continue;
            };
            if subset(&strings(&fk.value)?) {
                return Some(true);
            }
        }
    }
    // A composite primary key that is exactly these fields.
    for f in fields {
        if let FRef::Decl(d) = f.fref
            && d.kind == FieldKind::CompositePrimaryKey
        {
            let pk: Vec<String> = d
                .args
                .iter()
                .map(|a| a.as_str().map(str::to_string))
                .collect::<Option<_>>()?;
            let mut a = pk.clone();
            a.sort();
            let mut b = names.to_vec();
            b.sort();
            if a == b {
                return Some(true);
            }
        }
    }
    Some(false)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OnDelete {
    Cascade,
    Protect,
    Restrict,
    SetNull,
    SetDefault,
    Set,
    DoNothing,
    DbCascade,
    DbSetNull,
    DbSetDefault,
}

impl OnDelete {
    fn is_db(self) -> bool {
        matches!(
            self,
            OnDelete::DbCascade | OnDelete::DbSetNull | OnDelete::DbSetDefault
        )
    }
}

fn on_delete_of(ctx: &Ctx<'_>, f: &Field, kind: RelKind) -> Option<OnDelete> {
    let e = param(f, kind, "on_delete")?;
    match &e.kind {
        // A name means the same throughout a file: resolved once per file and name (most
        // relations of a file share `models.CASCADE` and the like).
        ExprKind::Name(n) => {
            if let Some(v) = ctx
                .on_delete_names
                .borrow()
                .get(&f.file)
                .and_then(|m| m.get(n.as_str()))
            {
                return *v;
            }
            let v = on_delete_name(ctx, f.file, e);
            ctx.on_delete_names
                .borrow_mut()
                .entry(f.file)
                .or_default()
                .insert(n.clone(), v);
            v
        }
        _ => on_delete_name(ctx, f.file, e),
    }
}

/// [`on_delete_of`] for the `on_delete` expression `e` of a field in `file`.
fn on_delete_name(ctx: &Ctx<'_>, file: SourceFile, e: &Expr) -> Option<OnDelete> {
    let resolved = match &e.kind {
        ExprKind::Name(_) => ctx.resolver.resolve_expr_rc(file, e),
        ExprKind::Call { func, .. } => match &*ctx.resolver.resolve_expr_rc(file, func) {
            Resolved::External(q) if q.starts_with("django.db.models") && q.ends_with(".SET") => {
                return Some(OnDelete::Set);
            }
            _ => return None,
        },
        _ => return None,
    };
    let Resolved::External(q) = &*resolved else {
        return None;
    };
    if !q.starts_with("django.db.models.") {
        return None;
    }
    Some(match crate::resolve::last_dot(q) {
        "CASCADE" => OnDelete::Cascade,
        "PROTECT" => OnDelete::Protect,
        "RESTRICT" => OnDelete::Restrict,
        "SET_NULL" => OnDelete::SetNull,
        "SET_DEFAULT" => OnDelete::SetDefault,
        "DO_NOTHING" => OnDelete::DoNothing,
        "DB_CASCADE" => OnDelete::DbCascade,
        "DB_SET_NULL" => OnDelete::DbSetNull,
        "DB_SET_DEFAULT" => OnDelete::DbSetDefault,
        _ => return None,
    })
}

/// The on_delete of a forward field of a model (`None`: not a FK-like field or unknown).
fn field_on_delete(ctx: &Ctx<'_>, f: &TField<'_>) -> Option<OnDelete> {
    match f.fref {
        FRef::Ptr(_) => Some(OnDelete::Cascade),
        FRef::AutoId => None,
        FRef::Decl(d) => {
            let kind = RelKind::of(d.kind)?;
            if !matches!(
                kind,
                RelKind::ForeignKey | RelKind::OneToOne | RelKind::ForeignObject
            ) || !d.options_known()
            {
                return None;
            }
            on_delete_of(ctx, d, kind)
        }
    }
}

/// fields.E320 / E321 / E322 / E323.
fn check_on_delete(ctx: &mut Ctx<'_>, graph: &Graph<'_>, rel: &Rel<'_>, out: &mut Vec<Diagnostic>) {
    let Some(f) = rel.field else { return };
    let Some(od) = on_delete_of(ctx, f, rel.kind) else {
        return;
    };
    let v61 = ctx.pm.django_version >= (6, 1);
    let null = flag(f, "null", false);
    match od {
        OnDelete::SetNull | OnDelete::DbSetNull if null == Some(false) => {
            let name = if od == OnDelete::SetNull {
                "SET_NULL"
            } else {
                "DB_SET_NULL"
            };
            emit(
                ctx,
                rel,
                out,
                "fields.E320",
                Severity::Error,
                format!("Field specifies on_delete={name}, but cannot be null."),
                Some("Set null=True argument on the field, or change the on_delete rule.".into()),
            );
        }
        OnDelete::SetDefault if kwarg(f, "default").is_none() => {
            emit(
                ctx,
                rel,
                out,
                "fields.E321",
                Severity::Error,
                "Field specifies on_delete=SET_DEFAULT, but has no default value.".into(),
                Some("Set a default value, or change the on_delete rule.".into()),
            );
        }
        OnDelete::DbSetDefault if v61 && kwarg(f, "db_default").is_none() => {
            emit(
                ctx,
                rel,
                out,
                "fields.E322",
                Severity::Error,
                "Field specifies on_delete=DB_SET_DEFAULT, but has no db_default value.".into(),
                Some("Set a db_default value, or change the on_delete rule.".into()),
            );
        }
        _ => {}
    }
    if v61
        && od != OnDelete::DoNothing
        && let To::Model(t) = *rel.to
    {
        // Whether the target has a Python-level / a database-level variant (not DO_NOTHING),
        // computed once per target.
        let cached = graph.on_delete_cache.borrow().get(&t).copied();
        let (python, database) = match cached {
            Some(v) => v,
            None => {
                let (fields, _) = forward_fields(ctx, t, 0);
                let mut v = (false, false);
                for tf in fields.iter() {
                    match field_on_delete(ctx, tf) {
                        Some(OnDelete::DoNothing) | None => {}
                        Some(other) if other.is_db() => v.1 = true,
                        Some(_) => v.0 = true,
                    }
                }
                graph.on_delete_cache.borrow_mut().insert(t, v);
                v
            }
        };
        if (od.is_db() && python) || (!od.is_db() && database) {
            let (mine, theirs) = if od.is_db() {
                ("database", "Python")
            } else {
                ("Python", "database")
            };
            emit(
                ctx,
                rel,
                out,
                "fields.E323",
                Severity::Error,
                format!("Field specifies {mine}-level on_delete variant, but referenced model uses {theirs}-level variant."),
                Some("Use either database or Python on_delete variants uniformly in the references chain.".into()),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ManyToManyField.

fn check_many_to_many(
    ctx: &mut Ctx<'_>,
    graph: &Graph<'_>,
    rel: &Rel<'_>,
    ri: usize,
    out: &mut Vec<Diagnostic>,
) {
    let Some(f) = rel.field else { return };
    // _check_unique
    if flag(f, "unique", false) == Some(true) || flag(f, "primary_key", false) == Some(true) {
        emit(
            ctx,
            rel,
            out,
            "fields.E330",
            Severity::Error,
            "ManyToManyFields cannot be unique.".into(),
            None,
        );
    }
    check_relationship_model(ctx, graph, rel, out);
    check_ignored_options(ctx, rel, out);
    check_table_uniqueness(ctx, graph, rel, ri, out);
    if ctx.pm.django_version >= (6, 1) {
        check_m2m_on_delete(ctx, rel, out);
    }
}

fn through_of(ctx: &Ctx<'_>, rel: &Rel<'_>) -> Option<To> {
    let f = rel.field?;
    match param(f, rel.kind, "through") {
        None => None,
        Some(e) if e.is_none() => None,
        Some(e) => Some(resolve_to(ctx, e, f.file, rel.owner)),
    }
}

/// fields.W340 / W341 / W345 / W346.
fn check_ignored_options(ctx: &Ctx<'_>, rel: &Rel<'_>, out: &mut Vec<Diagnostic>) {
    let Some(f) = rel.field else { return };
    if kwarg(f, "null").is_some() {
        emit(
            ctx,
            rel,
            out,
            "fields.W340",
            Severity::Warning,
            "null has no effect on ManyToManyField.".into(),
            None,
        );
    }
    if let Some(v) = kwarg(f, "validators")
        && truthy_literal(v) == Some(true)
    {
        emit(
            ctx,
            rel,
            out,
            "fields.W341",
            Severity::Warning,
            "ManyToManyField does not support validators.".into(),
            None,
        );
    }
    let to_str = param(f, rel.kind, "to").and_then(Expr::as_str);
    let symmetrical = match param(f, rel.kind, "symmetrical") {
        None => Some(to_str == Some("self")),
        Some(e) if e.is_none() => Some(to_str == Some("self")),
        Some(e) => e.as_bool(),
    };
    if symmetrical == Some(true)
        && let Some(rn) = param(f, rel.kind, "related_name")
        && truthy_literal(rn) == Some(true)
    {
        emit(
            ctx,
            rel,
            out,
            "fields.W345",
            Severity::Warning,
            "related_name has no effect on ManyToManyField with a symmetrical relationship, e.g. to \"self\".".into(),
            None,
        );
    }
    if let Some(c) = kwarg(f, "db_comment")
        && truthy_literal(c) == Some(true)
    {
        emit(
            ctx,
            rel,
            out,
            "fields.W346",
            Severity::Warning,
            "db_comment has no effect on ManyToManyField.".into(),
            None,
        );
    }
}

fn truthy_literal(e: &Expr) -> Option<bool> {
    match &e.kind {
        ExprKind::Str(s) => Some(!s.is_empty()),
        ExprKind::Int(i) => Some(i.get() != 0),
        ExprKind::Bool(b) => Some(*b),
        ExprKind::None => Some(false),
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => Some(!v.is_empty()),
        ExprKind::Dict(v) => Some(!v.is_empty()),
        _ => None,
    }
}

/// The remote model of a forward field of a through model: `Some(None)` for a non-relation,
/// `None` when unknown.
fn remote_model(ctx: &Ctx<'_>, tf: &TField<'_>) -> Option<Option<To>> {
    match tf.fref {
        FRef::AutoId => Some(None),
        FRef::Ptr(p) => Some(Some(To::Model(p))),
        FRef::Decl(d) => match RelKind::of(d.kind) {
            None => {
                if d.kind == FieldKind::RelatedField {
                    None
                } else {
                    Some(None)
                }
            }
            Some(kind) => {
                if !d.options_known() {
                    return None;
                }
                let to = resolve_to(ctx, param(d, kind, "to")?, d.file, tf.model);
                if to == To::Unknown {
                    return None;
                }
                Some(Some(to))
            }
        },
    }
}

/// fields.E331, E333 - E339, E347 (many-to-many side).
fn check_relationship_model(
    ctx: &mut Ctx<'_>,
    graph: &Graph<'_>,
    rel: &Rel<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(f) = rel.field else { return };
    let through = through_of(ctx, rel);
    let qualified = match &through {
        Some(To::Model(th)) => {
            let m = ctx.model(*th);
            match &m.app_label {
                Some(a) => format!("{a}.{}", m.name),
                None => return,
            }
        }
        Some(To::Missing { shown, .. }) => {
            let e = param(f, rel.kind, "through");
            match e.map(|e| (e, &e.kind)) {
                Some((e, ExprKind::Name(_))) => match &*ctx.resolver.resolve_expr_rc(f.file, e) {
                    // A class (an abstract model): `app_label.ClassName`.
                    &Resolved::Class(id) => match ctx.pm.model_by_class(id) {
                        Some(i) => match &ctx.model(i).app_label {
                            Some(a) => format!("{a}.{}", ctx.model(i).name),
                            None => return,
                        },
                        None => return,
                    },
                    _ => shown.clone(),
                },
                _ => shown.clone(),
            }
        }
        Some(To::Unknown) => return,
        // The auto-created intermediary model (through_fields cannot be given without through).
        None => String::new(),
    };
    let through_fields: Option<Vec<Option<String>>> = match param(f, rel.kind, "through_fields") {
        None => None,
        Some(e) if e.is_none() => None,
        Some(e) => {
            let Some(items) = e.as_sequence() else { return };
            let mut v = Vec::new();
            for i in items {
                if i.is_none() {
                    v.push(None);
                } else {
                    let Some(s) = i.as_str() else { return };
                    v.push(Some(s.to_string()));
                }
            }
            Some(v)
        }
    };
    let from_model = rel.owner;
    match &through {
        Some(To::Missing { .. }) => {
            emit(
                ctx,
                rel,
                out,
                "fields.E331",
                Severity::Error,
                format!(
                    "Field specifies a many-to-many relation through model '{qualified}', which has not been installed."
                ),
                None,
            );
        }
        Some(To::Model(th)) if ctx.swapped(*th).is_some() => return,
        _ => {
            if let To::Model(to_model) = *rel.to {
                if through_fields.is_none() {
                    let composite = |ctx: &mut Ctx<'_>, m: usize| {
                        let c = concrete_of(ctx, m);
                        if !ctx.concrete_parents(c).is_empty() {
                            return false;
                        }
                        let (fs, _) = forward_fields(ctx, c, 0);
                        fs.iter()
                            .any(|x| x.kind() == Some(FieldKind::CompositePrimaryKey))
                    };
                    let name = if composite(ctx, to_model) {
                        Some(ctx.model(to_model).name.clone())
                    } else if composite(ctx, from_model) {
                        Some(ctx.model(from_model).name.clone())
                    } else {
                        None
                    };
                    if let Some(n) = name {
                        emit(
                            ctx,
                            rel,
                            out,
                            "fields.E347",
                            Severity::Error,
                            format!(
                                "Field defines a relation involving model '{n}' which has a CompositePrimaryKey and such relations are not supported."
                            ),
                            None,
                        );
                    }
                }
                if let Some(To::Model(th)) = &through {
                    let th = *th;
                    check_through_counts(ctx, rel, th, from_model, to_model, &through_fields, out);
                }
            }
        }
    }
    if let Some(tfs) = &through_fields {
        check_through_fields(ctx, graph, rel, &through, tfs, &qualified, out);
    }
}

/// fields.E333 - E336.
fn check_through_counts(
    ctx: &mut Ctx<'_>,
    rel: &Rel<'_>,
    th: usize,
    from_model: usize,
    to_model: usize,
    through_fields: &Option<Vec<Option<String>>>,
    out: &mut Vec<Diagnostic>,
) {
    let (all, complete) = forward_fields(ctx, th, 0);
    if !complete {
        return;
    }
    let Some(fields) = non_m2m_fields(&all) else {
        return;
    };
    let mut remotes = Vec::new();
    for tf in &fields {
        match remote_model(ctx, tf) {
            Some(r) => remotes.push(r),
            None => return,
        }
    }
    let count = |m: usize| {
        remotes
            .iter()
            .filter(|r| matches!(r, Some(To::Model(x)) if *x == m))
            .count()
    };
    let field_str = field_label(ctx, rel);
    let from_name = ctx.model(from_model).name.clone();
    let to_name = ctx.model(to_model).name.clone();
    let through_name = ctx.model(th).name.clone();
    let has_tf = through_fields.as_ref().is_some_and(|v| !v.is_empty());
    if from_model == to_model {
        let seen_self = count(from_model);
        if seen_self > 2 && !has_tf {
            let d = ctx
                .on_model(
                    th,
                    "fields.E333",
                    Severity::Error,
                    format!("The model is used as an intermediate model by '{field_str}', but it has more than two foreign keys to '{from_name}', which is ambiguous. You must specify which two foreign keys Django should use via the through_fields keyword argument."),
                )
                .hint("Use through_fields to specify which two foreign keys Django should use.");
            out.push(d);
        }
    } else {
        let seen_from = count(from_model);
        let seen_to = count(to_model);
        let hint = format!(
            "If you want to create a recursive relationship, use ManyToManyField(\"self\", through=\"{through_name}\")."
        );
        if seen_from > 1 && !has_tf {
            emit(
                ctx,
                rel,
                out,
                "fields.E334",
                Severity::Error,
                format!(
                    "The model is used as an intermediate model by '{field_str}', but it has more than one foreign key from '{from_name}', which is ambiguous. You must specify which foreign key Django should use via the through_fields keyword argument."
                ),
                Some(hint.clone()),
            );
        }
        if seen_to > 1 && !has_tf {
            emit(
                ctx,
                rel,
                out,
                "fields.E335",
                Severity::Error,
                format!(
                    "The model is used as an intermediate model by '{field_str}', but it has more than one foreign key to '{to_name}', which is ambiguous. You must specify which foreign key Django should use via the through_fields keyword argument."
                ),
                Some(hint),
            );
        }
        if seen_from == 0 || seen_to == 0 {
            let d = ctx.on_model(
                th,
                "fields.E336",
                Severity::Error,
                format!("The model is used as an intermediate model by '{field_str}', but it does not have a foreign key to '{from_name}' or '{to_name}'."),
            );
            out.push(d);
        }
    }
}

/// fields.E337 - E339.
fn check_through_fields(
    ctx: &mut Ctx<'_>,
    graph: &Graph<'_>,
    rel: &Rel<'_>,
    through: &Option<To>,
    tfs: &[Option<String>],
    qualified: &str,
    out: &mut Vec<Diagnostic>,
) {
    let ok = tfs.len() >= 2
        && tfs[0].as_deref().is_some_and(|s| !s.is_empty())
        && tfs[1].as_deref().is_some_and(|s| !s.is_empty());
    if !ok {
        emit(
            ctx,
            rel,
            out,
            "fields.E337",
            Severity::Error,
            format!(
                "Field specifies 'through_fields' but does not provide the names of the two link fields that should be used for the relation through model '{qualified}'."
            ),
            Some(
                "Make sure you specify 'through_fields' as through_fields=('field1', 'field2')"
                    .into(),
            ),
        );
        return;
    }
    let Some(To::Model(th)) = through else { return };
    let th = *th;
    let To::Model(target) = *rel.to else { return };
    let (all, complete) = forward_fields(ctx, th, 0);
    let Some(fields) = non_m2m_fields(&all) else {
        return;
    };
    let mut remotes = Vec::new();
    for tf in &fields {
        match remote_model(ctx, tf) {
            Some(r) => remotes.push(r),
            None => return,
        }
    }
    let through_name = ctx.model(th).name.clone();
    let pairs = [
        (tfs[0].clone().unwrap_or_default(), rel.owner),
        (tfs[1].clone().unwrap_or_default(), target),
    ];
    for (field_name, related) in pairs {
        let related_name = ctx.model(related).name.clone();
        let possible: Vec<&str> = fields
            .iter()
            .zip(&remotes)
            .filter(|(_, r)| matches!(r, Some(To::Model(x)) if *x == related))
            .map(|(f, _)| &*f.name)
            .collect();
        let hint = if possible.is_empty() {
            None
        } else {
            Some(format!(
                "Did you mean one of the following foreign keys to '{related_name}': {}?",
                possible.join(", ")
            ))
        };
        // `_meta.get_field`: forward fields by name, then by attname, then reverse relations.
        let found = all
            .iter()
            .find(|f| f.name == field_name)
            .or_else(|| all.iter().find(|f| f.attname_is(&field_name)));
        match found {
            Some(tf) => {
                let Some(remote) = remote_model(ctx, tf) else {
                    continue;
                };
                if !matches!(remote, Some(To::Model(x)) if x == related) {
                    emit(
                        ctx,
                        rel,
                        out,
                        "fields.E339",
                        Severity::Error,
                        format!(
                            "'{through_name}.{field_name}' is not a foreign key to '{related_name}'."
                        ),
                        hint,
                    );
                }
            }
            None => {
                if !complete || graph.reverse_has(ctx, th, &field_name) != Some(false) {
                    continue;
                }
                emit(
                    ctx,
                    rel,
                    out,
                    "fields.E338",
                    Severity::Error,
                    format!("The intermediary model '{qualified}' has no field '{field_name}'."),
                    hint,
                );
            }
        }
    }
}

/// Database table of a model: `None` when not known.
fn db_table(ctx: &Ctx<'_>, idx: usize) -> Option<String> {
    let m = ctx.model(idx);
    if m.proxy {
        let c = concrete_of(ctx, idx);
        if c == idx {
            return None;
        }
        return db_table(ctx, c);
    }
    if m.meta.incomplete {
        return None;
    }
    match m.meta.get("db_table") {
        Some(e) if !e.is_none() => {
            let s = e.as_str()?;
            if s.is_empty() {
                truncate(
                    ctx,
                    lower_joined(&[m.app_label.as_deref()?, "_"], &m.name, ""),
                )
            } else {
                Some(s.to_string())
            }
        }
        _ => truncate(
            ctx,
            lower_joined(&[m.app_label.as_deref()?, "_"], &m.name, ""),
        ),
    }
}

/// `truncate_name(name, connection.ops.max_name_length())`; `None` when the result depends on
/// a hash djsa does not compute or on an unknown backend.
fn truncate(ctx: &Ctx<'_>, name: String) -> Option<String> {
    // Every backend's limit is at least 30 characters: shorter names need no vendor lookup.
    if name.len() <= 30 {
        return Some(name);
    }
    let limit = match ctx.vendor() {
        Some("sqlite") => return Some(name),
        Some("postgresql") => 63,
        Some("mysql") => 64,
        Some("oracle") => 30,
        _ => 30,
    };
    if name.chars().count() <= limit {
        Some(name)
    } else {
        None
    }
}

fn model_managed(ctx: &Ctx<'_>, idx: usize) -> Option<bool> {
    let m = ctx.model(idx);
    if m.meta.incomplete {
        return None;
    }
    match m.meta.get("managed") {
        None => Some(true),
        Some(e) => e.as_bool(),
    }
}

/// The table of a many-to-many field's auto-created intermediary model.
fn m2m_auto_table(ctx: &Ctx<'_>, rel: &Rel<'_>) -> Option<String> {
    let f = rel.field?;
    match param(f, rel.kind, "db_table") {
        Some(e) if !e.is_none() => {
            let s = e.as_str()?;
            if !s.is_empty() {
                return Some(s.to_string());
            }
        }
        _ => {}
    }
    let owner = db_table(ctx, rel.owner)?;
    let stripped = if owner.len() >= 2 && owner.starts_with('"') && owner.ends_with('"') {
        owner[1..owner.len() - 1].to_string()
    } else {
        owner
    };
    truncate(
        ctx,
        crate::project::join_parts(&[&stripped, "_", &rel.name]),
    )
}

/// fields.E340 / fields.W344.
fn check_table_uniqueness(
    ctx: &mut Ctx<'_>,
    graph: &Graph<'_>,
    rel: &Rel<'_>,
    ri: usize,
    out: &mut Vec<Diagnostic>,
) {
    // Every registered table: (table, label, concrete identity, managed).
    #[derive(Clone, PartialEq, Eq)]
    enum Ident {
        Model(usize),
        Auto(usize),
    }
    let through = through_of(ctx, rel);
    let (my_table, my_ident, my_managed) = match &through {
        Some(To::Model(th)) => (
            db_table(ctx, *th),
            Ident::Model(concrete_of(ctx, *th)),
            model_managed(ctx, *th),
        ),
        Some(_) => return,
        None => {
            let managed = match (&*rel.to, model_managed(ctx, rel.owner)) {
                (_, Some(true)) => Some(true),
                (To::Model(t), Some(false)) => model_managed(ctx, *t),
                (To::Missing { .. }, Some(false)) => Some(true),
                _ => None,
            };
            (m2m_auto_table(ctx, rel), Ident::Auto(usize::MAX), managed)
        }
    };
    if my_managed != Some(true) {
        return;
    }
    let Some(my_table) = my_table else { return };
    let through_model = match &through {
        Some(To::Model(th)) => Some(*th),
        _ => None,
    };
    let mut hits: Vec<(String, Ident)> = Vec::new();
    let same_table_models = graph
        .index
        .model_tables
        .get(&my_table)
        .cloned()
        .unwrap_or_default();
    for idx in same_table_models {
        if Some(idx) == through_model {
            continue;
        }
        match model_managed(ctx, idx) {
            Some(true) => hits.push((ctx.model(idx).label(), Ident::Model(concrete_of(ctx, idx)))),
            Some(false) => {}
            None => return,
        }
    }
    let same_table_rels = graph
        .index
        .auto_tables
        .get(&my_table)
        .cloned()
        .unwrap_or_default();
    for i in same_table_rels {
        if i == ri {
            continue;
        }
        let other = &graph.index.rels[i];
        let managed = match (&other.to, model_managed(ctx, other.owner)) {
            (_, Some(true)) => Some(true),
            (To::Model(t), Some(false)) => model_managed(ctx, *t),
            (To::Missing { .. }, Some(false)) => Some(true),
            _ => None,
        };
        match managed {
            Some(true) => hits.push((facts_label(ctx, other), Ident::Auto(i))),
            Some(false) => {}
            None => return,
        }
    }
    if hits.len() != 1 {
        return;
    }
    let (clashing, ident) = hits.remove(0);
    if ident == my_ident {
        return;
    }
    let routers = ctx
        .pm
        .settings
        .env
        .names
        .get("DATABASE_ROUTERS")
        .map(|v| v.truthy());
    let routers = match routers {
        None => false,
        Some(Some(b)) => b,
        Some(None) => return,
    };
    let message = format!(
        "The field's intermediary table '{my_table}' clashes with the table name of '{clashing}'."
    );
    if routers {
        emit(
            ctx,
            rel,
            out,
            "fields.W344",
            Severity::Warning,
            message,
            Some(format!(
                "You have configured settings.DATABASE_ROUTERS. Verify that the table of '{clashing}' is correctly routed to a separate database."
            )),
        );
    } else {
        emit(ctx, rel, out, "fields.E340", Severity::Error, message, None);
    }
}

/// fields.E323 on the models joined by an auto-created intermediary model (Django 6.1).
fn check_m2m_on_delete(ctx: &mut Ctx<'_>, rel: &Rel<'_>, out: &mut Vec<Diagnostic>) {
    let Some(f) = rel.field else { return };
    if param(f, rel.kind, "through").is_some_and(|e| !e.is_none()) {
        return;
    }
    let mut models = vec![rel.owner];
    match *rel.to {
        To::Model(t) => models.push(t),
        To::Missing { .. } => {}
        To::Unknown => return,
    }
    let field_str = field_label(ctx, rel);
    for m in models {
        let (fields, _) = forward_fields(ctx, m, 0);
        for tf in fields.iter() {
            let Some(od) = field_on_delete(ctx, tf) else {
                continue;
            };
            if od == OnDelete::DoNothing || !od.is_db() {
                continue;
            }
            let FRef::Decl(d) = tf.fref else { continue };
            let label = format!("{}.{}", ctx.model(tf.model).label(), tf.name);
            out.push(
                Diagnostic::new(
                    "fields.E323",
                    Severity::Error,
                    "Field specifies database-level on_delete variant, but auto-created intermediary model uses Python-level variant.",
                )
                .at(d.file, d.name_span)
                .object(label)
                .hint(format!("Use either one of the Python on_delete variants or create a through model for {field_str}.")),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lazy references (django/core/checks/model_checks.py).

/// fields.E307: a relation whose lazy reference never resolves. The auto-created intermediary
/// model of a many-to-many field reports its own foreign key too.
fn check_lazy_references<'r, 'a: 'r>(
    ctx: &Ctx<'_>,
    rels: impl Iterator<Item = &'r Rel<'a>>,
    out: &mut Vec<Diagnostic>,
) {
    for rel in rels {
        let To::Missing {
            key: Some((app, model)),
            ..
        } = &*rel.to
        else {
            continue;
        };
        let model_error = if ctx.pm.app(app).is_some() {
            format!("app '{app}' doesn't provide model '{model}'")
        } else {
            format!("app '{app}' isn't installed")
        };
        let label = field_label(ctx, rel);
        let msg = |field: &str| {
            format!(
                "The field {field} was declared with a lazy reference to '{app}.{model}', but {model_error}."
            )
        };
        out.push(
            Diagnostic::new("fields.E307", Severity::Error, msg(&label))
                .at(rel.file, rel.span)
                .object(label.clone()),
        );
        if rel.kind == RelKind::ManyToMany
            && !rel.owner_swapped
            && let Some(f) = rel.field
            && param(f, rel.kind, "through").is_none_or(|e| e.is_none())
        {
            let owner = ctx.model(rel.owner);
            let from = owner.model_name();
            let to = if *model == from {
                format!("to_{model}")
            } else {
                model.clone()
            };
            let through_label = format!(
                "{}.{}_{}.{}",
                owner.app_label.as_deref().unwrap_or("?"),
                owner.name,
                rel.name,
                to
            );
            out.push(
                Diagnostic::new("fields.E307", Severity::Error, msg(&through_label))
                    .at(rel.file, rel.span)
                    .object(through_label.clone()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::merge_sorted;

    #[test]
    fn merge_sorted_is_the_sorted_union() {
        let cases: &[(&[usize], &[usize])] = &[
            (&[], &[]),
            (&[1], &[]),
            (&[], &[2]),
            (&[1, 3, 5], &[2, 3, 6]),
            (&[4], &[4]),
            (&[0, 9], &[1, 2, 3]),
        ];
        for (a, b) in cases {
            let mut want: Vec<usize> = a.iter().chain(b.iter()).copied().collect();
            want.sort_unstable();
            want.dedup();
            assert_eq!(merge_sorted(a, b).collect::<Vec<_>>(), want);
        }
    }
}
