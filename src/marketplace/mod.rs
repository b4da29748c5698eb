//! Alibaba Cloud Marketplace: the SPI the marketplace calls (`params`,
//! `token`, `spi`), the Market OpenAPI we call (`signature`, `openapi`), R1
//! instance verification (`verifier`), the reconciler and the metering pusher.

pub mod metering;
pub mod openapi;
pub mod params;
pub mod reconciler;
pub mod signature;
pub mod spi;
pub mod token;
pub mod verifier;
