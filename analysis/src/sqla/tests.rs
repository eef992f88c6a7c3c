//! Unit tests of the SQLAlchemy index, checks and bridge, on in-memory projects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::config::ProjectConfig;
use crate::db::{Origin, Project, RootDatabase, SourceFile};

use super::index::sqla_tables;
use super::types::SqlType;

fn project(db: &RootDatabase, files: &[(&str, &str)]) -> Project {
    let files = files
        .iter()
        .map(|(path, text)| {
            let module = path
                .trim_end_matches(".py")
                .replace('/', ".")
                .trim_end_matches(".__init__")
                .to_string();
            SourceFile::new(
                db,
                path.to_string(),
                Some(module),
                (*text).into(),
                Origin::Project,
                false,
            )
        })
        .collect();
    Project::new(db, files, ProjectConfig::default())
}

fn codes(db: &RootDatabase, p: Project) -> Vec<String> {
    let mut v: Vec<String> = super::checks::check(db, p)
        .into_iter()
        .map(|d| d.code)
        .collect();
    v.sort();
    v
}

const HEAD: &str = "from typing import Optional, Annotated\nfrom sqlalchemy import Column, Integer, String, ForeignKey, Table, MetaData\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, declarative_base\n";

#[test]
fn nullability_follows_sqlalchemy() {
    let db = RootDatabase::default();
    let src = format!(
        "{HEAD}class Base(DeclarativeBase):\n    pass\nclass T(Base):\n    __tablename__ = 't'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    a: Mapped[int]\n    b: Mapped[Optional[int]]\n    c: Mapped[int | None]\n    d: Mapped[int] = mapped_column(nullable=True)\n    e: Mapped[Optional[int]] = mapped_column(nullable=False)\n    f = mapped_column(Integer)\n    g: Mapped[int] = Column(Integer)\n    h = Column(Integer, nullable=False)\n    i: Mapped['str | None']\n    j: Mapped[Optional[int]] = mapped_column(primary_key=True)\n"
    );
    let p = project(&db, &[("m.py", &src)]);
    let idx = sqla_tables(&db, p);
    let t = &idx.tables[0];
    let null = |n: &str| t.column(n).unwrap().nullable;
    assert!(!null("id") && !null("a") && null("b") && null("c") && null("d") && !null("e"));
    assert!(null("f") && null("g") && !null("h") && null("i") && !null("j"));
    assert_eq!(t.primary_key, vec!["id".to_string(), "j".to_string()]);
}

#[test]
fn inheritance_mixins_and_fk_types() {
    let db = RootDatabase::default();
    let src = format!(
        "{HEAD}Base = declarative_base()\nclass Stamp:\n    created = Column(Integer)\nclass Abs(Base):\n    __abstract__ = True\n    id = Column(Integer, primary_key=True)\nclass Emp(Stamp, Abs):\n    __tablename__ = 'emp'\n    kind = Column(String(10))\nclass Mgr(Emp):\n    budget = Column(Integer)\nclass Eng(Emp):\n    __tablename__ = 'eng'\n    id = Column(ForeignKey('emp.id'), primary_key=True)\n"
    );
    let p = project(&db, &[("m.py", &src)]);
    let idx = sqla_tables(&db, p);
    let names: Vec<&str> = idx.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["emp", "eng"]);
    let emp: Vec<&str> = idx.tables[0]
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(emp, vec!["kind", "created", "id", "budget"]);
    let eng = &idx.tables[1];
    assert_eq!(eng.column("id").unwrap().ty, SqlType::Integer);
    assert_eq!(eng.foreign_keys[0].target_table.as_deref(), Some("emp"));
}

#[test]
fn computed_tablename_is_skipped_and_noted() {
    let db = RootDatabase::default();
    let src = format!(
        "{HEAD}from sqlalchemy.orm import declared_attr\nclass Base(DeclarativeBase):\n    pass\nclass T(Base):\n    @declared_attr.directive\n    def __tablename__(cls):\n        return cls.__name__.lower()\n    id: Mapped[int] = mapped_column(primary_key=True)\nclass U(Base):\n    __tablename__ = 'u'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    t_id: Mapped[int] = mapped_column(ForeignKey('t.id'))\n"
    );
    let p = project(&db, &[("m.py", &src)]);
    let idx = sqla_tables(&db, p);
    assert_eq!(idx.tables.len(), 1);
    assert!(idx.incomplete);
    assert!(idx.notes.iter().any(|n| n.message.contains("computed")));
    // The FK target may be the skipped table: no DJSA201 guess.
    assert!(codes(&db, p).is_empty());
}

#[test]
fn core_tables_and_metadata_identity() {
    let db = RootDatabase::default();
    let src = format!(
        "{HEAD}import sqlalchemy as sa\nmd = MetaData()\nother = MetaData()\na = Table('a', md, Column('id', Integer, primary_key=True), schema='s')\nb = Table('b', md, Column('id', Integer, primary_key=True), Column('a_id', ForeignKey(a.c.id)))\nc = Table('c', other, Column('id', sa.Integer, primary_key=True), Column('b_id', sa.ForeignKey('b.id')))\nd = Table('d', md, Column('x', Integer))\nd2 = Table('d', md, Column('y', Integer))\n"
    );
    let p = project(&db, &[("m.py", &src)]);
    let idx = sqla_tables(&db, p);
    assert_eq!(idx.tables[0].schema.as_deref(), Some("s"));
    assert_eq!(
        idx.tables[1].foreign_keys[0].target_table.as_deref(),
        Some("s.a")
    );
    assert_eq!(idx.tables[2].column("b_id").unwrap().ty, SqlType::Integer);
    assert_eq!(codes(&db, p), vec!["DJSA201", "DJSA203", "DJSA221"]);
}

#[test]
fn check_codes_fire_on_small_cases() {
    let db = RootDatabase::default();
    let src = format!(
        "{HEAD}class Base(DeclarativeBase):\n    pass\nclass A(Base):\n    __tablename__ = 'a'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    n: Mapped[int] = mapped_column(String(5))\n    bs = relationship('B', back_populates='nope')\nclass B(Base):\n    __tablename__ = 'b'\n    x: Mapped[int]\n    a_id = mapped_column(ForeignKey('a.missing'))\n"
    );
    let p = project(&db, &[("m.py", &src)]);
    assert_eq!(
        codes(&db, p),
        vec!["DJSA201", "DJSA202", "DJSA204", "DJSA205"]
    );
}

#[test]
fn unknown_constructs_are_not_guessed() {
    let db = RootDatabase::default();
    let src = format!(
        "{HEAD}from helpers import make_col, MyType\nclass Base(DeclarativeBase):\n    pass\nclass A(Base):\n    __tablename__ = 'a'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    x = make_col()\n    y = mapped_column(MyType)\n    z = mapped_column(ForeignKey('ghost.id'))\n"
    );
    let p = project(&db, &[("m.py", &src)]);
    let idx = sqla_tables(&db, p);
    let t = &idx.tables[0];
    assert!(t.incomplete);
    assert!(t.column("x").is_none());
    // `helpers` is not a project module: MyType is an external name, not a sqlalchemy type.
    assert!(!idx.notes.is_empty());
    assert!(!codes(&db, p).contains(&"DJSA204".to_string()));
}

#[test]
fn bridge_snapshot_mapped_2x() {
    let db = RootDatabase::default();
    let src = include_str!("../../../tests/sqla_fixtures/mapped_2x/app/models.py");
    let p = project(&db, &[("app/__init__.py", ""), ("app/models.py", src)]);
    let out = super::bridge::django_models(sqla_tables(&db, p), &[]);
    assert!(out.skipped.is_empty());
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!("sqla_bridge_django_mapped_2x", out.text));
}

#[test]
fn bridge_field_names() {
    use super::bridge::field_name_for;
    assert_eq!(field_name_for("class", false, false).0, "class_field");
    assert_eq!(field_name_for("Author_ID", true, false).0, "author");
    assert_eq!(field_name_for("a__b_", false, false).0, "a_b");
    assert_eq!(field_name_for("id", false, false).0, "id_field");
    assert_eq!(field_name_for("id", false, true).0, "id");
    assert_eq!(field_name_for("1st", false, false).0, "number_1st");
}

#[test]
fn bad_input_does_not_panic() {
    let db = RootDatabase::default();
    let src = format!(
        "{HEAD}t0 = Table()\nt1 = Table(name)\nt2 = Table('x', md, *cols, Column())\nclass Base(DeclarativeBase):\n    pass\nclass A(B):\n    __tablename__ = 5\nclass B(A, Base):\n    __tablename__ = 'b'\n    x: Mapped['int |']\n    y: Mapped[Optional[Optional[List[Dict]]]]\n    z = mapped_column(**kw)\n    w: Mapped[int] = mapped_column(ForeignKey())\n    v = Column(ForeignKey(A.id), ForeignKey('a.b.c.d'))\n    __table_args__ = (UniqueConstraint(), Index(), ForeignKeyConstraint([], ['x']), {{'schema': None}})\nclass C(Base):\n    __tablename__ = 'c'\n    id = Column(Integer, primary_key=True)\n    r = relationship()\n    s = relationship('Nope', back_populates='x', secondary=lambda: t0)\nclass D(C):\n    pass\nclass E(D):\n    __tablename__ = 'c'\n"
    );
    let p = project(
        &db,
        &[
            ("m.py", &src),
            (
                "broken.py",
                "from sqlalchemy import Column\nclass X(:\n  y = Column(\n",
            ),
        ],
    );
    let _ = sqla_tables(&db, p);
    let _ = super::checks::check(&db, p);
    let _ = super::bridge::django_models(sqla_tables(&db, p), &[]);
}

#[test]
fn configured_modules_replace_discovery() {
    use salsa::Setter;
    let mut db = RootDatabase::default();
    let core = "import sqlalchemy as sa\nmd = sa.MetaData()\nt = sa.Table('core_t', md, sa.Column('id', sa.Integer, primary_key=True))\n";
    let other = "import sqlalchemy as sa\nmd = sa.MetaData()\nu = sa.Table('other_t', md, sa.Column('id', sa.Integer, primary_key=True))\n";
    let p = project(
        &db,
        &[
            ("analytics/__init__.py", ""),
            ("analytics/tables.py", core),
            ("scripts/adhoc.py", other),
        ],
    );
    let names = |db: &RootDatabase| -> Vec<String> {
        let mut v: Vec<String> = sqla_tables(db, p)
            .tables
            .iter()
            .map(|t| t.name.clone())
            .collect();
        v.sort();
        v
    };
    // Discovery: every module that imports sqlalchemy.
    assert_eq!(names(&db), ["core_t", "other_t"]);
    // `sqlalchemy-modules = ["analytics.*"]`: the package and its submodules only.
    let config = ProjectConfig {
        sqlalchemy_modules: Some(vec!["analytics.*".into()]),
        ..ProjectConfig::default()
    };
    p.set_config(&mut db).to(config);
    assert_eq!(names(&db), ["core_t"]);
    // An exact module name, and `[]` (the index off).
    for (patterns, want) in [
        (vec!["scripts.adhoc".to_string()], vec!["other_t"]),
        (Vec::new(), Vec::new()),
    ] {
        let config = ProjectConfig {
            sqlalchemy_modules: Some(patterns),
            ..ProjectConfig::default()
        };
        p.set_config(&mut db).to(config);
        assert_eq!(names(&db), want);
    }
    assert!(crate::config::module_matches("analytics", "analytics.*"));
    assert!(!crate::config::module_matches(
        "analyticsx.t",
        "analytics.*"
    ));
}
