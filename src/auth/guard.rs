//! The login guard around every `/billing` page: it takes the logged-in
//! account, which the session store read with the session in the same query
//! (`session_keys::ACCOUNT`), and loads the workspaces that need attention
//! when there are any.

use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, http::header::LOCATION};

use super::session_keys;
use crate::db::models::account::Account;
use crate::db::models::session::SessionAccount;
use crate::db::models::workspace::Workspace;
use crate::error::AppError;
use crate::startup::AppState;

/// The id of the logged-in account, put into the request by [`require_login`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccountId(pub i64);

/// The logged-in account, put into the request by [`require_login`].
#[derive(Clone, Debug)]
pub struct CurrentAccount(pub Account);

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

/// The account's alerts: no query in the usual case (no workspace needs
/// attention), one otherwise.
async fn alerts(req: &ServiceRequest, loaded: &SessionAccount) -> Result<WorkspaceAlerts, AppError> {
    if !loaded.attention {
        return Ok(WorkspaceAlerts::default());
    }
    let state = req
        .app_data::<actix_web::web::Data<AppState>>()
        .ok_or_else(|| anyhow::anyhow!("the application state is missing"))?;
    let mut conn = state.pool.get().await?;
    let alerts = Workspace::needing_attention(&mut conn, loaded.account.id)
        .await?
        .into_iter()
        .map(|w| WorkspaceAlert {
            locked: w.status == "locked",
            deadline: w.grace_deadline.map(crate::time::shanghai_minute),
            name: w.name,
        })
        .collect();
    Ok(WorkspaceAlerts(alerts))
}

/// Lets the request through with its [`AccountId`] and [`CurrentAccount`], or
/// sends the browser to the login page, remembering where it wanted to go.
pub async fn require_login(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let account = req
        .get_session()
        .get::<i64>(session_keys::ACCOUNT_ID)
        .ok()
        .flatten();
    let Some(id) = account else {
        let target = if req.method() == actix_web::http::Method::GET {
            let wanted = req.uri().path_and_query().map_or("/billing", |p| p.as_str());
            format!("/login?next={}", urlencode(wanted))
        } else {
            "/login".to_string()
        };
        let response = HttpResponse::SeeOther()
            .insert_header((LOCATION, target))
            .finish();
        return Ok(req.into_response(response));
    };
    let loaded = req
        .get_session()
        .get::<SessionAccount>(session_keys::ACCOUNT)
        .ok()
        .flatten()
        .filter(|loaded| loaded.account.id == id);
    match loaded {
        Some(loaded) => match alerts(&req, &loaded).await {
            Ok(alerts) => {
                req.extensions_mut().insert(AccountId(id));
                req.extensions_mut().insert(crate::billing::ledger::CashBalance(
                    loaded.balance.unwrap_or_default(),
                ));
                req.extensions_mut().insert(CurrentAccount(loaded.account));
                req.extensions_mut().insert(alerts);
                next.call(req).await.map(ServiceResponse::map_into_boxed_body)
            }
            Err(e) => Ok(req.error_response(e)),
        },
        // The account was deleted under a live session: log in again.
        None => {
            req.get_session().purge();
            Ok(req.into_response(
                HttpResponse::SeeOther()
                    .insert_header((LOCATION, "/login"))
                    .finish(),
            ))
        }
    }
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
