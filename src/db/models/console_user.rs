//! Registration ("console") users, one per site.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::console_users;

/// A console user as stored.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = console_users, check_for_backend(diesel::pg::Pg))]
pub struct ConsoleUser {
    pub id: i64,
    pub site: String,
    pub username: String,
    pub email: String,
    pub phone: String,
    pub password_hash: String,
    pub company_name: String,
}

/// A new console user (registration step 2).
#[derive(Debug, Insertable)]
#[diesel(table_name = console_users)]
pub struct NewConsoleUser<'a> {
    pub site: &'a str,
    pub username: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub password_hash: &'a str,
    pub company_name: &'a str,
}

/// Which identifiers are already taken on a site.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Taken {
    pub username: bool,
    pub email: bool,
    pub phone: bool,
}

impl Taken {
    /// Nothing is taken.
    pub fn none(self) -> bool {
        !(self.username || self.email || self.phone)
    }
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

impl ConsoleUser {
    /// Which of the identifiers another user of `site` already has.
    pub async fn taken_on_site(
        conn: &mut AsyncPgConnection,
        site: &str,
        username: &str,
        email: &str,
        phone: &str,
    ) -> QueryResult<Taken> {
        let on_site = || console_users::table.filter(console_users::site.eq(site.to_string()));
        let exists = |n: i64| n > 0;
        Ok(Taken {
            username: exists(
                on_site()
                    .filter(lower(console_users::username).eq(username.to_lowercase()))
                    .count()
                    .get_result(conn)
                    .await?,
            ),
            email: exists(
                on_site()
                    .filter(lower(console_users::email).eq(email.to_lowercase()))
                    .count()
                    .get_result(conn)
                    .await?,
            ),
            phone: exists(
                on_site()
                    .filter(console_users::phone.eq(phone.to_string()))
                    .count()
                    .get_result(conn)
                    .await?,
            ),
        })
    }

    /// Inserts; `None` when a unique identifier was taken meanwhile. A repeat
    /// of the same registration (a double click on step 2) finds the row its
    /// first submission made: the password hash, salted at random in step 1,
    /// names the registration.
    pub async fn create(
        conn: &mut AsyncPgConnection,
        new: &NewConsoleUser<'_>,
    ) -> QueryResult<Option<ConsoleUser>> {
        let inserted = diesel::insert_into(console_users::table)
            .values(new)
            .on_conflict_do_nothing()
            .returning(ConsoleUser::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        if inserted.is_some() {
            return Ok(inserted);
        }
        console_users::table
            .filter(console_users::site.eq(new.site))
            .filter(lower(console_users::username).eq(new.username.to_lowercase()))
            .filter(console_users::password_hash.eq(new.password_hash))
            .select(ConsoleUser::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Loads and locks a console user for the rest of the transaction.
    pub async fn lock(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<ConsoleUser>> {
        console_users::table
            .find(id)
            .select(ConsoleUser::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()
    }
}
