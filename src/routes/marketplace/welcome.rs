//! GET `/marketplace/welcome`: the verified instance, and the two ways on:
//! register with it, or log in and settle a workspace with it.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::db::models::aliyun_instance::AliyunInstance;
use crate::error::AppError;
use crate::page::{PageContext, ok};
use crate::routes::api::aliyun_spi::SESSION_INSTANCE;
use crate::startup::AppState;

#[derive(Template)]
#[template(path = "marketplace/welcome.html")]
struct WelcomePage {
    ctx: PageContext,
    instance: Option<AliyunInstance>,
    expires: Option<String>,
}

/// GET `/marketplace/welcome`.
pub async fn welcome(
    ctx: PageContext,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let remembered = session.get::<String>(SESSION_INSTANCE).ok().flatten();
    let instance = match remembered {
        Some(id) => {
            let conn = state.pool.get().await?;
            AliyunInstance::find(&conn, &id).await?
        }
        None => None,
    };
    let expires = instance
        .as_ref()
        .and_then(|i| i.expires_on)
        .map(crate::time::shanghai_minute);
    ok(&WelcomePage {
        ctx,
        instance,
        expires,
    })
}
