//! The schema an Alembic history builds (replayed from the revisions) and the schema the
//! SQLAlchemy metadata declares, in one shape, so they can be compared the way
//! `alembic check` compares the metadata with a database.

use crate::sqla::SqlType;

use super::parse::RevOp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnState {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    pub primary_key: bool,
    pub server_default: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexState {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    /// Some element is an expression (not compared).
    pub expression: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueState {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FkState {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub ondelete: Option<String>,
    pub onupdate: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableState {
    pub schema: Option<String>,
    pub name: String,
    pub columns: Vec<ColumnState>,
    pub primary_key: Vec<String>,
    pub pk_name: Option<String>,
    pub indexes: Vec<IndexState>,
    pub uniques: Vec<UniqueState>,
    pub fks: Vec<FkState>,
    pub comment: Option<String>,
}

impl TableState {
    pub fn new(schema: Option<String>, name: String) -> Self {
        TableState {
            schema,
            name,
            columns: Vec::new(),
            primary_key: Vec::new(),
            pk_name: None,
            indexes: Vec::new(),
            uniques: Vec::new(),
            fks: Vec::new(),
            comment: None,
        }
    }
    pub fn column(&self, name: &str) -> Option<&ColumnState> {
        self.columns.iter().find(|c| c.name == name)
    }
    fn column_mut(&mut self, name: &str) -> Option<&mut ColumnState> {
        self.columns.iter_mut().find(|c| c.name == name)
    }
    pub fn key(&self) -> (Option<String>, String) {
        (self.schema.clone(), self.name.clone())
    }
}

/// The tables of one schema state, in creation order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SchemaState {
    pub tables: Vec<TableState>,
}

impl SchemaState {
    pub fn table(&self, schema: &Option<String>, name: &str) -> Option<&TableState> {
        self.tables
            .iter()
            .find(|t| &t.schema == schema && t.name == name)
    }
    fn table_mut(
        &mut self,
        schema: &Option<String>,
        name: &str,
    ) -> Result<&mut TableState, String> {
        self.tables
            .iter_mut()
            .find(|t| &t.schema == schema && t.name == name)
            .ok_or_else(|| format!("table '{name}' does not exist at this point of the history"))
    }

    /// Apply one operation. An error means the history cannot be replayed faithfully.
    pub fn apply(&mut self, op: &RevOp) -> Result<(), String> {
        match op {
            RevOp::CreateTable(t) => {
                if self.table(&t.schema, &t.name).is_some() {
                    return Err(format!("table '{}' is created twice", t.name));
                }
                self.tables.push(t.clone());
            }
            RevOp::DropTable { schema, table } => {
                let before = self.tables.len();
                self.tables
                    .retain(|t| !(&t.schema == schema && &t.name == table));
                if self.tables.len() == before {
                    return Err(format!("drop_table of unknown table '{table}'"));
                }
            }
            RevOp::AddColumn {
                schema,
                table,
                column,
                fks,
                unique,
                index,
            } => {
                let t = self.table_mut(schema, table)?;
                if t.column(&column.name).is_some() {
                    return Err(format!("column '{table}.{}' added twice", column.name));
                }
                if column.primary_key {
                    t.primary_key.push(column.name.clone());
                }
                if *unique {
                    t.uniques.push(UniqueState {
                        name: None,
                        columns: vec![column.name.clone()],
                    });
                }
                if *index {
                    t.indexes.push(IndexState {
                        name: format!("ix_{table}_{}", column.name),
                        columns: vec![column.name.clone()],
                        unique: false,
                        expression: false,
                    });
                }
                t.fks.extend(fks.iter().cloned());
                t.columns.push(column.clone());
            }
            RevOp::DropColumn {
                schema,
                table,
                column,
            } => {
                let t = self.table_mut(schema, table)?;
                if t.column(column).is_none() {
                    return Err(format!("drop_column of unknown column '{table}.{column}'"));
                }
                t.columns.retain(|c| &c.name != column);
                // The database drops what depends on the column.
                t.indexes.retain(|i| !i.columns.contains(column));
                t.uniques.retain(|u| !u.columns.contains(column));
                t.fks.retain(|f| !f.columns.contains(column));
                t.primary_key.retain(|c| c != column);
            }
            RevOp::AlterColumn {
                schema,
                table,
                column,
                nullable,
                type_,
                new_name,
                server_default,
                comment,
            } => {
                let t = self.table_mut(schema, table)?;
                let c = t
                    .column_mut(column)
                    .ok_or_else(|| format!("alter_column of unknown column '{table}.{column}'"))?;
                if let Some(n) = nullable {
                    c.nullable = *n;
                }
                if let Some(ty) = type_ {
                    c.ty = ty.clone();
                }
                if let Some(d) = server_default {
                    c.server_default = d.clone();
                }
                if let Some(cm) = comment {
                    c.comment = cm.clone();
                }
                if let Some(nn) = new_name {
                    c.name = nn.clone();
                    let rename = |v: &mut Vec<String>| {
                        for x in v.iter_mut() {
                            if x == column {
                                *x = nn.clone();
                            }
                        }
                    };
                    rename(&mut t.primary_key);
                    for i in t.indexes.iter_mut() {
                        rename(&mut i.columns);
                    }
                    for u in t.uniques.iter_mut() {
                        rename(&mut u.columns);
                    }
                    for f in t.fks.iter_mut() {
                        rename(&mut f.columns);
                    }
                }
            }
            RevOp::CreateIndex {
                schema,
                table,
                index,
            } => {
                let t = self.table_mut(schema, table)?;
                if t.indexes.iter().any(|i| i.name == index.name) {
                    return Err(format!("index '{}' created twice", index.name));
                }
                t.indexes.push(index.clone());
            }
            RevOp::DropIndex {
                schema,
                table,
                name,
            } => {
                let mut found = false;
                for t in self.tables.iter_mut() {
                    if table.as_ref().is_some_and(|tn| tn != &t.name) || &t.schema != schema {
                        continue;
                    }
                    let before = t.indexes.len();
                    t.indexes.retain(|i| &i.name != name);
                    found |= t.indexes.len() != before;
                }
                if !found {
                    return Err(format!("drop_index of unknown index '{name}'"));
                }
            }
            RevOp::CreateUnique {
                schema,
                table,
                unique,
            } => self.table_mut(schema, table)?.uniques.push(unique.clone()),
            RevOp::CreateForeignKey { schema, table, fk } => {
                self.table_mut(schema, table)?.fks.push(fk.clone())
            }
            RevOp::CreatePrimaryKey {
                schema,
                table,
                name,
                columns,
            } => {
                let t = self.table_mut(schema, table)?;
                t.primary_key = columns.clone();
                t.pk_name = name.clone();
                for c in t.columns.iter_mut() {
                    if columns.contains(&c.name) {
                        c.primary_key = true;
                        c.nullable = false;
                    }
                }
            }
            RevOp::DropConstraint {
                schema,
                table,
                name,
                type_,
            } => {
                let t = self.table_mut(schema, table)?;
                let ty = type_.as_deref();
                let tn = t.name.clone();
                // Unnamed constraints carry the database's default names (PostgreSQL style).
                let uq_name = |u: &UniqueState| {
                    u.name
                        .clone()
                        .unwrap_or_else(|| format!("{tn}_{}_key", u.columns.join("_")))
                };
                let fk_name = |f: &FkState| {
                    f.name
                        .clone()
                        .unwrap_or_else(|| format!("{tn}_{}_fkey", f.columns.join("_")))
                };
                let mut found = false;
                if matches!(ty, None | Some("unique")) {
                    let before = t.uniques.len();
                    t.uniques.retain(|u| &uq_name(u) != name);
                    found |= before != t.uniques.len();
                }
                if !found && matches!(ty, None | Some("foreignkey")) {
                    let before = t.fks.len();
                    t.fks.retain(|f| &fk_name(f) != name);
                    found |= before != t.fks.len();
                }
                if !found && matches!(ty, None | Some("primary")) {
                    let pk = t.pk_name.clone().unwrap_or_else(|| format!("{tn}_pkey"));
                    if &pk == name {
                        t.primary_key.clear();
                        t.pk_name = None;
                        found = true;
                    }
                }
                if !found && matches!(ty, Some("check")) {
                    // CHECK constraints are not tracked (autogenerate does not compare them).
                    found = true;
                }
                if !found {
                    return Err(format!(
                        "drop_constraint of unknown constraint '{name}' on '{table}'"
                    ));
                }
            }
            RevOp::RenameTable { schema, old, new } => {
                if self.table(schema, new).is_some() {
                    return Err(format!("rename_table to existing table '{new}'"));
                }
                self.table_mut(schema, old)?.name = new.clone();
                for t in self.tables.iter_mut() {
                    for f in t.fks.iter_mut() {
                        if &f.ref_table == old {
                            f.ref_table = new.clone();
                        }
                    }
                }
            }
            RevOp::TableComment {
                schema,
                table,
                comment,
            } => self.table_mut(schema, table)?.comment = comment.clone(),
        }
        Ok(())
    }
}
