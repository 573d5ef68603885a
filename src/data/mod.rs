//! The Fashion-MNIST data: reading, finding, checking and downloading it, and turning it into
//! batches and network inputs.

mod classes;
mod dataset;

pub use classes::FashionClass;
pub use dataset::{Dataset, IMAGE_PIXELS, IMAGE_SIDE, Split};
