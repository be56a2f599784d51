//! The built-in schema definitions: the common attributes, core User, Enterprise
//! User and core Group, with the characteristics RFC 7643 section 8.7 gives them.
//!
//! Deliberate choices beyond the RFC text:
//! - Group `displayName` is required and unique per tenant (case-insensitively):
//!   Entra ID matches groups by it and the RFC leaves uniqueness to the provider.
//! - Group `members` has a read-only `display` sub-attribute, filled from the
//!   member's own `displayName` when read.

use super::{
    AttributeDef as A, AttributeType as T, ENTERPRISE_USER_URN, GROUP_URN, Mutability as M,
    ResourceType, Returned as R, Schema, SchemaExtension, USER_URN, Uniqueness as U,
};

/// `id`, `externalId` and `meta`: present on every resource type (RFC 7643 section 3.1).
pub static COMMON_ATTRIBUTES: &[A] = &[
    A::string(
        "id",
        "Unique identifier of the resource, assigned by the service provider.",
    )
    .case_exact()
    .mutability(M::ReadOnly)
    .returned(R::Always)
    .uniqueness(U::Server),
    A::string(
        "externalId",
        "Identifier of the resource in the provisioning client's own system.",
    )
    .case_exact(),
    A::complex(
        "meta",
        "Resource metadata maintained by the service provider.",
        META_SUB,
    )
    .mutability(M::ReadOnly),
];

static META_SUB: &[A] = &[
    A::string("resourceType", "Name of the resource type.")
        .case_exact()
        .mutability(M::ReadOnly),
    A::of_type("created", T::DateTime, "When the resource was created.").mutability(M::ReadOnly),
    A::of_type(
        "lastModified",
        T::DateTime,
        "When the resource was last modified.",
    )
    .mutability(M::ReadOnly),
    A::reference("location", "URI of the resource.", &["uri"]).mutability(M::ReadOnly),
    A::string("version", "Version of the resource, as used in ETags.")
        .case_exact()
        .mutability(M::ReadOnly),
];

/// Sub-attributes shared by the plain multi-valued attributes (emails, phoneNumbers, ...).
const fn multi_sub(value: A, types: &'static [&'static str]) -> [A; 4] {
    [
        value,
        A::string("display", "Human-readable name, mainly for display."),
        A::string("type", "Label for the function of this value.").canonical(types),
        A::of_type(
            "primary",
            T::Boolean,
            "Whether this is the preferred value; true at most once.",
        ),
    ]
}

static EMAIL_SUB: &[A] = &multi_sub(
    A::string("value", "Email address, canonicalised per RFC 5321."),
    &["work", "home", "other"],
);
static PHONE_SUB: &[A] = &multi_sub(
    A::string("value", "Phone number, preferably in RFC 3966 form."),
    &["work", "home", "mobile", "fax", "pager", "other"],
);
static IM_SUB: &[A] = &multi_sub(
    A::string("value", "Instant messaging address."),
    &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
);
static PHOTO_SUB: &[A] = &multi_sub(
    A::reference("value", "URL of an image of the user.", &["external"]),
    &["photo", "thumbnail"],
);
static ENTITLEMENT_SUB: &[A] = &multi_sub(A::string("value", "The entitlement."), &[]);
static ROLE_SUB: &[A] = &multi_sub(A::string("value", "The role."), &[]);
static X509_SUB: &[A] = &multi_sub(
    A::of_type("value", T::Binary, "DER-encoded certificate, base64."),
    &[],
);

static NAME_SUB: &[A] = &[
    A::string("formatted", "Full name for display, including all parts."),
    A::string(
        "familyName",
        "Family name (last name in most Western languages).",
    ),
    A::string(
        "givenName",
        "Given name (first name in most Western languages).",
    ),
    A::string("middleName", "Middle name(s)."),
    A::string("honorificPrefix", "Honorific prefix, e.g. Ms."),
    A::string("honorificSuffix", "Honorific suffix, e.g. III."),
];

static ADDRESS_SUB: &[A] = &[
    A::string("formatted", "Full mailing address, formatted for display."),
    A::string("streetAddress", "Street address, possibly several lines."),
    A::string("locality", "City or locality."),
    A::string("region", "State or region."),
    A::string("postalCode", "Zip or postal code."),
    A::string("country", "Country, as an ISO 3166-1 alpha-2 code."),
    A::string("type", "Label for the function of this address.")
        .canonical(&["work", "home", "other"]),
    A::of_type(
        "primary",
        T::Boolean,
        "Whether this is the preferred address; true at most once.",
    ),
];

static USER_GROUP_SUB: &[A] = &[
    A::string("value", "Identifier of the group.").mutability(M::ReadOnly),
    A::reference("$ref", "URI of the group.", &["User", "Group"]).mutability(M::ReadOnly),
    A::string("display", "Name of the group.").mutability(M::ReadOnly),
    A::string("type", "How the user is a member: direct or indirect.")
        .canonical(&["direct", "indirect"])
        .mutability(M::ReadOnly),
];

static USER_ATTRIBUTES: &[A] = &[
    A::string("userName", "Unique identifier the user signs in with.")
        .required()
        .uniqueness(U::Server),
    A::complex("name", "The components of the user's name.", NAME_SUB),
    A::string("displayName", "Name of the user for display."),
    A::string("nickName", "Casual name of the user."),
    A::reference(
        "profileUrl",
        "URL of the user's online profile.",
        &["external"],
    ),
    A::string("title", "The user's title, e.g. Vice President."),
    A::string(
        "userType",
        "Relationship to the organisation, e.g. Employee or Contractor.",
    ),
    A::string(
        "preferredLanguage",
        "Preferred language, as an Accept-Language value.",
    ),
    A::string("locale", "Default location for localisation, e.g. en-US."),
    A::string(
        "timezone",
        "Time zone in the Olson database format, e.g. Europe/Paris.",
    ),
    A::of_type(
        "active",
        T::Boolean,
        "Whether the user's account is active.",
    ),
    A::string(
        "password",
        "Clear-text password; write-only and never returned.",
    )
    .case_exact()
    .mutability(M::WriteOnly)
    .returned(R::Never),
    A::complex("emails", "Email addresses of the user.", EMAIL_SUB).multi(),
    A::complex("phoneNumbers", "Phone numbers of the user.", PHONE_SUB).multi(),
    A::complex("ims", "Instant messaging addresses of the user.", IM_SUB).multi(),
    A::complex("photos", "URLs of images of the user.", PHOTO_SUB).multi(),
    A::complex(
        "addresses",
        "Physical mailing addresses of the user.",
        ADDRESS_SUB,
    )
    .multi(),
    A::complex(
        "groups",
        "Groups the user belongs to, maintained by the service provider.",
        USER_GROUP_SUB,
    )
    .multi()
    .mutability(M::ReadOnly),
    A::complex("entitlements", "Entitlements of the user.", ENTITLEMENT_SUB).multi(),
    A::complex(
        "roles",
        "Roles of the user, as sent by the client.",
        ROLE_SUB,
    )
    .multi(),
    A::complex(
        "x509Certificates",
        "Certificates issued to the user.",
        X509_SUB,
    )
    .multi(),
];

/// The core User schema (RFC 7643 section 4.1).
pub static USER_SCHEMA: Schema = Schema {
    id: USER_URN,
    name: "User",
    description: "User Account",
    attributes: USER_ATTRIBUTES,
};

static MANAGER_SUB: &[A] = &[
    A::string("value", "The id of the manager's User resource.").case_exact(),
    A::reference("$ref", "URI of the manager's User resource.", &["User"]),
    A::string("displayName", "Display name of the manager.").mutability(M::ReadOnly),
];

static ENTERPRISE_ATTRIBUTES: &[A] = &[
    A::string("employeeNumber", "Identifier assigned by the organisation."),
    A::string("costCenter", "Name of a cost center."),
    A::string("organization", "Name of an organisation."),
    A::string("division", "Name of a division."),
    A::string("department", "Name of a department."),
    A::complex("manager", "The user's manager.", MANAGER_SUB),
];

/// The Enterprise User extension (RFC 7643 section 4.3).
pub static ENTERPRISE_USER_SCHEMA: Schema = Schema {
    id: ENTERPRISE_USER_URN,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: ENTERPRISE_ATTRIBUTES,
};

static MEMBER_SUB: &[A] = &[
    A::string("value", "Identifier of the member.")
        .case_exact()
        .mutability(M::Immutable),
    A::reference("$ref", "URI of the member.", &["User", "Group"]).mutability(M::Immutable),
    A::string("display", "Display name of the member.").mutability(M::ReadOnly),
    A::string("type", "Resource type of the member.")
        .canonical(&["User", "Group"])
        .mutability(M::Immutable),
];

static GROUP_ATTRIBUTES: &[A] = &[
    A::string("displayName", "Name of the group, unique per tenant.")
        .required()
        .uniqueness(U::Server),
    A::complex("members", "Members of the group.", MEMBER_SUB).multi(),
];

/// The core Group schema (RFC 7643 section 4.2).
pub static GROUP_SCHEMA: Schema = Schema {
    id: GROUP_URN,
    name: "Group",
    description: "Group",
    attributes: GROUP_ATTRIBUTES,
};

/// The `User` resource type with the Enterprise User extension.
pub static USER_RESOURCE: ResourceType = ResourceType {
    name: "User",
    endpoint: "/Users",
    description: "User Account",
    schema: &USER_SCHEMA,
    extensions: &[SchemaExtension {
        schema: &ENTERPRISE_USER_SCHEMA,
        required: false,
    }],
};

/// The `Group` resource type.
pub static GROUP_RESOURCE: ResourceType = ResourceType {
    name: "Group",
    endpoint: "/Groups",
    description: "Group",
    schema: &GROUP_SCHEMA,
    extensions: &[],
};
