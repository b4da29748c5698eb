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
        ali_uid -> Text,
        product_code -> Text,
        sku_id -> Text,
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
    email_outbox (id) {
        id -> Int8,
        dedup_key -> Text,
        recipient -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
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
    password_reset_tokens (token_hash) {
        token_hash -> Bytea,
        account_id -> Int8,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
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

diesel::joinable!(aliyun_instances -> accounts (claimed_by));
diesel::joinable!(password_reset_tokens -> accounts (account_id));
diesel::joinable!(sessions -> accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    aliyun_instances,
    email_outbox,
    login_throttle,
    password_reset_tokens,
    sessions,
    spi_inbox,
    spi_verify_uses,
);
