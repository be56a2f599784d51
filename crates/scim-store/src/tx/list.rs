//! The one SCIM list query that users and groups share.

use std::collections::HashMap;

use diesel::QueryableByName;
use scim_proto::filter::CompiledFilter;
use serde_json::Value;

use super::{CHUNK, Tx};
use crate::db::MultiBackend;
use crate::error::StoreError;
use crate::kind::Kind;
use crate::model::{ListQuery, Page};
use crate::query::{filter, page, sort};
use crate::rows::IdRow;
use crate::sql::Sql;

/// A row type the SCIM list queries page through: users or groups.
pub(super) trait Listed: QueryableByName<MultiBackend> + Sized + 'static {
    /// What a row becomes.
    type Model;
    /// The resource kind (table and alias).
    const KIND: Kind;
    /// The selected columns.
    const COLUMNS: &'static str;
    /// Where [`Listed::COLUMNS`] are read from (`FROM` what).
    const ROWS: &'static str;
    /// The row's id, the order's tie-breaker.
    fn row_id(&self) -> &str;
    /// Rows to models.
    fn into_models(rows: Vec<Self>) -> Result<Vec<Self::Model>, StoreError>;
    /// What a resource's SCIM form lists besides its body: a user's groups, a
    /// group's members.
    type Related;
    /// A model's id.
    fn model_id(model: &Self::Model) -> &str;
    /// The related references of each of `ids`, read in one query per chunk.
    fn related(
        tx: &mut Tx<'_>,
        tenant_id: &str,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<Self::Related>>, StoreError>;
    /// The SCIM form that filters are evaluated on.
    fn render(model: &Self::Model, related: &[Self::Related], base_url: Option<&str>) -> Value;
}

/// Which of `inexact`, ids of the tenant's inexact resources (see `crate::doc`),
/// are live and match `filter`, decided in Rust on their rendered form.
fn inexact_matches<R: Listed>(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    inexact: &[String],
    filter: &CompiledFilter,
    base_url: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::select(R::COLUMNS, &format!(" FROM {} WHERE ", R::ROWS));
    sql.append(filter::inexact_where(R::KIND, tenant_id, inexact));
    let models = R::into_models(tx.load::<R>(sql)?)?;
    if models.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = models.iter().map(|m| R::model_id(m).to_owned()).collect();
    let mut related = R::related(tx, tenant_id, &ids)?;
    Ok(models
        .iter()
        .filter(|m| {
            let refs = related.remove(R::model_id(m)).unwrap_or_default();
            filter.matches(&R::render(m, &refs, base_url))
        })
        .map(|m| R::model_id(m).to_owned())
        .collect())
}

/// One page of a SCIM list query: the filter in SQL where it is exact, with the
/// inexact resources' verdicts from Rust spliced in as id lists.
pub(super) fn list<R: Listed>(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    q: &ListQuery<'_>,
) -> Result<Page<R::Model>, StoreError> {
    super::users::check_base_url(q.base_url)?;
    let mut condition = filter::base_where(R::KIND, tenant_id, true);
    if let Some(filter) = q.filter {
        // Almost always none: one probe of an empty index range.
        let inexact = inexact_ids(tx, R::KIND, tenant_id)?;
        let mut rust = Vec::new();
        for chunk in inexact.chunks(CHUNK) {
            rust.extend(inexact_matches::<R>(
                tx, tenant_id, chunk, filter, q.base_url,
            )?);
        }
        condition.push(" AND ").append(filter::filter_where(
            R::KIND,
            tx.dialect(),
            tenant_id,
            q.base_url,
            filter,
            &rust,
        )?);
    }
    let order = sort::order(R::KIND, tx.dialect(), q.sort)?;
    let page = page::fetch_page::<R, _>(
        tx,
        tenant_id,
        page::Rows {
            columns: R::COLUMNS,
            from: R::ROWS,
        },
        &condition,
        &order,
        q.paging,
        R::row_id,
    )?;
    Ok(Page {
        items: R::into_models(page.rows)?,
        total: page.total,
        next_cursor: page.next,
        previous_cursor: page.previous,
    })
}

/// Ids of the tenant's inexact resources of `kind`.
fn inexact_ids(tx: &mut Tx<'_>, kind: Kind, tenant_id: &str) -> Result<Vec<String>, StoreError> {
    let mut sql = Sql::from("SELECT resource_id AS id FROM inexact_resources WHERE tenant_id = ");
    sql.text(tenant_id)
        .push(" AND kind = ")
        .text(kind.resource_type());
    Ok(tx
        .load::<IdRow>(sql)?
        .into_iter()
        .map(|row| row.id)
        .collect())
}

/// Keeps `inexact_resources` in step with a row's `filter_exact`: `was` is the
/// stored value before the change (`None` for a new row), `now` the new one
/// (`None` when the row is deleted).
pub(crate) fn record_exactness(
    tx: &mut Tx<'_>,
    kind: Kind,
    tenant_id: &str,
    id: &str,
    was: Option<bool>,
    now: Option<bool>,
) -> Result<(), StoreError> {
    let was_listed = was == Some(false);
    let listed = now == Some(false);
    if was_listed == listed {
        return Ok(());
    }
    let mut sql = if listed {
        let mut sql =
            Sql::from("INSERT INTO inexact_resources (tenant_id, kind, resource_id) VALUES (");
        sql.text(tenant_id)
            .push(", ")
            .text(kind.resource_type())
            .push(", ")
            .text(id)
            .push(") ON CONFLICT DO NOTHING");
        sql
    } else {
        let mut sql = Sql::from("DELETE FROM inexact_resources WHERE tenant_id = ");
        sql.text(tenant_id)
            .push(" AND kind = ")
            .text(kind.resource_type())
            .push(" AND resource_id = ")
            .text(id);
        sql
    };
    tx.execute(std::mem::take(&mut sql))?;
    Ok(())
}
