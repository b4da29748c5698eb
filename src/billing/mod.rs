//! The rules (SPEC 3.3) as plain functions over models. Each function is the
//! one place its rule lives, whoever triggers it: a page, the SPI, the
//! reconciler.

pub mod instances;
pub mod registration;

pub use instances::{on_instance_expired, on_instance_released};
