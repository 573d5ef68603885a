//! Tests of what phones and shops do to pictures: EXIF orientations 2-8 come out upright; a
//! coloured garment on a tinted wall and a garment under a shadow give the same 28×28 input as the
//! plain product shot.

use std::io::Cursor;

use super::*;

/// An upright 48×32 picture whose four quadrants differ in colour, so any turn or flip shows.
fn upright() -> image::RgbImage {
    image::RgbImage::from_fn(48, 32, |x, y| match (x < 24, y < 16) {
        (true, true) => image::Rgb([230, 40, 40]),
        (false, true) => image::Rgb([40, 200, 40]),
        (true, false) => image::Rgb([40, 40, 220]),
        (false, false) => image::Rgb([240, 240, 240]),
    })
}

/// The pixels a camera stores for `upright` with `orientation`, built from the EXIF definition of
/// where the stored 0th row and 0th column appear (independently of the decoder's code).
fn stored(upright: &image::RgbImage, orientation: u8) -> image::RgbImage {
    let (w, h) = (upright.width(), upright.height());
    // (0th row shows at the visual …, 0th column shows at the visual …)
    let (row_side, column_side) = match orientation {
        1 => ("top", "left"),
        2 => ("top", "right"),
        3 => ("bottom", "right"),
        4 => ("bottom", "left"),
        5 => ("left", "top"),
        6 => ("right", "top"),
        7 => ("right", "bottom"),
        8 => ("left", "bottom"),
        _ => unreachable!(),
    };
    let rows_are_columns = orientation >= 5;
    let (sw, sh) = if rows_are_columns { (h, w) } else { (w, h) };
    image::RgbImage::from_fn(sw, sh, |x, y| {
        let (vx, vy) = if rows_are_columns {
            let vx = if row_side == "left" { y } else { w - 1 - y };
            let vy = if column_side == "top" { x } else { h - 1 - x };
            (vx, vy)
        } else {
            let vy = if row_side == "top" { y } else { h - 1 - y };
            let vx = if column_side == "left" { x } else { w - 1 - x };
            (vx, vy)
        };
        *upright.get_pixel(vx, vy)
    })
}

fn jpeg(image: &image::RgbImage) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image.clone()).write_to(&mut bytes, image::ImageFormat::Jpeg).unwrap();
    bytes.into_inner()
}

/// Mean absolute difference per byte.
fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(&a, &b)| f64::from(a.abs_diff(b))).sum::<f64>() / a.len() as f64
}

#[test]
fn every_exif_orientation_decodes_upright() {
    let upright = upright();
    for orientation in 2..=8 {
        let bytes = jpeg_with_orientation(&jpeg(&stored(&upright, orientation)), orientation).unwrap();
        let decoded = decode(&bytes).unwrap();
        assert_eq!(decoded.exif_orientation, orientation);
        assert_eq!((decoded.working.width, decoded.working.height), (48, 32), "orientation {orientation}");
        assert_eq!((decoded.original_width, decoded.original_height), (48, 32), "orientation {orientation}");
        // JPEG blurs the colour edges a little; a wrong turn or flip swaps whole quadrants (~150).
        let difference = mean_difference(&decoded.working.pixels, upright.as_raw());
        assert!(difference < 8.0, "orientation {orientation}: mean difference {difference:.1}");
        let full = decode_upright(&bytes).unwrap().into_rgb8();
        let difference = mean_difference(full.as_raw(), upright.as_raw());
        assert!(difference < 8.0, "decode_upright, orientation {orientation}: {difference:.1}");
        let step = prepare_decoded(&decoded, &PrepOptions::default());
        assert!(
            matches!(&step.steps[0].state, StepState::Applied(note) if note.contains(&format!("EXIF orientation {orientation}"))),
            "{:?}",
            step.steps[0].state
        );
    }
    // Without a tag (or with 1) nothing turns.
    let plain = decode(&jpeg(&upright)).unwrap();
    assert_eq!(plain.exif_orientation, 1);
}

#[test]
fn bad_orientations_and_non_jpegs_are_refused_by_the_tag_writer() {
    let bytes = jpeg(&upright());
    assert!(matches!(jpeg_with_orientation(&bytes, 9), Err(PictureError::BadOrientation(9))));
    assert!(matches!(jpeg_with_orientation(b"GIF89a", 6), Err(PictureError::NotAnImage)));
}

/// A garment-like shape at (`x`, `y`) in 0..1 picture coordinates: a dress off-centre, wider at
/// the hem, with darker stripes across, so structure, not just outline, must survive. Returns its
/// strength in the training data's sense (0 = not there, 1 = fully there).
fn garment_strength(x: f64, y: f64) -> f64 {
    let (dx, dy) = ((x - 0.35) / 0.15, (y - 0.5) / 0.33);
    if dx.abs() > 1.0 - 0.4 * (1.0 - dy) / 2.0 || dy.abs() > 1.0 {
        return 0.0;
    }
    // Darker stripes across: a pattern the network would see.
    if ((dy + 1.0) * 5.0).floor() as i64 % 2 == 0 { 1.0 } else { 0.6 }
}

/// A 400×300 photo: per pixel the background colour mixed with the garment's colour by the
/// garment's strength, all of it dimmed by `shade` (a shadow falls on wall and garment alike).
fn rgb_photo(
    background: impl Fn(f64, f64) -> [f64; 3],
    garment: [f64; 3],
    shade: impl Fn(f64, f64) -> f64,
) -> image::DynamicImage {
    let (w, h) = (400_u32, 300_u32);
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
        let (u, v) = ((f64::from(x) + 0.5) / f64::from(w), (f64::from(y) + 0.5) / f64::from(h));
        let a = garment_strength(u, v);
        let bg = background(u, v);
        let light = shade(u, v);
        image::Rgb(std::array::from_fn(|c| ((bg[c] * (1.0 - a) + garment[c] * a) * light).round() as u8))
    }))
}

/// The tolerance for "the same input": a mean difference of 6 levels (2.4% of the range) and no
/// pixel off by more than 48. Resampling a tilted edge or a shaded edge moves single pixels by a
/// few tens of levels; a wrong background, polarity or crop moves the mean by 30 and more.
fn assert_same_input(a: &PreparedInput, b: &PreparedInput, what: &str) {
    let mean = mean_difference(&a.input.pixels, &b.input.pixels);
    let worst = a.input.pixels.iter().zip(&b.input.pixels).map(|(&a, &b)| a.abs_diff(b)).max().unwrap_or(0);
    assert!(mean < 6.0 && worst <= 48, "{what}: mean difference {mean:.1}, worst pixel {worst}");
}

#[test]
fn a_coloured_garment_on_a_tinted_wall_gives_the_plain_pictures_input() {
    let no_shade = |_: f64, _: f64| 1.0;
    let plain = prepare(&rgb_photo(|_, _| [245.0; 3], [30.0; 3], no_shade), &PrepOptions::default());
    let red_on_beige = prepare(
        &rgb_photo(|_, _| [235.0, 220.0, 195.0], [190.0, 30.0, 40.0], no_shade),
        &PrepOptions::default(),
    );
    assert_same_input(&plain, &red_on_beige, "red on beige");
    let navy_on_mint = prepare(
        &rgb_photo(|_, _| [200.0, 235.0, 215.0], [30.0, 40.0, 110.0], no_shade),
        &PrepOptions::default(),
    );
    assert_same_input(&plain, &navy_on_mint, "navy on mint");
    // The old single-level way loses most of the red dress's contrast: the test can tell.
    let one_level = PrepOptions {
        background: BackgroundMode::InvertIfLight,
        contrast: Switch::Off,
        ..PrepOptions::default()
    };
    let red_one_level =
        prepare(&rgb_photo(|_, _| [235.0, 220.0, 195.0], [190.0, 30.0, 40.0], no_shade), &one_level);
    assert!(mean_difference(&plain.input.pixels, &red_one_level.input.pixels) > 6.0);
}

#[test]
fn a_shadow_across_the_background_gives_the_plain_pictures_input() {
    let plain = prepare(&rgb_photo(|_, _| [245.0; 3], [30.0; 3], |_, _| 1.0), &PrepOptions::default());
    // Light falling off from the top left to 65% at the bottom right, over object and wall alike.
    let shadow = |u: f64, v: f64| 1.0 - 0.35 * (u + v) / 2.0;
    let shaded = prepare(&rgb_photo(|_, _| [245.0; 3], [30.0; 3], shadow), &PrepOptions::default());
    assert_same_input(&plain, &shaded, "shadow");
    let without_model = PrepOptions { background: BackgroundMode::InvertIfLight, ..PrepOptions::default() };
    let shaded_one_level = prepare(&rgb_photo(|_, _| [245.0; 3], [30.0; 3], shadow), &without_model);
    assert!(mean_difference(&plain.input.pixels, &shaded_one_level.input.pixels) > 6.0);
}
