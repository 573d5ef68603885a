//! The panic hook: a short crash report (version, thread, message, place, backtrace) written to the
//! user data folder (`~/.local/share/atelier/crash-reports/` on Linux) before the default hook runs.
//!
//! A panic in a worker job is caught and reported in the window (see `worker::run_loop`); the report
//! file is what is left to send to the developers, and the only trace of a panic anywhere else.

use std::fmt::Write as _;
use std::panic::PanicHookInfo;
use std::path::{Path, PathBuf};

/// Folder name under the user data folder.
pub const REPORT_FOLDER: &str = "crash-reports";
/// Older reports beyond this many are removed when a new one is written.
pub const KEEP_REPORTS: usize = 20;
/// Set to `main` to make the `atelier` binary panic on purpose at start-up (tests of the hook).
pub const TEST_PANIC_VAR: &str = "ATELIER_TEST_PANIC";

/// Where reports go: `<user data folder>/crash-reports`, or `None` without a home folder.
#[must_use]
pub fn report_folder() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "atelier").map(|dirs| dirs.data_dir().join(REPORT_FOLDER))
}

/// Installs the hook for the whole process: each panic writes a report into [`report_folder`],
/// says where on stderr, then runs the previous (default) hook.
pub fn install() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Some(folder) = report_folder() {
            match write_report(&folder, info) {
                Ok(path) => eprintln!("atelier: a crash report was written to {}", path.display()),
                Err(error) => {
                    eprintln!("atelier: could not write a crash report in {}: {error}", folder.display());
                }
            }
        }
        previous(info);
    }));
}

/// Panics if the environment asks for it ([`TEST_PANIC_VAR`]): how tests check the hook end to end.
pub fn panic_if_asked() {
    if std::env::var_os(TEST_PANIC_VAR).is_some_and(|value| value == "main") {
        panic!("deliberate panic requested through {TEST_PANIC_VAR}");
    }
}

/// Writes the report for `info` into `folder` (created if needed); returns the file.
///
/// # Errors
/// The folder cannot be created or the file written.
pub fn write_report(folder: &Path, info: &PanicHookInfo<'_>) -> std::io::Result<PathBuf> {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    let location = info.location().map_or_else(String::new, |at| format!("{}:{}", at.file(), at.line()));
    let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
    let backtrace = std::backtrace::Backtrace::force_capture();
    let text = format_report(&message, &location, &thread, &backtrace.to_string());
    std::fs::create_dir_all(folder)?;
    let stamp = crate::files::now_rfc3339().replace(':', "-");
    let path = folder.join(format!("crash-{stamp}-{}.txt", std::process::id()));
    crate::files::write_atomically(&path, text.as_bytes())?;
    prune(folder);
    Ok(path)
}

/// The report's text: what a developer needs first, then the backtrace.
#[must_use]
pub fn format_report(message: &str, location: &str, thread: &str, backtrace: &str) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "Atelier {} crashed", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(text, "time:     {}", crate::files::now_rfc3339());
    let _ = writeln!(text, "system:   {} {}", std::env::consts::OS, std::env::consts::ARCH);
    let _ = writeln!(text, "thread:   {thread}");
    let _ = writeln!(text, "message:  {message}");
    let _ = writeln!(text, "location: {location}");
    let _ = writeln!(text, "\nbacktrace:\n{backtrace}");
    text
}

/// Keeps the newest [`KEEP_REPORTS`] reports (names sort by time); best effort.
fn prune(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    let mut reports: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name().and_then(|name| name.to_str()).is_some_and(|name| {
                name.starts_with("crash-") && path.extension().is_some_and(|ext| ext == "txt")
            })
        })
        .collect();
    if reports.len() <= KEEP_REPORTS {
        return;
    }
    reports.sort();
    for old in &reports[..reports.len() - KEEP_REPORTS] {
        let _ = std::fs::remove_file(old);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_version_thread_message_and_place() {
        let text = format_report("index out of bounds", "src/x.rs:3", "atelier-worker", "0: main");
        assert!(text.starts_with(&format!("Atelier {} crashed\n", env!("CARGO_PKG_VERSION"))));
        for part in
            ["thread:   atelier-worker", "message:  index out of bounds", "location: src/x.rs:3", "0: main"]
        {
            assert!(text.contains(part), "{part} in {text}");
        }
    }

    #[test]
    fn only_the_newest_reports_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..KEEP_REPORTS + 3 {
            std::fs::write(dir.path().join(format!("crash-2026-01-01T00-00-{i:02}Z-1.txt")), "x").unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        prune(dir.path());
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names.len(), KEEP_REPORTS + 1);
        assert!(names.contains(&"notes.txt".to_owned()), "other files stay");
        assert!(!names.contains(&"crash-2026-01-01T00-00-00Z-1.txt".to_owned()), "the oldest went");
    }
}
