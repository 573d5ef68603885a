//! Softmax cross-entropy (with label smoothing) as one candle custom op: one pass over the
//! logits forward, one backward (`(softmax − target distribution) / batch`), where candle's
//! log-softmax + gather + mean is about ten small ops and as many buffers.

use candle_core::{CpuStorage, CustomOp2, DType, Layout, Result, Shape, Tensor};

use super::kernel::{self, Data, Float, Real};

/// The op; ε of the label smoothing (0 = none). The arithmetic runs in `f64` whatever the
/// logits' type: it is 10 values per image, next to nothing beside the network.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CrossEntropyOp {
    pub label_smoothing: f64,
}

impl CrossEntropyOp {
    /// Weight of the true class and of every class in the smoothed target distribution.
    fn target_weights(&self, classes: usize) -> (f64, f64) {
        #[allow(clippy::cast_precision_loss)]
        let uniform = self.label_smoothing / classes as f64;
        (1.0 - self.label_smoothing + uniform, uniform)
    }
}

fn checked_rows(logits: &[usize], targets: &[usize]) -> Result<(usize, usize)> {
    match (logits, targets) {
        (&[batch, classes], &[rows]) if rows == batch && classes > 0 && batch > 0 => Ok((batch, classes)),
        _ => candle_core::bail!(
            "cross-entropy: logits {logits:?} and targets {targets:?} do not fit ([batch, classes] and [batch])"
        ),
    }
}

fn class_of(target: u32, classes: usize) -> Result<usize> {
    let class = target as usize;
    if class >= classes {
        candle_core::bail!("cross-entropy: target class {class} out of range for {classes} classes");
    }
    Ok(class)
}

/// `log Σ exp(z)` of a row, computed with the row's maximum subtracted so it cannot overflow.
fn log_sum_exp<T: Real>(row: &[T]) -> f64 {
    let max = row.iter().map(|z| z.to_f64()).fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = row.iter().map(|z| (z.to_f64() - max).exp()).sum();
    sum.ln() + max
}

/// Mean loss over the rows: `logsumexp(z) − Σ q·z` per row.
fn forward<T: Real>(op: &CrossEntropyOp, logits: &[T], targets: &[u32], classes: usize) -> Result<T> {
    let (hit, uniform) = op.target_weights(classes);
    let mut total = 0.0_f64;
    for (row, &target) in logits.chunks_exact(classes).zip(targets) {
        let class = class_of(target, classes)?;
        let log_sum = log_sum_exp(row);
        let all: f64 = row.iter().map(|z| z.to_f64()).sum();
        // Σ q_j z_j with q = uniform everywhere plus (hit − uniform) on the true class.
        let weighted = uniform * all + (hit - uniform) * row[class].to_f64();
        total += log_sum - weighted;
    }
    #[allow(clippy::cast_precision_loss)]
    Ok(T::from_f64(total / targets.len() as f64))
}

/// `dlogits = scale · (softmax(z) − q) / batch`, `scale` being the incoming gradient of the loss.
fn backward<T: Real>(
    op: &CrossEntropyOp,
    logits: &[T],
    targets: &[u32],
    classes: usize,
    scale: f64,
) -> Result<Vec<T>> {
    let (hit, uniform) = op.target_weights(classes);
    #[allow(clippy::cast_precision_loss)]
    let per_row = scale / targets.len() as f64;
    let mut grad = vec![T::ZERO; logits.len()];
    for ((row, out), &target) in logits.chunks_exact(classes).zip(grad.chunks_exact_mut(classes)).zip(targets)
    {
        let class = class_of(target, classes)?;
        let log_sum = log_sum_exp(row);
        for (j, (o, z)) in out.iter_mut().zip(row).enumerate() {
            let q = if j == class { hit } else { uniform };
            *o = T::from_f64(((z.to_f64() - log_sum).exp() - q) * per_row);
        }
    }
    Ok(grad)
}

impl CustomOp2 for CrossEntropyOp {
    fn name(&self) -> &'static str {
        "atelier-cross-entropy"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (_, classes) = checked_rows(l1.dims(), l2.dims())?;
        let targets = kernel::indices_of(s2, l2)?;
        let storage = match kernel::float_kind(s1, self.name())? {
            Float::F32 => {
                CpuStorage::F32(vec![forward::<f32>(self, kernel::slice_of(s1, l1)?, targets, classes)?])
            }
            Float::F64 => {
                CpuStorage::F64(vec![forward::<f64>(self, kernel::slice_of(s1, l1)?, targets, classes)?])
            }
        };
        Ok((storage, Shape::from(())))
    }

    fn bwd(
        &self,
        logits: &Tensor,
        targets: &Tensor,
        _loss: &Tensor,
        dloss: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let (_, classes) = checked_rows(logits.dims(), targets.dims())?;
        let scale = dloss.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        let (z_c, t_c) = (logits.contiguous()?, targets.contiguous()?);
        let (z_d, t_d) = (Data::new(&z_c), Data::new(&t_c));
        let targets_slice = t_d.indices()?;
        let grad = match logits.dtype() {
            DType::F64 => kernel::tensor_from(
                backward::<f64>(self, z_d.slice()?, targets_slice, classes, scale)?,
                logits.dims(),
                logits,
            )?,
            _ => kernel::tensor_from(
                backward::<f32>(self, z_d.slice()?, targets_slice, classes, scale)?,
                logits.dims(),
                logits,
            )?,
        };
        Ok((Some(grad), None))
    }
}
