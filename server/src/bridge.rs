//! `djsa bridge --to django|sqlalchemy` and the hidden `djsa debug-sqla` (the SQLAlchemy index as
//! JSON, for the conformance script).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::ValueEnum;
use djsa_analysis::sqla::{self, sqla_tables};

use crate::workspace::{Overrides, Workspace};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BridgeTarget {
    /// Django models (managed=False) for the project's SQLAlchemy tables.
    Django,
    /// SQLAlchemy Core `Table` definitions for the project's Django models.
    Sqlalchemy,
}

#[derive(clap::Args, Debug)]
pub struct BridgeArgs {
    /// Which side to generate.
    #[arg(long, value_enum)]
    pub to: BridgeTarget,
    /// Project directory (or a file inside it).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Only these tables (database table names); repeatable.
    #[arg(long = "table")]
    pub tables: Vec<String>,
    /// Write the module to this file instead of stdout.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Settings module (for `--to sqlalchemy`).
    #[arg(long)]
    pub settings: Option<String>,
    /// Python interpreter or virtual environment of the project.
    #[arg(long)]
    pub python: Option<String>,
}

pub fn run(args: BridgeArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<i32> {
    let overrides = Overrides {
        settings: args.settings.clone(),
        // The Django direction reads only project files; the other one needs installed apps.
        python: args
            .python
            .clone()
            .or_else(|| (args.to == BridgeTarget::Django).then(|| "none".into())),
        ..Default::default()
    };
    let ws = Workspace::load(&args.path, &overrides)?;
    let db = &ws.db;
    let out = match args.to {
        BridgeTarget::Django => {
            let index = sqla_tables(db, ws.project);
            for t in &args.tables {
                if index.find_table(t).is_none() {
                    writeln!(stderr, "djsa: no SQLAlchemy table named '{t}'")?;
                    return Ok(2);
                }
            }
            sqla::bridge::django_models(index, &args.tables)
        }
        BridgeTarget::Sqlalchemy => sqla::bridge::sqlalchemy_tables(db, ws.project, &args.tables),
    };
    for (table, why) in &out.skipped {
        writeln!(stderr, "djsa: not bridged: {table}: {why}")?;
    }
    match &args.output {
        Some(p) => {
            std::fs::write(p, &out.text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => stdout.write_all(out.text.as_bytes())?,
    }
    Ok(0)
}

#[derive(clap::Args, Debug)]
pub struct DebugSqlaArgs {
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// `json` (the only format).
    #[arg(long, default_value = "json")]
    pub format: String,
}

pub fn debug_sqla(args: DebugSqlaArgs, stdout: &mut dyn Write) -> Result<i32> {
    let overrides = Overrides {
        python: Some("none".into()),
        ..Default::default()
    };
    let ws = Workspace::load(&args.path, &overrides)?;
    let db = &ws.db;
    let index = sqla_tables(db, ws.project);
    let tables: Vec<serde_json::Value> = index
        .tables
        .iter()
        .map(|t| {
            let columns: Vec<serde_json::Value> = t
                .columns
                .iter()
                .map(|c| {
                    let (precision, scale) = match &c.ty {
                        sqla::SqlType::Numeric { precision, scale } => (*precision, *scale),
                        _ => (None, None),
                    };
                    let mut fk = t
                        .foreign_keys
                        .iter()
                        .filter_map(|f| {
                            let i = f.columns.iter().position(|x| *x == c.name)?;
                            Some(format!(
                                "{}.{}",
                                f.target_table.as_deref().unwrap_or("?"),
                                f.target_columns.get(i).map(String::as_str).unwrap_or("?")
                            ))
                        })
                        .collect::<Vec<_>>();
                    fk.sort();
                    serde_json::json!({
                        "name": c.name,
                        "attr": c.attr,
                        "type": c.ty.category(),
                        "length": c.ty.length(),
                        "precision": precision,
                        "scale": scale,
                        "timezone": matches!(c.ty, sqla::SqlType::DateTime { timezone: true }),
                        "nullable": c.nullable,
                        "primary_key": c.primary_key,
                        "unique": c.unique,
                        "server_default": c.server_default.is_some(),
                        "comment": c.comment,
                        "fk": fk,
                    })
                })
                .collect();
            serde_json::json!({
                "name": t.name,
                "file": t.file.path(db),
                "schema": t.schema,
                "metadata": t.metadata,
                "core": t.core,
                "class": t.class.and_then(|i| index.classes.get(i)).map(|c| c.name.clone()),
                "incomplete": t.incomplete,
                "comment": t.comment,
                "columns": columns,
                "primary_key": t.primary_key,
                "uniques": t.uniques,
                "indexes": t.indexes.iter().map(|i| serde_json::json!({"name": i.name, "columns": i.columns, "unique": i.unique})).collect::<Vec<_>>(),
                "foreign_keys": t.foreign_keys.iter().map(|f| serde_json::json!({
                    "columns": f.columns,
                    "target_table": f.target_table,
                    "target_columns": f.target_columns,
                    "ondelete": f.ondelete,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let notes: Vec<serde_json::Value> = index
        .notes
        .iter()
        .map(|n| {
            serde_json::json!({
                "file": n.file.map(|f| f.path(db).clone()),
                "message": n.message,
            })
        })
        .collect();
    let classes: Vec<serde_json::Value> = index
        .classes
        .iter()
        .map(|c| {
            serde_json::json!({
                "name": c.name,
                "table": c.table.and_then(|i| index.tables.get(i)).map(|t| t.name.clone()),
                "relationships": c.relationships.iter().map(|r| serde_json::json!({
                    "attr": r.attr, "target": r.target, "back_populates": r.back_populates,
                    "backref": r.backref, "secondary": r.secondary,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let v = serde_json::json!({
        "tables": tables,
        "classes": classes,
        "notes": notes,
        "incomplete": index.incomplete,
    });
    writeln!(stdout, "{}", serde_json::to_string_pretty(&v)?)?;
    Ok(0)
}
