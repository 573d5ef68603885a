//! The Fashion-MNIST data: reading, finding, checking and downloading it, and turning it into
//! batches and network inputs.

mod augmentation;
mod batches;
mod classes;
mod dataset;

pub use augmentation::{Augmentation, MAX_SHIFT_PIXELS};
pub use batches::{Batch, SeedStream, Targets, derive_seed, shuffled_positions, validation_split};
pub use classes::FashionClass;
pub use dataset::{Dataset, IMAGE_PIXELS, IMAGE_SIDE, Split};
