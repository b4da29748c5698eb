// @generated automatically by Diesel CLI.

diesel::table! {
    accounts (id) {
        id -> Int8,
        username -> Text,
        email -> Text,
        phone -> Text,
        password_hash -> Text,
        company_name -> Text,
        language -> Text,
        arbitrary_settlement -> Bool,
        created_at -> Timestamptz,
        password_changed_at -> Timestamptz,
    }
}

diesel::table! {
    aliyun_instances (instance_id) {
        instance_id -> Text,
        ali_uid -> Nullable<Text>,
        product_code -> Nullable<Text>,
        sku_id -> Nullable<Text>,
        order_ids -> Array<Text>,
        trial -> Bool,
        expires_on -> Nullable<Timestamptz>,
        extra -> Jsonb,
        status -> Text,
        claimed_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        renewed_at -> Nullable<Timestamptz>,
        upgraded_at -> Nullable<Timestamptz>,
        expired_at -> Nullable<Timestamptz>,
        released_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    bill_lines (bill_id, item, retention_days) {
        bill_id -> Int8,
        item -> Text,
        retention_days -> Int4,
        quantity -> Int8,
        unit_size -> Int8,
        unit_price -> Numeric,
        amount -> Numeric,
    }
}

diesel::table! {
    console_users (id) {
        id -> Int8,
        site -> Text,
        username -> Text,
        email -> Text,
        phone -> Text,
        password_hash -> Text,
        company_name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    daily_bill_totals (id) {
        id -> Int8,
        account_id -> Int8,
        day -> Date,
        settled_by -> Text,
        aliyun_instance_id -> Nullable<Text>,
        amount -> Numeric,
        bills -> Int4,
    }
}

diesel::table! {
    daily_bills (id) {
        id -> Int8,
        day -> Date,
        workspace_id -> Text,
        account_id -> Int8,
        amount -> Numeric,
        settled_by -> Text,
        aliyun_instance_id -> Nullable<Text>,
        created_at -> Timestamptz,
        workspace_name -> Text,
        site -> Text,
        lines -> Json,
    }
}

diesel::table! {
    email_codes (id) {
        id -> Int8,
        email -> Text,
        code_hash -> Bytea,
        attempts -> Int4,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        consumed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    email_outbox (id) {
        id -> Int8,
        dedup_key -> Text,
        recipient -> Text,
        subject -> Text,
        text_body -> Nullable<Text>,
        html_body -> Nullable<Text>,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        leased_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    form_submissions (account_id, form_key) {
        account_id -> Int8,
        form_key -> Text,
        result -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    job_runs (job) {
        job -> Text,
        finished_at -> Timestamptz,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> Int8,
        account_id -> Int8,
        kind -> Text,
        amount -> Numeric,
        balance_after -> Numeric,
        bill_id -> Nullable<Int8>,
        reference -> Nullable<Text>,
        actor -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Int4,
        blocked_until -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    metering_windows (instance_id, day) {
        instance_id -> Text,
        day -> Date,
        amount_cents -> Int8,
        start_time -> Int8,
        end_time -> Int8,
        cutoff -> Nullable<Timestamptz>,
        state -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        request_id -> Nullable<Text>,
        last_error -> Nullable<Text>,
        resolved_by -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notices (id) {
        id -> Int8,
        account_id -> Int8,
        instance_id -> Text,
        kind -> Text,
        reason -> Text,
        workspaces -> Jsonb,
        token_hash -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    password_reset_requests (id) {
        id -> Int8,
        email -> Text,
        created_at -> Timestamptz,
        processed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    password_reset_tokens (token_hash) {
        token_hash -> Bytea,
        account_id -> Int8,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    price_items (item) {
        item -> Text,
        name_en -> Text,
        name_zh -> Text,
        unit_size -> Int8,
        unit_en -> Text,
        unit_zh -> Text,
        tiered -> Bool,
        position -> Int4,
    }
}

diesel::table! {
    prices (item, retention_days, valid_from) {
        item -> Text,
        retention_days -> Int4,
        unit_price -> Numeric,
        valid_from -> Date,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    rate_limits (key) {
        key -> Text,
        hits -> Int4,
        window_ends_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Bytea,
        state -> Jsonb,
        account_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        absolute_expires_at -> Timestamptz,
    }
}

diesel::table! {
    settled_days (day) {
        day -> Date,
        bills -> Int4,
        total -> Numeric,
        settled_at -> Timestamptz,
    }
}

diesel::table! {
    settlement_changes (id) {
        id -> Int8,
        workspace_id -> Text,
        from_method -> Nullable<Text>,
        to_method -> Text,
        aliyun_instance_id -> Nullable<Text>,
        reason -> Text,
        actor -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sites (code) {
        code -> Text,
        name_en -> Text,
        name_zh -> Text,
        cloud -> Text,
        methods -> Array<Text>,
        position -> Int4,
    }
}

diesel::table! {
    spi_inbox (id) {
        id -> Int8,
        action -> Text,
        instance_id -> Nullable<Text>,
        order_id -> Nullable<Text>,
        params -> Jsonb,
        outcome -> Text,
        source -> Text,
        notification_id -> Nullable<Text>,
        received_at -> Timestamptz,
    }
}

diesel::table! {
    spi_verify_uses (token) {
        token -> Text,
        used_at -> Timestamptz,
    }
}

diesel::table! {
    usage_records (hour, workspace_id, item) {
        hour -> Timestamptz,
        workspace_id -> Text,
        item -> Text,
        quantity -> Int8,
        retention_days -> Int4,
        replaced -> Bool,
        received_at -> Timestamptz,
    }
}

diesel::table! {
    workspaces (id) {
        id -> Text,
        name -> Text,
        site -> Text,
        language -> Text,
        account_id -> Int8,
        console_user_id -> Nullable<Int8>,
        settlement_method -> Text,
        aliyun_instance_id -> Nullable<Text>,
        status -> Text,
        grace_deadline -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(aliyun_instances -> accounts (claimed_by));
diesel::joinable!(bill_lines -> daily_bills (bill_id));
diesel::joinable!(bill_lines -> price_items (item));
diesel::joinable!(console_users -> sites (site));
diesel::joinable!(daily_bill_totals -> accounts (account_id));
diesel::joinable!(daily_bill_totals -> aliyun_instances (aliyun_instance_id));
diesel::joinable!(daily_bills -> accounts (account_id));
diesel::joinable!(daily_bills -> aliyun_instances (aliyun_instance_id));
diesel::joinable!(daily_bills -> settled_days (day));
diesel::joinable!(daily_bills -> workspaces (workspace_id));
diesel::joinable!(form_submissions -> accounts (account_id));
diesel::joinable!(ledger_entries -> accounts (account_id));
diesel::joinable!(ledger_entries -> daily_bills (bill_id));
diesel::joinable!(metering_windows -> aliyun_instances (instance_id));
diesel::joinable!(metering_windows -> settled_days (day));
diesel::joinable!(notices -> accounts (account_id));
diesel::joinable!(notices -> aliyun_instances (instance_id));
diesel::joinable!(password_reset_tokens -> accounts (account_id));
diesel::joinable!(prices -> price_items (item));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(settlement_changes -> workspaces (workspace_id));
diesel::joinable!(workspaces -> accounts (account_id));
diesel::joinable!(workspaces -> aliyun_instances (aliyun_instance_id));
diesel::joinable!(workspaces -> console_users (console_user_id));
diesel::joinable!(workspaces -> sites (site));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    aliyun_instances,
    bill_lines,
    console_users,
    daily_bill_totals,
    daily_bills,
    email_codes,
    email_outbox,
    form_submissions,
    job_runs,
    ledger_entries,
    login_throttle,
    metering_windows,
    notices,
    password_reset_requests,
    password_reset_tokens,
    price_items,
    prices,
    rate_limits,
    sessions,
    settled_days,
    settlement_changes,
    sites,
    spi_inbox,
    spi_verify_uses,
    usage_records,
    workspaces,
);
