//! The command line: `serve` (default), `migrate`, `account create`.

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
    let (mut conn, account) = account_named(&settings, username).await?;
    let workspaces = crate::db::models::workspace::Workspace::of_account(&mut conn, account.id).await?;
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

async fn reconcile(settings: Settings) -> anyhow::Result<()> {
    let Some(endpoint) = settings.aliyun.market_endpoint.clone().or_else(|| {
        settings
            .sandbox
            .then(|| url::Url::parse(&format!("http://{}/", settings.sandbox_listen)).ok())
            .flatten()
    }) else {
        anyhow::bail!("no Market OpenAPI: set APP_ALIYUN_MARKET_ENDPOINT");
    };
    let market = crate::marketplace::openapi::MarketClient::new(
        endpoint,
        settings.aliyun.access_key_id.clone(),
        settings.aliyun.access_key_secret.clone(),
        settings.aliyun.openapi_timeout,
    );
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
