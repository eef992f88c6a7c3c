//! Reading one Alembic revision file: the identifiers at module level and every `op.*` schema call
//! of `upgrade()`, including `with op.batch_alter_table(...) as batch_op:` blocks.
//!
//! The function body is not part of djsa's per-file syntax facts, so it is read here: the file is
//! parsed once more with tree-sitter, the `def upgrade():` header and each `with ... as x:` header
//! are blanked into `if ...:` headers of the same length (byte offsets stay valid), and the
//! rewritten text goes through the ordinary lowering. Anything that is not a plain call of a known
//! operation makes the revision "not understood" (DJSA264) instead of being guessed at.

use crate::db::{Db, SourceFile, module_syntax};
use crate::span::Span;
use crate::sqla::SqlType;
use crate::sqla::types::from_sa_name;
use crate::syntax::{Expr, ExprKind, Stmt, Target};

use super::state::{ColumnState, FkState, IndexState, TableState, UniqueState};

/// One schema operation of an `upgrade()` function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevOp {
    CreateTable(TableState),
    DropTable {
        schema: Option<String>,
        table: String,
    },
    AddColumn {
        schema: Option<String>,
        table: String,
        column: ColumnState,
        fks: Vec<FkState>,
        unique: bool,
        index: bool,
    },
    DropColumn {
        schema: Option<String>,
        table: String,
        column: String,
    },
    AlterColumn {
        schema: Option<String>,
        table: String,
        column: String,
        nullable: Option<bool>,
        type_: Option<SqlType>,
        new_name: Option<String>,
        /// `Some(None)`: `server_default=None` (dropped).
        server_default: Option<Option<String>>,
        comment: Option<Option<String>>,
    },
    CreateIndex {
        schema: Option<String>,
        table: String,
        index: IndexState,
    },
    DropIndex {
        schema: Option<String>,
        table: Option<String>,
        name: String,
    },
    CreateUnique {
        schema: Option<String>,
        table: String,
        unique: UniqueState,
    },
    CreateForeignKey {
        schema: Option<String>,
        table: String,
        fk: FkState,
    },
    CreatePrimaryKey {
        schema: Option<String>,
        table: String,
        name: Option<String>,
        columns: Vec<String>,
    },
    DropConstraint {
        schema: Option<String>,
        table: String,
        name: String,
        type_: Option<String>,
    },
    RenameTable {
        schema: Option<String>,
        old: String,
        new: String,
    },
    TableComment {
        schema: Option<String>,
        table: String,
        comment: Option<String>,
    },
}

/// A revision file, as far as it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub file: SourceFile,
    pub revision: String,
    pub revision_span: Span,
    pub down_revisions: Vec<String>,
    pub down_span: Span,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    /// The operations of `upgrade()`, in order, with the span of each call.
    pub ops: Vec<(RevOp, Span)>,
    /// What could not be read: the revision is not understood (DJSA264).
    pub problems: Vec<(Span, String)>,
    /// Opaque calls that were skipped (`op.execute`): read, but their effect is unknown.
    pub opaque: Vec<(Span, String)>,
}

impl Revision {
    pub fn understood(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Whether a file looks like an Alembic revision: module-level `revision = "..."` and
/// `down_revision = ...` assignments.
pub fn is_revision_file(db: &dyn Db, file: SourceFile) -> bool {
    let body = &module_syntax(db, file).body;
    let mut rev = false;
    let mut down = false;
    for s in body {
        if let Stmt::Assign { targets, value, .. } = s {
            for t in targets {
                if let Target::Name(n, _) = t {
                    if n == "revision" && value.as_str().is_some() {
                        rev = true;
                    }
                    if n == "down_revision" {
                        down = true;
                    }
                }
            }
        }
    }
    rev && down
}

fn str_list(e: &Expr) -> Option<Vec<String>> {
    match &e.kind {
        ExprKind::None => Some(Vec::new()),
        ExprKind::Str(s) => Some(vec![s.clone()]),
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => {
            v.iter().map(|x| x.as_str().map(str::to_string)).collect()
        }
        _ => None,
    }
}

/// Read a revision file (`None`: not a revision file).
#[salsa::tracked(returns(ref))]
pub fn revision_file(db: &dyn Db, file: SourceFile) -> Option<Revision> {
    if !is_revision_file(db, file) {
        return None;
    }
    let syntax = module_syntax(db, file);
    let mut r = Revision {
        file,
        revision: String::new(),
        revision_span: Span::default(),
        down_revisions: Vec::new(),
        down_span: Span::default(),
        branch_labels: Vec::new(),
        depends_on: Vec::new(),
        ops: Vec::new(),
        problems: Vec::new(),
        opaque: Vec::new(),
    };
    for s in &syntax.body {
        let Stmt::Assign { targets, value, .. } = s else {
            continue;
        };
        for t in targets {
            let Target::Name(n, _) = t else { continue };
            let list = || {
                str_list(value).ok_or_else(|| {
                    (
                        value.span,
                        format!("`{n}` is not a literal string, tuple of strings or None"),
                    )
                })
            };
            match n.as_str() {
                "revision" => {
                    if let Some(s) = value.as_str() {
                        r.revision = s.to_string();
                        r.revision_span = value.span;
                    }
                }
                "down_revision" => {
                    r.down_span = value.span;
                    match list() {
                        Ok(v) => r.down_revisions = v,
                        Err(p) => r.problems.push(p),
                    }
                }
                "branch_labels" => match list() {
                    Ok(v) => r.branch_labels = v,
                    Err(p) => r.problems.push(p),
                },
                "depends_on" => match list() {
                    Ok(v) => r.depends_on = v,
                    Err(p) => r.problems.push(p),
                },
                _ => {}
            }
        }
    }
    if !syntax.errors.is_empty() {
        r.problems
            .push((syntax.errors[0], "syntax error in the revision file".into()));
        return Some(r);
    }
    let text = file.text(db);
    match upgrade_body(text) {
        Ok((stmts, withs)) => {
            let mut rd = Reader {
                r: &mut r,
                withs: &withs,
            };
            rd.block(&stmts, None);
        }
        Err((span, msg)) => r.problems.push((span, msg)),
    }
    Some(r)
}

/// A `with op.batch_alter_table(...) as alias:` header: its start offset and alias.
#[derive(Debug, Clone)]
struct WithInfo {
    start: u32,
    alias: String,
}

/// The statements of `upgrade()` (with `with` blocks turned into `if` blocks).
fn upgrade_body(text: &str) -> Result<(Vec<Stmt>, Vec<WithInfo>), (Span, String)> {
    let mut parser = tree_sitter::Parser::new();
    let lang: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    if parser.set_language(&lang).is_err() {
        return Err((Span::default(), "parser unavailable".into()));
    }
    let Some(tree) = parser.parse(text.as_bytes(), None) else {
        return Err((Span::default(), "could not parse the file".into()));
    };
    let root = tree.root_node();
    let mut func = None;
    let mut cursor = root.walk();
    for c in root.named_children(&mut cursor) {
        let f = match c.kind() {
            "function_definition" => c,
            "decorated_definition" => match c.child_by_field_name("definition") {
                Some(d) if d.kind() == "function_definition" => d,
                _ => continue,
            },
            _ => continue,
        };
        let name = f
            .child_by_field_name("name")
            .and_then(|n| text.get(n.byte_range()));
        if name == Some("upgrade") {
            func = Some(f);
        }
    }
    let Some(func) = func else {
        return Err((Span::default(), "no upgrade() function".into()));
    };
    let fspan = Span::new(func.start_byte() as u32, func.end_byte() as u32);
    let Some(body) = func.child_by_field_name("body") else {
        return Err((fspan, "upgrade() has no body".into()));
    };
    let mut bytes: Vec<u8> = text.as_bytes().to_vec();
    blank(&mut bytes, func.start_byte(), body.start_byte());
    bytes[func.start_byte()..func.start_byte() + 5].copy_from_slice(b"if 1:");
    let mut withs = Vec::new();
    check_block(text, body, &mut bytes, &mut withs, 0)?;
    let Ok(rewritten) = String::from_utf8(bytes) else {
        return Err((fspan, "could not read upgrade()".into()));
    };
    let Some(tree2) = parser.parse(rewritten.as_bytes(), None) else {
        return Err((fspan, "could not parse upgrade()".into()));
    };
    if tree2.root_node().has_error() {
        return Err((fspan, "upgrade() could not be read statically".into()));
    }
    let lowered = crate::syntax::lower(&tree2, &rewritten);
    for s in lowered.body {
        if let Stmt::If { body, span, .. } = s
            && span.start == func.start_byte() as u32
        {
            return Ok((body, withs));
        }
    }
    Err((fspan, "upgrade() could not be read statically".into()))
}

/// Replace bytes by spaces, keeping line breaks.
fn blank(bytes: &mut [u8], start: usize, end: usize) {
    for b in bytes.iter_mut().take(end).skip(start) {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

/// Check the statements of a block; rewrite `with` headers into `if` headers.
fn check_block(
    text: &str,
    block: tree_sitter::Node<'_>,
    bytes: &mut [u8],
    withs: &mut Vec<WithInfo>,
    depth: u32,
) -> Result<(), (Span, String)> {
    if depth > 20 {
        return Err((
            Span::new(block.start_byte() as u32, block.end_byte() as u32),
            "blocks nested too deeply".into(),
        ));
    }
    let mut cursor = block.walk();
    for st in block.named_children(&mut cursor) {
        let sp = Span::new(st.start_byte() as u32, st.end_byte() as u32);
        match st.kind() {
            "expression_statement" | "pass_statement" | "comment" => {}
            "with_statement" => {
                let mut items = Vec::new();
                let mut c2 = st.walk();
                for ch in st.named_children(&mut c2) {
                    if ch.kind() == "with_clause" {
                        let mut c3 = ch.walk();
                        for it in ch.named_children(&mut c3) {
                            if it.kind() == "with_item" {
                                items.push(it);
                            }
                        }
                    }
                }
                let bad = || {
                    (
                        sp,
                        "a `with` block other than `with op.batch_alter_table(...) as batch_op:`"
                            .to_string(),
                    )
                };
                let [item] = items.as_slice() else {
                    return Err(bad());
                };
                let Some(value) = item.child_by_field_name("value") else {
                    return Err(bad());
                };
                if value.kind() != "as_pattern" {
                    return Err(bad());
                }
                let Some(call) = value.named_child(0) else {
                    return Err(bad());
                };
                let Some(alias_node) = value.child_by_field_name("alias") else {
                    return Err(bad());
                };
                let alias = text.get(alias_node.byte_range()).unwrap_or("").trim();
                if call.kind() != "call" || alias.is_empty() || !alias.chars().all(is_ident_char) {
                    return Err(bad());
                }
                let Some(wbody) = st.child_by_field_name("body") else {
                    return Err(bad());
                };
                // `with` -> `if  `, ` as alias` -> spaces.
                bytes[st.start_byte()..st.start_byte() + 4].copy_from_slice(b"if  ");
                blank(bytes, call.end_byte(), value.end_byte());
                withs.push(WithInfo {
                    start: st.start_byte() as u32,
                    alias: alias.to_string(),
                });
                check_block(text, wbody, bytes, withs, depth + 1)?;
            }
            other => {
                let what = match other {
                    "if_statement" => "an `if` statement",
                    "for_statement" | "while_statement" => "a loop",
                    "function_definition" => "a nested function",
                    "try_statement" => "a `try` block",
                    "return_statement" => "a `return` statement",
                    "raise_statement" => "a `raise` statement",
                    _ => "a statement other than an operation call",
                };
                return Err((sp, format!("{what} in upgrade()")));
            }
        }
    }
    Ok(())
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

struct Reader<'a> {
    r: &'a mut Revision,
    withs: &'a [WithInfo],
}

/// Positional argument `pos` or keyword `kw` of a call.
fn arg<'e>(call: &'e Expr, pos: usize, kw: &str) -> Option<&'e Expr> {
    let ExprKind::Call { args, .. } = &call.kind else {
        return None;
    };
    call.kwarg(kw).or_else(|| args.get(pos))
}

fn call_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Call { func, .. } => func.as_name(),
        _ => None,
    }
}

fn last(n: &str) -> &str {
    n.rsplit('.').next().unwrap_or(n)
}

/// A name argument: `'x'`, `op.f('x')`, `sa.text`-free; `Ok(None)` for `None`.
fn name_arg(e: Option<&Expr>) -> Result<Option<String>, ()> {
    let Some(e) = e else { return Ok(None) };
    match &e.kind {
        ExprKind::Str(s) => Ok(Some(s.clone())),
        ExprKind::None => Ok(None),
        ExprKind::Call { args, .. } if call_name(e).is_some_and(|n| last(n) == "f") => {
            match args.first().and_then(Expr::as_str) {
                Some(s) => Ok(Some(s.to_string())),
                None => Err(()),
            }
        }
        _ => Err(()),
    }
}

fn opt_str(e: Option<&Expr>) -> Result<Option<String>, ()> {
    match e {
        None => Ok(None),
        Some(x) if x.is_none() => Ok(None),
        Some(x) => x.as_str().map(|s| Some(s.to_string())).ok_or(()),
    }
}

fn req_str(e: Option<&Expr>) -> Result<String, ()> {
    e.and_then(Expr::as_str).map(str::to_string).ok_or(())
}

fn str_seq(e: Option<&Expr>) -> Result<Vec<String>, ()> {
    let Some(e) = e else { return Err(()) };
    e.as_sequence()
        .ok_or(())?
        .iter()
        .map(|x| x.as_str().map(str::to_string).ok_or(()))
        .collect()
}

/// Index columns: strings, or expressions (`sa.text("lower(x)")`) kept as `(expr)`.
fn index_cols(e: Option<&Expr>) -> Result<Vec<String>, ()> {
    let Some(e) = e else { return Err(()) };
    e.as_sequence()
        .ok_or(())?
        .iter()
        .map(|x| match &x.kind {
            ExprKind::Str(s) => Ok(s.clone()),
            _ => Ok("(expression)".to_string()),
        })
        .collect()
}

/// A SQLAlchemy type expression (`sa.String(length=50)`, `sa.Integer()`, `postgresql.JSONB`).
pub fn type_expr(e: &Expr) -> SqlType {
    let (name, call) = match &e.kind {
        ExprKind::Name(n) => (n.as_str(), None),
        ExprKind::Call { func, .. } => match func.as_name() {
            Some(n) => (n, Some(e)),
            None => return SqlType::Unknown("computed type".into()),
        },
        _ => return SqlType::Unknown("computed type".into()),
    };
    from_sa_name(last(name), call).unwrap_or_else(|| SqlType::Unknown(name.to_string()))
}

fn server_default(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::None => None,
        ExprKind::Str(s) => Some(s.clone()),
        ExprKind::Call { args, .. } if call_name(e).is_some_and(|n| last(n) == "text") => Some(
            args.first()
                .and_then(Expr::as_str)
                .unwrap_or("?")
                .to_string(),
        ),
        _ => Some("?".into()),
    }
}

/// `sa.Column(...)`: the column, its column-level FKs, `unique=`, `index=`.
fn column(e: &Expr, table: &str) -> Result<(ColumnState, Vec<FkState>, bool, bool), String> {
    let ExprKind::Call {
        args, has_splat, ..
    } = &e.kind
    else {
        return Err("a column that is not a `sa.Column(...)` call".into());
    };
    if call_name(e).map(last) != Some("Column") || *has_splat {
        return Err("a column that is not a `sa.Column(...)` call".into());
    }
    let Some(name) = args.first().and_then(Expr::as_str) else {
        return Err("sa.Column without a literal name".into());
    };
    let mut ty = SqlType::Unknown("no type".into());
    let mut fks = Vec::new();
    for a in args.iter().skip(1) {
        match call_name(a).map(last) {
            Some("ForeignKey") => {
                let Some(target) = a.as_call_arg0_str() else {
                    return Err("sa.ForeignKey with a computed target".into());
                };
                let Some((t, c)) = target.rsplit_once('.') else {
                    return Err(format!(
                        "sa.ForeignKey target {target:?} is not table.column"
                    ));
                };
                fks.push(FkState {
                    name: name_arg(a.kwarg("name")).map_err(|_| "computed FK name")?,
                    columns: vec![name.to_string()],
                    ref_table: t.to_string(),
                    ref_columns: vec![c.to_string()],
                    ondelete: opt_str(a.kwarg("ondelete")).map_err(|_| "computed ondelete")?,
                    onupdate: opt_str(a.kwarg("onupdate")).map_err(|_| "computed onupdate")?,
                });
                let _ = table;
            }
            Some("Identity") | Some("Computed") | Some("Sequence") => {}
            _ => ty = type_expr(a),
        }
    }
    let primary_key = e.kwarg("primary_key").and_then(Expr::as_bool) == Some(true);
    let nullable = match e.kwarg("nullable") {
        Some(v) => v.as_bool().ok_or("computed nullable=")?,
        None => !primary_key,
    };
    let col = ColumnState {
        name: name.to_string(),
        ty,
        nullable: nullable && !primary_key,
        primary_key,
        server_default: e.kwarg("server_default").and_then(server_default),
        comment: opt_str(e.kwarg("comment")).map_err(|_| "computed comment=")?,
    };
    let unique = e.kwarg("unique").and_then(Expr::as_bool) == Some(true);
    let index = e.kwarg("index").and_then(Expr::as_bool) == Some(true);
    Ok((col, fks, unique, index))
}

trait Arg0 {
    fn as_call_arg0_str(&self) -> Option<&str>;
}
impl Arg0 for Expr {
    fn as_call_arg0_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Call { args, .. } => args.first().and_then(Expr::as_str),
            _ => None,
        }
    }
}

impl Reader<'_> {
    fn block(&mut self, stmts: &[Stmt], batch: Option<(&str, Option<&str>, &str)>) {
        for s in stmts {
            match s {
                Stmt::Expr(e) => {
                    if matches!(e.kind, ExprKind::Str(_)) {
                        continue;
                    }
                    self.call(e, batch);
                }
                Stmt::If {
                    condition,
                    body,
                    span,
                    ..
                } => {
                    let Some(w) = self.withs.iter().find(|w| w.start == span.start) else {
                        self.r
                            .problems
                            .push((*span, "an `if` statement in upgrade()".into()));
                        continue;
                    };
                    if batch.is_some()
                        || call_name(condition).map(last) != Some("batch_alter_table")
                        || !call_name(condition).is_some_and(|n| n.starts_with("op."))
                    {
                        self.r.problems.push((
                            *span,
                            "a `with` block other than `with op.batch_alter_table(...)`".into(),
                        ));
                        continue;
                    }
                    let Ok(table) = req_str(arg(condition, 0, "table_name")) else {
                        self.r
                            .problems
                            .push((*span, "batch_alter_table with a computed name".into()));
                        continue;
                    };
                    let Ok(schema) = opt_str(condition.kwarg("schema")) else {
                        self.r
                            .problems
                            .push((*span, "batch_alter_table with a computed schema".into()));
                        continue;
                    };
                    let alias = w.alias.clone();
                    self.block(body, Some((&table, schema.as_deref(), &alias)));
                }
                Stmt::Assign { span, .. } | Stmt::AugAssign { span, .. } => self
                    .r
                    .problems
                    .push((*span, "an assignment in upgrade()".into())),
                other => {
                    let span = match other {
                        Stmt::Import { span, .. }
                        | Stmt::ImportFrom { span, .. }
                        | Stmt::AnnOnly { span, .. }
                        | Stmt::Try { span, .. }
                        | Stmt::Opaque { span, .. } => *span,
                        _ => Span::default(),
                    };
                    self.r
                        .problems
                        .push((span, "a statement other than an operation call".into()));
                }
            }
        }
    }

    fn call(&mut self, e: &Expr, batch: Option<(&str, Option<&str>, &str)>) {
        let Some(fname) = call_name(e) else {
            self.r
                .problems
                .push((e.span, "an expression that is not an operation call".into()));
            return;
        };
        let (obj, method) = match fname.rsplit_once('.') {
            Some(x) => x,
            None => ("", fname),
        };
        if let ExprKind::Call {
            has_splat: true, ..
        } = &e.kind
        {
            self.r
                .problems
                .push((e.span, format!("{fname}(*args/**kwargs)")));
            return;
        }
        let (table_ctx, schema_ctx) = match batch {
            Some((t, s, alias)) if obj == alias => (Some(t.to_string()), s.map(str::to_string)),
            _ if obj == "op" => (None, None),
            _ => {
                self.r
                    .problems
                    .push((e.span, format!("call of `{fname}` in upgrade()")));
                return;
            }
        };
        match self.op(e, method, table_ctx, schema_ctx) {
            Ok(Some(op)) => self.r.ops.push((op, e.span)),
            Ok(None) => {}
            Err(msg) => self.r.problems.push((e.span, format!("{fname}: {msg}"))),
        }
    }

    /// One operation. In a batch block `table` is the batch table and the table argument is
    /// absent from the call.
    fn op(
        &mut self,
        e: &Expr,
        method: &str,
        table: Option<String>,
        batch_schema: Option<String>,
    ) -> Result<Option<RevOp>, String> {
        let batch = table.is_some();
        // Positional index shift: operations take the table first outside batch mode.
        let sh = if batch { 0 } else { 1 };
        let computed = |what: &str| format!("{what} is not a literal");
        let schema = if batch {
            batch_schema
        } else {
            opt_str(e.kwarg("schema")).map_err(|_| computed("schema"))?
        };
        let tbl = |pos: usize, kw: &str| -> Result<String, String> {
            match &table {
                Some(t) => Ok(t.clone()),
                None => req_str(arg(e, pos, kw)).map_err(|_| computed("table name")),
            }
        };
        Ok(Some(match method {
            "create_table" if !batch => {
                let name = req_str(arg(e, 0, "table_name")).map_err(|_| computed("table name"))?;
                let ExprKind::Call { args, .. } = &e.kind else {
                    return Err("not a call".into());
                };
                let mut t = TableState::new(schema.clone(), name.clone());
                t.comment = opt_str(e.kwarg("comment")).map_err(|_| computed("comment"))?;
                for a in args.iter().skip(1) {
                    match call_name(a).map(last) {
                        Some("Column") => {
                            let (c, fks, unique, index) = column(a, &name)?;
                            if c.primary_key {
                                t.primary_key.push(c.name.clone());
                            }
                            if unique {
                                t.uniques.push(UniqueState {
                                    name: None,
                                    columns: vec![c.name.clone()],
                                });
                            }
                            if index {
                                t.indexes.push(IndexState {
                                    name: format!("ix_{name}_{}", c.name),
                                    columns: vec![c.name.clone()],
                                    unique: false,
                                    expression: false,
                                });
                            }
                            t.fks.extend(fks);
                            t.columns.push(c);
                        }
                        Some("PrimaryKeyConstraint") => {
                            t.primary_key = pos_strs(a)?;
                            t.pk_name = name_arg(a.kwarg("name")).map_err(|_| computed("name"))?;
                            for c in t.columns.iter_mut() {
                                if t.primary_key.contains(&c.name) {
                                    c.nullable = false;
                                    c.primary_key = true;
                                }
                            }
                        }
                        Some("UniqueConstraint") => t.uniques.push(UniqueState {
                            name: name_arg(a.kwarg("name")).map_err(|_| computed("name"))?,
                            columns: pos_strs(a)?,
                        }),
                        Some("ForeignKeyConstraint") => {
                            let cols = str_seq(arg(a, 0, "columns"))
                                .map_err(|_| computed("FK columns"))?;
                            let refs = str_seq(arg(a, 1, "refcolumns"))
                                .map_err(|_| computed("FK target columns"))?;
                            let mut rt = None;
                            let mut rc = Vec::new();
                            for r in &refs {
                                let Some((tt, cc)) = r.rsplit_once('.') else {
                                    return Err(format!("FK target {r:?} is not table.column"));
                                };
                                rt = Some(tt.to_string());
                                rc.push(cc.to_string());
                            }
                            t.fks.push(FkState {
                                name: name_arg(a.kwarg("name")).map_err(|_| computed("name"))?,
                                columns: cols,
                                ref_table: rt.unwrap_or_default(),
                                ref_columns: rc,
                                ondelete: opt_str(a.kwarg("ondelete"))
                                    .map_err(|_| computed("ondelete"))?,
                                onupdate: opt_str(a.kwarg("onupdate"))
                                    .map_err(|_| computed("onupdate"))?,
                            });
                        }
                        Some("CheckConstraint") => {}
                        Some("Index") => {
                            let ExprKind::Call { args: ia, .. } = &a.kind else {
                                return Err("index".into());
                            };
                            let iname = name_arg(ia.first()).map_err(|_| computed("index name"))?;
                            let cols: Vec<String> = ia
                                .iter()
                                .skip(1)
                                .map(|x| x.as_str().unwrap_or("(expression)").to_string())
                                .collect();
                            t.indexes.push(IndexState {
                                name: iname.ok_or("unnamed sa.Index")?,
                                expression: cols.iter().any(|c| c == "(expression)"),
                                columns: cols,
                                unique: a.kwarg("unique").and_then(Expr::as_bool) == Some(true),
                            });
                        }
                        _ => return Err("an argument of create_table djsa does not read".into()),
                    }
                }
                RevOp::CreateTable(t)
            }
            "drop_table" if !batch => RevOp::DropTable {
                schema,
                table: tbl(0, "table_name")?,
            },
            "add_column" => {
                let t = tbl(0, "table_name")?;
                let Some(ce) = arg(e, sh, "column") else {
                    return Err("no column".into());
                };
                let (column, fks, unique, index) = column(ce, &t)?;
                RevOp::AddColumn {
                    schema,
                    table: t,
                    column,
                    fks,
                    unique,
                    index,
                }
            }
            "drop_column" => RevOp::DropColumn {
                schema,
                table: tbl(0, "table_name")?,
                column: req_str(arg(e, sh, "column_name")).map_err(|_| computed("column"))?,
            },
            "alter_column" => {
                let t = tbl(0, "table_name")?;
                let column = req_str(arg(e, sh, "column_name")).map_err(|_| computed("column"))?;
                let nullable = match e.kwarg("nullable") {
                    None => None,
                    Some(v) if v.is_none() => None,
                    Some(v) => Some(v.as_bool().ok_or_else(|| computed("nullable"))?),
                };
                RevOp::AlterColumn {
                    schema,
                    table: t,
                    column,
                    nullable,
                    type_: e.kwarg("type_").map(type_expr),
                    new_name: opt_str(e.kwarg("new_column_name"))
                        .map_err(|_| computed("new_column_name"))?,
                    server_default: e.kwarg("server_default").map(|v| {
                        if v.as_bool() == Some(false) {
                            None
                        } else {
                            server_default(v)
                        }
                    }),
                    comment: match e.kwarg("comment") {
                        None => None,
                        Some(v) if v.as_bool() == Some(false) => None,
                        Some(v) => Some(opt_str(Some(v)).map_err(|_| computed("comment"))?),
                    },
                }
            }
            "create_index" => {
                let name = name_arg(arg(e, 0, "index_name"))
                    .map_err(|_| computed("index name"))?
                    .ok_or("unnamed index")?;
                let t = tbl(1, "table_name")?;
                let cols =
                    index_cols(arg(e, sh + 1, "columns")).map_err(|_| computed("columns"))?;
                RevOp::CreateIndex {
                    schema,
                    table: t,
                    index: IndexState {
                        name,
                        expression: cols.iter().any(|c| c == "(expression)"),
                        columns: cols,
                        unique: e.kwarg("unique").and_then(Expr::as_bool) == Some(true),
                    },
                }
            }
            "drop_index" => RevOp::DropIndex {
                schema,
                table: match &table {
                    Some(t) => Some(t.clone()),
                    None => opt_str(arg(e, 1, "table_name")).map_err(|_| computed("table name"))?,
                },
                name: name_arg(arg(e, 0, "index_name"))
                    .map_err(|_| computed("index name"))?
                    .ok_or("unnamed index")?,
            },
            "create_unique_constraint" => {
                let name = name_arg(arg(e, 0, "constraint_name")).map_err(|_| computed("name"))?;
                let t = tbl(1, "table_name")?;
                RevOp::CreateUnique {
                    schema,
                    table: t,
                    unique: UniqueState {
                        name,
                        columns: str_seq(arg(e, sh + 1, "columns"))
                            .map_err(|_| computed("columns"))?,
                    },
                }
            }
            "create_foreign_key" => {
                let name = name_arg(arg(e, 0, "constraint_name")).map_err(|_| computed("name"))?;
                let t = tbl(1, "source_table")?;
                let referent =
                    req_str(arg(e, sh + 1, "referent_table")).map_err(|_| computed("referent"))?;
                RevOp::CreateForeignKey {
                    schema,
                    table: t,
                    fk: FkState {
                        name,
                        columns: str_seq(arg(e, sh + 2, "local_cols"))
                            .map_err(|_| computed("local columns"))?,
                        ref_table: referent,
                        ref_columns: str_seq(arg(e, sh + 3, "remote_cols"))
                            .map_err(|_| computed("remote columns"))?,
                        ondelete: opt_str(e.kwarg("ondelete")).map_err(|_| computed("ondelete"))?,
                        onupdate: opt_str(e.kwarg("onupdate")).map_err(|_| computed("onupdate"))?,
                    },
                }
            }
            "create_primary_key" => {
                let name = name_arg(arg(e, 0, "constraint_name")).map_err(|_| computed("name"))?;
                let t = tbl(1, "table_name")?;
                RevOp::CreatePrimaryKey {
                    schema,
                    table: t,
                    name,
                    columns: str_seq(arg(e, sh + 1, "columns")).map_err(|_| computed("columns"))?,
                }
            }
            "create_check_constraint" => return Ok(None),
            "drop_constraint" => {
                let name = name_arg(arg(e, 0, "constraint_name"))
                    .map_err(|_| computed("name"))?
                    .ok_or("drop_constraint(None, ...): an unnamed constraint cannot be dropped")?;
                RevOp::DropConstraint {
                    schema,
                    table: tbl(1, "table_name")?,
                    name,
                    type_: opt_str(e.kwarg("type_")).map_err(|_| computed("type_"))?,
                }
            }
            "rename_table" if !batch => RevOp::RenameTable {
                schema,
                old: req_str(arg(e, 0, "old_table_name")).map_err(|_| computed("old name"))?,
                new: req_str(arg(e, 1, "new_table_name")).map_err(|_| computed("new name"))?,
            },
            "create_table_comment" => RevOp::TableComment {
                schema,
                table: tbl(0, "table_name")?,
                comment: opt_str(arg(e, sh, "comment")).map_err(|_| computed("comment"))?,
            },
            "drop_table_comment" => RevOp::TableComment {
                schema,
                table: tbl(0, "table_name")?,
                comment: None,
            },
            "execute" => {
                self.r.opaque.push((
                    e.span,
                    "op.execute(...): raw SQL, its effect is not replayed".into(),
                ));
                return Ok(None);
            }
            "bulk_insert" | "inline_literal" => return Ok(None),
            other => return Err(format!("`{other}` is not an operation djsa replays")),
        }))
    }
}

fn pos_strs(call: &Expr) -> Result<Vec<String>, String> {
    let ExprKind::Call { args, .. } = &call.kind else {
        return Err("not a call".into());
    };
    args.iter()
        .map(|a| {
            a.as_str()
                .map(str::to_string)
                .ok_or_else(|| "a constraint column that is not a literal".to_string())
        })
        .collect()
}
