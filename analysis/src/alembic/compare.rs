//! Compare the schema the revisions build with the SQLAlchemy metadata, the way
//! `alembic check` / `alembic revision --autogenerate` compare the metadata with a database
//! (alembic 1.20 defaults: tables, columns, nullability, types, indexes, unique constraints,
//! foreign keys, comments where the dialect has them; server defaults are not compared).

use rustc_hash::FxHashSet;

use crate::sqla::{SqlType, Table};

use super::state::{ColumnState, FkState, IndexState, SchemaState, TableState, UniqueState};

/// The database dialect of the environment (from `sqlalchemy.url`), which decides how types are
/// compiled and whether comments are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Sqlite,
    Postgresql,
    Mysql,
    /// Unknown: compared like PostgreSQL.
    Generic,
}

impl Dialect {
    pub fn from_url(url: Option<&str>) -> Dialect {
        let Some(u) = url else {
            return Dialect::Generic;
        };
        let scheme = u.split(':').next().unwrap_or("").to_ascii_lowercase();
        let base = scheme.split('+').next().unwrap_or("");
        match base {
            "sqlite" => Dialect::Sqlite,
            "postgresql" | "postgres" => Dialect::Postgresql,
            "mysql" | "mariadb" => Dialect::Mysql,
            _ => Dialect::Generic,
        }
    }
    fn supports_comments(self) -> bool {
        !matches!(self, Dialect::Sqlite)
    }
}

/// One difference, as alembic's autogenerate names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    AddTable(TableState),
    RemoveTable(TableState),
    AddColumn {
        table: TableRef,
        column: ColumnState,
    },
    RemoveColumn {
        table: TableRef,
        column: ColumnState,
    },
    AlterColumn {
        table: TableRef,
        existing: ColumnState,
        new: ColumnState,
        modify_type: bool,
        modify_nullable: bool,
        modify_comment: bool,
    },
    AddIndex {
        table: TableRef,
        index: IndexState,
    },
    RemoveIndex {
        table: TableRef,
        index: IndexState,
    },
    AddUnique {
        table: TableRef,
        unique: UniqueState,
    },
    RemoveUnique {
        table: TableRef,
        unique: UniqueState,
    },
    AddFk {
        table: TableRef,
        fk: FkState,
    },
    RemoveFk {
        table: TableRef,
        fk: FkState,
    },
    TableComment {
        table: TableRef,
        new: Option<String>,
        existing: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableRef {
    pub schema: Option<String>,
    pub name: String,
}

impl Change {
    /// alembic's diff tuple names (`alembic check` prints them), one or more per change.
    pub fn kinds(&self) -> Vec<&'static str> {
        match self {
            Change::AddTable(_) => vec!["add_table"],
            Change::RemoveTable(_) => vec!["remove_table"],
            Change::AddColumn { .. } => vec!["add_column"],
            Change::RemoveColumn { .. } => vec!["remove_column"],
            Change::AlterColumn {
                modify_type,
                modify_nullable,
                modify_comment,
                ..
            } => {
                let mut v = Vec::new();
                if *modify_type {
                    v.push("modify_type");
                }
                if *modify_nullable {
                    v.push("modify_nullable");
                }
                if *modify_comment {
                    v.push("modify_comment");
                }
                v
            }
            Change::AddIndex { .. } => vec!["add_index"],
            Change::RemoveIndex { .. } => vec!["remove_index"],
            Change::AddUnique { .. } => vec!["add_constraint"],
            Change::RemoveUnique { .. } => vec!["remove_constraint"],
            Change::AddFk { .. } => vec!["add_fk"],
            Change::RemoveFk { .. } => vec!["remove_fk"],
            Change::TableComment { new, .. } => {
                if new.is_some() {
                    vec!["add_table_comment"]
                } else {
                    vec!["remove_table_comment"]
                }
            }
        }
    }

    pub fn table(&self) -> TableRef {
        match self {
            Change::AddTable(t) | Change::RemoveTable(t) => TableRef {
                schema: t.schema.clone(),
                name: t.name.clone(),
            },
            Change::AddColumn { table, .. }
            | Change::RemoveColumn { table, .. }
            | Change::AlterColumn { table, .. }
            | Change::AddIndex { table, .. }
            | Change::RemoveIndex { table, .. }
            | Change::AddUnique { table, .. }
            | Change::RemoveUnique { table, .. }
            | Change::AddFk { table, .. }
            | Change::RemoveFk { table, .. }
            | Change::TableComment { table, .. } => table.clone(),
        }
    }

    /// The column the change is about, if any.
    pub fn column(&self) -> Option<&str> {
        match self {
            Change::AddColumn { column, .. } | Change::RemoveColumn { column, .. } => {
                Some(&column.name)
            }
            Change::AlterColumn { new, .. } => Some(&new.name),
            _ => None,
        }
    }

    /// A readable sentence (`Add column isbn to table book`).
    pub fn describe(&self) -> String {
        match self {
            Change::AddTable(t) => format!("Add table {}", t.name),
            Change::RemoveTable(t) => format!("Remove table {}", t.name),
            Change::AddColumn { table, column } => {
                format!("Add column {} to table {}", column.name, table.name)
            }
            Change::RemoveColumn { table, column } => {
                format!("Remove column {} from table {}", column.name, table.name)
            }
            Change::AlterColumn {
                table,
                existing,
                new,
                modify_type,
                modify_nullable,
                modify_comment,
            } => {
                let mut parts = Vec::new();
                if *modify_type {
                    parts.push(format!(
                        "type {} -> {}",
                        type_label(&existing.ty),
                        type_label(&new.ty)
                    ));
                }
                if *modify_nullable {
                    parts.push(if new.nullable {
                        "make nullable".to_string()
                    } else {
                        "make NOT NULL".to_string()
                    });
                }
                if *modify_comment {
                    parts.push("change comment".to_string());
                }
                format!(
                    "Alter column {}.{}: {}",
                    table.name,
                    new.name,
                    parts.join(", ")
                )
            }
            Change::AddIndex { table, index } => format!(
                "Add {}index {} on {}({})",
                if index.unique { "unique " } else { "" },
                index.name,
                table.name,
                index.columns.join(", ")
            ),
            Change::RemoveIndex { table, index } => {
                format!("Remove index {} from table {}", index.name, table.name)
            }
            Change::AddUnique { table, unique } => format!(
                "Add unique constraint on {}({})",
                table.name,
                unique.columns.join(", ")
            ),
            Change::RemoveUnique { table, unique } => format!(
                "Remove unique constraint {}on {}({})",
                unique
                    .name
                    .as_ref()
                    .map(|n| format!("{n} "))
                    .unwrap_or_default(),
                table.name,
                unique.columns.join(", ")
            ),
            Change::AddFk { table, fk } => format!(
                "Add foreign key {}({}) -> {}({})",
                table.name,
                fk.columns.join(", "),
                fk.ref_table,
                fk.ref_columns.join(", ")
            ),
            Change::RemoveFk { table, fk } => format!(
                "Remove foreign key {}({}) -> {}({})",
                table.name,
                fk.columns.join(", "),
                fk.ref_table,
                fk.ref_columns.join(", ")
            ),
            Change::TableComment { table, new, .. } => match new {
                Some(_) => format!("Change the comment of table {}", table.name),
                None => format!("Remove the comment of table {}", table.name),
            },
        }
    }
}

fn type_label(t: &SqlType) -> String {
    compile_type(t, Dialect::Generic).unwrap_or_else(|| t.category())
}

/// A group of changes as autogenerate emits them: a table created or dropped on its own, or the
/// changes of one table (`ModifyTableOps`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum Group {
    Single(Change),
    Modify {
        table: TableRef,
        changes: Vec<Change>,
    },
}

impl Group {
    pub fn changes(&self) -> Vec<&Change> {
        match self {
            Group::Single(c) => vec![c],
            Group::Modify { changes, .. } => changes.iter().collect(),
        }
    }
}

/// The SQLAlchemy tables as one schema state. `Err`: a table could not be read fully.
pub fn metadata_state(tables: &[&Table]) -> Result<SchemaState, String> {
    let mut out = SchemaState::default();
    for t in tables {
        if t.incomplete {
            return Err(format!(
                "SQLAlchemy table '{}' could not be read fully",
                t.name
            ));
        }
        let mut ts = TableState::new(t.schema.clone(), t.name.clone());
        ts.comment = t.comment.clone();
        for c in &t.columns {
            ts.columns.push(ColumnState {
                name: c.name.clone(),
                ty: c.ty.clone(),
                nullable: c.nullable && !c.primary_key,
                primary_key: c.primary_key,
                server_default: c.server_default.clone(),
                comment: c.comment.clone(),
            });
        }
        ts.primary_key = t.primary_key.clone();
        for i in &t.indexes {
            let name = match &i.name {
                Some(n) => n.clone(),
                None => format!("ix_{}_{}", t.name, i.columns.join("_")),
            };
            ts.indexes.push(IndexState {
                name,
                columns: i.columns.clone(),
                unique: i.unique,
                expression: false,
            });
        }
        for u in &t.uniques {
            // `Column(unique=True, index=True)` is one unique index, not a constraint.
            let is_index = t
                .indexes
                .iter()
                .any(|i| i.name.is_none() && i.unique && &i.columns == u);
            if !is_index {
                ts.uniques.push(UniqueState {
                    name: None,
                    columns: u.clone(),
                });
            }
        }
        for f in &t.foreign_keys {
            let Some(target) = &f.target_table else {
                return Err(format!(
                    "a foreign key of SQLAlchemy table '{}' has an unknown target",
                    t.name
                ));
            };
            ts.fks.push(FkState {
                name: None,
                columns: f.columns.clone(),
                ref_table: target.clone(),
                ref_columns: f.target_columns.clone(),
                ondelete: f.ondelete.clone(),
                onupdate: None,
            });
        }
        out.tables.push(ts);
    }
    Ok(out)
}

/// SQLAlchemy's `MetaData.sorted_tables`: by name, then dependencies first (`sort_as_subsets`).
fn sorted_tables(meta: &SchemaState) -> Vec<&TableState> {
    let mut by_name: Vec<&TableState> = meta.tables.iter().collect();
    by_name.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    let mut out: Vec<&TableState> = Vec::new();
    let mut done: FxHashSet<String> = FxHashSet::default();
    let mut rest = by_name;
    while !rest.is_empty() {
        let deps_ok = |t: &TableState| {
            t.fks.iter().all(|f| {
                f.ref_table == t.name
                    || done.contains(&f.ref_table)
                    || !meta.tables.iter().any(|x| x.name == f.ref_table)
            })
        };
        let (free, blocked): (Vec<&TableState>, Vec<&TableState>) =
            rest.iter().partition(|t| deps_ok(t));
        if free.is_empty() {
            // A cycle: SQLAlchemy breaks it; keep name order.
            out.extend(blocked);
            break;
        }
        for t in &free {
            done.insert(t.name.clone());
        }
        out.extend(free);
        rest = blocked;
    }
    out
}

/// Compile a type the way the dialect's DDL compiler does (lower case), or `None` when djsa
/// cannot tell (the column's type is then not compared).
pub fn compile_type(t: &SqlType, d: Dialect) -> Option<String> {
    let pg = matches!(d, Dialect::Postgresql | Dialect::Generic);
    Some(match t {
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
            (Some(p), Some(s)) => format!("numeric({p}, {s})"),
            (Some(p), None) => format!("numeric({p})"),
            _ => "numeric".into(),
        },
        SqlType::Float => "float".into(),
        SqlType::Double => {
            if pg {
                "double precision".into()
            } else {
                "double".into()
            }
        }
        SqlType::Date => "date".into(),
        SqlType::DateTime { timezone } => {
            if pg {
                if *timezone {
                    "timestamp with time zone".into()
                } else {
                    "timestamp without time zone".into()
                }
            } else {
                "datetime".into()
            }
        }
        SqlType::Time => {
            if pg {
                "time without time zone".into()
            } else {
                "time".into()
            }
        }
        SqlType::Interval => {
            if pg {
                "interval".into()
            } else {
                "datetime".into()
            }
        }
        SqlType::LargeBinary => {
            if pg {
                "bytea".into()
            } else {
                "blob".into()
            }
        }
        SqlType::Uuid => {
            if pg {
                "uuid".into()
            } else {
                "char(32)".into()
            }
        }
        SqlType::Json => "json".into(),
        SqlType::Enum { values: Some(_) } if matches!(d, Dialect::Sqlite) => {
            format!("varchar({})", t.length().unwrap_or(1))
        }
        SqlType::Enum { .. } | SqlType::Other(_) | SqlType::Unknown(_) => return None,
    })
}

struct Params {
    token0: String,
    tokens: Vec<String>,
    args: Vec<String>,
}

fn tokenize(def: &str) -> Params {
    let (head, paren) = match def.find('(') {
        Some(i) => (
            format!(
                "{}{}",
                &def[..i],
                def.get(def.find(')').map_or(def.len(), |j| j + 1)..)
                    .unwrap_or("")
            ),
            def[i + 1..].split(')').next().unwrap_or(""),
        ),
        None => (def.to_string(), ""),
    };
    let mut words = head.split_whitespace().map(str::to_string);
    let token0 = words.next().unwrap_or_default();
    Params {
        token0,
        tokens: words.collect(),
        args: paren
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

/// alembic's `DefaultImpl.compare_type`: `true` when the types differ.
fn types_differ(conn: &SqlType, meta: &SqlType, d: Dialect) -> bool {
    let (Some(a), Some(b)) = (compile_type(conn, d), compile_type(meta, d)) else {
        return false;
    };
    let (pa, pb) = (tokenize(&a), tokenize(&b));
    // PostgreSQL stores FLOAT as double precision and reflects it so.
    let pg = !matches!(d, Dialect::Sqlite | Dialect::Mysql);
    let synonyms: &[&[&str]] = if pg {
        &[&["decimal", "numeric"], &["float", "double"]]
    } else {
        &[&["decimal", "numeric"]]
    };
    let same0 = pa.token0 == pb.token0
        || synonyms
            .iter()
            .any(|s| s.contains(&pa.token0.as_str()) && s.contains(&pb.token0.as_str()));
    if pg && same0 && pa.token0 != pb.token0 {
        return false;
    }
    if !same0 {
        return true;
    }
    if pa.tokens.len() == pb.tokens.len() && pa.tokens != pb.tokens {
        return true;
    }
    pa.args.len() == pb.args.len() && pa.args != pb.args
}

/// Compare the replayed revisions (`conn`, playing the database) with the metadata.
pub fn compare(conn: &SchemaState, meta: &SchemaState, d: Dialect) -> Vec<Group> {
    let mut out = Vec::new();
    let key = |t: &TableState| (t.schema.clone(), t.name.clone());
    let conn_keys: FxHashSet<(Option<String>, String)> = conn.tables.iter().map(key).collect();
    let meta_keys: FxHashSet<(Option<String>, String)> = meta.tables.iter().map(key).collect();
    let tref = |t: &TableState| TableRef {
        schema: t.schema.clone(),
        name: t.name.clone(),
    };
    // Added tables, in dependency order, each followed by its indexes.
    for t in sorted_tables(meta) {
        if conn_keys.contains(&key(t)) {
            continue;
        }
        out.push(Group::Single(Change::AddTable(t.clone())));
        let mut idx: Vec<&IndexState> = t.indexes.iter().collect();
        idx.sort_by(|a, b| a.name.cmp(&b.name));
        let changes: Vec<Change> = idx
            .into_iter()
            .map(|i| Change::AddIndex {
                table: tref(t),
                index: i.clone(),
            })
            .collect();
        if !changes.is_empty() {
            out.push(Group::Modify {
                table: tref(t),
                changes,
            });
        }
    }
    // Removed tables: their indexes first, then the table.
    let mut removed: Vec<&TableState> = conn
        .tables
        .iter()
        .filter(|t| !meta_keys.contains(&key(t)))
        .collect();
    removed.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    for t in removed {
        let mut idx: Vec<&IndexState> = t.indexes.iter().collect();
        idx.sort_by(|a, b| a.name.cmp(&b.name));
        let changes: Vec<Change> = idx
            .into_iter()
            .map(|i| Change::RemoveIndex {
                table: tref(t),
                index: i.clone(),
            })
            .collect();
        if !changes.is_empty() {
            out.push(Group::Modify {
                table: tref(t),
                changes,
            });
        }
        out.push(Group::Single(Change::RemoveTable(t.clone())));
    }
    // Tables on both sides, by (schema, name).
    let mut existing: Vec<&TableState> = meta
        .tables
        .iter()
        .filter(|t| conn_keys.contains(&key(t)))
        .collect();
    existing.sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
    for mt in existing {
        let Some(ct) = conn.table(&mt.schema, &mt.name) else {
            continue;
        };
        let changes = compare_table(ct, mt, d);
        if !changes.is_empty() {
            out.push(Group::Modify {
                table: tref(mt),
                changes,
            });
        }
    }
    out
}

fn compare_table(ct: &TableState, mt: &TableState, d: Dialect) -> Vec<Change> {
    let table = TableRef {
        schema: mt.schema.clone(),
        name: mt.name.clone(),
    };
    let mut out = Vec::new();
    for c in &mt.columns {
        if ct.column(&c.name).is_none() {
            out.push(Change::AddColumn {
                table: table.clone(),
                column: c.clone(),
            });
        }
    }
    for mc in &mt.columns {
        let Some(cc) = ct.column(&mc.name) else {
            continue;
        };
        let modify_type = types_differ(&cc.ty, &mc.ty, d);
        let modify_nullable = cc.nullable != mc.nullable;
        let modify_comment = d.supports_comments() && cc.comment != mc.comment;
        if modify_type || modify_nullable || modify_comment {
            out.push(Change::AlterColumn {
                table: table.clone(),
                existing: cc.clone(),
                new: mc.clone(),
                modify_type,
                modify_nullable,
                modify_comment,
            });
        }
    }
    // Indexes and unique constraints.
    #[derive(Clone)]
    enum Obj<'a> {
        Ix(&'a IndexState),
        Uq(&'a UniqueState),
    }
    let pg_like = !matches!(d, Dialect::Sqlite);
    let uq_conn_name = |u: &UniqueState| -> Option<String> {
        u.name
            .clone()
            .or_else(|| pg_like.then(|| format!("{}_{}_key", ct.name, u.columns.join("_"))))
    };
    let mut meta_named: Vec<(String, Obj<'_>)> = Vec::new();
    for i in &mt.indexes {
        meta_named.push((i.name.clone(), Obj::Ix(i)));
    }
    for u in &mt.uniques {
        if let Some(n) = &u.name {
            meta_named.push((n.clone(), Obj::Uq(u)));
        }
    }
    let mut conn_named: Vec<(String, Obj<'_>)> = Vec::new();
    for i in &ct.indexes {
        conn_named.push((i.name.clone(), Obj::Ix(i)));
    }
    for u in &ct.uniques {
        if let Some(n) = uq_conn_name(u) {
            conn_named.push((n, Obj::Uq(u)));
        }
    }
    let unnamed_meta: Vec<&UniqueState> = mt.uniques.iter().filter(|u| u.name.is_none()).collect();
    let find = |v: &[(String, Obj<'_>)], n: &str| v.iter().position(|(x, _)| x == n);
    let add = |o: &Obj<'_>, out: &mut Vec<Change>| match o {
        Obj::Ix(i) => out.push(Change::AddIndex {
            table: table.clone(),
            index: (*i).clone(),
        }),
        Obj::Uq(u) => out.push(Change::AddUnique {
            table: table.clone(),
            unique: (*u).clone(),
        }),
    };
    let remove = |o: &Obj<'_>, name: &str, out: &mut Vec<Change>| match o {
        Obj::Ix(i) => out.push(Change::RemoveIndex {
            table: table.clone(),
            index: (*i).clone(),
        }),
        Obj::Uq(u) => out.push(Change::RemoveUnique {
            table: table.clone(),
            unique: UniqueState {
                name: Some(name.to_string()),
                columns: u.columns.clone(),
            },
        }),
    };
    let mut removed: Vec<&(String, Obj<'_>)> = conn_named
        .iter()
        .filter(|(n, _)| find(&meta_named, n).is_none())
        .collect();
    removed.sort_by(|a, b| a.0.cmp(&b.0));
    for (n, o) in removed {
        if let Obj::Uq(u) = o
            && unnamed_meta.iter().any(|m| m.columns == u.columns)
        {
            continue;
        }
        if let Obj::Ix(i) = o
            && i.expression
        {
            continue;
        }
        remove(o, n, &mut out);
    }
    let mut both: Vec<(&String, &Obj<'_>, &Obj<'_>)> = meta_named
        .iter()
        .filter_map(|(n, mo)| find(&conn_named, n).map(|ci| (n, mo, &conn_named[ci].1)))
        .collect();
    both.sort_by(|a, b| a.0.cmp(b.0));
    for (n, mo, co) in both {
        match (mo, co) {
            (Obj::Ix(mi), Obj::Ix(ci)) => {
                if mi.expression || ci.expression {
                    continue;
                }
                if mi.columns != ci.columns || mi.unique != ci.unique {
                    remove(co, n, &mut out);
                    add(mo, &mut out);
                }
            }
            (Obj::Uq(mu), Obj::Uq(cu)) => {
                if mu.columns != cu.columns {
                    remove(co, n, &mut out);
                    add(mo, &mut out);
                }
            }
            _ => {
                remove(co, n, &mut out);
                add(mo, &mut out);
            }
        }
    }
    let mut added: Vec<&(String, Obj<'_>)> = meta_named
        .iter()
        .filter(|(n, _)| find(&conn_named, n).is_none())
        .collect();
    added.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, o) in added {
        if let Obj::Ix(i) = o
            && i.expression
        {
            continue;
        }
        add(o, &mut out);
    }
    for u in unnamed_meta {
        if !ct.uniques.iter().any(|c| c.columns == u.columns) {
            out.push(Change::AddUnique {
                table: table.clone(),
                unique: u.clone(),
            });
        }
    }
    // Foreign keys, by signature.
    let sig = |f: &FkState| {
        (
            f.columns.clone(),
            f.ref_table.clone(),
            f.ref_columns.clone(),
            f.ondelete.clone().map(|s| s.to_ascii_uppercase()),
            f.onupdate.clone().map(|s| s.to_ascii_uppercase()),
        )
    };
    let mut rm: Vec<&FkState> = ct
        .fks
        .iter()
        .filter(|c| !mt.fks.iter().any(|m| sig(m) == sig(c)))
        .collect();
    rm.sort_by_key(|f| sig(f));
    for f in rm {
        out.push(Change::RemoveFk {
            table: table.clone(),
            fk: f.clone(),
        });
    }
    let mut ad: Vec<&FkState> = mt
        .fks
        .iter()
        .filter(|m| !ct.fks.iter().any(|c| sig(m) == sig(c)))
        .collect();
    ad.sort_by_key(|f| sig(f));
    for f in ad {
        out.push(Change::AddFk {
            table: table.clone(),
            fk: f.clone(),
        });
    }
    if d.supports_comments() && ct.comment != mt.comment {
        out.push(Change::TableComment {
            table: table.clone(),
            new: mt.comment.clone(),
            existing: ct.comment.clone(),
        });
    }
    for c in &ct.columns {
        if mt.column(&c.name).is_none() {
            out.push(Change::RemoveColumn {
                table: table.clone(),
                column: c.clone(),
            });
        }
    }
    out
}
