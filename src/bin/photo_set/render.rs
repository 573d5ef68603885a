//! Rendering a 28×28 test image as a photo: the garment scaled up and placed off-centre on a
//! canvas, in a colour on a background of a colour, optionally tilted and under a shadow, with a
//! little sensor noise, then encoded (and, for the turned kind, stored turned with an EXIF tag).

use std::io::Cursor;

use atelier::picture::jpeg_with_orientation;
use image::{ImageFormat, RgbImage};

/// A small deterministic generator (splitmix64): the set must be the same on every machine.
pub struct Rng(u64);

impl Rng {
    /// A generator for one picture of one kind and seed.
    pub fn new(seed: u64, kind: u64, index: u64) -> Self {
        Self(
            seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ kind.rotate_left(32)
                ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03),
        )
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `low..high`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// How one photo looks.
pub struct Scene {
    /// Canvas size in pixels.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
    /// The garment's side on the canvas (the 28×28 square scaled), in pixels.
    pub garment_side: f64,
    /// The garment square's centre, in pixels.
    pub centre: (f64, f64),
    /// Tilt in degrees (clockwise as seen).
    pub tilt_degrees: f64,
    /// Background colour.
    pub background: [f64; 3],
    /// The garment's colour where it is fully there.
    pub garment: [f64; 3],
    /// Light falls off along this direction (unit vector) down to `1 - shadow_depth`.
    pub shadow: Option<((f64, f64), f64)>,
}

impl Scene {
    /// A plain product shot: dark gray garment on a light gray page, off-centre.
    pub fn plain(rng: &mut Rng, width: u32, height: u32) -> Self {
        let short = f64::from(width.min(height));
        let garment_side = short * rng.uniform(0.45, 0.7);
        let margin = garment_side / 2.0;
        let centre =
            (rng.uniform(margin, f64::from(width) - margin), rng.uniform(margin, f64::from(height) - margin));
        let page = rng.uniform(228.0, 250.0);
        let ink = rng.uniform(15.0, 60.0);
        Self {
            width,
            height,
            garment_side,
            centre,
            tilt_degrees: 0.0,
            background: [page; 3],
            garment: [ink; 3],
            shadow: None,
        }
    }

    /// Draws the scene with `garment` (28×28, light-on-dark: 255 = fully there).
    pub fn render(&self, garment: &[u8], rng: &mut Rng) -> RgbImage {
        let (sin, cos) = self.tilt_degrees.to_radians().sin_cos();
        let scale = 28.0 / self.garment_side;
        let diagonal = f64::from(self.width).hypot(f64::from(self.height));
        let mut noise_state = rng.next();
        RgbImage::from_fn(self.width, self.height, |x, y| {
            let (px, py) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
            let (dx, dy) = (px - self.centre.0, py - self.centre.1);
            // Inverse rotation into the garment's own square, then into its 28×28 pixels.
            let gx = (cos * dx + sin * dy) * scale + 14.0 - 0.5;
            let gy = (-sin * dx + cos * dy) * scale + 14.0 - 0.5;
            let strength = sample(garment, gx, gy) / 255.0;
            let light = match self.shadow {
                Some(((ux, uy), depth)) => {
                    let along = (px * ux + py * uy) / diagonal;
                    1.0 - depth * along.clamp(0.0, 1.0)
                }
                None => 1.0,
            };
            noise_state = noise_state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let noise = ((noise_state >> 59) as f64 - 15.5) / 5.0; // about ±3 levels
            image::Rgb(std::array::from_fn(|c| {
                let value =
                    (self.background[c] * (1.0 - strength) + self.garment[c] * strength) * light + noise;
                value.round().clamp(0.0, 255.0) as u8
            }))
        })
    }
}

/// Bilinear sample of a 28×28 image at (x, y) in its pixel coordinates; 0 outside.
fn sample(image: &[u8], x: f64, y: f64) -> f64 {
    if !(-1.0..28.0).contains(&x) || !(-1.0..28.0).contains(&y) {
        return 0.0;
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: f64, yi: f64| -> f64 {
        if (0.0..28.0).contains(&xi) && (0.0..28.0).contains(&yi) {
            f64::from(image[yi as usize * 28 + xi as usize])
        } else {
            0.0
        }
    };
    let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
    let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// A colour from hue (0..360), saturation and value (0..1), as 0..255 channels.
pub fn hsv(hue: f64, saturation: f64, value: f64) -> [f64; 3] {
    let c = value * saturation;
    let h = (hue / 60.0).rem_euclid(6.0);
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = value - c;
    [(r + m) * 255.0, (g + m) * 255.0, (b + m) * 255.0]
}

/// The picture stored turned for EXIF `orientation` (what a camera held sideways writes): the
/// inverse of the turn a viewer applies.
pub fn stored_for(upright: &RgbImage, orientation: u8) -> RgbImage {
    let image = image::DynamicImage::ImageRgb8(upright.clone());
    let stored = match orientation {
        2 => image.fliph(),
        3 => image.rotate180(),
        4 => image.flipv(),
        // 5 and 7 (transpose, transverse) are their own inverses.
        5 => image.rotate90().fliph(),
        6 => image.rotate270(),
        7 => image.rotate270().fliph(),
        8 => image.rotate90(),
        _ => image,
    };
    stored.into_rgb8()
}

/// Encodes as PNG or JPEG (quality 90, what phones use roughly).
pub fn encode(image: &RgbImage, format: ImageFormat) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90).encode_image(image)?;
        }
        _ => image.write_to(&mut bytes, format)?,
    }
    Ok(bytes.into_inner())
}

/// JPEG bytes of `upright` stored turned with an EXIF orientation tag saying so.
pub fn turned_jpeg(upright: &RgbImage, orientation: u8) -> anyhow::Result<Vec<u8>> {
    Ok(jpeg_with_orientation(&encode(&stored_for(upright, orientation), ImageFormat::Jpeg)?, orientation)?)
}
