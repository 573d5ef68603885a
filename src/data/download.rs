//! Downloading the four files from a mirror: streamed to temporary files, verified (structure,
//! decompressed size, SHA-256), and only then renamed to their final names, all four together.
//!
//! No printing here: progress goes to a callback (the CLI draws a bar, the GUI worker sends events),
//! and a shared flag cancels.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use super::DataError;
use super::idx::{self, Hashing};
use super::release::{ExpectedFile, hex, official_files};

/// The official Zalando mirror (plain HTTP; integrity comes from the checksums).
pub const OFFICIAL_MIRROR: &str = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

/// Where a download stands, passed to the progress callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadProgress {
    /// The file being fetched (`train-images-idx3-ubyte.gz`).
    pub file: String,
    /// Its position among the files (0-based).
    pub file_index: usize,
    /// How many files there are.
    pub file_count: usize,
    /// Bytes of this file received so far.
    pub received_bytes: u64,
    /// Bytes of this file the server announced, if it did.
    pub total_bytes: Option<u64>,
}

/// What happened to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOutcome {
    /// Fetched and verified; this many compressed bytes.
    Downloaded(u64),
    /// Already there and verified; not fetched again.
    AlreadyPresent,
}

/// The result of a successful download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadReport {
    /// The folder now holding the files.
    pub dir: PathBuf,
    /// Each file's name and outcome, in order.
    pub files: Vec<(String, FileOutcome)>,
}

/// Downloads the official release from `mirror_url` into `to`.
///
/// # Errors
/// See [`download_files`].
pub fn download(
    to: &Path,
    mirror_url: &str,
    progress: &mut dyn FnMut(&DownloadProgress),
    cancel: &AtomicBool,
) -> Result<DownloadReport, DataError> {
    download_files(to, mirror_url, &official_files(), progress, cancel)
}

/// Downloads `files` (`<mirror_url>/<name>.gz` each) into `to`, skipping files already there and
/// verified. Each is streamed to a hidden temporary file and checked; the final names appear only
/// once all files are complete and verified. On any failure the temporary files are removed.
///
/// # Errors
/// Connection failures, an HTTP error status, a connection dropped mid-file, content that is not
/// the expected data, cancellation, or a folder that cannot be written.
pub fn download_files(
    to: &Path,
    mirror_url: &str,
    files: &[ExpectedFile],
    progress: &mut dyn FnMut(&DownloadProgress),
    cancel: &AtomicBool,
) -> Result<DownloadReport, DataError> {
    std::fs::create_dir_all(to).map_err(|source| DataError::Write { path: to.to_path_buf(), source })?;
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(20))
        .timeout_read(Duration::from_secs(60))
        .user_agent(concat!("atelier/", env!("CARGO_PKG_VERSION")))
        .build();
    let mut temps = TempFiles(Vec::new());
    let mut outcomes = Vec::new();
    for (file_index, file) in files.iter().enumerate() {
        let final_path = to.join(file.gz_name());
        if verify_file(&final_path, file).is_ok() {
            outcomes.push((file.gz_name(), FileOutcome::AlreadyPresent));
            continue;
        }
        let url = format!("{}/{}", mirror_url.trim_end_matches('/'), file.gz_name());
        let temp = temp_path(&final_path);
        temps.0.push((temp.clone(), final_path));
        let mut report = |received_bytes, total_bytes| {
            progress(&DownloadProgress {
                file: file.gz_name(),
                file_index,
                file_count: files.len(),
                received_bytes,
                total_bytes,
            });
        };
        let bytes = fetch(&agent, &url, &temp, &mut report, cancel)?;
        verify_bytes(&bytes, file).map_err(|reason| reason.into_error(&url, file))?;
        outcomes.push((file.gz_name(), FileOutcome::Downloaded(bytes.len() as u64)));
    }
    temps.commit()?;
    Ok(DownloadReport { dir: to.to_path_buf(), files: outcomes })
}

/// Temporary files waiting for their final names; removed unless committed.
struct TempFiles(Vec<(PathBuf, PathBuf)>);

impl TempFiles {
    fn commit(mut self) -> Result<(), DataError> {
        for (temp, final_path) in std::mem::take(&mut self.0) {
            std::fs::rename(&temp, &final_path)
                .map_err(|source| DataError::Write { path: final_path.clone(), source })?;
        }
        Ok(())
    }
}

impl Drop for TempFiles {
    fn drop(&mut self) {
        for (temp, _) in &self.0 {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// A hidden name beside `final_path`, unique within this process.
fn temp_path(final_path: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = final_path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let unique = NEXT.fetch_add(1, Ordering::Relaxed);
    final_path.with_file_name(format!(".{name}.part-{}-{unique}", std::process::id()))
}

/// Streams `url` into `temp` and returns the bytes (kept for verification; 26 MB at most).
fn fetch(
    agent: &ureq::Agent,
    url: &str,
    temp: &Path,
    report: &mut dyn FnMut(u64, Option<u64>),
    cancel: &AtomicBool,
) -> Result<Vec<u8>, DataError> {
    let http = |reason: String| DataError::Http { url: url.to_string(), reason };
    let response = agent.get(url).call().map_err(|error| match error {
        ureq::Error::Status(code, response) => {
            http(format!("the server answered {code} {}", response.status_text()))
        }
        // Not `transport.to_string()`: it repeats the URL the message already names.
        ureq::Error::Transport(transport) => http(match transport.message() {
            Some(message) => format!("{}: {message}", transport.kind()),
            None => transport.kind().to_string(),
        }),
    })?;
    let total_bytes = response.header("Content-Length").and_then(|value| value.trim().parse::<u64>().ok());
    let mut reader = response.into_reader();
    let write_error = |source| DataError::Write { path: temp.to_path_buf(), source };
    let mut out = std::fs::File::create(temp).map_err(write_error)?;
    let mut bytes = Vec::with_capacity(usize::try_from(total_bytes.unwrap_or(0)).unwrap_or(0).min(64 << 20));
    let mut chunk = vec![0_u8; 64 * 1024];
    report(0, total_bytes);
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(DataError::Cancelled);
        }
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(match total_bytes {
                    Some(expected_bytes) => DataError::ConnectionLost {
                        url: url.to_string(),
                        received_bytes: bytes.len() as u64,
                        expected_bytes,
                    },
                    None => http(error.to_string()),
                });
            }
        };
        out.write_all(&chunk[..n]).map_err(write_error)?;
        bytes.extend_from_slice(&chunk[..n]);
        report(bytes.len() as u64, total_bytes);
    }
    out.sync_all().map_err(write_error)?;
    if let Some(expected_bytes) = total_bytes.filter(|&expected| expected != bytes.len() as u64) {
        return Err(DataError::ConnectionLost {
            url: url.to_string(),
            received_bytes: bytes.len() as u64,
            expected_bytes,
        });
    }
    Ok(bytes)
}

/// Why downloaded or existing bytes are not the expected file.
enum Invalid {
    /// Not a well-formed IDX file of the right kind.
    Malformed(DataError),
    /// Well-formed, but other content.
    Mismatch { found: String },
}

impl Invalid {
    fn into_error(self, url: &str, file: &ExpectedFile) -> DataError {
        match self {
            Self::Malformed(error) => DataError::Http { url: url.to_string(), reason: error.to_string() },
            Self::Mismatch { found } => {
                DataError::DownloadMismatch { file: file.gz_name(), found, expected: file.sha256.clone() }
            }
        }
    }
}

/// Checks compressed `bytes` against `file`: structure, decompressed size and SHA-256.
fn verify_bytes(bytes: &[u8], file: &ExpectedFile) -> Result<(), Invalid> {
    let content = idx::parse(bytes, Path::new(&file.gz_name()), file.kind, Hashing::Compute)
        .map_err(Invalid::Malformed)?;
    let found = content.sha256.map(|digest| hex(&digest)).unwrap_or_default();
    if content.decompressed_bytes != file.decompressed_bytes || found != file.sha256 {
        return Err(Invalid::Mismatch { found });
    }
    Ok(())
}

/// Whether the file at `path` exists and is exactly `file`.
fn verify_file(path: &Path, file: &ExpectedFile) -> Result<(), Invalid> {
    let bytes = std::fs::read(path)
        .map_err(|source| Invalid::Malformed(DataError::Read { path: path.to_path_buf(), source }))?;
    verify_bytes(&bytes, file)
}
