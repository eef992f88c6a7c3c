//! The "to" state: `ModelState.from_model` for every model of an app, built from the project model.

use crate::checks::view::View;
use crate::db::{Db, Project, SourceFile};
use crate::fields::FieldKind;
use crate::project::{Field, Model, Parent};
use crate::resolve::{ClassId, Resolved, Resolver};
use crate::syntax::{ClassDef, Expr, ExprKind, Stmt, Target};

use super::parse::{Call, NameMemo, Val, ValCx};
use super::state::{
    FieldCx, FieldDef, ModelState, deconstruct_kind, django_path, normalize_calls,
    normalize_together,
};

const DEFAULT_NAMES: &[&str] = &[
    "verbose_name",
    "verbose_name_plural",
    "db_table",
    "db_table_comment",
    "ordering",
    "unique_together",
    "permissions",
    "get_latest_by",
    "order_with_respect_to",
    "app_label",
    "db_tablespace",
    "abstract",
    "managed",
    "proxy",
    "swappable",
    "auto_created",
    "apps",
    "default_permissions",
    "select_on_save",
    "default_related_name",
    "required_db_features",
    "required_db_vendor",
    "base_manager_name",
    "default_manager_name",
    "indexes",
    "constraints",
];

/// The position of a name in [`DEFAULT_NAMES`] (a `match`: asked for every Meta attribute).
fn default_name_index(name: &str) -> Option<u32> {
    Some(match name {
        "verbose_name" => 0,
        "verbose_name_plural" => 1,
        "db_table" => 2,
        "db_table_comment" => 3,
        "ordering" => 4,
        "unique_together" => 5,
        "permissions" => 6,
        "get_latest_by" => 7,
        "order_with_respect_to" => 8,
        "app_label" => 9,
        "db_tablespace" => 10,
        "abstract" => 11,
        "managed" => 12,
        "proxy" => 13,
        "swappable" => 14,
        "auto_created" => 15,
        "apps" => 16,
        "default_permissions" => 17,
        "select_on_save" => 18,
        "default_related_name" => 19,
        "required_db_features" => 20,
        "required_db_vendor" => 21,
        "base_manager_name" => 22,
        "default_manager_name" => 23,
        "indexes" => 24,
        "constraints" => 25,
        _ => return None,
    })
}

/// A field's deconstruction, by the field (see [`FromProject::inherited`]).
type InheritedFields = rustc_hash::FxHashMap<*const Field, FieldDef>;

/// Managers a model's own class body declares (see [`FromProject::check_body`]).
type OwnManagers = Result<Vec<(String, Val, bool)>, String>;

pub struct FromProject<'a, 'db> {
    /// The project, read model by model (see `checks::view`): a model's state depends on the
    /// models it reads, not on every model of the project.
    pub pm: &'a View<'db>,
    pub resolver: &'a Resolver<'db>,
    pub setting: &'a dyn Fn(&str) -> Option<String>,
    pub setting_value: &'a dyn Fn(&str) -> crate::migrations::parse::SettingLookup,
    /// What the names read so far stand for (see [`NameMemo`]).
    pub memo: &'a NameMemo,
    /// Fields of abstract ancestors already deconstructed for another model: one whose
    /// deconstruction does not depend on the model inheriting it (no relation, no custom class)
    /// is the same for every model.
    pub inherited: std::cell::RefCell<InheritedFields>,
    /// The managers each model's own class body declares, by model (ancestors are read once
    /// for all the models inheriting from them).
    pub own_managers: std::cell::RefCell<rustc_hash::FxHashMap<usize, OwnManagers>>,
    /// Classes looked up so far (each lookup is a query of its own).
    pub classes: std::cell::RefCell<rustc_hash::FxHashMap<ClassId, Option<&'db ClassDef>>>,
    /// The class a (dotted) name of a file names, when it is one, by file and name.
    pub class_names: std::cell::RefCell<ClassNames>,
}

/// See [`FromProject::class_names`].
type ClassNames = rustc_hash::FxHashMap<SourceFile, rustc_hash::FxHashMap<String, Option<ClassId>>>;

impl<'db> FromProject<'_, 'db> {
    /// [`Resolver::class_def`], once per class.
    fn class_def(&self, id: ClassId) -> Option<&'db ClassDef> {
        if let Some(c) = self.classes.borrow().get(&id) {
            return *c;
        }
        let c = self.resolver.class_def(id);
        self.classes.borrow_mut().insert(id, c);
        c
    }

    /// The class a name of a file resolves to (`None`: something else), once per name.
    fn class_named(&self, file: SourceFile, name: &str) -> Option<ClassId> {
        if let Some(c) = self
            .class_names
            .borrow()
            .get(&file)
            .and_then(|m| m.get(name))
        {
            return *c;
        }
        let c = match self.resolver.resolve_name(file, name) {
            Resolved::Class(id) => Some(id),
            _ => None,
        };
        self.class_names
            .borrow_mut()
            .entry(file)
            .or_default()
            .insert(name.to_string(), c);
        c
    }

    fn cx(&self, file: SourceFile) -> ValCx<'_, '_> {
        ValCx {
            resolver: self.resolver,
            file,
            setting: self.setting,
            opaque_ok: false,
            setting_value: self.setting_value,
            memo: Some(self.memo),
        }
    }

    /// Default primary key class path for the model's app.
    fn default_pk(&self, m: &Model) -> Result<String, String> {
        let app = m.app_label.as_deref().and_then(|l| self.pm.app(l));
        let path = app
            .and_then(|a| a.default_auto_field.clone())
            .or_else(|| self.pm.settings.default_auto_field.clone())
            .unwrap_or_else(|| {
                if self.pm.django_version >= (6, 0) {
                    "django.db.models.BigAutoField".into()
                } else {
                    "django.db.models.AutoField".into()
                }
            });
        if path == "?" {
            return Err("DEFAULT_AUTO_FIELD is not known statically".into());
        }
        Ok(path)
    }

    /// Fields in Django's order (abstract ancestors' first, then own), with the model that
    /// declares each one.
    fn local_fields<'m>(
        &'m self,
        idx: usize,
        out: &mut Vec<&'m Field>,
        depth: u32,
    ) -> Result<(), String> {
        if depth > 20 {
            return Err("inheritance too deep".into());
        }
        let m = &self.pm.models[idx];
        for p in &m.parents {
            match p {
                Parent::Base => {}
                Parent::Model(pidx) if self.pm.models[*pidx].abstract_ => {
                    self.local_fields(*pidx, out, depth + 1)?;
                }
                Parent::Model(_) if depth == 0 => {}
                Parent::Model(_) => {
                    return Err("multi-table inheritance through an abstract model".into());
                }
                Parent::Mixin => return Err("a mixin base class".into()),
                Parent::Unknown(b) => return Err(format!("base class {b} is not understood")),
            }
        }
        for f in m.own_fields.iter() {
            out.retain(|o| o.name != f.name);
            out.push(f);
        }
        Ok(())
    }

    /// Whether a manager class sets `use_in_migrations = True` (itself or a base in the files).
    fn use_in_migrations(&self, id: crate::resolve::ClassId, depth: u32) -> Result<bool, String> {
        if depth > 20 {
            return Err("manager class hierarchy too deep".into());
        }
        let c = self
            .resolver
            .class_def(id)
            .ok_or("manager class not found")?;
        for s in &c.body {
            if let Stmt::Assign { targets, value, .. } = s
                && matches!(targets.as_slice(), [Target::Name(n, _)] if n == "use_in_migrations")
            {
                return value
                    .as_bool()
                    .ok_or_else(|| "use_in_migrations is not a literal".into());
            }
        }
        for b in &c.bases {
            match self.resolver.resolve_expr(id.file, b) {
                Resolved::Class(p) => {
                    if self.use_in_migrations(p, depth + 1)? {
                        return Ok(true);
                    }
                }
                Resolved::External(q) if q.starts_with("django.db.models") => {}
                Resolved::External(q) if q.starts_with("django.contrib.auth.base_user") => {}
                _ => return Err("manager base class not understood".into()),
            }
        }
        Ok(false)
    }

    /// The class (or a base in the files) defines `contribute_to_class`.
    fn contributes(&self, id: crate::resolve::ClassId, depth: u32) -> bool {
        if depth > 20 {
            return true;
        }
        let Some(c) = self.class_def(id) else {
            return true;
        };
        if c.body
            .iter()
            .any(|s| matches!(s, Stmt::Function(f) if f.name == "contribute_to_class"))
        {
            return true;
        }
        c.bases
            .iter()
            .any(|b| match self.resolver.resolve_expr(id.file, b) {
                Resolved::Class(p) => self.contributes(p, depth + 1),
                _ => false,
            })
    }

    fn is_manager_class(&self, id: crate::resolve::ClassId, depth: u32) -> Result<bool, String> {
        if depth > 20 {
            return Err("class hierarchy too deep".into());
        }
        let c = self.class_def(id).ok_or("class not found")?;
        for b in &c.bases {
            match self.resolver.resolve_expr(id.file, b) {
                Resolved::Class(p) => {
                    if self.is_manager_class(p, depth + 1)? {
                        return Ok(true);
                    }
                }
                Resolved::External(q) => {
                    if q.starts_with("django.db.models") && q.contains("Manager")
                        || q == "django.contrib.auth.base_user.BaseUserManager"
                    {
                        return Ok(true);
                    }
                }
                Resolved::Function(..) | Resolved::Module(_) => {}
                _ => return Err("base class not understood".into()),
            }
        }
        Ok(false)
    }

    /// A subclass of Django's `QuerySet` (through classes djsa reads) where no class defines
    /// `as_manager`: `as_manager()` then builds a manager with `use_in_migrations = False`.
    fn is_plain_queryset(&self, id: crate::resolve::ClassId, depth: u32) -> bool {
        if depth > 20 {
            return false;
        }
        let cx = self.cx(id.file);
        if matches!(
            cx.qualify_resolved_pub(Resolved::Class(id)).as_deref(),
            Some("django.db.models.QuerySet" | "django.db.models.query.QuerySet")
        ) {
            return true;
        }
        let Some(c) = self.class_def(id) else {
            return false;
        };
        let redefines = may_define_as_manager(c);
        if redefines || !c.keywords.is_empty() {
            return false;
        }
        let mut reaches = false;
        for b in &c.bases {
            match self.resolver.resolve_expr(id.file, b) {
                Resolved::Class(p) => {
                    if self.is_plain_queryset(p, depth + 1) {
                        reaches = true;
                    } else if !self.plain_mixin(p, depth + 1) {
                        return false;
                    }
                }
                Resolved::External(q) => {
                    let q = crate::migrations::parse::canonical_path(&q);
                    match q.as_str() {
                        "django.db.models.QuerySet" | "django.db.models.query.QuerySet" => {
                            reaches = true
                        }
                        // Python's own base class adds nothing.
                        "object" | "builtins.object" => {}
                        _ => return false,
                    }
                }
                _ => return false,
            }
        }
        reaches
    }

    /// A mixin class (read by djsa, with readable bases) that defines no `as_manager`.
    fn plain_mixin(&self, id: crate::resolve::ClassId, depth: u32) -> bool {
        if depth > 20 {
            return false;
        }
        let Some(c) = self.class_def(id) else {
            return false;
        };
        let redefines = may_define_as_manager(c);
        !redefines
            && c.keywords.is_empty()
            && c.bases
                .iter()
                .all(|b| match self.resolver.resolve_expr(id.file, b) {
                    Resolved::Class(p) => self.plain_mixin(p, depth + 1),
                    _ => false,
                })
    }

    /// Managers in declaration order (ancestors first): (name, manager value, use_in_migrations).
    fn check_body(
        &self,
        idx: usize,
        managers: &mut Vec<(String, Val, bool)>,
        depth: u32,
    ) -> Result<(), String> {
        if depth > 20 {
            return Err("inheritance too deep".into());
        }
        let m = &self.pm.models[idx];
        for p in &m.parents {
            if let Parent::Model(pidx) = p {
                self.check_body(*pidx, managers, depth + 1)?;
            }
        }
        let known = self.own_managers.borrow().get(&idx).cloned();
        let own = match known {
            Some(own) => own,
            None => {
                let own = self.own_managers_of(idx);
                self.own_managers.borrow_mut().insert(idx, own.clone());
                own
            }
        };
        for entry in own? {
            managers.retain(|(n, _, _)| *n != entry.0);
            managers.push(entry);
        }
        Ok(())
    }

    /// The managers a model's own class body declares, in order (its part of [`Self::check_body`]).
    fn own_managers_of(&self, idx: usize) -> OwnManagers {
        let m = &self.pm.models[idx];
        let mut managers: Vec<(String, Val, bool)> = Vec::new();
        let Some(class) = self.class_def(m.class) else {
            return Err("class not found".into());
        };
        for s in &class.body {
            let Stmt::Assign { targets, value, .. } = s else {
                continue;
            };
            let [Target::Name(name, _)] = targets.as_slice() else {
                continue;
            };
            if m.own_fields.iter().any(|f| &f.name == name) {
                continue;
            }
            if let ExprKind::Call {
                func, args, kwargs, ..
            } = &value.kind
            {
                let plain = Val::call("django.db.models.manager.Manager", Vec::new(), Vec::new());
                // `SomeQuerySet.as_manager()`: a manager that is not used in migrations.
                let as_manager = func
                    .as_name()
                    .and_then(|n| n.strip_suffix(".as_manager"))
                    .map(|qs| self.resolver.resolve_name(m.file, qs));
                let entry = match self.resolver.resolve_expr(m.file, func) {
                    _ if as_manager.is_some() => match as_manager {
                        Some(Resolved::Class(qs)) if self.is_plain_queryset(qs, 0) => {
                            (name.clone(), plain, false)
                        }
                        _ => {
                            return Err(format!(
                                "class attribute {name} may be a manager djsa cannot read"
                            ));
                        }
                    },
                    Resolved::External(q)
                        if q == "django.db.models.Manager"
                            || q == "django.db.models.manager.Manager" =>
                    {
                        (name.clone(), plain, false)
                    }
                    Resolved::Class(id)
                        if !self
                            .is_manager_class(id, 0)
                            .map_err(|e| format!("class attribute {name}: {e}"))? =>
                    {
                        if self.contributes(id, 0) {
                            return Err(format!(
                                "class attribute {name} may add fields or models at class creation (contribute_to_class)"
                            ));
                        }
                        continue;
                    }
                    Resolved::Class(id) => {
                        let c = self
                            .resolver
                            .class_def(id)
                            .ok_or("manager class not found")?;
                        let module = id
                            .file
                            .module(self.resolver.db())
                            .clone()
                            .unwrap_or_default();
                        let uim = self
                            .use_in_migrations(id, 0)
                            .map_err(|e| format!("class attribute {name}: {e}"))?;
                        let val = Val::call(format!("{module}.{}", c.name), Vec::new(), Vec::new());
                        (name.clone(), if uim { val } else { plain }, uim)
                    }
                    _ => {
                        return Err(format!(
                            "class attribute {name} may be a manager djsa cannot read"
                        ));
                    }
                };
                if !args.is_empty() || !kwargs.is_empty() {
                    return Err(format!("manager {name} is built with arguments"));
                }
                managers.retain(|(n, _, _)| *n != entry.0);
                managers.push(entry);
            }
        }
        Ok(managers)
    }

    pub fn model_state(&self, idx: usize) -> Result<ModelState, String> {
        let m = &self.pm.models[idx];
        let app = m.app_label.clone().ok_or("no app label")?;
        if m.incomplete || m.meta.incomplete {
            return Err("the model is not fully understood statically".into());
        }
        if m.proxy && !m.own_fields.is_empty() {
            return Err("proxy model declaring fields".into());
        }
        let mut managers = Vec::new();
        self.check_body(idx, &mut managers, 0)?;
        let mut fields_src: Vec<&Field> = Vec::new();
        self.local_fields(idx, &mut fields_src, 0)?;
        let cx_f = FieldCx {
            app_label: &app,
            model_name: &m.name,
            auth_user_model: &self.pm.settings.auth_user_model,
        };
        // Every field, plus an `id` or `<parent>_ptr` added in front.
        let mut fields: Vec<(String, FieldDef)> = Vec::with_capacity(fields_src.len() + 1);
        let mut m2m: Vec<(String, FieldDef)> = Vec::new();
        // Class-body names of each declaring model, computed once per model.
        let mut locals_of: Vec<(ClassId, Vec<Local<'_>>)> = Vec::new();
        for f in &fields_src {
            if matches!(
                f.kind,
                FieldKind::GenericForeignKey | FieldKind::GenericRelation
            ) {
                // Private fields: not part of the migration state.
                continue;
            }
            if f.has_splat {
                return Err(format!("field {} is built with *args/**kwargs", f.name));
            }
            if let Some(def) = self.taggable(f, idx)? {
                m2m.push((f.name.clone(), def));
                continue;
            }
            // A field of an abstract ancestor that deconstructs the same for every model: read
            // once per query.
            let inherited_key = (f.custom.is_none()
                && !matches!(
                    f.kind,
                    FieldKind::ForeignKey | FieldKind::OneToOneField | FieldKind::ManyToManyField
                )
                && !f.kind.positional_params().contains(&"to")
                && !f
                    .kwargs
                    .iter()
                    .any(|k| k.name == "to" || k.name == "through")
                && !m.own_fields.iter().any(|o| std::ptr::eq(o, *f)))
            .then_some(*f as *const Field);
            if let Some(key) = inherited_key
                && let Some(def) = self.inherited.borrow().get(&key)
            {
                fields.push((f.name.clone(), def.clone()));
                continue;
            }
            // A subclass keeping its base's `__init__`/`deconstruct`: the base's deconstruction
            // under the subclass's own path.
            let custom_path = match &f.custom {
                None => None,
                Some(_) => match super::custom_field_path(self.resolver.db(), f) {
                    Some(p) => Some(p),
                    None => return Err(format!("field {} has a custom field class", f.name)),
                },
            };
            let cx = self.cx(f.file);
            let li = match locals_of.iter().position(|(d, _)| *d == f.declared_in) {
                Some(i) => i,
                None => {
                    let locals = match self.pm.declaring(f) {
                        Some(d) => self.class_locals(d),
                        None => Vec::new(),
                    };
                    locals_of.push((f.declared_in, locals));
                    locals_of.len() - 1
                }
            };
            let locals = &locals_of[li].1;
            // The call's arguments in one vector (positional ones under their parameter's
            // name), which the deconstruction keeps as the field's keyword arguments (sized
            // for them: most deconstructions add none).
            let mut kw: Vec<(String, Val)> = Vec::with_capacity(f.args.len() + f.kwargs.len());
            let params = f.kind.positional_params();
            for (i, a) in f.args.iter().enumerate() {
                // A name past the parameters is never read: the call has too many arguments.
                let p = params.get(i).copied().unwrap_or_default();
                let v = if p == "to" {
                    self.target(f, a, idx, false)?
                } else {
                    self.field_val(&cx, &subst_cow(a, locals))?
                };
                kw.push((p.to_string(), v));
            }
            for k in &f.kwargs {
                let v = if let Some(v) = self.enum_val(f, &k.value, &cx)? {
                    v
                } else if k.name == "to" {
                    self.target(f, &k.value, idx, false)?
                } else if k.name == "through" {
                    self.target(f, &k.value, idx, true)?
                } else {
                    self.field_val(&cx, &subst_cow(&k.value, locals))?
                };
                kw.push((k.name.clone(), v));
            }
            let mut def = deconstruct_kind(f.kind, kw, f.args.len(), &cx_f)
                .map_err(|e| format!("field {}: {e}", f.name))?;
            if let Some(p) = custom_path {
                def.path = p;
            }
            // `to_field` naming the target's primary key is left out by deconstruct().
            if let Some(Val::Str(tf)) = def.get("to_field").cloned() {
                let target = def.target().and_then(|t| {
                    let (a, n) = t.split_once('.')?;
                    self.pm.get_model(a, n)
                });
                let Some(tidx) = target else {
                    return Err(format!(
                        "field {}: to_field on a model djsa cannot see",
                        f.name
                    ));
                };
                match self.pk_name(tidx)? {
                    pk if pk == tf => def.kwargs.retain(|(k, _)| k != "to_field"),
                    _ => {}
                }
            }
            if def.primary_key() {
                def.kwargs.retain(|(k, _)| k != "serialize");
                def.kwargs.push(("serialize".into(), Val::Bool(false)));
                def.kwargs.sort_by(|a, b| a.0.cmp(&b.0));
            }
            // The models' state lives as long as the database: no spare room kept per field.
            def.kwargs = without_spare(def.kwargs);
            if let Some(key) = inherited_key {
                self.inherited.borrow_mut().insert(key, def.clone());
            }
            if f.kind == FieldKind::ManyToManyField {
                m2m.push((f.name.clone(), def));
            } else {
                fields.push((f.name.clone(), def));
            }
        }
        // Multi-table inheritance: one concrete parent, linked by `<parent>_ptr`.
        let concrete: Vec<usize> = m
            .parents
            .iter()
            .filter_map(|p| match p {
                Parent::Model(i) if !self.pm.models[*i].abstract_ => Some(*i),
                _ => None,
            })
            .collect();
        let mut bases = Vec::new();
        if m.proxy {
            // A proxy: no fields of its own, its parent as base.
            if concrete.len() != 1 || m.parents.len() != 1 {
                return Err("proxy model with several bases".into());
            }
            bases = vec![Val::Str(label_lower(&self.pm.models[concrete[0]]))];
        } else if !concrete.is_empty() {
            if concrete.len() > 1 || m.parents.len() > 1 {
                return Err("several base classes with multi-table inheritance".into());
            }
            let parent = &self.pm.models[concrete[0]];
            if parent.proxy || !parent.registered {
                return Err("inherits from a proxy or unregistered model".into());
            }
            if fields.iter().any(|(_, d)| d.parent_link()) {
                return Err("explicit parent_link field".into());
            }
            let label = label_lower(parent);
            let ptr = FieldDef {
                path: "django.db.models.OneToOneField".into(),
                args: Vec::new(),
                kwargs: vec![
                    ("auto_created".into(), Val::Bool(true)),
                    (
                        "on_delete".into(),
                        Val::Ref("django.db.models.deletion.CASCADE".into()),
                    ),
                    ("parent_link".into(), Val::Bool(true)),
                    ("primary_key".into(), Val::Bool(true)),
                    ("serialize".into(), Val::Bool(false)),
                    ("to".into(), Val::Str(label.clone())),
                ],
            };
            fields.insert(0, (format!("{}_ptr", parent.name.to_lowercase()), ptr));
            bases = vec![Val::Str(label)];
        }
        if !m.proxy && !fields.iter().any(|(_, d)| d.primary_key()) {
            let pk = self.default_pk(m)?;
            let kind = FieldKind::from_qualified(&pk)
                .filter(|k| k.is_auto())
                .ok_or_else(|| format!("default primary key {pk} is not a Django auto field"))?;
            let def = FieldDef {
                path: django_path(kind),
                args: Vec::new(),
                kwargs: vec![
                    ("auto_created".into(), Val::Bool(true)),
                    ("primary_key".into(), Val::Bool(true)),
                    ("serialize".into(), Val::Bool(false)),
                    ("verbose_name".into(), Val::Str("ID".into())),
                ],
            };
            if fields.iter().any(|(n, _)| n == "id") {
                return Err("a field named id that is not the primary key".into());
            }
            fields.insert(0, ("id".into(), def));
        }
        fields.extend(m2m);
        // Options, in DEFAULT_NAMES order.
        // Room for `abstract`, `indexes` and `constraints` besides the Meta's own options.
        let mut options = Vec::with_capacity(m.meta.attrs.len() + 3);
        // A model without its own Meta gets its abstract parent's (`abstract` reset to False).
        let inherits_abstract_meta = !m.has_own_meta
            && m.parents
                .iter()
                .any(|p| matches!(p, Parent::Model(i) if self.pm.models[*i].abstract_));
        // Which of the names the Meta sets, in one pass (most names are not set).
        let mut present: u32 = 0;
        for a in &m.meta.attrs {
            if let Some(i) = default_name_index(&a.0) {
                present |= 1 << i;
            }
        }
        for (i, name) in DEFAULT_NAMES.iter().enumerate() {
            if *name == "abstract" && inherits_abstract_meta {
                options.push(("abstract".to_string(), Val::Bool(false)));
                continue;
            }
            if present & (1 << i) == 0 {
                continue;
            }
            let Some((e, file)) = m.meta.get_with_file(name) else {
                continue;
            };
            match *name {
                "app_label" | "apps" => continue,
                "order_with_respect_to" if e.as_str().is_none() => {
                    return Err("Meta.order_with_respect_to is not a literal field name".into());
                }
                "auto_created" | "index_together" => {
                    return Err(format!("Meta.{name} is not compared by djsa yet"));
                }
                _ => {}
            }
            let cx = self.cx(file);
            if *name == "abstract" {
                continue;
            }
            let mut v = cx
                .val(e, 0)
                .map_err(|u| format!("Meta.{name}: {}", u.reason))?;
            match *name {
                "unique_together" => {
                    v = normalize_together(&v).ok_or("Meta.unique_together not understood")?;
                }
                "indexes" | "constraints" => {
                    // The items themselves (`v` is replaced below).
                    let items = match std::mem::replace(&mut v, Val::None) {
                        Val::List(x) | Val::Tuple(x) | Val::Set(x) => x,
                        _ => return Err("Meta.indexes/constraints is not a list".into()),
                    };
                    for i in &items {
                        let Val::Call(c) = i else {
                            return Err(format!("Meta.{name} item not understood"));
                        };
                        let named = c
                            .kwargs
                            .iter()
                            .any(|(k, v)| k == "name" && v.as_str().is_some());
                        if !named && *name != "indexes" {
                            return Err(format!("Meta.{name}: an item without a literal name"));
                        }
                    }
                    let table = match m.meta.get("db_table").and_then(Expr::as_str) {
                        Some(t) => t.to_string(),
                        None => format!("{app}_{}", m.name.to_lowercase()),
                    };
                    let mut named = Vec::new();
                    for i in items {
                        named.push(self.with_index_name(
                            i,
                            &table,
                            &fields_src,
                            *name == "indexes",
                        )?);
                    }
                    v = Val::List(
                        named
                            .into_iter()
                            .map(normalize_index)
                            .collect::<Result<_, _>>()?,
                    );
                }
                _ => {}
            }
            normalize_calls(&mut v);
            options.push((name.to_string(), v));
        }
        if m.meta.get("default_manager_name").is_some() || m.meta.get("base_manager_name").is_some()
        {
            return Err(
                "default_manager_name/base_manager_name are not compared by djsa yet".into(),
            );
        }
        // ModelState.from_model: managers with use_in_migrations, and a shim for the default one.
        let mut out_managers: Vec<(String, Val)> = Vec::with_capacity(managers.len());
        let mut shim_only = false;
        for (i, (n, v, uim)) in managers.iter().enumerate() {
            if *uim {
                out_managers.push((n.clone(), v.clone()));
            } else if i == 0 {
                out_managers.push((
                    n.clone(),
                    Val::call("django.db.models.manager.Manager", Vec::new(), Vec::new()),
                ));
                shim_only = n == "objects";
            }
        }
        if shim_only && out_managers.len() == 1 {
            // Dropped with its allocation (`clear` would keep it for the rest of the run).
            out_managers = Vec::new();
        }
        let managers = out_managers;
        // ModelState.__init__: indexes and constraints are always present.
        for k in ["indexes", "constraints"] {
            if !options.iter().any(|(n, _)| n == k) {
                options.push((k.to_string(), Val::List(Vec::new())));
            }
        }
        Ok(ModelState {
            app_label: app,
            name: m.name.clone(),
            fields,
            options,
            bases,
            managers,
        })
    }

    /// django-taggit's `TaggableManager` (and modelcluster's subclass, which keeps its
    /// `__init__` and `deconstruct`): what its `deconstruct()` gives.
    fn taggable(&self, f: &Field, model: usize) -> Result<Option<FieldDef>, String> {
        let Some(c) = &f.custom else {
            return Ok(None);
        };
        let db = self.resolver.db();
        let Some(module) = c.class.file.module(db).clone() else {
            return Ok(None);
        };
        let path = format!("{module}.{}", c.name);
        if !super::state::TAGGABLE_MANAGERS.contains(&path.as_str()) {
            return Ok(None);
        }
        if !f.args.is_empty() {
            return Err(format!(
                "field {}: TaggableManager with positional arguments",
                f.name
            ));
        }
        let cx = self.cx(f.file);
        let mut kwargs: Vec<(String, Val)> = vec![
            ("verbose_name".into(), Val::Str("Tags".into())),
            (
                "help_text".into(),
                Val::Str("A comma-separated list of tags.".into()),
            ),
            ("through".into(), Val::Str("taggit.TaggedItem".into())),
        ];
        let mut to: Option<Val> = None;
        let mut through_model: Option<Val> = None;
        for k in &f.kwargs {
            match k.name.as_str() {
                "verbose_name" | "help_text" => {
                    let v = self.field_val(&cx, &k.value)?;
                    kwargs.retain(|(n, _)| *n != k.name);
                    kwargs.push((k.name.clone(), v));
                }
                "blank" => match self.field_val(&cx, &k.value)? {
                    Val::Bool(true) => kwargs.push(("blank".into(), Val::Bool(true))),
                    Val::Bool(false) => {}
                    _ => return Err(format!("field {}: blank is not a literal", f.name)),
                },
                "through" => {
                    let t = self.target(f, &k.value, model, true)?;
                    kwargs.retain(|(n, _)| n != "through");
                    kwargs.push(("through".into(), t.clone()));
                    through_model = Some(t);
                }
                "to" => to = Some(self.target(f, &k.value, model, true)?),
                // Not part of the deconstruction.
                "related_name" | "ordering" | "manager" => {}
                other => {
                    return Err(format!(
                        "field {}: TaggableManager argument {other} is not compared by djsa yet",
                        f.name
                    ));
                }
            }
        }
        let to = match (to, through_model) {
            (Some(t), _) => t,
            (None, None) => Val::Str("taggit.Tag".into()),
            (None, Some(Val::Str(label))) => {
                // The through model's `tag` foreign key names the tag model.
                let (a, n) = label
                    .split_once('.')
                    .ok_or("through label not understood")?;
                let tidx = self
                    .pm
                    .get_model(a, n)
                    .ok_or("TaggableManager through a model djsa cannot see")?;
                let mut tf: Vec<&Field> = Vec::new();
                self.local_fields(tidx, &mut tf, 0)?;
                let tag = tf
                    .iter()
                    .find(|x| x.name == "tag")
                    .ok_or("TaggableManager through model without a tag field")?;
                let expr = tag
                    .kwargs
                    .iter()
                    .find(|k| k.name == "to")
                    .map(|k| &k.value)
                    .or(tag.args.first())
                    .ok_or("tag field without a target")?;
                self.target(tag, expr, tidx, true)?
            }
            (None, Some(_)) => return Err("TaggableManager through not understood".into()),
        };
        kwargs.push(("to".into(), to));
        kwargs.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Some(FieldDef {
            path,
            args: Vec::new(),
            kwargs,
        }))
    }

    /// The name of a model's primary key field (`id` when implicit).
    fn pk_name(&self, idx: usize) -> Result<String, String> {
        let mut fields: Vec<&Field> = Vec::new();
        self.local_fields(idx, &mut fields, 0)?;
        if let Some(f) = fields.iter().find(|f| f.is_primary_key()) {
            return Ok(f.name.clone());
        }
        let m = &self.pm.models[idx];
        for p in &m.parents {
            if let Parent::Model(pi) = p
                && !self.pm.models[*pi].abstract_
            {
                return Ok(format!("{}_ptr", self.pm.models[*pi].name.to_lowercase()));
            }
        }
        Ok("id".into())
    }

    /// `Status.choices` / `Status.DRAFT` for a `TextChoices`/`IntegerChoices` enum (nested in the
    /// model class or at module level): the list of pairs / the member's value.
    fn enum_val(&self, f: &Field, e: &Expr, cx: &ValCx<'_, '_>) -> Result<Option<Val>, String> {
        let Some(name) = e.as_name() else {
            return Ok(None);
        };
        let Some((cls, attr)) = crate::resolve::rsplit_dot(name) else {
            return Ok(None);
        };
        let declaring = self.class_def(f.declared_in);
        let nested = declaring.and_then(|c| {
            c.body.iter().find_map(|s| match s {
                Stmt::Class(inner) if inner.name == cls => Some((&**inner, f.file)),
                _ => None,
            })
        });
        let class = match nested {
            Some(c) => c,
            None => match self.class_named(f.file, cls) {
                Some(id) => match self.class_def(id) {
                    Some(c) => (c, id.file),
                    None => return Ok(None),
                },
                None => return Ok(None),
            },
        };
        let (class, file) = class;
        let kind = class
            .bases
            .iter()
            .find_map(|b| match self.resolver.resolve_expr(file, b) {
                Resolved::External(q)
                    if q == "django.db.models.TextChoices"
                        || q == "django.db.models.enums.TextChoices" =>
                {
                    Some("text")
                }
                Resolved::External(q)
                    if q == "django.db.models.IntegerChoices"
                        || q == "django.db.models.enums.IntegerChoices" =>
                {
                    Some("int")
                }
                _ => None,
            });
        let Some(kind) = kind else { return Ok(None) };
        let mut members: Vec<(String, Val, Val)> = Vec::new();
        let mcx = ValCx {
            resolver: self.resolver,
            file,
            setting: self.setting,
            opaque_ok: false,
            setting_value: self.setting_value,
            memo: Some(self.memo),
        };
        for st in &class.body {
            match st {
                Stmt::Assign { targets, value, .. } => {
                    let [Target::Name(n, _)] = targets.as_slice() else {
                        return Err("enum member not understood".into());
                    };
                    if n.starts_with('_') {
                        continue;
                    }
                    let (v, label) = match value.as_sequence() {
                        Some([v, l]) if matches!(value.kind, ExprKind::Tuple(_)) => (
                            mcx.val(v, 0).map_err(|u| u.reason)?,
                            Some(mcx.val(l, 0).map_err(|u| u.reason)?),
                        ),
                        _ => (mcx.val(value, 0).map_err(|u| u.reason)?, None),
                    };
                    match (&v, kind) {
                        (Val::Str(_), "text") | (Val::Int(_), "int") => {}
                        _ => return Err("enum member value not understood".into()),
                    }
                    let label = match label {
                        Some(Val::Str(l)) => Val::Str(l),
                        Some(_) => return Err("enum label not understood".into()),
                        None => Val::Str(py_title(&n.replace('_', " "))),
                    };
                    members.push((n.clone(), v, label));
                }
                Stmt::Function(_) => {}
                _ => return Err("enum body not understood".into()),
            }
        }
        let _ = cx;
        if attr == "choices" {
            return Ok(Some(Val::List(
                members
                    .into_iter()
                    .map(|(_, v, l)| Val::Tuple(vec![v, l]))
                    .collect(),
            )));
        }
        match members.into_iter().find(|(n, _, _)| n == attr) {
            Some((_, v, _)) => Ok(Some(v)),
            None => Err(format!("{name} is not a member djsa can read")),
        }
    }

    /// Names assigned in a model's class body (`username_validator = ...`), for field options
    /// that refer to them.
    fn class_locals(&self, idx: usize) -> Vec<Local<'db>> {
        let Some(m) = self.pm.models.try_get(idx) else {
            return Vec::new();
        };
        let Some(class) = self.class_def(m.class) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for s in &class.body {
            if let Stmt::Assign { targets, value, .. } = s
                && let [Target::Name(n, _)] = targets.as_slice()
                && !m.own_fields.iter().any(|f| &f.name == n)
            {
                out.retain(|(x, _): &Local<'_>| *x != n.as_str());
                out.push((n.as_str(), value));
            }
        }
        out
    }

    /// `Index.set_name_with_model`: the name Django generates for an index without one.
    fn with_index_name(
        &self,
        v: Val,
        table: &str,
        fields: &[&Field],
        is_index: bool,
    ) -> Result<Val, String> {
        let Val::Call(mut call) = v else {
            return Err("index not understood".into());
        };
        if !is_index || call.kwargs.iter().any(|(k, _)| k == "name") {
            return Ok(Val::Call(call));
        }
        if !call.args.is_empty() {
            return Err("expression index without a name".into());
        }
        let names: Vec<String> = call
            .kwargs
            .iter()
            .find(|(k, _)| k == "fields")
            .and_then(|(_, v)| v.items())
            .ok_or("index without fields")?
            .iter()
            .map(|f| {
                f.as_str()
                    .map(str::to_string)
                    .ok_or("index field is not a string")
            })
            .collect::<Result<_, _>>()?;
        if names.is_empty() {
            return Err("index without fields".into());
        }
        let mut cols = Vec::new();
        for n in &names {
            let (desc, fname) = match n.strip_prefix('-') {
                Some(f) => (true, f),
                None => (false, n.as_str()),
            };
            let f = fields
                .iter()
                .find(|f| f.name == fname)
                .ok_or_else(|| format!("index field {fname} not found"))?;
            let column = match f.opt("db_column") {
                Some(e) if !e.is_none() => {
                    e.as_str().ok_or("db_column is not a literal")?.to_string()
                }
                _ if matches!(f.kind, FieldKind::ForeignKey | FieldKind::OneToOneField) => {
                    format!("{}_id", f.name)
                }
                _ => f.name.clone(),
            };
            cols.push((desc, column));
        }
        let mut data = String::new();
        data.push_str(table);
        for (desc, c) in &cols {
            if *desc {
                data.push('-');
            }
            data.push_str(c);
        }
        data.push_str("idx");
        let digest: String = super::md5::md5_hex(data.as_bytes())
            .chars()
            .take(6)
            .collect();
        let t: String = table.chars().take(11).collect();
        let c: String = cols[0].1.chars().take(7).collect();
        let mut name = format!("{t}_{c}_{digest}_idx");
        if name.chars().count() > 30 {
            return Err("generated index name too long".into());
        }
        if name.starts_with('_') || name.starts_with(|ch: char| ch.is_ascii_digit()) {
            name = format!("D{}", &name[1..]);
        }
        call.kwargs.push(("name".into(), Val::Str(name)));
        Ok(Val::Call(call))
    }

    fn field_val(&self, cx: &ValCx<'_, '_>, e: &Expr) -> Result<Val, String> {
        cx.val(e, 0).map_err(|u| u.reason)
    }

    /// A relation target as a lower-cased label string (or a swappable setting).
    fn target(&self, f: &Field, e: &Expr, model: usize, through: bool) -> Result<Val, String> {
        let m = &self.pm.models[model];
        let app = m.app_label.as_deref().unwrap_or_default();
        let out = |t: &crate::project::Model| {
            if through {
                Val::Str(t.label())
            } else {
                Val::Str(label_lower(t))
            }
        };
        let lazy = |s: &str| -> Result<Val, String> {
            if s == "self" {
                return Ok(out(m));
            }
            let (a, n) = s.split_once('.').unwrap_or((app, s));
            match self.pm.get_model(a, n) {
                Some(idx) if !self.pm.models[idx].abstract_ => Ok(out(&self.pm.models[idx])),
                _ => Err(format!(
                    "relation to {s}, a model djsa cannot see (made at run time?)"
                )),
            }
        };
        match &e.kind {
            ExprKind::Str(s) => lazy(s),
            ExprKind::Name(_) => match self.resolver.resolve_expr(f.file, e) {
                Resolved::Class(id) => {
                    let idx = self
                        .pm
                        .model_by_class(id)
                        .ok_or("relation to a class that is not a model")?;
                    let t = &self.pm.models[idx];
                    if !t.registered || t.abstract_ {
                        return Err("relation to an abstract or unregistered model".into());
                    }
                    Ok(out(t))
                }
                Resolved::External(q)
                    if q == "django.conf.settings.AUTH_USER_MODEL" && !through =>
                {
                    Ok(Val::setting(
                        "AUTH_USER_MODEL".into(),
                        self.pm.settings.auth_user_model.clone(),
                    ))
                }
                Resolved::Value(_, v) => match &v.kind {
                    ExprKind::Str(s) => lazy(s),
                    _ => Err("relation target not understood statically".into()),
                },
                _ => Err("relation target not understood statically".into()),
            },
            // A call djsa evaluates to a label (`swapper.get_model_name("app", "Model")`).
            ExprKind::Call { .. } => match self.cx(f.file).val(e, 0) {
                Ok(Val::Str(s)) => lazy(&s),
                _ => Err("relation target not understood statically".into()),
            },
            _ => Err("relation target not understood statically".into()),
        }
    }
}

/// `Model::label_lower` (`app.modelname`), built without the formatting machinery: asked for
/// every relation of every model.
fn label_lower(m: &crate::project::Model) -> String {
    let app = m.app_label.as_deref().unwrap_or("?");
    let mut out = String::with_capacity(app.len() + 1 + m.name.len());
    out.push_str(app);
    out.push('.');
    if m.name.is_ascii() {
        out.extend(m.name.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    } else {
        out.push_str(&m.name.to_lowercase());
    }
    out
}

/// The vector in an allocation of its length (one copy when it has spare capacity).
fn without_spare<T>(v: Vec<T>) -> Vec<T> {
    if v.capacity() == v.len() {
        return v;
    }
    let mut out = Vec::with_capacity(v.len());
    out.extend(v);
    out
}

/// Index/constraint as its `deconstruct()` gives it: `fields` as a list.
fn normalize_index(v: Val) -> Result<Val, String> {
    let Val::Call(call) = v else {
        return Err("index not understood".into());
    };
    let Call { path, args, kwargs } = *call;
    match path.as_str() {
        "django.db.models.Index"
        | "django.db.models.UniqueConstraint"
        | "django.db.models.CheckConstraint" => {}
        _ => return Err(format!("{path} is not compared by djsa yet")),
    }
    for a in &args {
        if !is_plain_expression(a) {
            return Err("expression index/constraint djsa cannot read".into());
        }
    }
    let mut out = Vec::with_capacity(kwargs.len());
    for (k, v) in kwargs {
        match (k.as_str(), v) {
            ("fields", Val::Tuple(x) | Val::List(x)) => out.push((k, Val::List(x))),
            ("name", v @ Val::Str(_)) => out.push((k, v)),
            ("violation_error_message" | "violation_error_code", v @ Val::Str(_))
                if path != "django.db.models.Index" =>
            {
                out.push((k, v))
            }
            ("condition", v @ Val::Call(_)) if path != "django.db.models.Index" => {
                out.push((k, normalize_q(v)?))
            }
            _ => return Err(format!("{path} argument {k} is not compared by djsa yet")),
        }
    }
    Ok(Val::call(path, args, out))
}

/// A condition: a `Q` (already normalized to its deconstruction when it was read).
fn normalize_q(v: Val) -> Result<Val, String> {
    if super::parse::q_parts(&v).is_none() {
        return Err("condition is not a Q(...)".into());
    }
    Ok(v)
}

/// A name assigned in a model's class body and its value, borrowed from the parsed file.
type Local<'a> = (&'a str, &'a Expr);

/// [`subst`], copying the expression only when a name in it is replaced.
fn subst_cow<'e>(e: &'e Expr, locals: &[Local<'_>]) -> std::borrow::Cow<'e, Expr> {
    if mentions(e, locals, 0) {
        std::borrow::Cow::Owned(subst(e, locals, 0))
    } else {
        std::borrow::Cow::Borrowed(e)
    }
}

/// Whether [`subst`] would replace a name in the expression.
fn mentions(e: &Expr, locals: &[Local<'_>], depth: u32) -> bool {
    if locals.is_empty() || depth > 30 {
        return false;
    }
    match &e.kind {
        ExprKind::Name(n) => locals.iter().any(|(x, _)| *x == n.as_str()),
        ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
            items.iter().any(|i| mentions(i, locals, depth + 1))
        }
        ExprKind::Dict(pairs) => pairs
            .iter()
            .any(|(k, v)| mentions(k, locals, depth + 1) || mentions(v, locals, depth + 1)),
        ExprKind::Call { args, kwargs, .. } => {
            args.iter().any(|a| mentions(a, locals, depth + 1))
                || kwargs.iter().any(|k| mentions(&k.value, locals, depth + 1))
        }
        _ => false,
    }
}

/// Replace bare names bound in the class body by their values.
fn subst(e: &Expr, locals: &[Local<'_>], depth: u32) -> Expr {
    if locals.is_empty() || depth > 30 {
        return e.clone();
    }
    let mut out = e.clone();
    match &mut out.kind {
        ExprKind::Name(n) => {
            if let Some((_, v)) = locals.iter().find(|(x, _)| *x == n.as_str()) {
                return (*v).clone();
            }
        }
        ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
            for i in items.iter_mut() {
                *i = subst(i, locals, depth + 1);
            }
        }
        ExprKind::Dict(pairs) => {
            for (k, v) in pairs.iter_mut() {
                *k = subst(k, locals, depth + 1);
                *v = subst(v, locals, depth + 1);
            }
        }
        ExprKind::Call { args, kwargs, .. } => {
            for a in args.iter_mut() {
                *a = subst(a, locals, depth + 1);
            }
            for k in kwargs.iter_mut() {
                k.value = subst(&k.value, locals, depth + 1);
            }
        }
        _ => {}
    }
    out
}

/// Python's `str.title()`.
fn py_title(s: &str) -> String {
    let mut out = String::new();
    let mut prev_cased = false;
    for c in s.chars() {
        if c.is_alphabetic() {
            if prev_cased {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            prev_cased = true;
        } else {
            out.push(c);
            prev_cased = false;
        }
    }
    out
}

/// A database function or `F()` over literals and field references.
fn is_plain_expression(v: &Val) -> bool {
    match v {
        Val::Call(c) => {
            let Call { path, args, kwargs } = &**c;
            (path.starts_with("django.db.models.functions.") || path == "django.db.models.F")
                && args
                    .iter()
                    .all(|a| matches!(a, Val::Str(_) | Val::Int(_)) || is_plain_expression(a))
                && kwargs.is_empty()
        }
        _ => false,
    }
}

/// The states of models by index, and the labels of models skipped with the reason.
pub type ModelStates = (Vec<(usize, ModelState)>, Vec<(String, String)>);

/// The state of every registered, concrete, non-proxy model, as `makemigrations` would build it;
/// models djsa cannot reproduce exactly are returned with the reason instead.
pub fn concrete_model_states(db: &dyn Db, project: Project) -> ModelStates {
    let pm = &View::new(db, project);
    let resolver = Resolver::new(db, project);
    // The same reading of settings as `models_state` (an unset WAGTAIL_PAGE_MODEL included).
    let setting = super::setting_fn(pm.settings);
    let modules = crate::resolve::module_map(db, project);
    let closed = super::settings_closed(db, pm.settings, modules);
    let setting_value = super::setting_lookup_fn(pm.settings, closed);
    let memo = NameMemo::default();
    let fp = FromProject {
        pm,
        resolver: &resolver,
        setting: &setting,
        setting_value: &setting_value,
        memo: &memo,
        inherited: Default::default(),
        own_managers: Default::default(),
        classes: Default::default(),
        class_names: Default::default(),
    };
    let mut states = Vec::new();
    let mut skipped = Vec::new();
    for (i, m) in pm.models.iter().enumerate() {
        if !m.registered || m.abstract_ || m.proxy {
            continue;
        }
        match fp.model_state(i) {
            Ok(s) => states.push((i, s)),
            Err(why) => skipped.push((m.label(), why)),
        }
    }
    (states, skipped)
}

/// The class body defines or may define `as_manager` (a method, an assignment djsa cannot name,
/// or code it does not follow).
fn may_define_as_manager(c: &crate::syntax::ClassDef) -> bool {
    c.body.iter().any(|s| match s {
        Stmt::Function(f) => f.name == "as_manager",
        Stmt::Assign { targets, .. } => targets
            .iter()
            .any(|t| !matches!(t, Target::Name(n, _) if n != "as_manager")),
        Stmt::Opaque { .. } | Stmt::If { .. } | Stmt::Try { .. } => true,
        _ => false,
    })
}

#[cfg(test)]
mod index_tests {
    use super::{DEFAULT_NAMES, default_name_index};

    #[test]
    fn default_name_index_is_the_position_in_default_names() {
        for (i, n) in DEFAULT_NAMES.iter().enumerate() {
            assert_eq!(default_name_index(n), u32::try_from(i).ok(), "{n}");
        }
        assert!(DEFAULT_NAMES.len() <= 32);
        assert_eq!(default_name_index("index_together"), None);
    }
}
