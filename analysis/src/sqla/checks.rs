//! SQLAlchemy checks: errors SQLAlchemy itself raises at mapper configuration or DDL time
//! (DJSA20x), Django Meta-API compatibility of each table (DJSA22x), and drift between a Django
//! model and a SQLAlchemy table on the same database table (DJSA24x).
//!
//! Silence rule: a check that needs the whole picture (every table, every attribute of a class)
//! stays silent when djsa skipped something there.

use rustc_hash::FxHashMap;

use crate::db::{Db, Project};
use crate::diagnostic::{Diagnostic, Severity};

use super::bridge::field_name_for;
use super::django::{DjColumn, DjTable, django_tables};
use super::index::{Column, SqlaIndex, Table, sqla_tables};
use super::types::{self, SqlType};

/// Every DJSA2xx diagnostic of the project (before select/ignore filtering).
pub fn check(db: &dyn Db, project: Project) -> Vec<Diagnostic> {
    let index = sqla_tables(db, project);
    let mut out = Vec::new();
    if index.tables.is_empty() && index.classes.is_empty() {
        return out;
    }
    foreign_keys(index, &mut out);
    relationships(index, &mut out);
    duplicates(index, &mut out);
    primary_keys(index, &mut out);
    annotation_conflicts(index, &mut out);
    meta_api(index, &mut out);
    drift(index, django_tables(db, project), &mut out);
    out
}

fn on_table(t: &Table, code: &str, sev: Severity, msg: String) -> Diagnostic {
    Diagnostic::new(code, sev, msg)
        .at(t.file, t.span)
        .object(format!("sqlalchemy table {}", t.qualified_name()))
}

fn on_column(t: &Table, c: &Column, code: &str, sev: Severity, msg: String) -> Diagnostic {
    Diagnostic::new(code, sev, msg)
        .at(c.file, c.span)
        .object(format!(
            "sqlalchemy column {}.{}",
            t.qualified_name(),
            c.name
        ))
}

fn known_metadata(k: &str) -> bool {
    !k.starts_with('?')
}

// ------------------------------------------------------------------ DJSA201

fn foreign_keys(index: &SqlaIndex, out: &mut Vec<Diagnostic>) {
    for t in &index.tables {
        for fk in &t.foreign_keys {
            let Some(target) = fk.target_table.as_deref() else {
                continue;
            };
            let shown = format!("{target}.{}", fk.target_columns.join(", "));
            match index.find_table(target) {
                None => {
                    if index.incomplete {
                        continue;
                    }
                    out.push(
                        Diagnostic::new(
                            "DJSA201",
                            Severity::Error,
                            format!(
                                "Foreign key on {}.{} refers to table '{target}', which no SQLAlchemy table in the project declares.",
                                t.qualified_name(),
                                fk.columns.join(", ")
                            ),
                        )
                        .at(fk.file, fk.span)
                        .hint(format!("SQLAlchemy raises NoReferencedTableError for '{shown}' at create_all() or mapper configuration. Check the table name (ForeignKey takes table names, not class names)."))
                        .object(format!("sqlalchemy table {}", t.qualified_name())),
                    );
                }
                Some(ti) => {
                    let tt = &index.tables[ti];
                    if known_metadata(&tt.metadata)
                        && known_metadata(&t.metadata)
                        && tt.metadata != t.metadata
                        && !index.tables.iter().any(|x| {
                            x.metadata == t.metadata && x.qualified_name() == tt.qualified_name()
                        })
                    {
                        out.push(
                            Diagnostic::new(
                                "DJSA201",
                                Severity::Error,
                                format!(
                                    "Foreign key on {}.{} refers to table '{target}', which belongs to a different MetaData.",
                                    t.qualified_name(),
                                    fk.columns.join(", ")
                                ),
                            )
                            .at(fk.file, fk.span)
                            .hint("SQLAlchemy resolves foreign keys within one MetaData and raises NoReferencedTableError at create_all(). Declare both tables on the same Base/MetaData.")
                            .object(format!("sqlalchemy table {}", t.qualified_name())),
                        );
                        continue;
                    }
                    if tt.incomplete {
                        continue;
                    }
                    for col in &fk.target_columns {
                        if tt.column(col).is_none()
                            && !tt
                                .columns
                                .iter()
                                .any(|c| c.attr.as_deref() == Some(col.as_str()))
                        {
                            out.push(
                                Diagnostic::new(
                                    "DJSA201",
                                    Severity::Error,
                                    format!(
                                        "Foreign key on {}.{} refers to column '{col}' of table '{}', which has no such column.",
                                        t.qualified_name(),
                                        fk.columns.join(", "),
                                        tt.qualified_name()
                                    ),
                                )
                                .at(fk.file, fk.span)
                                .hint(format!(
                                    "SQLAlchemy raises NoReferencedColumnError. Columns of '{}': {}.",
                                    tt.qualified_name(),
                                    tt.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                                ))
                                .object(format!("sqlalchemy table {}", t.qualified_name())),
                            );
                        }
                    }
                }
            }
        }
    }
}

// ------------------------------------------------------------------ DJSA202

fn relationships(index: &SqlaIndex, out: &mut Vec<Diagnostic>) {
    let by_name = |n: &str| -> Option<usize> {
        let mut it = index
            .classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.name == n);
        let first = it.next()?.0;
        if it.next().is_some() {
            None
        } else {
            Some(first)
        }
    };
    // Attribute names each class gets from other classes' backref=.
    let mut backrefs: FxHashMap<usize, Vec<String>> = FxHashMap::default();
    for c in &index.classes {
        for r in &c.relationships {
            if let (Some(b), Some(t)) = (&r.backref, r.target.as_deref().and_then(by_name)) {
                backrefs.entry(t).or_default().push(b.clone());
            }
        }
    }
    for (ci, c) in index.classes.iter().enumerate() {
        for r in &c.relationships {
            let Some(ti) = r.target.as_deref().and_then(by_name) else {
                continue;
            };
            let target = &index.classes[ti];
            // Members inherited from mapped parents count too.
            let mut chain = vec![ti];
            let mut cur = ti;
            for _ in 0..20 {
                match index.classes[cur]
                    .sti_parent
                    .or(index.classes[cur].joined_parent)
                {
                    Some(p) => {
                        chain.push(p);
                        cur = p;
                    }
                    None => break,
                }
            }
            let incomplete = chain.iter().any(|&x| index.classes[x].incomplete);
            let find_rel = |name: &str| {
                chain.iter().find_map(|&x| {
                    index.classes[x]
                        .relationships
                        .iter()
                        .find(|o| o.attr == name)
                })
            };
            let has_attr = |name: &str| {
                chain
                    .iter()
                    .any(|&x| index.classes[x].attrs.iter().any(|(a, _)| a == name))
            };
            if let Some(bp) = &r.back_populates {
                if let Some(other) = find_rel(bp) {
                    let mut own_chain = vec![c.name.clone()];
                    let mut cur = ci;
                    for _ in 0..20 {
                        match index.classes[cur]
                            .sti_parent
                            .or(index.classes[cur].joined_parent)
                        {
                            Some(p) => {
                                own_chain.push(index.classes[p].name.clone());
                                cur = p;
                            }
                            None => break,
                        }
                    }
                    if let Some(ot) = &other.target
                        && !own_chain.contains(ot)
                        && index.classes.iter().any(|x| &x.name == ot)
                    {
                        out.push(
                            Diagnostic::new(
                                "DJSA202",
                                Severity::Error,
                                format!(
                                    "relationship {}.{} has back_populates='{bp}', but {}.{bp} is a relationship to {ot}, not to {}.",
                                    c.name, r.attr, target.name, c.name
                                ),
                            )
                            .at(r.file, r.span)
                            .hint("SQLAlchemy raises ArgumentError at mapper configuration: the two sides of back_populates must point at each other.")
                            .object(format!("sqlalchemy class {}", c.name)),
                        );
                    }
                } else if has_attr(bp) {
                    out.push(
                        Diagnostic::new(
                            "DJSA202",
                            Severity::Error,
                            format!("relationship {}.{} has back_populates='{bp}', but {}.{bp} is a column, not a relationship.", c.name, r.attr, target.name),
                        )
                        .at(r.file, r.span)
                        .hint("SQLAlchemy raises at mapper configuration. Point back_populates at the relationship() on the other class.")
                        .object(format!("sqlalchemy class {}", c.name)),
                    );
                } else if !incomplete && !backrefs.get(&ti).is_some_and(|b| b.contains(bp)) {
                    out.push(
                        Diagnostic::new(
                            "DJSA202",
                            Severity::Error,
                            format!("relationship {}.{} has back_populates='{bp}', but class {} has no attribute '{bp}'.", c.name, r.attr, target.name),
                        )
                        .at(r.file, r.span)
                        .hint(format!("SQLAlchemy raises InvalidRequestError (\"Mapper '{}' has no property '{bp}'\") at mapper configuration. Add the relationship on {} or fix the name.", target.name, target.name))
                        .object(format!("sqlalchemy class {}", c.name)),
                    );
                }
            }
            if let Some(b) = &r.backref
                && (find_rel(b).is_some() || has_attr(b))
            {
                out.push(
                    Diagnostic::new(
                        "DJSA202",
                        Severity::Error,
                        format!("relationship {}.{} creates backref '{b}' on {}, which already has an attribute of that name.", c.name, r.attr, target.name),
                    )
                    .at(r.file, r.span)
                    .hint("SQLAlchemy raises ArgumentError (\"Error creating backref ... property of that name exists\"). Use back_populates with the existing relationship instead.")
                    .object(format!("sqlalchemy class {}", c.name)),
                );
            }
        }
    }
}

// ------------------------------------------------------------------ DJSA203

fn duplicates(index: &SqlaIndex, out: &mut Vec<Diagnostic>) {
    let mut seen: FxHashMap<(String, String), usize> = FxHashMap::default();
    for (i, t) in index.tables.iter().enumerate() {
        if !known_metadata(&t.metadata) {
            continue;
        }
        // An STI subclass shares its parent's table: one Table object, not a duplicate.
        let key = (t.metadata.clone(), t.qualified_name());
        match seen.get(&key) {
            Some(&first) if !t.extend_existing => {
                let f = &index.tables[first];
                out.push(
                    on_table(
                        t,
                        "DJSA203",
                        Severity::Error,
                        format!("Table '{}' is already defined for this MetaData.", t.qualified_name()),
                    )
                    .hint(format!(
                        "SQLAlchemy raises InvalidRequestError at import (\"Table '{}' is already defined for this MetaData instance\"); the first definition is in {}. Rename one, or pass extend_existing=True if both are meant to be one table.",
                        t.qualified_name(),
                        f.class.and_then(|c| index.classes.get(c)).map(|c| format!("class {}", c.name)).unwrap_or_else(|| "a Table(...) call".into())
                    )),
                );
            }
            Some(_) => {}
            None => {
                seen.insert(key, i);
            }
        }
    }
}

// ------------------------------------------------------------------ DJSA204

fn primary_keys(index: &SqlaIndex, out: &mut Vec<Diagnostic>) {
    for c in &index.classes {
        if c.sti_parent.is_some() || c.mapper_primary_key || c.incomplete {
            continue;
        }
        let Some(t) = c.table.and_then(|i| index.tables.get(i)) else {
            continue;
        };
        if t.class
            .is_some_and(|own| index.classes.get(own).is_some_and(|o| o.id != c.id))
        {
            continue;
        }
        if t.incomplete || !t.primary_key.is_empty() {
            continue;
        }
        out.push(
            Diagnostic::new(
                "DJSA204",
                Severity::Error,
                format!("Mapped class {} has no primary key: table '{}' declares no primary key column.", c.name, t.qualified_name()),
            )
            .at(c.file, c.name_span)
            .hint(format!("SQLAlchemy raises ArgumentError (\"Mapper ... could not assemble any primary key columns for mapped table '{}'\") at import. Add primary_key=True to a column.", t.name))
            .object(format!("sqlalchemy class {}", c.name)),
        );
    }
}

// ------------------------------------------------------------------ DJSA205

fn annotation_conflicts(index: &SqlaIndex, out: &mut Vec<Diagnostic>) {
    for t in &index.tables {
        for c in &t.columns {
            if let Some(py) = &c.annotation_conflict {
                out.push(
                    on_column(
                        t,
                        c,
                        "DJSA205",
                        Severity::Warning,
                        format!(
                            "Attribute '{}' is annotated Mapped[{py}] but its mapped_column type is {}.",
                            c.attr.as_deref().unwrap_or(&c.name),
                            c.ty.category()
                        ),
                    )
                    .hint("The explicit column type wins: the database column is what mapped_column() says, while type checkers and dataclass fields believe the annotation. Make them agree."),
                );
            }
        }
    }
}

// ------------------------------------------------------------------ DJSA22x

fn meta_api(index: &SqlaIndex, out: &mut Vec<Diagnostic>) {
    let mut seen = Vec::new();
    for t in &index.tables {
        let q = t.qualified_name();
        if seen.contains(&q) {
            continue;
        }
        seen.push(q.clone());
        let owner_checked = t.class.and_then(|c| index.classes.get(c)).is_some();
        if t.primary_key.is_empty() {
            if !owner_checked && !t.incomplete {
                out.push(
                    on_table(t, "DJSA221", Severity::Warning, format!("Table '{q}' has no primary key, so Django's Meta API cannot represent it."))
                        .hint("Django models need a primary key: `djsa bridge --to django` skips this table, so there is no ModelForm and no admin for it. Add a primary key (or a unique NOT NULL column promoted to one)."),
                );
            }
            continue;
        }
        if t.primary_key.len() > 1 {
            let assoc = is_association(t);
            out.push(
                on_table(
                    t,
                    "DJSA222",
                    Severity::Info,
                    format!("Table '{q}' has a composite primary key ({}).", t.primary_key.join(", ")),
                )
                .hint(if assoc {
                    "Bridged as a model with CompositePrimaryKey (Django 5.2+), used as the `through` model of a ManyToManyField: the admin cannot register it, and no ForeignKey can point at it."
                } else {
                    "Bridged with CompositePrimaryKey (Django 5.2+): the admin cannot register the model (no changelist or change form), and no Django ForeignKey can point at it."
                }),
            );
        }
        for c in &t.columns {
            if c.computed.is_some() {
                continue;
            }
            let is_rel_col = t
                .foreign_keys
                .iter()
                .any(|f| f.columns.len() == 1 && f.columns[0] == c.name);
            if !is_rel_col && let Err(why) = types::django_field(&c.ty, false) {
                if matches!(c.ty, SqlType::Unknown(_)) {
                    continue; // not understood: not claimed either way (listed by --verbose)
                }
                let required = !c.nullable && c.server_default.is_none() && !c.identity;
                out.push(
                    on_column(t, c, "DJSA223", Severity::Warning, format!("Column '{}' of '{q}' has no Django model field: {why}.", c.name))
                        .hint(if required {
                            "The bridged model omits it, so forms and the admin cannot show or edit it; and it is NOT NULL without a server default, so inserts through Django fail."
                        } else {
                            "The bridged model omits it, so forms and the admin cannot show or edit it."
                        }),
                );
            }
            let is_pk = t.primary_key.len() == 1 && t.primary_key[0] == c.name;
            let (name, why) =
                field_name_for(c.attr.as_deref().unwrap_or(&c.name), is_rel_col, is_pk);
            if let Some(why) = why
                && why != "Field name made lowercase."
            {
                out.push(
                    on_column(t, c, "DJSA224", Severity::Info, format!("Column name '{}' is not a valid Django field name. {why}", c.name))
                        .hint(format!("The bridge names the field '{name}' with db_column='{}'; forms, the admin and querysets use '{name}'.", c.name)),
                );
            }
        }
        for fk in &t.foreign_keys {
            if fk.columns.len() > 1 {
                out.push(
                    Diagnostic::new(
                        "DJSA226",
                        Severity::Warning,
                        format!("Foreign key ({}) of '{q}' spans several columns; Django has no multi-column ForeignKey.", fk.columns.join(", ")),
                    )
                    .at(fk.file, fk.span)
                    .hint("The bridge keeps the columns as plain fields: forms and the admin show raw values instead of a choice of related rows, and no related lookups or inlines are possible.")
                    .object(format!("sqlalchemy table {q}")),
                );
                continue;
            }
            let (Some(target), Some(tc)) = (fk.target_table.as_deref(), fk.target_columns.first())
            else {
                continue;
            };
            let Some(ti) = index.find_table(target) else {
                continue;
            };
            let tt = &index.tables[ti];
            if tt.incomplete || tt.column(tc).is_none() {
                continue;
            }
            if !tt.is_unique_set(std::slice::from_ref(tc)) {
                out.push(
                    Diagnostic::new(
                        "DJSA225",
                        Severity::Warning,
                        format!("Foreign key {q}.{} refers to {}.{tc}, which is neither the primary key nor unique.", fk.columns[0], tt.qualified_name()),
                    )
                    .at(fk.file, fk.span)
                    .hint("Django requires a unique target (fields.E311), so the bridge keeps a plain column: forms show a raw value instead of a choice list, and the admin has no link to the related row.")
                    .object(format!("sqlalchemy table {q}")),
                );
            }
        }
        if is_association(t) {
            let extra: Vec<&str> = t
                .columns
                .iter()
                .filter(|c| !t.primary_key.contains(&c.name))
                .map(|c| c.name.as_str())
                .collect();
            if !extra.is_empty() {
                out.push(
                    on_table(
                        t,
                        "DJSA227",
                        Severity::Info,
                        format!("Association table '{q}' has extra columns ({}).", extra.join(", ")),
                    )
                    .hint("The bridge makes it the explicit `through` model of a ManyToManyField: the admin shows no widget for the relation, forms can only add links whose extra columns have defaults, and the composite key keeps the through model out of the admin."),
                );
            }
        }
    }
}

fn is_association(t: &Table) -> bool {
    t.primary_key.len() == 2
        && t.primary_key.iter().all(|c| {
            t.foreign_keys
                .iter()
                .any(|f| f.columns.len() == 1 && f.columns[0] == *c)
        })
}

// ------------------------------------------------------------------ DJSA24x

fn compatible(a: &SqlType, b: &SqlType) -> bool {
    use SqlType as T;
    match (a, b) {
        (T::Unknown(_), _) | (_, T::Unknown(_)) => true,
        (T::Float | T::Double, T::Float | T::Double) => true,
        (T::String { length: None, .. } | T::Text, T::String { length: None, .. } | T::Text) => {
            true
        }
        (T::String { .. } | T::Enum { .. }, T::String { .. } | T::Enum { .. }) => true,
        (T::DateTime { .. }, T::DateTime { .. }) => true,
        _ => a.category() == b.category(),
    }
}

fn drift(index: &SqlaIndex, dj: &super::django::DjangoTables, out: &mut Vec<Diagnostic>) {
    for d in &dj.tables {
        let Some(ti) = index
            .tables
            .iter()
            .position(|t| t.schema.is_none() && t.name == d.db_table)
        else {
            continue;
        };
        let t = &index.tables[ti];
        let both = |out: &mut Vec<Diagnostic>,
                    code: &str,
                    sa_col: Option<&Column>,
                    dj_col: Option<&DjColumn>,
                    msg: String,
                    hint: &str| {
            let (sf, ss) = sa_col.map(|c| (c.file, c.span)).unwrap_or((t.file, t.span));
            out.push(
                Diagnostic::new(code, Severity::Warning, msg.clone())
                    .at(sf, ss)
                    .hint(hint)
                    .object(format!("sqlalchemy table {}", t.qualified_name())),
            );
            let (df, ds) = dj_col.map(|c| (c.file, c.span)).unwrap_or((d.file, d.span));
            out.push(
                Diagnostic::new(code, Severity::Warning, msg)
                    .at(df, ds)
                    .hint(hint)
                    .object(d.label.clone()),
            );
        };
        for dc in &d.columns {
            match t.column(&dc.column) {
                None => {
                    if t.incomplete {
                        continue;
                    }
                    both(
                        out,
                        "DJSA241",
                        None,
                        Some(dc),
                        format!(
                            "Django model {} maps column '{}' of table '{}', which the SQLAlchemy table does not declare.",
                            d.label, dc.column, d.db_table
                        ),
                        "The two ORMs disagree on the table's columns: one of them reads or writes a column the other does not know. Add the column on the SQLAlchemy side or remove the field.",
                    );
                }
                Some(sc) => column_drift(d, t, dc, sc, &both, out),
            }
        }
        for sc in &t.columns {
            if d.column(&sc.name).is_none() {
                both(
                    out,
                    "DJSA241",
                    Some(sc),
                    None,
                    format!(
                        "SQLAlchemy table '{}' declares column '{}', which Django model {} does not map.",
                        t.qualified_name(),
                        sc.name,
                        d.label
                    ),
                    if !sc.nullable && sc.server_default.is_none() && !sc.identity {
                        "The column is NOT NULL without a server default: every insert through Django fails. Add the field to the Django model."
                    } else {
                        "Django never reads or writes this column; forms and the admin cannot show it. Add the field if it is meant to be shared."
                    },
                );
            }
        }
    }
}

/// Emits one diagnostic on each side (SQLAlchemy column/table, Django field/model).
type Both<'a> =
    dyn Fn(&mut Vec<Diagnostic>, &str, Option<&Column>, Option<&DjColumn>, String, &str) + 'a;

fn column_drift(
    d: &DjTable,
    t: &Table,
    dc: &DjColumn,
    sc: &Column,
    both: &Both<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let col = &dc.column;
    let tn = &d.db_table;
    if !compatible(&dc.ty, &sc.ty) {
        both(
            out,
            "DJSA242",
            Some(sc),
            Some(dc),
            format!(
                "Column {tn}.{col}: Django says {} ({}), SQLAlchemy says {}.",
                dc.ty.category(),
                dc.kind.map(|k| k.name()).unwrap_or("?"),
                sc.ty.category()
            ),
            "The two declarations of one column disagree on its type; whichever ORM created the table, the other one reads and writes values of the wrong type.",
        );
        return;
    }
    match (&dc.ty, &sc.ty) {
        (
            SqlType::String {
                length: Some(a), ..
            },
            SqlType::String {
                length: Some(b), ..
            },
        ) if a != b => both(
            out,
            "DJSA243",
            Some(sc),
            Some(dc),
            format!("Column {tn}.{col}: Django max_length={a}, SQLAlchemy String({b})."),
            "Values valid for one side are rejected or truncated by the other (forms validate the Django length; the database enforces the one it was created with).",
        ),
        (
            SqlType::Numeric {
                precision: Some(p1),
                scale: s1,
            },
            SqlType::Numeric {
                precision: Some(p2),
                scale: s2,
            },
        ) if p1 != p2 || s1 != s2 => both(
            out,
            "DJSA243",
            Some(sc),
            Some(dc),
            format!(
                "Column {tn}.{col}: Django max_digits={p1}, decimal_places={}; SQLAlchemy Numeric({p2}, {}).",
                s1.map(|x| x.to_string()).unwrap_or("?".into()),
                s2.map(|x| x.to_string()).unwrap_or("?".into())
            ),
            "Precision and scale differ: values are rounded or rejected differently by the two sides (on PostgreSQL and MySQL; SQLite ignores them).",
        ),
        _ => {}
    }
    if dc.nullable != sc.nullable && !dc.primary_key && !sc.primary_key {
        both(
            out,
            "DJSA244",
            Some(sc),
            Some(dc),
            format!(
                "Column {tn}.{col}: Django says {}, SQLAlchemy says {}.",
                if dc.nullable {
                    "NULL (null=True)"
                } else {
                    "NOT NULL"
                },
                if sc.nullable { "NULL" } else { "NOT NULL" }
            ),
            "One side writes NULLs the other side's database constraint or code does not expect.",
        );
    }
    if dc.primary_key != sc.primary_key {
        both(
            out,
            "DJSA245",
            Some(sc),
            Some(dc),
            format!(
                "Column {tn}.{col}: primary key on the {} side only.",
                if dc.primary_key {
                    "Django"
                } else {
                    "SQLAlchemy"
                }
            ),
            "The ORMs identify rows differently: updates and deletes issued by one side may hit other rows than the other side expects.",
        );
    } else if !dc.primary_key {
        let sa_unique = t.is_unique_set(std::slice::from_ref(&sc.name));
        if dc.unique != sa_unique {
            both(
                out,
                "DJSA245",
                Some(sc),
                Some(dc),
                format!(
                    "Column {tn}.{col}: unique on the {} side only.",
                    if dc.unique { "Django" } else { "SQLAlchemy" }
                ),
                "Only one side enforces uniqueness: forms validate it (or not) differently from what the database does.",
            );
        }
    }
    let sa_fk = t
        .foreign_keys
        .iter()
        .find(|f| f.columns.len() == 1 && f.columns[0] == sc.name)
        .and_then(|f| Some((f.target_table.clone()?, f.target_columns.first()?.clone())));
    match (&dc.fk, &sa_fk) {
        (Some((a, ac)), Some((b, bc))) if a != b || ac != bc => both(
            out,
            "DJSA246",
            Some(sc),
            Some(dc),
            format!(
                "Column {tn}.{col}: Django's ForeignKey targets {a}.{ac}, SQLAlchemy's targets {b}.{bc}."
            ),
            "The two ORMs join this column to different rows.",
        ),
        (Some((a, ac)), None) => both(
            out,
            "DJSA246",
            Some(sc),
            Some(dc),
            format!("Column {tn}.{col}: a ForeignKey to {a}.{ac} on the Django side only."),
            "Only one side knows the relation: the other ORM cannot join or cascade through it.",
        ),
        (None, Some((b, bc))) if dc.kind.is_some() => both(
            out,
            "DJSA246",
            Some(sc),
            Some(dc),
            format!("Column {tn}.{col}: a ForeignKey to {b}.{bc} on the SQLAlchemy side only."),
            "Only one side knows the relation: the Django form shows a raw value, and the admin cannot link to the related row.",
        ),
        _ => {}
    }
}
