//! The `billing-center` binary: read `.env`, parse the command line, set up
//! logging, run.

use std::process::ExitCode;

use clap::Parser;

/// The file of settings read at start-up, from the current directory.
const DOTENV: &str = ".env";

fn main() -> ExitCode {
    // Before the runtime starts any thread: loading sets environment variables.
    // Variables already in the environment win over the file.
    let dotenv = match dotenvy::from_path(DOTENV) {
        Ok(()) => true,
        Err(e) if e.not_found() => false,
        Err(e) => {
            eprintln!("billing-center: {DOTENV}: {e}");
            return ExitCode::FAILURE;
        }
    };
    billing_center::telemetry::init();
    if dotenv {
        tracing::info!("settings read from {DOTENV} (environment variables take precedence)");
    }
    let cli = billing_center::cli::Cli::parse();
    match actix_web::rt::System::new().block_on(billing_center::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("billing-center: {e:#}");
            ExitCode::FAILURE
        }
    }
}
