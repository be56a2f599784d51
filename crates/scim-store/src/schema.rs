//! The tables, as diesel sees them: one schema for both backends.
//!
//! Kept by hand in step with `migrations/{sqlite,postgres}`; a test checks that the
//! migrated databases have exactly these columns. PostgreSQL's generated
//! `filter_jsonb` columns are deliberately absent: only the filter SQL in
//! [`crate::dialect`] reads them, and nothing may write them.

diesel::table! {
    tenants (id) {
        id -> Text,
        slug -> Text,
        display_name -> Text,
        settings -> Text,
        role_catalogue -> Text,
        rule_set -> Text,
        created -> Timestamp,
        updated -> Timestamp,
        version -> BigInt,
    }
}

diesel::table! {
    tokens (id) {
        id -> Text,
        tenant_id -> Text,
        kind -> Text,
        prefix -> Text,
        hash -> Text,
        label -> Text,
        created -> Timestamp,
        last_used -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    users (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        user_name -> Text,
        user_name_folded -> Text,
        external_id -> Nullable<Text>,
        display_name -> Nullable<Text>,
        display_name_folded -> Nullable<Text>,
        active -> Nullable<Bool>,
        resource -> Text,
        filter_doc -> Text,
        filter_exact -> Bool,
        version -> BigInt,
        created -> Timestamp,
        last_modified -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        deletion_key -> Text,
        lock_role -> Nullable<Text>,
        lock_by -> Nullable<Text>,
        lock_at -> Nullable<Timestamp>,
        lock_reason -> Nullable<Text>,
        external_id_folded -> Nullable<Text>,
    }
}

diesel::table! {
    user_roles (tenant_id, user_id) {
        tenant_id -> Text,
        user_id -> Text,
        role -> Nullable<Text>,
        role_reason -> Nullable<Text>,
    }
}

diesel::table! {
    user_emails (tenant_id, value_folded, user_id) {
        tenant_id -> Text,
        value_folded -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    groups (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        display_name -> Text,
        display_name_folded -> Text,
        external_id -> Nullable<Text>,
        resource -> Text,
        filter_doc -> Text,
        filter_exact -> Bool,
        version -> BigInt,
        member_count -> BigInt,
        created -> Timestamp,
        last_modified -> Timestamp,
    }
}

diesel::table! {
    memberships (tenant_id, group_id, user_id) {
        tenant_id -> Text,
        group_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    inexact_resources (tenant_id, kind, resource_id) {
        tenant_id -> Text,
        kind -> Text,
        resource_id -> Text,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        tenant_id -> Text,
        seq -> Nullable<BigInt>,
        time -> Timestamp,
        kind -> Text,
        resource_type -> Nullable<Text>,
        resource_id -> Nullable<Text>,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        cause -> Nullable<Text>,
        request_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
    }
}

diesel::table! {
    connection_hours (tenant_id, hour) {
        tenant_id -> Text,
        hour -> Timestamp,
        requests -> BigInt,
        errors -> BigInt,
    }
}

diesel::table! {
    connection_requests (tenant_id, sort) {
        tenant_id -> Text,
        sort -> Text,
        at -> Timestamp,
        method -> Text,
        route -> Text,
        status -> BigInt,
        client -> Text,
        request_id -> Text,
        scim_type -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_endpoints (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        url -> Text,
        kinds -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        state -> Text,
        cursor_seq -> BigInt,
        batch_end_seq -> Nullable<BigInt>,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        created -> Timestamp,
        updated -> Timestamp,
    }
}

diesel::joinable!(tokens -> tenants (tenant_id));
diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(groups -> tenants (tenant_id));
diesel::joinable!(user_emails -> tenants (tenant_id));
diesel::joinable!(memberships -> tenants (tenant_id));
diesel::joinable!(events -> tenants (tenant_id));
diesel::joinable!(inexact_resources -> tenants (tenant_id));
diesel::joinable!(connection_hours -> tenants (tenant_id));
diesel::joinable!(connection_requests -> tenants (tenant_id));
diesel::joinable!(webhook_endpoints -> tenants (tenant_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    tokens,
    users,
    user_roles,
    user_emails,
    groups,
    memberships,
    inexact_resources,
    events,
    connection_hours,
    connection_requests,
    webhook_endpoints,
);

#[cfg(test)]
mod tests;
