//! Editor features over the project model, in UTF-8 byte offsets (no LSP types here): hover,
//! go to definition, symbols and completion. Everything is a read of salsa queries, so it runs on
//! a database snapshot and may unwind with `salsa::Cancelled`.

use djsa_analysis::Span;
use djsa_analysis::db::{Db, Origin, Project, SourceFile};
use djsa_analysis::fields::FieldKind;
use djsa_analysis::migrations::migration_analysis;
use djsa_analysis::project::{Field, Model, ProjectModel, project_model};
use djsa_analysis::resolve::{Resolved, Resolver};
use djsa_analysis::schema::Backend;
use djsa_analysis::schema::expected::django_ddl_type;
use djsa_analysis::sqla::django::{DjTable, django_tables};
use djsa_analysis::sqla::sqla_tables;
use djsa_analysis::syntax::{Expr, ExprKind, Stmt, Target as SyntaxTarget};

fn contains(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

/// Resolve a relation target (`to`) as Django does: a model class, `"app_label.Model"`,
/// `"Model"` (same app) or `"self"`, `settings.AUTH_USER_MODEL`.
pub fn resolve_reference(
    db: &dyn Db,
    project: Project,
    pm: &ProjectModel,
    file: SourceFile,
    from_model: usize,
    to: &Expr,
) -> Option<usize> {
    let app = pm.models.get(from_model)?.app_label.clone();
    let lazy = |s: &str| -> Option<usize> {
        if s == "self" {
            return Some(from_model);
        }
        match s.split_once('.') {
            Some((a, n)) => pm.get_model(a, n),
            None => pm.get_model(app.as_deref()?, s),
        }
    };
    match &to.kind {
        ExprKind::Str(s) => lazy(s),
        ExprKind::Name(n) => match Resolver::new(db, project).resolve_name(file, n) {
            Resolved::Class(id) => pm.model_by_class(id),
            Resolved::External(q) if q == "django.conf.settings.AUTH_USER_MODEL" => {
                lazy(&pm.settings.auth_user_model)
            }
            Resolved::Value(_, e) => e.as_str().and_then(lazy),
            _ => None,
        },
        _ => None,
    }
}

/// The model's database table, as Django names it.
pub fn db_table(pm: &ProjectModel, idx: usize) -> Option<String> {
    let m = pm.models.get(idx)?;
    if let Some(t) = m.meta.get("db_table").and_then(Expr::as_str) {
        return Some(t.to_string());
    }
    Some(format!(
        "{}_{}",
        m.app_label.as_deref()?.to_lowercase(),
        m.model_name()
    ))
}

fn source_of<'t>(text: &'t str, e: &Expr) -> &'t str {
    text.get(e.span.range()).unwrap_or("…")
}

fn short(s: &str) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 60 {
        let cut: String = one_line.chars().take(57).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

fn model_hover(pm: &ProjectModel, idx: usize) -> String {
    let m = &pm.models[idx];
    let mut out = format!("**{}** (model `{}`)\n\n", m.name, m.label());
    if m.abstract_ {
        out.push_str("- abstract: no table\n");
    } else if m.proxy {
        out.push_str("- proxy model: uses its concrete parent's table\n");
    } else if let Some(t) = db_table(pm, idx) {
        out.push_str(&format!("- db table: `{t}`\n"));
    }
    let fields: Vec<&str> = m
        .own_fields
        .iter()
        .filter(|f| !f.auto_created)
        .map(|f| f.name.as_str())
        .collect();
    if !fields.is_empty() {
        out.push_str(&format!(
            "- fields: {}\n",
            fields
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !m.registered && !m.abstract_ {
        out.push_str("- not in an installed app\n");
    }
    out
}

/// Model hover plus what needs the whole project: the last migration and the SQLAlchemy side.
fn model_hover_full(db: &dyn Db, project: Project, pm: &ProjectModel, idx: usize) -> String {
    let mut out = model_hover(pm, idx);
    let m = &pm.models[idx];
    if let Some(mig) = super::references::last_touched(db, project, pm, idx, None) {
        out.push_str(&format!(
            "- last migration: `{}.{mig}`\n",
            m.app_label.as_deref().unwrap_or("?")
        ));
    }
    if !m.abstract_
        && let Some(table) = db_table(pm, idx)
    {
        let index = sqla_tables(db, project);
        for t in index
            .tables
            .iter()
            .filter(|t| t.name == table && t.schema.is_none())
        {
            out.push_str(&format!(
                "- SQLAlchemy: table `{}` in `{}`\n",
                t.name,
                t.file.path(db)
            ));
        }
    }
    out
}

/// Django's column type of a field on each backend (non-relation fields the state knows).
fn backend_types(db: &dyn Db, project: Project, m: &Model, f: &Field) -> Option<String> {
    if f.kind.is_relation() {
        return None;
    }
    let ma = migration_analysis(db, project);
    let def = ma
        .to_state
        .get(m.app_label.as_deref()?, &m.model_name())?
        .field(&f.name)?;
    let mut parts = Vec::new();
    for (backend, mariadb, name) in [
        (Backend::Postgresql, false, "PostgreSQL"),
        (Backend::Mysql, false, "MySQL"),
        (Backend::Sqlite, false, "SQLite"),
    ] {
        if let Some(t) = django_ddl_type(backend, mariadb, f.kind, def) {
            parts.push(format!("{name} `{t}`"));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" · "))
}

fn field_hover(db: &dyn Db, project: Project, pm: &ProjectModel, idx: usize, f: &Field) -> String {
    let m = &pm.models[idx];
    let text = f.file.text(db);
    let class = match &f.custom {
        Some(c) => format!("{} ({})", c.name, f.kind.name()),
        None => f.kind.name().to_string(),
    };
    let mut out = format!("**{}.{}**: `{class}`\n\n", m.name, f.name);
    let column = f
        .opt("db_column")
        .and_then(Expr::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| match f.kind {
            FieldKind::ForeignKey | FieldKind::OneToOneField => format!("{}_id", f.name),
            _ => f.name.clone(),
        });
    let is_m2m = f.kind == FieldKind::ManyToManyField;
    if is_m2m {
        if let Some(t) = db_table(pm, idx) {
            let through = f
                .opt("db_table")
                .and_then(Expr::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("{t}_{}", f.name));
            out.push_str(&format!("- no column; join table `{through}`\n"));
        }
    } else if !m.abstract_ {
        match db_table(pm, idx) {
            Some(t) => out.push_str(&format!("- column: `{t}`.`{column}`\n")),
            None => out.push_str(&format!("- column: `{column}`\n")),
        }
    } else {
        out.push_str(&format!(
            "- column: `{column}` (in each concrete subclass)\n"
        ));
    }
    let flag = |name: &str, default: bool| match f.opt(name) {
        None => default.to_string(),
        Some(e) => match e.as_bool() {
            Some(b) => b.to_string(),
            None => format!("`{}`", short(source_of(text, e))),
        },
    };
    let pk = f.is_primary_key();
    let unique_default = pk || f.kind == FieldKind::OneToOneField;
    let index_default = matches!(f.kind, FieldKind::ForeignKey | FieldKind::OneToOneField);
    if !is_m2m {
        out.push_str(&format!(
            "- null: {} · unique: {} · db_index: {}{}\n",
            flag("null", false),
            flag("unique", unique_default),
            flag("db_index", index_default),
            if pk { " · primary key" } else { "" }
        ));
    }
    if f.kind.is_relation()
        && let Some(to) = f.opt("to")
    {
        match resolve_reference(db, project, pm, f.file, idx, to) {
            Some(t) => {
                let tm = &pm.models[t];
                let table = db_table(pm, t)
                    .map(|t| format!(" (table `{t}`)"))
                    .unwrap_or_default();
                out.push_str(&format!("- related model: `{}`{table}\n", tm.label()));
            }
            None => out.push_str(&format!(
                "- related model: `{}` (not resolved)\n",
                short(source_of(text, to))
            )),
        }
    }
    let shown: Vec<String> = f
        .kwargs
        .iter()
        .filter(|k| {
            !matches!(
                k.name.as_str(),
                "to" | "null" | "unique" | "db_index" | "primary_key"
            )
        })
        .map(|k| format!("`{}={}`", k.name, short(source_of(text, &k.value))))
        .collect();
    if !shown.is_empty() {
        out.push_str(&format!("- options: {}\n", shown.join(", ")));
    }
    if let Some(types) = backend_types(db, project, m, f) {
        out.push_str(&format!("- type: {types}\n"));
    }
    if let Some(mig) = super::references::last_touched(db, project, pm, idx, Some(&f.name)) {
        out.push_str(&format!(
            "- last migration: `{}.{mig}`\n",
            m.app_label.as_deref().unwrap_or("?")
        ));
    }
    if !is_m2m
        && !m.abstract_
        && let Some(table) = db_table(pm, idx)
    {
        let index = sqla_tables(db, project);
        for t in index
            .tables
            .iter()
            .filter(|t| t.name == table && t.schema.is_none())
        {
            if let Some(c) = t.column(&column) {
                out.push_str(&format!(
                    "- SQLAlchemy: column `{}.{}` (`{}`{}) in `{}`\n",
                    t.name,
                    c.name,
                    c.ty.category(),
                    if c.nullable { ", nullable" } else { "" },
                    c.file.path(db)
                ));
            }
        }
    }
    out
}

/// Hover on a SQLAlchemy table or column: its database shape and the Django side.
fn sqla_hover(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: u32,
) -> Option<(Span, String)> {
    let index = sqla_tables(db, project);
    let dj = django_tables(db, project);
    for t in &index.tables {
        let same = |d: &&DjTable| t.schema.is_none() && d.db_table == t.name;
        for c in &t.columns {
            if c.file != file || !contains(c.span, offset) {
                continue;
            }
            let mut out = format!(
                "**{}.{}**: SQLAlchemy column `{}`\n\n",
                t.qualified_name(),
                c.name,
                c.ty.category()
            );
            out.push_str(&format!(
                "- null: {} · unique: {} · index: {}{}\n",
                c.nullable,
                c.unique,
                c.index,
                if c.primary_key { " · primary key" } else { "" }
            ));
            for fk in t
                .foreign_keys
                .iter()
                .filter(|k| k.columns.contains(&c.name))
            {
                out.push_str(&format!(
                    "- references `{}({})`\n",
                    fk.target_table.as_deref().unwrap_or("?"),
                    fk.target_columns.join(", ")
                ));
            }
            for d in dj.tables.iter().filter(same) {
                match d.column(&c.name) {
                    Some(dc) => out.push_str(&format!(
                        "- Django: `{}.{}` ({}{})\n",
                        d.label,
                        dc.field,
                        dc.kind.map(FieldKind::name).unwrap_or("field"),
                        if dc.nullable { ", null=True" } else { "" }
                    )),
                    None => out.push_str(&format!(
                        "- Django: no field of `{}` has this column\n",
                        d.label
                    )),
                }
            }
            return Some((c.span, out));
        }
        if t.file == file && contains(t.span, offset) {
            let mut out = format!("**{}** (SQLAlchemy table)\n\n", t.qualified_name());
            let cols: Vec<String> = t.columns.iter().map(|c| format!("`{}`", c.name)).collect();
            if !cols.is_empty() {
                out.push_str(&format!("- columns: {}\n", cols.join(", ")));
            }
            for d in dj.tables.iter().filter(same) {
                out.push_str(&format!("- Django: model `{}`\n", d.label));
            }
            return Some((t.span, out));
        }
    }
    None
}

/// What is under the cursor.
pub(crate) enum Target<'a> {
    Model(usize),
    Field(usize, &'a Field),
    /// The `to` of a relation field, resolved (or not) to a model.
    Reference(Span, Option<usize>),
}

pub(crate) fn find<'a>(
    db: &dyn Db,
    project: Project,
    pm: &'a ProjectModel,
    file: SourceFile,
    offset: u32,
) -> Option<Target<'a>> {
    for (i, m) in pm.models.iter().enumerate() {
        if m.file != file || !contains(m.span, offset) {
            continue;
        }
        if contains(m.name_span, offset) {
            return Some(Target::Model(i));
        }
        for f in m.own_fields.iter() {
            if f.file != file || f.auto_created {
                continue;
            }
            if contains(f.name_span, offset) {
                return Some(Target::Field(i, f));
            }
            if f.kind.is_relation()
                && let Some(to) = f.opt("to")
                && contains(to.span, offset)
            {
                return Some(Target::Reference(
                    to.span,
                    resolve_reference(db, project, pm, file, i, to),
                ));
            }
        }
    }
    None
}

/// Hover text (Markdown) and the span it is about.
pub fn hover(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: u32,
) -> Option<(Span, String)> {
    let pm = project_model(db, project);
    let Some(target) = find(db, project, pm, file, offset) else {
        return sqla_hover(db, project, file, offset);
    };
    match target {
        Target::Model(i) => Some((pm.models[i].name_span, model_hover_full(db, project, pm, i))),
        Target::Field(i, f) => Some((f.name_span, field_hover(db, project, pm, i, f))),
        Target::Reference(span, Some(t)) => Some((span, model_hover_full(db, project, pm, t))),
        Target::Reference(_, None) => None,
    }
}

/// Definition of a model reference under the cursor: the origin span and the target.
pub fn definition(
    db: &dyn Db,
    project: Project,
    file: SourceFile,
    offset: u32,
) -> Option<(Span, SourceFile, Span, Span)> {
    let pm = project_model(db, project);
    match find(db, project, pm, file, offset) {
        Some(Target::Reference(span, Some(t))) => {
            let m = &pm.models[t];
            return Some((span, m.file, m.span, m.name_span));
        }
        Some(_) => return None,
        None => {}
    }
    migration_definition(db, project, pm, file, offset)
}

/// The string literal under the cursor, searched through an expression.
fn string_at(e: &Expr, offset: u32) -> Option<&Expr> {
    if !contains(e.span, offset) {
        return None;
    }
    match &e.kind {
        ExprKind::Str(_) => Some(e),
        ExprKind::Call {
            func, args, kwargs, ..
        } => std::iter::once(func.as_ref())
            .chain(args.iter())
            .chain(kwargs.iter().map(|k| &k.value))
            .find_map(|x| string_at(x, offset)),
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => {
            v.iter().find_map(|x| string_at(x, offset))
        }
        ExprKind::Dict(v) => v
            .iter()
            .find_map(|(k, x)| string_at(k, offset).or_else(|| string_at(x, offset))),
        _ => None,
    }
}

/// In a migration file: `("app", "0001_initial")` in `dependencies`/`replaces`/`run_before` goes
/// to that migration; an `"app_label.modelname"` string (`to=`) goes to the model.
fn migration_definition(
    db: &dyn Db,
    project: Project,
    pm: &ProjectModel,
    file: SourceFile,
    offset: u32,
) -> Option<(Span, SourceFile, Span, Span)> {
    let ma = migration_analysis(db, project);
    if !ma.files.iter().any(|m| m.file == file) {
        return None;
    }
    let syntax = djsa_analysis::db::module_syntax(db, file);
    for stmt in &syntax.body {
        let Stmt::Class(class) = stmt else { continue };
        for s in &class.body {
            let Stmt::Assign { targets, value, .. } = s else {
                continue;
            };
            let is_deps = targets.iter().any(|t| {
                matches!(t, SyntaxTarget::Name(n, _) if n == "dependencies" || n == "replaces" || n == "run_before")
            });
            if is_deps {
                for item in value.as_sequence().unwrap_or_default() {
                    if !contains(item.span, offset) {
                        continue;
                    }
                    let pair = item.as_sequence().unwrap_or_default();
                    let (Some(app), Some(name)) = (
                        pair.first().and_then(Expr::as_str),
                        pair.get(1).and_then(Expr::as_str),
                    ) else {
                        continue;
                    };
                    let mut of_app: Vec<_> =
                        ma.files.iter().filter(|m| m.app_label == app).collect();
                    of_app.sort_by(|a, b| a.name.cmp(&b.name));
                    let target = if name == "__first__" {
                        of_app.first()
                    } else if name == "__latest__" {
                        of_app.last()
                    } else {
                        of_app.iter().find(|m| m.name == name)
                    }?;
                    let span = target
                        .parsed
                        .as_ref()
                        .map(|p| p.class_span)
                        .unwrap_or_default();
                    // `class_span` is the span of the class name (`Migration`).
                    return Some((item.span, target.file, span, span));
                }
            }
            if let Some(e) = string_at(value, offset)
                && let Some((app, model)) = e.as_str().and_then(|s| s.split_once('.'))
                && let Some(t) = pm.get_model(app, model)
            {
                let m = &pm.models[t];
                return Some((e.span, m.file, m.span, m.name_span));
            }
        }
    }
    None
}

pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub is_model: bool,
    pub file: SourceFile,
    pub span: Span,
    pub name_span: Span,
    pub container: Option<String>,
    pub children: Vec<Symbol>,
}

fn model_symbol(m: &Model, with_children: bool) -> Symbol {
    Symbol {
        name: m.name.clone(),
        detail: Some(m.label()),
        is_model: true,
        file: m.file,
        span: m.span,
        name_span: m.name_span,
        container: m.app_label.clone(),
        children: if with_children {
            m.own_fields
                .iter()
                .filter(|f| !f.auto_created && f.file == m.file)
                .map(|f| Symbol {
                    name: f.name.clone(),
                    detail: Some(match &f.custom {
                        Some(c) => c.name.clone(),
                        None => f.kind.name().to_string(),
                    }),
                    is_model: false,
                    file: f.file,
                    span: f.span,
                    name_span: f.name_span,
                    container: Some(m.name.clone()),
                    children: Vec::new(),
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// Models of a file with their fields.
pub fn document_symbols(db: &dyn Db, project: Project, file: SourceFile) -> Vec<Symbol> {
    let pm = project_model(db, project);
    pm.models
        .iter()
        .filter(|m| m.file == file)
        .map(|m| model_symbol(m, true))
        .collect()
}

fn fuzzy(query: &str, name: &str) -> bool {
    let mut it = name.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .all(|q| it.any(|c| c == q))
}

/// Models of the whole project (project files first), matching a fuzzy query.
pub fn workspace_symbols(db: &dyn Db, project: Project, query: &str) -> Vec<Symbol> {
    let pm = project_model(db, project);
    let mut out: Vec<(bool, Symbol)> = pm
        .models
        .iter()
        .filter(|m| fuzzy(query, &m.name))
        .map(|m| (m.file.origin(db) != Origin::Project, model_symbol(m, false)))
        .collect();
    out.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
    out.into_iter().take(256).map(|(_, s)| s).collect()
}

pub struct Completion {
    pub label: String,
    pub detail: Option<String>,
    pub is_model: bool,
    /// Replace this span with `insert`.
    pub replace: Span,
    pub insert: String,
}

/// Django's `Meta` option names (django.db.models.options.DEFAULT_NAMES).
pub const META_OPTIONS: &[&str] = &[
    "abstract",
    "app_label",
    "base_manager_name",
    "constraints",
    "db_table",
    "db_table_comment",
    "db_tablespace",
    "default_manager_name",
    "default_permissions",
    "default_related_name",
    "get_latest_by",
    "indexes",
    "managed",
    "order_with_respect_to",
    "ordering",
    "permissions",
    "proxy",
    "required_db_features",
    "required_db_vendor",
    "select_on_save",
    "swappable",
    "unique_together",
    "verbose_name",
    "verbose_name_plural",
];

const RELATION_CALLS: &[&str] = &["ForeignKey", "ManyToManyField", "OneToOneField"];

/// `Field.__init__` keyword options a model field call may give (internal ones left out).
const FIELD_OPTIONS: &[&str] = &[
    "verbose_name",
    "primary_key",
    "max_length",
    "unique",
    "blank",
    "null",
    "db_index",
    "default",
    "editable",
    "unique_for_date",
    "unique_for_month",
    "unique_for_year",
    "choices",
    "help_text",
    "db_column",
    "db_tablespace",
    "validators",
    "error_messages",
    "db_comment",
    "db_default",
];

/// The keyword options of a field class: its own parameters, then `Field`'s.
pub fn field_options(kind: FieldKind) -> Vec<&'static str> {
    use FieldKind as K;
    let own: &[&str] = match kind {
        // OneToOneField passes its keywords on to ForeignKey.
        K::OneToOneField => K::ForeignKey.positional_params(),
        K::CharField | K::TextField => &["db_collation"],
        K::SlugField => &["allow_unicode"],
        K::GeneratedField => &["expression", "output_field", "db_persist"],
        K::CompositePrimaryKey => return Vec::new(),
        K::GenericForeignKey => return kind.positional_params().to_vec(),
        _ => kind.positional_params(),
    };
    let takes_length = kind.is_char_like() || kind.default_max_length().is_some();
    let mut out: Vec<&'static str> = Vec::new();
    for o in own.iter().chain(FIELD_OPTIONS) {
        let internal = matches!(*o, "name" | "rel" | "auto_created" | "serialize");
        if internal || out.contains(o) || (*o == "max_length" && !takes_length) {
            continue;
        }
        out.push(o);
    }
    out
}

/// Inside the argument list of a call: (start of the arguments, callee's last name component).
/// Read from the text (the line may not parse yet); `None` inside a string or a nested bracket.
fn call_at(text: &str, offset: usize) -> Option<(usize, &str)> {
    let window_start = offset.saturating_sub(4000);
    let mut start = window_start;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let bytes = text.as_bytes();
    // Scan forward, tracking brackets and strings, to know the state at `offset`.
    let mut stack: Vec<usize> = Vec::new();
    let mut quote: Option<u8> = None;
    let mut i = start;
    while i < offset {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q || b == b'\n' {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'#' => {
                    while i < offset && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'(' | b'[' | b'{' => stack.push(i),
                b')' | b']' | b'}' => {
                    stack.pop();
                }
                _ => {}
            },
        }
        i += 1;
    }
    if quote.is_some() {
        return None;
    }
    let open = *stack.last()?;
    if bytes[open] != b'(' {
        return None;
    }
    let before = text[..open].trim_end();
    let callee = before
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .next()?;
    let last = callee.rsplit('.').next()?;
    (!last.is_empty()).then_some((open + 1, last))
}

/// Keyword names already given in an argument list (`name=` at the top level).
fn given_keywords(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for ch in args.chars() {
        if let Some(q) = quote {
            if ch == q {
                quote = None;
            }
            continue;
        }
        match ch {
            '"' | '\'' => quote = Some(ch),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => {
                depth -= 1;
                if depth < 0 {
                    break;
                }
            }
            ',' if depth == 0 => current.clear(),
            '=' if depth == 0 => {
                let name = current.trim();
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    out.push(name.to_string());
                }
                current.clear();
            }
            c if depth == 0 => current.push(c),
            _ => {}
        }
    }
    out
}

/// Completion of keyword options inside `models.CharField(|)`.
fn field_option_completion(text: &str, offset: usize) -> Option<Vec<Completion>> {
    let (args_start, callee) = call_at(text, offset)?;
    let kind = FieldKind::from_django_name(callee)?;
    // What is typed since the last `,` / `(`: an identifier prefix, or nothing.
    let since = &text[args_start..offset];
    let typed_from = since
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map(|i| i + 1)
        .unwrap_or(0);
    let typed = &since[typed_from..];
    let before_typed = since[..typed_from].trim_end();
    if !(before_typed.is_empty() || before_typed.ends_with(',')) {
        return None;
    }
    let rest_end = text[offset..]
        .find(['\n'])
        .map(|i| offset + i)
        .unwrap_or(text.len());
    let mut given = given_keywords(since);
    given.extend(given_keywords(&text[offset..rest_end]));
    let start = (args_start + typed_from) as u32;
    Some(
        field_options(kind)
            .into_iter()
            .filter(|o| o.starts_with(typed) && !given.iter().any(|g| g == o))
            .map(|o| Completion {
                label: o.to_string(),
                detail: Some(format!("{} option", kind.name())),
                is_model: false,
                replace: Span::new(start, offset as u32),
                insert: format!("{o}="),
            })
            .collect(),
    )
}

/// Names assigned directly in the `class Meta:` body around `line_start`.
fn meta_names_set(text: &str, line_start: usize) -> Vec<String> {
    let mut meta_line = None;
    let here = indentation(text[line_start..].lines().next().unwrap_or(""));
    let mut end = line_start;
    while end > 0 {
        let pos = text[..end - 1].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let line = &text[pos..end];
        end = pos;
        if line.trim().is_empty() {
            continue;
        }
        if indentation(line) < here {
            let t = line.trim();
            if t.starts_with("class Meta") {
                meta_line = Some((pos, indentation(line)));
            }
            break;
        }
    }
    let Some((start, meta_indent)) = meta_line else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, line) in text[start..].lines().enumerate() {
        if i == 0 || line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if indentation(line) <= meta_indent {
            break;
        }
        let t = line.trim_start();
        if let Some((name, _)) = t.split_once('=') {
            let name = name.trim();
            if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// Inside the string of `ForeignKey("…`: the offset where the string's content starts.
/// Read from the text, so it works while the line does not parse yet.
fn reference_string_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    // The opening quote: the last quote before the cursor with no closing one after it.
    let mut open: Option<usize> = None;
    let mut quote = 0u8;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' || b == b'\'' {
            match open {
                Some(_) if b == quote => open = None,
                Some(_) => {}
                None => {
                    open = Some(i);
                    quote = b;
                }
            }
        }
    }
    let q = open?;
    let before = line[..q].trim_end();
    let before = match before.strip_suffix('=') {
        Some(b) if b.trim_end().ends_with("to") => b.trim_end().strip_suffix("to")?.trim_end(),
        Some(_) => return None,
        None => before,
    };
    let before = before.strip_suffix('(')?.trim_end();
    let call = before
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()?;
    RELATION_CALLS.contains(&call).then_some(q + 1)
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The line being typed is a name at the start of a statement directly inside `class Meta:`.
fn in_meta_body(text: &str, line_start: usize, prefix: &str) -> bool {
    if !prefix
        .trim_start()
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_')
    {
        return false;
    }
    let indent = indentation(prefix);
    if indent == 0 {
        return false;
    }
    for line in text[..line_start].lines().rev() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let ind = indentation(line);
        if ind < indent {
            let t = line.trim();
            return t.starts_with("class Meta") && t.ends_with(':');
        }
        if ind > indent {
            continue;
        }
    }
    false
}

pub fn completion(db: &dyn Db, project: Project, file: SourceFile, offset: u32) -> Vec<Completion> {
    let text = file.text(db);
    let offset = (offset as usize).min(text.len());
    if !text.is_char_boundary(offset) {
        return Vec::new();
    }
    let line_start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let prefix = &text[line_start..offset];
    if let Some(rel) = reference_string_start(prefix) {
        let start = (line_start + rel) as u32;
        let typed = &prefix[rel..];
        let pm = project_model(db, project);
        let here = pm
            .models
            .iter()
            .find(|m| m.file == file && contains(m.span, offset as u32))
            .and_then(|m| m.app_label.clone());
        // Replace the whole string content when the string is already closed on this line.
        let line_end = text[offset..]
            .find('\n')
            .map(|i| offset + i)
            .unwrap_or(text.len());
        let quote = text
            .as_bytes()
            .get(start as usize - 1)
            .copied()
            .unwrap_or(b'"') as char;
        let end = text[offset..line_end]
            .find(quote)
            .map(|i| offset + i)
            .unwrap_or(offset);
        let replace = Span::new(start, end as u32);
        let mut out: Vec<Completion> = Vec::new();
        if "self".starts_with(typed) {
            out.push(Completion {
                label: "self".into(),
                detail: Some("the model itself".into()),
                is_model: true,
                replace,
                insert: "self".into(),
            });
        }
        for (mi, m) in pm.models.iter().enumerate() {
            if !m.registered || m.abstract_ {
                continue;
            }
            let label = m.label();
            let same_app = here.is_some() && m.app_label == here;
            for cand in [Some(label.clone()), same_app.then(|| m.name.clone())]
                .into_iter()
                .flatten()
            {
                let name_part = cand.rsplit('.').next().unwrap_or(&cand).to_lowercase();
                let typed_lower = typed.to_lowercase();
                if cand.to_lowercase().starts_with(&typed_lower)
                    || name_part.starts_with(&typed_lower)
                {
                    out.push(Completion {
                        label: cand.clone(),
                        detail: db_table(pm, mi).map(|t| format!("table {t}")),
                        is_model: true,
                        replace,
                        insert: cand,
                    });
                }
            }
        }
        out.sort_by(|a, b| a.label.cmp(&b.label));
        out.dedup_by(|a, b| a.label == b.label);
        return out;
    }
    if let Some(items) = field_option_completion(text, offset) {
        return items;
    }
    if in_meta_body(text, line_start, prefix) {
        let typed = prefix.trim_start();
        let start = (offset - typed.len()) as u32;
        let set = meta_names_set(text, line_start);
        let version = project_model(db, project).django_version;
        // `index_together` left DEFAULT_NAMES in Django 5.1.
        let old = (version < (5, 1)).then_some("index_together");
        let mut names: Vec<&str> = META_OPTIONS.iter().copied().chain(old).collect();
        names.sort_unstable();
        return names
            .into_iter()
            .filter(|o| o.starts_with(typed) && !set.iter().any(|s| s == o))
            .map(|o| Completion {
                label: (*o).to_string(),
                detail: Some("Meta option".into()),
                is_model: false,
                replace: Span::new(start, offset as u32),
                insert: format!("{o} = "),
            })
            .collect();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_strings() {
        assert_eq!(
            reference_string_start("    a = models.ForeignKey(\"sh"),
            Some(27)
        );
        assert_eq!(reference_string_start("    a = ForeignKey(to='"), Some(23));
        assert_eq!(
            reference_string_start("    a = models.ManyToManyField( 'x"),
            Some(33)
        );
        assert_eq!(reference_string_start("    a = models.CharField(\"x"), None);
        assert_eq!(
            reference_string_start("    a = models.ForeignKey(\"a.B\", related_name=\"x"),
            None
        );
        assert_eq!(
            reference_string_start("    a = models.ForeignKey(\"a.B\")"),
            None
        );
    }

    #[test]
    fn field_call_contexts() {
        let t = "    a = models.CharField(max_length=3, ";
        assert_eq!(call_at(t, t.len()), Some((25, "CharField")));
        let t = "    a = models.CharField(choices=f(";
        assert_eq!(call_at(t, t.len()).map(|c| c.1), Some("f"));
        let t = "    a = models.CharField(help_text=\"(";
        assert_eq!(call_at(t, t.len()), None);
        assert_eq!(
            given_keywords("max_length=3, default=f(a=1), null"),
            ["max_length", "default"]
        );
        let t = "    a = models.CharField(max_length=3, nu";
        let items = field_option_completion(t, t.len()).unwrap_or_default();
        let labels: Vec<&str> = items.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["null"]);
        assert_eq!(items[0].insert, "null=");
        assert_eq!(items[0].replace, Span::new(39, 41));
        let t = "    a = models.IntegerField(";
        let items = field_option_completion(t, t.len()).unwrap_or_default();
        assert!(items.iter().any(|c| c.label == "null"));
        assert!(!items.iter().any(|c| c.label == "max_length"));
        assert!(field_options(FieldKind::ForeignKey).starts_with(&["to", "on_delete"]));
        assert!(field_options(FieldKind::OneToOneField).contains(&"related_name"));
        let t = "    a = models.CharField(max_length=3 ";
        assert!(field_option_completion(t, t.len()).is_none());
    }

    #[test]
    fn meta_names_already_set() {
        let t = "class A(models.Model):\n    class Meta:\n        ordering = []\n        \n        db_table = 'x'\n\n    x = 1\n";
        let ls = t.find("        \n").unwrap_or(0);
        assert_eq!(meta_names_set(t, ls), ["ordering", "db_table"]);
    }

    #[test]
    fn meta_body() {
        let t = "class A(models.Model):\n    x = 1\n\n    class Meta:\n        ord";
        let ls = t.rfind('\n').map(|i| i + 1).unwrap_or(0);
        assert!(in_meta_body(t, ls, &t[ls..]));
        let t = "class A(models.Model):\n    ord";
        let ls = t.rfind('\n').map(|i| i + 1).unwrap_or(0);
        assert!(!in_meta_body(t, ls, &t[ls..]));
    }
}
