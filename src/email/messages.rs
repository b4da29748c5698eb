//! One builder per email. Each renders `templates/email/<name>.txt` and
//! `.html` in the recipient's language.

use askama::Template;

use super::Email;
use crate::domain::Language;
use crate::i18n;

/// What every email template can use: language and brand.
pub struct EmailContext {
    pub lang: Language,
    pub brand: String,
}

impl EmailContext {
    /// The context of an email in `lang`, with the brand as written in it.
    pub fn new(lang: Language, brand: &crate::settings::Brand) -> Self {
        EmailContext {
            lang,
            brand: brand.name(lang).to_string(),
        }
    }

    /// The message `key` in the email's language.
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key).into_owned()
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        i18n::t_args(self.lang, key, &[(name, value.to_string())])
    }

    /// The `lang` attribute of the HTML part.
    pub fn html_lang(&self) -> &'static str {
        i18n::html_lang(self.lang)
    }
}

#[derive(Template)]
#[template(path = "email/password_reset.txt")]
struct PasswordResetText<'a> {
    ctx: &'a EmailContext,
    username: &'a str,
    link: &'a str,
    minutes: u64,
}

#[derive(Template)]
#[template(path = "email/password_reset.html")]
struct PasswordResetHtml<'a> {
    ctx: &'a EmailContext,
    username: &'a str,
    link: &'a str,
    minutes: u64,
}

/// The password reset link.
pub fn password_reset(
    ctx: &EmailContext,
    to: &str,
    username: &str,
    link: &str,
    minutes: u64,
) -> Result<Email, askama::Error> {
    Ok(Email {
        to: to.to_string(),
        subject: ctx.t1("email-reset-subject", "brand", &ctx.brand),
        text: PasswordResetText {
            ctx,
            username,
            link,
            minutes,
        }
        .render()?,
        html: PasswordResetHtml {
            ctx,
            username,
            link,
            minutes,
        }
        .render()?,
    })
}

#[derive(Template)]
#[template(path = "email/email_code.txt")]
struct EmailCodeText<'a> {
    ctx: &'a EmailContext,
    code: &'a str,
    minutes: u64,
}

#[derive(Template)]
#[template(path = "email/email_code.html")]
struct EmailCodeHtml<'a> {
    ctx: &'a EmailContext,
    code: &'a str,
    minutes: u64,
}

/// The registration's email verification code.
pub fn email_code(ctx: &EmailContext, to: &str, code: &str, minutes: u64) -> Result<Email, askama::Error> {
    Ok(Email {
        to: to.to_string(),
        subject: ctx.t1("email-code-subject", "code", code),
        text: EmailCodeText { ctx, code, minutes }.render()?,
        html: EmailCodeHtml { ctx, code, minutes }.render()?,
    })
}

/// One workspace line of a notice email.
pub struct NoticeLine {
    pub name: String,
    pub site: String,
}

#[derive(Template)]
#[template(path = "email/notice.txt")]
struct NoticeText<'a> {
    ctx: &'a EmailContext,
    username: &'a str,
    kind: &'a str,
    instance_id: &'a str,
    lines: &'a [NoticeLine],
    shanghai: String,
    utc: String,
    lock_date: Option<String>,
    link: &'a str,
}

#[derive(Template)]
#[template(path = "email/notice.html")]
struct NoticeHtml<'a> {
    ctx: &'a EmailContext,
    username: &'a str,
    kind: &'a str,
    instance_id: &'a str,
    lines: &'a [NoticeLine],
    shanghai: String,
    utc: String,
    lock_date: Option<String>,
    link: &'a str,
}

/// The email of a release, expiry or lock notice.
pub fn notice_email(
    ctx: &EmailContext,
    account: &crate::db::models::account::Account,
    kind: crate::billing::notices::NoticeKind,
    instance_id: &str,
    lines: &[NoticeLine],
    at: chrono::DateTime<chrono::Utc>,
    link: &str,
) -> Result<Email, askama::Error> {
    let lock_date = kind.lock_at(at).map(crate::time::shanghai_minute);
    let kind = kind.code();
    let shanghai = crate::time::shanghai_minute(at);
    let utc = at.format("%Y-%m-%d %H:%M UTC").to_string();
    let subject = i18n::t_args(
        ctx.lang,
        &format!("email-notice-{kind}-subject"),
        &[
            ("count", lines.len().to_string()),
            ("instance", instance_id.to_string()),
            ("brand", ctx.brand.clone()),
        ],
    );
    let username = account.username.as_str();
    Ok(Email {
        to: account.email.clone(),
        subject,
        text: NoticeText {
            ctx,
            username,
            kind,
            instance_id,
            lines,
            shanghai: shanghai.clone(),
            utc: utc.clone(),
            lock_date: lock_date.clone(),
            link,
        }
        .render()?,
        html: NoticeHtml {
            ctx,
            username,
            kind,
            instance_id,
            lines,
            shanghai,
            utc,
            lock_date,
            link,
        }
        .render()?,
    })
}
