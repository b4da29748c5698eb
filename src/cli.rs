//! The command line: `serve` (default), `migrate`, `account create`, and the
//! operator commands of settlement, prices, the wallet and metering.

use std::io::BufRead;

use anyhow::Context;
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use crate::db::models::account::{Account, NewAccount, TakenIdentifier};
use crate::domain::{EmailAddress, Language, NewPassword, PasswordProblem, Phone, Username};
use crate::settings::Settings;
use crate::startup::Application;

/// Billing Center: the self-service billing portal.
#[derive(Parser)]
#[command(name = "billing-center", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal, its workers and (when on) the sandbox. The default.
    Serve,
    /// Create the database if missing and apply migrations, then exit.
    Migrate {
        /// Revert every migration instead (empties the database).
        #[arg(long)]
        down_all: bool,
    },
    /// Measure the raw argon2id hash rate of this machine (to size
    /// APP_HASH_CONCURRENCY and to compare POST /login against).
    HashRate {
        /// Threads hashing at once.
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// How long to measure.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Pull failed marketplace notifications and check claimed instances once.
    Reconcile,
    /// Lock the workspaces whose grace period has ended (R7), once.
    Sweep,
    /// Billing Center accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Workspaces.
    Workspace {
        #[command(subcommand)]
        command: WorkspaceCommand,
    },
    /// Settle a business day (Asia/Shanghai) now, then push its metering.
    /// Idempotent: a settled day is frozen.
    Settle {
        #[arg(long)]
        day: chrono::NaiveDate,
    },
    /// The price list.
    Prices {
        #[command(subcommand)]
        command: PricesCommand,
    },
    /// Credit a bank transfer to an account's cash balance (once per reference).
    TopUp {
        /// The account's username.
        #[arg(long)]
        account: String,
        /// CNY, e.g. 100.00.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        /// The bank transfer's reference.
        #[arg(long)]
        reference: String,
    },
    /// Correct an account's cash balance.
    Adjust {
        /// The account's username.
        #[arg(long)]
        account: String,
        /// CNY, negative to take money off, e.g. -12.30.
        #[arg(long, allow_hyphen_values = true)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// The metering windows pushed to Alibaba Cloud.
    Metering {
        #[command(subcommand)]
        command: MeteringCommand,
    },
}

#[derive(Subcommand)]
enum PricesCommand {
    /// Every price, by item, retention and first day.
    List,
    /// Set a price for every day from --from on (a future day).
    Set {
        #[arg(long)]
        item: String,
        /// Days (tiered items only).
        #[arg(long)]
        retention: Option<i32>,
        /// CNY per unit, at most 4 decimals.
        #[arg(long)]
        price: String,
        #[arg(long)]
        from: chrono::NaiveDate,
    },
}

#[derive(Subcommand)]
enum MeteringCommand {
    /// List the windows, oldest day first.
    List {
        /// pending, sent, confirmed, unknown, late or rejected.
        #[arg(long)]
        state: Option<String>,
    },
    /// Decide a window that is unknown, late or rejected.
    Resolve {
        #[arg(long)]
        instance: String,
        #[arg(long)]
        day: chrono::NaiveDate,
        /// The marketplace has it: never push it again.
        #[arg(long, conflicts_with = "retry", required_unless_present = "retry")]
        sent: bool,
        /// It is not billed: push it again now.
        #[arg(long)]
        retry: bool,
    },
}

#[derive(Subcommand)]
enum WorkspaceCommand {
    /// List an account's workspaces with their site, method and instance.
    List {
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum AccountCommand {
    /// Create an account; the password is read from the first line of stdin.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        phone: String,
        #[arg(long, default_value = "")]
        company: String,
        /// `en` or `zh`.
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// Let an account choose any settlement method on any site (lifts R3), or not.
    SetArbitrarySettlement {
        #[arg(long)]
        username: String,
        #[arg(long, conflicts_with = "off", required_unless_present = "off")]
        on: bool,
        #[arg(long)]
        off: bool,
    },
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate { down_all } => {
            let url = settings.database_url.expose_secret();
            crate::db::ensure_database(url).await?;
            if down_all {
                crate::db::revert_all_migrations(url).await
            } else {
                crate::db::run_migrations(url).await
            }
        }
        Command::Reconcile => reconcile(settings).await,
        Command::Sweep => {
            let url = settings.database_url.expose_secret();
            crate::db::run_migrations(url).await?;
            let pool = crate::db::pool(url, 1)?;
            let locked =
                crate::billing::instances::sweep(&pool, &notifier_of(&settings)?, chrono::Utc::now()).await?;
            println!("Swept: {locked} workspace(s) locked.");
            Ok(())
        }
        Command::HashRate { threads, seconds } => {
            let rate = crate::auth::password::raw_hash_rate(threads, std::time::Duration::from_secs(seconds));
            println!("{rate:.1} hashes/s with {threads} thread(s)");
            Ok(())
        }
        Command::Account {
            command: AccountCommand::SetArbitrarySettlement { username, on, off: _ },
        } => set_arbitrary_settlement(settings, &username, on).await,
        Command::Workspace {
            command: WorkspaceCommand::List { username },
        } => list_workspaces(settings, &username).await,
        Command::Settle { day } => settle(settings, day).await,
        Command::Prices { command } => prices(settings, command).await,
        Command::TopUp {
            account,
            amount,
            reference,
        } => top_up(settings, &account, &amount, &reference).await,
        Command::Adjust {
            account,
            amount,
            reason,
        } => adjust(settings, &account, &amount, &reason).await,
        Command::Metering { command } => metering(settings, command).await,
        Command::Account {
            command:
                AccountCommand::Create {
                    username,
                    email,
                    phone,
                    company,
                    language,
                },
        } => create_account(settings, &username, &email, &phone, &company, &language).await,
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    let port = app.port();
    println!("Billing Center portal: http://127.0.0.1:{port}/");
    if let (Some(http), Some(smtp)) = (app.sandbox_port(), app.sandbox_smtp_port()) {
        println!("Sandbox:               http://127.0.0.1:{http}/");
        println!("Sandbox mailbox:       http://127.0.0.1:{http}/mailbox  (SMTP on 127.0.0.1:{smtp})");
    }
    app.run_until_stopped().await.context("server")
}

/// The account with this username, on a fresh connection.
async fn account_named(settings: &Settings, username: &str) -> anyhow::Result<(crate::db::DbConn, Account)> {
    let url = settings.database_url.expose_secret();
    crate::db::run_migrations(url).await?;
    let pool = crate::db::pool(url, 1)?;
    let mut conn = pool.get().await.context("connecting to the database")?;
    let username =
        Username::parse(username).map_err(|_| anyhow::anyhow!("--username: not a valid username"))?;
    let account = Account::find_by_login(&mut conn, &crate::domain::LoginIdentifier::Username(username))
        .await?
        .ok_or_else(|| anyhow::anyhow!("--username: no Billing Center account has this username"))?;
    Ok((conn, account))
}

async fn set_arbitrary_settlement(settings: Settings, username: &str, on: bool) -> anyhow::Result<()> {
    let (mut conn, account) = account_named(&settings, username).await?;
    Account::set_arbitrary_settlement(&mut conn, account.id, on).await?;
    let state = if on {
        "may now choose any settlement method on any site"
    } else {
        "follows the site rules again"
    };
    println!("{} {state}.", account.username);
    Ok(())
}

async fn list_workspaces(settings: Settings, username: &str) -> anyhow::Result<()> {
    let (conn, account) = account_named(&settings, username).await?;
    let workspaces = crate::db::models::workspace::Workspace::of_account(&conn, account.id).await?;
    println!(
        "{:<38} {:<5} {:<3} {:<15} {:<16} {:<7} name",
        "id", "site", "lang", "method", "instance", "status"
    );
    for w in &workspaces {
        println!(
            "{:<38} {:<5} {:<3} {:<15} {:<16} {:<7} {}",
            w.id,
            w.site,
            w.language,
            w.settlement_method,
            w.aliyun_instance_id.as_deref().unwrap_or("-"),
            w.status,
            w.name
        );
    }
    println!("{} workspace(s).", workspaces.len());
    Ok(())
}

/// Links in emails sent by a command point where the portal serves.
fn notifier_of(settings: &Settings) -> anyhow::Result<crate::billing::notices::Notifier> {
    Ok(crate::billing::notices::Notifier {
        public_url: match &settings.public_url {
            Some(url) => url.clone(),
            None => url::Url::parse(&format!("http://{}", settings.listen))?,
        },
        brand: settings.brand.clone(),
    })
}

/// The Market OpenAPI a command calls: the configured endpoint, else the
/// sandbox's (when on).
fn market_client(settings: &Settings) -> anyhow::Result<crate::marketplace::openapi::MarketClient> {
    let Some(endpoint) = settings.aliyun.market_endpoint.clone().or_else(|| {
        settings
            .sandbox
            .then(|| url::Url::parse(&format!("http://{}/", settings.sandbox_listen)).ok())
            .flatten()
    }) else {
        anyhow::bail!("no Market OpenAPI: set APP_ALIYUN_MARKET_ENDPOINT");
    };
    Ok(crate::marketplace::openapi::MarketClient::new(
        endpoint,
        settings.aliyun.access_key_id.clone(),
        settings.aliyun.access_key_secret.clone(),
        settings.aliyun.openapi_timeout,
    ))
}

async fn reconcile(settings: Settings) -> anyhow::Result<()> {
    let market = market_client(&settings)?;
    let url = settings.database_url.expose_secret();
    crate::db::run_migrations(url).await?;
    let pool = crate::db::pool(url, 2)?;
    let reconciler = crate::marketplace::reconciler::Reconciler {
        pool,
        market,
        product_code: settings.aliyun.product_code.clone(),
        notifier: notifier_of(&settings)?,
        clock: crate::clock::Clock::system(),
    };
    let report = crate::marketplace::reconciler::reconcile_once(&reconciler).await?;
    println!("Reconciled: {report}.");
    Ok(())
}

async fn create_account(
    settings: Settings,
    username: &str,
    email: &str,
    phone: &str,
    company: &str,
    language: &str,
) -> anyhow::Result<()> {
    let describe = |field: &str, invalid: crate::domain::Invalid| {
        anyhow::anyhow!(
            "{field}: {}",
            crate::i18n::t_args(
                Language::En,
                invalid.message,
                &invalid
                    .args
                    .iter()
                    .map(|(k, v)| (*k, v.clone()))
                    .collect::<Vec<_>>()
            )
        )
    };
    let username = Username::parse(username).map_err(|e| describe("--username", e))?;
    let email = EmailAddress::parse(email).map_err(|e| describe("--email", e))?;
    let phone = Phone::parse(phone).map_err(|e| describe("--phone", e))?;
    let language = Language::parse(language).map_err(|e| describe("--language", e))?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let typed = line.trim_end_matches(['\r', '\n']);
    let password =
        NewPassword::parse(typed, typed, &[username.as_ref(), email.as_ref()]).map_err(|p| match p {
            PasswordProblem::Password(invalid) => describe("password", invalid),
            PasswordProblem::Mismatch => anyhow::anyhow!("password: mismatch"),
        })?;

    let url = settings.database_url.expose_secret();
    crate::db::ensure_database(url).await?;
    crate::db::run_migrations(url).await?;
    let passwords = crate::auth::password::Passwords::new(1, std::time::Duration::from_secs(30));
    let hash = passwords
        .hash(SecretString::from(password.expose().to_string()))
        .await?;
    let pool = crate::db::pool(url, 1)?;
    let mut conn = pool.get().await.context("connecting to the database")?;
    let created = Account::create(
        &mut conn,
        &NewAccount {
            username: username.as_ref(),
            email: email.as_ref(),
            phone: phone.as_ref(),
            password_hash: &hash,
            company_name: company.trim(),
            language: language.code(),
        },
    )
    .await?;
    match created {
        Ok(account) => {
            println!(
                "Created Billing Center account {} (id {}).",
                account.username, account.id
            );
            Ok(())
        }
        Err(TakenIdentifier::Username) => {
            anyhow::bail!("--username: an account with this username exists")
        }
        Err(TakenIdentifier::Email) => anyhow::bail!("--email: an account with this email exists"),
        Err(TakenIdentifier::Phone) => anyhow::bail!("--phone: an account with this phone exists"),
    }
}

/// A migrated database's pool for a command.
async fn command_pool(settings: &Settings, size: usize) -> anyhow::Result<crate::db::DbPool> {
    let url = settings.database_url.expose_secret();
    crate::db::run_migrations(url).await?;
    crate::db::pool(url, size)
}

async fn settle(settings: Settings, day: chrono::NaiveDate) -> anyhow::Result<()> {
    use crate::marketplace::metering::{self, MeteringConfig};
    let pool = command_pool(&settings, 2).await?;
    let started = std::time::Instant::now();
    let settled = {
        let mut conn = pool.get().await.context("connecting to the database")?;
        crate::billing::daily_bills::settle_day(&mut conn, day, chrono::Utc::now()).await?
    };
    println!("Settled {settled} ({} ms).", started.elapsed().as_millis());
    // Whatever is due, this day's windows or earlier ones waiting for a retry.
    let config = MeteringConfig::from_settings(&settings);
    let pushed = metering::push_due(&pool, &market_client(&settings)?, &config, 100_000).await?;
    metering::sweep(&pool, &config, chrono::Utc::now()).await?;
    println!("Metering pushed: {pushed}.");
    Ok(())
}

async fn prices(settings: Settings, command: PricesCommand) -> anyhow::Result<()> {
    use crate::db::models::price::{Price, PriceItem};
    let pool = command_pool(&settings, 1).await?;
    let mut conn = pool.get().await.context("connecting to the database")?;
    match command {
        PricesCommand::List => {
            let items = PriceItem::all(&conn).await?;
            println!(
                "{:<13} {:<20} {:>9} {:>12} {:<10} unit",
                "item", "name", "retention", "price", "from"
            );
            for price in Price::all(&mut conn).await? {
                let Some(item) = items.iter().find(|i| i.item == price.item) else {
                    continue;
                };
                let retention = match item.tiered {
                    true => format!("{} d", price.retention_days),
                    false => "any".to_string(),
                };
                println!(
                    "{:<13} {:<20} {:>9} {:>12} {:<10} per {}",
                    item.item, item.name_en, retention, price.unit_price, price.valid_from, item.unit_en
                );
            }
            Ok(())
        }
        PricesCommand::Set {
            item,
            retention,
            price,
            from,
        } => {
            let today = crate::billing::usage::business_day(chrono::Utc::now());
            let set = crate::billing::pricing::set_price(&mut conn, &item, retention, &price, from, today)
                .await?
                .map_err(anyhow::Error::new)?;
            println!(
                "{} at retention {} costs {} per unit from {} on.",
                set.item, set.retention_days, set.unit_price, set.valid_from
            );
            Ok(())
        }
    }
}

/// Reads an amount typed on the command line, or says what is wrong with it.
fn amount(raw: &str, signed: bool) -> anyhow::Result<crate::domain::Amount> {
    let parsed = if signed {
        crate::domain::Amount::parse_signed(raw)
    } else {
        crate::domain::Amount::parse_positive(raw)
    };
    parsed.map_err(|invalid| {
        let args: Vec<(&str, String)> = invalid.args.iter().map(|(k, v)| (*k, v.clone())).collect();
        anyhow::anyhow!(
            "--amount: {}",
            crate::i18n::t_args(Language::En, invalid.message, &args)
        )
    })
}

/// Who an operator's ledger entry names as its author.
fn operator() -> String {
    std::env::var("USER").map_or_else(|_| "operator".to_string(), |user| format!("operator {user}"))
}

async fn top_up(settings: Settings, username: &str, raw_amount: &str, reference: &str) -> anyhow::Result<()> {
    use crate::billing::ledger::{self, LedgerRefusal, TopUp};
    let amount = amount(raw_amount, false)?;
    let (mut conn, account) = account_named(&settings, username)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.to_string().replace("--username", "--account")))?;
    match ledger::top_up(&mut conn, account.id, amount, reference, &operator()).await? {
        Ok(TopUp::Credited(entry)) => println!(
            "Credited {} to {} (bank reference {}); balance {}.",
            crate::domain::cny(entry.amount),
            account.username,
            entry.reference.unwrap_or_default(),
            crate::domain::cny(entry.balance_after)
        ),
        Ok(TopUp::AlreadyCredited(entry)) => println!(
            "Bank reference {} was already credited ({} on {}): nothing changed.",
            entry.reference.unwrap_or_default(),
            crate::domain::cny(entry.amount),
            crate::time::shanghai_minute(entry.created_at)
        ),
        Err(LedgerRefusal::BadText) => anyhow::bail!("--reference: {}", LedgerRefusal::BadText),
        Err(refusal) => anyhow::bail!("--reference: {refusal}"),
    }
    Ok(())
}

async fn adjust(settings: Settings, username: &str, raw_amount: &str, reason: &str) -> anyhow::Result<()> {
    let amount = amount(raw_amount, true)?;
    let (mut conn, account) = account_named(&settings, username)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.to_string().replace("--username", "--account")))?;
    let entry = crate::billing::ledger::adjust(&mut conn, account.id, amount, reason, &operator())
        .await?
        .map_err(|refusal| anyhow::anyhow!("--reason: {refusal}"))?;
    println!(
        "Adjusted {} by {} ({}); balance {}.",
        account.username,
        crate::domain::signed_cny(entry.amount),
        entry.reference.unwrap_or_default(),
        crate::domain::cny(entry.balance_after)
    );
    Ok(())
}

async fn metering(settings: Settings, command: MeteringCommand) -> anyhow::Result<()> {
    use crate::db::models::metering_window::{self, Resolution};
    const STATES: [&str; 6] = ["pending", "sent", "confirmed", "unknown", "late", "rejected"];
    let pool = command_pool(&settings, 1).await?;
    let mut conn = pool.get().await.context("connecting to the database")?;
    match command {
        MeteringCommand::List { state } => {
            if let Some(s) = state.as_deref().filter(|s| !STATES.contains(s)) {
                anyhow::bail!("--state: {s:?} is none of {}", STATES.join(", "));
            }
            let windows = metering_window::list(&mut conn, state.as_deref()).await?;
            println!(
                "{:<16} {:<10} {:>12} {:<9} {:>8} {:<24} last error / request id",
                "instance", "day", "amount", "state", "attempts", "cut-off"
            );
            for w in &windows {
                let amount = rust_decimal::Decimal::new(w.amount_cents, 2);
                println!(
                    "{:<16} {:<10} {:>12} {:<9} {:>8} {:<24} {}",
                    w.instance_id,
                    w.day,
                    crate::domain::cny(amount),
                    w.state,
                    w.attempts,
                    w.cutoff
                        .map_or_else(|| "-".to_string(), crate::time::shanghai_minute),
                    w.last_error.as_deref().or(w.request_id.as_deref()).unwrap_or("")
                );
            }
            println!("{} window(s).", windows.len());
            Ok(())
        }
        MeteringCommand::Resolve {
            instance,
            day,
            sent,
            retry: _,
        } => {
            let resolution = if sent { Resolution::Sent } else { Resolution::Retry };
            let Some(w) =
                metering_window::resolve(&mut conn, &instance, day, resolution, &operator()).await?
            else {
                anyhow::bail!(
                    "--instance/--day: no window of instance {instance} on {day} is unknown, late or rejected"
                );
            };
            match resolution {
                Resolution::Sent => println!(
                    "{} {}: confirmed; it will not be pushed again.",
                    w.instance_id, w.day
                ),
                Resolution::Retry => println!(
                    "{} {}: pending; the next push (by `serve` or `settle`) sends it.",
                    w.instance_id, w.day
                ),
            }
            Ok(())
        }
    }
}
