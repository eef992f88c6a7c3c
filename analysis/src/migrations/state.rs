//! Model states (Django's `ModelState`/`ProjectState`) and the replay of migration operations.

use std::sync::Arc;

use crate::fields::FieldKind;

use super::parse::{Call, RawOp, Val};

/// A field as Django's `deconstruct()` returns it: path, positional and keyword arguments
/// (keywords sorted by name, defaults left out).
#[derive(Debug, Clone, Eq)]
pub struct FieldDef {
    pub path: String,
    pub args: Vec<Val>,
    pub kwargs: Vec<(String, Val)>,
}

impl PartialEq for FieldDef {
    /// Django compares deconstructed fields; a `settings.X` reference equals its value.
    fn eq(&self, other: &Self) -> bool {
        // `norm(x) == norm(y)` with `norm` turning a setting into its value, without cloning.
        fn norm_eq(x: &Val, y: &Val) -> bool {
            match (x, y) {
                (Val::Setting(a), Val::Setting(b)) => a.value == b.value,
                (Val::Setting(a), Val::Str(b)) | (Val::Str(b), Val::Setting(a)) => a.value == *b,
                (x, y) => x == y,
            }
        }
        self.path == other.path
            && self.args == other.args
            && self.kwargs.len() == other.kwargs.len()
            && self
                .kwargs
                .iter()
                .zip(&other.kwargs)
                .all(|((a, x), (b, y))| a == b && norm_eq(x, y))
    }
}

impl FieldDef {
    pub fn get(&self, k: &str) -> Option<&Val> {
        self.kwargs.iter().find(|(n, _)| n == k).map(|(_, v)| v)
    }
    pub fn kind(&self) -> Option<FieldKind> {
        FieldKind::from_qualified(&self.path)
    }
    pub fn is_relation(&self) -> bool {
        self.get("to").is_some()
    }
    pub fn is_m2m(&self) -> bool {
        self.kind() == Some(FieldKind::ManyToManyField)
            || TAGGABLE_MANAGERS.contains(&self.path.as_str())
    }
    /// The lower-cased `app.model` label of the related model.
    pub fn target(&self) -> Option<String> {
        match self.get("to")? {
            Val::Str(s) => Some(s.clone()),
            Val::Setting(s) => Some(s.value.clone()),
            _ => None,
        }
    }
    pub fn swappable_setting(&self) -> Option<&str> {
        match self.get("to")? {
            Val::Setting(s) => Some(&s.name),
            _ => None,
        }
    }
    pub fn primary_key(&self) -> bool {
        self.get("primary_key") == Some(&Val::Bool(true))
    }
    pub fn parent_link(&self) -> bool {
        self.get("parent_link") == Some(&Val::Bool(true))
    }
}

/// What a relation `to` and a swappable setting look like from where the field is declared.
pub struct FieldCx<'a> {
    pub app_label: &'a str,
    pub model_name: &'a str,
    /// AUTH_USER_MODEL as set (`auth.User` by default).
    pub auth_user_model: &'a str,
}

/// Normalise a model reference (`"self"`, `"Book"`, `"shop.Book"`) to a lower-cased label.
pub fn normalize_label(s: &str, app_label: &str, model_name: &str) -> String {
    let (app, model) = label_parts(s, app_label, model_name);
    let mut out = String::with_capacity(app.len() + 1 + model.len());
    out.push_str(app);
    out.push('.');
    // Labels from the models are mostly lower-case ASCII already: no second copy for them.
    if model.is_ascii() {
        out.extend(model.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.push_str(&model.to_lowercase());
    }
    out
}

/// The app label and model name a reference names, before lower-casing.
fn label_parts<'a>(s: &'a str, app_label: &'a str, model_name: &'a str) -> (&'a str, &'a str) {
    match s.split_once('.') {
        _ if s == "self" => (app_label, model_name),
        Some((a, m)) => (a, m),
        None => (app_label, s),
    }
}

/// `normalize_label(s, ..) == s`: an `app.model` reference whose model name is lower-case ASCII.
fn is_lower_label(s: &str) -> bool {
    // One pass over the bytes (asked for every relation field).
    let mut model = s.bytes().skip_while(|b| *b != b'.');
    model.next().is_some() && model.all(|b| b.is_ascii() && !b.is_ascii_uppercase())
}

/// `label == normalize_label(s, "", "")`, without building the right-hand side (it is asked
/// for every relation field, always of the same AUTH_USER_MODEL).
fn is_normalized_label_of(label: &str, s: &str) -> bool {
    let (app, model) = label_parts(s, "", "");
    let Some(rest) = label.strip_prefix(app).and_then(|r| r.strip_prefix('.')) else {
        return false;
    };
    if model.is_ascii() {
        rest.len() == model.len()
            && rest
                .bytes()
                .zip(model.bytes())
                .all(|(a, b)| a == b.to_ascii_lowercase())
    } else {
        rest == model.to_lowercase()
    }
}

fn is_default(name: &str, v: &Val) -> bool {
    match name {
        "verbose_name" | "max_length" | "unique_for_date" | "unique_for_month"
        | "unique_for_year" | "choices" | "db_column" | "db_comment" | "db_tablespace"
        | "error_messages" => *v == Val::None,
        "primary_key" | "unique" | "blank" | "null" | "db_index" | "auto_created" => {
            *v == Val::Bool(false)
        }
        "editable" | "serialize" => *v == Val::Bool(true),
        "help_text" => *v == Val::Str(String::new()),
        "validators" => matches!(v, Val::List(x) | Val::Tuple(x) if x.is_empty()),
        _ => false,
    }
}

/// `Field.__init__`'s keyword arguments (a `match`: asked for every argument of every field).
fn is_field_kwarg(k: &str) -> bool {
    matches!(
        k,
        "verbose_name"
            | "name"
            | "primary_key"
            | "max_length"
            | "unique"
            | "blank"
            | "null"
            | "db_index"
            | "default"
            | "editable"
            | "serialize"
            | "unique_for_date"
            | "unique_for_month"
            | "unique_for_year"
            | "choices"
            | "help_text"
            | "db_column"
            | "db_tablespace"
            | "auto_created"
            | "validators"
            | "error_messages"
            | "db_comment"
            | "db_default"
    )
}

/// Build the deconstructed form of a field from its class path and call arguments, as Django's
/// `Field.deconstruct()` would return it for the field built by that call. `Err` says why djsa
/// cannot do it exactly.
pub fn deconstruct(
    path: &str,
    args: &[Val],
    kwargs: &[(String, Val)],
    cx: &FieldCx<'_>,
) -> Result<FieldDef, String> {
    let Some(kind) = FieldKind::from_qualified(path) else {
        return Err(format!(
            "field class {path} is not a Django field djsa can deconstruct"
        ));
    };
    let params = kind.positional_params();
    // Sized for the arguments as given: most deconstructions add none (the state keeps it).
    let mut kw: Vec<(String, Val)> = Vec::with_capacity(args.len() + kwargs.len());
    for (i, a) in args.iter().enumerate() {
        // A name past the parameters is never read: the call has too many arguments.
        let name = params.get(i).copied().unwrap_or_default();
        kw.push((name.to_string(), a.clone()));
    }
    kw.extend(kwargs.iter().cloned());
    deconstruct_kind(kind, kw, args.len(), cx)
}

/// [`deconstruct`] of a field whose class is known: `kw` holds the call's arguments, the first
/// `positional` of them positional ones already named by `kind.positional_params()` (in that
/// order; any past the parameters with an empty name), then the keyword arguments as written.
/// The caller's vector becomes the result's keyword arguments (no copy of the values).
pub fn deconstruct_kind(
    kind: FieldKind,
    mut kw: Vec<(String, Val)>,
    positional: usize,
    cx: &FieldCx<'_>,
) -> Result<FieldDef, String> {
    use FieldKind::*;
    let supported = matches!(
        kind,
        AutoField
            | BigAutoField
            | SmallAutoField
            | BigIntegerField
            | BinaryField
            | BooleanField
            | CharField
            | DateField
            | DateTimeField
            | DecimalField
            | DurationField
            | EmailField
            | FileField
            | ImageField
            | FloatField
            | GenericIPAddressField
            | IntegerField
            | JSONField
            | PositiveBigIntegerField
            | PositiveIntegerField
            | PositiveSmallIntegerField
            | SlugField
            | SmallIntegerField
            | TextField
            | TimeField
            | URLField
            | UUIDField
            | ForeignKey
            | OneToOneField
            | ManyToManyField
            | GeneratedField
    );
    if !supported {
        // A kind whose `django.db.models` name is no Django class (RangeField) is refused as
        // its path would be.
        if FieldKind::from_django_name(kind.name()) != Some(kind) {
            return Err(format!(
                "field class {} is not a Django field djsa can deconstruct",
                django_path(kind)
            ));
        }
        return Err(format!("{} is not deconstructed by djsa yet", kind.name()));
    }
    let params = kind.positional_params();
    if positional > params.len() {
        return Err("too many positional arguments".into());
    }
    for i in positional..kw.len() {
        let (seen, rest) = kw.split_at(i);
        let k = &rest[0].0;
        if seen.iter().any(|(n, _)| n == k) {
            return Err(format!("argument {k} given twice"));
        }
    }
    // Keys are unique and sorted at the end: a value set replaces the one given in place.
    let set =
        |kw: &mut Vec<(String, Val)>, k: &str, v: Val| match kw.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v,
            None => kw.push((k.to_string(), v)),
        };
    // A keyword argument's value, borrowed (no copy of `choices`, `default`, ...).
    fn get<'k>(kw: &'k [(String, Val)], k: &str) -> Option<&'k Val> {
        kw.iter().find(|(n, _)| n == k).map(|(_, v)| v)
    }
    // Keys are unique: the one entry of that key (if any) goes, the others keep their order.
    let del = |kw: &mut Vec<(String, Val)>, k: &str| {
        if let Some(i) = kw.iter().position(|(n, _)| n == k) {
            kw.remove(i);
        }
    };
    // Known keyword arguments only: anything else may change what the field does.
    let allowed = |k: &str| {
        is_field_kwarg(k)
            || params.contains(&k)
            || match kind {
                CharField | TextField => k == "db_collation",
                SlugField => k == "allow_unicode",
                URLField => k == "assume_scheme",
                ForeignKey | OneToOneField => {
                    FieldKind::ForeignKey.positional_params().contains(&k)
                        || matches!(
                            k,
                            "swappable" | "db_constraint" | "to_field" | "parent_link"
                        )
                }
                ManyToManyField => k == "swappable",
                GeneratedField => matches!(k, "expression" | "output_field" | "db_persist"),
                ImageField => matches!(k, "upload_to" | "storage"),
                _ => false,
            }
    };
    if let Some((k, _)) = kw.iter().find(|(k, _)| !allowed(k.as_str())) {
        return Err(format!("argument {k} not understood for {}", kind.name()));
    }
    if kw.iter().any(|(k, _)| k == "name" || k == "rel") {
        return Err("field given an explicit name".into());
    }
    // choices: Django unrolls them into a list (pairs become tuples).
    if let Some(c) = get(&kw, "choices") {
        let items: Vec<Val> = match c {
            Val::List(v) | Val::Tuple(v) => v.clone(),
            Val::Dict(d) => d
                .iter()
                .map(|(k, v)| Val::Tuple(vec![k.clone(), v.clone()]))
                .collect(),
            Val::None => Vec::new(),
            _ => return Err("choices not understood statically".into()),
        };
        if *c != Val::None {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                match i {
                    Val::Tuple(p) | Val::List(p) if p.len() == 2 => {
                        if matches!(p[1], Val::List(_) | Val::Tuple(_) | Val::Dict(_)) {
                            return Err("grouped choices".into());
                        }
                        out.push(Val::Tuple(p))
                    }
                    _ => return Err("choices not understood statically".into()),
                }
            }
            set(&mut kw, "choices", Val::List(out));
        }
    }
    if let Some(Val::Tuple(v)) = get(&kw, "validators") {
        let v = v.clone();
        set(&mut kw, "validators", Val::List(v));
    }
    // Values set by the class's __init__ / deconstruct.
    match kind {
        AutoField | BigAutoField | SmallAutoField => {
            del(&mut kw, "blank");
            set(&mut kw, "primary_key", Val::Bool(true));
        }
        DateField | DateTimeField | TimeField => {
            for k in ["auto_now", "auto_now_add"] {
                match get(&kw, k) {
                    Some(Val::Bool(false)) => del(&mut kw, k),
                    Some(Val::Bool(true)) | None => {}
                    Some(_) => return Err(format!("{k} is not a literal bool")),
                }
            }
            if get(&kw, "auto_now").is_some() || get(&kw, "auto_now_add").is_some() {
                del(&mut kw, "editable");
                del(&mut kw, "blank");
            }
        }
        DecimalField => {
            for k in ["max_digits", "decimal_places"] {
                if get(&kw, k) == Some(&Val::None) {
                    del(&mut kw, k);
                }
            }
        }
        EmailField if get(&kw, "max_length").is_none() => {
            set(&mut kw, "max_length", Val::int(254));
        }
        SlugField => {
            if get(&kw, "max_length") == Some(&Val::int(50)) {
                del(&mut kw, "max_length");
            }
            match get(&kw, "db_index") {
                Some(Val::Bool(false)) => set(&mut kw, "db_index", Val::Bool(false)),
                Some(Val::Bool(true)) | None => del(&mut kw, "db_index"),
                Some(_) => return Err("db_index is not a literal bool".into()),
            }
            if get(&kw, "allow_unicode") == Some(&Val::Bool(false)) {
                del(&mut kw, "allow_unicode");
            }
            if get(&kw, "db_index").is_none() {
                // Marker so the generic default pass below keeps db_index=False.
            }
        }
        URLField => {
            if get(&kw, "max_length") == Some(&Val::int(200)) {
                del(&mut kw, "max_length");
            }
            if get(&kw, "assume_scheme").is_some() {
                return Err("assume_scheme".into());
            }
        }
        FileField | ImageField => {
            if get(&kw, "max_length") == Some(&Val::int(100)) {
                del(&mut kw, "max_length");
            }
            if get(&kw, "upload_to").is_none() {
                set(&mut kw, "upload_to", Val::Str(String::new()));
            }
            if get(&kw, "storage").is_some() {
                return Err("storage".into());
            }
            for k in ["width_field", "height_field"] {
                if get(&kw, k) == Some(&Val::None) {
                    del(&mut kw, k);
                }
            }
        }
        UUIDField => del(&mut kw, "max_length"),
        GenericIPAddressField => {
            del(&mut kw, "max_length");
            if get(&kw, "unpack_ipv4") == Some(&Val::Bool(false)) {
                del(&mut kw, "unpack_ipv4");
            }
            if get(&kw, "protocol") == Some(&Val::Str("both".into())) {
                del(&mut kw, "protocol");
            }
        }
        BinaryField => match get(&kw, "editable") {
            Some(Val::Bool(true)) => {}
            Some(Val::Bool(false)) | None => del(&mut kw, "editable"),
            Some(_) => return Err("editable is not a literal bool".into()),
        },
        JSONField => {
            for k in ["encoder", "decoder"] {
                if get(&kw, k) == Some(&Val::None) {
                    del(&mut kw, k);
                }
            }
        }
        GeneratedField => {
            // GeneratedField.deconstruct(): blank/editable are forced, the rest as given, the
            // output field deconstructed in turn.
            del(&mut kw, "blank");
            del(&mut kw, "editable");
            if !matches!(get(&kw, "db_persist"), Some(Val::Bool(_))) {
                return Err("GeneratedField db_persist is not a literal bool".into());
            }
            if !matches!(get(&kw, "expression"), Some(Val::Call(_))) {
                return Err("GeneratedField expression not understood".into());
            }
            let Some(Val::Call(output)) = get(&kw, "output_field") else {
                return Err("GeneratedField output_field not understood".into());
            };
            let inner = deconstruct(&output.path, &output.args, &output.kwargs, cx)?;
            if inner.kind() == Some(GeneratedField) || inner.is_relation() {
                return Err("GeneratedField output_field not understood".into());
            }
            set(
                &mut kw,
                "output_field",
                Val::call(inner.path, inner.args, inner.kwargs),
            );
        }
        CharField | TextField if get(&kw, "db_collation") == Some(&Val::None) => {
            del(&mut kw, "db_collation");
        }
        ForeignKey | OneToOneField | ManyToManyField => {
            let Some((_, to)) = kw.iter_mut().find(|(n, _)| n == "to") else {
                return Err("relation without `to`".into());
            };
            let label = match to.str_or_setting_mut() {
                // Already a lower-cased label (as the models' state writes it): moved, not
                // rebuilt (the value is replaced below).
                Some(s) if is_lower_label(s) => std::mem::take(s),
                Some(s) => normalize_label(s, cx.app_label, cx.model_name),
                None => return Err("relation target not understood statically".into()),
            };
            let swappable = !matches!(get(&kw, "swappable"), Some(Val::Bool(false)));
            del(&mut kw, "swappable");
            let to = if swappable
                && (is_normalized_label_of(&label, cx.auth_user_model) || label == "auth.user")
            {
                Val::setting("AUTH_USER_MODEL".into(), label)
            } else {
                Val::Str(label)
            };
            set(&mut kw, "to", to);
            for k in ["related_name", "related_query_name", "limit_choices_to"] {
                if get(&kw, k) == Some(&Val::None) {
                    del(&mut kw, k);
                }
            }
            if get(&kw, "db_constraint") == Some(&Val::Bool(true)) {
                del(&mut kw, "db_constraint");
            }
            if kind == ManyToManyField {
                for k in ["db_table", "through_fields"] {
                    if get(&kw, k) == Some(&Val::None) {
                        del(&mut kw, k);
                    }
                }
                if let Some(t) = get(&kw, "through") {
                    match t {
                        // Kept as written (Django's deconstruct does not lower-case it).
                        Val::Str(_) => {}
                        Val::None => del(&mut kw, "through"),
                        _ => return Err("through not understood statically".into()),
                    }
                }
                if get(&kw, "symmetrical").is_some() || get(&kw, "through_fields").is_some() {
                    return Err("symmetrical/through_fields".into());
                }
            } else {
                match get(&kw, "on_delete") {
                    Some(Val::Ref(_)) => {}
                    // models.SET(value): its deconstruct() is ("django.db.models.SET", (value,), {}).
                    Some(Val::Call(c))
                        if matches!(
                            c.path.as_str(),
                            "django.db.models.SET" | "django.db.models.deletion.SET"
                        ) && c.args.len() == 1
                            && c.kwargs.is_empty()
                            && matches!(
                                c.args[0],
                                Val::Ref(_) | Val::Str(_) | Val::Int(_) | Val::Bool(_) | Val::None
                            ) =>
                    {
                        let v = Val::call("django.db.models.SET", c.args.clone(), Vec::new());
                        set(&mut kw, "on_delete", v);
                    }
                    _ => return Err("on_delete not understood statically".into()),
                }
                match get(&kw, "db_index") {
                    Some(Val::Bool(false)) => set(&mut kw, "db_index", Val::Bool(false)),
                    Some(Val::Bool(true)) | None => del(&mut kw, "db_index"),
                    Some(_) => return Err("db_index is not a literal bool".into()),
                }
                if get(&kw, "to_field") == Some(&Val::None) {
                    del(&mut kw, "to_field");
                }
                match get(&kw, "to_field") {
                    None | Some(Val::Str(_)) => {}
                    Some(_) => return Err("to_field is not a literal".into()),
                }
                if get(&kw, "parent_link") == Some(&Val::Bool(false)) {
                    del(&mut kw, "parent_link");
                }
                if kind == OneToOneField {
                    del(&mut kw, "unique");
                }
            }
        }
        _ => {}
    }
    let keep_db_index_false = matches!(kind, SlugField | ForeignKey | OneToOneField);
    kw.retain(|(k, v)| {
        if keep_db_index_false && k == "db_index" {
            return true;
        }
        !is_default(k, v)
    });
    kw.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, v) in &mut kw {
        normalize_calls(v);
    }
    Ok(FieldDef {
        path: django_path(kind),
        args: Vec::new(),
        kwargs: kw,
    })
}

/// `django.db.models.<Kind>`, the path `deconstruct()` reports for a Django field class.
pub fn django_path(kind: FieldKind) -> String {
    const MODULE: &str = "django.db.models.";
    let name = kind.name();
    let mut out = String::with_capacity(MODULE.len() + name.len());
    out.push_str(MODULE);
    out.push_str(name);
    out
}

/// Deconstructible objects: keyword arguments in sorted order (Django's writer sorts them and
/// their equality does not depend on it).
#[inline]
pub fn normalize_calls(v: &mut Val) {
    // Most values are scalars (asked for every argument of every field).
    if matches!(
        v,
        Val::Call(_) | Val::List(_) | Val::Tuple(_) | Val::Set(_) | Val::Dict(_)
    ) {
        normalize_nested(v);
    }
}

/// [`normalize_calls`] of a call or a container.
fn normalize_nested(v: &mut Val) {
    match v {
        Val::Call(c) => {
            let Call { path, args, kwargs } = &mut **c;
            kwargs.sort_by(|a, b| a.0.cmp(&b.0));
            // What the constructors store: Index keeps a list of fields, UniqueConstraint a tuple.
            let as_list = path == "django.db.models.Index";
            let as_tuple = path == "django.db.models.UniqueConstraint";
            for (k, a) in kwargs.iter_mut() {
                if k == "fields" {
                    match a {
                        Val::Tuple(x) | Val::List(x) if as_list => {
                            *a = Val::List(std::mem::take(x))
                        }
                        Val::Tuple(x) | Val::List(x) if as_tuple => {
                            *a = Val::Tuple(std::mem::take(x))
                        }
                        _ => {}
                    }
                }
            }
            for a in args {
                normalize_calls(a);
            }
            for (_, a) in kwargs {
                normalize_calls(a);
            }
        }
        Val::List(x) | Val::Tuple(x) | Val::Set(x) => x.iter_mut().for_each(normalize_calls),
        Val::Dict(d) => d.iter_mut().for_each(|(_, a)| normalize_calls(a)),
        _ => {}
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelState {
    pub app_label: String,
    pub name: String,
    pub fields: Vec<(String, FieldDef)>,
    /// Meta options in Django's order of insertion (indexes/constraints included when set).
    pub options: Vec<(String, Val)>,
    /// `None`: `(models.Model,)`.
    pub bases: Vec<Val>,
    pub managers: Vec<(String, Val)>,
}

impl ModelState {
    pub fn name_lower(&self) -> String {
        self.name.to_lowercase()
    }
    pub fn option(&self, k: &str) -> Option<&Val> {
        self.options.iter().find(|(n, _)| n == k).map(|(_, v)| v)
    }
    pub fn set_option(&mut self, k: &str, v: Val) {
        match self.options.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v,
            None => self.options.push((k.to_string(), v)),
        }
    }
    pub fn remove_option(&mut self, k: &str) {
        self.options.retain(|(n, _)| n != k);
    }
    pub fn field(&self, n: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|(f, _)| f == n).map(|(_, d)| d)
    }
    /// Items of a list option (indexes, constraints).
    pub fn list_option(&self, k: &str) -> Vec<Val> {
        self.option(k)
            .and_then(Val::items)
            .map(<[Val]>::to_vec)
            .unwrap_or_default()
    }
}

/// `normalize_together`: a set of tuples of field names.
pub fn normalize_together(v: &Val) -> Option<Val> {
    let items = match v {
        Val::None => return Some(Val::Set(Vec::new())),
        v => v.items()?,
    };
    if items.is_empty() {
        return Some(Val::Set(Vec::new()));
    }
    let groups: Vec<&[Val]> = if items[0].as_str().is_some() {
        vec![items]
    } else {
        items.iter().map(Val::items).collect::<Option<Vec<_>>>()?
    };
    let mut out: Vec<Val> = groups.into_iter().map(|g| Val::Tuple(g.to_vec())).collect();
    out.sort();
    out.dedup();
    Some(Val::Set(out))
}

/// All model states, keyed by (app_label, model_name lower-cased), in insertion order (a hash
/// index over the order: replaying thousands of operations looks models up by key each time).
#[derive(Debug, Clone, Default)]
pub struct ProjectState {
    pub models: StateMap,
}

/// Model states are shared (the replayed state with the migration history's users, the models'
/// state with [`super::models_state`]): a copy is made only when a replayed operation changes
/// a model another state still holds.
pub type StateMap =
    indexmap::IndexMap<(String, String), Arc<ModelState>, rustc_hash::FxBuildHasher>;

/// Equal when the same models are in the same order (order matters to what is written).
impl PartialEq for ProjectState {
    fn eq(&self, other: &Self) -> bool {
        self.models.len() == other.models.len() && self.models.iter().eq(other.models.iter())
    }
}
impl Eq for ProjectState {}

/// A [`StateMap`] key borrowed: hashed as the owned `(String, String)` is (a `str` each), so a
/// lookup needs no key `String`s.
#[derive(Hash)]
struct KeyRef<'a>(&'a str, &'a str);

impl indexmap::Equivalent<(String, String)> for KeyRef<'_> {
    fn equivalent(&self, k: &(String, String)) -> bool {
        self.0 == k.0 && self.1 == k.1
    }
}

/// `name.to_lowercase()`, borrowed when it is lower-case already (model names in operations
/// mostly are not, the keys always are).
fn lower(name: &str) -> std::borrow::Cow<'_, str> {
    if name
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        std::borrow::Cow::Owned(name.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

impl ProjectState {
    /// An empty state with room for `n` models.
    pub fn with_capacity(n: usize) -> Self {
        ProjectState {
            models: StateMap::with_capacity_and_hasher(n, Default::default()),
        }
    }
    pub fn get(&self, app: &str, name: &str) -> Option<&ModelState> {
        self.models.get(&KeyRef(app, &lower(name))).map(|m| &**m)
    }
    fn get_mut(&mut self, app: &str, name: &str) -> Option<&mut ModelState> {
        self.models
            .get_mut(&KeyRef(app, &lower(name)))
            .map(Arc::make_mut)
    }
    pub fn insert(&mut self, s: ModelState) {
        self.insert_shared(Arc::new(s));
    }
    /// [`Self::insert`] of a state held elsewhere too (not copied).
    pub fn insert_shared(&mut self, s: Arc<ModelState>) {
        let key = (s.app_label.clone(), s.name_lower());
        // A replaced model moves to the end, as before (a new one is hashed once).
        match self.models.entry(key) {
            indexmap::map::Entry::Vacant(v) => {
                v.insert(s);
            }
            indexmap::map::Entry::Occupied(o) => {
                let (key, _) = o.shift_remove_entry();
                self.models.insert(key, s);
            }
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

fn s<'a>(op: &'a RawOp, k: &str) -> Result<&'a str, String> {
    op.get(k)
        .and_then(Val::as_str)
        .ok_or_else(|| format!("{}: {k} is not a string", op.name))
}

/// django-taggit's many-to-many manager field and modelcluster's subclass of it: their migration
/// form is their `deconstruct()` output, kept as written.
pub const TAGGABLE_MANAGERS: &[&str] = &[
    "taggit.managers.TaggableManager",
    "modelcluster.contrib.taggit.ClusterTaggableManager",
];

/// Field subclasses of the project that keep their Django base class's `__init__` and
/// `deconstruct` (path -> base kind): they deconstruct like the base, under their own path.
pub type CustomFields = [(String, FieldKind)];

fn field_from(
    v: &Val,
    app: &str,
    model: &str,
    auth_user_model: &str,
    custom: &CustomFields,
) -> Result<FieldDef, String> {
    let Some(Call { path, args, kwargs }) = v.as_call() else {
        return Err("field is not a field instance".into());
    };
    let cx = FieldCx {
        app_label: app,
        model_name: model,
        auth_user_model,
    };
    if TAGGABLE_MANAGERS.contains(&path.as_str()) {
        if !args.is_empty() {
            return Err("TaggableManager with positional arguments".into());
        }
        let mut kwargs = kwargs.to_vec();
        kwargs.sort_by(|a, b| a.0.cmp(&b.0));
        if !matches!(
            kwargs.iter().find(|(k, _)| k == "to"),
            Some((_, Val::Str(_)))
        ) {
            return Err("TaggableManager without a literal `to`".into());
        }
        return Ok(FieldDef {
            path: path.clone(),
            args: Vec::new(),
            kwargs,
        });
    }
    if let Some((_, kind)) = custom.iter().find(|(p, _)| p == path) {
        let mut def = deconstruct(&django_path(*kind), args, kwargs, &cx)?;
        def.path = path.clone();
        return Ok(def);
    }
    deconstruct(path, args, kwargs, &cx)
}

fn with_name(v: &Val) -> Option<String> {
    match v {
        Val::Call(c) => c
            .kwargs
            .iter()
            .find(|(k, _)| k == "name")
            .and_then(|(_, v)| v.as_str())
            .map(str::to_string),
        _ => None,
    }
}

/// Apply one operation of app `app` to the state. `Err`: the operation cannot be replayed exactly.
pub fn apply(
    state: &mut ProjectState,
    app: &str,
    op: &RawOp,
    auth_user_model: &str,
) -> Result<(), String> {
    apply_with(state, app, op, auth_user_model, &[])
}

/// [`apply`], knowing the project's custom field classes.
pub fn apply_with(
    state: &mut ProjectState,
    app: &str,
    op: &RawOp,
    auth_user_model: &str,
    custom: &CustomFields,
) -> Result<(), String> {
    apply_cached(
        state,
        app,
        op,
        auth_user_model,
        custom,
        &mut FieldCache::default(),
    )
}

/// The models and fields an operation declares (`CreateModel`'s, `AddField`/`AlterField`'s one),
/// to size a replay's state and [`FieldCache`] before it starts.
pub fn declared(op: &RawOp) -> (usize, usize) {
    match op.name.as_str() {
        "CreateModel" => (
            1,
            op.get("fields")
                .and_then(Val::items)
                .map_or(0, <[Val]>::len),
        ),
        "AddField" | "AlterField" => (0, 1),
        _ => (0, 0),
    }
}

/// Fields deconstructed during one replay, by the field as the migration writes it: a history
/// repeats the same few field definitions thousands of times. Only fields whose deconstruction
/// does not depend on the model declaring them are kept (see [`context_free`]); the AUTH_USER_MODEL
/// and custom field classes of the replay are the same for all of them.
pub type FieldCache<'a> = rustc_hash::FxHashMap<&'a Val, FieldDef>;

/// Whether [`field_from`] gives the same result for this field in any app and model: no
/// positional arguments, and a relation target that names its app (not `"self"` or a bare
/// model name).
fn context_free(v: &Val) -> bool {
    let Some(Call { args, kwargs, .. }) = v.as_call() else {
        return false;
    };
    args.is_empty()
        && kwargs.iter().all(|(k, v)| match k.as_str() {
            "to" => match v {
                Val::Str(s) => s.contains('.'),
                Val::Setting(s) => s.value.contains('.'),
                _ => false,
            },
            "output_field" => false,
            _ => true,
        })
}

/// [`field_from`] through the replay's [`FieldCache`].
fn cached_field<'a>(
    cache: &mut FieldCache<'a>,
    v: &'a Val,
    app: &str,
    model: &str,
    auth_user_model: &str,
    custom: &CustomFields,
) -> Result<FieldDef, String> {
    if !context_free(v) {
        return field_from(v, app, model, auth_user_model, custom);
    }
    // Hashed once, hit or miss.
    match cache.entry(v) {
        std::collections::hash_map::Entry::Occupied(o) => Ok(o.get().clone()),
        std::collections::hash_map::Entry::Vacant(e) => {
            let def = field_from(v, app, model, auth_user_model, custom)?;
            e.insert(def.clone());
            Ok(def)
        }
    }
}

/// [`apply_with`], sharing a [`FieldCache`] across the operations of one replay.
pub fn apply_cached<'a>(
    state: &mut ProjectState,
    app: &str,
    op: &'a RawOp,
    auth_user_model: &str,
    custom: &CustomFields,
    cache: &mut FieldCache<'a>,
) -> Result<(), String> {
    let missing = |m: &str| format!("{}: model {app}.{m} is not in the migration state", op.name);
    match op.name.as_str() {
        "CreateModel" => {
            let name = s(op, "name")?.to_string();
            let given = op.get("fields").and_then(Val::items).unwrap_or(&[]);
            // Sized once: the state keeps these vectors for the rest of the run.
            let mut fields = Vec::with_capacity(given.len());
            for f in given {
                match f.items() {
                    Some([Val::Str(n), v]) => fields.push((
                        n.clone(),
                        cached_field(cache, v, app, &name, auth_user_model, custom)?,
                    )),
                    _ => return Err("CreateModel: a field is not a (name, field) pair".into()),
                }
            }
            // With room for the `indexes` and `constraints` added below.
            let given_options = match op.get("options") {
                Some(Val::Dict(d)) => d.len(),
                _ => 0,
            };
            let mut options = Vec::with_capacity(given_options + 2);
            match op.get("options") {
                Some(Val::Dict(d)) => {
                    for (k, v) in d {
                        let Some(k) = k.as_str() else {
                            return Err("CreateModel: option key is not a string".into());
                        };
                        let mut v = v.clone();
                        if k == "unique_together" || k == "index_together" {
                            v = normalize_together(&v).ok_or("unique_together not understood")?;
                        }
                        normalize_calls(&mut v);
                        options.push((k.to_string(), v));
                    }
                }
                None | Some(Val::None) => {}
                Some(_) => return Err("CreateModel: options is not a dict".into()),
            }
            let bases = match op.get("bases") {
                Some(b) => b
                    .items()
                    .ok_or("CreateModel: bases is not a tuple")?
                    .to_vec(),
                None => Vec::new(),
            };
            let bases: Vec<Val> = bases
                .into_iter()
                .filter(|b| {
                    !matches!(b, Val::Ref(p)
                        if p == "django.db.models.Model" || p == "django.db.models.base.Model")
                })
                .map(|b| match b {
                    Val::Str(s) => Val::Str(s.to_lowercase()),
                    b => b,
                })
                .collect();
            let given_managers = op.get("managers").and_then(Val::items).unwrap_or(&[]);
            let mut managers = Vec::with_capacity(given_managers.len());
            for m in given_managers {
                match m.items() {
                    Some([Val::Str(n), v]) => managers.push((n.clone(), v.clone())),
                    _ => return Err("CreateModel: a manager is not a (name, manager) pair".into()),
                }
            }
            for k in ["indexes", "constraints"] {
                if !options.iter().any(|(n, _)| n == k) {
                    options.push((k.to_string(), Val::List(Vec::new())));
                }
            }
            state.insert(ModelState {
                app_label: app.to_string(),
                name,
                fields,
                options,
                bases,
                managers,
            });
        }
        "DeleteModel" => {
            let n = s(op, "name")?.to_lowercase();
            // Keys are unique: removing the one key keeps the others' order, like `retain`.
            if state.models.shift_remove(&KeyRef(app, &n)).is_none() {
                return Err(missing(&n));
            }
        }
        "RenameModel" => {
            let old = s(op, "old_name")?.to_string();
            let new = s(op, "new_name")?.to_string();
            let mut m = state
                .models
                .shift_remove(&KeyRef(app, &lower(&old)))
                .ok_or_else(|| missing(&old))?;
            Arc::make_mut(&mut m).name = new.clone();
            state.insert_shared(m);
            let old_label = format!("{app}.{}", old.to_lowercase());
            let new_label = format!("{app}.{}", new.to_lowercase());
            let points_at_old = |k: &String, v: &Val| {
                (k == "to" || k == "through") && matches!(v, Val::Str(s) if *s == old_label)
            };
            for (_, ms) in &mut state.models {
                // Only the models with a relation to the renamed one are copied.
                if !ms
                    .fields
                    .iter()
                    .any(|(_, f)| f.kwargs.iter().any(|(k, v)| points_at_old(k, v)))
                {
                    continue;
                }
                for (_, f) in &mut Arc::make_mut(ms).fields {
                    for (k, v) in &mut f.kwargs {
                        if points_at_old(k, v) {
                            *v = Val::Str(new_label.clone());
                        }
                    }
                }
            }
        }
        "AlterModelTable" | "AlterModelTableComment" => {
            let n = s(op, "name")?.to_string();
            let (key, param) = if op.name == "AlterModelTable" {
                ("db_table", "table")
            } else {
                ("db_table_comment", "table_comment")
            };
            let v = op.get(param).cloned().unwrap_or(Val::None);
            state
                .get_mut(app, &n)
                .ok_or_else(|| missing(&n))?
                .set_option(key, v);
        }
        "AlterUniqueTogether" | "AlterIndexTogether" => {
            let n = s(op, "name")?.to_string();
            let key = if op.name == "AlterUniqueTogether" {
                "unique_together"
            } else {
                "index_together"
            };
            let v = op.get(key).cloned().unwrap_or(Val::None);
            let v = normalize_together(&v).ok_or("together option not understood")?;
            state
                .get_mut(app, &n)
                .ok_or_else(|| missing(&n))?
                .set_option(key, v);
        }
        "AlterModelOptions" => {
            let n = s(op, "name")?.to_string();
            let m = state.get_mut(app, &n).ok_or_else(|| missing(&n))?;
            let Some(Val::Dict(d)) = op.get("options") else {
                return Err("AlterModelOptions: options is not a dict".into());
            };
            let mut new: Vec<String> = Vec::new();
            for (k, v) in d {
                let k = k.as_str().ok_or("option key is not a string")?;
                let mut v = v.clone();
                normalize_calls(&mut v);
                m.set_option(k, v);
                new.push(k.to_string());
            }
            for k in ALTER_OPTION_KEYS {
                if !new.iter().any(|n| n == k) {
                    m.remove_option(k);
                }
            }
        }
        "AlterModelManagers" => {
            let n = s(op, "name")?.to_string();
            let m = state.get_mut(app, &n).ok_or_else(|| missing(&n))?;
            let given = op.get("managers").and_then(Val::items).unwrap_or(&[]);
            let mut managers = Vec::with_capacity(given.len());
            for v in given {
                match v.items() {
                    Some([Val::Str(n), v]) => managers.push((n.clone(), v.clone())),
                    _ => return Err("AlterModelManagers: not (name, manager) pairs".into()),
                }
            }
            m.managers = managers;
        }
        "AlterOrderWithRespectTo" => {
            let n = s(op, "name")?.to_string();
            let v = op
                .get("order_with_respect_to")
                .cloned()
                .unwrap_or(Val::None);
            let m = state.get_mut(app, &n).ok_or_else(|| missing(&n))?;
            if v == Val::None {
                m.remove_option("order_with_respect_to");
            } else {
                m.set_option("order_with_respect_to", v);
            }
        }
        "AddField" | "AlterField" => {
            let model = s(op, "model_name")?.to_string();
            let name = s(op, "name")?.to_string();
            let mname = state
                .get(app, &model)
                .map(|m| m.name.clone())
                .ok_or_else(|| missing(&model))?;
            let mut f = cached_field(
                cache,
                op.get("field").unwrap_or(&Val::None),
                app,
                &mname,
                auth_user_model,
                custom,
            )?;
            if op.get("preserve_default") == Some(&Val::Bool(false)) {
                f.kwargs.retain(|(k, _)| k != "default");
            }
            let m = state.get_mut(app, &model).ok_or_else(|| missing(&model))?;
            match m.fields.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) if op.name == "AlterField" => slot.1 = f,
                None if op.name == "AddField" => m.fields.push((name, f)),
                _ => {
                    return Err(format!(
                        "{} on field {model}.{name} in an unexpected state",
                        op.name
                    ));
                }
            }
        }
        "RemoveField" => {
            let model = s(op, "model_name")?.to_string();
            let name = s(op, "name")?.to_string();
            let m = state.get_mut(app, &model).ok_or_else(|| missing(&model))?;
            let before = m.fields.len();
            m.fields.retain(|(n, _)| *n != name);
            if m.fields.len() == before {
                return Err(format!("RemoveField: no field {model}.{name}"));
            }
        }
        "RenameField" => {
            let model = s(op, "model_name")?.to_string();
            let old = s(op, "old_name")?.to_string();
            let new = s(op, "new_name")?.to_string();
            let m = state.get_mut(app, &model).ok_or_else(|| missing(&model))?;
            let slot = m
                .fields
                .iter_mut()
                .find(|(n, _)| *n == old)
                .ok_or_else(|| format!("RenameField: no field {model}.{old}"))?;
            slot.0 = new.clone();
            for key in ["unique_together", "index_together"] {
                if let Some(Val::Set(groups)) = m.option(key).cloned() {
                    let mut groups: Vec<Val> = groups
                        .into_iter()
                        .map(|g| match g {
                            Val::Tuple(items) => Val::Tuple(
                                items
                                    .into_iter()
                                    .map(|i| {
                                        if i == Val::Str(old.clone()) {
                                            Val::Str(new.clone())
                                        } else {
                                            i
                                        }
                                    })
                                    .collect(),
                            ),
                            g => g,
                        })
                        .collect();
                    groups.sort();
                    m.set_option(key, Val::Set(groups));
                }
            }
            if m.option("order_with_respect_to") == Some(&Val::Str(old.clone())) {
                m.set_option("order_with_respect_to", Val::Str(new));
            }
        }
        "AddIndex" | "AddConstraint" => {
            let model = s(op, "model_name")?.to_string();
            let (key, arg) = if op.name == "AddIndex" {
                ("indexes", "index")
            } else {
                ("constraints", "constraint")
            };
            let mut v = op.get(arg).cloned().ok_or("missing index/constraint")?;
            normalize_calls(&mut v);
            let m = state.get_mut(app, &model).ok_or_else(|| missing(&model))?;
            let mut list = m.list_option(key);
            list.push(v);
            m.set_option(key, Val::List(list));
        }
        "RemoveIndex" | "RemoveConstraint" => {
            let model = s(op, "model_name")?.to_string();
            let name = s(op, "name")?.to_string();
            let key = if op.name == "RemoveIndex" {
                "indexes"
            } else {
                "constraints"
            };
            let m = state.get_mut(app, &model).ok_or_else(|| missing(&model))?;
            let mut list = m.list_option(key);
            list.retain(|i| with_name(i).as_deref() != Some(name.as_str()));
            m.set_option(key, Val::List(list));
        }
        "AlterConstraint" => {
            let model = s(op, "model_name")?.to_string();
            let name = s(op, "name")?.to_string();
            let mut v = op.get("constraint").cloned().ok_or("missing constraint")?;
            normalize_calls(&mut v);
            let m = state.get_mut(app, &model).ok_or_else(|| missing(&model))?;
            let list: Vec<Val> = m
                .list_option("constraints")
                .into_iter()
                .map(|c| {
                    if with_name(&c).as_deref() == Some(name.as_str()) {
                        v.clone()
                    } else {
                        c
                    }
                })
                .collect();
            m.set_option("constraints", Val::List(list));
        }
        "RenameIndex" => {
            let model = s(op, "model_name")?.to_string();
            let new = s(op, "new_name")?.to_string();
            let old = match (op.get("old_name"), op.get("old_fields")) {
                (Some(Val::Str(old)), None | Some(Val::None)) => old,
                (None | Some(Val::None), Some(fields)) if fields.items().is_some() => {
                    // An unnamed index_together entry becomes a named index.
                    let fields = fields.items().unwrap_or(&[]).to_vec();
                    let m = state.get_mut(app, &model).ok_or_else(|| missing(&model))?;
                    let mut list = m.list_option("indexes");
                    let mut index = Val::call(
                        "django.db.models.Index",
                        Vec::new(),
                        vec![
                            ("fields".into(), Val::List(fields.clone())),
                            ("name".into(), Val::Str(new.clone())),
                        ],
                    );
                    normalize_calls(&mut index);
                    list.push(index);
                    m.set_option("indexes", Val::List(list));
                    if let Some(Val::Set(groups)) = m.option("index_together").cloned() {
                        let kept: Vec<Val> = groups
                            .into_iter()
                            .filter(|g| g.items() != Some(fields.as_slice()))
                            .collect();
                        m.set_option("index_together", Val::Set(kept));
                    }
                    return Ok(());
                }
                _ => return Err("RenameIndex: old_name or old_fields not understood".into()),
            };
            let m = state.get_mut(app, &model).ok_or_else(|| missing(&model))?;
            let list: Vec<Val> = m
                .list_option("indexes")
                .into_iter()
                .map(|i| match i {
                    Val::Call(mut c)
                        if c.kwargs
                            .iter()
                            .any(|(k, v)| k == "name" && v.as_str() == Some(old)) =>
                    {
                        for (k, v) in &mut c.kwargs {
                            if k == "name" {
                                *v = Val::Str(new.clone());
                            }
                        }
                        Val::Call(c)
                    }
                    i => i,
                })
                .collect();
            m.set_option("indexes", Val::List(list));
        }
        "SeparateDatabaseAndState" | "RunSQL" => {
            for sub in op
                .get("state_operations")
                .and_then(Val::items)
                .unwrap_or(&[])
            {
                let Some(Call { path, kwargs, .. }) = sub.as_call() else {
                    return Err("state operation not understood".into());
                };
                let raw = RawOp {
                    name: path.rsplit('.').next().unwrap_or_default().to_string(),
                    kwargs: kwargs.clone(),
                    span: op.span,
                };
                apply_with(state, app, &raw, auth_user_model, custom)?;
            }
        }
        "RunPython" => {}
        other => return Err(format!("operation {other} is not replayed by djsa")),
    }
    Ok(())
}
