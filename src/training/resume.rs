//! A run's resume state: everything a continued run needs to take exactly the steps the
//! uninterrupted run would have taken — the weights and optimizer state at the end of the last
//! finished epoch, the schedule and early-stopping state, the best weights so far and the curves.
//!
//! The random streams need no saving: every shuffle, augmentation and dropout mask is seeded from
//! (run seed, epoch, batch) (`data::derive_seed`), and a continued run starts at batch 0 of the
//! next epoch, so it draws the very numbers the uninterrupted run would have drawn.
//!
//! What a continued run's `TrainConfig::epochs` means: the run's *total*, the epochs already done
//! included. The schedule is planned over that total: continued to the same total, a run that was
//! stopped after epoch `k` (`atelier train --stop-after k`, or Stop in the window) ends with
//! bit-identical weights to one that never stopped; continued to a larger total, a cosine schedule
//! spreads what is left of its descent over the new total (constant, step and plateau schedules do
//! not depend on the total, so 5 epochs, then continued to 10, equals 10 in one go for them).

use std::collections::HashMap;

use candle_core::{Device, Tensor};

use super::config::TrainConfig;
use super::early_stopping::EarlyStopping;
use super::optimizer::OptimizerState;
use super::progress::EpochMetrics;
use super::schedule::LrSchedule;
use crate::model::ModelSpec;

/// One tensor as plain values: a name, a shape and row-major `f32` values.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedValues {
    /// The network's name for it (`layers.0.weight`).
    pub name: String,
    /// Dimensions.
    pub shape: Vec<usize>,
    /// `shape.iter().product()` values, row-major.
    pub values: Vec<f32>,
}

/// The state of a run at the end of its last finished epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct ResumeState {
    /// The architecture.
    pub spec: ModelSpec,
    /// The settings the run trained with (`epochs` is the total it was planned for).
    pub config: TrainConfig,
    /// Epochs finished; a continued run starts with epoch `epochs_done + 1` (1-based).
    pub epochs_done: usize,
    /// Every named tensor of the network (weights and batch-norm statistics) after that epoch.
    pub weights: Vec<NamedValues>,
    /// The weights of the epoch with the lowest validation loss so far, when early stopping is on.
    pub best_weights: Option<Vec<NamedValues>>,
    /// The optimizer's moments (or velocities) and step count.
    pub optimizer: OptimizerState,
    /// The learning-rate schedule, with a user's override and the plateau reductions.
    pub schedule: LrSchedule,
    /// The early-stopping tracker.
    pub stopping: EarlyStopping,
    /// One record per finished epoch.
    pub history: Vec<EpochMetrics>,
    /// Training seconds so far, pauses left out.
    pub elapsed_secs: f64,
    /// Fingerprint of the data trained on, when the caller knows it; continuing on other data is
    /// refused by the callers that check it.
    pub dataset_checksum: Option<String>,
}

/// Named tensors (a network snapshot) as plain values, sorted by name.
///
/// # Errors
/// A tensor that cannot be read as `f32`.
pub(crate) fn to_values(tensors: &HashMap<String, Tensor>) -> candle_core::Result<Vec<NamedValues>> {
    let mut values = tensors
        .iter()
        .map(|(name, tensor)| {
            Ok(NamedValues {
                name: name.clone(),
                shape: tensor.dims().to_vec(),
                values: tensor.flatten_all()?.to_dtype(candle_core::DType::F32)?.to_vec1::<f32>()?,
            })
        })
        .collect::<candle_core::Result<Vec<_>>>()?;
    values.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(values)
}

/// Plain values back to named tensors on `device`.
///
/// # Errors
/// Values that do not fill their shape.
pub(crate) fn to_tensors(
    values: &[NamedValues],
    device: &Device,
) -> candle_core::Result<HashMap<String, Tensor>> {
    values
        .iter()
        .map(|named| {
            Ok((named.name.clone(), Tensor::from_slice(&named.values, named.shape.as_slice(), device)?))
        })
        .collect()
}

/// Serde for an `f64` as its exact bits: JSON has no infinity, and serde_json's default float
/// parser may round the last bit, which would make a continued run drift from the original.
pub(crate) mod exact_f64 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the bits.
    #[allow(clippy::trivially_copy_pass_by_ref)] // serde's `with` calling convention
    pub(crate) fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(value.to_bits())
    }

    /// Reads the bits.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        u64::deserialize(deserializer).map(f64::from_bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_f64_keeps_every_bit_and_infinity() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Holder(#[serde(with = "exact_f64")] f64);
        for value in [f64::INFINITY, 0.1 + 0.2, 1e-3 / 3.0, -0.0] {
            let json = serde_json::to_string(&Holder(value)).unwrap();
            let back: Holder = serde_json::from_str(&json).unwrap();
            assert_eq!(back.0.to_bits(), value.to_bits(), "{json}");
        }
    }

    #[test]
    fn values_and_tensors_round_trip() {
        let device = Device::Cpu;
        let tensor = Tensor::from_vec(vec![1.5_f32, -2.0, 3.25, 0.0, 7.0, 8.0], (2, 3), &device).unwrap();
        let tensors = HashMap::from([("layers.0.weight".to_owned(), tensor)]);
        let values = to_values(&tensors).unwrap();
        assert_eq!(values[0].shape, [2, 3]);
        let back = to_tensors(&values, &device).unwrap();
        assert_eq!(to_values(&back).unwrap(), values);
    }
}
