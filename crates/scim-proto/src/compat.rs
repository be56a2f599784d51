//! Named leniencies for what real provisioning clients send.
//!
//! RFC 7644 is strict about shapes that Microsoft Entra ID and Okta do not always
//! respect (see `docs/ARCHITECTURE.md`, "Client compatibility"). Each leniency the
//! crate applies is one [`CompatRule`] variant, documented here, and every function
//! that may apply one records it in a [`CompatReport`]. The server stores the report
//! with the request, so "what did the client send and how did we read it" has an
//! answer.

use serde::{Serialize, Serializer};

macro_rules! compat_rules {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal, )*) => {
        /// One leniency towards a client deviation from RFC 7643/7644.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum CompatRule {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl CompatRule {
            /// Every rule, in declaration order.
            pub const ALL: &'static [CompatRule] = &[$(CompatRule::$variant),*];

            /// Stable kebab-case name, used in logs and the event log.
            pub fn name(self) -> &'static str {
                match self { $(CompatRule::$variant => $name,)* }
            }

            /// The rule with this [`name`](CompatRule::name), as the event log records it.
            pub fn from_name(name: &str) -> Option<CompatRule> {
                CompatRule::ALL.iter().copied().find(|rule| rule.name() == name)
            }

            /// What the rule accepts and how it is read, for humans.
            pub fn description(self) -> &'static str {
                match self { $(CompatRule::$variant => concat!($($doc),*).trim_ascii(),)* }
            }
        }
    };
}

compat_rules! {
    /// PATCH `op` names in any letter case (`Replace`, `ADD`), as Entra's legacy dialect sends them.
    CaseInsensitiveOp = "case-insensitive-op",
    /// The strings "true"/"false" in any letter case accepted where the schema says boolean (Entra sends `"False"`).
    BooleanString = "boolean-string",
    /// A path-less add/replace whose value object has dotted keys (`"name.givenName"`), read as attribute paths.
    DottedPathlessKey = "dotted-pathless-key",
    /// A path-less add/replace whose value object has URN-qualified keys, read as extension attribute paths.
    UrnPathlessKey = "urn-pathless-key",
    /// `manager` sent as a bare id string, read as `{"value": id}`.
    ManagerBareString = "manager-bare-string",
    /// `manager` sent as a one-element array (legacy Entra documentation), read as its element.
    ManagerArray = "manager-array",
    /// `manager` set to the empty string, read as removing the manager.
    ManagerEmptyRemoves = "manager-empty-removes",
    /// `remove` on a multi-valued attribute with a `value` array removes only the listed values (Entra's legacy member removal).
    RemoveByValueArray = "remove-by-value-array",
    /// A filtered add/replace path that matches no element creates one from the filter's `eq` terms (`phoneNumbers[type eq "mobile"].value`).
    CreateFilteredElement = "create-filtered-element",
    /// A one-element array sent for a single-valued attribute, read as its element.
    SingleElementArray = "single-element-array",
    /// A `null` attribute value, read as the attribute being absent (on PATCH add/replace: removed).
    NullAsAbsent = "null-as-absent",
    /// Read-only attributes sent by the client (`meta`, `id`, `groups`, member `display`) ignored, as RFC 7643 section 7 allows.
    ReadOnlyIgnored = "read-only-ignored",
    /// Schema URIs this server does not know (e.g. Microsoft's ADSCIM group schema) ignored in `schemas`.
    UnknownSchemaIgnored = "unknown-schema-ignored",
    /// Attributes no schema defines ignored in lenient mode (e.g. the misspelled `adreses` of Microsoft's test suite).
    UnknownAttributeIgnored = "unknown-attribute-ignored",
    /// A resource without `schemas` accepted as the endpoint's resource type.
    MissingSchemas = "missing-schemas",
    /// An unquoted number compared with a string attribute (`employeeNumber eq 42`), read as its text. (Unquoted words are outside the grammar and refused.)
    UnquotedFilterValue = "unquoted-filter-value",
    /// An extension attribute named without its URN (`department`), resolved when exactly one extension defines it.
    UnqualifiedExtensionAttribute = "unqualified-extension-attribute",
    /// Group member ids that name no user of the tenant, ignored instead of failing the whole request (the rest of the membership change applies).
    UnknownMemberIgnored = "unknown-member-ignored",
    /// A PATCH value that is a JSON string holding an object where the schema wants an object (Entra's legacy `roles`), decoded.
    JsonEncodedObject = "json-encoded-object",
}

/// The set of [`CompatRule`]s applied while reading one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CompatReport {
    bits: u32,
}

impl CompatReport {
    /// An empty report.
    pub const fn new() -> CompatReport {
        CompatReport { bits: 0 }
    }

    /// Records that `rule` was applied.
    pub fn note(&mut self, rule: CompatRule) {
        self.bits |= 1 << (rule as u8);
    }

    /// Whether `rule` was applied.
    pub fn contains(&self, rule: CompatRule) -> bool {
        self.bits & (1 << (rule as u8)) != 0
    }

    /// Whether no rule was applied.
    pub fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// Adds every rule of `other`.
    pub fn merge(&mut self, other: CompatReport) {
        self.bits |= other.bits;
    }

    /// The applied rules, in declaration order.
    pub fn rules(&self) -> impl Iterator<Item = CompatRule> + '_ {
        CompatRule::ALL
            .iter()
            .copied()
            .filter(|r| self.contains(*r))
    }

    /// The applied rules' names.
    pub fn names(&self) -> Vec<&'static str> {
        self.rules().map(CompatRule::name).collect()
    }
}

impl Serialize for CompatReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.rules().map(CompatRule::name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_distinct_name_and_a_description() {
        let mut names: Vec<_> = CompatRule::ALL.iter().map(|r| r.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CompatRule::ALL.len());
        assert!(CompatRule::ALL.len() <= 32, "the report is a u32 bit set");
        for rule in CompatRule::ALL {
            assert!(
                rule.description().len() > 20,
                "{rule:?} needs a description"
            );
            assert_eq!(CompatRule::from_name(rule.name()), Some(*rule));
        }
        assert_eq!(CompatRule::from_name("no-such-rule"), None);
    }

    #[test]
    fn report_records_and_lists_rules_in_order() {
        let mut report = CompatReport::new();
        assert!(report.is_empty());
        report.note(CompatRule::ManagerBareString);
        report.note(CompatRule::BooleanString);
        report.note(CompatRule::BooleanString);
        assert_eq!(
            report.names(),
            vec!["boolean-string", "manager-bare-string"]
        );
        assert_eq!(
            serde_json::to_string(&report).unwrap(),
            r#"["boolean-string","manager-bare-string"]"#
        );
    }
}
