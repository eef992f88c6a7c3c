//! Find references (`textDocument/references`) across models, migrations and SQLAlchemy code, in
//! UTF-8 byte spans. Also the migration walk that hover uses for "last touched by".
//!
//! What counts as a reference:
//! - a model: its class, relation targets (`ForeignKey(Model)`, `"app.Model"`, `"Model"`,
//!   `"self"`), `from … import Model` sites, migration operations naming it (`CreateModel(name=)`,
//!   `model_name=`, `to="app.model"`), and SQLAlchemy tables on the same database table;
//! - a field: its definition, migration operations touching it (`model_name` + `name`,
//!   `CreateModel(fields=[("name", …)])`, `RenameField`), `Meta` options naming it (`ordering`,
//!   `unique_together`, `indexes`, `constraints`, …), and the SQLAlchemy column of the same table;
//! - a SQLAlchemy table or column: its definition, `ForeignKey("table.column")` targets,
//!   `relationship()`s to its class, and the Django model/field on the same table/column.

use djsa_analysis::Span;
use djsa_analysis::db::{Db, Origin, Project, SourceFile, module_syntax};
use djsa_analysis::migrations::migration_analysis;
use djsa_analysis::project::{ProjectModel, project_model};
use djsa_analysis::resolve::{Resolved, Resolver};
use djsa_analysis::sqla::django::django_tables;
use djsa_analysis::sqla::sqla_tables;
use djsa_analysis::syntax::{Expr, ExprKind, Stmt, Target as SyntaxTarget};

use super::ide::{self, Target, db_table, resolve_reference};

fn contains(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

/// What a references request is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Index into the project model.
    Model(usize),
    /// Model index and field name.
    Field(usize, String),
    /// Index into the SQLAlchemy index's tables.
    Table(usize),
    /// Table index and column name.
    Column(usize, String),
}

/// Migration operations that take the model's name as `name=` (or first argument).
const MODEL_OPS: &[&str] = &[
    "CreateModel",
    "DeleteModel",
    "AlterModelOptions",
    "AlterModelTable",
    "AlterModelTableComment",
    "AlterUniqueTogether",
    "AlterIndexTogether",
    "AlterModelManagers",
    "AlterOrderWithRespectTo",
];
/// Operations on a field: `model_name=`, `name=`.
const FIELD_OPS: &[&str] = &["AddField", "RemoveField", "AlterField"];
/// Meta options whose strings name fields.
const META_FIELD_OPTIONS: &[&str] = &[
    "ordering",
    "unique_together",
    "index_together",
    "indexes",
    "constraints",
    "get_latest_by",
    "order_with_respect_to",
];

/// One place a migration names a model or a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub file: SourceFile,
    pub span: Span,
    /// Migration name (`0002_book_isbn`).
    pub migration: String,
    pub app_label: String,
    /// Lower-case model name.
    pub model: String,
    pub field: Option<String>,
}

fn call_name(e: &Expr) -> Option<(&str, &[Expr], &[djsa_analysis::syntax::Keyword])> {
    let ExprKind::Call {
        func, args, kwargs, ..
    } = &e.kind
    else {
        return None;
    };
    let name = func.as_name()?;
    Some((name.rsplit('.').next().unwrap_or(name), args, kwargs))
}

fn arg<'e>(
    args: &'e [Expr],
    kwargs: &'e [djsa_analysis::syntax::Keyword],
    pos: usize,
    name: &str,
) -> Option<&'e Expr> {
    kwargs
        .iter()
        .find(|k| k.name == name)
        .map(|k| &k.value)
        .or_else(|| args.get(pos))
}

/// Every string literal inside an expression.
fn strings<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Str(_) => out.push(e),
        ExprKind::Call {
            func, args, kwargs, ..
        } => {
            strings(func, out);
            for a in args {
                strings(a, out);
            }
            for k in kwargs {
                strings(&k.value, out);
            }
        }
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => {
            for x in v {
                strings(x, out);
            }
        }
        ExprKind::Dict(v) => {
            for (k, x) in v {
                strings(k, out);
                strings(x, out);
            }
        }
        ExprKind::Starred(x) => strings(x, out),
        ExprKind::BinOp { left, right, .. } => {
            strings(left, out);
            strings(right, out);
        }
        ExprKind::Unary { operand, .. } => strings(operand, out),
        _ => {}
    }
}

/// The `operations = [...]` items of a migration module.
fn operations(db: &dyn Db, file: SourceFile) -> Vec<Expr> {
    let syntax = module_syntax(db, file);
    let mut out = Vec::new();
    for stmt in &syntax.body {
        let Stmt::Class(class) = stmt else { continue };
        for s in &class.body {
            let Stmt::Assign { targets, value, .. } = s else {
                continue;
            };
            if targets
                .iter()
                .any(|t| matches!(t, SyntaxTarget::Name(n, _) if n == "operations"))
            {
                out.extend(value.as_sequence().unwrap_or_default().iter().cloned());
            }
        }
    }
    out
}

/// Every model/field mention in the project's migration files, in migration-name order per app
/// (memoized per revision: hover and references read it on every request).
#[salsa::tracked(returns(ref))]
pub fn migration_mentions(db: &dyn Db, project: Project) -> Vec<Mention> {
    let pm = project_model(db, project);
    let ma = migration_analysis(db, project);
    let mut files: Vec<_> = ma
        .files
        .iter()
        .filter(|m| m.file.origin(db) == Origin::Project)
        .collect();
    files.sort_by(|a, b| (&a.app_label, &a.name).cmp(&(&b.app_label, &b.name)));
    let mut out = Vec::new();
    for mf in files {
        let push = |out: &mut Vec<Mention>, e: &Expr, model: &str, field: Option<&str>| {
            out.push(Mention {
                file: mf.file,
                span: e.span,
                migration: mf.name.clone(),
                app_label: mf.app_label.clone(),
                model: model.to_lowercase(),
                field: field.map(str::to_string),
            })
        };
        for op in operations(db, mf.file) {
            let mut named: Vec<Span> = Vec::new();
            if let Some((name, args, kwargs)) = call_name(&op) {
                if MODEL_OPS.contains(&name)
                    && let Some(m) = arg(args, kwargs, 0, "name")
                    && let Some(model) = m.as_str()
                {
                    push(&mut out, m, model, None);
                    named.push(m.span);
                    if name == "CreateModel" {
                        let fields = arg(args, kwargs, 1, "fields");
                        for item in fields.and_then(Expr::as_sequence).unwrap_or_default() {
                            let pair = item.as_sequence().unwrap_or_default();
                            if let Some(f) = pair.first()
                                && let Some(fname) = f.as_str()
                            {
                                push(&mut out, f, model, Some(fname));
                                named.push(f.span);
                            }
                        }
                    }
                }
                if name == "RenameModel" {
                    for (i, k) in [(0, "old_name"), (1, "new_name")] {
                        if let Some(m) = arg(args, kwargs, i, k)
                            && let Some(model) = m.as_str()
                        {
                            push(&mut out, m, model, None);
                            named.push(m.span);
                        }
                    }
                }
                let model_name = kwargs
                    .iter()
                    .find(|k| k.name == "model_name")
                    .map(|k| &k.value)
                    .or_else(|| (!MODEL_OPS.contains(&name)).then(|| args.first()).flatten());
                if !MODEL_OPS.contains(&name)
                    && name != "RenameModel"
                    && let Some(m) = model_name
                    && let Some(model) = m.as_str()
                {
                    push(&mut out, m, model, None);
                    named.push(m.span);
                    let field_args: &[(usize, &str)] = if FIELD_OPS.contains(&name) {
                        &[(1, "name")]
                    } else if name == "RenameField" {
                        &[(1, "old_name"), (2, "new_name")]
                    } else {
                        &[]
                    };
                    for &(i, k) in field_args {
                        if let Some(f) = arg(args, kwargs, i, k)
                            && let Some(fname) = f.as_str()
                        {
                            push(&mut out, f, model, Some(fname));
                            named.push(f.span);
                        }
                    }
                }
            }
            // `to="app.model"` and other lazy references anywhere in the operation.
            let mut all = Vec::new();
            strings(&op, &mut all);
            for s in all {
                if named.contains(&s.span) {
                    continue;
                }
                let Some((app, model)) = s.as_str().and_then(|v| v.split_once('.')) else {
                    continue;
                };
                if let Some(t) = pm.get_model(app, model) {
                    let m = &pm.models[t];
                    out.push(Mention {
                        file: mf.file,
                        span: s.span,
                        migration: mf.name.clone(),
                        app_label: m.app_label.clone().unwrap_or_default(),
                        model: m.model_name(),
                        field: None,
                    });
                }
            }
        }
    }
    out
}

fn mention_is(pm: &ProjectModel, m: &Mention, model: usize, field: Option<&str>) -> bool {
    let md = &pm.models[model];
    md.app_label.as_deref() == Some(m.app_label.as_str())
        && m.model == md.model_name()
        && m.field.as_deref() == field
}

/// The last migration (by name, within the app) that names the model or field.
pub fn last_touched(
    db: &dyn Db,
    project: Project,
    pm: &ProjectModel,
    model: usize,
    field: Option<&str>,
) -> Option<String> {
    migration_mentions(db, project)
        .iter()
        .filter(|m| mention_is(pm, m, model, field))
        .map(|m| m.migration.clone())
        .max()
}

/// The SQLAlchemy table under the cursor (declaration, column or `ForeignKey("t.c")`).
fn sqla_subject(db: &dyn Db, project: Project, file: SourceFile, offset: u32) -> Option<Subject> {
    let index = sqla_tables(db, project);
    for (ti, t) in index.tables.iter().enumerate() {
        for c in &t.columns {
            if c.file == file && contains(c.span, offset) {
                return Some(Subject::Column(ti, c.name.clone()));
            }
        }
        for fk in &t.foreign_keys {
            if fk.file == file
                && contains(fk.span, offset)
                && let Some(target) = fk.target_table.as_deref()
                && let Some(tt) = index.find_table(target)
            {
                return match fk.target_columns.as_slice() {
                    [one] => Some(Subject::Column(tt, one.clone())),
                    _ => Some(Subject::Table(tt)),
                };
            }
        }
        if t.file == file && contains(t.span, offset) {
            return Some(Subject::Table(ti));
        }
    }
    for c in &index.classes {
        if c.file == file && contains(c.name_span, offset) {
            return c.table.map(Subject::Table);
        }
        for r in &c.relationships {
            if r.file == file
                && contains(r.span, offset)
                && let Some(target) = r.target.as_deref()
                && let Some(tc) = index.class_by_name(target)
            {
                return index.classes[tc].table.map(Subject::Table);
            }
        }
    }
    None
}

/// What is under the cursor, for references.
pub fn subject_at(db: &dyn Db, project: Project, file: SourceFile, offset: u32) -> Option<Subject> {
    let pm = project_model(db, project);
    match ide::find(db, project, pm, file, offset) {
        Some(Target::Model(i)) => return Some(Subject::Model(i)),
        Some(Target::Field(i, f)) => return Some(Subject::Field(i, f.name.clone())),
        Some(Target::Reference(_, Some(t))) => return Some(Subject::Model(t)),
        Some(Target::Reference(_, None)) => return None,
        None => {}
    }
    // A migration operation naming a model or field.
    for m in migration_mentions(db, project) {
        if m.file != file || !contains(m.span, offset) {
            continue;
        }
        let idx = pm.get_model(&m.app_label, &m.model)?;
        return Some(match m.field.clone() {
            Some(f) => Subject::Field(idx, f),
            None => Subject::Model(idx),
        });
    }
    // An import of a model class.
    if let Some(i) = import_at(db, project, pm, file, offset) {
        return Some(Subject::Model(i));
    }
    sqla_subject(db, project, file, offset)
}

/// `(name span, model)` of each imported name in a file that is a model class.
fn model_imports(
    db: &dyn Db,
    project: Project,
    pm: &ProjectModel,
    file: SourceFile,
) -> Vec<(Span, usize)> {
    let syntax = module_syntax(db, file);
    let text = file.text(db);
    let resolver = Resolver::new(db, project);
    let mut out = Vec::new();
    for stmt in &syntax.body {
        let Stmt::ImportFrom { names, span, .. } = stmt else {
            continue;
        };
        let Some(stmt_text) = text.get(span.range()) else {
            continue;
        };
        for (name, alias) in names {
            let local = alias.as_deref().unwrap_or(name);
            let Resolved::Class(id) = resolver.resolve_name(file, local) else {
                continue;
            };
            let Some(mi) = pm.model_by_class(id) else {
                continue;
            };
            if let Some(at) = find_word(stmt_text, name) {
                let start = span.start + at as u32;
                out.push((Span::new(start, start + name.len() as u32), mi));
            }
        }
    }
    out
}

/// Byte offset of `word` as a whole identifier in `hay`.
fn find_word(hay: &str, word: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(i) = hay[from..].find(word) {
        let at = from + i;
        let before = hay[..at].chars().next_back();
        let after = hay[at + word.len()..].chars().next();
        if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

fn import_at(
    db: &dyn Db,
    project: Project,
    pm: &ProjectModel,
    file: SourceFile,
    offset: u32,
) -> Option<usize> {
    model_imports(db, project, pm, file)
        .into_iter()
        .find(|(s, _)| contains(*s, offset))
        .map(|(_, i)| i)
}

fn project_files(db: &dyn Db, project: Project) -> impl Iterator<Item = SourceFile> + '_ {
    project
        .files(db)
        .iter()
        .copied()
        .filter(move |f| f.origin(db) == Origin::Project)
}

/// All references to the subject, sorted by file path and position, without duplicates.
pub fn references(
    db: &dyn Db,
    project: Project,
    subject: &Subject,
    include_declaration: bool,
) -> Vec<(SourceFile, Span)> {
    let pm = project_model(db, project);
    let mut out: Vec<(SourceFile, Span)> = Vec::new();
    match subject {
        Subject::Model(i) => {
            let m = &pm.models[*i];
            if include_declaration {
                out.push((m.file, m.name_span));
            }
            for (mi, other) in pm.models.iter().enumerate() {
                for f in other.own_fields.iter() {
                    if !f.kind.is_relation() {
                        continue;
                    }
                    if let Some(to) = f.opt("to")
                        && resolve_reference(db, project, pm, f.file, mi, to) == Some(*i)
                    {
                        out.push((f.file, to.span));
                    }
                }
            }
            for file in project_files(db, project) {
                for (span, mi) in model_imports(db, project, pm, file) {
                    if mi == *i {
                        out.push((file, span));
                    }
                }
            }
            for mention in migration_mentions(db, project) {
                if mention_is(pm, mention, *i, None) {
                    out.push((mention.file, mention.span));
                }
            }
            // Cross-ORM: a SQLAlchemy table on the same database table.
            if let Some(table) = db_table(pm, *i) {
                let index = sqla_tables(db, project);
                for t in &index.tables {
                    if t.name == table && t.schema.is_none() {
                        out.push((t.file, t.span));
                    }
                }
            }
        }
        Subject::Field(i, name) => {
            let m = &pm.models[*i];
            if include_declaration && let Some(f) = m.own_fields.iter().find(|f| &f.name == name) {
                out.push((f.file, f.name_span));
            }
            for mention in migration_mentions(db, project) {
                if mention_is(pm, mention, *i, Some(name)) {
                    out.push((mention.file, mention.span));
                }
            }
            let desc = format!("-{name}");
            for attr in &m.meta.attrs {
                let (opt, value, file) = &**attr;
                if !META_FIELD_OPTIONS.contains(&opt.as_str()) {
                    continue;
                }
                let mut all = Vec::new();
                strings(value, &mut all);
                for s in all {
                    if s.as_str() == Some(name) || s.as_str() == Some(desc.as_str()) {
                        out.push((*file, s.span));
                    }
                }
            }
            // Cross-ORM: the SQLAlchemy column on the same table and column.
            if let Some(label) = m.app_label.as_ref().map(|a| format!("{a}.{}", m.name)) {
                let dj = django_tables(db, project);
                if let Some(dt) = dj.tables.iter().find(|t| t.label == label)
                    && let Some(dc) = dt.columns.iter().find(|c| &c.field == name)
                {
                    let index = sqla_tables(db, project);
                    for t in &index.tables {
                        if t.name == dt.db_table
                            && t.schema.is_none()
                            && let Some(c) = t.column(&dc.column)
                        {
                            out.push((c.file, c.span));
                        }
                    }
                }
            }
        }
        Subject::Table(ti) => {
            let index = sqla_tables(db, project);
            let Some(t) = index.tables.get(*ti) else {
                return out;
            };
            if include_declaration {
                out.push((t.file, t.span));
            }
            let q = t.qualified_name();
            for other in &index.tables {
                for fk in &other.foreign_keys {
                    if fk.target_table.as_deref() == Some(q.as_str()) {
                        out.push((fk.file, fk.span));
                    }
                }
            }
            if let Some(ci) = t.class {
                let cname = &index.classes[ci].name;
                for c in &index.classes {
                    for r in &c.relationships {
                        if r.target.as_deref() == Some(cname.as_str()) {
                            out.push((r.file, r.span));
                        }
                    }
                }
            }
            if t.schema.is_none() {
                let dj = django_tables(db, project);
                for dt in &dj.tables {
                    if dt.db_table == t.name
                        && let Some((app, model)) = dt.label.split_once('.')
                        && let Some(mi) = pm.get_model(app, model)
                    {
                        let m = &pm.models[mi];
                        out.push((m.file, m.name_span));
                    }
                }
            }
        }
        Subject::Column(ti, col) => {
            let index = sqla_tables(db, project);
            let Some(t) = index.tables.get(*ti) else {
                return out;
            };
            if include_declaration && let Some(c) = t.column(col) {
                out.push((c.file, c.span));
            }
            let q = t.qualified_name();
            for other in &index.tables {
                for fk in &other.foreign_keys {
                    if fk.target_table.as_deref() == Some(q.as_str())
                        && fk.target_columns.iter().any(|c| c == col)
                    {
                        out.push((fk.file, fk.span));
                    }
                }
            }
            if t.schema.is_none() {
                let dj = django_tables(db, project);
                for dt in &dj.tables {
                    if dt.db_table != t.name {
                        continue;
                    }
                    // An auto-created field has the model's span: not a reference of the column.
                    if let Some(dc) = dt.column(col)
                        && dc.span != dt.span
                    {
                        out.push((dc.file, dc.span));
                    }
                }
            }
        }
    }
    out.sort_by(|a, b| (a.0.path(db), a.1.start, a.1.end).cmp(&(b.0.path(db), b.1.start, b.1.end)));
    out.dedup();
    out
}

/// `textDocument/references` on a snapshot.
pub fn locations(
    snap: &super::session::Snapshot,
    file: SourceFile,
    pos: tower_lsp_server::ls_types::Position,
    include_declaration: bool,
) -> Vec<tower_lsp_server::ls_types::Location> {
    use super::convert::{self, LineMap};
    use tower_lsp_server::ls_types as lsp;
    let db = &snap.db;
    let map = LineMap::new(file.text(db), snap.enc);
    let Some(subject) = subject_at(db, snap.project, file, map.offset(pos)) else {
        return Vec::new();
    };
    let mut maps: rustc_hash::FxHashMap<SourceFile, LineMap<'_>> = Default::default();
    let mut out = Vec::new();
    for (f, span) in references(db, snap.project, &subject, include_declaration) {
        let Some(uri) = snap.paths.get(&f).and_then(|p| convert::uri(p)) else {
            continue;
        };
        let m = maps
            .entry(f)
            .or_insert_with(|| LineMap::new(f.text(db), snap.enc));
        out.push(lsp::Location::new(uri, m.range(span)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::find_word;

    #[test]
    fn whole_words() {
        assert_eq!(
            find_word("from .models import BookX, Book", "Book"),
            Some(27)
        );
        assert_eq!(find_word("import Bookish", "Book"), None);
    }
}
