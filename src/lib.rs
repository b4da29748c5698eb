//! Billing Center: a server-rendered self-service billing portal with Alibaba
//! Cloud Marketplace settlement. See README.md for the architecture.

pub mod auth;
pub mod billing;
pub mod cli;
pub mod clock;
pub mod db;
pub mod domain;
pub mod email;
pub mod error;
pub mod i18n;
pub mod marketplace;
pub mod metrics;
pub mod page;
pub mod routes;
pub mod sandbox;
pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod time;
