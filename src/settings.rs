//! Typed settings read from environment variables (every one documented in
//! `.env.example`), with the production checks of SPEC §5.

use std::collections::HashMap;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

/// Which safety checks apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

/// Everything the application reads from its environment.
#[derive(Clone, Debug)]
pub struct Settings {
    pub env: AppEnv,
    pub database_url: SecretString,
    pub database_pool_size: usize,
    /// How long a request waits for a database connection before answering 503.
    pub database_wait: Duration,
    /// Usage requests read and stored at once; the rest wait (their bodies
    /// run to megabytes: this bounds the memory they take together).
    pub ingest_concurrency: usize,
    /// How often the sweeper looks for workspaces whose grace period ended.
    pub sweep_interval: Duration,
    /// Address of the portal; port 0 picks a free one (tests).
    pub listen: String,
    /// Base of links in emails; `None` means `http://` + the bound listen address.
    pub public_url: Option<Url>,
    pub session_key: SecretString,
    /// Whether the session key was generated at start-up (development only).
    pub session_key_generated: bool,
    pub cookie_secure: bool,
    pub workers: usize,
    pub sandbox: bool,
    pub sandbox_listen: String,
    pub sandbox_smtp_listen: String,
    /// `None` means the sandbox's SMTP listener (when the sandbox is on).
    pub smtp_url: Option<SecretString>,
    /// The simulated marketplace's SPI retry schedule (after the first attempt).
    pub sandbox_spi_retry: Vec<Duration>,
    pub mail_from: String,
    /// The brand on pages and in emails, per language.
    pub brand: Brand,
    pub aliyun: AliyunSettings,
    pub site_ingest_keys: HashMap<String, SecretString>,
    pub billing: BillingSettings,
    pub auth: AuthSettings,
    pub outbox: OutboxSettings,
    /// Trust `X-Forwarded-For` from a reverse proxy for the client address.
    pub trust_forwarded_for: bool,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
}

/// The brand in each language: `APP_BRAND_NAME_EN` and `APP_BRAND_NAME_ZH`,
/// each defaulting to `APP_BRAND_NAME` when that is set, else to the product's
/// own name in that language (Guance, 观测云).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Brand {
    pub en: String,
    pub zh: String,
}

impl Brand {
    /// The brand as written in `lang`.
    pub fn name(&self, lang: crate::domain::Language) -> &str {
        match lang {
            crate::domain::Language::En => &self.en,
            crate::domain::Language::Zh => &self.zh,
        }
    }
}

/// Who may read `/metrics` (SPEC: not public in production).
#[derive(Clone, Debug)]
pub enum MetricsAccess {
    /// Anyone (development without `APP_METRICS_TOKEN`).
    Open,
    /// Only a scraper sending `Authorization: Bearer <token>`.
    Token(SecretString),
    /// Nobody: production without `APP_METRICS_TOKEN` answers 404.
    Closed,
}

/// Alibaba Cloud Marketplace credentials and identifiers.
#[derive(Clone, Debug)]
pub struct AliyunSettings {
    pub spi_key: SecretString,
    /// `None` means the sandbox's Market OpenAPI (when the sandbox is on).
    pub market_endpoint: Option<Url>,
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    pub product_code: String,
    /// Per-call timeout of the Market OpenAPI.
    pub openapi_timeout: Duration,
    /// How often the reconciler runs.
    pub reconcile_interval: Duration,
}

/// Daily settlement, metering and the wallet.
#[derive(Clone, Debug)]
pub struct BillingSettings {
    /// Settle each day at 00:30 Asia/Shanghai (and catch up at start-up).
    pub schedule: bool,
    /// `meteringAssit` of the `Unit` entity pushed to Alibaba Cloud.
    pub metering_assit: String,
    /// How often the metering pusher looks for due windows.
    pub metering_poll: Duration,
    /// The marketplace's interval between two pushes of one instance (and
    /// the first retry's wait).
    pub metering_interval: Duration,
    /// The simulated marketplace refuses pushes after its cut-off.
    pub sandbox_metering_cutoff: bool,
    /// The simulated marketplace's interval between two pushes of one instance.
    pub sandbox_metering_interval: Duration,
    /// Where customers send top-ups.
    pub bank: BankTransfer,
}

/// The bank account top-ups are transferred to (the wallet page shows it;
/// unset, the page refers customers to their account manager).
#[derive(Clone, Debug, Default)]
pub struct BankTransfer {
    pub payee: Option<String>,
    pub bank: Option<String>,
    pub account: Option<String>,
}

/// Password hashing and login throttling.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// How many argon2 computations may run at once (each holds 19 MiB and a core).
    pub hash_concurrency: usize,
    /// How long a login waits for a hashing slot before answering 503.
    pub hash_queue_timeout: Duration,
    pub throttle: ThrottleSettings,
    /// Registration step-1 attempts and email codes allowed per hour.
    pub registration: RegistrationLimits,
    pub session_idle: Duration,
    pub session_absolute: Duration,
}

/// Exponential login delays: after `free` failures each further failure doubles
/// the wait, starting at `base`, capped at `max`; counters reset after `decay`.
#[derive(Clone, Copy, Debug)]
pub struct ThrottlePolicy {
    pub free: u32,
    pub base: Duration,
    pub max: Duration,
    pub decay: Duration,
}

/// One policy per login identifier, a much looser one per client address.
#[derive(Clone, Copy, Debug)]
pub struct ThrottleSettings {
    pub per_identifier: ThrottlePolicy,
    pub per_ip: ThrottlePolicy,
}

/// How often registration may be tried, per hour: from one client address
/// (step 1 and code requests together) and for one email address (step 1), so
/// that nobody can probe which addresses, usernames or phones are taken.
#[derive(Clone, Copy, Debug)]
pub struct RegistrationLimits {
    pub per_ip: u32,
    pub per_email: u32,
}

/// Email outbox worker.
#[derive(Clone, Copy, Debug)]
pub struct OutboxSettings {
    pub poll_interval: Duration,
    pub retry_base: Duration,
    pub max_attempts: u32,
    pub send_timeout: Duration,
}

/// A setting that could not be used, naming the variable to fix.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{var}: {reason}")]
    Invalid { var: &'static str, reason: String },
    #[error("APP_ENV=production refuses to start: {0}")]
    UnsafeInProduction(String),
}

const DEV_SPI_KEY: &str = "sandbox-spi-key";
const DEV_ACCESS_KEY_ID: &str = "sandbox-ak";
const DEV_ACCESS_KEY_SECRET: &str = "sandbox-secret";
const DEFAULT_SITES: [&str; 5] = ["cn1", "cn2", "cn4", "cn6", "us1"];

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let env = match var("APP_ENV").as_deref() {
            None | Some("development") => AppEnv::Development,
            Some("production") => AppEnv::Production,
            Some(other) => return Err(invalid("APP_ENV", format!("unknown value {other:?}"))),
        };
        let production = env == AppEnv::Production;

        let listen = var("APP_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
        let public_url = var("APP_PUBLIC_URL")
            .map(|v| Url::parse(&v).map_err(|e| invalid("APP_PUBLIC_URL", e.to_string())))
            .transpose()?;
        let (session_key, session_key_generated) = match var("APP_SESSION_KEY") {
            Some(key) if key.len() >= 32 => (SecretString::from(key), false),
            Some(_) => return Err(invalid("APP_SESSION_KEY", "must be at least 32 characters")),
            None => (SecretString::from(crate::auth::random_token()), true),
        };
        let sandbox = flag(&var, "APP_SANDBOX", !production)?;
        let aliyun = AliyunSettings {
            spi_key: SecretString::from(var("APP_ALIYUN_SPI_KEY").unwrap_or_else(|| DEV_SPI_KEY.into())),
            market_endpoint: var("APP_ALIYUN_MARKET_ENDPOINT")
                .map(|v| Url::parse(&v).map_err(|e| invalid("APP_ALIYUN_MARKET_ENDPOINT", e.to_string())))
                .transpose()?,
            access_key_id: var("APP_ALIYUN_ACCESS_KEY_ID").unwrap_or_else(|| DEV_ACCESS_KEY_ID.into()),
            access_key_secret: SecretString::from(
                var("APP_ALIYUN_ACCESS_KEY_SECRET").unwrap_or_else(|| DEV_ACCESS_KEY_SECRET.into()),
            ),
            product_code: var("APP_ALIYUN_PRODUCT_CODE").unwrap_or_else(|| "cmgj00053362".into()),
            openapi_timeout: millis(&var, "APP_ALIYUN_OPENAPI_TIMEOUT_MS", 5_000)?,
            reconcile_interval: secs(&var, "APP_RECONCILE_INTERVAL_SECS", 600)?,
        };
        let billing = BillingSettings {
            schedule: flag(&var, "APP_SETTLEMENT_SCHEDULE", true)?,
            metering_assit: var("APP_ALIYUN_METERING_ASSIT")
                .unwrap_or_else(|| format!("{}-Unit-1", aliyun.product_code)),
            metering_poll: millis(&var, "APP_METERING_POLL_MS", 5_000)?,
            metering_interval: millis(&var, "APP_METERING_INTERVAL_MS", 60_000)?,
            sandbox_metering_cutoff: flag(&var, "APP_SANDBOX_METERING_CUTOFF", true)?,
            sandbox_metering_interval: millis(&var, "APP_SANDBOX_METERING_INTERVAL_MS", 60_000)?,
            bank: BankTransfer {
                payee: var("APP_BANK_PAYEE"),
                bank: var("APP_BANK_NAME"),
                account: var("APP_BANK_ACCOUNT"),
            },
        };
        let settings = Settings {
            env,
            database_url: SecretString::from(
                var("DATABASE_URL")
                    .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/billing_center".into()),
            ),
            database_pool_size: number(&var, "APP_DATABASE_POOL_SIZE", 16)?,
            database_wait: millis(&var, "APP_DATABASE_WAIT_MS", 2_000)?,
            ingest_concurrency: number(&var, "APP_INGEST_CONCURRENCY", 1)?.max(1),
            sweep_interval: millis(&var, "APP_SWEEP_INTERVAL_MS", 60_000)?,
            listen,
            public_url,
            session_key,
            session_key_generated,
            cookie_secure: flag(&var, "APP_COOKIE_SECURE", production)?,
            workers: number(&var, "APP_WORKERS", available_cores())?,
            sandbox,
            sandbox_listen: var("APP_SANDBOX_LISTEN").unwrap_or_else(|| "127.0.0.1:8081".into()),
            sandbox_smtp_listen: var("APP_SANDBOX_SMTP_LISTEN").unwrap_or_else(|| "127.0.0.1:2525".into()),
            smtp_url: var("APP_SMTP_URL").map(SecretString::from),
            sandbox_spi_retry: retry_schedule(var("APP_SANDBOX_SPI_RETRY_MS"))?,
            mail_from: var("APP_MAIL_FROM").unwrap_or_else(|| "Billing Center <billing@localhost>".into()),
            brand: Brand {
                en: var("APP_BRAND_NAME_EN")
                    .or_else(|| var("APP_BRAND_NAME"))
                    .unwrap_or_else(|| "Guance".into()),
                zh: var("APP_BRAND_NAME_ZH")
                    .or_else(|| var("APP_BRAND_NAME"))
                    .unwrap_or_else(|| "观测云".into()),
            },
            aliyun,
            site_ingest_keys: ingest_keys(var("APP_SITE_INGEST_KEYS"))?,
            billing,
            auth: AuthSettings {
                // One core stays free for pages while logins saturate hashing.
                hash_concurrency: number(
                    &var,
                    "APP_HASH_CONCURRENCY",
                    available_cores().saturating_sub(1).max(1),
                )?,
                hash_queue_timeout: millis(&var, "APP_HASH_QUEUE_TIMEOUT_MS", 2_000)?,
                throttle: ThrottleSettings {
                    per_identifier: ThrottlePolicy {
                        free: number(&var, "APP_LOGIN_FREE_FAILURES", 5)?,
                        base: secs(&var, "APP_LOGIN_DELAY_BASE_SECS", 30)?,
                        max: Duration::from_secs(15 * 60),
                        decay: Duration::from_secs(60 * 60),
                    },
                    per_ip: ThrottlePolicy {
                        free: number(&var, "APP_LOGIN_FREE_FAILURES_PER_IP", 100)?,
                        base: secs(&var, "APP_LOGIN_DELAY_BASE_SECS", 30)?,
                        max: Duration::from_secs(15 * 60),
                        decay: Duration::from_secs(60 * 60),
                    },
                },
                registration: RegistrationLimits {
                    per_ip: number(&var, "APP_REGISTER_ATTEMPTS_PER_IP", 30)?,
                    per_email: number(&var, "APP_REGISTER_ATTEMPTS_PER_EMAIL", 10)?,
                },
                session_idle: Duration::from_secs(30 * 60),
                session_absolute: Duration::from_secs(12 * 60 * 60),
            },
            outbox: OutboxSettings {
                poll_interval: millis(&var, "APP_OUTBOX_POLL_MS", 500)?,
                retry_base: millis(&var, "APP_OUTBOX_RETRY_BASE_MS", 5_000)?,
                max_attempts: number(&var, "APP_OUTBOX_MAX_ATTEMPTS", 10)?,
                send_timeout: millis(&var, "APP_OUTBOX_SEND_TIMEOUT_MS", 15_000)?,
            },
            trust_forwarded_for: flag(&var, "APP_TRUST_FORWARDED_FOR", false)?,
            metrics: match var("APP_METRICS_TOKEN") {
                Some(token) if token.len() >= 16 => MetricsAccess::Token(SecretString::from(token)),
                Some(_) => return Err(invalid("APP_METRICS_TOKEN", "must be at least 16 characters")),
                None if production => MetricsAccess::Closed,
                None => MetricsAccess::Open,
            },
        };
        if production {
            settings.check_production()?;
        }
        Ok(settings)
    }

    /// The refusals of `APP_ENV=production`, each naming the variable to set.
    fn check_production(&self) -> Result<(), SettingsError> {
        let refuse = |msg: &str| Err(SettingsError::UnsafeInProduction(msg.into()));
        if self.sandbox {
            return refuse("the sandbox is on; set APP_SANDBOX=off");
        }
        if self.session_key_generated {
            return refuse("no session key; set APP_SESSION_KEY (at least 32 random characters)");
        }
        if !self.cookie_secure {
            return refuse("cookies would be sent over http; set APP_COOKIE_SECURE=true");
        }
        if self.aliyun.spi_key.expose_secret() == DEV_SPI_KEY {
            return refuse("the SPI key is the sandbox default; set APP_ALIYUN_SPI_KEY");
        }
        if self.aliyun.access_key_id == DEV_ACCESS_KEY_ID
            || self.aliyun.access_key_secret.expose_secret() == DEV_ACCESS_KEY_SECRET
        {
            return refuse(
                "the Market OpenAPI key is the sandbox default; set APP_ALIYUN_ACCESS_KEY_ID and APP_ALIYUN_ACCESS_KEY_SECRET",
            );
        }
        if self.aliyun.market_endpoint.is_none() {
            return refuse("no Market OpenAPI endpoint; set APP_ALIYUN_MARKET_ENDPOINT");
        }
        if self.smtp_url.is_none() {
            return refuse("no mail server; set APP_SMTP_URL");
        }
        if self.public_url.as_ref().is_none_or(|u| u.scheme() != "https") {
            return refuse("links in emails need an https base; set APP_PUBLIC_URL");
        }
        if self
            .site_ingest_keys
            .values()
            .any(|k| k.expose_secret().starts_with("sandbox-"))
        {
            return refuse("a site ingest key is a sandbox default; set APP_SITE_INGEST_KEYS");
        }
        Ok(())
    }
}

fn invalid(var: &'static str, reason: impl Into<String>) -> SettingsError {
    SettingsError::Invalid {
        var,
        reason: reason.into(),
    }
}

fn flag(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, SettingsError> {
    match var(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("on" | "true" | "1" | "yes") => Ok(true),
        Some("off" | "false" | "0" | "no") => Ok(false),
        Some(other) => Err(invalid(name, format!("expected on/off, got {other:?}"))),
    }
}

fn number<T: std::str::FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, SettingsError> {
    var(name).map_or(Ok(default), |v| {
        v.trim()
            .parse()
            .map_err(|_| invalid(name, format!("expected a number, got {v:?}")))
    })
}

fn millis(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<Duration, SettingsError> {
    number(var, name, default).map(Duration::from_millis)
}

fn secs(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
) -> Result<Duration, SettingsError> {
    number(var, name, default).map(Duration::from_secs)
}

/// Milliseconds, comma-separated. The default is Alibaba's documented
/// notification schedule (1m 1m 1m 5m 10m 10m 10m 1h 1h 2h 4h) in seconds
/// instead of minutes, so a developer sees the whole life of a notification.
fn retry_schedule(raw: Option<String>) -> Result<Vec<Duration>, SettingsError> {
    let raw = raw.unwrap_or_else(|| "1000,1000,1000,5000,10000,10000,10000,60000,60000,120000,240000".into());
    raw.split(',')
        .map(|ms| {
            ms.trim().parse().map(Duration::from_millis).map_err(|_| {
                invalid(
                    "APP_SANDBOX_SPI_RETRY_MS",
                    format!("expected milliseconds, got {ms:?}"),
                )
            })
        })
        .collect()
}

/// `cn1=key1,cn2=key2`; sites without a key get the sandbox default.
fn ingest_keys(raw: Option<String>) -> Result<HashMap<String, SecretString>, SettingsError> {
    let mut keys: HashMap<String, SecretString> = DEFAULT_SITES
        .iter()
        .map(|site| {
            (
                site.to_string(),
                SecretString::from(format!("sandbox-ingest-{site}")),
            )
        })
        .collect();
    for pair in raw
        .iter()
        .flat_map(|r| r.split(','))
        .filter(|p| !p.trim().is_empty())
    {
        let (site, key) = pair
            .split_once('=')
            .ok_or_else(|| invalid("APP_SITE_INGEST_KEYS", "expected site=key pairs"))?;
        keys.insert(
            site.trim().to_string(),
            SecretString::from(key.trim().to_string()),
        );
    }
    Ok(keys)
}

fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn development_needs_no_configuration() {
        let s = with(&[]).unwrap();
        assert_eq!(s.env, AppEnv::Development);
        assert!(s.sandbox);
        assert!(!s.cookie_secure);
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(s.site_ingest_keys.len(), 5);
    }

    #[test]
    fn the_brand_is_set_per_language_and_defaults_to_each_languages_own_name() {
        use crate::domain::Language::{En, Zh};
        let default = with(&[]).unwrap().brand;
        assert_eq!((default.name(En), default.name(Zh)), ("Guance", "观测云"));
        let one = with(&[("APP_BRAND_NAME", "Acme")]).unwrap().brand;
        assert_eq!((one.name(En), one.name(Zh)), ("Acme", "Acme"));
        let each = with(&[("APP_BRAND_NAME", "Acme"), ("APP_BRAND_NAME_ZH", "艾克米")])
            .unwrap()
            .brand;
        assert_eq!((each.name(En), each.name(Zh)), ("Acme", "艾克米"));
    }

    #[test]
    fn production_names_the_variable_to_set() {
        let err = with(&[("APP_ENV", "production"), ("APP_SANDBOX", "on")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("APP_SANDBOX"), "{err}");

        let err = with(&[("APP_ENV", "production")]).unwrap_err().to_string();
        assert!(err.contains("APP_SESSION_KEY"), "{err}");

        let key = "k".repeat(40);
        let base = [
            ("APP_ENV", "production"),
            ("APP_SANDBOX", "off"),
            ("APP_SESSION_KEY", &key),
        ];
        let err = with(&[&base[..], &[("APP_COOKIE_SECURE", "false")]].concat())
            .unwrap_err()
            .to_string();
        assert!(err.contains("APP_COOKIE_SECURE"), "{err}");
        let err = with(&base).unwrap_err().to_string();
        assert!(err.contains("APP_ALIYUN_SPI_KEY"), "{err}");
    }

    #[test]
    fn production_starts_when_everything_is_set() {
        let key = "k".repeat(40);
        let s = with(&[
            ("APP_ENV", "production"),
            ("APP_SANDBOX", "off"),
            ("APP_SESSION_KEY", &key),
            ("APP_ALIYUN_SPI_KEY", "real"),
            ("APP_ALIYUN_ACCESS_KEY_ID", "ak"),
            ("APP_ALIYUN_ACCESS_KEY_SECRET", "sk"),
            ("APP_ALIYUN_MARKET_ENDPOINT", "https://market.aliyuncs.com"),
            ("APP_SMTP_URL", "smtps://user:pass@mail.example.com"),
            ("APP_PUBLIC_URL", "https://billing.example.com"),
            ("APP_SITE_INGEST_KEYS", "cn1=a,cn2=b,cn4=c,cn6=d,us1=e"),
        ])
        .unwrap();
        assert!(s.cookie_secure);
        assert!(!s.sandbox);
        assert!(
            matches!(s.metrics, MetricsAccess::Closed),
            "no public /metrics in production"
        );
    }

    #[test]
    fn metrics_are_open_in_development_and_behind_a_token_when_one_is_set() {
        assert!(matches!(with(&[]).unwrap().metrics, MetricsAccess::Open));
        let token = "t".repeat(32);
        let s = with(&[("APP_METRICS_TOKEN", &token)]).unwrap();
        assert!(matches!(s.metrics, MetricsAccess::Token(t) if t.expose_secret() == token));
        let err = with(&[("APP_METRICS_TOKEN", "short")]).unwrap_err().to_string();
        assert!(err.starts_with("APP_METRICS_TOKEN"), "{err}");
    }

    #[test]
    fn bad_values_name_their_variable() {
        let err = with(&[("APP_SANDBOX", "maybe")]).unwrap_err().to_string();
        assert!(err.starts_with("APP_SANDBOX"), "{err}");
        let err = with(&[("APP_SESSION_KEY", "short")]).unwrap_err().to_string();
        assert!(err.starts_with("APP_SESSION_KEY"), "{err}");
    }
}
