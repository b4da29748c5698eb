//! What every page needs: language, brand, login state, the CSRF token, and
//! the helpers that turn a page struct into a response.

use std::fmt::Display;
use std::future::{Ready, ready};

use actix_session::SessionExt;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, dev::Payload, web};
use askama::Template;

use crate::auth::session_keys;
use crate::domain::{Invalid, Language};
use crate::error::AppError;
use crate::startup::AppState;

/// The part of every page that does not depend on the page: built from the
/// request by the extractor.
pub struct PageContext {
    pub lang: Language,
    pub brand: String,
    /// The current path and query, to come back to after switching language.
    pub path: String,
    /// The logged-in account's username, for the header.
    pub username: Option<String>,
    /// Workspaces in grace or locked (Billing Center pages only).
    pub alerts: Vec<crate::auth::guard::WorkspaceAlert>,
    /// The negative balance, shown (Billing Center pages only).
    pub arrears: Option<String>,
    /// Where the form token comes from.
    csrf: CsrfSource,
}

/// Where a page's form token comes from.
enum CsrfSource {
    /// The request, asked when a form needs it (see `auth::csrf`).
    Request(HttpRequest),
    /// Known in advance (an error page of a logged-in visitor).
    Known(String),
    /// No form on the page may post (an anonymous error page).
    None,
}

/// Who is logged in, as the header of an error page shows them: the error
/// pages are rendered outside the session middleware, after it has taken the
/// session's state away, so [`crate::error::remember_visitor`] copies this
/// into the request on the way out.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub username: String,
    /// The session's form token, for the header's logout button.
    pub csrf: String,
}

impl PageContext {
    /// A context that never touches the session (pages answered before or
    /// without one).
    pub fn anonymous(req: &HttpRequest) -> Self {
        let lang = crate::i18n::negotiate(req);
        PageContext {
            lang,
            brand: brand(req, lang),
            path: req.uri().path_and_query().map_or("/", |p| p.as_str()).to_string(),
            username: None,
            alerts: Vec::new(),
            arrears: None,
            csrf: CsrfSource::None,
        }
    }

    /// The context of an error page: anonymous, but with the header of the
    /// logged-in visitor when the request carried a session.
    pub fn for_error(req: &HttpRequest) -> Self {
        let visitor = req.extensions().get::<Visitor>().cloned();
        let ctx = PageContext::anonymous(req);
        match visitor {
            Some(visitor) => PageContext {
                username: Some(visitor.username),
                csrf: CsrfSource::Known(visitor.csrf),
                ..ctx
            },
            None => ctx,
        }
    }

    /// The message `key` in the page's language.
    pub fn t(&self, key: &str) -> std::borrow::Cow<'static, str> {
        crate::i18n::t(self.lang, key)
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl Display) -> String {
        crate::i18n::t_args(self.lang, key, &[(name, value.to_string())])
    }

    /// The message of a refused value.
    pub fn invalid(&self, invalid: &Invalid) -> String {
        let args: Vec<(&str, String)> = invalid.args.iter().map(|(k, v)| (*k, v.clone())).collect();
        crate::i18n::t_args(self.lang, invalid.message, &args)
    }

    /// The token for the hidden `csrf_token` field (see `auth::csrf`).
    pub fn csrf(&self) -> String {
        match &self.csrf {
            CsrfSource::Request(req) => crate::auth::csrf::form_token(req),
            CsrfSource::Known(token) => token.clone(),
            CsrfSource::None => String::new(),
        }
    }

    /// What separates two sentences: a space in English, nothing in Chinese
    /// (whose full-width punctuation carries its own space).
    pub fn gap(&self) -> &'static str {
        match self.lang {
            Language::En => " ",
            Language::Zh => "",
        }
    }

    /// An entry of a form's error summary: the field's label and its message.
    pub fn summary_entry(&self, field: &str, message: &str) -> String {
        match field_label(field) {
            Some(label) => crate::i18n::t_args(
                self.lang,
                "error-summary-entry",
                &[
                    ("field", self.t(label).into_owned()),
                    ("message", message.to_string()),
                ],
            ),
            None => message.to_string(),
        }
    }

    /// The `lang` attribute of the page.
    pub fn html_lang(&self) -> &'static str {
        crate::i18n::html_lang(self.lang)
    }

    /// The other language, as (code, label) for the switcher.
    pub fn other_language(&self) -> (&'static str, &'static str) {
        match self.lang {
            Language::En => ("zh", "中文"),
            Language::Zh => ("en", "English"),
        }
    }

    /// The switcher's link to `code`, coming back here.
    pub fn switch_href(&self, code: &str) -> String {
        let next: String = form_urlencoded::byte_serialize(self.path.as_bytes()).collect();
        format!("/locale/{code}?next={next}")
    }
}

/// One step of the registration wizard's progress list.
pub struct WizardStep {
    pub number: u8,
    pub label: String,
    /// `done`, `current` or `todo` (a CSS class).
    pub state: &'static str,
}

impl PageContext {
    /// The registration wizard's steps, `current` highlighted.
    pub fn wizard_steps(&self, current: &u8) -> Vec<WizardStep> {
        [
            "register-step-account",
            "register-step-company",
            "register-step-activate",
            "register-step-done",
        ]
        .iter()
        .zip(1u8..)
        .map(|(key, number)| WizardStep {
            number,
            label: self.t(key).into_owned(),
            state: match number.cmp(current) {
                std::cmp::Ordering::Less => "done",
                std::cmp::Ordering::Equal => "current",
                std::cmp::Ordering::Greater => "todo",
            },
        })
        .collect()
    }
}

/// The label of each form field (SPEC 4.1 names), for error summaries.
const FIELD_LABELS: [(&str, &str); 21] = [
    ("site", "field-site"),
    ("username", "field-username"),
    ("password", "field-password"),
    ("password_confirm", "field-password-confirm-plain"),
    ("current_password", "field-current-password"),
    ("email", "field-email"),
    ("email_code", "field-email-code"),
    ("phone", "field-phone"),
    ("company_name", "field-company"),
    ("agree_terms", "field-agree-terms"),
    ("workspace_name", "field-workspace-name"),
    ("workspace_language", "field-workspace-language"),
    ("activation_method", "field-activation-method"),
    ("ali_uid", "field-ali-uid"),
    ("instance_id", "field-instance-id"),
    ("sync_billing_account", "field-billing-account"),
    ("billing_login", "field-billing-login"),
    ("billing_password", "field-billing-password"),
    ("login", "login-identifier"),
    ("method", "settlement-new"),
    ("registered_instance_id", "field-registered-instance"),
];

/// The message id of `field`'s label.
fn field_label(field: &str) -> Option<&'static str> {
    FIELD_LABELS
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, label)| *label)
}

fn brand(req: &HttpRequest, lang: Language) -> String {
    req.app_data::<web::Data<AppState>>().map_or_else(
        || "Billing Center".to_string(),
        |s| s.settings.brand.name(lang).to_string(),
    )
}

impl FromRequest for PageContext {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let username = req
            .get_session()
            .get::<String>(session_keys::USERNAME)
            .ok()
            .flatten();
        let alerts = req
            .extensions()
            .get::<crate::auth::guard::WorkspaceAlerts>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        let arrears = req
            .extensions()
            .get::<crate::billing::ledger::CashBalance>()
            .and_then(|b| b.arrears())
            .map(crate::domain::cny);
        ready(Ok(PageContext {
            username,
            alerts,
            arrears,
            csrf: CsrfSource::Request(req.clone()),
            ..PageContext::anonymous(req)
        }))
    }
}

/// Per-field messages of a form, in the order found (the error summary lists
/// them in this order, each linking to its field).
#[derive(Default)]
pub struct FormErrors(Vec<(&'static str, String)>);

impl FormErrors {
    /// Records `message` for `field` (the first message of a field wins).
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, message.into()));
        }
    }

    /// The message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }

    /// True when the form had no problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every (field, message).
    pub fn iter(&self) -> impl Iterator<Item = &(&'static str, String)> {
        self.0.iter()
    }
}

/// `?page=N` of a paged list.
#[derive(serde::Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    /// The page asked for; a malformed or missing number is the first page.
    pub fn number(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    }
}

thread_local! {
    /// Each worker thread renders into one buffer that keeps the capacity of
    /// the largest page it rendered (up to [`KEPT_CAPACITY`]): a long table
    /// is written once, not copied each time a growing string doubles.
    static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Pages larger than this give their buffer back after rendering.
const KEPT_CAPACITY: usize = 1 << 20;

/// `page` as a string of exactly its length, rendered in this thread's buffer.
pub fn render_html(page: &impl Template) -> askama::Result<String> {
    BUFFER.with(|buffer| {
        // A template that renders another page while rendering gets its own.
        let Ok(mut buf) = buffer.try_borrow_mut() else {
            return page.render();
        };
        buf.clear();
        let rendered = page.render_into(&mut *buf).map(|()| buf.as_str().to_owned());
        if buf.capacity() > KEPT_CAPACITY {
            *buf = String::new();
        }
        rendered
    })
}

/// Renders `page` with `status` as HTML.
pub fn render(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(render_html(page)?))
}

/// Renders `page` with 200.
pub fn ok(page: &impl Template) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, page)
}

/// `page` refused for a limit or a throttle: 429 with `Retry-After`.
pub fn too_many(page: &impl Template, seconds: u64) -> Result<HttpResponse, AppError> {
    render(StatusCode::TOO_MANY_REQUESTS, page).map(|mut res| {
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(seconds),
        );
        res
    })
}

/// A 303 redirect, the answer to every successful form.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .finish()
}

/// Headers of a page whose URL is a capability (a reset link, a notice link):
/// not indexed, and its URL never sent to another site. `same-origin`, not
/// `no-referrer`: under `no-referrer` Chrome posts the page's own forms with
/// `Origin: null`, which looks like a cross-site post.
pub fn capability_page(mut res: HttpResponse) -> HttpResponse {
    use actix_web::http::header::{HeaderName, HeaderValue, REFERRER_POLICY};
    res.headers_mut()
        .insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    res.headers_mut().insert(
        HeaderName::from_static("x-robots-tag"),
        HeaderValue::from_static("noindex, nofollow"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_of_an_error_summary_has_a_label_in_both_languages() {
        for (field, label) in FIELD_LABELS {
            for lang in [Language::En, Language::Zh] {
                let text = crate::i18n::t(lang, label);
                assert!(
                    !text.is_empty() && !text.contains(label),
                    "{field}: {label} in {lang:?}"
                );
            }
        }
    }
}
