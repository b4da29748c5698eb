-- A workspace added in the Billing Center (not by a registration) records its
-- first settlement as 'workspace_added', so the history tells the two apart.
ALTER TABLE settlement_changes DROP CONSTRAINT settlement_changes_reason_check;
ALTER TABLE settlement_changes ADD CONSTRAINT settlement_changes_reason_check
    CHECK (reason IN ('registration', 'workspace_added', 'user', 'marketplace_release', 'marketplace_expiry', 'reconciliation'));
UPDATE settlement_changes SET reason = 'workspace_added'
    FROM workspaces
    WHERE settlement_changes.workspace_id = workspaces.id
      AND settlement_changes.reason = 'registration'
      AND workspaces.console_user_id IS NULL;
