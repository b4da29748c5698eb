UPDATE settlement_changes SET reason = 'registration' WHERE reason = 'workspace_added';
ALTER TABLE settlement_changes DROP CONSTRAINT settlement_changes_reason_check;
ALTER TABLE settlement_changes ADD CONSTRAINT settlement_changes_reason_check
    CHECK (reason IN ('registration', 'user', 'marketplace_release', 'marketplace_expiry', 'reconciliation'));
