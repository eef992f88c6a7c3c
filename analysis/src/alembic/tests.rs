//! Unit tests of the Alembic support, on in-memory projects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::config::ProjectConfig;
use crate::db::RootDatabase;

const MODELS: &str = "from typing import Optional\nfrom sqlalchemy import ForeignKey, String\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\nclass Base(DeclarativeBase):\n    pass\n\n\nclass Book(Base):\n    __tablename__ = \"book\"\n    id: Mapped[int] = mapped_column(primary_key=True)\n    title: Mapped[str] = mapped_column(String(50))\n";

const ENV: &str = "from alembic import context\nfrom models import Base\n\ntarget_metadata = Base.metadata\n\n\ndef run():\n    context.configure(target_metadata=target_metadata, render_as_batch=True)\n";

const INI: &str = "[alembic]\nscript_location = %(here)s\nprepend_sys_path = .\nsqlalchemy.url = sqlite:///test.db\n\n[loggers]\nkeys = root\n";

fn rev(id: &str, down: &str, body: &str) -> String {
    format!(
        "\"\"\"m\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = '{id}'\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n{body}\n\n\ndef downgrade():\n    pass\n"
    )
}

const BOOK: &str = "    op.create_table('book',\n    sa.Column('id', sa.Integer(), nullable=False),\n    sa.Column('title', sa.String(length=50), nullable=False),\n    sa.PrimaryKeyConstraint('id')\n    )";

fn project(db: &RootDatabase, files: &[(&str, String)]) -> Project {
    let files = files
        .iter()
        .map(|(path, text)| {
            let module = path.trim_end_matches(".py").replace('/', ".");
            SourceFile::new(
                db,
                path.to_string(),
                Some(module),
                text.as_str().into(),
                Origin::Project,
                false,
            )
        })
        .collect();
    let config = ProjectConfig {
        alembic: vec![parse_ini(INI, "").unwrap()],
        ..Default::default()
    };
    Project::new(db, files, config)
}

fn base_files(models: &str, revs: &[(&str, String)]) -> Vec<(String, String)> {
    let mut v = vec![
        ("models.py".to_string(), models.to_string()),
        ("env.py".to_string(), ENV.to_string()),
    ];
    for (n, t) in revs {
        v.push((format!("versions/{n}"), t.clone()));
    }
    v
}

fn env_of(files: Vec<(String, String)>) -> (RootDatabase, Project) {
    let db = RootDatabase::default();
    let f: Vec<(&str, String)> = files.iter().map(|(a, b)| (a.as_str(), b.clone())).collect();
    let p = project(&db, &f);
    (db, p)
}

fn kinds(env: &Env) -> Vec<String> {
    env.changes
        .as_ref()
        .unwrap()
        .iter()
        .flat_map(|g| g.changes().into_iter().flat_map(|c| c.kinds()))
        .map(str::to_string)
        .collect()
}

#[test]
fn ini_is_read() {
    let spec = parse_ini(INI, "").unwrap();
    assert_eq!(spec.dir, "");
    assert_eq!(spec.version_dirs, vec!["versions".to_string()]);
    assert_eq!(spec.url.as_deref(), Some("sqlite:///test.db"));
    let spec = parse_ini("[alembic]\nscript_location = migrations\n", "sub").unwrap();
    assert_eq!(spec.dir, "sub/migrations");
    assert_eq!(
        spec.version_dirs,
        vec!["sub/migrations/versions".to_string()]
    );
    let spec = parse_ini("[alembic]\nscript_location = %(here)s/alembic\n", "db").unwrap();
    assert_eq!(spec.dir, "db/alembic");
    let spec = parse_ini("[alembic]\nscript_location = %(here)s\n", "db").unwrap();
    assert_eq!(spec.dir, "db");
    assert!(parse_ini("[other]\nscript_location = x\n", "").is_none());
}

#[test]
fn clean_history_has_no_drift() {
    let (db, p) = env_of(base_files(MODELS, &[("a.py", rev("a1", "None", BOOK))]));
    let envs = environments(&db, p);
    assert_eq!(envs.len(), 1);
    assert_eq!(envs[0].heads, vec!["a1".to_string()]);
    assert_eq!(kinds(&envs[0]), Vec::<String>::new());
    assert!(envs[0].render_as_batch);
    assert!(diagnostics(&db, p).is_empty());
}

#[test]
fn added_column_is_drift_with_a_fix() {
    let models = format!("{MODELS}    isbn: Mapped[Optional[str]] = mapped_column(String(13))\n");
    let (db, p) = env_of(base_files(&models, &[("a.py", rev("a1", "None", BOOK))]));
    let envs = environments(&db, p);
    assert_eq!(kinds(&envs[0]), vec!["add_column"]);
    let d = diagnostics(&db, p);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "DJSA261");
    assert!(d[0].message.contains("Add column isbn to table book"));
    let Edit::Create { path, text } = &d[0].fixes[0].edits[0] else {
        panic!("no file creation")
    };
    assert!(path.starts_with("versions/") && path.ends_with("_djsa_autogenerate.py"));
    assert!(text.contains("down_revision: Union[str, Sequence[str], None] = 'a1'"));
    assert!(text.contains(
        "        batch_op.add_column(sa.Column('isbn', sa.String(length=13), nullable=True))"
    ));
    assert!(text.contains("        batch_op.drop_column('isbn')"));
}

#[test]
fn batch_history_and_alter_column_replay() {
    let batch = "    with op.batch_alter_table('book', schema=None) as batch_op:\n        batch_op.add_column(sa.Column('isbn', sa.String(length=13), nullable=True))\n        batch_op.alter_column('title', existing_type=sa.VARCHAR(length=30), type_=sa.String(length=80), nullable=True)\n        batch_op.create_index(batch_op.f('ix_book_isbn'), ['isbn'], unique=False)\n";
    let models = format!(
        "{}    isbn: Mapped[Optional[str]] = mapped_column(String(13), index=True)\n",
        MODELS.replace(
            "title: Mapped[str] = mapped_column(String(50))",
            "title: Mapped[Optional[str]] = mapped_column(String(80))"
        )
    );
    let (db, p) = env_of(base_files(
        &models,
        &[
            ("a.py", rev("a1", "None", BOOK)),
            ("b.py", rev("b2", "'a1'", batch)),
        ],
    ));
    let envs = environments(&db, p);
    assert_eq!(kinds(&envs[0]), Vec::<String>::new(), "{:?}", envs[0].notes);
    let st = envs[0].state.as_ref().unwrap();
    let book = st.table(&None, "book").unwrap();
    assert_eq!(book.indexes[0].name, "ix_book_isbn");
    assert!(book.column("title").unwrap().nullable);
}

#[test]
fn type_and_nullable_changes() {
    let models = MODELS.replace(
        "title: Mapped[str] = mapped_column(String(50))",
        "title: Mapped[Optional[str]] = mapped_column(String(100))",
    );
    let (db, p) = env_of(base_files(&models, &[("a.py", rev("a1", "None", BOOK))]));
    assert_eq!(
        kinds(&environments(&db, p)[0]),
        vec!["modify_type", "modify_nullable"]
    );
}

#[test]
fn merge_revision_is_one_head() {
    let (db, p) = env_of(base_files(
        &format!("{MODELS}    a: Mapped[Optional[int]]\n    b: Mapped[Optional[int]]\n"),
        &[
            ("a.py", rev("a1", "None", BOOK)),
            (
                "b.py",
                rev(
                    "b2",
                    "'a1'",
                    "    op.add_column('book', sa.Column('a', sa.Integer(), nullable=True))",
                ),
            ),
            (
                "c.py",
                rev(
                    "c3",
                    "'a1'",
                    "    op.add_column('book', sa.Column('b', sa.Integer(), nullable=True))",
                ),
            ),
            ("d.py", rev("d4", "('b2', 'c3')", "    pass")),
        ],
    ));
    let envs = environments(&db, p);
    assert_eq!(envs[0].heads, vec!["d4".to_string()]);
    assert_eq!(kinds(&envs[0]), Vec::<String>::new());
}

fn codes(db: &RootDatabase, p: Project) -> Vec<String> {
    let mut v: Vec<String> = diagnostics(db, p).into_iter().map(|d| d.code).collect();
    v.sort();
    v
}

#[test]
fn graph_problems() {
    // Multiple heads.
    let (db, p) = env_of(base_files(
        MODELS,
        &[
            ("a.py", rev("a1", "None", BOOK)),
            ("b.py", rev("b2", "'a1'", "    pass")),
            ("c.py", rev("c3", "'a1'", "    pass")),
        ],
    ));
    assert_eq!(codes(&db, p), vec!["DJSA262", "DJSA262"]);
    assert!(environments(&db, p)[0].changes.is_err());
    let mut h = heads(&db, p, "").unwrap();
    h.sort();
    assert_eq!(h, vec!["b2".to_string(), "c3".to_string()]);
    // Missing down_revision.
    let (db, p) = env_of(base_files(
        MODELS,
        &[
            ("a.py", rev("a1", "None", BOOK)),
            ("b.py", rev("b2", "'zz'", "    pass")),
        ],
    ));
    assert!(codes(&db, p).contains(&"DJSA263".to_string()));
    // Cycle.
    let (db, p) = env_of(base_files(
        MODELS,
        &[
            ("a.py", rev("a1", "'b2'", BOOK)),
            ("b.py", rev("b2", "'a1'", "    pass")),
        ],
    ));
    assert_eq!(codes(&db, p), vec!["DJSA265", "DJSA265"]);
}

#[test]
fn unknown_constructs_are_not_understood() {
    for body in [
        "    for n in ('a', 'b'):\n        op.add_column('book', sa.Column(n, sa.Integer()))",
        "    bind = op.get_bind()",
        "    op.create_table(name_var, sa.Column('id', sa.Integer()))",
        "    op.some_future_op('book')",
        "    helper()",
        "    if True:\n        op.drop_table('book')",
        "    with open('x') as f:\n        pass",
        "    op.add_column('book', *cols)",
    ] {
        let (db, p) = env_of(base_files(
            MODELS,
            &[
                ("a.py", rev("a1", "None", BOOK)),
                ("b.py", rev("b2", "'a1'", body)),
            ],
        ));
        assert_eq!(codes(&db, p), vec!["DJSA264"], "{body}");
        assert!(environments(&db, p)[0].changes.is_err());
    }
    // op.execute is read, skipped and listed; the environment is still compared.
    let (db, p) = env_of(base_files(
        MODELS,
        &[(
            "a.py",
            rev(
                "a1",
                "None",
                &format!("{BOOK}\n    op.execute('UPDATE book SET title = 1')"),
            ),
        )],
    ));
    assert!(codes(&db, p).is_empty());
    assert!(
        environments(&db, p)[0]
            .notes
            .iter()
            .any(|n| n.contains("op.execute"))
    );
}

#[test]
fn replay_errors_are_not_guessed() {
    let (db, p) = env_of(base_files(
        MODELS,
        &[
            ("a.py", rev("a1", "None", BOOK)),
            (
                "b.py",
                rev(
                    "b2",
                    "'a1'",
                    "    op.drop_index('ix_nope', table_name='book')",
                ),
            ),
        ],
    ));
    assert_eq!(codes(&db, p), vec!["DJSA264"]);
}

#[test]
fn garbage_does_not_panic() {
    for text in [
        "revision = 'x'\ndown_revision = None\ndef upgrade(:\n",
        "revision = 'x'\ndown_revision = None\n",
        "revision = 'x'\ndown_revision = 5\ndef upgrade():\n    op.add_column()\n",
        "revision = 'x'\ndown_revision = None\ndef upgrade():\n    op.create_table('t', sa.Column())\n    op.alter_column('t')\n    op.create_index(None, 't', [])\n    op.drop_constraint(None, 't')\n    op.create_foreign_key('f', 't')\n",
        "revision = 'x'\ndown_revision = None\ndef upgrade():\n\twith op.batch_alter_table('t') as b, open('x') as c:\n\t\tb.drop_column('c')\n",
        "revision = 'é'\ndown_revision = None\ndef upgrade():\n    op.rename_table('a', 'ü')\n",
    ] {
        let (db, p) = env_of(base_files(MODELS, &[("a.py", text.to_string())]));
        let _ = diagnostics(&db, p);
    }
}

#[test]
fn revision_text_layout() {
    let models = format!("{MODELS}    isbn: Mapped[Optional[str]] = mapped_column(String(13))\n");
    let (db, p) = env_of(base_files(&models, &[("a.py", rev("a1", "None", BOOK))]));
    let env = &environments(&db, p)[0];
    let (path, text) = revision_for(
        env,
        "0123456789ab",
        "add isbn",
        "2026-01-01 00:00:00.000000",
    )
    .unwrap();
    assert_eq!(path, "versions/0123456789ab_add_isbn.py");
    assert!(text.starts_with("\"\"\"add isbn\n\nRevision ID: 0123456789ab\nRevises: a1\nCreate Date: 2026-01-01 00:00:00.000000\n\n\"\"\"\n"));
    assert!(text.contains(
        "\n\n\n# revision identifiers, used by Alembic.\nrevision: str = '0123456789ab'\n"
    ));
    assert!(text.contains("    # ### commands auto generated by Alembic - please adjust! ###\n    with op.batch_alter_table('book', schema=None) as batch_op:\n"));
    assert!(text.ends_with("    # ### end Alembic commands ###\n"));
}

#[test]
fn slugs() {
    assert_eq!(render::file_name("ab", "Add ISBN!"), "ab_add_isbn.py");
    assert_eq!(render::file_name("ab", ""), "ab_.py");
}
