//! The SQLAlchemy table index: every Core `Table` and every declarative mapped class of the project,
//! resolved to tables and columns with SQLAlchemy's own defaulting rules.
//!
//! Honesty: a construct djsa cannot read (a computed `__tablename__`, a column made by a helper
//! function, a `declared_attr` body, a project `TypeDecorator`) is skipped with a note, and the
//! table (or the whole index) is marked incomplete so checks that need the full picture stay silent.

use rustc_hash::FxHashMap;

use crate::db::{Db, Project, SourceFile, module_syntax};
use crate::project::Note;
use crate::resolve::{ClassId, Resolved, Resolver, module_classes};
use crate::span::Span;
use crate::syntax::{ClassDef, Expr, ExprKind, Stmt, Target};

use super::types::{self, SqlType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Database column name.
    pub name: String,
    /// Python attribute name on the mapped class (declarative only).
    pub attr: Option<String>,
    pub ty: SqlType,
    /// As the database sees it: primary key columns are NOT NULL whatever `nullable=` says.
    pub nullable: bool,
    pub primary_key: bool,
    pub unique: bool,
    pub index: bool,
    /// `autoincrement=` when given literally.
    pub autoincrement: Option<bool>,
    /// `server_default=` source (string literal contents, or the expression text kind).
    pub server_default: Option<String>,
    pub has_default: bool,
    /// `default=` when it is a literal, as Python source (`'draft'`, `0`, `True`).
    pub default: Option<String>,
    pub identity: bool,
    pub sequence: Option<String>,
    pub computed: Option<String>,
    pub comment: Option<String>,
    /// `Mapped[X]` whose Python type X conflicts with the explicit column type (X's name).
    pub annotation_conflict: Option<String>,
    /// The class that declares it when it is not the table's own class (STI subclass, mixin).
    pub declared_by: Option<String>,
    pub file: SourceFile,
    /// The attribute name (declarative) or the column name literal (Core).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyDef {
    pub columns: Vec<String>,
    /// Target table as written or resolved: `"t"` or `"schema.t"`; `None` when not readable.
    pub target_table: Option<String>,
    pub target_columns: Vec<String>,
    pub ondelete: Option<String>,
    pub file: SourceFile,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDef {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub unique: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub schema: Option<String>,
    /// Identity of the `MetaData` the table belongs to (djsa's key, stable per source location).
    pub metadata: String,
    pub file: SourceFile,
    /// The table name literal (Core) or the class name (declarative).
    pub span: Span,
    /// Mapped class that owns the table (index into [`SqlaIndex::classes`]).
    pub class: Option<usize>,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// Unique constraints (single-column `unique=True` included).
    pub uniques: Vec<Vec<String>>,
    pub indexes: Vec<IndexDef>,
    pub foreign_keys: Vec<ForeignKeyDef>,
    pub comment: Option<String>,
    /// Something on this table could not be read: its column list may be partial.
    pub incomplete: bool,
    /// Declared with Core `Table(...)`.
    pub core: bool,
    /// The Python variable a Core table is assigned to.
    pub var: Option<String>,
    /// `extend_existing=`/`keep_existing=` given: a second definition of the name is allowed.
    pub extend_existing: bool,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
    pub fn qualified_name(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }
    /// Whether a set of columns is covered by the primary key or a unique constraint.
    pub fn is_unique_set(&self, cols: &[String]) -> bool {
        let same = |a: &[String]| a.len() == cols.len() && a.iter().all(|c| cols.contains(c));
        same(&self.primary_key)
            || self.uniques.iter().any(|u| same(u))
            || self.indexes.iter().any(|i| i.unique && same(&i.columns))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    pub attr: String,
    /// Target class name (last component).
    pub target: Option<String>,
    pub back_populates: Option<String>,
    pub backref: Option<String>,
    /// Table name of `secondary=`.
    pub secondary: Option<String>,
    pub file: SourceFile,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedClass {
    pub name: String,
    pub id: ClassId,
    pub file: SourceFile,
    pub name_span: Span,
    pub metadata: String,
    /// The table it maps (its own, or the STI parent's).
    pub table: Option<usize>,
    /// Single-table inheritance: the mapped parent whose table it shares.
    pub sti_parent: Option<usize>,
    /// Joined inheritance: the mapped parent (with its own table).
    pub joined_parent: Option<usize>,
    /// (attribute, column name) of its column attributes.
    pub attrs: Vec<(String, String)>,
    pub relationships: Vec<Relationship>,
    /// `__mapper_args__` names `primary_key`.
    pub mapper_primary_key: bool,
    pub incomplete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SqlaIndex {
    pub tables: Vec<Table>,
    pub classes: Vec<MappedClass>,
    pub notes: Vec<Note>,
    /// Some table or mapped class was skipped entirely (e.g. a computed `__tablename__`): a table
    /// not found may still exist.
    pub incomplete: bool,
}

impl SqlaIndex {
    pub fn find_table(&self, qualified: &str) -> Option<usize> {
        let (schema, name) = match qualified.rsplit_once('.') {
            Some((s, n)) => (Some(s), n),
            None => (None, qualified),
        };
        self.tables
            .iter()
            .position(|t| t.name == name && t.schema.as_deref() == schema)
            .or_else(|| {
                if schema.is_none() {
                    self.tables.iter().position(|t| t.name == name)
                } else {
                    None
                }
            })
    }
    pub fn class_by_name(&self, name: &str) -> Option<usize> {
        let last = name.rsplit('.').next().unwrap_or(name);
        self.classes.iter().position(|c| c.name == last)
    }
}

/// Whether a file imports SQLAlchemy (the discovery rule: no configuration needed).
pub fn imports_sqlalchemy(db: &dyn Db, file: SourceFile) -> bool {
    fn walk(stmts: &[Stmt]) -> bool {
        stmts.iter().any(|s| match s {
            Stmt::Import { module, .. } => {
                module == "sqlalchemy" || module.starts_with("sqlalchemy.")
            }
            Stmt::ImportFrom {
                module: Some(m),
                level: 0,
                ..
            } => m == "sqlalchemy" || m.starts_with("sqlalchemy."),
            Stmt::If { body, orelse, .. } => walk(body) || walk(orelse),
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                ..
            } => walk(body) || handlers.iter().any(|h| walk(h)) || walk(orelse) || walk(finalbody),
            _ => false,
        })
    }
    walk(&module_syntax(db, file).body)
}

#[salsa::tracked(returns(ref))]
pub fn sqla_tables(db: &dyn Db, project: Project) -> SqlaIndex {
    let resolver = Resolver::new(db, project);
    let files = discovered_files(db, project);
    let mut b = Builder {
        db,
        r: &resolver,
        out: SqlaIndex::default(),
        kinds: FxHashMap::default(),
        table_calls: FxHashMap::default(),
        pending: Vec::new(),
    };
    for &f in &files {
        b.core_tables(f);
    }
    for &f in &files {
        for (i, _) in module_classes(db, f).iter().enumerate() {
            b.classify(ClassId {
                file: f,
                index: i as u32,
            });
        }
    }
    b.finish();
    b.out
}

/// Project files read for SQLAlchemy declarations: those that import `sqlalchemy`, plus (to a fixed
/// point) those that import from such a project module (`from .db import Base, Column`).
pub fn discovered_files(db: &dyn Db, project: Project) -> Vec<SourceFile> {
    if let Some(patterns) = &project.config(db).sqlalchemy_modules {
        // Configured: exactly these modules, whatever they import.
        return project
            .files(db)
            .iter()
            .copied()
            .filter(|f| {
                f.origin(db) == crate::db::Origin::Project
                    && f.module(db).as_deref().is_some_and(|m| {
                        patterns.iter().any(|p| crate::config::module_matches(m, p))
                    })
            })
            .collect();
    }
    let candidates: Vec<SourceFile> = project
        .files(db)
        .iter()
        .copied()
        .filter(|f| f.origin(db) == crate::db::Origin::Project && !is_migration_file(f.path(db)))
        .collect();
    let mut on: Vec<bool> = candidates
        .iter()
        .map(|f| imports_sqlalchemy(db, *f))
        .collect();
    let imported = |f: SourceFile| -> Vec<String> {
        crate::resolve::module_imports(db, f)
            .iter()
            .map(|i| i.module.clone())
            .collect()
    };
    let imports: Vec<Vec<String>> = candidates.iter().map(|f| imported(*f)).collect();
    for _ in 0..10 {
        let names: rustc_hash::FxHashSet<&str> = candidates
            .iter()
            .zip(&on)
            .filter(|(_, o)| **o)
            .filter_map(|(f, _)| f.module(db).as_deref())
            .collect();
        let mut changed = false;
        for (i, imps) in imports.iter().enumerate() {
            if !on[i] && imps.iter().any(|m| names.contains(m.as_str())) {
                on[i] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    candidates
        .into_iter()
        .zip(on)
        .filter(|(_, o)| *o)
        .map(|(f, _)| f)
        .collect()
}

/// Alembic revision files and Django migrations carry their own table snapshots.
fn is_migration_file(path: &str) -> bool {
    let p = path.replace('\\', "/");
    p.contains("/versions/")
        || p.starts_with("versions/")
        || p.contains("/migrations/")
        || p.starts_with("migrations/")
}

/// A foreign key target before every table is known.
#[derive(Debug, Clone)]
enum FkSpec {
    Str(String),
    ClassAttr(ClassId, String),
    Table(usize, String),
}

#[derive(Debug, Clone)]
struct DeclCtx {
    metadata: String,
    typemap: Vec<(String, SqlType)>,
    typemap_partial: bool,
}

#[derive(Debug, Clone)]
enum Kind {
    InProgress,
    /// Not a declarative class: a plain mixin (its members are copied to mapped subclasses).
    Plain,
    Base(DeclCtx),
    Abstract(DeclCtx),
    Mapped(DeclCtx, usize),
    /// Mapped but skipped (computed table name...).
    Skipped,
}

struct Builder<'a> {
    db: &'a dyn Db,
    r: &'a Resolver<'a>,
    out: SqlaIndex,
    kinds: FxHashMap<ClassId, Kind>,
    /// (file, span start of a `Table(...)` call) -> table index.
    table_calls: FxHashMap<(SourceFile, u32), usize>,
    /// (table, fk index, spec per column)
    pending: Vec<(usize, usize, Vec<FkSpec>)>,
}

const MAX_DEPTH: u32 = 30;

fn sa_last(q: &str) -> Option<&str> {
    if q == "sqlalchemy" || q.starts_with("sqlalchemy.") {
        q.rsplit('.').next()
    } else {
        None
    }
}

/// Names a SQLAlchemy column constructor? (`Column`, `mapped_column`)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColCtor {
    Column,
    MappedColumn,
}

impl<'a> Builder<'a> {
    fn note(&mut self, file: SourceFile, span: Span, message: impl Into<String>) {
        self.out.notes.push(Note {
            file: Some(file),
            span,
            message: message.into(),
        });
    }

    /// Qualified name of what an expression names, for external (or library) objects.
    fn qualified(&self, file: SourceFile, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Name(_) => {}
            ExprKind::Subscript { value, .. } => return self.qualified(file, value),
            _ => return None,
        }
        match self.r.resolve_expr(file, e) {
            Resolved::External(q) => Some(q),
            Resolved::Class(id) if id.file.origin(self.db) == crate::db::Origin::Library => {
                let m = id.file.module(self.db).as_ref()?;
                let c = self.r.class_def(id)?;
                Some(format!("{m}.{}", c.name))
            }
            _ => None,
        }
    }

    fn sa_name(&self, file: SourceFile, e: &Expr) -> Option<String> {
        let q = self.qualified(file, e)?;
        sa_last(&q).map(str::to_string)
    }

    fn call_sa_name(&self, file: SourceFile, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Call { func, .. } => self.sa_name(file, func),
            _ => None,
        }
    }

    fn col_ctor(&self, file: SourceFile, e: &Expr) -> Option<ColCtor> {
        match self.call_sa_name(file, e)?.as_str() {
            "Column" => Some(ColCtor::Column),
            "mapped_column" => Some(ColCtor::MappedColumn),
            _ => None,
        }
    }

    /// Key of a metadata expression (`metadata`, `Base.metadata`, `reg.metadata`, `MetaData()`).
    fn metadata_key(&mut self, file: SourceFile, e: &Expr, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match &e.kind {
            ExprKind::Call { func, .. } => {
                let last = self.sa_name(file, func)?;
                match last.as_str() {
                    "MetaData" => Some(value_key(self.db, file, e)),
                    "declarative_base" | "registry" => match e.kwarg("metadata") {
                        Some(m) => self.metadata_key(file, m, depth + 1),
                        None => Some(value_key(self.db, file, e)),
                    },
                    _ => None,
                }
            }
            ExprKind::Name(n) => {
                // `X.metadata`, `X.generate_base()` bases handled by the caller.
                if let Some(prefix) = n.strip_suffix(".metadata") {
                    return self.base_key_of_name(file, prefix, depth + 1);
                }
                match self.r.resolve_name(file, n) {
                    Resolved::Value(vf, v) => self.metadata_key(vf, &v, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The metadata key of a declarative base or registry named `name` in `file`.
    fn base_key_of_name(&mut self, file: SourceFile, name: &str, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.r.resolve_name(file, name) {
            Resolved::Class(id) => match self.classify(id) {
                Kind::Base(c) | Kind::Abstract(c) | Kind::Mapped(c, _) => Some(c.metadata),
                _ => None,
            },
            Resolved::Value(vf, v) => self.base_value_key(vf, &v, depth + 1),
            _ => None,
        }
    }

    /// `declarative_base()`, `registry()`, `reg.generate_base()`, `MetaData()` values.
    fn base_value_key(&mut self, file: SourceFile, v: &Expr, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let ExprKind::Call { func, .. } = &v.kind else {
            return None;
        };
        if let ExprKind::Name(n) = &func.kind
            && let Some(prefix) = n.strip_suffix(".generate_base")
        {
            return self.base_key_of_name(file, prefix, depth + 1);
        }
        self.metadata_key(file, v, depth + 1)
    }

    // ---------------------------------------------------------------- Core tables

    fn core_tables(&mut self, file: SourceFile) {
        let db = self.db;
        fn walk<'s>(stmts: &'s [Stmt], out: &mut Vec<(Option<&'s str>, &'s Expr)>) {
            for s in stmts {
                match s {
                    Stmt::Assign { targets, value, .. } => {
                        let name = match targets.first() {
                            Some(Target::Name(n, _)) => Some(n.as_str()),
                            _ => None,
                        };
                        out.push((name, value));
                    }
                    Stmt::If { body, orelse, .. } => {
                        walk(body, out);
                        walk(orelse, out);
                    }
                    Stmt::Try {
                        body,
                        orelse,
                        finalbody,
                        ..
                    } => {
                        walk(body, out);
                        walk(orelse, out);
                        walk(finalbody, out);
                    }
                    _ => {}
                }
            }
        }
        let mut assigns = Vec::new();
        walk(&module_syntax(db, file).body, &mut assigns);
        for (var, value) in assigns {
            if self.call_sa_name(file, value).as_deref() == Some("Table") {
                self.core_table(file, value, var, None);
            }
        }
    }

    /// A `Table("name", metadata, ...)` call. Returns the table index.
    fn core_table(
        &mut self,
        file: SourceFile,
        call: &Expr,
        var: Option<&str>,
        class: Option<usize>,
    ) -> Option<usize> {
        if let Some(&i) = self.table_calls.get(&(file, call.span.start)) {
            return Some(i);
        }
        let ExprKind::Call {
            args, has_splat, ..
        } = &call.kind
        else {
            return None;
        };
        let name_expr = args.first()?;
        let Some(name) = name_expr.as_str() else {
            self.note(file, call.span, "Table(...) with a computed name: skipped");
            self.out.incomplete = true;
            return None;
        };
        let metadata = match args.get(1) {
            Some(m) => self
                .metadata_key(file, m, 0)
                .unwrap_or_else(|| format!("?{}", value_key(self.db, file, m))),
            None => "?".into(),
        };
        let mut table = Table {
            name: name.to_string(),
            schema: call
                .kwarg("schema")
                .and_then(Expr::as_str)
                .map(str::to_string),
            metadata,
            file,
            span: name_expr.span,
            class,
            columns: Vec::new(),
            primary_key: Vec::new(),
            uniques: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            comment: call
                .kwarg("comment")
                .and_then(Expr::as_str)
                .map(str::to_string),
            incomplete: *has_splat,
            core: true,
            var: var.map(str::to_string),
            extend_existing: ["extend_existing", "keep_existing"]
                .iter()
                .any(|k| call.kwarg(k).is_some_and(|v| v.as_bool() != Some(false))),
        };
        if *has_splat {
            self.note(
                file,
                call.span,
                format!("Table '{name}': *args/**kwargs not followed; columns may be missing"),
            );
        }
        let idx = self.out.tables.len();
        self.table_calls.insert((file, call.span.start), idx);
        let mut pend: Vec<(usize, Vec<FkSpec>)> = Vec::new();
        let mut constraints: Vec<&Expr> = Vec::new();
        for a in args.iter().skip(2) {
            match self.col_ctor(file, a) {
                Some(ctor) => {
                    let Some(d) = self.column(file, a, None, a.span, None, ctor, None) else {
                        table.incomplete = true;
                        continue;
                    };
                    self.add_column(&mut table, d, &mut pend, None);
                }
                None => constraints.push(a),
            }
        }
        for c in constraints {
            self.constraint(file, c, &mut table, &mut pend, None);
        }
        self.out.tables.push(table);
        for (fk, specs) in pend {
            self.pending.push((idx, fk, specs));
        }
        Some(idx)
    }

    /// Add a parsed column to a table (skipping a name the table already has).
    fn add_column(
        &mut self,
        table: &mut Table,
        d: ColDraft,
        pend: &mut Vec<(usize, Vec<FkSpec>)>,
        declared_by: Option<&str>,
    ) {
        if table.columns.iter().any(|c| c.name == d.col.name) {
            return;
        }
        let mut col = d.col;
        col.declared_by = declared_by.map(str::to_string);
        if col.primary_key {
            table.primary_key.push(col.name.clone());
        }
        if col.unique {
            table.uniques.push(vec![col.name.clone()]);
        }
        if col.index {
            table.indexes.push(IndexDef {
                name: None,
                columns: vec![col.name.clone()],
                unique: col.unique,
            });
        }
        for (spec, ondelete, span) in d.fks {
            pend.push((table.foreign_keys.len(), vec![spec]));
            table.foreign_keys.push(ForeignKeyDef {
                columns: vec![col.name.clone()],
                target_table: None,
                target_columns: Vec::new(),
                ondelete,
                file: col.file,
                span,
            });
        }
        table.columns.push(col);
    }

    /// A positional `Table` argument or `__table_args__` element that is not a column.
    /// `attrs`: (attribute, column) of the class for name references.
    fn constraint(
        &mut self,
        file: SourceFile,
        e: &Expr,
        table: &mut Table,
        pend: &mut Vec<(usize, Vec<FkSpec>)>,
        attrs: Option<&[(String, String)]>,
    ) {
        let ExprKind::Call { args, .. } = &e.kind else {
            if let ExprKind::Dict(pairs) = &e.kind {
                for (k, v) in pairs {
                    match k.as_str() {
                        Some("schema") => table.schema = v.as_str().map(str::to_string),
                        Some("comment") => table.comment = v.as_str().map(str::to_string),
                        Some("extend_existing" | "keep_existing") => {
                            table.extend_existing |= v.as_bool() != Some(false)
                        }
                        _ => {}
                    }
                }
                return;
            }
            self.note(
                file,
                e.span,
                format!("table '{}': argument not understood; skipped", table.name),
            );
            table.incomplete = true;
            return;
        };
        let colref = |x: &Expr| -> Option<String> {
            let s = match &x.kind {
                ExprKind::Str(s) => s.clone(),
                ExprKind::Name(n) => n.rsplit('.').next().unwrap_or(n).to_string(),
                _ => return None,
            };
            if let Some(attrs) = attrs
                && let Some((_, c)) = attrs.iter().find(|(a, _)| *a == s)
            {
                return Some(c.clone());
            }
            Some(s)
        };
        let kind = self.call_sa_name(file, e);
        match kind.as_deref() {
            Some("UniqueConstraint") => {
                let cols: Option<Vec<String>> = args.iter().map(colref).collect();
                match cols {
                    Some(c) if !c.is_empty() => table.uniques.push(c),
                    _ => table.incomplete = true,
                }
            }
            Some("PrimaryKeyConstraint") => {
                let cols: Option<Vec<String>> = args.iter().map(colref).collect();
                match cols {
                    Some(c) if !c.is_empty() => {
                        for c in &c {
                            if let Some(col) = table.columns.iter_mut().find(|x| &x.name == c) {
                                col.primary_key = true;
                                col.nullable = false;
                            }
                        }
                        table.primary_key = c;
                    }
                    _ => table.incomplete = true,
                }
            }
            Some("Index") => {
                let name = args.first().and_then(Expr::as_str).map(str::to_string);
                // Expression elements (`text("x DESC")`, `func.lower(...)`) are not columns; the
                // index keeps its column elements, as SQLAlchemy's `Index.columns` does, and is
                // not taken as a uniqueness guarantee for them.
                let elems: Vec<Option<String>> = args
                    .iter()
                    .skip(1)
                    .map(|x| match &x.kind {
                        ExprKind::Str(_) | ExprKind::Name(_) => colref(x),
                        _ => None,
                    })
                    .collect();
                let all_columns = elems.iter().all(Option::is_some);
                table.indexes.push(IndexDef {
                    name,
                    columns: elems.into_iter().flatten().collect(),
                    unique: all_columns
                        && e.kwarg("unique").and_then(Expr::as_bool).unwrap_or(false),
                });
            }
            Some("ForeignKeyConstraint") => {
                let local: Option<Vec<String>> = args
                    .first()
                    .and_then(Expr::as_sequence)
                    .and_then(|s| s.iter().map(colref).collect());
                let remote: Option<Vec<FkSpec>> = args
                    .get(1)
                    .and_then(Expr::as_sequence)
                    .and_then(|s| s.iter().map(|x| self.fk_spec(file, x)).collect());
                match (local, remote) {
                    (Some(l), Some(r)) if l.len() == r.len() && !l.is_empty() => {
                        pend.push((table.foreign_keys.len(), r));
                        table.foreign_keys.push(ForeignKeyDef {
                            columns: l,
                            target_table: None,
                            target_columns: Vec::new(),
                            ondelete: e
                                .kwarg("ondelete")
                                .and_then(Expr::as_str)
                                .map(str::to_string),
                            file,
                            span: e.span,
                        });
                    }
                    _ => {
                        self.note(file, e.span, "ForeignKeyConstraint not understood; skipped");
                        table.incomplete = true;
                    }
                }
            }
            Some("CheckConstraint") => {}
            _ => {
                self.note(
                    file,
                    e.span,
                    format!("table '{}': argument not understood; skipped", table.name),
                );
                table.incomplete = true;
            }
        }
    }

    fn fk_spec(&self, file: SourceFile, e: &Expr) -> Option<FkSpec> {
        match &e.kind {
            ExprKind::Str(s) => Some(FkSpec::Str(s.clone())),
            ExprKind::Name(n) => {
                let (prefix, col) = n.rsplit_once('.')?;
                if let Some(var) = prefix
                    .strip_suffix(".c")
                    .or_else(|| prefix.strip_suffix(".columns"))
                {
                    if let Resolved::Value(vf, v) = self.r.resolve_name(file, var)
                        && let Some(&t) = self.table_calls.get(&(vf, v.span.start))
                    {
                        return Some(FkSpec::Table(t, col.to_string()));
                    }
                    return None;
                }
                match self.r.resolve_name(file, prefix) {
                    Resolved::Class(id) => Some(FkSpec::ClassAttr(id, col.to_string())),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    // ---------------------------------------------------------------- columns

    /// Parse a `Column(...)`/`mapped_column(...)` call (or an annotation alone when `call` is an
    /// annotation-only attribute: pass the annotation as `ann` and `ctor` MappedColumn with a
    /// dummy call).
    #[allow(clippy::too_many_arguments)]
    fn column(
        &mut self,
        file: SourceFile,
        call: &Expr,
        attr: Option<&str>,
        span: Span,
        ann: Option<&Expr>,
        ctor: ColCtor,
        ctx: Option<&DeclCtx>,
    ) -> Option<ColDraft> {
        let mut d = Draft::default();
        let mut ann_info: Option<AnnInfo> = None;
        if ctor == ColCtor::MappedColumn
            && let Some(a) = ann
            && let Some(info) = self.mapped_annotation(file, a, ctx)
        {
            if info.relation {
                self.note(
                    file,
                    span,
                    format!(
                        "attribute '{}': Mapped[...] of a class without relationship(); skipped",
                        attr.unwrap_or("?")
                    ),
                );
                return None;
            }
            for (f, c) in &info.annotated_calls {
                self.parse_call_into(&mut d, *f, c);
            }
            ann_info = Some(info);
        }
        if let ExprKind::Call { .. } = &call.kind {
            self.parse_call_into(&mut d, file, call);
        }
        if d.unknown_args {
            self.note(
                file,
                span,
                format!(
                    "column '{}': an argument was not understood; skipped",
                    attr.or(d.name.as_deref()).unwrap_or("?")
                ),
            );
            return None;
        }
        let name = d.name.clone().or_else(|| attr.map(str::to_string))?;
        let pk = d.primary_key.unwrap_or(false);
        let explicit_nullable = d.nullable;
        let nullable = if pk {
            false
        } else if let Some(n) = explicit_nullable {
            n
        } else if let Some(a) = &ann_info {
            a.optional
        } else {
            true
        };
        let mut type_from_fk = false;
        let ty = match d.ty.clone() {
            Some(t) => t,
            None => match ann_info.as_ref().and_then(|a| a.ty.clone()) {
                Some(t) => t,
                None => {
                    if let Some(a) = &ann_info
                        && let Some(why) = &a.unknown
                    {
                        SqlType::Unknown(why.clone())
                    } else if !d.fks.is_empty() {
                        type_from_fk = true;
                        SqlType::Unknown("type of the referenced column".into())
                    } else {
                        SqlType::Other("NullType".into())
                    }
                }
            },
        };
        if let SqlType::Unknown(why) = &ty
            && !type_from_fk
        {
            self.note(
                file,
                span,
                format!("column '{name}': type not understood ({why})"),
            );
        }
        let ann_conflict = match (&ann_info, &d.ty) {
            (Some(a), Some(t)) => a.canonical.as_deref().and_then(|c| {
                (types::annotation_compatible(c, t) == Some(false)).then(|| c.to_string())
            }),
            _ => None,
        };
        Some(ColDraft {
            col: Column {
                name,
                attr: attr.map(str::to_string),
                ty,
                nullable,
                primary_key: pk,
                unique: d.unique.unwrap_or(false),
                index: d.index.unwrap_or(false),
                autoincrement: d.autoincrement,
                server_default: d.server_default,
                has_default: d.has_default,
                default: d.default,
                identity: d.identity,
                sequence: d.sequence,
                computed: d.computed,
                comment: d.comment,
                annotation_conflict: ann_conflict,
                declared_by: None,
                file,
                span,
            },
            fks: d.fks,
            type_from_fk,
        })
    }

    fn parse_call_into(&mut self, d: &mut Draft, file: SourceFile, call: &Expr) {
        let ExprKind::Call {
            args,
            kwargs,
            has_splat,
            ..
        } = &call.kind
        else {
            return;
        };
        if *has_splat {
            d.unknown_args = true;
        }
        for (i, a) in args.iter().enumerate() {
            if i == 0
                && let Some(s) = a.as_str()
            {
                d.name = Some(s.to_string());
                continue;
            }
            let (head, is_call) = match &a.kind {
                ExprKind::Call { func, .. } => (func.as_ref(), true),
                ExprKind::Name(_) => (a, false),
                _ => {
                    d.unknown_args = true;
                    continue;
                }
            };
            // `Integer().with_variant(...)`, or a module-level alias of a type.
            if self.sa_name(file, head).is_none()
                && let Some(t) = self.type_from_expr(file, a, 0)
            {
                d.ty = Some(t);
                continue;
            }
            let Some(last) = self.sa_name(file, head) else {
                // A project TypeDecorator or helper: the type is not known.
                match self.r.resolve_expr(file, head) {
                    Resolved::Class(id) => {
                        let n = self
                            .r
                            .class_def(id)
                            .map(|c| c.name.clone())
                            .unwrap_or_default();
                        d.ty = Some(
                            self.project_type(id)
                                .unwrap_or(SqlType::Unknown(format!("custom type {n}"))),
                        );
                    }
                    _ => d.unknown_args = true,
                }
                continue;
            };
            let resolved_call = if is_call {
                self.resolve_consts(file, a)
            } else {
                a.clone()
            };
            match last.as_str() {
                "ForeignKey" if is_call => {
                    let spec = match &a.kind {
                        ExprKind::Call { args: fa, .. } => {
                            fa.first().and_then(|x| self.fk_spec(file, x))
                        }
                        _ => None,
                    };
                    match spec {
                        Some(s) => d.fks.push((
                            s,
                            a.kwarg("ondelete")
                                .and_then(Expr::as_str)
                                .map(str::to_string),
                            a.span,
                        )),
                        None => d.unknown_args = true,
                    }
                }
                "Identity" => d.identity = true,
                "Sequence" => {
                    d.sequence = match &a.kind {
                        ExprKind::Call { args: sa, .. } => {
                            sa.first().and_then(Expr::as_str).map(str::to_string)
                        }
                        _ => None,
                    }
                }
                "Computed" => {
                    d.computed = Some(match &a.kind {
                        ExprKind::Call { args: ca, .. } => {
                            ca.first().and_then(Expr::as_str).unwrap_or("?").to_string()
                        }
                        _ => "?".into(),
                    })
                }
                "FetchedValue" | "DefaultClause" => d.server_default = Some("(server side)".into()),
                other => match types::from_sa_name(
                    other,
                    if is_call { Some(&resolved_call) } else { None },
                ) {
                    Some(t) => {
                        let t = if let (
                            SqlType::Enum { values: None },
                            ExprKind::Call { args: ea, .. },
                        ) = (&t, &a.kind)
                        {
                            match ea.first() {
                                Some(x) => SqlType::Enum {
                                    values: self.enum_members(file, x),
                                },
                                None => t,
                            }
                        } else {
                            t
                        };
                        d.ty = Some(t);
                    }
                    None => d.ty = Some(SqlType::Unknown(format!("sqlalchemy {other}"))),
                },
            }
        }
        for k in kwargs {
            let v = &k.value;
            match k.name.as_str() {
                "name" => d.name = v.as_str().map(str::to_string).or(d.name.take()),
                "type_" => {
                    let head = match &v.kind {
                        ExprKind::Call { func, .. } => func.as_ref(),
                        _ => v,
                    };
                    d.ty = Some(
                        self.sa_name(file, head)
                            .and_then(|n| {
                                types::from_sa_name(
                                    &n,
                                    matches!(v.kind, ExprKind::Call { .. }).then_some(v),
                                )
                            })
                            .unwrap_or(SqlType::Unknown("type_=".into())),
                    );
                }
                "primary_key" => {
                    d.primary_key = Some(v.as_bool().unwrap_or_else(|| {
                        d.unknown_args = true;
                        false
                    }))
                }
                "nullable" => {
                    d.nullable = Some(v.as_bool().unwrap_or_else(|| {
                        d.unknown_args = true;
                        true
                    }))
                }
                "unique" => {
                    d.unique = v
                        .as_bool()
                        .or(if v.is_none() { Some(false) } else { None })
                        .or_else(|| {
                            d.unknown_args = true;
                            None
                        })
                }
                "index" => {
                    d.index = v
                        .as_bool()
                        .or(if v.is_none() { Some(false) } else { None })
                        .or_else(|| {
                            d.unknown_args = true;
                            None
                        })
                }
                "autoincrement" => d.autoincrement = v.as_bool(),
                "server_default" => {
                    d.server_default = Some(match &v.kind {
                        ExprKind::Str(s) => s.clone(),
                        ExprKind::Call { func, args, .. } => {
                            let f = match &func.kind {
                                ExprKind::Name(n) => n.clone(),
                                _ => "?".into(),
                            };
                            match args.first().and_then(Expr::as_str) {
                                Some(s) if f.ends_with("text") => s.to_string(),
                                _ => format!("{f}()"),
                            }
                        }
                        _ => "?".into(),
                    })
                }
                "default" | "insert_default" => {
                    d.has_default = true;
                    d.default = python_literal(v).or_else(|| {
                        // `default=uuid.uuid4` (a callable Django can use as is).
                        if let ExprKind::Name(n) = &v.kind
                            && let Resolved::External(q) = self.r.resolve_name(file, n)
                            && q == "uuid.uuid4"
                        {
                            return Some("uuid.uuid4".into());
                        }
                        // `default=Status.active`: SQLAlchemy stores the member name.
                        let ExprKind::Name(n) = &v.kind else {
                            return None;
                        };
                        let (prefix, member) = n.rsplit_once('.')?;
                        let enum_expr = Expr {
                            kind: ExprKind::Name(prefix.to_string()),
                            span: v.span,
                        };
                        let members = self.enum_members(file, &enum_expr)?;
                        members.iter().any(|m| m == member).then(|| py_str(member))
                    });
                }
                "default_factory" => d.has_default = true,
                "comment" => d.comment = v.as_str().map(str::to_string),
                _ => {}
            }
        }
    }

    /// A column type given as an expression other than `Type`/`Type(...)`: a module-level alias
    /// (`MyInt = sa.Integer().with_variant(sa.BigInteger, "mssql")`) or a `.with_variant(...)` chain.
    fn type_from_expr(&self, file: SourceFile, e: &Expr, depth: u32) -> Option<SqlType> {
        if depth > MAX_DEPTH {
            return None;
        }
        match &e.kind {
            ExprKind::Name(n) => match self.r.resolve_name(file, n) {
                Resolved::Value(vf, v) => self.type_from_expr(vf, &v, depth + 1),
                Resolved::External(_) => {
                    let last = self.sa_name(file, e)?;
                    types::from_sa_name(&last, None)
                }
                _ => None,
            },
            ExprKind::Call { func, args, .. } => match &func.kind {
                // `MutableDict.as_mutable(JSON)` is the JSON type.
                ExprKind::Name(n)
                    if n.ends_with(".as_mutable")
                        && self
                            .qualified(file, func)
                            .is_some_and(|q| q.starts_with("sqlalchemy.")) =>
                {
                    self.type_from_expr(file, args.first()?, depth + 1)
                        .or_else(|| {
                            let a0 = args.first()?;
                            let head = match &a0.kind {
                                ExprKind::Call { func, .. } => func.as_ref(),
                                _ => a0,
                            };
                            let last = self.sa_name(file, head)?;
                            types::from_sa_name(
                                &last,
                                matches!(a0.kind, ExprKind::Call { .. }).then_some(a0),
                            )
                        })
                }
                ExprKind::Attribute { value, attr }
                    if attr == "with_variant" || attr == "evaluates_none" =>
                {
                    self.type_from_expr(file, value, depth + 1)
                }
                ExprKind::Name(n)
                    if n.ends_with(".with_variant") || n.ends_with(".evaluates_none") =>
                {
                    let base = n.rsplit_once('.')?.0;
                    let be = Expr {
                        kind: ExprKind::Name(base.to_string()),
                        span: e.span,
                    };
                    self.type_from_expr(file, &be, depth + 1)
                }
                _ => {
                    let last = self.sa_name(file, func)?;
                    types::from_sa_name(&last, Some(&self.resolve_consts(file, e)))
                }
            },
            _ => None,
        }
    }

    /// A call with module-level constant arguments (`String(MAX_LEN)`) replaced by their literal
    /// values, so type parameters can be read.
    fn resolve_consts(&self, file: SourceFile, call: &Expr) -> Expr {
        let ExprKind::Call {
            func,
            args,
            kwargs,
            has_splat,
        } = &call.kind
        else {
            return call.clone();
        };
        let lit = |e: &Expr| -> Expr {
            if let ExprKind::Name(n) = &e.kind
                && let Resolved::Value(_, v) = self.r.resolve_name(file, n)
                && matches!(
                    v.kind,
                    ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Bool(_)
                )
            {
                return Expr {
                    kind: v.kind,
                    span: e.span,
                };
            }
            e.clone()
        };
        Expr {
            kind: ExprKind::Call {
                func: func.clone(),
                args: args.iter().map(lit).collect(),
                kwargs: kwargs
                    .iter()
                    .map(|k| crate::syntax::Keyword {
                        name: k.name.clone(),
                        name_span: k.name_span,
                        value: lit(&k.value),
                    })
                    .collect(),
                has_splat: *has_splat,
            },
            span: call.span,
        }
    }

    /// A project class used as a column type: a `TypeDecorator` with a readable `impl`.
    fn project_type(&self, id: ClassId) -> Option<SqlType> {
        let c = self.r.class_def(id)?;
        let is_decorator = c
            .bases
            .iter()
            .any(|b| self.sa_name(id.file, b).as_deref() == Some("TypeDecorator"));
        if !is_decorator {
            return None;
        }
        for s in &c.body {
            if let Stmt::Assign { targets, value, .. } = s
                && matches!(targets.first(), Some(Target::Name(n, _)) if n == "impl")
            {
                let head = match &value.kind {
                    ExprKind::Call { func, .. } => func.as_ref(),
                    _ => value,
                };
                let n = self.sa_name(id.file, head)?;
                return types::from_sa_name(
                    &n,
                    matches!(value.kind, ExprKind::Call { .. }).then_some(value),
                );
            }
        }
        None
    }

    /// Member names of a Python enum class (SQLAlchemy stores names, not values).
    fn enum_members(&self, file: SourceFile, e: &Expr) -> Option<Vec<String>> {
        let (c, cfile) = match self.r.resolve_expr(file, e) {
            Resolved::Class(id) => (self.r.class_def(id)?, id.file),
            // A class nested in a class body (`class M(Base): class Kind(enum.Enum): ...`),
            // referenced from that body: found when exactly one nested class has the name.
            Resolved::Unknown => {
                let name = e.as_name().filter(|n| !n.contains('.'))?;
                let mut found = module_classes(self.db, file).into_iter().flat_map(|outer| {
                    outer.body.iter().filter_map(move |s| match s {
                        Stmt::Class(inner) if inner.name == name => Some(&**inner),
                        _ => None,
                    })
                });
                let first = found.next()?;
                if found.next().is_some() {
                    return None;
                }
                (first, file)
            }
            _ => return None,
        };
        let id_file = cfile;
        let is_enum = c.bases.iter().any(|b| {
            matches!(
                self.qualified(id_file, b).as_deref(),
                Some("enum.Enum" | "enum.StrEnum" | "enum.IntEnum")
            )
        });
        if !is_enum {
            return None;
        }
        let mut out = Vec::new();
        for s in &c.body {
            match s {
                Stmt::Assign { targets, .. } => {
                    for t in targets {
                        if let Target::Name(n, _) = t
                            && !n.starts_with('_')
                        {
                            out.push(n.clone());
                        }
                    }
                }
                Stmt::Function(_) | Stmt::Expr(_) => {}
                _ => return None,
            }
        }
        (!out.is_empty()).then_some(out)
    }

    // ---------------------------------------------------------------- annotations

    /// An annotation as an expression: tree-sitter lowers type positions as opaque `type` nodes,
    /// so their source text is parsed again as an expression; string annotations likewise.
    fn ann_expr(&self, file: SourceFile, a: &Expr) -> Option<Expr> {
        match &a.kind {
            ExprKind::Other(_) | ExprKind::Subscript { .. } => {
                let text = file.text(self.db);
                let src = text.get(a.span.range())?;
                parse_type_text(src)
            }
            ExprKind::Str(s) => parse_type_text(s),
            _ => Some(a.clone()),
        }
    }

    /// `Mapped[X]` → what X says. `None`: not a `Mapped[...]` annotation.
    fn mapped_annotation(
        &mut self,
        file: SourceFile,
        a: &Expr,
        ctx: Option<&DeclCtx>,
    ) -> Option<AnnInfo> {
        let parsed = self.ann_expr(file, a)?;
        let a = match &parsed.kind {
            ExprKind::Str(s) => &parse_expr_text(s)?,
            _ => &parsed,
        };
        let ExprKind::Subscript { value, index } = &a.kind else {
            return None;
        };
        let last = self.sa_name(file, value)?;
        if last != "Mapped" {
            return None;
        }
        let mut info = AnnInfo::default();
        self.py_type(file, index, ctx, &mut info, 0);
        Some(info)
    }

    fn py_type(
        &mut self,
        file: SourceFile,
        e: &Expr,
        ctx: Option<&DeclCtx>,
        info: &mut AnnInfo,
        depth: u32,
    ) {
        if depth > MAX_DEPTH {
            info.unknown = Some("annotation too deep".into());
            return;
        }
        match &e.kind {
            ExprKind::Str(s) => match parse_type_text(s) {
                Some(p) => {
                    // A bare string naming a class is a relationship target.
                    self.py_type(file, &p, ctx, info, depth + 1)
                }
                None => info.unknown = Some(format!("annotation '{s}'")),
            },
            ExprKind::None => info.optional = true,
            ExprKind::BinOp { op, left, right } if op == "|" => {
                for side in [left, right] {
                    if side.is_none() {
                        info.optional = true;
                    } else {
                        self.py_type(file, side, ctx, info, depth + 1);
                    }
                }
            }
            ExprKind::Subscript { value, index } => {
                let q = self.qualified(file, value).unwrap_or_default();
                let head = q.rsplit('.').next().unwrap_or("");
                let items: Vec<&Expr> = match &index.kind {
                    ExprKind::Tuple(v) => v.iter().collect(),
                    _ => vec![index.as_ref()],
                };
                match head {
                    "Optional" => {
                        info.optional = true;
                        self.py_type(file, index, ctx, info, depth + 1);
                    }
                    "Union" => {
                        let non_none: Vec<&&Expr> = items.iter().filter(|x| !x.is_none()).collect();
                        if non_none.len() < items.len() {
                            info.optional = true;
                        }
                        match non_none.as_slice() {
                            [one] => self.py_type(file, one, ctx, info, depth + 1),
                            _ => info.unknown = Some("Union of several types".into()),
                        }
                    }
                    "Annotated" => {
                        if let Some(first) = items.first() {
                            self.py_type(file, first, ctx, info, depth + 1);
                        }
                        for x in items.iter().skip(1) {
                            if self.col_ctor(file, x) == Some(ColCtor::MappedColumn) {
                                info.annotated_calls.push((file, (*x).clone()));
                            }
                        }
                    }
                    "List" | "list" | "Set" | "set" | "Dict" | "dict" | "Sequence"
                    | "Collection"
                        if is_typing_or_builtin(&q) =>
                    {
                        // A collection: relationship() targets.
                        info.relation = true;
                    }
                    "Literal" => {
                        let vals: Option<Vec<String>> = items
                            .iter()
                            .map(|x| x.as_str().map(str::to_string))
                            .collect();
                        info.ty = Some(SqlType::Enum { values: vals });
                        info.canonical = Some("str".into());
                    }
                    _ => info.unknown = Some(format!("annotation {head}[...]")),
                }
            }
            ExprKind::Name(n) => {
                let resolved = self.r.resolve_name(file, n);
                let canonical = match &resolved {
                    Resolved::External(q) => {
                        Some(q.strip_prefix("builtins.").unwrap_or(q).to_string())
                    }
                    Resolved::Unknown
                        if matches!(n.as_str(), "bytes" | "int" | "str" | "float" | "bool") =>
                    {
                        Some(n.clone())
                    }
                    _ => None,
                };
                if let Some(c) = canonical {
                    // type_annotation_map first.
                    if let Some(ctx) = ctx {
                        if let Some((_, t)) = ctx.typemap.iter().find(|(k, _)| *k == c) {
                            info.ty = Some(t.clone());
                            info.canonical = Some(c);
                            return;
                        }
                        if ctx.typemap_partial {
                            info.unknown = Some("type_annotation_map not fully understood".into());
                            return;
                        }
                    }
                    match types::from_python_type(&c) {
                        Some(t) => {
                            info.ty = Some(t);
                            info.canonical = Some(c);
                        }
                        None => info.unknown = Some(format!("no SQLAlchemy type for {c}")),
                    }
                    return;
                }
                match resolved {
                    Resolved::Value(vf, v) => {
                        // Aliases (`intpk = Annotated[...]`): re-read with every subscript item.
                        let v = self.ann_expr(vf, &v).unwrap_or(v);
                        self.py_type(vf, &v, ctx, info, depth + 1)
                    }
                    Resolved::Class(id) => {
                        if let Some(m) = self.enum_members(file, e) {
                            info.ty = Some(SqlType::Enum { values: Some(m) });
                        } else if matches!(self.kinds.get(&id), Some(Kind::Mapped(..) | Kind::Abstract(_) | Kind::InProgress))
                            || self.r.class_def(id).is_some_and(|c| c.body.iter().any(|s| matches!(s, Stmt::Assign { targets, .. } if matches!(targets.first(), Some(Target::Name(n, _)) if n == "__tablename__"))))
                        {
                            info.relation = true;
                        } else {
                            info.unknown = Some(format!("class {n}"));
                        }
                    }
                    _ => {
                        // An unresolved capitalised name in a string annotation is usually a class.
                        if n.chars().next().is_some_and(char::is_uppercase) && self.out.classes.iter().any(|c| &c.name == n) {
                            info.relation = true;
                        } else {
                            info.unknown = Some(format!("name {n}"));
                        }
                    }
                }
            }
            _ => info.unknown = Some("annotation not understood".into()),
        }
    }

    /// The relationship target named in a `Mapped[...]` annotation.
    fn annotation_target(&self, file: SourceFile, a: &Expr) -> Option<String> {
        let parsed = self.ann_expr(file, a)?;
        self.target_of(&parsed)
    }

    fn target_of(&self, a: &Expr) -> Option<String> {
        match &a.kind {
            ExprKind::Str(s) => self.target_of(&parse_expr_text(s)?),
            ExprKind::Name(n) => Some(n.rsplit('.').next().unwrap_or(n).to_string()),
            ExprKind::Subscript { index, .. } => match &index.kind {
                ExprKind::Tuple(v) => v
                    .iter()
                    .find(|x| !x.is_none())
                    .and_then(|x| self.target_of(x)),
                _ => self.target_of(index),
            },
            ExprKind::BinOp { left, right, .. } => {
                if left.is_none() {
                    self.target_of(right)
                } else {
                    self.target_of(left)
                }
            }
            _ => None,
        }
    }

    // ---------------------------------------------------------------- declarative classes

    fn classify(&mut self, id: ClassId) -> Kind {
        if let Some(k) = self.kinds.get(&id) {
            return match k {
                Kind::InProgress => Kind::Plain,
                k => k.clone(),
            };
        }
        self.kinds.insert(id, Kind::InProgress);
        let k = self.classify_uncached(id);
        self.kinds.insert(id, k.clone());
        k
    }

    fn classify_uncached(&mut self, id: ClassId) -> Kind {
        let Some(c) = self.r.class_def(id) else {
            return Kind::Plain;
        };
        let file = id.file;
        let mut ctx: Option<DeclCtx> = None;
        let mut is_base = false;
        let mut mapped_parent: Option<usize> = None;
        let mut skipped_parent = false;
        let mut unknown_base = false;
        // `@reg.mapped`
        for dec in &c.decorators {
            if let ExprKind::Name(n) = &dec.kind
                && let Some(prefix) = n
                    .strip_suffix(".mapped")
                    .or_else(|| n.strip_suffix(".mapped_as_dataclass"))
                && let Some(key) = self.base_key_of_name(file, prefix, 0)
            {
                ctx = Some(DeclCtx {
                    metadata: key,
                    typemap: Vec::new(),
                    typemap_partial: false,
                });
            }
        }
        for b in &c.bases {
            if let Some(q) = self.qualified(file, b) {
                match sa_last(&q) {
                    Some("DeclarativeBase" | "DeclarativeBaseNoMeta") => is_base = true,
                    Some(_) => {}
                    None => {
                        if !matches!(q.as_str(), "builtins.object" | "typing.Generic" | "abc.ABC") {
                            unknown_base = true;
                        }
                    }
                }
                continue;
            }
            match self.r.resolve_expr(file, b) {
                Resolved::Class(pid) => match self.classify(pid) {
                    Kind::Base(pc) | Kind::Abstract(pc) => {
                        if ctx.is_none() {
                            ctx = Some(pc);
                        }
                    }
                    Kind::Mapped(pc, idx) => {
                        if ctx.is_none() {
                            ctx = Some(pc);
                        }
                        if mapped_parent.is_none() {
                            mapped_parent = Some(idx);
                        }
                    }
                    Kind::Skipped => skipped_parent = true,
                    Kind::Plain | Kind::InProgress => {}
                },
                Resolved::Value(vf, v) => match self.base_value_key(vf, &v, 0) {
                    Some(key) if ctx.is_none() => {
                        ctx = Some(DeclCtx {
                            metadata: key,
                            typemap: Vec::new(),
                            typemap_partial: false,
                        })
                    }
                    Some(_) => {}
                    None => unknown_base = true,
                },
                _ => unknown_base = true,
            }
        }
        if is_base {
            let mut base_ctx = DeclCtx {
                metadata: value_key_span(self.db, file, c.name_span),
                typemap: Vec::new(),
                typemap_partial: false,
            };
            for s in &c.body {
                if let Stmt::Assign { targets, value, .. } = s
                    && let Some(Target::Name(n, _)) = targets.first()
                {
                    match n.as_str() {
                        "metadata" => {
                            if let Some(k) = self.metadata_key(file, value, 0) {
                                base_ctx.metadata = k;
                            }
                        }
                        "type_annotation_map" => self.typemap(file, value, &mut base_ctx),
                        _ => {}
                    }
                }
            }
            return Kind::Base(base_ctx);
        }
        if skipped_parent {
            return Kind::Skipped;
        }
        let Some(ctx) = ctx else {
            return Kind::Plain;
        };
        if own_assign(c, "__abstract__").and_then(Expr::as_bool) == Some(true) {
            return Kind::Abstract(ctx);
        }
        self.mapped_class(id, c, ctx, mapped_parent, unknown_base)
    }

    fn typemap(&mut self, file: SourceFile, value: &Expr, ctx: &mut DeclCtx) {
        let ExprKind::Dict(pairs) = &value.kind else {
            ctx.typemap_partial = true;
            return;
        };
        for (k, v) in pairs {
            let key = match self.r.resolve_expr(file, k) {
                Resolved::External(q) => {
                    Some(q.strip_prefix("builtins.").unwrap_or(&q).to_string())
                }
                Resolved::Unknown => k.as_name().filter(|n| *n == "bytes").map(str::to_string),
                _ => None,
            };
            let head = match &v.kind {
                ExprKind::Call { func, .. } => func.as_ref(),
                _ => v,
            };
            let ty = self.sa_name(file, head).and_then(|n| {
                types::from_sa_name(&n, matches!(v.kind, ExprKind::Call { .. }).then_some(v))
            });
            match (key, ty) {
                (Some(k), Some(t)) => ctx.typemap.push((k, t)),
                _ => ctx.typemap_partial = true,
            }
        }
    }

    /// Bodies whose members a mapped class gets: its own, then mixins and abstract ancestors
    /// (depth-first, stopping at mapped classes and bases).
    fn member_sources(&mut self, id: ClassId, out: &mut Vec<(ClassId, bool)>, depth: u32) {
        if depth > MAX_DEPTH || out.iter().any(|(x, _)| *x == id) {
            return;
        }
        out.push((id, depth == 0));
        let Some(c) = self.r.class_def(id) else {
            return;
        };
        for b in &c.bases {
            if self.qualified(id.file, b).is_some() {
                continue;
            }
            if let Resolved::Class(pid) = self.r.resolve_expr(id.file, b) {
                match self.classify(pid) {
                    Kind::Plain | Kind::Abstract(_) => self.member_sources(pid, out, depth + 1),
                    _ => {}
                }
            }
        }
    }

    fn mapped_class(
        &mut self,
        id: ClassId,
        c: &ClassDef,
        ctx: DeclCtx,
        mapped_parent: Option<usize>,
        unknown_base: bool,
    ) -> Kind {
        let file = id.file;
        let mut sources = Vec::new();
        self.member_sources(id, &mut sources, 0);
        // __tablename__ / __table__ / __table_args__ / __mapper_args__: first in MRO order.
        let mut tablename: Option<Option<String>> = None;
        let mut table_call: Option<(SourceFile, Expr)> = None;
        let mut table_args: Option<(SourceFile, Expr)> = None;
        let mut mapper_pk = false;
        let mut computed_name = false;
        for &(sid, own) in &sources {
            let Some(sc) = self.r.class_def(sid) else {
                continue;
            };
            for s in &sc.body {
                match s {
                    Stmt::Assign { targets, value, .. } => {
                        let Some(Target::Name(n, _)) = targets.first() else {
                            continue;
                        };
                        match n.as_str() {
                            "__tablename__" if tablename.is_none() => {
                                tablename = Some(value.as_str().map(str::to_string))
                            }
                            "__table__" if table_call.is_none() && own => {
                                table_call = Some((sid.file, value.clone()))
                            }
                            "__table_args__" if table_args.is_none() => {
                                table_args = Some((sid.file, value.clone()))
                            }
                            "__mapper_args__" if own => {
                                if let ExprKind::Dict(p) = &value.kind {
                                    mapper_pk =
                                        p.iter().any(|(k, _)| k.as_str() == Some("primary_key"));
                                } else {
                                    mapper_pk = true;
                                }
                            }
                            _ => {}
                        }
                    }
                    Stmt::Function(f) if f.name == "__tablename__" && tablename.is_none() => {
                        computed_name = true;
                        tablename = Some(None);
                    }
                    Stmt::Function(f) if f.name == "__table_args__" && table_args.is_none() => {
                        table_args = Some((
                            sid.file,
                            Expr {
                                kind: ExprKind::Other("declared_attr".into()),
                                span: f.name_span,
                            },
                        ));
                    }
                    _ => {}
                }
            }
        }
        let class_idx = self.out.classes.len();
        let mut mc = MappedClass {
            name: c.name.clone(),
            id,
            file,
            name_span: c.name_span,
            metadata: ctx.metadata.clone(),
            table: None,
            sti_parent: None,
            joined_parent: None,
            attrs: Vec::new(),
            relationships: Vec::new(),
            mapper_primary_key: mapper_pk,
            incomplete: unknown_base,
        };
        if unknown_base {
            self.note(
                file,
                c.name_span,
                format!(
                    "class {}: a base class is not understood; its columns may be incomplete",
                    c.name
                ),
            );
        }
        // Decide the table.
        let own_tablename = own_assign(c, "__tablename__").is_some()
            || c.body
                .iter()
                .any(|s| matches!(s, Stmt::Function(f) if f.name == "__tablename__"));
        let table_idx: Option<usize>;
        let mut sti = false;
        if let Some((tf, call)) = &table_call {
            match self.core_table(*tf, call, None, Some(class_idx)) {
                Some(t) => table_idx = Some(t),
                None => {
                    self.out.incomplete = true;
                    return Kind::Skipped;
                }
            }
        } else if computed_name && (own_tablename || mapped_parent.is_none()) {
            self.note(
                file,
                c.name_span,
                format!(
                    "class {}: __tablename__ is computed (declared_attr); table skipped",
                    c.name
                ),
            );
            self.out.incomplete = true;
            return Kind::Skipped;
        } else if let Some(parent) = mapped_parent.filter(|_| !own_tablename) {
            // Single-table inheritance: columns go to the parent's table.
            let Some(pt) = self.out.classes.get(parent).and_then(|p| p.table) else {
                return Kind::Skipped;
            };
            table_idx = Some(pt);
            sti = true;
            mc.sti_parent = Some(parent);
        } else {
            match tablename {
                Some(Some(name))
                    if extends_existing(table_args.as_ref().map(|(_, e)| e))
                        && let Some(existing) = self
                            .out
                            .tables
                            .iter()
                            .position(|t| t.name == name && t.metadata == ctx.metadata) =>
                {
                    // `extend_existing=True` on the same name: columns are added to that Table.
                    mc.joined_parent = mapped_parent;
                    table_idx = Some(existing);
                    sti = true;
                }
                Some(Some(name)) => {
                    mc.joined_parent = mapped_parent;
                    let t = Table {
                        name,
                        schema: None,
                        metadata: ctx.metadata.clone(),
                        file,
                        span: c.name_span,
                        class: Some(class_idx),
                        columns: Vec::new(),
                        primary_key: Vec::new(),
                        uniques: Vec::new(),
                        indexes: Vec::new(),
                        foreign_keys: Vec::new(),
                        comment: None,
                        incomplete: unknown_base,
                        core: false,
                        var: None,
                        extend_existing: false,
                    };
                    table_idx = Some(self.out.tables.len());
                    self.out.tables.push(t);
                }
                Some(None) => {
                    self.note(
                        file,
                        c.name_span,
                        format!(
                            "class {}: __tablename__ is not a string literal; table skipped",
                            c.name
                        ),
                    );
                    self.out.incomplete = true;
                    return Kind::Skipped;
                }
                None => {
                    self.note(file, c.name_span, format!("class {}: mapped class without __tablename__ or __table__ (SQLAlchemy raises at mapping time); skipped", c.name));
                    self.out.incomplete = true;
                    return Kind::Skipped;
                }
            }
        }
        let Some(tidx) = table_idx else {
            return Kind::Skipped;
        };
        self.out.classes.push(mc);
        // Members.
        let mut table = std::mem::replace(&mut self.out.tables[tidx], placeholder_table(file));
        let mut pend: Vec<(usize, Vec<FkSpec>)> = Vec::new();
        let mut attrs: Vec<(String, String)> = Vec::new();
        let mut rels: Vec<Relationship> = Vec::new();
        let mut incomplete = false;
        if table_call.is_some() {
            for col in &table.columns {
                attrs.push((col.name.clone(), col.name.clone()));
            }
        } else {
            for &(sid, own) in &sources {
                let Some(sc) = self.r.class_def(sid) else {
                    continue;
                };
                let declared_by = if sti {
                    Some(c.name.as_str())
                } else if own {
                    None
                } else {
                    Some(sc.name.as_str())
                };
                for s in &sc.body {
                    self.member(
                        sid.file,
                        s,
                        &ctx,
                        &mut table,
                        &mut pend,
                        &mut attrs,
                        &mut rels,
                        &mut incomplete,
                        declared_by,
                    );
                }
            }
        }
        if let Some((af, args)) = &table_args {
            let items: Vec<Expr> = match &args.kind {
                ExprKind::Tuple(v) | ExprKind::List(v) => v.clone(),
                ExprKind::Dict(_) => vec![args.clone()],
                _ => {
                    self.note(
                        *af,
                        args.span,
                        format!(
                            "class {}: __table_args__ not understood; constraints skipped",
                            c.name
                        ),
                    );
                    incomplete = true;
                    Vec::new()
                }
            };
            for it in &items {
                self.constraint(*af, it, &mut table, &mut pend, Some(&attrs));
            }
        }
        if incomplete {
            table.incomplete = true;
        }
        self.out.tables[tidx] = table;
        for (fk, specs) in pend {
            self.pending.push((tidx, fk, specs));
        }
        if let Some(m) = self.out.classes.get_mut(class_idx) {
            m.table = Some(tidx);
            m.attrs = attrs;
            m.relationships = rels;
            m.incomplete |= incomplete;
        }
        Kind::Mapped(ctx, class_idx)
    }

    #[allow(clippy::too_many_arguments)]
    fn member(
        &mut self,
        file: SourceFile,
        s: &Stmt,
        ctx: &DeclCtx,
        table: &mut Table,
        pend: &mut Vec<(usize, Vec<FkSpec>)>,
        attrs: &mut Vec<(String, String)>,
        rels: &mut Vec<Relationship>,
        incomplete: &mut bool,
        declared_by: Option<&str>,
    ) {
        match s {
            Stmt::Assign {
                targets,
                value,
                annotation,
                ..
            } => {
                let Some(Target::Name(attr, aspan)) = targets.first() else {
                    return;
                };
                if attr.starts_with("__")
                    || attrs.iter().any(|(a, _)| a == attr)
                    || rels.iter().any(|r| &r.attr == attr)
                {
                    return;
                }
                let ExprKind::Call { func, args, .. } = &value.kind else {
                    if annotation.as_ref().is_some_and(|a| self.is_mapped(file, a)) {
                        self.note(
                            file,
                            *aspan,
                            format!(
                                "attribute '{attr}': Mapped[...] with a non-call value; skipped"
                            ),
                        );
                        *incomplete = true;
                    }
                    return;
                };
                let fname = self.sa_name(file, func);
                // deferred(Column(...)) / column_property(Column(...))
                let (call, ctor) = match fname.as_deref() {
                    Some("Column") => (value, ColCtor::Column),
                    Some("mapped_column") => (value, ColCtor::MappedColumn),
                    Some("deferred" | "column_property") => match args.first() {
                        Some(inner) if self.col_ctor(file, inner).is_some() => {
                            let ctor = self.col_ctor(file, inner).unwrap_or(ColCtor::Column);
                            (inner, ctor)
                        }
                        _ => return,
                    },
                    Some("relationship" | "relation") => {
                        let target = match args.first() {
                            Some(Expr {
                                kind: ExprKind::Str(s),
                                ..
                            }) => Some(s.rsplit('.').next().unwrap_or(s).to_string()),
                            Some(Expr {
                                kind: ExprKind::Name(n),
                                ..
                            }) => Some(n.rsplit('.').next().unwrap_or(n).to_string()),
                            _ => annotation
                                .as_ref()
                                .and_then(|a| self.annotation_target(file, a)),
                        };
                        let backref = value.kwarg("backref").and_then(|b| match &b.kind {
                            ExprKind::Str(s) => Some(s.clone()),
                            ExprKind::Call { args, .. } => {
                                args.first().and_then(Expr::as_str).map(str::to_string)
                            }
                            _ => None,
                        });
                        let secondary = value.kwarg("secondary").and_then(|sx| match &sx.kind {
                            ExprKind::Str(s) => Some(s.clone()),
                            ExprKind::Name(n) => match self.r.resolve_name(file, n) {
                                Resolved::Value(vf, v) => self
                                    .table_calls
                                    .get(&(vf, v.span.start))
                                    .and_then(|&t| self.out.tables.get(t))
                                    .map(|t| t.name.clone()),
                                _ => None,
                            },
                            _ => None,
                        });
                        rels.push(Relationship {
                            attr: attr.clone(),
                            target,
                            back_populates: value
                                .kwarg("back_populates")
                                .and_then(Expr::as_str)
                                .map(str::to_string),
                            backref,
                            secondary,
                            file,
                            span: *aspan,
                        });
                        return;
                    }
                    Some(_) => return,
                    None => {
                        match self.r.resolve_expr(file, func) {
                            Resolved::External(_) => {}
                            _ => {
                                self.note(file, *aspan, format!("attribute '{attr}': value made by a call djsa does not follow; skipped"));
                                *incomplete = true;
                            }
                        }
                        return;
                    }
                };
                let Some(d) = self.column(
                    file,
                    call,
                    Some(attr),
                    *aspan,
                    annotation.as_deref(),
                    ctor,
                    Some(ctx),
                ) else {
                    *incomplete = true;
                    return;
                };
                attrs.push((attr.clone(), d.col.name.clone()));
                self.add_column(table, d, pend, declared_by);
            }
            Stmt::AnnOnly {
                target,
                annotation,
                span,
            } => {
                if target.starts_with("__") || attrs.iter().any(|(a, _)| a == target) {
                    return;
                }
                if !self.is_mapped(file, annotation) {
                    return;
                }
                let dummy = Expr {
                    kind: ExprKind::Other("annotation".into()),
                    span: *span,
                };
                let aspan = Span::new(span.start, span.start + target.len() as u32);
                let Some(d) = self.column(
                    file,
                    &dummy,
                    Some(target),
                    aspan,
                    Some(annotation),
                    ColCtor::MappedColumn,
                    Some(ctx),
                ) else {
                    *incomplete = true;
                    return;
                };
                attrs.push((target.clone(), d.col.name.clone()));
                self.add_column(table, d, pend, declared_by);
            }
            Stmt::Function(f) => {
                let declared = f.decorators.iter().any(|d| {
                    let e = match &d.kind {
                        ExprKind::Call { func, .. } => func.as_ref(),
                        _ => d,
                    };
                    self.qualified(file, e)
                        .is_some_and(|q| q.contains("declared_attr"))
                });
                if declared && !f.name.starts_with("__") {
                    self.note(
                        file,
                        f.name_span,
                        format!(
                            "attribute '{}': declared_attr function bodies are not read; skipped",
                            f.name
                        ),
                    );
                    *incomplete = true;
                }
            }
            _ => {}
        }
    }

    fn is_mapped(&self, file: SourceFile, a: &Expr) -> bool {
        let Some(parsed) = self.ann_expr(file, a) else {
            return false;
        };
        let parsed2;
        let a = match &parsed.kind {
            ExprKind::Str(s) => match parse_expr_text(s) {
                Some(p) => {
                    parsed2 = p;
                    &parsed2
                }
                None => return false,
            },
            _ => &parsed,
        };
        matches!(&a.kind, ExprKind::Subscript { value, .. } if self.sa_name(file, value).as_deref() == Some("Mapped"))
    }

    // ---------------------------------------------------------------- finish

    fn finish(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for (t, fk, specs) in pending {
            let mut target_table: Option<String> = None;
            let mut cols = Vec::new();
            let mut ok = true;
            for spec in specs {
                let (tt, col) = match spec {
                    FkSpec::Str(s) => match s.rsplit_once('.') {
                        Some((tt, c)) => (Some(tt.to_string()), c.to_string()),
                        None => (None, s),
                    },
                    FkSpec::Table(ti, c) => (self.out.tables.get(ti).map(Table::qualified_name), c),
                    FkSpec::ClassAttr(id, attr) => {
                        let ci = match self.kinds.get(&id) {
                            Some(Kind::Mapped(_, ci)) => Some(*ci),
                            _ => None,
                        };
                        match ci.and_then(|ci| self.out.classes.get(ci)) {
                            Some(mc) => {
                                let col = mc
                                    .attrs
                                    .iter()
                                    .find(|(a, _)| *a == attr)
                                    .map(|(_, c)| c.clone())
                                    .unwrap_or(attr);
                                (
                                    mc.table
                                        .and_then(|ti| self.out.tables.get(ti))
                                        .map(Table::qualified_name),
                                    col,
                                )
                            }
                            None => (None, attr),
                        }
                    }
                };
                if tt.is_none() {
                    ok = false;
                }
                if target_table.is_none() {
                    target_table = tt;
                }
                cols.push(col);
            }
            if let Some(f) = self
                .out
                .tables
                .get_mut(t)
                .and_then(|tb| tb.foreign_keys.get_mut(fk))
            {
                f.target_table = if ok { target_table } else { None };
                f.target_columns = cols;
            }
        }
        // Types taken from the referenced column.
        for _ in 0..4 {
            let mut changes = Vec::new();
            for (ti, t) in self.out.tables.iter().enumerate() {
                for (ci, c) in t.columns.iter().enumerate() {
                    if !matches!(&c.ty, SqlType::Unknown(w) if w == "type of the referenced column")
                    {
                        continue;
                    }
                    let fk = t
                        .foreign_keys
                        .iter()
                        .find(|f| f.columns.len() == 1 && f.columns[0] == c.name);
                    let target = fk.and_then(|f| {
                        let tt = self.out.find_table(f.target_table.as_deref()?)?;
                        self.out.tables[tt]
                            .column(f.target_columns.first()?)
                            .map(|x| x.ty.clone())
                    });
                    if let Some(ty) = target
                        && ty.is_known()
                    {
                        changes.push((ti, ci, ty));
                    }
                }
            }
            if changes.is_empty() {
                break;
            }
            for (ti, ci, ty) in changes {
                self.out.tables[ti].columns[ci].ty = ty;
            }
        }
        // PK columns are NOT NULL.
        for t in &mut self.out.tables {
            let pk = t.primary_key.clone();
            for c in &mut t.columns {
                if pk.contains(&c.name) {
                    c.primary_key = true;
                    c.nullable = false;
                }
            }
        }
    }
}

#[derive(Default)]
struct Draft {
    name: Option<String>,
    ty: Option<SqlType>,
    primary_key: Option<bool>,
    nullable: Option<bool>,
    unique: Option<bool>,
    index: Option<bool>,
    autoincrement: Option<bool>,
    server_default: Option<String>,
    has_default: bool,
    default: Option<String>,
    identity: bool,
    sequence: Option<String>,
    computed: Option<String>,
    comment: Option<String>,
    fks: Vec<(FkSpec, Option<String>, Span)>,
    unknown_args: bool,
}

struct ColDraft {
    col: Column,
    fks: Vec<(FkSpec, Option<String>, Span)>,
    #[allow(dead_code)]
    type_from_fk: bool,
}

#[derive(Default)]
struct AnnInfo {
    ty: Option<SqlType>,
    canonical: Option<String>,
    optional: bool,
    relation: bool,
    unknown: Option<String>,
    annotated_calls: Vec<(SourceFile, Expr)>,
}

/// `__table_args__` (tuple ending in a dict, or a dict) with `extend_existing=True`.
fn extends_existing(args: Option<&Expr>) -> bool {
    let dict = match args.map(|e| &e.kind) {
        Some(ExprKind::Dict(p)) => p,
        Some(ExprKind::Tuple(v)) => match v.last().map(|e| &e.kind) {
            Some(ExprKind::Dict(p)) => p,
            _ => return false,
        },
        _ => return false,
    };
    dict.iter()
        .any(|(k, v)| k.as_str() == Some("extend_existing") && v.as_bool() == Some(true))
}

fn is_typing_or_builtin(q: &str) -> bool {
    q.is_empty()
        || q.starts_with("typing.")
        || q.starts_with("builtins.")
        || q.starts_with("collections.abc.")
}

fn own_assign<'c>(c: &'c ClassDef, name: &str) -> Option<&'c Expr> {
    c.body.iter().find_map(|s| match s {
        Stmt::Assign { targets, value, .. } if matches!(targets.first(), Some(Target::Name(n, _)) if n == name) => Some(value),
        _ => None,
    })
}

fn value_key(db: &dyn Db, file: SourceFile, e: &Expr) -> String {
    value_key_span(db, file, e.span)
}

fn value_key_span(db: &dyn Db, file: SourceFile, span: Span) -> String {
    format!(
        "{}@{}",
        file.module(db).as_deref().unwrap_or(file.path(db)),
        span.start
    )
}

fn placeholder_table(file: SourceFile) -> Table {
    Table {
        name: String::new(),
        schema: None,
        metadata: String::new(),
        file,
        span: Span::default(),
        class: None,
        columns: Vec::new(),
        primary_key: Vec::new(),
        uniques: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        comment: None,
        incomplete: false,
        core: false,
        var: None,
        extend_existing: false,
    }
}

/// Parse annotation text keeping every item of `a[b, c]` (the shared lowering keeps the first).
fn parse_type_text(s: &str) -> Option<Expr> {
    if s.len() > 2000 {
        return None;
    }
    let src = format!("_ = ({s})\n");
    let mut p = tree_sitter::Parser::new();
    let lang: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    p.set_language(&lang).ok()?;
    let tree = p.parse(&src, None)?;
    if tree.root_node().has_error() {
        return None;
    }
    let stmt = tree.root_node().named_child(0)?;
    let assign = stmt.named_child(0)?;
    let right = assign.child_by_field_name("right")?;
    conv_type(right, &src, 0)
}

fn conv_type(node: tree_sitter::Node<'_>, src: &str, depth: u32) -> Option<Expr> {
    if depth > MAX_DEPTH {
        return None;
    }
    let text = src.get(node.byte_range())?;
    let kind = match node.kind() {
        "parenthesized_expression" => {
            let mut c = node.walk();
            let inner = node
                .named_children(&mut c)
                .find(|n| n.kind() != "comment")?;
            return conv_type(inner, src, depth + 1);
        }
        "subscript" => {
            let value = conv_type(node.child_by_field_name("value")?, src, depth + 1)?;
            let mut c = node.walk();
            let items: Vec<Expr> = node
                .children_by_field_name("subscript", &mut c)
                .filter_map(|n| conv_type(n, src, depth + 1))
                .collect();
            let index = if items.len() == 1 {
                items.into_iter().next()?
            } else {
                Expr {
                    kind: ExprKind::Tuple(items),
                    span: Span::default(),
                }
            };
            ExprKind::Subscript {
                value: Box::new(value),
                index: Box::new(index),
            }
        }
        "binary_operator" => ExprKind::BinOp {
            op: node
                .child_by_field_name("operator")
                .and_then(|o| src.get(o.byte_range()))
                .unwrap_or("")
                .to_string(),
            left: Box::new(conv_type(
                node.child_by_field_name("left")?,
                src,
                depth + 1,
            )?),
            right: Box::new(conv_type(
                node.child_by_field_name("right")?,
                src,
                depth + 1,
            )?),
        },
        "tuple" | "list" | "expression_list" => {
            let mut c = node.walk();
            let items: Vec<Expr> = node
                .named_children(&mut c)
                .filter(|n| n.kind() != "comment")
                .filter_map(|n| conv_type(n, src, depth + 1))
                .collect();
            if node.kind() == "list" {
                ExprKind::List(items)
            } else {
                ExprKind::Tuple(items)
            }
        }
        _ => return parse_expr_text(text),
    };
    Some(Expr {
        kind,
        span: Span::default(),
    })
}

/// Parse the text of a string annotation (`"int | None"`) into an expression.
fn parse_expr_text(s: &str) -> Option<Expr> {
    if s.len() > 500 {
        return None;
    }
    let src = format!("_ = ({s})\n");
    let mut p = tree_sitter::Parser::new();
    let lang: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    p.set_language(&lang).ok()?;
    let tree = p.parse(&src, None)?;
    if tree.root_node().has_error() {
        return None;
    }
    let m = crate::syntax::lower(&tree, &src);
    match m.body.first() {
        Some(Stmt::Assign { value, .. }) => Some(value.clone()),
        _ => None,
    }
}

/// A literal expression as Python source.
pub fn python_literal(e: &Expr) -> Option<String> {
    Some(match &e.kind {
        ExprKind::Str(s) => py_str(s),
        ExprKind::Int(i) => i.to_string(),
        ExprKind::Float(f) => f.clone(),
        ExprKind::Bool(b) => {
            if *b {
                "True".into()
            } else {
                "False".into()
            }
        }
        ExprKind::Unary { op, operand } if op == "-" => format!("-{}", python_literal(operand)?),
        _ => return None,
    })
}

/// A Python string literal for `s` (double quotes, escapes).
pub fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
