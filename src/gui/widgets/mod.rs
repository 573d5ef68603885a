//! Reusable drawing pieces shared by the tabs.

pub mod augmentation_strip;
pub mod class_chart;
pub mod confusion_matrix;
pub mod feature_maps;
pub mod layer_table;
pub mod lr_preview;
pub mod occlusion_overlay;
pub mod per_class_bars;
pub mod pixels;
pub mod prep_steps;
pub mod probability_bars;
pub mod report_table;
pub mod runs_table;
pub mod task_picker;
pub mod training_plots;
