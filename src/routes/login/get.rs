use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::LoginPage;
use crate::error::AppError;
use crate::page::{FormErrors, PageContext, ok};

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    notice: Option<String>,
}

/// The notices other pages may send the user here with.
fn notice_key(notice: &str) -> Option<&'static str> {
    match notice {
        "logged-out" => Some("notice-logged-out"),
        "password-changed" => Some("notice-password-changed"),
        "password-reset" => Some("notice-password-reset"),
        _ => None,
    }
}

/// GET `/login`.
pub async fn login_form(ctx: PageContext, query: web::Query<LoginQuery>) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let notice = query
        .notice
        .as_deref()
        .and_then(notice_key)
        .map(|k| ctx.t(k).into_owned());
    let next = crate::auth::next::safe_next(query.next.as_deref());
    ok(&LoginPage {
        ctx,
        errors: FormErrors::default(),
        notice,
        login: String::new(),
        next,
    })
}
