//! What the model tells apart: every class of the data set, or two classes the user picks, by name.

use crate::data::ClassNames;
use crate::model::{Task, default_binary_task};

/// Draws the task choice for a data set with `classes`; returns the new task when the user changed it.
pub fn task_picker_ui(ui: &mut egui::Ui, task: Task, classes: &ClassNames) -> Option<Task> {
    let mut chosen = task;
    ui.horizontal(|ui| {
        ui.label("Task:");
        let all = Task::all(classes.len());
        let is_binary = matches!(task, Task::Binary { .. });
        if ui
            .selectable_label(!is_binary, format!("All {} classes", classes.len()))
            .on_hover_text("One output per class of the data set")
            .clicked()
        {
            chosen = all;
        }
        if ui
            .selectable_label(is_binary, "Two classes")
            .on_hover_text("A yes/no question: one class against another; the other pictures are left out")
            .clicked()
            && !is_binary
        {
            chosen = default_binary_task(classes);
        }
        if let Task::Binary { positive, negative } = chosen {
            let mut negative = usize::from(negative);
            let mut positive = usize::from(positive);
            class_combo_ui(ui, "binary_negative", &mut negative, classes);
            ui.label("vs");
            class_combo_ui(ui, "binary_positive", &mut positive, classes);
            if let (Ok(negative), Ok(positive)) = (u8::try_from(negative), u8::try_from(positive)) {
                chosen = Task::Binary { positive, negative };
            }
        }
    });
    (chosen != task).then_some(chosen)
}

fn class_combo_ui(ui: &mut egui::Ui, id: &str, label: &mut usize, classes: &ClassNames) {
    egui::ComboBox::from_id_salt(id).selected_text(classes.name(*label)).show_ui(ui, |ui| {
        for (candidate, name) in classes.iter() {
            ui.selectable_value(label, candidate, name);
        }
    });
}
