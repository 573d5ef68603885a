//! The `atelier` binary: no subcommand opens the window, anything else runs the command line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    atelier::ops::init_process();
    atelier::crash_report::install();
    atelier::crash_report::panic_if_asked();
    let args = atelier::cli::Args::parse();
    let outcome = match args.command {
        #[cfg(feature = "gui")]
        None => open_window(args),
        _ => atelier::cli::run(args),
    };
    match outcome {
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

/// No subcommand: the window (or, when one is open already, a hand-over of the pictures to it).
#[cfg(feature = "gui")]
fn open_window(args: atelier::cli::Args) -> anyhow::Result<()> {
    if let Some(threads) = args.threads {
        atelier::ops::set_num_threads(threads)?;
    }
    atelier::gui::run(atelier::gui::LaunchOptions { data_dir: args.data_dir, images: args.images })
}
