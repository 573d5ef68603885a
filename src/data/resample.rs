//! Resizing grayscale images: area averaging when shrinking (every source pixel counts, so thin
//! lines survive), bilinear when enlarging. Separable: rows first, then columns.

use super::image_input::GrayImage;

/// Resizes `image` to `width × height` (both at least 1).
#[must_use]
pub fn resize(image: &GrayImage, width: usize, height: usize) -> GrayImage {
    let (width, height) = (width.max(1), height.max(1));
    if image.width == width && image.height == height {
        return image.clone();
    }
    let columns = weights(image.width, width);
    let rows = weights(image.height, height);
    // Horizontal pass: [image.height, width].
    let mut horizontal = vec![0.0_f32; image.height * width];
    for y in 0..image.height {
        let source = &image.pixels[y * image.width..(y + 1) * image.width];
        for (x, taps) in columns.iter().enumerate() {
            horizontal[y * width + x] = taps.iter().map(|&(i, w)| f32::from(source[i]) * w).sum();
        }
    }
    // Vertical pass: [height, width].
    let mut pixels = vec![0_u8; width * height];
    for (y, taps) in rows.iter().enumerate() {
        for x in 0..width {
            let value: f32 = taps.iter().map(|&(i, w)| horizontal[i * width + x] * w).sum();
            pixels[y * width + x] = value.round().clamp(0.0, 255.0) as u8;
        }
    }
    GrayImage { width, height, pixels }
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
        let image = GrayImage::new(4, 2, vec![0, 255, 10, 10, 255, 0, 20, 20]).unwrap();
        let half = resize(&image, 2, 1);
        assert_eq!(half.pixels, vec![128, 15]);
        assert_eq!(resize(&image, 4, 2), image);
    }

    #[test]
    fn enlarging_keeps_flat_areas_flat_and_corners_exact() {
        let image = GrayImage::new(2, 2, vec![0, 0, 200, 200]).unwrap();
        let big = resize(&image, 4, 4);
        assert_eq!(&big.pixels[0..4], &[0, 0, 0, 0]);
        assert_eq!(&big.pixels[12..16], &[200, 200, 200, 200]);
        assert!(big.pixels[4] > 0 && big.pixels[4] < 200);
    }

    #[test]
    fn odd_ratios_keep_the_mean_brightness() {
        let pixels: Vec<u8> = (0..97 * 53).map(|i| (i * 7 % 256) as u8).collect();
        let image = GrayImage::new(97, 53, pixels).unwrap();
        let small = resize(&image, 28, 28);
        let mean = |p: &[u8]| p.iter().map(|&v| f64::from(v)).sum::<f64>() / p.len() as f64;
        assert!((mean(&image.pixels) - mean(&small.pixels)).abs() < 2.0);
    }
}
