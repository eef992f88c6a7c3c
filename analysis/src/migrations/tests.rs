//! End-to-end tests of the migrations module on small in-memory projects.

use crate::config::ProjectConfig;
use crate::db::{Origin, Project, RootDatabase, SourceFile};

use super::autodetect::{Op, optimize};
use super::parse::{RawOp, Val};
use super::state::{FieldCx, ProjectState, apply, deconstruct};
use super::{PlanOptions, migration_analysis, plan, writer};

fn project(db: &RootDatabase, files: &[(&str, &str, &str)]) -> Project {
    crate::db::test_project(db, files, crate::db::test_config("proj.settings"))
}

const SETTINGS: &str =
    "INSTALLED_APPS = ['shop']\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n";
const INITIAL: &str = "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n    operations = [\n        migrations.CreateModel(\n            name='Book',\n            fields=[\n                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),\n                ('title', models.CharField(max_length=100)),\n            ],\n        ),\n    ]\n";

fn shop(db: &RootDatabase, models: &str, extra: &[(&str, &str, &str)]) -> Project {
    let mut files = vec![
        ("proj/__init__.py", "proj", ""),
        ("proj/settings.py", "proj.settings", SETTINGS),
        ("shop/__init__.py", "shop", ""),
        ("shop/models.py", "shop.models", models),
        ("shop/migrations/__init__.py", "shop.migrations", ""),
        (
            "shop/migrations/0001_initial.py",
            "shop.migrations.0001_initial",
            INITIAL,
        ),
    ];
    files.extend_from_slice(extra);
    project(db, &files)
}

fn opts() -> PlanOptions<'static> {
    PlanOptions {
        apps: Vec::new(),
        name: None,
        timestamp: "20260101_0000",
        renames: Vec::new(),
    }
}

#[test]
fn no_drift_when_models_match() {
    let db = RootDatabase::default();
    let p = shop(
        &db,
        "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100)\n",
        &[],
    );
    let ma = migration_analysis(&db, p);
    assert!(ma.skipped.is_empty(), "{:?}", ma.skipped);
    assert_eq!(*ma.from_state, ma.to_state);
    let pl = plan(&db, p, &opts());
    assert!(pl.migrations.is_empty());
}

#[test]
fn add_field_writes_djangos_migration() {
    let db = RootDatabase::default();
    let p = shop(
        &db,
        "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100)\n    isbn = models.CharField('ISBN', max_length=13, blank=True)\n",
        &[],
    );
    let pl = plan(&db, p, &opts());
    assert_eq!(pl.migrations.len(), 1, "{:?}", pl.cannot);
    let m = &pl.migrations[0];
    assert_eq!(m.name, "0002_book_isbn");
    assert_eq!(m.operations[0].describe(), "+ Add field isbn to book");
    let text = writer::migration_text(m, None);
    assert!(
        text.contains("field=models.CharField(blank=True, max_length=13, verbose_name='ISBN'),"),
        "{text}"
    );
    assert!(text.contains("('shop', '0001_initial'),"));
    // The check reports it on the field, with a fix that creates the file.
    let diags = super::diagnostics(&db, p);
    let d = diags
        .iter()
        .find(|d| d.code == "DJSA101")
        .expect("drift diagnostic");
    assert!(d.message.contains("Add field isbn to book"));
    assert_eq!(
        d.fixes[0].title,
        "Create migration shop/migrations/0002_book_isbn.py"
    );
}

#[test]
fn unreadable_migration_skips_the_app_once() {
    let db = RootDatabase::default();
    let p = shop(
        &db,
        "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=200)\n",
        &[(
            "shop/migrations/0002_dynamic.py",
            "shop.migrations.0002_dynamic",
            "from django.db import migrations\nfrom .ops import make\n\nclass Migration(migrations.Migration):\n    dependencies = [('shop', '0001_initial')]\n    operations = [make()]\n",
        )],
    );
    let diags = super::diagnostics(&db, p);
    assert_eq!(diags.iter().filter(|d| d.code == "DJSA104").count(), 1);
    assert!(!diags.iter().any(|d| d.code == "DJSA101"));
}

#[test]
fn missing_dependency_and_conflicts_are_reported() {
    let db = RootDatabase::default();
    let m2 = |dep: &str| {
        format!(
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    dependencies = [('shop', '{dep}')]\n    operations = []\n"
        )
    };
    let a = m2("0001_initial");
    let b = m2("0001_initial");
    let c = m2("0001_missing");
    let p = shop(
        &db,
        "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100)\n",
        &[
            ("shop/migrations/0002_a.py", "shop.migrations.0002_a", &a),
            ("shop/migrations/0002_b.py", "shop.migrations.0002_b", &b),
            ("shop/migrations/0003_c.py", "shop.migrations.0003_c", &c),
        ],
    );
    let diags = super::diagnostics(&db, p);
    assert!(diags.iter().any(|d| d.code == "DJSA102"), "{diags:?}");
    assert!(
        diags
            .iter()
            .any(|d| d.code == "DJSA103" && d.message.contains("('shop', '0001_missing')"))
    );
}

#[test]
fn replay_applies_field_operations() {
    let cx_aum = "auth.User";
    let mut st = ProjectState::default();
    let field = |max: i128| {
        Val::call(
            "django.db.models.CharField",
            vec![],
            vec![("max_length".into(), Val::int(max))],
        )
    };
    let op = |name: &str, kw: Vec<(&str, Val)>| RawOp {
        name: name.into(),
        kwargs: kw.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        span: Default::default(),
    };
    apply(
        &mut st,
        "shop",
        &op(
            "CreateModel",
            vec![
                ("name", Val::Str("Book".into())),
                (
                    "fields",
                    Val::List(vec![Val::Tuple(vec![Val::Str("title".into()), field(10)])]),
                ),
            ],
        ),
        cx_aum,
    )
    .expect("create");
    apply(
        &mut st,
        "shop",
        &op(
            "AlterField",
            vec![
                ("model_name", Val::Str("book".into())),
                ("name", Val::Str("title".into())),
                ("field", field(20)),
            ],
        ),
        cx_aum,
    )
    .expect("alter");
    apply(
        &mut st,
        "shop",
        &op(
            "RenameField",
            vec![
                ("model_name", Val::Str("book".into())),
                ("old_name", Val::Str("title".into())),
                ("new_name", Val::Str("name".into())),
            ],
        ),
        cx_aum,
    )
    .expect("rename");
    let m = st.get("shop", "book").expect("model");
    assert_eq!(m.fields[0].0, "name");
    assert_eq!(m.fields[0].1.get("max_length"), Some(&Val::int(20)));
    assert!(
        apply(
            &mut st,
            "shop",
            &op(
                "RemoveField",
                vec![
                    ("model_name", Val::Str("book".into())),
                    ("name", Val::Str("nope".into()))
                ]
            ),
            cx_aum
        )
        .is_err()
    );
}

#[test]
fn deconstruct_drops_defaults_and_normalises_relations() {
    let cx = FieldCx {
        app_label: "shop",
        model_name: "Book",
        auth_user_model: "auth.User",
    };
    let f = deconstruct(
        "django.db.models.ForeignKey",
        &[
            Val::Str("auth.User".into()),
            Val::Ref("django.db.models.deletion.CASCADE".into()),
        ],
        &[
            ("null".into(), Val::Bool(false)),
            ("db_index".into(), Val::Bool(true)),
        ],
        &cx,
    )
    .expect("fk");
    assert_eq!(f.kwargs.len(), 2);
    assert_eq!(f.swappable_setting(), Some("AUTH_USER_MODEL"));
    let e = deconstruct("django.db.models.EmailField", &[], &[], &cx).expect("email");
    assert_eq!(e.get("max_length"), Some(&Val::int(254)));
}

#[test]
fn optimizer_folds_foreign_keys_into_create_model() {
    let fk = deconstruct(
        "django.db.models.ForeignKey",
        &[],
        &[
            ("to".into(), Val::Str("shop.author".into())),
            (
                "on_delete".into(),
                Val::Ref("django.db.models.deletion.CASCADE".into()),
            ),
        ],
        &FieldCx {
            app_label: "shop",
            model_name: "Book",
            auth_user_model: "auth.User",
        },
    )
    .expect("fk");
    let create = |n: &str| Op::CreateModel {
        name: n.into(),
        fields: vec![],
        options: vec![],
        bases: vec![],
        managers: vec![],
    };
    let ops = vec![
        create("Author"),
        create("Book"),
        Op::AddField {
            model_name: "book".into(),
            name: "author".into(),
            field: fk,
        },
    ];
    let out = optimize(ops, "shop");
    assert_eq!(out.len(), 2);
    let Op::CreateModel { name, fields, .. } = &out[1] else {
        panic!("create expected")
    };
    assert_eq!(name, "Book");
    assert_eq!(fields.len(), 1);
}

#[test]
fn dependency_cycle_is_reported_and_other_apps_still_replay() {
    let db = RootDatabase::default();
    let mig = |deps: &str| {
        format!(
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    dependencies = [{deps}]\n    operations = []\n"
        )
    };
    let a = mig("('shop', '0001_initial'), ('shop', '0003_b')");
    let b = mig("('shop', '0002_a')");
    let p = shop(
        &db,
        "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100)\n",
        &[
            ("shop/migrations/0002_a.py", "shop.migrations.0002_a", &a),
            ("shop/migrations/0003_b.py", "shop.migrations.0003_b", &b),
        ],
    );
    let diags = super::diagnostics(&db, p);
    assert_eq!(
        diags.iter().filter(|d| d.code == "DJSA105").count(),
        2,
        "{diags:?}"
    );
    let pl = plan(&db, p, &opts());
    assert!(pl.migrations.is_empty());
    assert!(pl.cannot.iter().any(|(a, _)| a == "shop"));
}

#[test]
fn library_apps_are_never_written() {
    let db = RootDatabase::default();
    let mut files: Vec<SourceFile> = Vec::new();
    for (path, module, text) in [
        ("proj/__init__.py", "proj", ""),
        (
            "proj/settings.py",
            "proj.settings",
            "INSTALLED_APPS = ['lib']\n",
        ),
    ] {
        files.push(SourceFile::new(
            &db,
            path.into(),
            Some(module.into()),
            text.into(),
            Origin::Project,
            false,
        ));
    }
    for (path, module, text) in [
        ("/site/lib/__init__.py", "lib", ""),
        (
            "/site/lib/models.py",
            "lib.models",
            "from django.db import models\n\nclass Thing(models.Model):\n    name = models.CharField(max_length=5)\n",
        ),
        ("/site/lib/migrations/__init__.py", "lib.migrations", ""),
    ] {
        files.push(SourceFile::new(
            &db,
            path.into(),
            Some(module.into()),
            text.into(),
            Origin::Library,
            false,
        ));
    }
    let config = ProjectConfig {
        settings_module: Some("proj.settings".into()),
        ..Default::default()
    };
    let p = Project::new(&db, files, config);
    let pl = plan(&db, p, &opts());
    assert!(pl.migrations.is_empty());
    assert!(pl.cannot.iter().any(|(a, _)| a == "lib"));
    assert!(
        !super::diagnostics(&db, p)
            .iter()
            .any(|d| d.code == "DJSA101")
    );
}

#[test]
fn combined_q_conditions_are_written_as_django_deconstructs_them() {
    let db = RootDatabase::default();
    let p = shop(
        &db,
        "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100)\n\n    class Meta:\n        constraints = [models.CheckConstraint(condition=(models.Q(title='a') | models.Q(title__startswith='b')) & ~models.Q(title='c'), name='c1')]\n",
        &[],
    );
    let pl = plan(&db, p, &opts());
    assert_eq!(pl.migrations.len(), 1, "{:?}", pl.cannot);
    let text = writer::migration_text(&pl.migrations[0], None);
    assert!(
        text.contains("condition=models.Q(models.Q(('title', 'a'), ('title__startswith', 'b'), _connector='OR'), models.Q(('title', 'c'), _negated=True)), name='c1')"),
        "{text}"
    );
}

#[test]
fn not_null_field_without_default_stops_like_the_noninteractive_questioner() {
    let db = RootDatabase::default();
    let p = shop(
        &db,
        "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100)\n    isbn = models.CharField(max_length=13)\n",
        &[],
    );
    let pl = plan(&db, p, &opts());
    assert!(pl.migrations.is_empty());
    assert_eq!(
        pl.log,
        vec!["Field 'isbn' on model 'book' not migrated: it is impossible to add a non-nullable field without specifying a default.".to_string()]
    );
    assert!(pl.abort.is_some());
    let diags = super::diagnostics(&db, p);
    let d = diags
        .iter()
        .find(|d| d.code == "DJSA101")
        .expect("drift diagnostic");
    assert!(
        d.message
            .contains("It is impossible to add a non-nullable field 'isbn' to book"),
        "{}",
        d.message
    );
}

#[test]
fn table_comment_and_renamed_model_are_detected() {
    let db = RootDatabase::default();
    let p = shop(
        &db,
        "from django.db import models\n\nclass Volume(models.Model):\n    title = models.CharField(max_length=100)\n",
        &[],
    );
    // --noinput: delete + create; the rename is offered as a second fix.
    let pl = plan(&db, p, &opts());
    let ops: Vec<String> = pl.migrations[0]
        .operations
        .iter()
        .map(|o| o.describe())
        .collect();
    assert_eq!(ops, vec!["+ Create model Volume", "- Delete model Book"]);
    let mut o = opts();
    o.renames = vec![("shop".into(), String::new(), "Book".into(), "Volume".into())];
    let pl = plan(&db, p, &o);
    assert_eq!(pl.migrations[0].name, "0002_rename_book_volume");
    let text = writer::migration_text(&pl.migrations[0], None);
    assert!(
        text.contains("migrations.RenameModel(\n            old_name='Book',\n            new_name='Volume',\n        ),"),
        "{text}"
    );
    let diags = super::diagnostics(&db, p);
    assert!(diags.iter().any(|d| {
        d.fixes
            .iter()
            .any(|f| f.title.starts_with("Rename model Book to Volume"))
    }));
}

/// A `shop` app with its settings, models and extra migrations after `0001_initial`.
fn shop_with(
    db: &RootDatabase,
    settings: &str,
    models: &str,
    extra: &[(&str, &str, &str)],
) -> Project {
    let mut files = vec![
        ("proj/__init__.py", "proj", ""),
        ("proj/settings.py", "proj.settings", settings),
        ("shop/__init__.py", "shop", ""),
        ("shop/models.py", "shop.models", models),
        ("shop/migrations/__init__.py", "shop.migrations", ""),
        (
            "shop/migrations/0001_initial.py",
            "shop.migrations.0001_initial",
            INITIAL,
        ),
    ];
    files.extend_from_slice(extra);
    project(db, &files)
}

const BOOK_UNIQUE: &str = "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100, unique=True)\n";

/// `getattr(settings, NAME, default)` at module level, an `if` on it in the class body and
/// `operations += [...]` (django-allauth's account migrations).
const GETATTR_MIGRATION: &str = "from django.conf import settings\nfrom django.db import migrations, models\n\nUNIQUE = getattr(settings, 'SHOP_UNIQUE', True)\n\nclass Migration(migrations.Migration):\n    dependencies = [('shop', '0001_initial')]\n    operations = [\n        migrations.AlterField(model_name='book', name='title', field=models.CharField(max_length=100, unique=UNIQUE)),\n    ]\n    if not UNIQUE:\n        operations += [\n            migrations.AlterUniqueTogether(name='book', unique_together={('id', 'title')}),\n        ]\n";

fn getattr_project(db: &RootDatabase, settings: &str, models: &str) -> Project {
    shop_with(
        db,
        settings,
        models,
        &[(
            "shop/migrations/0002_unique.py",
            "shop.migrations.0002_unique",
            GETATTR_MIGRATION,
        )],
    )
}

#[test]
fn getattr_of_an_unset_setting_takes_its_default() {
    let db = RootDatabase::default();
    let p = getattr_project(&db, SETTINGS, BOOK_UNIQUE);
    let ma = migration_analysis(&db, p);
    assert!(ma.skipped.is_empty(), "{:?}", ma.skipped);
    assert_eq!(*ma.from_state, ma.to_state);
}

#[test]
fn getattr_of_a_set_setting_takes_its_value_and_runs_the_if_branch() {
    let db = RootDatabase::default();
    let settings = format!("{SETTINGS}SHOP_UNIQUE = False\n");
    let models = "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100)\n\n    class Meta:\n        unique_together = [('id', 'title')]\n";
    let p = getattr_project(&db, &settings, models);
    let ma = migration_analysis(&db, p);
    assert!(ma.skipped.is_empty(), "{:?}", ma.skipped);
    assert!(plan(&db, p, &opts()).migrations.is_empty());
    // The branch ran: without it, the models' unique_together would be drift.
    let book = ma
        .from_state
        .models
        .get(&("shop".to_string(), "book".to_string()))
        .expect("shop.book is in the migration state");
    assert!(book.option("unique_together").is_some());
}

/// Why app `shop` is not compared, with `m` as its second migration.
fn skipped_with_migration(db: &RootDatabase, m: &str) -> String {
    let p = shop_with(
        db,
        SETTINGS,
        BOOK_UNIQUE,
        &[(
            "shop/migrations/0002_unique.py",
            "shop.migrations.0002_unique",
            m,
        )],
    );
    migration_analysis(db, p)
        .skipped_reason("shop")
        .unwrap_or_default()
        .to_string()
}

#[test]
fn getattr_bails_out_when_the_setting_may_be_set_elsewhere() {
    // A star import of a module djsa does not have: SHOP_UNIQUE may come from it.
    let db = RootDatabase::default();
    let settings = format!("from somewhere_else import *\n{SETTINGS}");
    let p = getattr_project(&db, &settings, BOOK_UNIQUE);
    let ma = migration_analysis(&db, p);
    let why = ma.skipped_reason("shop").unwrap_or_default();
    assert!(why.contains("SHOP_UNIQUE is not known statically"), "{why}");

    // A Django setting missing from the project has Django's default, not getattr's.
    let db = RootDatabase::default();
    let m = GETATTR_MIGRATION.replace("SHOP_UNIQUE", "USE_TZ");
    let why = skipped_with_migration(&db, &m);
    assert!(why.contains("USE_TZ is not known statically"), "{why}");

    // A container setting: the evaluator does not keep tuples apart from lists.
    let db = RootDatabase::default();
    let settings = format!("{SETTINGS}SHOP_UNIQUE = ('a',)\n");
    let p = getattr_project(&db, &settings, BOOK_UNIQUE);
    let ma = migration_analysis(&db, p);
    let why = ma.skipped_reason("shop").unwrap_or_default();
    assert!(why.contains("SHOP_UNIQUE is not known statically"), "{why}");

    // A condition djsa cannot judge still stops the reading.
    let db = RootDatabase::default();
    let m = GETATTR_MIGRATION.replace("if not UNIQUE:", "if settings.SHOP_FLAG():");
    let why = skipped_with_migration(&db, &m);
    assert!(why.contains("conditional code"), "{why}");
}

#[test]
fn empty_set_call_and_models_set_on_delete_are_read() {
    let db = RootDatabase::default();
    let m2 = "from django.db import migrations, models\nimport shop.models\n\nclass Migration(migrations.Migration):\n    dependencies = [('shop', '0001_initial')]\n    operations = [\n        migrations.AlterUniqueTogether(name='book', unique_together=set()),\n        migrations.CreateModel(name='Review', fields=[\n            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),\n            ('book', models.ForeignKey(on_delete=models.SET(shop.models.default_book), to='shop.book')),\n        ]),\n    ]\n";
    let models = "from django.db import models\n\ndef default_book():\n    return None\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100)\n\nclass Review(models.Model):\n    book = models.ForeignKey(Book, on_delete=models.SET(default_book))\n";
    let p = shop_with(
        &db,
        SETTINGS,
        models,
        &[(
            "shop/migrations/0002_review.py",
            "shop.migrations.0002_review",
            m2,
        )],
    );
    let ma = migration_analysis(&db, p);
    assert!(ma.skipped.is_empty(), "{:?}", ma.skipped);
    assert!(plan(&db, p, &opts()).migrations.is_empty());

    // A different function given to SET() is drift.
    let db = RootDatabase::default();
    let other = models.replace(
        "on_delete=models.SET(default_book)",
        "on_delete=models.SET(None)",
    );
    let p = shop_with(
        &db,
        SETTINGS,
        &other,
        &[(
            "shop/migrations/0002_review.py",
            "shop.migrations.0002_review",
            m2,
        )],
    );
    let ma = migration_analysis(&db, p);
    assert!(ma.skipped.is_empty(), "{:?}", ma.skipped);
    assert!(!plan(&db, p, &opts()).migrations.is_empty());
}

#[test]
fn unreadable_migration_replaced_by_a_squash_does_not_stop_the_app() {
    let db = RootDatabase::default();
    let dynamic = "from django.db import migrations\nfrom .ops import make\n\nclass Migration(migrations.Migration):\n    dependencies = [('shop', '0001_initial')]\n    operations = [make()]\n";
    let squash = INITIAL.replace(
        "initial = True\n",
        "initial = True\n    replaces = [('shop', '0001_initial'), ('shop', '0002_dynamic')]\n",
    );
    let models = "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100)\n";
    let p = shop_with(
        &db,
        SETTINGS,
        models,
        &[
            (
                "shop/migrations/0002_dynamic.py",
                "shop.migrations.0002_dynamic",
                dynamic,
            ),
            (
                "shop/migrations/0001_squashed_0002_dynamic.py",
                "shop.migrations.0001_squashed_0002_dynamic",
                &squash,
            ),
        ],
    );
    let ma = migration_analysis(&db, p);
    assert!(ma.skipped.is_empty(), "{:?}", ma.skipped);
    assert_eq!(*ma.from_state, ma.to_state);
    // Not replaced: the app is not compared.
    let db = RootDatabase::default();
    let p = shop_with(
        &db,
        SETTINGS,
        models,
        &[(
            "shop/migrations/0002_dynamic.py",
            "shop.migrations.0002_dynamic",
            dynamic,
        )],
    );
    let ma = migration_analysis(&db, p);
    assert!(ma.skipped_reason("shop").is_some());
}

#[test]
fn runpython_subclass_without_state_forwards_leaves_the_state_alone() {
    let ops = "from django.db import migrations\n\nclass Bootstrap(migrations.RunPython):\n    def __init__(self, label):\n        def forwards(apps, schema_editor):\n            pass\n        super().__init__(forwards, migrations.RunPython.noop)\n\nclass Stateful(Bootstrap):\n    def state_forwards(self, app_label, state):\n        pass\n";
    let m2 = |op: &str| {
        format!(
            "from django.db import migrations\nfrom shop.ops import Bootstrap, Stateful\n\nclass Migration(migrations.Migration):\n    dependencies = [('shop', '0001_initial')]\n    operations = [{op}('shop.Book')]\n"
        )
    };
    let models = "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100)\n";
    let db = RootDatabase::default();
    let m = m2("Bootstrap");
    let p = shop_with(
        &db,
        SETTINGS,
        models,
        &[
            ("shop/ops.py", "shop.ops", ops),
            (
                "shop/migrations/0002_boot.py",
                "shop.migrations.0002_boot",
                &m,
            ),
        ],
    );
    let ma = migration_analysis(&db, p);
    assert!(ma.skipped.is_empty(), "{:?}", ma.skipped);
    assert_eq!(*ma.from_state, ma.to_state);
    // A subclass with its own state_forwards is not followed.
    let db = RootDatabase::default();
    let m = m2("Stateful");
    let p = shop_with(
        &db,
        SETTINGS,
        models,
        &[
            ("shop/ops.py", "shop.ops", ops),
            (
                "shop/migrations/0002_boot.py",
                "shop.migrations.0002_boot",
                &m,
            ),
        ],
    );
    let ma = migration_analysis(&db, p);
    let why = ma.skipped_reason("shop").unwrap_or_default();
    assert!(why.contains("custom operation"), "{why}");
}

#[test]
fn swapper_model_name_follows_only_known_prefixes() {
    let files = |model_expr: &str| {
        let models = format!(
            "import swapper\nfrom django.db import models\n\nclass Page(models.Model):\n    pass\n\nclass Book(models.Model):\n    page = models.ForeignKey({model_expr}, on_delete=models.CASCADE)\n"
        );
        let init = format!(
            "import swapper\nfrom django.db import migrations, models\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n    operations = [\n        migrations.CreateModel(name='Page', fields=[('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID'))]),\n        migrations.CreateModel(name='Book', fields=[('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')), ('page', models.ForeignKey(on_delete=models.CASCADE, to={model_expr}))]),\n    ]\n"
        );
        (models, init)
    };
    let settings =
        "INSTALLED_APPS = ['wagtailcore']\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n";
    let run = |expr: &str| {
        let db = RootDatabase::default();
        let (models, init) = files(expr);
        let p = project(
            &db,
            &[
                ("proj/__init__.py", "proj", ""),
                ("proj/settings.py", "proj.settings", settings),
                ("wagtailcore/__init__.py", "wagtailcore", ""),
                ("wagtailcore/models.py", "wagtailcore.models", &models),
                (
                    "wagtailcore/migrations/__init__.py",
                    "wagtailcore.migrations",
                    "",
                ),
                (
                    "wagtailcore/migrations/0001_initial.py",
                    "wagtailcore.migrations.0001_initial",
                    &init,
                ),
            ],
        );
        let ma = migration_analysis(&db, p);
        (ma.skipped.clone(), *ma.from_state == ma.to_state)
    };
    let (skipped, same) = run("swapper.get_model_name('wagtailcore', 'Page')");
    assert!(skipped.is_empty(), "{skipped:?}");
    assert!(same);
    // Another app's prefix may have been changed with set_app_prefix(): not followed.
    let (skipped, _) = run("swapper.get_model_name('shop', 'Page')");
    assert!(
        skipped.iter().any(|(_, w)| w.contains("swapper prefix")),
        "{skipped:?}"
    );
}

#[test]
fn queryset_as_manager_is_a_manager_not_used_in_migrations() {
    // As wagtail's AbstractDocument declares it (on an abstract parent).
    let models = |qs_body: &str| {
        format!(
            "from django.db import models\n\nclass Mixin:\n    def published(self):\n        return self\n\nclass BookQuerySet(Mixin, models.QuerySet):\n{qs_body}\n\nclass Base(models.Model):\n    objects = BookQuerySet.as_manager()\n\n    class Meta:\n        abstract = True\n\nclass Book(Base):\n    title = models.CharField(max_length=100)\n"
        )
    };
    let db = RootDatabase::default();
    let p = shop(&db, &models("    pass\n"), &[]);
    let ma = migration_analysis(&db, p);
    assert!(ma.skipped.is_empty(), "{:?}", ma.skipped);
    assert!(plan(&db, p, &opts()).migrations.is_empty());
    // A queryset with its own as_manager() may build anything.
    let db = RootDatabase::default();
    let p = shop(
        &db,
        &models("    @classmethod\n    def as_manager(cls):\n        return None\n"),
        &[],
    );
    let ma = migration_analysis(&db, p);
    let why = ma.skipped_reason("shop").unwrap_or_default();
    assert!(why.contains("manager djsa cannot read"), "{why}");
}

#[test]
fn a_refused_rename_is_reported_once() {
    let db = RootDatabase::default();
    let p = shop(
        &db,
        "from django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=100)\n",
        &[],
    );
    let mut o = opts();
    o.renames = vec![(
        "shop".to_string(),
        String::new(),
        "Nope".to_string(),
        "Other".to_string(),
    )];
    let pl = plan(&db, p, &o);
    let refusals: Vec<&(String, String)> = pl.cannot.iter().filter(|(a, _)| a == "shop").collect();
    assert_eq!(refusals.len(), 1, "{:?}", pl.cannot);
    assert!(
        refusals[0].1.contains("no such model to rename"),
        "{:?}",
        pl.cannot
    );
}
