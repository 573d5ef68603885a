//! One window per user: the first start listens on a Unix socket in the user's runtime folder; a
//! second start (a file manager's "Open with Atelier") hands its picture paths to that window and
//! exits, so two windows never overwrite each other's settings.
//!
//! The wire format is the paths as raw bytes, each followed by a NUL byte (no path contains one),
//! then the end of the stream; the window answers `ok` once it has queued them.

use std::io::{Read as _, Write as _};
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use crossbeam_channel::{Receiver, Sender};

/// The socket's file name inside the runtime folder.
const SOCKET_NAME: &str = "atelier.sock";
/// How long a second start waits for the window's answer before starting a window itself.
const HANDOVER_TIMEOUT: Duration = Duration::from_secs(3);
/// Hand-overs waiting for the UI to take them (each one is a short list of paths).
const QUEUE: usize = 16;
/// A hand-over larger than this is refused (a file manager passes a few paths).
const MAX_MESSAGE_BYTES: u64 = 1 << 20;

/// What starting found.
pub enum Instance {
    /// No window was running: this process opens one and receives later starts' paths.
    Primary(Listener),
    /// A window was running and took the paths: this process has nothing more to do.
    HandedOver,
}

/// The socket a window listens on, before its thread starts ([`listen`]); dropped unused (the
/// window did not open), it removes its file.
pub struct Listener {
    socket: UnixListener,
    path: PathBuf,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener").field("path", &self.path).finish_non_exhaustive()
    }
}

/// Paths handed over by later starts, for the window to open (the list may be empty: the user
/// only started Atelier again, and the window should come to the front).
pub struct Handovers {
    receiver: Receiver<Vec<PathBuf>>,
    /// The socket file, removed when the window closes (its thread blocks in `accept` until the
    /// process ends, so it cannot do that itself).
    path: PathBuf,
}

impl Drop for Handovers {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Handovers {
    /// The next hand-over, if one arrived.
    #[must_use]
    pub fn try_recv(&self) -> Option<Vec<PathBuf>> {
        self.receiver.try_recv().ok()
    }
}

/// The folder for the socket: `$XDG_RUNTIME_DIR`, or else a folder of our own (mode 0700) in the
/// temporary folder, named after the user id.
///
/// # Errors
/// The fallback folder cannot be created, or exists but belongs to someone else or is open to others.
pub fn socket_folder() -> anyhow::Result<PathBuf> {
    if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from)
        && runtime.is_absolute()
        && runtime.is_dir()
    {
        return Ok(runtime);
    }
    private_temp_folder()
}

fn private_temp_folder() -> anyhow::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, PermissionsExt as _};
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    let folder = std::env::temp_dir().join(format!("atelier-{uid}"));
    match std::fs::DirBuilder::new().mode(0o700).create(&folder) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(error).with_context(|| format!("cannot create {}", folder.display())),
    }
    let metadata =
        std::fs::symlink_metadata(&folder).with_context(|| format!("cannot read {}", folder.display()))?;
    // Someone else's folder (or a link to one) could hand us their paths or take ours.
    if !metadata.is_dir() || metadata.uid() != uid || metadata.permissions().mode() & 0o077 != 0 {
        anyhow::bail!("{} is not a private folder of this user", folder.display());
    }
    Ok(folder)
}

/// Hands `paths` to a running window through the socket in `folder`, or, when none answers,
/// becomes the window that listens there. A socket file left by a window that crashed is
/// removed and replaced.
///
/// # Errors
/// The socket can neither be reached nor created (the caller then opens a window anyway).
pub fn claim(folder: &Path, paths: &[PathBuf]) -> anyhow::Result<Instance> {
    let socket_path = folder.join(SOCKET_NAME);
    // Two attempts: another start may bind between our failed connect and our bind.
    for _ in 0..2 {
        if let Ok(stream) = UnixStream::connect(&socket_path) {
            if hand_over(stream, paths).is_ok() {
                return Ok(Instance::HandedOver);
            }
            // Connected but no answer: a hung window. Do not take its socket away.
            anyhow::bail!("another Atelier window at {} did not answer", socket_path.display());
        }
        // Nothing listens: a stale file from a crash, or no file at all.
        match std::fs::remove_file(&socket_path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error).with_context(|| format!("cannot remove {}", socket_path.display()));
            }
        }
        match UnixListener::bind(&socket_path) {
            Ok(socket) => return Ok(Instance::Primary(Listener { socket, path: socket_path })),
            Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {}
            Err(error) => {
                return Err(error).with_context(|| format!("cannot listen on {}", socket_path.display()));
            }
        }
    }
    anyhow::bail!("cannot claim {}", socket_path.display())
}

fn hand_over(mut stream: UnixStream, paths: &[PathBuf]) -> std::io::Result<()> {
    stream.set_read_timeout(Some(HANDOVER_TIMEOUT))?;
    stream.set_write_timeout(Some(HANDOVER_TIMEOUT))?;
    let mut message = Vec::new();
    for path in paths {
        // Absolute, so the window (started elsewhere) finds the same files.
        let path = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        message.extend_from_slice(path.as_os_str().as_bytes());
        message.push(0);
    }
    stream.write_all(&message)?;
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut answer = Vec::new();
    stream.take(16).read_to_end(&mut answer)?;
    if answer == b"ok" { Ok(()) } else { Err(std::io::Error::other("the window did not take the paths")) }
}

/// Starts the named thread that takes later starts' paths, queues them and calls `wake` (the
/// window's repaint) so the UI opens them at once.
///
/// # Errors
/// The thread could not be started.
pub fn listen(listener: Listener, wake: Box<dyn Fn() + Send>) -> anyhow::Result<Handovers> {
    let (sender, receiver) = crossbeam_channel::bounded(QUEUE);
    let path = listener.path.clone();
    std::thread::Builder::new()
        .name("atelier-instance".to_owned())
        .spawn(move || serve(&listener, &sender, wake.as_ref()))
        .context("could not start the thread that listens for other starts")?;
    Ok(Handovers { receiver, path })
}

fn serve(listener: &Listener, sender: &Sender<Vec<PathBuf>>, wake: &(dyn Fn() + Send)) {
    for stream in listener.socket.incoming() {
        let Ok(stream) = stream else { continue };
        match receive(stream, sender) {
            Ok(()) => wake(),
            // The window has closed: nobody takes paths any more.
            Err(ReceiveError::Closed) => return,
            // One bad client (garbage, a timeout) does not stop the next.
            Err(ReceiveError::BadClient) => {}
        }
    }
}

enum ReceiveError {
    /// The window has gone.
    Closed,
    /// The client sent nothing readable in time, or left before the answer.
    BadClient,
}

fn receive(mut stream: UnixStream, sender: &Sender<Vec<PathBuf>>) -> Result<(), ReceiveError> {
    stream.set_read_timeout(Some(HANDOVER_TIMEOUT)).map_err(|_| ReceiveError::BadClient)?;
    let mut message = Vec::new();
    (&mut stream).take(MAX_MESSAGE_BYTES).read_to_end(&mut message).map_err(|_| ReceiveError::BadClient)?;
    sender.send(parse(&message)).map_err(|_| ReceiveError::Closed)?;
    stream.write_all(b"ok").map_err(|_| ReceiveError::BadClient)
}

/// NUL-terminated paths → paths (empty pieces skipped).
fn parse(message: &[u8]) -> Vec<PathBuf> {
    message
        .split(|&byte| byte == 0)
        .filter(|piece| !piece.is_empty())
        .map(|piece| PathBuf::from(std::ffi::OsStr::from_bytes(piece)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_hands_its_paths_to_the_first_and_a_stale_socket_is_replaced() {
        let folder = tempfile::tempdir().unwrap();
        // A socket file left by a crashed window: nobody listens on it.
        drop(UnixListener::bind(folder.path().join(SOCKET_NAME)).unwrap());
        let Instance::Primary(listener) = claim(folder.path(), &[]).unwrap() else {
            panic!("a stale socket must not keep the first window from starting")
        };
        let woken = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&woken);
        let handovers = listen(
            listener,
            Box::new(move || {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }),
        )
        .unwrap();
        let paths = vec![PathBuf::from("/tmp/a b.png"), PathBuf::from("/tmp/ü.jpg")];
        assert!(matches!(claim(folder.path(), &paths).unwrap(), Instance::HandedOver));
        assert_eq!(handovers.try_recv(), Some(paths));
        // The listener sends the paths, then wakes the window: the wake may come a moment later.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while woken.load(std::sync::atomic::Ordering::SeqCst) == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(woken.load(std::sync::atomic::Ordering::SeqCst), 1);
        drop(handovers);
    }

    #[test]
    fn nul_separated_paths_parse_back() {
        assert_eq!(parse(b"/a\0/b c\0"), vec![PathBuf::from("/a"), PathBuf::from("/b c")]);
        assert!(parse(b"").is_empty());
    }
}
