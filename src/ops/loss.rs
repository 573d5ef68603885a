//! The training loss: softmax cross-entropy with optional label smoothing, computed through a
//! log-softmax so large logits cannot overflow.

use candle_core::{D, DType, Result, Tensor};

use super::cross_entropy::CrossEntropyOp;

/// Log-probabilities along the last dim, stable for any logits: the row maximum is subtracted
/// first (detached: log-softmax does not depend on it, so it needs no gradient).
///
/// # Errors
/// A tensor without dims.
pub fn log_softmax(logits: &Tensor) -> Result<Tensor> {
    let max = logits.max_keepdim(D::Minus1)?.detach();
    let shifted = logits.broadcast_sub(&max)?;
    let log_sum = shifted.exp()?.sum_keepdim(D::Minus1)?.log()?;
    shifted.broadcast_sub(&log_sum)
}

/// Mean cross-entropy of `logits` `[batch, classes]` against `targets` `[batch]` (u32 class indices),
/// with the targets smoothed towards uniform by `label_smoothing` (0 = none): the target
/// distribution is `(1 - ε)·onehot + ε / classes`, as in PyTorch's `CrossEntropyLoss`.
///
/// On the CPU this is one custom op (one pass forward, one backward); elsewhere, and as the
/// tests' yardstick, [`cross_entropy_reference`] composes candle's ops.
///
/// # Errors
/// Shapes that disagree, or a target index out of range.
pub fn cross_entropy(logits: &Tensor, targets: &Tensor, label_smoothing: f32) -> Result<Tensor> {
    if !(logits.device().is_cpu() && matches!(logits.dtype(), DType::F32 | DType::F64)) {
        return cross_entropy_reference(logits, targets, label_smoothing);
    }
    let targets = targets.to_dtype(DType::U32)?.contiguous()?;
    super::tape::apply2(
        &logits.contiguous()?,
        &targets,
        CrossEntropyOp { label_smoothing: f64::from(label_smoothing) },
    )
}

/// [`cross_entropy`] from candle's built-in ops (log-softmax, gather, mean).
///
/// # Errors
/// Shapes that disagree, or a target index out of range.
pub fn cross_entropy_reference(logits: &Tensor, targets: &Tensor, label_smoothing: f32) -> Result<Tensor> {
    let (batch, classes) = logits.dims2()?;
    if targets.dims() != [batch] {
        candle_core::bail!("cross-entropy: {batch} logits rows but targets of shape {:?}", targets.dims());
    }
    // [batch, classes]
    let log_probs = log_softmax(logits)?;
    // [batch, 1]
    let picked = log_probs.gather(&targets.unsqueeze(1)?, 1)?;
    let nll = picked.neg()?.mean_all()?;
    if label_smoothing == 0.0 {
        return Ok(nll);
    }
    let smoothing = f64::from(label_smoothing);
    #[allow(clippy::cast_precision_loss)]
    let uniform = (log_probs.neg()?.sum(1)? / classes as f64)?.mean_all()?;
    (nll * (1.0 - smoothing))? + (uniform * smoothing)?
}

#[cfg(test)]
mod tests {
    use candle_core::Device;

    use super::*;

    #[test]
    fn huge_logits_give_finite_exact_loss() {
        let logits = Tensor::new(&[[1000.0_f32, 0.0], [0.0, -1000.0]], &Device::Cpu).unwrap();
        let targets = Tensor::new(&[1_u32, 0], &Device::Cpu).unwrap();
        // Row 0: −log p(1) = 1000; row 1: −log p(0) ≈ 0.
        let loss = cross_entropy(&logits, &targets, 0.0).unwrap().to_scalar::<f32>().unwrap();
        assert!((loss - 500.0).abs() < 1e-3, "{loss}");
        let uniform = Tensor::zeros((4, 10), candle_core::DType::F32, &Device::Cpu).unwrap();
        let targets = Tensor::new(&[0_u32, 3, 9, 2], &Device::Cpu).unwrap();
        let loss = cross_entropy(&uniform, &targets, 0.1).unwrap().to_scalar::<f32>().unwrap();
        assert!((loss - 10_f32.ln()).abs() < 1e-5, "{loss}");
    }
}
