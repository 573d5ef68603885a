//! The Dataset tab: browse samples per class (train or test), see one large with its pixel values,
//! the class balance, the mean image of each class, and the binary task's two classes side by side.

use std::sync::Arc;

use crate::data::{ClassNames, Dataset, IMAGE_SIDE, Split};
use crate::files::thousands;
use crate::model::default_binary_task;
use crate::worker::{LoadedDataset, SplitOverview};

use super::super::app::Ctx;
use super::super::first_run::{self, PanelMode};
use super::super::settings::DataChoice;
use super::super::state::DataState;
use super::super::widgets::class_chart::class_chart_ui;
use super::super::widgets::pixels::{TextureCache, TextureKey, image_ui, large_image_ui};
use super::dataset_library::{self, LibraryState};
use super::predict::from_dataset::{self, DatasetSample};

/// Samples per class row in the ten-class grid.
const PER_CLASS: usize = 10;
/// Samples per class in the binary view (a square of 6 × 6).
const BINARY_SIDE: usize = 6;

/// Which classes the grid shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClassView {
    /// One row per class.
    #[default]
    AllClasses,
    /// The binary task's two classes side by side.
    Binary,
}

/// The image open in the large view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zoomed {
    /// Its split.
    pub split: Split,
    /// Its position in the split.
    pub position: usize,
    /// The grid it was opened from (all classes or the binary pair).
    pub classes: ClassView,
}

/// View state of the Dataset tab (runtime only).
#[derive(Default)]
pub struct DatasetView {
    /// Ten classes or the binary pair.
    pub classes: ClassView,
    /// 0 shows the first images of each class; each shuffle picks a new random page.
    pub shuffle_seed: u64,
    /// The image open in the large view.
    pub zoomed: Option<Zoomed>,
    /// Textures of the images on screen.
    pub textures: TextureCache,
    /// The data set list and the import window.
    pub library: LibraryState,
}

impl DatasetView {
    /// Forgets textures and the open image when new data arrives.
    pub fn reset_for_new_data(&mut self) {
        self.textures.clear();
        self.zoomed = None;
    }
}

/// Draws the tab.
pub fn show_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    dataset_library::import_window(ui.ctx(), cx);
    let data = match &cx.state.data {
        DataState::Loading { .. } => {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() * 0.35);
                ui.spinner();
                ui.label("Loading the data set…");
            });
            return;
        }
        DataState::Missing { error } => {
            let error = error.clone();
            first_run::show_ui(ui, cx, PanelMode::NoData, Some(&error), None);
            return;
        }
        // Cheap: the pixels are shared, only handles are cloned.
        DataState::Ready(data) => data.clone(),
    };
    if data.data.source.is_sample()
        && cx.settings.data != DataChoice::Sample
        && !cx.state.first_run.sample_banner_closed
    {
        let looked = data.data.source.describe_search();
        first_run::show_ui(ui, cx, PanelMode::SampleLoaded, None, Some(&looked));
        ui.add_space(8.0);
    }
    dataset_library::picker_ui(ui, cx, &data.data);
    controls_ui(ui, cx, &data);
    ui.separator();
    let split = cx.settings.dataset_split;
    let (dataset, overview) = match split {
        Split::Train => (&data.data.train, &data.train_overview),
        Split::Test => (&data.data.test, &data.test_overview),
    };
    let classes = &data.data.classes;
    let view = &mut cx.state.dataset;
    egui::ScrollArea::both().auto_shrink([false, false]).show(ui, |ui| match view.classes {
        ClassView::AllClasses => {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| class_grid_ui(ui, view, split, dataset, overview, classes));
                ui.add_space(24.0);
                ui.vertical(|ui| summary_ui(ui, view, split, overview, classes));
            });
        }
        ClassView::Binary => binary_ui(ui, view, split, dataset, overview, classes),
    });
    if let Some(sample) = zoom_window(ui.ctx(), view, &data, split) {
        from_dataset::send_to_predict(cx, sample);
    }
}

fn controls_ui(ui: &mut egui::Ui, cx: &mut Ctx<'_>, data: &LoadedDataset) {
    // Wrapped: in a narrow window the hint goes to a second line instead of off the edge.
    ui.horizontal_wrapped(|ui| {
        ui.label("Split:");
        for (split, count) in [(Split::Train, data.data.train.len()), (Split::Test, data.data.test.len())] {
            let text =
                format!("{} ({})", if split == Split::Train { "Training" } else { "Test" }, thousands(count));
            if ui.selectable_label(cx.settings.dataset_split == split, text).clicked() {
                cx.settings.dataset_split = split;
            }
        }
        ui.separator();
        ui.label("Show:");
        let view = &mut cx.state.dataset;
        let classes = &data.data.classes;
        let all = format!("All {} classes", classes.len());
        ui.selectable_value(&mut view.classes, ClassView::AllClasses, all);
        let binary = format!("Binary task: {}", default_binary_task(classes).describe(classes));
        ui.selectable_value(&mut view.classes, ClassView::Binary, binary);
        ui.separator();
        if ui.button("Shuffle").on_hover_text("Show other random images of each class").clicked() {
            view.shuffle_seed += 1;
        }
        ui.weak("Hover an image for its class; click it to see it large; drag it onto the Predict tab to predict it.");
    });
}

/// `count` positions of `class` on the current page (the first ones, or a seeded random pick).
fn page(overview: &SplitOverview, class: usize, count: usize, seed: u64) -> Vec<usize> {
    let Some(positions) = overview.class_positions.get(class) else { return Vec::new() };
    let count = count.min(positions.len());
    if seed == 0 {
        return positions[..count].iter().map(|&p| p as usize).collect();
    }
    let mut rng = crate::data::seeded_rng(seed.wrapping_mul(31).wrapping_add(class as u64));
    rand::seq::index::sample(&mut rng, positions.len(), count).iter().map(|i| positions[i] as usize).collect()
}

fn sample_ui(
    ui: &mut egui::Ui,
    view: &mut DatasetView,
    split: Split,
    dataset: &Dataset,
    position: usize,
    side: f32,
    classes: &ClassNames,
) {
    let key = TextureKey::Sample(split, dataset.source_index(position));
    let texture = view.textures.get(ui.ctx(), key, dataset.image(position));
    let label = usize::from(dataset.label(position));
    let name = classes.name(label);
    let response = image_ui(ui, &texture, side, format!("{name} #{position}")).on_hover_text(format!(
        "{name} · #{position} (click to enlarge, drag onto the Predict tab to predict)"
    ));
    if response.clicked() {
        view.zoomed = Some(Zoomed { split, position, classes: view.classes });
    }
    from_dataset::drag_source(&response, || DatasetSample {
        split,
        position,
        class_name: name.to_string(),
        pixels: Arc::from(dataset.image(position)),
        texture: texture.clone(),
    });
}

fn class_grid_ui(
    ui: &mut egui::Ui,
    view: &mut DatasetView,
    split: Split,
    dataset: &Dataset,
    overview: &SplitOverview,
    classes: &ClassNames,
) {
    let side = pixel_side(ui.available_height() - 40.0, classes.len());
    ui.strong(format!("{PER_CLASS} {} images of each class", split_adjective(split)));
    egui::Grid::new("class_grid").spacing([4.0, 4.0]).show(ui, |ui| {
        for (class, name) in classes.iter() {
            ui.label(name);
            for position in page(overview, class, PER_CLASS, view.shuffle_seed) {
                sample_ui(ui, view, split, dataset, position, side, classes);
            }
            ui.end_row();
        }
    });
}

fn summary_ui(
    ui: &mut egui::Ui,
    view: &mut DatasetView,
    split: Split,
    overview: &SplitOverview,
    classes: &ClassNames,
) {
    ui.strong("Images per class");
    // What is left of the window beside the image grid (at 1024×700 less than 520), so the chart
    // shrinks instead of running off the right edge.
    let room = (ui.clip_rect().right() - ui.min_rect().left() - 12.0).clamp(280.0, 520.0);
    ui.set_max_width(room);
    // A bar per class; tall enough that 26 names stay readable.
    let chart_height = (classes.len() as f32 * 22.0).clamp(160.0, 640.0);
    class_chart_ui(ui, "class_balance", &overview.class_counts, classes, chart_height);
    if let Some(warning) = balance_warning(&overview.class_counts, classes) {
        ui.colored_label(ui.visuals().warn_fg_color, warning);
    }
    ui.add_space(12.0);
    ui.strong("Mean image of each class").on_hover_text("Every image of the class averaged, pixel by pixel");
    egui::Grid::new("class_means").spacing([10.0, 10.0]).show(ui, |ui| {
        let labels: Vec<usize> = (0..classes.len()).collect();
        for row in labels.chunks(5) {
            for &class in row {
                ui.vertical(|ui| {
                    mean_ui(ui, view, split, overview, class, 2.0 * IMAGE_SIDE as f32, classes);
                    ui.small(classes.name(class));
                });
            }
            ui.end_row();
        }
    });
}

fn mean_ui(
    ui: &mut egui::Ui,
    view: &mut DatasetView,
    split: Split,
    overview: &SplitOverview,
    class: usize,
    side: f32,
    classes: &ClassNames,
) {
    let Some(mean) = overview.class_means.get(class) else { return };
    let texture = view.textures.get(ui.ctx(), TextureKey::Mean(split, class), mean);
    let name = classes.name(class);
    image_ui(ui, &texture, side, format!("Mean {name}")).on_hover_text(format!(
        "Mean of all {} {name} images",
        thousands(overview.class_counts.get(class).copied().unwrap_or(0)),
    ));
}

fn binary_ui(
    ui: &mut egui::Ui,
    view: &mut DatasetView,
    split: Split,
    dataset: &Dataset,
    overview: &SplitOverview,
    classes: &ClassNames,
) {
    let task = default_binary_task(classes);
    ui.label(format!(
        "The binary task asks one question: {}? Two classes, one decision.",
        task.describe(classes).replace(" vs ", " or ")
    ));
    ui.add_space(8.0);
    ui.horizontal_top(|ui| {
        for label in task.labels() {
            let class = usize::from(label);
            egui::Frame::group(ui.style()).inner_margin(12.0).show(ui, |ui| {
                ui.vertical(|ui| {
                    ui.heading(classes.name(class));
                    ui.label(format!(
                        "{} {} images",
                        thousands(overview.class_counts.get(class).copied().unwrap_or(0)),
                        split_adjective(split)
                    ));
                    ui.horizontal_top(|ui| {
                        ui.vertical(|ui| {
                            ui.small("Mean image");
                            mean_ui(ui, view, split, overview, class, 4.0 * IMAGE_SIDE as f32, classes);
                        });
                        ui.add_space(12.0);
                        let positions = page(overview, class, BINARY_SIDE * BINARY_SIDE, view.shuffle_seed);
                        egui::Grid::new(("binary_grid", class)).spacing([4.0, 4.0]).show(ui, |ui| {
                            for row in positions.chunks(BINARY_SIDE) {
                                for &position in row {
                                    sample_ui(
                                        ui,
                                        view,
                                        split,
                                        dataset,
                                        position,
                                        2.0 * IMAGE_SIDE as f32,
                                        classes,
                                    );
                                }
                                ui.end_row();
                            }
                        });
                    });
                });
            });
            ui.add_space(12.0);
        }
    });
}

/// The large view of one image; returns the image when its "Predict this image" button was clicked.
fn zoom_window(
    ctx: &egui::Context,
    view: &mut DatasetView,
    data: &LoadedDataset,
    split: Split,
) -> Option<DatasetSample> {
    let zoomed = view.zoomed?;
    // The large view belongs to the grid it was opened from: another split or task closes it.
    if zoomed.split != split || zoomed.classes != view.classes {
        view.zoomed = None;
        return None;
    }
    let dataset = match zoomed.split {
        Split::Train => &data.data.train,
        Split::Test => &data.data.test,
    };
    if zoomed.position >= dataset.len() {
        view.zoomed = None;
        return None;
    }
    let mut predict = None;
    // Escape closes it, like any viewer.
    let mut open = !ctx.input(|input| input.key_pressed(egui::Key::Escape));
    // Opens over the chart, beside the grid, so the clicked row stays visible.
    let window = egui::Window::new("Image").default_pos([720.0, 70.0]);
    window.open(&mut open).resizable(false).collapsible(false).show(ctx, |ui| {
        let pixels = dataset.image(zoomed.position);
        let label = dataset.label(zoomed.position);
        let class_name = data.data.classes.name(usize::from(label)).into_owned();
        ui.heading(&class_name);
        ui.label(format!("#{} of the {} split · label {label}", zoomed.position, zoomed.split.name()));
        let key = TextureKey::Sample(zoomed.split, dataset.source_index(zoomed.position));
        let texture = view.textures.get(ctx, key, pixels);
        large_image_ui(ui, &texture, pixels, 10.0 * IMAGE_SIDE as f32);
        ui.weak("Hover a pixel to read its value (0 = black background, 255 = white).");
        if ui
            .button("Predict this image")
            .on_hover_text("Open it in the Predict tab with the current model")
            .clicked()
        {
            predict = Some(DatasetSample {
                split: zoomed.split,
                position: zoomed.position,
                class_name,
                pixels: Arc::from(pixels),
                texture: texture.clone(),
            });
        }
    });
    if !open || predict.is_some() {
        view.zoomed = None;
    }
    predict
}

/// The largest whole multiple of 28 px that fits `rows` rows into `height` (at least 1×).
fn pixel_side(height: f32, rows: usize) -> f32 {
    let per_row = (height / rows as f32 - 4.0).max(IMAGE_SIDE as f32);
    (per_row / IMAGE_SIDE as f32).floor().clamp(1.0, 3.0) * IMAGE_SIDE as f32
}

/// A warning when the largest class has more than five times the pictures of the smallest: accuracy
/// then mostly measures the big classes, and the per-class report matters more than the total.
fn balance_warning(counts: &[usize], classes: &ClassNames) -> Option<String> {
    let (smallest, &fewest) = counts.iter().enumerate().min_by_key(|&(_, count)| *count)?;
    let (largest, &most) = counts.iter().enumerate().max_by_key(|&(_, count)| *count)?;
    (most > fewest.saturating_mul(5)).then(|| {
        format!(
            "Very unequal classes: {} has {} pictures, {} only {}. Accuracy will favour the big classes; read the per-class report.",
            classes.name(largest),
            thousands(most),
            classes.name(smallest),
            thousands(fewest)
        )
    })
}

fn split_adjective(split: Split) -> &'static str {
    match split {
        Split::Train => "training",
        Split::Test => "test",
    }
}
