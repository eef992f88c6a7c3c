//! The schema the Django models imply on one backend: table and column names, Django's DDL type
//! per backend, nullability, unique constraints, indexes and foreign keys, M2M join tables and
//! multi-table-inheritance pointers. Built from the models' state (`ModelState.from_model`, the
//! same state `makemigrations` uses); a model djsa cannot reproduce exactly is skipped, never
//! guessed.

use rustc_hash::FxHashMap;

use crate::db::{Db, Project, SourceFile};
use crate::fields::FieldKind;
use crate::migrations::parse::{Call, Val};
use crate::migrations::state::{FieldDef, ModelState};
use crate::project::{Parent, ProjectModel, project_model};
use crate::span::Span;

use super::{Backend, normalize_type};

/// Where a finding about an expected object points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: SourceFile,
    pub span: Span,
    /// Django-style object label (`shop.Book.title`).
    pub object: String,
    /// The migration (`shop.0002_author_email`) whose operation this points at, when the
    /// expectation comes from the migration state rather than the models.
    pub migration: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedColumn {
    pub field: String,
    pub column: String,
    /// Django's DDL type for this backend as Django writes it (`varchar(100)`); `None`: not known.
    pub ddl: Option<String>,
    /// `ddl` in canonical form (see [`normalize_type`]).
    pub data_type: Option<String>,
    pub nullable: bool,
    pub primary_key: bool,
    /// (target table, target column) when Django creates a FOREIGN KEY constraint; `None` when
    /// there is none or the target is not known.
    pub fk: Option<(String, String)>,
    /// `db_default=` as the state holds it (compared where the database shows a default).
    pub db_default: Option<Val>,
    /// `db_comment=`.
    pub comment: Option<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedTable {
    pub name: String,
    /// `Meta.managed` (an auto-created M2M table follows its model).
    pub managed: bool,
    pub columns: Vec<ExpectedColumn>,
    /// Column sets that must be unique (field `unique`, `unique_together`, plain UniqueConstraint).
    pub uniques: Vec<(Vec<String>, Loc)>,
    /// Column sets Django creates an index on (db_index, ForeignKey, plain `Meta.indexes`).
    pub indexes: Vec<(Vec<String>, Loc)>,
    /// Names of `CheckConstraint`s in `Meta.constraints`.
    pub checks: Vec<(String, Loc)>,
    /// `Meta.db_table_comment`.
    pub comment: Option<String>,
    pub loc: Loc,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExpectedSchema {
    pub tables: Vec<ExpectedTable>,
    /// Models not compared, with the reason (for `--verbose`).
    pub skipped: Vec<(String, String)>,
}

struct Target {
    table: String,
    /// Index into the model states.
    state: usize,
}

/// Django's `db_type` of a concrete (non-relation) field on a backend, as its DDL writes it.
pub fn django_ddl_type(
    backend: Backend,
    mariadb: bool,
    kind: FieldKind,
    f: &FieldDef,
) -> Option<String> {
    use FieldKind as K;
    let int = |k: &str| match f.get(k) {
        Some(Val::Int(i)) => Some(i.get()),
        _ => None,
    };
    let max_length = int("max_length").or_else(|| kind.default_max_length());
    let varchar = || match max_length {
        Some(n) => format!("varchar({n})"),
        None => "varchar".to_string(),
    };
    let decimal = |pg: bool| match (int("max_digits"), int("decimal_places")) {
        (Some(p), Some(s)) => Some(format!("numeric({p}, {s})")),
        _ if pg => Some("numeric".to_string()),
        _ => None,
    };
    Some(match backend {
        Backend::Postgresql => match kind {
            K::AutoField | K::IntegerField | K::PositiveIntegerField => "integer".into(),
            K::BigAutoField | K::BigIntegerField | K::PositiveBigIntegerField => "bigint".into(),
            K::SmallAutoField | K::SmallIntegerField | K::PositiveSmallIntegerField => {
                "smallint".into()
            }
            K::BinaryField => "bytea".into(),
            K::BooleanField => "boolean".into(),
            K::CharField
            | K::EmailField
            | K::SlugField
            | K::URLField
            | K::FileField
            | K::ImageField
            | K::FilePathField => varchar(),
            K::DateField => "date".into(),
            K::DateTimeField => "timestamp with time zone".into(),
            K::DecimalField => decimal(true)?,
            K::DurationField => "interval".into(),
            K::FloatField => "double precision".into(),
            K::GenericIPAddressField | K::IPAddressField => "inet".into(),
            K::JSONField => "jsonb".into(),
            K::TextField => "text".into(),
            K::TimeField => "time".into(),
            K::UUIDField => "uuid".into(),
            _ => return None,
        },
        Backend::Mysql => match kind {
            K::AutoField | K::IntegerField => "integer".into(),
            K::BigAutoField | K::BigIntegerField => "bigint".into(),
            K::SmallAutoField | K::SmallIntegerField => "smallint".into(),
            K::PositiveIntegerField => "integer UNSIGNED".into(),
            K::PositiveBigIntegerField => "bigint UNSIGNED".into(),
            K::PositiveSmallIntegerField => "smallint UNSIGNED".into(),
            K::BinaryField => "longblob".into(),
            K::BooleanField => "bool".into(),
            K::CharField
            | K::EmailField
            | K::SlugField
            | K::URLField
            | K::FileField
            | K::ImageField
            | K::FilePathField => {
                max_length?;
                varchar()
            }
            K::DateField => "date".into(),
            K::DateTimeField => "datetime(6)".into(),
            K::DecimalField => decimal(false)?,
            K::DurationField => "bigint".into(),
            K::FloatField => "double precision".into(),
            K::IPAddressField => "char(15)".into(),
            K::GenericIPAddressField => "char(39)".into(),
            K::JSONField => "json".into(),
            K::TextField => "longtext".into(),
            K::TimeField => "time(6)".into(),
            K::UUIDField if mariadb => "uuid".into(),
            K::UUIDField => "char(32)".into(),
            _ => return None,
        },
        Backend::Sqlite => match kind {
            K::AutoField | K::BigAutoField | K::SmallAutoField | K::IntegerField => {
                "integer".into()
            }
            K::BigIntegerField => "bigint".into(),
            K::SmallIntegerField => "smallint".into(),
            K::PositiveIntegerField => "integer unsigned".into(),
            K::PositiveBigIntegerField => "bigint unsigned".into(),
            K::PositiveSmallIntegerField => "smallint unsigned".into(),
            K::BinaryField => "BLOB".into(),
            K::BooleanField => "bool".into(),
            K::CharField
            | K::EmailField
            | K::SlugField
            | K::URLField
            | K::FileField
            | K::ImageField
            | K::FilePathField => varchar(),
            K::DateField => "date".into(),
            K::DateTimeField => "datetime".into(),
            K::DecimalField => "decimal".into(),
            K::DurationField => "bigint".into(),
            K::FloatField => "real".into(),
            K::IPAddressField => "char(15)".into(),
            K::GenericIPAddressField => "char(39)".into(),
            K::JSONField => "text".into(),
            K::TextField => "text".into(),
            K::TimeField => "time".into(),
            K::UUIDField => "char(32)".into(),
            _ => return None,
        },
    })
}

/// Django's `rel_db_type`: the type of a column that references `kind`.
fn rel_ddl_type(backend: Backend, mariadb: bool, kind: FieldKind, f: &FieldDef) -> Option<String> {
    use FieldKind as K;
    let as_kind = match kind {
        K::AutoField => K::IntegerField,
        K::BigAutoField => K::BigIntegerField,
        K::SmallAutoField => K::SmallIntegerField,
        // `related_fields_match_type` is True only on MySQL.
        K::PositiveIntegerField if backend != Backend::Mysql => K::IntegerField,
        K::PositiveBigIntegerField if backend != Backend::Mysql => K::BigIntegerField,
        K::PositiveSmallIntegerField if backend != Backend::Mysql => K::SmallIntegerField,
        k => k,
    };
    django_ddl_type(backend, mariadb, as_kind, f)
}

fn column_of(name: &str, f: &FieldDef) -> String {
    match f.get("db_column") {
        Some(Val::Str(c)) => c.clone(),
        _ if f.is_relation() => format!("{name}_id"),
        _ => name.to_string(),
    }
}

fn flag(f: &FieldDef, k: &str, default: bool) -> bool {
    match f.get(k) {
        Some(Val::Bool(b)) => *b,
        _ => default,
    }
}

fn strs(v: &Val) -> Option<Vec<String>> {
    v.items()?
        .iter()
        .map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// Where a field is declared: the model or one of its abstract ancestors; else the model.
fn field_loc(pm: &ProjectModel, idx: usize, field: &str) -> Option<(SourceFile, Span)> {
    fn walk(pm: &ProjectModel, idx: usize, field: &str, depth: u32) -> Option<(SourceFile, Span)> {
        if depth > 20 {
            return None;
        }
        let m = &pm.models[idx];
        if let Some(f) = m.own_fields.iter().find(|f| f.name == field) {
            return Some((f.file, f.name_span));
        }
        m.parents.iter().find_map(|p| match p {
            Parent::Model(p) if pm.models[*p].abstract_ => walk(pm, *p, field, depth + 1),
            _ => None,
        })
    }
    walk(pm, idx, field, 0)
}

/// The primary key class of an auto-created many-to-many table as `migrate` creates it: the
/// migration state's app configs are stubs without an overridden `default_auto_field`, so the
/// table gets `settings.DEFAULT_AUTO_FIELD` whatever the app's AppConfig says (seen on
/// `auth_user_groups.id`: bigint under a BigAutoField setting although AuthConfig says AutoField).
fn m2m_pk_kind(pm: &ProjectModel) -> Option<FieldKind> {
    let path = pm.settings.default_auto_field.clone().unwrap_or_else(|| {
        if pm.django_version >= (6, 0) {
            "django.db.models.BigAutoField".into()
        } else {
            "django.db.models.AutoField".into()
        }
    });
    FieldKind::from_qualified(&path).filter(|k| k.is_auto())
}

/// The schema the registered concrete models imply on `backend`.
pub fn expected_schema(
    db: &dyn Db,
    project: Project,
    backend: Backend,
    mariadb: bool,
) -> ExpectedSchema {
    let pm = project_model(db, project);
    let mut out = ExpectedSchema::default();
    if pm.settings.installed_apps.is_none() {
        return out;
    }
    let (states, skipped) = crate::migrations::fromproject::concrete_model_states(db, project);
    out.skipped.extend(skipped);
    let locate = |idx: usize, _: &ModelState, field: Option<&str>| -> Loc {
        let m = &pm.models[idx];
        let model_loc = Loc {
            file: m.file,
            span: m.name_span,
            object: m.label(),
            migration: None,
        };
        let Some(field) = field else { return model_loc };
        match field_loc(pm, idx, field) {
            Some((file, span)) => Loc {
                file,
                span,
                object: format!("{}.{field}", m.label()),
                migration: None,
            },
            None => Loc {
                object: format!("{}.{field}", m.label()),
                ..model_loc
            },
        }
    };
    let built = expected_from_states(pm, &states, backend, mariadb, &locate);
    out.tables = built.tables;
    out.skipped.extend(built.skipped);
    out
}

/// The schema a list of model states implies on `backend` (the models' states, or the state the
/// applied migrations give). `locate(key, state, field)` says where a model (`None`) or one of its
/// fields points; `key` is the caller's first tuple element.
pub fn expected_from_states(
    pm: &ProjectModel,
    states: &[(usize, ModelState)],
    backend: Backend,
    mariadb: bool,
    locate: &dyn Fn(usize, &ModelState, Option<&str>) -> Loc,
) -> ExpectedSchema {
    let mut out = ExpectedSchema::default();
    let max = backend.max_name_length();
    let db_table = |s: &ModelState| -> Option<String> {
        match s.option("db_table") {
            Some(Val::Str(t)) if !t.contains('"') => Some(t.clone()),
            Some(_) => None,
            None => {
                let t = format!("{}_{}", s.app_label, s.name_lower());
                // Django truncates longer names with a hash; not reproduced here.
                max.is_none_or(|m| t.len() <= m).then_some(t)
            }
        }
    };
    let mut targets: FxHashMap<String, Target> = FxHashMap::default();
    for (si, (_, s)) in states.iter().enumerate() {
        let Some(table) = db_table(s) else { continue };
        if s.fields.iter().any(|(_, f)| f.primary_key()) {
            targets.insert(
                format!("{}.{}", s.app_label, s.name_lower()),
                Target { table, state: si },
            );
        }
    }
    // The referencing type of a target model's field (following relation pks, e.g. MTI children).
    let rel_type = |label: &str, to_field: Option<&str>| {
        rel_inner(&targets, states, label, to_field, backend, mariadb, 0)
    };
    for (idx, s) in states {
        let idx = *idx;
        if s.option("proxy") == Some(&Val::Bool(true)) {
            continue;
        }
        let Some(table) = db_table(s) else {
            out.skipped.push((
                format!("{}.{}", s.app_label, s.name),
                "db_table is quoted or longer than the backend allows".into(),
            ));
            continue;
        };
        let managed = s.option("managed") != Some(&Val::Bool(false));
        let model_loc = locate(idx, s, None);
        let loc_of = |field: &str| -> Loc { locate(idx, s, Some(field)) };
        let mut t = ExpectedTable {
            name: table.clone(),
            managed,
            columns: Vec::new(),
            uniques: Vec::new(),
            indexes: Vec::new(),
            checks: Vec::new(),
            comment: match s.option("db_table_comment") {
                Some(Val::Str(c)) => Some(c.clone()),
                _ => None,
            },
            loc: model_loc.clone(),
        };
        let mut colmap: FxHashMap<&str, String> = FxHashMap::default();
        for (name, f) in &s.fields {
            let Some(kind) = f.kind() else { continue };
            if matches!(kind, FieldKind::ManyToManyField) {
                continue;
            }
            let column = column_of(name, f);
            colmap.insert(name.as_str(), column.clone());
            let loc = loc_of(name);
            let pk = f.primary_key();
            let (ddl, fk) = if f.is_relation() {
                let to_field = match f.get("to_field") {
                    Some(Val::Str(x)) => Some(x.as_str()),
                    _ => None,
                };
                match f.target() {
                    Some(label) => match rel_type(&label, to_field) {
                        Some((ty, tcol)) => {
                            let fk = flag(f, "db_constraint", true)
                                .then(|| targets.get(&label).map(|t| (t.table.clone(), tcol)))
                                .flatten();
                            (Some(ty), fk)
                        }
                        None => (None, None),
                    },
                    None => (None, None),
                }
            } else {
                (django_ddl_type(backend, mariadb, kind, f), None)
            };
            let unique = !pk && (flag(f, "unique", false) || kind == FieldKind::OneToOneField);
            if unique {
                t.uniques.push((vec![column.clone()], loc.clone()));
            } else if !pk && flag(f, "db_index", f.is_relation()) {
                t.indexes.push((vec![column.clone()], loc.clone()));
            }
            t.columns.push(ExpectedColumn {
                field: name.clone(),
                data_type: ddl.as_deref().map(|d| normalize_type(backend, mariadb, d)),
                ddl,
                column,
                nullable: !pk && flag(f, "null", false),
                primary_key: pk,
                fk,
                db_default: f.get("db_default").cloned(),
                comment: match f.get("db_comment") {
                    Some(Val::Str(c)) => Some(c.clone()),
                    _ => None,
                },
                loc,
            });
        }
        let cols_of = |names: &[String]| -> Option<Vec<String>> {
            names
                .iter()
                .map(|n| colmap.get(n.trim_start_matches('-')).cloned())
                .collect()
        };
        if let Some(ut) = s.option("unique_together").and_then(Val::items) {
            for group in ut {
                if let Some(cols) = strs(group).and_then(|g| cols_of(&g)) {
                    t.uniques.push((cols, model_loc.clone()));
                }
            }
        }
        for c in s.list_option("constraints") {
            if let Val::Call(call) = &c
                && call.path.ends_with("CheckConstraint")
                && let Some(Val::Str(n)) = call
                    .kwargs
                    .iter()
                    .find(|(k, _)| k == "name")
                    .map(|(_, v)| v)
            {
                t.checks.push((n.clone(), model_loc.clone()));
            }
            let unique_keys = [
                "fields",
                "name",
                "violation_error_message",
                "violation_error_code",
            ];
            if let Some(cols) =
                plain_fields(&c, "UniqueConstraint", &unique_keys).and_then(|g| cols_of(&g))
            {
                t.uniques.push((cols, model_loc.clone()));
            }
        }
        for ix in s.list_option("indexes") {
            let index_keys = ["fields", "name", "db_tablespace", "opclasses"];
            if let Some(cols) = plain_fields(&ix, "Index", &index_keys).and_then(|g| cols_of(&g)) {
                t.indexes.push((cols, model_loc.clone()));
            }
        }
        // Auto-created M2M join tables.
        let mut joins = Vec::new();
        for (name, f) in &s.fields {
            if f.kind() != Some(FieldKind::ManyToManyField) || f.get("through").is_some() {
                continue;
            }
            let loc = loc_of(name);
            let Some(to) = f.target() else { continue };
            let jt = match f.get("db_table") {
                Some(Val::Str(x)) => x.clone(),
                Some(_) => continue,
                None => {
                    let n = format!("{table}_{name}");
                    if max.is_some_and(|m| n.len() > m) {
                        continue;
                    }
                    n
                }
            };
            let from = s.name_lower();
            let to_name = to.rsplit('.').next().unwrap_or(&to).to_string();
            let (fc, tc) = if to_name == from {
                (format!("from_{from}_id"), format!("to_{to_name}_id"))
            } else {
                (format!("{from}_id"), format!("{to_name}_id"))
            };
            let own_label = format!("{}.{}", s.app_label, from);
            let from_t = rel_type(&own_label, None);
            let to_t = rel_type(&to, None);
            let pk_ddl = m2m_pk_kind(pm).and_then(|k| {
                django_ddl_type(
                    backend,
                    mariadb,
                    k,
                    &FieldDef {
                        path: String::new(),
                        args: vec![],
                        kwargs: vec![],
                    },
                )
            });
            let col = |column: String,
                       ddl: Option<String>,
                       fk: Option<(String, String)>,
                       pk: bool| ExpectedColumn {
                field: name.clone(),
                data_type: ddl.as_deref().map(|d| normalize_type(backend, mariadb, d)),
                ddl,
                column,
                nullable: false,
                primary_key: pk,
                fk,
                db_default: None,
                comment: None,
                loc: loc.clone(),
            };
            let constraint = flag(f, "db_constraint", true);
            let fk_of = |label: &str, tr: &Option<(String, String)>| -> Option<(String, String)> {
                if !constraint {
                    return None;
                }
                Some((targets.get(label)?.table.clone(), tr.as_ref()?.1.clone()))
            };
            joins.push(ExpectedTable {
                name: jt,
                managed,
                columns: vec![
                    col("id".into(), pk_ddl, None, true),
                    col(
                        fc.clone(),
                        from_t.as_ref().map(|x| x.0.clone()),
                        fk_of(&own_label, &from_t),
                        false,
                    ),
                    col(
                        tc.clone(),
                        to_t.as_ref().map(|x| x.0.clone()),
                        fk_of(&to, &to_t),
                        false,
                    ),
                ],
                uniques: vec![(vec![fc.clone(), tc.clone()], loc.clone())],
                indexes: vec![(vec![fc], loc.clone()), (vec![tc], loc.clone())],
                checks: Vec::new(),
                comment: None,
                loc,
            });
        }
        out.tables.push(t);
        out.tables.extend(joins);
    }
    out
}

fn rel_inner(
    targets: &FxHashMap<String, Target>,
    states: &[(usize, ModelState)],
    label: &str,
    to_field: Option<&str>,
    backend: Backend,
    mariadb: bool,
    depth: u32,
) -> Option<(String, String)> {
    if depth > 8 {
        return None;
    }
    let t = targets.get(label)?;
    let s = &states[t.state].1;
    let (name, f) = match to_field {
        Some(n) => s.fields.iter().find(|(fname, _)| fname == n)?,
        None => s.fields.iter().find(|(_, f)| f.primary_key())?,
    };
    let col = column_of(name, f);
    if f.is_relation() {
        let next = f.target()?;
        let tf = match f.get("to_field") {
            Some(Val::Str(x)) => Some(x.clone()),
            _ => None,
        };
        let (ty, _) = rel_inner(
            targets,
            states,
            &next,
            tf.as_deref(),
            backend,
            mariadb,
            depth + 1,
        )?;
        return Some((ty, col));
    }
    Some((rel_ddl_type(backend, mariadb, f.kind()?, f)?, col))
}

/// The `fields=[...]` of a `models.<class_suffix>(...)` call (a `UniqueConstraint` or an `Index`)
/// that has no positional arguments (expressions) and no keyword outside `allowed` (conditions,
/// `include`, ... change what the database holds); `None` otherwise.
fn plain_fields(v: &Val, class_suffix: &str, allowed: &[&str]) -> Option<Vec<String>> {
    let Call { path, args, kwargs } = v.as_call()?;
    if !path.ends_with(class_suffix)
        || !args.is_empty()
        || !kwargs.iter().all(|(k, _)| allowed.contains(&k.as_str()))
    {
        return None;
    }
    kwargs
        .iter()
        .find(|(k, _)| k == "fields")
        .and_then(|(_, v)| strs(v))
}
