//! The IDX file format (gzip-compressed or raw): header checks, truncation and padding checks,
//! and reading the body straight into the shared buffer a [`super::Dataset`] keeps.
//!
//! Format: big-endian `u32` magic (2051 images, 2049 labels), `u32` count, for images `u32` rows
//! and `u32` columns, then `count` items of `rows × cols` (or 1) bytes, and nothing after.

use std::io::{self, BufRead, Read};
use std::path::Path;
use std::sync::Arc;

use flate2::bufread::MultiGzDecoder;
use sha2::{Digest, Sha256};

use super::{DataError, IMAGE_SIDE};

/// Magic number of an IDX images file (unsigned bytes, 3 dimensions).
pub const IMAGES_MAGIC: u32 = 2051;
/// Magic number of an IDX labels file (unsigned bytes, 1 dimension).
pub const LABELS_MAGIC: u32 = 2049;

/// The two kinds of IDX file Fashion-MNIST has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdxKind {
    /// 28×28 images, 784 bytes each.
    Images,
    /// One byte per image, 0..=9.
    Labels,
}

impl IdxKind {
    fn magic(self) -> u32 {
        match self {
            Self::Images => IMAGES_MAGIC,
            Self::Labels => LABELS_MAGIC,
        }
    }

    fn header_bytes(self) -> usize {
        match self {
            Self::Images => 16,
            Self::Labels => 8,
        }
    }

    fn article(self) -> &'static str {
        match self {
            Self::Images => "an images",
            Self::Labels => "a labels",
        }
    }
}

/// Whether to compute the SHA-256 of the decompressed content while reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hashing {
    /// Hash header and body (files from disk, checked against the known release).
    Compute,
    /// Skip it (the bundled sample, which is part of the program).
    Skip,
}

/// The image size an images file must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageShape {
    /// 28×28, as Fashion-MNIST and every stored data set.
    Fixed,
    /// Any size from 1×1 to [`MAX_IMPORT_SIDE`] on a side (imports: KMNIST, EMNIST, other sets).
    Any,
}

/// The largest side of an IDX image accepted by [`ImageShape::Any`].
pub const MAX_IMPORT_SIDE: u32 = 1024;

/// The parsed content of one IDX file.
#[derive(Debug)]
pub struct IdxContent {
    /// Items in the file.
    pub count: usize,
    /// Rows per image (1 for a labels file).
    pub rows: usize,
    /// Columns per image (1 for a labels file).
    pub cols: usize,
    /// The items, `count × item size` bytes.
    pub body: Arc<[u8]>,
    /// Decompressed size (header + body).
    pub decompressed_bytes: u64,
    /// SHA-256 of the decompressed content, when asked for.
    pub sha256: Option<[u8; 32]>,
}

/// Deflate cannot expand data by more than about 1032:1; a header promising more than that is
/// lying, and must not make us allocate gigabytes.
const MAX_DEFLATE_RATIO: usize = 1032;
/// No Fashion-MNIST-like file is anywhere near this; refuse to allocate beyond it.
const MAX_BODY_BYTES: usize = 1 << 30;

/// Reads and checks one IDX file from disk (`.gz` or raw, recognised by content).
///
/// The file is streamed (no copy of the compressed bytes in memory) and, when asked, hashed on a
/// second thread while it is decompressed: both keep the full set's load time down.
///
/// # Errors
/// A [`DataError`] naming `path`: unreadable, empty, not gzip, bad magic or dimensions, truncated,
/// padded.
pub fn read_file(path: &Path, kind: IdxKind, hashing: Hashing) -> Result<IdxContent, DataError> {
    read_file_shaped(path, kind, hashing, ImageShape::Fixed)
}

/// Reads and checks one IDX file like [`read_file`], accepting images of any size when `shape` is
/// [`ImageShape::Any`] (their size is in [`IdxContent::rows`] and [`IdxContent::cols`]).
///
/// # Errors
/// See [`read_file`].
pub fn read_file_shaped(
    path: &Path,
    kind: IdxKind,
    hashing: Hashing,
    shape: ImageShape,
) -> Result<IdxContent, DataError> {
    let read_error = |source| DataError::Read { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let length = file.metadata().map_err(read_error)?.len();
    let reader = io::BufReader::with_capacity(1 << 18, file);
    parse_reader(reader, usize::try_from(length).unwrap_or(usize::MAX), path, kind, hashing, shape)
}

/// Checks and parses IDX bytes (gzip-compressed or raw) that came from `path`.
///
/// # Errors
/// See [`read_file`].
pub fn parse(raw: &[u8], path: &Path, kind: IdxKind, hashing: Hashing) -> Result<IdxContent, DataError> {
    parse_reader(raw, raw.len(), path, kind, hashing, ImageShape::Fixed)
}

/// Recognises gzip by its signature (not by the name) and parses what is inside.
fn parse_reader(
    mut reader: impl BufRead,
    length: usize,
    path: &Path,
    kind: IdxKind,
    hashing: Hashing,
    shape: ImageShape,
) -> Result<IdxContent, DataError> {
    let head = reader.fill_buf().map_err(|source| DataError::Read { path: path.to_path_buf(), source })?;
    if head.is_empty() {
        return Err(DataError::Empty { path: path.to_path_buf() });
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        // Multi-member, because some tools write gzip files as several concatenated members.
        let mut decoder = MultiGzDecoder::new(reader);
        parse_stream(&mut decoder, path, kind, hashing, length.saturating_mul(MAX_DEFLATE_RATIO), shape)
    } else if path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("gz")) {
        Err(DataError::NotGzip { path: path.to_path_buf(), what: describe_content(head).to_string() })
    } else {
        parse_stream(&mut reader, path, kind, hashing, length, shape)
    }
}

/// What a file that should be gzip looks like instead.
fn describe_content(raw: &[u8]) -> &'static str {
    if raw.starts_with(b"\x89PNG") {
        "it starts like a PNG image"
    } else if raw.starts_with(&[0xff, 0xd8, 0xff]) {
        "it starts like a JPEG image"
    } else if raw.starts_with(&IMAGES_MAGIC.to_be_bytes()) || raw.starts_with(&LABELS_MAGIC.to_be_bytes()) {
        "it looks like an uncompressed IDX file; remove the .gz from its name"
    } else if raw.starts_with(b"<") {
        "it looks like an HTML or XML page"
    } else {
        "it does not start with the gzip signature"
    }
}

fn parse_stream(
    reader: &mut dyn Read,
    path: &Path,
    kind: IdxKind,
    hashing: Hashing,
    size_bound: usize,
    shape: ImageShape,
) -> Result<IdxContent, DataError> {
    let gz_error = |source: io::Error| stream_error(path, &source);
    let mut header = [0_u8; 16];
    let header = &mut header[..kind.header_bytes()];
    let found = read_full(reader, header).map_err(gz_error)?;
    // The magic number first: a wrong file is better reported as wrong than as short.
    if found >= 4 {
        let magic = be_u32(header, 0);
        if magic != kind.magic() {
            return Err(DataError::BadMagic {
                path: path.to_path_buf(),
                found: magic,
                expected: kind.magic(),
                kind: kind.article(),
            });
        }
    }
    if found < header.len() {
        return Err(DataError::ShortHeader { path: path.to_path_buf(), found, needed: header.len() });
    }
    let count = be_u32(header, 4) as usize;
    let (rows, cols) = match kind {
        IdxKind::Images => (be_u32(header, 8), be_u32(header, 12)),
        IdxKind::Labels => (1, 1),
    };
    if kind == IdxKind::Images {
        let (fits, expected) = match shape {
            ImageShape::Fixed => (rows as usize == IMAGE_SIDE && cols as usize == IMAGE_SIDE, "28×28"),
            ImageShape::Any => (
                (1..=MAX_IMPORT_SIDE).contains(&rows) && (1..=MAX_IMPORT_SIDE).contains(&cols),
                "1×1 to 1024×1024",
            ),
        };
        if !fits {
            return Err(DataError::BadDimensions { path: path.to_path_buf(), rows, cols, expected });
        }
    }
    let (rows, cols) = (rows as usize, cols as usize);
    let body_bytes = count.saturating_mul(rows * cols);
    let expected_bytes = header.len() + body_bytes;
    if body_bytes > MAX_BODY_BYTES || expected_bytes > size_bound {
        let rest = io::copy(reader, &mut io::sink()).map_err(gz_error)?;
        let found_bytes = header.len() + usize::try_from(rest).unwrap_or(usize::MAX);
        return Err(DataError::Truncated { path: path.to_path_buf(), count, expected_bytes, found_bytes });
    }
    // Filled in place: the shared buffer is allocated once, with no copy afterwards.
    let mut body: Arc<[u8]> = std::iter::repeat_n(0_u8, body_bytes).collect();
    let Some(buffer) = Arc::get_mut(&mut body) else {
        unreachable!("a freshly collected Arc has no other owner")
    };
    let (read, sha256) = match hashing {
        Hashing::Skip => (read_full(reader, buffer).map_err(gz_error)?, None),
        Hashing::Compute => {
            let (read, digest) = read_and_hash(reader, header, buffer).map_err(gz_error)?;
            (read, Some(digest))
        }
    };
    if read < body_bytes {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            count,
            expected_bytes,
            found_bytes: header.len() + read,
        });
    }
    // Reading to the end also makes the gzip decoder check its CRC and length trailer.
    let extra_bytes = io::copy(reader, &mut io::sink()).map_err(gz_error)?;
    if extra_bytes > 0 {
        return Err(DataError::TrailingBytes {
            path: path.to_path_buf(),
            count,
            extra_bytes: usize::try_from(extra_bytes).unwrap_or(usize::MAX),
        });
    }
    Ok(IdxContent { count, rows, cols, body, decompressed_bytes: expected_bytes as u64, sha256 })
}

/// Bytes decompressed per hand-over to the hashing thread.
const HASH_CHUNK_BYTES: usize = 4 << 20;

/// Fills `buffer` from `reader` like [`read_full`], while a second thread hashes `header` and each
/// filled chunk: the hash then costs almost nothing on top of decompression.
/// Returns the bytes read and the SHA-256 of `header` + those bytes.
fn read_and_hash(reader: &mut dyn Read, header: &[u8], buffer: &mut [u8]) -> io::Result<(usize, [u8; 32])> {
    std::thread::scope(|scope| {
        // Bounded: the reader waits when the hasher is two chunks behind (both hold borrowed chunks).
        let (sender, receiver) = std::sync::mpsc::sync_channel::<&[u8]>(2);
        let hasher =
            std::thread::Builder::new().name("atelier-idx-hash".into()).spawn_scoped(scope, move || {
                let mut hasher = Sha256::new();
                hasher.update(header);
                for chunk in receiver {
                    hasher.update(chunk);
                }
                <[u8; 32]>::from(hasher.finalize())
            })?;
        let mut read = 0;
        for chunk in buffer.chunks_mut(HASH_CHUNK_BYTES) {
            let filled = read_full(reader, chunk)?;
            read += filled;
            // The chunk is done being written: hand it over read-only.
            let chunk: &[u8] = chunk;
            let _ = sender.send(&chunk[..filled]);
            if filled < chunk.len() {
                break;
            }
        }
        drop(sender);
        let digest = hasher.join().map_err(|_| io::Error::other("the hashing thread failed"))?;
        Ok((read, digest))
    })
}

/// Turns a decoder failure into a message about the file.
fn stream_error(path: &Path, source: &io::Error) -> DataError {
    let reason = if source.kind() == io::ErrorKind::UnexpectedEof {
        "the compressed data ends early (the file is truncated)".to_string()
    } else {
        source.to_string()
    };
    DataError::Gzip { path: path.to_path_buf(), reason }
}

/// Reads until `buffer` is full or the stream ends; returns the bytes read.
fn read_full(reader: &mut dyn Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Writes IDX bytes (header + items), as the sample maker and the tests need.
#[must_use]
pub fn encode(kind: IdxKind, count: usize, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(kind.header_bytes() + body.len());
    out.extend_from_slice(&kind.magic().to_be_bytes());
    out.extend_from_slice(&u32::try_from(count).unwrap_or(u32::MAX).to_be_bytes());
    if kind == IdxKind::Images {
        let side = (IMAGE_SIDE as u32).to_be_bytes();
        out.extend_from_slice(&side);
        out.extend_from_slice(&side);
    }
    out.extend_from_slice(body);
    out
}

/// Gzip-compresses bytes reproducibly (no timestamp, no file name), at the best compression.
///
/// # Errors
/// Only if memory runs out (the writer is an in-memory vector).
pub fn gzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::IMAGE_PIXELS;

    fn images(count: usize) -> Vec<u8> {
        let body: Vec<u8> = (0..count * IMAGE_PIXELS).map(|i| (i % 251) as u8).collect();
        encode(IdxKind::Images, count, &body)
    }

    #[test]
    fn raw_and_gzip_give_the_same_content_and_hash() {
        let raw = images(3);
        let from_raw = parse(&raw, Path::new("x-images"), IdxKind::Images, Hashing::Compute).unwrap();
        let gz = gzip(&raw).unwrap();
        let from_gz = parse(&gz, Path::new("x-images.gz"), IdxKind::Images, Hashing::Compute).unwrap();
        assert_eq!(from_raw.count, 3);
        assert_eq!(from_raw.body, from_gz.body);
        assert_eq!(from_raw.sha256, from_gz.sha256);
        let direct: [u8; 32] = Sha256::digest(&raw).into();
        assert_eq!(from_raw.sha256, Some(direct));
        assert_eq!(from_gz.decompressed_bytes, raw.len() as u64);
    }

    #[test]
    fn truncated_padded_and_mislabelled_files_are_refused_with_the_file_name() {
        let path = Path::new("/d/train-images-idx3-ubyte");
        let mut raw = images(2);
        raw.pop();
        let error = parse(&raw, path, IdxKind::Images, Hashing::Skip).unwrap_err().to_string();
        assert!(error.contains("truncated") && error.contains("/d/train-images-idx3-ubyte"), "{error}");

        let mut raw = images(2);
        raw.extend_from_slice(&[0, 0, 0]);
        let error = parse(&raw, path, IdxKind::Images, Hashing::Skip).unwrap_err().to_string();
        assert!(error.contains("3 bytes after"), "{error}");

        let error = parse(&images(1), path, IdxKind::Labels, Hashing::Skip).unwrap_err().to_string();
        assert!(error.contains("magic number 2051, expected 2049"), "{error}");
    }

    #[test]
    fn a_header_promising_billions_of_images_does_not_allocate_them() {
        let mut raw = images(1);
        raw[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        let gz = gzip(&raw).unwrap();
        let error = parse(&gz, Path::new("big.gz"), IdxKind::Images, Hashing::Skip).unwrap_err();
        assert!(matches!(error, DataError::Truncated { found_bytes: 800, .. }), "{error}");
    }

    #[test]
    fn a_cut_gzip_stream_says_truncated() {
        let gz = gzip(&images(50)).unwrap();
        let cut = &gz[..gz.len() / 2];
        let error = parse(cut, Path::new("t.gz"), IdxKind::Images, Hashing::Skip).unwrap_err().to_string();
        assert!(error.contains("t.gz") && error.contains("truncated"), "{error}");
    }
}
