//! The `atelier` binary: no subcommand opens the window, anything else runs the command line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = atelier::cli::Args::parse();
    match atelier::cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
