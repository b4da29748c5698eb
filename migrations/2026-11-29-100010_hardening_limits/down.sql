DROP TABLE password_reset_requests;
DROP TABLE rate_limits;
