//! One window per user, with two real processes: this test holds the socket the way a running
//! window does (through the same code), starts `atelier photo.png` as a second process and checks
//! that it hands the path over and exits without opening a window; a socket file left by a crashed
//! window does not lock the next start out.
#![cfg(all(feature = "gui", unix))]
// Helpers outside #[test] functions may panic too: a failed set-up is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use atelier::gui::single_instance::{self, Instance};

/// `atelier args…` with its runtime folder in `runtime` and no display (a window cannot open).
fn second_start(runtime: &std::path::Path, args: &[&str]) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    common::command(home.path())
        .args(args)
        .env("XDG_RUNTIME_DIR", runtime)
        .env("HOME", home.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap()
}

#[test]
fn a_second_start_hands_its_pictures_to_the_running_window_and_exits() {
    let runtime = tempfile::tempdir().unwrap();
    let Instance::Primary(listener) = single_instance::claim(runtime.path(), &[]).unwrap() else {
        panic!("the first start owns the socket")
    };
    let handovers = single_instance::listen(listener, Box::new(|| {})).unwrap();

    let output = second_start(runtime.path(), &["photo.png", "/tmp/other picture.jpg"]);
    assert_eq!(output.status.code(), Some(0), "stderr: {}", common::text(&output.stderr));
    common::assert_no_panic(&output);
    assert!(common::text(&output.stderr).contains("already open"), "{}", common::text(&output.stderr));

    let deadline = Instant::now() + Duration::from_secs(10);
    let paths = loop {
        if let Some(paths) = handovers.try_recv() {
            break paths;
        }
        assert!(Instant::now() < deadline, "the paths did not arrive");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(paths.len(), 2);
    assert!(paths[0].is_absolute() && paths[0].ends_with("photo.png"), "{paths:?}");
    assert_eq!(paths[1], PathBuf::from("/tmp/other picture.jpg"));
}

#[test]
fn a_socket_left_by_a_crashed_window_does_not_lock_the_next_start_out() {
    let runtime = tempfile::tempdir().unwrap();
    let socket = runtime.path().join("atelier.sock");
    // Bound and dropped without removing the file: what a killed window leaves behind.
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());

    // The next start takes the socket over and tries to open its window, which fails here (no
    // display): the failure is about the display, not about another instance.
    let output = second_start(runtime.path(), &["photo.png"]);
    let stderr = common::text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("could not open the window"), "{stderr}");
    assert!(!stderr.contains("already open") && !stderr.contains("warning"), "{stderr}");
    assert!(!socket.exists(), "the socket of the window that did not open is removed");
}
