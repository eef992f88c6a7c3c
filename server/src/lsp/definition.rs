//! Go to definition from the string references [`super::ide::definition`] does not cover:
//! - `related_name="books"` of a relation field: the related model (where the accessor lives);
//! - SQLAlchemy `ForeignKey("table.column")`: the column; `relationship("Class")`: the class;
//!   `back_populates="attr"`: the relationship `attr` on the target class.
//!
//! The string under the cursor is found in the module's syntax (the call and keyword it is in);
//! the meaning comes from the project model and the SQLAlchemy index.

use djsa_analysis::Span;
use djsa_analysis::db::{Db, Project, SourceFile, module_syntax};
use djsa_analysis::project::project_model;
use djsa_analysis::sqla::sqla_tables;
use djsa_analysis::syntax::{Expr, ExprKind, Stmt};

use super::ide::resolve_reference;

fn contains(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

/// A string literal argument under the cursor and the call it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringArg {
    /// Last component of the callee (`ForeignKey` for `sa.ForeignKey`).
    pub call: String,
    /// The keyword (`back_populates`), or `None` for a positional argument.
    pub keyword: Option<String>,
    pub position: usize,
    pub value: String,
    pub span: Span,
}

fn in_expr(e: &Expr, offset: u32) -> Option<StringArg> {
    if !contains(e.span, offset) {
        return None;
    }
    match &e.kind {
        ExprKind::Call {
            func, args, kwargs, ..
        } => {
            // Innermost call first.
            for a in args.iter().chain(kwargs.iter().map(|k| &k.value)) {
                if let Some(found) = in_expr(a, offset) {
                    return Some(found);
                }
            }
            let call = func.as_name().map(|n| n.rsplit('.').next().unwrap_or(n))?;
            for (i, a) in args.iter().enumerate() {
                if let Some(v) = a.as_str()
                    && contains(a.span, offset)
                {
                    return Some(StringArg {
                        call: call.to_string(),
                        keyword: None,
                        position: i,
                        value: v.to_string(),
                        span: a.span,
                    });
                }
            }
            for k in kwargs {
                if let Some(v) = k.value.as_str()
                    && contains(k.value.span, offset)
                {
                    return Some(StringArg {
                        call: call.to_string(),
                        keyword: Some(k.name.clone()),
                        position: 0,
                        value: v.to_string(),
                        span: k.value.span,
                    });
                }
            }
            None
        }
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => {
            v.iter().find_map(|x| in_expr(x, offset))
        }
        ExprKind::Dict(v) => v
            .iter()
            .find_map(|(k, x)| in_expr(k, offset).or_else(|| in_expr(x, offset))),
        ExprKind::Subscript { value, index } => {
            in_expr(value, offset).or_else(|| in_expr(index, offset))
        }
        ExprKind::BinOp { left, right, .. } => {
            in_expr(left, offset).or_else(|| in_expr(right, offset))
        }
        ExprKind::Starred(x) | ExprKind::Unary { operand: x, .. } => in_expr(x, offset),
        ExprKind::Attribute { value, .. } => in_expr(value, offset),
        _ => None,
    }
}

fn in_stmts(stmts: &[Stmt], offset: u32) -> Option<StringArg> {
    for s in stmts {
        let found = match s {
            Stmt::Assign {
                value, annotation, ..
            } => in_expr(value, offset)
                .or_else(|| annotation.as_ref().and_then(|a| in_expr(a, offset))),
            Stmt::AnnOnly { annotation, .. } => in_expr(annotation, offset),
            Stmt::AugAssign { value, .. } => in_expr(value, offset),
            Stmt::Expr(e) => in_expr(e, offset),
            Stmt::Class(c) if contains(c.span, offset) => in_stmts(&c.body, offset)
                .or_else(|| c.keywords.iter().find_map(|k| in_expr(&k.value, offset)))
                .or_else(|| c.bases.iter().find_map(|b| in_expr(b, offset))),
            Stmt::If { body, orelse, .. } => {
                in_stmts(body, offset).or_else(|| in_stmts(orelse, offset))
            }
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                ..
            } => in_stmts(body, offset)
                .or_else(|| handlers.iter().find_map(|h| in_stmts(h, offset)))
                .or_else(|| in_stmts(orelse, offset))
                .or_else(|| in_stmts(finalbody, offset)),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The string argument under the cursor, if any.
pub fn string_arg_at(db: &dyn Db, file: SourceFile, offset: u32) -> Option<StringArg> {
    in_stmts(&module_syntax(db, file).body, offset)
}

/// (origin span, target file, target span) for the string reference under the cursor.
pub fn definition(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: u32,
) -> Option<(Span, SourceFile, Span)> {
    let arg = string_arg_at(db, file, offset)?;
    // Django: `related_name=` goes to the related model.
    if arg.keyword.as_deref() == Some("related_name") {
        let pm = project_model(db, project);
        for (i, m) in pm.models.iter().enumerate() {
            if m.file != file || !contains(m.span, offset) {
                continue;
            }
            for f in m.own_fields.iter() {
                if f.kind.is_relation()
                    && f.opt("related_name").is_some_and(|r| r.span == arg.span)
                    && let Some(to) = f.opt("to")
                    && let Some(t) = resolve_reference(db, project, pm, f.file, i, to)
                {
                    let tm = &pm.models[t];
                    return Some((arg.span, tm.file, tm.name_span));
                }
            }
        }
        return None;
    }
    let index = sqla_tables(db, project);
    match (arg.call.as_str(), arg.keyword.as_deref()) {
        ("ForeignKey", None) | ("ForeignKey", Some("column")) => {
            let (table, column) = arg.value.rsplit_once('.')?;
            let t = index.tables.get(index.find_table(table)?)?;
            let c = t.column(column)?;
            Some((arg.span, c.file, c.span))
        }
        ("relationship" | "relation", None) if arg.position == 0 => {
            let name = arg.value.rsplit('.').next().unwrap_or(&arg.value);
            let c = index.classes.get(index.class_by_name(name)?)?;
            Some((arg.span, c.file, c.name_span))
        }
        ("relationship" | "relation", Some("back_populates")) => {
            // The relationship whose call this is: the closest one declared before the cursor.
            let owner = index
                .classes
                .iter()
                .flat_map(|c| c.relationships.iter())
                .filter(|r| r.file == file && r.span.start <= offset)
                .max_by_key(|r| r.span.start)?;
            let target = owner.target.as_deref()?;
            let tc = index.classes.get(index.class_by_name(target)?)?;
            let r = tc.relationships.iter().find(|r| r.attr == arg.value)?;
            Some((arg.span, r.file, r.span))
        }
        _ => None,
    }
}
