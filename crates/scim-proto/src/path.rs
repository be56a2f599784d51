//! PATCH paths (RFC 7644 section 3.5.2): `attrPath` or `valuePath [subAttr]`.
//!
//! ```
//! use scim_proto::path::PatchPath;
//!
//! let p = PatchPath::parse(r#"members[value eq "2819c223"].display"#)?;
//! assert_eq!(p.attr.name, "members");
//! assert_eq!(p.attr.sub.as_deref(), Some("display"));
//! assert!(p.filter.is_some());
//! assert_eq!(p.to_string(), r#"members[value eq "2819c223"].display"#);
//! # Ok::<(), scim_proto::Error>(())
//! ```

use std::fmt::{self, Display, Formatter};

use crate::error::Result;
use crate::filter::{AttrPath, Filter};

/// A parsed PATCH path.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute, with the sub-attribute that follows a value filter if any
    /// (`emails[type eq "work"].value` has `name = emails`, `sub = value`).
    pub attr: AttrPath,
    /// The value filter selecting elements of a multi-valued attribute.
    pub filter: Option<Filter>,
}

impl PatchPath {
    /// Parses a path; errors are [`Error::InvalidPath`](crate::Error::InvalidPath).
    pub fn parse(input: &str) -> Result<PatchPath> {
        let (attr, filter) = crate::filter::parser::parse_patch_path(input)?;
        Ok(PatchPath { attr, filter })
    }
}

impl Display for PatchPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let AttrPath { urn, name, sub } = &self.attr;
        if let Some(urn) = urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(name)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn check(input: &str, printed: &str) {
        let path = PatchPath::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(path.to_string(), printed, "{input}");
        assert_eq!(PatchPath::parse(printed).unwrap(), path);
    }

    #[test]
    fn rfc_7644_path_examples() {
        // The path examples of RFC 7644 section 3.5.2.
        check("members", "members");
        check("name.familyName", "name.familyName");
        check(
            r#"addresses[type eq "work"]"#,
            r#"addresses[type eq "work"]"#,
        );
        check(
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
        );
        check(
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
        );
        check(
            r#"emails[type eq "work" and value ew "example.com"]"#,
            r#"emails[type eq "work" and value ew "example.com"]"#,
        );
    }

    #[test]
    fn urn_qualified_paths() {
        let p = PatchPath::parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        )
        .unwrap();
        assert_eq!(
            p.attr.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(p.attr.name, "manager");
        assert_eq!(p.attr.sub.as_deref(), Some("value"));
        check(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        );
    }

    #[test]
    fn bad_paths_are_invalid_path_errors() {
        for bad in [
            "",
            "   ",
            "emails[type eq \"work\"",
            "emails[type eq \"work\"] .value",
            "emails[type eq \"work\"]x",
            "name.givenName.x",
            "1abc",
            "emails[type eq]",
            "emails.value[type eq \"work\"]",
            "emails[type eq \"work\"] and x",
            "urn:foo:",
        ] {
            match PatchPath::parse(bad) {
                Err(Error::InvalidPath { .. }) => {}
                other => panic!("{bad:?}: expected invalidPath, got {other:?}"),
            }
        }
    }
}
