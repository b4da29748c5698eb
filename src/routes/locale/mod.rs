//! `/locale/{code}`: the language switcher (a plain link, works without JS).

use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::domain::Language;
use crate::i18n::LANG_COOKIE;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Remembers the language in a cookie and goes back to the page.
pub async fn switch(code: web::Path<String>, query: web::Query<Next>) -> HttpResponse {
    let back = crate::auth::next::safe_next(query.next.as_deref());
    let back = if query.next.is_none() {
        "/".to_string()
    } else {
        back
    };
    let mut res = crate::page::see_other(&back);
    if let Ok(lang) = Language::parse(&code) {
        let cookie = Cookie::build(LANG_COOKIE, lang.code())
            .path("/")
            .max_age(Duration::days(365))
            .same_site(SameSite::Lax)
            .http_only(true)
            .finish();
        // Only fails for invalid cookie values, which a language code is not.
        let _ = res.add_cookie(&cookie);
    }
    res
}
