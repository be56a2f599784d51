//! Tenant settings.

use scim_store::TenantUpdate;

use crate::context::RequestContext;
use crate::error::Result;
use crate::service::Provisioning;
use crate::tenant::{TenantContext, TenantSettings};

use super::tenants::change_tenant;
use crate::events::{Recorder, TenantPart};

impl Provisioning {
    /// Replaces a tenant's settings.
    pub fn set_settings(
        &self,
        tenant: &TenantContext,
        ctx: &RequestContext,
        settings: TenantSettings,
    ) -> Result<TenantSettings> {
        let now = self.now();
        let value = serde_json::to_value(&settings)?;
        let before = serde_json::to_value(&tenant.settings)?;
        self.write(|tx| {
            let update = TenantUpdate {
                settings: Some(value.clone()),
                ..TenantUpdate::default()
            };
            change_tenant(
                tx,
                &Recorder::new(&tenant.id, ctx, now),
                &update,
                TenantPart::Settings,
                &before,
                &value,
            )?;
            Ok(())
        })?;
        Ok(settings)
    }
}
