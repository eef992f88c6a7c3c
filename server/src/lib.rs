//! The djsa binary's library: CLI, workspace loading (the I/O edge) and renderers.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod alembic;
pub mod bridge;
pub mod cli;
pub mod debug_edit;
pub mod graph;
pub mod live;
pub mod lsp;
pub mod makemigrations;
pub mod progress;
pub mod render;
pub mod workspace;
