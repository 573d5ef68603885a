//! Reusable drawing pieces shared by the tabs.

pub mod class_chart;
pub mod feature_maps;
pub mod layer_table;
pub mod pixels;
pub mod prep_steps;
pub mod probability_bars;
