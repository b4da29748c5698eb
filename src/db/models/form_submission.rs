//! One-time form keys (see `domain::FormKey`): the first submission of a form
//! claims its key inside its own transaction; a concurrent repeat waits on the
//! primary key until that transaction ends, then finds the result (or, when
//! the first was refused and rolled back, claims the key itself).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::form_submissions;
use crate::domain::FormKey;

/// What an earlier submission of `key` created, if one completed.
pub async fn result_of(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    key: &FormKey,
) -> QueryResult<Option<String>> {
    form_submissions::table
        .find((account_id, key.as_ref()))
        .select(form_submissions::result)
        .first(conn)
        .await
        .optional()
}

/// Claims `key` for this transaction; `Some(result)` when an earlier
/// submission already completed (then nothing must be created).
pub async fn claim(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    key: &FormKey,
) -> QueryResult<Option<String>> {
    let claimed = diesel::insert_into(form_submissions::table)
        .values((
            form_submissions::account_id.eq(account_id),
            form_submissions::form_key.eq(key.as_ref()),
            form_submissions::result.eq(""),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if claimed == 1 {
        return Ok(None);
    }
    result_of(conn, account_id, key).await
}

/// Records what the submission that claimed `key` created.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    account_id: i64,
    key: &FormKey,
    result: &str,
) -> QueryResult<()> {
    diesel::update(form_submissions::table.find((account_id, key.as_ref())))
        .set(form_submissions::result.eq(result))
        .execute(conn)
        .await
        .map(drop)
}
