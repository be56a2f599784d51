//! Groups and memberships.
//!
//! Memberships are rows keyed by (group, user): adding or removing k members
//! touches k rows plus one version bump of the group, whatever the group's size,
//! and concurrent changes to one group cannot lose each other's members.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::handle::{Groups, Read, Scoped, Write};
use super::list::{Listed, list, record_exactness};
use super::{CHUNK, Tx, check_version, lock_rows, sorted_unique};
use crate::check::check_id;
use crate::dialect;
use crate::doc::{self, fold};
use crate::error::{ResourceKind, StoreError};
use crate::kind::Kind;
use crate::model::{
    Group, GroupRef, GroupUpdate, ListQuery, MemberPage, MemberRef, MembershipChange, NewGroup,
    Page,
};
use crate::query::opaque;
use crate::render;
use crate::rows::{CountRow, GROUP_COLUMNS, GroupRow, GroupStateRow, IdRow, TextOptRow};
use crate::sql::Sql;
use crate::time::{from_db, to_db};

fn select() -> Sql {
    Sql::select(GROUP_COLUMNS, " FROM groups g WHERE ")
}

fn rows_to_groups(rows: Vec<GroupRow>) -> Result<Vec<Group>, StoreError> {
    rows.into_iter().map(GroupRow::into_model).collect()
}

impl<M> Scoped<'_, '_, M, Groups> {
    /// Groups matching a SCIM query (members are not loaded).
    pub fn list(&mut self, query: &ListQuery<'_>) -> Result<Page<Group>, StoreError> {
        let (tx, tenant_id) = self.parts();
        list::<GroupRow>(tx, tenant_id, query)
    }

    /// The admin API's group list: up to `limit` groups in case-insensitive
    /// `displayName` order (unique in a tenant, so a cursor is the last name),
    /// after `cursor`, a `next_cursor` of an earlier page; with the tenant's total.
    pub fn by_name_page(
        &mut self,
        cursor: Option<&str>,
        limit: u64,
    ) -> Result<Page<Group>, StoreError> {
        if limit == 0 {
            return Err(StoreError::invalid("a page holds at least one group"));
        }
        let after = cursor.map(opaque::decode::<String>).transpose()?;
        let (tx, tenant_id) = self.parts();
        let mut sql = select();
        sql.push("g.tenant_id = ").text(tenant_id);
        if let Some(after) = &after {
            sql.push(" AND g.display_name_folded > ")
                .text(after.as_str());
        }
        sql.push(" ORDER BY g.display_name_folded")
            .limit(limit.saturating_add(1), 0);
        let mut groups = rows_to_groups(tx.load::<GroupRow>(sql)?)?;
        let more = groups.len() as u64 > limit;
        groups.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let total = if after.is_none() && !more {
            groups.len() as u64
        } else {
            let mut count = Sql::from("SELECT COUNT(*) AS n FROM groups g WHERE g.tenant_id = ");
            count.text(tenant_id);
            tx.first::<CountRow>(count)?
                .map_or(0, |r| u64::try_from(r.n).unwrap_or(0))
        };
        let next_cursor = match groups.last() {
            Some(last) if more => Some(opaque::encode(&fold(&last.display_name))),
            _ => None,
        };
        Ok(Page {
            items: groups,
            total,
            next_cursor,
            previous_cursor: None,
        })
    }

    /// The groups of a user, by group id.
    pub fn of_user(&mut self, user_id: &str) -> Result<Vec<GroupRef>, StoreError> {
        let mut map = self.of_users(&[user_id.to_owned()])?;
        Ok(map.remove(user_id).unwrap_or_default())
    }

    /// The group with this id.
    pub fn by_id(&mut self, id: &str) -> Result<Option<Group>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = select();
        sql.push("g.tenant_id = ")
            .text(tenant_id)
            .push(" AND g.id = ")
            .text(id);
        tx.first::<GroupRow>(sql)?
            .map(GroupRow::into_model)
            .transpose()
    }

    /// The group whose `displayName` equals `display_name` case-insensitively.
    pub fn by_display_name(&mut self, display_name: &str) -> Result<Option<Group>, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = select();
        sql.push("g.tenant_id = ")
            .text(tenant_id)
            .push(" AND g.display_name_folded = ")
            .text(fold(display_name));
        tx.first::<GroupRow>(sql)?
            .map(GroupRow::into_model)
            .transpose()
    }

    /// All members of several groups at once, keyed by group id, each in user-id
    /// order (groups without members, or unknown, are absent).
    pub fn members_of(
        &mut self,
        group_ids: &[String],
    ) -> Result<HashMap<String, Vec<MemberRef>>, StoreError> {
        let (tx, tenant_id) = self.parts();
        related(
            tx,
            tenant_id,
            group_ids,
            "SELECT m.group_id AS a, m.user_id AS b, u.display_name AS c FROM memberships m \
             JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id WHERE m.tenant_id = ",
            " AND m.group_id IN ",
            " ORDER BY m.group_id, m.user_id",
            |user_id, display_name| MemberRef {
                user_id,
                display_name,
            },
        )
    }

    /// A page of a group's members in user-id order: `offset` is 0-based.
    pub fn members(
        &mut self,
        group_id: &str,
        offset: u64,
        count: u64,
    ) -> Result<MemberPage, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut total = Sql::from("SELECT g.member_count AS n FROM groups g WHERE g.tenant_id = ");
        total.text(tenant_id).push(" AND g.id = ").text(group_id);
        let total = tx
            .first::<CountRow>(total)?
            .ok_or_else(|| StoreError::not_found(ResourceKind::Group, group_id))?
            .n;
        let total = u64::try_from(total).unwrap_or(0);
        // The offset is skipped in the membership index alone; only the page's
        // members are joined with their users.
        let mut sql = Sql::from(
            "SELECT m.user_id AS a, u.display_name AS b FROM (SELECT tenant_id, user_id \
             FROM memberships WHERE tenant_id = ",
        );
        sql.text(tenant_id)
            .push(" AND group_id = ")
            .text(group_id)
            .push(" ORDER BY user_id")
            .limit(count, offset)
            .push(
                ") m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id \
                 ORDER BY m.user_id",
            );
        Ok(MemberPage {
            members: to_members(tx.load::<TextOptRow>(sql)?),
            total,
        })
    }

    /// Ids of all members of a group (sorted): the users whose role may depend on it.
    pub fn member_ids(&mut self, group_id: &str) -> Result<Vec<String>, StoreError> {
        let (tx, tenant_id) = self.parts();
        require_group(tx, tenant_id, group_id)?;
        member_id_list(tx, tenant_id, group_id)
    }

    /// Up to `limit` ids of a group's members greater than `after`, in id
    /// order: call repeatedly with the last id to walk a large group in bounded
    /// memory. Fails with `NotFound` for an unknown group.
    pub fn member_ids_after(
        &mut self,
        group_id: &str,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>, StoreError> {
        let (tx, tenant_id) = self.parts();
        require_group(tx, tenant_id, group_id)?;
        let mut sql = Sql::from("SELECT m.user_id AS id FROM memberships m WHERE m.tenant_id = ");
        sql.text(tenant_id)
            .push(" AND m.group_id = ")
            .text(group_id);
        if let Some(after) = after {
            sql.push(" AND m.user_id > ").text(after);
        }
        sql.push(" ORDER BY m.user_id").limit(limit, 0);
        Ok(tx.load::<IdRow>(sql)?.into_iter().map(|r| r.id).collect())
    }

    /// Whether the user is a member of the group.
    pub fn is_member(&mut self, group_id: &str, user_id: &str) -> Result<bool, StoreError> {
        let (tx, tenant_id) = self.parts();
        let mut sql = Sql::from("SELECT m.user_id AS id FROM memberships m WHERE m.tenant_id = ");
        sql.text(tenant_id)
            .push(" AND m.group_id = ")
            .text(group_id)
            .push(" AND m.user_id = ")
            .text(user_id);
        Ok(tx.first::<IdRow>(sql)?.is_some())
    }

    /// The groups of several users at once, keyed by user id (users without groups
    /// are absent).
    pub fn of_users(
        &mut self,
        user_ids: &[String],
    ) -> Result<HashMap<String, Vec<GroupRef>>, StoreError> {
        let (tx, tenant_id) = self.parts();
        related(
            tx,
            tenant_id,
            user_ids,
            "SELECT m.user_id AS a, g.id AS b, g.display_name AS c FROM memberships m \
             JOIN groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id WHERE m.tenant_id = ",
            " AND m.user_id IN ",
            " ORDER BY m.user_id, g.id",
            // A group's display name is never NULL.
            |group_id, display_name| GroupRef {
                group_id,
                display_name: display_name.unwrap_or_default(),
            },
        )
    }
}

impl Listed for GroupRow {
    type Model = Group;
    const KIND: Kind = Kind::Group;
    const COLUMNS: &'static str = GROUP_COLUMNS;
    const ROWS: &'static str = "groups g";

    fn row_id(&self) -> &str {
        self.id()
    }

    fn into_models(rows: Vec<Self>) -> Result<Vec<Group>, StoreError> {
        rows_to_groups(rows)
    }

    type Related = MemberRef;

    fn model_id(group: &Group) -> &str {
        &group.id
    }

    fn related(
        tx: &mut Tx<'_>,
        tenant_id: &str,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<MemberRef>>, StoreError> {
        Scoped::<Read, Groups>::new(tx, tenant_id).members_of(ids)
    }

    fn render(group: &Group, members: &[MemberRef], base_url: Option<&str>) -> Value {
        render::group(group, Some(members), base_url)
    }
}

fn require_group(tx: &mut Tx<'_>, tenant_id: &str, id: &str) -> Result<(), StoreError> {
    let mut sql = Sql::from("SELECT g.id FROM groups g WHERE g.tenant_id = ");
    sql.text(tenant_id).push(" AND g.id = ").text(id);
    match tx.first::<IdRow>(sql)? {
        Some(_) => Ok(()),
        None => Err(StoreError::not_found(ResourceKind::Group, id)),
    }
}

/// The rows `(a, b, c)` of `head {tenant_id}{key_in}(ids){order}` for all of `ids`,
/// one query per chunk, grouped by `a` in the order read, each made with `item(b, c)`:
/// a membership read in either direction.
fn related<T>(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    ids: &[String],
    head: &str,
    key_in: &str,
    order: &str,
    item: impl Fn(String, Option<String>) -> T,
) -> Result<HashMap<String, Vec<T>>, StoreError> {
    let mut out: HashMap<String, Vec<T>> = HashMap::new();
    for chunk in sorted_unique(ids).chunks(CHUNK) {
        let mut sql = Sql::from(head);
        sql.text(tenant_id)
            .push(key_in)
            .text_list(chunk)
            .push(order);
        for row in tx.load::<RelatedRow>(sql)? {
            out.entry(row.a).or_default().push(item(row.b, row.c));
        }
    }
    Ok(out)
}

#[derive(diesel::QueryableByName)]
struct RelatedRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    a: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    b: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    c: Option<String>,
}

fn to_members(rows: Vec<TextOptRow>) -> Vec<MemberRef> {
    rows.into_iter()
        .map(|r| MemberRef {
            user_id: r.a,
            display_name: r.b,
        })
        .collect()
}

/// [`member_ids`] of a group known to exist.
fn member_id_list(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    group_id: &str,
) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::from("SELECT m.user_id AS id FROM memberships m WHERE m.tenant_id = ");
    sql.text(tenant_id)
        .push(" AND m.group_id = ")
        .text(group_id)
        .push(" ORDER BY m.user_id");
    Ok(tx.load::<IdRow>(sql)?.into_iter().map(|r| r.id).collect())
}

fn display_name_taken(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    folded: &str,
    except: Option<&str>,
) -> Result<bool, StoreError> {
    let mut sql = Sql::from("SELECT g.id FROM groups g WHERE g.tenant_id = ");
    sql.text(tenant_id)
        .push(" AND g.display_name_folded = ")
        .text(folded);
    if let Some(id) = except {
        sql.push(" AND g.id <> ").text(id);
    }
    Ok(tx.first::<IdRow>(sql)?.is_some())
}

/// `display_name, display_name_folded, external_id, resource, filter_doc,
/// filter_exact`, comma-separated.
fn push_scim_values(sql: &mut Sql, p: &doc::Prepared, folded: &str) {
    sql.text(p.name.as_str())
        .push(", ")
        .text(folded)
        .push(", ")
        .opt_text(p.external_id.as_deref())
        .push(", ")
        .text(p.body.to_string())
        .push(", ")
        .text(p.doc.as_str())
        .push(", ")
        .boolean(p.exact);
}

impl Scoped<'_, '_, Write, Groups> {
    /// Locks the groups' rows until commit, like [`Scoped::lock`] of users.
    pub fn lock(&mut self, ids: &[String]) -> Result<(), StoreError> {
        let (tx, tenant_id) = self.parts();
        lock_rows(tx, Kind::Group, tenant_id, ids)
    }

    /// Creates a group. [`StoreError::Conflict`] on a duplicate `displayName`
    /// (case-insensitively) or id.
    pub fn insert(&mut self, new: &NewGroup) -> Result<Group, StoreError> {
        let (tx, tenant_id) = self.parts();
        check_id("group", &new.id)?;
        tx.enter(tenant_id)?;
        let p = doc::prepare(Kind::Group, &new.resource)?;
        let folded = fold(&p.name);
        let now = to_db(new.now);
        let mut sql = Sql::from(
            "INSERT INTO groups (id, tenant_id, display_name, display_name_folded, external_id, \
             resource, filter_doc, filter_exact, version, created, last_modified) VALUES (",
        );
        sql.text(&new.id).push(", ").text(tenant_id).push(", ");
        push_scim_values(&mut sql, &p, &folded);
        sql.push(", 1, ")
            .time(now)
            .push(", ")
            .time(now)
            // A group with the same folded name: nothing is inserted.
            .push(") ON CONFLICT (tenant_id, display_name_folded) DO NOTHING");
        if tx.execute_unique(sql, "id")? == 0 {
            return Err(StoreError::Conflict {
                attribute: "displayName",
            });
        }
        record_exactness(tx, Kind::Group, tenant_id, &new.id, None, Some(p.exact))?;
        Ok(Group {
            id: new.id.clone(),
            tenant_id: tenant_id.to_owned(),
            display_name: p.name,
            external_id: p.external_id,
            resource: p.body,
            version: 1,
            member_count: 0,
            created: from_db(now),
            last_modified: from_db(now),
        })
    }

    /// Replaces a group's SCIM body (not its members), incrementing its version.
    pub fn update(&mut self, update: &GroupUpdate) -> Result<Group, StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let state = current(tx, tenant_id, &update.id)?;
        let cur = &state.base;
        check_version(update.expected_version, cur.version)?;
        let p = doc::prepare(Kind::Group, &update.resource)?;
        let folded = fold(&p.name);
        if folded != cur.folded && display_name_taken(tx, tenant_id, &folded, Some(&update.id))? {
            return Err(StoreError::Conflict {
                attribute: "displayName",
            });
        }
        let mut sql = Sql::from(
            "UPDATE groups SET (display_name, display_name_folded, external_id, resource, filter_doc, \
             filter_exact) = (",
        );
        push_scim_values(&mut sql, &p, &folded);
        let now = to_db(update.now);
        sql.push("), version = version + 1, last_modified = ")
            .time(now)
            .push(" WHERE tenant_id = ")
            .text(tenant_id)
            .push(" AND id = ")
            .text(&update.id);
        tx.execute_unique(sql, "displayName")?;
        record_exactness(
            tx,
            Kind::Group,
            tenant_id,
            &update.id,
            Some(cur.exact),
            Some(p.exact),
        )?;
        // The row as written: the locked row (or the single writer) keeps the member
        // count and creation time read above.
        Ok(Group {
            id: update.id.clone(),
            tenant_id: tenant_id.to_owned(),
            display_name: p.name,
            external_id: p.external_id,
            resource: p.body,
            version: cur.version + 1,
            member_count: u64::try_from(state.member_count).unwrap_or(0),
            created: from_db(state.created),
            last_modified: from_db(now),
        })
    }

    /// Deletes a group and its memberships. Returns the former member ids.
    pub fn delete(
        &mut self,
        id: &str,
        expected_version: Option<i64>,
    ) -> Result<Vec<String>, StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let cur = current(tx, tenant_id, id)?.base;
        check_version(expected_version, cur.version)?;
        record_exactness(tx, Kind::Group, tenant_id, id, Some(cur.exact), None)?;
        let mut members = Sql::from("DELETE FROM memberships WHERE tenant_id = ");
        members
            .text(tenant_id)
            .push(" AND group_id = ")
            .text(id)
            .push(" RETURNING user_id AS id");
        let mut former: Vec<String> = tx
            .load::<IdRow>(members)?
            .into_iter()
            .map(|r| r.id)
            .collect();
        former.sort_unstable();
        let mut sql = Sql::from("DELETE FROM groups WHERE tenant_id = ");
        sql.text(tenant_id).push(" AND id = ").text(id);
        tx.execute(sql)?;
        Ok(former)
    }

    /// Adds members (idempotent). All ids must be live users of the tenant, else
    /// [`StoreError::UnknownMembers`] and nothing changes. Bumps the group's version
    /// when something was added. Locks the group, then the users (they stay live
    /// until commit).
    pub fn add_members(
        &mut self,
        group_id: &str,
        user_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<MembershipChange, StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let version = current_version(tx, tenant_id, group_id)?;
        let ids = sorted_unique(user_ids);
        lock_live_users(tx, tenant_id, &ids)?;
        let added = insert_members(tx, tenant_id, group_id, &ids)?;
        let version = bump_one(tx, tenant_id, group_id, version, (&added, &[]), now)?;
        Ok(MembershipChange {
            added,
            removed: Vec::new(),
            version,
        })
    }

    /// Removes members (idempotent; ids that are not members are ignored).
    pub fn remove_members(
        &mut self,
        group_id: &str,
        user_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<MembershipChange, StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let version = current_version(tx, tenant_id, group_id)?;
        let removed = delete_members(tx, tenant_id, group_id, &sorted_unique(user_ids))?;
        let version = bump_one(tx, tenant_id, group_id, version, (&[], &removed), now)?;
        Ok(MembershipChange {
            added: Vec::new(),
            removed,
            version,
        })
    }

    /// Makes `user_ids` the exact member set.
    pub fn replace_members(
        &mut self,
        group_id: &str,
        user_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<MembershipChange, StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let version = current_version(tx, tenant_id, group_id)?;
        let wanted = sorted_unique(user_ids);
        lock_live_users(tx, tenant_id, &wanted)?;
        // The group exists: `current_version` found (and locked) it.
        let current: BTreeSet<String> = member_id_list(tx, tenant_id, group_id)?
            .into_iter()
            .collect();
        let wanted_set: BTreeSet<&String> = wanted.iter().collect();
        let to_remove: Vec<String> = current
            .iter()
            .filter(|id| !wanted_set.contains(id))
            .cloned()
            .collect();
        let to_add: Vec<String> = wanted
            .iter()
            .filter(|id| !current.contains(*id))
            .cloned()
            .collect();
        let removed = delete_members(tx, tenant_id, group_id, &to_remove)?;
        let added = insert_members(tx, tenant_id, group_id, &to_add)?;
        let version = bump_one(tx, tenant_id, group_id, version, (&added, &removed), now)?;
        Ok(MembershipChange {
            added,
            removed,
            version,
        })
    }

    /// Removes a user from every group. Returns the ids of the groups it left.
    pub fn remove_user_from_all(
        &mut self,
        user_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let (tx, tenant_id) = self.parts();
        tx.enter(tenant_id)?;
        let mut sql = Sql::from("SELECT u.id FROM users u WHERE u.tenant_id = ");
        sql.text(tenant_id).push(" AND u.id = ").text(user_id);
        if tx.first::<IdRow>(sql)?.is_none() {
            return Err(StoreError::not_found(ResourceKind::User, user_id));
        }
        leave_groups(tx, tenant_id, user_id, now)
    }
}

/// The version, folded name, exactness, member count and creation time of a group
/// about to change, locked on PostgreSQL.
fn current(tx: &mut Tx<'_>, tenant_id: &str, id: &str) -> Result<GroupStateRow, StoreError> {
    let mut sql = Sql::from(
        "SELECT g.version AS version, g.display_name_folded AS folded, g.filter_exact AS exact, \
         g.member_count AS member_count, g.created AS created FROM groups g WHERE g.tenant_id = ",
    );
    sql.text(tenant_id).push(" AND g.id = ").text(id);
    dialect::lock_rows(tx.dialect(), &mut sql, "g");
    tx.first::<GroupStateRow>(sql)?
        .ok_or_else(|| StoreError::not_found(ResourceKind::Group, id))
}

fn current_version(tx: &mut Tx<'_>, tenant_id: &str, id: &str) -> Result<i64, StoreError> {
    Ok(current(tx, tenant_id, id)?.base.version)
}

/// Increments the version, sets `lastModified` and adds `delta` to the member
/// count of groups whose membership changed.
fn bump_groups(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    ids: &[String],
    delta: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in ids.chunks(CHUNK) {
        let mut sql =
            Sql::from("UPDATE groups SET version = version + 1, member_count = member_count + ");
        sql.int(delta)
            .push(", last_modified = ")
            .time(to_db(now))
            .push(" WHERE tenant_id = ")
            .text(tenant_id)
            .push(" AND id IN ")
            .text_list(chunk);
        tx.execute(sql)?;
    }
    Ok(())
}

/// Bumps one group if members were added or removed; returns its version afterwards.
fn bump_one(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    id: &str,
    version: i64,
    change: (&[String], &[String]),
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let (added, removed) = change;
    if added.is_empty() && removed.is_empty() {
        return Ok(version);
    }
    let delta = i64::try_from(added.len()).unwrap_or(i64::MAX)
        - i64::try_from(removed.len()).unwrap_or(i64::MAX);
    bump_groups(tx, tenant_id, &[id.to_owned()], delta, now)?;
    Ok(version + 1)
}

/// Locks the users about to join a group (in id order, as everywhere) and fails with
/// the ids that are not live users of the tenant. Holding them keeps them live until
/// commit: deleting a user waits for this transaction, and its removal from all
/// groups then sees the new membership. `ids` must be sorted.
fn lock_live_users(tx: &mut Tx<'_>, tenant_id: &str, ids: &[String]) -> Result<(), StoreError> {
    let mut found = BTreeSet::new();
    for chunk in ids.chunks(CHUNK) {
        let mut sql = Sql::from("SELECT u.id FROM users u WHERE u.tenant_id = ");
        sql.text(tenant_id)
            .push(" AND u.deleted_at IS NULL AND u.id IN ")
            .text_list(chunk)
            .push(" ORDER BY u.id");
        dialect::lock_rows(tx.dialect(), &mut sql, "u");
        found.extend(tx.load::<IdRow>(sql)?.into_iter().map(|r| r.id));
    }
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !found.contains(*id))
        .cloned()
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(StoreError::UnknownMembers(missing))
    }
}

/// Locks groups' rows until commit (PostgreSQL, in id order; a no-op on SQLite).
fn insert_members(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    group_id: &str,
    user_ids: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut added = Vec::new();
    for chunk in user_ids.chunks(CHUNK / 3) {
        let mut sql = Sql::from("INSERT INTO memberships (tenant_id, group_id, user_id) VALUES ");
        for (i, user_id) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .text(tenant_id)
                .push(", ")
                .text(group_id)
                .push(", ")
                .text(user_id.as_str())
                .push(")");
        }
        sql.push(" ON CONFLICT DO NOTHING RETURNING user_id AS id")
            .no_cache();
        added.extend(tx.load::<IdRow>(sql)?.into_iter().map(|r| r.id));
    }
    added.sort_unstable();
    Ok(added)
}

fn delete_members(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    group_id: &str,
    user_ids: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut removed = Vec::new();
    for chunk in user_ids.chunks(CHUNK) {
        let mut sql = Sql::from("DELETE FROM memberships WHERE tenant_id = ");
        sql.text(tenant_id)
            .push(" AND group_id = ")
            .text(group_id)
            .push(" AND user_id IN ")
            .text_list(chunk)
            .push(" RETURNING user_id AS id");
        removed.extend(tx.load::<IdRow>(sql)?.into_iter().map(|r| r.id));
    }
    removed.sort_unstable();
    Ok(removed)
}

/// Ends all memberships of a user; returns the groups' ids (sorted).
pub(super) fn leave_groups(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::from("DELETE FROM memberships WHERE tenant_id = ");
    sql.text(tenant_id)
        .push(" AND user_id = ")
        .text(user_id)
        .push(" RETURNING group_id AS id");
    let mut ids: Vec<String> = tx.load::<IdRow>(sql)?.into_iter().map(|r| r.id).collect();
    ids.sort_unstable();
    bump_groups(tx, tenant_id, &ids, -1, now)?;
    Ok(ids)
}
