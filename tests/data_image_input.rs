//! Picture preprocessing on the real test set: every image, written as a PNG the way
//! `atelier data export-png` writes it and read back through `picture`, reaches the network
//! exactly as the dataset holds it.
#![allow(clippy::unwrap_used)] // helpers outside #[test] functions panic on purpose

use std::path::Path;

use atelier::data::{SYSTEM_DATA_DIR, encode_png, load_from};
use atelier::picture::{PrepOptions, decode, prepare_decoded};

#[test]
fn every_exported_test_image_comes_back_unchanged_and_unflagged() {
    let data = load_from(Path::new(SYSTEM_DATA_DIR)).unwrap();
    let mut flagged = 0;
    for i in 0..data.test.len() {
        let png = encode_png(data.test.image(i), Path::new("test.png")).unwrap();
        let prepared = prepare_decoded(&decode(&png).unwrap(), &PrepOptions::default());
        assert_eq!(prepared.input.pixels, data.test.image(i), "test image {i} changed");
        flagged += usize::from(prepared.looks_unusual());
    }
    // A warning on a real test image would be a false alarm; allow a handful at most.
    assert!(flagged <= 20, "{flagged} of 10,000 test images flagged as unlike the training data");
}
