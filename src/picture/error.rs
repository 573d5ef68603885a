//! `PictureError`: why a picture could not be read, classified by the `image` crate's error kinds
//! (not by the wording of its messages, which changes between versions).

use std::path::PathBuf;

use image::error::{ImageError, LimitErrorKind, UnsupportedErrorKind};

/// Why a picture could not be turned into a network input.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A failure in a named file.
    #[error("{}: {error}", path.display())]
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        error: Box<PictureError>,
    },
    /// Zero bytes.
    #[error("the file is empty (0 bytes)")]
    Empty,
    /// Not a format we read.
    #[error("not a picture in a supported format ({})", super::SUPPORTED_FORMATS)]
    NotAnImage,
    /// Bigger than [`super::MAX_SIDE`] on a side.
    #[error("{width}×{height} pixels is larger than the {max}×{max} limit")]
    TooLarge {
        /// Width in the file's header.
        width: u32,
        /// Height in the file's header.
        height: u32,
        /// The limit.
        max: u32,
    },
    /// Decoding would need more memory than [`super::MAX_DECODE_BYTES`].
    #[error("the picture needs more than {} MB to decode", super::MAX_DECODE_BYTES / (1024 * 1024))]
    OverMemoryLimit,
    /// A JPEG file that stops before its picture does (a copy or download cut short).
    #[error("the picture is cut off: the file ends before the picture does (copy it again)")]
    Truncated,
    /// An EXIF orientation outside 1-8.
    #[error("EXIF orientation {0} is not one of 1-8")]
    BadOrientation(u8),
    /// The decoder gave up (truncated or damaged file, or a variant of the format it lacks).
    #[error("the picture cannot be decoded: {0}")]
    Decode(String),
}

impl From<ImageError> for PictureError {
    fn from(error: ImageError) -> Self {
        match &error {
            ImageError::Unsupported(unsupported) => match unsupported.kind() {
                UnsupportedErrorKind::Format(_) => Self::NotAnImage,
                _ => Self::Decode(one_line(&error)),
            },
            ImageError::Limits(limit) => match limit.kind() {
                LimitErrorKind::InsufficientMemory => Self::OverMemoryLimit,
                _ => Self::Decode(one_line(&error)),
            },
            ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                Self::Decode("the file ends early (truncated?)".to_owned())
            }
            ImageError::Decoding(_)
            | ImageError::Encoding(_)
            | ImageError::Parameter(_)
            | ImageError::IoError(_) => Self::Decode(one_line(&error)),
        }
    }
}

/// Some decoders end their messages with a newline; errors are shown on one line.
fn one_line(error: &ImageError) -> String {
    error.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}
