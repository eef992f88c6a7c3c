//! Checks registered by contrib apps: contenttypes (GenericForeignKey) and auth (user model).

use crate::checks::Ctx;

pub(super) fn check(_ctx: &mut Ctx<'_>) {}
