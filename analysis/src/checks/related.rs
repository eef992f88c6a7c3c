//! Django's related-field checks (`fields.E3xx`, `fields.W34x`).

use crate::checks::Ctx;

pub(super) fn check(_ctx: &mut Ctx<'_>) {}
