//! Reusable drawing pieces shared by the tabs.

pub mod class_chart;
pub mod layer_table;
pub mod pixels;
pub mod probability_bars;
