//! Which of the two SCIM resource kinds a query or a filter document is about.

use scim_proto::schema::{GROUP_RESOURCE, ResourceType, USER_RESOURCE};

/// Users or groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
}

impl Kind {
    /// The table alias used in every query.
    pub(crate) fn alias(self) -> &'static str {
        match self {
            Kind::User => "u",
            Kind::Group => "g",
        }
    }

    pub(crate) fn table(self) -> &'static str {
        match self {
            Kind::User => "users",
            Kind::Group => "groups",
        }
    }

    pub(crate) fn resource_type(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
        }
    }

    pub(crate) fn rt(self) -> &'static ResourceType {
        match self {
            Kind::User => &USER_RESOURCE,
            Kind::Group => &GROUP_RESOURCE,
        }
    }
}
