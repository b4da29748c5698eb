use std::io::Write;
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::helpers::{database_url, fresh_database_name, server_url, spawn_app};
use crate::scratch::ScratchDir;

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

/// The binary, to be started in `dir` (so that only a `.env` the test writes
/// there is read) with nothing of the test runner's environment.
fn binary(dir: &ScratchDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_billing-center"));
    command
        .current_dir(dir.path())
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// `billing-center serve` in `dir` on the database `database`, every port picked
/// by the system.
fn serve(dir: &ScratchDir, database: &str) -> Command {
    let mut command = binary(dir);
    command
        .arg("serve")
        .env("DATABASE_URL", database_url(database))
        .env("APP_LISTEN", "127.0.0.1:0")
        .env("APP_SANDBOX_LISTEN", "127.0.0.1:0")
        .env("APP_SANDBOX_SMTP_LISTEN", "127.0.0.1:0");
    command
}

/// Runs `command`, typing `stdin` into it; fails the test if it is still
/// running after a minute (a server that should have refused to start).
async fn finish(mut command: Command, stdin: &str) -> Output {
    let mut child = command.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after a minute: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.wait_with_output().unwrap()
}

/// Runs the binary against `database_url`, typing `stdin` into it.
async fn cli(database_url: &str, args: &[&str], stdin: &str) -> Output {
    let dir = ScratchDir::new();
    let mut command = binary(&dir);
    command.env("DATABASE_URL", database_url).args(args);
    finish(command, stdin).await
}

/// Whether the test server has a database of this name.
async fn database_exists(name: &str) -> bool {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = AsyncPgConnection::establish(&server_url()).await.unwrap();
    diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<N>(&mut conn)
        .await
        .unwrap()
        .n
        == 1
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn the_operator_command_creates_an_account_that_can_log_in() {
    let app = spawn_app().await;
    let create = async |username: &str, email: &str, phone: &str| {
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
        cli(&app.database_url, &args, "correct horse battery staple\n").await
    };
    let out = create("carol", "carol@example.com", "13700001111").await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Created Billing Center account carol"));
    app.login("13700001111").await;

    // A second account with the same email is refused with a message naming the flag.
    let out = create("carol2", "CAROL@example.com", "13700002222").await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--email"));
}

#[tokio::test]
async fn production_refuses_unsafe_defaults_naming_the_variable() {
    let dir = ScratchDir::new();
    let mut command = binary(&dir);
    command
        .arg("serve")
        .env("APP_ENV", "production")
        .env("APP_SANDBOX", "off");
    let out = finish(command, "").await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("APP_SESSION_KEY"));
}

/// `serve` on a fresh database with one listen address taken: it must stop
/// with the variable's name before creating (let alone migrating) anything.
async fn serve_with_taken(variable: &str) {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let database = fresh_database_name();
    let dir = ScratchDir::new();
    let mut command = serve(&dir, &database);
    command.env(variable, &address);

    let out = finish(command, "").await;

    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(
        message.contains(&format!("{variable} {address}")) && message.contains(".env"),
        "{message}"
    );
    assert!(
        !database_exists(&database).await,
        "the database was created before the port was checked"
    );
}

#[tokio::test]
async fn a_taken_portal_port_stops_the_start_before_the_database_naming_app_listen() {
    serve_with_taken("APP_LISTEN").await;
}

#[tokio::test]
async fn a_taken_sandbox_port_stops_the_start_before_the_database_naming_its_variable() {
    serve_with_taken("APP_SANDBOX_LISTEN").await;
    serve_with_taken("APP_SANDBOX_SMTP_LISTEN").await;
}

#[tokio::test]
async fn a_dotenv_file_in_the_working_directory_is_read_and_the_environment_wins() {
    let (in_file, in_env) = (fresh_database_name(), fresh_database_name());
    let dir = ScratchDir::new();
    dir.write(
        ".env",
        &format!(
            "# the developer's settings\nDATABASE_URL={}\n",
            database_url(&in_file)
        ),
    );

    // A variable set in the environment wins over the file.
    let mut command = binary(&dir);
    command.arg("migrate").env("DATABASE_URL", database_url(&in_env));
    let out = finish(command, "").await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(database_exists(&in_env).await);
    assert!(!database_exists(&in_file).await);

    // Unset there, the file's value is used.
    let mut command = binary(&dir);
    command.arg("migrate");
    let out = finish(command, "").await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(database_exists(&in_file).await);

    // A file that cannot be read stops the start, naming it.
    dir.write(".env", "DATABASE_URL postgres://nowhere\n");
    let out = finish(binary(&dir), "").await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains(".env"), "{}", stderr(&out));
}

#[tokio::test]
async fn the_example_settings_file_copied_to_dotenv_is_read_as_is() {
    let database = fresh_database_name();
    let dir = ScratchDir::new();
    dir.write(".env", include_str!("../../.env.example"));
    let mut command = binary(&dir);
    command
        .arg("migrate")
        .env("DATABASE_URL", database_url(&database));

    let out = finish(command, "").await;

    assert!(out.status.success(), "{}", stderr(&out));
    assert!(database_exists(&database).await);
}

#[tokio::test]
async fn ctrl_c_lets_a_request_in_flight_finish_before_the_process_exits() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let dir = ScratchDir::new();
    let command = serve(&dir, &fresh_database_name());
    let mut server = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let address = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let line = lines.next_line().await.unwrap().expect("the portal's address");
            if let Some(rest) = line.strip_prefix("Billing Center portal: http://") {
                return rest.trim_end_matches('/').to_string();
            }
        }
    })
    .await
    .expect("the portal started");
    // Keep reading the log, so the server never blocks writing it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    // A request in flight: its headers are in (the server said "100 Continue"),
    // its body is still to come when Ctrl-C arrives.
    let mut connection = tokio::net::TcpStream::connect(&address).await.unwrap();
    let body = "action=verify";
    connection
        .write_all(
            format!(
                "POST /api/aliyun/spi HTTP/1.1\r\nHost: localhost\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: {}\r\nExpect: 100-continue\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut interim = [0u8; 25];
    connection.read_exact(&mut interim).await.unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    let pid = server.id().unwrap().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );

    // The server stops accepting...
    let deadline = Instant::now() + Duration::from_secs(15);
    while tokio::net::TcpStream::connect(&address).await.is_ok() {
        assert!(Instant::now() < deadline, "still accepting after Ctrl-C");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // ...but answers the request in flight (no token: 403), then exits cleanly.
    connection.write_all(body.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = connection.read_to_end(&mut answer).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 403"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let status = tokio::time::timeout(Duration::from_secs(60), server.wait())
        .await
        .expect("the process exited")
        .unwrap();
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn operators_set_arbitrary_settlement_and_list_workspaces() {
    let app = spawn_app().await;
    app.create_account("alice").await;
    let workspace = app
        .as_user("alice")
        .await
        .add_workspace("Prod", "us1", &[("method", "billing_center")])
        .await;
    let run = async |args: &[&str]| cli(&app.database_url, args, "").await;
    let out = run(&[
        "account",
        "set-arbitrary-settlement",
        "--username",
        "alice",
        "--on",
    ])
    .await;
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
    ])
    .await;
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
    ])
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--username"));

    let out = run(&["workspace", "list", "--username", "alice"]).await;
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        listing.contains(&workspace)
            && listing.contains("billing_center")
            && listing.contains("1 workspace(s).")
    );
}
