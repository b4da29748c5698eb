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
    login_throttle (key) {
        key -> Text,
        failures -> Int4,
        blocked_until -> Nullable<Timestamptz>,
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
diesel::joinable!(console_users -> sites (site));
diesel::joinable!(form_submissions -> accounts (account_id));
diesel::joinable!(notices -> accounts (account_id));
diesel::joinable!(notices -> aliyun_instances (instance_id));
diesel::joinable!(password_reset_tokens -> accounts (account_id));
diesel::joinable!(sessions -> accounts (account_id));
diesel::joinable!(settlement_changes -> workspaces (workspace_id));
diesel::joinable!(workspaces -> accounts (account_id));
diesel::joinable!(workspaces -> aliyun_instances (aliyun_instance_id));
diesel::joinable!(workspaces -> console_users (console_user_id));
diesel::joinable!(workspaces -> sites (site));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    aliyun_instances,
    console_users,
    email_codes,
    email_outbox,
    form_submissions,
    job_runs,
    login_throttle,
    notices,
    password_reset_requests,
    password_reset_tokens,
    rate_limits,
    sessions,
    settlement_changes,
    sites,
    spi_inbox,
    spi_verify_uses,
    workspaces,
);
