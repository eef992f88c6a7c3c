//! Django's admin checks (`admin.E*`) that depend only on ModelAdmin declarations.

use crate::checks::Ctx;

pub(super) fn check(_ctx: &mut Ctx<'_>) {}
