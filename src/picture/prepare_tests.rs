//! Tests of preparing pictures: each step, the 28×28 pass-through, and bad bytes.

use std::io::Cursor;

use super::*;
use crate::picture::{PREVIEW_SIDE, WORKING_SIDE};

fn png(image: &image::DynamicImage) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// A dark 40×20 "object" (value 30) on a white 200×100 page, off-centre.
fn photo_like() -> GrayPixels {
    let (width, height) = (200, 100);
    let mut pixels = vec![250_u8; width * height];
    for y in 20..60 {
        for x in 120..140 {
            pixels[y * width + x] = 30;
        }
    }
    GrayPixels::new(width, height, pixels).unwrap()
}

#[test]
fn a_dataset_sized_light_on_dark_picture_comes_through_unchanged() {
    let sample = crate::data::load_sample().unwrap();
    for i in 0..sample.test.len() {
        let pixels = sample.test.image(i).to_vec();
        let encoded = png(&image::DynamicImage::ImageLuma8(
            image::GrayImage::from_raw(28, 28, pixels.clone()).unwrap(),
        ));
        let decoded = decode(&encoded).unwrap();
        let prepared = prepare_decoded(&decoded, &PrepOptions::default());
        assert_eq!(prepared.input.pixels, pixels, "test image {i} changed");
    }
}

#[test]
fn dataset_images_raise_no_concerns() {
    let sample = crate::data::load_sample().unwrap();
    let unusual = (0..sample.test.len())
        .filter(|&i| {
            let gray = GrayPixels::new(28, 28, sample.test.image(i).to_vec()).unwrap();
            prepare_gray(&gray, &PrepOptions::default()).looks_unusual()
        })
        .count();
    assert!(unusual * 100 <= sample.test.len(), "{unusual} of {} sample images flagged", sample.test.len());
}

#[test]
fn a_dark_object_on_a_light_page_comes_out_light_on_black_cropped_padded_and_resized() {
    let prepared = prepare_gray(&photo_like(), &PrepOptions::default());
    assert_eq!(prepared.background, Background::Light);
    let kinds: Vec<StepKind> = prepared.steps.iter().map(|step| step.kind).collect();
    assert_eq!(
        kinds,
        [
            StepKind::Grayscale,
            StepKind::Background,
            StepKind::Contrast,
            StepKind::Straighten,
            StepKind::Crop,
            StepKind::PadSquare,
            StepKind::Resize
        ]
    );
    let background = &prepared.steps[1];
    assert!(matches!(background.state, StepState::Applied(_)));
    assert_eq!(background.image.pixels[0], 0, "the page is background: black");
    assert_eq!(background.image.pixels[30 * 200 + 130], 220, "the object: its distance from the page");
    let stretched = &prepared.steps[2].image;
    assert_eq!(stretched.pixels[30 * 200 + 130], 255, "the object's level becomes the top of the range");
    assert!(matches!(prepared.steps[3].state, StepState::Skipped(_)), "an upright bar stays");
    let cropped = &prepared.steps[4].image;
    assert_eq!((cropped.width, cropped.height), (20, 40));
    assert!(cropped.pixels.iter().all(|&p| p == 255));
    let padded = &prepared.steps[5].image;
    assert_eq!((padded.width, padded.height), (40, 40));
    assert_eq!(padded.pixels[0], 0, "padding uses the background level");
    let input = &prepared.input;
    assert_eq!((input.width, input.height), (28, 28));
    // The object fills the height and the middle half of the width, like a Fashion-MNIST trouser.
    assert_eq!(input.pixels[14 * 28 + 14], 255);
    assert_eq!(input.pixels[14 * 28], 0);
    assert!(prepared.concerns.is_empty(), "{:?}", prepared.concerns);
}

#[test]
fn each_optional_step_can_be_switched_off() {
    let prepared = prepare_gray(&photo_like(), &PrepOptions::ONLY_RESIZE);
    for step in &prepared.steps[1..6] {
        assert_eq!(step.state, StepState::Off, "{:?}", step.kind);
    }
    // Not inverted, not cropped: the stretched page, light background stays light.
    assert_eq!(prepared.input.pixels[0], 250);
    assert_eq!(prepared.steps[5].image.width, 200);

    // Each switch alone: only its own step reports Off, the result differs from the default.
    let default = prepare_gray(&photo_like(), &PrepOptions::default());
    let one_off = [
        (StepKind::Contrast, PrepOptions { contrast: Switch::Off, ..PrepOptions::default() }),
        (StepKind::Straighten, PrepOptions { straighten: Switch::Off, ..PrepOptions::default() }),
        (StepKind::Crop, PrepOptions { crop: Switch::Off, ..PrepOptions::default() }),
        (StepKind::PadSquare, PrepOptions { pad: Switch::Off, ..PrepOptions::default() }),
        (StepKind::Background, PrepOptions { background: BackgroundMode::Keep, ..PrepOptions::default() }),
    ];
    for (kind, options) in one_off {
        let prepared = prepare_gray(&photo_like(), &options);
        let off: Vec<StepKind> =
            prepared.steps.iter().filter(|s| s.state == StepState::Off).map(|s| s.kind).collect();
        assert_eq!(off, [kind]);
        if kind != StepKind::Straighten {
            assert_ne!(prepared.input, default.input, "{kind:?} off changes nothing");
        }
    }

    let forced = prepare_gray(
        &photo_like(),
        &PrepOptions { background: BackgroundMode::Invert, ..PrepOptions::default() },
    );
    assert_eq!(forced.steps[1].image.pixels[0], 5);
}

#[test]
fn a_dark_background_is_taken_out_too() {
    let inverted_page = inverted(&photo_like());
    let prepared = prepare_gray(&inverted_page, &PrepOptions::default());
    assert_eq!(prepared.background, Background::Dark);
    assert_eq!(prepared.step(StepKind::Crop).unwrap().image.width, 20);
    let one_level = prepare_gray(
        &inverted_page,
        &PrepOptions { background: BackgroundMode::InvertIfLight, ..PrepOptions::default() },
    );
    assert!(matches!(one_level.steps[1].state, StepState::Skipped(_)));
}

#[test]
fn a_blank_picture_is_flagged_as_unlike_the_training_data() {
    let blank = GrayPixels::new(64, 64, vec![240; 64 * 64]).unwrap();
    let prepared = prepare_gray(&blank, &PrepOptions::default());
    assert!(prepared.concerns.contains(&Concern::NearlyUniform));
    assert!(prepared.concerns.contains(&Concern::NoObject));
    assert!(prepared.looks_unusual());
}

#[test]
fn a_cluttered_scene_is_flagged_as_a_busy_background() {
    // Stripes everywhere, corners included: not a single item on a plain background.
    let pixels = (0..100 * 100).map(|i| if (i % 100) / 5 % 2 == 0 { 20 } else { 230 }).collect();
    let prepared = prepare_gray(&GrayPixels::new(100, 100, pixels).unwrap(), &PrepOptions::default());
    assert!(prepared.concerns.contains(&Concern::BusyBackground), "{:?}", prepared.concerns);
}

#[test]
fn transparent_parts_become_white_and_colour_becomes_gray() {
    let mut rgba = image::RgbaImage::from_pixel(10, 10, image::Rgba([0, 0, 0, 0]));
    rgba.put_pixel(5, 5, image::Rgba([255, 0, 0, 255]));
    let decoded = decode(&png(&image::DynamicImage::ImageRgba8(rgba))).unwrap();
    let gray = decoded.working.to_gray();
    assert_eq!(gray.pixels[0], 255);
    let red = gray.pixels[5 * 10 + 5];
    assert!(red > 40 && red < 100, "red as gray: {red}");
    assert_eq!((decoded.original_width, decoded.original_height), (10, 10));
    assert_eq!(decoded.preview.pixels.len(), 10 * 10 * 4);
}

#[test]
fn large_pictures_are_processed_at_working_size() {
    let big = image::DynamicImage::ImageLuma8(image::GrayImage::from_pixel(3000, 1500, image::Luma([255])));
    let decoded = decode(&png(&big)).unwrap();
    assert_eq!((decoded.working.width, decoded.working.height), (WORKING_SIDE, WORKING_SIDE / 2));
    assert_eq!(decoded.original_width, 3000);
    assert!(decoded.preview.width <= PREVIEW_SIDE as usize);
}

#[test]
fn zero_bytes_garbage_and_truncated_files_are_clear_errors() {
    assert!(matches!(decode(&[]), Err(PictureError::Empty)));
    assert!(matches!(decode(b"hello, this is not a picture"), Err(PictureError::NotAnImage)));
    let whole = png(&image::DynamicImage::ImageLuma8(image::GrayImage::from_pixel(64, 64, image::Luma([9]))));
    let error = decode(&whole[..whole.len() / 2]).unwrap_err();
    assert!(matches!(error, PictureError::Decode(_)), "{error}");

    // A JPEG cut short decodes as gray in the image crate: it is refused by its missing end marker,
    // while the whole file (and one with padding after the marker) decodes.
    let photo = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(120, 80, |x, y| {
        image::Rgb([(x * 2) as u8, (y * 3) as u8, 90])
    }));
    let mut jpeg = Vec::new();
    photo.write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg).unwrap();
    assert!(decode(&jpeg).is_ok());
    let error = decode(&jpeg[..jpeg.len() * 2 / 3]).unwrap_err();
    assert!(matches!(error, PictureError::Truncated), "{error}");
    assert!(error.to_string().contains("cut off"), "{error}");
    let mut padded = jpeg.clone();
    padded.extend([0_u8; 64]);
    assert!(decode(&padded).is_ok(), "padding after the end marker is fine");
}

#[test]
fn a_20000_pixel_png_is_refused_before_decoding() {
    let mut bytes = png(&image::DynamicImage::ImageLuma8(image::GrayImage::new(8, 8)));
    // IHDR data sits at bytes 16..29 (width, height, …); its CRC at 29..33.
    bytes[16..20].copy_from_slice(&20_000_u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&20_000_u32.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    let error = decode(&bytes).unwrap_err();
    assert!(matches!(error, PictureError::TooLarge { width: 20_000, height: 20_000, .. }), "{error}");
    assert_eq!(error.to_string(), "20000×20000 pixels is larger than the 8192×8192 limit");
}

#[test]
fn a_missing_file_error_names_the_file() {
    let error = prepare_file(Path::new("/no/such/shoe.png"), &PrepOptions::default()).unwrap_err();
    assert!(error.to_string().contains("/no/such/shoe.png"), "{error}");
}

#[test]
fn the_network_input_is_pixel_over_255() {
    let sample = crate::data::load_sample().unwrap();
    let pixels = sample.test.image(3).to_vec();
    let values =
        prepare_gray(&GrayPixels::new(28, 28, pixels.clone()).unwrap(), &PrepOptions::default()).to_f32();
    assert_eq!(values.len(), 784);
    for (value, pixel) in values.iter().zip(&pixels) {
        assert_eq!(*value, f32::from(*pixel) / 255.0);
    }
}

#[test]
fn every_supported_format_decodes() {
    let rgb = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(40, 30, |x, _| {
        if x < 20 { image::Rgb([250, 250, 250]) } else { image::Rgb([10, 10, 10]) }
    }));
    for format in [
        image::ImageFormat::Png,
        image::ImageFormat::Jpeg,
        image::ImageFormat::Bmp,
        image::ImageFormat::Gif,
        image::ImageFormat::WebP,
        image::ImageFormat::Tiff,
        image::ImageFormat::Pnm,
    ] {
        let mut bytes = Cursor::new(Vec::new());
        rgb.write_to(&mut bytes, format).unwrap();
        let decoded = decode(bytes.get_ref()).unwrap_or_else(|error| panic!("{format:?}: {error}"));
        let gray = decoded.working.to_gray();
        assert_eq!((gray.width, gray.height), (40, 30), "{format:?}");
        assert!(gray.pixels[0] > 200 && gray.pixels[39] < 50, "{format:?}");
    }
}
