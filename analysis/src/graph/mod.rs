//! The schema graph (`djsa graph`): Django models and SQLAlchemy tables as boxes with their
//! columns, relations as edges, a table both ORMs map as one box, and drift (model vs migrations
//! DJSA101, Django vs SQLAlchemy DJSA241-246, live database DJSA30x) marked on the box or column
//! the diagnostic names. Plain data plus three writers: Mermaid ([`mermaid`]), Graphviz DOT
//! ([`dot`]) and a self-contained SVG with its own layered layout ([`svg`]).
//!
//! Built from the same indexes the checks use ([`django_tables`], [`sqla_tables`]); the drift
//! marks are the checks' own diagnostics, so the picture never says more than `djsa check`.

pub mod dot;
pub mod mermaid;
pub mod svg;
#[cfg(test)]
mod tests;

use rustc_hash::FxHashMap;

use crate::checks::check_project;
use crate::db::{Db, Origin, Project, SourceFile};
use crate::diagnostic::Diagnostic;
use crate::fields::FieldKind;
use crate::migrations::fromproject::concrete_model_states;
use crate::project::project_model;
use crate::span::Span;
use crate::sqla::django::django_tables;
use crate::sqla::index::sqla_tables;
use crate::sqla::types::SqlType;

/// What to draw.
#[derive(Debug, Clone, Default)]
pub struct GraphOptions {
    /// Django app labels to draw (empty: every app of the project itself).
    pub apps: Vec<String>,
    pub no_django: bool,
    pub no_sqlalchemy: bool,
}

/// One drift finding placed on a box or a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftMark {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphColumn {
    /// Database column name.
    pub name: String,
    /// Short SQL type (`varchar(200)`, `bigint`, `numeric(8,2)`); `?` when not known.
    pub ty: String,
    pub pk: bool,
    pub fk: bool,
    /// Unique (the primary key excluded).
    pub unique: bool,
    pub null: bool,
    /// The Django field that maps it.
    pub django_field: Option<String>,
    /// The SQLAlchemy attribute (or Core column) that maps it.
    pub sqla_attr: Option<String>,
    pub drift: Vec<DriftMark>,
}

/// Which ORM declares something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orm {
    Django,
    Sqlalchemy,
    Both,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphNode {
    /// Identifier for DOT and Mermaid: `[A-Za-z0-9_]`, unique in the graph.
    pub id: String,
    /// Database table (schema-qualified for SQLAlchemy tables in a schema).
    pub table: String,
    /// Django model label (`catalog.Book`).
    pub django: Option<String>,
    /// Django app label.
    pub app: Option<String>,
    /// SQLAlchemy mapped classes (or `Table` for a Core table) on this table.
    pub sqla: Vec<String>,
    /// SQLAlchemy MetaData (the module that declares it).
    pub metadata: Option<String>,
    /// A table outside the drawn set that a relation points at: `Some(why)`, no columns.
    pub stub: Option<String>,
    pub columns: Vec<GraphColumn>,
    /// Drift on the table as a whole (or on a column djsa could not place).
    pub drift: Vec<DriftMark>,
    /// Drawn from the model's source alone because djsa could not build its full state (why):
    /// columns may be missing or their types unknown.
    pub note: Option<String>,
}

impl GraphNode {
    /// The box's title: the Django label, else the SQLAlchemy class, else the table.
    pub fn title(&self) -> String {
        match (&self.django, self.sqla.first()) {
            (Some(d), _) => d.clone(),
            (None, Some(c)) if c != "Table" => c.clone(),
            _ => self.table.clone(),
        }
    }
    pub fn orm(&self) -> Option<Orm> {
        if self.stub.is_some() {
            return None;
        }
        match (self.django.is_some(), !self.sqla.is_empty()) {
            (true, true) => Some(Orm::Both),
            (true, false) => Some(Orm::Django),
            (false, true) => Some(Orm::Sqlalchemy),
            (false, false) => None,
        }
    }
    pub fn has_drift(&self) -> bool {
        !self.drift.is_empty() || self.columns.iter().any(|c| !c.drift.is_empty())
    }
    pub fn column(&self, name: &str) -> Option<&GraphColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    ForeignKey,
    OneToOne,
    ManyToMany,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphEdge {
    pub from: usize,
    /// The FK column on `from` (`None` for many-to-many and multi-column keys).
    pub from_column: Option<String>,
    pub to: usize,
    pub to_column: Option<String>,
    pub kind: EdgeKind,
    /// The Django field or SQLAlchemy column(s) that declare it.
    pub label: String,
    /// The FK column allows NULL.
    pub null: bool,
    pub orm: Orm,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SchemaGraph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// Drift findings that name no drawn table (a deleted model, an unapplied migration).
    pub unplaced: Vec<DriftMark>,
}

/// Whether a diagnostic code is drift the graph marks: model vs migrations (DJSA101), Django vs
/// SQLAlchemy (DJSA241-246), live database (DJSA301-310).
pub fn is_drift_code(code: &str) -> bool {
    code == "DJSA101"
        || code.starts_with("DJSA24")
        || code.starts_with("DJSA30")
        || code == "DJSA310"
}

/// Short SQL type name of a column type.
pub fn type_name(ty: &SqlType) -> String {
    match ty {
        SqlType::Integer => "integer".into(),
        SqlType::BigInteger => "bigint".into(),
        SqlType::SmallInteger => "smallint".into(),
        SqlType::Boolean => "boolean".into(),
        SqlType::String { length, fixed } => {
            let base = if *fixed { "char" } else { "varchar" };
            match length {
                Some(n) => format!("{base}({n})"),
                None => base.into(),
            }
        }
        SqlType::Text => "text".into(),
        SqlType::Numeric { precision, scale } => match (precision, scale) {
            (Some(p), Some(s)) => format!("numeric({p},{s})"),
            (Some(p), None) => format!("numeric({p})"),
            _ => "numeric".into(),
        },
        SqlType::Float => "float".into(),
        SqlType::Double => "double".into(),
        SqlType::Date => "date".into(),
        SqlType::DateTime { timezone } => {
            if *timezone {
                "timestamptz".into()
            } else {
                "datetime".into()
            }
        }
        SqlType::Time => "time".into(),
        SqlType::Interval => "interval".into(),
        SqlType::LargeBinary => "binary".into(),
        SqlType::Uuid => "uuid".into(),
        SqlType::Json => "json".into(),
        SqlType::Enum { .. } => "enum".into(),
        SqlType::Other(n) => n.to_lowercase(),
        SqlType::Unknown(_) => "?".into(),
    }
}

/// An identifier safe in DOT and Mermaid.
fn ident(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 't');
    }
    out
}

struct Builder {
    g: SchemaGraph,
    by_table: FxHashMap<String, usize>,
    /// (file, span) -> (node, column) for placing diagnostics.
    places: Vec<(SourceFile, Span, usize, Option<String>)>,
    /// Model class spans (file, span) -> node, for diagnostics inside a model body.
    bodies: Vec<(SourceFile, Span, usize)>,
    /// Where models and tables that are not drawn live: drift there is left out, not "unplaced".
    hidden: Vec<(SourceFile, Span)>,
}

impl Builder {
    fn push(&mut self, mut node: GraphNode) -> usize {
        let base = ident(&node.table);
        let mut id = base.clone();
        let mut n = 2;
        while self.g.nodes.iter().any(|x| x.id == id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        node.id = id;
        let i = self.g.nodes.len();
        self.by_table.insert(node.table.clone(), i);
        self.g.nodes.push(node);
        i
    }

    /// The node for `table`, or a stub box for it.
    fn target(&mut self, table: Option<&str>, shown: &str, why: &str) -> usize {
        let key = table.unwrap_or(shown).to_string();
        if let Some(&i) = self.by_table.get(&key) {
            return i;
        }
        self.push(GraphNode {
            id: String::new(),
            table: key,
            django: (shown.contains('.') && table != Some(shown)).then(|| shown.to_string()),
            app: None,
            sqla: Vec::new(),
            metadata: None,
            stub: Some(why.to_string()),
            columns: Vec::new(),
            drift: Vec::new(),
            note: None,
        })
    }

    fn edge(&mut self, e: GraphEdge) {
        if let Some(x) = self.g.edges.iter_mut().find(|x| {
            x.from == e.from && x.to == e.to && x.from_column == e.from_column && x.kind == e.kind
        }) {
            if x.orm != e.orm {
                x.orm = Orm::Both;
            }
            return;
        }
        self.g.edges.push(e);
    }
}

/// Build the graph of a project. `extra` are diagnostics from outside the pure checks (the live
/// database drift the host computed); every drift diagnostic is placed on a box or column.
pub fn schema_graph(
    db: &dyn Db,
    project: Project,
    opts: &GraphOptions,
    extra: &[Diagnostic],
) -> SchemaGraph {
    let pm = project_model(db, project);
    let mut b = Builder {
        g: SchemaGraph::default(),
        by_table: FxHashMap::default(),
        places: Vec::new(),
        bodies: Vec::new(),
        hidden: Vec::new(),
    };
    let dj = django_tables(db, project);
    // Every Django table, drawn or not: stubs are named by the model's label.
    let label_of_table: FxHashMap<&str, &str> = dj
        .tables
        .iter()
        .map(|t| (t.db_table.as_str(), t.label.as_str()))
        .collect();
    let table_of_label: FxHashMap<String, &str> = dj
        .tables
        .iter()
        .map(|t| (t.label.to_lowercase(), t.db_table.as_str()))
        .collect();
    let wanted = |label: &str, file: SourceFile| -> bool {
        let app = label.split('.').next().unwrap_or("");
        if opts.apps.is_empty() {
            file.origin(db) == Origin::Project
        } else {
            opts.apps.iter().any(|a| a == app)
        }
    };
    let mut django_nodes: Vec<(usize, usize)> = Vec::new(); // (dj table index, node)
    if !opts.no_django {
        for (ti, t) in dj.tables.iter().enumerate() {
            if !wanted(&t.label, t.file) {
                continue;
            }
            let columns = t
                .columns
                .iter()
                .map(|c| GraphColumn {
                    name: c.column.clone(),
                    ty: type_name(&c.ty),
                    pk: c.primary_key,
                    fk: c.fk.is_some() || c.kind.is_some_and(FieldKind::is_relation),
                    unique: c.unique && !c.primary_key,
                    null: c.nullable,
                    django_field: Some(c.field.clone()),
                    sqla_attr: None,
                    drift: Vec::new(),
                })
                .collect();
            let node = b.push(GraphNode {
                id: String::new(),
                table: t.db_table.clone(),
                django: Some(t.label.clone()),
                app: t.label.split('.').next().map(str::to_string),
                sqla: Vec::new(),
                metadata: None,
                stub: None,
                columns,
                drift: Vec::new(),
                note: None,
            });
            b.places.push((t.file, t.span, node, None));
            for c in &t.columns {
                b.places
                    .push((c.file, c.span, node, Some(c.column.clone())));
            }
            if let Some(m) = pm
                .models
                .iter()
                .find(|m| m.file == t.file && m.name_span == t.span)
            {
                b.bodies.push((m.file, m.span, node));
            }
            django_nodes.push((ti, node));
        }
    }

    // Models djsa could not build a full state for: drawn from their source, with the reason.
    let mut fallback_rel: Vec<(usize, usize, Vec<FallbackRel>)> = Vec::new();
    if !opts.no_django {
        for (label, why) in &dj.skipped {
            let Some(mi) = pm
                .models
                .iter()
                .position(|m| m.registered && !m.abstract_ && !m.proxy && m.label() == *label)
            else {
                continue;
            };
            let m = &pm.models[mi];
            if !wanted(label, m.file) {
                continue;
            }
            let (table, columns, rels) = fallback_model(pm, mi);
            if b.by_table.contains_key(&table) {
                continue;
            }
            let node = b.push(GraphNode {
                id: String::new(),
                table,
                django: Some(label.clone()),
                app: m.app_label.clone(),
                sqla: Vec::new(),
                metadata: None,
                stub: None,
                columns,
                drift: Vec::new(),
                note: Some(why.clone()),
            });
            b.places.push((m.file, m.name_span, node, None));
            b.bodies.push((m.file, m.span, node));
            fallback_rel.push((mi, node, rels));
        }
    }

    // SQLAlchemy tables: joined with the Django box of the same table, else boxes of their own.
    let index = sqla_tables(db, project);
    let mut sqla_nodes: Vec<(usize, usize)> = Vec::new();
    if !opts.no_sqlalchemy {
        for (ti, t) in index.tables.iter().enumerate() {
            if t.name.is_empty() {
                continue;
            }
            let q = t.qualified_name();
            let mut classes: Vec<String> = index
                .classes
                .iter()
                .filter(|c| c.table == Some(ti))
                .map(|c| c.name.clone())
                .collect();
            if classes.is_empty() {
                classes.push("Table".to_string());
            }
            let metadata = t.metadata.split('@').next().map(str::to_string);
            let node = match b.by_table.get(&q).copied() {
                Some(n) if b.g.nodes[n].stub.is_none() && b.g.nodes[n].sqla.is_empty() => {
                    let node = &mut b.g.nodes[n];
                    node.sqla = classes;
                    node.metadata = metadata;
                    n
                }
                _ => b.push(GraphNode {
                    id: String::new(),
                    table: q.clone(),
                    django: None,
                    app: None,
                    sqla: classes,
                    metadata,
                    stub: None,
                    columns: Vec::new(),
                    drift: Vec::new(),
                    note: None,
                }),
            };
            for c in &t.columns {
                let attr = c.attr.clone().unwrap_or_else(|| c.name.clone());
                let fk = t.foreign_keys.iter().any(|f| f.columns.contains(&c.name));
                let unique = !c.primary_key && t.is_unique_set(std::slice::from_ref(&c.name));
                let n = &mut b.g.nodes[node];
                match n.columns.iter_mut().find(|x| x.name == c.name) {
                    Some(x) => x.sqla_attr = Some(attr),
                    None => n.columns.push(GraphColumn {
                        name: c.name.clone(),
                        ty: type_name(&c.ty),
                        pk: c.primary_key,
                        fk,
                        unique,
                        null: c.nullable,
                        django_field: None,
                        sqla_attr: Some(attr),
                        drift: Vec::new(),
                    }),
                }
                b.places.push((c.file, c.span, node, Some(c.name.clone())));
            }
            b.places.push((t.file, t.span, node, None));
            for c in index.classes.iter().filter(|c| c.table == Some(ti)) {
                b.places.push((c.file, c.name_span, node, None));
            }
            sqla_nodes.push((ti, node));
        }
    }

    // Django relations.
    if !django_nodes.is_empty() {
        let (states, _) = concrete_model_states(db, project);
        for &(ti, node) in &django_nodes {
            let t = &dj.tables[ti];
            for c in &t.columns {
                let is_rel = c.kind.is_some_and(FieldKind::is_relation);
                if !is_rel && c.fk.is_none() {
                    continue;
                }
                let kind = if c.kind == Some(FieldKind::OneToOneField) {
                    EdgeKind::OneToOne
                } else {
                    EdgeKind::ForeignKey
                };
                let (to, to_column) = match &c.fk {
                    Some((tt, tc)) => {
                        let shown = label_of_table.get(tt.as_str()).copied().unwrap_or(tt);
                        (b.target(Some(tt), shown, "not drawn"), Some(tc.clone()))
                    }
                    None => {
                        let Some(target) = states
                            .iter()
                            .find(|(i, _)| pm.models[*i].label() == t.label)
                            .and_then(|(_, s)| s.field(&c.field))
                            .and_then(|f| f.target())
                        else {
                            continue;
                        };
                        let shown = shown_label(pm, &target);
                        (b.target(None, &shown, "not found"), None)
                    }
                };
                b.edge(GraphEdge {
                    from: node,
                    from_column: Some(c.column.clone()),
                    to,
                    to_column,
                    kind,
                    label: c.field.clone(),
                    null: c.nullable,
                    orm: Orm::Django,
                });
            }
            // Many-to-many fields: one edge to the target model, labelled with the join table.
            let Some((_, s)) = states
                .iter()
                .find(|(i, _)| pm.models[*i].label() == t.label)
            else {
                continue;
            };
            for (name, f) in &s.fields {
                if !f.is_m2m() {
                    continue;
                }
                let Some(target) = f.target() else { continue };
                let tt = table_of_label.get(&target).copied();
                let shown = match tt.and_then(|x| label_of_table.get(x)) {
                    Some(l) => (*l).to_string(),
                    None => shown_label(pm, &target),
                };
                let to = b.target(
                    tt,
                    &shown,
                    if tt.is_some() {
                        "not drawn"
                    } else {
                        "not found"
                    },
                );
                let via = match f.get("through") {
                    Some(crate::migrations::parse::Val::Str(x)) => shown_label(pm, x),
                    _ => match f.get("db_table") {
                        Some(crate::migrations::parse::Val::Str(x)) => x.clone(),
                        _ => format!("{}_{name}", t.db_table),
                    },
                };
                b.edge(GraphEdge {
                    from: node,
                    from_column: None,
                    to,
                    to_column: None,
                    kind: EdgeKind::ManyToMany,
                    label: format!("{name} (via {via})"),
                    null: true,
                    orm: Orm::Django,
                });
            }
        }
    }

    for (_, node, rels) in fallback_rel {
        for FallbackRel {
            column,
            target,
            shown,
            to_field,
            kind,
            null,
        } in rels
        {
            let tt = table_of_label.get(&target).copied();
            let shown = match tt.and_then(|x| label_of_table.get(x)) {
                Some(l) => (*l).to_string(),
                None => shown,
            };
            let to = b.target(
                tt,
                &shown,
                if tt.is_some() {
                    "not drawn"
                } else {
                    "not found"
                },
            );
            // The referenced column: `to_field` (a field name; its column when drawn), else the pk.
            let target_node = &b.g.nodes[to];
            let to_column = match (kind, &to_field) {
                (EdgeKind::ManyToMany, _) => None,
                (_, Some(tf)) => target_node
                    .columns
                    .iter()
                    .find(|c| c.django_field.as_deref() == Some(tf.as_str()))
                    .map(|c| c.name.clone()),
                (_, None) => target_node
                    .columns
                    .iter()
                    .find(|c| c.pk)
                    .map(|c| c.name.clone()),
            };
            let label = b.g.nodes[node]
                .column(&column)
                .and_then(|c| c.django_field.clone())
                .unwrap_or_else(|| column.clone());
            b.edge(GraphEdge {
                from: node,
                from_column: (kind != EdgeKind::ManyToMany).then(|| column.clone()),
                to,
                to_column,
                kind,
                label,
                null,
                orm: Orm::Django,
            });
        }
    }

    // SQLAlchemy foreign keys.
    for &(ti, node) in &sqla_nodes {
        let t = &index.tables[ti];
        for fk in &t.foreign_keys {
            let Some(target) = fk.target_table.as_deref() else {
                continue;
            };
            let (tt, why) = match index.find_table(target) {
                Some(i) => (index.tables[i].qualified_name(), "not drawn"),
                None => (target.to_string(), "not declared"),
            };
            let shown = label_of_table
                .get(tt.as_str())
                .map(|l| (*l).to_string())
                .unwrap_or(tt.clone());
            let to = b.target(Some(&tt), &shown, why);
            let single = fk.columns.len() == 1;
            let null = fk
                .columns
                .iter()
                .any(|c| t.column(c).is_some_and(|x| x.nullable));
            let unique = single && t.is_unique_set(&fk.columns);
            b.edge(GraphEdge {
                from: node,
                from_column: single.then(|| fk.columns[0].clone()),
                to,
                to_column: (fk.target_columns.len() == 1).then(|| fk.target_columns[0].clone()),
                kind: if unique {
                    EdgeKind::OneToOne
                } else {
                    EdgeKind::ForeignKey
                },
                label: fk.columns.join(", "),
                null,
                orm: Orm::Sqlalchemy,
            });
        }
    }

    // Drift marks.
    b.hidden.extend(pm.models.iter().map(|m| (m.file, m.span)));
    for t in &index.tables {
        b.hidden.push((t.file, t.span));
        b.hidden.extend(t.columns.iter().map(|c| (c.file, c.span)));
        b.hidden
            .extend(t.foreign_keys.iter().map(|f| (f.file, f.span)));
    }
    b.hidden
        .extend(index.classes.iter().map(|c| (c.file, c.name_span)));
    let mut diags: Vec<&Diagnostic> = check_project(db, project)
        .iter()
        .chain(extra.iter())
        .filter(|d| is_drift_code(&d.code))
        .collect();
    diags.sort_by(|a, b| (&a.code, &a.message).cmp(&(&b.code, &b.message)));
    for d in diags {
        place(&mut b, d);
    }
    b.g
}

/// A relation of a model read from its source alone.
struct FallbackRel {
    /// The FK column, or the M2M field name.
    column: String,
    /// Lower-cased `app.model` label of the target.
    target: String,
    /// The target as written (`promotions.Coupon`).
    shown: String,
    /// `to_field=` when given.
    to_field: Option<String>,
    kind: EdgeKind,
    null: bool,
}

/// Table, columns and relations of a model read from its source alone (own fields and those of
/// abstract parents).
fn fallback_model(
    pm: &crate::project::ProjectModel,
    mi: usize,
) -> (String, Vec<GraphColumn>, Vec<FallbackRel>) {
    use crate::migrations::parse::Val;
    use crate::migrations::state::{FieldDef, normalize_label};
    use crate::project::Parent;
    use crate::syntax::ExprKind;

    let m = &pm.models[mi];
    let app = m.app_label.clone().unwrap_or_default();
    let table = m
        .meta
        .get("db_table")
        .and_then(|e| e.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| format!("{app}_{}", m.model_name()));
    // Fields of abstract parents first, as Django copies them.
    fn collect<'a>(
        pm: &'a crate::project::ProjectModel,
        i: usize,
        depth: u32,
        out: &mut Vec<&'a crate::project::Field>,
    ) {
        if depth > 20 {
            return;
        }
        for p in &pm.models[i].parents {
            if let Parent::Model(pi) = p
                && pm.models[*pi].abstract_
            {
                collect(pm, *pi, depth + 1, out);
            }
        }
        for f in pm.models[i].own_fields.iter() {
            out.retain(|x| x.name != f.name);
            out.push(f);
        }
    }
    let mut fields = Vec::new();
    collect(pm, mi, 0, &mut fields);
    let mut columns = Vec::new();
    let mut rels = Vec::new();
    if !fields.iter().any(|f| f.is_primary_key()) {
        let auto = pm
            .app(&app)
            .and_then(|a| a.default_auto_field.clone())
            .or_else(|| pm.settings.default_auto_field.clone())
            .unwrap_or_default();
        let ty = if auto.ends_with("BigAutoField") {
            "bigint"
        } else if auto.ends_with("SmallAutoField") {
            "smallint"
        } else {
            "integer"
        };
        columns.push(GraphColumn {
            name: "id".into(),
            ty: ty.into(),
            pk: true,
            fk: false,
            unique: false,
            null: false,
            django_field: Some("id".into()),
            sqla_attr: None,
            drift: Vec::new(),
        });
    }
    for f in fields {
        let kind = f.kind;
        if matches!(
            kind,
            FieldKind::CompositePrimaryKey
                | FieldKind::GenericForeignKey
                | FieldKind::GenericRelation
                | FieldKind::ForeignObject
        ) {
            continue;
        }
        let target: Option<(String, String)> = f.opt("to").and_then(|e| match &e.kind {
            ExprKind::Str(s) if s == "self" => Some((m.label_lower(), m.label())),
            ExprKind::Str(s) => Some((
                normalize_label(s, &app, &m.name),
                if s.contains('.') {
                    s.clone()
                } else {
                    format!("{app}.{s}")
                },
            )),
            ExprKind::Name(n) if n.ends_with("AUTH_USER_MODEL") => Some((
                pm.settings.auth_user_model.to_lowercase(),
                pm.settings.auth_user_model.clone(),
            )),
            ExprKind::Name(n) => {
                let last = n.rsplit('.').next().unwrap_or(n);
                pm.models
                    .iter()
                    .find(|x| x.name == last && x.app_label == m.app_label)
                    .map(|x| (x.label_lower(), x.label()))
            }
            _ => None,
        });
        if kind == FieldKind::ManyToManyField {
            if let Some((target, shown)) = target {
                rels.push(FallbackRel {
                    column: f.name.clone(),
                    target,
                    shown,
                    to_field: None,
                    kind: EdgeKind::ManyToMany,
                    null: true,
                });
            }
            continue;
        }
        let relation = kind.is_relation();
        let column = f
            .opt("db_column")
            .and_then(|e| e.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| {
                if relation {
                    format!("{}_id", f.name)
                } else {
                    f.name.clone()
                }
            });
        let ty = if relation {
            "?".to_string()
        } else {
            let kwargs: Vec<(String, Val)> = ["max_length", "max_digits", "decimal_places"]
                .iter()
                .filter_map(|k| Some((k.to_string(), Val::int(f.opt(k)?.as_int()?))))
                .collect();
            let def = FieldDef {
                path: format!("django.db.models.{}", kind.name()),
                args: Vec::new(),
                kwargs,
            };
            type_name(&crate::sqla::django::sql_type_of(Some(kind), &def))
        };
        let pk = f.is_primary_key();
        let null = f.flag("null", false) == Some(true) && !pk;
        if relation && let Some((target, shown)) = target {
            rels.push(FallbackRel {
                column: column.clone(),
                target,
                shown,
                to_field: f
                    .opt("to_field")
                    .and_then(|e| e.as_str())
                    .map(str::to_string),
                kind: if kind == FieldKind::OneToOneField {
                    EdgeKind::OneToOne
                } else {
                    EdgeKind::ForeignKey
                },
                null,
            });
        }
        columns.push(GraphColumn {
            name: column,
            ty,
            pk,
            fk: relation,
            unique: !pk
                && (f.flag("unique", false) == Some(true) || kind == FieldKind::OneToOneField),
            null,
            django_field: Some(f.name.clone()),
            sqla_attr: None,
            drift: Vec::new(),
        });
    }
    (table, columns, rels)
}

/// A model label as the user wrote it (`auth.User`), from the lower-cased `app.model` Django uses.
fn shown_label(pm: &crate::project::ProjectModel, lower: &str) -> String {
    if let Some(m) = pm.models.iter().find(|m| m.label_lower() == lower) {
        return m.label();
    }
    if pm.settings.auth_user_model.to_lowercase() == lower {
        return pm.settings.auth_user_model.clone();
    }
    lower.to_string()
}

/// Put one drift diagnostic on the column or box it names.
fn place(b: &mut Builder, d: &Diagnostic) {
    let mark = DriftMark {
        code: d.code.clone(),
        message: d.message.clone(),
    };
    let mut node = None;
    let mut column = None;
    if let Some(f) = d.file {
        let exact: Vec<&(SourceFile, Span, usize, Option<String>)> = b
            .places
            .iter()
            .filter(|(pf, ps, _, _)| *pf == f && *ps == d.span)
            .collect();
        if let Some(first) = exact.first() {
            node = Some(first.2);
            let cols: Vec<&String> = exact
                .iter()
                .filter(|p| p.2 == first.2)
                .filter_map(|p| p.3.as_ref())
                .collect();
            if cols.len() == 1 && exact.iter().all(|p| p.3.is_some()) {
                column = Some(cols[0].clone());
            }
        } else if let Some((_, _, n)) = b
            .bodies
            .iter()
            .find(|(bf, bs, _)| *bf == f && bs.start <= d.span.start && d.span.end <= bs.end)
        {
            node = Some(*n);
        }
    }
    let Some(n) = node else {
        let hidden = d.file.is_some_and(|f| {
            b.hidden
                .iter()
                .any(|(hf, hs)| *hf == f && hs.start <= d.span.start && d.span.end <= hs.end)
        });
        if !hidden && !b.g.unplaced.contains(&mark) {
            b.g.unplaced.push(mark);
        }
        return;
    };
    if column.is_none() {
        column = named_column(&b.g.nodes[n], d);
    }
    let target = match column
        .as_ref()
        .and_then(|c| b.g.nodes[n].columns.iter_mut().position(|x| x.name == *c))
    {
        Some(ci) => &mut b.g.nodes[n].columns[ci].drift,
        None => &mut b.g.nodes[n].drift,
    };
    if !target.contains(&mark) {
        target.push(mark);
    }
}

/// The column a drift message names: `table.column`, `column 'x'`, `field x on/to/from model`, or
/// the object `app.Model.field`.
fn named_column(node: &GraphNode, d: &Diagnostic) -> Option<String> {
    let msg = &d.message;
    let table = node.table.rsplit('.').next().unwrap_or(&node.table);
    for c in &node.columns {
        let by_table = [
            format!("{table}.{}:", c.name),
            format!("{table}.{}'", c.name),
            format!("'{}' of table", c.name),
            format!("column '{}'", c.name),
        ];
        if by_table.iter().any(|p| msg.contains(p.as_str())) {
            return Some(c.name.clone());
        }
    }
    for c in &node.columns {
        let Some(field) = &c.django_field else {
            continue;
        };
        let by_field = [
            format!("field {field} to "),
            format!("field {field} on "),
            format!("field {field} from "),
        ];
        if by_field.iter().any(|p| msg.contains(p.as_str()))
            || d.object.as_deref().is_some_and(|o| {
                node.django
                    .as_deref()
                    .is_some_and(|l| o == format!("{l}.{field}"))
            })
        {
            return Some(c.name.clone());
        }
    }
    None
}
