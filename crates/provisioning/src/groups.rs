//! SCIM use cases for groups. Memberships are rows: a PATCH that adds or removes
//! k members costs O(k), whatever the group's size, and the affected users'
//! roles are recomputed in the same transaction.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use scim_proto::CompatRule;
use scim_proto::filter::{AttrPath, ElementFilter, locate};
use scim_proto::normalize::normalize_resource;
use scim_proto::patch::{MemberChange, PatchRequest, apply, split_member_changes};
use scim_proto::schema::GROUP_RESOURCE;
use scim_store::{
    Group, GroupUpdate, MemberRef, MembershipChange, NewEvent, NewGroup, ReadTx, StoreError,
    WriteTx,
};
use serde_json::{Value, json};

use crate::context::RequestContext;
use crate::error::{Error, ResourceKind, Result};
use crate::events::{Event, Recorder};
use crate::query::{ListRequest, ListResult, parse};
use crate::render::{self, ScimResource};
use crate::roles::{GuardPolicy, recompute};
use crate::service::Provisioning;
use crate::tenant::TenantContext;
use crate::users::{check_possible_id, new_id};

/// Splits a normalised group into its body and its member ids.
fn split_members(mut resource: Value) -> (Value, Option<Vec<String>>) {
    let members = resource
        .as_object_mut()
        .and_then(|m| m.remove("members"))
        .map(|members| {
            members
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        });
    (resource, members)
}

fn live_group(tx: &mut ReadTx<'_>, tenant: &TenantContext, id: &str) -> Result<Group> {
    tx.tenant(&tenant.id)
        .groups()
        .by_id(id)?
        .ok_or_else(|| Error::NotFound {
            resource: ResourceKind::Group,
            id: id.to_owned(),
        })
}

fn check_version(group: &Group, expected: Option<&[i64]>) -> Result<()> {
    crate::users::check_version(group.version, expected)
}

/// Writes member events for a membership change and collects the users whose
/// role may have moved.
fn record_membership(
    tx: &mut WriteTx<'_>,
    tenant: &TenantContext,
    ctx: &RequestContext,
    now: DateTime<Utc>,
    group_id: &str,
    change: &MembershipChange,
    affected: &mut BTreeSet<String>,
) -> Result<()> {
    let recorder = Recorder::new(&tenant.id, ctx, now);
    let group = group_id;
    let added = change
        .added
        .iter()
        .map(|user| recorder.row(Event::MemberAdded { group, user }));
    let removed = change
        .removed
        .iter()
        .map(|user| recorder.row(Event::MemberRemoved { group, user }));
    let events: Vec<NewEvent> = added.chain(removed).collect();
    tx.tenant(&tenant.id).events().append_all(&events)?;
    affected.extend(change.added.iter().chain(&change.removed).cloned());
    Ok(())
}

/// Stores the group's new body, if it differs from `current`'s, with its event:
/// a rename or another update.
fn update_body(
    tx: &mut WriteTx<'_>,
    tenant: &TenantContext,
    ctx: &RequestContext,
    now: DateTime<Utc>,
    current: &Group,
    resource: &Value,
) -> Result<()> {
    if *resource == current.resource {
        return Ok(());
    }
    tx.tenant(&tenant.id).groups().update(&GroupUpdate {
        id: current.id.clone(),
        expected_version: Some(current.version),
        resource: resource.clone(),
        now,
    })?;
    Recorder::new(&tenant.id, ctx, now).append(
        tx,
        Event::GroupChanged {
            group: &current.id,
            before: current.resource.clone(),
            after: resource.clone(),
        },
    )?;
    Ok(())
}

/// Membership writes that skip ids naming no user of the tenant: the rest of the
/// change applies, and the leniency is recorded with the request.
fn known_members(
    tx: &mut WriteTx<'_>,
    tenant: &TenantContext,
    ctx: &mut RequestContext,
    ids: &[String],
    write: impl Fn(&mut WriteTx<'_>, &[String]) -> Result<MembershipChange, StoreError>,
) -> Result<MembershipChange> {
    match write(tx, ids) {
        Err(StoreError::UnknownMembers(unknown)) => {
            tracing::warn!(tenant = %tenant.slug, ignored = ?unknown, "ignoring unknown group members");
            ctx.compat.note(CompatRule::UnknownMemberIgnored);
            let known: Vec<String> = ids
                .iter()
                .filter(|id| !unknown.contains(id))
                .cloned()
                .collect();
            Ok(write(tx, &known)?)
        }
        other => Ok(other?),
    }
}

fn all_members(
    tx: &mut ReadTx<'_>,
    tenant: &TenantContext,
    group_id: &str,
) -> Result<Vec<MemberRef>> {
    Ok(tx
        .tenant(&tenant.id)
        .groups()
        .members_of(&[group_id.to_owned()])?
        .remove(group_id)
        .unwrap_or_default())
}

impl Provisioning {
    /// `POST /Groups`.
    pub fn create_group(
        &self,
        tenant: &TenantContext,
        ctx: &mut RequestContext,
        body: &Value,
    ) -> Result<ScimResource> {
        let resource = normalize_resource(
            body,
            &GROUP_RESOURCE,
            &tenant.normalize_options(),
            &mut ctx.compat,
        )?;
        let (resource, members) = split_members(resource);
        let id = new_id();
        let now = self.now();
        let incoming: &RequestContext = ctx;
        let (group, members, compat) = self.write(|tx| {
            // Each run starts from the request as it came (see `Provisioning::write`).
            let mut attempt = incoming.clone();
            let ctx = &mut attempt;
            tx.tenant(&tenant.id).groups().insert(&NewGroup {
                id: id.clone(),
                resource: resource.clone(),
                now,
            })?;
            Recorder::new(&tenant.id, ctx, now).append(
                tx,
                Event::GroupCreated {
                    group: &id,
                    resource: resource.clone(),
                },
            )?;
            let mut affected = BTreeSet::new();
            if let Some(members) = members.as_deref().filter(|m| !m.is_empty()) {
                let change = known_members(tx, tenant, ctx, members, |tx, ids| {
                    tx.tenant(&tenant.id).groups().add_members(&id, ids, now)
                })?;
                record_membership(tx, tenant, ctx, now, &id, &change, &mut affected)?;
            }
            self.recompute_affected(tx, &tenant.id, ctx, affected, now)?;
            let group = live_group(tx, tenant, &id)?;
            let members = all_members(tx, tenant, &id)?;
            Ok((group, members, attempt.compat))
        })?;
        ctx.compat = compat;
        Ok(render::group(&group, Some(&members), &ctx.base_url))
    }

    /// `GET /Groups/{id}`; members are loaded only when `with_members`.
    pub fn get_group(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        id: &str,
        with_members: bool,
    ) -> Result<ScimResource> {
        check_possible_id(ResourceKind::Group, id)?;
        self.read(|tx| {
            let group = live_group(tx, tenant, id)?;
            let members = if with_members {
                Some(all_members(tx, tenant, id)?)
            } else {
                None
            };
            Ok(render::group(&group, members.as_deref(), &ctx.base_url))
        })
    }

    /// `GET /Groups` and `POST /Groups/.search`.
    pub fn list_groups(
        &self,
        tenant: &TenantContext,
        ctx: &mut RequestContext,
        request: &ListRequest,
    ) -> Result<ListResult> {
        let parsed = parse(request, &GROUP_RESOURCE, &self.options, ctx)?;
        let ctx: &RequestContext = ctx;
        self.read(|tx| {
            let page = tx
                .tenant(&tenant.id)
                .groups()
                .list(&parsed.store_query(&ctx.base_url))?;
            let resources = render::page(
                &page.items,
                request.with_memberships,
                |g| &g.id,
                |ids| Ok(tx.tenant(&tenant.id).groups().members_of(ids)?),
                |g, members| render::group(g, members, &ctx.base_url),
            )?;
            Ok(parsed.result(page, resources))
        })
    }

    /// `PUT /Groups/{id}`: replaces the body and the member set.
    pub fn replace_group(
        &self,
        tenant: &TenantContext,
        ctx: &mut RequestContext,
        id: &str,
        body: &Value,
        expected_version: Option<&[i64]>,
    ) -> Result<ScimResource> {
        check_possible_id(ResourceKind::Group, id)?;
        let resource = normalize_resource(
            body,
            &GROUP_RESOURCE,
            &tenant.normalize_options(),
            &mut ctx.compat,
        )?;
        let (resource, members) = split_members(resource);
        let members = members.unwrap_or_default();
        let now = self.now();
        let incoming: &RequestContext = ctx;
        let (group, members, compat) = self.write(|tx| {
            let mut attempt = incoming.clone();
            let ctx = &mut attempt;
            // Locked before it is read, so a concurrent change is waited for rather
            // than refused as a version mismatch.
            tx.tenant(&tenant.id).groups().lock(&[id.to_owned()])?;
            let current = live_group(tx, tenant, id)?;
            check_version(&current, expected_version)?;
            update_body(tx, tenant, ctx, now, &current, &resource)?;
            let change = known_members(tx, tenant, ctx, &members, |tx, ids| {
                tx.tenant(&tenant.id).groups().replace_members(id, ids, now)
            })?;
            let mut affected = BTreeSet::new();
            record_membership(tx, tenant, ctx, now, id, &change, &mut affected)?;
            self.recompute_affected(tx, &tenant.id, ctx, affected, now)?;
            let group = live_group(tx, tenant, id)?;
            let members = all_members(tx, tenant, id)?;
            Ok((group, members, attempt.compat))
        })?;
        ctx.compat = compat;
        Ok(render::group(&group, Some(&members), &ctx.base_url))
    }

    /// `PATCH /Groups/{id}`. Returns the group's new version; the HTTP layer
    /// answers 204, or renders the group when attributes are asked for.
    pub fn patch_group(
        &self,
        tenant: &TenantContext,
        ctx: &mut RequestContext,
        id: &str,
        body: &Value,
        expected_version: Option<&[i64]>,
    ) -> Result<i64> {
        check_possible_id(ResourceKind::Group, id)?;
        let request = PatchRequest::from_json(body, &mut ctx.compat)?;
        let (rest, changes) = split_member_changes(&request, &mut ctx.compat)?;
        let options = tenant.normalize_options();
        let now = self.now();
        // Users named by the membership operations, locked together after the group
        // (the store's lock order), so that PATCHes of overlapping members on
        // different groups queue instead of deadlocking.
        let named: Vec<String> = changes
            .iter()
            .flat_map(|change| match change {
                MemberChange::Add(ids) | MemberChange::Remove(ids) | MemberChange::Replace(ids) => {
                    ids.as_slice()
                }
                MemberChange::RemoveWhere(_) | MemberChange::RemoveAll => &[],
            })
            .cloned()
            .collect();
        let incoming: &RequestContext = ctx;
        let (version, compat) = self.write(|tx| {
            let mut attempt = incoming.clone();
            let ctx = &mut attempt;
            tx.tenant(&tenant.id).groups().lock(&[id.to_owned()])?;
            let current = live_group(tx, tenant, id)?;
            check_version(&current, expected_version)?;
            if !named.is_empty() {
                tx.tenant(&tenant.id).users().lock(&named)?;
            }
            if !rest.operations.is_empty() {
                let resource = apply(
                    &current.resource,
                    &rest,
                    &GROUP_RESOURCE,
                    &options,
                    &mut ctx.compat,
                )?;
                update_body(tx, tenant, ctx, now, &current, &resource)?;
            }
            let mut affected = BTreeSet::new();
            for change in &changes {
                let applied = match change {
                    MemberChange::Add(ids) => known_members(tx, tenant, ctx, ids, |tx, ids| {
                        tx.tenant(&tenant.id).groups().add_members(id, ids, now)
                    })?,
                    MemberChange::Remove(ids) => tx
                        .tenant(&tenant.id)
                        .groups()
                        .remove_members(id, ids, now)?,
                    MemberChange::Replace(ids) => {
                        known_members(tx, tenant, ctx, ids, |tx, ids| {
                            tx.tenant(&tenant.id).groups().replace_members(id, ids, now)
                        })?
                    }
                    MemberChange::RemoveAll => {
                        let ids = tx.tenant(&tenant.id).groups().member_ids(id)?;
                        tx.tenant(&tenant.id)
                            .groups()
                            .remove_members(id, &ids, now)?
                    }
                    MemberChange::RemoveWhere(filter) => {
                        let members_at =
                            locate(&AttrPath::new("members"), &GROUP_RESOURCE, &mut ctx.compat)?;
                        let matcher = ElementFilter::compile(
                            &members_at,
                            filter,
                            &GROUP_RESOURCE,
                            &mut ctx.compat,
                        )
                        .map_err(|e| match e {
                            scim_proto::Error::InvalidFilter { position, message } => {
                                scim_proto::Error::InvalidPath { position, message }
                            }
                            other => other,
                        })?;
                        let doomed: Vec<String> = all_members(tx, tenant, id)?
                            .into_iter()
                            .filter(|m| {
                                let mut element = json!({
                                    "value": m.user_id,
                                    "type": "User",
                                    "$ref": format!("{}/Users/{}", ctx.base_url, m.user_id),
                                });
                                if let Some(display) = &m.display_name {
                                    element["display"] = json!(display);
                                }
                                matcher.matches(&element)
                            })
                            .map(|m| m.user_id)
                            .collect();
                        tx.tenant(&tenant.id)
                            .groups()
                            .remove_members(id, &doomed, now)?
                    }
                };
                record_membership(tx, tenant, ctx, now, id, &applied, &mut affected)?;
            }
            self.recompute_affected(tx, &tenant.id, ctx, affected, now)?;
            Ok((live_group(tx, tenant, id)?.version, attempt.compat))
        })?;
        ctx.compat = compat;
        Ok(version)
    }

    /// `DELETE /Groups/{id}`: the group and its memberships go; the former
    /// members' roles are recomputed.
    pub fn delete_group(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        id: &str,
        expected_version: Option<&[i64]>,
    ) -> Result<()> {
        check_possible_id(ResourceKind::Group, id)?;
        let now = self.now();
        self.write(|tx| {
            tx.tenant(&tenant.id).groups().lock(&[id.to_owned()])?;
            let current = live_group(tx, tenant, id)?;
            check_version(&current, expected_version)?;
            let members = tx
                .tenant(&tenant.id)
                .groups()
                .delete(id, Some(current.version))?;
            let recorder = Recorder::new(&tenant.id, ctx, now);
            recorder.append(
                tx,
                Event::GroupDeleted {
                    group: id,
                    before: current.resource.clone(),
                },
            )?;
            let removals: Vec<NewEvent> = members
                .iter()
                .map(|user| recorder.row(Event::MemberRemoved { group: id, user }))
                .collect();
            tx.tenant(recorder.tenant_id)
                .events()
                .append_all(&removals)?;
            let former = members.into_iter().collect();
            self.recompute_affected(tx, &tenant.id, ctx, former, now)?;
            Ok(())
        })
    }

    /// Decides the users a membership change touched again, with the tenant's
    /// context as read in this transaction; a guard violation is recorded, not
    /// refused (the identity provider's change stands).
    fn recompute_affected(
        &self,
        tx: &mut WriteTx<'_>,
        tenant_id: &str,
        ctx: &RequestContext,
        users: BTreeSet<String>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let fresh = self.current_context(tx, tenant_id)?;
        recompute(tx, &fresh, ctx, users, GuardPolicy::Flag, now)?;
        Ok(())
    }
}
