//! Reusable drawing pieces shared by the tabs.

pub mod augmentation_strip;
pub mod class_chart;
pub mod layer_table;
pub mod lr_preview;
pub mod pixels;
pub mod runs_table;
pub mod training_plots;
