//! The small helpers every other module shares: atomic file writes, time stamps, numbers as people
//! read them and CSV cells. Nothing here knows about models, data sets or the window.

mod atomic;
mod csv;
mod numbers;
mod time;

pub use atomic::write_atomically;
pub use csv::csv_field;
pub use numbers::thousands;
pub use time::{now_rfc3339, rfc3339_utc};
