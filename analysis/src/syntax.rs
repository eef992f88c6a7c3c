//! Per-file syntax facts: a small, comparable model of a Python module's top level.
//!
//! tree-sitter gives a concrete syntax tree; the rest of djsa only needs module-level statements,
//! class bodies and literal-ish expressions. Everything else is kept as [`ExprKind::Other`] so a
//! later stage can say "not understood statically" instead of guessing.

use crate::span::Span;

/// A Python integer literal's value (djsa reads those that fit in an `i128`).
///
/// Kept as two words rather than an `i128` so that it is aligned to 8 bytes: an `i128` field
/// makes the whole enum that holds it (every [`ExprKind`], every migration `Val`) 16-aligned,
/// which padded each expression by 8 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PyInt([u64; 2]);

impl PyInt {
    pub const fn new(i: i128) -> Self {
        PyInt([i as u64, (i >> 64) as u64])
    }
    pub const fn get(self) -> i128 {
        ((self.0[1] as i128) << 64) | self.0[0] as i128
    }
}

impl PartialOrd for PyInt {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PyInt {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.get().cmp(&other.get())
    }
}

impl std::fmt::Debug for PyInt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.get(), f)
    }
}

impl std::fmt::Display for PyInt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.get(), f)
    }
}

/// A Python expression, reduced to what static analysis can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprKind {
    /// A name or a dotted attribute chain made only of names: `models.CharField`.
    Name(String),
    /// A string literal (or implicit concatenation of literals) without interpolation.
    Str(String),
    /// A bytes literal.
    Bytes,
    Int(PyInt),
    Float(String),
    Bool(bool),
    None,
    Call {
        func: Box<Expr>,
        args: Box<[Expr]>,
        kwargs: Box<[Keyword]>,
        /// `*args` or `**kwargs` in the call: arguments are not fully known.
        has_splat: bool,
    },
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Set(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    /// `*x` inside a list/tuple display.
    Starred(Box<Expr>),
    /// `a + b` and friends; `op` is the operator text.
    BinOp {
        op: String,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `-x`, `not x`, `~x`.
    Unary {
        op: String,
        operand: Box<Expr>,
    },
    /// `value.attr` where value is not a plain name chain (e.g. a call).
    Attribute {
        value: Box<Expr>,
        attr: String,
    },
    Subscript {
        value: Box<Expr>,
        index: Box<Expr>,
    },
    Lambda,
    /// Anything else; the string is the tree-sitter node kind.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    pub name: String,
    pub name_span: Span,
    pub value: Expr,
}

impl Expr {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_name(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Name(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            ExprKind::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i128> {
        match &self.kind {
            ExprKind::Int(i) => Some(i.get()),
            ExprKind::Unary { op, operand } if op == "-" => operand.as_int().map(|i| -i),
            _ => None,
        }
    }
    pub fn is_none(&self) -> bool {
        matches!(self.kind, ExprKind::None)
    }
    /// Elements of a list or tuple display.
    pub fn as_sequence(&self) -> Option<&[Expr]> {
        match &self.kind {
            ExprKind::List(v) | ExprKind::Tuple(v) => Some(v),
            _ => None,
        }
    }
    pub fn kwarg(&self, name: &str) -> Option<&Expr> {
        match &self.kind {
            ExprKind::Call { kwargs, .. } => {
                kwargs.iter().find(|k| k.name == name).map(|k| &k.value)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    /// `import a.b` / `import a.b as c`
    Import {
        module: String,
        alias: Option<String>,
        span: Span,
    },
    /// `from .x import a as b` / `from x import *`
    ImportFrom {
        /// Number of leading dots.
        level: u32,
        module: Option<String>,
        /// (name, alias); empty with `star`.
        names: Vec<(String, Option<String>)>,
        star: bool,
        span: Span,
    },
    /// `a = b = value`, `a: T = value`; targets are plain names or dotted names.
    Assign {
        targets: Vec<Target>,
        value: Expr,
        annotation: Option<Box<Expr>>,
        span: Span,
    },
    /// `a: T` without a value.
    AnnOnly {
        target: String,
        annotation: Box<Expr>,
        span: Span,
    },
    AugAssign {
        target: String,
        op: String,
        value: Box<Expr>,
        span: Span,
    },
    /// A bare expression statement (calls like `INSTALLED_APPS.append("x")`, `admin.site.register(M)`).
    Expr(Expr),
    Class(Box<ClassDef>),
    Function(FunctionDef),
    If {
        condition: Box<Expr>,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        span: Span,
    },
    Try {
        body: Vec<Stmt>,
        handlers: Vec<Vec<Stmt>>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
        span: Span,
    },
    /// A `for`/`while`/`with` or other block whose effect is not modelled; the names it assigns
    /// at the top level become unknown.
    Opaque {
        kind: String,
        assigned: Vec<String>,
        span: Span,
    },
}

impl Stmt {
    /// The statement blocks nested in an `if` (body, else) or a `try` (body, each handler, else,
    /// finally), in that order; none for other statements.
    pub fn blocks(&self) -> impl Iterator<Item = &[Stmt]> {
        let none: &[Vec<Stmt>] = &[];
        type Blocks<'s> = (Option<&'s [Stmt]>, &'s [Vec<Stmt>], [Option<&'s [Stmt]>; 2]);
        let (body, handlers, tail): Blocks<'_> = match self {
            Stmt::If { body, orelse, .. } => (Some(body), none, [Some(orelse), None]),
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                ..
            } => (Some(body), handlers, [Some(orelse), Some(finalbody)]),
            _ => (None, none, [None, None]),
        };
        body.into_iter()
            .chain(handlers.iter().map(Vec::as_slice))
            .chain(tail.into_iter().flatten())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Name(String, Span),
    /// `a[b] = ...`, `a.b = ...`, tuple unpacking and other complex targets.
    Complex(Vec<String>, Span),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDef {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub bases: Vec<Expr>,
    pub keywords: Vec<Keyword>,
    pub body: Vec<Stmt>,
    pub decorators: Vec<Expr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionDef {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub decorators: Vec<Expr>,
}

/// Everything djsa knows about one file from its syntax alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleSyntax {
    pub body: Vec<Stmt>,
    /// Ranges of tree-sitter ERROR / MISSING nodes (first few only).
    pub errors: Vec<Span>,
}

const MAX_ERRORS: usize = 20;
const MAX_DEPTH: usize = 200;

pub fn lower(tree: &tree_sitter::Tree, src: &str) -> ModuleSyntax {
    let mut lw = Lower {
        src,
        errors: Vec::new(),
    };
    let root = tree.root_node();
    let body = lw.block(root, 0);
    if root.has_error() {
        lw.collect_errors(root);
    }
    ModuleSyntax {
        body,
        errors: lw.errors,
    }
}

struct Lower<'a> {
    src: &'a str,
    errors: Vec<Span>,
}

fn span(node: tree_sitter::Node<'_>) -> Span {
    Span::new(node.start_byte() as u32, node.end_byte() as u32)
}

impl<'a> Lower<'a> {
    fn text(&self, node: tree_sitter::Node<'_>) -> &'a str {
        self.src.get(node.byte_range()).unwrap_or("")
    }

    fn collect_errors(&mut self, node: tree_sitter::Node<'_>) {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            if self.errors.len() >= MAX_ERRORS {
                return;
            }
            if n.is_error() || n.is_missing() {
                self.errors.push(span(n));
                continue;
            }
            if n.has_error() {
                let mut cursor = n.walk();
                let children: Vec<_> = n.children(&mut cursor).collect();
                stack.extend(children.into_iter().rev());
            }
        }
        self.errors.sort_by_key(|s| s.start);
    }

    fn block(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Vec<Stmt> {
        let mut out = Vec::new();
        if depth > MAX_DEPTH {
            return out;
        }
        let mut cursor = node.walk();
        for child in node.named_children(&mut cursor) {
            self.stmt(child, depth, &mut out);
        }
        out
    }

    fn stmt(&mut self, node: tree_sitter::Node<'_>, depth: usize, out: &mut Vec<Stmt>) {
        match node.kind() {
            "expression_statement" => {
                let Some(inner) = node.named_child(0) else {
                    return;
                };
                match inner.kind() {
                    "assignment" => self.assignment(inner, node, depth, out),
                    "augmented_assignment" => {
                        let (Some(l), Some(r)) = (
                            inner.child_by_field_name("left"),
                            inner.child_by_field_name("right"),
                        ) else {
                            return;
                        };
                        let op = inner
                            .child_by_field_name("operator")
                            .map(|o| self.text(o))
                            .unwrap_or("");
                        out.push(Stmt::AugAssign {
                            target: self.text(l).to_string(),
                            op: op.trim_end_matches('=').to_string(),
                            value: Box::new(self.expr(r, depth + 1)),
                            span: span(node),
                        });
                    }
                    _ => out.push(Stmt::Expr(self.expr(inner, depth + 1))),
                }
            }
            "import_statement" => {
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    match name.kind() {
                        "dotted_name" => out.push(Stmt::Import {
                            module: self.text(name).to_string(),
                            alias: None,
                            span: span(node),
                        }),
                        "aliased_import" => {
                            let module = name
                                .child_by_field_name("name")
                                .map(|n| self.text(n).to_string());
                            let alias = name
                                .child_by_field_name("alias")
                                .map(|n| self.text(n).to_string());
                            if let Some(module) = module {
                                out.push(Stmt::Import {
                                    module,
                                    alias,
                                    span: span(node),
                                });
                            }
                        }
                        _ => {}
                    }
                }
            }
            "import_from_statement" => {
                let Some(module_node) = node.child_by_field_name("module_name") else {
                    return;
                };
                let (level, module) = if module_node.kind() == "relative_import" {
                    let mut level = 0;
                    let mut module = None;
                    let mut cursor = module_node.walk();
                    for c in module_node.children(&mut cursor) {
                        match c.kind() {
                            "import_prefix" => {
                                level = self.text(c).chars().filter(|&ch| ch == '.').count() as u32
                            }
                            "dotted_name" => module = Some(self.text(c).to_string()),
                            _ => {}
                        }
                    }
                    (level, module)
                } else {
                    (0, Some(self.text(module_node).to_string()))
                };
                let mut names = Vec::new();
                let mut star = false;
                let mut cursor = node.walk();
                for c in node.named_children(&mut cursor) {
                    if c.kind() == "wildcard_import" {
                        star = true;
                    }
                }
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    match name.kind() {
                        "dotted_name" => names.push((self.text(name).to_string(), None)),
                        "aliased_import" => {
                            let n = name
                                .child_by_field_name("name")
                                .map(|n| self.text(n).to_string());
                            let a = name
                                .child_by_field_name("alias")
                                .map(|n| self.text(n).to_string());
                            if let Some(n) = n {
                                names.push((n, a));
                            }
                        }
                        _ => {}
                    }
                }
                out.push(Stmt::ImportFrom {
                    level,
                    module,
                    names,
                    star,
                    span: span(node),
                });
            }
            "class_definition" => {
                if let Some(c) = self.class(node, Vec::new(), depth) {
                    out.push(Stmt::Class(Box::new(c)));
                }
            }
            "function_definition" => {
                if let Some(f) = self.function(node, Vec::new()) {
                    out.push(Stmt::Function(f));
                }
            }
            "decorated_definition" => {
                let mut decorators = Vec::new();
                let mut cursor = node.walk();
                for c in node.named_children(&mut cursor) {
                    if c.kind() == "decorator"
                        && let Some(e) = c.named_child(0)
                    {
                        decorators.push(self.expr(e, depth + 1));
                    }
                }
                let Some(def) = node.child_by_field_name("definition") else {
                    return;
                };
                match def.kind() {
                    "class_definition" => {
                        if let Some(c) = self.class(def, decorators, depth) {
                            out.push(Stmt::Class(Box::new(c)));
                        }
                    }
                    "function_definition" => {
                        if let Some(f) = self.function(def, decorators) {
                            out.push(Stmt::Function(f));
                        }
                    }
                    _ => {}
                }
            }
            "if_statement" => {
                let condition = match node.child_by_field_name("condition") {
                    Some(c) => self.expr(c, depth + 1),
                    None => Expr {
                        kind: ExprKind::Other("missing".into()),
                        span: span(node),
                    },
                };
                let body = node
                    .child_by_field_name("consequence")
                    .map(|b| self.block(b, depth + 1))
                    .unwrap_or_default();
                // Fold elif/else chains into nested If statements.
                let mut alternatives = Vec::new();
                let mut cursor = node.walk();
                for alt in node.children_by_field_name("alternative", &mut cursor) {
                    alternatives.push(alt);
                }
                let orelse = self.elif_chain(&alternatives, depth);
                out.push(Stmt::If {
                    condition: Box::new(condition),
                    body,
                    orelse,
                    span: span(node),
                });
            }
            "try_statement" => {
                let body = node
                    .child_by_field_name("body")
                    .map(|b| self.block(b, depth + 1))
                    .unwrap_or_default();
                let mut handlers = Vec::new();
                let mut orelse = Vec::new();
                let mut finalbody = Vec::new();
                let mut cursor = node.walk();
                for c in node.named_children(&mut cursor) {
                    match c.kind() {
                        "except_clause" | "except_group_clause" => {
                            let mut inner = c.walk();
                            let blocks: Vec<_> = c
                                .named_children(&mut inner)
                                .filter(|n| n.kind() == "block")
                                .collect();
                            let stmts = blocks
                                .into_iter()
                                .flat_map(|b| self.block(b, depth + 1))
                                .collect();
                            handlers.push(stmts);
                        }
                        "else_clause" => {
                            if let Some(b) = c.child_by_field_name("body") {
                                orelse = self.block(b, depth + 1);
                            }
                        }
                        "finally_clause" => {
                            let mut inner = c.walk();
                            let blocks: Vec<_> = c
                                .named_children(&mut inner)
                                .filter(|n| n.kind() == "block")
                                .collect();
                            finalbody = blocks
                                .into_iter()
                                .flat_map(|b| self.block(b, depth + 1))
                                .collect();
                        }
                        _ => {}
                    }
                }
                out.push(Stmt::Try {
                    body,
                    handlers,
                    orelse,
                    finalbody,
                    span: span(node),
                });
            }
            "for_statement" | "while_statement" | "with_statement" | "match_statement" => {
                let mut assigned = Vec::new();
                self.assigned_names(node, &mut assigned, 0);
                out.push(Stmt::Opaque {
                    kind: node.kind().to_string(),
                    assigned,
                    span: span(node),
                });
            }
            _ => {}
        }
    }

    fn elif_chain(&mut self, alts: &[tree_sitter::Node<'_>], depth: usize) -> Vec<Stmt> {
        let Some((first, rest)) = alts.split_first() else {
            return Vec::new();
        };
        match first.kind() {
            "else_clause" => first
                .child_by_field_name("body")
                .map(|b| self.block(b, depth + 1))
                .unwrap_or_default(),
            "elif_clause" => {
                let condition = match first.child_by_field_name("condition") {
                    Some(c) => self.expr(c, depth + 1),
                    None => Expr {
                        kind: ExprKind::Other("missing".into()),
                        span: span(*first),
                    },
                };
                let body = first
                    .child_by_field_name("consequence")
                    .map(|b| self.block(b, depth + 1))
                    .unwrap_or_default();
                let orelse = self.elif_chain(rest, depth + 1);
                vec![Stmt::If {
                    condition: Box::new(condition),
                    body,
                    orelse,
                    span: span(*first),
                }]
            }
            _ => Vec::new(),
        }
    }

    /// Names assigned anywhere inside an opaque block (top-level of that block's nesting only).
    fn assigned_names(&self, node: tree_sitter::Node<'_>, out: &mut Vec<String>, depth: usize) {
        if depth > 50 {
            return;
        }
        let mut cursor = node.walk();
        for c in node.named_children(&mut cursor) {
            match c.kind() {
                "assignment" | "augmented_assignment" => {
                    if let Some(l) = c.child_by_field_name("left")
                        && l.kind() == "identifier"
                    {
                        out.push(self.text(l).to_string());
                    }
                }
                "call" => {
                    // `X.append(...)` mutates X.
                    if let Some(f) = c.child_by_field_name("function")
                        && f.kind() == "attribute"
                        && let Some(obj) = f.child_by_field_name("object")
                        && obj.kind() == "identifier"
                    {
                        out.push(self.text(obj).to_string());
                    }
                }
                "class_definition" | "function_definition" => {
                    if let Some(n) = c.child_by_field_name("name") {
                        out.push(self.text(n).to_string());
                    }
                    continue;
                }
                _ => {}
            }
            self.assigned_names(c, out, depth + 1);
        }
    }

    fn assignment(
        &mut self,
        node: tree_sitter::Node<'_>,
        stmt: tree_sitter::Node<'_>,
        depth: usize,
        out: &mut Vec<Stmt>,
    ) {
        // Chained assignment `a = b = value` nests: assignment(left=a, right=assignment(left=b, right=value)).
        let mut targets = Vec::new();
        let mut cur = node;
        let mut annotation = None;
        loop {
            if let Some(l) = cur.child_by_field_name("left") {
                targets.push(self.target(l));
            }
            if let Some(t) = cur.child_by_field_name("type") {
                annotation = Some(self.expr(t, depth + 1));
            }
            match cur.child_by_field_name("right") {
                Some(r) if r.kind() == "assignment" => cur = r,
                Some(r) => {
                    let value = self.expr(r, depth + 1);
                    out.push(Stmt::Assign {
                        targets,
                        value,
                        annotation: annotation.map(Box::new),
                        span: span(stmt),
                    });
                    return;
                }
                None => {
                    if let (Some(Target::Name(n, _)), Some(a)) = (targets.first(), annotation) {
                        out.push(Stmt::AnnOnly {
                            target: n.clone(),
                            annotation: Box::new(a),
                            span: span(stmt),
                        });
                    }
                    return;
                }
            }
        }
    }

    fn target(&self, node: tree_sitter::Node<'_>) -> Target {
        match node.kind() {
            "identifier" => Target::Name(self.text(node).to_string(), span(node)),
            _ => {
                let mut names = Vec::new();
                let mut stack = vec![node];
                while let Some(n) = stack.pop() {
                    if n.kind() == "identifier"
                        && matches!(
                            n.parent().map(|p| p.kind()),
                            Some(
                                "pattern_list"
                                    | "tuple_pattern"
                                    | "list_pattern"
                                    | "tuple"
                                    | "list"
                            )
                        )
                    {
                        names.push(self.text(n).to_string());
                    }
                    let mut c = n.walk();
                    stack.extend(n.named_children(&mut c));
                }
                Target::Complex(names, span(node))
            }
        }
    }

    fn class(
        &mut self,
        node: tree_sitter::Node<'_>,
        decorators: Vec<Expr>,
        depth: usize,
    ) -> Option<ClassDef> {
        let name_node = node.child_by_field_name("name")?;
        let mut bases = Vec::new();
        let mut keywords = Vec::new();
        if let Some(sup) = node.child_by_field_name("superclasses") {
            let mut cursor = sup.walk();
            for a in sup.named_children(&mut cursor) {
                match a.kind() {
                    "keyword_argument" => {
                        if let Some(k) = self.keyword(a, depth) {
                            keywords.push(k);
                        }
                    }
                    "comment" => {}
                    _ => bases.push(self.expr(a, depth + 1)),
                }
            }
        }
        let body = node
            .child_by_field_name("body")
            .map(|b| self.block(b, depth + 1))
            .unwrap_or_default();
        Some(ClassDef {
            name: self.text(name_node).to_string(),
            name_span: span(name_node),
            span: span(node),
            bases,
            keywords,
            body,
            decorators,
        })
    }

    fn function(
        &mut self,
        node: tree_sitter::Node<'_>,
        decorators: Vec<Expr>,
    ) -> Option<FunctionDef> {
        let name_node = node.child_by_field_name("name")?;
        Some(FunctionDef {
            name: self.text(name_node).to_string(),
            name_span: span(name_node),
            span: span(node),
            decorators,
        })
    }

    fn keyword(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Option<Keyword> {
        let name = node.child_by_field_name("name")?;
        let value = node.child_by_field_name("value")?;
        Some(Keyword {
            name: self.text(name).to_string(),
            name_span: span(name),
            value: self.expr(value, depth + 1),
        })
    }

    fn other(&self, node: tree_sitter::Node<'_>) -> Expr {
        Expr {
            kind: ExprKind::Other(node.kind().to_string()),
            span: span(node),
        }
    }

    pub fn expr(&mut self, node: tree_sitter::Node<'_>, depth: usize) -> Expr {
        if depth > MAX_DEPTH {
            return self.other(node);
        }
        let sp = span(node);
        let kind = match node.kind() {
            "identifier" => ExprKind::Name(self.text(node).to_string()),
            "attribute" => {
                let (Some(obj), Some(attr)) = (
                    node.child_by_field_name("object"),
                    node.child_by_field_name("attribute"),
                ) else {
                    return self.other(node);
                };
                let value = self.expr(obj, depth + 1);
                let attr = self.text(attr).to_string();
                match value.kind {
                    ExprKind::Name(base) => ExprKind::Name(format!("{base}.{attr}")),
                    _ => ExprKind::Attribute {
                        value: Box::new(value),
                        attr,
                    },
                }
            }
            "string" => match self.string(node) {
                Some(k) => k,
                None => return self.other(node),
            },
            "concatenated_string" => {
                let mut s = String::new();
                let mut cursor = node.walk();
                for c in node.named_children(&mut cursor) {
                    match self.string(c) {
                        Some(ExprKind::Str(part)) => s.push_str(&part),
                        _ => return self.other(node),
                    }
                }
                ExprKind::Str(s)
            }
            "integer" => int_kind(self.text(node)),
            "float" => ExprKind::Float(self.text(node).to_string()),
            "true" => ExprKind::Bool(true),
            "false" => ExprKind::Bool(false),
            "none" => ExprKind::None,
            "parenthesized_expression" => match node.named_child(0) {
                Some(inner) if inner.kind() != "comment" => return self.expr(inner, depth + 1),
                _ => return self.other(node),
            },
            "call" => {
                let Some(func) = node.child_by_field_name("function") else {
                    return self.other(node);
                };
                let func = Box::new(self.expr(func, depth + 1));
                let mut args = Vec::new();
                let mut kwargs = Vec::new();
                let mut has_splat = false;
                if let Some(arguments) = node.child_by_field_name("arguments") {
                    if arguments.kind() == "generator_expression" {
                        args.push(self.other(arguments));
                    } else {
                        let mut cursor = arguments.walk();
                        for a in arguments.named_children(&mut cursor) {
                            match a.kind() {
                                "keyword_argument" => {
                                    if let Some(k) = self.keyword(a, depth) {
                                        kwargs.push(k);
                                    }
                                }
                                "list_splat" | "dictionary_splat" => has_splat = true,
                                "comment" => {}
                                _ => args.push(self.expr(a, depth + 1)),
                            }
                        }
                    }
                }
                ExprKind::Call {
                    func,
                    args: args.into_boxed_slice(),
                    kwargs: kwargs.into_boxed_slice(),
                    has_splat,
                }
            }
            "list" | "tuple" | "set" | "expression_list" => {
                let mut items = Vec::new();
                let mut cursor = node.walk();
                for c in node.named_children(&mut cursor) {
                    if c.kind() == "comment" {
                        continue;
                    }
                    items.push(self.expr(c, depth + 1));
                }
                match node.kind() {
                    "list" => ExprKind::List(items),
                    "set" => ExprKind::Set(items),
                    _ => ExprKind::Tuple(items),
                }
            }
            "list_splat" => match node.named_child(0) {
                Some(inner) => ExprKind::Starred(Box::new(self.expr(inner, depth + 1))),
                None => return self.other(node),
            },
            "dictionary" => {
                let mut pairs = Vec::new();
                let mut cursor = node.walk();
                for c in node.named_children(&mut cursor) {
                    match c.kind() {
                        "pair" => {
                            let (Some(k), Some(v)) =
                                (c.child_by_field_name("key"), c.child_by_field_name("value"))
                            else {
                                continue;
                            };
                            pairs.push((self.expr(k, depth + 1), self.expr(v, depth + 1)));
                        }
                        "comment" => {}
                        _ => return self.other(node),
                    }
                }
                ExprKind::Dict(pairs)
            }
            "binary_operator" => {
                let (Some(l), Some(r)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return self.other(node);
                };
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o).to_string())
                    .unwrap_or_default();
                ExprKind::BinOp {
                    op,
                    left: Box::new(self.expr(l, depth + 1)),
                    right: Box::new(self.expr(r, depth + 1)),
                }
            }
            "unary_operator" => {
                let Some(arg) = node.child_by_field_name("argument") else {
                    return self.other(node);
                };
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o).to_string())
                    .unwrap_or_default();
                ExprKind::Unary {
                    op,
                    operand: Box::new(self.expr(arg, depth + 1)),
                }
            }
            "not_operator" => {
                let Some(arg) = node.child_by_field_name("argument") else {
                    return self.other(node);
                };
                ExprKind::Unary {
                    op: "not".into(),
                    operand: Box::new(self.expr(arg, depth + 1)),
                }
            }
            "subscript" => {
                let (Some(v), Some(i)) = (
                    node.child_by_field_name("value"),
                    node.child_by_field_name("subscript"),
                ) else {
                    return self.other(node);
                };
                ExprKind::Subscript {
                    value: Box::new(self.expr(v, depth + 1)),
                    index: Box::new(self.expr(i, depth + 1)),
                }
            }
            "lambda" => ExprKind::Lambda,
            other => ExprKind::Other(other.to_string()),
        };
        Expr { kind, span: sp }
    }

    /// A single string literal; `None` for f-strings with interpolation.
    fn string(&self, node: tree_sitter::Node<'_>) -> Option<ExprKind> {
        if node.kind() != "string" {
            return None;
        }
        let mut out = String::new();
        let mut prefix = "";
        let mut cursor = node.walk();
        for c in node.children(&mut cursor) {
            match c.kind() {
                "string_start" => prefix = self.text(c),
                "string_content" => {
                    let raw = prefix.to_ascii_lowercase().contains('r');
                    let mut inner = c.walk();
                    let mut last = c.start_byte();
                    for esc in c.children(&mut inner) {
                        out.push_str(self.src.get(last..esc.start_byte()).unwrap_or(""));
                        let t = self.text(esc);
                        if esc.kind() == "escape_sequence" && !raw {
                            out.push_str(&unescape(t));
                        } else if esc.kind() == "interpolation" {
                            return None;
                        } else {
                            out.push_str(t);
                        }
                        last = esc.end_byte();
                    }
                    out.push_str(self.src.get(last..c.end_byte()).unwrap_or(""));
                }
                "interpolation" => return None,
                "escape_sequence" => out.push_str(&unescape(self.text(c))),
                _ => {}
            }
        }
        let p = prefix.to_ascii_lowercase();
        if p.contains('b') {
            return Some(ExprKind::Bytes);
        }
        Some(ExprKind::Str(out))
    }
}

pub(crate) fn unescape(esc: &str) -> String {
    match esc {
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\r" => "\r".into(),
        "\\\\" => "\\".into(),
        "\\'" => "'".into(),
        "\\\"" => "\"".into(),
        "\\0" => "\0".into(),
        _ => {
            if let Some(hex) = esc
                .strip_prefix("\\x")
                .or_else(|| esc.strip_prefix("\\u"))
                .or_else(|| esc.strip_prefix("\\U"))
                && let Ok(code) = u32::from_str_radix(hex, 16)
                && let Some(c) = char::from_u32(code)
            {
                return c.to_string();
            }
            if esc.starts_with("\\\n") || esc.starts_with("\\\r") {
                return String::new();
            }
            esc.to_string()
        }
    }
}

/// The lowering of an integer literal (both parsers): its value, or `Other("integer")` when it
/// does not fit in an `i128`.
pub(crate) fn int_kind(text: &str) -> ExprKind {
    if text.len() <= 18 && text.bytes().all(|c| c.is_ascii_digit()) {
        // plain decimal digits: no underscores, prefix or overflow to handle
        let i = text
            .bytes()
            .fold(0i128, |n, c| n * 10 + i128::from(c - b'0'));
        return ExprKind::Int(PyInt::new(i));
    }
    let t = text.replace('_', "").to_ascii_lowercase();
    let parsed = if let Some(h) = t.strip_prefix("0x") {
        i128::from_str_radix(h, 16).ok()
    } else if let Some(o) = t.strip_prefix("0o") {
        i128::from_str_radix(o, 8).ok()
    } else if let Some(b) = t.strip_prefix("0b") {
        i128::from_str_radix(b, 2).ok()
    } else {
        t.parse::<i128>().ok()
    };
    match parsed {
        Some(i) => ExprKind::Int(PyInt::new(i)),
        None => ExprKind::Other("integer".to_string()),
    }
}

// The tree's node sizes, checked when compiling: every file's tree stays in memory for the whole
// run, so a variant that grows one of these grows the peak heap of a check (docs/architecture.md).
// Large or rare payloads are boxed (`Stmt::Class`, an `if`'s condition, annotations) for this.
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(std::mem::size_of::<Expr>() == 56);
    assert!(std::mem::size_of::<Keyword>() == 88);
    assert!(std::mem::size_of::<Stmt>() == 104);
};

// The same for a migration's values (`Val`), of which the migration graph, the model states and
// the autodetector hold arrays: a call and a setting reference are boxed so that every string,
// number or list does not pay for their fields (it was 80 bytes; a keyword pair 112, now 56).
#[cfg(target_pointer_width = "64")]
const _: () = {
    assert!(std::mem::size_of::<crate::migrations::parse::Val>() == 32);
    assert!(std::mem::size_of::<(String, crate::migrations::parse::Val)>() == 56);
};

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> ModuleSyntax {
        let mut p = tree_sitter::Parser::new();
        let lang: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        p.set_language(&lang).expect("language");
        let tree = p.parse(src, None).expect("tree");
        lower(&tree, src)
    }

    #[test]
    fn lowers_class_with_fields_and_meta() {
        let m = parse(
            "from django.db import models as m\nclass Book(m.Model):\n    title = m.CharField(max_length=10, choices=[('a', 'A')])\n    class Meta:\n        ordering = ['-title']\n",
        );
        assert_eq!(m.body.len(), 2);
        let Stmt::Class(c) = &m.body[1] else {
            panic!("class expected")
        };
        assert_eq!(c.name, "Book");
        assert_eq!(c.bases[0].as_name(), Some("m.Model"));
        let Stmt::Assign { targets, value, .. } = &c.body[0] else {
            panic!("assign expected")
        };
        assert_eq!(targets[0], Target::Name("title".into(), Span::new(59, 64)));
        assert_eq!(value.kwarg("max_length").and_then(Expr::as_int), Some(10));
        assert!(matches!(c.body[1], Stmt::Class(_)));
    }

    #[test]
    fn strings_and_escapes() {
        let m = parse("A = 'a\\tb' 'c'\nB = f'{x}'\nC = b'x'\nD = r'\\d'\n");
        let vals: Vec<_> = m
            .body
            .iter()
            .map(|s| match s {
                Stmt::Assign { value, .. } => value.kind.clone(),
                _ => ExprKind::Other("?".into()),
            })
            .collect();
        assert_eq!(vals[0], ExprKind::Str("a\tbc".into()));
        assert_eq!(vals[1], ExprKind::Other("string".into()));
        assert_eq!(vals[2], ExprKind::Bytes);
        assert_eq!(vals[3], ExprKind::Str("\\d".into()));
    }

    #[test]
    fn syntax_errors_are_recorded_not_fatal() {
        let m = parse("class Book(models.Model:\n    title = models.CharField(\n");
        assert!(!m.errors.is_empty());
    }
}
