//! The IDX reader on arbitrary bytes, raw or gzip, as images and as labels: it must return a
//! `DataError` or a well-formed content, never panic or allocate what the header merely promises.
#![no_main]

use std::path::Path;

use atelier::data::IdxKind;
use atelier::data::idx::{Hashing, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    for (name, kind) in
        [("fuzz-images-idx3-ubyte.gz", IdxKind::Images), ("fuzz-labels-idx1-ubyte", IdxKind::Labels)]
    {
        if let Ok(content) = parse(bytes, Path::new(name), kind, Hashing::Skip) {
            let item = if kind == IdxKind::Images { 784 } else { 1 };
            assert_eq!(content.body.len(), content.count * item);
        }
    }
});
