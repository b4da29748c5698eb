use std::process::Command;

use crate::helpers::{database_url, fresh_database_name, run_cli, spawn_app};

#[tokio::test]
async fn start_up_creates_the_database_and_applies_every_migration() {
    let app = spawn_app().await;
    let applied = app
        .count("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .await;
    let shipped = std::fs::read_dir("migrations").unwrap().count() as i64;
    assert_eq!(applied, shipped);
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn every_migration_reverts_and_applies_again() {
    let url = database_url(&fresh_database_name());
    billing_center::db::ensure_database(&url).await.unwrap();
    billing_center::db::run_migrations(&url).await.unwrap();
    billing_center::db::revert_all_migrations(&url).await.unwrap();
    billing_center::db::run_migrations(&url).await.unwrap();
}

/// Runs the binary against `database_url`, typing `stdin` into it.
fn cli(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    run_cli(database_url, &[], args, stdin)
}

#[tokio::test]
async fn the_operator_command_creates_an_account_that_can_log_in() {
    let app = spawn_app().await;
    let create = |username: &str, email: &str, phone: &str| {
        let args = [
            "account",
            "create",
            "--username",
            username,
            "--email",
            email,
            "--phone",
            phone,
        ];
        cli(&app.database_url, &args, "correct horse battery staple\n")
    };
    let out = create("carol", "carol@example.com", "13700001111");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created Billing Center account carol"));
    app.login("13700001111").await;

    // A second account with the same email is refused with a message naming the flag.
    let out = create("carol2", "CAROL@example.com", "13700002222");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--email"));
}

#[tokio::test]
async fn production_refuses_unsafe_defaults_naming_the_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_billing-center"))
        .arg("serve")
        .env("APP_ENV", "production")
        .env("APP_SANDBOX", "off")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("APP_SESSION_KEY"));
}

#[tokio::test]
async fn operators_set_arbitrary_settlement_and_list_workspaces() {
    let app = spawn_app().await;
    let alice = app.create_account("alice").await;
    app.execute(&format!(
        "INSERT INTO workspaces (id, name, site, language, account_id, settlement_method) VALUES ('wksp_{}', 'Prod', 'us1', 'en', {}, 'billing_center')",
        "a".repeat(32),
        alice.id
    ))
    .await;
    let run = |args: &[&str]| cli(&app.database_url, args, "");
    let out = run(&[
        "account",
        "set-arbitrary-settlement",
        "--username",
        "alice",
        "--on",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        app.count("SELECT count(*) AS n FROM accounts WHERE arbitrary_settlement")
            .await,
        1
    );
    let out = run(&[
        "account",
        "set-arbitrary-settlement",
        "--username",
        "alice",
        "--off",
    ]);
    assert!(out.status.success());
    assert_eq!(
        app.count("SELECT count(*) AS n FROM accounts WHERE arbitrary_settlement")
            .await,
        0
    );
    let out = run(&[
        "account",
        "set-arbitrary-settlement",
        "--username",
        "nobody",
        "--on",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--username"));

    let out = run(&["workspace", "list", "--username", "alice"]);
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains(&format!("wksp_{}", "a".repeat(32)))
            && listing.contains("billing_center")
            && listing.contains("1 workspace(s).")
    );
}
