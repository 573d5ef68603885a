//! The `atelier` binary: no subcommand opens the window, anything else runs the command line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // SAFETY: first thing in `main`: no other thread exists yet.
    unsafe { atelier::ops::init_process() };
    atelier::crash_report::install();
    atelier::crash_report::panic_if_asked();
    let args = atelier::cli::Args::parse();
    match atelier::cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line, whatever a library put in its message.
            let message = format!("{error:#}");
            let lines: Vec<&str> = message.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
            eprintln!("error: {}", lines.join("; "));
            ExitCode::from(2)
        }
    }
}
