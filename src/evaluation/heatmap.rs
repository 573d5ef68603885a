//! The confusion matrix drawn as a PNG heatmap: cells shaded by the share of their row, each with
//! its count and percentage, class names on both axes (an 8×8 bitmap font, so no font files).

use std::path::Path;

use image::{Rgb, RgbImage};

use super::{ConfusionMatrix, EvaluationError};

const CELL_WIDTH: u32 = 76;
const CELL_HEIGHT: u32 = 56;
const GLYPH: u32 = 8;
const MARGIN: u32 = 12;
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const INK: Rgb<u8> = Rgb([20, 20, 20]);
/// The ends of matplotlib's "Blues" colour map: an empty row is near-white, a full one dark blue.
const LIGHT: [f64; 3] = [247.0, 251.0, 255.0];
const DARK: [f64; 3] = [8.0, 48.0, 107.0];

/// Draws the matrix. Rows are true classes, columns predicted ones; a cell's shade is its count
/// divided by its row's total, so every class reads the same however many examples it has.
#[must_use]
pub fn confusion_heatmap(confusion: &ConfusionMatrix, class_names: &[String]) -> RgbImage {
    let n = u32::try_from(confusion.num_classes()).unwrap_or(0);
    let name = |class: usize| class_names.get(class).cloned().unwrap_or_else(|| format!("class {class}"));
    let Layout { grid_left, grid_top, width, height } = Layout::new(confusion, class_names);
    let mut picture = RgbImage::from_pixel(width, height, WHITE);
    let title_height = GLYPH * 2 + MARGIN;

    draw_text(&mut picture, MARGIN, MARGIN, TITLE, 2, INK);
    let predicted = "Predicted class";
    let grid_width = n * CELL_WIDTH;
    let centered = grid_left + grid_width.saturating_sub(text_width(predicted, 2)) / 2;
    draw_text(&mut picture, centered, MARGIN + title_height, predicted, 2, INK);
    let truth = "True class";
    let grid_height = n * CELL_HEIGHT;
    let bottom = grid_top + grid_height - grid_height.saturating_sub(text_width(truth, 2)) / 2;
    draw_text_upwards(&mut picture, MARGIN, bottom, truth, 2, INK);

    let normalized = confusion.normalized_by_row();
    for (row, class_row) in (0..n).zip(&normalized) {
        let top = grid_top + row * CELL_HEIGHT;
        let label = name(row as usize);
        let label_left = grid_left - MARGIN - text_width(&label, 2);
        draw_text(&mut picture, label_left, top + (CELL_HEIGHT - 2 * GLYPH) / 2, &label, 2, INK);
        for (column, &share) in (0..n).zip(class_row) {
            let left = grid_left + column * CELL_WIDTH;
            let shade = shade(share);
            fill(&mut picture, left, top, CELL_WIDTH, CELL_HEIGHT, shade);
            let ink = if share > 0.5 { WHITE } else { INK };
            let count = confusion.count(row as usize, column as usize).to_string();
            let count_left = left + CELL_WIDTH.saturating_sub(text_width(&count, 2)) / 2;
            draw_text(&mut picture, count_left, top + 10, &count, 2, ink);
            let percent = format!("{:.1}%", share * 100.0);
            let percent_left = left + CELL_WIDTH.saturating_sub(text_width(&percent, 1)) / 2;
            draw_text(&mut picture, percent_left, top + 36, &percent, 1, ink);
        }
    }
    for column in 0..n {
        let label = name(column as usize);
        let x = grid_left + column * CELL_WIDTH + (CELL_WIDTH - 2 * GLYPH) / 2;
        draw_text_upwards(&mut picture, x, grid_top - MARGIN, &label, 2, INK);
    }
    // Thin grid lines keep neighbouring cells of the same shade apart.
    for i in 0..=n {
        fill(&mut picture, grid_left + i * CELL_WIDTH, grid_top, 1, grid_height, Rgb([200, 200, 200]));
        fill(&mut picture, grid_left, grid_top + i * CELL_HEIGHT, grid_width + 1, 1, Rgb([200, 200, 200]));
    }
    picture
}

/// Where the grid sits in the picture and how big the picture is.
struct Layout {
    grid_left: u32,
    grid_top: u32,
    width: u32,
    height: u32,
}

const TITLE: &str = "Confusion matrix";

impl Layout {
    fn new(confusion: &ConfusionMatrix, class_names: &[String]) -> Self {
        let n = u32::try_from(confusion.num_classes()).unwrap_or(0);
        let longest = (0..confusion.num_classes())
            .map(|class| class_names.get(class).map_or(8, |name| name.chars().count()))
            .max()
            .unwrap_or(0);
        let longest = u32::try_from(longest).unwrap_or(0) * GLYPH * 2;
        let title_height = GLYPH * 2 + MARGIN;
        let axis_label = GLYPH * 2 + MARGIN / 2;
        let grid_left = MARGIN + axis_label + longest + MARGIN;
        let grid_top = MARGIN + title_height + axis_label + longest + MARGIN;
        let width = (grid_left + n * CELL_WIDTH + MARGIN).max(text_width(TITLE, 2) + 2 * MARGIN);
        let height = grid_top + n * CELL_HEIGHT + MARGIN;
        Self { grid_left, grid_top, width, height }
    }
}

/// Draws the heatmap and writes it to `path` as a PNG (atomically).
///
/// # Errors
/// Encoding fails or the file cannot be written.
pub fn save_confusion_png(
    confusion: &ConfusionMatrix,
    class_names: &[String],
    path: &Path,
) -> Result<(), EvaluationError> {
    let picture = confusion_heatmap(confusion, class_names);
    let mut bytes = std::io::Cursor::new(Vec::new());
    picture
        .write_to(&mut bytes, image::ImageFormat::Png)
        .map_err(|source| EvaluationError::Encode { path: path.to_path_buf(), source })?;
    crate::files::write_atomically(path, bytes.get_ref())
        .map_err(|source| EvaluationError::Write { path: path.to_path_buf(), source })
}

/// The colour of a cell whose row share is `share` (0..=1).
fn shade(share: f64) -> Rgb<u8> {
    let t = share.clamp(0.0, 1.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // values stay in 0..=255
    let channel = |i: usize| (LIGHT[i] + (DARK[i] - LIGHT[i]) * t).round() as u8;
    Rgb([channel(0), channel(1), channel(2)])
}

fn fill(picture: &mut RgbImage, left: u32, top: u32, width: u32, height: u32, colour: Rgb<u8>) {
    for y in top..(top + height).min(picture.height()) {
        for x in left..(left + width).min(picture.width()) {
            picture.put_pixel(x, y, colour);
        }
    }
}

fn text_width(text: &str, scale: u32) -> u32 {
    u32::try_from(text.chars().count()).unwrap_or(0) * GLYPH * scale
}

/// The 8×8 bitmap of `c` (rows top to bottom, bit 0 = leftmost pixel); `?` for non-ASCII.
fn glyph(c: char) -> [u8; 8] {
    let code = if c.is_ascii() { c as usize } else { '?' as usize };
    font8x8::legacy::BASIC_LEGACY[code]
}

/// Left-to-right text with its top-left corner at (`left`, `top`).
fn draw_text(picture: &mut RgbImage, left: u32, top: u32, text: &str, scale: u32, colour: Rgb<u8>) {
    for (i, c) in (0u32..).zip(text.chars()) {
        let origin = left + i * GLYPH * scale;
        plot_glyph(picture, c, scale, colour, |gx, gy| (origin + gx, top + gy));
    }
}

/// Text turned a quarter counter-clockwise, read bottom to top, starting at `bottom`.
fn draw_text_upwards(
    picture: &mut RgbImage,
    left: u32,
    bottom: u32,
    text: &str,
    scale: u32,
    colour: Rgb<u8>,
) {
    for (i, c) in (0u32..).zip(text.chars()) {
        let Some(base) = bottom.checked_sub(i * GLYPH * scale) else { return };
        plot_glyph(picture, c, scale, colour, |gx, gy| (left + gy, base.saturating_sub(gx + 1)));
    }
}

/// Plots the set pixels of `c`, each as a `scale`×`scale` square placed by `place(x, y)` in glyph
/// pixels times scale.
fn plot_glyph(
    picture: &mut RgbImage,
    c: char,
    scale: u32,
    colour: Rgb<u8>,
    place: impl Fn(u32, u32) -> (u32, u32),
) {
    for (gy, bits) in (0u32..).zip(glyph(c)) {
        for gx in 0..GLYPH {
            if bits & (1 << gx) == 0 {
                continue;
            }
            for dy in 0..scale {
                for dx in 0..scale {
                    let (x, y) = place(gx * scale + dx, gy * scale + dy);
                    if x < picture.width() && y < picture.height() {
                        picture.put_pixel(x, y, colour);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("Class {i}")).collect()
    }

    #[test]
    fn a_fuller_cell_is_darker() {
        // Row 0: 9 right, 1 wrong; row 1: all right.
        let truth = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        let predicted = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
        let matrix = ConfusionMatrix::from_predictions(2, &truth, &predicted).unwrap();
        let picture = confusion_heatmap(&matrix, &names(2));
        let brightness = |p: &Rgb<u8>| p.0.iter().map(|&c| u32::from(c)).sum::<u32>();
        // Sample each cell near its top-left corner, away from the text.
        let Layout { grid_left, grid_top, .. } = Layout::new(&matrix, &names(2));
        let at = |row: u32, column: u32| {
            *picture.get_pixel(grid_left + column * CELL_WIDTH + 3, grid_top + row * CELL_HEIGHT + 3)
        };
        assert!(brightness(&at(0, 0)) < brightness(&at(0, 1)));
        assert_eq!(at(1, 1), shade(1.0));
        assert_eq!(at(1, 0), shade(0.0));
    }

    #[test]
    fn ten_classes_fit_and_text_is_drawn() {
        let matrix = ConfusionMatrix::from_predictions(10, &[3; 5], &[3; 5]).unwrap();
        let picture = confusion_heatmap(&matrix, &names(10));
        assert!(picture.width() >= 10 * CELL_WIDTH && picture.height() >= 10 * CELL_HEIGHT);
        let dark = picture.pixels().filter(|p| **p == INK).count();
        assert!(dark > 1000, "labels and counts are drawn ({dark} ink pixels)");
    }

    #[test]
    fn saves_a_png_that_decodes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confusion.png");
        let matrix = ConfusionMatrix::from_predictions(2, &[0, 1], &[0, 0]).unwrap();
        save_confusion_png(&matrix, &names(2), &path).unwrap();
        let decoded = image::open(&path).unwrap();
        assert_eq!(decoded.width(), confusion_heatmap(&matrix, &names(2)).width());
    }
}
