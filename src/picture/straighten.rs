//! Straightening: the object's principal axis (from its brightness-weighted second moments) turned
//! to the nearest of vertical and horizontal, when the object is clearly longer one way and tilted
//! by a little (a photo taken slightly askew), never by much (a shoe photographed diagonally stays).

use super::pixels::GrayPixels;

/// Tilts up to this many degrees are straightened; more is taken as the picture's intent.
pub const MAX_TILT_DEGREES: f64 = 15.0;
/// Tilts under this are left alone (resampling would only blur).
const MIN_TILT_DEGREES: f64 = 1.5;
/// The object must be at least this much longer along its axis than across (ratio of the second
/// moments); rounder objects have no reliable axis.
const MIN_ELONGATION: f64 = 1.5;

/// What straightening found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Tilt {
    /// Tilted clockwise by this many degrees (as seen; negative: anticlockwise), to be turned back.
    Turned(f64),
    /// Less than [`MIN_TILT_DEGREES`] off.
    Straight,
    /// No clear axis (round, or nothing there).
    NoAxis,
    /// Tilted by more than [`MAX_TILT_DEGREES`]: left as it is.
    TooSteep(f64),
}

/// The object's tilt from the nearest of vertical and horizontal, in degrees (positive: its axis
/// turned clockwise as seen), from pixels brighter than `floor`.
pub(crate) fn measure(image: &GrayPixels, floor: u8) -> Tilt {
    let (mut total, mut sum_x, mut sum_y) = (0.0, 0.0, 0.0);
    for (y, row) in image.pixels.chunks_exact(image.width).enumerate() {
        for (x, &value) in row.iter().enumerate() {
            if value > floor {
                let w = f64::from(value);
                total += w;
                sum_x += w * x as f64;
                sum_y += w * y as f64;
            }
        }
    }
    if total <= 0.0 {
        return Tilt::NoAxis;
    }
    let (cx, cy) = (sum_x / total, sum_y / total);
    let (mut xx, mut yy, mut xy) = (0.0, 0.0, 0.0);
    for (y, row) in image.pixels.chunks_exact(image.width).enumerate() {
        for (x, &value) in row.iter().enumerate() {
            if value > floor {
                let w = f64::from(value);
                let (dx, dy) = (x as f64 - cx, y as f64 - cy);
                xx += w * dx * dx;
                yy += w * dy * dy;
                xy += w * dx * dy;
            }
        }
    }
    let spread = ((xx - yy).powi(2) + 4.0 * xy * xy).sqrt();
    let (major, minor) = (xx + yy + spread, xx + yy - spread);
    if minor <= 0.0 || major / minor < MIN_ELONGATION {
        return Tilt::NoAxis;
    }
    // The major axis' angle from the x axis, in image coordinates (y down): −90..90.
    let angle = 0.5 * (2.0 * xy).atan2(xx - yy).to_degrees();
    let tilt = if angle.abs() <= 45.0 { angle } else { angle - 90.0 * angle.signum() };
    if tilt.abs() < MIN_TILT_DEGREES {
        Tilt::Straight
    } else if tilt.abs() > MAX_TILT_DEGREES {
        Tilt::TooSteep(tilt)
    } else {
        Tilt::Turned(tilt)
    }
}

/// Turns `image` clockwise (as seen) by `degrees` about its centre (bilinear), onto a canvas just large enough to hold
/// all of it, the new corners filled with 0 (the background after the background step).
pub(crate) fn rotate(image: &GrayPixels, degrees: f64) -> GrayPixels {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (w, h) = (image.width as f64, image.height as f64);
    let width = (w * cos.abs() + h * sin.abs()).ceil().max(1.0) as usize;
    let height = (w * sin.abs() + h * cos.abs()).ceil().max(1.0) as usize;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (ncx, ncy) = (width as f64 / 2.0, height as f64 / 2.0);
    let mut pixels = vec![0_u8; width * height];
    for (y, row) in pixels.chunks_exact_mut(width).enumerate() {
        for (x, out) in row.iter_mut().enumerate() {
            let (dx, dy) = (x as f64 + 0.5 - ncx, y as f64 + 0.5 - ncy);
            // Inverse rotation: where this output pixel comes from.
            let sx = cos * dx + sin * dy + cx - 0.5;
            let sy = -sin * dx + cos * dy + cy - 0.5;
            *out = bilinear(image, sx, sy);
        }
    }
    GrayPixels { width, height, pixels }
}

fn bilinear(image: &GrayPixels, x: f64, y: f64) -> u8 {
    if x < -0.5 || y < -0.5 || x > image.width as f64 - 0.5 || y > image.height as f64 - 0.5 {
        return 0;
    }
    let (x, y) = (x.clamp(0.0, (image.width - 1) as f64), y.clamp(0.0, (image.height - 1) as f64));
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(image.width - 1), (y0 + 1).min(image.height - 1));
    let (fx, fy) = (x - x0 as f64, y - y0 as f64);
    let top = f64::from(image.at(x0, y0)) * (1.0 - fx) + f64::from(image.at(x1, y0)) * fx;
    let bottom = f64::from(image.at(x0, y1)) * (1.0 - fx) + f64::from(image.at(x1, y1)) * fx;
    (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bright bar 10 wide and 60 long on black, turned by `degrees`.
    fn bar(degrees: f64) -> GrayPixels {
        let mut image = GrayPixels::filled(100, 100, 0);
        for y in 20..80 {
            for x in 45..55 {
                image.pixels[y * 100 + x] = 200;
            }
        }
        rotate(&image, degrees)
    }

    #[test]
    fn a_tilted_bar_is_measured_and_turned_back_upright() {
        let Tilt::Turned(tilt) = measure(&bar(10.0), 20) else { panic!("not measured") };
        assert!((tilt.abs() - 10.0).abs() < 1.0, "{tilt}");
        let back = rotate(&bar(10.0), -tilt);
        assert_eq!(measure(&back, 20), Tilt::Straight);
    }

    #[test]
    fn upright_round_and_steep_objects_are_left_alone() {
        assert_eq!(measure(&bar(0.0), 20), Tilt::Straight);
        assert_eq!(measure(&GrayPixels::filled(50, 50, 0), 20), Tilt::NoAxis);
        let square = GrayPixels::filled(20, 20, 200);
        assert_eq!(measure(&square, 20), Tilt::NoAxis);
        assert!(matches!(measure(&bar(30.0), 20), Tilt::TooSteep(_)));
    }
}
