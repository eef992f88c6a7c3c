//! Unit tests of the expected schema, type normalisation and the live diff, on in-memory
//! projects and hand-written catalog values (the real-server tests are tests/live/).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::config::ProjectConfig;
use crate::db::{Origin, Project, RootDatabase, SourceFile};

use super::*;

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
    let config = ProjectConfig {
        settings_module: Some("mysite.settings".into()),
        ..Default::default()
    };
    Project::new(db, files, config)
}

const SETTINGS: &str =
    "INSTALLED_APPS = ['shop']\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n";
const MODELS: &str = r#"
from django.db import models

class Author(models.Model):
    name = models.CharField(max_length=100, unique=True)

class Tag(models.Model):
    label = models.SlugField()

class Book(models.Model):
    title = models.CharField(max_length=200, db_index=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    tags = models.ManyToManyField(Tag)
    data = models.JSONField(default=dict)

class Ebook(Book):
    url = models.URLField()

class Legacy(models.Model):
    code = models.CharField(max_length=5)
    class Meta:
        managed = False
        db_table = 'legacy_codes'
"#;

fn files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("mysite/__init__.py", ""),
        ("mysite/settings.py", SETTINGS),
        ("shop/__init__.py", ""),
        ("shop/models.py", MODELS),
        ("shop/migrations/__init__.py", ""),
        (
            "shop/migrations/0001_initial.py",
            "from django.db import migrations\n\nclass Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n    operations = []\n",
        ),
    ]
}

fn col(name: &str, ty: &str, nullable: bool) -> DbColumn {
    DbColumn {
        name: name.into(),
        data_type: normalize_type(Backend::Postgresql, false, ty),
        raw_type: ty.into(),
        nullable,
        default: None,
        is_identity: name == "id",
        comment: None,
    }
}

fn table(name: &str, columns: Vec<DbColumn>) -> DbTable {
    DbTable {
        name: name.into(),
        is_view: false,
        primary_key: vec![columns[0].name.clone()],
        columns,
        uniques: Vec::new(),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        comment: None,
    }
}

fn fk(col: &str, t: &str, c: &str) -> DbForeignKey {
    DbForeignKey {
        name: format!("{col}_fk"),
        columns: vec![col.into()],
        ref_table: t.into(),
        ref_columns: vec![c.into()],
        on_delete: Some("NO ACTION".into()),
    }
}

fn ix(cols: &[&str]) -> DbIndex {
    DbIndex {
        name: cols.join("_"),
        columns: cols.iter().map(|c| Some(c.to_string())).collect(),
        unique: false,
        partial: false,
    }
}

/// What `migrate` makes on PostgreSQL for [`MODELS`] (catalog spellings).
fn pg_schema() -> DbSchema {
    let mut author = table(
        "shop_author",
        vec![
            col("id", "bigint", false),
            col("name", "character varying(100)", false),
        ],
    );
    author.uniques.push(vec!["name".into()]);
    let tag = table(
        "shop_tag",
        vec![
            col("id", "bigint", false),
            col("label", "character varying(50)", false),
        ],
    );
    let mut tag = tag;
    tag.indexes.push(ix(&["label"]));
    let mut book = table(
        "shop_book",
        vec![
            col("id", "bigint", false),
            col("title", "character varying(200)", false),
            col("price", "numeric(8,2)", true),
            col("author_id", "bigint", false),
            col("data", "jsonb", false),
        ],
    );
    book.foreign_keys.push(fk("author_id", "shop_author", "id"));
    book.indexes.push(ix(&["author_id"]));
    book.indexes.push(ix(&["title"]));
    let mut tags = table(
        "shop_book_tags",
        vec![
            col("id", "bigint", false),
            col("book_id", "bigint", false),
            col("tag_id", "bigint", false),
        ],
    );
    tags.uniques.push(vec!["book_id".into(), "tag_id".into()]);
    tags.foreign_keys.push(fk("book_id", "shop_book", "id"));
    tags.foreign_keys.push(fk("tag_id", "shop_tag", "id"));
    tags.indexes.push(ix(&["book_id"]));
    tags.indexes.push(ix(&["tag_id"]));
    let mut ebook = table(
        "shop_ebook",
        vec![
            col("book_ptr_id", "bigint", false),
            col("url", "character varying(200)", false),
        ],
    );
    ebook
        .foreign_keys
        .push(fk("book_ptr_id", "shop_book", "id"));
    let legacy = table(
        "legacy_codes",
        vec![col("id", "bigint", false), col("code", "text", true)],
    );
    DbSchema {
        backend: Backend::Postgresql,
        mariadb: false,
        server_version: "15".into(),
        tables: vec![author, tag, book, tags, ebook, legacy],
        applied_migrations: Some(vec![("shop".into(), "0001_initial".into())]),
        alembic_versions: None,
    }
}

fn drift(schema: DbSchema) -> Vec<String> {
    let db = RootDatabase::default();
    let p = project(&db, &files());
    let live = LiveSchema::new(&db, Some(schema));
    live_drift(&db, p, live)
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

#[test]
fn normalize_types() {
    use Backend::*;
    assert_eq!(
        normalize_type(Postgresql, false, "character varying(255)"),
        "varchar(255)"
    );
    assert_eq!(
        normalize_type(Postgresql, false, "varchar(255)"),
        "varchar(255)"
    );
    assert_eq!(
        normalize_type(Postgresql, false, "numeric(10, 2)"),
        "numeric(10,2)"
    );
    assert_eq!(
        normalize_type(Postgresql, false, "timestamp with time zone"),
        "timestamptz"
    );
    assert_eq!(
        normalize_type(Postgresql, false, "double precision"),
        "double"
    );
    assert_eq!(
        normalize_type(Postgresql, false, "time without time zone"),
        "time"
    );
    assert_eq!(normalize_type(Mysql, true, "int(11)"), "int");
    assert_eq!(normalize_type(Mysql, true, "integer"), "int");
    assert_eq!(normalize_type(Mysql, true, "tinyint(1)"), "boolean");
    assert_eq!(normalize_type(Mysql, true, "bool"), "boolean");
    assert_eq!(
        normalize_type(Mysql, true, "int(10) unsigned"),
        "int unsigned"
    );
    assert_eq!(
        normalize_type(Mysql, true, "integer UNSIGNED"),
        "int unsigned"
    );
    assert_eq!(normalize_type(Mysql, true, "numeric(8, 2)"), "decimal(8,2)");
    assert_eq!(normalize_type(Mysql, true, "json"), "longtext");
    assert_eq!(normalize_type(Mysql, false, "json"), "json");
    assert_eq!(normalize_type(Mysql, true, "double precision"), "double");
    assert_eq!(normalize_type(Sqlite, false, "VARCHAR(10)"), "varchar(10)");
}

#[test]
fn expected_schema_names_and_types() {
    let db = RootDatabase::default();
    let p = project(&db, &files());
    let e = expected_schema(&db, p, Backend::Postgresql, false);
    let names: Vec<&str> = e.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "shop_author",
            "shop_tag",
            "shop_book",
            "shop_book_tags",
            "shop_ebook",
            "legacy_codes"
        ],
        "{:?}",
        e.skipped
    );
    let book = &e.tables[2];
    let cols: Vec<(&str, Option<&str>)> = book
        .columns
        .iter()
        .map(|c| (c.column.as_str(), c.data_type.as_deref()))
        .collect();
    assert_eq!(
        cols,
        [
            ("id", Some("bigint")),
            ("title", Some("varchar(200)")),
            ("price", Some("numeric(8,2)")),
            ("author_id", Some("bigint")),
            ("data", Some("jsonb"))
        ]
    );
    let ebook = &e.tables[4];
    assert_eq!(ebook.columns[0].column, "book_ptr_id");
    assert_eq!(ebook.columns[0].fk, Some(("shop_book".into(), "id".into())));
    let my = expected_schema(&db, p, Backend::Mysql, true);
    let t = my.tables.iter().find(|t| t.name == "shop_book").unwrap();
    assert_eq!(t.columns[4].data_type.as_deref(), Some("longtext"));
    assert_eq!(t.columns[2].data_type.as_deref(), Some("decimal(8,2)"));
}

#[test]
fn no_drift_on_a_matching_schema() {
    assert_eq!(drift(pg_schema()), Vec::<String>::new());
}

#[test]
fn each_change_is_reported() {
    let mut s = pg_schema();
    let book = s.tables.iter_mut().find(|t| t.name == "shop_book").unwrap();
    book.columns.retain(|c| c.name != "price");
    book.columns[1] = col("title", "text", false);
    book.indexes.retain(|i| i.name != "title");
    book.columns.push(col("extra", "integer", false));
    let author = s
        .tables
        .iter_mut()
        .find(|t| t.name == "shop_author")
        .unwrap();
    author.uniques.clear();
    s.tables.retain(|t| t.name != "shop_tag");
    s.applied_migrations = Some(vec![
        ("shop".into(), "0001_initial".into()),
        ("shop".into(), "0002_gone".into()),
    ]);
    let got = drift(s);
    assert_eq!(
        got,
        [
            "DJSA310 Migration shop.0002_gone is recorded as applied in django_migrations but has no file in the project.",
            "DJSA306 No UNIQUE constraint on 'shop_author' (name) in the database; the model declares one.",
            "DJSA301 Table 'shop_tag' does not exist in the database.",
            "DJSA303 Column 'shop_book.extra' (integer) exists in the database but not on the model.",
            "DJSA304 Column 'shop_book.title' has type text in the database; the model field implies varchar(200).",
            "DJSA307 No index on 'shop_book' (title) in the database; the model declares one.",
            "DJSA302 Column 'price' of table 'shop_book' does not exist in the database.",
        ]
    );
}

#[test]
fn unapplied_migration_and_nullability() {
    let mut s = pg_schema();
    s.applied_migrations = Some(Vec::new());
    let book = s.tables.iter_mut().find(|t| t.name == "shop_book").unwrap();
    book.columns[2].nullable = false;
    let legacy = s
        .tables
        .iter_mut()
        .find(|t| t.name == "legacy_codes")
        .unwrap();
    legacy.columns.retain(|c| c.name != "code");
    let got = drift(s);
    assert_eq!(
        got,
        [
            "DJSA309 Migration shop.0001_initial is not applied to the database.",
            "DJSA305 Column 'shop_book.price' is NOT NULL in the database; the model field has null=True.",
            "DJSA302 Column 'code' of table 'legacy_codes' does not exist in the database.",
        ]
    );
}

// --- The applied migration state against the database (DJSA311-DJSA316) ------------------------

const MIG_MODELS: &str = r#"
from django.db import models

class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(default="")
"#;
const MIG_0001: &str = r#"
from django.db import migrations, models

class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name='Author',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
            ],
        ),
    ]
"#;
const MIG_0002: &str = r#"
from django.db import migrations, models

class Migration(migrations.Migration):
    dependencies = [('shop', '0001_initial')]
    operations = [
        migrations.AddField(
            model_name='author',
            name='email',
            field=models.EmailField(default='', max_length=254),
        ),
    ]
"#;

fn mig_drift(models: &str, schema: DbSchema) -> Vec<String> {
    let db = RootDatabase::default();
    let p = project(
        &db,
        &[
            ("mysite/__init__.py", ""),
            ("mysite/settings.py", SETTINGS),
            ("shop/__init__.py", ""),
            ("shop/models.py", models),
            ("shop/migrations/__init__.py", ""),
            ("shop/migrations/0001_initial.py", MIG_0001),
            ("shop/migrations/0002_author_email.py", MIG_0002),
        ],
    );
    let live = LiveSchema::new(&db, Some(schema));
    live_drift(&db, p, live)
        .iter()
        .map(|d| {
            format!(
                "{} {} [{}] {}",
                d.code,
                d.file.map(|f| f.path(&db).to_string()).unwrap_or_default(),
                d.message,
                d.hint.clone().unwrap_or_default()
            )
        })
        .collect()
}

fn author_schema(cols: Vec<DbColumn>, applied: &[&str]) -> DbSchema {
    DbSchema {
        backend: Backend::Postgresql,
        mariadb: false,
        server_version: "15".into(),
        tables: vec![table("shop_author", cols)],
        applied_migrations: Some(
            applied
                .iter()
                .map(|n| ("shop".to_string(), n.to_string()))
                .collect(),
        ),
        alembic_versions: None,
    }
}

fn author_cols() -> Vec<DbColumn> {
    vec![
        col("id", "bigint", false),
        col("name", "character varying(100)", false),
        col("email", "character varying(254)", false),
    ]
}

const BOTH: &[&str] = &["0001_initial", "0002_author_email"];

#[test]
fn migration_state_matching_database_is_silent() {
    assert_eq!(
        mig_drift(MIG_MODELS, author_schema(author_cols(), BOTH)),
        Vec::<String>::new()
    );
}

#[test]
fn faked_migration_is_one_model_diagnostic_naming_the_migration() {
    let mut cols = author_cols();
    cols.pop();
    assert_eq!(
        mig_drift(MIG_MODELS, author_schema(cols, BOTH)),
        [
            "DJSA302 shop/models.py [Column 'email' of table 'shop_author' does not exist in the database.] Migration shop.0002_author_email is recorded as applied in django_migrations, but the database does not have what it does: it was faked (`migrate --fake`) or changed outside Django."
        ]
    );
}

#[test]
fn unrecorded_migration_whose_change_is_in_the_database() {
    assert_eq!(
        mig_drift(MIG_MODELS, author_schema(author_cols(), &["0001_initial"])),
        [
            "DJSA309 shop/migrations/0002_author_email.py [Migration shop.0002_author_email is not applied to the database.] Run `manage.py migrate`.",
            "DJSA313 shop/migrations/0002_author_email.py [Column 'shop_author.email' (character varying(254)) exists in the database but not in the applied migrations.] Migration shop.0002_author_email adds it and is not applied: `migrate` will fail with \"column already exists\" (use `migrate --fake` only if the whole migration is in the database).",
        ]
    );
}

#[test]
fn unapplied_migration_not_in_database_is_not_schema_drift() {
    let mut cols = author_cols();
    cols.pop();
    assert_eq!(
        mig_drift(MIG_MODELS, author_schema(cols, &["0001_initial"])),
        [
            "DJSA309 shop/migrations/0002_author_email.py [Migration shop.0002_author_email is not applied to the database.] Run `manage.py migrate`.",
            "DJSA302 shop/models.py [Column 'email' of table 'shop_author' does not exist in the database.] Migration shop.0002_author_email adds it and is not applied: run `manage.py migrate`.",
        ]
    );
}

#[test]
fn migrations_and_database_disagree_where_the_model_does_not_say_the_same() {
    // The model dropped `email` (no migration yet) and someone dropped the column by hand: the
    // model and the database agree, the applied migrations do not.
    let models = "from django.db import models\n\nclass Author(models.Model):\n    name = models.CharField(max_length=100)\n";
    let mut cols = author_cols();
    cols.pop();
    // Three different types for `name`: one diagnostic per disagreement.
    cols[1] = col("name", "character varying(80)", false);
    let models3 = models.replace("max_length=100", "max_length=120");
    assert_eq!(
        mig_drift(&models3, author_schema(cols, BOTH)),
        [
            "DJSA314 shop/migrations/0001_initial.py [Column 'shop_author.name' has type character varying(80) in the database; the applied migrations imply varchar(100).] Migration shop.0001_initial is recorded as applied in django_migrations, but the database does not have what it does: it was faked (`migrate --fake`) or changed outside Django.",
            "DJSA312 shop/migrations/0002_author_email.py [Column 'email' of table 'shop_author' does not exist in the database; the applied migrations add it.] Migration shop.0002_author_email is recorded as applied in django_migrations, but the database does not have what it does: it was faked (`migrate --fake`) or changed outside Django.",
            "DJSA304 shop/models.py [Column 'shop_author.name' has type character varying(80) in the database; the model field implies varchar(120).] ",
        ]
    );
}

// --- SQLAlchemy tables against the database (DJSA321-DJSA327) ----------------------------------

const SA_TABLES: &str = r#"
import sqlalchemy as sa

metadata = sa.MetaData()
account = sa.Table(
    "sa_account",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("score", sa.Float),
)
event = sa.Table(
    "sa_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("sa_account.id", ondelete="CASCADE")),
)
"#;

fn sa_drift(tables: Vec<DbTable>) -> Vec<String> {
    let db = RootDatabase::default();
    let p = project(&db, &[("app/__init__.py", ""), ("app/db.py", SA_TABLES)]);
    let schema = DbSchema {
        backend: Backend::Postgresql,
        mariadb: false,
        server_version: "15".into(),
        tables,
        applied_migrations: None,
        alembic_versions: None,
    };
    let live = LiveSchema::new(&db, Some(schema));
    live_drift(&db, p, live)
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

fn sa_account() -> DbTable {
    table(
        "sa_account",
        vec![
            col("id", "integer", false),
            col("name", "character varying(50)", false),
            col("score", "double precision", true),
        ],
    )
}

fn sa_event() -> DbTable {
    let mut t = table(
        "sa_event",
        vec![
            col("id", "integer", false),
            col("account_id", "integer", true),
        ],
    );
    let mut f = fk("account_id", "sa_account", "id");
    f.on_delete = Some("CASCADE".into());
    t.foreign_keys.push(f);
    t
}

#[test]
fn sqla_tables_matching_database_and_unrelated_database() {
    assert_eq!(
        sa_drift(vec![sa_account(), sa_event()]),
        Vec::<String>::new()
    );
    // None of the MetaData's tables: another database, nothing compared.
    assert_eq!(
        sa_drift(vec![table("other", vec![col("id", "integer", false)])]),
        Vec::<String>::new()
    );
}

#[test]
fn sqla_each_change_is_reported() {
    let mut account = sa_account();
    account.columns[1] = col("name", "text", false);
    account.columns[2].nullable = false;
    let mut event = sa_event();
    event.foreign_keys[0].on_delete = Some("NO ACTION".into());
    assert_eq!(
        sa_drift(vec![account.clone(), event]),
        [
            "DJSA324 Column 'sa_account.name' has type text in the database; the SQLAlchemy column implies varchar(50).",
            "DJSA325 Column 'sa_account.score' is NOT NULL in the database; the SQLAlchemy column is nullable.",
            "DJSA326 Foreign key 'account_id_fk' on 'sa_event.account_id' has ON DELETE NO ACTION in the database; the SQLAlchemy table declares ondelete=\"CASCADE\".",
        ]
    );
    assert_eq!(
        sa_drift(vec![sa_account()]),
        [
            "DJSA321 Table 'sa_event' does not exist in the database; other tables of its SQLAlchemy MetaData do."
        ]
    );
}

#[test]
fn sqla_types_per_backend() {
    use crate::sqla::SqlType as T;
    use Backend::*;
    let s = |b, m, t: &T| sqla::sqla_db_types(b, m, t);
    let v50 = T::String {
        length: Some(50),
        fixed: false,
    };
    assert_eq!(s(Postgresql, false, &v50), ["varchar(50)"]);
    assert_eq!(s(Mysql, true, &T::Boolean), ["boolean"]);
    assert_eq!(s(Mysql, true, &T::Uuid), ["uuid"]);
    assert_eq!(s(Mysql, false, &T::Uuid), ["char(32)"]);
    assert_eq!(s(Mysql, true, &T::Json), ["longtext"]);
    assert_eq!(s(Postgresql, false, &T::Json), ["json", "jsonb"]);
    assert_eq!(
        s(
            Sqlite,
            false,
            &T::Numeric {
                precision: Some(10),
                scale: Some(2)
            }
        ),
        ["numeric(10,2)"]
    );
    assert_eq!(
        s(Postgresql, false, &T::DateTime { timezone: true }),
        ["timestamptz"]
    );
    assert!(s(Postgresql, false, &T::Enum { values: None }).is_empty());
}
