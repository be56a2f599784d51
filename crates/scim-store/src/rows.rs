//! Row shapes read with [`Sql`](crate::sql::Sql) queries, and their conversion
//! into the public model.

use chrono::NaiveDateTime;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};
use scim_proto::ClientKind;

use crate::check::parse_json;
use crate::connection::{HourCount, RequestNote};
use crate::error::StoreError;
use crate::model::{Event, EventKind, Group, RoleLock, Tenant, Token, TokenKind, User};
use crate::time::{from_db, opt_from_db};

/// Columns of [`TenantRow`].
pub(crate) const TENANT_COLUMNS: &str = "id, slug, display_name, settings, role_catalogue, \
     rule_set, created, updated, version";

/// Reads columns of `tenants` by name; types come from `crate::schema`.
#[derive(QueryableByName)]
#[diesel(table_name = crate::schema::tenants)]
pub(crate) struct TenantRow {
    id: String,
    slug: String,
    display_name: String,
    settings: String,
    role_catalogue: String,
    rule_set: String,
    created: NaiveDateTime,
    updated: NaiveDateTime,
    version: i64,
}

impl TenantRow {
    pub(crate) fn into_model(self) -> Result<Tenant, StoreError> {
        Ok(Tenant {
            id: self.id,
            slug: self.slug,
            display_name: self.display_name,
            settings: parse_json(&self.settings)?,
            role_catalogue: parse_json(&self.role_catalogue)?,
            rule_set: parse_json(&self.rule_set)?,
            created: from_db(self.created),
            updated: from_db(self.updated),
            version: self.version,
        })
    }
}

/// The version and times of a tenant row: together with its id they identify
/// one state of the row (a tenant deleted and made again starts at version 1).
#[derive(QueryableByName)]
#[diesel(table_name = crate::schema::tenants)]
pub(crate) struct TenantStampRow {
    version: i64,
    created: NaiveDateTime,
    updated: NaiveDateTime,
}

impl TenantStampRow {
    /// Whether `tenant` was read from the row in this state.
    pub(crate) fn is_of(&self, tenant: &Tenant) -> bool {
        tenant.version == self.version
            && tenant.created == from_db(self.created)
            && tenant.updated == from_db(self.updated)
    }
}

/// Columns of [`TokenRow`].
pub(crate) const TOKEN_COLUMNS: &str =
    "id, tenant_id, kind, prefix, hash, label, created, last_used, expires_at, revoked_at";

/// Reads columns of `tokens` by name; types come from `crate::schema`.
#[derive(QueryableByName)]
#[diesel(table_name = crate::schema::tokens)]
pub(crate) struct TokenRow {
    id: String,
    tenant_id: String,
    kind: String,
    prefix: String,
    hash: String,
    label: String,
    created: NaiveDateTime,
    last_used: Option<NaiveDateTime>,
    expires_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

impl TokenRow {
    pub(crate) fn into_model(self) -> Result<Token, StoreError> {
        let kind = TokenKind::parse(&self.kind).ok_or_else(|| StoreError::Database {
            message: format!("stored token kind '{}' is unknown", self.kind),
            source: None,
        })?;
        Ok(Token {
            id: self.id,
            tenant_id: self.tenant_id,
            kind,
            prefix: self.prefix,
            hash: self.hash,
            label: self.label,
            created: from_db(self.created),
            last_used: opt_from_db(self.last_used),
            expires_at: opt_from_db(self.expires_at),
            revoked_at: opt_from_db(self.revoked_at),
        })
    }
}

/// Where [`USER_COLUMNS`] are read from: a user's row (alias `u`) and its role
/// row (alias `r`, one per user; see the migration `user_roles`).
pub(crate) const USER_ROWS: &str =
    "users u JOIN user_roles r ON r.tenant_id = u.tenant_id AND r.user_id = u.id";

/// Columns of [`UserRow`], read from [`USER_ROWS`].
pub(crate) const USER_COLUMNS: &str = "u.id, u.tenant_id, u.user_name, u.external_id, \
     u.display_name, u.active, u.resource, u.version, u.created, u.last_modified, \
     u.deleted_at, r.role, r.role_reason, u.lock_role, u.lock_by, u.lock_at, u.lock_reason";

/// [`USER_COLUMNS`] without the stored body, read as JSON `null` in its place
/// (see [`crate::BodyRead::Columns`]).
pub(crate) const USER_COLUMNS_NO_BODY: &str = "u.id, u.tenant_id, u.user_name, \
     u.external_id, u.display_name, u.active, 'null' AS resource, u.version, u.created, \
     u.last_modified, u.deleted_at, r.role, r.role_reason, u.lock_role, u.lock_by, u.lock_at, \
     u.lock_reason";

/// Reads [`USER_COLUMNS`] by name; types come from `crate::schema`.
#[derive(QueryableByName)]
#[diesel(table_name = crate::schema::users)]
pub(crate) struct UserRow {
    id: String,
    tenant_id: String,
    user_name: String,
    external_id: Option<String>,
    display_name: Option<String>,
    active: Option<bool>,
    resource: String,
    version: i64,
    created: NaiveDateTime,
    last_modified: NaiveDateTime,
    deleted_at: Option<NaiveDateTime>,
    // In `user_roles`, not `users`.
    #[diesel(sql_type = Nullable<Text>)]
    role: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    role_reason: Option<String>,
    lock_role: Option<String>,
    lock_by: Option<String>,
    lock_at: Option<NaiveDateTime>,
    lock_reason: Option<String>,
}

impl UserRow {
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn into_model(self) -> Result<User, StoreError> {
        let lock = match (self.lock_role, self.lock_by, self.lock_at) {
            (Some(role), Some(by), Some(at)) => Some(RoleLock {
                role,
                by,
                at: from_db(at),
                reason: self.lock_reason,
            }),
            _ => None,
        };
        Ok(User {
            id: self.id,
            tenant_id: self.tenant_id,
            user_name: self.user_name,
            external_id: self.external_id,
            display_name: self.display_name,
            active: self.active,
            resource: parse_json(&self.resource)?,
            version: self.version,
            created: from_db(self.created),
            last_modified: from_db(self.last_modified),
            deleted_at: opt_from_db(self.deleted_at),
            role: self.role,
            role_reason: self.role_reason.as_deref().map(parse_json).transpose()?,
            lock,
        })
    }
}

/// A user row read for update, with what the update needs besides the model.
#[derive(QueryableByName)]
pub(crate) struct LockedUserRow {
    #[diesel(embed)]
    pub(crate) user: UserRow,
    #[diesel(sql_type = Text)]
    pub(crate) folded: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub(crate) exact: bool,
}

/// Columns of [`GroupRow`], qualified with the alias `g`.
pub(crate) const GROUP_COLUMNS: &str = "g.id, g.tenant_id, g.display_name, g.external_id, \
     g.resource, g.version, g.member_count, g.created, g.last_modified";

/// Reads columns of `groups` by name; types come from `crate::schema`.
#[derive(QueryableByName)]
#[diesel(table_name = crate::schema::groups)]
pub(crate) struct GroupRow {
    id: String,
    tenant_id: String,
    display_name: String,
    external_id: Option<String>,
    resource: String,
    version: i64,
    member_count: i64,
    created: NaiveDateTime,
    last_modified: NaiveDateTime,
}

impl GroupRow {
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn into_model(self) -> Result<Group, StoreError> {
        Ok(Group {
            id: self.id,
            tenant_id: self.tenant_id,
            display_name: self.display_name,
            external_id: self.external_id,
            resource: parse_json(&self.resource)?,
            version: self.version,
            member_count: u64::try_from(self.member_count).unwrap_or(0),
            created: from_db(self.created),
            last_modified: from_db(self.last_modified),
        })
    }
}

/// Columns of [`EventRow`].
pub(crate) const EVENT_COLUMNS: &str = "tenant_id, seq, time, kind, resource_type, resource_id, \
     before_state, after_state, cause, request_id, user_id";

/// Reads columns of `events` by name; types come from `crate::schema`.
#[derive(QueryableByName)]
#[diesel(table_name = crate::schema::events)]
pub(crate) struct EventRow {
    tenant_id: String,
    /// Only numbered events are ever read.
    #[diesel(sql_type = BigInt)]
    seq: i64,
    time: NaiveDateTime,
    kind: String,
    resource_type: Option<String>,
    resource_id: Option<String>,
    before_state: Option<String>,
    after_state: Option<String>,
    cause: Option<String>,
    request_id: Option<String>,
    user_id: Option<String>,
}

impl EventRow {
    pub(crate) fn into_model(self) -> Result<Event, StoreError> {
        Ok(Event {
            tenant_id: self.tenant_id,
            seq: self.seq,
            time: from_db(self.time),
            kind: EventKind::parse(&self.kind),
            resource_type: self.resource_type,
            resource_id: self.resource_id,
            before: self.before_state.as_deref().map(parse_json).transpose()?,
            after: self.after_state.as_deref().map(parse_json).transpose()?,
            cause: self.cause.as_deref().map(parse_json).transpose()?,
            request_id: self.request_id,
            user_id: self.user_id,
        })
    }
}

/// `SELECT id ...`
#[derive(QueryableByName)]
pub(crate) struct IdRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
}

/// `SELECT ... AS a, ... AS b` with two texts.
#[derive(QueryableByName)]
pub(crate) struct PairRow {
    #[diesel(sql_type = Text)]
    pub(crate) a: String,
    #[diesel(sql_type = Text)]
    pub(crate) b: String,
}

/// `SELECT ... AS a, ... AS b` with a text and an optional text.
#[derive(QueryableByName)]
pub(crate) struct TextOptRow {
    #[diesel(sql_type = Text)]
    pub(crate) a: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) b: Option<String>,
}

/// `SELECT COUNT(*) AS n` and other single integers.
#[derive(QueryableByName)]
pub(crate) struct CountRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) n: i64,
}

/// The version, folded name and exactness of a row about to change.
#[derive(QueryableByName)]
pub(crate) struct VersionRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) version: i64,
    #[diesel(sql_type = Text)]
    pub(crate) folded: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    pub(crate) exact: bool,
}

/// A group about to change: [`VersionRow`] and what a body update leaves as it
/// is, so that the updated group need not be read back.
#[derive(QueryableByName)]
pub(crate) struct GroupStateRow {
    #[diesel(embed)]
    pub(crate) base: VersionRow,
    #[diesel(sql_type = BigInt)]
    pub(crate) member_count: i64,
    #[diesel(sql_type = diesel::sql_types::Timestamp)]
    pub(crate) created: NaiveDateTime,
}

/// Columns of [`HourRow`].
pub(crate) const HOUR_COLUMNS: &str = "hour, requests, errors";

/// Reads columns of `connection_hours` by name.
#[derive(QueryableByName)]
#[diesel(table_name = crate::schema::connection_hours)]
pub(crate) struct HourRow {
    hour: NaiveDateTime,
    requests: i64,
    errors: i64,
}

impl HourRow {
    pub(crate) fn into_model(self) -> HourCount {
        HourCount {
            hour: from_db(self.hour),
            requests: self.requests,
            errors: self.errors,
        }
    }
}

/// Columns of [`RequestRow`].
pub(crate) const REQUEST_COLUMNS: &str =
    "sort, at, method, route, status, client, request_id, scim_type, detail";

/// Reads columns of `connection_requests` by name.
#[derive(QueryableByName)]
#[diesel(table_name = crate::schema::connection_requests)]
pub(crate) struct RequestRow {
    pub(crate) sort: String,
    at: NaiveDateTime,
    method: String,
    route: String,
    status: i64,
    client: String,
    request_id: String,
    scim_type: Option<String>,
    detail: Option<String>,
}

impl RequestRow {
    pub(crate) fn into_model(self) -> Result<RequestNote, StoreError> {
        let client = ClientKind::parse(&self.client).ok_or_else(|| StoreError::Database {
            message: format!("stored client kind '{}' is unknown", self.client),
            source: None,
        })?;
        Ok(RequestNote {
            at: from_db(self.at),
            method: self.method,
            route: self.route,
            status: u16::try_from(self.status).unwrap_or(u16::MAX),
            client,
            request_id: self.request_id,
            scim_type: self.scim_type,
            detail: self.detail,
        })
    }
}
