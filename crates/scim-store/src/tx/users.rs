//! Users: reads, SCIM writes, app-side role state, deletion.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::emails::{delete_emails, emails_of, insert_emails};
use super::groups::leave_groups;
use super::handle::{Groups, Read, Scoped, Users, Write};
use super::list::{Listed, list, record_exactness};
use super::{CHUNK, Tx, check_version, lock_rows, sorted_unique, update_row};
use crate::check::{check_id, check_json, check_text, to_json_text};
use crate::dialect;
use crate::doc::{self, Prepared, fold};
use crate::error::{ResourceKind, StoreError};
use crate::kind::Kind;
use crate::model::{
    AdminUserQuery, BodyRead, GroupRef, KeysetPage, ListQuery, NewUser, Page, RoleLock, RoleUpdate,
    User, UserSearch, UserStatus, UserUpdate, UserWithGroups, Visibility,
};
use crate::render;
use crate::rows::{
    CountRow, IdRow, LockedUserRow, PairRow, USER_COLUMNS, USER_COLUMNS_NO_BODY, USER_ROWS,
    UserRow, VersionRow,
};
use crate::sql::Sql;
use crate::time::{from_db, to_db};

mod search;

fn select() -> Sql {
    Sql::select(USER_COLUMNS, &format!(" FROM {USER_ROWS} WHERE "))
}

/// The body as far as the indexed columns hold it ([`BodyRead::Columns`]).
fn body_from_columns(user: &User) -> Value {
    let mut body = serde_json::Map::new();
    body.insert("userName".into(), user.user_name.clone().into());
    for (name, value) in [
        ("displayName", &user.display_name),
        ("externalId", &user.external_id),
    ] {
        if let Some(value) = value {
            body.insert(name.into(), value.clone().into());
        }
    }
    if let Some(active) = user.active {
        body.insert("active".into(), active.into());
    }
    body.into()
}

/// ` AND` the user's id is greater than `after`, said of both tables of
/// [`USER_ROWS`]: PostgreSQL would otherwise merge-join the role rows from the
/// tenant's first one, whatever the range.
fn ids_after(sql: &mut Sql, after: &str) {
    sql.push(" AND u.id > ")
        .text(after)
        .push(" AND r.user_id > ")
        .text(after);
}

fn rows_to_users(rows: Vec<UserRow>) -> Result<Vec<User>, StoreError> {
    rows.into_iter().map(UserRow::into_model).collect()
}

impl<M> Scoped<'_, '_, M, Users> {
    /// Live users matching a SCIM query.
    pub fn list(&mut self, query: &ListQuery<'_>) -> Result<Page<User>, StoreError> {
        let (tx, tenant_id) = self.parts();
        list::<UserRow>(tx, tenant_id, query)
    }

    /// The user with this id.
    pub fn by_id(&mut self, id: &str, visibility: Visibility) -> Result<Option<User>, StoreError> {
        let (tx, tenant_id) = self.parts();
        one(tx, tenant_id, id, visibility, false)
    }

    /// The users with these ids, in id order (unknown ids are skipped).
    pub fn by_ids(
        &mut self,
        ids: &[String],
        visibility: Visibility,
    ) -> Result<Vec<User>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in sorted_unique(ids).chunks(CHUNK) {
            let mut sql = select();
            sql.push("u.tenant_id = ")
                .text(tenant_id)
                .push(" AND u.id IN ")
                .text_list(chunk);
            if visibility == Visibility::Live {
                sql.push(" AND u.deleted_at IS NULL");
            }
            sql.push(" ORDER BY u.id");
            out.extend(rows_to_users(tx.load::<UserRow>(sql)?)?);
        }
        Ok(out)
    }

    /// The user whose `userName` equals `user_name` case-insensitively (the same
    /// comparison as the filter `userName eq`). With [`Visibility::IncludeDeleted`]
    /// a live user wins over soft-deleted ones, then the newest.
    pub fn by_user_name(
        &mut self,
        user_name: &str,
        visibility: Visibility,
    ) -> Result<Option<User>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = select();
        sql.push("u.tenant_id = ")
            .text(tenant_id)
            .push(" AND u.user_name_folded = ")
            .text(fold(user_name));
        match visibility {
            Visibility::Live => sql.push(" AND u.deleted_at IS NULL"),
            Visibility::IncludeDeleted => sql.push(
                " ORDER BY (CASE WHEN u.deleted_at IS NULL THEN 0 ELSE 1 END), u.deleted_at DESC, u.id \
                 LIMIT 1",
            ),
        };
        tx.first::<UserRow>(sql)?
            .map(UserRow::into_model)
            .transpose()
    }

    /// Users by app-side state, including soft-deleted ones unless filtered out;
    /// ordered by folded `userName`, then id, and paged by offset: what the use
    /// cases count and walk (guard holders, reports, catalogue checks).
    pub fn admin_list(&mut self, q: &AdminUserQuery) -> Result<Page<User>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let condition = app_state_condition(
            tenant_id,
            q.role.as_deref(),
            q.status,
            q.locked,
            RoleForm::Plain,
        );
        // The role rows only when the filter names a role: most counts (a
        // save's total, the reports) read `users` alone.
        let from = if q.role.is_some() {
            USER_ROWS
        } else {
            "users u"
        };
        let mut count = Sql::from(&format!("SELECT COUNT(*) AS n FROM {from} WHERE "));
        count.append(condition.clone());
        let total = tx
            .first::<CountRow>(count)?
            .map_or(0, |r| u64::try_from(r.n).unwrap_or(0));
        let mut sql = select();
        sql.append(condition)
            .push(" ORDER BY u.user_name_folded, u.id")
            .limit(q.count, q.offset);
        Ok(Page {
            items: rows_to_users(tx.load::<UserRow>(sql)?)?,
            total,
            next_cursor: None,
            previous_cursor: None,
        })
    }

    /// The admin API's user search (see [`UserSearch`]): one page and the cursor
    /// of the next, if there is one. Soft-deleted users are included unless the
    /// status filter leaves them out.
    pub fn search(&mut self, search: &UserSearch) -> Result<KeysetPage<User>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let state = |role_form| {
            app_state_condition(
                tenant_id,
                search.role.as_deref(),
                search.status,
                search.locked,
                role_form,
            )
        };
        let conditions = search::StateConditions {
            scanned: state(RoleForm::Plain),
            indexed: state(RoleForm::Indexed),
        };
        search::search(tx, tenant_id, conditions, search)
    }

    /// Up to `limit` users that provisioning disabled (deleted, or live with
    /// `active` false; absent means active, as the role engine reads it) with ids greater than `after`, in id order:
    /// call repeatedly with the last id to page through the disabled users.
    pub fn disabled_batch(
        &mut self,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<User>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = select();
        sql.push("u.tenant_id = ").text(tenant_id);
        if let Some(after) = after {
            ids_after(&mut sql, after);
        }
        sql.push(" AND (u.deleted_at IS NOT NULL OR u.active = ")
            .boolean(false)
            .push(") ORDER BY u.id")
            .limit(limit, 0);
        rows_to_users(tx.load::<UserRow>(sql)?)
    }

    /// Up to `limit` users with ids greater than `after`, in id order, with their
    /// group ids: call repeatedly with the last id to stream a whole tenant.
    pub fn batch(
        &mut self,
        after: Option<&str>,
        limit: u64,
        visibility: Visibility,
        body: BodyRead,
    ) -> Result<Vec<UserWithGroups>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = match body {
            BodyRead::Full => select(),
            BodyRead::Columns => {
                Sql::select(USER_COLUMNS_NO_BODY, &format!(" FROM {USER_ROWS} WHERE "))
            }
        };
        sql.push("u.tenant_id = ").text(tenant_id);
        if let Some(after) = after {
            ids_after(&mut sql, after);
        }
        if visibility == Visibility::Live {
            sql.push(" AND u.deleted_at IS NULL");
        }
        sql.push(" ORDER BY u.id").limit(limit, 0);
        let mut users = rows_to_users(tx.load::<UserRow>(sql)?)?;
        if body == BodyRead::Columns {
            for user in &mut users {
                user.resource = body_from_columns(user);
            }
        }
        let (Some(first), Some(last)) = (users.first(), users.last()) else {
            return Ok(Vec::new());
        };
        // One range scan of the (tenant, user, group) index instead of an IN list.
        let mut m = Sql::from(
            "SELECT m.user_id AS a, m.group_id AS b FROM memberships m WHERE m.tenant_id = ",
        );
        m.text(tenant_id)
            .push(" AND m.user_id >= ")
            .text(first.id.as_str())
            .push(" AND m.user_id <= ")
            .text(last.id.as_str())
            .push(" ORDER BY m.user_id, m.group_id");
        let mut pairs = tx.load::<PairRow>(m)?.into_iter().peekable();
        let mut out = Vec::with_capacity(users.len());
        for user in users {
            let mut group_ids = Vec::new();
            while let Some(pair) = pairs.next_if(|p| p.a <= user.id) {
                if pair.a == user.id {
                    group_ids.push(pair.b);
                }
            }
            out.push(UserWithGroups { user, group_ids });
        }
        Ok(out)
    }
}

impl Scoped<'_, '_, Write, Users> {
    /// Locks the users' rows until commit (PostgreSQL `FOR NO KEY UPDATE`, in id
    /// order; a no-op on SQLite, whose single writer already serialises writes).
    /// Ids that name no user of the tenant are ignored.
    ///
    /// Lock order, to keep concurrent transactions from deadlocking: groups before
    /// users, each set in id order and in as few calls as possible. Anything else
    /// stays correct, but may be resolved by a deadlock and a re-run.
    pub fn lock(&mut self, ids: &[String]) -> Result<(), StoreError> {
        let (tx, tenant_id) = self.parts();
        lock_rows(tx, Kind::User, tenant_id, ids)
    }

    /// The user with this id, its row locked until commit: what
    /// [`Scoped::lock`] and [`Scoped::by_id`] do for one user, in one statement.
    pub fn for_update(
        &mut self,
        id: &str,
        visibility: Visibility,
    ) -> Result<Option<User>, StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        one(tx, tenant_id, id, visibility, true)
    }

    /// Creates a user. [`StoreError::Conflict`] if a live user of the tenant has the
    /// same `userName` (case-insensitively) or the id exists.
    pub fn insert(&mut self, new: &NewUser) -> Result<User, StoreError> {
        let (tx, tenant_id) = self.parts();
        check_id("user", &new.id)?;
        check_role(new.role.as_deref(), new.role_reason.as_ref())?;
        tx.enter(tenant_id)?;
        let p = doc::prepare(Kind::User, &new.resource)?;
        let folded = fold(&p.name);
        let now = to_db(new.now);
        let mut sql = Sql::from(
            "INSERT INTO users (id, tenant_id, user_name, user_name_folded, external_id, display_name, \
             display_name_folded, active, resource, filter_doc, filter_exact, external_id_folded, \
             version, created, last_modified) VALUES (",
        );
        sql.text(&new.id).push(", ").text(tenant_id).push(", ");
        push_scim_values(&mut sql, &p, &folded);
        sql.push(", 1, ")
            .time(now)
            .push(", ")
            .time(now)
            // A live user with the same folded name: nothing is inserted.
            .push(") ON CONFLICT (tenant_id, user_name_folded, deletion_key) DO NOTHING");
        if tx.execute_unique(sql, "id")? == 0 {
            return Err(StoreError::Conflict {
                attribute: "userName",
            });
        }
        let mut role =
            Sql::from("INSERT INTO user_roles (tenant_id, user_id, role, role_reason) VALUES (");
        role.text(tenant_id)
            .push(", ")
            .text(&new.id)
            .push(", ")
            .opt_text(new.role.as_deref())
            .push(", ")
            .opt_text(new.role_reason.as_ref().map(to_json_text).as_deref())
            .push(")");
        tx.execute(role)?;
        insert_emails(tx, tenant_id, &new.id, &p.emails)?;
        record_exactness(tx, Kind::User, tenant_id, &new.id, None, Some(p.exact))?;
        Ok(User {
            id: new.id.clone(),
            tenant_id: tenant_id.to_owned(),
            user_name: p.name,
            external_id: p.external_id,
            display_name: p.display_name,
            active: p.active,
            resource: p.body,
            version: 1,
            created: from_db(now),
            last_modified: from_db(now),
            deleted_at: None,
            role: new.role.clone(),
            role_reason: new.role_reason.clone(),
            lock: None,
        })
    }

    /// Replaces a live user's SCIM body, incrementing its version.
    pub fn update(&mut self, update: &UserUpdate) -> Result<User, StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let (old, old_folded, old_exact) = locked(tx, tenant_id, &update.id, true)?;
        check_version(update.expected_version, old.version)?;
        let p = doc::prepare(Kind::User, &update.resource)?;
        let folded = fold(&p.name);
        if folded != old_folded && user_name_taken(tx, tenant_id, &folded, Some(&update.id))? {
            return Err(StoreError::Conflict {
                attribute: "userName",
            });
        }
        let now = to_db(update.now);
        // Indexed columns are written only when they change, so that a PATCH of, say,
        // the title rewrites the row and the lastModified index entry, nothing else.
        let mut sql = Sql::from("UPDATE users SET resource = ");
        sql.text(p.body.to_string())
            .push(", filter_doc = ")
            .text(p.doc.as_str())
            .push(", filter_exact = ")
            .boolean(p.exact);
        if p.name != old.user_name {
            sql.push(", user_name = ")
                .text(p.name.as_str())
                .push(", user_name_folded = ")
                .text(folded.as_str());
        }
        if p.external_id != old.external_id {
            sql.push(", external_id = ")
                .opt_text(p.external_id.as_deref())
                .push(", external_id_folded = ")
                .opt_text(p.external_id.as_deref().map(fold).as_deref());
        }
        if p.display_name != old.display_name {
            sql.push(", display_name = ")
                .opt_text(p.display_name.as_deref())
                .push(", display_name_folded = ")
                .opt_text(p.display_name.as_deref().map(fold).as_deref());
        }
        if p.active != old.active {
            sql.push(", active = ").opt_bool(p.active);
        }
        sql.push(", version = version + 1, last_modified = ")
            .time(now)
            .push(" WHERE tenant_id = ")
            .text(tenant_id)
            .push(" AND id = ")
            .text(&update.id);
        tx.execute(sql)?;
        // Most changes (a title, a department, active) leave the e-mails alone.
        let old_emails = emails_of(&old);
        // Stored as a set: a reordering or a repeated value changes no row.
        if sorted_unique(&old_emails) != sorted_unique(&p.emails) {
            delete_emails(tx, tenant_id, &update.id, &old_emails)?;
            insert_emails(tx, tenant_id, &update.id, &p.emails)?;
        }
        record_exactness(
            tx,
            Kind::User,
            tenant_id,
            &update.id,
            Some(old_exact),
            Some(p.exact),
        )?;
        Ok(User {
            user_name: p.name,
            external_id: p.external_id,
            display_name: p.display_name,
            active: p.active,
            resource: p.body,
            version: old.version + 1,
            last_modified: from_db(now),
            ..old
        })
    }

    /// Sets the app-side role and its explanation; the SCIM version does not change.
    pub fn set_role(
        &mut self,
        id: &str,
        role: Option<&str>,
        reason: Option<&Value>,
    ) -> Result<(), StoreError> {
        let (tx, tenant_id) = self.parts();
        check_role(role, reason)?;
        let mut set = Sql::from("role = ");
        set.opt_text(role)
            .push(", role_reason = ")
            .opt_text(reason.map(to_json_text).as_deref());
        update_row(
            tx,
            ("user_roles", "user_id"),
            ResourceKind::User,
            tenant_id,
            id,
            set,
        )
    }

    /// [`Scoped::set_role`] for many users (distinct ids), in one statement per
    /// few hundred: what a rule change or a large group change stores. Fails with
    /// `NotFound` if one of the users does not exist (abandon the transaction then).
    pub fn set_roles(&mut self, roles: &[RoleUpdate]) -> Result<(), StoreError> {
        let (tx, tenant_id) = self.parts();
        for update in roles {
            check_role(update.role.as_deref(), update.reason.as_ref())?;
        }
        let mut ids: Vec<&str> = roles.iter().map(|r| r.user_id.as_str()).collect();
        ids.sort_unstable();
        if let Some(twice) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(StoreError::invalid(format!(
                "user {} appears twice in one role update",
                twice[0]
            )));
        }
        for chunk in roles.chunks(ROLE_ROWS) {
            if let [one] = chunk {
                Scoped::<Write, Users>::new(tx, tenant_id).set_role(
                    &one.user_id,
                    one.role.as_deref(),
                    one.reason.as_ref(),
                )?;
                continue;
            }
            tx.enter(tenant_id)?;
            // VALUES columns are column1, column2, ... on both backends.
            let mut sql = Sql::from(
                "UPDATE user_roles SET role = v.column2, role_reason = v.column3 FROM (VALUES ",
            );
            for (i, update) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push("(")
                    .text(&update.user_id)
                    .push(", ")
                    .opt_text(update.role.as_deref())
                    .push(", ")
                    .opt_text(update.reason.as_ref().map(to_json_text).as_deref())
                    .push(")");
            }
            sql.push(") AS v WHERE user_roles.tenant_id = ")
                .text(tenant_id)
                .push(" AND user_roles.user_id = v.column1");
            sql.no_cache();
            if tx.execute(sql)? < chunk.len() {
                let wanted: Vec<String> = chunk.iter().map(|r| r.user_id.clone()).collect();
                let found: Vec<String> = tx
                    .load::<IdRow>(by_ids_sql(tenant_id, &wanted))?
                    .into_iter()
                    .map(|r| r.id)
                    .collect();
                let missing = wanted
                    .iter()
                    .find(|id| !found.contains(id))
                    .map_or("?", String::as_str);
                return Err(StoreError::not_found(ResourceKind::User, missing));
            }
        }
        Ok(())
    }

    /// Sets or clears the role lock; the SCIM version does not change.
    pub fn set_lock(&mut self, id: &str, lock: Option<&RoleLock>) -> Result<(), StoreError> {
        let (tx, tenant_id) = self.parts();
        if let Some(lock) = lock {
            check_text("lock role", &lock.role)?;
            check_text("lock owner", &lock.by)?;
            if let Some(reason) = &lock.reason {
                check_text("lock reason", reason)?;
            }
        }
        let mut set = Sql::from("lock_role = ");
        set.opt_text(lock.map(|l| l.role.as_str()))
            .push(", lock_by = ")
            .opt_text(lock.map(|l| l.by.as_str()))
            .push(", lock_at = ")
            .opt_time(lock.map(|l| to_db(l.at)))
            .push(", lock_reason = ")
            .opt_text(lock.and_then(|l| l.reason.as_deref()));
        update_row(tx, ("users", "id"), ResourceKind::User, tenant_id, id, set)
    }

    /// Soft-deletes a live user: it leaves SCIM views and all groups, and keeps its
    /// row, role state and history. Returns the ids of the groups it left.
    pub fn soft_delete(
        &mut self,
        id: &str,
        expected_version: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let cur = current(tx, tenant_id, id, true)?;
        check_version(expected_version, cur.version)?;
        let groups = leave_groups(tx, tenant_id, id, now)?;
        // Freeing the name: the unique index covers (tenant, name, deletion_key).
        let mut sql = Sql::from("UPDATE users SET deletion_key = id, deleted_at = ");
        let now = to_db(now);
        sql.time(now)
            .push(", last_modified = ")
            .time(now)
            .push(", version = version + 1 WHERE tenant_id = ")
            .text(tenant_id)
            .push(" AND id = ")
            .text(id);
        tx.execute(sql)?;
        Ok(groups)
    }

    /// Removes a user (live or soft-deleted) for good. Returns the ids of the groups
    /// it left.
    pub fn hard_delete(&mut self, id: &str, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let (user, _, exact) = locked(tx, tenant_id, id, false)?;
        let groups = leave_groups(tx, tenant_id, id, now)?;
        record_exactness(tx, Kind::User, tenant_id, id, Some(exact), None)?;
        delete_emails(tx, tenant_id, id, &emails_of(&user))?;
        let mut sql = Sql::from("DELETE FROM users WHERE tenant_id = ");
        sql.text(tenant_id).push(" AND id = ").text(id);
        tx.execute(sql)?;
        Ok(groups)
    }
}

/// The tenant's users with this role, status and lock state (each `None`: any).
/// How a role filter is written: as plain `r.role = ?`, which no index
/// serves (a frequent role is best read along the order's index), or in the
/// form of the index `user_roles_role` (the same rows for a role that is not
/// ''), which finds the few users of a rare role at once.
#[derive(Debug, Clone, Copy)]
enum RoleForm {
    Plain,
    Indexed,
}

fn app_state_condition(
    tenant_id: &str,
    role: Option<&str>,
    status: Option<UserStatus>,
    locked: Option<bool>,
    role_form: RoleForm,
) -> Sql {
    let mut condition = Sql::from("u.tenant_id = ");
    condition.text(tenant_id);
    match (role, role_form) {
        (Some(role), RoleForm::Indexed) if !role.is_empty() => {
            condition.push(" AND COALESCE(r.role, '') = ").text(role);
        }
        (Some(role), _) => {
            condition.push(" AND r.role = ").text(role);
        }
        (None, _) => {}
    }
    match status {
        Some(UserStatus::Active) => {
            condition
                .push(" AND u.deleted_at IS NULL AND (u.active IS NULL OR u.active = ")
                .boolean(true)
                .push(")");
        }
        Some(UserStatus::Inactive) => {
            condition
                .push(" AND u.deleted_at IS NULL AND u.active = ")
                .boolean(false);
        }
        Some(UserStatus::Deleted) => {
            condition.push(" AND u.deleted_at IS NOT NULL");
        }
        None => {}
    }
    match locked {
        Some(true) => condition.push(" AND u.lock_role IS NOT NULL"),
        Some(false) => condition.push(" AND u.lock_role IS NULL"),
        None => &mut condition,
    };
    condition
}

fn one(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    id: &str,
    visibility: Visibility,
    lock: bool,
) -> Result<Option<User>, StoreError> {
    let mut sql = select();
    sql.push("u.tenant_id = ")
        .text(tenant_id)
        .push(" AND u.id = ")
        .text(id);
    if visibility == Visibility::Live {
        sql.push(" AND u.deleted_at IS NULL");
    }
    if lock {
        dialect::lock_rows(tx.dialect(), &mut sql, "u");
    }
    tx.first::<UserRow>(sql)?
        .map(UserRow::into_model)
        .transpose()
}

impl Listed for UserRow {
    type Model = User;
    const KIND: Kind = Kind::User;
    const COLUMNS: &'static str = USER_COLUMNS;
    const ROWS: &'static str = USER_ROWS;

    fn row_id(&self) -> &str {
        self.id()
    }

    fn into_models(rows: Vec<Self>) -> Result<Vec<User>, StoreError> {
        rows_to_users(rows)
    }

    type Related = GroupRef;

    fn model_id(user: &User) -> &str {
        &user.id
    }

    fn related(
        tx: &mut Tx<'_>,
        tenant_id: &str,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<GroupRef>>, StoreError> {
        Scoped::<Read, Groups>::new(tx, tenant_id).of_users(ids)
    }

    fn render(user: &User, groups: &[GroupRef], base_url: Option<&str>) -> Value {
        render::user(user, groups, base_url)
    }
}

pub(crate) fn check_base_url(base_url: Option<&str>) -> Result<(), StoreError> {
    base_url.map_or(Ok(()), |b| check_text("base URL", b))
}

fn check_role(role: Option<&str>, reason: Option<&Value>) -> Result<(), StoreError> {
    if let Some(role) = role {
        check_text("role", role)?;
    }
    if let Some(reason) = reason {
        check_json("role reason", reason)?;
    }
    Ok(())
}

fn user_name_taken(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    folded: &str,
    except: Option<&str>,
) -> Result<bool, StoreError> {
    let mut sql = Sql::from("SELECT u.id FROM users u WHERE u.tenant_id = ");
    sql.text(tenant_id)
        .push(" AND u.user_name_folded = ")
        .text(folded)
        .push(" AND u.deleted_at IS NULL");
    if let Some(id) = except {
        sql.push(" AND u.id <> ").text(id);
    }
    Ok(tx.first::<IdRow>(sql)?.is_some())
}

/// A user read for update (locked on PostgreSQL), with its folded name and
/// exactness.
fn locked(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    id: &str,
    live_only: bool,
) -> Result<(User, String, bool), StoreError> {
    let mut sql = Sql::select(
        USER_COLUMNS,
        &format!(
            ", u.user_name_folded AS folded, u.filter_exact AS exact FROM {USER_ROWS} \
             WHERE u.tenant_id = "
        ),
    );
    sql.text(tenant_id).push(" AND u.id = ").text(id);
    if live_only {
        sql.push(" AND u.deleted_at IS NULL");
    }
    dialect::lock_rows(tx.dialect(), &mut sql, "u");
    let row = tx
        .first::<LockedUserRow>(sql)?
        .ok_or_else(|| StoreError::not_found(ResourceKind::User, id))?;
    Ok((row.user.into_model()?, row.folded, row.exact))
}

/// `user_name, user_name_folded, external_id, display_name, display_name_folded,
/// active, resource, filter_doc, filter_exact, external_id_folded`, comma-separated.
fn push_scim_values(sql: &mut Sql, p: &Prepared, folded: &str) {
    sql.text(p.name.as_str())
        .push(", ")
        .text(folded)
        .push(", ")
        .opt_text(p.external_id.as_deref())
        .push(", ")
        .opt_text(p.display_name.as_deref())
        .push(", ")
        .opt_text(p.display_name.as_deref().map(fold).as_deref())
        .push(", ")
        .opt_bool(p.active)
        .push(", ")
        .text(p.body.to_string())
        .push(", ")
        .text(p.doc.as_str())
        .push(", ")
        .boolean(p.exact)
        .push(", ")
        .opt_text(p.external_id.as_deref().map(fold).as_deref());
}

/// The version and folded name of a user about to change, locked on PostgreSQL.
fn current(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    id: &str,
    live_only: bool,
) -> Result<VersionRow, StoreError> {
    let mut sql = Sql::from(
        "SELECT u.version AS version, u.user_name_folded AS folded, u.filter_exact AS exact \
         FROM users u WHERE u.tenant_id = ",
    );
    sql.text(tenant_id).push(" AND u.id = ").text(id);
    if live_only {
        sql.push(" AND u.deleted_at IS NULL");
    }
    dialect::lock_rows(tx.dialect(), &mut sql, "u");
    tx.first::<VersionRow>(sql)?
        .ok_or_else(|| StoreError::not_found(ResourceKind::User, id))
}

/// Role rows per UPDATE statement (three binds each).
const ROLE_ROWS: usize = 500;

/// `SELECT id` of the tenant's users among `ids` (at most [`CHUNK`]).
fn by_ids_sql(tenant_id: &str, ids: &[String]) -> Sql {
    let mut sql = Sql::from("SELECT u.id AS id FROM users u WHERE u.tenant_id = ");
    sql.text(tenant_id).push(" AND u.id IN ").text_list(ids);
    sql
}
