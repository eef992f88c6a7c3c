//! Salsa incrementality: an edit re-parses only the edited file, and an edit that does not change
//! a file's syntax facts (a comment) does not re-run the project-level queries.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use djsa_analysis::ProjectConfig;
use djsa_analysis::checks::check_project;
use djsa_analysis::db::{Db, Origin, Project, SourceFile};
use salsa::Setter;

#[salsa::db]
#[derive(Clone)]
struct LoggingDb {
    storage: salsa::Storage<Self>,
    log: Arc<Mutex<Vec<String>>>,
}

#[salsa::db]
impl salsa::Database for LoggingDb {}
#[salsa::db]
impl Db for LoggingDb {}

fn db() -> LoggingDb {
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let l = log.clone();
    let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
        if let salsa::EventKind::WillExecute { database_key } = event.kind {
            l.lock().unwrap().push(format!("{database_key:?}"));
        }
    })));
    LoggingDb { storage, log }
}

fn executed(db: &LoggingDb) -> Vec<String> {
    std::mem::take(&mut *db.log.lock().unwrap())
}

#[test]
fn edits_recompute_only_what_changed() {
    let mut db = db();
    let settings = SourceFile::new(
        &db,
        "cfg/settings.py".into(),
        Some("cfg.settings".into()),
        "INSTALLED_APPS = ['a', 'b']\n".into(),
        Origin::Project,
        false,
    );
    let a = SourceFile::new(
        &db,
        "a/models.py".into(),
        Some("a.models".into()),
        "from django.db import models\nclass X(models.Model):\n    n = models.IntegerField()\n"
            .into(),
        Origin::Project,
        false,
    );
    let b = SourceFile::new(
        &db,
        "b/models.py".into(),
        Some("b.models".into()),
        "from django.db import models\nclass Y(models.Model):\n    n_ = models.IntegerField()\n"
            .into(),
        Origin::Project,
        false,
    );
    let inits: Vec<SourceFile> = ["a", "b"]
        .iter()
        .map(|m| {
            SourceFile::new(
                &db,
                format!("{m}/__init__.py"),
                Some(m.to_string()),
                "".into(),
                Origin::Project,
                false,
            )
        })
        .collect();
    let mut files = vec![settings, a, b];
    files.extend(inits);
    let project = Project::new(
        &db,
        files,
        ProjectConfig {
            settings_module: Some("cfg.settings".into()),
            ..Default::default()
        },
    );
    assert_eq!(check_project(&db, project).len(), 1);
    executed(&db);

    // A trailing-comment edit in a: a is re-parsed, its facts compare equal, nothing else re-runs.
    // (Facts carry byte positions, so an edit that shifts code does re-run the project queries.)
    a.set_text(&mut db).to("from django.db import models\nclass X(models.Model):\n    n = models.IntegerField()\n# done\n".into());
    assert_eq!(check_project(&db, project).len(), 1);
    let ran = executed(&db);
    assert!(
        ran.iter().any(|q| q.starts_with("module_syntax")),
        "{ran:?}"
    );
    assert!(
        !ran.iter()
            .any(|q| q.starts_with("check_project") || q.starts_with("project_model")),
        "{ran:?}"
    );
    assert_eq!(
        ran.iter()
            .filter(|q| q.starts_with("module_syntax"))
            .count(),
        1,
        "{ran:?}"
    );

    // A real edit in b re-runs the project queries and finds the fix.
    b.set_text(&mut db).to(
        "from django.db import models\nclass Y(models.Model):\n    n = models.IntegerField()\n"
            .into(),
    );
    assert_eq!(check_project(&db, project).len(), 0);
    let ran = executed(&db);
    assert!(
        ran.iter().any(|q| q.starts_with("check_project")),
        "{ran:?}"
    );
}

#[test]
fn model_edits_do_not_reread_migrations() {
    let mut db = db();
    let file = |db: &LoggingDb, path: &str, module: &str, text: &str| {
        SourceFile::new(
            db,
            path.into(),
            Some(module.into()),
            text.into(),
            Origin::Project,
            false,
        )
    };
    let settings = file(
        &db,
        "cfg/settings.py",
        "cfg.settings",
        "INSTALLED_APPS = ['a']\nDEFAULT_AUTO_FIELD = 'django.db.models.AutoField'\n",
    );
    let model = |len: u32| {
        format!(
            "from django.db import models\nclass X(models.Model):\n    n = models.CharField(max_length={len})\n"
        )
    };
    let a = file(&db, "a/models.py", "a.models", &model(10));
    let init = file(&db, "a/__init__.py", "a", "");
    let pkg = file(&db, "a/migrations/__init__.py", "a.migrations", "");
    let m1 = file(
        &db,
        "a/migrations/0001_initial.py",
        "a.migrations.0001_initial",
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n    operations = [\n        migrations.CreateModel(\n            name='X',\n            fields=[\n                ('id', models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),\n                ('n', models.CharField(max_length=10)),\n            ],\n        ),\n    ]\n",
    );
    let project = Project::new(
        &db,
        vec![settings, a, init, pkg, m1],
        ProjectConfig {
            settings_module: Some("cfg.settings".into()),
            ..Default::default()
        },
    );
    let codes = |db: &LoggingDb| -> Vec<String> {
        check_project(db, project)
            .iter()
            .map(|d| d.code.clone())
            .collect()
    };
    assert_eq!(codes(&db), Vec::<String>::new());
    let ran = executed(&db);
    assert!(
        ran.iter().any(|q| q.starts_with("parsed_migration")),
        "{ran:?}"
    );

    // The model changes: drift is found, but the migration is not read or replayed again.
    a.set_text(&mut db).to(model(20).into());
    assert_eq!(codes(&db), vec!["DJSA101".to_string()]);
    let ran = executed(&db);
    assert!(
        ran.iter().any(|q| q.starts_with("migration_analysis")),
        "{ran:?}"
    );
    assert!(
        !ran.iter()
            .any(|q| q.starts_with("parsed_migration") || q.starts_with("migration_history")),
        "{ran:?}"
    );

    // The migration changes: only it is read again, and the drift is gone.
    let fixed = m1.text(&db).replace("max_length=10", "max_length=20");
    m1.set_text(&mut db).to(fixed.into());
    assert_eq!(codes(&db), Vec::<String>::new());
    let ran = executed(&db);
    assert_eq!(
        ran.iter()
            .filter(|q| q.starts_with("parsed_migration"))
            .count(),
        1,
        "{ran:?}"
    );
}

/// Model and field checks run one query per app over per-model tracked facts: an option edit in
/// one model re-checks its app (and apps whose models read it), not the whole project; an edit
/// that keeps every position (a comment of the same length) re-checks nothing.
#[test]
fn a_model_edit_rechecks_only_the_apps_that_read_it() {
    let mut db = db();
    let file = |db: &LoggingDb, path: &str, module: &str, text: &str| {
        SourceFile::new(
            db,
            path.into(),
            Some(module.into()),
            text.into(),
            Origin::Project,
            false,
        )
    };
    let settings = file(
        &db,
        "cfg/settings.py",
        "cfg.settings",
        "INSTALLED_APPS = ['a', 'b', 'c']\n",
    );
    let a_text = |n: u32, comment: &str| {
        format!(
            "from django.db import models\nclass X(models.Model):{comment}\n    name = models.CharField(max_length={n})\n"
        )
    };
    let a = file(&db, "a/models.py", "a.models", &a_text(10, ""));
    let b_text = |n: u32| {
        format!(
            "from django.db import models\nclass Y(models.Model):\n    name = models.CharField(max_length={n})\n    bad = models.CharField(max_length=-1)\n"
        )
    };
    let b = file(&db, "b/models.py", "b.models", &b_text(10));
    let c = file(
        &db,
        "c/models.py",
        "c.models",
        "from django.db import models\nclass Z(models.Model):\n    x = models.ForeignKey('a.X', on_delete=models.CASCADE)\n",
    );
    let mut files = vec![settings, a, b, c];
    for m in ["a", "b", "c", "cfg"] {
        files.push(file(&db, &format!("{m}/__init__.py"), m, ""));
    }
    let project = Project::new(
        &db,
        files,
        ProjectConfig {
            settings_module: Some("cfg.settings".into()),
            ..Default::default()
        },
    );
    let codes = |db: &LoggingDb| -> Vec<String> {
        check_project(db, project)
            .iter()
            .map(|d| d.code.clone())
            .collect()
    };
    assert_eq!(codes(&db), ["fields.E121"]);
    executed(&db);
    let app_checks = |ran: &[String]| {
        ran.iter()
            .filter(|q| q.starts_with("app_model_and_field_checks"))
            .count()
    };

    // b's option edit: b alone is re-checked, and b's models alone get their migration state
    // again; the finding is still there.
    b.set_text(&mut db).to(b_text(20).into());
    assert_eq!(codes(&db), ["fields.E121"]);
    let ran = executed(&db);
    assert!(ran.iter().any(|q| q.starts_with("model_facts")), "{ran:?}");
    assert_eq!(app_checks(&ran), 1, "{ran:?}");
    // The model index is re-assembled, but only the edited file's class bodies are read again.
    assert_eq!(
        ran.iter()
            .filter(|q| q.starts_with("file_class_bodies"))
            .count(),
        1,
        "{ran:?}"
    );
    assert_eq!(
        ran.iter()
            .filter(|q| q.starts_with("app_models_state"))
            .count(),
        1,
        "{ran:?}"
    );
    // The other families split by app re-check at most b (Y has no relations to read), and their
    // per-app results compare equal, so the families themselves do not run again.
    for per_app in ["app_related_checks", "app_contrib_and_admin_checks"] {
        assert!(
            ran.iter().filter(|q| q.starts_with(per_app)).count() <= 1,
            "{per_app}: {ran:?}"
        );
    }
    for family in ["related_checks", "contrib_and_admin_checks"] {
        assert!(
            !ran.iter().any(|q| q.starts_with(family)),
            "{family}: {ran:?}"
        );
    }

    // a's option edit: c's share of the reverse relations is read again (its foreign key points
    // at X), but the relations compare equal, so a alone is re-checked.
    a.set_text(&mut db).to(a_text(20, "").into());
    assert_eq!(codes(&db), ["fields.E121"]);
    let ran = executed(&db);
    assert_eq!(app_checks(&ran), 1, "{ran:?}");
    assert!(
        ran.iter()
            .filter(|q| q.starts_with("app_reverse_relations"))
            .count()
            <= 2,
        "{ran:?}"
    );

    // A comment that keeps every position: a is re-parsed and nothing is re-checked.
    a.set_text(&mut db).to(a_text(20, "  # 1").into());
    assert_eq!(codes(&db), ["fields.E121"]);
    executed(&db);
    a.set_text(&mut db).to(a_text(20, "  # 2").into());
    assert_eq!(codes(&db), ["fields.E121"]);
    let ran = executed(&db);
    assert!(
        ran.iter().any(|q| q.starts_with("module_syntax")),
        "{ran:?}"
    );
    assert!(
        !ran.iter().any(|q| q.starts_with("model_and_field_checks")
            || q.starts_with("app_model_and_field_checks")),
        "{ran:?}"
    );
}
