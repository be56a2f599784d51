//! Groups as the role-mapping screen sees them, and group-deletion previews.

use role_engine::{PreviewSummary, PushedGroup, PushedGroups, RuleSet};
use scim_store::{EventKind, Visibility};
use serde::Serialize;

use crate::error::{Error, ResourceKind, Result};
use crate::roles::snapshot;
use crate::service::Provisioning;
use crate::tenant::TenantContext;

use super::rules::{MAX_PREVIEW_PAGE, PreviewEntries, PreviewPage};
use super::users::page_size;

/// Members read at a time by a group-deletion preview.
const MEMBER_CHUNK: u64 = 2_000;

/// What deleting a group in the identity provider would do to roles: counts
/// over all its members and one page of entries.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupDeletionPreview {
    /// The counts over all members.
    pub summary: PreviewSummary,
    /// The page of entries asked for (`next`: where the next page starts).
    #[serde(flatten)]
    #[cfg_attr(feature = "openapi", schema(value_type = PreviewEntries))]
    pub entries: PreviewEntries,
}

/// A group as the role-mapping screen lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupInfo {
    /// Group id: what rules reference.
    pub id: String,
    /// Current display name.
    pub display_name: String,
    /// The identity provider's id for it (Entra ID: the object id).
    pub external_id: Option<String>,
    /// Number of members.
    pub members: u64,
    /// The role it maps to: that of the first group rule naming it (`null`:
    /// no rule does).
    pub role: Option<String>,
}

/// One page of the groups list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupPage {
    /// This page, by display name.
    pub items: Vec<GroupInfo>,
    /// Groups of the tenant.
    pub total: u64,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

impl Provisioning {
    /// The tenant's groups as `rules` validation needs them: every current
    /// group, and the groups the rules name that the identity provider deleted
    /// (with the display name their deletion event recorded).
    ///
    /// Deletions are looked up in the event log only for groups the rules name
    /// that are no longer pushed; only then are the committed events numbered
    /// first (PostgreSQL numbers them after commit, and a large save leaves
    /// many behind, which a preview would otherwise wait for).
    pub(super) fn pushed_groups(&self, tenant_id: &str, rules: &RuleSet) -> Result<PushedGroups> {
        let paging = scim_store::Paging::Index {
            start_index: 1,
            count: u64::MAX,
        };
        let current: Vec<PushedGroup> = self
            .read(|tx| {
                Ok(tx
                    .tenant(tenant_id)
                    .groups()
                    .list(&scim_store::ListQuery {
                        filter: None,
                        sort: None,
                        paging: &paging,
                        base_url: None,
                    })?
                    .items)
            })?
            .into_iter()
            .map(|g| PushedGroup::new(g.id, g.display_name))
            .collect();
        let missing: Vec<String> = rules
            .rules
            .iter()
            .filter_map(|r| r.group.as_ref())
            .filter(|g| !current.iter().any(|c| c.id == g.id))
            .map(|g| g.id.clone())
            .collect();
        if missing.is_empty() {
            return Ok(PushedGroups {
                current,
                deleted: Vec::new(),
            });
        }
        self.store().number_events(tenant_id)?;
        let deleted = self
            .read(|tx| {
                Ok(tx
                    .tenant(tenant_id)
                    .events()
                    .latest_of_resources(&missing, &[EventKind::GroupDeleted])?)
            })?
            .into_iter()
            .map(|(id, event)| {
                let name = event
                    .before
                    .as_ref()
                    .and_then(|b| b.get("displayName"))
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or(&id)
                    .to_owned();
                PushedGroup::new(id, name)
            })
            .collect();
        Ok(PushedGroups { current, deleted })
    }
}

impl Provisioning {
    /// The groups pushed by the identity provider, by display name, with member
    /// counts and the role each maps to; `cursor` is a `next_cursor` of an
    /// earlier page, `limit` the page size (`None`: the server's default).
    pub fn group_list(
        &self,
        tenant: &TenantContext,
        cursor: Option<&str>,
        limit: Option<u64>,
    ) -> Result<GroupPage> {
        let limit = page_size(limit, &self.options)?;
        let rules = tenant.engine.rules();
        let page =
            self.read(|tx| Ok(tx.tenant(&tenant.id).groups().by_name_page(cursor, limit)?))?;
        let role_of = |id: &str| {
            rules
                .rules
                .iter()
                .find(|r| r.group.as_ref().is_some_and(|g| g.id == id))
                .map(|r| r.role.clone())
        };
        Ok(GroupPage {
            items: page
                .items
                .into_iter()
                .map(|group| GroupInfo {
                    role: role_of(&group.id),
                    members: group.member_count,
                    id: group.id,
                    display_name: group.display_name,
                    external_id: group.external_id,
                })
                .collect(),
            total: page.total,
            next_cursor: page.next_cursor,
        })
    }

    /// What deleting a group would do to its members' roles: the counts over
    /// all members and the page of entries after user `page.after`. The
    /// members are read a chunk at a time in one transaction, so memory does
    /// not grow with the group.
    pub fn preview_group_deletion(
        &self,
        tenant: &TenantContext,
        group_id: &str,
        page: &PreviewPage,
    ) -> Result<GroupDeletionPreview> {
        let limit = page.limit.min(MAX_PREVIEW_PAGE);
        let mut preview = GroupDeletionPreview::default();
        let mut index = 0;
        self.read(|tx| {
            if tx.tenant(&tenant.id).groups().by_id(group_id)?.is_none() {
                return Err(Error::NotFound {
                    resource: ResourceKind::Group,
                    id: group_id.to_owned(),
                });
            }
            let mut after: Option<String> = None;
            loop {
                let members = tx.tenant(&tenant.id).groups().member_ids_after(
                    group_id,
                    after.as_deref(),
                    MEMBER_CHUNK,
                )?;
                let Some(last) = members.last() else {
                    return Ok(());
                };
                after = Some(last.clone());
                let mut groups = tx.tenant(&tenant.id).groups().of_users(&members)?;
                let mut snaps = Vec::with_capacity(members.len());
                for user in tx
                    .tenant(&tenant.id)
                    .users()
                    .by_ids(&members, Visibility::IncludeDeleted)?
                {
                    let g = groups
                        .remove(&user.id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|g| g.group_id)
                        .collect();
                    snaps.push(snapshot(&user, g));
                }
                for mut change in
                    role_engine::preview_group_deletion(&tenant.engine, group_id, &snaps)
                {
                    change.index += index;
                    preview.summary.add(&change);
                    preview.entries.offer(change, page.after.as_deref(), limit);
                }
                index += snaps.len();
                if (members.len() as u64) < MEMBER_CHUNK {
                    return Ok(());
                }
            }
        })?;
        Ok(preview)
    }
}
