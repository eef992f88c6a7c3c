//! Static evaluation of a Django settings module.
//!
//! Module-level statements run in order over a small value domain (strings, lists, dicts, bools,
//! numbers). `from .base import *` evaluates the other module first. Anything that depends on the
//! environment (`os.environ`, function calls) becomes [`Value::Unknown`]: djsa then says what it
//! could not read instead of guessing.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::db::SourceFile;
use crate::resolve::{Resolver, absolute_module};
use crate::span::Span;
use crate::syntax::{Expr, ExprKind, Stmt, Target};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    List(Vec<Located>),
    Dict(Vec<(Located, Located)>),
    Unknown(String),
}

/// A value with the place it came from (for diagnostics on settings entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub value: Value,
    pub file: Option<SourceFile>,
    pub span: Span,
}

impl Located {
    fn unknown(reason: impl Into<String>, file: SourceFile, span: Span) -> Self {
        Located {
            value: Value::Unknown(reason.into()),
            file: Some(file),
            span,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_list(&self) -> Option<&[Located]> {
        match &self.value {
            Value::List(v) => Some(v),
            _ => None,
        }
    }
    /// `d[key]` for a dict with a string key.
    pub fn get(&self, key: &str) -> Option<&Located> {
        match &self.value {
            Value::Dict(pairs) => pairs
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn truthy(&self) -> Option<bool> {
        match &self.value {
            Value::Str(s) => Some(!s.is_empty()),
            Value::Int(i) => Some(*i != 0),
            Value::Bool(b) => Some(*b),
            Value::None => Some(false),
            Value::List(v) => Some(!v.is_empty()),
            Value::Dict(v) => Some(!v.is_empty()),
            Value::Unknown(_) => None,
        }
    }
}

/// The evaluated top-level names of the settings module.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettingsEnv {
    pub names: FxHashMap<String, Located>,
    /// Files that took part (the settings module and everything it star-imported).
    pub files: Vec<SourceFile>,
}

struct Evaluator<'r, 'db> {
    resolver: &'r Resolver<'db>,
    in_progress: FxHashSet<SourceFile>,
    files: Vec<SourceFile>,
}

pub fn evaluate_settings(resolver: &Resolver<'_>, module: &str) -> Option<SettingsEnv> {
    let file = resolver.file_of(module)?;
    let mut ev = Evaluator {
        resolver,
        in_progress: FxHashSet::default(),
        files: Vec::new(),
    };
    let names = ev.module(file);
    Some(SettingsEnv {
        names,
        files: ev.files,
    })
}

type Env = FxHashMap<String, Located>;

impl Evaluator<'_, '_> {
    fn module(&mut self, file: SourceFile) -> Env {
        let mut env = Env::default();
        if !self.in_progress.insert(file) {
            return env;
        }
        self.files.push(file);
        let db = self.resolver.db();
        let syntax = crate::db::module_syntax(db, file);
        self.block(file, &syntax.body, &mut env);
        self.in_progress.remove(&file);
        env
    }

    /// Runs statements; returns false when an import in them could not be found (ImportError).
    fn block(&mut self, file: SourceFile, stmts: &[Stmt], env: &mut Env) -> bool {
        let mut ok = true;
        for s in stmts {
            ok &= self.stmt(file, s, env);
        }
        ok
    }

    fn stmt(&mut self, file: SourceFile, s: &Stmt, env: &mut Env) -> bool {
        match s {
            Stmt::ImportFrom {
                level,
                module,
                names,
                star,
                span,
            } => {
                let Some(abs) =
                    absolute_module(self.resolver.db(), file, *level, module.as_deref())
                else {
                    return false;
                };
                let Some(target) = self.resolver.file_of(&abs) else {
                    // Not a project module (os, pathlib, a package we did not load): bound names
                    // are unknown values.
                    for (n, a) in names {
                        let key = a.clone().unwrap_or_else(|| n.clone());
                        env.insert(
                            key,
                            Located::unknown(format!("imported from {abs}"), file, *span),
                        );
                    }
                    return self.is_external_ok(&abs);
                };
                let other = self.module(target);
                if *star {
                    for (k, v) in other {
                        if !k.starts_with('_') {
                            env.insert(k, v);
                        }
                    }
                } else {
                    for (n, a) in names {
                        let key = a.clone().unwrap_or_else(|| n.clone());
                        let v = other.get(n).cloned().unwrap_or_else(|| {
                            Located::unknown(format!("{abs}.{n} is not a value"), file, *span)
                        });
                        env.insert(key, v);
                    }
                }
                true
            }
            Stmt::Import { module, .. } => {
                self.resolver.file_of(module).is_some() || self.is_external_ok(module)
            }
            Stmt::Assign { targets, value, .. } => {
                let v = self.expr(file, value, env);
                for t in targets {
                    match t {
                        Target::Name(n, _) => {
                            env.insert(n.clone(), v.clone());
                        }
                        Target::Complex(names, span) => {
                            for n in names {
                                env.insert(
                                    n.clone(),
                                    Located::unknown("assigned by unpacking", file, *span),
                                );
                            }
                        }
                    }
                }
                true
            }
            Stmt::AugAssign {
                target,
                op,
                value,
                span,
            } => {
                let rhs = self.expr(file, value, env);
                let cur = env.get(target).cloned();
                let new = match (cur, op.as_str()) {
                    (Some(cur), "+") => concat(cur, rhs, file, *span),
                    _ => Located::unknown(
                        format!("{target} {op}= is not understood statically"),
                        file,
                        *span,
                    ),
                };
                env.insert(target.clone(), new);
                true
            }
            Stmt::Expr(e) => {
                self.mutating_call(file, e, env);
                true
            }
            Stmt::If {
                condition,
                body,
                orelse,
                span,
            } => match self.expr(file, condition, env).truthy() {
                Some(true) => self.block(file, body, env),
                Some(false) => self.block(file, orelse, env),
                None => {
                    let mut a = env.clone();
                    let mut b = env.clone();
                    self.block(file, body, &mut a);
                    self.block(file, orelse, &mut b);
                    merge(env, a, b, file, *span);
                    true
                }
            },
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                let mut trial = env.clone();
                if self.block(file, body, &mut trial) {
                    *env = trial;
                    self.block(file, orelse, env);
                } else {
                    // The body raised ImportError at the failing import: keep what ran, then the handler.
                    *env = trial;
                    if let Some(h) = handlers.first() {
                        self.block(file, h, env);
                    }
                }
                self.block(file, finalbody, env);
                true
            }
            Stmt::Opaque {
                kind,
                assigned,
                span,
            } => {
                for n in assigned {
                    env.insert(
                        n.clone(),
                        Located::unknown(format!("assigned in a {kind}"), file, *span),
                    );
                }
                true
            }
            Stmt::Class(c) => {
                env.insert(
                    c.name.clone(),
                    Located::unknown("a class", file, c.name_span),
                );
                true
            }
            Stmt::Function(f) => {
                env.insert(
                    f.name.clone(),
                    Located::unknown("a function", file, f.name_span),
                );
                true
            }
            Stmt::AnnOnly { .. } => true,
        }
    }

    /// Imports of modules outside the project: the standard library and installed packages are
    /// assumed importable; a relative-looking project module that is missing is not.
    fn is_external_ok(&self, module: &str) -> bool {
        // A module under a package that is part of the project but missing is an ImportError
        // (`from .local_settings import *` when the file does not exist).
        let mut prefix = module;
        while let Some((head, _)) = prefix.rsplit_once('.') {
            if self.resolver.file_of(head).is_some() {
                return false;
            }
            prefix = head;
        }
        true
    }

    fn mutating_call(&mut self, file: SourceFile, e: &Expr, env: &mut Env) {
        let ExprKind::Call { func, args, .. } = &e.kind else {
            return;
        };
        let ExprKind::Name(n) = &func.kind else {
            return;
        };
        let Some((target, method)) = n.rsplit_once('.') else {
            return;
        };
        if target.contains('.') {
            return;
        }
        let Some(cur) = env.get(target).cloned() else {
            return;
        };
        let Value::List(mut items) = cur.value else {
            return;
        };
        let arg_values: Vec<Located> = args.iter().map(|a| self.expr(file, a, env)).collect();
        let ok = match (method, arg_values.as_slice()) {
            ("append", [v]) => {
                items.push(v.clone());
                true
            }
            ("extend", [v]) => match &v.value {
                Value::List(more) => {
                    items.extend(more.iter().cloned());
                    true
                }
                _ => false,
            },
            ("insert", [idx, v]) => match idx.value {
                Value::Int(i) => {
                    let len = items.len() as i128;
                    let i = if i < 0 { (len + i).max(0) } else { i.min(len) };
                    items.insert(i as usize, v.clone());
                    true
                }
                _ => false,
            },
            ("remove", [v]) => match items.iter().position(|x| x.value == v.value) {
                Some(pos) => {
                    items.remove(pos);
                    true
                }
                None => false,
            },
            _ => false,
        };
        let new = if ok {
            Located {
                value: Value::List(items),
                file: cur.file,
                span: cur.span,
            }
        } else {
            Located::unknown(
                format!("{n}(...) is not understood statically"),
                file,
                e.span,
            )
        };
        env.insert(target.to_string(), new);
    }

    fn expr(&mut self, file: SourceFile, e: &Expr, env: &Env) -> Located {
        let loc = |value| Located {
            value,
            file: Some(file),
            span: e.span,
        };
        match &e.kind {
            ExprKind::Str(s) => loc(Value::Str(s.clone())),
            ExprKind::Int(i) => loc(Value::Int(i.get())),
            ExprKind::Bool(b) => loc(Value::Bool(*b)),
            ExprKind::None => loc(Value::None),
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                let mut out = Vec::new();
                for it in items {
                    if let ExprKind::Starred(inner) = &it.kind {
                        let v = self.expr(file, inner, env);
                        match v.value {
                            Value::List(vs) => out.extend(vs),
                            _ => {
                                return Located::unknown(
                                    "a starred element is not a known list",
                                    file,
                                    e.span,
                                );
                            }
                        }
                    } else {
                        out.push(self.expr(file, it, env));
                    }
                }
                loc(Value::List(out))
            }
            ExprKind::Dict(pairs) => {
                let mut out = Vec::new();
                for (k, v) in pairs {
                    out.push((self.expr(file, k, env), self.expr(file, v, env)));
                }
                loc(Value::Dict(out))
            }
            ExprKind::Name(n) => {
                if let Some(v) = env.get(n) {
                    return v.clone();
                }
                Located::unknown(format!("{n} is not known statically"), file, e.span)
            }
            ExprKind::BinOp { op, left, right } if op == "+" => {
                let l = self.expr(file, left, env);
                let r = self.expr(file, right, env);
                concat(l, r, file, e.span)
            }
            ExprKind::Unary { op, operand } if op == "not" => {
                match self.expr(file, operand, env).truthy() {
                    Some(b) => loc(Value::Bool(!b)),
                    None => Located::unknown("condition not known statically", file, e.span),
                }
            }
            ExprKind::Call { func, .. } => {
                let what = match &func.kind {
                    ExprKind::Name(n) => n.clone(),
                    _ => "a call".to_string(),
                };
                Located::unknown(format!("computed by {what}(...)"), file, e.span)
            }
            _ => Located::unknown("expression not understood statically", file, e.span),
        }
    }
}

fn concat(l: Located, r: Located, file: SourceFile, span: Span) -> Located {
    match (l.value, r.value) {
        (Value::List(mut a), Value::List(b)) => {
            a.extend(b);
            Located {
                value: Value::List(a),
                file: l.file,
                span: l.span,
            }
        }
        (Value::Str(a), Value::Str(b)) => Located {
            value: Value::Str(a + &b),
            file: Some(file),
            span,
        },
        (Value::Unknown(why), _) | (_, Value::Unknown(why)) => Located::unknown(why, file, span),
        _ => Located::unknown("+ on values of different kinds", file, span),
    }
}

fn merge(env: &mut Env, a: Env, b: Env, file: SourceFile, span: Span) {
    let keys: FxHashSet<&String> = a.keys().chain(b.keys()).collect();
    let mut merged = Env::default();
    for k in keys {
        let va = a.get(k);
        let vb = b.get(k);
        let v = match (va, vb) {
            (Some(x), Some(y)) if x.value == y.value => x.clone(),
            _ => Located::unknown(
                format!("{k} depends on a condition djsa cannot evaluate"),
                file,
                span,
            ),
        };
        merged.insert(k.clone(), v);
    }
    *env = merged;
}
