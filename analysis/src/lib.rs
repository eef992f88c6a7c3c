//! djsa's analysis core. PURE: no file system, network, database, clock or threads.
//!
//! The host (CLI or language server) pushes file texts and configuration into salsa inputs
//! ([`db::SourceFile`], [`db::Project`]); everything here is a function of those inputs.
#![warn(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod alembic;
pub mod checks;
pub mod codes;
pub mod config;
pub mod db;
pub mod diagnostic;
pub mod discovery;
pub mod fastparse;
pub mod fields;
pub mod graph;
pub mod migrations;
pub mod project;
pub mod resolve;
pub mod schema;
pub mod settings;
pub mod span;
pub mod sqla;
pub mod syntax;

pub use config::ProjectConfig;
pub use db::{Db, Origin, Project, RootDatabase, SourceFile};
pub use diagnostic::{Diagnostic, Edit, Fix, Severity};
pub use span::Span;
