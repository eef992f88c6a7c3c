//! Reading migration files: the `Migration` class, its dependencies and its operations, with every
//! argument turned into a [`Val`] (the value Django would build when importing the file).

use std::cell::RefCell;

use rustc_hash::FxHashMap;

use crate::db::SourceFile;
use crate::resolve::{Resolved, Resolver};
use crate::span::Span;
use crate::syntax::{ClassDef, Expr, ExprKind, Keyword, PyInt, Stmt, Target};

/// A Python value as a migration (or a model) states it, with names fully qualified.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Val {
    Str(String),
    Int(PyInt),
    /// Python's `repr` of a float.
    Float(String),
    Bool(bool),
    None,
    List(Vec<Val>),
    Tuple(Vec<Val>),
    /// A set display; items kept sorted (Django compares sets, not their order).
    Set(Vec<Val>),
    Dict(Vec<(Val, Val)>),
    /// A deconstructible object: its import path, positional and keyword arguments (boxed: its
    /// three fields would otherwise make every `Val` 80 bytes; the sizes are asserted in
    /// `syntax.rs`).
    Call(Box<Call>),
    /// A module-level object (function, class, constant) by qualified path.
    Ref(String),
    /// `settings.NAME` (boxed, like [`Val::Call`]).
    Setting(Box<Setting>),
}

/// A deconstructible object: `path(*args, **kwargs)`. Ordered by path, then arguments, then
/// keyword arguments (the order `Val` had when these were the variant's own fields).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Call {
    pub path: String,
    pub args: Vec<Val>,
    pub kwargs: Vec<(String, Val)>,
}

/// `settings.NAME` whose value is `value` (a lower-cased model label for swappable models).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Setting {
    pub name: String,
    pub value: String,
}

impl Val {
    /// `path(*args, **kwargs)`.
    pub fn call(path: impl Into<String>, args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Val {
        Val::Call(Box::new(Call {
            path: path.into(),
            args,
            kwargs,
        }))
    }
    /// `settings.NAME` whose value is `value`.
    pub fn setting(name: String, value: String) -> Val {
        Val::Setting(Box::new(Setting { name, value }))
    }
    /// An integer.
    pub fn int(i: i128) -> Val {
        Val::Int(PyInt::new(i))
    }
    pub fn as_call(&self) -> Option<&Call> {
        match self {
            Val::Call(c) => Some(c),
            _ => None,
        }
    }
    /// A string, or the value of a `settings.NAME` reference (a model label for swappable models).
    pub fn str_or_setting_mut(&mut self) -> Option<&mut String> {
        match self {
            Val::Str(s) => Some(s),
            Val::Setting(s) => Some(&mut s.value),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn items(&self) -> Option<&[Val]> {
        match self {
            Val::List(v) | Val::Tuple(v) | Val::Set(v) => Some(v),
            _ => None,
        }
    }
}

/// A migration dependency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dep {
    Node(String, String),
    /// `migrations.swappable_dependency(settings.NAME)`, resolved to the setting's app.
    Swappable {
        setting: String,
        app: String,
    },
}

impl Dep {
    pub fn key(&self) -> (String, String) {
        match self {
            Dep::Node(a, n) => (a.clone(), n.clone()),
            Dep::Swappable { app, .. } => (app.clone(), "__first__".into()),
        }
    }
}

/// One operation as written: its class name and arguments by parameter name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOp {
    pub name: String,
    pub kwargs: Vec<(String, Val)>,
    pub span: Span,
}

impl RawOp {
    pub fn get(&self, k: &str) -> Option<&Val> {
        self.kwargs.iter().find(|(n, _)| n == k).map(|(_, v)| v)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMigration {
    pub dependencies: Vec<Dep>,
    pub replaces: Vec<(String, String)>,
    pub run_before: Vec<(String, String)>,
    pub initial: Option<bool>,
    pub operations: Vec<RawOp>,
    pub class_span: Span,
}

/// Why a migration file cannot be read statically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub span: Span,
    pub reason: String,
    /// A value inside an operation could not be evaluated (a name, a setting, a call): the file
    /// itself is ordinary, djsa only cannot follow it. Reported under `-v 2`, not as a finding.
    pub value_level: bool,
}

fn err<T>(span: Span, reason: impl Into<String>) -> Result<T, Unreadable> {
    Err(Unreadable {
        span,
        reason: reason.into(),
        value_level: false,
    })
}

fn verr<T>(span: Span, reason: impl Into<String>) -> Result<T, Unreadable> {
    Err(Unreadable {
        span,
        reason: reason.into(),
        value_level: true,
    })
}

/// Parameter names of each operation's `__init__`, in order (positional arguments map onto them).
pub fn op_params(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "CreateModel" => &["name", "fields", "options", "bases", "managers"],
        "DeleteModel" => &["name"],
        "RenameModel" => &["old_name", "new_name"],
        "AlterModelTable" => &["name", "table"],
        "AlterModelTableComment" => &["name", "table_comment"],
        "AlterUniqueTogether" => &["name", "unique_together"],
        "AlterIndexTogether" => &["name", "index_together"],
        "AlterModelOptions" => &["name", "options"],
        "AlterModelManagers" => &["name", "managers"],
        "AlterOrderWithRespectTo" => &["name", "order_with_respect_to"],
        "AddField" | "AlterField" => &["model_name", "name", "field", "preserve_default"],
        "RemoveField" => &["model_name", "name"],
        "RenameField" => &["model_name", "old_name", "new_name"],
        "AddIndex" => &["model_name", "index"],
        "RemoveIndex" => &["model_name", "name"],
        "RenameIndex" => &["model_name", "new_name", "old_name", "old_fields"],
        "AddConstraint" => &["model_name", "constraint"],
        "RemoveConstraint" => &["model_name", "name"],
        "AlterConstraint" => &["model_name", "name", "constraint"],
        "SeparateDatabaseAndState" => &["database_operations", "state_operations"],
        "RunPython" => &["code", "reverse_code", "atomic", "hints", "elidable"],
        "RunSQL" => &[
            "sql",
            "reverse_sql",
            "state_operations",
            "hints",
            "elidable",
        ],
        _ => return None,
    })
}

/// Converts expressions of one file into values.
pub struct ValCx<'a, 'db> {
    pub resolver: &'a Resolver<'db>,
    pub file: SourceFile,
    /// Value of settings by name (AUTH_USER_MODEL and other swappable settings).
    pub setting: &'a dyn Fn(&str) -> Option<String>,
    /// Operations of `RunPython`/`RunSQL` keep their code opaque.
    pub opaque_ok: bool,
    /// What `getattr(settings, NAME, default)` sees for a setting.
    pub setting_value: &'a dyn Fn(&str) -> SettingLookup,
    /// Names already read in this file (or any file), shared by the contexts of one reading.
    pub memo: Option<&'a NameMemo>,
}

/// What names read so far stand for, by file and name: a migration names `models.CharField` or
/// `django.db.models.deletion.CASCADE` hundreds of times, and a name's resolution depends only on
/// the file and the name (the resolver's answer for it never changes within a reading).
#[derive(Default)]
pub struct NameMemo {
    /// Called names -> the qualified path of what they call.
    calls: RefCell<FxHashMap<SourceFile, FxHashMap<String, Option<String>>>>,
    /// Names read as values -> the value (a reference or a setting; never a value found by
    /// following an assignment, which depends on the depth it is read at).
    values: RefCell<FxHashMap<SourceFile, FxHashMap<String, Val>>>,
    /// Names of operation classes -> the class they name (when a class djsa reads) and its
    /// qualified path.
    ops: RefCell<FxHashMap<SourceFile, FxHashMap<String, OpHead>>>,
}

/// What an operation's called name stands for: the class djsa reads (if it is one) and its path.
type OpHead = (Option<crate::resolve::ClassId>, Option<String>);

/// A setting as the project's settings module defines it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingLookup {
    /// Set, with a value djsa reads exactly.
    Value(Val),
    /// Certainly not set by the project nor defaulted by Django: `getattr`'s default applies.
    Absent,
    /// Set to something djsa cannot read, or possibly set elsewhere.
    Unknown,
}

/// Names in `django.conf.global_settings` (several Django versions): `getattr(settings, NAME, x)`
/// of one of these gives Django's default, not `x`, when the project does not set it.
pub const DJANGO_GLOBAL_SETTINGS: &[&str] = &[
    "ABSOLUTE_URL_OVERRIDES",
    "ADMINS",
    "ALLOWED_HOSTS",
    "APPEND_SLASH",
    "AUTHENTICATION_BACKENDS",
    "AUTH_PASSWORD_VALIDATORS",
    "AUTH_USER_MODEL",
    "CACHES",
    "CACHE_MIDDLEWARE_ALIAS",
    "CACHE_MIDDLEWARE_KEY_PREFIX",
    "CACHE_MIDDLEWARE_SECONDS",
    "CSRF_COOKIE_AGE",
    "CSRF_COOKIE_DOMAIN",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_MASKED",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_PATH",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_FAILURE_VIEW",
    "CSRF_HEADER_NAME",
    "CSRF_TRUSTED_ORIGINS",
    "CSRF_USE_SESSIONS",
    "DATABASES",
    "DATABASE_ROUTERS",
    "DATA_UPLOAD_MAX_MEMORY_SIZE",
    "DATA_UPLOAD_MAX_NUMBER_FIELDS",
    "DATA_UPLOAD_MAX_NUMBER_FILES",
    "DATETIME_FORMAT",
    "DATETIME_INPUT_FORMATS",
    "DATE_FORMAT",
    "DATE_INPUT_FORMATS",
    "DEBUG",
    "DEBUG_PROPAGATE_EXCEPTIONS",
    "DECIMAL_SEPARATOR",
    "DEFAULT_AUTO_FIELD",
    "DEFAULT_CHARSET",
    "DEFAULT_CONTENT_TYPE",
    "DEFAULT_EXCEPTION_REPORTER",
    "DEFAULT_EXCEPTION_REPORTER_FILTER",
    "DEFAULT_FROM_EMAIL",
    "DEFAULT_HASHING_ALGORITHM",
    "DEFAULT_INDEX_TABLESPACE",
    "DEFAULT_TABLESPACE",
    "DISALLOWED_USER_AGENTS",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_HOST_USER",
    "EMAIL_PORT",
    "EMAIL_SSL_CERTFILE",
    "EMAIL_SSL_KEYFILE",
    "EMAIL_SUBJECT_PREFIX",
    "EMAIL_TIMEOUT",
    "EMAIL_USE_LOCALTIME",
    "EMAIL_USE_SSL",
    "EMAIL_USE_TLS",
    "FILE_CHARSET",
    "FILE_UPLOAD_DIRECTORY_PERMISSIONS",
    "FILE_UPLOAD_HANDLERS",
    "FILE_UPLOAD_MAX_MEMORY_SIZE",
    "FILE_UPLOAD_PERMISSIONS",
    "FILE_UPLOAD_TEMP_DIR",
    "FIRST_DAY_OF_WEEK",
    "FIXTURE_DIRS",
    "FORCE_SCRIPT_NAME",
    "FORMAT_MODULE_PATH",
    "FORMS_URLFIELD_ASSUME_HTTPS",
    "FORM_RENDERER",
    "IGNORABLE_404_URLS",
    "INSTALLED_APPS",
    "INTERNAL_IPS",
    "LANGUAGES",
    "LANGUAGES_BIDI",
    "LANGUAGE_CODE",
    "LANGUAGE_COOKIE_AGE",
    "LANGUAGE_COOKIE_DOMAIN",
    "LANGUAGE_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_NAME",
    "LANGUAGE_COOKIE_PATH",
    "LANGUAGE_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LOCALE_PATHS",
    "LOGGING",
    "LOGGING_CONFIG",
    "LOGIN_REDIRECT_URL",
    "LOGIN_URL",
    "LOGOUT_REDIRECT_URL",
    "MANAGERS",
    "MEDIA_ROOT",
    "MEDIA_URL",
    "MESSAGE_STORAGE",
    "MIDDLEWARE",
    "MIDDLEWARE_CLASSES",
    "MIGRATION_MODULES",
    "MONTH_DAY_FORMAT",
    "NUMBER_GROUPING",
    "PASSWORD_HASHERS",
    "PASSWORD_RESET_TIMEOUT",
    "PASSWORD_RESET_TIMEOUT_DAYS",
    "PREPEND_WWW",
    "SECRET_KEY",
    "SECRET_KEY_FALLBACKS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SECURE_CSP",
    "SECURE_CSP_REPORT_ONLY",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_HSTS_SECONDS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_REFERRER_POLICY",
    "SECURE_SSL_HOST",
    "SECURE_SSL_REDIRECT",
    "SEND_BROKEN_LINK_EMAILS",
    "SERVER_EMAIL",
    "SESSION_CACHE_ALIAS",
    "SESSION_COOKIE_AGE",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_SECURE",
    "SESSION_ENGINE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "SESSION_FILE_PATH",
    "SESSION_SAVE_EVERY_REQUEST",
    "SESSION_SERIALIZER",
    "SHORT_DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SIGNED_COOKIE_LEGACY_SALT_FALLBACK",
    "SIGNING_BACKEND",
    "SILENCED_SYSTEM_CHECKS",
    "STATICFILES_DIRS",
    "STATICFILES_FINDERS",
    "STATIC_ROOT",
    "STATIC_URL",
    "STORAGES",
    "TASKS",
    "TEMPLATES",
    "TEMPLATE_CONTEXT_PROCESSORS",
    "TEMPLATE_DEBUG",
    "TEMPLATE_DIRS",
    "TEMPLATE_LOADERS",
    "TEST_NON_SERIALIZED_APPS",
    "TEST_RUNNER",
    "THOUSAND_SEPARATOR",
    "TIME_FORMAT",
    "TIME_INPUT_FORMATS",
    "TIME_ZONE",
    "URLIZE_ASSUME_HTTPS",
    "USE_BLANK_CHOICE_DASH",
    "USE_DEPRECATED_PYTZ",
    "USE_ETAGS",
    "USE_I18N",
    "USE_L10N",
    "USE_THOUSAND_SEPARATOR",
    "USE_TZ",
    "USE_X_FORWARDED_HOST",
    "USE_X_FORWARDED_PORT",
    "WSGI_APPLICATION",
    "X_FRAME_OPTIONS",
    "YEAR_MONTH_FORMAT",
];

const LAZY_TEXT: &[&str] = &[
    "django.utils.translation.gettext_lazy",
    "django.utils.translation.gettext",
    "django.utils.translation.ugettext_lazy",
    "django.utils.translation.ugettext",
];

impl ValCx<'_, '_> {
    fn module_of(&self, file: SourceFile) -> String {
        file.module(self.resolver.db()).clone().unwrap_or_default()
    }

    /// The qualified path a name refers to.
    pub fn qualify(&self, e: &Expr) -> Option<String> {
        self.qualify_resolved(self.resolver.resolve_expr(self.file, e))
    }

    /// [`Self::qualify_resolved`], for the other readers of this module.
    pub fn qualify_resolved_pub(&self, r: Resolved) -> Option<String> {
        self.qualify_resolved(r)
    }

    /// [`Self::qualify`] of an expression already resolved.
    fn qualify_resolved(&self, r: Resolved) -> Option<String> {
        let db = self.resolver.db();
        match r {
            Resolved::External(q) => Some(canonical_path_owned(q)),
            Resolved::Class(id) => {
                let c = self.resolver.class_def(id)?;
                Some(canonical_path_owned(format!(
                    "{}.{}",
                    self.module_of(id.file),
                    c.name
                )))
            }
            Resolved::Function(f, n) => {
                Some(format!("{}.{n}", f.module(db).clone().unwrap_or_default()))
            }
            Resolved::Module(m) => Some(m),
            _ => None,
        }
    }

    /// The value an expression builds. Literals (most arguments) are read here; anything else
    /// by [`Self::val_slow`].
    #[inline]
    pub fn val(&self, e: &Expr, depth: u32) -> Result<Val, Unreadable> {
        if depth <= 40 {
            match &e.kind {
                ExprKind::Str(s) => return Ok(Val::Str(s.clone())),
                ExprKind::Int(i) => return Ok(Val::Int(*i)),
                ExprKind::Bool(b) => return Ok(Val::Bool(*b)),
                ExprKind::None => return Ok(Val::None),
                _ => {}
            }
        }
        self.val_slow(e, depth)
    }

    /// The qualified path a called name stands for (through the memo when there is one).
    fn call_path(&self, name: &str) -> Option<String> {
        let Some(memo) = self.memo else {
            return self.qualify_resolved(self.resolver.resolve_name(self.file, name));
        };
        if let Some(p) = memo
            .calls
            .borrow()
            .get(&self.file)
            .and_then(|m| m.get(name))
        {
            return p.clone();
        }
        let p = self.qualify_resolved(self.resolver.resolve_name(self.file, name));
        memo.calls
            .borrow_mut()
            .entry(self.file)
            .or_default()
            .insert(name.to_string(), p.clone());
        p
    }

    /// Remember the value a name read as a value stands for.
    fn remember(&self, name: &str, v: &Val) {
        if let Some(memo) = self.memo {
            memo.values
                .borrow_mut()
                .entry(self.file)
                .or_default()
                .insert(name.to_string(), v.clone());
        }
    }

    fn val_slow(&self, e: &Expr, depth: u32) -> Result<Val, Unreadable> {
        if depth > 40 {
            return verr(e.span, "expression nested too deeply");
        }
        Ok(match &e.kind {
            ExprKind::Str(s) => Val::Str(s.clone()),
            ExprKind::Int(i) => Val::Int(*i),
            ExprKind::Float(f) => match float_repr(f) {
                Some(r) => Val::Float(r),
                None => return verr(e.span, format!("float literal {f}")),
            },
            ExprKind::Bool(b) => Val::Bool(*b),
            ExprKind::None => Val::None,
            ExprKind::Unary { op, operand } if op == "-" => match self.val(operand, depth + 1)? {
                Val::Int(i) => Val::Int(PyInt::new(-i.get())),
                Val::Float(f) => Val::Float(format!("-{f}")),
                _ => return verr(e.span, "negated non-number"),
            },
            ExprKind::Unary { op, operand } if op == "not" => {
                match truthy(&self.val(operand, depth + 1)?) {
                    Some(b) => Val::Bool(!b),
                    None => return verr(e.span, "`not` of a value djsa cannot judge"),
                }
            }
            ExprKind::List(items) => Val::List(self.vals(items, depth)?),
            ExprKind::Tuple(items) => Val::Tuple(self.vals(items, depth)?),
            ExprKind::Set(items) => {
                let mut v = self.vals(items, depth)?;
                v.sort();
                v.dedup();
                Val::Set(v)
            }
            ExprKind::Dict(pairs) => {
                let mut out = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let k = self.val(k, depth + 1)?;
                    let v = self.val(v, depth + 1)?;
                    out.retain(|(ok, _): &(Val, Val)| *ok != k);
                    out.push((k, v));
                }
                Val::Dict(out)
            }
            ExprKind::Name(n) => {
                if let Some(memo) = self.memo
                    && let Some(v) = memo
                        .values
                        .borrow()
                        .get(&self.file)
                        .and_then(|m| m.get(n.as_str()))
                {
                    return Ok(v.clone());
                }
                // Resolved once (the name's binding does not change in between).
                let r = self.resolver.resolve_expr(self.file, e);
                if let Some(setting) = n.strip_prefix("settings.")
                    && matches!(&r, Resolved::External(q) if q.starts_with("django.conf.settings"))
                {
                    return match (self.setting)(setting) {
                        Some(v) => {
                            let v = Val::setting(setting.to_string(), v);
                            self.remember(n, &v);
                            Ok(v)
                        }
                        None => verr(
                            e.span,
                            format!("settings.{setting} is not known statically"),
                        ),
                    };
                }
                match r {
                    Resolved::Value(vf, ve) if depth < 8 => {
                        let sub = ValCx {
                            resolver: self.resolver,
                            file: vf,
                            setting: self.setting,
                            opaque_ok: self.opaque_ok,
                            setting_value: self.setting_value,
                            memo: self.memo,
                        };
                        sub.val(&ve, depth + 4)?
                    }
                    r => match self.qualify_resolved(r) {
                        Some(q) => {
                            let v = Val::Ref(q);
                            self.remember(n, &v);
                            v
                        }
                        None => return verr(e.span, format!("name {n} cannot be resolved")),
                    },
                }
            }
            ExprKind::Call {
                func,
                args,
                kwargs,
                has_splat,
            } => {
                if *has_splat {
                    return verr(e.span, "call with *args/**kwargs");
                }
                // Resolved and qualified once, for the builtins and for the call itself (only
                // `getattr`/`set` look at the resolution itself, the rest at the path).
                let (builtin_r, path) = match func.as_name() {
                    Some(n @ ("getattr" | "set")) => {
                        let r = self.resolver.resolve_name(self.file, n);
                        (Some(r.clone()), self.qualify_resolved(r))
                    }
                    Some(n) => (None, self.call_path(n)),
                    None => (
                        None,
                        self.qualify_resolved(self.resolver.resolve_expr(self.file, func)),
                    ),
                };
                if let Some(v) = self.builtin_call(
                    e,
                    func,
                    builtin_r.as_ref(),
                    path.as_deref(),
                    args,
                    kwargs,
                    depth,
                )? {
                    return Ok(v);
                }
                let Some(path) = path else {
                    return verr(func.span, "called object cannot be resolved");
                };
                if LAZY_TEXT.contains(&path.as_str()) && args.len() == 1 && kwargs.is_empty() {
                    return self.val(&args[0], depth + 1);
                }
                // pgettext(context, message): the message, as the serializer writes it.
                if matches!(
                    path.as_str(),
                    "django.utils.translation.pgettext_lazy" | "django.utils.translation.pgettext"
                ) && args.len() == 2
                    && kwargs.is_empty()
                {
                    return self.val(&args[1], depth + 1);
                }
                if path == "django.db.migrations.swappable_dependency" {
                    return verr(e.span, "swappable_dependency outside dependencies");
                }
                let args = self.vals(args, depth)?;
                let mut kw = Vec::with_capacity(kwargs.len());
                for k in kwargs {
                    kw.push((k.name.clone(), self.val(&k.value, depth + 1)?));
                }
                if path == Q_PATH {
                    return match q_new(args, kw) {
                        Some(q) => Ok(q),
                        None => verr(e.span, "Q() with an argument djsa cannot read"),
                    };
                }
                Val::call(path, args, kw)
            }
            ExprKind::BinOp { op, left, right } if matches!(op.as_str(), "|" | "&" | "^") => {
                let l = self.val(left, depth + 1)?;
                let r = self.val(right, depth + 1)?;
                let conn = match op.as_str() {
                    "|" => "OR",
                    "&" => "AND",
                    _ => "XOR",
                };
                match q_combine(l, r, conn) {
                    Some(v) => v,
                    None => return verr(e.span, format!("`{op}` of values other than Q()")),
                }
            }
            ExprKind::BinOp { op, left, right }
                if matches!(op.as_str(), "+" | "-" | "*" | "/" | "%" | "**") =>
            {
                // Combinable: `F("a") * 2` is CombinedExpression(F("a"), "*", Value(2)).
                let l = self.val(left, depth + 1)?;
                let r = self.val(right, depth + 1)?;
                let connector = match op.as_str() {
                    "%" => "%%",
                    "**" => "^",
                    o => o,
                };
                match (is_expression(&l), is_expression(&r)) {
                    (false, false) => {
                        return verr(e.span, format!("`{op}` computed at import time"));
                    }
                    (le, re) => {
                        let wrap = |v: Val, is_expr: bool| -> Option<Val> {
                            if is_expr {
                                return Some(v);
                            }
                            matches!(v, Val::Int(_) | Val::Float(_) | Val::Str(_) | Val::Bool(_))
                                .then(|| Val::call("django.db.models.Value", vec![v], Vec::new()))
                        };
                        match (wrap(l, le), wrap(r, re)) {
                            (Some(l), Some(r)) => Val::call(
                                "django.db.models.expressions.CombinedExpression",
                                vec![l, Val::Str(connector.into()), r],
                                Vec::new(),
                            ),
                            _ => return verr(e.span, format!("`{op}` of values djsa cannot read")),
                        }
                    }
                }
            }
            ExprKind::Unary { op, operand } if op == "~" => {
                match q_parts(&self.val(operand, depth + 1)?) {
                    Some((children, conn, neg)) => q_make(children, &conn, !neg),
                    None => return verr(e.span, "`~` of a value other than Q()"),
                }
            }
            ExprKind::Lambda if self.opaque_ok => Val::Ref("<lambda>".into()),
            _ => return verr(e.span, "expression not understood statically"),
        })
    }

    /// Calls whose result djsa computes: `getattr(settings, "NAME", default)`, `set()`,
    /// `swapper.get_model_name(app_label, model)`. `None`: not one of them. `r`: how the called
    /// name resolved, given when it is `getattr` or `set`.
    #[allow(clippy::too_many_arguments)]
    fn builtin_call(
        &self,
        e: &Expr,
        func: &Expr,
        r: Option<&Resolved>,
        path: Option<&str>,
        args: &[Expr],
        kwargs: &[Keyword],
        depth: u32,
    ) -> Result<Option<Val>, Unreadable> {
        // Most calls are none of them (fields, indexes, ...): told apart by name and path first.
        if !matches!(func.as_name(), Some("getattr" | "set"))
            && !matches!(path, Some("swapper.get_model_name" | "swapper.is_swapped"))
        {
            return Ok(None);
        }
        let builtin = |name: &str| {
            func.as_name() == Some(name)
                && match r {
                    Some(Resolved::External(q)) => q == name || q == &format!("builtins.{name}"),
                    Some(Resolved::Unknown) => true,
                    _ => false,
                }
        };
        if builtin("getattr") {
            let ([obj, name, rest @ ..], true) = (args, kwargs.is_empty()) else {
                return verr(e.span, "getattr() with arguments djsa cannot read");
            };
            let on_settings = matches!(
                self.resolver.resolve_expr(self.file, obj),
                Resolved::External(q) if q == "django.conf.settings"
            );
            let (true, Some(name), [default]) = (on_settings, name.as_str(), rest) else {
                return verr(e.span, "getattr() of something other than a setting");
            };
            return match (self.setting_value)(name) {
                SettingLookup::Value(v) => Ok(Some(v)),
                SettingLookup::Absent => Ok(Some(self.val(default, depth + 1)?)),
                SettingLookup::Unknown => {
                    verr(e.span, format!("settings.{name} is not known statically"))
                }
            };
        }
        if builtin("set") && args.is_empty() && kwargs.is_empty() {
            return Ok(Some(Val::Set(Vec::new())));
        }
        let path = path.unwrap_or_default();
        if matches!(path, "swapper.get_model_name" | "swapper.is_swapped") {
            // swapper.get_model_name(app, model): the swappable setting's value, else "app.Model".
            // The setting's prefix is the app label unless a package changed it with
            // set_app_prefix(): only prefixes djsa knows are followed.
            let ([app, model], true) = (args, kwargs.is_empty()) else {
                return verr(e.span, format!("{path}() with unusual arguments"));
            };
            let (Some(app), Some(model)) = (app.as_str(), model.as_str()) else {
                return verr(e.span, format!("{path}() of non-literal names"));
            };
            let prefix = match app {
                // wagtail.models calls swapper.set_app_prefix("wagtailcore", "wagtail").
                "wagtailcore" => "WAGTAIL".to_string(),
                _ => {
                    return verr(
                        e.span,
                        format!("swapper prefix of app {app} is not known statically"),
                    );
                }
            };
            let setting = format!("{prefix}_{}_MODEL", model.to_uppercase());
            let Some(v) = (self.setting)(&setting) else {
                return verr(
                    e.span,
                    format!("settings.{setting} is not known statically"),
                );
            };
            // is_swapped(): the setting's value when it differs from "app.Model", else False.
            let default = format!("{app}.{model}");
            return Ok(Some(if path == "swapper.get_model_name" {
                Val::Str(v)
            } else if v == default {
                Val::Bool(false)
            } else {
                Val::Str(v)
            }));
        }
        Ok(None)
    }

    fn vals(&self, items: &[Expr], depth: u32) -> Result<Vec<Val>, Unreadable> {
        // Sized once (a `collect` through `Result` cannot know the length).
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            out.push(self.val(i, depth + 1)?);
        }
        Ok(out)
    }
}

const Q_PATH: &str = "django.db.models.Q";

/// A query expression (`F()`, `Value()`, a database function, a combination of them).
fn is_expression(v: &Val) -> bool {
    match v {
        Val::Call(c) => {
            let path = &c.path;
            matches!(
                path.as_str(),
                "django.db.models.F"
                    | "django.db.models.Value"
                    | "django.db.models.Func"
                    | "django.db.models.ExpressionWrapper"
                    | "django.db.models.Case"
                    | "django.db.models.expressions.CombinedExpression"
            ) || path.starts_with("django.db.models.functions.")
        }
        _ => false,
    }
}

/// `Q(*args, _connector=None, _negated=False, **kwargs)` as `Q.deconstruct()` gives it back:
/// the children (positional, then keyword pairs sorted by name) as arguments, `_connector` only
/// when it is not AND, `_negated` only when true.
fn q_new(args: Vec<Val>, kwargs: Vec<(String, Val)>) -> Option<Val> {
    let mut children = args;
    let mut conn = "AND".to_string();
    let mut neg = false;
    let mut pairs: Vec<(String, Val)> = Vec::new();
    for (k, v) in kwargs {
        match (k.as_str(), v) {
            ("_connector", Val::Str(c)) if matches!(c.as_str(), "AND" | "OR" | "XOR") => conn = c,
            ("_connector", Val::None) => {}
            ("_negated", Val::Bool(b)) => neg = b,
            (k, _) if k.starts_with('_') => return None,
            (_, v) => pairs.push((k, v)),
        }
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    children.reserve_exact(pairs.len());
    children.extend(
        pairs
            .into_iter()
            .map(|(k, v)| Val::Tuple(vec![Val::Str(k), v])),
    );
    Some(q_make(children, &conn, neg))
}

fn q_make(children: Vec<Val>, conn: &str, neg: bool) -> Val {
    let mut kwargs = Vec::with_capacity(usize::from(conn != "AND") + usize::from(neg));
    if conn != "AND" {
        kwargs.push(("_connector".to_string(), Val::Str(conn.to_string())));
    }
    if neg {
        kwargs.push(("_negated".to_string(), Val::Bool(true)));
    }
    Val::call(Q_PATH, children, kwargs)
}

/// (children, connector, negated) of a normalized Q value.
pub fn q_parts(v: &Val) -> Option<(Vec<Val>, String, bool)> {
    let Call { path, args, kwargs } = v.as_call()?;
    if path != Q_PATH {
        return None;
    }
    let mut conn = "AND".to_string();
    let mut neg = false;
    for (k, v) in kwargs {
        match (k.as_str(), v) {
            ("_connector", Val::Str(c)) => conn = c.clone(),
            ("_negated", Val::Bool(b)) => neg = *b,
            _ => return None,
        }
    }
    Some((args.clone(), conn, neg))
}

/// `tree.Node.add(data, conn_type)` on a node whose connector is already `conn`.
fn q_add(children: &mut Vec<Val>, data: Val, conn: &str) {
    if let Some((dc, dconn, dneg)) = q_parts(&data)
        && !dneg
        && (dconn == conn || dc.len() == 1)
    {
        children.extend(dc);
        return;
    }
    children.push(data);
}

/// `Q._combine(other, conn)`: `a | b`, `a & b`, `a ^ b`.
fn q_combine(a: Val, b: Val, conn: &str) -> Option<Val> {
    let (ac, _, _) = q_parts(&a)?;
    let (bc, _, _) = q_parts(&b)?;
    if ac.is_empty() {
        return Some(b);
    }
    if bc.is_empty() {
        return Some(a);
    }
    let mut children = Vec::new();
    q_add(&mut children, a, conn);
    q_add(&mut children, b, conn);
    Some(q_make(children, conn, false))
}

/// Django's own modules by the path its deconstruct methods report.
pub fn canonical_path(q: &str) -> String {
    canonical_rewrite(q).unwrap_or_else(|| q.to_string())
}

/// [`canonical_path`] of a path the caller owns: kept (not copied) when it is canonical already.
fn canonical_path_owned(q: String) -> String {
    canonical_rewrite(&q).unwrap_or(q)
}

/// The path [`canonical_path`] gives when it differs from `q`; `None`: `q` is canonical.
fn canonical_rewrite(q: &str) -> Option<String> {
    // Every rule is about a module of `django.db` (most paths asked for are not rewritten).
    if !q.starts_with("django.db.") {
        return None;
    }
    if let Some((module, name)) = crate::resolve::rsplit_dot(q) {
        // No other rule is about `django.db.models` itself (and a path already in
        // `django.db.models.deletion` is canonical).
        if module == "django.db.models" {
            return is_deletion(name).then(|| format!("django.db.models.deletion.{name}"));
        }
        if module == "django.db.models.functions"
            || module.starts_with("django.db.models.functions.")
        {
            // Database functions deconstruct to the module that defines them.
            const TEXT: &[&str] = &[
                "Chr",
                "Concat",
                "ConcatPair",
                "Left",
                "Length",
                "Lower",
                "LPad",
                "LTrim",
                "MD5",
                "Ord",
                "Repeat",
                "Replace",
                "Reverse",
                "Right",
                "RPad",
                "RTrim",
                "SHA1",
                "SHA224",
                "SHA256",
                "SHA384",
                "SHA512",
                "StrIndex",
                "Substr",
                "Trim",
                "Upper",
            ];
            const COMPARISON: &[&str] = &[
                "Cast",
                "Coalesce",
                "Collate",
                "Greatest",
                "Least",
                "NullIf",
                "JSONObject",
            ];
            const MATH: &[&str] = &[
                "Abs", "ACos", "ASin", "ATan", "ATan2", "Ceil", "Cos", "Cot", "Degrees", "Exp",
                "Floor", "Ln", "Log", "Mod", "Pi", "Power", "Radians", "Random", "Round", "Sign",
                "Sin", "Sqrt", "Tan",
            ];
            let sub = if TEXT.contains(&name) {
                "text"
            } else if COMPARISON.contains(&name) {
                "comparison"
            } else if MATH.contains(&name) {
                "math"
            } else if name.starts_with("Extract") || name.starts_with("Trunc") || name == "Now" {
                "datetime"
            } else {
                return None;
            };
            return Some(format!("django.db.models.functions.{sub}.{name}"));
        }
        if module.starts_with("django.db.models.fields")
            || module == "django.db.models.indexes"
            || module == "django.db.models.constraints"
            || module == "django.db.models.query_utils"
            || (module == "django.db.models.expressions"
                && matches!(
                    name,
                    "F" | "Func"
                        | "Value"
                        | "JSONNull"
                        | "ExpressionWrapper"
                        | "When"
                        | "Case"
                        | "OrderBy"
                ))
        {
            return Some(format!("django.db.models.{name}"));
        }
        if module == "django.db.migrations.operations"
            || module.starts_with("django.db.migrations.operations.")
        {
            return Some(format!("django.db.migrations.{name}"));
        }
    }
    None
}

/// The `on_delete` handlers of `django.db.models.deletion` (a `match`: asked for every name of
/// `django.db.models`).
fn is_deletion(name: &str) -> bool {
    matches!(
        name,
        "CASCADE"
            | "PROTECT"
            | "RESTRICT"
            | "SET_NULL"
            | "SET_DEFAULT"
            | "DO_NOTHING"
            | "SET"
            | "DB_CASCADE"
            | "DB_SET_DEFAULT"
            | "DB_SET_NULL"
    )
}

/// Python's repr of a float literal, for the simple forms (`1.5`, `2.0`, `1e3` is refused).
fn float_repr(text: &str) -> Option<String> {
    let t = text.replace('_', "");
    if t.contains(['e', 'E', 'j', 'J']) {
        return None;
    }
    let (int, frac) = t.split_once('.')?;
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    let frac = if frac.is_empty() { "0" } else { frac };
    if int.len() + frac.len() > 15 {
        return None;
    }
    Some(format!("{int}.{frac}"))
}

fn migration_class(body: &[Stmt]) -> Option<&ClassDef> {
    body.iter().rev().find_map(|s| match s {
        Stmt::Class(c) if c.name == "Migration" => Some(&**c),
        _ => None,
    })
}

/// Read a migration module.
pub fn parse_migration(
    cx: &ValCx<'_, '_>,
    body: &[Stmt],
    app_label: &str,
) -> Result<ParsedMigration, Unreadable> {
    let Some(class) = migration_class(body) else {
        return err(Span::default(), "no `class Migration` in the file");
    };
    let base_ok = class.bases.iter().any(|b| {
        matches!(
            cx.qualify(b).as_deref(),
            Some("django.db.migrations.Migration" | "django.db.migrations.migration.Migration")
        )
    });
    if !base_ok {
        return err(
            class.name_span,
            "Migration does not subclass migrations.Migration",
        );
    }
    let mut out = ParsedMigration {
        dependencies: Vec::new(),
        replaces: Vec::new(),
        run_before: Vec::new(),
        initial: None,
        operations: Vec::new(),
        class_span: class.name_span,
    };
    class_body(cx, &class.body, &mut out, &mut false)?;
    let _ = app_label;
    Ok(out)
}

/// The statements of the `Migration` class body, in order. An `if` whose condition djsa knows
/// (a setting read with `getattr(settings, ...)`, `swapper.is_swapped(...)`, a literal) runs its
/// branch; `operations += [...]` extends the list.
fn class_body(
    cx: &ValCx<'_, '_>,
    body: &[Stmt],
    out: &mut ParsedMigration,
    ops_assigned: &mut bool,
) -> Result<(), Unreadable> {
    for s in body {
        match s {
            Stmt::Assign { targets, value, .. } => {
                let [Target::Name(name, _)] = targets.as_slice() else {
                    continue;
                };
                match name.as_str() {
                    "dependencies" => out.dependencies = deps(cx, value)?,
                    "replaces" => out.replaces = pairs(value)?,
                    "run_before" => out.run_before = pairs(value)?,
                    "initial" => match value.as_bool() {
                        Some(b) => out.initial = Some(b),
                        None => return err(value.span, "initial is not a literal bool"),
                    },
                    "operations" => {
                        let Some(items) = value.as_sequence() else {
                            return err(value.span, "operations is not a list");
                        };
                        out.operations.clear();
                        *ops_assigned = true;
                        for op in items {
                            out.operations.push(operation(cx, op)?);
                        }
                    }
                    _ => {}
                }
            }
            Stmt::AugAssign {
                target,
                op,
                value,
                span,
            } if target == "operations" => {
                let (true, true, ExprKind::List(items)) = (*ops_assigned, op == "+", &value.kind)
                else {
                    return err(*span, "operations is extended at import time");
                };
                for op in items {
                    out.operations.push(operation(cx, op)?);
                }
            }
            Stmt::AugAssign { target, span, .. } if target == "dependencies" => {
                return err(*span, format!("{target} is extended at import time"));
            }
            Stmt::If {
                condition,
                body,
                orelse,
                span,
            } => match cx.val(condition, 0).ok().as_ref().and_then(truthy) {
                Some(true) => class_body(cx, body, out, ops_assigned)?,
                Some(false) => class_body(cx, orelse, out, ops_assigned)?,
                None => return err(*span, "Migration class body has conditional code"),
            },
            Stmt::Try { span, .. } | Stmt::Opaque { span, .. } => {
                return err(*span, "Migration class body has conditional code");
            }
            _ => {}
        }
    }
    Ok(())
}

/// Python's truth value of a plain value (`None` for objects djsa does not evaluate).
fn truthy(v: &Val) -> Option<bool> {
    Some(match v {
        Val::Bool(b) => *b,
        Val::None => false,
        Val::Int(i) => i.get() != 0,
        Val::Str(s) => !s.is_empty(),
        Val::List(v) | Val::Tuple(v) | Val::Set(v) => !v.is_empty(),
        Val::Dict(v) => !v.is_empty(),
        _ => return None,
    })
}

fn pairs(value: &Expr) -> Result<Vec<(String, String)>, Unreadable> {
    let Some(items) = value.as_sequence() else {
        return err(
            value.span,
            "expected a list of (app_label, migration_name) pairs",
        );
    };
    let mut out = Vec::new();
    for i in items {
        match i.as_sequence() {
            Some([a, b]) if a.as_str().is_some() && b.as_str().is_some() => out.push((
                a.as_str().unwrap_or_default().to_string(),
                b.as_str().unwrap_or_default().to_string(),
            )),
            _ => return err(i.span, "expected a pair of strings"),
        }
    }
    Ok(out)
}

fn deps(cx: &ValCx<'_, '_>, value: &Expr) -> Result<Vec<Dep>, Unreadable> {
    let Some(items) = value.as_sequence() else {
        return err(value.span, "dependencies is not a list");
    };
    let mut out = Vec::new();
    for i in items {
        if let ExprKind::Call { func, args, .. } = &i.kind
            && cx.qualify(func).as_deref() == Some("django.db.migrations.swappable_dependency")
        {
            let setting = args
                .first()
                .and_then(Expr::as_name)
                .and_then(|n| n.strip_prefix("settings."));
            let Some(setting) = setting else {
                return err(
                    i.span,
                    "swappable_dependency of something other than a setting",
                );
            };
            let Some(v) = (cx.setting)(setting) else {
                return err(
                    i.span,
                    format!("settings.{setting} is not known statically"),
                );
            };
            let app = v.split('.').next().unwrap_or_default().to_string();
            out.push(Dep::Swappable {
                setting: setting.to_string(),
                app,
            });
            continue;
        }
        match i.as_sequence() {
            Some([a, b]) if a.as_str().is_some() && b.as_str().is_some() => out.push(Dep::Node(
                a.as_str().unwrap_or_default().to_string(),
                b.as_str().unwrap_or_default().to_string(),
            )),
            _ => return err(i.span, "dependency is not an (app_label, name) pair"),
        }
    }
    Ok(out)
}

fn operation(cx: &ValCx<'_, '_>, e: &Expr) -> Result<RawOp, Unreadable> {
    let ExprKind::Call {
        func,
        args,
        kwargs,
        has_splat,
    } = &e.kind
    else {
        return err(e.span, "operation is not a call");
    };
    if *has_splat {
        return err(e.span, "operation called with *args/**kwargs");
    }
    let head = |r: Resolved| -> OpHead {
        let class = match &r {
            Resolved::Class(id) => Some(*id),
            _ => None,
        };
        (class, cx.qualify_resolved(r))
    };
    // Resolved once per name of the file (a migration repeats `migrations.CreateModel`).
    let (class, path) = match (func.as_name(), cx.memo) {
        (Some(n), Some(memo)) => {
            let known = memo
                .ops
                .borrow()
                .get(&cx.file)
                .and_then(|m| m.get(n))
                .cloned();
            match known {
                Some(h) => h,
                None => {
                    let h = head(cx.resolver.resolve_name(cx.file, n));
                    memo.ops
                        .borrow_mut()
                        .entry(cx.file)
                        .or_default()
                        .insert(n.to_string(), h.clone());
                    h
                }
            }
        }
        _ => head(cx.resolver.resolve_expr(cx.file, func)),
    };
    if let Some(id) = class
        && runpython_without_state(cx, id, 0)
    {
        // A RunPython subclass that keeps RunPython's `state_forwards` (a no-op): its arguments
        // only feed the code it runs.
        return Ok(RawOp {
            name: "RunPython".into(),
            kwargs: vec![("code".into(), Val::Ref("<code>".into()))],
            span: e.span,
        });
    }
    let path = path.unwrap_or_default();
    let name = match path.strip_prefix("django.db.migrations.") {
        Some(n) if op_params(n).is_some() => n.to_string(),
        _ => {
            return err(
                func.span,
                "operation class not understood (custom operation?)",
            );
        }
    };
    let params = op_params(&name).unwrap_or(&[]);
    let opaque = matches!(name.as_str(), "RunPython" | "RunSQL");
    let sub = ValCx {
        resolver: cx.resolver,
        file: cx.file,
        setting: cx.setting,
        opaque_ok: opaque,
        setting_value: cx.setting_value,
        memo: cx.memo,
    };
    let mut out = Vec::with_capacity(args.len() + kwargs.len());
    for (i, a) in args.iter().enumerate() {
        let Some(p) = params.get(i) else {
            return err(a.span, "too many positional arguments");
        };
        out.push((p.to_string(), op_arg(&sub, &name, p, a)?));
    }
    for k in kwargs {
        out.push((k.name.clone(), op_arg(&sub, &name, &k.name, &k.value)?));
    }
    Ok(RawOp {
        name,
        kwargs: out,
        span: e.span,
    })
}

/// Whether a class is `migrations.RunPython` or a subclass of it (through classes djsa reads)
/// where no class defines or assigns `state_forwards`, so the operation leaves the state alone.
fn runpython_without_state(cx: &ValCx<'_, '_>, id: crate::resolve::ClassId, depth: u32) -> bool {
    if depth > 8 {
        return false;
    }
    if cx.qualify_resolved(Resolved::Class(id)).as_deref() == Some("django.db.migrations.RunPython")
    {
        // RunPython itself when it is a base (the operation proper is read as usual).
        return depth > 0;
    }
    let Some(class) = cx.resolver.class_def(id) else {
        return false;
    };
    if !class.keywords.is_empty() || !class.decorators.is_empty() || class.bases.len() != 1 {
        return false;
    }
    let defines_state = class.body.iter().any(|s| match s {
        Stmt::Function(f) => f.name == "state_forwards",
        Stmt::Assign { targets, .. } => targets
            .iter()
            .any(|t| !matches!(t, Target::Name(n, _) if n != "state_forwards")),
        Stmt::Opaque { .. } | Stmt::If { .. } | Stmt::Try { .. } => true,
        _ => false,
    });
    if defines_state {
        return false;
    }
    let base_cx = ValCx {
        resolver: cx.resolver,
        file: id.file,
        setting: cx.setting,
        opaque_ok: false,
        setting_value: cx.setting_value,
        memo: cx.memo,
    };
    match cx.resolver.resolve_expr(id.file, &class.bases[0]) {
        Resolved::Class(b) => runpython_without_state(&base_cx, b, depth + 1),
        r => matches!(
            base_cx.qualify_resolved(r).as_deref(),
            Some("django.db.migrations.RunPython")
        ),
    }
}

fn op_arg(cx: &ValCx<'_, '_>, op: &str, param: &str, e: &Expr) -> Result<Val, Unreadable> {
    // Code of RunPython / SQL of RunSQL does not change the state: keep it opaque.
    let opaque_param = matches!(
        (op, param),
        ("RunPython", "code" | "reverse_code" | "hints")
            | ("RunSQL", "sql" | "reverse_sql" | "hints")
    );
    if opaque_param {
        return Ok(Val::Ref("<code>".into()));
    }
    if matches!(param, "state_operations" | "database_operations") {
        let Some(items) = e.as_sequence() else {
            return err(e.span, format!("{param} is not a list"));
        };
        let mut ops = Vec::with_capacity(items.len());
        for i in items {
            let raw = operation(cx, i)?;
            ops.push(Val::call(
                format!("django.db.migrations.{}", raw.name),
                Vec::new(),
                raw.kwargs,
            ));
        }
        return Ok(Val::List(ops));
    }
    cx.val(e, 0)
}
