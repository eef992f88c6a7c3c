//! The revision file `alembic revision --autogenerate` writes with the default `script.py.mako`
//! template (alembic 1.13+): the same operations, rendering and layout.

use crate::sqla::SqlType;

use super::compare::{Change, Dialect, Group, TableRef};
use super::state::{ColumnState, FkState, IndexState, TableState};

/// Inputs of the revision text that come from outside analysis (clock, randomness, user).
#[derive(Debug, Clone)]
pub struct RevisionInfo<'a> {
    pub rev_id: &'a str,
    /// The heads this revision follows (`down_revision`).
    pub down_revisions: &'a [String],
    pub message: &'a str,
    /// `2026-11-27 04:12:00.000000`.
    pub create_date: &'a str,
    pub render_as_batch: bool,
    pub dialect: Dialect,
}

fn q(s: &str) -> String {
    // Python's repr of a str: single quotes unless the text has one and no double quote.
    if s.contains('\'') && !s.contains('"') {
        format!("\"{}\"", s.replace('\\', "\\\\"))
    } else {
        format!(
            "'{}'",
            s.replace('\\', "\\\\")
                .replace('\'', "\\'")
                .replace('\n', "\\n")
        )
    }
}

fn q_list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
    )
}

/// The metadata type as alembic renders it (`sa.String(length=50)`), `Err` when djsa cannot.
pub fn meta_type(t: &SqlType) -> Result<String, String> {
    Ok(match t {
        SqlType::Integer => "sa.Integer()".into(),
        SqlType::BigInteger => "sa.BigInteger()".into(),
        SqlType::SmallInteger => "sa.SmallInteger()".into(),
        SqlType::Boolean => "sa.Boolean()".into(),
        SqlType::String { length, fixed } => {
            let c = if *fixed { "sa.CHAR" } else { "sa.String" };
            match length {
                Some(n) => format!("{c}(length={n})"),
                None => format!("{c}()"),
            }
        }
        SqlType::Text => "sa.Text()".into(),
        SqlType::Numeric { precision, scale } => {
            let mut a = Vec::new();
            if let Some(p) = precision {
                a.push(format!("precision={p}"));
            }
            if let Some(s) = scale {
                a.push(format!("scale={s}"));
            }
            format!("sa.Numeric({})", a.join(", "))
        }
        SqlType::Float => "sa.Float()".into(),
        SqlType::Double => "sa.Double()".into(),
        SqlType::Date => "sa.Date()".into(),
        SqlType::DateTime { timezone } => {
            if *timezone {
                "sa.DateTime(timezone=True)".into()
            } else {
                "sa.DateTime()".into()
            }
        }
        SqlType::Time => "sa.Time()".into(),
        SqlType::Interval => "sa.Interval()".into(),
        SqlType::LargeBinary => "sa.LargeBinary()".into(),
        SqlType::Uuid => "sa.Uuid()".into(),
        SqlType::Json => "sa.JSON()".into(),
        SqlType::Enum { values: Some(v) } => format!(
            "sa.Enum({})",
            v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
        ),
        other => {
            return Err(format!(
                "column type {} cannot be rendered",
                other.category()
            ));
        }
    })
}

/// The type as the database reflects it (`sa.VARCHAR(length=30)`), for `existing_type=` and for
/// the downgrade of dropped columns and tables.
pub fn reflected_type(t: &SqlType, d: Dialect) -> Result<String, String> {
    let Some(c) = super::compare::compile_type(t, d) else {
        return meta_type(t);
    };
    let upper = c.to_ascii_uppercase();
    let (head, args) = match upper.find('(') {
        Some(i) => (
            upper[..i].trim().to_string(),
            upper[i + 1..].trim_end_matches(')').to_string(),
        ),
        None => (upper.clone(), String::new()),
    };
    let args: Vec<&str> = args
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    Ok(match (head.as_str(), args.as_slice()) {
        ("VARCHAR" | "CHAR", [n]) => format!("sa.{head}(length={n})"),
        ("NUMERIC", [p, s]) => format!("sa.NUMERIC(precision={p}, scale={s})"),
        ("NUMERIC", [p]) => format!("sa.NUMERIC(precision={p})"),
        ("JSON", []) if matches!(d, Dialect::Sqlite) => "sqlite.JSON()".into(),
        (h, []) if !h.contains(' ') => format!("sa.{h}()"),
        _ => return meta_type(t),
    })
}

fn server_default(d: &str, reflected: bool) -> Result<String, String> {
    if d == "?" || d.ends_with("()") {
        return Err("a server_default expression cannot be rendered".into());
    }
    Ok(if reflected {
        format!("sa.text({})", q(&format!("'{d}'")))
    } else {
        q(d)
    })
}

/// A column. `auto`: the single integer primary key column of its table (PostgreSQL reflects it
/// as `autoincrement=True`, every other column as `autoincrement=False`).
fn column(c: &ColumnState, reflected: bool, d: Dialect, auto: bool) -> Result<String, String> {
    let ty = if reflected {
        reflected_type(&c.ty, d)?
    } else {
        meta_type(&c.ty)?
    };
    let mut opts = Vec::new();
    if let Some(sd) = &c.server_default {
        opts.push(format!("server_default={}", server_default(sd, reflected)?));
    }
    if reflected && d == Dialect::Postgresql {
        opts.push(format!(
            "autoincrement={}",
            if auto { "True" } else { "False" }
        ));
    }
    opts.push(format!(
        "nullable={}",
        if c.nullable { "True" } else { "False" }
    ));
    if let Some(cm) = &c.comment {
        opts.push(format!("comment={}", q(cm)));
    }
    Ok(format!(
        "sa.Column({}, {}, {})",
        q(&c.name),
        ty,
        opts.join(", ")
    ))
}

fn fk_constraint(f: &FkState) -> String {
    let refs: Vec<String> = f
        .ref_columns
        .iter()
        .map(|c| format!("{}.{c}", f.ref_table))
        .collect();
    let mut opts = Vec::new();
    if let Some(n) = &f.name {
        opts.push(format!("name={}", q(n)));
    }
    if let Some(od) = &f.ondelete {
        opts.push(format!("ondelete={}", q(od)));
    }
    if let Some(ou) = &f.onupdate {
        opts.push(format!("onupdate={}", q(ou)));
    }
    format!(
        "sa.ForeignKeyConstraint({}, {}, {})",
        q_list(&f.columns),
        q_list(&refs),
        opts.join(", ")
    )
}

fn create_table(t: &TableState, reflected: bool, d: Dialect) -> Result<String, String> {
    let mut args = Vec::new();
    for c in &t.columns {
        let auto = t.primary_key.len() == 1 && t.primary_key[0] == c.name && c.ty.is_integer();
        args.push(column(c, reflected, d, auto)?);
    }
    let mut cons = Vec::new();
    for f in &t.fks {
        cons.push(fk_constraint(f));
    }
    if !t.primary_key.is_empty() {
        let mut a: Vec<String> = t.primary_key.iter().map(|c| q(c)).collect();
        if reflected && d == Dialect::Postgresql {
            // The database names it; reflected names are rendered through op.f().
            let n = t
                .pk_name
                .clone()
                .unwrap_or_else(|| format!("{}_pkey", t.name));
            a.push(format!("name=op.f({})", q(&n)));
        } else if let Some(n) = &t.pk_name {
            a.push(format!("name={}", q(n)));
        }
        cons.push(format!("sa.PrimaryKeyConstraint({})", a.join(", ")));
    }
    for u in &t.uniques {
        let mut a: Vec<String> = u.columns.iter().map(|c| q(c)).collect();
        if let Some(n) = &u.name {
            a.push(format!("name={}", q(n)));
        }
        cons.push(format!("sa.UniqueConstraint({})", a.join(", ")));
    }
    cons.sort();
    args.extend(cons);
    let mut s = format!("create_table({},\n{}", q(&t.name), args.join(",\n"));
    if let Some(sc) = &t.schema {
        s.push_str(&format!(",\nschema={}", q(sc)));
    }
    if let Some(cm) = &t.comment {
        s.push_str(&format!(",\ncomment={}", q(cm)));
    }
    s.push_str("\n)");
    Ok(s)
}

fn name_repr(n: &str, convention: bool) -> String {
    if convention {
        format!("op.f({})", q(n))
    } else {
        q(n)
    }
}

/// One operation, without the `op.`/`batch_op.` prefix. `batch`: inside a batch block.
fn op_text(
    c: &Change,
    batch: bool,
    d: Dialect,
    prefix: &str,
    downgrade: bool,
) -> Result<String, String> {
    let schema_kw = |t: &TableRef| {
        t.schema
            .as_ref()
            .map(|s| format!(", schema={}", q(s)))
            .unwrap_or_default()
    };
    Ok(match c {
        Change::AddTable(t) => format!("{prefix}{}", create_table(t, false, d)?),
        Change::RemoveTable(t) => format!(
            "{prefix}drop_table({}{})",
            q(&t.name),
            t.schema
                .as_ref()
                .map(|s| format!(", schema={}", q(s)))
                .unwrap_or_default()
        ),
        Change::AddColumn { table, column: col } => {
            if batch {
                format!("{prefix}add_column({})", column(col, false, d, false)?)
            } else {
                format!(
                    "{prefix}add_column({}, {}{})",
                    q(&table.name),
                    column(col, false, d, false)?,
                    schema_kw(table)
                )
            }
        }
        Change::RemoveColumn { table, column } => {
            if batch {
                format!("{prefix}drop_column({})", q(&column.name))
            } else {
                format!(
                    "{prefix}drop_column({}, {}{})",
                    q(&table.name),
                    q(&column.name),
                    schema_kw(table)
                )
            }
        }
        Change::AlterColumn {
            table,
            existing,
            new,
            modify_type,
            modify_nullable,
            modify_comment,
        } => {
            let ind = " ".repeat(11);
            let mut s = if batch {
                format!("{prefix}alter_column({}", q(&new.name))
            } else {
                format!("{prefix}alter_column({}, {}", q(&table.name), q(&new.name))
            };
            // In a downgrade the existing type is the model's and the new one the database's.
            let (ex, nw) = if downgrade && *modify_type {
                (meta_type(&existing.ty)?, reflected_type(&new.ty, d)?)
            } else {
                (reflected_type(&existing.ty, d)?, meta_type(&new.ty)?)
            };
            s.push_str(&format!(",\n{ind}existing_type={ex}"));
            if *modify_type {
                s.push_str(&format!(",\n{ind}type_={nw}"));
            }
            if *modify_nullable {
                s.push_str(&format!(
                    ",\n{ind}nullable={}",
                    if new.nullable { "True" } else { "False" }
                ));
            }
            if *modify_comment {
                match &new.comment {
                    Some(cm) => s.push_str(&format!(",\n{ind}comment={}", q(cm))),
                    None => s.push_str(&format!(",\n{ind}comment=None")),
                }
            }
            if let Some(ec) = &existing.comment
                && *modify_comment
            {
                s.push_str(&format!(",\n{ind}existing_comment={}", q(ec)));
            } else if let Some(ec) = &existing.comment {
                s.push_str(&format!(",\n{ind}existing_comment={}", q(ec)));
            }
            if !*modify_nullable {
                s.push_str(&format!(
                    ",\n{ind}existing_nullable={}",
                    if existing.nullable { "True" } else { "False" }
                ));
            }
            if let Some(sd) = &existing.server_default {
                s.push_str(&format!(
                    ",\n{ind}existing_server_default={}",
                    server_default(sd, true)?
                ));
            }
            if !batch && let Some(sc) = &table.schema {
                s.push_str(&format!(",\n{ind}schema={}", q(sc)));
            }
            s.push(')');
            s
        }
        Change::AddIndex { table, index } => add_index(prefix, table, index, batch),
        Change::RemoveIndex { table, index } => {
            let n = name_repr(&index.name, index.name == default_ix(table, index));
            if batch {
                format!("{prefix}drop_index({n})")
            } else {
                format!(
                    "{prefix}drop_index({n}, table_name={}{})",
                    q(&table.name),
                    schema_kw(table)
                )
            }
        }
        Change::AddUnique { table, unique } => {
            let n = unique
                .name
                .as_deref()
                .map(q)
                .unwrap_or_else(|| "None".into());
            if batch {
                format!(
                    "{prefix}create_unique_constraint({n}, {})",
                    q_list(&unique.columns)
                )
            } else {
                format!(
                    "{prefix}create_unique_constraint({n}, {}, {}{})",
                    q(&table.name),
                    q_list(&unique.columns),
                    schema_kw(table)
                )
            }
        }
        Change::RemoveUnique { table, unique } => {
            let n = match unique.name.as_deref() {
                Some(n) if d == Dialect::Postgresql => format!("{prefix}f({})", q(n)),
                Some(n) => q(n),
                None => "None".into(),
            };
            if batch {
                format!(
                    "{}{prefix}drop_constraint({n}, type_='unique')",
                    unnamed_warning(&unique.name)
                )
            } else {
                format!(
                    "{}{prefix}drop_constraint({n}, {}{}, type_='unique')",
                    unnamed_warning(&unique.name),
                    q(&table.name),
                    schema_kw(table)
                )
            }
        }
        Change::AddFk { table, fk } => {
            let n = fk.name.as_deref().map(q).unwrap_or_else(|| "None".into());
            let mut a = vec![n];
            if !batch {
                a.push(q(&table.name));
            }
            a.push(q(&fk.ref_table));
            a.push(q_list(&fk.columns));
            a.push(q_list(&fk.ref_columns));
            if let Some(ou) = &fk.onupdate {
                a.push(format!("onupdate={}", q(ou)));
            }
            if let Some(od) = &fk.ondelete {
                a.push(format!("ondelete={}", q(od)));
            }
            format!("{prefix}create_foreign_key({})", a.join(", "))
        }
        Change::RemoveFk { table, fk } => {
            let n = fk.name.as_deref().map(q).unwrap_or_else(|| "None".into());
            if batch {
                format!(
                    "{}{prefix}drop_constraint({n}, type_='foreignkey')",
                    unnamed_warning(&fk.name)
                )
            } else {
                format!(
                    "{}{prefix}drop_constraint({n}, {}{}, type_='foreignkey')",
                    unnamed_warning(&fk.name),
                    q(&table.name),
                    schema_kw(table)
                )
            }
        }
        Change::TableComment {
            table,
            new,
            existing,
        } => match new {
            Some(cm) => format!(
                "{prefix}create_table_comment(\n{}{},\n{}{},\n{}existing_comment={}{}\n{})",
                " ".repeat(8),
                q(&table.name),
                " ".repeat(8),
                q(cm),
                " ".repeat(8),
                existing.as_deref().map(q).unwrap_or_else(|| "None".into()),
                schema_kw(table),
                " ".repeat(4)
            ),
            None => format!(
                "{prefix}drop_table_comment(\n{}{},\n{}existing_comment={}{}\n{})",
                " ".repeat(8),
                q(&table.name),
                " ".repeat(8),
                existing.as_deref().map(q).unwrap_or_else(|| "None".into()),
                schema_kw(table),
                " ".repeat(4)
            ),
        },
    })
}

/// Comment lines before a `drop_constraint(None, ...)`, which cannot run as written.
fn unnamed_warning(name: &Option<String>) -> &'static str {
    if name.is_some() {
        ""
    } else {
        "# WARNING: this constraint has no name, so the directive below fails as written;\n# give the constraint a name (or use a MetaData naming convention).\n"
    }
}

fn default_ix(table: &TableRef, index: &IndexState) -> String {
    format!("ix_{}_{}", table.name, index.columns.join("_"))
}

fn add_index(prefix: &str, table: &TableRef, index: &IndexState, batch: bool) -> String {
    // `index=True` names come from the naming convention: autogenerate wraps them in op.f().
    let n = name_repr(&index.name, index.name == default_ix(table, index));
    let unique = if index.unique { "True" } else { "False" };
    if batch {
        format!(
            "{prefix}create_index({n}, {}, unique={unique})",
            q_list(&index.columns)
        )
    } else {
        format!(
            "{prefix}create_index({n}, {}, {}, unique={unique}{})",
            q(&table.name),
            q_list(&index.columns),
            table
                .schema
                .as_ref()
                .map(|s| format!(", schema={}", q(s)))
                .unwrap_or_default()
        )
    }
}

/// The reverse of a change (for `downgrade()`).
fn reverse(c: &Change) -> Change {
    match c.clone() {
        Change::AddTable(t) => Change::RemoveTable(t),
        Change::RemoveTable(t) => Change::AddTable(t),
        Change::AddColumn { table, column } => Change::RemoveColumn { table, column },
        Change::RemoveColumn { table, column } => Change::AddColumn { table, column },
        Change::AlterColumn {
            table,
            existing,
            new,
            modify_type,
            modify_nullable,
            modify_comment,
        } => Change::AlterColumn {
            table,
            existing: new,
            new: existing,
            modify_type,
            modify_nullable,
            modify_comment,
        },
        Change::AddIndex { table, index } => Change::RemoveIndex { table, index },
        Change::RemoveIndex { table, index } => Change::AddIndex { table, index },
        Change::AddUnique { table, unique } => Change::RemoveUnique { table, unique },
        Change::RemoveUnique { table, unique } => Change::AddUnique { table, unique },
        Change::AddFk { table, fk } => Change::RemoveFk { table, fk },
        Change::RemoveFk { table, fk } => Change::AddFk { table, fk },
        Change::TableComment {
            table,
            new,
            existing,
        } => Change::TableComment {
            table,
            new: existing,
            existing: new,
        },
    }
}

/// Render a list of groups as the body of `upgrade()`/`downgrade()` (4-space indented lines).
/// `reflected_cols`: columns/tables being re-created come from the database (downgrade).
fn body(groups: &[Group], info: &RevisionInfo<'_>, downgrade: bool) -> Result<String, String> {
    let d = info.dialect;
    let mut lines: Vec<String> =
        vec!["# ### commands auto generated by Alembic - please adjust! ###".into()];
    for g in groups {
        match g {
            Group::Single(c) => {
                let text = match (c, downgrade) {
                    (Change::AddTable(t), true) => format!("op.{}", create_table(t, true, d)?),
                    _ => op_text(c, false, d, "op.", downgrade)?,
                };
                lines.push(text);
            }
            Group::Modify { table, changes } => {
                if info.render_as_batch {
                    lines.push(format!(
                        "with op.batch_alter_table({}, schema={}) as batch_op:",
                        q(&table.name),
                        table
                            .schema
                            .as_deref()
                            .map(q)
                            .unwrap_or_else(|| "None".into())
                    ));
                    for c in changes {
                        let t = op_text(c, true, d, "batch_op.", downgrade)?;
                        let t = match (c, downgrade) {
                            (Change::AddColumn { column: col, .. }, true) => {
                                format!("batch_op.add_column({})", column(col, true, d, false)?)
                            }
                            _ => t,
                        };
                        // Continuation lines keep their own indentation, as alembic renders
                        // them; leading comment lines and the first code line are indented.
                        let mut first_code = true;
                        let t: Vec<String> = t
                            .split('\n')
                            .map(|l| {
                                if first_code {
                                    first_code = l.starts_with('#');
                                    format!("    {l}")
                                } else {
                                    l.to_string()
                                }
                            })
                            .collect();
                        lines.push(t.join("\n"));
                    }
                    lines.push(String::new());
                } else {
                    for c in changes {
                        let t = match (c, downgrade) {
                            (Change::AddColumn { table, column: col }, true) => format!(
                                "op.add_column({}, {})",
                                q(&table.name),
                                column(col, true, d, false)?
                            ),
                            _ => op_text(c, false, d, "op.", downgrade)?,
                        };
                        lines.push(t);
                    }
                }
            }
        }
    }
    lines.push("# ### end Alembic commands ###".into());
    Ok(lines
        .iter()
        .map(|l| indent(l, 4))
        .collect::<Vec<_>>()
        .join("\n"))
}

fn indent(s: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    s.split('\n')
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The whole revision file. `Err`: something in the changes cannot be rendered faithfully.
pub fn revision_text(groups: &[Group], info: &RevisionInfo<'_>) -> Result<String, String> {
    let up = body(groups, info, false)?;
    let down_groups: Vec<Group> = groups
        .iter()
        .rev()
        .map(|g| match g {
            Group::Single(c) => Group::Single(reverse(c)),
            Group::Modify { table, changes } => Group::Modify {
                table: table.clone(),
                changes: changes.iter().rev().map(reverse).collect(),
            },
        })
        .collect();
    let down = body(&down_groups, info, true)?;
    let needs_sqlite = up.contains("sqlite.") || down.contains("sqlite.");
    let down_repr = match info.down_revisions {
        [] => "None".to_string(),
        [one] => q(one),
        many => format!(
            "({})",
            many.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
        ),
    };
    let imports = if needs_sqlite {
        "from sqlalchemy.dialects import sqlite"
    } else {
        ""
    };
    Ok(format!(
        "\"\"\"{msg}\n\nRevision ID: {rev}\nRevises: {revises}\nCreate Date: {date}\n\n\"\"\"\n\
from typing import Sequence, Union\n\n\
from alembic import op\n\
import sqlalchemy as sa\n\
{imports}\n\n\
# revision identifiers, used by Alembic.\n\
revision: str = {rev_repr}\n\
down_revision: Union[str, Sequence[str], None] = {down_repr}\n\
branch_labels: Union[str, Sequence[str], None] = None\n\
depends_on: Union[str, Sequence[str], None] = None\n\n\n\
def upgrade() -> None:\n    \"\"\"Upgrade schema.\"\"\"\n{up}\n\n\n\
def downgrade() -> None:\n    \"\"\"Downgrade schema.\"\"\"\n{down}\n",
        msg = info.message,
        rev = info.rev_id,
        revises = info.down_revisions.join(", "),
        date = info.create_date,
        rev_repr = q(info.rev_id),
    ))
}

/// alembic's default file name (`%%(rev)s_%%(slug)s`): the message's words, joined by `_`,
/// lower-cased, cut at 40 characters on a word boundary.
pub fn file_name(rev_id: &str, message: &str) -> String {
    let words: Vec<String> = message
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let mut slug = words.join("_").to_lowercase();
    if slug.chars().count() > 40 {
        let cut: String = slug.chars().take(40).collect();
        let head = match cut.rsplit_once('_') {
            Some((h, _)) => h.to_string(),
            None => cut,
        };
        slug = format!("{head}_");
    }
    format!("{rev_id}_{slug}.py")
}
