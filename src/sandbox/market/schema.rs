//! diesel tables of the `sandbox` schema (created by `schema.sql`).

diesel::table! {
    sandbox.instances (instance_id) {
        instance_id -> Text,
        order_id -> Text,
        ali_uid -> Text,
        product_code -> Text,
        sku_id -> Text,
        status -> Text,
        trial -> Bool,
        began_on -> Timestamptz,
        end_on -> Nullable<Timestamptz>,
        created_on -> Timestamptz,
        auth_url -> Nullable<Text>,
        front_end_url -> Nullable<Text>,
    }
}

diesel::table! {
    sandbox.orders (order_id) {
        order_id -> Text,
        instance_id -> Text,
        ali_uid -> Text,
        order_type -> Text,
        order_status -> Text,
        pay_status -> Text,
        product_code -> Text,
        sku_id -> Text,
        created_on -> Timestamptz,
    }
}

diesel::table! {
    sandbox.deliveries (id) {
        id -> Int8,
        instance_id -> Text,
        action -> Text,
        params -> Jsonb,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        status -> Text,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sandbox.failed_notifications (notification_request_id) {
        notification_request_id -> Text,
        action -> Text,
        message -> Text,
        create_time -> Timestamptz,
        confirmed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sandbox.metering (id) {
        id -> Int8,
        request_id -> Text,
        instance_id -> Text,
        start_time -> Int8,
        end_time -> Int8,
        entities -> Jsonb,
        received_at -> Timestamptz,
    }
}
