//! The `billing-center` binary: parse the command line, set up logging, run.

use clap::Parser;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    billing_center::telemetry::init();
    let cli = billing_center::cli::Cli::parse();
    match billing_center::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("billing-center: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
