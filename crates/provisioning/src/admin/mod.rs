//! Admin use cases, one module per resource of the admin API: tenants, tokens,
//! settings, the role catalogue, rule sets (with dry runs), role locks, users
//! (the sub-accounts list and explanations), groups (as rules see them), the
//! event log and the disabled-users report.

mod catalogue;
mod event_log;
mod groups;
mod locks;
mod reports;
mod rules;
mod settings;
mod tenants;
mod tokens;
mod users;

pub use event_log::EventInfo;
pub use groups::GroupInfo;
pub use locks::LockInfo;
pub use reports::{DisabledPage, DisabledUser, MAX_REPORT_PAGE};
pub use rules::{
    MAX_PREVIEW_PAGE, PreviewChunk, PreviewEntries, PreviewPage, RulesEdit, RulesOutcome,
};
pub use tenants::{CreatedTenant, TenantInfo};
pub use tokens::{IssuedTokenInfo, TokenInfo};
pub use users::{SubAccount, SubAccountPage, SubAccountQuery};
