//! Billing Center accounts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::accounts;

/// A Billing Center account as stored.
#[derive(Clone, Debug, Queryable, Selectable, Identifiable, serde::Deserialize)]
#[diesel(table_name = accounts, check_for_backend(diesel::pg::Pg))]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub phone: String,
    pub password_hash: String,
    pub company_name: String,
    pub language: String,
    pub arbitrary_settlement: bool,
    pub created_at: DateTime<Utc>,
    pub password_changed_at: DateTime<Utc>,
}

/// The columns of a new account; the rest take their defaults.
#[derive(Debug, Insertable)]
#[diesel(table_name = accounts)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub password_hash: &'a str,
    pub company_name: &'a str,
    pub language: &'a str,
}

/// Which unique login identifier a new account collides with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakenIdentifier {
    Username,
    Email,
    Phone,
}

impl Account {
    /// Inserts `new`; a collision on a unique identifier is reported as such.
    pub async fn create(
        conn: &mut AsyncPgConnection,
        new: &NewAccount<'_>,
    ) -> QueryResult<Result<Account, TakenIdentifier>> {
        let inserted = diesel::insert_into(accounts::table)
            .values(new)
            .returning(Account::as_returning())
            .get_result(conn)
            .await;
        match inserted {
            Ok(account) => Ok(Ok(account)),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                info,
            )) => Ok(Err(match info.constraint_name() {
                Some("accounts_email_key") => TakenIdentifier::Email,
                Some("accounts_phone_key") => TakenIdentifier::Phone,
                _ => TakenIdentifier::Username,
            })),
            Err(e) => Err(e),
        }
    }

    /// Inserts unless a unique identifier is taken (then `None`, and the
    /// transaction stays usable, unlike after a failed insert).
    pub async fn insert_if_free(
        conn: &mut AsyncPgConnection,
        new: &NewAccount<'_>,
    ) -> QueryResult<Option<Account>> {
        diesel::insert_into(accounts::table)
            .values(new)
            .on_conflict_do_nothing()
            .returning(Account::as_returning())
            .get_result(conn)
            .await
            .optional()
    }

    /// Which of the identifiers an account already has.
    pub async fn taken(
        conn: &mut AsyncPgConnection,
        username: &str,
        email: &str,
        phone: &str,
    ) -> QueryResult<Option<TakenIdentifier>> {
        let count = |n: i64| n > 0;
        if count(
            accounts::table
                .filter(lower(accounts::username).eq(username.to_lowercase()))
                .count()
                .get_result(conn)
                .await?,
        ) {
            return Ok(Some(TakenIdentifier::Username));
        }
        if count(
            accounts::table
                .filter(lower(accounts::email).eq(email.to_lowercase()))
                .count()
                .get_result(conn)
                .await?,
        ) {
            return Ok(Some(TakenIdentifier::Email));
        }
        if count(
            accounts::table
                .filter(accounts::phone.eq(phone))
                .count()
                .get_result(conn)
                .await?,
        ) {
            return Ok(Some(TakenIdentifier::Phone));
        }
        Ok(None)
    }

    /// Finds the account a login identifier names: a username or an email
    /// (case-insensitive) or a phone in E.164. The three never overlap.
    pub async fn find_by_login(
        conn: &mut AsyncPgConnection,
        login: &crate::domain::LoginIdentifier,
    ) -> QueryResult<Option<Account>> {
        use crate::domain::LoginIdentifier as L;
        let query = accounts::table.select(Account::as_select()).into_boxed();
        let query = match login {
            L::Username(u) => query.filter(lower(accounts::username).eq(u.as_ref().to_lowercase())),
            L::Email(e) => query.filter(lower(accounts::email).eq(e.as_ref().to_lowercase())),
            L::Phone(p) => query.filter(accounts::phone.eq(p.as_ref())),
        };
        query.first(conn).await.optional()
    }

    /// Finds an account by email, case-insensitively.
    pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<Account>> {
        accounts::table
            .filter(lower(accounts::email).eq(email.to_lowercase()))
            .select(Account::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Loads an account by id.
    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Account>> {
        accounts::table
            .find(id)
            .select(Account::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Sets the operator's `arbitrary_settlement` flag (lifts R3).
    pub async fn set_arbitrary_settlement(
        conn: &mut AsyncPgConnection,
        id: i64,
        on: bool,
    ) -> QueryResult<()> {
        diesel::update(accounts::table.find(id))
            .set(accounts::arbitrary_settlement.eq(on))
            .execute(conn)
            .await
            .map(drop)
    }

    /// Replaces the password hash and records when.
    pub async fn set_password_hash(conn: &mut AsyncPgConnection, id: i64, hash: &str) -> QueryResult<()> {
        diesel::update(accounts::table.find(id))
            .set((
                accounts::password_hash.eq(hash),
                accounts::password_changed_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await
            .map(drop)
    }
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
