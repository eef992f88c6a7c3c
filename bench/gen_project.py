#!/usr/bin/env python3
"""Generate a synthetic, real, runnable Django project for benchmarking djsa.

    python3 bench/gen_project.py OUT --apps N --models-per-app M \
        [--migrations-per-app K] [--seed S] [--force]

Standard library only and deterministic: the same arguments give byte-identical output.

The project passes `python manage.py check` with zero issues on Django 5.2 and 6.x, and with
K > 0 its migrations replay to exactly the models (`makemigrations --check --dry-run` prints
"No changes detected") and apply cleanly with `migrate`.

What it contains (so the numbers mean something, and djsa has real work to do):
  * settings with the django.contrib apps + N project apps, SQLite, DEFAULT_AUTO_FIELD,
    TEMPLATES/MIDDLEWARE as the admin checks want them; urls, wsgi, asgi, manage.py.
  * apps in three shapes: top-level packages listed by module ("billing0"), listed by AppConfig
    path ("catalog1.apps.Catalog1Config"), nested packages ("apps.hr3"); some AppConfigs set a
    custom `label`, some a `default_auto_field` that differs from the setting.
  * `common/models.py`: abstract bases (TimeStampedModel, OwnedModel with an FK to
    settings.AUTH_USER_MODEL and a `%(app_label)s_%(class)s` related_name) whose Meta many
    models inherit, by omission or by `class Meta(OwnedModel.Meta)`.
  * per app M models: CharField(max_length), IntegerField, DecimalField, DateTimeField
    (auto_now_add), BooleanField, TextField, choices (module constants, TextChoices,
    IntegerChoices), UUID/JSON/Email/URL/Float/Date/Slug fields; FKs to earlier models of the
    same app (class refs, "Model" and "label.Model" strings, "self") and to models of earlier apps
    (string refs and imported classes); OneToOne; M2M, some with through models; proxy and
    multi-table-inheritance models; custom primary keys; Meta ordering, db_table,
    verbose_name(_plural), indexes, UniqueConstraint, CheckConstraint(condition=...),
    unique_together.
  * admin.py registering some models with ModelAdmins (list_display, list_filter,
    search_fields, raw_id_fields, filter_horizontal, date_hierarchy, inlines ...).
  * with K > 0: migrations/0001_initial.py .. 000K_*.py per app; 0001 creates the models in an
    older shape and the later ones AddField / AlterField / RenameField / RemoveField / AddIndex /
    AddConstraint / AlterModelOptions and Create+Delete short-lived models until the state equals
    the models.
"""

import argparse
import json
import os
import random
import shutil
import sys

APP_WORDS = [
    "billing", "catalog", "crm", "inventory", "shipping", "support", "accounts", "blog",
    "events", "hr", "ledger", "media", "orders", "payments", "reports", "reviews", "search",
    "social", "tasks", "wiki",
]

NOUNS = [
    "Customer", "Order", "Invoice", "Product", "Category", "Tag", "Supplier", "Shipment",
    "Payment", "Address", "Profile", "Review", "Ticket", "Project", "Task", "Comment", "Event",
    "Venue", "Booking", "Account", "Ledger", "Entry", "Article", "Author", "Page", "Asset",
    "Warehouse", "Batch", "Report", "Metric", "Campaign", "Coupon", "Contract", "Device",
]

STATUS_CHOICES = [("draft", "Draft"), ("active", "Active"), ("archived", "Archived")]
PRIORITY = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
LEVEL = [(1, "Basic"), (2, "Advanced"), (3, "Expert")]

# Names a field of ours never takes (inherited from the abstract bases, or reserved).
RESERVED = {"id", "pk", "created_at", "updated_at", "owner", "objects"}

ON_DELETE = "django.db.models.deletion."

TIMESTAMPED = "TimeStampedModel"
OWNED = "OwnedModel"


def q(s):
    """A Python string literal with double quotes (what Django's migration writer emits)."""
    return json.dumps(s)


def py(v):
    """Python literal for simple values (str, bool, int, None, list, tuple)."""
    if isinstance(v, str):
        return q(v)
    if isinstance(v, (bool, int)) or v is None:
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(py(x) for x in v) + "]"
    if isinstance(v, tuple):
        if len(v) == 1:
            return "(" + py(v[0]) + ",)"
        return "(" + ", ".join(py(x) for x in v) + ")"
    raise TypeError(v)


# --------------------------------------------------------------------------------------------
# Specs
# --------------------------------------------------------------------------------------------


class App:
    def __init__(self, idx, width):
        self.idx = idx
        self.word = APP_WORDS[idx % len(APP_WORDS)]
        self.short = f"{self.word}{idx:0{width}d}"
        self.nested = idx % 4 == 3
        self.module = f"apps.{self.short}" if self.nested else self.short
        self.custom_label = idx % 7 == 5
        self.label = f"{self.short}_x" if self.custom_label else self.short
        self.config_class = f"{self.short.capitalize()}Config"
        # Entry in INSTALLED_APPS: module path or dotted AppConfig path.
        self.by_config = idx % 3 == 1
        self.entry = f"{self.module}.apps.{self.config_class}" if self.by_config else self.module
        # Auto field: from the setting (BigAutoField), or the AppConfig sets one.
        mode = idx % 5
        if mode == 4:
            self.config_auto = "django.db.models.AutoField"
        elif mode in (1, 2):
            self.config_auto = "django.db.models.BigAutoField"
        else:
            self.config_auto = None
        self.auto_field = "AutoField" if self.config_auto == "django.db.models.AutoField" else "BigAutoField"
        self.models = []

    @property
    def dir(self):
        return os.path.join("apps", self.short) if self.nested else self.short


class FieldSpec:
    """One field: how models.py spells it and how a migration spells it.

    pos: [(key, models_src)] written positionally in models.py, as key= in migrations
         (key "to" has a separate migration value in `to_mig`).
    kw:  [(key, models_src, migration_src)]
    """

    def __init__(self, name, cls, kind, pos=None, kw=None, **info):
        self.name = name
        self.cls = cls
        self.kind = kind  # scalar | fk | o2o | m2m | m2m_through | pk
        self.pos = list(pos or [])
        self.kw = list(kw or [])
        self.to_mig = None
        self.target = None  # ModelSpec, "AUTH" or "self"
        self.info = info

    def models_src(self):
        parts = [src for _k, src in self.pos] + [f"{k}={m}" for k, m, _g in self.kw]
        return f"models.{self.cls}({', '.join(parts)})"

    def mig_src(self, override=None):
        kws = {}
        for k, src in self.pos:
            kws[k] = self.to_mig if k == "to" else src
        for k, _m, g in self.kw:
            kws[k] = g
        if override:
            kws.update(override)
        inner = ", ".join(f"{k}={kws[k]}" for k in sorted(kws))
        return f"models.{self.cls}({inner})"

    def target_label(self, owner):
        if self.target is None:
            return None
        if self.target == "AUTH":
            return "AUTH"
        if self.target == "self":
            return owner.app.label
        return self.target.app.label


class ModelSpec:
    def __init__(self, app, name, g, kind):
        self.app = app
        self.name = name
        self.g = g
        self.kind = kind  # regular | through | proxy | mti
        self.base = "models.Model"
        self.parent = None
        self.pk = None  # custom primary key FieldSpec
        self.fields = []
        self.meta = {}  # ordering, verbose_name, verbose_name_plural, db_table, unique_together, indexes, constraints
        self.meta_style = "plain"  # none | plain | subclass
        self.str_field = None
        self.related = []  # targets already related to (ModelSpec / "AUTH")
        self.has_through = False

    @property
    def lower(self):
        return self.name.lower()

    @property
    def label_lower(self):
        return f"{self.app.label}.{self.lower}"

    @property
    def concrete(self):
        return self.kind in ("regular", "mti", "through")

    def inherited_fields(self):
        """Fields copied from the abstract bases (the state sees them as local fields)."""
        if self.base not in (TIMESTAMPED, OWNED):
            return []
        out = [
            ("created_at", "models.DateTimeField(auto_now_add=True)"),
            ("updated_at", "models.DateTimeField(auto_now=True)"),
        ]
        if self.base == OWNED:
            # Django keeps the %(app_label)s/%(class)s template in the migration state.
            rn = "%(app_label)s_%(class)s_owned"
            out.append((
                "owner",
                f"models.ForeignKey(blank=True, null=True, on_delete={ON_DELETE}SET_NULL, "
                f"related_name={q(rn)}, to=settings.AUTH_USER_MODEL)",
            ))
        return out

    def all_field_names(self):
        """Every field name usable in lookups on this model (for ordering / admin)."""
        names = [f.name for f in self.fields if f.kind != "pk"]
        names += [n for n, _ in self.inherited_fields()]
        if self.parent is not None:
            names += self.parent.all_field_names()
        return names

    def scalar_fields(self, pred=None):
        return [f for f in self.fields if f.kind == "scalar" and (pred is None or pred(f))]

    def inherits_meta_from_abstract(self):
        """True when _meta.original_attrs get abstract/get_latest_by from an abstract Meta."""
        if self.kind == "regular" and self.base in (TIMESTAMPED, OWNED):
            return self.meta_style in ("none", "subclass")
        if self.kind == "mti" and self.meta_style == "none":
            # No Meta of its own: getattr(cls, "Meta") finds the abstract base's Meta through
            # the concrete parent's MRO.
            return self.parent.base in (TIMESTAMPED, OWNED)
        return False


# --------------------------------------------------------------------------------------------
# Generation of the specs
# --------------------------------------------------------------------------------------------


def scalar_kinds():
    # (kind, name pool, weight)
    return [
        ("char", ["name", "title", "code", "label", "reference", "summary", "headline",
                  "nickname", "city", "country", "color", "sku", "handle", "subject"], 9),
        ("text", ["description", "body", "notes", "content", "bio", "remarks"], 3),
        ("int", ["quantity", "position", "rank", "score", "views", "stock", "capacity"], 4),
        ("decimal", ["price", "amount", "balance", "total", "weight", "cost"], 3),
        ("bool", ["is_active", "is_public", "archived", "featured", "verified", "enabled"], 4),
        ("datetime", ["published_at", "due_at", "starts_at", "ends_at", "closed_at"], 2),
        ("registered", ["registered_at"], 1),
        ("date", ["birth_date", "valid_from", "valid_until", "shipped_on"], 2),
        ("status", ["status"], 2),
        ("priority", ["priority"], 1),
        ("level", ["level"], 1),
        ("email", ["email", "contact_email"], 1),
        ("url", ["website", "homepage"], 1),
        ("uuid", ["external_id", "token"], 1),
        ("json", ["metadata", "attributes"], 1),
        ("float", ["ratio", "latitude", "longitude"], 1),
        ("slug", ["slug"], 1),
    ]


def make_scalar(rng, kind, name):
    """Build a scalar FieldSpec of `kind` named `name`."""
    kw = []
    pos = []
    info = {}
    same = lambda k, v: kw.append((k, v, v))  # noqa: E731
    if kind == "char":
        ml = rng.choice([32, 64, 100, 120, 150, 200, 255])
        if rng.random() < 0.2:
            pos.append(("verbose_name", q(name.replace("_", " ") + " text")))
        same("max_length", str(ml))
        unique = name in ("code", "sku", "handle") and rng.random() < 0.5
        if unique:
            same("unique", "True")
        elif rng.random() < 0.3:
            same("blank", "True")
        elif rng.random() < 0.2:
            same("db_index", "True")
        info.update(char=True, max_length=ml, unique=unique, indexable=True, searchable=True)
        return FieldSpec(name, "CharField", "scalar", pos, kw, **info)
    if kind == "text":
        same("blank", "True")
        return FieldSpec(name, "TextField", "scalar", pos, kw, searchable=True)
    if kind == "int":
        cls = rng.choice(["IntegerField", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField"])
        same("default", "0")
        return FieldSpec(name, cls, "scalar", pos, kw, numeric=True, indexable=True, listable=True)
    if kind == "decimal":
        digits = rng.choice([8, 10, 12])
        same("max_digits", str(digits))
        same("decimal_places", "2")
        same("default", "0")
        return FieldSpec(name, "DecimalField", "scalar", pos, kw, numeric=True, indexable=True, listable=True)
    if kind == "bool":
        same("default", rng.choice(["True", "False"]))
        return FieldSpec(name, "BooleanField", "scalar", pos, kw, indexable=True, filterable=True, listable=True)
    if kind == "datetime":
        same("null", "True")
        same("blank", "True")
        return FieldSpec(name, "DateTimeField", "scalar", pos, kw, indexable=True, filterable=True, listable=True)
    if kind == "registered":
        same("auto_now_add", "True")
        return FieldSpec(name, "DateTimeField", "scalar", pos, kw, indexable=True, filterable=True,
                         listable=True, hierarchy=True)
    if kind == "date":
        same("null", "True")
        same("blank", "True")
        return FieldSpec(name, "DateField", "scalar", pos, kw, indexable=True, filterable=True, listable=True)
    if kind == "status":
        same("max_length", "20")
        kw.append(("choices", "STATUS_CHOICES", py([tuple(c) for c in STATUS_CHOICES])))
        same("default", q("draft"))
        return FieldSpec(name, "CharField", "scalar", pos, kw, indexable=True, filterable=True,
                         listable=True, choice=True)
    if kind == "priority":
        same("max_length", "10")
        kw.append(("choices", "Priority.choices", py([tuple(c) for c in PRIORITY])))
        kw.append(("default", "Priority.MEDIUM", q("medium")))
        return FieldSpec(name, "CharField", "scalar", pos, kw, indexable=True, filterable=True,
                         listable=True, choice=True)
    if kind == "level":
        kw.append(("choices", "Level.choices", py([tuple(c) for c in LEVEL])))
        kw.append(("default", "Level.BASIC", "1"))
        return FieldSpec(name, "PositiveSmallIntegerField", "scalar", pos, kw, indexable=True,
                         filterable=True, listable=True, choice=True)
    if kind == "email":
        same("max_length", "254")
        same("blank", "True")
        return FieldSpec(name, "EmailField", "scalar", pos, kw, searchable=True, listable=True)
    if kind == "url":
        same("blank", "True")
        return FieldSpec(name, "URLField", "scalar", pos, kw, listable=True)
    if kind == "uuid":
        same("default", "uuid.uuid4")
        same("editable", "False")
        same("unique", "True")
        return FieldSpec(name, "UUIDField", "scalar", pos, kw, uses_uuid=True)
    if kind == "json":
        same("default", "dict")
        same("blank", "True")
        return FieldSpec(name, "JSONField", "scalar", pos, kw)
    if kind == "float":
        same("null", "True")
        same("blank", "True")
        return FieldSpec(name, "FloatField", "scalar", pos, kw, numeric=True, listable=True)
    if kind == "slug":
        same("max_length", "80")
        same("unique", "True")
        return FieldSpec(name, "SlugField", "scalar", pos, kw, indexable=True, searchable=True)
    raise ValueError(kind)


def pick_scalars(rng, count, taken, need_char=True):
    kinds = scalar_kinds()
    out = []
    taken = set(taken)
    tries = 0
    while len(out) < count and tries < 200:
        tries += 1
        if need_char and not any(f.info.get("char") for f in out):
            kind, pool = "char", kinds[0][1]
        else:
            total = sum(w for _k, _p, w in kinds)
            r = rng.random() * total
            for kind, pool, w in kinds:
                r -= w
                if r < 0:
                    break
        free = [n for n in pool if n not in taken]
        if not free:
            continue
        name = rng.choice(free)
        taken.add(name)
        out.append(make_scalar(rng, kind, name))
    return out


def ancestors(m):
    out = []
    while isinstance(m, ModelSpec) and m.parent is not None and m.kind == "mti":
        m = m.parent
        out.append(m)
    return out


def clashes(a, b):
    """Would two relations from one model to a and b get the same default reverse names?

    A multi-table child sees its parents' reverse accessors, so a relation to a model and one
    to its ancestor clash too (fields.E304/E305).
    """
    if a is b or a == b:
        return True
    if isinstance(a, ModelSpec) and isinstance(b, ModelSpec):
        return a in ancestors(b) or b in ancestors(a)
    return False


def relation(rng, owner, target, fname, kind, import_refs, string_only=False):
    """FK / O2O / M2M from owner to target (ModelSpec, "AUTH" or "self").

    string_only: the target may be defined after `owner` in models.py (no class reference).
    """
    if kind == "fk":
        cls = "ForeignKey"
    elif kind == "o2o":
        cls = "OneToOneField"
    else:
        cls = "ManyToManyField"
    f = FieldSpec(fname, cls, kind)
    f.target = target
    if target == "AUTH":
        f.pos.append(("to", "settings.AUTH_USER_MODEL"))
        f.to_mig = "settings.AUTH_USER_MODEL"
    elif target == "self":
        f.pos.append(("to", q("self")))
        f.to_mig = q(owner.label_lower)
    else:
        same_app = target.app is owner.app
        r = rng.random()
        if same_app:
            if r < 0.45 and not string_only:
                ref = target.name
            elif r < 0.7:
                ref = q(target.name)
            else:
                ref = q(f"{target.app.label}.{target.name}")
        else:
            if r < 0.4:
                ref = target.name
                import_refs.add((target.app.module, target.name))
            else:
                ref = q(f"{target.app.label}.{target.name}")
        f.pos.append(("to", ref))
        f.to_mig = q(target.label_lower)
    if kind in ("fk", "o2o"):
        r = rng.random()
        if r < 0.55:
            od = "CASCADE"
        elif r < 0.75:
            od = "PROTECT"
        else:
            od = "SET_NULL"
        if od == "SET_NULL" or target == "self":
            f.kw.append(("blank", "True", "True"))
            f.kw.append(("null", "True", "True"))
            if od != "SET_NULL" and target == "self":
                od = "CASCADE"
        f.kw.append(("on_delete", f"models.{od}", f"{ON_DELETE}{od}"))
    else:
        f.kw.append(("blank", "True", "True"))
    # Reverse-name clashes (fields.E304/E305): a second relation to the same model needs one.
    already = any(clashes(r, target) for r in owner.related)
    if target == "self":
        rn = f"{owner.lower}_children"
        f.kw.append(("related_name", q(rn), q(rn)))
    elif target == "AUTH" and kind == "fk":
        f.kw.append(("related_name", q("+"), q("+")))
    elif already or rng.random() < 0.15:
        rn = f"{owner.lower}_{fname}_set"
        f.kw.append(("related_name", q(rn), q(rn)))
    owner.related.append(target)
    return f


FK_NAMES = ["customer", "parent_item", "source", "origin", "supplier", "category", "account",
            "project", "batch", "venue", "region", "primary_contact", "manager", "backup"]
M2M_NAMES = ["tags", "related", "partners", "followers", "members", "watchers", "linked"]
THROUGH_M2M_NAMES = ["participants", "collaborators", "assignments", "subscriptions", "holdings"]


def build_app_models(rng, app, apps, g_counter, import_refs):
    """Create the ModelSpecs of one app (appended to app.models)."""
    M = app.m_count
    for k in range(M):
        g = g_counter[0]
        g_counter[0] += 1
        noun = NOUNS[(g * 7 + app.idx) % len(NOUNS)]
        name = f"{noun}{g}"
        concrete_earlier = [m for m in app.models if m.kind in ("regular", "mti")]
        regular_earlier = [m for m in app.models if m.kind == "regular"]
        kind = "regular"
        slot = k % 10
        if k >= 2 and slot == 4 and regular_earlier:
            kind = "mti"
        elif k >= 2 and slot == 7 and concrete_earlier:
            kind = "proxy"
        elif k >= 3 and slot == 9:
            sources = [m for m in regular_earlier if not m.has_through]
            if sources:
                kind = "through"
        m = ModelSpec(app, name, g, kind)

        if kind == "proxy":
            m.parent = rng.choice(concrete_earlier)
            m.base = m.parent.name
            m.meta["proxy"] = True
            if rng.random() < 0.5:
                m.meta["ordering"] = [rng.choice(["-pk", "pk"] + [
                    n for n in m.parent.all_field_names() if n in ("created_at", "name", "title")])]
            m.meta["verbose_name"] = f"{noun.lower()} {g} (proxy)"
            app.models.append(m)
            continue

        if kind == "through":
            src = rng.choice([s for s in regular_earlier if not s.has_through])
            src.has_through = True
            candidates = [t for t in concrete_earlier if not clashes(t, src)]
            for other in apps[: app.idx]:
                candidates += [t for t in other.models if t.kind in ("regular", "mti")][:3]
            if not candidates:
                m.kind = kind = "regular"
            else:
                tgt = rng.choice(candidates)
                m.fields.append(FieldSpec("joined_at", "DateTimeField", "scalar",
                                          kw=[("auto_now_add", "True", "True")], listable=True))
                m.fields.append(FieldSpec("role", "CharField", "scalar",
                                          kw=[("blank", "True", "True"), ("max_length", "50", "50")],
                                          char=True, max_length=50, searchable=True))
                fs = relation(rng, m, src, src.lower, "fk", import_refs)
                ft = relation(rng, m, tgt, tgt.lower, "fk", import_refs)
                # A through model's FKs must not be SET_NULL-less nullable weirdness: force CASCADE.
                for f in (fs, ft):
                    f.kw = [(k2, a, b) for (k2, a, b) in f.kw if k2 not in ("null", "blank", "on_delete")]
                    f.kw.append(("on_delete", "models.CASCADE", f"{ON_DELETE}CASCADE"))
                m.fields += [fs, ft]
                if rng.random() < 0.6:
                    m.meta["unique_together"] = [(src.lower, tgt.lower)]
                m.meta["verbose_name"] = f"{noun.lower()} link {g}"
                m.str_field = "role"
                # the M2M on the source
                used = {f.name for f in src.fields}
                fname = next((n for n in THROUGH_M2M_NAMES if n not in used), f"links_{g}")
                through_ref = q(m.name) if rng.random() < 0.7 else q(f"{app.label}.{m.name}")
                mf = relation(rng, src, tgt, fname, "m2m", import_refs, string_only=True)
                mf.kind = "m2m_through"
                mf.kw = [(k2, a, b) for (k2, a, b) in mf.kw if k2 != "blank"]
                # `through` keeps the model name's case in a migration ("app.Metric9"), unlike `to`.
                mf.kw.append(("through", through_ref, q(f"{app.label}.{m.name}")))
                src.fields.append(mf)
                app.models.append(m)
                continue

        if kind == "mti":
            m.parent = rng.choice(regular_earlier)
            m.base = m.parent.name
            m.related.append(m.parent)
            taken = set(m.parent.all_field_names()) | RESERVED
            m.fields += pick_scalars(rng, rng.randint(1, 3), taken, need_char=False)
            if concrete_earlier and rng.random() < 0.4:
                tgt = rng.choice([t for t in concrete_earlier])
                fname = next((n for n in FK_NAMES if n not in taken and n not in {f.name for f in m.fields}), None)
                if fname:
                    m.fields.append(relation(rng, m, tgt, fname, "fk", import_refs))
            m.meta_style = "none" if rng.random() < 0.5 else "plain"
            if m.meta_style == "plain":
                m.meta["verbose_name"] = f"{noun.lower()} {g}"
                if rng.random() < 0.4:
                    m.meta["db_table"] = f"bench_{app.label}_{m.lower}"
                own = m.scalar_fields(lambda f: f.info.get("indexable"))
                if own and rng.random() < 0.4:
                    m.meta["indexes"] = [(own[0].name,), ]
            chars = m.scalar_fields(lambda f: f.info.get("char"))
            m.str_field = chars[0].name if chars else None
            app.models.append(m)
            continue

        # ---------------- regular model ----------------
        r = rng.random()
        m.base = TIMESTAMPED if r < 0.4 else OWNED if r < 0.7 else "models.Model"
        if m.base == OWNED:
            m.related.append("AUTH")
        if rng.random() < 0.06:
            if rng.random() < 0.5:
                m.pk = FieldSpec("uid", "UUIDField", "pk", kw=[
                    ("primary_key", "True", "True"), ("default", "uuid.uuid4", "uuid.uuid4"),
                    ("editable", "False", "False")], uses_uuid=True)
            else:
                m.pk = FieldSpec("key", "CharField", "pk", kw=[
                    ("primary_key", "True", "True"), ("max_length", "40", "40")])
            m.fields.append(m.pk)
        m.fields += pick_scalars(rng, rng.randint(3, 7), RESERVED)
        taken = {f.name for f in m.fields} | RESERVED
        free_fk = [n for n in FK_NAMES if n not in taken]
        rng.shuffle(free_fk)
        # same-app FKs
        if concrete_earlier and rng.random() < 0.65:
            for _ in range(rng.choice([1, 1, 2])):
                if not free_fk:
                    break
                m.fields.append(relation(rng, m, rng.choice(concrete_earlier), free_fk.pop(), "fk", import_refs))
        # cross-app FKs (only to earlier apps: the migration graph stays acyclic)
        if app.idx > 0 and rng.random() < 0.5 and free_fk:
            other = apps[rng.randrange(0, app.idx)]
            targets = [t for t in other.models if t.kind in ("regular", "mti")]
            if targets:
                m.fields.append(relation(rng, m, rng.choice(targets), free_fk.pop(), "fk", import_refs))
        # one-to-one
        if concrete_earlier and rng.random() < 0.12 and free_fk:
            m.fields.append(relation(rng, m, rng.choice(concrete_earlier), free_fk.pop(), "o2o", import_refs))
        # self
        if rng.random() < 0.1 and "parent" not in taken:
            m.fields.append(relation(rng, m, "self", "parent", "fk", import_refs))
        # user FK besides the abstract owner
        if rng.random() < 0.08 and free_fk:
            m.fields.append(relation(rng, m, "AUTH", free_fk.pop(), "fk", import_refs))
        # m2m
        if rng.random() < 0.25:
            pool = list(concrete_earlier)
            if app.idx > 0:
                other = apps[rng.randrange(0, app.idx)]
                pool += [t for t in other.models if t.kind in ("regular", "mti")]
            if pool:
                fname = rng.choice(M2M_NAMES)
                m.fields.append(relation(rng, m, rng.choice(pool), fname, "m2m", import_refs))

        # Meta
        names = [f.name for f in m.scalar_fields()]
        inherited = [n for n, _ in m.inherited_fields()]
        idxable = [f.name for f in m.scalar_fields(lambda f: f.info.get("indexable"))]
        numeric = [f.name for f in m.scalar_fields(lambda f: f.info.get("numeric"))]
        if rng.random() < 0.6:
            choices = ["-pk"] + names[:3] + (["-created_at"] if inherited else [])
            fks = [f for f in m.fields if f.kind == "fk" and isinstance(f.target, ModelSpec)]
            if fks and rng.random() < 0.3:
                fk = rng.choice(fks)
                tnames = fk.target.scalar_fields()
                if tnames:
                    choices.append(f"{fk.name}__{tnames[0].name}")
            m.meta["ordering"] = rng.sample(choices, min(len(choices), rng.choice([1, 1, 2])))
        if rng.random() < 0.5:
            m.meta["verbose_name"] = f"{noun.lower()} {g}"
            if rng.random() < 0.5:
                m.meta["verbose_name_plural"] = f"{noun.lower()} {g} items"
        if rng.random() < 0.15:
            m.meta["db_table"] = f"bench_{app.label}_{m.lower}"
        pair = None
        if len(idxable) >= 2 and rng.random() < 0.25:
            pair = tuple(rng.sample(idxable, 2))
            m.meta["unique_together"] = [pair]
        if idxable and rng.random() < 0.4:
            ixs = []
            for j in range(rng.choice([1, 1, 2])):
                flds = rng.sample(idxable, min(len(idxable), rng.choice([1, 2])))
                if rng.random() < 0.2:
                    flds[0] = "-" + flds[0]
                ixs.append(tuple(flds))
            m.meta["indexes"] = ixs
        cons = []
        if len(idxable) >= 2 and rng.random() < 0.3:
            cand = tuple(rng.sample(idxable, 2))
            if pair is None or set(cand) != set(pair):
                cons.append(("unique", cand))
        if numeric and rng.random() < 0.35:
            a = rng.choice(numeric)
            bools = [f.name for f in m.scalar_fields(lambda f: f.cls == "BooleanField")]
            if bools and rng.random() < 0.4:
                b = rng.choice(bools)
                cons.append(("check_or", (a, b)))
            else:
                cons.append(("check", (a,)))
        if cons:
            m.meta["constraints"] = cons
        if m.base in (TIMESTAMPED, OWNED):
            if not m.meta:
                m.meta_style = rng.choice(["none", "none", "plain"])
            else:
                m.meta_style = rng.choice(["subclass", "plain"])
        else:
            m.meta_style = "plain" if m.meta else "none"
        chars = m.scalar_fields(lambda f: f.info.get("char"))
        m.str_field = chars[0].name if chars else None
        app.models.append(m)


def index_name(m, j):
    return f"a{m.app.idx}m{m.g}_ix{j}"


def constraint_name(m, j, kind):
    return f"a{m.app.idx}m{m.g}_{'uq' if kind == 'unique' else 'ck'}{j}"


def index_src(m, j, flds):
    return f"models.Index(fields={py(list(flds))}, name={q(index_name(m, j))})"


def constraint_srcs(m, j, con):
    """(models.py source, migration source) of one constraint."""
    kind, flds = con
    name = q(constraint_name(m, j, kind))
    if kind == "unique":
        s = f"models.UniqueConstraint(fields={py(list(flds))}, name={name})"
        return s, s
    if kind == "check":
        a = flds[0]
        return (f"models.CheckConstraint(condition=models.Q({a}__gte=0), name={name})",
                f"models.CheckConstraint(condition=models.Q(({q(a + '__gte')}, 0)), name={name})")
    a, b = flds
    return (f"models.CheckConstraint(condition=models.Q({a}__gte=0) | models.Q({b}=False), name={name})",
            f"models.CheckConstraint(condition=models.Q(({q(a + '__gte')}, 0), ({q(b)}, False), "
            f"_connector=\"OR\"), name={name})")


# --------------------------------------------------------------------------------------------
# models.py / admin.py / apps.py
# --------------------------------------------------------------------------------------------


def render_models(app, import_refs):
    uses_settings = any(f.target == "AUTH" for m in app.models for f in m.fields)
    uses_uuid = any(f.info.get("uses_uuid") for m in app.models for f in m.fields)
    bases = sorted({m.base for m in app.models if m.base in (TIMESTAMPED, OWNED)})
    lines = ['"""Models of the %s app (generated by bench/gen_project.py)."""' % app.label, ""]
    if uses_uuid:
        lines.append("import uuid")
        lines.append("")
    if uses_settings:
        lines.append("from django.conf import settings")
    lines.append("from django.db import models")
    lines.append("")
    if bases:
        lines.append(f"from common.models import {', '.join(bases)}")
    for module, name in sorted(import_refs):
        lines.append(f"from {module}.models import {name}")
    lines += [
        "",
        "STATUS_CHOICES = [",
        *[f"    ({q(a)}, {q(b)})," for a, b in STATUS_CHOICES],
        "]",
        "",
        "",
        "class Priority(models.TextChoices):",
        *[f"    {a.upper()} = {q(a)}, {q(b)}" for a, b in PRIORITY],
        "",
        "",
        "class Level(models.IntegerChoices):",
        *[f"    {b.upper()} = {a}, {q(b)}" for a, b in LEVEL],
    ]
    for m in app.models:
        lines += ["", ""]
        lines.append(f"class {m.name}({m.base}):")
        body = []
        for f in m.fields:
            body.append(f"    {f.name} = {f.models_src()}")
        meta = render_meta(m)
        if meta:
            if body:
                body.append("")
            body += meta
        if m.kind != "proxy":
            body.append("")
            body.append("    def __str__(self):")
            if m.str_field:
                body.append(f"        return self.{m.str_field}")
            else:
                body.append(f'        return f"{m.name} {{self.pk}}"')
        if body and body[0] == "":
            body = body[1:]
        lines += body or ["    pass"]
    lines.append("")
    return "\n".join(lines)


def render_meta(m):
    if m.kind == "proxy":
        head = "    class Meta:"
    elif m.meta_style == "none":
        return []
    elif m.meta_style == "subclass":
        head = f"    class Meta({m.base}.Meta):"
    else:
        head = "    class Meta:"
    out = [head]
    o = m.meta
    if o.get("proxy"):
        out.append("        proxy = True")
    if "db_table" in o:
        out.append(f"        db_table = {q(o['db_table'])}")
    if "ordering" in o:
        out.append(f"        ordering = {py(o['ordering'])}")
    if "verbose_name" in o:
        out.append(f"        verbose_name = {q(o['verbose_name'])}")
    if "verbose_name_plural" in o:
        out.append(f"        verbose_name_plural = {q(o['verbose_name_plural'])}")
    if "unique_together" in o:
        out.append(f"        unique_together = {py(o['unique_together'])}")
    if "indexes" in o:
        out.append("        indexes = [")
        for j, flds in enumerate(o["indexes"]):
            out.append(f"            {index_src(m, j, flds)},")
        out.append("        ]")
    if "constraints" in o:
        out.append("        constraints = [")
        for j, con in enumerate(o["constraints"]):
            out.append(f"            {constraint_srcs(m, j, con)[0]},")
        out.append("        ]")
    if len(out) == 1:
        out.append("        pass")
    return out


def render_admin(rng, app):
    blocks = []  # top-level statements, separated by two blank lines
    names = []
    inline_blocks = []
    for m in app.models:
        if rng.random() >= 0.6:
            continue
        names.append(m.name)
        style = rng.random()
        if style < 0.12:
            blocks.append(f"admin.site.register({m.name})")
            continue
        src_model = m.parent if m.kind == "proxy" else m
        own = src_model.scalar_fields()
        body = []
        listable = [f.name for f in own if f.info.get("listable") or f.info.get("char")]
        body.append(f"    list_display = {py(tuple(['__str__'] + listable[:3]))}")
        filt = [f.name for f in own if f.info.get("filterable")]
        fks = [f for f in src_model.fields if f.kind == "fk"]
        if fks and rng.random() < 0.5:
            filt.append(fks[0].name)
        if filt:
            body.append(f"    list_filter = {py(tuple(filt[:3]))}")
        search = [f.name for f in own if f.info.get("searchable")]
        if search:
            body.append(f"    search_fields = {py(tuple(search[:2]))}")
        if src_model.inherited_fields():
            body.append('    readonly_fields = ("created_at", "updated_at")')
            if rng.random() < 0.5:
                body.append('    date_hierarchy = "created_at"')
        if fks and m.kind != "proxy":
            body.append(f"    raw_id_fields = {py(tuple(f.name for f in fks[:2]))}")
        m2ms = [f for f in m.fields if f.kind == "m2m"] if m.kind != "proxy" else []
        if m2ms:
            body.append(f"    filter_horizontal = {py(tuple(f.name for f in m2ms))}")
        body.append(f"    ordering = {py((rng.choice(['-pk', 'pk']),))}")
        # inlines: models of this app with an FK of their own pointing at exactly this model
        if m.kind != "proxy":
            inl = []
            for other in app.models:
                if other is m or other.kind not in ("regular", "through"):
                    continue
                fk = next((f for f in other.fields if f.kind == "fk" and f.target is m), None)
                if fk is None:
                    continue
                iname = f"{other.name}{fk.name.title().replace('_', '')}Inline"
                inline_blocks.append("\n".join([
                    f"class {iname}(admin.{rng.choice(['TabularInline', 'StackedInline'])}):",
                    f"    model = {other.name}",
                    f"    fk_name = {q(fk.name)}",
                    "    extra = 0",
                ]))
                names.append(other.name)
                inl.append(iname)
                if len(inl) >= 2:
                    break
            if inl:
                body.append(f"    inlines = [{', '.join(inl)}]")
        cls = f"{m.name}Admin"
        if style < 0.8:
            blocks.append("\n".join([f"@admin.register({m.name})", f"class {cls}(admin.ModelAdmin):", *body]))
        else:
            blocks.append("\n".join([f"class {cls}(admin.ModelAdmin):", *body]))
            blocks.append(f"admin.site.register({m.name}, {cls})")
    order = [x.name for x in app.models]
    needed = sorted(set(names), key=order.index)
    head = ['"""Admin of the %s app (generated by bench/gen_project.py)."""' % app.label, "",
            "from django.contrib import admin"]
    if needed:
        head += ["", "from .models import (", *[f"    {n}," for n in needed], ")"]
    return "\n\n\n".join(["\n".join(head)] + inline_blocks + blocks) + "\n"


def render_apps_py(app):
    lines = ["from django.apps import AppConfig", "", "", f"class {app.config_class}(AppConfig):"]
    if app.config_auto:
        lines.append(f"    default_auto_field = {q(app.config_auto)}")
    lines.append(f"    name = {q(app.module)}")
    if app.custom_label:
        lines.append(f"    label = {q(app.label)}")
    lines.append(f"    verbose_name = {q(app.word.capitalize() + ' ' + str(app.idx))}")
    lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Migrations
# --------------------------------------------------------------------------------------------

ALTER_KEYS = ("get_latest_by", "ordering", "verbose_name", "verbose_name_plural")


def final_options(m):
    """The migration-state options of a model (ModelState.from_model semantics)."""
    o = {}
    if m.inherits_meta_from_abstract():
        o["abstract"] = False
        o["get_latest_by"] = "created_at"
    mo = m.meta
    for k in ("verbose_name", "verbose_name_plural", "ordering", "db_table", "proxy"):
        if k in mo:
            o[k] = mo[k]
    if "unique_together" in mo:
        o["unique_together"] = mo["unique_together"]
    return o


def render_options(o, indexes, constraints, proxy=False):
    items = []
    for k, v in o.items():
        if k == "unique_together":
            items.append(f"{q(k)}: {{{', '.join(py(t) for t in v)}}}")
        else:
            items.append(f"{q(k)}: {py(v)}")
    if indexes or proxy:
        items.append(f'"indexes": [{", ".join(indexes)}]')
    if constraints or proxy:
        items.append(f'"constraints": [{", ".join(constraints)}]')
    return "{" + ", ".join(items) + "}"


class Event:
    def __init__(self, etype, model, field=None, **kw):
        self.etype = etype
        self.model = model
        self.field = field
        self.step = None
        self.kw = kw


def referenced_names(m):
    refs = set()
    for o in m.meta.get("ordering", []):
        refs.add(o.lstrip("-").split("__")[0])
    for t in m.meta.get("unique_together", []):
        refs.update(t)
    for ix in m.meta.get("indexes", []):
        refs.update(x.lstrip("-") for x in ix)
    for _k, flds in m.meta.get("constraints", []):
        refs.update(flds)
    return refs


def plan_events(rng, app, K):
    """Decide which parts of the models appear late in the migration history."""
    if K <= 1:
        return []
    cands = []
    regular = [m for m in app.models if m.kind == "regular"]
    for m in regular:
        refs = referenced_names(m)
        for f in m.fields:
            if f.kind in ("pk", "m2m_through") or f.name in refs:
                continue
            if f.kind in ("fk", "o2o", "m2m"):
                cands.append(Event("add", m, f))
                continue
            cands.append(Event("add", m, f))
            cands.append(Event("rename", m, f))
            if f.info.get("char") and not f.info.get("unique"):
                cands.append(Event("alter", m, f))
        if m.meta.get("indexes"):
            cands.append(Event("add_index", m))
        if m.meta.get("constraints"):
            cands.append(Event("add_constraint", m))
        if any(k in m.meta for k in ("ordering", "verbose_name")):
            cands.append(Event("alter_options", m))
    rng.shuffle(cands)
    chosen = []
    used_fields = set()
    used_model_ev = set()
    want = max(K - 1, int(len(app.models) * 0.6))
    for e in cands:
        if len(chosen) >= want:
            break
        if e.field is not None:
            key = (e.model.name, e.field.name)
            if key in used_fields:
                continue
            used_fields.add(key)
        else:
            key = (e.model.name, e.etype)
            if key in used_model_ev:
                continue
            used_model_ev.add(key)
        chosen.append(e)
    n = 0
    while len(chosen) < K - 1:
        m = regular[n % len(regular)]
        chosen.append(Event("remove", m, None, fname=f"obsolete_{n}"))
        n += 1
    # a few removals of fields that only ever lived in the migrations
    for j in range(max(1, len(regular) // 8)):
        if K > 1:
            chosen.append(Event("remove", regular[(j * 3) % len(regular)], None, fname=f"legacy_flag_{j}"))
    for i, e in enumerate(chosen):
        e.step = 2 + (i % (K - 1))
    return chosen


def render_migrations(app, events, K):
    """Return {filename: source} for the app's migrations."""
    files = {}
    ev_field = {}
    ev_model = {}
    removes = {}
    for e in events:
        if e.field is not None:
            ev_field[(e.model.name, e.field.name)] = e
        elif e.etype == "remove":
            removes.setdefault(e.model.name, []).append(e)
        else:
            ev_model[(e.model.name, e.etype)] = e

    auto_id = (f'("id", models.{app.auto_field}(auto_created=True, primary_key=True, '
               f'serialize=False, verbose_name="ID"))')

    def collect_deps(deps, owner, f):
        lab = f.target_label(owner)
        if lab and lab != app.label:
            deps.append(lab)

    names = ["0001_initial"] + [f"{s:04d}_auto_20250101_{s:04d}" for s in range(2, K + 1)]

    # ---- 0001_initial
    ops = []
    deps = []
    trailing = []
    for m in app.models:
        fields = []
        if m.kind == "proxy":
            opts = final_options(m)
            if (m.name, "alter_options") in ev_model:
                opts = {k: v for k, v in opts.items() if k not in ALTER_KEYS}
            ops.append(
                "        migrations.CreateModel(\n"
                f"            name={q(m.name)},\n"
                "            fields=[],\n"
                f"            options={render_options(opts, [], [], proxy=True)},\n"
                f"            bases=({q(m.parent.label_lower)},),\n"
                "        ),"
            )
            continue
        if m.kind == "mti":
            fields.append(
                f'("{m.parent.lower}_ptr", models.OneToOneField(auto_created=True, '
                f"on_delete={ON_DELETE}CASCADE, parent_link=True, primary_key=True, "
                f"serialize=False, to={q(m.parent.label_lower)}))")
        elif m.pk is None:
            fields.append(auto_id)
        for f in m.fields:
            if f.kind == "m2m_through":
                trailing.append(
                    "        migrations.AddField(\n"
                    f"            model_name={q(m.lower)},\n"
                    f"            name={q(f.name)},\n"
                    f"            field={f.mig_src()},\n"
                    "        ),")
                collect_deps(deps, m, f)
                continue
            if f.kind == "pk":
                fields.append(f"({q(f.name)}, {f.mig_src({'serialize': 'False'})})")
                continue
            e = ev_field.get((m.name, f.name))
            if e is not None and e.etype == "add":
                continue
            if e is not None and e.etype == "rename":
                fields.append(f"({q('legacy_' + f.name)}, {f.mig_src()})")
            elif e is not None and e.etype == "alter":
                ml = f.info["max_length"]
                fields.append(f"({q(f.name)}, {f.mig_src({'max_length': str(ml // 2 if ml > 40 else ml + 20)})})")
            else:
                fields.append(f"({q(f.name)}, {f.mig_src()})")
            collect_deps(deps, m, f)
        for n, src in m.inherited_fields():
            fields.append(f"({q(n)}, {src})")
            if n == "owner":
                deps.append("AUTH")
        for e in removes.get(m.name, []):
            fields.append(f"({q(e.kw['fname'])}, models.BooleanField(default=False))")
        opts = final_options(m)
        if (m.name, "alter_options") in ev_model:
            opts = {k: v for k, v in opts.items() if k not in ALTER_KEYS or k == "get_latest_by"}
            opts["verbose_name"] = f"legacy {m.lower}"
        ixs = [index_src(m, j, flds) for j, flds in enumerate(m.meta.get("indexes", []))]
        cons = [constraint_srcs(m, j, c)[1] for j, c in enumerate(m.meta.get("constraints", []))]
        if (m.name, "add_index") in ev_model:
            ixs = ixs[:-1]
        if (m.name, "add_constraint") in ev_model:
            cons = cons[:-1]
        body = (
            "        migrations.CreateModel(\n"
            f"            name={q(m.name)},\n"
            "            fields=[\n" + "".join(f"                {x},\n" for x in fields) + "            ],\n"
        )
        if opts or ixs or cons:
            body += f"            options={render_options(opts, ixs, cons)},\n"
        if m.kind == "mti":
            body += f"            bases=({q(m.parent.label_lower)},),\n"
        body += "        ),"
        ops.append(body)
    files[names[0] + ".py"] = migration_file(True, deps, ops + trailing)

    # ---- later steps
    for s in range(2, K + 1):
        ops = []
        deps = [(app.label, names[s - 2])]
        if s < K:
            anchor = next(m for m in app.models if m.kind == "regular")
            ops.append(
                "        migrations.CreateModel(\n"
                f'            name="Scratch{s}",\n'
                "            fields=[\n"
                f"                {auto_id},\n"
                '                ("name", models.CharField(max_length=50)),\n'
                f'                ("anchor", models.ForeignKey(on_delete={ON_DELETE}CASCADE, '
                f"to={q(anchor.label_lower)})),\n"
                "            ],\n"
                "        ),")
        mine = [e for e in events if e.step == s]
        order = {"add": 0, "alter": 1, "rename": 2, "remove": 3, "add_index": 4,
                 "add_constraint": 5, "alter_options": 6}
        mine.sort(key=lambda e: order[e.etype])
        for e in mine:
            m, f = e.model, e.field
            if e.etype == "add":
                ops.append(
                    "        migrations.AddField(\n"
                    f"            model_name={q(m.lower)},\n"
                    f"            name={q(f.name)},\n"
                    f"            field={f.mig_src()},\n"
                    "        ),")
                lab = f.target_label(m)
                if lab and lab != app.label:
                    deps.append(lab)
            elif e.etype == "alter":
                ops.append(
                    "        migrations.AlterField(\n"
                    f"            model_name={q(m.lower)},\n"
                    f"            name={q(f.name)},\n"
                    f"            field={f.mig_src()},\n"
                    "        ),")
            elif e.etype == "rename":
                ops.append(
                    "        migrations.RenameField(\n"
                    f"            model_name={q(m.lower)},\n"
                    f"            old_name={q('legacy_' + f.name)},\n"
                    f"            new_name={q(f.name)},\n"
                    "        ),")
            elif e.etype == "remove":
                ops.append(
                    "        migrations.RemoveField(\n"
                    f"            model_name={q(m.lower)},\n"
                    f"            name={q(e.kw['fname'])},\n"
                    "        ),")
            elif e.etype == "add_index":
                j = len(m.meta["indexes"]) - 1
                ops.append(
                    "        migrations.AddIndex(\n"
                    f"            model_name={q(m.lower)},\n"
                    f"            index={index_src(m, j, m.meta['indexes'][j])},\n"
                    "        ),")
            elif e.etype == "add_constraint":
                j = len(m.meta["constraints"]) - 1
                ops.append(
                    "        migrations.AddConstraint(\n"
                    f"            model_name={q(m.lower)},\n"
                    f"            constraint={constraint_srcs(m, j, m.meta['constraints'][j])[1]},\n"
                    "        ),")
            elif e.etype == "alter_options":
                opts = {k: v for k, v in final_options(m).items() if k in ALTER_KEYS}
                ops.append(
                    "        migrations.AlterModelOptions(\n"
                    f"            name={q(m.lower)},\n"
                    f"            options={render_options(opts, [], [])},\n"
                    "        ),")
        if s > 2:
            ops.append(f'        migrations.DeleteModel(\n            name="Scratch{s - 1}",\n        ),')
        files[names[s - 1] + ".py"] = migration_file(False, deps, ops, own=True)
    return files


def migration_file(initial, deps, ops, own=False):
    # dependencies: keep order, drop duplicates
    seen = []
    for d in deps:
        if d not in seen:
            seen.append(d)
    dep_lines = []
    for d in seen:
        if isinstance(d, tuple):
            dep_lines.append(f"        ({q(d[0])}, {q(d[1])}),")
        elif d == "AUTH":
            dep_lines.append("        migrations.swappable_dependency(settings.AUTH_USER_MODEL),")
        else:
            dep_lines.append(f'        ({q(d)}, "0001_initial"),')
    body = "\n".join(ops)
    text_for_imports = body + "\n".join(dep_lines)
    imports = []
    if "django.db.models.deletion" in text_for_imports:
        imports.append("import django.db.models.deletion")
    if "uuid." in text_for_imports:
        imports.append("import uuid")
    if "settings." in text_for_imports:
        imports.append("from django.conf import settings")
    imports.append("from django.db import migrations, models")
    out = ["# Generated by bench/gen_project.py (djsa benchmark)", "", *imports, "", "",
           "class Migration(migrations.Migration):", ""]
    if initial:
        out += ["    initial = True", ""]
    out.append("    dependencies = [")
    out += dep_lines
    out.append("    ]")
    out.append("")
    out.append("    operations = [")
    if body:
        out.append(body)
    out.append("    ]")
    out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Project files
# --------------------------------------------------------------------------------------------

COMMON_MODELS = '''"""Abstract bases shared by the apps (not an installed app itself)."""

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        get_latest_by = "created_at"


class OwnedModel(TimeStampedModel):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="%(app_label)s_%(class)s_owned",
    )

    class Meta(TimeStampedModel.Meta):
        abstract = True
'''

MANAGE_PY = '''#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
'''

SETTINGS = '''"""Django settings for the generated benchmark project (bench/gen_project.py)."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "django-insecure-djsa-benchmark-not-a-secret"
DEBUG = True
ALLOWED_HOSTS = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
%(apps)s
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "benchsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "benchsite.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
'''

URLS = '''from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
'''

WSGI = '''import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")

application = get_wsgi_application()
'''

ASGI = '''import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")

application = get_asgi_application()
'''


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def generate(out, n_apps, per_app, k_migrations, seed):
    rng = random.Random(seed)
    width = max(1, len(str(n_apps - 1)))
    apps = [App(i, width) for i in range(n_apps)]
    g_counter = [0]
    imports = {}
    for app in apps:
        app.m_count = per_app
        import_refs = set()
        build_app_models(rng, app, apps, g_counter, import_refs)
        imports[app.label] = import_refs

    files = {
        "manage.py": MANAGE_PY,
        "benchsite/__init__.py": "",
        "benchsite/settings.py": SETTINGS % {"apps": "\n".join(f"    {q(a.entry)}," for a in apps)},
        "benchsite/urls.py": URLS,
        "benchsite/wsgi.py": WSGI,
        "benchsite/asgi.py": ASGI,
        "common/__init__.py": "",
        "common/models.py": COMMON_MODELS,
    }
    if any(a.nested for a in apps):
        files["apps/__init__.py"] = ""
    n_migrations = 0
    for app in apps:
        d = app.dir
        files[f"{d}/__init__.py"] = ""
        files[f"{d}/apps.py"] = render_apps_py(app)
        files[f"{d}/models.py"] = render_models(app, imports[app.label])
        files[f"{d}/admin.py"] = render_admin(rng, app)
        if k_migrations > 0:
            events = plan_events(rng, app, k_migrations)
            files[f"{d}/migrations/__init__.py"] = ""
            for name, src in render_migrations(app, events, k_migrations).items():
                files[f"{d}/migrations/{name}"] = src
                n_migrations += 1

    if os.path.exists(out):
        shutil.rmtree(out)
    for rel in sorted(files):
        write(out, rel, files[rel])
    os.chmod(os.path.join(out, "manage.py"), 0o755)

    counts = {}
    for app in apps:
        for m in app.models:
            counts[m.kind] = counts.get(m.kind, 0) + 1
    total = sum(counts.values())
    n_fields = sum(len(m.fields) + len(m.inherited_fields()) for a in apps for m in a.models)
    return {
        "out": out, "apps": n_apps, "models": total, "kinds": counts, "fields": n_fields,
        "migrations": n_migrations, "files": len(files),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("out", help="output directory (replaced if it exists)")
    p.add_argument("--apps", type=int, required=True, metavar="N")
    p.add_argument("--models-per-app", type=int, required=True, metavar="M")
    p.add_argument("--migrations-per-app", type=int, default=0, metavar="K",
                   help="write K migrations per app (0: no migrations package)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    if a.apps < 1 or a.models_per_app < 1 or a.migrations_per_app < 0:
        p.error("--apps and --models-per-app must be >= 1, --migrations-per-app >= 0")
    info = generate(a.out, a.apps, a.models_per_app, a.migrations_per_app, a.seed)
    if not a.quiet:
        kinds = ", ".join(f"{v} {k}" for k, v in sorted(info["kinds"].items()))
        print(f"{info['out']}: {info['apps']} apps, {info['models']} models ({kinds}), "
              f"{info['fields']} fields, {info['migrations']} migrations, {info['files']} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
