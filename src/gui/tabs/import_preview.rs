//! The import window's preview: before anything is imported, the first picture of a few class
//! folders as it is and as the network will see it with the preparation chosen. The worker reads and
//! prepares them (`Command::PreviewImport`); this file asks, keeps the answer and draws it.

use std::path::{Path, PathBuf};

use egui::{ColorImage, TextureHandle, TextureOptions};

use crate::data::import::PreviewPicture;
use crate::data::store::Preprocessing;
use crate::worker::Command;

use super::super::app::Ctx;

/// Side of each preview picture on screen, in points.
const THUMBNAIL: f32 = 56.0;

/// What was asked and what came back.
#[derive(Default)]
pub struct PreviewState {
    /// The source and preparation last asked for.
    asked: Option<(PathBuf, Preprocessing)>,
    /// The answer to that question, with its textures once drawn.
    shown: Option<Shown>,
}

struct Shown {
    source: PathBuf,
    preprocessing: Preprocessing,
    pictures: Vec<PreviewPicture>,
    textures: Option<Vec<(TextureHandle, TextureHandle)>>,
}

impl PreviewState {
    /// The pictures shown now (tests look at them).
    #[must_use]
    pub fn pictures(&self) -> &[PreviewPicture] {
        self.shown.as_ref().map_or(&[], |shown| &shown.pictures)
    }
}

/// Asks the worker for a preview of `source` when it or the preparation changed, once the user has
/// stopped typing (`typing`: the source field has the keyboard).
pub fn request_if_changed(cx: &mut Ctx<'_>, source: &str, preprocessing: Preprocessing, typing: bool) {
    let source = source.trim();
    if source.is_empty() || typing {
        return;
    }
    let wanted = (PathBuf::from(source), preprocessing);
    if cx.state.dataset.library.import.preview.asked.as_ref() == Some(&wanted) {
        return;
    }
    let (source, preprocessing) = wanted.clone();
    if cx.send(Command::PreviewImport { source, preprocessing }) {
        cx.state.dataset.library.import.preview.asked = Some(wanted);
    }
}

/// The worker's answer: kept when it answers the latest question.
pub fn on_previewed(
    cx: &mut Ctx<'_>,
    source: PathBuf,
    preprocessing: Preprocessing,
    pictures: Vec<PreviewPicture>,
) {
    let panel = &mut cx.state.dataset.library.import;
    if panel.preview.asked.as_ref().is_some_and(|(asked, how)| asked == &source && *how == preprocessing) {
        panel.preview.shown = Some(Shown { source, preprocessing, pictures, textures: None });
        // A source that reads now is no longer wrong (a failed import's error stays until Import).
        if panel.report.is_none() && panel.progress.is_none() {
            panel.error = None;
        }
    }
}

/// Draws the preview of `source` (nothing while none has come for it).
pub fn preview_ui(ui: &mut egui::Ui, state: &mut PreviewState, source: &str, preprocessing: Preprocessing) {
    let Some(shown) = &mut state.shown else { return };
    if shown.source != Path::new(source.trim()) || shown.preprocessing != preprocessing {
        return;
    }
    ui.add_space(6.0);
    if shown.pictures.is_empty() {
        ui.weak("IDX and CSV pictures are 28×28 already; they are prepared as chosen above.");
        return;
    }
    ui.strong("What the network will see");
    ui.weak("The first picture of each class folder: as it is, and the 28×28 input it becomes.");
    let ctx = ui.ctx().clone();
    let textures = shown.textures.get_or_insert_with(|| textures(&ctx, &shown.pictures));
    ui.horizontal_wrapped(|ui| {
        // Pairs apart, the two pictures of a pair together.
        ui.spacing_mut().item_spacing.x = 16.0;
        for (picture, (original, input)) in shown.pictures.iter().zip(textures.iter()) {
            ui.vertical(|ui| {
                ui.set_width(THUMBNAIL * 2.0 + 2.0);
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = 2.0;
                    let size = original.size_vec2();
                    let scale = THUMBNAIL / size.x.max(size.y);
                    ui.add(egui::Image::new((original.id(), size * scale)).alt_text(&picture.class_name));
                    let alt = format!("{} as the network will see it", picture.class_name);
                    ui.add(egui::Image::new((input.id(), egui::Vec2::splat(THUMBNAIL))).alt_text(alt));
                });
                ui.add(egui::Label::new(egui::RichText::new(&picture.class_name).small()).truncate());
            });
        }
    });
}

fn textures(ctx: &egui::Context, pictures: &[PreviewPicture]) -> Vec<(TextureHandle, TextureHandle)> {
    pictures
        .iter()
        .map(|picture| {
            let original = &picture.original;
            let image =
                ColorImage::from_rgba_unmultiplied([original.width, original.height], &original.pixels);
            let name = picture.path.display();
            let original = ctx.load_texture(format!("import preview {name}"), image, TextureOptions::LINEAR);
            let input = ColorImage::from_gray([28, 28], &picture.input);
            let input = ctx.load_texture(format!("import input {name}"), input, TextureOptions::NEAREST);
            (original, input)
        })
        .collect()
}
