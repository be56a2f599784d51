//! The rows the store reads and writes, and the arguments of its queries.
//!
//! Times are UTC and kept to the microsecond: the store truncates what it is given,
//! so a value read back equals the value rendered into `meta` and compared by filters.

use chrono::{DateTime, Utc};
use scim_proto::filter::{AttrPath, CompiledFilter};
use serde_json::Value;

/// A customer account: its own Tenant URL, tokens, users, groups, roles and rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    /// Server-assigned id.
    pub id: String,
    /// The URL segment, unique (`/scim/v2/{slug}`).
    pub slug: String,
    /// Name for humans.
    pub display_name: String,
    /// Tenant settings; opaque to the store.
    pub settings: Value,
    /// The role catalogue; opaque to the store.
    pub role_catalogue: Value,
    /// The rule set; opaque to the store.
    pub rule_set: Value,
    /// When the tenant was created.
    pub created: DateTime<Utc>,
    /// When the tenant row last changed.
    pub updated: DateTime<Utc>,
    /// Goes up by one with every change to the row: together with `id` and
    /// `created`, a cache of anything derived from the tenant compares this
    /// instead of the settings, catalogue and rules.
    pub version: i64,
}

/// A tenant to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTenant {
    /// Id chosen by the caller (lowercase, e.g. a UUID).
    pub id: String,
    /// Unique URL segment.
    pub slug: String,
    /// Name for humans.
    pub display_name: String,
    /// Tenant settings.
    pub settings: Value,
    /// The role catalogue.
    pub role_catalogue: Value,
    /// The rule set.
    pub rule_set: Value,
    /// Creation time.
    pub now: DateTime<Utc>,
}

/// Changes to a tenant; `None` fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TenantUpdate {
    /// New slug.
    pub slug: Option<String>,
    /// New display name.
    pub display_name: Option<String>,
    /// New settings.
    pub settings: Option<Value>,
    /// New role catalogue.
    pub role_catalogue: Option<Value>,
    /// New rule set.
    pub rule_set: Option<Value>,
}

/// What a token opens: a tenant's SCIM routes, or its part of the admin API.
/// Each is refused where the other is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// An identity provider's token for the tenant's SCIM routes.
    Scim,
    /// A tenant admin's token for the tenant's part of the admin API.
    Admin,
}

impl TokenKind {
    /// The stored form: `scim` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Scim => "scim",
            TokenKind::Admin => "admin",
        }
    }

    /// The kind with this stored form.
    pub fn parse(s: &str) -> Option<TokenKind> {
        [TokenKind::Scim, TokenKind::Admin]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A bearer token of a tenant. The store keeps only a hash of the secret and a
/// short non-secret prefix that identifies the token in lists and logs.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Token id.
    pub id: String,
    /// Owning tenant.
    pub tenant_id: String,
    /// What it opens.
    pub kind: TokenKind,
    /// Non-secret prefix, shown to admins.
    pub prefix: String,
    /// Hash of the secret, computed by the caller.
    pub hash: String,
    /// Label for humans.
    pub label: String,
    /// When it was issued.
    pub created: DateTime<Utc>,
    /// When it last authenticated a request.
    pub last_used: Option<DateTime<Utc>>,
    /// When it stops working (rotation overlap), if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Token {
    /// Whether the token may authenticate a request at `now`: not revoked, not expired.
    pub fn usable_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }
}

/// A token to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewToken {
    /// Token id (lowercase).
    pub id: String,
    /// What it opens.
    pub kind: TokenKind,
    /// Non-secret prefix.
    pub prefix: String,
    /// Hash of the secret.
    pub hash: String,
    /// Label for humans.
    pub label: String,
    /// Expiry, if any.
    pub expires_at: Option<DateTime<Utc>>,
    /// Issue time.
    pub now: DateTime<Utc>,
}

/// A user's app-side role and its explanation, to store with
/// [`Scoped::set_roles`](crate::Scoped::set_roles).
#[derive(Debug, Clone, PartialEq)]
pub struct RoleUpdate {
    /// The user.
    pub user_id: String,
    /// The role, or `None` to clear it.
    pub role: Option<String>,
    /// Why the user has it (opaque to the store).
    pub reason: Option<Value>,
}

/// A role frozen on a user by an admin: neither group nor rule changes move it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleLock {
    /// The frozen role.
    pub role: String,
    /// Who set the lock.
    pub by: String,
    /// When the lock was set.
    pub at: DateTime<Utc>,
    /// Why, in the admin's words.
    pub reason: Option<String>,
}

/// A stored user: the SCIM resource plus the app-side role state.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// Server-assigned id.
    pub id: String,
    /// Owning tenant.
    pub tenant_id: String,
    /// `userName` as stored.
    pub user_name: String,
    /// `externalId`, if it is a string.
    pub external_id: Option<String>,
    /// `displayName`, if it is a string.
    pub display_name: Option<String>,
    /// `active`, if it is a boolean.
    pub active: Option<bool>,
    /// The canonical SCIM body without `id`, `meta` and `groups`.
    pub resource: Value,
    /// Version, incremented by every SCIM change (the ETag).
    pub version: i64,
    /// `meta.created`.
    pub created: DateTime<Utc>,
    /// `meta.lastModified`.
    pub last_modified: DateTime<Utc>,
    /// Set when the user was soft-deleted; such users are invisible to SCIM reads.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Current app role, as last computed.
    pub role: Option<String>,
    /// Why the user has that role (the role engine's explanation).
    pub role_reason: Option<Value>,
    /// The role lock, if set.
    pub lock: Option<RoleLock>,
}

/// A user to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    /// Id chosen by the caller (lowercase, unique in the tenant, e.g. a UUID).
    pub id: String,
    /// Canonical SCIM body; `id`, `meta` and `groups` in it are ignored.
    pub resource: Value,
    /// Initial role.
    pub role: Option<String>,
    /// Why the user has the initial role.
    pub role_reason: Option<Value>,
    /// Creation time.
    pub now: DateTime<Utc>,
}

/// A replacement of a user's SCIM body.
#[derive(Debug, Clone, PartialEq)]
pub struct UserUpdate {
    /// The user.
    pub id: String,
    /// If given, the update applies only while this is the stored version.
    pub expected_version: Option<i64>,
    /// The new canonical body.
    pub resource: Value,
    /// Modification time.
    pub now: DateTime<Utc>,
}

/// A stored group (without members; see [`Scoped::members`](crate::Scoped::members)).
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Server-assigned id.
    pub id: String,
    /// Owning tenant.
    pub tenant_id: String,
    /// `displayName`.
    pub display_name: String,
    /// `externalId`, if it is a string.
    pub external_id: Option<String>,
    /// The canonical SCIM body without `id`, `meta` and `members`.
    pub resource: Value,
    /// Version; changes with the body and with membership.
    pub version: i64,
    /// Number of members.
    pub member_count: u64,
    /// `meta.created`.
    pub created: DateTime<Utc>,
    /// `meta.lastModified`; changes with the body and with membership.
    pub last_modified: DateTime<Utc>,
}

/// A group to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewGroup {
    /// Id chosen by the caller (lowercase).
    pub id: String,
    /// Canonical SCIM body; `id`, `meta` and `members` in it are ignored.
    pub resource: Value,
    /// Creation time.
    pub now: DateTime<Utc>,
}

/// A replacement of a group's SCIM body (members are separate).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupUpdate {
    /// The group.
    pub id: String,
    /// If given, the update applies only while this is the stored version.
    pub expected_version: Option<i64>,
    /// The new canonical body.
    pub resource: Value,
    /// Modification time.
    pub now: DateTime<Utc>,
}

/// A member of a group, as listed in the group's `members`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRef {
    /// The user's id.
    pub user_id: String,
    /// The user's `displayName`, if any.
    pub display_name: Option<String>,
}

/// A group of a user, as listed in the user's `groups`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    /// The group's id.
    pub group_id: String,
    /// The group's `displayName`.
    pub display_name: String,
}

/// What a membership change did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipChange {
    /// Users that became members (sorted).
    pub added: Vec<String>,
    /// Users that stopped being members (sorted).
    pub removed: Vec<String>,
    /// The group's version afterwards.
    pub version: i64,
}

/// One page of members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberPage {
    /// Members, ordered by user id.
    pub members: Vec<MemberRef>,
    /// Number of members of the group.
    pub total: u64,
}

/// Whether soft-deleted users count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only live users (what SCIM sees).
    Live,
    /// Live and soft-deleted users (what the admin API sees).
    IncludeDeleted,
}

/// How much of each user a batch reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRead {
    /// The stored body.
    Full,
    /// Only what the indexed columns hold: `resource` is built from them
    /// (`userName`, `displayName`, `externalId`, `active`; absent when the
    /// column is empty). For callers that need no other attribute, such as
    /// role decisions without attribute rules: the body is most of a row.
    Columns,
}

/// `sortBy` and `sortOrder`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortBy {
    /// The attribute, resolved against the resource type's schema.
    pub path: AttrPath,
    /// `sortOrder=descending`.
    pub descending: bool,
}

/// Which page of a list to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// RFC 7644 index paging: 1-based `startIndex` (values below 1 mean 1) and `count`.
    Index {
        /// 1-based position of the first result.
        start_index: u64,
        /// Maximum number of results.
        count: u64,
    },
    /// RFC 9865 cursor paging: `cursor` is `None` for the first page, else a
    /// `nextCursor` or `previousCursor` returned earlier by the same query.
    Cursor {
        /// The cursor, if not the first page.
        cursor: Option<String>,
        /// Maximum number of results.
        count: u64,
    },
}

/// A SCIM list query: filter, sort and page.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery<'a> {
    /// The filter, compiled against [`scim_proto::schema::USER_RESOURCE`] or
    /// [`scim_proto::schema::GROUP_RESOURCE`].
    pub filter: Option<&'a CompiledFilter>,
    /// Sort order; by id when `None`.
    pub sort: Option<&'a SortBy>,
    /// The page.
    pub paging: &'a Paging,
    /// The base URL that `meta.location` and `$ref` values start with (for example
    /// `https://host/scim/v2/acme`); when `None` those attributes count as absent.
    pub base_url: Option<&'a str>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Number of items matching the query over all pages.
    pub total: u64,
    /// Cursor of the following page (cursor paging only), if there may be one.
    pub next_cursor: Option<String>,
    /// Cursor of the preceding page (cursor paging only), if there may be one.
    pub previous_cursor: Option<String>,
}

/// A user's provisioning status, for the admin list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    /// Live and `active` is true or absent (absent means active, as the role
    /// engine reads it).
    Active,
    /// Live and `active` is false.
    Inactive,
    /// Soft-deleted.
    Deleted,
}

/// The admin API's user list: filters on app-side state, offset paging.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminUserQuery {
    /// Only users with this role.
    pub role: Option<String>,
    /// Only users with this status; live and deleted users alike when `None`.
    pub status: Option<UserStatus>,
    /// Only locked (`true`) or unlocked (`false`) users.
    pub locked: Option<bool>,
    /// 0-based offset.
    pub offset: u64,
    /// Maximum number of users.
    pub count: u64,
}

/// What the admin user search orders by; ties are broken by a unique key, so
/// every order is total and a cursor names one position in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserOrder {
    /// `userName`, case-insensitively.
    #[default]
    UserName,
    /// `displayName`, case-insensitively; users without one first.
    DisplayName,
    /// The app role; users without one first.
    Role,
    /// The last SCIM change (`meta.lastModified`).
    LastChange,
}

/// The admin API's user search: a text, filters on app-side state, an order,
/// and keyset pages (a page costs the same at any depth, and rows inserted
/// meanwhile neither repeat nor hide rows on later pages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserSearch {
    /// Case-insensitive prefix of `userName`, `displayName`, an e-mail or
    /// `externalId`; `None` or empty: every user.
    pub q: Option<String>,
    /// Only users with this role.
    pub role: Option<String>,
    /// Only users with this status; live and deleted users alike when `None`.
    pub status: Option<UserStatus>,
    /// Only locked (`true`) or unlocked (`false`) users.
    pub locked: Option<bool>,
    /// The order.
    pub order: UserOrder,
    /// Reverse the order.
    pub descending: bool,
    /// Where to continue: a `next_cursor` of an earlier page of the same order.
    pub cursor: Option<String>,
    /// Maximum number of users (at least one).
    pub limit: u64,
}

/// A page of a keyset-paged list that does not count its matches (counting
/// would read every match; a page reads its own rows and one more).
#[derive(Debug, Clone, PartialEq)]
pub struct KeysetPage<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts, if there is one.
    pub next_cursor: Option<String>,
}

/// The admin API's event log query: events after a sequence number, filtered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSearch {
    /// Only events numbered above this.
    pub after_seq: i64,
    /// Only events of one of these kinds; every kind when empty.
    pub kinds: Vec<EventKind>,
    /// Only events about this resource (a user, group, token or tenant id).
    pub resource_id: Option<String>,
    /// Only events concerning this user ([`NewEvent::user_id`]): its own and
    /// its group membership changes.
    pub user_id: Option<String>,
    /// Only events at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only events before this time.
    pub until: Option<DateTime<Utc>>,
    /// Maximum number of events.
    pub limit: u64,
}

/// A page of the event log.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPage {
    /// The events, in sequence order.
    pub events: Vec<Event>,
    /// Where the next page starts (its `after_seq`): the last event's number when
    /// the page is full, else the newest number the query saw, so that a consumer
    /// polling with filters moves on past events that did not match.
    pub next_after_seq: i64,
}

/// A user with its group ids, as streamed for rule previews.
#[derive(Debug, Clone, PartialEq)]
pub struct UserWithGroups {
    /// The user.
    pub user: User,
    /// Ids of the groups the user is a member of (sorted).
    pub group_ids: Vec<String>,
}

/// What an event records. The string forms are stable: consumers store them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `user.created`
    UserCreated,
    /// `user.updated`
    UserUpdated,
    /// `user.deactivated`
    UserDeactivated,
    /// `user.reactivated`
    UserReactivated,
    /// `user.deleted`
    UserDeleted,
    /// `group.created`
    GroupCreated,
    /// `group.renamed`
    GroupRenamed,
    /// `group.updated`
    GroupUpdated,
    /// `group.deleted`
    GroupDeleted,
    /// `member.added`
    MemberAdded,
    /// `member.removed`
    MemberRemoved,
    /// `role.changed`
    RoleChanged,
    /// `lock.set`
    LockSet,
    /// `lock.cleared`
    LockCleared,
    /// `guard.violated`: an identity-provider change left a guarded role
    /// without an active holder (it was applied all the same).
    GuardViolated,
    /// `rules.changed`
    RulesChanged,
    /// `catalogue.changed`
    CatalogueChanged,
    /// `settings.changed`
    SettingsChanged,
    /// `token.issued`
    TokenIssued,
    /// `token.rotated`
    TokenRotated,
    /// `token.revoked`
    TokenRevoked,
    /// `tenant.created`
    TenantCreated,
    /// `tenant.renamed`
    TenantRenamed,
    /// `admin_token.issued`
    AdminTokenIssued,
    /// `admin_token.revoked`
    AdminTokenRevoked,
    /// A kind written by a newer version of the software.
    Other(String),
}

impl EventKind {
    /// Every known kind.
    pub const KNOWN: [EventKind; 25] = [
        EventKind::UserCreated,
        EventKind::UserUpdated,
        EventKind::UserDeactivated,
        EventKind::UserReactivated,
        EventKind::UserDeleted,
        EventKind::GroupCreated,
        EventKind::GroupRenamed,
        EventKind::GroupUpdated,
        EventKind::GroupDeleted,
        EventKind::MemberAdded,
        EventKind::MemberRemoved,
        EventKind::RoleChanged,
        EventKind::LockSet,
        EventKind::LockCleared,
        EventKind::GuardViolated,
        EventKind::RulesChanged,
        EventKind::CatalogueChanged,
        EventKind::SettingsChanged,
        EventKind::TokenIssued,
        EventKind::TokenRotated,
        EventKind::TokenRevoked,
        EventKind::TenantCreated,
        EventKind::TenantRenamed,
        EventKind::AdminTokenIssued,
        EventKind::AdminTokenRevoked,
    ];

    /// The stable string form, e.g. `user.created`.
    pub fn as_str(&self) -> &str {
        match self {
            EventKind::UserCreated => "user.created",
            EventKind::UserUpdated => "user.updated",
            EventKind::UserDeactivated => "user.deactivated",
            EventKind::UserReactivated => "user.reactivated",
            EventKind::UserDeleted => "user.deleted",
            EventKind::GroupCreated => "group.created",
            EventKind::GroupRenamed => "group.renamed",
            EventKind::GroupUpdated => "group.updated",
            EventKind::GroupDeleted => "group.deleted",
            EventKind::MemberAdded => "member.added",
            EventKind::MemberRemoved => "member.removed",
            EventKind::RoleChanged => "role.changed",
            EventKind::LockSet => "lock.set",
            EventKind::LockCleared => "lock.cleared",
            EventKind::GuardViolated => "guard.violated",
            EventKind::RulesChanged => "rules.changed",
            EventKind::CatalogueChanged => "catalogue.changed",
            EventKind::SettingsChanged => "settings.changed",
            EventKind::TokenIssued => "token.issued",
            EventKind::TokenRotated => "token.rotated",
            EventKind::TokenRevoked => "token.revoked",
            EventKind::TenantCreated => "tenant.created",
            EventKind::TenantRenamed => "tenant.renamed",
            EventKind::AdminTokenIssued => "admin_token.issued",
            EventKind::AdminTokenRevoked => "admin_token.revoked",
            EventKind::Other(s) => s,
        }
    }

    /// The kind with this string form; unknown strings become [`EventKind::Other`].
    pub fn parse(s: &str) -> EventKind {
        EventKind::KNOWN
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_else(|| EventKind::Other(s.to_owned()))
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialised as its stable string form, like [`EventKind::as_str`].
impl serde::Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An entry of a tenant's event log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Owning tenant.
    pub tenant_id: String,
    /// Position in the tenant's log: 1, 2, 3, ... in commit order, without gaps.
    pub seq: i64,
    /// When it happened.
    pub time: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
    /// `User`, `Group`, `Token`, `Tenant`, ...
    pub resource_type: Option<String>,
    /// Id of the resource concerned.
    pub resource_id: Option<String>,
    /// State before, as the caller chose to record it.
    pub before: Option<Value>,
    /// State after.
    pub after: Option<Value>,
    /// Why (the request, the rule, the admin, ...).
    pub cause: Option<Value>,
    /// Request id, for correlation with logs.
    pub request_id: Option<String>,
    /// The user the event concerns: the resource of a user's event, the
    /// member of a membership event.
    pub user_id: Option<String>,
}

/// An event to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// When it happened.
    pub time: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
    /// `User`, `Group`, `Token`, `Tenant`, ...
    pub resource_type: Option<String>,
    /// Id of the resource concerned.
    pub resource_id: Option<String>,
    /// State before.
    pub before: Option<Value>,
    /// State after.
    pub after: Option<Value>,
    /// Why.
    pub cause: Option<Value>,
    /// Request id.
    pub request_id: Option<String>,
    /// The user the event concerns, if any: the resource of a user's event,
    /// the member of a membership event (whose resource is the group).
    pub user_id: Option<String>,
}
