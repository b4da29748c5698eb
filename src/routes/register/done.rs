//! GET `/register/done`: the activated workspace and the way to the Billing Center.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::Registration;
use crate::db::models::account::Account;
use crate::db::models::site::{self};
use crate::db::models::workspace::Workspace;
use crate::error::AppError;
use crate::page::{PageContext, ok, see_other};
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "register/done.html")]
struct DonePage {
    ctx: PageContext,
    workspace: Workspace,
    site_name: String,
    /// The Billing Center account the workspace belongs to.
    username: String,
    /// That account existed before (step 3 joined it): its own password applies.
    joined: bool,
}

/// GET `/register/done`.
pub async fn done(
    ctx: PageContext,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(registration) = Registration::load(&session) else {
        return Ok(see_other("/register"));
    };
    let (Some(console_user_id), Some(_)) = (registration.console_user_id, &registration.workspace_id) else {
        return Ok(see_other("/register/activate"));
    };
    let mut conn = state.pool.get().await?;
    let workspace = Workspace::of_console_user(&mut conn, console_user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let account = Account::find(&mut conn, workspace.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let sites = &state.sites;
    let site_name = site::find(sites, &workspace.site)
        .map(|s| s.name(ctx.lang).to_string())
        .unwrap_or_default();
    ok(&DonePage {
        ctx,
        workspace,
        site_name,
        username: account.username,
        joined: registration.joined_account,
    })
}
