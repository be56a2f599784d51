//! Entering a tenant for write: its write gate, and the cache of its parsed row.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::Tx;
use super::tenants;
use crate::dialect::{self, Gate};
use crate::error::{ResourceKind, StoreError};
use crate::model::Tenant;

/// Tenant rows as write transactions of one store last read them, by id. Entering
/// a tenant reads only its stamp (version, created, updated) and reuses the
/// parsed row while the stamp is unchanged: no settings, catalogue and rule JSON
/// to read and parse on every write. Filled only with committed rows (see
/// [`Tx::committed_tenant`]), so a rolled-back change can never be served.
#[derive(Default)]
pub(crate) struct TenantCache(Mutex<HashMap<String, Arc<Tenant>>>);

/// More tenants than any deployment has: past it the cache starts over.
const TENANT_CACHE_MAX: usize = 10_000;

impl TenantCache {
    fn get(&self, id: &str) -> Option<Arc<Tenant>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    fn put(&self, tenant: Arc<Tenant>) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= TENANT_CACHE_MAX {
            map.clear();
        }
        map.insert(tenant.id.clone(), tenant);
    }
}

impl Tx<'_> {
    /// Called before the first write to a tenant's data in this transaction: takes
    /// the tenant's write gate in shared mode (PostgreSQL) and reads the tenant,
    /// failing if it does not exist. Any number of transactions hold a tenant's gate
    /// in shared mode at once; changes to the tenant itself take it exclusively
    /// ([`Tx::enter_exclusive`]), so they wait for the writes in flight and the writes
    /// arriving later wait for them. So the row read here stays the committed one
    /// until this transaction ends (but for its own changes), which keeps what a
    /// write decides with it valid until it commits.
    pub(crate) fn enter(&mut self, tenant_id: &str) -> Result<(), StoreError> {
        self.enter_with(tenant_id, Gate::Shared)
    }

    /// [`Tx::enter`] for a change to the tenant row itself (rules, settings,
    /// catalogue, slug) or its deletion: waits until no other transaction holds the
    /// gate, and keeps all others out until commit.
    pub(crate) fn enter_exclusive(&mut self, tenant_id: &str) -> Result<(), StoreError> {
        self.enter_with(tenant_id, Gate::Exclusive)
    }

    /// Whether this transaction holds the tenant's gate exclusively.
    pub(crate) fn holds_gate_exclusively(&self, tenant_id: &str) -> bool {
        self.entered
            .iter()
            .any(|e| e.tenant_id == tenant_id && e.gate == Gate::Exclusive)
    }

    fn enter_with(&mut self, tenant_id: &str, gate: Gate) -> Result<(), StoreError> {
        let held = self
            .entered
            .iter()
            .find(|e| e.tenant_id == tenant_id)
            .map(|e| e.gate);
        if held.is_some_and(|held| held >= gate) {
            return Ok(());
        }
        if let Some(lock) = dialect::tenant_gate(self.dialect, tenant_id, gate) {
            self.execute(lock)?;
        }
        if held.is_none() {
            // A separate statement, so that its snapshot is taken after the gate:
            // a tenant deleted or changed while this transaction waited is seen so.
            let tenant = self.committed_tenant(tenant_id)?;
            self.mark_entered(tenant_id, gate, Some(tenant));
        } else {
            self.mark_entered(tenant_id, gate, None);
        }
        Ok(())
    }

    /// The tenant's committed row, read when first entering it (so this
    /// transaction has not changed it) with the gate held (so nobody else can
    /// until this transaction ends): from the cache when the stamp is unchanged.
    fn committed_tenant(&mut self, tenant_id: &str) -> Result<Arc<Tenant>, StoreError> {
        let stamp = tenants::stamp(self, tenant_id)?
            .ok_or_else(|| StoreError::not_found(ResourceKind::Tenant, tenant_id))?;
        if let Some(cached) = self.tenant_cache.get(tenant_id).filter(|t| stamp.is_of(t)) {
            return Ok(cached);
        }
        let tenant = Arc::new(
            tenants::by_id(self, tenant_id)?
                .ok_or_else(|| StoreError::not_found(ResourceKind::Tenant, tenant_id))?,
        );
        self.tenant_cache.put(Arc::clone(&tenant));
        Ok(tenant)
    }

    /// Records the gate as held and, when given, the tenant row as this transaction
    /// now sees it (a tenant this transaction has just created is invisible to all
    /// others until commit, so it holds the gate without locking).
    pub(crate) fn mark_entered(
        &mut self,
        tenant_id: &str,
        gate: Gate,
        tenant: Option<Arc<Tenant>>,
    ) {
        match self.entered.iter_mut().find(|e| e.tenant_id == tenant_id) {
            Some(entered) => {
                entered.gate = entered.gate.max(gate);
                if tenant.is_some() {
                    entered.tenant = tenant;
                }
            }
            None => self.entered.push(Entered {
                tenant_id: tenant_id.to_owned(),
                gate,
                tenant,
            }),
        }
    }

    /// Forgets the tenant row read when entering (after this transaction changed or
    /// deleted it), keeping the gate.
    pub(crate) fn forget_tenant(&mut self, tenant_id: &str) {
        if let Some(entered) = self.entered.iter_mut().find(|e| e.tenant_id == tenant_id) {
            entered.tenant = None;
        }
    }

    /// The tenant as read after taking its gate (or after this transaction's own
    /// change to it), entering first if needed.
    pub(crate) fn entered_tenant(&mut self, tenant_id: &str) -> Result<Tenant, StoreError> {
        self.enter(tenant_id)?;
        let cached = self
            .entered
            .iter()
            .find(|e| e.tenant_id == tenant_id)
            .and_then(|e| e.tenant.clone());
        // The one copy of the row a caller gets; the transaction and the store's
        // cache share theirs.
        if let Some(tenant) = cached {
            return Ok(Tenant::clone(&tenant));
        }
        let tenant = tenants::by_id(self, tenant_id)?
            .ok_or_else(|| StoreError::not_found(ResourceKind::Tenant, tenant_id))?;
        self.mark_entered(tenant_id, Gate::Shared, Some(Arc::new(tenant.clone())));
        Ok(tenant)
    }
}

/// A tenant whose write gate a transaction holds.
pub(super) struct Entered {
    tenant_id: String,
    gate: Gate,
    /// The row as this transaction sees it, when known: nobody else can change it
    /// while the gate is held.
    tenant: Option<Arc<Tenant>>,
}
