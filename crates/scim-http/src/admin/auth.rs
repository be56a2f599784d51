//! Who calls the admin API: the operator token from the configuration (every
//! tenant) or a tenant's admin token (that tenant only). Middleware checks the
//! credential before any extractor reads a body or a query string, so a wrong
//! credential is a 401 whatever else is wrong; handlers name [`Admin`].

use std::future::{Ready, ready};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest};
use provisioning::{Actor, AdminCredential, Provisioning, RequestContext, token};

use crate::convert::run_blocking;
use crate::error::ApiError;
use crate::middleware::request_id;
use crate::request::{bearer, state};
use crate::state::ScimState;

/// Longest `X-Admin-Name` recorded.
const MAX_ON_BEHALF_OF: usize = 200;

/// The admin credential check, shared by the admin API and the web console:
/// the operator token's hash, computed once when the routes are mounted
/// (`None`: no operator token; only tenants' admin tokens are accepted), and
/// the service that knows the tenants' admin tokens.
#[derive(Debug, Clone)]
pub struct AdminGate {
    operator_hash: Option<String>,
    provisioning: Provisioning,
}

impl AdminGate {
    /// The check for this state's operator token and tenants.
    pub fn new(state: &ScimState) -> AdminGate {
        AdminGate {
            operator_hash: state.config.admin_token.as_deref().map(token::hash),
            provisioning: state.provisioning.clone(),
        }
    }

    /// Whether `presented` is the operator token.
    pub fn admits_operator(&self, presented: &str) -> bool {
        self.operator_hash
            .as_deref()
            .is_some_and(|hash| token::verify(presented, hash))
    }

    /// Who `presented` is: the operator token, or a tenant's usable admin
    /// token (checked on the blocking pool). Anything else is the admin API's
    /// 401; `on_behalf_of` is recorded with the operator token only.
    pub async fn check(
        &self,
        request_id: String,
        presented: String,
        on_behalf_of: Option<String>,
    ) -> Result<AdminIdentity, ApiError> {
        if self.admits_operator(&presented) {
            return Ok(AdminIdentity {
                reach: Reach::AllTenants,
                actor: Actor::Admin {
                    credential: AdminCredential::OperatorToken,
                    on_behalf_of,
                },
            });
        }
        let provisioning = self.provisioning.clone();
        let holder = run_blocking(request_id, move || {
            provisioning.authenticate_admin(&presented)
        })
        .await
        .map_err(|e| {
            if e.status == StatusCode::UNAUTHORIZED {
                ApiError::admin_unauthorized()
            } else {
                e
            }
        })?;
        Ok(AdminIdentity {
            reach: Reach::Tenant {
                id: holder.tenant_id,
                slug: holder.tenant_slug,
            },
            actor: Actor::Admin {
                credential: holder.credential,
                on_behalf_of: None,
            },
        })
    }
}

/// The tenants a credential reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// The operator token: every tenant, and the operations on tenants themselves.
    AllTenants,
    /// A tenant's admin token: that tenant's resources.
    Tenant {
        /// The tenant's id.
        id: String,
        /// Its slug when the token was checked.
        slug: String,
    },
}

impl Reach {
    /// Whether the tenant with this slug is within reach.
    pub fn covers(&self, slug: &str) -> bool {
        match self {
            Reach::AllTenants => true,
            Reach::Tenant { slug: own, .. } => own == slug,
        }
    }
}

/// An authenticated admin credential: what it reaches and who it is (the
/// admin API leaves it in the request for its handlers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminIdentity {
    /// The tenants it reaches.
    pub reach: Reach,
    /// The actor its changes are recorded under.
    pub actor: Actor,
}

/// Middleware: authenticates the admin credential (401 otherwise) and leaves
/// it in the request for [`Admin`].
pub(crate) async fn authenticate<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B, BoxBody>>, Error> {
    match credential(req.request().clone()).await {
        Ok(credential) => {
            req.extensions_mut().insert(credential);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}

async fn credential(req: HttpRequest) -> Result<AdminIdentity, ApiError> {
    let presented = bearer(&req).map_err(|_| ApiError::admin_unauthorized())?;
    let gate = req
        .app_data::<AdminGate>()
        .cloned()
        .ok_or_else(|| ApiError::internal(&request_id(&req)))?;
    gate.check(request_id(&req), presented, on_behalf_of(&req))
        .await
}

/// The person a host application says it acts for, with the operator token.
/// Not authenticated: recorded as the host's claim next to the credential that
/// was (see [`Actor::Admin`]).
fn on_behalf_of(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get("x-admin-name")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.len() <= MAX_ON_BEHALF_OF)
        .map(str::to_owned)
}

/// An authenticated admin call. Extracting it fails with 404 when the path
/// names a tenant out of the credential's reach (as if it did not exist).
#[derive(Debug, Clone)]
pub(crate) struct Admin {
    ctx: RequestContext,
    provisioning: Provisioning,
    reach: Reach,
}

impl Admin {
    fn read(req: &HttpRequest) -> Result<Admin, ApiError> {
        let state = state(req)?;
        let credential = req
            .extensions()
            .get::<AdminIdentity>()
            .cloned()
            .ok_or_else(ApiError::admin_unauthorized)?;
        if let Some(slug) = req.match_info().get("tenant")
            && !credential.reach.covers(slug)
        {
            return Err(ApiError::not_found(format!("Tenant '{slug}' not found")));
        }
        Ok(Admin {
            ctx: RequestContext::new(request_id(req), String::new(), credential.actor),
            provisioning: state.provisioning.clone(),
            reach: credential.reach,
        })
    }

    /// The tenants this call reaches.
    pub(crate) fn reach(&self) -> &Reach {
        &self.reach
    }

    /// Refuses (403) a call that does not carry the operator token: creating,
    /// renaming and deleting tenants are the operator's.
    pub(crate) fn require_operator(&self) -> Result<(), ApiError> {
        match self.reach {
            Reach::AllTenants => Ok(()),
            Reach::Tenant { .. } => Err(ApiError::forbidden(
                "Only the operator token may create, rename or delete tenants; this admin token is for its own tenant.",
            )),
        }
    }

    /// Runs `f` on a blocking thread (the store is synchronous).
    pub(crate) async fn run<T: Send + 'static>(
        self,
        f: impl FnOnce(&Provisioning, &RequestContext) -> provisioning::Result<T> + Send + 'static,
    ) -> Result<T, ApiError> {
        let Admin {
            ctx, provisioning, ..
        } = self;
        run_blocking(ctx.request_id.clone(), move || f(&provisioning, &ctx)).await
    }

    /// The use cases and the call's context, for work that outlives one
    /// blocking hop (streamed downloads, jobs).
    pub(crate) fn into_parts(self) -> (Provisioning, RequestContext) {
        (self.provisioning, self.ctx)
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Admin, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Admin::read(req))
    }
}
