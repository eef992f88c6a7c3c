//! Project configuration as plain data. Loading it (pyproject.toml, manage.py, the Python
//! environment) is the host's job; analysis only reads this value.

/// Everything analysis needs to know about the project that is not in a Python file.
#[derive(Debug, Clone, PartialEq, Eq, Default, salsa::SalsaValue)]
pub struct ProjectConfig {
    /// Dotted settings module (`mysite.settings`), if known.
    pub settings_module: Option<String>,
    /// Django version found in the project's environment (major, minor).
    pub django_version: Option<(u32, u32)>,
    /// Check codes or prefixes to report (empty: all).
    pub select: Vec<String>,
    /// Check codes or prefixes never to report.
    pub ignore: Vec<String>,
    /// Database engine override (`django.db.backends.postgresql`), else taken from settings.
    pub database_engine: Option<String>,
    /// Alembic environments found by the host (from `alembic.ini` files).
    pub alembic: Vec<crate::alembic::EnvSpec>,
    /// `sqlalchemy-modules`: the modules to read for SQLAlchemy declarations instead of
    /// discovering them (`pkg.tables`, or `pkg.*` for a package and its submodules; empty: none).
    pub sqlalchemy_modules: Option<Vec<String>>,
}

/// Whether a dotted module matches a `sqlalchemy-modules` pattern (`a.b` or `a.*`).
pub fn module_matches(module: &str, pattern: &str) -> bool {
    match pattern.strip_suffix(".*") {
        Some(pkg) => module == pkg || module.strip_prefix(pkg).is_some_and(|r| r.starts_with('.')),
        None => module == pattern,
    }
}

impl ProjectConfig {
    /// The Django version to follow when the environment does not tell (the newest supported).
    pub fn django(&self) -> (u32, u32) {
        self.django_version.unwrap_or((6, 1))
    }
}
