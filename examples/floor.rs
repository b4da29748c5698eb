//! The benchmark's floor: what this stack serves when a page does the least a
//! page can do (TechEmpower's Fortunes: one `SELECT` of 12 rows, one more row
//! added in memory, sorted, rendered by an askama template), on the same
//! crates and pool settings as the product. `scripts/bench` runs it beside
//! the portal and reports every scenario as a ratio to it. Not part of the
//! product.
//!
//! `DATABASE_URL`, `FLOOR_LISTEN` (default 127.0.0.1:18090),
//! `APP_DATABASE_POOL_SIZE` and `APP_WORKERS` as the product reads them.

use actix_web::{App, HttpResponse, HttpServer, web};
use askama::Template;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

diesel::table! {
    bench_fortunes (id) {
        id -> Integer,
        message -> Text,
    }
}

/// Through diesel's query builder, whose statements each connection keeps
/// prepared, as the product's are.
#[derive(Queryable)]
struct Fortune {
    id: i32,
    message: String,
}

#[derive(Template)]
#[template(path = "fortunes.html")]
struct FortunesPage {
    fortunes: Vec<Fortune>,
}

const SEED: &str = "
CREATE TABLE IF NOT EXISTS bench_fortunes (id INTEGER PRIMARY KEY, message TEXT NOT NULL);
INSERT INTO bench_fortunes (id, message) VALUES
 (1, 'fortune: No such file or directory'),
 (2, 'A computer scientist is someone who fixes things that aren''t broken.'),
 (3, 'After enough decimal places, nobody gives a damn.'),
 (4, 'A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1'),
 (5, 'A computer program does what you tell it to do, not what you want it to do.'),
 (6, 'Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen'),
 (7, 'Any program that runs right is obsolete.'),
 (8, 'A list is only as strong as its weakest link. — Donald Knuth'),
 (9, 'Feature: A bug with seniority.'),
 (10, 'Computers make very fast, very accurate mistakes.'),
 (11, '<script>alert(\"This should not be displayed in a browser alert box.\");</script>'),
 (12, 'フレームワークのベンチマーク')
ON CONFLICT (id) DO NOTHING;";

async fn fortunes(
    pool: web::Data<billing_center::db::DbPool>,
) -> Result<HttpResponse, billing_center::error::AppError> {
    let mut conn = pool.get().await?;
    let mut fortunes: Vec<Fortune> = bench_fortunes::table
        .select((bench_fortunes::id, bench_fortunes::message))
        .load(&mut conn)
        .await?;
    drop(conn);
    fortunes.push(Fortune {
        id: 0,
        message: "Additional fortune added at request time.".into(),
    });
    fortunes.sort_by(|a, b| a.message.cmp(&b.message));
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(FortunesPage { fortunes }.render().map_err(anyhow::Error::from)?))
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let settings = billing_center::settings::Settings::from_env()?;
    let url = secrecy::ExposeSecret::expose_secret(&settings.database_url).to_string();
    billing_center::db::ensure_database(&url).await?;
    let pool = billing_center::db::pool_waiting(&url, settings.database_pool_size, settings.database_wait)?;
    {
        let mut conn = pool.get().await?;
        diesel_async::SimpleAsyncConnection::batch_execute(&mut *conn, SEED).await?;
    }
    let listen = std::env::var("FLOOR_LISTEN").unwrap_or_else(|_| "127.0.0.1:18090".into());
    let data = web::Data::new(pool);
    println!("floor: http://{listen}/");
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/", web::get().to(fortunes))
    })
    .workers(settings.workers)
    .bind(&listen)?
    .run()
    .await?;
    Ok(())
}
