//! The bad-input corpus, generated: each case is bytes for one kind of input, damaged in one way,
//! with the kind of error Atelier must answer with. `tests/bad_inputs.rs` runs the CLI on each.
//! The fuzzers' corpus (`fuzz/corpus/`) is replayed by the same test file.
#![allow(dead_code, clippy::unwrap_used)] // set-up failures panic

use std::path::Path;

use atelier::data::idx::{IdxKind, encode, gzip};
use atelier::model::{LayerSpec, ModelSpec, Network, Task};
use atelier::model_file::{self, ModelMetadata, RawModelFile, keys};
use candle_core::Device;

/// Which command reads the input, and so where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// One of the four files of a data folder (`atelier data info --data-dir`), by name; the other
    /// three are valid.
    DataFile(&'static str),
    /// A model file (`atelier evaluate FILE`, `atelier predict FILE picture.png`).
    Model,
    /// A model spec (`atelier train --spec FILE`).
    Spec,
    /// A picture (`atelier predict model.safetensors FILE`).
    Image,
}

/// The kind of error expected, by the words its message must contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Zero bytes.
    Empty,
    /// Shorter than its own header says.
    Truncated,
    /// Named `.gz` but not gzip.
    NotGzip,
    /// Gzip that does not decompress (bad checksum, bad stream).
    BadGzip,
    /// Wrong magic number for the file kind.
    BadMagic,
    /// Images that are not 28×28.
    BadDimensions,
    /// Too short for the header itself.
    ShortHeader,
    /// A file the folder needs is not there (or not a file).
    MissingFile,
    /// Bytes after the announced items.
    TrailingBytes,
    /// A label outside 0..=9.
    BadLabel,
    /// Images and labels files disagree on the count.
    CountMismatch,
    /// The path cannot be read (missing, a folder).
    Unreadable,
    /// Not a safetensors file.
    NotAModel,
    /// Safetensors, but not written by Atelier.
    NotAtelierModel,
    /// A format version from a newer Atelier.
    NewerFormat,
    /// A metadata entry missing or unparsable.
    BadMetadata,
    /// The spec inside a model file describes an invalid model.
    InvalidModel,
    /// The tensors do not fit the spec.
    ArchitectureMismatch,
    /// A weight that is NaN or infinite.
    NotFinite,
    /// A tensor stored in a type other than f32.
    TensorType,
    /// A spec file that is not JSON for a model spec.
    NotASpec,
    /// A spec that parses but cannot be built or trained.
    InvalidSpec,
    /// A picture format we do not read.
    NotAnImage,
    /// A picture over the size limit.
    TooLarge,
    /// A damaged picture.
    BadPicture,
    /// A JPEG that ends before its picture does.
    CutOffPicture,
}

impl ErrorKind {
    /// Words the one-line message must contain.
    pub fn phrase(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::Truncated => "truncated",
            Self::NotGzip => "is not a gzip file",
            Self::BadGzip => "is not valid gzip data",
            Self::BadMagic => "magic number",
            Self::BadDimensions => "expected 28×28",
            Self::ShortHeader => "too short for an IDX header",
            Self::MissingFile => "does not hold the Fashion-MNIST files",
            Self::TrailingBytes => "bytes after",
            Self::BadLabel => "labels must be 0..=9",
            Self::CountMismatch => "entries, images file",
            Self::Unreadable => "cannot read",
            Self::NotAModel => "is not a model file",
            Self::NotAtelierModel => "not an Atelier model",
            Self::NewerFormat => "newer Atelier",
            Self::BadMetadata => "metadata `",
            Self::InvalidModel => "describes an invalid model",
            Self::ArchitectureMismatch => "do not match the model's architecture",
            Self::NotFinite => "is not finite",
            Self::TensorType => "expected F32",
            Self::NotASpec => "is not a model spec",
            Self::InvalidSpec => "is not a valid model",
            Self::NotAnImage => "not a picture in a supported format",
            Self::TooLarge => "larger than the 8192×8192 limit",
            Self::BadPicture => "cannot be decoded",
            Self::CutOffPicture => "is cut off",
        }
    }
}

/// What the bytes are written as.
#[derive(Debug, Clone)]
pub enum Content {
    /// A file with these bytes.
    Bytes(Vec<u8>),
    /// No file at all.
    Missing,
    /// A folder where a file should be.
    Folder,
}

/// One bad input.
#[derive(Debug, Clone)]
pub struct Case {
    /// Unique, and the file name's stem.
    pub name: &'static str,
    /// Where it goes.
    pub input: Input,
    /// Its content.
    pub content: Content,
    /// What Atelier must say.
    pub expect: ErrorKind,
}

fn case(name: &'static str, input: Input, bytes: Vec<u8>, expect: ErrorKind) -> Case {
    Case { name, input, content: Content::Bytes(bytes), expect }
}

/// A valid ten-class dense spec, small enough to build in milliseconds.
pub fn tiny_spec() -> ModelSpec {
    ModelSpec {
        name: "tiny".to_owned(),
        task: Task::all(10),
        layers: vec![LayerSpec::Flatten, LayerSpec::Dense { units: 10 }],
    }
}

/// The bytes of a valid, untrained model file for [`tiny_spec`].
pub fn tiny_model_bytes() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.safetensors");
    let network = Network::new(&tiny_spec(), &Device::Cpu, 1).unwrap();
    model_file::save_model(&path, &network, &ModelMetadata::for_network(&network)).unwrap();
    std::fs::read(path).unwrap()
}

/// The tiny model's tensors and metadata, to damage one at a time.
fn tiny_raw() -> RawModelFile {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.safetensors");
    std::fs::write(&path, tiny_model_bytes()).unwrap();
    model_file::read_raw(&path).unwrap()
}

/// Encodes a raw model file (through the real writer).
fn raw_bytes(file: &RawModelFile) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("raw.safetensors");
    model_file::write_raw(&path, file).unwrap();
    std::fs::read(path).unwrap()
}

fn with_metadata(key: &str, value: Option<&str>) -> Vec<u8> {
    let mut file = tiny_raw();
    match value {
        Some(value) => file.metadata.insert(key.to_owned(), value.to_owned()),
        None => file.metadata.remove(key),
    };
    raw_bytes(&file)
}

/// A safetensors file written by hand: `header` JSON, then `data`.
fn safetensors(header: &str, data: &[u8]) -> Vec<u8> {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

/// A PNG of `width × height` gray pixels.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::GrayImage::from_pixel(width, height, image::Luma([200]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// A PNG whose header claims `width × height`, with one pixel's data behind it.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png(1, 1);
    // IHDR's width and height sit at bytes 16..24, its CRC (over type and data) at 29..33.
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

/// CRC-32 (IEEE), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A 24-bit BMP header claiming `width × height`, with no pixels.
fn bmp_header_only(width: i32, height: i32) -> Vec<u8> {
    let mut bytes = b"BM".to_vec();
    bytes.extend_from_slice(&54_u32.to_le_bytes()); // file size (a lie)
    bytes.extend_from_slice(&[0; 4]);
    bytes.extend_from_slice(&54_u32.to_le_bytes()); // pixel data offset
    bytes.extend_from_slice(&40_u32.to_le_bytes()); // BITMAPINFOHEADER
    bytes.extend_from_slice(&width.to_le_bytes());
    bytes.extend_from_slice(&height.to_le_bytes());
    bytes.extend_from_slice(&1_u16.to_le_bytes());
    bytes.extend_from_slice(&24_u16.to_le_bytes());
    bytes.extend_from_slice(&[0; 24]);
    bytes
}

fn images_idx(count: usize) -> Vec<u8> {
    let body: Vec<u8> = (0..count * 784).map(|i| (i % 256) as u8).collect();
    encode(IdxKind::Images, count, &body)
}

fn labels_idx(labels: &[u8]) -> Vec<u8> {
    encode(IdxKind::Labels, labels.len(), labels)
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    gzip(bytes).unwrap()
}

const TRAIN_IMAGES: &str = "train-images-idx3-ubyte.gz";
const TRAIN_LABELS: &str = "train-labels-idx1-ubyte.gz";
const TEST_IMAGES: &str = "t10k-images-idx3-ubyte.gz";
const TEST_LABELS: &str = "t10k-labels-idx1-ubyte.gz";

fn data_cases() -> Vec<Case> {
    use ErrorKind as K;
    use Input::DataFile as D;
    // The tiny release (tests/data_fixtures) has 20 train and 10 test images.
    let mut truncated = images_idx(20);
    truncated.truncate(5000);
    let mut bad_crc = gz(&images_idx(10));
    let crc_at = bad_crc.len() - 8;
    bad_crc[crc_at] ^= 0xff;
    let mut rows_27 = images_idx(10);
    rows_27[8..12].copy_from_slice(&27_u32.to_be_bytes());
    let mut huge_dims = images_idx(10);
    huge_dims[8..16].copy_from_slice(&[0xff; 8]);
    let mut billions = images_idx(1);
    billions[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    let mut trailing = images_idx(10);
    trailing.extend_from_slice(&[0; 7]);
    let mut bad_label = (0..10).collect::<Vec<u8>>();
    bad_label[3] = 200;
    let zeros_bomb = gz(&vec![0_u8; 4 << 20]);
    vec![
        case("data-empty", D(TRAIN_IMAGES), Vec::new(), K::Empty),
        case("data-truncated", D(TRAIN_IMAGES), gz(&truncated), K::Truncated),
        case("data-truncated-gzip", D(TEST_IMAGES), gz(&images_idx(10))[..300].to_vec(), K::Truncated),
        case("data-png-named-gz", D(TEST_IMAGES), png(28, 28), K::NotGzip),
        case("data-html-named-gz", D(TRAIN_LABELS), b"<html>404 Not Found</html>".to_vec(), K::NotGzip),
        case("data-raw-idx-named-gz", D(TEST_LABELS), labels_idx(&[0; 10]), K::NotGzip),
        case("data-bad-crc", D(TEST_IMAGES), bad_crc, K::BadGzip),
        case("data-labels-as-images", D(TRAIN_IMAGES), gz(&labels_idx(&[0; 20])), K::BadMagic),
        case("data-images-as-labels", D(TEST_LABELS), gz(&images_idx(10)), K::BadMagic),
        case("data-short-header", D(TEST_IMAGES), gz(&images_idx(1)[..10]), K::ShortHeader),
        case("data-rows-27", D(TEST_IMAGES), gz(&rows_27), K::BadDimensions),
        case("data-huge-dimensions", D(TEST_IMAGES), gz(&huge_dims), K::BadDimensions),
        case("data-four-billion-images", D(TEST_IMAGES), gz(&billions), K::Truncated),
        case("data-trailing-bytes", D(TEST_IMAGES), gz(&trailing), K::TrailingBytes),
        case("data-label-200", D(TEST_LABELS), gz(&labels_idx(&bad_label)), K::BadLabel),
        case("data-count-mismatch", D(TEST_LABELS), gz(&labels_idx(&[1; 9])), K::CountMismatch),
        case("data-zeros-bomb", D(TEST_LABELS), zeros_bomb, K::BadMagic),
        Case {
            name: "data-folder-as-file",
            input: D(TRAIN_LABELS),
            content: Content::Folder,
            expect: K::Unreadable,
        },
    ]
}

fn model_cases() -> Vec<Case> {
    use ErrorKind as K;
    use Input::Model as M;
    let valid = tiny_model_bytes();
    let mut wrong_shape = tiny_raw();
    let weight = wrong_shape.tensors.iter_mut().find(|t| t.name == "layers.1.weight").unwrap();
    weight.shape = vec![784, 10];
    let mut missing_tensor = tiny_raw();
    missing_tensor.tensors.retain(|t| t.name != "layers.1.bias");
    let mut extra_tensor = tiny_raw();
    let mut extra = extra_tensor.tensors[0].clone();
    extra.name = "layers.7.weight".to_owned();
    extra_tensor.tensors.push(extra);
    let seven_outputs = serde_json::json!({
        "name": "seven", "task": {"type": "TenClass"},
        "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 7}]
    })
    .to_string();
    let metadata = format!(
        r#""__metadata__":{{"format_version":"1","spec":{}}}"#,
        serde_json::to_string(&serde_json::to_string(&tiny_spec()).unwrap()).unwrap()
    );
    let f16 = safetensors(
        &format!(r#"{{{metadata},"layers.1.bias":{{"dtype":"F16","shape":[10],"data_offsets":[0,20]}}}}"#),
        &[0; 20],
    );
    let overlapping = safetensors(
        &format!(r#"{{{metadata},"layers.1.bias":{{"dtype":"F32","shape":[10],"data_offsets":[0,8]}}}}"#),
        &[0; 8],
    );
    let mut nan = tiny_raw();
    nan.tensors[0].values[3] = f32::NAN;
    let mut huge_header = valid.clone();
    huge_header[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    let random: Vec<u8> = (0..4096_u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    vec![
        case("model-empty", M, Vec::new(), K::NotAModel),
        case("model-truncated", M, valid[..valid.len() / 2].to_vec(), K::Truncated),
        case("model-one-byte-short", M, valid[..valid.len() - 1].to_vec(), K::Truncated),
        case("model-png", M, png(28, 28), K::NotAModel),
        case("model-random-bytes", M, random, K::NotAModel),
        case("model-huge-header-length", M, huge_header, K::NotAModel),
        case("model-header-not-json", M, safetensors("{not json at all", &[]), K::NotAModel),
        case(
            "model-plain-safetensors",
            M,
            safetensors(r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, &[0; 4]),
            K::NotAtelierModel,
        ),
        case("model-format-2", M, with_metadata(keys::FORMAT_VERSION, Some("2")), K::NewerFormat),
        case("model-format-word", M, with_metadata(keys::FORMAT_VERSION, Some("one")), K::BadMetadata),
        case("model-no-spec", M, with_metadata(keys::SPEC, None), K::BadMetadata),
        case("model-spec-not-json", M, with_metadata(keys::SPEC, Some("{\"layers\": [")), K::BadMetadata),
        case("model-spec-seven-outputs", M, with_metadata(keys::SPEC, Some(&seven_outputs)), K::InvalidModel),
        case("model-config-not-json", M, with_metadata(keys::TRAIN_CONFIG, Some("epochs=3")), K::BadMetadata),
        case("model-report-wrong-type", M, with_metadata(keys::REPORT, Some("[1, 2]")), K::BadMetadata),
        case("model-wrong-shape", M, raw_bytes(&wrong_shape), K::ArchitectureMismatch),
        case("model-missing-tensor", M, raw_bytes(&missing_tensor), K::ArchitectureMismatch),
        case("model-extra-tensor", M, raw_bytes(&extra_tensor), K::ArchitectureMismatch),
        case("model-f16-tensor", M, f16, K::TensorType),
        case("model-nan-weight", M, raw_bytes(&nan), K::NotFinite),
        case("model-bad-offsets", M, overlapping, K::NotAModel),
        Case { name: "model-missing", input: M, content: Content::Missing, expect: K::Unreadable },
        Case { name: "model-folder", input: M, content: Content::Folder, expect: K::Unreadable },
    ]
}

fn spec_cases() -> Vec<Case> {
    use ErrorKind as K;
    use Input::Spec as S;
    let spec = spec_with_layers;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();
    vec![
        case("spec-empty", S, Vec::new(), K::NotASpec),
        case("spec-not-json", S, b"Flatten, Dense 10".to_vec(), K::NotASpec),
        case("spec-array", S, b"[1, 2, 3]".to_vec(), K::NotASpec),
        case("spec-deeply-nested", S, deep, K::NotASpec),
        case("spec-unknown-layer", S, spec(r#"[{"type": "Transformer"}]"#), K::NotASpec),
        case("spec-negative-units", S, spec(r#"[{"type": "Flatten"}, {"type": "Dense", "units": -3}]"#), K::NotASpec),
        case("spec-latin1", S, b"{\"name\": \"caf\xe9\"}".to_vec(), K::NotASpec),
        case("spec-no-layers", S, br#"{"name": "empty"}"#.to_vec(), K::InvalidSpec),
        case("spec-ends-with-image", S, spec(r#"[{"type": "Conv2d", "filters": 4, "kernel": 3}]"#), K::InvalidSpec),
        case("spec-kernel-0", S, spec(r#"[{"type": "Conv2d", "filters": 4, "kernel": 0}, {"type": "Flatten"}, {"type": "Dense", "units": 10}]"#), K::InvalidSpec),
        case("spec-stride-0", S, spec(r#"[{"type": "Conv2d", "filters": 4, "kernel": 3, "stride": 0}, {"type": "Flatten"}, {"type": "Dense", "units": 10}]"#), K::InvalidSpec),
        case("spec-kernel-too-big", S, spec(r#"[{"type": "Conv2d", "filters": 4, "kernel": 29}, {"type": "Flatten"}, {"type": "Dense", "units": 10}]"#), K::InvalidSpec),
        case("spec-pool-0", S, spec(r#"[{"type": "MaxPool", "size": 0}, {"type": "Flatten"}, {"type": "Dense", "units": 10}]"#), K::InvalidSpec),
        case("spec-dropout-1.5", S, spec(r#"[{"type": "Flatten"}, {"type": "Dropout", "rate": 1.5}, {"type": "Dense", "units": 10}]"#), K::InvalidSpec),
        case("spec-max-units", S, spec(r#"[{"type": "Flatten"}, {"type": "Dense", "units": 18446744073709551615}, {"type": "Dense", "units": 10}]"#), K::InvalidSpec),
        case("spec-max-filters", S, spec(r#"[{"type": "Conv2d", "filters": 18446744073709551615, "kernel": 3}, {"type": "Flatten"}, {"type": "Dense", "units": 10}]"#), K::InvalidSpec),
        case("spec-too-many-params", S, spec(r#"[{"type": "Flatten"}, {"type": "Dense", "units": 100000}, {"type": "Dense", "units": 10}]"#), K::InvalidSpec),
        case("spec-binary-same-class", S, br#"{"name": "b", "task": {"type": "Binary", "positive": "Sneaker", "negative": "Sneaker"}, "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 2}]}"#.to_vec(), K::InvalidSpec),
        Case { name: "spec-missing", input: S, content: Content::Missing, expect: K::Unreadable },
    ]
}

/// A ten-class spec's JSON with `layers` (a JSON array) as its layers.
pub fn spec_with_layers(layers: &str) -> Vec<u8> {
    format!(r#"{{"name": "bad", "task": {{"type": "TenClass"}}, "layers": {layers}}}"#).into_bytes()
}

fn image_cases() -> Vec<Case> {
    use ErrorKind as K;
    use Input::Image as I;
    let good = png(40, 30);
    let mut jpeg_garbage = vec![0xff, 0xd8, 0xff, 0xe0];
    jpeg_garbage.extend_from_slice(&[0x13; 200]);
    vec![
        case("image-empty", I, Vec::new(), K::Empty),
        case("image-text", I, b"this is not a picture\n".to_vec(), K::NotAnImage),
        case("image-truncated-png", I, good[..good.len() / 2].to_vec(), K::BadPicture),
        case("image-png-100000-wide", I, png_header_only(100_000, 100_000), K::TooLarge),
        case("image-png-zero-size", I, png_header_only(0, 0), K::BadPicture),
        case("image-bmp-huge", I, bmp_header_only(60_000, 60_000), K::TooLarge),
        case("image-bmp-no-pixels", I, bmp_header_only(100, 100), K::BadPicture),
        case("image-jpeg-garbage", I, jpeg_garbage, K::CutOffPicture),
        case("image-gif-header-only", I, b"GIF89a\x10\x00\x10\x00".to_vec(), K::BadPicture),
        case("image-model-file", I, tiny_model_bytes(), K::NotAnImage),
        Case { name: "image-missing", input: I, content: Content::Missing, expect: K::Unreadable },
    ]
}

/// Every case, data files first.
pub fn all() -> Vec<Case> {
    let mut cases = data_cases();
    cases.extend(model_cases());
    cases.extend(spec_cases());
    cases.extend(image_cases());
    cases
}

/// Writes `case`'s content to `path` (nothing for a missing file, a folder for a folder).
pub fn write(case: &Case, path: &Path) {
    match &case.content {
        Content::Bytes(bytes) => std::fs::write(path, bytes).unwrap(),
        Content::Missing => {
            let _ = std::fs::remove_file(path);
        }
        Content::Folder => {
            let _ = std::fs::remove_file(path);
            std::fs::create_dir_all(path).unwrap();
        }
    }
}
