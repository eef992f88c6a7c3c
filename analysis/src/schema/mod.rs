//! Live-database drift (DJSA3xx): the schema a real database has ([`DbSchema`], plain data the
//! host fills from catalog queries), compared with
//! - the schema the Django models imply ([`expected_schema`]; DJSA301-DJSA308, defaults/comments/
//!   checks DJSA317-DJSA319 in [`extras`]),
//! - the state of the migrations recorded as applied ([`migstate`]; DJSA311-DJSA316),
//! - `django_migrations` against the migration files (DJSA309, DJSA310),
//! - the SQLAlchemy tables ([`sqla`]; DJSA321-DJSA327),
//! - `alembic_version` against the Alembic revision scripts ([`alembic_version`]; DJSA331-DJSA333),
//!
//! all through [`live_drift`].
//!
//! PURE like the rest of the crate: the host introspects the database and pushes the result in
//! through the [`LiveSchema`] input; nothing here talks to a database.

pub mod alembic_version;
pub mod diff;
pub mod expected;
pub mod extras;
pub mod migstate;
pub mod sqla;
#[cfg(test)]
mod tests;

pub use diff::live_drift;
pub use expected::{ExpectedColumn, ExpectedSchema, ExpectedTable, expected_schema};

/// The database backend family. MariaDB is `Mysql` with [`DbSchema::mariadb`] set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, salsa::SalsaValue)]
pub enum Backend {
    Postgresql,
    Mysql,
    Sqlite,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Postgresql => "postgresql",
            Backend::Mysql => "mysql",
            Backend::Sqlite => "sqlite",
        }
    }
    /// The backend of a Django ENGINE path (`django.db.backends.postgresql`, postgis...).
    pub fn from_engine(engine: &str) -> Option<Backend> {
        if engine.contains("postgres") || engine.contains("postgis") {
            Some(Backend::Postgresql)
        } else if engine.contains("mysql") {
            Some(Backend::Mysql)
        } else if engine.contains("sqlite") || engine.contains("spatialite") {
            Some(Backend::Sqlite)
        } else {
            None
        }
    }
    /// Longest identifier Django leaves untruncated (`max_name_length`); `None`: no limit.
    pub fn max_name_length(self) -> Option<usize> {
        match self {
            Backend::Postgresql => Some(63),
            Backend::Mysql => Some(64),
            Backend::Sqlite => None,
        }
    }
}

/// One column as the catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub struct DbColumn {
    pub name: String,
    /// Canonical type ([`normalize_type`]) with length/precision/scale: `varchar(100)`,
    /// `numeric(10,2)`, `timestamptz`, `int unsigned`.
    pub data_type: String,
    /// The type as the catalog printed it (shown in messages).
    pub raw_type: String,
    pub nullable: bool,
    pub default: Option<String>,
    /// Identity / AUTO_INCREMENT / serial / SQLite AUTOINCREMENT.
    pub is_identity: bool,
    /// Column comment (PostgreSQL `col_description`, MySQL `COLUMN_COMMENT`; SQLite has none).
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub struct DbIndex {
    pub name: String,
    /// Key columns in order (`None` entries are expressions).
    pub columns: Vec<Option<String>>,
    pub unique: bool,
    /// A partial index (`WHERE ...`).
    pub partial: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub struct DbForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    /// `CASCADE`, `SET NULL`, `NO ACTION`, ...
    pub on_delete: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub struct DbCheck {
    pub name: String,
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub struct DbTable {
    pub name: String,
    /// A view (or materialized view): compared for columns only.
    pub is_view: bool,
    pub columns: Vec<DbColumn>,
    pub primary_key: Vec<String>,
    /// Column sets of UNIQUE constraints and (non-partial) unique indexes, the PK excluded.
    pub uniques: Vec<Vec<String>>,
    pub indexes: Vec<DbIndex>,
    pub foreign_keys: Vec<DbForeignKey>,
    pub checks: Vec<DbCheck>,
    pub comment: Option<String>,
}

impl DbTable {
    pub fn column(&self, name: &str) -> Option<&DbColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// A live database's schema, as the host read it from the catalogs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub struct DbSchema {
    pub backend: Backend,
    /// MySQL-family server that is MariaDB (native `uuid`, JSON as `longtext`).
    pub mariadb: bool,
    pub server_version: String,
    pub tables: Vec<DbTable>,
    /// Rows of `django_migrations` as (app, name); `None` when the table does not exist.
    pub applied_migrations: Option<Vec<(String, String)>>,
    /// `version_num` rows of `alembic_version`; `None` when the table does not exist.
    pub alembic_versions: Option<Vec<String>>,
}

impl DbSchema {
    pub fn table(&self, name: &str) -> Option<&DbTable> {
        self.tables.iter().find(|t| t.name == name).or_else(|| {
            // MySQL on case-insensitive file systems / lower_case_table_names.
            (self.backend == Backend::Mysql)
                .then(|| {
                    self.tables
                        .iter()
                        .find(|t| t.name.eq_ignore_ascii_case(name))
                })
                .flatten()
        })
    }
}

/// The live schema the host read (or `None`: no database configured). Passed beside
/// [`crate::db::Project`] to [`live_drift`].
#[salsa::input(debug)]
pub struct LiveSchema {
    #[returns(ref)]
    pub schema: Option<DbSchema>,
}

/// Canonical form of a column type, so that the catalog's spelling and Django's DDL compare
/// equal: lower case, single spaces, no spaces inside parentheses, and per-backend aliases
/// (`character varying(10)` = `varchar(10)`, MySQL `int(11)` = `int`, `tinyint(1)` = `boolean`).
pub fn normalize_type(backend: Backend, mariadb: bool, raw: &str) -> String {
    let mut s = String::new();
    let mut prev_space = false;
    for ch in raw.trim().chars() {
        if ch.is_whitespace() {
            prev_space = true;
            continue;
        }
        if prev_space && !s.is_empty() && !matches!(ch, '(' | ')' | ',') && !s.ends_with(['(', ','])
        {
            s.push(' ');
        }
        prev_space = false;
        s.extend(ch.to_lowercase());
    }
    let (base, rest) = match s.find('(') {
        Some(i) => (s[..i].trim_end().to_string(), s[i..].to_string()),
        None => (s.clone(), String::new()),
    };
    match backend {
        Backend::Postgresql => {
            let base = match base.as_str() {
                "character varying" => "varchar",
                "character" | "bpchar" => "char",
                "int" | "int4" | "serial" | "serial4" => "integer",
                "int8" | "bigserial" | "serial8" => "bigint",
                "int2" | "smallserial" | "serial2" => "smallint",
                "bool" => "boolean",
                "float8" | "double precision" => "double",
                "float4" => "real",
                "decimal" => "numeric",
                "timestamp with time zone" | "timestamptz" => "timestamptz",
                "timestamp without time zone" => "timestamp",
                "time without time zone" => "time",
                "time with time zone" => "timetz",
                b => b,
            };
            // `timestamp(6) with time zone`: precision before the suffix.
            if let Some(r) = rest.strip_suffix(" with time zone") {
                let b = if base == "time" {
                    "timetz"
                } else {
                    "timestamptz"
                };
                return format!("{b}{r}");
            }
            if let Some(r) = rest.strip_suffix(" without time zone") {
                return format!("{base}{r}");
            }
            format!("{base}{rest}")
        }
        Backend::Mysql => {
            let (rest, unsigned) = match rest.strip_suffix(" unsigned") {
                Some(r) => (r.to_string(), true),
                None => (rest.clone(), false),
            };
            let (base, unsigned) = match base.strip_suffix(" unsigned") {
                Some(b) => (b.to_string(), true),
                None => (base, unsigned),
            };
            let rest = rest.strip_suffix(" zerofill").unwrap_or(&rest).to_string();
            let out = match base.as_str() {
                "bool" | "boolean" => "boolean".to_string(),
                "tinyint" if rest == "(1)" && !unsigned => "boolean".to_string(),
                "integer" | "int" => "int".to_string(),
                "tinyint" | "smallint" | "mediumint" | "bigint" => base.clone(),
                "numeric" | "decimal" | "dec" | "fixed" => format!("decimal{rest}"),
                "double precision" | "real" | "double" => "double".to_string(),
                "json" if mariadb => "longtext".to_string(),
                _ => format!("{base}{rest}"),
            };
            if unsigned {
                format!("{out} unsigned")
            } else {
                out
            }
        }
        Backend::Sqlite => s,
    }
}
