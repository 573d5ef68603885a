//! ReLU as a candle custom op: one pass forward, one pass backward (candle's built-in backward
//! makes four full-size passes).

use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::kernel::{self, Data, Float, Real};

/// Elements per parallel task.
const CHUNK: usize = 1 << 15;

fn forward<T: Real>(x: &[T]) -> Vec<T> {
    let mut y = x.to_vec();
    y.par_chunks_mut(CHUNK).for_each(|run| {
        // Selects rather than conditional stores, so that the loops vectorise.
        for v in run {
            *v = if *v < T::ZERO { T::ZERO } else { *v };
        }
    });
    y
}

fn backward<T: Real>(y: &[T], dy: &[T]) -> Vec<T> {
    let mut dx = dy.to_vec();
    dx.par_chunks_mut(CHUNK).zip(y.par_chunks(CHUNK)).for_each(|(dx_run, y_run)| {
        for (d, &out) in dx_run.iter_mut().zip(y_run) {
            *d = if out > T::ZERO { *d } else { T::ZERO };
        }
    });
    dx
}

/// The candle custom op `max(0, x)`.
pub(crate) struct ReluOp;

impl CustomOp1 for ReluOp {
    fn name(&self) -> &'static str {
        "atelier-relu"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let out = match kernel::float_kind(storage, self.name())? {
            Float::F32 => CpuStorage::F32(forward::<f32>(kernel::slice_of(storage, layout)?)),
            Float::F64 => CpuStorage::F64(forward::<f64>(kernel::slice_of(storage, layout)?)),
        };
        Ok((out, layout.shape().clone()))
    }

    fn bwd(&self, x: &Tensor, y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        let (y_c, dy_c) = (y.contiguous()?, dy.contiguous()?);
        let (y_d, dy_d) = (Data::new(&y_c), Data::new(&dy_c));
        let dx = match x.dtype() {
            candle_core::DType::F64 => {
                kernel::tensor_from(backward::<f64>(y_d.slice()?, dy_d.slice()?), x.dims(), x)?
            }
            _ => kernel::tensor_from(backward::<f32>(y_d.slice()?, dy_d.slice()?), x.dims(), x)?,
        };
        Ok(Some(dx))
    }
}
