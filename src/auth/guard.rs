//! The login guard around every `/billing` page.

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, http::header::LOCATION};

use super::session_keys;

/// The id of the logged-in account, put into the request by [`require_login`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountId(pub i64);

/// A workspace of the account that is in grace or locked: every Billing
/// Center page shows a banner for it.
#[derive(Clone, Debug)]
pub struct WorkspaceAlert {
    pub name: String,
    pub locked: bool,
    pub deadline: Option<String>,
}

/// The alerts of the logged-in account (request extension).
#[derive(Clone, Debug, Default)]
pub struct WorkspaceAlerts(pub Vec<WorkspaceAlert>);

async fn alerts(req: &ServiceRequest, account_id: i64) -> Result<WorkspaceAlerts, crate::error::AppError> {
    let Some(state) = req.app_data::<actix_web::web::Data<crate::startup::AppState>>() else {
        return Ok(WorkspaceAlerts::default());
    };
    let mut conn = state.pool.get().await?;
    let workspaces =
        crate::db::models::workspace::Workspace::needing_attention(&mut conn, account_id).await?;
    Ok(WorkspaceAlerts(
        workspaces
            .into_iter()
            .map(|w| WorkspaceAlert {
                locked: w.status == "locked",
                deadline: w.grace_deadline.map(crate::time::shanghai_minute),
                name: w.name,
            })
            .collect(),
    ))
}

/// Lets the request through with its [`AccountId`], or sends the browser to the
/// login page, remembering where it wanted to go.
pub async fn require_login(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let account = req
        .get_session()
        .get::<i64>(session_keys::ACCOUNT_ID)
        .ok()
        .flatten();
    match account {
        Some(id) => {
            let alerts = match alerts(&req, id).await {
                Ok(alerts) => alerts,
                Err(e) => return Ok(req.error_response(e)),
            };
            req.extensions_mut().insert(AccountId(id));
            req.extensions_mut().insert(alerts);
            next.call(req).await.map(ServiceResponse::map_into_boxed_body)
        }
        None => {
            let target = if req.method() == actix_web::http::Method::GET {
                let wanted = req.uri().path_and_query().map_or("/billing", |p| p.as_str());
                format!("/login?next={}", urlencode(wanted))
            } else {
                "/login".to_string()
            };
            let response = HttpResponse::SeeOther()
                .insert_header((LOCATION, target))
                .finish();
            Ok(req.into_response(response))
        }
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Only local paths are followed after login (no open redirects).
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p,
        _ => "/billing",
    }
}
