//! Schema definitions as data (RFC 7643 section 7) and attribute-name resolution.
//!
//! The definitions of the core User, Enterprise User and Group schemas live in
//! [`builtin`] as `static` data. Everything schema-aware in this crate (input
//! normalisation, filter evaluation, PATCH, projection, the discovery documents)
//! reads them through [`ResourceType`], so a rule such as "`userName` is
//! case-insensitive" is written once, here.

pub mod builtin;
mod render;

pub use builtin::{
    COMMON_ATTRIBUTES, ENTERPRISE_USER_SCHEMA, GROUP_RESOURCE, GROUP_SCHEMA, USER_RESOURCE,
    USER_SCHEMA,
};
pub use render::{ServiceProviderConfig, resource_type_document, schema_document};

use serde::{Deserialize, Serialize};

/// URN of the core User schema.
pub const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the Enterprise User extension.
pub const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// URN of the core Group schema.
pub const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The data type of an attribute (RFC 7643 section 2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    /// A sequence of Unicode characters.
    String,
    /// `true` or `false`.
    Boolean,
    /// A real number.
    Decimal,
    /// A whole number.
    Integer,
    /// An `xsd:dateTime` (RFC 3339 profile) string.
    DateTime,
    /// Base64-encoded bytes.
    Binary,
    /// A URI naming another resource.
    Reference,
    /// An object made of sub-attributes.
    Complex,
}

/// Whether and how an attribute may be written (RFC 7643 section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// Set by the service provider only; client values are ignored.
    ReadOnly,
    /// May be set and changed by the client.
    ReadWrite,
    /// May be set once (at creation or while empty), never changed.
    Immutable,
    /// May be set but is never returned.
    WriteOnly,
}

/// When an attribute appears in responses (RFC 7643 section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// Always returned, whatever `attributes` / `excludedAttributes` say.
    Always,
    /// Never returned.
    Never,
    /// Returned unless excluded.
    Default,
    /// Returned only when named in `attributes`.
    Request,
}

/// How the service provider enforces uniqueness (RFC 7643 section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// No uniqueness is enforced.
    None,
    /// Unique within the service provider (for us: within a tenant).
    Server,
    /// Globally unique.
    Global,
}

/// One attribute definition with all characteristics RFC 7643 section 7 lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeDef {
    /// Canonical name, e.g. `userName`.
    pub name: &'static str,
    /// Data type.
    pub ty: AttributeType,
    /// Whether the attribute holds an array of values.
    pub multi_valued: bool,
    /// Human description, rendered in `/Schemas`.
    pub description: &'static str,
    /// Whether a resource must carry a value.
    pub required: bool,
    /// Whether string comparisons are case-sensitive.
    pub case_exact: bool,
    /// Write rules.
    pub mutability: Mutability,
    /// Response rules.
    pub returned: Returned,
    /// Uniqueness rules.
    pub uniqueness: Uniqueness,
    /// Suggested values (for `type` sub-attributes and similar).
    pub canonical_values: &'static [&'static str],
    /// For references: which resource types (or `external`, `uri`) they point to.
    pub reference_types: &'static [&'static str],
    /// For complex attributes: the sub-attributes.
    pub sub_attributes: &'static [AttributeDef],
}

impl AttributeDef {
    /// A single-valued, optional, case-insensitive, read-write string: the most common shape.
    pub const fn string(name: &'static str, description: &'static str) -> AttributeDef {
        AttributeDef {
            name,
            ty: AttributeType::String,
            multi_valued: false,
            description,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
        }
    }

    /// Same defaults as [`AttributeDef::string`] with another type.
    pub const fn of_type(
        name: &'static str,
        ty: AttributeType,
        description: &'static str,
    ) -> AttributeDef {
        let mut def = AttributeDef::string(name, description);
        def.ty = ty;
        def
    }

    /// A complex attribute with the given sub-attributes.
    pub const fn complex(
        name: &'static str,
        description: &'static str,
        sub_attributes: &'static [AttributeDef],
    ) -> AttributeDef {
        let mut def = AttributeDef::of_type(name, AttributeType::Complex, description);
        def.sub_attributes = sub_attributes;
        def
    }

    /// A reference to resources of the given types.
    pub const fn reference(
        name: &'static str,
        description: &'static str,
        reference_types: &'static [&'static str],
    ) -> AttributeDef {
        let mut def = AttributeDef::of_type(name, AttributeType::Reference, description);
        def.reference_types = reference_types;
        def.case_exact = true;
        def
    }

    /// Marks the attribute multi-valued.
    pub const fn multi(mut self) -> AttributeDef {
        self.multi_valued = true;
        self
    }

    /// Marks the attribute required.
    pub const fn required(mut self) -> AttributeDef {
        self.required = true;
        self
    }

    /// Marks string comparisons case-sensitive.
    pub const fn case_exact(mut self) -> AttributeDef {
        self.case_exact = true;
        self
    }

    /// Sets the mutability.
    pub const fn mutability(mut self, mutability: Mutability) -> AttributeDef {
        self.mutability = mutability;
        self
    }

    /// Sets the returned characteristic.
    pub const fn returned(mut self, returned: Returned) -> AttributeDef {
        self.returned = returned;
        self
    }

    /// Sets the uniqueness.
    pub const fn uniqueness(mut self, uniqueness: Uniqueness) -> AttributeDef {
        self.uniqueness = uniqueness;
        self
    }

    /// Sets the canonical values.
    pub const fn canonical(mut self, values: &'static [&'static str]) -> AttributeDef {
        self.canonical_values = values;
        self
    }

    /// Finds a sub-attribute by name, ignoring ASCII case.
    pub fn sub_attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        find(self.sub_attributes, name)
    }

    /// Whether clients may write this attribute at all.
    pub fn is_read_only(&self) -> bool {
        self.mutability == Mutability::ReadOnly
    }
}

/// A schema: its URN and its top-level attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    /// The schema URN, e.g. [`USER_URN`].
    pub id: &'static str,
    /// Human name, e.g. `User`.
    pub name: &'static str,
    /// Human description.
    pub description: &'static str,
    /// Top-level attributes (excluding the common `id`, `externalId` and `meta`).
    pub attributes: &'static [AttributeDef],
}

impl Schema {
    /// Finds a top-level attribute by name, ignoring ASCII case.
    pub fn attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        find(self.attributes, name)
    }
}

/// A schema extension of a resource type, e.g. the Enterprise User extension of User.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaExtension {
    /// The extension's schema.
    pub schema: &'static Schema,
    /// Whether every resource must carry the extension.
    pub required: bool,
}

/// A resource type (RFC 7643 section 6): endpoint, core schema and extensions.
///
/// Host applications that need a custom extension schema can build a `ResourceType`
/// from leaked (`Box::leak`) definitions; the built-ins are [`USER_RESOURCE`] and
/// [`GROUP_RESOURCE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    /// Resource type id and name, e.g. `User`.
    pub name: &'static str,
    /// Endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: &'static str,
    /// Human description.
    pub description: &'static str,
    /// The core schema.
    pub schema: &'static Schema,
    /// Known extensions.
    pub extensions: &'static [SchemaExtension],
}

/// Where a resolved top-level attribute lives inside a resource document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Container {
    /// At the top level of the resource (core schema and common attributes).
    Top,
    /// Inside the object keyed by the URN of a known extension.
    Extension(&'static Schema),
    /// Inside the object keyed by an extension URN this server has no definition for.
    /// Its data is kept as sent; comparisons use the JSON types found.
    UnknownExtension(String),
}

impl Container {
    /// The JSON key of the extension object, if the attribute lives in one.
    pub fn extension_key(&self) -> Option<&str> {
        match self {
            Container::Top => None,
            Container::Extension(schema) => Some(schema.id),
            Container::UnknownExtension(urn) => Some(urn),
        }
    }
}

/// A top-level attribute resolved against a resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedAttribute {
    /// Where it lives.
    pub container: Container,
    /// Its definition, or `None` in an unknown extension.
    pub def: Option<&'static AttributeDef>,
    /// The canonical name (the definition's name, or the name as written in an unknown extension).
    pub name: String,
}

/// What a URN-qualified or plain attribute name refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A single attribute.
    Attribute(ResolvedAttribute),
    /// A whole extension object, e.g. the path `urn:...:enterprise:2.0:User`.
    WholeExtension(Container),
}

impl ResourceType {
    /// All schema URNs of this type, core first.
    pub fn schema_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.schema.id).chain(self.extensions.iter().map(|e| e.schema.id))
    }

    /// The known extension with this URN (ASCII case ignored).
    pub fn extension(&self, urn: &str) -> Option<&'static Schema> {
        self.extensions
            .iter()
            .map(|e| e.schema)
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Whether `urn` continues a known schema's URN (`...:2.0:User:x`): no
    /// unknown extension may be named so, as its attributes would read back as
    /// the attribute `x` of that schema.
    fn is_under_known_schema(&self, urn: &str) -> bool {
        std::iter::once(self.schema)
            .chain(self.extensions.iter().map(|e| e.schema))
            .any(|schema| {
                urn.get(..schema.id.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(schema.id))
                    && urn.as_bytes().get(schema.id.len()) == Some(&b':')
            })
    }

    /// Whether `urn` names the core schema or a known extension.
    pub fn knows_schema(&self, urn: &str) -> bool {
        self.schema.id.eq_ignore_ascii_case(urn) || self.extension(urn).is_some()
    }

    /// A common attribute (`id`, `externalId`, `meta`) or core attribute by name.
    pub fn core_attribute(&self, name: &str) -> Option<&'static AttributeDef> {
        find(COMMON_ATTRIBUTES, name).or_else(|| self.schema.attribute(name))
    }

    /// Resolves an attribute name, optionally qualified by a schema URN.
    ///
    /// Without a URN the core schema and the common attributes are searched first;
    /// if neither has the name but exactly one known extension does, that extension
    /// attribute is returned (a leniency some clients rely on, e.g. `department`).
    /// With an unknown `urn:` prefix the attribute is resolved into an unknown
    /// extension whose data is kept but not typed. Returns `None` for names that
    /// exist nowhere.
    pub fn resolve(&self, urn: Option<&str>, name: &str) -> Option<Resolution> {
        match urn {
            None => {
                if let Some(def) = self.core_attribute(name) {
                    return Some(Resolution::Attribute(ResolvedAttribute {
                        container: Container::Top,
                        def: Some(def),
                        name: def.name.to_owned(),
                    }));
                }
                let mut found = self
                    .extensions
                    .iter()
                    .filter_map(|e| e.schema.attribute(name).map(|d| (e.schema, d)));
                match (found.next(), found.next()) {
                    (Some((schema, def)), None) => Some(Resolution::Attribute(ResolvedAttribute {
                        container: Container::Extension(schema),
                        def: Some(def),
                        name: def.name.to_owned(),
                    })),
                    _ => None,
                }
            }
            Some(urn) => {
                // `urn:...:enterprise:2.0` + `User` may be the whole extension.
                let whole = format!("{urn}:{name}");
                if let Some(schema) = self.extension(&whole) {
                    return Some(Resolution::WholeExtension(Container::Extension(schema)));
                }
                if self.schema.id.eq_ignore_ascii_case(urn) {
                    let def = self.core_attribute(name)?;
                    return Some(Resolution::Attribute(ResolvedAttribute {
                        container: Container::Top,
                        def: Some(def),
                        name: def.name.to_owned(),
                    }));
                }
                if let Some(schema) = self.extension(urn) {
                    let def = schema.attribute(name)?;
                    return Some(Resolution::Attribute(ResolvedAttribute {
                        container: Container::Extension(schema),
                        def: Some(def),
                        name: def.name.to_owned(),
                    }));
                }
                if !is_urn(urn) || self.is_under_known_schema(urn) {
                    return None;
                }
                Some(Resolution::Attribute(ResolvedAttribute {
                    container: Container::UnknownExtension(urn.to_owned()),
                    def: None,
                    name: name.to_owned(),
                }))
            }
        }
    }
}

/// Whether a string looks like a URN (`urn:` followed by something).
pub fn is_urn(s: &str) -> bool {
    s.len() > 4 && s.as_bytes()[..4].eq_ignore_ascii_case(b"urn:")
}

/// Finds an attribute by name in a list, ignoring ASCII case.
pub fn find(attributes: &'static [AttributeDef], name: &str) -> Option<&'static AttributeDef> {
    attributes
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}
