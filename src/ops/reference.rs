//! The same layers written with candle's built-in ops: the fallback off the CPU or for other
//! dtypes, and the yardstick the custom kernels are tested and benchmarked against.

use candle_core::{Result, Tensor};

use super::Padding;

/// 2-D convolution with candle's `conv2d` plus a broadcast bias.
///
/// # Errors
/// Shape mismatches, reported by candle.
pub fn conv2d(x: &Tensor, weight: &Tensor, bias: &Tensor, stride: usize, padding: Padding) -> Result<Tensor> {
    let pad = padding.amount(weight.dim(3)?);
    let out_channels = bias.dim(0)?;
    // [batch, out, h', w']
    let y = x.conv2d(weight, pad, stride, 1, 1)?;
    y.broadcast_add(&bias.reshape((1, out_channels, 1, 1))?)
}

/// Max pooling written as a reshape and two `max` reductions. Not candle's `max_pool2d`: its
/// backward scales each gradient by (maxima in the window) / (window area), a quarter of the
/// right value for a 2×2 window with one maximum, and misplaces gradients for odd sizes.
/// Windows are cropped to whole windows first (floor mode).
///
/// # Errors
/// Inputs smaller than the window, reported by candle.
pub fn max_pool2d(x: &Tensor, size: usize) -> Result<Tensor> {
    let (batch, channels, height, width) = x.dims4()?;
    let (out_height, out_width) = (height / size, width / size);
    let x = x.narrow(2, 0, out_height * size)?.narrow(3, 0, out_width * size)?.contiguous()?;
    // [batch, c, oh, size, ow, size] → max over the two window axes → [batch, c, oh, ow]
    x.reshape((batch, channels, out_height, size, out_width, size))?.max(5)?.max(3)
}

/// Fully connected layer with candle's `matmul` plus a broadcast bias.
///
/// # Errors
/// Shape mismatches, reported by candle.
pub fn linear(x: &Tensor, weight: &Tensor, bias: &Tensor) -> Result<Tensor> {
    x.matmul(&weight.t()?)?.broadcast_add(bias)
}
