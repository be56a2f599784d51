//! Resources in canonical form shared by the integration tests.

use serde_json::{Value, json};

pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(crate) const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A provisioned user as Entra ID leaves it, plus an attribute of an unknown extension.
pub(crate) fn user() -> Value {
    json!({
        "schemas": [CORE_USER, ENTERPRISE],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "4f8b1c2e-0d3a-4c5b-9e6f-7a8b9c0d1e2f",
        "meta": {
            "resourceType": "User",
            "created": "2024-02-01T09:30:00Z",
            "lastModified": "2024-06-11T17:02:44.125+02:00",
            "location": "https://scim.example.com/scim/v2/contoso/Users/2819c223-7f76-453a-919d-413861904646",
            "version": "W/\"7\""
        },
        "userName": "alice@contoso.com",
        "name": {"givenName": "Alice", "familyName": "Andersson", "formatted": "Alice Andersson"},
        "displayName": "Alice Andersson",
        "title": "Technician",
        "active": true,
        "preferredLanguage": "sv-SE",
        "emails": [
            {"value": "alice@contoso.com", "type": "work", "primary": true},
            {"value": "alice.andersson@example.org", "type": "home"}
        ],
        "phoneNumbers": [{"value": "+46 8 123 456", "type": "work"}],
        "addresses": [{"type": "work", "locality": "Stockholm", "country": "SE", "primary": true}],
        ENTERPRISE: {
            "employeeNumber": "10042",
            "department": "IT",
            "costCenter": "CC-7",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        },
        "urn:example:params:scim:schemas:extension:acme:1.0:User": {
            "level": 7,
            "score": 2.5,
            "tags": ["alpha", "beta"]
        }
    })
}
