//! The Django side of a database table: each registered concrete model as table + columns, in the
//! same vocabulary as the SQLAlchemy index, for drift checks and the Django -> SQLAlchemy bridge.

use rustc_hash::FxHashMap;

use crate::db::{Db, Project, SourceFile};
use crate::fields::FieldKind;
use crate::migrations::parse::Val;
use crate::migrations::state::{FieldDef, ModelState};
use crate::project::project_model;
use crate::span::Span;

use super::types::SqlType;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjColumn {
    pub field: String,
    pub column: String,
    pub kind: Option<FieldKind>,
    pub ty: SqlType,
    pub nullable: bool,
    pub primary_key: bool,
    pub unique: bool,
    /// (target db_table, target column) of a ForeignKey / OneToOneField.
    pub fk: Option<(String, String)>,
    pub file: SourceFile,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjTable {
    pub label: String,
    pub model: String,
    pub db_table: String,
    pub managed: bool,
    pub file: SourceFile,
    pub span: Span,
    pub columns: Vec<DjColumn>,
    /// Auto-created many-to-many join tables: (table, from column, to column, target db_table).
    pub m2m: Vec<(String, String, String, String, String)>,
}

impl DjTable {
    pub fn column(&self, name: &str) -> Option<&DjColumn> {
        self.columns.iter().find(|c| c.column == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DjangoTables {
    pub tables: Vec<DjTable>,
    /// Models not read, with the reason.
    pub skipped: Vec<(String, String)>,
}

fn int(v: Option<&Val>) -> Option<u32> {
    match v? {
        Val::Int(i) => u32::try_from(i.get()).ok(),
        _ => None,
    }
}

fn flag(f: &FieldDef, k: &str) -> bool {
    f.get(k) == Some(&Val::Bool(true))
}

/// The SQL type of a Django field kind (Django's generic column types).
pub fn sql_type_of(kind: Option<FieldKind>, f: &FieldDef) -> SqlType {
    use FieldKind as K;
    let Some(kind) = kind else {
        return SqlType::Unknown(format!("field class {}", f.path));
    };
    match kind {
        K::AutoField | K::IntegerField | K::PositiveIntegerField => SqlType::Integer,
        K::BigAutoField | K::BigIntegerField | K::PositiveBigIntegerField => SqlType::BigInteger,
        K::SmallAutoField | K::SmallIntegerField | K::PositiveSmallIntegerField => {
            SqlType::SmallInteger
        }
        K::BooleanField | K::NullBooleanField => SqlType::Boolean,
        K::CharField
        | K::EmailField
        | K::SlugField
        | K::URLField
        | K::FileField
        | K::ImageField
        | K::FilePathField
        | K::CommaSeparatedIntegerField => SqlType::String {
            length: int(f.get("max_length")).or_else(|| {
                kind.default_max_length()
                    .and_then(|i| u32::try_from(i).ok())
            }),
            fixed: false,
        },
        K::GenericIPAddressField => SqlType::String {
            length: Some(39),
            fixed: false,
        },
        K::IPAddressField => SqlType::String {
            length: Some(15),
            fixed: false,
        },
        K::TextField => SqlType::Text,
        K::DecimalField => SqlType::Numeric {
            precision: int(f.get("max_digits")),
            scale: int(f.get("decimal_places")),
        },
        K::FloatField => SqlType::Double,
        K::DateField => SqlType::Date,
        K::DateTimeField => SqlType::DateTime { timezone: false },
        K::TimeField => SqlType::Time,
        K::DurationField => SqlType::Interval,
        K::BinaryField => SqlType::LargeBinary,
        K::UUIDField => SqlType::Uuid,
        K::JSONField => SqlType::Json,
        other => SqlType::Unknown(other.name().to_string()),
    }
}

#[salsa::tracked(returns(ref))]
pub fn django_tables(db: &dyn Db, project: Project) -> DjangoTables {
    let pm = project_model(db, project);
    let mut out = DjangoTables::default();
    if pm.settings.installed_apps.is_none() {
        return out;
    }
    let (states, skipped) = crate::migrations::fromproject::concrete_model_states(db, project);
    out.skipped.extend(skipped);
    let db_table = |s: &ModelState| -> String {
        match s.option("db_table") {
            Some(Val::Str(t)) => t.clone(),
            _ => format!("{}_{}", s.app_label, s.name_lower()),
        }
    };
    // label_lower -> (db_table, pk column, pk type)
    let mut targets: FxHashMap<String, (String, String, SqlType, FxHashMap<String, String>)> =
        FxHashMap::default();
    for (_, s) in &states {
        let mut pk = ("id".to_string(), SqlType::Integer);
        let mut cols: FxHashMap<String, String> = FxHashMap::default();
        for (name, f) in &s.fields {
            let col = match f.get("db_column") {
                Some(Val::Str(c)) => c.clone(),
                _ if f.is_relation() => format!("{name}_id"),
                _ => name.clone(),
            };
            cols.insert(name.clone(), col.clone());
            if f.primary_key() {
                pk = (col, sql_type_of(f.kind(), f));
            }
        }
        targets.insert(
            format!("{}.{}", s.app_label, s.name_lower()),
            (db_table(s), pk.0, pk.1, cols),
        );
    }
    for (i, s) in &states {
        let m = &pm.models[*i];
        let mut t = DjTable {
            label: m.label(),
            model: m.name.clone(),
            db_table: db_table(s),
            managed: s.option("managed") != Some(&Val::Bool(false)),
            file: m.file,
            span: m.name_span,
            columns: Vec::new(),
            m2m: Vec::new(),
        };
        for (name, f) in &s.fields {
            let kind = f.kind();
            let span = m
                .own_fields
                .iter()
                .find(|x| x.name == *name)
                .map(|x| x.name_span)
                .unwrap_or(m.name_span);
            if f.is_m2m() {
                if f.get("through").is_none()
                    && let Some(target) = f.target()
                    && let Some((tt, tpk, _, _)) = targets.get(&target)
                {
                    let from = s.name_lower();
                    let to = target.rsplit('.').next().unwrap_or(&target).to_string();
                    let (fc, tc) = if to == from {
                        (format!("from_{from}_id"), format!("to_{to}_id"))
                    } else {
                        (format!("{from}_id"), format!("{to}_id"))
                    };
                    let jt = match f.get("db_table") {
                        Some(Val::Str(x)) => x.clone(),
                        _ => format!("{}_{}", t.db_table, name),
                    };
                    t.m2m.push((jt, fc, tc, tt.clone(), tpk.clone()));
                }
                continue;
            }
            if matches!(
                kind,
                Some(
                    FieldKind::CompositePrimaryKey
                        | FieldKind::GenericForeignKey
                        | FieldKind::GenericRelation
                        | FieldKind::ForeignObject
                )
            ) {
                continue;
            }
            let column = match f.get("db_column") {
                Some(Val::Str(c)) => c.clone(),
                _ if f.is_relation() => format!("{name}_id"),
                _ => name.clone(),
            };
            let (ty, fk) = if f.is_relation() {
                match f.target().and_then(|tg| targets.get(&tg)) {
                    Some((tt, tpk, tty, tcols)) => {
                        let (tcol, tty2) = match f.get("to_field") {
                            Some(Val::Str(tf)) => (
                                tcols.get(tf).cloned().unwrap_or(tf.clone()),
                                SqlType::Unknown("to_field".into()),
                            ),
                            _ => (tpk.clone(), tty.clone()),
                        };
                        // An FK column has its target's type, auto fields as plain integers.
                        (tty2, Some((tt.clone(), tcol)))
                    }
                    None => (SqlType::Unknown("relation target not read".into()), None),
                }
            } else {
                (sql_type_of(kind, f), None)
            };
            let pk = f.primary_key();
            t.columns.push(DjColumn {
                field: name.clone(),
                column,
                kind,
                ty,
                nullable: flag(f, "null") && !pk,
                primary_key: pk,
                unique: pk || flag(f, "unique") || kind == Some(FieldKind::OneToOneField),
                fk,
                file: m.file,
                span,
            });
        }
        out.tables.push(t);
    }
    out
}
