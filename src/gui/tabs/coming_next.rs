//! The honest placeholder for tabs whose features are still being built: what the tab will do,
//! and what already works elsewhere. No buttons that do nothing.

use super::Tab;

/// Draws the "coming next" panel for `tab`; `pending_images` are pictures given on the command line.
pub fn show_ui(ui: &mut egui::Ui, tab: Tab, pending_images: &[std::path::PathBuf]) {
    let plans: &[&str] = match tab {
        Tab::Dataset | Tab::Model => &[],
        Tab::Train => &[
            "Hyperparameters with one-line explanations (epochs, batch size, optimizer, learning rate …)",
            "Start, pause, resume and stop, with loss and accuracy plotted live",
            "A history of your runs to compare dense and convolutional networks",
        ],
        Tab::Evaluate => &[
            "A confusion matrix you can click to see exactly those images",
            "Precision, recall and F1 for every class",
            "The most confident mistakes, and which pixels mattered",
        ],
        Tab::Predict => &[
            "Drop your own pictures (or a folder) onto the window",
            "Every preprocessing step shown, from your photo to the 28×28 input",
            "The model's confidence for each of the ten classes",
        ],
    };
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.2);
        ui.heading(format!("{} — coming next", tab.label()));
        ui.add_space(6.0);
        ui.label(tab.purpose());
        ui.add_space(12.0);
        for plan in plans {
            ui.label(format!("• {plan}"));
        }
        if tab == Tab::Predict && !pending_images.is_empty() {
            ui.add_space(12.0);
            ui.strong(format!(
                "{} picture(s) will be predicted here once this tab is ready:",
                pending_images.len()
            ));
            for path in pending_images.iter().take(10) {
                ui.monospace(path.display().to_string());
            }
        }
        ui.add_space(12.0);
        ui.weak("Meanwhile, explore the data in Dataset (Ctrl+1) and design a network in Model (Ctrl+2).");
    });
}
