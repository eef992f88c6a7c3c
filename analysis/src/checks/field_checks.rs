//! Django's per-field checks for non-relational behaviour: `Field.check()` and what its subclasses
//! add (`django/db/models/fields/__init__.py`, `files.py`, `json.py`, `mixins.py`, `generated.py`,
//! `composite.py`), the removed-field errors (`fields.E900`-`E907`) and the Oracle backend's
//! `fields.W162`.
//!
//! A field call is read as Django's `__init__` reads it: keyword or positional arguments
//! ([`FieldKind::positional_params`]), the class defaults and the values a class forces. Names are
//! looked up in the model's class body above the field first, then at module level. Whatever djsa
//! cannot read (a value computed at run time, `**kwargs`, a custom field class that overrides
//! `__init__` or a `check` method) makes the check concerned silent.
//!
//! Database-dependent checks follow `manage.py check`: Django 5.2 passes no databases to the
//! checks, so those checks never run there; Django 6.0+ runs them against every alias of
//! DATABASES (and silently skips nothing: djsa stays silent when an alias's backend is unknown or
//! DATABASE_ROUTERS may exclude a model).

use crate::checks::{Ctx, ModelField};
use crate::db::SourceFile;
use crate::diagnostic::Severity;
use crate::fields::FieldKind;
use crate::project::Field;
use crate::resolve::Resolved;
use crate::settings::Value;
use crate::syntax::{ClassDef, Expr, ExprKind, Keyword, Stmt, Target};

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let dbs = check_databases(ctx);
    let models = ctx.checked_models();
    for idx in models {
        if ctx.swapped(idx).is_some() {
            continue;
        }
        let mc = ModelCtx::new(ctx, idx);
        for &field in ctx.local_fields(idx).iter() {
            let mf = ModelField { field, model: idx };
            let items = match field.kind {
                // A private field: not in `_meta.local_fields`, so `Model.check()` never sees it.
                FieldKind::GenericRelation => continue,
                // Checked by contenttypes' `check_generic_foreign_keys` (its own `check()`); only
                // the name check is Field's.
                FieldKind::GenericForeignKey => {
                    let mut out = Out::default();
                    check_field_name(FieldKind::GenericForeignKey, Some(&field.name), &mut out);
                    out.items
                }
                _ => {
                    let spec = Spec::of_field(ctx, field);
                    findings(ctx, &spec, &mc, dbs.as_deref(), 0).items
                }
            };
            for f in items {
                let d = ctx
                    .on_field(mf, f.code, f.severity, f.message)
                    .hint_opt(f.hint);
                ctx.emit(d);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Findings

struct Finding {
    code: &'static str,
    severity: Severity,
    message: String,
    hint: Option<String>,
}

/// The findings of one field, in Django's order, and whether every check could be decided
/// (`GeneratedField.output_field` summaries need the complete list).
struct Out {
    items: Vec<Finding>,
    complete: bool,
}

impl Default for Out {
    fn default() -> Self {
        Out {
            items: Vec::new(),
            complete: true,
        }
    }
}

impl Out {
    fn error(&mut self, code: &'static str, message: impl Into<String>) {
        self.push(code, Severity::Error, message, None);
    }
    fn push(
        &mut self,
        code: &'static str,
        severity: Severity,
        message: impl Into<String>,
        hint: Option<&str>,
    ) {
        self.items.push(Finding {
            code,
            severity,
            message: message.into(),
            hint: hint.map(str::to_string),
        });
    }
    fn unknown(&mut self) {
        self.complete = false;
    }
}

/// Everything Django's `field.check()` reports for one field, in its order.
fn findings(
    ctx: &Ctx<'_>,
    spec: &Spec<'_>,
    mc: &ModelCtx,
    dbs: Option<&[Backend]>,
    depth: u32,
) -> Out {
    use FieldKind as K;
    let mut out = Out::default();
    let kind = spec.kind;
    // Field.check()
    check_field_name(kind, spec.name, &mut out);
    if matches!(kind, K::Field | K::RelatedField) {
        // A custom field on `models.Field`: its behaviour is its own.
        out.unknown();
        return out;
    }
    check_choices(ctx, spec, &mut out);
    check_db_default(ctx, spec, dbs, &mut out);
    check_db_index(ctx, spec, &mut out);
    check_db_comment(ctx, spec, mc, dbs, &mut out);
    check_null_primary_key(ctx, spec, &mut out);
    check_backend_specific(ctx, spec, mc, dbs, &mut out);
    check_validators(ctx, spec, &mut out);
    check_removed(ctx, spec, &mut out);
    // Subclasses, in MRO order.
    match kind {
        K::CharField
        | K::SlugField
        | K::EmailField
        | K::URLField
        | K::CommaSeparatedIntegerField => {
            check_db_collation(ctx, spec, mc, dbs, false, &mut out);
            check_max_length(ctx, spec, mc, &mut out);
        }
        K::TextField => check_db_collation(ctx, spec, mc, dbs, true, &mut out),
        K::DateField | K::DateTimeField | K::TimeField => {
            check_date_options(ctx, spec, &mut out);
            check_fixed_default(ctx, spec, &mut out);
        }
        K::DecimalField => check_decimal(ctx, spec, mc, dbs, &mut out),
        K::FilePathField => {
            let files = truthy_opt(ctx, spec, "allow_files");
            let folders = truthy_opt(ctx, spec, "allow_folders");
            match (files, folders) {
                (Some(false), Some(false)) => out.error(
                    "fields.E140",
                    "FilePathFields must have either 'allow_files' or 'allow_folders' set to True.",
                ),
                (Some(true), _) | (_, Some(true)) => {}
                _ => out.unknown(),
            }
        }
        K::IntegerField
        | K::BigIntegerField
        | K::SmallIntegerField
        | K::PositiveIntegerField
        | K::PositiveBigIntegerField
        | K::PositiveSmallIntegerField
        | K::AutoField
        | K::BigAutoField
        | K::SmallAutoField => {
            match spec.get(ctx, "max_length") {
                Got::Absent | Got::Val(Py::None) => {}
                Got::Val(_) => out.push(
                    "fields.W122",
                    Severity::Warning,
                    format!(
                        "'max_length' is ignored when used with {}.",
                        spec.class_name()
                    ),
                    Some("Remove 'max_length' from field"),
                ),
                Got::Unknown => out.unknown(),
            }
            if kind.is_auto() {
                match truthy_opt(ctx, spec, "primary_key") {
                    Some(false) => {
                        out.error("fields.E100", "AutoFields must set primary_key=True.")
                    }
                    Some(true) => {}
                    None => out.unknown(),
                }
            }
        }
        K::GenericIPAddressField => {
            match (
                truthy_opt(ctx, spec, "null"),
                truthy_opt(ctx, spec, "blank"),
            ) {
                (Some(false), Some(true)) => out.error(
                    "fields.E150",
                    "GenericIPAddressFields cannot have blank=True if null=False, as blank values \
                     are stored as nulls.",
                ),
                (Some(true), _) | (_, Some(false)) => {}
                _ => out.unknown(),
            }
        }
        K::BinaryField => match spec.get(ctx, "default") {
            Got::Val(Py::Str(_) | Py::SomeStr) => out.error(
                "fields.E170",
                "BinaryField's default cannot be a string. Use bytes content instead.",
            ),
            Got::Val(Py::Unknown | Py::Class(..)) | Got::Unknown => out.unknown(),
            _ => {}
        },
        K::FileField | K::ImageField => {
            check_file_field(ctx, spec, &mut out);
            if kind == K::ImageField {
                // fields.E210 depends on Pillow being importable in the project's environment.
                out.unknown();
            }
        }
        K::JSONField => {
            check_mutable_default(ctx, spec, ("dict", "{}"), &mut out);
            // fields.E180: every built-in backend supports JSONField (SQLite asks the library).
        }
        K::HStoreField => check_mutable_default(ctx, spec, ("dict", "{}"), &mut out),
        K::ArrayField => check_mutable_default(ctx, spec, ("list", "[]"), &mut out),
        K::GeneratedField => check_generated(ctx, spec, mc, dbs, depth, &mut out),
        _ => {}
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Field.check()

/// fields.E001 / E002 / E003; CompositePrimaryKey: fields.E013.
fn check_field_name(kind: FieldKind, name: Option<&str>, out: &mut Out) {
    let Some(name) = name else { return };
    if kind == FieldKind::CompositePrimaryKey {
        if name != "pk" {
            out.error("fields.E013", "'CompositePrimaryKey' must be named 'pk'.");
        }
        return;
    }
    // Byte tests: `str::ends_with`/`contains` set up a generic searcher, costly per field, and
    // `_` is ASCII so bytes cannot match inside another UTF-8 character.
    let bytes = name.as_bytes();
    if bytes.last() == Some(&b'_') {
        out.error(
            "fields.E001",
            "Field names must not end with an underscore.",
        );
    } else if bytes.windows(2).any(|w| w == b"__") {
        out.error("fields.E002", "Field names must not contain \"__\".");
    } else if name == "pk" {
        out.error(
            "fields.E003",
            "'pk' is a reserved word that cannot be used as a field name.",
        );
    }
}

/// fields.E004 / E005 / E009, on the value `normalize_choices()` makes of `choices`.
fn check_choices(ctx: &Ctx<'_>, spec: &Spec<'_>, out: &mut Out) {
    let choices = match spec.get(ctx, "choices") {
        Got::Absent => return,
        Got::Unknown => return out.unknown(),
        Got::Val(v) => v,
    };
    let Some(norm) = normalize_choices(ctx, &choices, 0) else {
        return out.unknown();
    };
    match truthy(&norm) {
        Some(false) => return,
        Some(true) => {}
        None => return out.unknown(),
    }
    let version = ctx.pm.django_version;
    let e004 = match &norm {
        Py::Str(_) | Py::SomeStr => true,
        Py::Set(_) => version >= (6, 0),
        Py::Int(_) | Py::Float(_) | Py::Bool(_) | Py::None | Py::Callable | Py::ValueExpr => true,
        _ => false,
    };
    if e004 {
        if version >= (6, 1) {
            out.error(
                "fields.E004",
                "'choices' must be a mapping (e.g. a dictionary) or an ordered iterable (e.g. a \
                 list or tuple, but not a set).",
            );
        } else if version >= (6, 0) {
            // Django 6.0's wording (and whether it rejects sets) is not known here.
            out.unknown();
        } else {
            out.error(
                "fields.E004",
                "'choices' must be a mapping (e.g. a dictionary) or an iterable (e.g. a list or \
                 tuple).",
            );
        }
        return;
    }
    // A Choices enum: already canonical (value, label) pairs.
    let lens = if let Py::Choices(lens, _) = &norm {
        lens.clone()
    } else {
        let items = match iterate(&norm) {
            Iter::Items(items) => items,
            _ => return out.unknown(),
        };
        let mut lens: Vec<Option<usize>> = Vec::new();
        let mut unknown = false;
        for el in &items {
            match choice_step(el) {
                Step::Break => {
                    out.error(
                        "fields.E005",
                        "'choices' must be a mapping of actual values to human readable names or \
                         an iterable containing (actual value, human readable name) tuples.",
                    );
                    return;
                }
                Step::Ok(l) => lens.extend(l),
                Step::Unknown => unknown = true,
            }
        }
        if unknown {
            return out.unknown();
        }
        lens.into_iter().collect::<Option<Vec<usize>>>()
    };
    // fields.E009
    let max_length = match spec.get(ctx, "max_length") {
        Got::Absent | Got::Val(Py::None) => return,
        Got::Val(Py::Int(i)) => i as f64,
        Got::Val(Py::Bool(b)) => f64::from(u8::from(b)),
        Got::Val(Py::Float(f)) => f,
        _ => return out.unknown(),
    };
    let Some(lens) = lens else {
        return out.unknown();
    };
    let longest = lens.into_iter().max().unwrap_or(0);
    if longest as f64 > max_length {
        out.error(
            "fields.E009",
            format!(
                "'max_length' is too small to fit the longest value in 'choices' ({longest} \
                 characters)."
            ),
        );
    }
}

enum Step {
    Break,
    /// The lengths of the `str` values this entry adds (`None`: a str of unknown length).
    Ok(Vec<Option<usize>>),
    Unknown,
}

/// One iteration of `_check_choices`' loop over the (normalized) choices.
fn choice_step(el: &Py) -> Step {
    let (g, gc) = match unpack2(el) {
        None => return Step::Unknown,
        Some(None) => return Step::Break,
        Some(Some(pair)) => pair,
    };
    let step = group_step(&g, &gc);
    // `choices=['ab']`: a string unpacks into two characters but is not a choice.
    if matches!(el, Py::Str(_) | Py::SomeStr) {
        return Step::Break;
    }
    step
}

fn str_len(v: &Py) -> Vec<Option<usize>> {
    match v {
        Py::Str(s) => vec![Some(s.chars().count())],
        Py::SomeStr => vec![None],
        _ => Vec::new(),
    }
}

fn group_step(g: &Py, gc: &Py) -> Step {
    // `(value, label)` where iterating the label fails: a flat choice.
    let flat = |g: &Py| match is_value(g) {
        Some(true) => Step::Ok(str_len(g)),
        Some(false) => Step::Break,
        None => Step::Unknown,
    };
    match gc {
        // Iterating an empty label yields nothing: an (empty) group.
        Py::Str(s) | Py::Lazy(Some(s)) if s.is_empty() => Step::Ok(Vec::new()),
        Py::Str(_) | Py::Lazy(_) | Py::SomeStr => flat(g),
        Py::Int(_) | Py::Float(_) | Py::Bool(_) | Py::None | Py::Callable | Py::ValueExpr => {
            flat(g)
        }
        Py::Choices(lens, _) => match lens {
            Some(l) => Step::Ok(l.iter().map(|n| Some(*n)).collect()),
            None => Step::Ok(vec![None]),
        },
        Py::List(_) | Py::Tuple(_) | Py::Set(_) | Py::Dict(_) => {
            let Iter::Items(items) = iterate(gc) else {
                return Step::Unknown;
            };
            let mut lens = Vec::new();
            let mut unknown = false;
            for inner in &items {
                match unpack2(inner) {
                    None => unknown = true,
                    // The unpacking error sends Django to the flat branch, where the label (this
                    // list) is not a value.
                    Some(None) => return Step::Break,
                    Some(Some((v, h))) => match (is_value(&v), is_value(&h)) {
                        (Some(false), _) | (_, Some(false)) => return Step::Break,
                        (Some(true), Some(true)) => lens.extend(str_len(&v)),
                        _ => unknown = true,
                    },
                }
            }
            if unknown {
                Step::Unknown
            } else {
                Step::Ok(lens)
            }
        }
        _ => Step::Unknown,
    }
}

/// `Field._choices_is_value`: a str/lazy str or anything not iterable.
fn is_value(v: &Py) -> Option<bool> {
    match v {
        Py::Str(_) | Py::SomeStr | Py::Lazy(_) => Some(true),
        Py::Int(_) | Py::Float(_) | Py::Bool(_) | Py::None | Py::Callable | Py::ValueExpr => {
            Some(true)
        }
        Py::List(_) | Py::Tuple(_) | Py::Set(_) | Py::Dict(_) | Py::Bytes | Py::Choices(..) => {
            Some(false)
        }
        _ => None,
    }
}

/// `django.utils.choices.normalize_choices`; `None` when the result cannot be known.
fn normalize_choices(ctx: &Ctx<'_>, v: &Py, depth: u32) -> Option<Py> {
    match v {
        Py::Str(_) | Py::SomeStr | Py::Lazy(_) | Py::Bytes => Some(v.clone()),
        Py::Choices(..) => Some(v.clone()),
        Py::Class(class, file) => choices_enum(ctx, &class.0, *file),
        Py::Dict(pairs) if depth < 2 => {
            let mut out = Vec::new();
            for (k, val) in pairs {
                out.push(Py::Tuple(vec![
                    k.clone(),
                    normalize_choices(ctx, val, depth + 1)?,
                ]));
            }
            Some(Py::List(out))
        }
        Py::List(items) | Py::Tuple(items) | Py::Set(items) if depth < 2 => {
            let mut stringy = false;
            for i in items {
                match i {
                    Py::Str(_) | Py::SomeStr | Py::Lazy(_) | Py::Bytes => stringy = true,
                    Py::Unknown | Py::Class(..) | Py::Expression | Py::FExpr(_) => return None,
                    _ => {}
                }
            }
            if stringy {
                return Some(v.clone());
            }
            let mut out = Vec::new();
            for i in items {
                match unpack2(i) {
                    None => return None,
                    // TypeError/ValueError: the original value, for the check to reject.
                    Some(None) => return Some(v.clone()),
                    Some(Some((k, val))) => {
                        out.push(Py::Tuple(vec![k, normalize_choices(ctx, &val, depth + 1)?]))
                    }
                }
            }
            Some(Py::List(out))
        }
        // A callable: evaluated lazily (depth 0) or called (depth 1).
        Py::Callable if depth < 2 => None,
        Py::Unknown | Py::Expression | Py::FExpr(_) => None,
        _ => Some(v.clone()),
    }
}

enum Iter {
    Items(Vec<Py>),
    NotIterable,
    Unknown,
}

fn iterate(v: &Py) -> Iter {
    match v {
        Py::List(x) | Py::Tuple(x) | Py::Set(x) => Iter::Items(x.clone()),
        Py::Dict(pairs) => Iter::Items(pairs.iter().map(|(k, _)| k.clone()).collect()),
        Py::Str(s) | Py::Lazy(Some(s)) => {
            Iter::Items(s.chars().map(|c| Py::Str(c.to_string())).collect())
        }
        Py::Int(_) | Py::Float(_) | Py::Bool(_) | Py::None | Py::Callable | Py::ValueExpr => {
            Iter::NotIterable
        }
        _ => Iter::Unknown,
    }
}

/// `a, b = v`: `Some(Some(pair))`, `Some(None)` for a TypeError/ValueError, `None` if unknown.
fn unpack2(v: &Py) -> Option<Option<(Py, Py)>> {
    if let Py::Set(items) = v
        && items.len() == 2
    {
        // Iteration order of a set is not known statically.
        return None;
    }
    match iterate(v) {
        Iter::Items(items) if items.len() == 2 => {
            let mut it = items.into_iter();
            match (it.next(), it.next()) {
                (Some(a), Some(b)) => Some(Some((a, b))),
                _ => None,
            }
        }
        Iter::Items(_) | Iter::NotIterable => Some(None),
        Iter::Unknown => None,
    }
}

/// fields.E011 / E012 (Django 6.0+: needs databases).
fn check_db_default(ctx: &Ctx<'_>, spec: &Spec<'_>, dbs: Option<&[Backend]>, out: &mut Out) {
    let value = match spec.get(ctx, "db_default") {
        Got::Absent => return,
        Got::Unknown => return out.unknown(),
        Got::Val(v) => v,
    };
    match value {
        Py::FExpr(name) => {
            let Some(dbs) = dbs else {
                return out.unknown();
            };
            // Every built-in backend supports expression defaults (fields.E011 never fires);
            // `F()` is not `allowed_default`.
            for _ in dbs {
                out.error(
                    "fields.E012",
                    format!("F({name}) cannot be used in db_default."),
                );
            }
        }
        // Values and plain Python values are fine everywhere.
        Py::ValueExpr
        | Py::Str(_)
        | Py::Bytes
        | Py::Int(_)
        | Py::Float(_)
        | Py::Bool(_)
        | Py::None
        | Py::List(_)
        | Py::Tuple(_)
        | Py::Dict(_)
        | Py::Set(_) => {}
        _ => {
            if dbs.is_none_or(|d| !d.is_empty()) {
                out.unknown();
            }
        }
    }
}

/// fields.E006.
fn check_db_index(ctx: &Ctx<'_>, spec: &Spec<'_>, out: &mut Out) {
    let bad = match spec.get(ctx, "db_index") {
        Got::Absent => return,
        Got::Unknown => return out.unknown(),
        Got::Val(v) => match v {
            Py::None | Py::Bool(_) => false,
            Py::Int(i) => !(i == 0 || i == 1),
            Py::Float(f) => !(f == 0.0 || f == 1.0),
            Py::Str(_)
            | Py::SomeStr
            | Py::Lazy(_)
            | Py::Bytes
            | Py::List(_)
            | Py::Tuple(_)
            | Py::Set(_)
            | Py::Dict(_)
            | Py::Callable
            | Py::FExpr(_) => true,
            _ => return out.unknown(),
        },
    };
    if bad {
        out.error("fields.E006", "'db_index' must be None, True or False.");
    }
}

/// fields.W163 (Django 6.0+: needs databases).
fn check_db_comment(
    ctx: &Ctx<'_>,
    spec: &Spec<'_>,
    mc: &ModelCtx,
    dbs: Option<&[Backend]>,
    out: &mut Out,
) {
    match truthy_opt(ctx, spec, "db_comment") {
        Some(false) => return,
        Some(true) => {}
        None => return out.unknown(),
    }
    let Some(dbs) = dbs else {
        return out.unknown();
    };
    for db in dbs {
        if db.supports_comments() {
            continue;
        }
        match mc.has_feature("supports_comments") {
            Some(true) => {}
            Some(false) => match db.display_name() {
                Some(name) => out.push(
                    "fields.W163",
                    Severity::Warning,
                    format!("{name} does not support comments on columns (db_comment)."),
                    None,
                ),
                None => out.unknown(),
            },
            None => out.unknown(),
        }
    }
}

/// fields.E007 (decided on the default connection).
fn check_null_primary_key(ctx: &Ctx<'_>, spec: &Spec<'_>, out: &mut Out) {
    match (
        truthy_opt(ctx, spec, "primary_key"),
        truthy_opt(ctx, spec, "null"),
    ) {
        (Some(true), Some(true)) => match default_backend(ctx) {
            // Oracle stores '' as NULL; Django does not check it there.
            Some(Backend::Oracle) => {}
            Some(_) => out.push(
                "fields.E007",
                Severity::Error,
                "Primary keys must not have null=True.",
                Some("Set null=False on the field, or remove primary_key=True argument."),
            ),
            None => out.unknown(),
        },
        (Some(false), _) | (_, Some(false)) => {}
        _ => out.unknown(),
    }
}

/// `connection.validation.check_field()` (Django 6.0+: needs databases): Oracle's fields.W162.
/// MySQL's checks (`mysql.W003`, `fields.W162`) name "MySQL" or "MariaDB", which only a
/// connection can tell: djsa stays silent there.
fn check_backend_specific(
    ctx: &Ctx<'_>,
    spec: &Spec<'_>,
    mc: &ModelCtx,
    dbs: Option<&[Backend]>,
    out: &mut Out,
) {
    let Some(dbs) = dbs else {
        return out.unknown();
    };
    for db in dbs {
        match db {
            Backend::Oracle => {
                if spec.kind.is_relation() {
                    continue;
                }
                let column = match spec.kind {
                    FieldKind::TextField | FieldKind::JSONField => "NCLOB",
                    FieldKind::BinaryField => "BLOB",
                    _ => continue,
                };
                if spec.custom || mc.features.as_ref().is_none_or(|f| !f.is_empty()) {
                    out.unknown();
                    continue;
                }
                match truthy_opt(ctx, spec, "db_index") {
                    Some(true) => out.push(
                        "fields.W162",
                        Severity::Warning,
                        format!("Oracle does not support a database index on {column} columns."),
                        Some(
                            "An index won't be created. Silence this warning if you don't care \
                             about it.",
                        ),
                    ),
                    Some(false) => {}
                    None => out.unknown(),
                }
            }
            Backend::Mysql => out.unknown(),
            Backend::Sqlite | Backend::Postgresql | Backend::Dummy => {}
        }
    }
}

/// Django's validators that run before the user's ones (`default_validators`).
fn default_validator_count(kind: FieldKind) -> usize {
    match kind {
        FieldKind::CommaSeparatedIntegerField
        | FieldKind::EmailField
        | FieldKind::SlugField
        | FieldKind::URLField
        | FieldKind::GenericIPAddressField => 1,
        _ => 0,
    }
}

/// fields.E008.
fn check_validators(ctx: &Ctx<'_>, spec: &Spec<'_>, out: &mut Out) {
    let items = match spec.get(ctx, "validators") {
        Got::Absent => return,
        Got::Unknown => return out.unknown(),
        Got::Val(v) => match v {
            Py::List(items) | Py::Tuple(items) => items,
            // `list("ab")`: each character is a (non-callable) validator.
            Py::Str(s) => s.chars().map(|c| Py::Str(c.to_string())).collect(),
            _ => return out.unknown(),
        },
    };
    let offset = default_validator_count(spec.kind);
    for (i, v) in items.iter().enumerate() {
        if is_callable(v) != Some(false) {
            if is_callable(v).is_none() {
                out.unknown();
            }
            continue;
        }
        let Some(repr) = py_repr(v) else {
            out.unknown();
            continue;
        };
        out.push(
            "fields.E008",
            Severity::Error,
            "All 'validators' must be callable.",
            Some(&format!(
                "validators[{}] ({repr}) isn't a function or instance of a validator class.",
                i + offset
            )),
        );
    }
}

/// `system_check_removed_details`: fields.E900-E907.
fn check_removed(ctx: &Ctx<'_>, spec: &Spec<'_>, out: &mut Out) {
    let q = spec.qualified().unwrap_or("");
    let (postgres_class, postgres_module) = match crate::resolve::rsplit_dot(q) {
        Some((m, n)) if m.starts_with("django.contrib.postgres.fields") => (n, true),
        _ => ("", false),
    };
    let removed: Option<(&'static str, String, &str)> = if postgres_module {
        match postgres_class {
            "JSONField" => Some((
                "fields.E904",
                "django.contrib.postgres.fields.JSONField is removed except for support in \
                 historical migrations."
                    .into(),
                "Use django.db.models.JSONField instead.",
            )),
            "CICharField" => Some((
                "fields.E905",
                "django.contrib.postgres.fields.CICharField is removed except for support in \
                 historical migrations."
                    .into(),
                "Use CharField(db_collation=\"…\") with a case-insensitive non-deterministic \
                 collation instead.",
            )),
            "CIEmailField" => Some((
                "fields.E906",
                "django.contrib.postgres.fields.CIEmailField is removed except for support in \
                 historical migrations."
                    .into(),
                "Use EmailField(db_collation=\"…\") with a case-insensitive non-deterministic \
                 collation instead.",
            )),
            "CITextField" => Some((
                "fields.E907",
                "django.contrib.postgres.fields.CITextField is removed except for support in \
                 historical migrations."
                    .into(),
                "Use TextField(db_collation=\"…\") with a case-insensitive non-deterministic \
                 collation instead.",
            )),
            _ => None,
        }
    } else {
        None
    };
    let removed = removed.or(match spec.kind {
        FieldKind::IPAddressField => Some((
            "fields.E900",
            "IPAddressField has been removed except for support in historical migrations.".into(),
            "Use GenericIPAddressField instead.",
        )),
        FieldKind::CommaSeparatedIntegerField => Some((
            "fields.E901",
            "CommaSeparatedIntegerField is removed except for support in historical migrations."
                .into(),
            "Use CharField(validators=[validate_comma_separated_integer_list]) instead.",
        )),
        FieldKind::NullBooleanField => Some((
            "fields.E903",
            "NullBooleanField is removed except for support in historical migrations.".into(),
            "Use BooleanField(null=True, blank=True) instead.",
        )),
        _ => None,
    });
    if let Some((code, msg, hint)) = removed {
        // A subclass may override `system_check_removed_details` (a class attribute).
        if spec.opaque && !postgres_module {
            return out.unknown();
        }
        out.push(code, Severity::Error, msg, Some(hint));
    }
    let _ = ctx;
}

// ---------------------------------------------------------------------------------------------
// Subclass checks

/// CharField / TextField fields.E190 (Django 6.0+: needs databases).
fn check_db_collation(
    ctx: &Ctx<'_>,
    spec: &Spec<'_>,
    mc: &ModelCtx,
    dbs: Option<&[Backend]>,
    text: bool,
    out: &mut Out,
) {
    match spec.get(ctx, "db_collation") {
        Got::Absent | Got::Val(Py::None) => return,
        Got::Unknown => return out.unknown(),
        Got::Val(_) => {}
    }
    let Some(dbs) = dbs else {
        return out.unknown();
    };
    let feature = if text {
        "supports_collation_on_textfield"
    } else {
        "supports_collation_on_charfield"
    };
    for db in dbs {
        if *db != Backend::Oracle {
            // Collations on CharField/TextField: supported by SQLite, PostgreSQL, MySQL and the
            // dummy backend.
            continue;
        }
        match mc.has_feature(feature) {
            Some(true) => {}
            Some(false) if text => out.error(
                "fields.E190",
                "Oracle does not support a database collation on TextFields.",
            ),
            // Oracle's CharField support depends on the server (MAX_STRING_SIZE).
            _ => out.unknown(),
        }
    }
}

/// fields.E120 / E121 (CharField and subclasses; E120 on the default connection).
fn check_max_length(ctx: &Ctx<'_>, spec: &Spec<'_>, mc: &ModelCtx, out: &mut Out) {
    match spec.get(ctx, "max_length") {
        Got::Absent | Got::Val(Py::None) => {
            let unlimited = match default_backend(ctx) {
                Some(Backend::Sqlite | Backend::Postgresql) => Some(true),
                Some(_) => Some(false),
                None => None,
            };
            match (unlimited, mc.has_feature("supports_unlimited_charfield")) {
                (Some(true), _) | (_, Some(true)) => {}
                (Some(false), Some(false)) => out.error(
                    "fields.E120",
                    "CharFields must define a 'max_length' attribute.",
                ),
                _ => out.unknown(),
            }
        }
        Got::Val(v) => {
            let bad = match v {
                Py::Int(i) => i <= 0,
                Py::Unknown | Py::Class(..) | Py::Expression => return out.unknown(),
                _ => true,
            };
            if bad {
                out.error("fields.E121", "'max_length' must be a positive integer.");
            }
        }
        Got::Unknown => out.unknown(),
    }
}

/// fields.E160 (DateField, DateTimeField, TimeField).
fn check_date_options(ctx: &Ctx<'_>, spec: &Spec<'_>, out: &mut Out) {
    // `option not in (None, False)`.
    let enabled = |name: &str| -> Option<bool> {
        match spec.get(ctx, name) {
            Got::Absent => Some(false),
            Got::Unknown => None,
            Got::Val(v) => match v {
                Py::None | Py::Bool(false) => Some(false),
                Py::Int(i) => Some(i != 0),
                Py::Float(f) => Some(f != 0.0),
                Py::Unknown | Py::Class(..) | Py::Expression => None,
                _ => Some(true),
            },
        }
    };
    let has_default = match spec.get(ctx, "default") {
        Got::Absent => Some(false),
        Got::Val(_) => Some(true),
        Got::Unknown => None,
    };
    let flags = [enabled("auto_now_add"), enabled("auto_now"), has_default];
    let on = flags.iter().filter(|f| **f == Some(true)).count();
    let unknown = flags.iter().filter(|f| f.is_none()).count();
    if on > 1 {
        out.error(
            "fields.E160",
            "The options auto_now, auto_now_add, and default are mutually exclusive. Only one of \
             these options may be present.",
        );
    } else if on + unknown > 1 {
        out.unknown();
    }
}

/// fields.W161: a default evaluated once at import, equal to "now" when the checks run.
fn check_fixed_default(ctx: &Ctx<'_>, spec: &Spec<'_>, out: &mut Out) {
    if !spec.known() {
        return out.unknown();
    }
    let Some(expr) = spec.expr("default") else {
        return;
    };
    let Some(clock) = clock_value(ctx, spec.file, expr, 0) else {
        // A literal date/datetime is "fixed" only on the day it names; other values are no
        // date at all.
        match spec.get(ctx, "default") {
            Got::Val(
                Py::Str(_)
                | Py::SomeStr
                | Py::Lazy(_)
                | Py::Int(_)
                | Py::Float(_)
                | Py::Bool(_)
                | Py::None
                | Py::Callable,
            ) => {}
            _ => out.unknown(),
        }
        return;
    };
    let applies = match spec.kind {
        FieldKind::DateField | FieldKind::DateTimeField => {
            matches!(clock.ty, ClockType::Date | ClockType::DateTime)
        }
        FieldKind::TimeField => matches!(clock.ty, ClockType::Time | ClockType::DateTime),
        _ => false,
    };
    if !applies {
        return;
    }
    let Some(now) = now_basis(ctx) else {
        return out.unknown();
    };
    let same = clock.basis == now || time_zone_is_utc(ctx) == Some(true);
    if !same {
        // Local time against UTC: equal only in some hours of some days.
        return out.unknown();
    }
    out.push(
        "fields.W161",
        Severity::Warning,
        "Fixed default value provided.",
        Some(
            "It seems you set a fixed date / time / datetime value as default for this field. \
             This may not be what you want. If you want to have the current date as default, use \
             `django.utils.timezone.now`",
        ),
    );
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ClockType {
    Date,
    DateTime,
    Time,
}

/// Which clock a naive value reads: UTC or the process's local time (TIME_ZONE).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Basis {
    Utc,
    Local,
}

struct Clock {
    ty: ClockType,
    basis: Basis,
}

/// `timezone.now()`, `datetime.now()`, `date.today()`, `….date()`, `….time()`: the current time
/// at import.
fn clock_value(ctx: &Ctx<'_>, file: SourceFile, e: &Expr, depth: u32) -> Option<Clock> {
    if depth > 4 {
        return None;
    }
    let ExprKind::Call {
        func,
        args,
        kwargs,
        has_splat,
    } = &e.kind
    else {
        return None;
    };
    if !args.is_empty() || !kwargs.is_empty() || *has_splat {
        return None;
    }
    match &func.kind {
        ExprKind::Name(_) => {
            let Resolved::External(q) = &*ctx.resolver.resolve_expr_rc(file, func) else {
                return None;
            };
            match q.as_str() {
                "django.utils.timezone.now" => Some(Clock {
                    ty: ClockType::DateTime,
                    basis: now_basis(ctx)?,
                }),
                "datetime.datetime.now" | "datetime.datetime.today" => Some(Clock {
                    ty: ClockType::DateTime,
                    basis: Basis::Local,
                }),
                "datetime.datetime.utcnow" => Some(Clock {
                    ty: ClockType::DateTime,
                    basis: Basis::Utc,
                }),
                "datetime.date.today" => Some(Clock {
                    ty: ClockType::Date,
                    basis: Basis::Local,
                }),
                _ => None,
            }
        }
        ExprKind::Attribute { value, attr } => {
            let inner = clock_value(ctx, file, value, depth + 1)?;
            if inner.ty != ClockType::DateTime {
                return None;
            }
            match attr.as_str() {
                "date" => Some(Clock {
                    ty: ClockType::Date,
                    basis: inner.basis,
                }),
                "time" => Some(Clock {
                    ty: ClockType::Time,
                    basis: inner.basis,
                }),
                _ => None,
            }
        }
        _ => None,
    }
}

/// DecimalField: fields.E130-E135.
fn check_decimal(
    ctx: &Ctx<'_>,
    spec: &Spec<'_>,
    mc: &ModelCtx,
    dbs: Option<&[Backend]>,
    out: &mut Out,
) {
    let dp = to_int(spec.get(ctx, "decimal_places"));
    let md = to_int(spec.get(ctx, "max_digits"));
    if matches!(dp, Num::Unknown) || matches!(md, Num::Unknown) {
        return out.unknown();
    }
    let mut errors: Vec<(&'static str, &'static str)> = Vec::new();
    const E135: &str = "DecimalField’s max_digits and decimal_places must both be defined or both \
                        omitted.";
    if ctx.pm.django_version >= (6, 0) {
        // Missing precision is allowed where the backend supports unconstrained decimals.
        let missing = |other: &Num,
                       code: &'static str,
                       msg: &'static str|
         -> Option<Option<(&'static str, &'static str)>> {
            for db in dbs? {
                if db.supports_no_precision_decimalfield()
                    || mc.has_feature("supports_no_precision_decimalfield")?
                {
                    if !matches!(other, Num::Missing) {
                        return Some(Some(("fields.E135", E135)));
                    }
                } else {
                    return Some(Some((code, msg)));
                }
            }
            Some(None)
        };
        match &dp {
            Num::Missing => match missing(
                &md,
                "fields.E130",
                "DecimalFields must define a 'decimal_places' attribute.",
            ) {
                Some(e) => errors.extend(e),
                None => return out.unknown(),
            },
            Num::Int(i) if *i >= 0 => {}
            Num::Int(_) | Num::Invalid => errors.push((
                "fields.E131",
                "'decimal_places' must be a non-negative integer.",
            )),
            // int() raising TypeError is not caught in Django 6: the check itself crashes.
            Num::TypeErr | Num::Unknown => return out.unknown(),
        }
        match &md {
            Num::Missing => match missing(
                &dp,
                "fields.E132",
                "DecimalFields must define a 'max_digits' attribute.",
            ) {
                Some(e) => errors.extend(e),
                None => return out.unknown(),
            },
            Num::Int(i) if *i > 0 => {}
            Num::Int(_) | Num::Invalid => {
                errors.push(("fields.E133", "'max_digits' must be a positive integer."))
            }
            Num::TypeErr | Num::Unknown => return out.unknown(),
        }
    } else {
        match &dp {
            Num::Missing | Num::TypeErr => errors.push((
                "fields.E130",
                "DecimalFields must define a 'decimal_places' attribute.",
            )),
            Num::Int(i) if *i >= 0 => {}
            Num::Int(_) | Num::Invalid => errors.push((
                "fields.E131",
                "'decimal_places' must be a non-negative integer.",
            )),
            Num::Unknown => return out.unknown(),
        }
        match &md {
            Num::Missing | Num::TypeErr => errors.push((
                "fields.E132",
                "DecimalFields must define a 'max_digits' attribute.",
            )),
            Num::Int(i) if *i > 0 => {}
            Num::Int(_) | Num::Invalid => {
                errors.push(("fields.E133", "'max_digits' must be a positive integer."))
            }
            Num::Unknown => return out.unknown(),
        }
    }
    if errors.is_empty() {
        if let (Num::Int(d), Num::Int(m)) = (&dp, &md)
            && d > m
        {
            out.error(
                "fields.E134",
                "'max_digits' must be greater or equal to 'decimal_places'.",
            );
        }
    } else {
        for (code, msg) in errors {
            out.error(code, msg);
        }
    }
}

/// What `int(value)` does with a DecimalField option.
enum Num {
    Missing,
    Int(i128),
    /// ValueError.
    Invalid,
    /// TypeError.
    TypeErr,
    Unknown,
}

fn to_int(g: Got) -> Num {
    match g {
        Got::Absent | Got::Val(Py::None) => Num::Missing,
        Got::Unknown => Num::Unknown,
        Got::Val(v) => match v {
            Py::Int(i) => Num::Int(i),
            Py::Bool(b) => Num::Int(i128::from(b)),
            Py::Float(f) if f.is_finite() => Num::Int(f.trunc() as i128),
            Py::Float(f) if f.is_nan() => Num::Invalid,
            Py::Str(s) => match py_int(&s) {
                Some(Some(i)) => Num::Int(i),
                Some(None) => Num::Invalid,
                None => Num::Unknown,
            },
            Py::List(_)
            | Py::Tuple(_)
            | Py::Set(_)
            | Py::Dict(_)
            | Py::Callable
            | Py::FExpr(_)
            | Py::ValueExpr => Num::TypeErr,
            _ => Num::Unknown,
        },
    }
}

/// Python's `int(str)`: `Some(Some(i))`, `Some(None)` for a ValueError, `None` if unsure.
fn py_int(s: &str) -> Option<Option<i128>> {
    if !s.is_ascii() {
        return None;
    }
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b' || c == '\x0c');
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let b = digits.as_bytes();
    let ok = !b.is_empty()
        && b[0].is_ascii_digit()
        && b[b.len() - 1].is_ascii_digit()
        && b.iter().all(|c| c.is_ascii_digit() || *c == b'_')
        && !digits.contains("__");
    if !ok {
        return Some(None);
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let v: i128 = clean.parse().ok()?;
    Some(Some(if neg { -v } else { v }))
}

/// FileField / ImageField: fields.E201 / E202.
fn check_file_field(ctx: &Ctx<'_>, spec: &Spec<'_>, out: &mut Out) {
    if !spec.known() {
        return out.unknown();
    }
    if spec.kwargs.iter().any(|k| k.name == "primary_key") {
        out.error(
            "fields.E201",
            format!(
                "'primary_key' is not a valid argument for a {}.",
                spec.class_name()
            ),
        );
    }
    match spec.get(ctx, "upload_to") {
        Got::Val(Py::Str(s)) if s.starts_with('/') => out.push(
            "fields.E202",
            Severity::Error,
            format!(
                "{}'s 'upload_to' argument must be a relative path, not an absolute path.",
                spec.class_name()
            ),
            Some("Remove the leading slash."),
        ),
        Got::Val(Py::SomeStr | Py::Unknown) | Got::Unknown => out.unknown(),
        _ => {}
    }
}

/// `CheckFieldDefaultMixin` (JSONField, ArrayField, HStoreField): fields.E010 (a warning).
fn check_mutable_default(ctx: &Ctx<'_>, spec: &Spec<'_>, hint: (&str, &str), out: &mut Out) {
    let v = match spec.get(ctx, "default") {
        Got::Absent | Got::Val(Py::None) => return,
        Got::Unknown => return out.unknown(),
        Got::Val(v) => v,
    };
    match is_callable(&v) {
        Some(true) => {}
        Some(false) => out.push(
            "fields.E010",
            Severity::Warning,
            format!(
                "{} default should be a callable instead of an instance so that it's not shared \
                 between all field instances.",
                spec.class_name()
            ),
            Some(&format!(
                "Use a callable instead, e.g., use `{}` instead of `{}`.",
                hint.0, hint.1
            )),
        ),
        None => out.unknown(),
    }
}

/// GeneratedField: fields.E220-E222 (Django 6.0+: needs databases), E223 / W224.
fn check_generated(
    ctx: &Ctx<'_>,
    spec: &Spec<'_>,
    mc: &ModelCtx,
    dbs: Option<&[Backend]>,
    depth: u32,
    out: &mut Out,
) {
    // _check_supported, _check_persistence
    match dbs {
        None => out.unknown(),
        Some(dbs) => {
            let persist = match spec.get(ctx, "db_persist") {
                Got::Val(Py::Bool(b)) => Some(b),
                Got::Val(Py::Int(i)) if i == 0 || i == 1 => Some(i == 1),
                _ => None,
            };
            let mut supported = Vec::new();
            let mut persistence = Vec::new();
            for db in dbs {
                match &mc.vendor {
                    None => {
                        out.unknown();
                        continue;
                    }
                    Some(Some(v)) if v != db.vendor() => continue,
                    _ => {}
                }
                let (Some(virt_feat), Some(stored_feat)) = (
                    mc.has_feature("supports_virtual_generated_columns"),
                    mc.has_feature("supports_stored_generated_columns"),
                ) else {
                    out.unknown();
                    continue;
                };
                let (virt, stored) = db.generated_columns();
                let name = db.display_name();
                // E220
                let any_virtual = virt.map(|v| v || stored_feat);
                let any_stored = stored.map(|s| s || virt_feat);
                match (any_virtual, any_stored) {
                    (Some(true), _) | (_, Some(true)) => {}
                    (Some(false), Some(false)) => match name {
                        Some(n) => supported.push(format!("{n} does not support GeneratedFields.")),
                        None => out.unknown(),
                    },
                    _ => out.unknown(),
                }
                // E221 / E222
                match persist {
                    Some(false) => match virt.map(|v| v || virt_feat) {
                        Some(true) => {}
                        Some(false) => match name {
                            Some(n) => persistence.push((
                                "fields.E221",
                                format!("{n} does not support non-persisted GeneratedFields."),
                                "Set db_persist=True on the field.",
                            )),
                            None => out.unknown(),
                        },
                        None if virt_feat => {}
                        None => out.unknown(),
                    },
                    Some(true) => match stored.map(|s| s || stored_feat) {
                        Some(true) => {}
                        Some(false) => match name {
                            Some(n) => persistence.push((
                                "fields.E222",
                                format!("{n} does not support persisted GeneratedFields."),
                                "Set db_persist=False on the field.",
                            )),
                            None => out.unknown(),
                        },
                        None if stored_feat => {}
                        None => out.unknown(),
                    },
                    None => out.unknown(),
                }
            }
            for m in supported {
                out.error("fields.E220", m);
            }
            for (code, m, hint) in persistence {
                out.push(code, Severity::Error, m, Some(hint));
            }
        }
    }
    // output_field.check(): summarized as fields.E223 / W224.
    let Some(sub) = output_field_spec(ctx, spec) else {
        return out.unknown();
    };
    if depth > 2 {
        return out.unknown();
    }
    let sub_dbs: Option<Vec<Backend>> = dbs.map(<[Backend]>::to_vec);
    let found = findings(ctx, &sub, mc, sub_dbs.as_deref(), depth + 1);
    if !found.complete {
        return out.unknown();
    }
    let sep = "\n    ";
    let join = |sev: Severity| -> String {
        found
            .items
            .iter()
            .filter(|f| f.severity == sev)
            .map(|f| format!("{} ({})", f.message, f.code))
            .collect::<Vec<_>>()
            .join(sep)
    };
    let errors = join(Severity::Error);
    if !errors.is_empty() {
        out.error(
            "fields.E223",
            format!("GeneratedField.output_field has errors:{sep}{errors}"),
        );
    }
    let warnings = join(Severity::Warning);
    if !warnings.is_empty() {
        out.push(
            "fields.W224",
            Severity::Warning,
            format!("GeneratedField.output_field has warnings:{sep}{warnings}"),
            None,
        );
    }
}

/// The `output_field=models.XField(...)` of a GeneratedField, read as a field without a name.
fn output_field_spec<'a>(ctx: &Ctx<'_>, spec: &Spec<'a>) -> Option<Spec<'a>> {
    if !spec.known() {
        return None;
    }
    let e = spec.kwargs.iter().find(|k| k.name == "output_field")?;
    let ExprKind::Call {
        func,
        args,
        kwargs,
        has_splat,
    } = &e.value.kind
    else {
        return None;
    };
    let resolved = ctx.resolver.resolve_expr_rc(spec.file, func);
    let Resolved::External(q) = &*resolved else {
        return None;
    };
    let kind = FieldKind::from_qualified(q)?;
    Some(Spec {
        kind,
        own_class_name: "",
        qualified: Qualified::Django(resolved.clone()),
        args,
        kwargs,
        has_splat: *has_splat,
        opaque: false,
        custom: false,
        file: spec.file,
        scope: spec.scope,
        name: None,
    })
}

// ---------------------------------------------------------------------------------------------
// A field call as Django's __init__ sees it

struct Spec<'a> {
    kind: FieldKind,
    /// `self.__class__.__name__` of a class that is not Django's own (see [`Spec::class_name`]).
    own_class_name: &'a str,
    /// The class's qualified name (see [`Spec::qualified`]).
    qualified: Qualified,
    args: &'a [Expr],
    kwargs: &'a [Keyword],
    has_splat: bool,
    /// A custom subclass whose `__init__`/checks/class attributes may change what the call says.
    opaque: bool,
    /// A (non-opaque) subclass defined in the project.
    custom: bool,
    file: SourceFile,
    scope: Scope<'a>,
    name: Option<&'a str>,
}

/// The qualified name of a field's class, if known.
enum Qualified {
    None,
    /// Django's own class: the resolver's [`Resolved::External`], shared.
    Django(std::rc::Rc<Resolved>),
    /// A class defined in a module djsa read.
    Read(String),
}

enum Got {
    Absent,
    Val(Py),
    Unknown,
}

impl<'a> Spec<'a> {
    fn of_field(ctx: &Ctx<'a>, field: &'a Field) -> Spec<'a> {
        let class = ctx.class_def(field.declared_in);
        let body = class.map(|c| c.body.as_slice());
        let func = body.and_then(|b| {
            b.iter().find_map(|s| match s {
                Stmt::Assign { value, .. } if value.span == field.span => match &value.kind {
                    ExprKind::Call { func, .. } => Some(func.as_ref()),
                    _ => None,
                },
                _ => None,
            })
        });
        let mut qualified = Qualified::None;
        let mut class_name = None;
        if let Some(func) = func {
            let resolved = ctx.resolver.resolve_expr_rc(field.file, func);
            match &*resolved {
                Resolved::External(_) => qualified = Qualified::Django(resolved.clone()),
                &Resolved::Class(id) => {
                    if let Some(c) = ctx.class_def(id) {
                        class_name = Some(c.name.as_str());
                        let module = id.file.module(ctx.db).as_deref().unwrap_or_default();
                        qualified = Qualified::Read(format!("{module}.{}", c.name));
                    }
                }
                _ => {}
            }
        }
        let own_class_name = class_name
            .or_else(|| field.custom.as_ref().map(|c| c.name.as_str()))
            .unwrap_or_else(|| field.kind.name());
        let mut opaque = field.custom.as_ref().is_some_and(|c| c.opaque);
        if let Some(c) = &field.custom
            && !opaque
        {
            opaque = defines_checks(ctx, c.class, 0);
        }
        Spec {
            kind: field.kind,
            own_class_name,
            qualified,
            args: &field.args,
            kwargs: &field.kwargs,
            has_splat: field.has_splat,
            opaque,
            custom: field.custom.is_some(),
            file: field.file,
            scope: Scope {
                body,
                before: field.span.start,
            },
            name: Some(&field.name),
        }
    }

    fn known(&self) -> bool {
        !self.has_splat && !self.opaque
    }

    /// The class's qualified name when djsa knows it.
    fn qualified(&self) -> Option<&str> {
        match &self.qualified {
            Qualified::None => None,
            Qualified::Django(r) => match &**r {
                Resolved::External(q) => Some(q),
                _ => None,
            },
            Qualified::Read(q) => Some(q),
        }
    }

    /// `self.__class__.__name__`.
    fn class_name(&self) -> &str {
        match &self.qualified {
            Qualified::Django(r) => match &**r {
                Resolved::External(q) => crate::resolve::last_dot(q),
                _ => self.own_class_name,
            },
            _ => self.own_class_name,
        }
    }

    /// The expression passed for a parameter, by keyword or position.
    fn expr(&self, name: &str) -> Option<&'a Expr> {
        if let Some(k) = self.kwargs.iter().find(|k| k.name == name) {
            return Some(&k.value);
        }
        // Only the first `args.len()` parameters can have been given positionally.
        let params = self.kind.positional_params();
        let given = &params[..self.args.len().min(params.len())];
        let pos = given.iter().position(|p| *p == name)?;
        self.args.get(pos)
    }

    /// The value `self.<name>` has after `__init__`: passed, forced or defaulted.
    fn get(&self, ctx: &Ctx<'_>, name: &str) -> Got {
        use FieldKind as K;
        if !self.known() {
            return Got::Unknown;
        }
        let forced = match (self.kind, name) {
            (K::GenericIPAddressField, "max_length") => Some(Py::Int(39)),
            (K::IPAddressField, "max_length") => Some(Py::Int(15)),
            (K::NullBooleanField, "null" | "blank") => Some(Py::Bool(true)),
            (K::AutoField | K::BigAutoField | K::SmallAutoField, "blank") => Some(Py::Bool(true)),
            _ => None,
        };
        if let Some(v) = forced {
            return Got::Val(v);
        }
        if let Some(e) = self.expr(name) {
            return Got::Val(eval(ctx, self.file, self.scope, e, 0));
        }
        let default = match (self.kind, name) {
            (K::SlugField, "max_length") => Some(Py::Int(50)),
            (K::EmailField, "max_length") => Some(Py::Int(254)),
            (K::URLField, "max_length") => Some(Py::Int(200)),
            (K::FileField | K::ImageField | K::FilePathField, "max_length") => Some(Py::Int(100)),
            (K::SlugField | K::ForeignKey | K::OneToOneField, "db_index") => Some(Py::Bool(true)),
            (K::CompositePrimaryKey, "primary_key") => Some(Py::Bool(true)),
            (K::FilePathField, "allow_files") => Some(Py::Bool(true)),
            _ => None,
        };
        match default {
            Some(v) => Got::Val(v),
            None => Got::Absent,
        }
    }
}

/// Truthiness of an option after `__init__` (absent: its default, falsy unless given above).
fn truthy_opt(ctx: &Ctx<'_>, spec: &Spec<'_>, name: &str) -> Option<bool> {
    match spec.get(ctx, name) {
        Got::Absent => Some(false),
        Got::Val(v) => truthy(&v),
        Got::Unknown => None,
    }
}

/// A project-defined field class (or a project ancestor) that defines its own `_check*` method.
fn defines_checks(ctx: &Ctx<'_>, id: crate::resolve::ClassId, depth: u32) -> bool {
    if depth > 20 {
        return true;
    }
    let Some(c) = ctx.class_def(id) else {
        return true;
    };
    let own = c.body.iter().any(|s| {
        matches!(s, Stmt::Function(f) if f.name.starts_with("_check") || f.name == "validators" || f.name == "has_default")
    });
    own || c
        .bases
        .iter()
        .any(|b| match &*ctx.resolver.resolve_expr_rc(id.file, b) {
            &Resolved::Class(p) => defines_checks(ctx, p, depth + 1),
            _ => false,
        })
}

// ---------------------------------------------------------------------------------------------
// Static values

/// A Python value as far as djsa can tell.
#[derive(Debug, Clone)]
enum Py {
    Str(String),
    /// A `str` whose content is not known (f-string, `gettext()`).
    SomeStr,
    /// A lazy translation (`gettext_lazy`): a `Promise`, not a `str`; its text if literal.
    Lazy(Option<String>),
    Bytes,
    Int(i128),
    Float(f64),
    Bool(bool),
    None,
    List(Vec<Py>),
    Tuple(Vec<Py>),
    Set(Vec<Py>),
    Dict(Vec<(Py, Py)>),
    /// A Django Choices enum (or its `.choices`): valid (value, label) pairs; the lengths of its
    /// `str` values if known; whether it has any entry.
    Choices(Option<Vec<usize>>, bool),
    /// A function, lambda or builtin type: callable, not iterable.
    Callable,
    /// A class defined in the project (callable; maybe a Choices enum).
    Class(ClassRef, SourceFile),
    /// `F("name")`.
    FExpr(String),
    /// `Value(...)`.
    ValueExpr,
    /// Another query expression.
    Expression,
    Unknown,
}

/// A class definition reachable from a field's arguments (module level or nested in the model).
#[derive(Debug, Clone)]
struct ClassRef(std::rc::Rc<ClassDef>);

/// Two dict keys that are certainly equal (`1 == True` as in Python).
fn same_key(a: &Py, b: &Py) -> bool {
    let num = |v: &Py| match v {
        Py::Int(i) => Some(*i),
        Py::Bool(b) => Some(i128::from(*b)),
        _ => None,
    };
    match (a, b) {
        (Py::Str(x), Py::Str(y)) => x == y,
        (Py::None, Py::None) => true,
        _ => matches!((num(a), num(b)), (Some(x), Some(y)) if x == y),
    }
}

fn truthy(v: &Py) -> Option<bool> {
    match v {
        Py::Str(s) => Some(!s.is_empty()),
        Py::Lazy(Some(s)) => Some(!s.is_empty()),
        Py::Int(i) => Some(*i != 0),
        Py::Float(f) => Some(*f != 0.0),
        Py::Bool(b) => Some(*b),
        Py::None => Some(false),
        Py::List(x) | Py::Tuple(x) | Py::Set(x) => Some(!x.is_empty()),
        Py::Dict(x) => Some(!x.is_empty()),
        Py::Choices(_, nonempty) => Some(*nonempty),
        Py::Callable | Py::FExpr(_) | Py::ValueExpr | Py::Expression => Some(true),
        _ => None,
    }
}

fn is_callable(v: &Py) -> Option<bool> {
    match v {
        Py::Callable | Py::Class(..) => Some(true),
        Py::Str(_)
        | Py::SomeStr
        | Py::Lazy(_)
        | Py::Bytes
        | Py::Int(_)
        | Py::Float(_)
        | Py::Bool(_)
        | Py::None
        | Py::List(_)
        | Py::Tuple(_)
        | Py::Set(_)
        | Py::Dict(_)
        | Py::FExpr(_)
        | Py::ValueExpr => Some(false),
        _ => None,
    }
}

/// Python's `repr()` of a simple value.
fn py_repr(v: &Py) -> Option<String> {
    match v {
        Py::Str(s) => py_str_repr(s),
        Py::Int(i) => Some(i.to_string()),
        Py::Bool(true) => Some("True".into()),
        Py::Bool(false) => Some("False".into()),
        Py::None => Some("None".into()),
        Py::FExpr(n) => Some(format!("F({n})")),
        _ => None,
    }
}

fn py_str_repr(s: &str) -> Option<String> {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_ascii() => out.push(c),
            // Python prints printable non-ASCII characters as they are; which ones are
            // "printable" is Unicode-database detail: only letters and digits are certain.
            c if c.is_alphanumeric() => out.push(c),
            _ => return None,
        }
    }
    out.push(quote);
    Some(out)
}

/// Names visible to a field's arguments: the model's class body above the field, then the module.
#[derive(Clone, Copy)]
struct Scope<'a> {
    body: Option<&'a [Stmt]>,
    before: u32,
}

impl Scope<'_> {
    const MODULE: Scope<'static> = Scope {
        body: None,
        before: 0,
    };
}

/// What a class-body name is bound to above `before` (`None`: not bound in the class body).
enum ClassBinding<'a> {
    /// The value and where its statement starts.
    Value(&'a Expr, u32),
    Class(&'a ClassDef),
    Other,
}

fn class_binding<'a>(scope: Scope<'a>, name: &str) -> Option<ClassBinding<'a>> {
    let body = scope.body?;
    let mut found = None;
    for s in body {
        let start = match s {
            Stmt::Assign { span, .. } | Stmt::AugAssign { span, .. } => span.start,
            Stmt::Class(c) => c.span.start,
            Stmt::Function(f) => f.span.start,
            Stmt::If { span, .. } | Stmt::Try { span, .. } | Stmt::Opaque { span, .. } => {
                span.start
            }
            Stmt::Import { span, .. } | Stmt::ImportFrom { span, .. } => span.start,
            _ => continue,
        };
        if start >= scope.before {
            break;
        }
        match s {
            Stmt::Assign { targets, value, .. } => {
                for t in targets {
                    match t {
                        Target::Name(n, _) if n == name => {
                            found = Some(ClassBinding::Value(value, start))
                        }
                        Target::Complex(names, _) if names.iter().any(|n| n == name) => {
                            found = Some(ClassBinding::Other)
                        }
                        _ => {}
                    }
                }
            }
            Stmt::AugAssign { target, .. } if target == name => found = Some(ClassBinding::Other),
            Stmt::Class(c) if c.name == name => found = Some(ClassBinding::Class(c)),
            Stmt::Function(f) if f.name == name => found = Some(ClassBinding::Other),
            // A name bound inside a block: its value is not modelled.
            Stmt::If { .. } | Stmt::Try { .. } | Stmt::Opaque { .. } if stmt_binds(s, name) => {
                found = Some(ClassBinding::Other);
            }
            Stmt::Import { module, alias, .. } => {
                let bound = alias
                    .clone()
                    .unwrap_or_else(|| module.split('.').next().unwrap_or("").to_string());
                if bound == name {
                    found = Some(ClassBinding::Other);
                }
            }
            Stmt::ImportFrom { names, star, .. }
                if *star || names.iter().any(|(n, a)| a.as_deref().unwrap_or(n) == name) =>
            {
                found = Some(ClassBinding::Other);
            }
            _ => {}
        }
    }
    found
}

fn stmt_binds(s: &Stmt, name: &str) -> bool {
    match s {
        Stmt::Assign { targets, .. } => targets.iter().any(|t| match t {
            Target::Name(n, _) => n == name,
            Target::Complex(ns, _) => ns.iter().any(|n| n == name),
        }),
        Stmt::AugAssign { target, .. } => target == name,
        Stmt::Class(c) => c.name == name,
        Stmt::Function(f) => f.name == name,
        Stmt::If { body, orelse, .. } => body.iter().chain(orelse).any(|s| stmt_binds(s, name)),
        Stmt::Try {
            body,
            handlers,
            orelse,
            finalbody,
            ..
        } => body
            .iter()
            .chain(handlers.iter().flatten())
            .chain(orelse)
            .chain(finalbody)
            .any(|s| stmt_binds(s, name)),
        Stmt::Opaque { assigned, .. } => assigned.iter().any(|n| n == name),
        Stmt::Import { .. } | Stmt::ImportFrom { .. } => true,
        _ => false,
    }
}

const MAX_EVAL_DEPTH: u32 = 24;

fn eval(ctx: &Ctx<'_>, file: SourceFile, scope: Scope<'_>, e: &Expr, depth: u32) -> Py {
    if depth > MAX_EVAL_DEPTH {
        return Py::Unknown;
    }
    let rec = |x: &Expr| eval(ctx, file, scope, x, depth + 1);
    match &e.kind {
        ExprKind::Str(s) => Py::Str(s.clone()),
        // An f-string (or a concatenation with one): a str of unknown content.
        ExprKind::Other(k) if k == "string" || k == "concatenated_string" => Py::SomeStr,
        ExprKind::Bytes => Py::Bytes,
        ExprKind::Int(i) => Py::Int(i.get()),
        ExprKind::Float(t) => match t.replace('_', "").parse::<f64>() {
            Ok(f) if !t.ends_with(['j', 'J']) => Py::Float(f),
            _ => Py::Unknown,
        },
        ExprKind::Bool(b) => Py::Bool(*b),
        ExprKind::None => Py::None,
        ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
            if items.iter().any(|i| matches!(i.kind, ExprKind::Starred(_))) {
                return Py::Unknown;
            }
            let v: Vec<Py> = items.iter().map(rec).collect();
            match &e.kind {
                ExprKind::List(_) => Py::List(v),
                ExprKind::Tuple(_) => Py::Tuple(v),
                _ => Py::Set(v),
            }
        }
        ExprKind::Dict(pairs) => {
            // A repeated key keeps its first position and its last value.
            let mut out: Vec<(Py, Py)> = Vec::new();
            for (k, v) in pairs {
                let (k, v) = (rec(k), rec(v));
                match out.iter_mut().find(|(old, _)| same_key(old, &k)) {
                    Some(slot) => slot.1 = v,
                    None => out.push((k, v)),
                }
            }
            Py::Dict(out)
        }
        ExprKind::Unary { op, operand } => match (op.as_str(), rec(operand)) {
            ("-", Py::Int(i)) => Py::Int(-i),
            ("-", Py::Float(f)) => Py::Float(-f),
            ("-", Py::Bool(b)) => Py::Int(-i128::from(b)),
            ("+", Py::Int(i)) => Py::Int(i),
            ("+", Py::Float(f)) => Py::Float(f),
            ("not", v) => match truthy(&v) {
                Some(t) => Py::Bool(!t),
                None => Py::Unknown,
            },
            _ => Py::Unknown,
        },
        ExprKind::BinOp { op, left, right } if op == "+" => match (rec(left), rec(right)) {
            (Py::Str(a), Py::Str(b)) => Py::Str(a + &b),
            (Py::List(mut a), Py::List(b)) => {
                a.extend(b);
                Py::List(a)
            }
            (Py::Tuple(mut a), Py::Tuple(b)) => {
                a.extend(b);
                Py::Tuple(a)
            }
            _ => Py::Unknown,
        },
        ExprKind::Lambda => Py::Callable,
        ExprKind::Name(n) => eval_name(ctx, file, scope, n, depth),
        ExprKind::Call {
            func,
            args,
            kwargs,
            has_splat,
        } => {
            if *has_splat {
                return Py::Unknown;
            }
            let ExprKind::Name(fname) = &func.kind else {
                return Py::Unknown;
            };
            // A call of something bound in the class body: not modelled.
            let first = fname.split('.').next().unwrap_or(fname);
            if class_binding(scope, first).is_some() {
                return Py::Unknown;
            }
            let resolved = ctx.resolver.resolve_name_rc(file, fname);
            let Resolved::External(q) = &*resolved else {
                return Py::Unknown;
            };
            let (module, name) = crate::resolve::rsplit_dot(q).unwrap_or(("", q.as_str()));
            let literal_arg = |i: usize| args.get(i).and_then(|a| a.as_str()).map(str::to_string);
            match (module, name) {
                ("django.utils.translation", "gettext_lazy" | "ugettext_lazy") => {
                    Py::Lazy(literal_arg(0))
                }
                ("django.utils.translation", "pgettext_lazy") => Py::Lazy(literal_arg(1)),
                ("django.utils.translation", "ngettext_lazy" | "npgettext_lazy") => Py::Lazy(None),
                (
                    "django.utils.translation",
                    "gettext" | "ugettext" | "pgettext" | "ngettext" | "npgettext",
                ) => Py::SomeStr,
                ("django.utils.translation", "gettext_noop" | "ugettext_noop") => {
                    match args.first().map(rec) {
                        Some(v @ Py::Str(_)) => v,
                        _ => Py::Unknown,
                    }
                }
                ("django.db.models" | "django.db.models.expressions", "F") => {
                    match (&args[..], kwargs.is_empty()) {
                        ([a], true) => match rec(a) {
                            Py::Str(s) => Py::FExpr(s),
                            _ => Py::Expression,
                        },
                        _ => Py::Expression,
                    }
                }
                ("django.db.models" | "django.db.models.expressions", "Value") => Py::ValueExpr,
                ("builtins", "dict") if args.is_empty() && kwargs.is_empty() => {
                    Py::Dict(Vec::new())
                }
                ("builtins", "list") if args.is_empty() && kwargs.is_empty() => {
                    Py::List(Vec::new())
                }
                ("builtins", "tuple") if args.is_empty() && kwargs.is_empty() => {
                    Py::Tuple(Vec::new())
                }
                ("builtins", "set") if args.is_empty() && kwargs.is_empty() => Py::Set(Vec::new()),
                (m, _) if m.starts_with("django.db.models") => Py::Expression,
                _ => Py::Unknown,
            }
        }
        _ => Py::Unknown,
    }
}

fn eval_name(ctx: &Ctx<'_>, file: SourceFile, scope: Scope<'_>, n: &str, depth: u32) -> Py {
    let (first, rest) = match n.split_once('.') {
        Some((f, r)) => (f, Some(r)),
        None => (n, None),
    };
    if let Some(b) = class_binding(scope, first) {
        return match (b, rest) {
            (ClassBinding::Value(e, start), None) => {
                let above = Scope {
                    body: scope.body,
                    before: start,
                };
                eval(ctx, file, above, e, depth + 1)
            }
            (ClassBinding::Class(c), None) => {
                Py::Class(ClassRef(std::rc::Rc::new(c.clone())), file)
            }
            (ClassBinding::Class(c), Some("choices")) => {
                choices_enum(ctx, c, file).unwrap_or(Py::Unknown)
            }
            _ => Py::Unknown,
        };
    }
    match &*ctx.resolver.resolve_name_rc(file, n) {
        &Resolved::Value(vfile, ref e) => eval(ctx, vfile, Scope::MODULE, e, depth + 1),
        Resolved::Function(..) => Py::Callable,
        &Resolved::Class(id) => match ctx.class_def(id) {
            Some(c) => Py::Class(ClassRef(std::rc::Rc::new(c.clone())), id.file),
            None => Py::Unknown,
        },
        Resolved::External(q) => match q.as_str() {
            "builtins.dict" | "builtins.list" | "builtins.tuple" | "builtins.set"
            | "builtins.str" | "builtins.int" | "builtins.float" | "builtins.bool"
            | "builtins.len" | "builtins.range" => Py::Callable,
            _ => Py::Unknown,
        },
        Resolved::Unknown => {
            // `Status.choices` for a module-level Choices enum.
            if let Some(prefix) = n.strip_suffix(".choices")
                && let &Resolved::Class(id) = &*ctx.resolver.resolve_name_rc(file, prefix)
                && let Some(c) = ctx.class_def(id)
            {
                return choices_enum(ctx, c, id.file).unwrap_or(Py::Unknown);
            }
            Py::Unknown
        }
        Resolved::Module(_) => Py::Unknown,
    }
}

/// A `TextChoices` / `IntegerChoices` enum read from its class body (`None`: not one djsa can
/// read). Django's `ChoicesType` gives `.choices` as (value, label) pairs.
fn choices_enum(ctx: &Ctx<'_>, c: &ClassDef, file: SourceFile) -> Option<Py> {
    let mut text = None;
    for b in &c.bases {
        match &*ctx.resolver.resolve_expr_rc(file, b) {
            Resolved::External(q) => match q.as_str() {
                "django.db.models.TextChoices" | "django.db.models.enums.TextChoices" => {
                    text = Some(true)
                }
                "django.db.models.IntegerChoices" | "django.db.models.enums.IntegerChoices" => {
                    text = Some(false)
                }
                "builtins.str" | "builtins.int" => {}
                _ => return None,
            },
            _ => return None,
        }
    }
    let text = text?;
    let mut lens: Option<Vec<usize>> = Some(Vec::new());
    let mut entries = 0usize;
    for s in &c.body {
        match s {
            Stmt::Assign { targets, value, .. } => {
                let [Target::Name(name, _)] = targets.as_slice() else {
                    return None;
                };
                if name == "__empty__" {
                    entries += 1;
                    continue;
                }
                if name.starts_with('_') && name.ends_with('_') {
                    continue;
                }
                entries += 1;
                if !text {
                    continue;
                }
                let v = eval(ctx, file, Scope::MODULE, value, 0);
                // `NAME = value, label`: the last str-like element is the label.
                let value = match v {
                    Py::Tuple(mut items) | Py::List(mut items)
                        if items.len() > 1
                            && matches!(
                                items.last(),
                                Some(Py::Str(_) | Py::SomeStr | Py::Lazy(_))
                            ) =>
                    {
                        items.pop();
                        if items.len() == 1 { items.pop() } else { None }
                    }
                    other => Some(other),
                };
                match value {
                    Some(Py::Str(s)) => {
                        if let Some(l) = lens.as_mut() {
                            l.push(s.chars().count());
                        }
                    }
                    Some(Py::Int(i)) => {
                        if let Some(l) = lens.as_mut() {
                            l.push(i.to_string().len());
                        }
                    }
                    _ => lens = None,
                }
            }
            Stmt::Function(_) | Stmt::AnnOnly { .. } | Stmt::Expr(_) => {}
            _ => return None,
        }
    }
    Some(Py::Choices(
        if text { lens } else { Some(Vec::new()) },
        entries > 0,
    ))
}

// ---------------------------------------------------------------------------------------------
// Databases and model options

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgresql,
    Mysql,
    Oracle,
    /// `django.db.backends.dummy` (`DATABASES = {}`).
    Dummy,
}

impl Backend {
    fn from_engine(engine: &str) -> Option<Backend> {
        Some(if engine.contains("dummy") {
            Backend::Dummy
        } else if engine.contains("postgres") || engine.contains("postgis") {
            Backend::Postgresql
        } else if engine.contains("mysql") {
            Backend::Mysql
        } else if engine.contains("sqlite") || engine.contains("spatialite") {
            Backend::Sqlite
        } else if engine.contains("oracle") {
            Backend::Oracle
        } else {
            return None;
        })
    }
    /// `connection.display_name` (MySQL's is "MySQL" or "MariaDB": only a connection knows).
    fn display_name(self) -> Option<&'static str> {
        match self {
            Backend::Sqlite => Some("SQLite"),
            Backend::Postgresql => Some("PostgreSQL"),
            Backend::Oracle => Some("Oracle"),
            Backend::Dummy => Some("unknown"),
            Backend::Mysql => None,
        }
    }
    fn vendor(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgresql => "postgresql",
            Backend::Mysql => "mysql",
            Backend::Oracle => "oracle",
            Backend::Dummy => "unknown",
        }
    }
    fn supports_comments(self) -> bool {
        matches!(self, Backend::Postgresql | Backend::Mysql | Backend::Oracle)
    }
    fn supports_no_precision_decimalfield(self) -> bool {
        matches!(
            self,
            Backend::Sqlite | Backend::Postgresql | Backend::Oracle
        )
    }
    /// (virtual, stored) generated columns; `None` where it depends on the server version.
    fn generated_columns(self) -> (Option<bool>, Option<bool>) {
        match self {
            Backend::Sqlite | Backend::Mysql => (Some(true), Some(true)),
            Backend::Postgresql => (None, Some(true)),
            Backend::Oracle => (Some(true), None),
            Backend::Dummy => (Some(false), Some(false)),
        }
    }
}

/// The backend of DATABASES['default'] (or the configured engine).
fn default_backend(ctx: &Ctx<'_>) -> Option<Backend> {
    if let Some(e) = ctx.pm.settings.engine.as_deref() {
        return Backend::from_engine(e);
    }
    // No ENGINE: `DATABASES = {}` or a default without ENGINE is Django's dummy backend.
    let dbs = ctx.pm.settings.env.names.get("DATABASES")?;
    match &dbs.value {
        Value::Dict(pairs) if pairs.is_empty() => Some(Backend::Dummy),
        Value::Dict(_) => {
            let d = dbs.get("default")?;
            match &d.value {
                Value::Dict(_) if d.get("ENGINE").is_none() => Some(Backend::Dummy),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The `databases` `manage.py check` passes to model checks: none before Django 6.0, every
/// alias since. `None` when an alias's backend is unknown or routers may skip models.
fn check_databases(ctx: &Ctx<'_>) -> Option<Vec<Backend>> {
    let settings = &ctx.pm.settings;
    if ctx.pm.django_version < (6, 0) {
        return Some(Vec::new());
    }
    if settings.has_routers {
        return None;
    }
    let default = default_backend(ctx)?;
    let Some(dbs) = settings.env.names.get("DATABASES") else {
        return settings.engine.is_some().then(|| vec![default]);
    };
    match &dbs.value {
        Value::Dict(pairs) if pairs.is_empty() => Some(vec![default]),
        Value::Dict(pairs) => {
            let mut aliases: Vec<&str> = Vec::new();
            for (k, _) in pairs {
                let k = k.as_str()?;
                if !aliases.contains(&k) {
                    aliases.push(k);
                }
            }
            aliases
                .iter()
                .map(|alias| {
                    if *alias == "default" {
                        return Some(default);
                    }
                    let v = dbs.get(alias)?;
                    match &v.value {
                        Value::Dict(_) => match v.get("ENGINE") {
                            None => Some(Backend::Dummy),
                            Some(e) => Backend::from_engine(e.as_str()?),
                        },
                        _ => None,
                    }
                })
                .collect()
        }
        _ => settings.engine.is_some().then(|| vec![default]),
    }
}

/// The clock `_get_naive_now()` reads: UTC with USE_TZ, local time without.
fn now_basis(ctx: &Ctx<'_>) -> Option<Basis> {
    let use_tz = match ctx.pm.settings.env.names.get("USE_TZ") {
        None => ctx.pm.django_version >= (5, 0),
        Some(v) => match &v.value {
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            _ => return None,
        },
    };
    Some(if use_tz { Basis::Utc } else { Basis::Local })
}

/// Django sets the process time zone to TIME_ZONE (default "America/Chicago").
fn time_zone_is_utc(ctx: &Ctx<'_>) -> Option<bool> {
    match ctx.pm.settings.env.names.get("TIME_ZONE") {
        None => Some(false),
        Some(v) => v.as_str().map(|tz| {
            matches!(
                tz,
                "UTC"
                    | "Etc/UTC"
                    | "GMT"
                    | "Etc/GMT"
                    | "Universal"
                    | "Etc/Universal"
                    | "Zulu"
                    | "Etc/Zulu"
                    | "UCT"
                    | "Etc/UCT"
            )
        }),
    }
}

/// `Meta.required_db_features` / `required_db_vendor` of a model.
struct ModelCtx {
    /// `None`: not readable.
    features: Option<Vec<String>>,
    /// `Some(None)`: not set; `None`: not readable.
    vendor: Option<Option<String>>,
}

impl ModelCtx {
    fn new(ctx: &Ctx<'_>, idx: usize) -> Self {
        let m = ctx.model(idx);
        if m.meta.incomplete {
            return ModelCtx {
                features: None,
                vendor: None,
            };
        }
        let features = match m.meta.get_with_file("required_db_features") {
            None => Some(Vec::new()),
            Some((e, file)) => match eval(ctx, file, Scope::MODULE, e, 0) {
                Py::List(items) | Py::Tuple(items) | Py::Set(items) => items
                    .into_iter()
                    .map(|i| match i {
                        Py::Str(s) => Some(s),
                        _ => None,
                    })
                    .collect(),
                _ => None,
            },
        };
        let vendor = match m.meta.get_with_file("required_db_vendor") {
            None => Some(None),
            Some((e, file)) => match eval(ctx, file, Scope::MODULE, e, 0) {
                Py::Str(s) => Some(Some(s)),
                Py::None => Some(None),
                _ => None,
            },
        };
        ModelCtx { features, vendor }
    }

    fn has_feature(&self, f: &str) -> Option<bool> {
        self.features.as_ref().map(|v| v.iter().any(|x| x == f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::check_project;
    use crate::config::ProjectConfig;
    use crate::db::RootDatabase;

    fn run(models: &str, settings_extra: &str, version: (u32, u32)) -> Vec<(String, String)> {
        let db = RootDatabase::default();
        let settings = format!(
            "INSTALLED_APPS = ['shop']\nDATABASES = {{'default': {{'ENGINE': \
             'django.db.backends.postgresql'}}}}\n{settings_extra}"
        );
        let config = ProjectConfig {
            settings_module: Some("project.settings".into()),
            django_version: Some(version),
            ..ProjectConfig::default()
        };
        let project = crate::db::test_project(
            &db,
            &[
                ("project/__init__.py", "project", ""),
                ("project/settings.py", "project.settings", settings.as_str()),
                ("shop/__init__.py", "shop", ""),
                ("shop/models.py", "shop.models", models),
            ],
            config,
        );
        check_project(&db, project)
            .iter()
            .filter(|d| d.code.starts_with("fields."))
            .map(|d| (d.code.clone(), d.object.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn removed_postgres_fields() {
        let found = run(
            "from django.db import models\n\
             from django.contrib.postgres.fields import CICharField, JSONField\n\
             from django.contrib.postgres import fields as pg\n\
             class Tag(models.Model):\n    \
                 name = CICharField(max_length=20)\n    \
                 email = pg.CIEmailField()\n    \
                 body = pg.citext.CITextField()\n    \
                 data = JSONField(default={})\n",
            "",
            (6, 1),
        );
        let codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
        assert!(codes.contains(&"fields.E905"), "{found:?}");
        assert!(codes.contains(&"fields.E906"), "{found:?}");
        assert!(codes.contains(&"fields.E907"), "{found:?}");
        assert!(codes.contains(&"fields.E904"), "{found:?}");
        // The removed JSONField is still a JSONField: its mutable default is reported too.
        assert!(codes.contains(&"fields.E010"), "{found:?}");
    }

    #[test]
    fn postgres_allows_unlimited_char_and_decimal_without_precision() {
        let models = "from django.db import models\n\
             class Item(models.Model):\n    \
                 name = models.CharField()\n    \
                 price = models.DecimalField()\n    \
                 cost = models.DecimalField(max_digits=5)\n";
        let on61 = run(models, "", (6, 1));
        assert_eq!(
            on61,
            vec![("fields.E135".to_string(), "shop.Item.cost".to_string())]
        );
        let on52 = run(models, "", (5, 2));
        let codes: Vec<&str> = on52.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, vec!["fields.E130", "fields.E132", "fields.E130"]);
    }

    #[test]
    fn unknown_values_stay_silent() {
        let found = run(
            "from django.db import models\n\
             from .choices import STATUS\n\
             def opts():\n    return {}\n\
             class Item(models.Model):\n    \
                 status = models.CharField(max_length=2, choices=STATUS)\n    \
                 kind = models.CharField(max_length=2, choices=opts())\n    \
                 size = models.DecimalField(**opts())\n    \
                 when = models.DateField(default=opts())\n",
            "DATABASE_ROUTERS = ['project.routers.Router']\n",
            (6, 1),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn python_int_and_repr() {
        assert_eq!(py_int(" 1_000 "), Some(Some(1000)));
        assert_eq!(py_int("-7"), Some(Some(-7)));
        assert_eq!(py_int("two"), Some(None));
        assert_eq!(py_int("1__0"), Some(None));
        assert_eq!(py_int("3.0"), Some(None));
        assert_eq!(py_str_repr("abc").as_deref(), Some("'abc'"));
        assert_eq!(py_str_repr("it's").as_deref(), Some("\"it's\""));
        assert_eq!(py_str_repr("a'b\"c").as_deref(), Some("'a\\'b\"c'"));
        assert_eq!(py_str_repr("tab\there").as_deref(), Some("'tab\\there'"));
        assert_eq!(py_str_repr("café").as_deref(), Some("'café'"));
        assert_eq!(py_str_repr("\u{a0}"), None);
    }

    #[test]
    fn choices_steps() {
        let pair = |a: &str, b: &str| Py::Tuple(vec![Py::Str(a.into()), Py::Str(b.into())]);
        assert!(matches!(choice_step(&pair("ab", "Label")), Step::Ok(l) if l == vec![Some(2)]));
        // An empty label iterates as an empty group: no length counted.
        assert!(matches!(choice_step(&pair("abc", "")), Step::Ok(l) if l.is_empty()));
        // A two-character string unpacks, then is rejected as a bare string.
        assert!(matches!(choice_step(&Py::Str("ab".into())), Step::Break));
        let group = Py::Tuple(vec![
            Py::Str("Group".into()),
            Py::List(vec![pair("x", "X"), pair("long", "Long")]),
        ]);
        assert!(matches!(choice_step(&group), Step::Ok(l) if l == vec![Some(1), Some(4)]));
        let bad_group = Py::Tuple(vec![
            Py::Str("Group".into()),
            Py::List(vec![Py::Str("x".into())]),
        ]);
        assert!(matches!(choice_step(&bad_group), Step::Break));
        assert!(matches!(choice_step(&Py::Unknown), Step::Unknown));
    }
}
