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

pub use event_log::{EventInfo, EventLogPage, EventQuery, MAX_EVENT_PAGE};
pub use groups::{GroupInfo, GroupPage};
pub use locks::LockInfo;
pub use reports::DisabledUser;
pub use rules::RulesOutcome;
pub use tenants::{CreatedTenant, TenantInfo};
pub use tokens::{IssuedTokenInfo, TokenInfo};
pub use users::{
    MemberOf, SortDirection, SubAccount, SubAccountPage, SubAccountQuery, SubAccountSort,
    SubAccountStatus,
};
