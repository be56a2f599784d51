//! SCIM list queries: parsing `filter`, `sortBy`, `sortOrder`, `startIndex`,
//! `count` and `cursor` into a store query.

use scim_proto::filter::{AttrPath, CompiledFilter, Filter, compile_with};
use scim_proto::messages::SortOrder;
use scim_proto::schema::ResourceType;
use scim_store::{ListQuery, Page, Paging, SortBy};
use serde_json::Value;

use crate::context::RequestContext;
use crate::error::{Error, Result};
use crate::service::Options;

/// A query as the client sent it (URL parameters or a `.search` body).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRequest {
    /// Filter text.
    pub filter: Option<String>,
    /// Attribute to sort by.
    pub sort_by: Option<String>,
    /// `ascending` / `descending`.
    pub sort_order: Option<String>,
    /// 1-based index of the first result.
    pub start_index: Option<i64>,
    /// Page size.
    pub count: Option<i64>,
    /// RFC 9865 cursor; `Some("")` asks for the first page of cursor paging.
    pub cursor: Option<String>,
    /// Whether to load membership attributes (`groups` / `members`).
    pub with_memberships: bool,
}

/// One page of results, ready to become a ListResponse.
#[derive(Debug, Clone, PartialEq)]
pub struct ListResult {
    /// Results over all pages.
    pub total: u64,
    /// `startIndex` of this page (index paging).
    pub start_index: Option<u64>,
    /// The resources of this page, unprojected.
    pub resources: Vec<Value>,
    /// RFC 9865 next cursor.
    pub next_cursor: Option<String>,
    /// RFC 9865 previous cursor.
    pub previous_cursor: Option<String>,
}

/// A parsed list request.
#[derive(Debug)]
pub(crate) struct ParsedQuery {
    pub(crate) filter: Option<CompiledFilter>,
    pub(crate) sort: Option<SortBy>,
    pub(crate) paging: Paging,
}

impl ParsedQuery {
    /// The store query; `base_url` is what `meta.location` and `$ref` values
    /// start with.
    pub(crate) fn store_query<'q>(&'q self, base_url: &'q str) -> ListQuery<'q> {
        ListQuery {
            filter: self.filter.as_ref(),
            sort: self.sort.as_ref(),
            paging: &self.paging,
            base_url: Some(base_url),
        }
    }

    /// The list result of a store `page` whose items became `resources`.
    pub(crate) fn result<T>(&self, page: Page<T>, resources: Vec<Value>) -> ListResult {
        ListResult {
            total: page.total,
            start_index: match self.paging {
                Paging::Index { start_index, .. } => Some(start_index.max(1)),
                Paging::Cursor { .. } => None,
            },
            resources,
            next_cursor: page.next_cursor,
            previous_cursor: page.previous_cursor,
        }
    }
}

pub(crate) fn parse(
    request: &ListRequest,
    rt: &ResourceType,
    options: &Options,
    ctx: &mut RequestContext,
) -> Result<ParsedQuery> {
    let filter = match request.filter.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            let parsed = Filter::parse(text)?;
            Some(compile_with(&parsed, rt, &mut ctx.compat)?)
        }
    };
    let sort = match request.sort_by.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            let path = AttrPath::parse(text).map_err(|e| {
                Error::Scim(scim_proto::Error::InvalidValue(format!("sortBy: {e}")))
            })?;
            let descending = match request.sort_order.as_deref() {
                None | Some("") => false,
                Some(order) => match SortOrder::parse(order) {
                    Some(SortOrder::Descending) => true,
                    Some(SortOrder::Ascending) => false,
                    None => {
                        return Err(Error::Scim(scim_proto::Error::InvalidValue(format!(
                            "sortOrder must be ascending or descending, not '{order}'"
                        ))));
                    }
                },
            };
            Some(SortBy { path, descending })
        }
    };
    // A negative count is read as 0 (RFC 7644 section 3.4.2.4); above the maximum, the maximum.
    let count = request
        .count
        .map_or(options.default_page_size, |c| u64::try_from(c).unwrap_or(0))
        .min(options.max_page_size);
    let paging = match &request.cursor {
        Some(cursor) => Paging::Cursor {
            cursor: (!cursor.is_empty()).then(|| cursor.clone()),
            count,
        },
        None => Paging::Index {
            start_index: request
                .start_index
                .map_or(1, |s| u64::try_from(s.max(1)).unwrap_or(1)),
            count,
        },
    };
    Ok(ParsedQuery {
        filter,
        sort,
        paging,
    })
}

#[cfg(test)]
mod tests {
    use scim_proto::schema::USER_RESOURCE;

    use super::*;
    use crate::context::{Actor, RequestContext};

    fn parsed(request: &ListRequest) -> Result<ParsedQuery> {
        let mut ctx = RequestContext::new("t", "http://x/scim/v2/t", Actor::Operator);
        parse(request, &USER_RESOURCE, &Options::default(), &mut ctx)
    }

    #[test]
    fn paging_defaults_and_limits() {
        let check = |start: Option<i64>, count: Option<i64>, expected: Paging| {
            let q = parsed(&ListRequest {
                start_index: start,
                count,
                ..ListRequest::default()
            })
            .unwrap();
            assert_eq!(q.paging, expected, "startIndex {start:?}, count {count:?}");
        };
        check(
            None,
            None,
            Paging::Index {
                start_index: 1,
                count: 100,
            },
        );
        check(
            Some(0),
            Some(5),
            Paging::Index {
                start_index: 1,
                count: 5,
            },
        );
        check(
            Some(-3),
            Some(-1),
            Paging::Index {
                start_index: 1,
                count: 0,
            },
        );
        check(
            Some(7),
            Some(1_000_000),
            Paging::Index {
                start_index: 7,
                count: 1000,
            },
        );
        let cursor = parsed(&ListRequest {
            cursor: Some(String::new()),
            count: Some(2),
            ..ListRequest::default()
        })
        .unwrap();
        assert_eq!(
            cursor.paging,
            Paging::Cursor {
                cursor: None,
                count: 2
            }
        );
    }

    #[test]
    fn filters_and_sorting_are_checked() {
        let q = parsed(&ListRequest {
            filter: Some("userName eq \"a\"".into()),
            sort_by: Some("name.familyName".into()),
            sort_order: Some("DESCENDING".into()),
            ..ListRequest::default()
        })
        .unwrap();
        assert!(q.filter.is_some());
        assert_eq!(q.sort.as_ref().map(|s| s.descending), Some(true));
        for bad in [
            ListRequest {
                filter: Some("userName eq".into()),
                ..ListRequest::default()
            },
            ListRequest {
                filter: Some("nosuch pr".into()),
                ..ListRequest::default()
            },
            ListRequest {
                sort_by: Some("userName".into()),
                sort_order: Some("up".into()),
                ..ListRequest::default()
            },
            ListRequest {
                sort_by: Some("a b".into()),
                ..ListRequest::default()
            },
        ] {
            assert!(matches!(parsed(&bad), Err(Error::Scim(_))), "{bad:?}");
        }
        let blank = parsed(&ListRequest {
            filter: Some("  ".into()),
            ..ListRequest::default()
        })
        .unwrap();
        assert!(blank.filter.is_none(), "an empty filter selects everything");
    }
}
