//! Django's `MigrationAutodetector` for the operations djsa can produce exactly: compare the
//! replayed state with the models' state, sort, chop into migrations and optimize, in Django's
//! order. Anything outside that set makes the app "not exactly known" instead of a guess.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::parse::{Call, Val};
use super::state::{FieldDef, ModelState, ProjectState, normalize_together};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    CreateModel {
        name: String,
        fields: Vec<(String, FieldDef)>,
        options: Vec<(String, Val)>,
        bases: Vec<Val>,
        managers: Vec<(String, Val)>,
    },
    DeleteModel {
        name: String,
    },
    AddField {
        model_name: String,
        name: String,
        field: FieldDef,
    },
    RemoveField {
        model_name: String,
        name: String,
    },
    RenameField {
        model_name: String,
        old_name: String,
        new_name: String,
    },
    AlterField {
        model_name: String,
        name: String,
        field: FieldDef,
    },
    AlterModelOptions {
        name: String,
        options: Vec<(String, Val)>,
    },
    AlterModelTable {
        name: String,
        table: Val,
    },
    AlterUniqueTogether {
        name: String,
        value: Val,
    },
    AddIndex {
        model_name: String,
        index: Val,
    },
    RemoveIndex {
        model_name: String,
        name: String,
    },
    AddConstraint {
        model_name: String,
        constraint: Val,
    },
    RemoveConstraint {
        model_name: String,
        name: String,
    },
    AlterModelTableComment {
        name: String,
        table_comment: Val,
    },
    AlterModelManagers {
        name: String,
        managers: Vec<(String, Val)>,
    },
    AlterOrderWithRespectTo {
        name: String,
        order_with_respect_to: Val,
    },
    RenameIndex {
        model_name: String,
        new_name: String,
        old_name: String,
    },
    AlterConstraint {
        model_name: String,
        name: String,
        constraint: Val,
    },
    RenameModel {
        old_name: String,
        new_name: String,
    },
    /// `RenameIndex(old_fields=...)`: an `index_together` entry becoming a named index.
    RenameIndexFields {
        model_name: String,
        new_name: String,
        old_fields: Vec<String>,
    },
}

/// Python's repr of a tuple of strings.
fn py_tuple(items: &[String]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|s| super::writer::py_repr_str(s))
        .collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

fn item_name(v: &Val) -> String {
    match v {
        Val::Call(c) => c
            .kwargs
            .iter()
            .find(|(k, _)| k == "name")
            .and_then(|(_, v)| v.as_str())
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    }
}

impl Op {
    pub fn class_name(&self) -> &'static str {
        match self {
            Op::CreateModel { .. } => "CreateModel",
            Op::DeleteModel { .. } => "DeleteModel",
            Op::AddField { .. } => "AddField",
            Op::RemoveField { .. } => "RemoveField",
            Op::RenameField { .. } => "RenameField",
            Op::AlterField { .. } => "AlterField",
            Op::AlterModelOptions { .. } => "AlterModelOptions",
            Op::AlterModelTable { .. } => "AlterModelTable",
            Op::AlterUniqueTogether { .. } => "AlterUniqueTogether",
            Op::AddIndex { .. } => "AddIndex",
            Op::RemoveIndex { .. } => "RemoveIndex",
            Op::AddConstraint { .. } => "AddConstraint",
            Op::RemoveConstraint { .. } => "RemoveConstraint",
            Op::AlterModelTableComment { .. } => "AlterModelTableComment",
            Op::AlterModelManagers { .. } => "AlterModelManagers",
            Op::AlterOrderWithRespectTo { .. } => "AlterOrderWithRespectTo",
            Op::RenameIndex { .. } => "RenameIndex",
            Op::AlterConstraint { .. } => "AlterConstraint",
            Op::RenameModel { .. } => "RenameModel",
            Op::RenameIndexFields { .. } => "RenameIndex",
        }
    }

    /// The model the operation is about (lower-cased).
    pub fn model_lower(&self) -> String {
        match self {
            Op::CreateModel { name, .. }
            | Op::DeleteModel { name }
            | Op::AlterModelOptions { name, .. }
            | Op::AlterModelTable { name, .. }
            | Op::AlterUniqueTogether { name, .. }
            | Op::AlterModelTableComment { name, .. }
            | Op::AlterModelManagers { name, .. }
            | Op::AlterOrderWithRespectTo { name, .. } => name.to_lowercase(),
            Op::RenameIndex { model_name, .. } | Op::AlterConstraint { model_name, .. } => {
                model_name.to_lowercase()
            }
            Op::RenameModel { new_name, .. } => new_name.to_lowercase(),
            Op::RenameIndexFields { model_name, .. } => model_name.to_lowercase(),
            Op::AddField { model_name, .. }
            | Op::RemoveField { model_name, .. }
            | Op::RenameField { model_name, .. }
            | Op::AlterField { model_name, .. }
            | Op::AddIndex { model_name, .. }
            | Op::RemoveIndex { model_name, .. }
            | Op::AddConstraint { model_name, .. }
            | Op::RemoveConstraint { model_name, .. } => model_name.to_lowercase(),
        }
    }

    /// The field the operation is about, if any.
    pub fn field_name(&self) -> Option<&str> {
        match self {
            Op::AddField { name, .. }
            | Op::RemoveField { name, .. }
            | Op::AlterField { name, .. } => Some(name),
            Op::RenameField { new_name, .. } => Some(new_name),
            _ => None,
        }
    }

    /// Django's `describe()`, with the category symbol of `formatted_description()`.
    pub fn describe(&self) -> String {
        match self {
            Op::CreateModel { name, options, .. } => {
                let proxy = options
                    .iter()
                    .any(|(k, v)| k == "proxy" && *v == Val::Bool(true));
                format!("+ Create {}model {name}", if proxy { "proxy " } else { "" })
            }
            Op::DeleteModel { name } => format!("- Delete model {name}"),
            Op::AddField {
                model_name, name, ..
            } => format!("+ Add field {name} to {model_name}"),
            Op::RemoveField { model_name, name } => {
                format!("- Remove field {name} from {model_name}")
            }
            Op::AlterField {
                model_name, name, ..
            } => format!("~ Alter field {name} on {model_name}"),
            Op::RenameField {
                model_name,
                old_name,
                new_name,
            } => format!("~ Rename field {old_name} on {model_name} to {new_name}"),
            Op::AlterModelOptions { name, .. } => format!("~ Change Meta options on {name}"),
            Op::AlterModelTable { name, table } => format!(
                "~ Rename table for {name} to {}",
                match table {
                    Val::Str(s) => s.clone(),
                    _ => "(default)".into(),
                }
            ),
            Op::AlterUniqueTogether { name, value } => format!(
                "~ Alter unique_together for {name} ({} constraint(s))",
                value.items().map(<[Val]>::len).unwrap_or(0)
            ),
            Op::AddIndex { model_name, index } => {
                let fields: Vec<String> = match index {
                    Val::Call(c) => c
                        .kwargs
                        .iter()
                        .find(|(k, _)| k == "fields")
                        .and_then(|(_, v)| v.items())
                        .map(|i| {
                            i.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                format!(
                    "+ Create index {} on field(s) {} of model {model_name}",
                    item_name(index),
                    fields.join(", ")
                )
            }
            Op::RemoveIndex { model_name, name } => {
                format!("- Remove index {name} from {model_name}")
            }
            Op::AddConstraint {
                model_name,
                constraint,
            } => {
                format!(
                    "+ Create constraint {} on model {model_name}",
                    item_name(constraint)
                )
            }
            Op::RemoveConstraint { model_name, name } => {
                format!("- Remove constraint {name} from model {model_name}")
            }
            Op::AlterModelTableComment { name, .. } => format!("~ Alter {name} table comment"),
            Op::AlterModelManagers { name, .. } => format!("~ Change managers on {name}"),
            Op::AlterOrderWithRespectTo {
                name,
                order_with_respect_to,
            } => format!(
                "~ Set order_with_respect_to on {name} to {}",
                match order_with_respect_to {
                    Val::Str(s) => s.clone(),
                    _ => "None".into(),
                }
            ),
            Op::RenameIndex {
                model_name,
                new_name,
                old_name,
            } => format!("~ Rename index {old_name} on {model_name} to {new_name}"),
            Op::AlterConstraint {
                model_name, name, ..
            } => {
                format!("~ Alter constraint {name} on {model_name}")
            }
            Op::RenameModel { old_name, new_name } => {
                format!("~ Rename model {old_name} to {new_name}")
            }
            Op::RenameIndexFields {
                model_name,
                new_name,
                old_fields,
            } => format!(
                "~ Rename unnamed index for {} on {model_name} to {new_name}",
                py_tuple(old_fields)
            ),
        }
    }

    /// Django's `migration_name_fragment`.
    pub fn name_fragment(&self) -> String {
        match self {
            Op::CreateModel { name, .. } => name.to_lowercase(),
            Op::DeleteModel { name } => format!("delete_{}", name.to_lowercase()),
            Op::AddField {
                model_name, name, ..
            } => format!("{}_{}", model_name.to_lowercase(), name.to_lowercase()),
            Op::RemoveField { model_name, name } => format!(
                "remove_{}_{}",
                model_name.to_lowercase(),
                name.to_lowercase()
            ),
            Op::AlterField {
                model_name, name, ..
            } => format!(
                "alter_{}_{}",
                model_name.to_lowercase(),
                name.to_lowercase()
            ),
            Op::RenameField {
                model_name,
                old_name,
                new_name,
            } => format!(
                "rename_{}_{}_{}",
                old_name.to_lowercase(),
                model_name.to_lowercase(),
                new_name.to_lowercase()
            ),
            Op::AlterModelOptions { name, .. } => format!("alter_{}_options", name.to_lowercase()),
            Op::AlterModelTable { name, .. } => format!("alter_{}_table", name.to_lowercase()),
            Op::AlterUniqueTogether { name, .. } => {
                format!("alter_{}_unique_together", name.to_lowercase())
            }
            Op::AddIndex { model_name, index } => format!(
                "{}_{}",
                model_name.to_lowercase(),
                item_name(index).to_lowercase()
            ),
            Op::RemoveIndex { model_name, name } => format!(
                "remove_{}_{}",
                model_name.to_lowercase(),
                name.to_lowercase()
            ),
            Op::AddConstraint {
                model_name,
                constraint,
            } => format!(
                "{}_{}",
                model_name.to_lowercase(),
                item_name(constraint).to_lowercase()
            ),
            Op::RemoveConstraint { model_name, name } => format!(
                "remove_{}_{}",
                model_name.to_lowercase(),
                name.to_lowercase()
            ),
            Op::AlterModelTableComment { name, .. } => {
                format!("alter_{}_table_comment", name.to_lowercase())
            }
            Op::AlterModelManagers { name, .. } => {
                format!("alter_{}_managers", name.to_lowercase())
            }
            Op::AlterOrderWithRespectTo { name, .. } => {
                format!("alter_{}_order_with_respect_to", name.to_lowercase())
            }
            Op::RenameIndex {
                new_name, old_name, ..
            } => format!(
                "rename_{}_{}",
                old_name.to_lowercase(),
                new_name.to_lowercase()
            ),
            Op::AlterConstraint {
                model_name,
                constraint,
                ..
            } => format!(
                "alter_{}_{}",
                model_name.to_lowercase(),
                item_name(constraint).to_lowercase()
            ),
            Op::RenameModel { old_name, new_name } => format!(
                "rename_{}_{}",
                old_name.to_lowercase(),
                new_name.to_lowercase()
            ),
            Op::RenameIndexFields {
                model_name,
                new_name,
                old_fields,
            } => format!(
                "rename_{}_{}_{}",
                model_name.to_lowercase(),
                old_fields.join("_"),
                new_name.to_lowercase()
            ),
        }
    }
}

// ----------------------------------------------------------------------------------- references

fn resolve(label: &str, app: &str) -> (String, String) {
    match label.split_once('.') {
        Some((a, m)) => (a.to_string(), m.to_lowercase()),
        None => (app.to_string(), label.to_lowercase()),
    }
}

/// `field_references`: the field points at (app, model) by `to` or `through`.
fn field_refs(field: &FieldDef, app: &str, target: &(String, String)) -> bool {
    let to = field.target().map(|t| resolve(&t, app));
    let through = field
        .get("through")
        .and_then(Val::as_str)
        .map(|t| resolve(t, app));
    to.as_ref() == Some(target) || through.as_ref() == Some(target)
}

impl Op {
    fn references_model(&self, name: &str, app: &str) -> bool {
        let n = name.to_lowercase();
        let target = (app.to_string(), n.clone());
        match self {
            Op::CreateModel {
                name: own,
                fields,
                bases,
                ..
            } => {
                own.to_lowercase() == n
                    || bases
                        .iter()
                        .any(|b| matches!(b, Val::Str(s) if resolve(s, app) == target))
                    || fields.iter().any(|(_, f)| field_refs(f, app, &target))
            }
            Op::DeleteModel { name: own }
            | Op::AlterModelOptions { name: own, .. }
            | Op::AlterModelTable { name: own, .. }
            | Op::AlterUniqueTogether { name: own, .. }
            | Op::AlterModelTableComment { name: own, .. }
            | Op::AlterModelManagers { name: own, .. }
            | Op::AlterOrderWithRespectTo { name: own, .. } => own.to_lowercase() == n,
            Op::AddField {
                model_name, field, ..
            }
            | Op::AlterField {
                model_name, field, ..
            } => model_name.to_lowercase() == n || field_refs(field, app, &target),
            Op::RemoveField { model_name, .. } | Op::RenameField { model_name, .. } => {
                model_name.to_lowercase() == n
            }
            // IndexOperation keeps Operation's conservative default.
            Op::AddIndex { .. }
            | Op::RemoveIndex { .. }
            | Op::AddConstraint { .. }
            | Op::RemoveConstraint { .. }
            | Op::RenameIndex { .. }
            | Op::RenameIndexFields { .. }
            | Op::AlterConstraint { .. } => true,
            Op::RenameModel { old_name, new_name } => {
                old_name.to_lowercase() == n || new_name.to_lowercase() == n
            }
        }
    }

    fn references_field(&self, model: &str, field: &str, app: &str) -> bool {
        let ml = model.to_lowercase();
        let target = (app.to_string(), ml.clone());
        match self {
            Op::AddField {
                model_name,
                name,
                field: f,
                ..
            }
            | Op::AlterField {
                model_name,
                name,
                field: f,
                ..
            } => (model_name.to_lowercase() == ml && name == field) || field_refs(f, app, &target),
            Op::RemoveField { model_name, name } => {
                model_name.to_lowercase() == ml && name == field
            }
            Op::RenameField {
                model_name,
                old_name,
                new_name,
            } => {
                model_name.to_lowercase() == ml
                    && (field.to_lowercase() == old_name.to_lowercase()
                        || field.to_lowercase() == new_name.to_lowercase())
            }
            Op::AlterUniqueTogether { name, value } => {
                name.to_lowercase() == ml
                    && match value.items() {
                        Some(groups) if !groups.is_empty() => groups.iter().any(|g| {
                            g.items()
                                .is_some_and(|i| i.iter().any(|x| x.as_str() == Some(field)))
                        }),
                        _ => true,
                    }
            }
            Op::AlterOrderWithRespectTo {
                name,
                order_with_respect_to,
            } => {
                name.to_lowercase() == ml
                    && match order_with_respect_to {
                        Val::Str(s) => s == field,
                        _ => true,
                    }
            }
            Op::CreateModel { .. } => {
                // ModelOperation: references_field -> references_model... CreateModel overrides
                // references_model only; Operation.references_field delegates to it.
                self.references_model(model, app)
            }
            _ => self.references_model(model, app),
        }
    }
}

const ALTER_OPTION_KEYS: &[&str] = &[
    "base_manager_name",
    "default_manager_name",
    "default_related_name",
    "get_latest_by",
    "managed",
    "ordering",
    "permissions",
    "default_permissions",
    "select_on_save",
    "verbose_name",
    "verbose_name_plural",
];

enum Reduced {
    Ops(Vec<Op>),
    Through,
    No,
}

fn set_opt(options: &mut Vec<(String, Val)>, k: &str, v: Val) {
    match options.iter_mut().find(|(n, _)| n == k) {
        Some(slot) => slot.1 = v,
        None => options.push((k.to_string(), v)),
    }
}

/// `operation.reduce(other, app_label)`.
fn reduce(a: &Op, b: &Op, app: &str) -> Reduced {
    use Op::*;
    let same = |x: &str, y: &str| x.to_lowercase() == y.to_lowercase();
    match (a, b) {
        (
            CreateModel {
                name,
                fields,
                options,
                bases,
                managers,
            },
            _,
        ) => {
            let mk = |fields: Vec<(String, FieldDef)>, options: Vec<(String, Val)>| {
                Reduced::Ops(vec![CreateModel {
                    name: name.clone(),
                    fields,
                    options,
                    bases: bases.clone(),
                    managers: managers.clone(),
                }])
            };
            let proxy = options
                .iter()
                .any(|(k, v)| k == "proxy" && *v == Val::Bool(true));
            match b {
                DeleteModel { name: n } if same(n, name) && !proxy => {
                    return Reduced::Ops(Vec::new());
                }
                AlterModelOptions {
                    name: n,
                    options: o,
                } if same(n, name) => {
                    let mut opts = options.clone();
                    for (k, v) in o {
                        set_opt(&mut opts, k, v.clone());
                    }
                    opts.retain(|(k, _)| {
                        !ALTER_OPTION_KEYS.contains(&k.as_str()) || o.iter().any(|(ok, _)| ok == k)
                    });
                    return mk(fields.clone(), opts);
                }
                AlterModelTable { name: n, table } if same(n, name) => {
                    let mut opts = options.clone();
                    set_opt(&mut opts, "db_table", table.clone());
                    return mk(fields.clone(), opts);
                }
                AlterModelTableComment {
                    name: n,
                    table_comment,
                } if same(n, name) => {
                    let mut opts = options.clone();
                    set_opt(&mut opts, "db_table_comment", table_comment.clone());
                    return mk(fields.clone(), opts);
                }
                AlterOrderWithRespectTo {
                    name: n,
                    order_with_respect_to,
                } if same(n, name) => {
                    let mut opts = options.clone();
                    set_opt(
                        &mut opts,
                        "order_with_respect_to",
                        order_with_respect_to.clone(),
                    );
                    return mk(fields.clone(), opts);
                }
                AlterModelManagers { name: n, managers } if same(n, name) => {
                    return Reduced::Ops(vec![CreateModel {
                        name: name.clone(),
                        fields: fields.clone(),
                        options: options.clone(),
                        bases: bases.clone(),
                        managers: managers.clone(),
                    }]);
                }
                AlterUniqueTogether { name: n, value } if same(n, name) => {
                    let mut opts = options.clone();
                    set_opt(&mut opts, "unique_together", value.clone());
                    return mk(fields.clone(), opts);
                }
                AddField {
                    model_name,
                    name: f,
                    field,
                } if same(model_name, name) => {
                    let mut fs = fields.clone();
                    fs.push((f.clone(), field.clone()));
                    return mk(fs, options.clone());
                }
                AlterField {
                    model_name,
                    name: f,
                    field,
                } if same(model_name, name) => {
                    let fs = fields
                        .iter()
                        .map(|(n, d)| {
                            if n == f {
                                (n.clone(), field.clone())
                            } else {
                                (n.clone(), d.clone())
                            }
                        })
                        .collect();
                    return mk(fs, options.clone());
                }
                RemoveField {
                    model_name,
                    name: f,
                } if same(model_name, name) => {
                    let fs: Vec<_> = fields.iter().filter(|(n, _)| n != f).cloned().collect();
                    let mut opts = options.clone();
                    if let Some((_, v)) = opts.iter_mut().find(|(k, _)| k == "unique_together")
                        && let Some(Val::Set(groups)) = normalize_together(v)
                    {
                        let groups: Vec<Val> = groups
                            .into_iter()
                            .map(|g| {
                                Val::Tuple(
                                    g.items()
                                        .unwrap_or(&[])
                                        .iter()
                                        .filter(|x| x.as_str() != Some(f))
                                        .cloned()
                                        .collect(),
                                )
                            })
                            .filter(|g| g.items().is_some_and(|i| !i.is_empty()))
                            .collect();
                        *v = Val::Set(groups);
                    }
                    opts.retain(|(k, v)| {
                        !(k == "unique_together" && v.items().is_some_and(<[Val]>::is_empty))
                    });
                    return mk(fs, opts);
                }
                AddIndex { model_name, index } if same(model_name, name) => {
                    let mut opts = options.clone();
                    let mut l = opts
                        .iter()
                        .find(|(k, _)| k == "indexes")
                        .and_then(|(_, v)| v.items().map(<[Val]>::to_vec))
                        .unwrap_or_default();
                    l.push(index.clone());
                    set_opt(&mut opts, "indexes", Val::List(l));
                    return mk(fields.clone(), opts);
                }
                AddConstraint {
                    model_name,
                    constraint,
                } if same(model_name, name) => {
                    let mut opts = options.clone();
                    let mut l = opts
                        .iter()
                        .find(|(k, _)| k == "constraints")
                        .and_then(|(_, v)| v.items().map(<[Val]>::to_vec))
                        .unwrap_or_default();
                    l.push(constraint.clone());
                    set_opt(&mut opts, "constraints", Val::List(l));
                    return mk(fields.clone(), opts);
                }
                _ => {}
            }
            if !b.references_model(name, app) {
                Reduced::Through
            } else {
                Reduced::No
            }
        }
        (AlterModelOptions { name, .. }, AlterModelOptions { name: n, .. })
        | (AlterModelTableComment { name, .. }, AlterModelTableComment { name: n, .. })
        | (AlterModelManagers { name, .. }, AlterModelManagers { name: n, .. })
        | (AlterOrderWithRespectTo { name, .. }, AlterOrderWithRespectTo { name: n, .. })
        | (
            AlterModelTableComment { name, .. }
            | AlterModelManagers { name, .. }
            | AlterOrderWithRespectTo { name, .. },
            DeleteModel { name: n },
        )
        | (AlterModelTable { name, .. }, AlterModelTable { name: n, .. })
        | (AlterUniqueTogether { name, .. }, AlterUniqueTogether { name: n, .. })
        | (
            AlterModelOptions { name, .. }
            | AlterModelTable { name, .. }
            | AlterUniqueTogether { name, .. },
            DeleteModel { name: n },
        ) if same(name, n) => Reduced::Ops(vec![b.clone()]),
        (
            DeleteModel { name }
            | AlterModelOptions { name, .. }
            | AlterModelTable { name, .. }
            | AlterModelTableComment { name, .. }
            | AlterModelManagers { name, .. }
            | AlterOrderWithRespectTo { name, .. },
            _,
        ) => {
            if !b.references_model(name, app) {
                Reduced::Through
            } else {
                Reduced::No
            }
        }
        (AlterUniqueTogether { name, .. }, _) => {
            if !b.references_model(name, app) {
                Reduced::Through
            } else {
                Reduced::No
            }
        }
        (
            AddField {
                model_name, name, ..
            },
            AlterField {
                model_name: m2,
                name: n2,
                field,
            },
        ) if same(model_name, m2) && name == n2 => Reduced::Ops(vec![AddField {
            model_name: model_name.clone(),
            name: name.clone(),
            field: field.clone(),
        }]),
        (
            AddField {
                model_name, name, ..
            },
            RemoveField {
                model_name: m2,
                name: n2,
            },
        ) if same(model_name, m2) && name == n2 => Reduced::Ops(Vec::new()),
        (
            AlterField {
                model_name, name, ..
            },
            AlterField {
                model_name: m2,
                name: n2,
                ..
            }
            | RemoveField {
                model_name: m2,
                name: n2,
            },
        ) if same(model_name, m2) && name == n2 => Reduced::Ops(vec![b.clone()]),
        (RemoveField { model_name, .. }, DeleteModel { name }) if same(model_name, name) => {
            Reduced::Ops(vec![b.clone()])
        }
        (
            RenameField {
                model_name,
                old_name,
                new_name,
            },
            RenameField {
                model_name: m2,
                old_name: o2,
                new_name: n2,
            },
        ) if same(model_name, m2) && new_name.to_lowercase() == o2.to_lowercase() => {
            Reduced::Ops(vec![RenameField {
                model_name: model_name.clone(),
                old_name: old_name.clone(),
                new_name: n2.clone(),
            }])
        }
        (
            RenameField {
                model_name,
                old_name,
                new_name,
            },
            _,
        ) => {
            if !(b.references_field(model_name, old_name, app)
                || b.references_field(model_name, new_name, app))
            {
                Reduced::Through
            } else {
                Reduced::No
            }
        }
        (
            AddField {
                model_name,
                name,
                field,
            },
            RenameField {
                model_name: m2,
                old_name,
                new_name,
            },
        ) if same(model_name, m2) && name == old_name => Reduced::Ops(vec![AddField {
            model_name: model_name.clone(),
            name: new_name.clone(),
            field: field.clone(),
        }]),
        (
            AddField {
                model_name, name, ..
            }
            | AlterField {
                model_name, name, ..
            }
            | RemoveField { model_name, name },
            _,
        ) => {
            if !b.references_field(model_name, name, app) {
                Reduced::Through
            } else {
                Reduced::No
            }
        }
        (
            AddIndex { model_name, index },
            RemoveIndex {
                model_name: m2,
                name,
            },
        ) if same(model_name, m2) && item_name(index) == *name => Reduced::Ops(Vec::new()),
        (
            AddConstraint {
                model_name,
                constraint,
            },
            RemoveConstraint {
                model_name: m2,
                name,
            },
        ) if same(model_name, m2) && item_name(constraint) == *name => Reduced::Ops(Vec::new()),
        (
            AlterConstraint {
                model_name, name, ..
            },
            AlterConstraint {
                model_name: m2,
                name: n2,
                ..
            }
            | RemoveConstraint {
                model_name: m2,
                name: n2,
            },
        ) if same(model_name, m2) && name == n2 => Reduced::Ops(vec![b.clone()]),
        (
            RenameIndex {
                model_name,
                new_name,
                old_name,
            },
            RenameIndex {
                model_name: m2,
                old_name: o2,
                new_name: n2,
            },
        ) if same(model_name, m2) && new_name.to_lowercase() == o2.to_lowercase() => {
            Reduced::Ops(vec![RenameIndex {
                model_name: model_name.clone(),
                new_name: n2.clone(),
                old_name: old_name.clone(),
            }])
        }
        (RenameModel { new_name, .. }, _) => {
            if !b.references_model(new_name, app) {
                Reduced::Through
            } else {
                Reduced::No
            }
        }
        _ => Reduced::No,
    }
}

fn optimize_inner(ops: &[Op], app: &str) -> Vec<Op> {
    let mut new_ops: Vec<Op> = Vec::new();
    'outer: for (i, op) in ops.iter().enumerate() {
        let mut right = true;
        for (j, other) in ops[i + 1..].iter().enumerate() {
            match reduce(op, other, app) {
                Reduced::Ops(result) => {
                    let in_between = &ops[i + 1..i + j + 1];
                    if right {
                        new_ops.extend(in_between.iter().cloned());
                        new_ops.extend(result);
                    } else if in_between
                        .iter()
                        .all(|x| matches!(reduce(x, other, app), Reduced::Through))
                    {
                        new_ops.extend(result);
                        new_ops.extend(in_between.iter().cloned());
                    } else {
                        new_ops.push(op.clone());
                        continue 'outer;
                    }
                    new_ops.extend(ops[i + j + 2..].iter().cloned());
                    return new_ops;
                }
                Reduced::No => right = false,
                Reduced::Through => {}
            }
        }
        new_ops.push(op.clone());
    }
    new_ops
}

pub fn optimize(mut ops: Vec<Op>, app: &str) -> Vec<Op> {
    for _ in 0..1000 {
        let result = optimize_inner(&ops, app);
        if result == ops {
            return result;
        }
        ops = result;
    }
    ops
}

// ----------------------------------------------------------------------------------- dependencies

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DepType {
    Create,
    Remove,
    AlterFooTogether,
    RemoveIndexOrConstraint,
    RemoveOrderWrt,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct OpDep {
    app: String,
    model: String,
    field: Option<String>,
    ty: DepType,
}

fn dep(app: &str, model: &str, field: Option<&str>, ty: DepType) -> OpDep {
    OpDep {
        app: app.to_string(),
        model: model.to_string(),
        field: field.map(str::to_string),
        ty,
    }
}

fn check_dependency(op: &Op, d: &OpDep) -> bool {
    let ml = d.model.to_lowercase();
    match (d.ty, &d.field) {
        (DepType::Create, None) => {
            matches!(op, Op::CreateModel { name, .. } if name.to_lowercase() == ml)
        }
        (DepType::Create, Some(f)) => match op {
            Op::CreateModel { name, fields, .. } => {
                name.to_lowercase() == ml && fields.iter().any(|(n, _)| n == f)
            }
            Op::AddField {
                model_name, name, ..
            } => model_name.to_lowercase() == ml && name.to_lowercase() == f.to_lowercase(),
            _ => false,
        },
        (DepType::Remove, None) => {
            matches!(op, Op::DeleteModel { name } if name.to_lowercase() == ml)
        }
        (DepType::Remove, Some(f)) => {
            matches!(op, Op::RemoveField { model_name, name } if model_name.to_lowercase() == ml && name.to_lowercase() == f.to_lowercase())
        }
        (DepType::AlterFooTogether, _) => {
            matches!(op, Op::AlterUniqueTogether { name, .. } if name.to_lowercase() == ml)
        }
        (DepType::RemoveIndexOrConstraint, Some(_)) => matches!(
            op,
            Op::RemoveIndex { model_name, .. } | Op::RemoveConstraint { model_name, .. } if model_name.to_lowercase() == ml
        ),
        (DepType::RemoveIndexOrConstraint, None) => false,
        (DepType::RemoveOrderWrt, Some(f)) => match op {
            Op::AlterOrderWithRespectTo {
                name,
                order_with_respect_to,
            } => {
                name.to_lowercase() == ml
                    && order_with_respect_to.as_str().unwrap_or("").to_lowercase()
                        != f.to_lowercase()
            }
            _ => false,
        },
        (DepType::RemoveOrderWrt, None) => false,
    }
}

// ----------------------------------------------------------------------------------- detection

/// One migration the autodetector would write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedMigration {
    pub app_label: String,
    pub name: String,
    pub initial: bool,
    /// (app_label, name); `("__setting__", "AUTH_USER_MODEL")` for a swappable dependency.
    pub dependencies: Vec<(String, String)>,
    pub operations: Vec<Op>,
}

#[derive(Clone)]
pub struct Input<'a> {
    pub from: &'a ProjectState,
    pub to: &'a ProjectState,
    /// Leaf nodes of the graph, sorted (all apps).
    pub leaves: Vec<(String, String)>,
    /// Apps with a migrations package (possibly empty).
    pub apps_with_migrations_package: Vec<String>,
    pub specified_apps: Vec<String>,
    pub auth_user_model: &'a str,
    pub django_version: (u32, u32),
    /// `--name`.
    pub migration_name: Option<&'a str>,
    /// Host-provided timestamp for `auto_<timestamp>` names (`%Y%m%d_%H%M`).
    pub timestamp: &'a str,
    /// Renames the user confirmed (Django's questioner "yes"): (app, model lower, old, new).
    pub renames: Vec<(String, String, String, String)>,
}

struct Gen {
    ops: FxHashMap<String, Vec<(Op, Vec<OpDep>)>>,
}

impl Gen {
    fn add(&mut self, app: &str, op: Op, deps: Vec<OpDep>, beginning: bool) {
        let v = self.ops.entry(app.to_string()).or_default();
        if beginning {
            v.insert(0, (op, deps));
        } else {
            v.push((op, deps));
        }
    }

    fn fk_deps(&self, app: &str, field: &FieldDef) -> Vec<OpDep> {
        let mut out = Vec::new();
        if let Some(setting) = field.swappable_setting() {
            out.push(dep("__setting__", setting, None, DepType::Create));
        } else if let Some(t) = field.target() {
            let (a, m) = resolve(&t, app);
            out.push(dep(&a, &m, None, DepType::Create));
        }
        if let Some(t) = field.get("through").and_then(Val::as_str) {
            let (a, m) = resolve(t, app);
            out.push(dep(&a, &m, None, DepType::Create));
        }
        out
    }
}

/// Why djsa cannot produce the migration exactly.
pub type Cannot = String;

/// Two model states equal for the autodetector (options as a map, empty lists as absent).
fn same_model(a: Option<&ModelState>, b: Option<&ModelState>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    let opts = |m: &ModelState| {
        let mut v: Vec<(String, Val)> = m
            .options
            .iter()
            .filter(|(k, v)| {
                !(matches!(k.as_str(), "indexes" | "constraints" | "unique_together")
                    && v.items().is_some_and(<[Val]>::is_empty))
            })
            .cloned()
            .collect();
        v.sort();
        v
    };
    a.fields == b.fields && a.bases == b.bases && a.managers == b.managers && opts(a) == opts(b)
}

fn option_eq(a: Option<&Val>, b: Option<&Val>) -> bool {
    match (a, b) {
        (None | Some(Val::None), None | Some(Val::None)) => true,
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// Where Django's non-interactive questioner stops `makemigrations` (exit status 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionerAbort {
    pub app_label: String,
    pub model: String,
    pub field: String,
    /// The field has `auto_now_add=True` (Django asks a different question).
    pub auto_now_add: bool,
}

/// The autodetector's result: the migrations, the lines Django's non-interactive questioner
/// prints while detecting, and where it would stop.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Detected {
    pub migrations: Vec<PlannedMigration>,
    pub log: Vec<String>,
    pub abort: Option<QuestionerAbort>,
}

/// Run the autodetector. `Err` when the changes include something djsa does not reproduce exactly.
pub fn detect(inp: &Input<'_>) -> Result<Vec<PlannedMigration>, Cannot> {
    detect_full(inp).map(|d| d.migrations)
}

/// [`detect`] with the questioner's output.
pub fn detect_full(inp: &Input<'_>) -> Result<Detected, Cannot> {
    let mut log: Vec<String> = Vec::new();
    // Confirmed renames: the old field takes its new name in the old state (position kept).
    let renamed_from;
    let mut model_renames: Vec<(String, Op)> = Vec::new();
    let from = if inp.renames.is_empty() {
        inp.from
    } else {
        let mut f = inp.from.clone();
        // Model renames (an empty model name): generate_renamed_models with a "yes" answer.
        for (app, _, old, new) in inp.renames.iter().filter(|r| r.1.is_empty()) {
            let (ol, nl) = (old.to_lowercase(), new.to_lowercase());
            let (Some(o), Some(n)) = (inp.from.get(app, &ol), inp.to.get(app, &nl)) else {
                return Err(format!("{app}.{old}: no such model to rename"));
            };
            let same_fields =
                o.fields.len() == n.fields.len() && o.fields.iter().all(|x| n.fields.contains(x));
            if !same_fields || inp.to.get(app, &ol).is_some() || inp.from.get(app, &nl).is_some() {
                return Err(format!(
                    "{app}.{old} -> {new} is not a model rename Django would offer"
                ));
            }
            let pointed_at = inp.from.models.iter().any(|(_, other)| {
                other.fields.iter().any(|(_, fd)| {
                    fd.target().map(|t| resolve(&t, &other.app_label))
                        == Some((app.clone(), ol.clone()))
                })
            });
            if pointed_at || o.fields.iter().any(|(_, fd)| fd.is_relation()) {
                return Err(format!(
                    "{app}.{old}: renaming a model with relations is not reproduced by djsa yet"
                ));
            }
            // Rename the key in place (the model keeps its position).
            f.models = std::mem::take(&mut f.models)
                .into_iter()
                .map(|((a, m), mut ms)| {
                    if a == *app && m == ol {
                        Arc::make_mut(&mut ms).name = n.name.clone();
                        ((a, nl.clone()), ms)
                    } else {
                        ((a, m), ms)
                    }
                })
                .collect();
            model_renames.push((
                app.clone(),
                Op::RenameModel {
                    old_name: o.name.clone(),
                    new_name: n.name.clone(),
                },
            ));
        }
        for (app, model, old, new) in inp.renames.iter().filter(|r| !r.1.is_empty()) {
            let (Some(o), Some(n)) = (inp.from.get(app, model), inp.to.get(app, model)) else {
                return Err(format!("{app}.{model}: no such model to rename a field on"));
            };
            let (Some(of), Some(nf)) = (o.field(old), n.field(new)) else {
                return Err(format!(
                    "{app}.{model}: {old} -> {new} is not a rename candidate"
                ));
            };
            if of != nf || n.field(old).is_some() || o.field(new).is_some() {
                return Err(format!(
                    "{app}.{model}: {old} -> {new} is not a rename Django would offer"
                ));
            }
            for ((a, m), ms) in &mut f.models {
                if a == app && m == model {
                    for (fname, _) in &mut Arc::make_mut(ms).fields {
                        if fname == old {
                            *fname = new.clone();
                        }
                    }
                }
            }
        }
        renamed_from = f;
        &renamed_from
    };
    let to = inp.to;
    let mut g = Gen {
        ops: FxHashMap::default(),
    };
    for (app, op) in model_renames {
        g.add(&app, op, Vec::new(), false);
    }
    let key = |s: &ModelState| (s.app_label.clone(), s.name_lower());
    // Concrete models and proxies of each side, in state order (one pass each).
    type Keys<'s> = Vec<&'s (String, String)>;
    fn split(state: &ProjectState) -> (Keys<'_>, Keys<'_>) {
        let (mut concrete, mut proxies): (Keys<'_>, Keys<'_>) =
            (Vec::with_capacity(state.models.len()), Vec::new());
        for (k, s) in &state.models {
            // A proxy model.
            if s.option("proxy") == Some(&Val::Bool(true)) {
                proxies.push(k);
            } else {
                concrete.push(k);
            }
        }
        (concrete, proxies)
    }
    let (old_keys, old_proxies) = split(from);
    let (new_keys, new_proxies) = split(to);
    // Membership tests over thousands of models: hash sets over the ordered key lists.
    let old_set: FxHashSet<&(String, String)> = old_keys.iter().copied().collect();
    let new_set: FxHashSet<&(String, String)> = new_keys.iter().copied().collect();
    let old_proxy_set: FxHashSet<&(String, String)> = old_proxies.iter().copied().collect();
    let new_proxy_set: FxHashSet<&(String, String)> = new_proxies.iter().copied().collect();
    let from_side = from.models.iter().map(|(k, s)| (k, s, true));
    let to_side = to.models.iter().map(|(k, s)| (k, s, false));
    for (skey, s, in_from) in from_side.chain(to_side) {
        let managed = s.option("managed");
        // `ProjectState::get(app, name)`, looked up once (a state's key is its app label and
        // lower-cased name); on its own side, the state is `s` itself.
        let (sf, st) = if in_from {
            (Some(&**s), to.models.get(skey).map(|m| &**m))
        } else {
            (from.models.get(skey).map(|m| &**m), Some(&**s))
        };
        let both = sf.is_some() && st.is_some();
        if (managed == Some(&Val::Bool(false))
            || (s.option("proxy") == Some(&Val::Bool(true)) && both))
            && !same_model(sf, st)
        {
            return Err(format!(
                "{}.{}: proxy or unmanaged model changes are not reproduced by djsa yet",
                s.app_label, s.name
            ));
        }
        if let (Some(a), Some(b)) = (sf, st)
            && a.bases != b.bases
        {
            return Err(format!(
                "{}.{}: model bases are not reproduced by djsa yet",
                s.app_label, s.name
            ));
        }
    }
    // Renamed models: Django asks; with --noinput it says no. Nothing to do.
    // Deleted models.
    let mut deleted: Vec<&(String, String)> = old_keys
        .iter()
        .copied()
        .filter(|k| !new_set.contains(k))
        .collect();
    deleted.sort();
    // Models pointed at by a relation of the old state, with the models pointing (computed once).
    let mut pointed: FxHashMap<(String, String), Vec<&(String, String)>> = FxHashMap::default();
    if !deleted.is_empty() {
        for (ok, other) in &from.models {
            for (_, f) in &other.fields {
                if let Some(t) = f.target() {
                    pointed
                        .entry(resolve(&t, &other.app_label))
                        .or_default()
                        .push(ok);
                }
            }
        }
    }
    for k in &deleted {
        let Some(ms) = from.get(&k.0, &k.1) else {
            continue;
        };
        // Incoming relations from other models make Django add dependencies djsa does not model.
        if pointed
            .get(*k)
            .is_some_and(|srcs| srcs.iter().any(|ok| ok != k))
        {
            return Err(format!(
                "{}.{}: deleting a model other models point at is not reproduced by djsa yet",
                k.0, ms.name
            ));
        }
        if ms
            .option("unique_together")
            .and_then(Val::items)
            .is_some_and(|i| !i.is_empty())
            || !ms.list_option("indexes").is_empty()
            || !ms.list_option("constraints").is_empty()
        {
            return Err(format!(
                "{}.{}: deleting a model with indexes/constraints is not reproduced by djsa yet",
                k.0, ms.name
            ));
        }
        let mut related: Vec<&String> = ms
            .fields
            .iter()
            .filter(|(_, f)| f.is_relation())
            .map(|(n, _)| n)
            .collect();
        related.sort();
        let mut del_deps = Vec::new();
        for n in related {
            g.add(
                &k.0,
                Op::RemoveField {
                    model_name: k.1.clone(),
                    name: n.clone(),
                },
                Vec::new(),
                false,
            );
            del_deps.push(dep(&k.0, &k.1, Some(n), DepType::Remove));
        }
        g.add(
            &k.0,
            Op::DeleteModel {
                name: ms.name.clone(),
            },
            del_deps,
            false,
        );
    }
    // Created models: reverse-sorted, each CreateModel inserted at the beginning.
    let mut added: Vec<&(String, String)> = new_keys
        .iter()
        .copied()
        .filter(|k| !old_set.contains(k))
        .collect();
    added.sort();
    added.reverse();
    for k in added {
        let Some(ms) = to.get(&k.0, &k.1) else {
            continue;
        };
        let mut ms = ms.clone();
        let indexes = ms.list_option("indexes");
        let constraints = ms.list_option("constraints");
        let unique_together = ms.option("unique_together").cloned();
        let order_wrt = ms
            .option("order_with_respect_to")
            .filter(|v| **v != Val::None)
            .cloned();
        ms.options.retain(|(n, _)| {
            !matches!(
                n.as_str(),
                "indexes" | "constraints" | "unique_together" | "order_with_respect_to"
            )
        });
        let mut related: Vec<String> = Vec::new();
        let mut pk_rel: Option<String> = None;
        for (n, f) in &ms.fields {
            if f.is_relation() {
                if f.primary_key() {
                    pk_rel = f.target();
                } else if !f.parent_link() {
                    related.push(n.clone());
                }
                if f.get("through").is_some() && !related.contains(n) {
                    related.push(n.clone());
                }
            }
        }
        let mut deps = vec![dep(&k.0, &k.1, None, DepType::Remove)];
        for b in &ms.bases {
            if let Val::Str(b) = b
                && let Some((ba, bn)) = b.split_once('.')
            {
                deps.push(dep(ba, bn, None, DepType::Create));
                if let (Some(ob), Some(nb)) = (from.get(ba, bn), to.get(ba, bn)) {
                    let mut removed: Vec<&String> = ob
                        .fields
                        .iter()
                        .map(|(n, _)| n)
                        .filter(|n| nb.field(n).is_none() && ms.field(n).is_some())
                        .collect();
                    removed.sort();
                    for r in removed {
                        deps.push(dep(ba, bn, Some(r), DepType::Remove));
                    }
                }
            }
        }
        if let Some(t) = pk_rel {
            let (a, m) = resolve(&t, &k.0);
            deps.push(dep(&a, &m, None, DepType::Create));
        }
        g.add(
            &k.0,
            Op::CreateModel {
                name: ms.name.clone(),
                fields: ms
                    .fields
                    .iter()
                    .filter(|(n, _)| !related.contains(n))
                    .cloned()
                    .collect(),
                options: ms.options.clone(),
                bases: ms.bases.clone(),
                managers: ms.managers.clone(),
            },
            deps,
            true,
        );
        if ms.option("managed") == Some(&Val::Bool(false)) {
            continue;
        }
        related.sort();
        for n in &related {
            let Some(f) = ms.field(n) else { continue };
            let mut d = g.fk_deps(&k.0, f);
            d.push(dep(&k.0, &k.1, None, DepType::Create));
            let mut uniq: Vec<OpDep> = Vec::new();
            for x in d {
                if !uniq.contains(&x) {
                    uniq.push(x);
                }
            }
            g.add(
                &k.0,
                Op::AddField {
                    model_name: k.1.clone(),
                    name: n.clone(),
                    field: f.clone(),
                },
                uniq,
                false,
            );
        }
        if let Some(ow) = &order_wrt {
            g.add(
                &k.0,
                Op::AlterOrderWithRespectTo {
                    name: k.1.clone(),
                    order_with_respect_to: ow.clone(),
                },
                vec![
                    dep(&k.0, &k.1, ow.as_str(), DepType::Create),
                    dep(&k.0, &k.1, None, DepType::Create),
                ],
                false,
            );
        }
        let mut rel_deps: Vec<OpDep> = related
            .iter()
            .map(|n| dep(&k.0, &k.1, Some(n), DepType::Create))
            .collect();
        rel_deps.push(dep(&k.0, &k.1, None, DepType::Create));
        for i in indexes {
            g.add(
                &k.0,
                Op::AddIndex {
                    model_name: k.1.clone(),
                    index: i,
                },
                rel_deps.clone(),
                false,
            );
        }
        for c in constraints {
            g.add(
                &k.0,
                Op::AddConstraint {
                    model_name: k.1.clone(),
                    constraint: c,
                },
                rel_deps.clone(),
                false,
            );
        }
        if let Some(ut) = unique_together
            && ut.items().is_some_and(|i| !i.is_empty())
        {
            g.add(
                &k.0,
                Op::AlterUniqueTogether {
                    name: k.1.clone(),
                    value: ut,
                },
                rel_deps.clone(),
                false,
            );
        }
    }
    // Proxies: deleted, then created.
    let mut gone: Vec<&(String, String)> = old_proxies
        .iter()
        .copied()
        .filter(|k| !new_proxy_set.contains(k) && !new_set.contains(k))
        .collect();
    gone.sort();
    for k in gone {
        if let Some(ms) = from.get(&k.0, &k.1) {
            g.add(
                &k.0,
                Op::DeleteModel {
                    name: ms.name.clone(),
                },
                Vec::new(),
                false,
            );
        }
    }
    let mut born: Vec<&(String, String)> = new_proxies
        .iter()
        .copied()
        .filter(|k| !old_proxy_set.contains(k) && !old_set.contains(k))
        .collect();
    born.sort();
    for k in born {
        let Some(ms) = to.get(&k.0, &k.1) else {
            continue;
        };
        let mut deps = vec![dep(&k.0, &k.1, None, DepType::Remove)];
        for b in &ms.bases {
            if let Val::Str(b) = b
                && let Some((ba, bn)) = b.split_once('.')
            {
                deps.push(dep(ba, bn, None, DepType::Create));
            }
        }
        g.add(
            &k.0,
            Op::CreateModel {
                name: ms.name.clone(),
                fields: Vec::new(),
                options: ms.options.clone(),
                bases: ms.bases.clone(),
                managers: ms.managers.clone(),
            },
            deps,
            false,
        );
    }
    // A model turning into a proxy or back is not reproduced.
    if old_proxies.iter().any(|k| new_set.contains(k))
        || new_proxies.iter().any(|k| old_set.contains(k))
    {
        return Err(
            "a model changed between proxy and concrete; not reproduced by djsa yet".into(),
        );
    }
    // Kept models.
    let mut kept: Vec<&(String, String)> = new_keys
        .iter()
        .copied()
        .filter(|k| old_set.contains(k))
        .collect();
    kept.sort();
    // Each kept model's old and new state, looked up once.
    let kept_pairs: Vec<(&(String, String), &ModelState, &ModelState)> = kept
        .iter()
        .filter_map(|k| match (from.models.get(*k), to.models.get(*k)) {
            (Some(o), Some(n)) => Some((*k, &**o, &**n)),
            _ => None,
        })
        .collect();
    // Whether each kept model is unchanged (its old and new states equal): most are, and such a
    // model gets no operation from the comparisons below (options, managers, comments,
    // unique_together, fields, order_with_respect_to, table), which then skip it.
    let same: Vec<bool> = kept_pairs
        .iter()
        .map(|&(_, o, n)| std::ptr::eq(o, n) || o == n)
        .collect();
    let changed: Vec<(&(String, String), &ModelState, &ModelState)> = kept_pairs
        .iter()
        .zip(&same)
        .filter(|(_, same)| !**same)
        .map(|(p, _)| *p)
        .collect();
    for &(k, o, n) in &changed {
        fn pick(s: &ModelState) -> Vec<&(String, Val)> {
            s.options
                .iter()
                .filter(|(k, _)| ALTER_OPTION_KEYS.contains(&k.as_str()))
                .collect()
        }
        let (oo, no) = (pick(o), pick(n));
        let same = oo.len() == no.len()
            && oo
                .iter()
                .all(|(k, v)| no.iter().any(|(k2, v2)| k == k2 && v == v2));
        if !same {
            g.add(
                &k.0,
                Op::AlterModelOptions {
                    name: k.1.clone(),
                    options: no.into_iter().cloned().collect(),
                },
                Vec::new(),
                false,
            );
        }
    }
    for &(k, o, n) in &changed {
        if o.managers != n.managers {
            g.add(
                &k.0,
                Op::AlterModelManagers {
                    name: k.1.clone(),
                    managers: n.managers.clone(),
                },
                Vec::new(),
                false,
            );
        }
    }
    for &(k, o, n) in &changed {
        if !option_eq(o.option("db_table_comment"), n.option("db_table_comment")) {
            g.add(
                &k.0,
                Op::AlterModelTableComment {
                    name: k.1.clone(),
                    table_comment: n.option("db_table_comment").cloned().unwrap_or(Val::None),
                },
                Vec::new(),
                false,
            );
        }
    }
    // Renamed fields: with --noinput Django never renames. Indexes and constraints.
    let mut idx_changes = Vec::new();
    let mut renamed_indexes: Vec<((String, String), String, String)> = Vec::new();
    let mut renamed_together: Vec<((String, String), Vec<String>, String)> = Vec::new();
    let mut altered_constraints: Vec<((String, String), Val)> = Vec::new();
    let strip_kw = |v: &Val, drop: &[&str]| match v {
        Val::Call(c) => Val::call(
            c.path.clone(),
            c.args.clone(),
            c.kwargs
                .iter()
                .filter(|(k, _)| !drop.contains(&k.as_str()))
                .cloned()
                .collect(),
        ),
        v => v.clone(),
    };
    for (&(k, o, n), &unchanged) in kept_pairs.iter().zip(&same) {
        for key in ["indexes", "constraints"] {
            // `list_option`, borrowed.
            fn items<'s>(s: &'s ModelState, key: &str) -> Vec<&'s Val> {
                s.option(key)
                    .and_then(Val::items)
                    .map(|i| i.iter().collect())
                    .unwrap_or_default()
            }
            if unchanged
                && (key == "indexes"
                    || o.option(key).and_then(Val::items).map_or(0, <[Val]>::len) <= 1)
            {
                // Equal lists: nothing added, removed or renamed, and no two constraints of the
                // same name to count as altered.
                continue;
            }
            let (ol, nl) = (items(o, key), items(n, key));
            if ol.is_empty() && nl.is_empty() {
                // Nothing added, removed, renamed or altered.
                continue;
            }
            let mut added: Vec<Val> = nl
                .iter()
                .filter(|i| !ol.contains(i))
                .map(|i| (*i).clone())
                .collect();
            let mut removed: Vec<Val> = ol
                .iter()
                .filter(|i| !nl.contains(i))
                .map(|i| (*i).clone())
                .collect();
            if key == "indexes" {
                // create_altered_indexes: equal apart from the name is a rename.
                let mut from_added = Vec::new();
                let mut from_removed = Vec::new();
                for a in &added {
                    for r in &removed {
                        if strip_kw(a, &["name"]) == strip_kw(r, &["name"])
                            && item_name(a) != item_name(r)
                        {
                            renamed_indexes.push(((*k).clone(), item_name(r), item_name(a)));
                            from_added.push(a.clone());
                            from_removed.push(r.clone());
                        }
                    }
                }
                // index_together entries (old migrations) matched by exactly one new index on
                // the same fields with only `fields` and `name`.
                let groups: Vec<Vec<String>> = o
                    .option("index_together")
                    .and_then(normalize_together)
                    .and_then(|v| v.items().map(<[Val]>::to_vec))
                    .unwrap_or_default()
                    .iter()
                    .map(|g| {
                        g.items()
                            .unwrap_or(&[])
                            .iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .collect();
                let mut converted = 0;
                for group in &groups {
                    let matching: Vec<&Val> = added
                        .iter()
                        .filter(|a| match a {
                            Val::Call(c) => {
                                let Call { args, kwargs, .. } = &**c;
                                args.is_empty()
                                    && kwargs.len() == 2
                                    && !item_name(a).is_empty()
                                    && kwargs.iter().any(|(k, v)| {
                                        k == "fields"
                                            && v.items().is_some_and(|i| {
                                                i.iter().map(|x| x.as_str()).collect::<Vec<_>>()
                                                    == group
                                                        .iter()
                                                        .map(|x| Some(x.as_str()))
                                                        .collect::<Vec<_>>()
                                            })
                                    })
                            }
                            _ => false,
                        })
                        .collect();
                    if let [one] = matching.as_slice() {
                        converted += 1;
                        renamed_together.push(((*k).clone(), group.clone(), item_name(one)));
                        from_added.push((*one).clone());
                    }
                }
                if converted > 1 {
                    // Django walks a set here: its order is not known.
                    return Err(format!(
                        "{}.{}: several index_together entries turned into indexes at once",
                        k.0, n.name
                    ));
                }
                added.retain(|a| !from_added.contains(a));
                removed.retain(|r| !from_removed.contains(r));
            } else {
                // create_altered_constraints: same name, only non-database attributes differ.
                let non_db = ["violation_error_code", "violation_error_message"];
                let mut names = Vec::new();
                for &oc in &ol {
                    for &nc in &nl {
                        if oc != nc
                            && item_name(oc) == item_name(nc)
                            && strip_kw(oc, &non_db) == strip_kw(nc, &non_db)
                        {
                            altered_constraints.push(((*k).clone(), nc.clone()));
                            names.push(item_name(nc));
                        }
                    }
                }
                added.retain(|a| !names.contains(&item_name(a)));
                removed.retain(|r| !names.contains(&item_name(r)));
            }
            idx_changes.push(((*k).clone(), key, added, removed));
        }
    }
    for ((app, model), key, _, removed) in idx_changes.iter().filter(|c| c.1 == "constraints") {
        let _ = key;
        for r in removed {
            g.add(
                app,
                Op::RemoveConstraint {
                    model_name: model.clone(),
                    name: item_name(r),
                },
                Vec::new(),
                false,
            );
        }
    }
    for ((app, model), _, _, removed) in idx_changes.iter().filter(|c| c.1 == "indexes") {
        for r in removed {
            g.add(
                app,
                Op::RemoveIndex {
                    model_name: model.clone(),
                    name: item_name(r),
                },
                Vec::new(),
                false,
            );
        }
    }
    let mut renames: Vec<_> = inp
        .renames
        .iter()
        .filter(|r| !r.1.is_empty())
        .cloned()
        .collect();
    renames.sort_by(|a, b| (&a.0, &a.1, &a.3).cmp(&(&b.0, &b.1, &b.3)));
    for (app, model, old, new) in &renames {
        g.add(
            app,
            Op::RenameField {
                model_name: model.clone(),
                old_name: old.clone(),
                new_name: new.clone(),
            },
            Vec::new(),
            false,
        );
    }
    for k in &kept {
        for ((app, model), old, new) in renamed_indexes.iter().filter(|r| r.0 == **k) {
            g.add(
                app,
                Op::RenameIndex {
                    model_name: model.clone(),
                    new_name: new.clone(),
                    old_name: old.clone(),
                },
                Vec::new(),
                false,
            );
        }
        for ((app, model), fields, new) in renamed_together.iter().filter(|r| r.0 == **k) {
            g.add(
                app,
                Op::RenameIndexFields {
                    model_name: model.clone(),
                    new_name: new.clone(),
                    old_fields: fields.clone(),
                },
                Vec::new(),
                false,
            );
        }
    }
    // unique_together changes (removal part first).
    type Together = ((String, String), Vec<Val>, Vec<Val>, Vec<OpDep>);
    let mut together: Vec<Together> = Vec::new();
    for &(k, o, n) in &changed {
        let norm = |v: Option<&Val>| -> Vec<Val> {
            v.and_then(normalize_together)
                .and_then(|s| s.items().map(<[Val]>::to_vec))
                .unwrap_or_default()
        };
        let (ov, nv) = (
            norm(o.option("unique_together")),
            norm(n.option("unique_together")),
        );
        if ov != nv {
            let mut deps = Vec::new();
            for g2 in &nv {
                for f in g2.items().unwrap_or(&[]) {
                    if let Some(fname) = f.as_str()
                        && let Some(fd) = n.field(fname)
                        && fd.is_relation()
                    {
                        deps.extend(g.fk_deps(&k.0, fd));
                    }
                }
            }
            together.push(((*k).clone(), ov, nv, deps));
        }
    }
    for ((app, model), ov, nv, deps) in &together {
        let removal: Vec<Val> = nv.iter().filter(|x| ov.contains(x)).cloned().collect();
        if !removal.is_empty() || !ov.is_empty() {
            g.add(
                app,
                Op::AlterUniqueTogether {
                    name: model.clone(),
                    value: Val::Set(removal),
                },
                deps.clone(),
                false,
            );
        }
    }
    // Field keys (app, model, field) of each kept model, borrowed from the states, with the
    // field of that name (the first one, like `ModelState.get_field`). Sorting each model's keys
    // in turn sorts them all: `kept` is sorted by (app, model), each key once.
    type FieldKey<'a> = (&'a str, &'a str, &'a str);
    fn first<'s>(fields: &'s [(String, FieldDef)], name: &str) -> Option<&'s FieldDef> {
        fields.iter().find(|(f, _)| f == name).map(|(_, d)| d)
    }
    let mut removed_f: Vec<FieldKey<'_>> = Vec::new();
    let mut added_f: Vec<(FieldKey<'_>, &FieldDef)> = Vec::new();
    // Fields on both sides whose deconstruction differs: (key, old, new).
    let mut altered_f: Vec<(FieldKey<'_>, &FieldDef, &FieldDef)> = Vec::new();
    for &(k, o, n) in &changed {
        if o.fields == n.fields {
            // Same fields in the same order: nothing removed, added or altered on this model.
            continue;
        }
        let (app, model) = (k.0.as_str(), k.1.as_str());
        let (r0, a0, c0) = (removed_f.len(), added_f.len(), altered_f.len());
        for (f, _) in &o.fields {
            match (first(&o.fields, f), first(&n.fields, f)) {
                (Some(of), Some(nf)) => {
                    if of != nf {
                        altered_f.push(((app, model, f.as_str()), of, nf));
                    }
                }
                _ => removed_f.push((app, model, f.as_str())),
            }
        }
        for (f, d) in &n.fields {
            if first(&o.fields, f).is_none() {
                added_f.push(((app, model, f.as_str()), first(&n.fields, f).unwrap_or(d)));
            }
        }
        removed_f[r0..].sort();
        added_f[a0..].sort_by(|x, y| x.0.cmp(&y.0));
        altered_f[c0..].sort_by(|x, y| x.0.cmp(&y.0));
    }
    // Rename candidates: Django's questioner would ask (and --noinput says no).
    for &(app, model, name) in &removed_f {
        let mut deps = vec![
            dep(app, model, Some(name), DepType::RemoveOrderWrt),
            dep(app, model, Some(name), DepType::AlterFooTogether),
        ];
        if inp.django_version >= (6, 0) {
            deps.push(dep(
                app,
                model,
                Some(name),
                DepType::RemoveIndexOrConstraint,
            ));
        }
        g.add(
            app,
            Op::RemoveField {
                model_name: model.to_string(),
                name: name.to_string(),
            },
            deps,
            false,
        );
    }
    for &((app, model, name), f) in &added_f {
        let has_default = f.get("default").is_some() || f.get("db_default").is_some();
        let null = f.get("null") == Some(&Val::Bool(true));
        // GeneratedField is always blank and allows empty strings.
        let blank_ok = f.kind() == Some(crate::fields::FieldKind::GeneratedField)
            || (f.get("blank") == Some(&Val::Bool(true))
                && matches!(f.kind(), Some(k) if k.is_char_like() || matches!(k, crate::fields::FieldKind::TextField)));
        let time_field = matches!(
            f.path.as_str(),
            "django.db.models.DateField"
                | "django.db.models.DateTimeField"
                | "django.db.models.TimeField"
        );
        let auto_now = time_field && f.get("auto_now") == Some(&Val::Bool(true));
        let auto_now_add = time_field && f.get("auto_now_add") == Some(&Val::Bool(true));
        if !(null || has_default || blank_ok || f.is_m2m() || auto_now) {
            // `blank=True` keeps the default only for fields allowing empty strings, and auto
            // fields always keep it: djsa does not know those for every class.
            let known = f.get("blank") != Some(&Val::Bool(true))
                && !f.path.ends_with("AutoField")
                && !f.path.ends_with(".GeneratedField");
            if !known {
                return Err(format!(
                    "{app}.{model}.{name}: whether Django asks for a default for this field is not known to djsa"
                ));
            }
            // NonInteractiveMigrationQuestioner: log and sys.exit(3).
            let reason = if auto_now_add {
                "it is impossible to add a field with 'auto_now_add=True' without specifying a default"
            } else {
                "it is impossible to add a non-nullable field without specifying a default"
            };
            log.push(format!(
                "Field '{name}' on model '{model}' not migrated: {reason}."
            ));
            return Ok(Detected {
                migrations: Vec::new(),
                log,
                abort: Some(QuestionerAbort {
                    app_label: app.to_string(),
                    model: model.to_string(),
                    field: name.to_string(),
                    auto_now_add,
                }),
            });
        }
        let mut deps = Vec::new();
        if f.is_relation() {
            deps.extend(g.fk_deps(app, f));
        }
        if let Some(expr) = f.get("expression") {
            // _get_dependencies_for_generated_field: every newly added relation, and every
            // newly added field named in the expression.
            let mut refs = Vec::new();
            expression_refs(expr, &mut refs);
            for &((a2, m2, n2), nf) in &added_f {
                if nf.is_relation() || refs.iter().any(|r| r == n2) {
                    deps.push(dep(a2, m2, Some(n2), DepType::Create));
                }
            }
        }
        g.add(
            app,
            Op::AddField {
                model_name: model.to_string(),
                name: name.to_string(),
                field: f.clone(),
            },
            deps,
            false,
        );
    }
    for &((app, model, name), of, nf) in &altered_f {
        if of.is_m2m() != nf.is_m2m() {
            return Err(format!(
                "{app}.{model}.{name}: changing to/from many-to-many is not reproduced by djsa yet"
            ));
        }
        let old_null = of.get("null") == Some(&Val::Bool(true));
        let new_null = nf.get("null") == Some(&Val::Bool(true));
        if old_null
            && !new_null
            && nf.get("default").is_none()
            && nf.get("db_default").is_none()
            && !nf.is_m2m()
        {
            // NonInteractiveMigrationQuestioner.ask_not_null_alteration: a log line, and the
            // field is altered as it is.
            log.push(format!(
                "Field '{name}' on model '{model}' given a default of NOT PROVIDED and must be corrected."
            ));
        }
        let mut deps = Vec::new();
        if nf.is_relation() {
            deps.extend(g.fk_deps(app, nf));
        }
        g.add(
            app,
            Op::AlterField {
                model_name: model.to_string(),
                name: name.to_string(),
                field: nf.clone(),
            },
            deps,
            false,
        );
    }
    for &(k, o, n) in &changed {
        let (ow_old, ow_new) = (
            o.option("order_with_respect_to"),
            n.option("order_with_respect_to"),
        );
        if !option_eq(ow_old, ow_new) {
            let new = ow_new.cloned().unwrap_or(Val::None);
            let deps = match new.as_str() {
                Some(f) if !f.is_empty() => vec![dep(&k.0, &k.1, Some(f), DepType::Create)],
                _ => Vec::new(),
            };
            g.add(
                &k.0,
                Op::AlterOrderWithRespectTo {
                    name: k.1.clone(),
                    order_with_respect_to: new,
                },
                deps,
                false,
            );
        }
    }
    for ((app, model), ov, nv, deps) in &together {
        let removal: Vec<Val> = nv.iter().filter(|x| ov.contains(x)).cloned().collect();
        if *nv != removal {
            g.add(
                app,
                Op::AlterUniqueTogether {
                    name: model.clone(),
                    value: Val::Set(nv.clone()),
                },
                deps.clone(),
                false,
            );
        }
    }
    // `_get_dependencies_for_model`: every relation of the new model state.
    let model_deps = |g: &Gen, app: &str, model: &str| -> Vec<OpDep> {
        let mut out = Vec::new();
        if let Some(ms) = to.get(app, model) {
            for (_, f) in &ms.fields {
                if f.is_relation() {
                    out.extend(g.fk_deps(app, f));
                }
            }
        }
        out
    };
    for ((app, model), _, added, _) in idx_changes.iter().filter(|c| c.1 == "indexes") {
        for a in added {
            let deps = model_deps(&g, app, model);
            g.add(
                app,
                Op::AddIndex {
                    model_name: model.clone(),
                    index: a.clone(),
                },
                deps,
                false,
            );
        }
    }
    for ((app, model), _, added, _) in idx_changes.iter().filter(|c| c.1 == "constraints") {
        for a in added {
            let deps = model_deps(&g, app, model);
            g.add(
                app,
                Op::AddConstraint {
                    model_name: model.clone(),
                    constraint: a.clone(),
                },
                deps,
                false,
            );
        }
    }
    for ((app, model), c) in &altered_constraints {
        let deps = model_deps(&g, app, model);
        g.add(
            app,
            Op::AlterConstraint {
                model_name: model.clone(),
                name: item_name(c),
                constraint: c.clone(),
            },
            deps,
            false,
        );
    }
    for &(k, o, n) in &changed {
        if !option_eq(o.option("db_table"), n.option("db_table")) {
            g.add(
                &k.0,
                Op::AlterModelTable {
                    name: k.1.clone(),
                    table: n.option("db_table").cloned().unwrap_or(Val::None),
                },
                Vec::new(),
                false,
            );
        }
    }
    let _ = key;
    // Sort each app's operations (graphlib.TopologicalSorter order).
    let mut apps: Vec<String> = g.ops.keys().cloned().collect();
    apps.sort();
    let mut sorted: FxHashMap<String, Vec<(Op, Vec<OpDep>)>> = FxHashMap::default();
    for app in &apps {
        let ops = g.ops.remove(app).unwrap_or_default();
        sorted.insert(app.clone(), topo_sort(ops, app, inp.auth_user_model)?);
    }
    let migrations = build_list(sorted, inp)?;
    Ok(Detected {
        migrations,
        log,
        abort: None,
    })
}

fn resolve_dep(d: &OpDep, auth_user_model: &str) -> (OpDep, bool) {
    if d.app != "__setting__" {
        return (d.clone(), false);
    }
    let (a, m) = auth_user_model.split_once('.').unwrap_or(("auth", "User"));
    (
        OpDep {
            app: a.to_string(),
            model: m.to_lowercase(),
            field: d.field.clone(),
            ty: d.ty,
        },
        true,
    )
}

fn topo_sort(
    ops: Vec<(Op, Vec<OpDep>)>,
    app: &str,
    aum: &str,
) -> Result<Vec<(Op, Vec<OpDep>)>, Cannot> {
    // Port of graphlib.TopologicalSorter: node info in order of first mention.
    let n = ops.len();
    let mut order: Vec<usize> = Vec::new();
    let mut npred = vec![0usize; n];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut seen = vec![false; n];
    let mention = |i: usize, order: &mut Vec<usize>, seen: &mut Vec<bool>| {
        if !seen[i] {
            seen[i] = true;
            order.push(i);
        }
    };
    for (i, (_, deps)) in ops.iter().enumerate() {
        mention(i, &mut order, &mut seen);
        for d in deps {
            let (d, _) = resolve_dep(d, aum);
            if d.app != app {
                continue;
            }
            let preds: Vec<usize> = (0..n)
                .filter(|&x| check_dependency(&ops[x].0, &d))
                .collect();
            mention(i, &mut order, &mut seen);
            npred[i] += preds.len();
            for p in preds {
                mention(p, &mut order, &mut seen);
                succ[p].push(i);
            }
        }
    }
    let mut ready: Vec<usize> = order.iter().copied().filter(|&i| npred[i] == 0).collect();
    let mut out_idx: Vec<usize> = Vec::new();
    while !ready.is_empty() {
        let group = std::mem::take(&mut ready);
        out_idx.extend(group.iter().copied());
        for node in group {
            for &s in &succ[node] {
                npred[s] -= 1;
                if npred[s] == 0 {
                    ready.push(s);
                }
            }
        }
    }
    if out_idx.len() != n {
        return Err("operations depend on each other in a cycle".into());
    }
    let mut slots: Vec<Option<(Op, Vec<OpDep>)>> = ops.into_iter().map(Some).collect();
    Ok(out_idx
        .into_iter()
        .filter_map(|i| slots[i].take())
        .collect())
}

fn build_list(
    mut generated: FxHashMap<String, Vec<(Op, Vec<OpDep>)>>,
    inp: &Input<'_>,
) -> Result<Vec<PlannedMigration>, Cannot> {
    let mut migrations: Vec<(String, Vec<PlannedMigration>)> = Vec::new();
    let count =
        |g: &FxHashMap<String, Vec<(Op, Vec<OpDep>)>>| g.values().map(Vec::len).sum::<usize>();
    let mut num_ops = count(&generated);
    let mut chop_mode = false;
    let leaf_of = |app: &str| inp.leaves.iter().find(|l| l.0 == app).cloned();
    while num_ops > 0 {
        let mut apps: Vec<String> = generated.keys().cloned().collect();
        apps.sort();
        for app in apps {
            let mut chopped: Vec<(Op, Vec<OpDep>)> = Vec::new();
            let mut dependencies: Vec<(String, String)> = Vec::new();
            while let Some((op, deps)) = generated.get(&app).and_then(|v| v.first()).cloned() {
                let mut satisfied = true;
                let mut op_deps: Vec<(String, String)> = Vec::new();
                for d in &deps {
                    let (rd, swappable) = resolve_dep(d, inp.auth_user_model);
                    if rd.app == app {
                        continue;
                    }
                    if generated
                        .get(&rd.app)
                        .is_some_and(|v| v.iter().any(|(o, _)| check_dependency(o, &rd)))
                    {
                        satisfied = false;
                        break;
                    }
                    if swappable {
                        op_deps.push((d.app.clone(), d.model.clone()));
                    } else if let Some((_, ms)) = migrations.iter().find(|(a, _)| *a == rd.app) {
                        if let Some(last) = ms.last() {
                            op_deps.push((rd.app.clone(), last.name.clone()));
                        }
                    } else if chop_mode {
                        match leaf_of(&rd.app) {
                            Some(l) => op_deps.push(l),
                            None => op_deps.push((rd.app.clone(), "__first__".into())),
                        }
                    } else {
                        satisfied = false;
                    }
                }
                if !satisfied {
                    break;
                }
                chopped.push((op, deps));
                for d in op_deps {
                    if !dependencies.contains(&d) {
                        dependencies.push(d);
                    }
                }
                if let Some(v) = generated.get_mut(&app) {
                    v.remove(0);
                }
            }
            if !dependencies.is_empty() || !chopped.is_empty() {
                let remaining = generated.get(&app).map(Vec::len).unwrap_or(0);
                if remaining == 0 || chop_mode {
                    let existing = inp.from.models.iter().any(|((a, _), _)| *a == app);
                    let slot = match migrations.iter_mut().position(|(a, _)| *a == app) {
                        Some(p) => p,
                        None => {
                            migrations.push((app.clone(), Vec::new()));
                            migrations.len() - 1
                        }
                    };
                    let n = migrations[slot].1.len() + 1;
                    migrations[slot].1.push(PlannedMigration {
                        app_label: app.clone(),
                        name: format!("auto_{n}"),
                        initial: !existing,
                        dependencies,
                        operations: chopped.into_iter().map(|(o, _)| o).collect(),
                    });
                    chop_mode = false;
                } else if let Some(v) = generated.get_mut(&app) {
                    let rest = std::mem::take(v);
                    chopped.extend(rest);
                    *v = chopped;
                }
            }
        }
        let new_num = count(&generated);
        if new_num == num_ops {
            if !chop_mode {
                chop_mode = true;
            } else {
                return Err("cannot resolve operation dependencies".into());
            }
        }
        num_ops = new_num;
    }
    // Internal dependencies, optimize, name.
    let mut out = Vec::new();
    for (app, ms) in migrations {
        if ms.len() > 1 {
            return Err(format!(
                "app {app} would need several migrations; djsa does not split migrations yet"
            ));
        }
        for mut m in ms {
            m.operations = optimize(m.operations, &app);
            out.push(m);
        }
    }
    // Trim to the specified apps (and what they depend on).
    if !inp.specified_apps.is_empty() {
        let mut required: Vec<String> = inp.specified_apps.clone();
        let mut i = 0;
        while i < required.len() {
            let a = required[i].clone();
            for m in out.iter().filter(|m| m.app_label == a) {
                for (da, _) in &m.dependencies {
                    if da != "__setting__" && !required.contains(da) {
                        required.push(da.clone());
                    }
                }
            }
            i += 1;
        }
        out.retain(|m| required.contains(&m.app_label));
    }
    // arrange_for_graph.
    let mut name_map: Vec<((String, String), (String, String))> = Vec::new();
    let mut arranged = Vec::new();
    for mut m in out {
        let app_leaf = leaf_of(&m.app_label);
        if app_leaf.is_none()
            && !inp.specified_apps.contains(&m.app_label)
            && !inp.apps_with_migrations_package.contains(&m.app_label)
        {
            name_map.push((
                (m.app_label.clone(), m.name.clone()),
                (m.app_label.clone(), "__first__".into()),
            ));
            continue;
        }
        let next = match &app_leaf {
            None => 1,
            Some(l) => parse_number(&l.1).unwrap_or(0) + 1,
        };
        if let Some(l) = &app_leaf {
            m.dependencies.push(l.clone());
        }
        let suffix = match inp.migration_name {
            Some(n) => n.to_string(),
            None if app_leaf.is_none() => "initial".to_string(),
            None => super::naming::suggest_name(&m.operations, m.initial, inp.timestamp)
                .chars()
                .take(100)
                .collect(),
        };
        let new_name = format!("{next:04}_{suffix}");
        name_map.push((
            (m.app_label.clone(), m.name.clone()),
            (m.app_label.clone(), new_name.clone()),
        ));
        m.name = new_name;
        arranged.push(m);
    }
    for m in &mut arranged {
        m.dependencies = m
            .dependencies
            .iter()
            .map(|d| {
                name_map
                    .iter()
                    .find(|(k, _)| k == d)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| d.clone())
            })
            .collect();
        m.dependencies.sort();
        m.dependencies.dedup();
    }
    Ok(arranged)
}

/// Field names an expression refers to (`F("a__b")` -> `a`), like `Model._get_expr_references`.
fn expression_refs(v: &Val, out: &mut Vec<String>) {
    match v {
        Val::Call(c) => {
            let Call { path, args, kwargs } = &**c;
            if path == "django.db.models.F"
                && let [Val::Str(n)] = args.as_slice()
            {
                out.push(n.split("__").next().unwrap_or(n).to_string());
                return;
            }
            for a in args {
                if path.starts_with("django.db.models.functions.")
                    && let Val::Str(n) = a
                {
                    out.push(n.split("__").next().unwrap_or(n).to_string());
                }
                expression_refs(a, out);
            }
            for (_, a) in kwargs {
                expression_refs(a, out);
            }
        }
        Val::List(x) | Val::Tuple(x) | Val::Set(x) => {
            x.iter().for_each(|i| expression_refs(i, out))
        }
        _ => {}
    }
}

/// `MigrationAutodetector.parse_number`.
pub fn parse_number(name: &str) -> Option<u64> {
    if let Some(idx) = name.rfind("_squashed_") {
        let digits: String = name[idx + "_squashed_".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if !digits.is_empty() {
            return digits.parse().ok();
        }
    }
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        None
    } else {
        digits.parse().ok()
    }
}
