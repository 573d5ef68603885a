//! `data::download_files` against a small HTTP server on 127.0.0.1: a good mirror, one that drops
//! the connection mid-file, one that serves wrong bytes, one that answers 404; and cancelling.
//! After any failure, no file exists under a final name and no temporary file is left.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] functions panic on purpose

mod data_fixtures;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use atelier::data::idx::gzip;
use atelier::data::{DataError, DownloadProgress, FileOutcome, download_files, read_release};
use data_fixtures::{manifest, raw_release};

/// How the server misbehaves on the third file (`t10k-images-idx3-ubyte.gz`).
#[derive(Clone, Copy, PartialEq)]
enum Mirror {
    Good,
    DropsConnection,
    WrongBytes,
    Missing,
}

const FAULTY_FILE: &str = "t10k-images-idx3-ubyte.gz";

/// Starts a server serving the tiny release; returns its base URL and a request counter.
fn serve(mirror: Mirror) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    let files: Vec<(String, Vec<u8>)> =
        raw_release().into_iter().map(|(name, raw)| (format!("{name}.gz"), gzip(&raw).unwrap())).collect();
    std::thread::Builder::new()
        .name("test-helper".to_owned())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap() > 2 {
                    line.clear();
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/');
                let Some((name, body)) = files.iter().find(|(name, _)| name == path) else {
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    continue;
                };
                let faulty = name == FAULTY_FILE;
                if faulty && mirror == Mirror::Missing {
                    let _ = stream.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    );
                    continue;
                }
                let mut body = body.clone();
                if faulty && mirror == Mirror::WrongBytes {
                    // Well-formed gzip of the wrong content: only the checksum can tell.
                    let (_, mut raw) = raw_release().swap_remove(2);
                    raw[100] ^= 0xff;
                    body = gzip(&raw).unwrap();
                }
                let header =
                    format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                let _ = stream.write_all(header.as_bytes());
                if faulty && mirror == Mirror::DropsConnection {
                    let _ = stream.write_all(&body[..body.len() / 2]);
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    continue;
                }
                let _ = stream.write_all(&body);
            }
        })
        .unwrap();
    (url, requests)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

fn run(
    mirror: Mirror,
    to: &Path,
) -> (Result<atelier::data::DownloadReport, DataError>, Vec<DownloadProgress>) {
    let (url, _) = serve(mirror);
    let mut seen = Vec::new();
    let result = download_files(
        to,
        &url,
        &manifest(),
        &mut |p: &DownloadProgress| seen.push(p.clone()),
        &AtomicBool::new(false),
    );
    (result, seen)
}

#[test]
fn a_good_mirror_gives_four_verified_files_that_load() {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("fashion-mnist");
    let (result, progress) = run(Mirror::Good, &to);
    let report = result.unwrap();
    assert!(report.files.iter().all(|(_, outcome)| matches!(outcome, FileOutcome::Downloaded(_))));
    assert_eq!(
        entries(&to),
        [
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz"
        ]
    );
    let (train, test, _) = read_release(&to, &manifest()).unwrap();
    assert_eq!((train.len(), test.len()), (20, 10));
    let last = progress.last().unwrap();
    assert_eq!((last.file_index, last.file_count), (3, 4));
    assert_eq!(Some(last.received_bytes), last.total_bytes);
}

#[test]
fn files_already_present_and_verified_are_not_fetched_again() {
    let dir = tempfile::tempdir().unwrap();
    run(Mirror::Good, dir.path()).0.unwrap();
    let (url, requests) = serve(Mirror::Good);
    let report = download_files(
        dir.path(),
        &url,
        &manifest(),
        &mut |_: &DownloadProgress| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    assert!(report.files.iter().all(|(_, outcome)| *outcome == FileOutcome::AlreadyPresent));
    assert_eq!(requests.load(Ordering::SeqCst), 0);
}

#[test]
fn a_dropped_connection_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let error = run(Mirror::DropsConnection, dir.path()).0.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, DataError::ConnectionLost { .. } | DataError::Http { .. }), "{message}");
    assert!(message.contains(FAULTY_FILE), "{message}");
    assert_eq!(entries(dir.path()), Vec::<String>::new(), "nothing under any name");
}

#[test]
fn wrong_bytes_are_refused_by_checksum_and_leave_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let error = run(Mirror::WrongBytes, dir.path()).0.unwrap_err();
    assert!(matches!(error, DataError::DownloadMismatch { .. }), "{error}");
    assert!(error.to_string().contains(FAULTY_FILE), "{error}");
    assert_eq!(entries(dir.path()), Vec::<String>::new());
}

#[test]
fn a_missing_file_on_the_mirror_is_an_http_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = run(Mirror::Missing, dir.path()).0.unwrap_err();
    assert!(error.to_string().contains("404"), "{error}");
    assert_eq!(entries(dir.path()), Vec::<String>::new());
}

#[test]
fn cancelling_stops_and_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = serve(Mirror::Good);
    let cancel = AtomicBool::new(false);
    let mut calls = 0;
    let result = download_files(
        dir.path(),
        &url,
        &manifest(),
        &mut |_: &DownloadProgress| {
            calls += 1;
            if calls == 3 {
                cancel.store(true, Ordering::SeqCst);
            }
        },
        &cancel,
    );
    assert!(matches!(result, Err(DataError::Cancelled)), "{result:?}");
    assert_eq!(entries(dir.path()), Vec::<String>::new());
}
