DROP TABLE email_outbox;
DROP TABLE password_reset_tokens;
DROP TABLE login_throttle;
DROP TABLE sessions;
DROP TABLE accounts;
