//! Weak ETags from resource versions, and the `If-Match` / `If-None-Match` preconditions.

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderName};

/// The ETag of a resource version: `W/"<version>"`, the same text as `meta.version`.
pub fn etag(version: i64) -> String {
    provisioning::render::version_tag(version)
}

/// A parsed `If-Match` or `If-None-Match` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `*`: any current version.
    Any,
    /// A list of entity tags, reduced to the versions they name (tags that are not
    /// ours match nothing).
    Versions(Vec<i64>),
}

impl Precondition {
    /// Whether the resource at `version` satisfies the tag list (weak comparison).
    pub fn matches(&self, version: i64) -> bool {
        match self {
            Precondition::Any => true,
            Precondition::Versions(versions) => versions.contains(&version),
        }
    }

    /// The versions to require from storage: `None` for `*` (any version).
    pub fn expected_versions(self) -> Option<Vec<i64>> {
        match self {
            Precondition::Any => None,
            Precondition::Versions(v) => Some(v),
        }
    }

    /// Parses an entity-tag list (`If-Match`, `If-None-Match`, a bulk operation's
    /// `version`); tags that are not ours name no version.
    pub fn parse(value: &str) -> Precondition {
        parse(value)
    }
}

fn parse(value: &str) -> Precondition {
    if value.trim() == "*" {
        return Precondition::Any;
    }
    let versions = value
        .split(',')
        .filter_map(|tag| {
            let tag = tag.trim();
            let tag = tag.strip_prefix("W/").unwrap_or(tag);
            tag.trim_matches('"').parse::<i64>().ok()
        })
        .collect();
    Precondition::Versions(versions)
}

fn read(req: &HttpRequest, name: HeaderName) -> Option<Precondition> {
    let values: Vec<&str> = req
        .headers()
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| parse(&values.join(",")))
}

/// The request's `If-Match`, if any.
pub fn if_match(req: &HttpRequest) -> Option<Precondition> {
    read(req, header::IF_MATCH)
}

/// The request's `If-None-Match`, if any.
pub fn if_none_match(req: &HttpRequest) -> Option<Precondition> {
    read(req, header::IF_NONE_MATCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_and_compare_weakly() {
        assert_eq!(etag(3), "W/\"3\"");
        assert_eq!(parse("*"), Precondition::Any);
        let p = parse("W/\"3\", \"4\" , W/\"other\"");
        assert_eq!(p, Precondition::Versions(vec![3, 4]));
        assert!(p.matches(3) && p.matches(4) && !p.matches(5));
        assert_eq!(parse("\"7\"").expected_versions(), Some(vec![7]));
        assert!(!parse("garbage").matches(1));
    }
}
