//! The `atelier` binary: no subcommand opens the window, anything else runs the command line. This
//! is the one place that knows both: `cli` never imports `gui`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // SAFETY: first thing in `main`: no other thread exists yet.
    unsafe { atelier::ops::init_process() };
    atelier::crash_report::install();
    atelier::crash_report::panic_if_asked();
    let args = atelier::cli::Args::parse();
    let result = atelier::cli::apply_global_options(&args).and_then(|()| match args.command {
        Some(command) => atelier::cli::run(command, args.data_dir.as_deref()),
        None => open_window(args.data_dir, args.images),
    });
    match result {
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

#[cfg(feature = "gui")]
fn open_window(data_dir: Option<std::path::PathBuf>, images: Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    atelier::gui::run(atelier::gui::LaunchOptions { data_dir, images })
}

#[cfg(not(feature = "gui"))]
fn open_window(
    _data_dir: Option<std::path::PathBuf>,
    _images: Vec<std::path::PathBuf>,
) -> anyhow::Result<()> {
    anyhow::bail!("this build has no window (built without the `gui` feature); try `atelier --help`")
}
