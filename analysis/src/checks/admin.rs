//! Django's admin checks (`admin.E*`, `admin.W411`) decided from source.
//!
//! `django.contrib.admin.checks.check_dependencies` (settings), and the ModelAdmin / inline checks
//! Django runs for every ModelAdmin registered on the default site. The registry is read from the
//! syntax of every installed app's `admin` module (`admin.site.register(...)`, `@admin.register`,
//! `admin.site.unregister(...)`); the ModelAdmin classes are read through their base classes.
//! Whenever an attribute could be computed, inherited from a class djsa cannot read, or set at
//! run time, the checks that need it stay silent.

use std::borrow::Cow;
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::checks::Ctx;
use crate::checks::contrib::{FInfo, Lookup, ModelIndex};
use crate::db::{Db, Origin, Project, SourceFile};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fields::FieldKind;
use crate::resolve::{ClassId, Resolved, Resolver};
use crate::settings::{Located, Value};
use crate::span::Span;
use crate::syntax::{ClassDef, Expr, ExprKind, FunctionDef, Stmt, Target as SynTarget};

/// The admin checks on the project as a whole: the admin's settings requirements, and the
/// ModelAdmins of registered models no app's query checks (not among the concrete models: an
/// abstract model named by AUTH_USER_MODEL).
pub(super) fn check_project(ctx: &mut Ctx<'_>) {
    if !ctx.app_installed("django.contrib.admin") {
        return;
    }
    check_dependencies(ctx);
    if !admin_autodiscovers(ctx) {
        return;
    }
    let reg = default_registry(ctx.db, ctx.project);
    let concrete = &ctx.pm.index.concrete;
    let mut entries: Vec<(usize, RegEntry)> = reg
        .default
        .keys()
        .filter(|m| concrete.binary_search(m).is_err())
        .filter_map(|&m| Some((m, reg.get(ctx, m)?)))
        .collect();
    if entries.is_empty() {
        return;
    }
    entries.sort_by_key(|(m, _)| *m);
    let index = ctx.model_index();
    check_registered(ctx, &index, reg, entries);
}

/// The checks of the ModelAdmins registered for the given models (one app's).
pub(super) fn check_models(ctx: &mut Ctx<'_>, models: &[usize]) {
    if !ctx.app_installed("django.contrib.admin") {
        return;
    }
    if !admin_autodiscovers(ctx) {
        // SimpleAdminConfig: admin modules are imported only where the project says so.
        return;
    }
    let index = ctx.model_index();
    let reg = default_registry(ctx.db, ctx.project);
    let entries: Vec<(usize, RegEntry)> = models
        .iter()
        .filter_map(|&m| Some((m, reg.get(ctx, m)?)))
        .collect();
    check_registered(ctx, &index, reg, entries);
}

// ---------------------------------------------------------------------------------------------
// Classes: MRO and attributes.

/// An entry of a class's MRO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    /// A class djsa read.
    Class(ClassId),
    /// A class known by qualified name only (outside the loaded files, or one of Django's admin
    /// base classes, which djsa knows by heart).
    External(String),
    /// A base djsa could not resolve.
    Unknown(String),
}

/// What a class attribute is bound to in a class body.
#[derive(Debug, Clone, Copy)]
pub(super) enum AttrValue<'a> {
    Expr(&'a Expr, SourceFile),
    /// A `def`: `property` when decorated with property/cached_property, `plain` when undecorated.
    Method {
        property: bool,
        plain: bool,
    },
    NestedClass,
}

#[derive(Debug, Clone)]
pub(super) enum ClassAttr<'a> {
    Found {
        value: AttrValue<'a>,
        owner: ClassId,
        /// The name's span in the owner's body.
        span: Span,
    },
    /// Not defined anywhere along a fully known MRO.
    Missing,
    /// Defined conditionally, or the MRO is not known.
    Unknown,
    /// The lookup reached a class djsa knows only by name; the caller decides.
    #[allow(dead_code)]
    Leaf(Node),
    /// A value djsa knows by heart (a default of Django's admin classes).
    Value(SVal),
}

/// Modules whose classes djsa treats as known leaves (Django's admin machinery).
fn terminal_module(module: &str) -> bool {
    matches!(
        module,
        "django.contrib.admin.options"
            | "django.contrib.admin.filters"
            | "django.contrib.admin.sites"
            | "django.contrib.admin.helpers"
            | "django.contrib.contenttypes.admin"
    )
}

/// Canonical name of a qualified name that re-exports Django admin classes.
fn canonical(q: &str) -> String {
    const OPTIONS: &[&str] = &[
        "ModelAdmin",
        "StackedInline",
        "TabularInline",
        "HORIZONTAL",
        "VERTICAL",
        "ShowFacets",
    ];
    const FILTERS: &[&str] = &[
        "AllValuesFieldListFilter",
        "BooleanFieldListFilter",
        "ChoicesFieldListFilter",
        "DateFieldListFilter",
        "EmptyFieldListFilter",
        "FieldListFilter",
        "ListFilter",
        "RelatedFieldListFilter",
        "RelatedOnlyFieldListFilter",
        "SimpleListFilter",
    ];
    if let Some(name) = q.strip_prefix("django.contrib.admin.") {
        if OPTIONS.contains(&name) {
            return format!("django.contrib.admin.options.{name}");
        }
        if FILTERS.contains(&name) {
            return format!("django.contrib.admin.filters.{name}");
        }
        if name == "AdminSite" {
            return "django.contrib.admin.sites.AdminSite".into();
        }
    }
    q.to_string()
}

/// The statement binding `name` in a class body: the last plain binding, or `Err(())` when a
/// conditional block or a computed statement may bind it.
fn body_binding<'b>(body: &'b [Stmt], name: &str) -> Result<Option<&'b Stmt>, ()> {
    let mut found = None;
    for s in body {
        match s {
            Stmt::Assign { targets, .. } => {
                for t in targets {
                    match t {
                        SynTarget::Name(n, _) if n == name => found = Some(s),
                        SynTarget::Complex(names, _) if names.iter().any(|n| n == name) => {
                            return Err(());
                        }
                        _ => {}
                    }
                }
            }
            Stmt::Function(f) if f.name == name => found = Some(s),
            Stmt::Class(c) if c.name == name => found = Some(s),
            Stmt::AugAssign { target, .. } if target == name => return Err(()),
            Stmt::Import { module, alias, .. } => {
                let bound = alias
                    .clone()
                    .unwrap_or_else(|| module.split('.').next().unwrap_or("").to_string());
                if bound == name {
                    return Err(());
                }
            }
            Stmt::ImportFrom { names, star, .. }
                if *star
                    || names
                        .iter()
                        .any(|(n, a)| a.as_deref().unwrap_or(n.as_str()) == name) =>
            {
                return Err(());
            }
            Stmt::If { body, orelse, .. }
                if body_binding(body, name)?.is_some() || body_binding(orelse, name)?.is_some() =>
            {
                return Err(());
            }
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                let mut any = body_binding(body, name)?.is_some()
                    || body_binding(orelse, name)?.is_some()
                    || body_binding(finalbody, name)?.is_some();
                for h in handlers {
                    any |= body_binding(h, name)?.is_some();
                }
                if any {
                    return Err(());
                }
            }
            Stmt::Opaque { assigned, .. } if assigned.iter().any(|n| n == name) => {
                return Err(());
            }
            _ => {}
        }
    }
    Ok(found)
}

/// [`body_binding`] for every name of a class body at once, read in one pass (the admin checks
/// ask one class for dozens of attributes).
struct Bindings<'b> {
    /// The last plain binding of each name, or `Err(())` when a conditional block or a computed
    /// statement may bind it.
    names: FxHashMap<&'b str, Result<&'b Stmt, ()>>,
    /// A star import (at any depth): every name may be bound.
    star: bool,
}

impl<'b> Bindings<'b> {
    fn new(body: &'b [Stmt]) -> Bindings<'b> {
        let mut b = Bindings {
            // Most statements bind one name.
            names: FxHashMap::with_capacity_and_hasher(body.len(), Default::default()),
            star: false,
        };
        for s in body {
            match s {
                Stmt::Assign { targets, .. } => {
                    for t in targets {
                        match t {
                            SynTarget::Name(n, _) => b.bind(n, Ok(s)),
                            SynTarget::Complex(names, _) => {
                                for n in names {
                                    b.bind(n, Err(()));
                                }
                            }
                        }
                    }
                }
                Stmt::Function(f) => b.bind(&f.name, Ok(s)),
                Stmt::Class(c) => b.bind(&c.name, Ok(s)),
                Stmt::AugAssign { target, .. } => b.bind(target, Err(())),
                Stmt::Import { module, alias, .. } => {
                    let bound = match alias {
                        Some(a) => a.as_str(),
                        None => module.split('.').next().unwrap_or(""),
                    };
                    b.bind(bound, Err(()));
                }
                Stmt::ImportFrom { names, star, .. } => {
                    b.star |= *star;
                    for (n, a) in names {
                        b.bind(a.as_deref().unwrap_or(n.as_str()), Err(()));
                    }
                }
                // Whatever a block binds (in any way) is conditional.
                Stmt::If { .. } | Stmt::Try { .. } => {
                    for block in s.blocks() {
                        b.uncertain(block);
                    }
                }
                Stmt::Opaque { assigned, .. } => {
                    for n in assigned {
                        b.bind(n, Err(()));
                    }
                }
                _ => {}
            }
        }
        b
    }

    /// A later plain binding replaces an earlier one; an uncertain one stays.
    fn bind(&mut self, name: &'b str, v: Result<&'b Stmt, ()>) {
        let slot = self.names.entry(name).or_insert(v);
        if slot.is_ok() {
            *slot = v;
        }
    }

    /// Every name a nested block binds, as [`body_binding`] finds them there.
    fn uncertain(&mut self, body: &'b [Stmt]) {
        let inner = Bindings::new(body);
        self.star |= inner.star;
        for n in inner.names.into_keys() {
            self.bind(n, Err(()));
        }
    }

    /// `body_binding(body, name)`.
    fn get(&self, name: &str) -> Result<Option<&'b Stmt>, ()> {
        if self.star {
            return Err(());
        }
        match self.names.get(name) {
            None => Ok(None),
            Some(Ok(s)) => Ok(Some(*s)),
            Some(Err(())) => Err(()),
        }
    }
}

fn method_value(f: &FunctionDef) -> AttrValue<'_> {
    let property = f.decorators.iter().any(
        |d| matches!(d.as_name(), Some(n) if n == "property" || n.ends_with("cached_property")),
    );
    AttrValue::Method {
        property,
        plain: f.decorators.is_empty(),
    }
}

impl<'a> Ctx<'a> {
    /// The qualified name of a class djsa read (`module.Name`).
    pub(super) fn class_qualname(&self, id: ClassId) -> Option<String> {
        let def = self.class_def(id)?;
        let module = id.file.module(self.db).clone()?;
        Some(format!("{module}.{}", def.name))
    }

    fn base_node(&self, file: SourceFile, base: &Expr) -> Node {
        match &*self.resolver.resolve_expr_rc(file, base) {
            &Resolved::Class(id) => self.class_node(id),
            Resolved::External(q) => Node::External(canonical(q)),
            _ => Node::Unknown(crate::project::expr_text(base)),
        }
    }

    fn class_node(&self, id: ClassId) -> Node {
        let module = id.file.module(self.db).as_deref().unwrap_or_default();
        if terminal_module(module)
            && let Some(def) = self.class_def(id)
        {
            return Node::External(crate::project::join_parts(&[module, ".", &def.name]));
        }
        Node::Class(id)
    }

    /// C3 linearization of a class; Django's admin base classes are leaves.
    pub(super) fn mro(&self, id: ClassId) -> Option<Vec<Node>> {
        self.mro_shared(id).map(|v| v.as_ref().clone())
    }

    /// [`Ctx::mro`], computed once per class.
    pub(super) fn mro_shared(&self, id: ClassId) -> Option<Rc<Vec<Node>>> {
        if let Some(v) = self.mro_cache.borrow().get(&id) {
            return v.clone();
        }
        let v = self.mro_of(self.class_node(id), 0).map(Rc::new);
        self.mro_cache.borrow_mut().insert(id, v.clone());
        v
    }

    fn mro_of(&self, node: Node, depth: u32) -> Option<Vec<Node>> {
        if depth > 25 {
            return None;
        }
        let Node::Class(id) = node else {
            return Some(vec![node]);
        };
        let def = self.class_def(id)?;
        // One base: the merge keeps the base's MRO as it is (it starts with the base and has no
        // repeats).
        if let [b] = def.bases.as_slice() {
            let base = self.mro_of(self.base_node(id.file, b), depth + 1)?;
            let mut out = Vec::with_capacity(base.len() + 1);
            out.push(Node::Class(id));
            out.extend(base);
            return (out.len() <= 200).then_some(out);
        }
        let mut seqs: Vec<Vec<Node>> = Vec::new();
        let mut bases = Vec::new();
        for b in &def.bases {
            let n = self.base_node(id.file, b);
            seqs.push(self.mro_of(n.clone(), depth + 1)?);
            bases.push(n);
        }
        seqs.push(bases);
        let mut out = vec![Node::Class(id)];
        loop {
            seqs.retain(|s| !s.is_empty());
            if seqs.is_empty() {
                break;
            }
            let cand = seqs
                .iter()
                .map(|s| &s[0])
                .find(|c| !seqs.iter().any(|s| s[1..].contains(c)))?
                .clone();
            for s in seqs.iter_mut() {
                if s.first() == Some(&cand) {
                    s.remove(0);
                }
            }
            out.push(cand);
            if out.len() > 200 {
                return None;
            }
        }
        Some(out)
    }

    /// Look a class attribute up along the MRO. `leaf` decides at classes known by name only:
    /// `Some(answer)` stops, `None` continues with the next class.
    pub(super) fn class_attr(
        &self,
        id: ClassId,
        name: &str,
        leaf: &dyn Fn(&Node, &str) -> Option<ClassAttr<'a>>,
    ) -> ClassAttr<'a> {
        let Some(mro) = self.mro_shared(id) else {
            return ClassAttr::Unknown;
        };
        for node in mro.iter() {
            match node {
                Node::Class(cid) => {
                    let Some(def) = self.class_def(*cid) else {
                        return ClassAttr::Unknown;
                    };
                    if let Some(a) = self.own_attr(*cid, def, name) {
                        return a;
                    }
                }
                other => {
                    if let Some(a) = leaf(other, name) {
                        return a;
                    }
                }
            }
        }
        ClassAttr::Missing
    }

    /// An attribute bound in one class body (`None`: not bound there).
    fn own_attr(&self, cid: ClassId, def: &'a ClassDef, name: &str) -> Option<ClassAttr<'a>> {
        binding_attr(cid, def, name, body_binding(&def.body, name))
    }

    /// Whether a class is a subclass of a qualified (canonical) class name: `None` if the MRO is
    /// not fully known and the name was not found.
    pub(super) fn class_inherits(&self, id: ClassId, names: &[&str]) -> Option<bool> {
        let mro = self.mro_shared(id)?;
        let mut known = true;
        for n in mro.iter() {
            match n {
                Node::External(q) if names.contains(&q.as_str()) => return Some(true),
                Node::External(q) if q == "builtins.object" => {}
                Node::External(q) if known_leaf(q) => {}
                Node::Class(_) => {}
                _ => known = false,
            }
        }
        known.then_some(false)
    }
}

/// A class attribute from how the owner's body binds it (`None`: not bound there).
fn binding_attr<'a>(
    cid: ClassId,
    def: &'a ClassDef,
    name: &str,
    binding: Result<Option<&'a Stmt>, ()>,
) -> Option<ClassAttr<'a>> {
    match binding {
        Err(()) => Some(ClassAttr::Unknown),
        Ok(None) => None,
        Ok(Some(s)) => Some(match s {
            Stmt::Assign { targets, value, .. } => {
                let span = targets
                    .iter()
                    .find_map(|t| match t {
                        SynTarget::Name(n, sp) if n == name => Some(*sp),
                        _ => None,
                    })
                    .unwrap_or(def.name_span);
                ClassAttr::Found {
                    value: AttrValue::Expr(value, cid.file),
                    owner: cid,
                    span,
                }
            }
            Stmt::Function(f) => ClassAttr::Found {
                value: method_value(f),
                owner: cid,
                span: f.name_span,
            },
            Stmt::Class(c) => ClassAttr::Found {
                value: AttrValue::NestedClass,
                owner: cid,
                span: c.name_span,
            },
            _ => ClassAttr::Unknown,
        }),
    }
}

/// Leaves whose own bases djsa knows (for subclass questions).
fn known_leaf(q: &str) -> bool {
    q.starts_with("django.contrib.admin.options.")
        || q.starts_with("django.contrib.admin.filters.")
        || q.starts_with("django.contrib.contenttypes.admin.")
}

// ---------------------------------------------------------------------------------------------
// Static values.

/// A value computed from source, as far as djsa can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SVal {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    Float,
    Bytes,
    List(Vec<SVal>),
    Tuple(Vec<SVal>),
    Set,
    Dict(Vec<(SVal, SVal)>),
    Class(ClassId),
    /// Something outside the loaded files, by qualified name.
    External(String),
    /// A function or lambda.
    Callable,
    Unknown,
}

impl SVal {
    pub(super) fn is_seq(&self) -> bool {
        matches!(self, SVal::List(_) | SVal::Tuple(_))
    }
    pub(super) fn items(&self) -> Option<&[SVal]> {
        match self {
            SVal::List(v) | SVal::Tuple(v) => Some(v),
            _ => None,
        }
    }
    /// The value's type is known (not a class, callable or unknown thing).
    pub(super) fn is_plain(&self) -> bool {
        matches!(
            self,
            SVal::Str(_)
                | SVal::Int(_)
                | SVal::Bool(_)
                | SVal::None
                | SVal::Float
                | SVal::Bytes
                | SVal::List(_)
                | SVal::Tuple(_)
                | SVal::Set
                | SVal::Dict(_)
        )
    }
    /// Python truthiness, when known.
    pub(super) fn truthy(&self) -> Option<bool> {
        match self {
            SVal::Str(s) => Some(!s.is_empty()),
            SVal::Int(i) => Some(*i != 0),
            SVal::Bool(b) => Some(*b),
            SVal::None => Some(false),
            SVal::List(v) | SVal::Tuple(v) => Some(!v.is_empty()),
            SVal::Dict(v) => Some(!v.is_empty()),
            SVal::Class(_) | SVal::Callable => Some(true),
            _ => None,
        }
    }
    /// Fully known (no unknown parts anywhere).
    pub(super) fn fully_known(&self) -> bool {
        match self {
            SVal::Unknown | SVal::External(_) | SVal::Float | SVal::Set => false,
            SVal::List(v) | SVal::Tuple(v) => v.iter().all(SVal::fully_known),
            SVal::Dict(v) => v.iter().all(|(k, x)| k.fully_known() && x.fully_known()),
            _ => true,
        }
    }
}

const MAX_EVAL_DEPTH: u32 = 24;

impl<'a> Ctx<'a> {
    /// Evaluate an expression of `file`; `class` is the class whose body it appears in.
    pub(super) fn eval(
        &self,
        file: SourceFile,
        e: &Expr,
        class: Option<ClassId>,
        depth: u32,
    ) -> SVal {
        if depth > MAX_EVAL_DEPTH {
            return SVal::Unknown;
        }
        match &e.kind {
            ExprKind::Str(s) => SVal::Str(s.clone()),
            ExprKind::Int(i) => SVal::Int(i.get()),
            ExprKind::Bool(b) => SVal::Bool(*b),
            ExprKind::None => SVal::None,
            ExprKind::Float(_) => SVal::Float,
            ExprKind::Bytes => SVal::Bytes,
            ExprKind::Lambda => SVal::Callable,
            ExprKind::Set(_) => SVal::Set,
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                let mut out = Vec::with_capacity(items.len());
                for it in items {
                    if let ExprKind::Starred(inner) = &it.kind {
                        match self.eval(file, inner, class, depth + 1) {
                            SVal::List(v) | SVal::Tuple(v) => out.extend(v),
                            _ => return SVal::Unknown,
                        }
                    } else {
                        out.push(self.eval(file, it, class, depth + 1));
                    }
                }
                if matches!(e.kind, ExprKind::List(_)) {
                    SVal::List(out)
                } else {
                    SVal::Tuple(out)
                }
            }
            ExprKind::Dict(pairs) => SVal::Dict(
                pairs
                    .iter()
                    .map(|(k, v)| {
                        (
                            self.eval(file, k, class, depth + 1),
                            self.eval(file, v, class, depth + 1),
                        )
                    })
                    .collect(),
            ),
            ExprKind::BinOp { op, left, right } if op == "+" => {
                let l = self.eval(file, left, class, depth + 1);
                let r = self.eval(file, right, class, depth + 1);
                match (l, r) {
                    (SVal::List(mut a), SVal::List(b)) => {
                        a.extend(b);
                        SVal::List(a)
                    }
                    (SVal::Tuple(mut a), SVal::Tuple(b)) => {
                        a.extend(b);
                        SVal::Tuple(a)
                    }
                    (SVal::Str(a), SVal::Str(b)) => SVal::Str(a + &b),
                    _ => SVal::Unknown,
                }
            }
            ExprKind::Unary { op, operand } if op == "-" => {
                match self.eval(file, operand, class, depth + 1) {
                    SVal::Int(i) => SVal::Int(-i),
                    _ => SVal::Unknown,
                }
            }
            ExprKind::Name(n) => self.eval_name(file, n, class, depth),
            ExprKind::Call {
                func,
                args,
                kwargs,
                has_splat: false,
            } if kwargs.is_empty()
                && args.len() == 3
                && func.as_name() == Some("getattr")
                && matches!(
                    *self.resolver.resolve_name_rc(file, "getattr"),
                    Resolved::Unknown
                ) =>
            {
                // `getattr(settings, "NAME", default)`: the settings value, else the default.
                let is_settings = matches!(
                    &*self.resolver.resolve_expr_rc(file, &args[0]),
                    Resolved::External(q) if q == "django.conf.settings"
                );
                let Some(name) = args[1].as_str().filter(|_| is_settings) else {
                    return SVal::Unknown;
                };
                match self.pm.settings.env.names.get(name) {
                    Some(v) => located_sval(v),
                    None => self.eval(file, &args[2], class, depth + 1),
                }
            }
            ExprKind::Call { .. } => match self.text_literal(file, e) {
                Some(s) => SVal::Str(s),
                None => SVal::Unknown,
            },
            _ => SVal::Unknown,
        }
    }

    fn eval_name(
        &self,
        file: SourceFile,
        dotted: &str,
        class: Option<ClassId>,
        depth: u32,
    ) -> SVal {
        let (first, rest) = match dotted.split_once('.') {
            Some((f, r)) => (f, Some(r)),
            None => (dotted, None),
        };
        // The class body's own namespace first.
        if let Some(cid) = class
            && let Some(def) = self.class_def(cid)
        {
            match body_binding(&def.body, first) {
                Err(()) => return SVal::Unknown,
                Ok(Some(s)) => {
                    let base = match s {
                        Stmt::Assign { value, .. } => {
                            // `x = x + ...` in a class body reads the global `x`: do not loop.
                            if depth > MAX_EVAL_DEPTH / 2 {
                                return SVal::Unknown;
                            }
                            self.eval(cid.file, value, Some(cid), depth + 1)
                        }
                        Stmt::Function(_) => SVal::Callable,
                        _ => SVal::Unknown,
                    };
                    return match rest {
                        None => base,
                        Some(r) => self.eval_attr_chain(base, r, depth),
                    };
                }
                Ok(None) => {}
            }
        }
        match rest {
            None => self.eval_resolved(&self.resolver.resolve_name_rc(file, first), depth),
            Some(r) => {
                let head = self.resolver.resolve_name_rc(file, first);
                match &*head {
                    Resolved::Module(_) | Resolved::External(_) => {
                        // A module path: resolve the whole chain as far as possible.
                        let mut parts: Vec<&str> = r.split('.').collect();
                        let mut tail: Vec<&str> = Vec::new();
                        while !parts.is_empty() {
                            let prefix = format!("{first}.{}", parts.join("."));
                            match &*self.resolver.resolve_name_rc(file, &prefix) {
                                Resolved::Unknown => {
                                    if let Some(p) = parts.pop() {
                                        tail.insert(0, p);
                                    }
                                }
                                res => {
                                    let base = self.eval_resolved(res, depth);
                                    return if tail.is_empty() {
                                        base
                                    } else {
                                        self.eval_attr_chain(base, &tail.join("."), depth)
                                    };
                                }
                            }
                        }
                        let base = self.eval_resolved(&head, depth);
                        self.eval_attr_chain(base, r, depth)
                    }
                    other => {
                        let base = self.eval_resolved(other, depth);
                        self.eval_attr_chain(base, r, depth)
                    }
                }
            }
        }
    }

    fn eval_resolved(&self, r: &Resolved, depth: u32) -> SVal {
        match r {
            &Resolved::Class(id) => SVal::Class(id),
            Resolved::External(q) => SVal::External(canonical(q)),
            Resolved::Function(..) => SVal::Callable,
            &Resolved::Value(f, ref e) => self.eval(f, e, None, depth + 1),
            Resolved::Module(_) | Resolved::Unknown => SVal::Unknown,
        }
    }

    /// `base.a.b`: attributes of classes djsa read.
    fn eval_attr_chain(&self, base: SVal, chain: &str, depth: u32) -> SVal {
        let mut cur = base;
        for attr in chain.split('.') {
            cur = match cur {
                SVal::Class(id) => match self.class_attr(id, attr, &admin_leaf) {
                    ClassAttr::Found {
                        value: AttrValue::Expr(e, f),
                        owner,
                        ..
                    } => self.eval(f, e, Some(owner), depth + 1),
                    ClassAttr::Found {
                        value: AttrValue::Method { .. },
                        ..
                    } => SVal::Callable,
                    ClassAttr::Value(v) => v,
                    _ => SVal::Unknown,
                },
                SVal::External(q) => SVal::External(format!("{q}.{attr}")),
                _ => SVal::Unknown,
            };
        }
        cur
    }
}

/// A settings value as a static value.
fn located_sval(v: &Located) -> SVal {
    match &v.value {
        Value::Str(s) => SVal::Str(s.clone()),
        Value::Int(i) => SVal::Int(*i),
        Value::Bool(b) => SVal::Bool(*b),
        Value::None => SVal::None,
        Value::List(items) => SVal::List(items.iter().map(located_sval).collect()),
        Value::Dict(pairs) => SVal::Dict(
            pairs
                .iter()
                .map(|(k, v)| (located_sval(k), located_sval(v)))
                .collect(),
        ),
        Value::Unknown(_) => SVal::Unknown,
    }
}

/// Defaults of Django's admin base classes that djsa knows (class attributes).
pub(super) fn django_admin_default(node: &Node, name: &str) -> Option<SVal> {
    let Node::External(q) = node else {
        return None;
    };
    AdminBase::of(q)?.default(name)
}

/// Django's admin base classes whose class attribute defaults djsa knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdminBase {
    BaseModelAdmin,
    ModelAdmin,
    /// `InlineModelAdmin` and its stacked and tabular subclasses.
    Inline,
    /// `GenericInlineModelAdmin` and its stacked and tabular subclasses.
    GenericInline,
}

impl AdminBase {
    /// The base class a qualified (canonical) name is.
    fn of(q: &str) -> Option<AdminBase> {
        Some(match q {
            "django.contrib.admin.options.BaseModelAdmin" => AdminBase::BaseModelAdmin,
            "django.contrib.admin.options.ModelAdmin" => AdminBase::ModelAdmin,
            "django.contrib.admin.options.InlineModelAdmin"
            | "django.contrib.admin.options.StackedInline"
            | "django.contrib.admin.options.TabularInline" => AdminBase::Inline,
            "django.contrib.contenttypes.admin.GenericInlineModelAdmin"
            | "django.contrib.contenttypes.admin.GenericStackedInline"
            | "django.contrib.contenttypes.admin.GenericTabularInline" => AdminBase::GenericInline,
            _ => return None,
        })
    }

    /// The class's default for a class attribute, when djsa knows it.
    fn default(self, name: &str) -> Option<SVal> {
        let t = |v: Vec<SVal>| SVal::Tuple(v);
        let base = || -> Option<SVal> {
            Some(match name {
                "autocomplete_fields"
                | "raw_id_fields"
                | "filter_vertical"
                | "filter_horizontal"
                | "readonly_fields" => t(vec![]),
                "fields"
                | "exclude"
                | "fieldsets"
                | "ordering"
                | "sortable_by"
                | "delete_confirmation_max_display" => SVal::None,
                "radio_fields" | "prepopulated_fields" | "formfield_overrides" => {
                    SVal::Dict(vec![])
                }
                "view_on_site" | "show_full_result_count" => SVal::Bool(true),
                "form" => SVal::External("django.forms.models.ModelForm".into()),
                _ => return None,
            })
        };
        let model_admin = || -> Option<SVal> {
            Some(match name {
                "list_display" => t(vec![SVal::Str("__str__".into())]),
                "list_display_links" | "list_filter" | "list_editable" | "search_fields"
                | "inlines" | "actions" => t(vec![]),
                "list_select_related" | "save_as" | "save_on_top" | "actions_on_bottom" => {
                    SVal::Bool(false)
                }
                "list_per_page" => SVal::Int(100),
                "list_max_show_all" => SVal::Int(200),
                "date_hierarchy" | "search_help_text" => SVal::None,
                "save_as_continue"
                | "preserve_filters"
                | "actions_on_top"
                | "actions_selection_counter" => SVal::Bool(true),
                _ => return base(),
            })
        };
        let inline = || -> Option<SVal> {
            Some(match name {
                "model"
                | "fk_name"
                | "min_num"
                | "max_num"
                | "verbose_name"
                | "verbose_name_plural"
                | "classes" => SVal::None,
                "extra" => SVal::Int(3),
                "can_delete" => SVal::Bool(true),
                "show_change_link" => SVal::Bool(false),
                "formset" => SVal::External("django.forms.models.BaseInlineFormSet".into()),
                _ => return base(),
            })
        };
        match self {
            AdminBase::BaseModelAdmin => base(),
            AdminBase::ModelAdmin => model_admin(),
            AdminBase::Inline => inline(),
            AdminBase::GenericInline => match name {
                "ct_field" => Some(SVal::Str("content_type".into())),
                "ct_fk_field" => Some(SVal::Str("object_id".into())),
                "formset" => Some(SVal::External(
                    "django.contrib.contenttypes.forms.BaseGenericInlineFormSet".into(),
                )),
                _ => inline(),
            },
        }
    }
}

/// The leaf rule for admin classes: Django's defaults where djsa knows them, `object` passes,
/// anything else is unknown.
pub(super) fn admin_leaf<'x>(n: &Node, name: &str) -> Option<ClassAttr<'x>> {
    if let Some(v) = django_admin_default(n, name) {
        return Some(ClassAttr::Value(v));
    }
    match n {
        Node::External(q) if q == "builtins.object" => None,
        Node::External(q) if known_leaf(q) => None,
        other => Some(ClassAttr::Leaf(other.clone())),
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers.

/// Python's `repr()` of a str.
pub(super) fn py_repr(s: &str) -> String {
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
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A settings value by name, with where it is set.
fn setting<'s>(ctx: &'s Ctx<'_>, name: &str) -> Option<&'s Located> {
    ctx.pm.settings.env.names.get(name)
}

fn settings_location(ctx: &Ctx<'_>, loc: Option<&Located>) -> Option<(SourceFile, Span)> {
    if let Some(l) = loc
        && let Some(f) = l.file
    {
        return Some((f, l.span));
    }
    ctx.pm.settings.file.map(|f| (f, Span::new(0, 0)))
}

// ---------------------------------------------------------------------------------------------
// check_dependencies: the admin's settings requirements (admin.E401-E410, admin.W411).

fn check_dependencies(ctx: &mut Ctx<'_>) {
    let Some((file, span)) = settings_location(ctx, None) else {
        return;
    };
    let _ = span;
    // Installed apps.
    if let Some(names) = installed_app_names(ctx) {
        let apps_loc = settings_location(ctx, setting(ctx, "INSTALLED_APPS"));
        for (app, code) in [
            ("django.contrib.contenttypes", "admin.E401"),
            ("django.contrib.auth", "admin.E405"),
            ("django.contrib.messages", "admin.E406"),
        ] {
            if !names.iter().any(|n| n == app) {
                let (f, s) = apps_loc.unwrap_or((file, Span::new(0, 0)));
                ctx.emit(
                    Diagnostic::new(
                        code,
                        Severity::Error,
                        format!("'{app}' must be in INSTALLED_APPS in order to use the admin application."),
                    )
                    .at(f, s),
                );
            }
        }
    }
    // Templates.
    let templates = setting(ctx, "TEMPLATES");
    let tloc = settings_location(ctx, templates).unwrap_or((file, Span::new(0, 0)));
    match django_templates_engine(templates) {
        EngineLookup::Unknown => {}
        EngineLookup::None => ctx.emit(
            Diagnostic::new(
                "admin.E403",
                Severity::Error,
                "A 'django.template.backends.django.DjangoTemplates' instance must be configured in TEMPLATES in order to use the admin application.",
            )
            .at(tloc.0, tloc.1),
        ),
        EngineLookup::Found(cps) => {
            if let Some(cps) = cps {
                let (f, s) = tloc;
                let has = |n: &str| cps.iter().any(|c| c == n);
                if !has("django.contrib.auth.context_processors.auth")
                    && uses_model_backend(ctx) == Some(true)
                {
                    ctx.emit(
                        Diagnostic::new(
                            "admin.E402",
                            Severity::Error,
                            "'django.contrib.auth.context_processors.auth' must be enabled in DjangoTemplates (TEMPLATES) if using the default auth backend in order to use the admin application.",
                        )
                        .at(f, s),
                    );
                }
                if !has("django.contrib.messages.context_processors.messages") {
                    ctx.emit(
                        Diagnostic::new(
                            "admin.E404",
                            Severity::Error,
                            "'django.contrib.messages.context_processors.messages' must be enabled in DjangoTemplates (TEMPLATES) in order to use the admin application.",
                        )
                        .at(f, s),
                    );
                }
                if !has("django.template.context_processors.request") && nav_sidebar_enabled(ctx)
                {
                    ctx.emit(
                        Diagnostic::new(
                            "admin.W411",
                            Severity::Warning,
                            "'django.template.context_processors.request' must be enabled in DjangoTemplates (TEMPLATES) in order to use the admin navigation sidebar.",
                        )
                        .at(f, s),
                    );
                }
            }
        }
    }
    // Middleware.
    let middleware = setting(ctx, "MIDDLEWARE");
    let mloc = settings_location(ctx, middleware).unwrap_or((file, Span::new(0, 0)));
    let entries: Option<Vec<String>> = match middleware {
        None => Some(Vec::new()),
        Some(l) => match &l.value {
            Value::List(items) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => None,
        },
    };
    let Some(entries) = entries else {
        return;
    };
    for (class, code, hint) in [
        (
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "admin.E408",
            None,
        ),
        (
            "django.contrib.messages.middleware.MessageMiddleware",
            "admin.E409",
            None,
        ),
        (
            "django.contrib.sessions.middleware.SessionMiddleware",
            "admin.E410",
            Some(
                "Insert 'django.contrib.sessions.middleware.SessionMiddleware' before 'django.contrib.auth.middleware.AuthenticationMiddleware'.",
            ),
        ),
    ] {
        if contains_subclass(ctx, &entries, class) == Some(false) {
            ctx.emit(
                Diagnostic::new(
                    code,
                    Severity::Error,
                    format!(
                        "'{class}' must be in MIDDLEWARE in order to use the admin application."
                    ),
                )
                .hint_opt(hint.map(str::to_string))
                .at(mloc.0, mloc.1),
            );
        }
    }
}

/// Whether the admin app's config runs `autodiscover()` (AdminConfig, not SimpleAdminConfig).
fn admin_autodiscovers(ctx: &Ctx<'_>) -> bool {
    let Some(app) = ctx
        .pm
        .apps
        .iter()
        .find(|a| a.name == "django.contrib.admin")
    else {
        // Not loaded from the environment: trust the plain entry (AdminConfig is the default).
        return ctx
            .pm
            .settings
            .installed_apps
            .as_ref()
            .is_some_and(|e| e.iter().any(|l| l.as_str() == Some("django.contrib.admin")));
    };
    let Some(config) = app.config else {
        return true;
    };
    let Some(mro) = ctx.mro(config) else {
        return false;
    };
    mro.iter().any(|n| match n {
        Node::Class(id) => {
            ctx.class_qualname(*id).as_deref() == Some("django.contrib.admin.apps.AdminConfig")
        }
        Node::External(q) => {
            q == "django.contrib.admin.apps.AdminConfig" || q == "django.contrib.admin.AdminConfig"
        }
        Node::Unknown(_) => false,
    })
}

/// Names (`AppConfig.name`) of INSTALLED_APPS, when all are known.
fn installed_app_names(ctx: &Ctx<'_>) -> Option<Vec<String>> {
    let entries = ctx.pm.settings.installed_apps.as_ref()?;
    let mut out = Vec::new();
    for e in entries {
        let s = e.as_str()?;
        match ctx
            .pm
            .apps
            .iter()
            .find(|a| a.entry.span == e.span && a.entry.file == e.file)
        {
            Some(a) => out.push(a.name.clone()),
            None => {
                // Not loaded: a module path names itself; an AppConfig path may name anything.
                let last = s.rsplit('.').next().unwrap_or(s);
                if last.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                    return None;
                }
                out.push(s.to_string());
            }
        }
    }
    Some(out)
}

enum EngineLookup {
    /// No DjangoTemplates engine.
    None,
    /// The first DjangoTemplates engine, with its context processors (if known).
    Found(Option<Vec<String>>),
    Unknown,
}

fn django_templates_engine(templates: Option<&Located>) -> EngineLookup {
    let Some(t) = templates else {
        return EngineLookup::None;
    };
    let Value::List(engines) = &t.value else {
        return EngineLookup::Unknown;
    };
    for e in engines {
        let Some(backend) = e.get("BACKEND").and_then(Located::as_str) else {
            return EngineLookup::Unknown;
        };
        match backend {
            "django.template.backends.django.DjangoTemplates" => {
                let options = e.get("OPTIONS");
                let cps = match options {
                    None => Some(Vec::new()),
                    Some(o) => match &o.value {
                        Value::Dict(_) => match o.get("context_processors") {
                            None => Some(Vec::new()),
                            Some(c) => c.as_list().and_then(|items| {
                                items
                                    .iter()
                                    .map(|i| i.as_str().map(str::to_string))
                                    .collect()
                            }),
                        },
                        _ => None,
                    },
                };
                return EngineLookup::Found(cps);
            }
            "django.template.backends.jinja2.Jinja2"
            | "django.template.backends.dummy.TemplateStrings" => {}
            // Another backend may subclass DjangoTemplates.
            _ => return EngineLookup::Unknown,
        }
    }
    EngineLookup::None
}

/// Whether AUTHENTICATION_BACKENDS holds ModelBackend or a subclass.
fn uses_model_backend(ctx: &Ctx<'_>) -> Option<bool> {
    let Some(b) = setting(ctx, "AUTHENTICATION_BACKENDS") else {
        return Some(true);
    };
    let items = b.as_list()?;
    let mut unknown = false;
    for i in items {
        match i.as_str()? {
            "django.contrib.auth.backends.ModelBackend"
            | "django.contrib.auth.backends.AllowAllUsersModelBackend"
            | "django.contrib.auth.backends.RemoteUserBackend"
            | "django.contrib.auth.backends.AllowAllUsersRemoteUserBackend" => return Some(true),
            s if s.starts_with("django.") => {}
            _ => unknown = true,
        }
    }
    if unknown { None } else { Some(false) }
}

/// Whether any admin site may show the navigation sidebar. djsa knows the default site; a
/// project AdminSite subclass may turn it off (or replace the default site): then stay silent.
fn nav_sidebar_enabled(ctx: &Ctx<'_>) -> bool {
    for file in ctx.project_files() {
        for (i, c) in crate::resolve::module_classes(ctx.db, file)
            .iter()
            .enumerate()
        {
            let id = ClassId {
                file,
                index: i as u32,
            };
            match ctx.class_inherits(id, &["django.contrib.admin.sites.AdminSite"]) {
                Some(true) => return false,
                Some(false) => {}
                None if c.name.contains("Site") => return false,
                None => {}
            }
        }
    }
    true
}

/// `_contains_subclass(class_path, candidate_paths)`.
fn contains_subclass(ctx: &Ctx<'_>, entries: &[String], class: &str) -> Option<bool> {
    let mut unknown = false;
    for e in entries {
        if e == class {
            return Some(true);
        }
        if e.starts_with("django.") {
            // Django's own middleware classes do not subclass one another.
            continue;
        }
        let Some((module, name)) = e.rsplit_once('.') else {
            continue;
        };
        let Some(file) = ctx.resolver.file_of(module) else {
            unknown = true;
            continue;
        };
        match &*ctx.resolver.resolve_name_rc(file, name) {
            &Resolved::Class(id) => match ctx.mro(id) {
                Some(mro) => {
                    for n in mro {
                        match n {
                            Node::External(q) if q == class => return Some(true),
                            Node::External(q)
                                if q == "builtins.object"
                                    || q == "django.utils.deprecation.MiddlewareMixin" => {}
                            Node::Class(_) => {}
                            _ => unknown = true,
                        }
                    }
                }
                None => unknown = true,
            },
            // ImportError is ignored by Django; anything else may be a subclass.
            _ => unknown = true,
        }
    }
    if unknown { None } else { Some(false) }
}

impl<'a> Ctx<'a> {
    /// The project's own files (not installed packages), in a stable order.
    pub(super) fn project_files(&self) -> Vec<SourceFile> {
        let db = self.db;
        let mut out: Vec<SourceFile> = self
            .resolver
            .module_files()
            .filter(|f| f.origin(db) == Origin::Project)
            .collect();
        out.sort_by(|a, b| a.path(db).cmp(b.path(db)));
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The default admin site's registry, read from the apps' admin modules.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdminRef {
    /// `ModelAdmin` itself (Django does not check it).
    Default,
    Class(ClassId),
    /// Built dynamically (`register(Model, **options)`) or not resolvable.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RegEntry {
    admin: AdminRef,
    /// Registered at the top level of an admin module (not under a condition).
    certain: bool,
}

/// The default site's registry. It holds no positions, and reads no model's facts (registrations
/// of swapped models are kept here: their readers skip them), so salsa backdates it across model
/// edits.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Registry {
    /// Concrete model index → its admin on the default site (see [`Registry::get`]).
    default: FxHashMap<usize, RegEntry>,
    /// Every registration on the default site is known (needed to say a model has no admin).
    complete: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SiteRef {
    Default,
    Other,
    Unknown,
}

/// The default site's [`Registry`], read from the apps' admin modules.
#[salsa::tracked(returns(ref))]
fn default_registry(db: &dyn Db, project: Project) -> Registry {
    let resolver = Resolver::new(db, project);
    let ctx = Ctx::new(db, project, &resolver);
    Registry::build(&ctx)
}

impl Registry {
    /// A model's admin on the default site; registrations of swapped models are ignored.
    fn get(&self, ctx: &Ctx<'_>, model: usize) -> Option<RegEntry> {
        let entry = self.default.get(&model)?;
        ctx.swapped(model).is_none().then_some(*entry)
    }

    fn build(ctx: &Ctx<'_>) -> Registry {
        let mut reg = Registry {
            default: FxHashMap::default(),
            complete: true,
        };
        let mut visited: FxHashSet<SourceFile> = FxHashSet::default();
        let mut order: Vec<SourceFile> = Vec::new();
        let packages: Vec<String> = ctx.pm.apps.iter().map(|a| a.name.clone()).collect();
        for app in &ctx.pm.apps {
            if let Some(f) = ctx.resolver.file_of(&format!("{}.admin", app.name)) {
                visit_admin_module(ctx, f, &packages, &mut visited, &mut order, 0);
            }
        }
        for f in &order {
            let body = &crate::db::module_syntax(ctx.db, *f).body;
            // The file's classes, listed once (registered classes are found among them).
            let classes = crate::resolve::module_classes(ctx.db, *f);
            reg.scan(ctx, *f, &classes, body, false);
        }
        // Registrations elsewhere in the project (ready(), urls.py, ...) are not followed.
        for f in ctx.project_files() {
            if visited.contains(&f) {
                continue;
            }
            if file_has_register_call(ctx.db, f) {
                reg.complete = false;
            }
        }
        reg
    }

    fn scan(
        &mut self,
        ctx: &Ctx<'_>,
        file: SourceFile,
        classes: &[&ClassDef],
        stmts: &[Stmt],
        nested: bool,
    ) {
        for s in stmts {
            match s {
                Stmt::Class(c) => {
                    for d in &c.decorators {
                        let ExprKind::Call {
                            func,
                            args,
                            kwargs,
                            has_splat,
                        } = &d.kind
                        else {
                            continue;
                        };
                        if !is_register_decorator(ctx, file, func) {
                            continue;
                        }
                        let site = match kwargs.iter().find(|k| k.name == "site") {
                            None => SiteRef::Default,
                            Some(k) => site_of(ctx, file, &k.value),
                        };
                        let admin = match class_id_of_def(file, classes, c) {
                            Some(id) => AdminRef::Class(id),
                            None => AdminRef::Unknown,
                        };
                        if *has_splat {
                            self.complete = false;
                            continue;
                        }
                        let models: Option<Vec<usize>> = args
                            .iter()
                            .map(|a| model_refs(ctx, file, a))
                            .collect::<Option<Vec<Vec<usize>>>>()
                            .map(|v| v.into_iter().flatten().collect());
                        self.register(site, models, admin, !nested);
                    }
                }
                Stmt::Expr(e) => {
                    let ExprKind::Call {
                        func,
                        args,
                        kwargs,
                        has_splat,
                    } = &e.kind
                    else {
                        continue;
                    };
                    let Some(fname) = func.as_name() else {
                        continue;
                    };
                    let Some((site_expr, method)) = fname.rsplit_once('.') else {
                        continue;
                    };
                    if method != "register" && method != "unregister" {
                        continue;
                    }
                    let site =
                        site_of_resolved(ctx, &ctx.resolver.resolve_name_rc(file, site_expr));
                    if site == SiteRef::Other {
                        continue;
                    }
                    if *has_splat || site == SiteRef::Unknown {
                        self.complete = false;
                        continue;
                    }
                    let models = args.first().and_then(|a| model_refs(ctx, file, a));
                    if method == "unregister" {
                        if nested {
                            self.complete = false;
                        }
                        match models {
                            Some(ms) => {
                                for m in ms {
                                    self.default.remove(&m);
                                }
                            }
                            None => self.complete = false,
                        }
                        continue;
                    }
                    let admin_expr = args.get(1).or_else(|| {
                        kwargs
                            .iter()
                            .find(|k| k.name == "admin_class")
                            .map(|k| &k.value)
                    });
                    let options = kwargs.iter().any(|k| k.name != "admin_class");
                    let admin = match admin_expr {
                        _ if options => AdminRef::Unknown,
                        None => AdminRef::Default,
                        Some(a) if a.is_none() => AdminRef::Default,
                        Some(a) => match &*ctx.resolver.resolve_expr_rc(file, a) {
                            &Resolved::Class(id) => match ctx.class_node(id) {
                                Node::External(q)
                                    if q == "django.contrib.admin.options.ModelAdmin" =>
                                {
                                    AdminRef::Default
                                }
                                _ => AdminRef::Class(id),
                            },
                            Resolved::External(q)
                                if canonical(q) == "django.contrib.admin.options.ModelAdmin" =>
                            {
                                AdminRef::Default
                            }
                            _ => AdminRef::Unknown,
                        },
                    };
                    self.register(site, models, admin, !nested);
                }
                Stmt::If { body, orelse, .. } => {
                    self.scan(ctx, file, classes, body, true);
                    self.scan(ctx, file, classes, orelse, true);
                }
                Stmt::Try {
                    body,
                    handlers,
                    orelse,
                    finalbody,
                    ..
                } => {
                    self.scan(ctx, file, classes, body, true);
                    for h in handlers {
                        self.scan(ctx, file, classes, h, true);
                    }
                    self.scan(ctx, file, classes, orelse, true);
                    self.scan(ctx, file, classes, finalbody, true);
                }
                // A loop or `with` block may register anything.
                Stmt::Opaque { .. } => self.complete = false,
                _ => {}
            }
        }
    }

    fn register(
        &mut self,
        site: SiteRef,
        models: Option<Vec<usize>>,
        admin: AdminRef,
        certain: bool,
    ) {
        match site {
            SiteRef::Default => {}
            SiteRef::Other => return,
            SiteRef::Unknown => {
                self.complete = false;
                return;
            }
        }
        let Some(models) = models else {
            self.complete = false;
            return;
        };
        if !certain {
            self.complete = false;
        }
        for m in models {
            // Registrations of swapped models are ignored by the readers ([`Registry::get`]).
            self.default.insert(m, RegEntry { admin, certain });
        }
    }
}

/// Visit an admin module after the admin modules it imports (Python runs imports first).
fn visit_admin_module(
    ctx: &Ctx<'_>,
    file: SourceFile,
    packages: &[String],
    visited: &mut FxHashSet<SourceFile>,
    order: &mut Vec<SourceFile>,
    depth: u32,
) {
    if depth > 30 || !visited.insert(file) {
        return;
    }
    let db = ctx.db;
    let mut imported: Vec<String> = Vec::new();
    fn walk(db: &dyn crate::db::Db, file: SourceFile, stmts: &[Stmt], out: &mut Vec<String>) {
        for s in stmts {
            match s {
                Stmt::Import { module, .. } => out.push(module.clone()),
                Stmt::ImportFrom {
                    level,
                    module,
                    names,
                    ..
                } => {
                    if let Some(abs) =
                        crate::resolve::absolute_module(db, file, *level, module.as_deref())
                    {
                        for (n, _) in names {
                            out.push(crate::project::join_parts(&[&abs, ".", n]));
                        }
                        out.push(abs);
                    }
                }
                Stmt::If { body, orelse, .. } => {
                    walk(db, file, body, out);
                    walk(db, file, orelse, out);
                }
                Stmt::Try { body, orelse, .. } => {
                    walk(db, file, body, out);
                    walk(db, file, orelse, out);
                }
                _ => {}
            }
        }
    }
    walk(
        db,
        file,
        &crate::db::module_syntax(db, file).body,
        &mut imported,
    );
    // `rest` of `s` after `p.`, if `s` starts with `p.`.
    fn after_dot<'s>(s: &'s str, p: &str) -> Option<&'s str> {
        s.strip_prefix(p)?.strip_prefix('.')
    }
    // The package (installed app) the module itself belongs to.
    let own_package = file
        .module(db)
        .as_deref()
        .and_then(|own| packages.iter().find(|p| after_dot(own, p).is_some()));
    for m in imported {
        // `<package>.admin[.…]` contains ".admin": most imports (models) skip the package scan.
        let relevant = (m.contains(".admin")
            && packages.iter().any(|p| {
                after_dot(&m, p).is_some_and(|rest| rest == "admin" || rest.starts_with("admin."))
            }))
            || own_package.is_some_and(|p| after_dot(&m, p).is_some() && !m.ends_with(".models"));
        if !relevant {
            continue;
        }
        if let Some(g) = ctx.resolver.file_of(&m) {
            visit_admin_module(ctx, g, packages, visited, order, depth + 1);
        }
    }
    order.push(file);
}

/// [`has_register_call`] on a file's top-level statements. Its own query: the registry then
/// depends on one yes/no per file, not on the syntax of every file of the project (which an edit
/// anywhere changes).
#[salsa::tracked(returns(copy))]
fn file_has_register_call(db: &dyn Db, file: SourceFile) -> bool {
    has_register_call(&crate::db::module_syntax(db, file).body)
}

fn has_register_call(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match s {
        Stmt::Expr(e) => match &e.kind {
            ExprKind::Call { func, .. } => func
                .as_name()
                .is_some_and(|n| n.ends_with(".register") && n.contains("site")),
            _ => false,
        },
        Stmt::Class(c) => c.decorators.iter().any(|d| match &d.kind {
            ExprKind::Call { func, .. } => func.as_name().is_some_and(|n| n.ends_with("register")),
            _ => false,
        }),
        Stmt::If { body, orelse, .. } => has_register_call(body) || has_register_call(orelse),
        Stmt::Try { body, orelse, .. } => has_register_call(body) || has_register_call(orelse),
        _ => false,
    })
}

fn is_register_decorator(ctx: &Ctx<'_>, file: SourceFile, func: &Expr) -> bool {
    match &*ctx.resolver.resolve_expr_rc(file, func) {
        Resolved::External(q) => {
            q == "django.contrib.admin.register" || q == "django.contrib.admin.decorators.register"
        }
        Resolved::Function(f, name) => {
            name == "register"
                && f.module(ctx.db).as_deref() == Some("django.contrib.admin.decorators")
        }
        _ => false,
    }
}

fn site_of(ctx: &Ctx<'_>, file: SourceFile, e: &Expr) -> SiteRef {
    site_of_resolved(ctx, &ctx.resolver.resolve_expr_rc(file, e))
}

fn site_of_resolved(ctx: &Ctx<'_>, r: &Resolved) -> SiteRef {
    match r {
        Resolved::External(q) => {
            if q == "django.contrib.admin.site" || q == "django.contrib.admin.sites.site" {
                SiteRef::Default
            } else if q.starts_with("django.contrib.admin") {
                SiteRef::Unknown
            } else {
                SiteRef::Other
            }
        }
        Resolved::Value(f, e) => {
            if f.module(ctx.db).as_deref() == Some("django.contrib.admin.sites") {
                SiteRef::Default
            } else if matches!(e.kind, ExprKind::Call { .. }) {
                // `my_site = MyAdminSite(...)`: another site.
                SiteRef::Other
            } else {
                SiteRef::Unknown
            }
        }
        _ => SiteRef::Unknown,
    }
}

/// The id of a class of `file`, given the file's [`crate::resolve::module_classes`].
fn class_id_of_def(file: SourceFile, classes: &[&ClassDef], c: &ClassDef) -> Option<ClassId> {
    classes
        .iter()
        .position(|d| d.name_span == c.name_span)
        .map(|i| ClassId {
            file,
            index: i as u32,
        })
}

/// Models named by a `register()` argument.
fn model_refs(ctx: &Ctx<'_>, file: SourceFile, e: &Expr) -> Option<Vec<usize>> {
    match &e.kind {
        ExprKind::List(items) | ExprKind::Tuple(items) => {
            let mut out = Vec::new();
            for i in items {
                out.extend(model_refs(ctx, file, i)?);
            }
            Some(out)
        }
        ExprKind::Name(_) => match *ctx.resolver.resolve_expr_rc(file, e) {
            Resolved::Class(id) => {
                let idx = ctx.pm.model_by_class(id)?;
                // Registered and not abstract, read from the index rather than the model.
                let concrete = &ctx.pm.index.concrete;
                concrete.binary_search(&idx).is_ok().then(|| vec![idx])
            }
            Resolved::Value(f, ref v) => {
                if is_get_user_model(ctx, f, v) {
                    ctx.user_model().map(|i| vec![i])
                } else {
                    None
                }
            }
            _ => None,
        },
        ExprKind::Call { .. } if is_get_user_model(ctx, file, e) => {
            ctx.user_model().map(|i| vec![i])
        }
        _ => None,
    }
}

fn is_get_user_model(ctx: &Ctx<'_>, file: SourceFile, e: &Expr) -> bool {
    let ExprKind::Call { func, args, .. } = &e.kind else {
        return false;
    };
    if !args.is_empty() {
        return false;
    }
    match &*ctx.resolver.resolve_expr_rc(file, func) {
        Resolved::External(q) => q == "django.contrib.auth.get_user_model",
        Resolved::Function(f, name) => {
            name == "get_user_model" && f.module(ctx.db).as_deref() == Some("django.contrib.auth")
        }
        _ => false,
    }
}

impl Ctx<'_> {
    /// The model AUTH_USER_MODEL names.
    pub(super) fn user_model(&self) -> Option<usize> {
        let label = &self.pm.settings.auth_user_model;
        let (app, name) = label.split_once('.')?;
        self.pm.get_model(app, name)
    }
}

// ---------------------------------------------------------------------------------------------
// ModelAdmin and InlineModelAdmin checks.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AdminKind {
    Model,
    Inline,
    GenericInline,
}

/// A ModelAdmin or inline class djsa can read completely.
struct AdminClass<'a> {
    class: ClassId,
    /// `__name__`.
    name: &'a str,
    /// `__module__`.
    module: &'a str,
    kind: AdminKind,
    mro: Rc<Vec<Node>>,
    /// Per MRO entry: the class djsa read and how its body binds names (`None` for classes known
    /// by name only, or not readable).
    bodies: Vec<Option<(&'a ClassDef, Bindings<'a>)>>,
    /// Per MRO entry: the Django admin base class it is, if any (its defaults are known).
    bases: Vec<Option<AdminBase>>,
    /// `obj.model`.
    model: usize,
    /// Where to point when an attribute has no location of its own.
    loc: (SourceFile, Span),
}

/// Attributes of admin classes that change what the checks see: djsa cannot follow them.
const DYNAMIC_MEMBERS: &[&str] = &[
    "__init__",
    "__new__",
    "__getattr__",
    "__getattribute__",
    "__init_subclass__",
    "__class_getitem__",
    "check",
    "checks_class",
];

impl<'a> AdminClass<'a> {
    fn new(ctx: &Ctx<'a>, class: ClassId, model: Option<usize>) -> Option<AdminClass<'a>> {
        let mut ac = AdminClass::probe(ctx, class)?.readable(ctx)?;
        ac.model = match model {
            Some(m) => m,
            None => {
                let (v, _) = ac.attr(ctx, "model");
                model_of(ctx, &v)?
            }
        };
        Some(ac)
    }

    /// The probe of a class djsa can read completely, with its kind (`None` otherwise).
    fn readable(mut self, ctx: &Ctx<'a>) -> Option<AdminClass<'a>> {
        let mut kind = None;
        for (n, body) in self.mro.iter().zip(&self.bodies) {
            match n {
                Node::Class(cid) => {
                    let (d, b) = body.as_ref()?;
                    if !d.keywords.is_empty() {
                        return None;
                    }
                    for name in DYNAMIC_MEMBERS {
                        if !matches!(b.get(name), Ok(None)) {
                            return None;
                        }
                    }
                    // Class decorators other than admin.register may rewrite the class.
                    for dec in &d.decorators {
                        let func = match &dec.kind {
                            ExprKind::Call { func, .. } => func.as_ref(),
                            _ => dec,
                        };
                        if !is_register_decorator(ctx, cid.file, func) {
                            return None;
                        }
                    }
                }
                Node::External(q) => match q.as_str() {
                    "builtins.object" => {}
                    "django.contrib.admin.options.ModelAdmin" => {
                        kind.get_or_insert(AdminKind::Model);
                    }
                    "django.contrib.admin.options.InlineModelAdmin"
                    | "django.contrib.admin.options.StackedInline"
                    | "django.contrib.admin.options.TabularInline" => {
                        kind.get_or_insert(AdminKind::Inline);
                    }
                    "django.contrib.contenttypes.admin.GenericInlineModelAdmin"
                    | "django.contrib.contenttypes.admin.GenericStackedInline"
                    | "django.contrib.contenttypes.admin.GenericTabularInline" => {
                        kind = Some(AdminKind::GenericInline);
                    }
                    "django.contrib.admin.options.BaseModelAdmin" => {}
                    _ => return None,
                },
                Node::Unknown(_) => return None,
            }
        }
        self.kind = kind?;
        Some(self)
    }

    /// `<class 'module.Name'>`.
    fn repr(&self) -> String {
        format!("<class '{}.{}'>", self.module, self.name)
    }

    /// `getattr(obj, name)` as a value, with where it is set.
    /// [`Ctx::class_attr`] with [`admin_leaf`], read from the class's own MRO and bindings.
    fn lookup(&self, name: &str) -> ClassAttr<'a> {
        for (i, (node, body)) in self.mro.iter().zip(&self.bodies).enumerate() {
            match node {
                Node::Class(cid) => {
                    let Some((def, b)) = body else {
                        return ClassAttr::Unknown;
                    };
                    if let Some(a) = binding_attr(*cid, def, name, b.get(name)) {
                        return a;
                    }
                }
                other => {
                    // Django's admin classes (all known leaves): their default, or on.
                    if let Some(base) = self.bases[i] {
                        if let Some(v) = base.default(name) {
                            return ClassAttr::Value(v);
                        }
                    } else if let Some(a) = admin_leaf(other, name) {
                        return a;
                    }
                }
            }
        }
        ClassAttr::Missing
    }

    /// How the body of the class at `mro[i]` binds `name` (`None`: the class is not readable).
    fn binding(&self, i: usize, name: &str) -> Option<Result<Option<&'a Stmt>, ()>> {
        let (_, b) = self.bodies.get(i)?.as_ref()?;
        Some(b.get(name))
    }

    fn attr(&self, ctx: &Ctx<'a>, name: &str) -> (SVal, (SourceFile, Span)) {
        match self.lookup(name) {
            ClassAttr::Found {
                value: AttrValue::Expr(e, f),
                owner,
                span,
            } => (ctx.eval(f, e, Some(owner), 0), (owner.file, span)),
            ClassAttr::Found {
                value: AttrValue::Method { .. },
                owner,
                span,
            } => {
                let v = if name == "view_on_site" {
                    SVal::Callable
                } else {
                    SVal::Unknown
                };
                (v, (owner.file, span))
            }
            ClassAttr::Value(v) => (v, self.loc),
            _ => (SVal::Unknown, self.loc),
        }
    }

    /// `hasattr(obj, name)` on an instance.
    fn has_attr(&self, name: &str) -> Option<bool> {
        for (i, n) in self.mro.iter().enumerate() {
            match n {
                Node::Class(_) => match self.binding(i, name)? {
                    Ok(Some(_)) => return Some(true),
                    Ok(None) => {}
                    Err(()) => return None,
                },
                Node::External(q) => {
                    let known: &[&str] = match q.as_str() {
                        "django.contrib.admin.options.ModelAdmin" => MODEL_ADMIN_ATTRS,
                        "django.contrib.admin.options.BaseModelAdmin"
                        | "django.contrib.admin.options.InlineModelAdmin"
                        | "django.contrib.admin.options.StackedInline"
                        | "django.contrib.admin.options.TabularInline" => INLINE_ADMIN_ATTRS,
                        "django.contrib.contenttypes.admin.GenericInlineModelAdmin"
                        | "django.contrib.contenttypes.admin.GenericStackedInline"
                        | "django.contrib.contenttypes.admin.GenericTabularInline" => {
                            if GENERIC_INLINE_EXTRA_ATTRS.contains(&name) {
                                return Some(true);
                            }
                            INLINE_ADMIN_ATTRS
                        }
                        "builtins.object" => &[],
                        _ => return None,
                    };
                    // The lists are sorted (see the test `attr_lists_sorted`).
                    if known.binary_search(&name).is_ok() {
                        return Some(true);
                    }
                }
                Node::Unknown(_) => return None,
            }
        }
        Some(false)
    }

    /// A method is defined by a class of the project (not Django's).
    fn overrides(&self, name: &str) -> Option<bool> {
        for (i, n) in self.mro.iter().enumerate() {
            if let Node::Class(_) = n {
                match self.binding(i, name)? {
                    Ok(Some(_)) | Err(()) => return Some(true),
                    Ok(None) => {}
                }
            }
        }
        Some(false)
    }
}

/// The checks of one admin class, collecting diagnostics.
struct AdminChecker<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    index: &'c ModelIndex<'a>,
    reg: &'c Registry,
    ac: AdminClass<'a>,
}

/// The checks of the given registrations' ModelAdmin classes.
fn check_registered<'a>(
    ctx: &mut Ctx<'a>,
    index: &ModelIndex<'a>,
    reg: &Registry,
    entries: Vec<(usize, RegEntry)>,
) {
    for (model, entry) in entries {
        let AdminRef::Class(class) = entry.admin else {
            continue;
        };
        if !entry.certain {
            continue;
        }
        let Some(ac) = AdminClass::new(ctx, class, Some(model)) else {
            continue;
        };
        if ac.kind != AdminKind::Model {
            continue;
        }
        let mut ch = AdminChecker {
            ctx,
            index,
            reg,
            ac,
        };
        ch.model_admin_checks();
    }
}

/// A list/tuple option's items when the whole option is known to be a list or tuple.
fn items_of(v: &SVal) -> Option<&[SVal]> {
    v.items()
}

/// [`items_of`], moving the items out of the value.
fn into_items(v: SVal) -> Option<Vec<SVal>> {
    match v {
        SVal::List(items) | SVal::Tuple(items) => Some(items),
        _ => None,
    }
}

impl<'c, 'a> AdminChecker<'c, 'a> {
    fn err(&mut self, code: &str, msg: String, loc: (SourceFile, Span)) {
        let d = Diagnostic::new(code, Severity::Error, msg)
            .at(loc.0, loc.1)
            .object(self.ac.repr());
        self.ctx.emit(d);
    }

    fn err_hint(&mut self, code: &str, msg: String, hint: String, loc: (SourceFile, Span)) {
        let d = Diagnostic::new(code, Severity::Error, msg)
            .hint(hint)
            .at(loc.0, loc.1)
            .object(self.ac.repr());
        self.ctx.emit(d);
    }

    fn must_be(&mut self, what: &str, option: &str, code: &str, loc: (SourceFile, Span)) {
        self.err(
            code,
            format!("The value of '{option}' must be {what}."),
            loc,
        );
    }

    fn must_inherit_from(
        &mut self,
        parent: &str,
        option: &str,
        code: &str,
        loc: (SourceFile, Span),
    ) {
        self.err(
            code,
            format!("The value of '{option}' must inherit from '{parent}'."),
            loc,
        );
    }

    fn missing_field(&mut self, field: &str, option: &str, code: &str, loc: (SourceFile, Span)) {
        let label = self.ctx.model(self.ac.model).label();
        self.err(
            code,
            format!(
                "The value of '{option}' refers to '{field}', which is not a field of '{label}'."
            ),
            loc,
        );
    }

    fn attr(&self, name: &str) -> (SVal, (SourceFile, Span)) {
        self.ac.attr(self.ctx, name)
    }

    fn get_field(&mut self, name: &str) -> Lookup<'a> {
        let model = self.ac.model;
        self.index.get_field(self.ctx, model, name)
    }

    fn model_label(&self) -> String {
        self.ctx.model(self.ac.model).label()
    }

    // --- BaseModelAdminChecks -----------------------------------------------------------------

    fn base_checks(&mut self) {
        self.check_autocomplete_fields();
        self.check_raw_id_fields();
        self.check_fields();
        self.check_fieldsets();
        self.check_exclude();
        self.check_form_class(
            "form",
            "BaseModelForm",
            "admin.E016",
            MODEL_FORMS,
            PLAIN_FORMS,
        );
        self.check_filter("filter_vertical", "admin.E017");
        self.check_filter("filter_horizontal", "admin.E018");
        self.check_radio_fields();
        self.check_prepopulated_fields();
        let (v, loc) = self.attr("view_on_site");
        if v.is_plain() && !matches!(v, SVal::Bool(_)) {
            self.err(
                "admin.E025",
                "The value of 'view_on_site' must be a callable or a boolean value.".into(),
                loc,
            );
        }
        self.check_ordering();
        self.check_readonly_fields();
        if self.ctx.pm.django_version >= (6, 0) {
            self.check_delete_confirmation_max_display();
        }
    }

    fn check_autocomplete_fields(&mut self) {
        let (v, loc) = self.attr("autocomplete_fields");
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", "autocomplete_fields", "admin.E036", loc);
        }
        let Some(items) = items_of(&v) else { return };
        for (i, item) in items.iter().enumerate() {
            let SVal::Str(name) = item else { continue };
            // Built only for a finding.
            let label = move || format!("autocomplete_fields[{i}]");
            let info = match self.get_field(name) {
                Lookup::Missing => {
                    self.missing_field(name, &label(), "admin.E037", loc);
                    continue;
                }
                Lookup::Unknown => continue,
                Lookup::Found { info, .. } => info,
            };
            let m2m = many_to_many(info);
            let fk = is_fk(info);
            match (m2m, fk) {
                (Some(false), Some(false)) => {
                    self.must_be(
                        "a foreign key or a many-to-many field",
                        &label(),
                        "admin.E038",
                        loc,
                    );
                    continue;
                }
                (Some(true), _) | (_, Some(true)) => {}
                _ => continue,
            }
            // The related model's admin on the default site.
            let Some(remote) = self.remote_model(info) else {
                continue;
            };
            let admin_name = self.ac.name;
            match self.reg.get(self.ctx, remote) {
                None => {
                    if self.reg.complete {
                        let remote_name = self.ctx.model(remote).name.clone();
                        self.err(
                            "admin.E039",
                            format!("An admin for model \"{remote_name}\" has to be registered to be referenced by {admin_name}.autocomplete_fields."),
                            loc,
                        );
                    }
                }
                // Registered under a condition: it may not exist at all.
                Some(entry) if !entry.certain => {}
                Some(entry) => {
                    let (cls_name, search) = match entry.admin {
                        AdminRef::Default => ("ModelAdmin", SVal::Tuple(vec![])),
                        AdminRef::Class(id) => match AdminClass::new(self.ctx, id, Some(remote)) {
                            Some(rac) => (rac.name, rac.attr(self.ctx, "search_fields").0),
                            None => continue,
                        },
                        AdminRef::Unknown => continue,
                    };
                    if search.truthy() == Some(false) {
                        self.err(
                            "admin.E040",
                            format!("{cls_name} must define \"search_fields\", because it's referenced by {admin_name}.autocomplete_fields."),
                            loc,
                        );
                    }
                }
            }
        }
    }

    /// `field.remote_field.model` for a forward relation (as the admin registry sees it).
    fn remote_model(&self, info: FInfo<'a>) -> Option<usize> {
        match info {
            FInfo::Declared { field, on } => {
                match self
                    .ctx
                    .relation_target(crate::checks::ModelField { field, model: on })
                {
                    crate::checks::Target::Model(t) => Some(t),
                    _ => None,
                }
            }
            FInfo::ParentLink { parent } => Some(parent),
            // remote_field of a reverse relation is the declaring field; skip.
            _ => None,
        }
    }

    fn check_raw_id_fields(&mut self) {
        let (v, loc) = self.attr("raw_id_fields");
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", "raw_id_fields", "admin.E001", loc);
        }
        let Some(items) = items_of(&v) else { return };
        for (i, item) in items.iter().enumerate() {
            let SVal::Str(name) = item else { continue };
            // Built only for a finding.
            let label = move || format!("raw_id_fields[{i}]");
            match self.get_field(name) {
                Lookup::Missing => self.missing_field(name, &label(), "admin.E002", loc),
                Lookup::Unknown => {}
                Lookup::Found { info, name: fname } => {
                    if &fname != name {
                        self.missing_field(name, &label(), "admin.E002", loc);
                    } else if many_to_many(info) == Some(false) && is_fk(info) == Some(false) {
                        self.must_be(
                            "a foreign key or a many-to-many field",
                            &label(),
                            "admin.E003",
                            loc,
                        );
                    }
                }
            }
        }
    }

    fn check_fields(&mut self) {
        let (v, loc) = self.attr("fields");
        if matches!(v, SVal::None) {
            return;
        }
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", "fields", "admin.E004", loc);
        }
        let Some(items) = into_items(v) else {
            return;
        };
        let (fieldsets, _) = self.attr("fieldsets");
        match fieldsets.truthy() {
            Some(true) => {
                return self.err(
                    "admin.E005",
                    "Both 'fieldsets' and 'fields' are specified.".into(),
                    loc,
                );
            }
            Some(false) => {}
            None => return,
        }
        let Some(flat) = flatten(&items) else { return };
        let dups = duplicates(&flat);
        if !dups.is_empty() {
            let msg = "The value of 'fields' contains duplicate field(s).".to_string();
            if self.ctx.pm.django_version >= (6, 0) {
                let hint = remove_duplicates_hint(&dups);
                self.err_hint("admin.E006", msg, hint, loc);
            } else {
                self.err("admin.E006", msg, loc);
            }
            return;
        }
        for item in &items {
            self.check_field_spec(item, "fields", loc);
        }
    }

    fn check_fieldsets(&mut self) {
        let (v, loc) = self.attr("fieldsets");
        if matches!(v, SVal::None) {
            return;
        }
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", "fieldsets", "admin.E007", loc);
        }
        let Some(items) = into_items(v) else {
            return;
        };
        let mut seen: Vec<String> = Vec::new();
        for (i, fs) in items.iter().enumerate() {
            let label = format!("fieldsets[{i}]");
            if !fs.is_plain() {
                return;
            }
            let Some(pair) = fs.items() else {
                self.must_be("a list or tuple", &label, "admin.E008", loc);
                continue;
            };
            if pair.len() != 2 {
                self.must_be("of length 2", &label, "admin.E009", loc);
                continue;
            }
            let opts = &pair[1];
            if !opts.is_plain() {
                return;
            }
            let SVal::Dict(entries) = opts else {
                self.must_be("a dictionary", &format!("{label}[1]"), "admin.E010", loc);
                continue;
            };
            if entries.iter().any(|(k, _)| !matches!(k, SVal::Str(_))) {
                return;
            }
            let Some((_, fields)) = entries
                .iter()
                .rev()
                .find(|(k, _)| matches!(k, SVal::Str(s) if s == "fields"))
            else {
                self.err(
                    "admin.E011",
                    format!("The value of '{label}[1]' must contain the key 'fields'."),
                    loc,
                );
                continue;
            };
            if !fields.is_plain() {
                return;
            }
            let Some(field_items) = fields.items() else {
                self.must_be(
                    "a list or tuple",
                    &format!("{label}[1]['fields']"),
                    "admin.E008",
                    loc,
                );
                continue;
            };
            let Some(flat) = flatten(field_items) else {
                return;
            };
            seen.extend(flat.iter().cloned());
            let has_dup = if self.ctx.pm.django_version >= (6, 0) {
                let set: FxHashSet<&String> = flat.iter().collect();
                let dups: Vec<String> = duplicates(&seen)
                    .into_iter()
                    .filter(|d| set.contains(d))
                    .collect();
                if !dups.is_empty() {
                    let hint = remove_duplicates_hint(&dups);
                    self.err_hint(
                        "admin.E012",
                        format!("There are duplicate field(s) in '{label}[1]'."),
                        hint,
                        loc,
                    );
                    true
                } else {
                    false
                }
            } else if !duplicates(&seen).is_empty() {
                self.err(
                    "admin.E012",
                    format!("There are duplicate field(s) in '{label}[1]'."),
                    loc,
                );
                true
            } else {
                false
            };
            if has_dup {
                continue;
            }
            for f in field_items {
                self.check_field_spec(f, &format!("{label}[1][\"fields\"]"), loc);
            }
        }
    }

    fn check_field_spec(&mut self, item: &SVal, label: &str, loc: (SourceFile, Span)) {
        match item {
            SVal::Tuple(names) => {
                for (i, n) in names.iter().enumerate() {
                    self.check_field_spec_item(n, &format!("{label}[{i}]"), loc);
                }
            }
            other => self.check_field_spec_item(other, label, loc),
        }
    }

    fn check_field_spec_item(&mut self, item: &SVal, label: &str, loc: (SourceFile, Span)) {
        let SVal::Str(name) = item else { return };
        let (ro, _) = self.attr("readonly_fields");
        let Some(ro_items) = ro.items() else { return };
        if ro_items
            .iter()
            .any(|r| !matches!(r, SVal::Str(_) | SVal::Callable | SVal::Class(_)))
        {
            return;
        }
        if ro_items
            .iter()
            .any(|r| matches!(r, SVal::Str(s) if s == name))
        {
            return;
        }
        if let Lookup::Found {
            info: FInfo::Declared { field, .. },
            ..
        } = self.get_field(name)
            && field.kind == FieldKind::ManyToManyField
            && field.options_known()
            && manual_through(field)
        {
            self.err(
                "admin.E013",
                format!("The value of '{label}' cannot include the ManyToManyField '{name}', because that field manually specifies a relationship model."),
                loc,
            );
        }
    }

    fn check_exclude(&mut self) {
        let (v, loc) = self.attr("exclude");
        if matches!(v, SVal::None) {
            return;
        }
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", "exclude", "admin.E014", loc);
        }
        let Some(items) = v.items() else { return };
        let strs: Option<Vec<String>> = items
            .iter()
            .map(|i| match i {
                SVal::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        let Some(strs) = strs else { return };
        let dups = duplicates(&strs);
        if !dups.is_empty() {
            let msg = "The value of 'exclude' contains duplicate field(s).".to_string();
            if self.ctx.pm.django_version >= (6, 0) {
                let hint = remove_duplicates_hint(&dups);
                self.err_hint("admin.E015", msg, hint, loc);
            } else {
                self.err("admin.E015", msg, loc);
            }
        }
    }

    fn check_filter(&mut self, option: &str, code: &str) {
        let (v, loc) = self.attr(option);
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", option, code, loc);
        }
        let Some(items) = into_items(v) else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let SVal::Str(name) = item else { continue };
            // Built only for a finding.
            let label = move || format!("{option}[{i}]");
            match self.get_field(name) {
                Lookup::Missing => self.missing_field(name, &label(), "admin.E019", loc),
                Lookup::Unknown => {}
                Lookup::Found { info, .. } => {
                    let forward_m2m = match info {
                        FInfo::Declared { .. } => many_to_many(info),
                        FInfo::Reverse { .. } => {
                            if many_to_many(info).is_none() {
                                None
                            } else {
                                Some(false)
                            }
                        }
                        _ => Some(false),
                    };
                    match forward_m2m {
                        Some(false) => {
                            self.must_be("a many-to-many field", &label(), "admin.E020", loc)
                        }
                        Some(true) => {
                            if let FInfo::Declared { field, .. } = info
                                && field.kind == FieldKind::ManyToManyField
                                && field.options_known()
                                && manual_through(field)
                            {
                                self.err(
                                    "admin.E013",
                                    format!("The value of '{label}' cannot include the ManyToManyField '{name}', because that field manually specifies a relationship model.", label = label()),
                                    loc,
                                );
                            }
                        }
                        None => {}
                    }
                }
            }
        }
    }

    fn check_radio_fields(&mut self) {
        let (v, loc) = self.attr("radio_fields");
        if v.is_plain() && !matches!(v, SVal::Dict(_)) {
            return self.must_be("a dictionary", "radio_fields", "admin.E021", loc);
        }
        let SVal::Dict(entries) = v else { return };
        for (k, val) in entries {
            let SVal::Str(name) = k else { continue };
            match self.get_field(&name) {
                Lookup::Missing => self.missing_field(&name, "radio_fields", "admin.E022", loc),
                Lookup::Unknown => {}
                Lookup::Found { info, .. } => {
                    let fk = is_fk(info);
                    let choices = has_choices(info);
                    if fk == Some(false) && choices == Some(false) {
                        self.err(
                            "admin.E023",
                            format!("The value of 'radio_fields' refers to '{name}', which is not an instance of ForeignKey, and does not have a 'choices' definition."),
                            loc,
                        );
                    }
                }
            }
            let ok = match &val {
                SVal::Int(1) | SVal::Int(2) | SVal::Bool(true) => Some(true),
                SVal::External(q) => {
                    if q.ends_with(".HORIZONTAL") || q.ends_with(".VERTICAL") {
                        Some(true)
                    } else {
                        None
                    }
                }
                v if v.is_plain() => Some(false),
                _ => None,
            };
            if ok == Some(false) {
                self.err(
                    "admin.E024",
                    format!("The value of 'radio_fields[\"{name}\"]' must be either admin.HORIZONTAL or admin.VERTICAL."),
                    loc,
                );
            }
        }
    }

    fn check_prepopulated_fields(&mut self) {
        let (v, loc) = self.attr("prepopulated_fields");
        if v.is_plain() && !matches!(v, SVal::Dict(_)) {
            return self.must_be("a dictionary", "prepopulated_fields", "admin.E026", loc);
        }
        let SVal::Dict(entries) = v else { return };
        for (k, val) in entries {
            let SVal::Str(name) = k else { continue };
            match self.get_field(&name) {
                Lookup::Missing => {
                    self.missing_field(&name, "prepopulated_fields", "admin.E027", loc)
                }
                Lookup::Unknown => {}
                Lookup::Found { info, .. } => {
                    if prepopulate_forbidden(info) == Some(true) {
                        self.err(
                            "admin.E028",
                            format!("The value of 'prepopulated_fields' refers to '{name}', which must not be a DateTimeField, a ForeignKey, a OneToOneField, or a ManyToManyField."),
                            loc,
                        );
                    }
                }
            }
            let label = format!("prepopulated_fields[\"{name}\"]");
            if val.is_plain() && !val.is_seq() {
                self.must_be("a list or tuple", &label, "admin.E029", loc);
                continue;
            }
            let Some(items) = val.items() else { continue };
            for (i, sub) in items.iter().enumerate() {
                let SVal::Str(s) = sub else { continue };
                if let Lookup::Missing = self.get_field(s) {
                    self.missing_field(s, &format!("{label}[{i}]"), "admin.E030", loc);
                }
            }
        }
    }

    fn check_ordering(&mut self) {
        let (v, loc) = self.attr("ordering");
        if matches!(v, SVal::None) {
            return;
        }
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", "ordering", "admin.E031", loc);
        }
        let Some(items) = into_items(v) else {
            return;
        };
        let n = items.len();
        for (i, item) in items.iter().enumerate() {
            let SVal::Str(name) = item else { continue };
            if name == "?" {
                if n != 1 {
                    self.err_hint(
                        "admin.E032",
                        "The value of 'ordering' has the random ordering marker '?', but contains other fields as well.".into(),
                        "Either remove the \"?\", or remove the other fields.".into(),
                        loc,
                    );
                }
                continue;
            }
            if name.contains("__") {
                continue;
            }
            let name = name.strip_prefix('-').unwrap_or(name);
            if name == "pk" {
                continue;
            }
            if let Lookup::Missing = self.get_field(name) {
                self.missing_field(name, &format!("ordering[{i}]"), "admin.E033", loc);
            }
        }
    }

    fn check_readonly_fields(&mut self) {
        let (v, loc) = self.attr("readonly_fields");
        if matches!(&v, SVal::Tuple(t) if t.is_empty()) {
            return;
        }
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", "readonly_fields", "admin.E034", loc);
        }
        let Some(items) = into_items(v) else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let SVal::Str(name) = item else { continue };
            match self.ac.has_attr(name) {
                Some(true) | None => continue,
                Some(false) => {}
            }
            let model = self.ac.model;
            match self.index.model_has_attr(self.ctx, model, name) {
                Some(true) | None => continue,
                Some(false) => {}
            }
            if let Lookup::Missing = self.get_field(name) {
                let admin_name = self.ac.name;
                let label = self.model_label();
                self.err(
                    "admin.E035",
                    format!("The value of 'readonly_fields[{i}]' refers to '{name}', which is not a callable, an attribute of '{admin_name}', or an attribute of '{label}'."),
                    loc,
                );
            }
        }
    }

    fn check_delete_confirmation_max_display(&mut self) {
        let (v, loc) = self.attr("delete_confirmation_max_display");
        let bad = match v {
            SVal::None | SVal::Bool(_) => false,
            SVal::Int(i) => i < 0,
            ref o if o.is_plain() => true,
            _ => false,
        };
        if bad {
            self.must_be(
                "a non-negative integer or None",
                "delete_confirmation_max_display",
                "admin.E041",
                loc,
            );
        }
    }
}

const MODEL_FORMS: &[&str] = &[
    "django.forms.ModelForm",
    "django.forms.models.ModelForm",
    "django.forms.BaseModelForm",
    "django.forms.models.BaseModelForm",
];
const PLAIN_FORMS: &[&str] = &[
    "django.forms.Form",
    "django.forms.forms.Form",
    "django.forms.BaseForm",
    "django.forms.forms.BaseForm",
];
const MODEL_FORMSETS: &[&str] = &[
    "django.forms.BaseModelFormSet",
    "django.forms.models.BaseModelFormSet",
    "django.forms.BaseInlineFormSet",
    "django.forms.models.BaseInlineFormSet",
    "django.contrib.contenttypes.forms.BaseGenericInlineFormSet",
];
const PLAIN_FORMSETS: &[&str] = &[
    "django.forms.BaseFormSet",
    "django.forms.formsets.BaseFormSet",
];

/// `flatten(fields)`: one level; `None` if an item is not a plain string afterwards.
fn flatten(items: &[SVal]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for i in items {
        match i {
            SVal::Str(s) => out.push(s.clone()),
            SVal::List(v) | SVal::Tuple(v) => {
                for x in v {
                    match x {
                        SVal::Str(s) => out.push(s.clone()),
                        _ => return None,
                    }
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Items that occur more than once, in order of first occurrence (like `collections.Counter`).
fn duplicates(items: &[String]) -> Vec<String> {
    let mut order: Vec<&String> = Vec::new();
    let mut counts: FxHashMap<&String, usize> = FxHashMap::default();
    for i in items {
        let c = counts.entry(i).or_insert(0);
        if *c == 0 {
            order.push(i);
        }
        *c += 1;
    }
    order
        .into_iter()
        .filter(|i| counts.get(i).copied().unwrap_or(0) > 1)
        .cloned()
        .collect()
}

fn remove_duplicates_hint(dups: &[String]) -> String {
    let parts: Vec<String> = dups.iter().map(|d| py_repr(d)).collect();
    format!("Remove duplicates of {}.", parts.join(", "))
}

/// A ManyToManyField with an explicit `through` model.
fn manual_through(f: &crate::project::Field) -> bool {
    f.opt("through").is_some_and(|e| !e.is_none())
}

fn unknown_kind(f: &crate::project::Field) -> bool {
    matches!(f.kind, FieldKind::Field | FieldKind::RelatedField)
        || f.custom.as_ref().is_some_and(|c| c.opaque)
}

/// `isinstance(field, models.ForeignKey)`.
fn is_fk(info: FInfo<'_>) -> Option<bool> {
    match info {
        FInfo::Declared { field, .. } => {
            if matches!(field.kind, FieldKind::ForeignKey | FieldKind::OneToOneField) {
                Some(true)
            } else if unknown_kind(field) {
                None
            } else {
                Some(false)
            }
        }
        FInfo::ParentLink { .. } => Some(true),
        FInfo::AutoPk => Some(false),
        FInfo::Reverse { .. } => Some(false),
    }
}

/// `field.many_to_many`.
fn many_to_many(info: FInfo<'_>) -> Option<bool> {
    match info {
        FInfo::Declared { field, .. } => {
            if field.kind == FieldKind::ManyToManyField {
                Some(true)
            } else if unknown_kind(field) {
                None
            } else {
                Some(false)
            }
        }
        FInfo::Reverse { field, .. } => match field {
            Some(f) if f.kind == FieldKind::ManyToManyField => Some(true),
            Some(f) if unknown_kind(f) => None,
            _ => Some(false),
        },
        FInfo::ParentLink { .. } | FInfo::AutoPk => Some(false),
    }
}

/// `bool(field.choices)`.
fn has_choices(info: FInfo<'_>) -> Option<bool> {
    match info {
        FInfo::Declared { field, .. } => {
            if !field.options_known() {
                return None;
            }
            match field.opt("choices") {
                None => Some(false),
                Some(e) if e.is_none() => Some(false),
                Some(e) => match e.as_sequence() {
                    Some(items) => Some(!items.is_empty()),
                    None => match &e.kind {
                        ExprKind::Dict(d) => Some(!d.is_empty()),
                        _ => None,
                    },
                },
            }
        }
        FInfo::AutoPk | FInfo::ParentLink { .. } => Some(false),
        FInfo::Reverse { .. } => None,
    }
}

/// `isinstance(field, (DateTimeField, ForeignKey, ManyToManyField))`.
fn prepopulate_forbidden(info: FInfo<'_>) -> Option<bool> {
    match info {
        FInfo::Declared { field, .. } => {
            if matches!(
                field.kind,
                FieldKind::DateTimeField
                    | FieldKind::ForeignKey
                    | FieldKind::OneToOneField
                    | FieldKind::ManyToManyField
            ) {
                Some(true)
            } else if unknown_kind(field) {
                None
            } else {
                Some(false)
            }
        }
        FInfo::ParentLink { .. } => Some(true),
        FInfo::AutoPk | FInfo::Reverse { .. } => Some(false),
    }
}

/// Result of `get_fields_from_path`.
enum PathLookup<'a> {
    Ok(FInfo<'a>),
    Err,
    Unknown,
}

impl<'c, 'a> AdminChecker<'c, 'a> {
    // --- ModelAdminChecks ---------------------------------------------------------------------

    fn model_admin_checks(&mut self) {
        self.base_checks();
        for (option, code) in [("save_as", "admin.E101"), ("save_on_top", "admin.E102")] {
            let (v, loc) = self.attr(option);
            if v.is_plain() && !matches!(v, SVal::Bool(_)) {
                self.must_be("a boolean", option, code, loc);
            }
        }
        self.check_inlines();
        self.check_list_display();
        self.check_list_display_links();
        self.check_list_filter();
        let (v, loc) = self.attr("list_select_related");
        if v.is_plain() && !matches!(v, SVal::Bool(_) | SVal::List(_) | SVal::Tuple(_)) {
            self.must_be(
                "a boolean, tuple or list",
                "list_select_related",
                "admin.E117",
                loc,
            );
        }
        for (option, code) in [
            ("list_per_page", "admin.E118"),
            ("list_max_show_all", "admin.E119"),
        ] {
            let (v, loc) = self.attr(option);
            if v.is_plain() && !matches!(v, SVal::Int(_) | SVal::Bool(_)) {
                self.must_be("an integer", option, code, loc);
            }
        }
        self.check_list_editable();
        let (v, loc) = self.attr("search_fields");
        if v.is_plain() && !v.is_seq() {
            self.must_be("a list or tuple", "search_fields", "admin.E126", loc);
        }
        self.check_date_hierarchy();
        self.check_actions();
    }

    fn check_inlines(&mut self) {
        let (v, loc) = self.attr("inlines");
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", "inlines", "admin.E103", loc);
        }
        let Some(items) = into_items(v) else {
            return;
        };
        for item in items {
            let id = match item {
                SVal::Class(id) => id,
                v if v.is_plain() => {
                    // No __module__/__name__: Django names the ModelAdmin instance.
                    let app = self
                        .ctx
                        .model(self.ac.model)
                        .app_label
                        .clone()
                        .unwrap_or_default();
                    let msg = format!(
                        "'{app}.{}' must inherit from 'InlineModelAdmin'.",
                        self.ac.name
                    );
                    self.err("admin.E104", msg, loc);
                    continue;
                }
                _ => continue,
            };
            // `module.Name` (built only for a finding): the class must be readable and have a
            // module ([`Ctx::class_qualname`]).
            if id.file.module(self.ctx.db).is_none() || self.ctx.class_def(id).is_none() {
                continue;
            }
            let qual = || self.ctx.class_qualname(id).unwrap_or_default();
            match self.ctx.class_inherits(
                id,
                &[
                    "django.contrib.admin.options.InlineModelAdmin",
                    "django.contrib.admin.options.StackedInline",
                    "django.contrib.admin.options.TabularInline",
                    "django.contrib.contenttypes.admin.GenericInlineModelAdmin",
                    "django.contrib.contenttypes.admin.GenericStackedInline",
                    "django.contrib.contenttypes.admin.GenericTabularInline",
                ],
            ) {
                Some(false) => {
                    let qual = qual();
                    self.err(
                        "admin.E104",
                        format!("'{qual}' must inherit from 'InlineModelAdmin'."),
                        loc,
                    );
                    continue;
                }
                None => continue,
                Some(true) => {}
            }
            // The inline's `model`.
            let Some(probe) = AdminClass::probe(self.ctx, id) else {
                continue;
            };
            let (model, _) = probe.attr(self.ctx, "model");
            match model.truthy() {
                Some(false) => {
                    let qual = qual();
                    self.err(
                        "admin.E105",
                        format!("'{qual}' must have a 'model' attribute."),
                        loc,
                    );
                    continue;
                }
                None => continue,
                Some(true) => {}
            }
            if model.is_plain() {
                let qual = qual();
                self.must_be("a Model", &format!("{qual}.model"), "admin.E106", loc);
                continue;
            }
            // `AdminClass::new(ctx, id, None)`, from the probe.
            let Some(mut inline) = probe.readable(self.ctx) else {
                continue;
            };
            let Some(inline_model) = model_of(self.ctx, &model) else {
                continue;
            };
            inline.model = inline_model;
            if inline.kind == AdminKind::Model {
                continue;
            }
            let parent = self.ac.model;
            let mut ch = AdminChecker {
                ctx: &mut *self.ctx,
                index: self.index,
                reg: self.reg,
                ac: inline,
            };
            ch.inline_checks(parent);
        }
    }

    fn check_list_display(&mut self) {
        let (v, loc) = self.attr("list_display");
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", "list_display", "admin.E107", loc);
        }
        let Some(items) = into_items(v) else {
            return;
        };
        for (i, item) in items.iter().enumerate() {
            let SVal::Str(name) = item else { continue };
            // Built only for a finding.
            let label = move || format!("list_display[{i}]");
            match self.ac.has_attr(name) {
                Some(true) | None => continue,
                Some(false) => {}
            }
            let model = self.ac.model;
            let found: Option<FInfo<'a>> = match self.get_field(name) {
                Lookup::Found { info, .. } => Some(info),
                Lookup::Unknown => continue,
                Lookup::Missing => match self.index.model_has_attr(self.ctx, model, name) {
                    None => continue,
                    Some(true) => {
                        // A reverse ForeignKey accessor (`book_set`) is a many-to-one rel.
                        let reverse_fk = self.index.reverse_of(self.ctx, model).iter().any(|r| {
                            r.accessor.as_deref() == Some(name.as_str())
                                && self.index.rev_field(self.ctx, r).is_some_and(|f| {
                                    f.kind == FieldKind::ForeignKey && !unknown_kind(f)
                                })
                        });
                        if reverse_fk {
                            self.err(
                                "admin.E109",
                                format!("The value of '{label}' must not be a many-to-many field or a reverse foreign key.", label = label()),
                                loc,
                            );
                        }
                        continue;
                    }
                    Some(false) => match self.fields_from_path(model, name) {
                        PathLookup::Ok(info) => Some(info),
                        PathLookup::Unknown => continue,
                        PathLookup::Err => {
                            let admin_name = self.ac.name;
                            let mlabel = self.model_label();
                            self.err(
                                "admin.E108",
                                format!("The value of '{label}' refers to '{name}', which is not a callable or attribute of '{admin_name}', or an attribute, method, or field on '{mlabel}'.", label = label()),
                                loc,
                            );
                            continue;
                        }
                    },
                },
            };
            if let Some(info) = found
                && to_many(info) == Some(true)
            {
                self.err(
                    "admin.E109",
                    format!("The value of '{label}' must not be a many-to-many field or a reverse foreign key.", label = label()),
                    loc,
                );
            }
        }
    }

    fn check_list_display_links(&mut self) {
        let (v, loc) = self.attr("list_display_links");
        if matches!(v, SVal::None) {
            return;
        }
        if v.is_plain() && !v.is_seq() {
            return self.must_be(
                "a list, a tuple, or None",
                "list_display_links",
                "admin.E110",
                loc,
            );
        }
        let Some(items) = into_items(v) else {
            return;
        };
        if items.is_empty() {
            return;
        }
        if self.ac.overrides("get_list_display") != Some(false) {
            return;
        }
        let (ld, _) = self.attr("list_display");
        let Some(ld_items) = ld.items() else { return };
        if !ld_items.iter().all(|x| matches!(x, SVal::Str(_))) {
            return;
        }
        for (i, item) in items.iter().enumerate() {
            let SVal::Str(name) = item else { continue };
            if !ld_items
                .iter()
                .any(|x| matches!(x, SVal::Str(s) if s == name))
            {
                self.err(
                    "admin.E111",
                    format!("The value of 'list_display_links[{i}]' refers to '{name}', which is not defined in 'list_display'."),
                    loc,
                );
            }
        }
    }

    fn check_list_filter(&mut self) {
        let (v, loc) = self.attr("list_filter");
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", "list_filter", "admin.E112", loc);
        }
        let Some(items) = into_items(v) else {
            return;
        };
        const FIELD_LIST_FILTERS: &[&str] = &[
            "django.contrib.admin.filters.FieldListFilter",
            "django.contrib.admin.filters.RelatedFieldListFilter",
            "django.contrib.admin.filters.BooleanFieldListFilter",
            "django.contrib.admin.filters.ChoicesFieldListFilter",
            "django.contrib.admin.filters.DateFieldListFilter",
            "django.contrib.admin.filters.AllValuesFieldListFilter",
            "django.contrib.admin.filters.RelatedOnlyFieldListFilter",
            "django.contrib.admin.filters.EmptyFieldListFilter",
        ];
        const LIST_FILTERS: &[&str] = &[
            "django.contrib.admin.filters.ListFilter",
            "django.contrib.admin.filters.SimpleListFilter",
            "django.contrib.admin.filters.FieldListFilter",
            "django.contrib.admin.filters.RelatedFieldListFilter",
            "django.contrib.admin.filters.BooleanFieldListFilter",
            "django.contrib.admin.filters.ChoicesFieldListFilter",
            "django.contrib.admin.filters.DateFieldListFilter",
            "django.contrib.admin.filters.AllValuesFieldListFilter",
            "django.contrib.admin.filters.RelatedOnlyFieldListFilter",
            "django.contrib.admin.filters.EmptyFieldListFilter",
        ];
        for (i, item) in items.iter().enumerate() {
            // Built only for a finding.
            let label = move || format!("list_filter[{i}]");
            match item {
                SVal::Class(id) => {
                    if self.ctx.pm.model_by_class(*id).is_some() {
                        continue;
                    }
                    match self.ctx.class_inherits(*id, LIST_FILTERS) {
                        Some(false) => {
                            self.must_inherit_from("ListFilter", &label(), "admin.E113", loc)
                        }
                        Some(true)
                            if self.ctx.class_inherits(*id, FIELD_LIST_FILTERS) == Some(true) =>
                        {
                            self.err(
                                "admin.E114",
                                format!("The value of '{label}' must not inherit from 'FieldListFilter'.", label = label()),
                                loc,
                            );
                        }
                        _ => {}
                    }
                }
                SVal::External(q) if FIELD_LIST_FILTERS.contains(&q.as_str()) => {
                    self.err(
                        "admin.E114",
                        format!(
                            "The value of '{label}' must not inherit from 'FieldListFilter'.",
                            label = label()
                        ),
                        loc,
                    );
                }
                SVal::List(pair) | SVal::Tuple(pair) if pair.len() == 2 => {
                    let ok = match &pair[1] {
                        SVal::Class(id) => self.ctx.class_inherits(*id, FIELD_LIST_FILTERS),
                        SVal::External(q) if FIELD_LIST_FILTERS.contains(&q.as_str()) => Some(true),
                        v if v.is_plain() => Some(false),
                        _ => None,
                    };
                    if ok == Some(false) {
                        self.must_inherit_from(
                            "FieldListFilter",
                            &format!("{}[1]", label()),
                            "admin.E115",
                            loc,
                        );
                    }
                }
                SVal::Str(path) => {
                    let model = self.ac.model;
                    if let PathLookup::Err = self.fields_from_path(model, path) {
                        self.err(
                            "admin.E116",
                            format!("The value of '{label}' refers to '{path}', which does not refer to a Field.", label = label()),
                            loc,
                        );
                    }
                }
                _ => {}
            }
        }
    }

    fn check_list_editable(&mut self) {
        let (v, loc) = self.attr("list_editable");
        if v.is_plain() && !v.is_seq() {
            return self.must_be("a list or tuple", "list_editable", "admin.E120", loc);
        }
        let Some(items) = into_items(v) else {
            return;
        };
        if items.is_empty() {
            return;
        }
        let (ld, _) = self.attr("list_display");
        let (ldl, _) = self.attr("list_display_links");
        for (i, item) in items.iter().enumerate() {
            let SVal::Str(name) = item else { continue };
            // Built only for a finding.
            let label = move || format!("list_editable[{i}]");
            let info = match self.get_field(name) {
                Lookup::Missing => {
                    self.missing_field(name, &label(), "admin.E121", loc);
                    continue;
                }
                Lookup::Unknown => continue,
                Lookup::Found { info, .. } => info,
            };
            let Some(ld_items) = ld.items() else { continue };
            if !ld_items.iter().all(SVal::fully_known_or_callable) {
                continue;
            }
            if !ld_items
                .iter()
                .any(|x| matches!(x, SVal::Str(s) if s == name))
            {
                self.err(
                    "admin.E122",
                    format!("The value of '{label}' refers to '{name}', which is not contained in 'list_display'.", label = label()),
                    loc,
                );
                continue;
            }
            let links_truthy = match &ldl {
                SVal::None => Some(false),
                SVal::Str(s) => Some(!s.is_empty()),
                v if v.is_seq() => v.truthy(),
                _ => None,
            };
            let Some(links_truthy) = links_truthy else {
                continue;
            };
            if links_truthy {
                // `field_name in obj.list_display_links` (a str: substring).
                let contains = match &ldl {
                    SVal::Str(s) => s.contains(name.as_str()),
                    other => {
                        let Some(links) = other.items() else { continue };
                        if !links.iter().all(SVal::fully_known_or_callable) {
                            continue;
                        }
                        links.iter().any(|x| matches!(x, SVal::Str(s) if s == name))
                    }
                };
                if contains {
                    self.err(
                        "admin.E123",
                        format!("The value of '{name}' cannot be in both 'list_editable' and 'list_display_links'."),
                        loc,
                    );
                    continue;
                }
            }
            let first_is = matches!(ld_items.first(), Some(SVal::Str(s)) if s == name);
            if first_is && !links_truthy && !matches!(ldl, SVal::None) {
                self.err(
                    "admin.E124",
                    format!("The value of '{label}' refers to the first field in 'list_display' ('{name}'), which cannot be used unless 'list_display_links' is set.", label = label()),
                    loc,
                );
                continue;
            }
            if not_editable(info) == Some(true) {
                self.err(
                    "admin.E125",
                    format!("The value of '{label}' refers to '{name}', which is not editable through the admin.", label = label()),
                    loc,
                );
            }
        }
    }

    fn check_date_hierarchy(&mut self) {
        let (v, loc) = self.attr("date_hierarchy");
        let SVal::Str(path) = v else { return };
        let model = self.ac.model;
        match self.fields_from_path(model, &path) {
            PathLookup::Err => self.err(
                "admin.E127",
                format!("The value of 'date_hierarchy' refers to '{path}', which does not refer to a Field."),
                loc,
            ),
            PathLookup::Unknown => {}
            PathLookup::Ok(info) => {
                let date = match info {
                    FInfo::Declared { field, .. } => {
                        if matches!(field.kind, FieldKind::DateField | FieldKind::DateTimeField)
                        {
                            if field.custom.as_ref().is_some_and(|c| c.opaque) {
                                None
                            } else {
                                Some(true)
                            }
                        } else if unknown_kind(field) {
                            None
                        } else {
                            Some(false)
                        }
                    }
                    FInfo::AutoPk | FInfo::ParentLink { .. } => Some(false),
                    FInfo::Reverse { .. } => None,
                };
                if date == Some(false) {
                    self.must_be(
                        "a DateField or DateTimeField",
                        "date_hierarchy",
                        "admin.E128",
                        loc,
                    );
                }
            }
        }
    }

    /// `get_fields_from_path(model, path)[-1]`.
    fn fields_from_path(&mut self, model: usize, path: &str) -> PathLookup<'a> {
        let mut cur = model;
        let mut last: Option<FInfo<'a>> = None;
        for piece in path.split("__") {
            if let Some(prev) = last {
                match self.related_model_idx(prev) {
                    Some(Some(m)) => cur = m,
                    Some(None) => return PathLookup::Err,
                    None => return PathLookup::Unknown,
                }
            }
            match self.index.get_field(self.ctx, cur, piece) {
                Lookup::Found { info, .. } => last = Some(info),
                Lookup::Missing => return PathLookup::Err,
                Lookup::Unknown => return PathLookup::Unknown,
            }
        }
        match last {
            Some(i) => PathLookup::Ok(i),
            None => PathLookup::Unknown,
        }
    }

    /// `get_model_from_relation(field)`: `Some(Some(model))`, `Some(None)` for a field that is
    /// not a relation, `None` when unknown.
    fn related_model_idx(&self, info: FInfo<'a>) -> Option<Option<usize>> {
        match info {
            FInfo::Declared { field, on } => {
                if field.kind.is_relation() && field.kind != FieldKind::RelatedField {
                    if field.custom.as_ref().is_some_and(|c| c.opaque) {
                        return None;
                    }
                    match self
                        .ctx
                        .relation_target(crate::checks::ModelField { field, model: on })
                    {
                        crate::checks::Target::Model(t) => Some(Some(t)),
                        _ => None,
                    }
                } else if unknown_kind(field) || field.kind == FieldKind::GenericForeignKey {
                    None
                } else {
                    Some(None)
                }
            }
            FInfo::ParentLink { parent } => Some(Some(parent)),
            FInfo::AutoPk => Some(None),
            FInfo::Reverse { from, .. } => Some(Some(from)),
        }
    }

    // --- InlineModelAdminChecks ---------------------------------------------------------------

    fn inline_checks(&mut self, parent: usize) {
        self.base_checks();
        if self.ac.kind == AdminKind::GenericInline {
            self.check_generic_relation();
        } else {
            let relation = self.check_relation(parent);
            if let Some(Ok(fk_name)) = &relation {
                // _check_exclude_of_parent_model
                let (ex, loc) = self.attr("exclude");
                if let Some(items) = ex.items()
                    && items.iter().all(|i| matches!(i, SVal::Str(_)))
                    && flatten(items).is_some_and(|f| duplicates(&f).is_empty())
                    && items
                        .iter()
                        .any(|i| matches!(i, SVal::Str(s) if s == fk_name))
                {
                    let plabel = self.ctx.model(parent).label();
                    self.err(
                        "admin.E201",
                        format!("Cannot exclude the field '{fk_name}', because it is the foreign key to the parent model '{plabel}'."),
                        loc,
                    );
                }
            }
        }
        let (v, loc) = self.attr("extra");
        if v.is_plain() && !matches!(v, SVal::Int(_) | SVal::Bool(_)) {
            self.must_be("an integer", "extra", "admin.E203", loc);
        }
        for (option, code) in [("max_num", "admin.E204"), ("min_num", "admin.E205")] {
            let (v, loc) = self.attr(option);
            if v.is_plain() && !matches!(v, SVal::None | SVal::Int(_) | SVal::Bool(_)) {
                self.must_be("an integer", option, code, loc);
            }
        }
        self.check_form_class(
            "formset",
            "BaseModelFormSet",
            "admin.E206",
            MODEL_FORMSETS,
            PLAIN_FORMSETS,
        );
    }

    /// `_issubclass(obj.form, BaseModelForm)` / `_issubclass(obj.formset, BaseModelFormSet)`.
    fn check_form_class(
        &mut self,
        option: &str,
        parent: &str,
        code: &str,
        ok: &[&str],
        plain: &[&str],
    ) {
        let (v, loc) = self.attr(option);
        let inherits = match &v {
            SVal::Class(id) => match self.ctx.mro(*id) {
                None => None,
                Some(mro) => {
                    let mut res = Some(false);
                    for n in &mro {
                        match n {
                            Node::External(q) if ok.contains(&q.as_str()) => {
                                res = Some(true);
                                break;
                            }
                            Node::External(q) if plain.contains(&q.as_str()) => {}
                            Node::External(q) if q == "builtins.object" => {}
                            Node::Class(_) => {}
                            _ => res = None,
                        }
                    }
                    res
                }
            },
            SVal::External(q) if ok.contains(&q.as_str()) => Some(true),
            SVal::External(q) if plain.contains(&q.as_str()) => Some(false),
            o if o.is_plain() => Some(false),
            _ => None,
        };
        if inherits == Some(false) {
            self.must_inherit_from(parent, option, code, loc);
        }
    }

    /// admin.E129 / admin.E130 for actions named by string.
    fn check_actions(&mut self) {
        let (v, loc) = self.attr("actions");
        let Some(items) = into_items(v) else {
            return;
        };
        if !items.iter().all(|i| matches!(i, SVal::Str(_))) {
            return;
        }
        let names: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                SVal::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        let admin_name = self.ac.name;
        let item_spans = self.item_spans("actions", names.len());
        let mut resolvable: Vec<String> = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let item_loc = item_spans
                .as_ref()
                .and_then(|v| v.get(i).copied())
                .unwrap_or(loc);
            let Some(def) = self.method_def(name) else {
                if name == "delete_selected" {
                    resolvable.push(name.clone());
                }
                continue;
            };
            let Some(def) = def else {
                // Bound in a way djsa cannot see (or not a method): skip this action.
                continue;
            };
            let Some(perms) = self.action_permissions(def) else {
                continue;
            };
            resolvable.push(name.clone());
            for perm in perms {
                let method = format!("has_{perm}_permission");
                if self.ac.has_attr(&method) == Some(false) {
                    self.err(
                        "admin.E129",
                        format!(
                            "{admin_name} must define a {method}() method for the {} action.",
                            def.name
                        ),
                        item_loc,
                    );
                }
            }
        }
        for d in duplicates(&resolvable) {
            self.err(
                "admin.E130",
                format!("__name__ attributes of actions defined in {admin_name} must be unique. Name {} is not unique.", py_repr(&d)),
                loc,
            );
        }
    }

    /// Locations of the items of a list/tuple option written as a literal display.
    fn item_spans(&self, name: &str, n: usize) -> Option<Vec<(SourceFile, Span)>> {
        match self.ac.lookup(name) {
            ClassAttr::Found {
                value: AttrValue::Expr(e, f),
                ..
            } => {
                let items = e.as_sequence()?;
                (items.len() == n).then(|| items.iter().map(|i| (f, i.span)).collect())
            }
            _ => None,
        }
    }

    /// The `def` an action name refers to on the admin class: `None` if not found on a class djsa
    /// reads (Django's own classes, or missing), `Some(None)` if bound otherwise.
    fn method_def(&self, name: &str) -> Option<Option<&'a FunctionDef>> {
        for (i, n) in self.ac.mro.iter().enumerate() {
            match n {
                Node::Class(_) => match self.ac.binding(i, name)? {
                    Ok(Some(Stmt::Function(f))) => return Some(Some(f)),
                    Ok(Some(_)) | Err(()) => return Some(None),
                    Ok(None) => {}
                },
                Node::External(_) => {
                    if self.ac.has_attr(name) != Some(false) {
                        return Some(None);
                    }
                }
                Node::Unknown(_) => return Some(None),
            }
        }
        None
    }

    /// `allowed_permissions` set by `@admin.action(permissions=[...])` (empty when none);
    /// `None` when djsa cannot tell (or the action is not for the change list).
    fn action_permissions(&self, def: &FunctionDef) -> Option<Vec<String>> {
        let file = self.ac.class.file;
        let mut perms = Vec::new();
        for d in &def.decorators {
            let (func, kwargs) = match &d.kind {
                ExprKind::Call {
                    func,
                    kwargs,
                    has_splat: false,
                    ..
                } => (func.as_ref(), &kwargs[..]),
                ExprKind::Call { .. } => return None,
                _ => (d, &[][..]),
            };
            let is_action = match &*self.ctx.resolver.resolve_expr_rc(file, func) {
                Resolved::External(q) => {
                    q == "django.contrib.admin.action"
                        || q == "django.contrib.admin.decorators.action"
                }
                Resolved::Function(f, n) => {
                    n == "action"
                        && f.module(self.ctx.db).as_deref()
                            == Some("django.contrib.admin.decorators")
                }
                _ => return None,
            };
            if !is_action {
                return None;
            }
            for k in kwargs {
                match k.name.as_str() {
                    "permissions" => {
                        let items = k.value.as_sequence()?;
                        for i in items {
                            perms.push(i.as_str()?.to_string());
                        }
                    }
                    "location" => return None,
                    _ => {}
                }
            }
        }
        Some(perms)
    }

    /// `_get_foreign_key(parent_model, model, fk_name)`: `Some(Ok(fk name))`, `Some(Err(()))`
    /// after reporting admin.E202, `None` when djsa cannot tell.
    fn check_relation(&mut self, parent: usize) -> Option<Result<String, ()>> {
        let (fk_name, loc) = self.attr("fk_name");
        let fk_name = match fk_name {
            SVal::None => None,
            SVal::Str(s) if s.is_empty() => None,
            SVal::Str(s) => Some(s),
            _ => return None,
        };
        let model = self.ac.model;
        let (forward, complete) = self.ctx.forward_fields(model);
        // `opts.fields`: concrete and private-free forward fields (no many-to-many).
        let fields: Vec<(Cow<'a, str>, FInfo<'a>)> = forward
            .iter()
            .filter(|(_, i)| match i {
                FInfo::Declared { field, .. } => !matches!(
                    field.kind,
                    FieldKind::ManyToManyField
                        | FieldKind::GenericForeignKey
                        | FieldKind::GenericRelation
                ),
                _ => true,
            })
            .cloned()
            .collect();
        let parents = self.parent_chain(parent);
        // Labels are built only for a finding.
        let (mmodel, pmodel) = (self.ctx.model(model), self.ctx.model(parent));
        if let Some(fk_name) = fk_name {
            let Some((_, info)) = fields.iter().find(|(n, _)| *n == fk_name) else {
                if !complete {
                    return None;
                }
                self.err(
                    "admin.E202",
                    format!("'{}' has no field named '{fk_name}'.", mmodel.label()),
                    loc,
                );
                return Some(Err(()));
            };
            let points = match is_fk(*info)? {
                false => false,
                true => self.fk_points_to(*info, &parents)?,
            };
            if !points {
                self.err(
                    "admin.E202",
                    format!(
                        "fk_name '{fk_name}' is not a ForeignKey to '{}'.",
                        pmodel.label()
                    ),
                    loc,
                );
                return Some(Err(()));
            }
            return Some(Ok(fk_name));
        }
        let mut matching: Vec<String> = Vec::new();
        for (n, info) in &fields {
            match is_fk(*info) {
                Some(true) => {}
                Some(false) => continue,
                None => return None,
            }
            if self.fk_points_to(*info, &parents)? {
                matching.push(n.to_string());
            }
        }
        match matching.len() {
            1 => Some(Ok(matching.remove(0))),
            0 => {
                if !complete {
                    return None;
                }
                self.err(
                    "admin.E202",
                    format!(
                        "'{}' has no ForeignKey to '{}'.",
                        mmodel.label(),
                        pmodel.label()
                    ),
                    self.ac.loc,
                );
                Some(Err(()))
            }
            _ => {
                self.err(
                    "admin.E202",
                    format!(
                        "'{}' has more than one ForeignKey to '{}'. You must specify a 'fk_name' attribute.",
                        mmodel.label(),
                        pmodel.label()
                    ),
                    self.ac.loc,
                );
                Some(Err(()))
            }
        }
    }

    /// The parent model and all its (concrete and proxy) model ancestors.
    fn parent_chain(&self, parent: usize) -> Vec<usize> {
        let mut out = vec![parent];
        let mut stack = vec![parent];
        while let Some(m) = stack.pop() {
            for p in self.ctx.concrete_parents(m) {
                if !out.contains(&p) && out.len() < 60 {
                    out.push(p);
                    stack.push(p);
                }
            }
        }
        out
    }

    /// Whether a ForeignKey points at the parent model (or an ancestor, or a proxy of one).
    fn fk_points_to(&self, info: FInfo<'a>, parents: &[usize]) -> Option<bool> {
        let target = match info {
            FInfo::ParentLink { parent } => parent,
            FInfo::Declared { field, on } => {
                match self
                    .ctx
                    .relation_target(crate::checks::ModelField { field, model: on })
                {
                    crate::checks::Target::Model(t) => t,
                    _ => return None,
                }
            }
            _ => return Some(false),
        };
        if parents.contains(&target) {
            return Some(true);
        }
        let tm = self.ctx.model(target);
        if tm.proxy {
            // proxy_for_model: the direct model parent.
            let direct = tm.parents.iter().find_map(|p| match p {
                crate::project::Parent::Model(i) if !self.ctx.model(*i).abstract_ => Some(*i),
                _ => None,
            })?;
            return Some(parents.contains(&direct));
        }
        Some(false)
    }

    /// GenericInlineModelAdminChecks._check_relation (admin.E301-E304).
    fn check_generic_relation(&mut self) {
        let model = self.ac.model;
        if self.ctx.incomplete(model) {
            return;
        }
        let mut gfks: Vec<&'a crate::project::Field> = Vec::new();
        let mut stack = vec![model];
        let mut seen = Vec::new();
        while let Some(m) = stack.pop() {
            if seen.contains(&m) || seen.len() > 60 {
                continue;
            }
            seen.push(m);
            for &f in self.ctx.local_fields(m).iter() {
                if f.kind == FieldKind::GenericForeignKey {
                    gfks.push(f);
                }
            }
            stack.extend(self.ctx.concrete_parents(m));
        }
        let mlabel = self.ctx.model(model).label();
        let loc = self.ac.loc;
        if gfks.is_empty() {
            return self.err(
                "admin.E301",
                format!("'{mlabel}' has no GenericForeignKey."),
                loc,
            );
        }
        let (ct, ct_loc) = self.attr("ct_field");
        let (fk, fk_loc) = self.attr("ct_fk_field");
        let (SVal::Str(ct), SVal::Str(fk)) = (ct, fk) else {
            return;
        };
        match self.get_field(&ct) {
            Lookup::Missing => {
                return self.err(
                    "admin.E302",
                    format!("'ct_field' references '{ct}', which is not a field on '{mlabel}'."),
                    ct_loc,
                );
            }
            Lookup::Unknown => return,
            Lookup::Found { .. } => {}
        }
        match self.get_field(&fk) {
            Lookup::Missing => {
                return self.err(
                    "admin.E303",
                    format!("'ct_fk_field' references '{fk}', which is not a field on '{mlabel}'."),
                    fk_loc,
                );
            }
            Lookup::Unknown => return,
            Lookup::Found { .. } => {}
        }
        let mut any_unknown = false;
        for g in &gfks {
            if !g.options_known() {
                any_unknown = true;
                continue;
            }
            let arg = |name: &str, default: &str| -> Option<String> {
                match g.opt(name) {
                    None => Some(default.to_string()),
                    Some(e) => e.as_str().map(str::to_string),
                }
            };
            match (
                arg("ct_field", "content_type"),
                arg("fk_field", "object_id"),
            ) {
                (Some(c), Some(f)) => {
                    if c == ct && f == fk {
                        return;
                    }
                }
                _ => any_unknown = true,
            }
        }
        if !any_unknown {
            self.err(
                "admin.E304",
                format!("'{mlabel}' has no GenericForeignKey using content type field '{ct}' and object ID field '{fk}'."),
                loc,
            );
        }
    }
}

impl SVal {
    fn fully_known_or_callable(&self) -> bool {
        matches!(self, SVal::Callable | SVal::Class(_)) || self.fully_known()
    }
}

impl<'a> AdminClass<'a> {
    /// A view of an inline class before its `model` is known (to read `model` itself).
    fn probe(ctx: &Ctx<'a>, class: ClassId) -> Option<AdminClass<'a>> {
        let def = ctx.class_def(class)?;
        let module = class.file.module(ctx.db).as_deref()?;
        let mro = ctx.mro_shared(class)?;
        let bodies = mro
            .iter()
            .map(|n| match n {
                Node::Class(cid) => ctx.class_def(*cid).map(|d| (d, Bindings::new(&d.body))),
                _ => None,
            })
            .collect();
        let bases = mro
            .iter()
            .map(|n| match n {
                Node::External(q) => AdminBase::of(q),
                _ => None,
            })
            .collect();
        Some(AdminClass {
            class,
            name: &def.name,
            module,
            kind: AdminKind::Inline,
            mro,
            bodies,
            bases,
            model: 0,
            loc: (class.file, def.name_span),
        })
    }
}

/// `obj.model` as the checks need it: a registered, non-abstract model.
fn model_of(ctx: &Ctx<'_>, v: &SVal) -> Option<usize> {
    let SVal::Class(id) = v else { return None };
    let idx = ctx.pm.model_by_class(*id)?;
    let m = ctx.model(idx);
    if !m.registered || m.abstract_ {
        return None;
    }
    Some(idx)
}

/// `field.is_relation and (field.many_to_many or field.one_to_many)` (admin.E109).
fn to_many(info: FInfo<'_>) -> Option<bool> {
    match info {
        FInfo::Declared { field, .. } => {
            if matches!(
                field.kind,
                FieldKind::ManyToManyField | FieldKind::GenericRelation
            ) {
                Some(true)
            } else if unknown_kind(field) {
                None
            } else {
                Some(false)
            }
        }
        FInfo::Reverse { field, .. } => match field {
            None => Some(false),
            Some(f) if f.kind == FieldKind::OneToOneField => Some(false),
            Some(f) if unknown_kind(f) => None,
            Some(_) => Some(true),
        },
        FInfo::AutoPk | FInfo::ParentLink { .. } => Some(false),
    }
}

/// `not field.editable or field.primary_key` (admin.E125).
fn not_editable(info: FInfo<'_>) -> Option<bool> {
    match info {
        FInfo::Declared { field, .. } => {
            if !field.options_known() || unknown_kind(field) {
                return None;
            }
            if field.kind.is_auto()
                || matches!(
                    field.kind,
                    FieldKind::GenericForeignKey
                        | FieldKind::GenericRelation
                        | FieldKind::GeneratedField
                        | FieldKind::CompositePrimaryKey
                )
            {
                return Some(true);
            }
            let editable = field.flag("editable", true)?;
            let pk = field.flag("primary_key", false)?;
            let auto_now = matches!(
                field.kind,
                FieldKind::DateField | FieldKind::DateTimeField | FieldKind::TimeField
            ) && (field.flag("auto_now", false)?
                || field.flag("auto_now_add", false)?);
            Some(!editable || pk || auto_now)
        }
        FInfo::AutoPk | FInfo::ParentLink { .. } | FInfo::Reverse { .. } => Some(true),
    }
}
pub(super) const MODEL_ADMIN_ATTRS: &[&str] = &[
    "__class__",
    "__delattr__",
    "__dict__",
    "__dir__",
    "__doc__",
    "__eq__",
    "__format__",
    "__ge__",
    "__getattribute__",
    "__getstate__",
    "__gt__",
    "__hash__",
    "__init__",
    "__init_subclass__",
    "__le__",
    "__lt__",
    "__module__",
    "__ne__",
    "__new__",
    "__reduce__",
    "__reduce_ex__",
    "__repr__",
    "__setattr__",
    "__sizeof__",
    "__str__",
    "__subclasshook__",
    "__weakref__",
    "_changeform_view",
    "_create_formsets",
    "_delete_view",
    "_filter_actions_by_permissions",
    "_get_action_choices_with_action_location",
    "_get_action_description",
    "_get_actions_with_action_location",
    "_get_base_actions",
    "_get_choice_description",
    "_get_edited_object_pks",
    "_get_form_for_get_fields",
    "_get_formset_with_permissions",
    "_get_list_editable_queryset",
    "_get_obj_does_not_exist_redirect",
    "_get_preserved_qsl",
    "_response_post_save",
    "_save_formset",
    "action_checkbox",
    "action_form",
    "actions",
    "actions_on_bottom",
    "actions_on_top",
    "actions_selection_counter",
    "add_form_template",
    "add_view",
    "admin_site",
    "autocomplete_fields",
    "change_form_template",
    "change_list_template",
    "change_view",
    "changeform_view",
    "changelist_view",
    "check",
    "checks_class",
    "construct_change_message",
    "date_hierarchy",
    "delete_confirmation_max_display",
    "delete_confirmation_template",
    "delete_model",
    "delete_queryset",
    "delete_selected_confirmation_template",
    "delete_view",
    "exclude",
    "fields",
    "fieldsets",
    "filter_horizontal",
    "filter_vertical",
    "form",
    "formfield_for_choice_field",
    "formfield_for_dbfield",
    "formfield_for_foreignkey",
    "formfield_for_manytomany",
    "formfield_overrides",
    "get_action",
    "get_action_choices",
    "get_actions",
    "get_autocomplete_fields",
    "get_changeform_initial_data",
    "get_changelist",
    "get_changelist_form",
    "get_changelist_formset",
    "get_changelist_instance",
    "get_deleted_objects",
    "get_empty_value_display",
    "get_exclude",
    "get_field_queryset",
    "get_fields",
    "get_fieldsets",
    "get_form",
    "get_formset_kwargs",
    "get_formsets_with_inlines",
    "get_inline_formsets",
    "get_inline_instances",
    "get_inlines",
    "get_list_display",
    "get_list_display_links",
    "get_list_filter",
    "get_list_select_related",
    "get_model_perms",
    "get_object",
    "get_ordering",
    "get_paginator",
    "get_prepopulated_fields",
    "get_preserved_filters",
    "get_queryset",
    "get_readonly_fields",
    "get_search_fields",
    "get_search_results",
    "get_sortable_by",
    "get_urls",
    "get_view_on_site_url",
    "has_add_permission",
    "has_change_permission",
    "has_delete_permission",
    "has_module_permission",
    "has_view_or_change_permission",
    "has_view_permission",
    "history_view",
    "inlines",
    "list_display",
    "list_display_links",
    "list_editable",
    "list_filter",
    "list_max_show_all",
    "list_per_page",
    "list_select_related",
    "log_addition",
    "log_change",
    "log_deletion",
    "log_deletions",
    "lookup_allowed",
    "media",
    "message_user",
    "model",
    "object_history_template",
    "opts",
    "ordering",
    "paginator",
    "popup_response_template",
    "prepopulated_fields",
    "preserve_filters",
    "radio_fields",
    "raw_id_fields",
    "readonly_fields",
    "render_change_form",
    "render_delete_form",
    "response_action",
    "response_add",
    "response_change",
    "response_delete",
    "response_post_save_add",
    "response_post_save_change",
    "save_as",
    "save_as_continue",
    "save_form",
    "save_formset",
    "save_model",
    "save_on_top",
    "save_related",
    "search_fields",
    "search_help_text",
    "show_facets",
    "show_full_result_count",
    "sortable_by",
    "to_field_allowed",
    "urls",
    "view_on_site",
];
pub(super) const INLINE_ADMIN_ATTRS: &[&str] = &[
    "__class__",
    "__delattr__",
    "__dict__",
    "__dir__",
    "__doc__",
    "__eq__",
    "__format__",
    "__ge__",
    "__getattribute__",
    "__getstate__",
    "__gt__",
    "__hash__",
    "__init__",
    "__init_subclass__",
    "__le__",
    "__lt__",
    "__module__",
    "__ne__",
    "__new__",
    "__reduce__",
    "__reduce_ex__",
    "__repr__",
    "__setattr__",
    "__sizeof__",
    "__str__",
    "__subclasshook__",
    "__weakref__",
    "_get_form_for_get_fields",
    "_has_any_perms_for_target_model",
    "admin_site",
    "autocomplete_fields",
    "can_delete",
    "check",
    "checks_class",
    "classes",
    "delete_confirmation_max_display",
    "exclude",
    "extra",
    "fields",
    "fieldsets",
    "filter_horizontal",
    "filter_vertical",
    "fk_name",
    "form",
    "formfield_for_choice_field",
    "formfield_for_dbfield",
    "formfield_for_foreignkey",
    "formfield_for_manytomany",
    "formfield_overrides",
    "formset",
    "get_autocomplete_fields",
    "get_empty_value_display",
    "get_exclude",
    "get_extra",
    "get_field_queryset",
    "get_fields",
    "get_fieldsets",
    "get_formset",
    "get_inlines",
    "get_max_num",
    "get_min_num",
    "get_ordering",
    "get_prepopulated_fields",
    "get_queryset",
    "get_readonly_fields",
    "get_sortable_by",
    "get_view_on_site_url",
    "has_add_permission",
    "has_change_permission",
    "has_delete_permission",
    "has_module_permission",
    "has_registered_model",
    "has_view_or_change_permission",
    "has_view_permission",
    "lookup_allowed",
    "max_num",
    "media",
    "min_num",
    "model",
    "opts",
    "ordering",
    "parent_model",
    "prepopulated_fields",
    "radio_fields",
    "raw_id_fields",
    "readonly_fields",
    "show_change_link",
    "show_full_result_count",
    "sortable_by",
    "template",
    "to_field_allowed",
    "verbose_name",
    "verbose_name_plural",
    "view_on_site",
];
pub(super) const GENERIC_INLINE_EXTRA_ATTRS: &[&str] = &["ct_field", "ct_fk_field"];
pub(super) const MODEL_CLASS_ATTRS: &[&str] = &[
    "__class__",
    "__delattr__",
    "__dict__",
    "__dir__",
    "__doc__",
    "__eq__",
    "__format__",
    "__ge__",
    "__getattribute__",
    "__getstate__",
    "__gt__",
    "__hash__",
    "__init__",
    "__init_subclass__",
    "__le__",
    "__lt__",
    "__module__",
    "__ne__",
    "__new__",
    "__reduce__",
    "__reduce_ex__",
    "__repr__",
    "__setattr__",
    "__setstate__",
    "__sizeof__",
    "__str__",
    "__subclasshook__",
    "__weakref__",
    "_assign_returned_values",
    "_check_column_name_clashes",
    "_check_composite_pk",
    "_check_constraints",
    "_check_db_table_comment",
    "_check_default_pk",
    "_check_field_name_clashes",
    "_check_fields",
    "_check_id_field",
    "_check_indexes",
    "_check_local_fields",
    "_check_long_column_names",
    "_check_m2m_through_same_relationship",
    "_check_managers",
    "_check_model",
    "_check_model_name_db_lookup_clashes",
    "_check_ordering",
    "_check_property_name_related_field_accessor_clashes",
    "_check_related_fields",
    "_check_single_primary_key",
    "_check_swappable",
    "_check_unique_together",
    "_do_insert",
    "_do_update",
    "_get_FIELD_display",
    "_get_expr_references",
    "_get_field_expression_map",
    "_get_next_or_previous_by_FIELD",
    "_get_next_or_previous_in_order",
    "_get_pk_val",
    "_get_unique_checks",
    "_is_pk_set",
    "_parse_save_params",
    "_perform_date_checks",
    "_perform_unique_checks",
    "_prepare_related_fields_for_save",
    "_save_parents",
    "_save_table",
    "_set_pk_val",
    "_validate_force_insert",
    "adelete",
    "arefresh_from_db",
    "asave",
    "check",
    "clean",
    "clean_fields",
    "date_error_message",
    "delete",
    "from_db",
    "full_clean",
    "get_constraints",
    "get_deferred_fields",
    "pk",
    "prepare_database_save",
    "refresh_from_db",
    "save",
    "save_base",
    "serializable_value",
    "unique_error_message",
    "validate_constraints",
    "validate_unique",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attr_lists_sorted() {
        // `has_attr` and `model_has_attr` binary-search these lists.
        for list in [MODEL_ADMIN_ATTRS, INLINE_ADMIN_ATTRS, MODEL_CLASS_ATTRS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn bindings_match_body_binding() {
        let src = "\
class A:
    a = 1
    b = 2
    b = 3
    x.y = 4
    (c, d) = 5, 6
    e += 1
    import f.g
    import h as i
    from j import k, l as m
    def n(self): pass
    class o: pass
    p: int
    if cond:
        q = 1
    else:
        def r(self): pass
    try:
        s = 1
    except E:
        t = 1
    finally:
        u = 1
    for v in w:
        pass
    a = 7

class B:
    a = 1
    if cond:
        from z import *
";
        let module = crate::fastparse::syntax_via_tree_sitter(src);
        let names = [
            "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q",
            "r", "s", "t", "u", "v", "w", "x", "y", "z", "",
        ];
        let mut seen = 0;
        for stmt in &module.body {
            let Stmt::Class(c) = stmt else { continue };
            seen += 1;
            let b = Bindings::new(&c.body);
            if c.name == "A" {
                assert!(matches!(b.get("a"), Ok(Some(_))));
                assert!(matches!(b.get("n"), Ok(Some(Stmt::Function(_)))));
                assert_eq!(b.get("q"), Err(()));
                assert_eq!(b.get("zz"), Ok(None));
            }
            for name in names {
                let want = body_binding(&c.body, name).map(|s| s.map(|s| s as *const Stmt));
                let got = b.get(name).map(|s| s.map(|s| s as *const Stmt));
                assert_eq!(got, want, "{}.{name}", c.name);
            }
        }
        assert_eq!(seen, 2);
    }
}
