//! Entity versions of the parts of a tenant an admin edits (settings, role
//! catalogue, rule set), for `ETag` and `If-Match`: each part's version is a
//! hash of its content, so editing one part leaves the others' tags valid.

use scim_store::{Tenant, TenantUpdate, WriteTx};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::Result;

/// The version of a part: the first 63 bits of the SHA-256 of its JSON form,
/// as a non-negative integer (so the tags read like every other version).
pub fn part_version<T: Serialize>(part: &T) -> Result<i64> {
    let digest = Sha256::digest(serde_json::to_vec(part)?);
    let mut first = [0_u8; 8];
    first.copy_from_slice(&digest[..8]);
    Ok(i64::from_be_bytes(first) & i64::MAX)
}

/// The tenant row as committed, read after taking the tenant's write gate
/// exclusively, so no other change to the row commits before this transaction:
/// what a precondition is checked against stays true until the change commits.
pub(super) fn locked_row(
    tx: &mut WriteTx<'_>,
    tenant_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Tenant> {
    Ok(tx.tenant(tenant_id).update(&TenantUpdate::default(), now)?)
}

#[cfg(test)]
mod tests {
    use role_engine::{Catalogue, RoleDef};

    use super::part_version;

    #[test]
    fn versions_follow_content() {
        let a = Catalogue::new([RoleDef::new("Viewer")]);
        let b = Catalogue::new([RoleDef::new("Viewer"), RoleDef::new("Admin")]);
        assert_eq!(part_version(&a).unwrap(), part_version(&a.clone()).unwrap());
        assert_ne!(part_version(&a).unwrap(), part_version(&b).unwrap());
        assert!(part_version(&b).unwrap() >= 0);
    }
}
