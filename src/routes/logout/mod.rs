//! POST `/logout`: ends the session on the server and in the browser.

use actix_session::Session;
use actix_web::HttpResponse;

/// Deletes the session row and the cookie.
pub async fn logout(session: Session) -> HttpResponse {
    session.purge();
    crate::page::see_other("/login?notice=logged-out")
}
