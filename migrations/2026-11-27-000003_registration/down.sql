DROP TABLE settlement_changes;
DROP TABLE workspaces;
DROP TABLE console_users;
DROP TABLE email_codes;
DROP TABLE sites;
