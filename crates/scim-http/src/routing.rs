//! How the SCIM and admin routes are registered: through [`Routes`], which
//! adds each actix resource and notes its path and methods as it does. actix
//! cannot list the routes it serves, so this note is what the OpenAPI test
//! compares with the document and what [`crate::scim_routes`] and
//! [`crate::admin_routes`] list (the tenant isolation test covers each);
//! being written by the registration itself, it cannot drift from it.

use actix_web::Route;
use actix_web::http::Method;
use actix_web::web::{self, ServiceConfig};

use crate::scim::not_allowed;

/// One method on one path, as actix matches it (`/tenants/{tenant}/users/{id}`),
/// relative to the prefix of its scope (the admin prefix, or a tenant's SCIM
/// base `{scim_prefix}/{tenant}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedRoute {
    /// The method.
    pub method: Method,
    /// The path with actix's `{name}` placeholders.
    pub path: String,
}

/// Registers resources on a `ServiceConfig` (or nowhere, to list them) and
/// notes every method and path registered.
pub(crate) struct Routes<'a> {
    cfg: Option<&'a mut ServiceConfig>,
    served: Vec<ServedRoute>,
}

impl std::fmt::Debug for Routes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes")
            .field("served", &self.served)
            .finish_non_exhaustive()
    }
}

impl<'a> Routes<'a> {
    /// Registers on `cfg`.
    pub(crate) fn on(cfg: &'a mut ServiceConfig) -> Routes<'a> {
        Routes {
            cfg: Some(cfg),
            served: Vec::new(),
        }
    }

    /// Only notes the routes (what would be served).
    pub(crate) fn noted() -> Routes<'static> {
        Routes {
            cfg: None,
            served: Vec::new(),
        }
    }

    /// The resource at `path` answering each method with its route; any other
    /// method gets a 405 naming the ones it has (`Allow`).
    pub(crate) fn resource(&mut self, path: impl Into<String>, methods: Vec<(Method, Route)>) {
        let path = path.into();
        let allowed = methods
            .iter()
            .map(|(method, _)| method.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        self.served
            .extend(methods.iter().map(|(method, _)| ServedRoute {
                method: method.clone(),
                path: path.clone(),
            }));
        let Some(cfg) = self.cfg.as_deref_mut() else {
            return;
        };
        let resource = methods
            .into_iter()
            .fold(web::resource(path), |resource, (method, route)| {
                resource.route(route.method(method))
            })
            .default_service(web::to(not_allowed(allowed)));
        cfg.service(resource);
    }

    /// Every method and path registered, in registration order.
    pub(crate) fn served(self) -> Vec<ServedRoute> {
        self.served
    }
}
