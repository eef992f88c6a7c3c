//! The salsa database: inputs pushed in by the host (CLI or server), and the parse query.

use std::sync::Arc;

use crate::config::ProjectConfig;
use crate::syntax::ModuleSyntax;

/// Where a file comes from: the user's project (checked) or an installed package (read for context,
/// checked only when it is an installed app).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, salsa::SalsaValue)]
pub enum Origin {
    Project,
    Library,
}

/// One Python source file. The host reads it and pushes the text in; analysis never reads disk.
#[salsa::input(debug)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the project root for project files).
    #[returns(ref)]
    pub path: String,
    /// Dotted module name (`library.models`), `None` when the file is outside every source root.
    #[returns(ref)]
    pub module: Option<String>,
    #[returns(ref)]
    pub text: Arc<str>,
    #[returns(copy)]
    pub origin: Origin,
    /// The bytes were not valid UTF-8 and were decoded lossily.
    #[returns(copy)]
    pub lossy: bool,
}

/// The whole project: its files and configuration.
#[salsa::input(debug)]
pub struct Project {
    #[returns(ref)]
    pub files: Vec<SourceFile>,
    #[returns(ref)]
    pub config: ProjectConfig,
}

#[salsa::db]
pub trait Db: salsa::Database {}

#[salsa::db]
#[derive(Clone, Default)]
pub struct RootDatabase {
    storage: salsa::Storage<Self>,
}

impl RootDatabase {
    /// A database that reports every salsa event to `callback` (the hosts use it to trace which
    /// queries re-execute after an edit).
    pub fn with_event_callback(
        callback: Box<dyn Fn(salsa::Event) + Send + Sync + 'static>,
    ) -> Self {
        RootDatabase {
            storage: salsa::Storage::new(Some(callback)),
        }
    }
}

#[salsa::db]
impl salsa::Database for RootDatabase {}

#[salsa::db]
impl Db for RootDatabase {}

/// Files larger than this are not parsed (a diagnostic says so); generated dumps are not models.
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// The syntax facts of one file. Cached per file; other queries depend on this value, not on the
/// text, so an edit that leaves the facts equal does not re-run them (salsa backdating).
#[salsa::tracked(returns(ref))]
pub fn module_syntax(db: &dyn Db, file: SourceFile) -> ModuleSyntax {
    let text = file.text(db);
    if text.len() > MAX_FILE_BYTES {
        return ModuleSyntax::default();
    }
    // Fast path for plain files; tree-sitter for everything it is not sure about.
    if crate::fastparse::ENABLED
        && let Some(ms) = crate::fastparse::parse(text)
    {
        return ms;
    }
    crate::fastparse::syntax_via_tree_sitter(text)
}

/// A project of in-memory files `(path, module, text)`, for tests.
#[cfg(test)]
pub(crate) fn test_project(
    db: &RootDatabase,
    files: &[(&str, &str, &str)],
    config: ProjectConfig,
) -> Project {
    let files = files
        .iter()
        .map(|(path, module, text)| {
            SourceFile::new(
                db,
                path.to_string(),
                Some(module.to_string()),
                (*text).into(),
                Origin::Project,
                false,
            )
        })
        .collect();
    Project::new(db, files, config)
}

/// Configuration naming only the settings module, for tests.
#[cfg(test)]
pub(crate) fn test_config(settings_module: &str) -> ProjectConfig {
    ProjectConfig {
        settings_module: Some(settings_module.into()),
        ..ProjectConfig::default()
    }
}
