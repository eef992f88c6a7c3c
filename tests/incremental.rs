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
