//! The `user_emails` side table: a user's folded e-mail values, indexed, so that
//! `emails.value` filters and lookups need no scan of the filter documents.

use super::{CHUNK, Tx, sorted_unique};
use crate::doc;
use crate::error::StoreError;
use crate::model::User;
use crate::sql::Sql;

/// Adds a user's e-mail rows (duplicates ignored).
pub(super) fn insert_emails(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    user_id: &str,
    emails: &[String],
) -> Result<(), StoreError> {
    for chunk in sorted_unique(emails).chunks(CHUNK / 3) {
        let mut sql =
            Sql::from("INSERT INTO user_emails (tenant_id, value_folded, user_id) VALUES ");
        for (i, email) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(")
                .text(tenant_id)
                .push(", ")
                .text(email.as_str())
                .push(", ")
                .text(user_id)
                .push(")");
        }
        sql.push(" ON CONFLICT DO NOTHING");
        // One statement text per row count: worth caching for the usual one or two.
        if chunk.len() > 4 {
            sql.no_cache();
        }
        tx.execute(sql)?;
    }
    Ok(())
}

/// Deletes a user's e-mail rows, found by their values (from the user's body).
pub(super) fn delete_emails(
    tx: &mut Tx<'_>,
    tenant_id: &str,
    user_id: &str,
    emails: &[String],
) -> Result<(), StoreError> {
    for chunk in sorted_unique(emails).chunks(CHUNK) {
        let mut sql = Sql::from("DELETE FROM user_emails WHERE tenant_id = ");
        sql.text(tenant_id)
            .push(" AND value_folded IN ")
            .text_list(chunk)
            .push(" AND user_id = ")
            .text(user_id);
        tx.execute(sql)?;
    }
    Ok(())
}

pub(super) fn emails_of(user: &User) -> Vec<String> {
    user.resource
        .as_object()
        .map(doc::email_values)
        .unwrap_or_default()
}
