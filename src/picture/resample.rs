//! Resizing gray, RGB and RGBA pictures: area averaging when shrinking (every source pixel counts,
//! so thin lines survive), bilinear when enlarging. Separable: rows first, then columns.

use super::pixels::{GrayPixels, RgbPixels, RgbaPixels};

/// Resizes `image` to `width × height` (both at least 1).
#[must_use]
pub fn resize(image: &GrayPixels, width: usize, height: usize) -> GrayPixels {
    let (width, height) = (width.max(1), height.max(1));
    if image.width == width && image.height == height {
        return image.clone();
    }
    let pixels = resize_channels::<1>(&image.pixels, [image.width, image.height], [width, height]);
    GrayPixels { width, height, pixels }
}

/// Resizes an RGBA picture (the Predict tab's colour preview) the same way, each channel apart.
#[must_use]
pub fn resize_rgba(image: &RgbaPixels, width: usize, height: usize) -> RgbaPixels {
    let (width, height) = (width.max(1), height.max(1));
    if image.width == width && image.height == height {
        return image.clone();
    }
    let pixels = resize_channels::<4>(&image.pixels, [image.width, image.height], [width, height]);
    RgbaPixels { width, height, pixels }
}

/// Resizes an RGB picture (the working copy the steps start from), each channel apart.
#[must_use]
pub fn resize_rgb(image: &RgbPixels, width: usize, height: usize) -> RgbPixels {
    let (width, height) = (width.max(1), height.max(1));
    if image.width == width && image.height == height {
        return image.clone();
    }
    let pixels = resize_channels::<3>(&image.pixels, [image.width, image.height], [width, height]);
    RgbPixels { width, height, pixels }
}

/// The separable resize of interleaved `CHANNELS`-byte pixels from `[width, height]` to `to`.
fn resize_channels<const CHANNELS: usize>(
    source: &[u8],
    [from_width, from_height]: [usize; 2],
    [width, height]: [usize; 2],
) -> Vec<u8> {
    let columns = weights(from_width, width);
    let rows = weights(from_height, height);
    let row_len = width * CHANNELS;
    // Horizontal pass: [from_height, width, CHANNELS].
    let mut horizontal = vec![0.0_f32; from_height * row_len];
    for (line, out) in source.chunks_exact(from_width * CHANNELS).zip(horizontal.chunks_exact_mut(row_len)) {
        for (taps, out) in columns.iter().zip(out.chunks_exact_mut(CHANNELS)) {
            let mut sum = [0.0_f32; CHANNELS];
            for &(i, w) in taps {
                let pixel = &line[i * CHANNELS..(i + 1) * CHANNELS];
                for (sum, &value) in sum.iter_mut().zip(pixel) {
                    *sum += f32::from(value) * w;
                }
            }
            out.copy_from_slice(&sum);
        }
    }
    // Vertical pass: [height, width, CHANNELS], a whole row at a time.
    let mut pixels = vec![0_u8; height * row_len];
    let mut sum = vec![0.0_f32; row_len];
    for (taps, out) in rows.iter().zip(pixels.chunks_exact_mut(row_len)) {
        sum.fill(0.0);
        for &(i, w) in taps {
            for (sum, &value) in sum.iter_mut().zip(&horizontal[i * row_len..(i + 1) * row_len]) {
                *sum += value * w;
            }
        }
        for (out, &value) in out.iter_mut().zip(&sum) {
            // Round half up without a libm call (`round` is one on baseline x86-64).
            *out = (value.clamp(0.0, 255.0) + 0.5) as u8;
        }
    }
    pixels
}

/// For each output index, the source indices and weights (summing to 1) that make it.
fn weights(from: usize, to: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = from as f64 / to as f64;
    (0..to)
        .map(|out| {
            if scale >= 1.0 {
                // Area: the source interval [out·scale, (out+1)·scale) with fractional edges.
                let (start, end) = (out as f64 * scale, (out + 1) as f64 * scale);
                let first = start.floor() as usize;
                let last = (end.ceil() as usize).min(from);
                (first..last)
                    .map(|i| {
                        let overlap = end.min((i + 1) as f64) - start.max(i as f64);
                        (i, (overlap / scale) as f32)
                    })
                    .filter(|&(_, w)| w > 0.0)
                    .collect()
            } else {
                // Bilinear between the two nearest source centres.
                let centre = ((out as f64 + 0.5) * scale - 0.5).clamp(0.0, (from - 1) as f64);
                let low = centre.floor() as usize;
                let high = (low + 1).min(from - 1);
                let fraction = (centre - low as f64) as f32;
                if high == low { vec![(low, 1.0)] } else { vec![(low, 1.0 - fraction), (high, fraction)] }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_by_two_averages_blocks_and_same_size_is_identity() {
        let image = GrayPixels::new(4, 2, vec![0, 255, 10, 10, 255, 0, 20, 20]).unwrap();
        let half = resize(&image, 2, 1);
        assert_eq!(half.pixels, vec![128, 15]);
        assert_eq!(resize(&image, 4, 2), image);
    }

    #[test]
    fn enlarging_keeps_flat_areas_flat_and_corners_exact() {
        let image = GrayPixels::new(2, 2, vec![0, 0, 200, 200]).unwrap();
        let big = resize(&image, 4, 4);
        assert_eq!(&big.pixels[0..4], &[0, 0, 0, 0]);
        assert_eq!(&big.pixels[12..16], &[200, 200, 200, 200]);
        assert!(big.pixels[4] > 0 && big.pixels[4] < 200);
    }

    #[test]
    fn odd_ratios_keep_the_mean_brightness() {
        let pixels: Vec<u8> = (0..97 * 53).map(|i| (i * 7 % 256) as u8).collect();
        let image = GrayPixels::new(97, 53, pixels).unwrap();
        let small = resize(&image, 28, 28);
        let mean = |p: &[u8]| p.iter().map(|&v| f64::from(v)).sum::<f64>() / p.len() as f64;
        assert!((mean(&image.pixels) - mean(&small.pixels)).abs() < 2.0);
    }

    #[test]
    fn rgba_channels_are_resized_apart() {
        // Two pixels: opaque red, half-transparent blue; halved to one pixel.
        let image = RgbaPixels { width: 2, height: 1, pixels: vec![255, 0, 0, 255, 0, 0, 255, 127] };
        let half = resize_rgba(&image, 1, 1);
        assert_eq!(half.pixels, vec![128, 0, 128, 191]);
        assert_eq!(resize_rgba(&image, 2, 1), image);
    }
}
