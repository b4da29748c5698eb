//! `/password/forgot` and `/password/reset/{token}`.

pub mod forgot;
pub mod reset;
