//! Typed views of the User (RFC 7643 section 4.1), Enterprise User (section 4.3)
//! and Group (section 4.2) resources, for applications that prefer structs to JSON.
//!
//! They (de)serialise the canonical form (see [`crate::normalize`]): read a
//! client's JSON with [`normalize_resource`](crate::normalize::normalize_resource)
//! first, then convert with [`User::from_json`]. Extension objects this crate has
//! no schema for are kept in `extensions`, so nothing a client sent is dropped.
//!
//! ```
//! use scim_proto::resource::User;
//! use serde_json::json;
//!
//! let user = User::from_json(&json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "bjensen",
//!     "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
//!     "urn:example:params:scim:schemas:extension:Pets:2.0:User": {"pet": "cat"}
//! }))?;
//! assert_eq!(user.user_name, "bjensen");
//! assert_eq!(user.emails[0].kind.as_deref(), Some("work"));
//! assert!(user.extensions.contains_key("urn:example:params:scim:schemas:extension:Pets:2.0:User"));
//! # Ok::<(), scim_proto::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// `meta` (RFC 7643 section 3.1).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// Resource type name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Creation time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// Last modification time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// URI of the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Version (ETag value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `name`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    /// Full name for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Middle name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Honorific prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    /// Honorific suffix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
}

/// One value of `emails`, `phoneNumbers`, `ims`, `photos`, `entitlements`,
/// `roles` or `x509Certificates`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MultiValue {
    /// The value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Display form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// Label, e.g. `work`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Preferred value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

/// One value of `addresses`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Full address for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Street.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Label, e.g. `work`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Preferred address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

/// A reference to a group or member: `groups` of a User, `members` of a Group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reference {
    /// Id of the referenced resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// URI of the referenced resource.
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Display name of the referenced resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// `User`/`Group` for members, `direct`/`indirect` for a user's groups.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// `manager` of the Enterprise User extension.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manager {
    /// Id of the manager's User resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// URI of the manager's User resource.
    #[serde(rename = "$ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Display name of the manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// The Enterprise User extension.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnterpriseUser {
    /// Organisation-assigned identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    /// Cost center.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    /// Organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Division.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Manager>,
}

/// A User resource with every core attribute.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Schema URNs.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Server-assigned id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Client's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Sign-in name, unique per tenant.
    pub user_name: String,
    /// Name components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Casual name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// Profile URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// User type, e.g. Employee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// Preferred language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    /// Locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Whether the account is active (absent means active).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Write-only password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Email addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<MultiValue>,
    /// Phone numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phone_numbers: Vec<MultiValue>,
    /// Instant messaging addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ims: Vec<MultiValue>,
    /// Photo URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<MultiValue>,
    /// Postal addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Groups the user belongs to (read-only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Reference>,
    /// Entitlements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<MultiValue>,
    /// Roles as sent by the client.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<MultiValue>,
    /// Certificates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub x509_certificates: Vec<MultiValue>,
    /// The Enterprise User extension.
    #[serde(
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub enterprise: Option<EnterpriseUser>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Extension objects this crate has no schema for, keyed by URN.
    #[serde(flatten)]
    pub extensions: BTreeMap<String, Value>,
}

/// A Group resource.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Schema URNs.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Server-assigned id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Client's id (for Entra ID, the group's object id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Name, unique per tenant.
    pub display_name: String,
    /// Members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Reference>,
    /// Metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Extension objects this crate has no schema for, keyed by URN.
    #[serde(flatten)]
    pub extensions: BTreeMap<String, Value>,
}

macro_rules! json_conversions {
    ($ty:ident) => {
        impl $ty {
            /// Reads a resource in canonical form.
            pub fn from_json(value: &Value) -> Result<$ty> {
                <$ty as Deserialize>::deserialize(value)
                    .map_err(|e| Error::InvalidValue(e.to_string()))
            }

            /// Writes the resource in canonical form.
            pub fn to_json(&self) -> Value {
                serde_json::to_value(self).unwrap_or(Value::Null)
            }
        }
    };
}

json_conversions!(User);
json_conversions!(Group);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::CompatReport;
    use crate::normalize::{NormalizeOptions, normalize_resource};
    use crate::schema::{ENTERPRISE_USER_URN, USER_RESOURCE};

    #[test]
    fn the_full_core_schema_round_trips_through_the_structs() {
        let input = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER_URN,
                        "urn:example:ext:1.0:User"],
            "externalId": "bj",
            "userName": "bjensen@example.com",
            "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen",
                     "givenName": "Barbara", "middleName": "Jane",
                     "honorificPrefix": "Ms.", "honorificSuffix": "III"},
            "displayName": "Babs Jensen",
            "nickName": "Babs",
            "profileUrl": "https://login.example.com/bjensen",
            "title": "Tour Guide",
            "userType": "Employee",
            "preferredLanguage": "en-US",
            "locale": "en-US",
            "timezone": "America/Los_Angeles",
            "active": true,
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
            "ims": [{"value": "someaimhandle", "type": "aim"}],
            "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"}],
            "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza",
                           "locality": "Hollywood", "region": "CA", "postalCode": "91608",
                           "country": "USA", "formatted": "100 Universal City Plaza", "primary": true}],
            "entitlements": [{"value": "Sales"}],
            "roles": [{"value": "Tour Guide", "primary": false}],
            "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
            ENTERPRISE_USER_URN: {"employeeNumber": "701984", "costCenter": "4130",
                                  "organization": "Universal Studios", "division": "Theme Park",
                                  "department": "Tour Operations",
                                  "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d",
                                              "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d"}},
            "urn:example:ext:1.0:User": {"badge": 7}
        });
        let canonical = normalize_resource(
            &input,
            &USER_RESOURCE,
            &NormalizeOptions::default(),
            &mut CompatReport::new(),
        )
        .unwrap();
        let user = User::from_json(&canonical).unwrap();
        assert_eq!(
            user.enterprise
                .as_ref()
                .and_then(|e| e.department.as_deref()),
            Some("Tour Operations")
        );
        assert_eq!(
            user.extensions["urn:example:ext:1.0:User"],
            json!({"badge": 7})
        );
        assert_eq!(user.to_json(), canonical);
    }

    #[test]
    fn a_user_without_user_name_is_an_error() {
        assert!(User::from_json(&json!({"schemas": []})).is_err());
    }
}
