//! One module per table: the row types, the write forms and the queries.

pub mod account;
pub mod aliyun_instance;
pub mod console_user;
pub mod email_code;
pub mod email_outbox;
pub mod form_submission;
pub mod login_throttle;
pub mod notice;
pub mod password_reset;
pub mod rate_limit;
pub mod session;
pub mod settlement_change;
pub mod site;
pub mod spi_inbox;
pub mod workspace;
