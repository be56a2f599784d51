//! Admin use cases, one module per resource of the admin API: tenants, tokens,
//! admin tokens,
//! settings, the role catalogue, rule sets (with dry runs), role locks, users
//! (the sub-accounts list and explanations), groups (as rules see them), the
//! event log (and its newest-first reading, the activity) and the
//! disabled-users report.

mod activity;
mod admin_tokens;
mod catalogue;
mod event_log;
mod filter_check;
mod groups;
mod locks;
mod reports;
mod rule_edits;
mod rules;
mod settings;
mod tenants;
mod tokens;
mod user_detail;
mod users;
mod versions;

pub use activity::{ActivityEntry, ActivityPage, ActivityQuery, AppliedCompat, Named};
pub use admin_tokens::{AdminTokenInfo, IssuedAdminToken};
pub use event_log::{EventInfo, EventLogPage, EventQuery, MAX_EVENT_PAGE};
pub use filter_check::rule_filter_problem;
pub use groups::{GroupDeletionPreview, GroupInfo, GroupPage};
pub use locks::{LockInfo, LockRefused, LockRequest, lock_version};
pub use reports::{DisabledPage, DisabledUser, MAX_REPORT_PAGE};
pub use rule_edits::{PositionedRule, RuleEdit, RuleEditOutcome};
pub use rules::{
    MAX_PREVIEW_PAGE, PreviewChunk, PreviewEntries, PreviewPage, RulesEdit, RulesOutcome, RulesRun,
};
pub use tenants::{CreatedTenant, TenantInfo, TenantRename};
pub use tokens::{IssuedTokenInfo, TokenInfo};
pub use user_detail::UserDetail;
pub use users::{
    MemberOf, SortDirection, SubAccount, SubAccountPage, SubAccountQuery, SubAccountSort,
    SubAccountStatus,
};
pub use versions::part_version;
