//! Name resolution across modules: imports, star imports, aliases and re-exports.
//!
//! A [`Resolver`] lives for one project-level computation and memoizes per-module scopes.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::db::{Db, Project, SourceFile, module_syntax};
use crate::syntax::{ClassDef, Expr, ExprKind, Stmt, Target};

/// Module name → file, for every file that has a module name.
#[salsa::tracked(returns(ref))]
pub fn module_map(db: &dyn Db, project: Project) -> FxHashMap<String, SourceFile> {
    let mut map = FxHashMap::default();
    for &file in project.files(db) {
        if let Some(m) = file.module(db) {
            // The first file registered for a module wins (project before library).
            map.entry(m.clone()).or_insert(file);
        }
    }
    map
}

/// A class defined at module level (possibly inside `if`/`try` blocks), by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClassId {
    pub file: SourceFile,
    pub index: u32,
}

/// What a name means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Class(ClassId),
    Module(String),
    Function(SourceFile, String),
    /// A qualified name in a module djsa did not load (`django.db.models.CharField`).
    External(String),
    /// A module-level value (`User = get_user_model()`).
    Value(SourceFile, Expr),
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Binding {
    Class(u32),
    Function,
    Module(String),
    From {
        module: String,
        name: String,
    },
    Value(Expr),
    /// Assigned in a way djsa does not model.
    Opaque,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scope {
    names: FxHashMap<String, Binding>,
    stars: Vec<String>,
}

/// Where each module-level class of a file sits in its syntax tree (cached per file, so finding
/// one class by [`ClassId`] does not walk the whole module). A path alternates statement indexes
/// and block selectors: `if` 0 body, 1 else; `try` 0 body, 1..=n handlers, n+1 else, n+2 finally.
#[salsa::tracked(returns(ref))]
pub fn class_paths(db: &dyn Db, file: SourceFile) -> Vec<Vec<u32>> {
    fn walk(stmts: &[Stmt], prefix: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
        for (i, s) in stmts.iter().enumerate() {
            prefix.push(i as u32);
            if let Stmt::Class(_) = s {
                out.push(prefix.clone());
            }
            for (sel, block) in s.blocks().enumerate() {
                prefix.push(sel as u32);
                walk(block, prefix, out);
                prefix.pop();
            }
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    walk(&module_syntax(db, file).body, &mut Vec::new(), &mut out);
    out
}

/// The `index`-th module-level class of a file (as [`module_classes`] orders them).
pub fn nth_class(db: &dyn Db, file: SourceFile, index: usize) -> Option<&ClassDef> {
    let path = class_paths(db, file).get(index)?;
    class_at(&module_syntax(db, file).body, path)
}

/// The class at `path` (one of [`class_paths`]) in a module body.
pub fn class_at<'a>(body: &'a [Stmt], path: &[u32]) -> Option<&'a ClassDef> {
    let mut stmts: &[Stmt] = body;
    let mut steps = path.iter();
    loop {
        let stmt = stmts.get(*steps.next()? as usize)?;
        let Some(&sel) = steps.next() else {
            return match stmt {
                Stmt::Class(c) => Some(c),
                _ => None,
            };
        };
        stmts = stmt.blocks().nth(sel as usize)?;
    }
}

/// Classes at module level of a file, in source order, including those nested in `if`/`try`.
pub fn module_classes(db: &dyn Db, file: SourceFile) -> Vec<&ClassDef> {
    fn walk<'a>(stmts: &'a [Stmt], out: &mut Vec<&'a ClassDef>) {
        for s in stmts {
            if let Stmt::Class(c) = s {
                out.push(c);
            }
            for block in s.blocks() {
                walk(block, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&module_syntax(db, file).body, &mut out);
    out
}

/// A module-level import of a file, as an absolute module name. `from m import n` gives both
/// `m.n` (it may be a submodule) and `m`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedModule {
    pub module: String,
    /// The import stands only in an `except` handler (it runs only when the `try` body failed).
    pub in_handler: bool,
}

/// Every module a file imports at module level (including inside `if`/`try`), cached per file.
#[salsa::tracked(returns(ref))]
pub fn module_imports(db: &dyn Db, file: SourceFile) -> Vec<ImportedModule> {
    fn walk(
        db: &dyn Db,
        file: SourceFile,
        stmts: &[Stmt],
        in_handler: bool,
        out: &mut Vec<ImportedModule>,
    ) {
        for s in stmts {
            match s {
                Stmt::Import { module, .. } => out.push(ImportedModule {
                    module: module.clone(),
                    in_handler,
                }),
                Stmt::ImportFrom {
                    level,
                    module,
                    names,
                    ..
                } => {
                    if let Some(abs) = absolute_module(db, file, *level, module.as_deref()) {
                        for (n, _) in names {
                            out.push(ImportedModule {
                                module: dotted(&abs, n),
                                in_handler,
                            });
                        }
                        out.push(ImportedModule {
                            module: abs,
                            in_handler,
                        });
                    }
                }
                Stmt::If { body, orelse, .. } => {
                    walk(db, file, body, in_handler, out);
                    walk(db, file, orelse, in_handler, out);
                }
                Stmt::Try {
                    body,
                    handlers,
                    orelse,
                    finalbody,
                    ..
                } => {
                    walk(db, file, body, in_handler, out);
                    walk(db, file, orelse, in_handler, out);
                    walk(db, file, finalbody, in_handler, out);
                    for h in handlers {
                        walk(db, file, h, true, out);
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(db, file, &module_syntax(db, file).body, false, &mut out);
    out
}

pub fn is_package(db: &dyn Db, file: SourceFile) -> bool {
    let p = file.path(db);
    p.ends_with("__init__.py") || p.ends_with("__init__.pyi")
}

/// Absolute module name for a relative import in `file`.
pub fn absolute_module(
    db: &dyn Db,
    file: SourceFile,
    level: u32,
    module: Option<&str>,
) -> Option<String> {
    if level == 0 {
        return module.map(str::to_string);
    }
    let current = file.module(db).as_ref()?;
    let mut parts: Vec<&str> = current.split('.').collect();
    let mut drop = level as usize;
    if is_package(db, file) {
        drop -= 1;
    }
    if drop > parts.len() {
        return None;
    }
    parts.truncate(parts.len() - drop);
    let mut base = parts.join(".");
    if let Some(m) = module {
        if !base.is_empty() {
            base.push('.');
        }
        base.push_str(m);
    }
    if base.is_empty() { None } else { Some(base) }
}

/// The module-level names of a file (what `from file import name` and lookups inside the file
/// see), cached per file and shared by every project-level computation.
#[salsa::tracked(returns(ref))]
pub fn module_scope(db: &dyn Db, file: SourceFile) -> Arc<Scope> {
    Arc::new(build_scope(db, file))
}

fn build_scope(db: &dyn Db, file: SourceFile) -> Scope {
    let mut scope = Scope::default();
    let mut class_index = 0u32;
    // Classes get their index in the same order as `module_classes`.
    fn walk(
        db: &dyn Db,
        file: SourceFile,
        stmts: &[Stmt],
        scope: &mut Scope,
        class_index: &mut u32,
    ) {
        for s in stmts {
            match s {
                Stmt::Import { module, alias, .. } => match alias {
                    Some(a) => {
                        scope
                            .names
                            .insert(a.clone(), Binding::Module(module.clone()));
                    }
                    None => {
                        let first = module.split('.').next().unwrap_or(module).to_string();
                        scope.names.insert(first.clone(), Binding::Module(first));
                    }
                },
                Stmt::ImportFrom {
                    level,
                    module,
                    names,
                    star,
                    ..
                } => {
                    let Some(abs) = absolute_module(db, file, *level, module.as_deref()) else {
                        continue;
                    };
                    if *star {
                        scope.stars.push(abs.clone());
                    }
                    for (name, alias) in names {
                        let key = alias.clone().unwrap_or_else(|| name.clone());
                        scope.names.insert(
                            key,
                            Binding::From {
                                module: abs.clone(),
                                name: name.clone(),
                            },
                        );
                    }
                }
                Stmt::Class(c) => {
                    scope
                        .names
                        .insert(c.name.clone(), Binding::Class(*class_index));
                    *class_index += 1;
                }
                Stmt::Function(f) => {
                    scope.names.insert(f.name.clone(), Binding::Function);
                }
                Stmt::Assign { targets, value, .. } => {
                    for t in targets {
                        match t {
                            Target::Name(n, _) => {
                                scope.names.insert(n.clone(), Binding::Value(value.clone()));
                            }
                            Target::Complex(names, _) => {
                                for n in names {
                                    scope.names.insert(n.clone(), Binding::Opaque);
                                }
                            }
                        }
                    }
                }
                Stmt::AugAssign { target, .. } => {
                    scope.names.insert(target.clone(), Binding::Opaque);
                }
                Stmt::If { body, orelse, .. } => {
                    walk(db, file, body, scope, class_index);
                    walk(db, file, orelse, scope, class_index);
                }
                Stmt::Try {
                    body,
                    handlers,
                    orelse,
                    finalbody,
                    ..
                } => {
                    // `try: from x import y except ImportError: y = None`: the try body is
                    // what a working environment runs; handlers only fill names still unbound.
                    walk(db, file, body, scope, class_index);
                    for h in handlers {
                        let mut hs = Scope::default();
                        walk(db, file, h, &mut hs, class_index);
                        for (k, v) in hs.names {
                            scope.names.entry(k).or_insert(v);
                        }
                    }
                    walk(db, file, orelse, scope, class_index);
                    walk(db, file, finalbody, scope, class_index);
                }
                Stmt::Opaque { assigned, .. } => {
                    for n in assigned {
                        scope.names.insert(n.clone(), Binding::Opaque);
                    }
                }
                Stmt::AnnOnly { .. } | Stmt::Expr(_) => {}
            }
        }
    }
    walk(
        db,
        file,
        &module_syntax(db, file).body,
        &mut scope,
        &mut class_index,
    );
    scope
}

/// Name lookups by file and name (`None`: a lookup in progress).
type LookupMemo = FxHashMap<SourceFile, FxHashMap<String, Option<Rc<Resolved>>>>;

/// [`Resolver::resolve_name`] results by file and dotted name.
type NameMemo = FxHashMap<SourceFile, FxHashMap<Box<str>, Rc<Resolved>>>;

pub struct Resolver<'db> {
    db: &'db dyn Db,
    project: Project,
    modules: &'db FxHashMap<String, SourceFile>,
    /// Memoized lookups per file and name; `None` marks a lookup in progress (an import cycle
    /// resolves to unknown). Keyed by file first so a hit needs no allocation; results are
    /// shared, so a hit copies no string or expression.
    lookups: RefCell<LookupMemo>,
    /// Memoized [`Resolver::resolve_name`] results (checks resolve the same dotted names, such
    /// as `models.CharField`, once per field), shared so a hit copies no string or expression.
    names: RefCell<NameMemo>,
    /// The module scope of each file looked into (one salsa read per file, not one per name).
    scopes: RefCell<FxHashMap<SourceFile, Arc<Scope>>>,
    /// [`Resolved::Unknown`], shared.
    unknown: Rc<Resolved>,
}

const MAX_HOPS: u32 = 40;

impl<'db> Resolver<'db> {
    pub fn new(db: &'db dyn Db, project: Project) -> Self {
        Resolver {
            db,
            project,
            modules: module_map(db, project),
            lookups: RefCell::default(),
            names: RefCell::default(),
            scopes: RefCell::default(),
            unknown: Rc::new(Resolved::Unknown),
        }
    }

    pub fn db(&self) -> &'db dyn Db {
        self.db
    }

    pub fn project(&self) -> Project {
        self.project
    }

    pub fn file_of(&self, module: &str) -> Option<SourceFile> {
        self.modules.get(module).copied()
    }

    /// Every file that has a module name (project and library), in no particular order.
    pub fn module_files(&self) -> impl Iterator<Item = SourceFile> + '_ {
        self.modules.values().copied()
    }

    pub fn class_def(&self, id: ClassId) -> Option<&'db ClassDef> {
        nth_class(self.db, id.file, id.index as usize)
    }

    fn scope(&self, file: SourceFile) -> Arc<Scope> {
        if let Some(s) = self.scopes.borrow().get(&file) {
            return s.clone();
        }
        let s = module_scope(self.db, file).clone();
        self.scopes.borrow_mut().insert(file, s.clone());
        s
    }

    /// Resolve a (possibly dotted) name as seen from module-level code in `file`.
    pub fn resolve_name(&self, file: SourceFile, dotted: &str) -> Resolved {
        Resolved::clone(&self.resolve_name_rc(file, dotted))
    }

    /// [`Resolver::resolve_name`], shared with the resolver's memo (no copy of the result).
    pub fn resolve_name_rc(&self, file: SourceFile, dotted: &str) -> Rc<Resolved> {
        if let Some(r) = self.names.borrow().get(&file).and_then(|m| m.get(dotted)) {
            return r.clone();
        }
        let r = self.resolve_name_uncached(file, dotted);
        self.names
            .borrow_mut()
            .entry(file)
            .or_default()
            .insert(dotted.into(), r.clone());
        r
    }

    fn resolve_name_uncached(&self, file: SourceFile, dotted: &str) -> Rc<Resolved> {
        let mut parts = dot_parts(dotted);
        let Some(first) = parts.next() else {
            return self.unknown.clone();
        };
        let mut cur = self.lookup(file, first, 0);
        for attr in parts {
            cur = self.attribute(&cur, attr, 0);
        }
        cur
    }

    /// Resolve an expression that names something (a name chain); anything else is unknown.
    pub fn resolve_expr(&self, file: SourceFile, expr: &Expr) -> Resolved {
        match &expr.kind {
            ExprKind::Name(n) => self.resolve_name(file, n),
            _ => Resolved::Unknown,
        }
    }

    /// [`Resolver::resolve_expr`], shared with the resolver's memo (no copy of the result).
    pub fn resolve_expr_rc(&self, file: SourceFile, expr: &Expr) -> Rc<Resolved> {
        match &expr.kind {
            ExprKind::Name(n) => self.resolve_name_rc(file, n),
            _ => self.unknown.clone(),
        }
    }

    fn lookup(&self, file: SourceFile, name: &str, hops: u32) -> Rc<Resolved> {
        if hops > MAX_HOPS {
            return self.unknown.clone();
        }
        match self.lookups.borrow().get(&file).and_then(|m| m.get(name)) {
            Some(Some(r)) => return r.clone(),
            Some(None) => return self.unknown.clone(),
            None => {}
        }
        self.lookups
            .borrow_mut()
            .entry(file)
            .or_default()
            .insert(name.to_string(), None);
        let r = self.lookup_uncached(file, name, hops);
        if let Some(slot) = self
            .lookups
            .borrow_mut()
            .get_mut(&file)
            .and_then(|m| m.get_mut(name))
        {
            *slot = Some(r.clone());
        }
        r
    }

    fn lookup_uncached(&self, file: SourceFile, name: &str, hops: u32) -> Rc<Resolved> {
        let scope = self.scope(file);
        if let Some(b) = scope.names.get(name) {
            return self.binding(file, b, name, hops);
        }
        for star in scope.stars.iter().rev() {
            match self.modules.get(star) {
                Some(&f) => {
                    let r = self.lookup_exported(f, name, hops + 1);
                    if !matches!(*r, Resolved::Unknown) {
                        return r;
                    }
                }
                None => {
                    // A star import from a module we did not load: the name may come from there.
                    return Rc::new(Resolved::External(dotted(star, name)));
                }
            }
        }
        if is_builtin(name) {
            return Rc::new(Resolved::External(dotted("builtins", name)));
        }
        self.unknown.clone()
    }

    /// Lookup of `name` in a module, as `from module import name` sees it.
    fn lookup_exported(&self, file: SourceFile, name: &str, hops: u32) -> Rc<Resolved> {
        let r = self.lookup(file, name, hops);
        if !matches!(*r, Resolved::Unknown) {
            return r;
        }
        // A submodule of a package.
        if let Some(m) = file.module(self.db) {
            let sub = dotted(m, name);
            if self.modules.contains_key(&sub) {
                return Rc::new(Resolved::Module(sub));
            }
        }
        r
    }

    fn binding(&self, file: SourceFile, b: &Binding, name: &str, hops: u32) -> Rc<Resolved> {
        match b {
            Binding::Class(i) => Rc::new(Resolved::Class(ClassId { file, index: *i })),
            Binding::Function => Rc::new(Resolved::Function(file, name.to_string())),
            Binding::Module(m) => Rc::new(Resolved::Module(m.clone())),
            Binding::From { module, name } => match self.modules.get(module) {
                Some(&f) => {
                    let r = self.lookup_exported(f, name, hops + 1);
                    if matches!(*r, Resolved::Unknown) {
                        self.submodule(f, module, name)
                    } else {
                        r
                    }
                }
                None => self.unloaded_attribute(module, name),
            },
            Binding::Value(e) => match &e.kind {
                // `CharField = models.CharField` style aliases resolve through.
                ExprKind::Name(n) if hops < MAX_HOPS => {
                    let mut parts = dot_parts(n);
                    let Some(first) = parts.next() else {
                        return self.unknown.clone();
                    };
                    if first == name {
                        return Rc::new(Resolved::Value(file, e.clone()));
                    }
                    let mut cur = self.lookup(file, first, hops + 1);
                    for attr in parts {
                        cur = self.attribute(&cur, attr, hops + 1);
                    }
                    cur
                }
                _ => Rc::new(Resolved::Value(file, e.clone())),
            },
            Binding::Opaque => self.unknown.clone(),
        }
    }

    /// `module.attr` for a loaded `module` (its file `f`) that does not define `attr`: a loaded
    /// submodule, an unloaded one of a partly loaded package, or unknown.
    fn submodule(&self, f: SourceFile, module: &str, attr: &str) -> Rc<Resolved> {
        let sub = dotted(module, attr);
        if self.modules.contains_key(&sub) {
            Rc::new(Resolved::Module(sub))
        } else if self.partly_loaded_package(f) {
            // `from django import forms`: a submodule djsa did not load.
            Rc::new(Resolved::External(sub))
        } else {
            self.unknown.clone()
        }
    }

    /// `module.attr` for a module djsa did not load: a loaded submodule, else external.
    fn unloaded_attribute(&self, module: &str, attr: &str) -> Rc<Resolved> {
        let sub = dotted(module, attr);
        Rc::new(if self.modules.contains_key(&sub) {
            Resolved::Module(sub)
        } else {
            Resolved::External(sub)
        })
    }

    /// An installed package whose `__init__` djsa loaded only as the parent of other modules:
    /// a name it does not define is most likely a submodule djsa did not load.
    fn partly_loaded_package(&self, file: SourceFile) -> bool {
        is_package(self.db, file) && file.origin(self.db) == crate::db::Origin::Library
    }

    fn attribute(&self, base: &Resolved, attr: &str, hops: u32) -> Rc<Resolved> {
        match base {
            Resolved::Module(m) => match self.modules.get(m) {
                Some(&f) => {
                    let r = self.lookup_exported(f, attr, hops + 1);
                    if matches!(*r, Resolved::Unknown) {
                        self.submodule(f, m, attr)
                    } else {
                        r
                    }
                }
                None => self.unloaded_attribute(m, attr),
            },
            Resolved::External(q) => Rc::new(Resolved::External(dotted(q, attr))),
            // Attribute of a class (`Base.Meta`, `Status.choices`): not a module-level name.
            _ => self.unknown.clone(),
        }
    }
}

/// `s.split_once('.')`, scanning bytes.
pub(crate) fn split_dot(s: &str) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == b'.')?;
    Some((&s[..i], &s[i + 1..]))
}

/// `s.rsplit_once('.')`, scanning bytes: a qualified name's module and last name.
pub(crate) fn rsplit_dot(s: &str) -> Option<(&str, &str)> {
    let i = s.bytes().rposition(|b| b == b'.')?;
    Some((&s[..i], &s[i + 1..]))
}

/// `s.rsplit('.').next()`: the last dotted component (all of `s` without a dot).
pub(crate) fn last_dot(s: &str) -> &str {
    rsplit_dot(s).map_or(s, |(_, name)| name)
}

/// `s.split('.')`, scanning bytes (cheaper than the `char` searcher for short names).
pub(crate) fn dot_parts(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.bytes().position(|b| b == b'.') {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// `{a}.{b}`, without the formatting machinery (resolution builds many of these).
fn dotted(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + 1 + b.len());
    s.push_str(a);
    s.push('.');
    s.push_str(b);
    s
}

fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "object"
            | "str"
            | "int"
            | "float"
            | "bool"
            | "list"
            | "dict"
            | "tuple"
            | "set"
            | "len"
            | "range"
            | "property"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProjectConfig;
    use crate::db::RootDatabase;

    fn project(db: &RootDatabase, files: &[(&str, &str, &str)]) -> Project {
        crate::db::test_project(db, files, ProjectConfig::default())
    }

    #[test]
    fn resolves_through_aliases_relative_and_star_imports() {
        let db = RootDatabase::default();
        let p = project(
            &db,
            &[
                ("app/__init__.py", "app", ""),
                (
                    "app/base.py",
                    "app.base",
                    "from django.db import models as m\nclass Base(m.Model):\n    pass\n",
                ),
                ("app/reexport.py", "app.reexport", "from .base import *\n"),
                (
                    "app/models.py",
                    "app.models",
                    "from .reexport import Base as B\nfrom django.db.models import CharField\n",
                ),
            ],
        );
        let r = Resolver::new(&db, p);
        let models = r.file_of("app.models").expect("file");
        let Resolved::Class(id) = r.resolve_name(models, "B") else {
            panic!("class expected")
        };
        assert_eq!(r.class_def(id).map(|c| c.name.as_str()), Some("Base"));
        assert_eq!(
            r.resolve_name(models, "CharField"),
            Resolved::External("django.db.models.CharField".into())
        );
        let base = r.file_of("app.base").expect("file");
        assert_eq!(
            r.resolve_name(base, "m.Model"),
            Resolved::External("django.db.models.Model".into())
        );
    }

    #[test]
    fn import_cycles_terminate() {
        let db = RootDatabase::default();
        let p = project(
            &db,
            &[
                ("a.py", "a", "from b import *\n"),
                ("b.py", "b", "from a import *\n"),
            ],
        );
        let r = Resolver::new(&db, p);
        let a = r.file_of("a").expect("file");
        assert_eq!(r.resolve_name(a, "Missing"), Resolved::Unknown);
    }
}
