//! One module per table: the row types, the write forms and the queries.

pub mod account;
pub mod aliyun_instance;
pub mod bill_report;
pub mod console_user;
pub mod daily_bill;
pub mod email_code;
pub mod email_outbox;
pub mod form_submission;
pub mod ledger_entry;
pub mod login_throttle;
pub mod metering_window;
pub mod notice;
pub mod overview;
pub mod password_reset;
pub mod price;
pub mod rate_limit;
pub mod session;
pub mod settlement_change;
pub mod site;
pub mod spi_inbox;
pub mod usage_record;
pub mod workspace;
