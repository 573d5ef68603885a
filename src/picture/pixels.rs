//! The plain pixel buffers the picture steps pass along: gray (one byte a pixel), RGB and RGBA,
//! row-major, without the `image` crate's generic machinery.

/// A grayscale picture: `width × height` bytes, row-major, 0 = black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayPixels {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// The pixels.
    pub pixels: Vec<u8>,
}

impl GrayPixels {
    /// A picture from pixels; `None` if the sizes disagree.
    #[must_use]
    pub fn new(width: usize, height: usize, pixels: Vec<u8>) -> Option<Self> {
        (width * height == pixels.len()).then_some(Self { width, height, pixels })
    }

    /// A picture of one gray level.
    #[must_use]
    pub fn filled(width: usize, height: usize, level: u8) -> Self {
        Self { width, height, pixels: vec![level; width * height] }
    }

    pub(crate) fn at(&self, x: usize, y: usize) -> u8 {
        self.pixels[y * self.width + x]
    }
}

/// An opaque colour picture: `width × height × 3` bytes, RGB (transparency already composed over
/// white, how a cut-out product shot looks on a page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbPixels {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// The pixels, 3 bytes each.
    pub pixels: Vec<u8>,
}

impl RgbPixels {
    /// The pixel at (x, y).
    pub(crate) fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    /// Luminance (ITU-R BT.601, the weights the `image` crate and most viewers use).
    #[must_use]
    pub fn to_gray(&self) -> GrayPixels {
        let pixels = self
            .pixels
            .chunks_exact(3)
            .map(|p| {
                let sum = 299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]);
                ((sum + 500) / 1000) as u8
            })
            .collect();
        GrayPixels { width: self.width, height: self.height, pixels }
    }
}

/// A colour picture for display: `width × height × 4` bytes, RGBA, not premultiplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbaPixels {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// The pixels, 4 bytes each.
    pub pixels: Vec<u8>,
}

impl RgbaPixels {
    /// The picture over white, without its alpha channel.
    #[must_use]
    pub fn over_white(&self) -> RgbPixels {
        let mut pixels = Vec::with_capacity(self.width * self.height * 3);
        for p in self.pixels.chunks_exact(4) {
            let alpha = u32::from(p[3]);
            for &value in &p[..3] {
                // Integer blend: fully opaque pixels come through exactly.
                pixels.push(((u32::from(value) * alpha + 255 * (255 - alpha) + 127) / 255) as u8);
            }
        }
        RgbPixels { width: self.width, height: self.height, pixels }
    }
}
