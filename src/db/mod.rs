//! PostgreSQL access: the connection pool, database creation and the embedded
//! migrations.

pub mod models;
pub mod prepared;
pub mod schema;
pub mod single_flight;

use std::time::Duration;

use anyhow::Context;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// The pool every request and worker borrows connections from.
pub type DbPool = Pool<AsyncPgConnection>;
/// A borrowed connection.
pub type DbConn = Object<AsyncPgConnection>;

/// The migrations under `migrations/`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Arbitrary constant naming the advisory lock that serialises migrations when
/// several instances start at once.
const MIGRATION_LOCK: i64 = 0x0062_696c_6c69_6e67;

/// A pool for a one-off command (which may wait for a connection longer than
/// a page would).
pub fn pool(database_url: &str, max_size: usize) -> anyhow::Result<DbPool> {
    pool_waiting(database_url, max_size, Duration::from_secs(5))
}

/// Builds the pool (connections are opened lazily). Borrowing, opening and
/// checking a connection each give up after `wait`, so that an outage or an
/// exhausted pool is answered (503) instead of hanging the request.
pub fn pool_waiting(database_url: &str, max_size: usize, wait: Duration) -> anyhow::Result<DbPool> {
    // No `SELECT 1` on every checkout (diesel-async's default): a connection
    // the server closed is already known to be closed and is replaced; one
    // that dies in between fails its statement, which answers 503 (see
    // `is_connection_lost`). A page borrows up to three times: that was three
    // round trips of nothing.
    let mut config = diesel_async::pooled_connection::ManagerConfig::default();
    config.recycling_method = diesel_async::pooled_connection::RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(wait))
        .create_timeout(Some(wait))
        .recycle_timeout(Some(wait))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// Closes a connection instead of giving it back to the pool, after a bulk
/// statement (a usage request's arrays of 10,000 records). tokio-postgres keeps
/// its buffers at their largest for the connection's life, about 2 MiB after a
/// 10,000-record request, and the pool hands its connections out in turn, so
/// every pooled connection would come to hold that much. The pool opens a new
/// one when it needs it.
pub fn retire(conn: DbConn) {
    drop(Object::take(conn));
}

/// Whether a query failed because the connection to PostgreSQL is gone (the
/// server stopped or killed it), as opposed to a problem with the query.
pub fn is_connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::DatabaseErrorKind as K;
    matches!(
        e,
        diesel::result::Error::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _)
    )
}

/// Creates the database named in `database_url` when it does not exist yet,
/// connecting to the `postgres` maintenance database of the same server.
pub async fn ensure_database(database_url: &str) -> anyhow::Result<()> {
    if AsyncPgConnection::establish(database_url).await.is_ok() {
        return Ok(());
    }
    let mut url = url::Url::parse(database_url).context("DATABASE_URL is not a URL")?;
    let name = url.path().trim_start_matches('/').to_string();
    anyhow::ensure!(!name.is_empty(), "DATABASE_URL names no database");
    url.set_path("/postgres");
    let mut conn = AsyncPgConnection::establish(url.as_str())
        .await
        .context("connecting to the PostgreSQL server named by DATABASE_URL")?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    match diesel::sql_query(format!("CREATE DATABASE {quoted}"))
        .execute(&mut conn)
        .await
    {
        Ok(_) => tracing::info!(database = %name, "created the database"),
        // Another instance created it between our two connections.
        Err(diesel::result::Error::DatabaseError(_, info)) if info.message().contains("already exists") => {}
        Err(e) => return Err(e).context("creating the database"),
    }
    Ok(())
}

/// Applies pending migrations. Runs on a blocking thread through
/// `AsyncConnectionWrapper`, because diesel's migration harness is synchronous and
/// must not block actix's current-thread runtime.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<()> {
    let url = database_url.to_string();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)
            .context("connecting to run migrations")?;
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")),
            &mut conn,
        )
        .context("taking the migration lock")?;
        let applied: anyhow::Result<Vec<String>> = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())
            .map_err(|e| anyhow::anyhow!("applying migrations: {e}"));
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")),
            &mut conn,
        )
        .context("releasing the migration lock")?;
        for version in applied? {
            tracing::info!(%version, "applied migration");
        }
        Ok(())
    })
    .await
    .context("the migration thread panicked")?
}

/// Reverts every migration (used by the reversibility test and `migrate --down`).
pub async fn revert_all_migrations(database_url: &str) -> anyhow::Result<()> {
    revert_migrations_after(database_url, "").await
}

/// Reverts, newest first, every applied migration whose version (the
/// directory's leading date and time, digits only) sorts after `version`;
/// the tests of a migration's data changes use it to go back before one.
pub async fn revert_migrations_after(database_url: &str, version: &str) -> anyhow::Result<()> {
    let url = database_url.to_string();
    let version = version.to_string();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&url)?;
        let reverting = |e| anyhow::anyhow!("reverting migrations: {e}");
        while let Some(last) = conn.applied_migrations().map_err(reverting)?.into_iter().max() {
            if last.to_string() <= version {
                break;
            }
            conn.revert_last_migration(MIGRATIONS).map_err(reverting)?;
        }
        Ok(())
    })
    .await
    .context("the migration thread panicked")?
}

/// `SELECT 1`, for readiness.
pub async fn ping(pool: &DbPool) -> anyhow::Result<()> {
    let mut conn = pool.get().await.context("borrowing a connection")?;
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>("1"))
        .execute(&mut conn)
        .await
        .context("SELECT 1")?;
    Ok(())
}

/// Why a connection could not be borrowed.
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// A database failure of either kind: no connection to be had, or a failed
/// statement (for functions that borrow their own connections).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database pool: {0}")]
    Pool(#[from] PoolError),
    #[error("database query: {0}")]
    Query(#[from] diesel::result::Error),
}
