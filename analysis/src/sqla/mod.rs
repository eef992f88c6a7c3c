//! SQLAlchemy support: the table index ([`index::sqla_tables`]), its checks (DJSA2xx), the Django
//! side of shared tables ([`django::django_tables`]) and the Django <-> SQLAlchemy bridge generators.

pub mod bridge;
pub mod checks;
pub mod django;
pub mod index;
pub mod reverse;
pub mod types;

pub use index::{Column, ForeignKeyDef, MappedClass, SqlaIndex, Table, sqla_tables};
pub use types::SqlType;

#[cfg(test)]
mod tests;
