//! Fully connected layer as a candle custom op: one GEMM with the bias (and optionally ReLU)
//! fused, and a backward pass that skips the input gradient when nothing needs it.

use candle_core::{CpuStorage, CustomOp3, Layout, Result, Shape, Tensor};

use super::conv::Activation;
use super::kernel::{self, Accumulate, Data, Float, Mat, Real};

/// Sizes of one fully connected layer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinearGeometry {
    pub batch: usize,
    pub inputs: usize,
    pub outputs: usize,
}

impl LinearGeometry {
    /// Checks `x` `[batch, in]`, `weight` `[out, in]`, `bias` `[out]`.
    pub fn new(x: &[usize], weight: &[usize], bias: &[usize]) -> Result<Self> {
        match (x, weight, bias) {
            (&[batch, inputs], &[outputs, w_in], &[b_out]) if w_in == inputs && b_out == outputs => {
                Ok(Self { batch, inputs, outputs })
            }
            _ => Err(candle_core::Error::Msg(format!(
                "linear: shapes do not fit: x {x:?}, weight {weight:?}, bias {bias:?}"
            ))),
        }
    }
}

/// Forward: `y [batch, out] = act(x Wᵀ + b)`.
pub(crate) fn forward<T: Real>(
    g: &LinearGeometry,
    x: &[T],
    weight: &[T],
    bias: &[T],
    act: Activation,
) -> Vec<T> {
    let mut y = Vec::with_capacity(g.batch * g.outputs);
    for _ in 0..g.batch {
        y.extend_from_slice(bias);
    }
    kernel::gemm(
        (g.batch, g.outputs, g.inputs),
        &mut y,
        Mat::rows(x, g.inputs),
        Mat::transposed(weight, g.inputs),
        Accumulate::Add,
        kernel::gemm_threads(g.batch, g.outputs, g.inputs),
    );
    if act == Activation::Relu {
        // A select, not a conditional store, so that it vectorises; NaN passes through.
        for v in &mut y {
            *v = if *v < T::ZERO { T::ZERO } else { *v };
        }
    }
    y
}

/// Gradients of one fully connected layer.
pub(crate) struct LinearGrads<T> {
    /// `[batch, in]`, when asked for.
    pub x: Option<Vec<T>>,
    /// `[out, in]`
    pub weight: Vec<T>,
    /// `[out]`
    pub bias: Vec<T>,
}

/// Backward from `dy` `[batch, out]` (masked by `y > 0` when the ReLU is fused).
pub(crate) fn backward<T: Real>(
    g: &LinearGeometry,
    x: &[T],
    weight: &[T],
    y: Option<&[T]>,
    dy: &[T],
    want_x: bool,
) -> LinearGrads<T> {
    let masked: Vec<T>;
    let dy = match y {
        Some(y) => {
            masked = dy.iter().zip(y).map(|(&d, &out)| if out > T::ZERO { d } else { T::ZERO }).collect();
            &masked[..]
        }
        None => dy,
    };
    let mut dbias = vec![T::ZERO; g.outputs];
    for row in dy.chunks_exact(g.outputs) {
        dbias.iter_mut().zip(row).for_each(|(a, &b)| *a += b);
    }
    // dW [out, in] = dYᵀ [out, batch] × X [batch, in]
    let mut dweight = vec![T::ZERO; g.outputs * g.inputs];
    kernel::gemm(
        (g.outputs, g.inputs, g.batch),
        &mut dweight,
        Mat::transposed(dy, g.outputs),
        Mat::rows(x, g.inputs),
        Accumulate::Overwrite,
        kernel::gemm_threads(g.outputs, g.inputs, g.batch),
    );
    let dx = want_x.then(|| {
        // dX [batch, in] = dY [batch, out] × W [out, in]
        let mut dx = vec![T::ZERO; g.batch * g.inputs];
        kernel::gemm(
            (g.batch, g.inputs, g.outputs),
            &mut dx,
            Mat::rows(dy, g.outputs),
            Mat::rows(weight, g.inputs),
            Accumulate::Overwrite,
            kernel::gemm_threads(g.batch, g.inputs, g.outputs),
        );
        dx
    });
    LinearGrads { x: dx, weight: dweight, bias: dbias }
}

/// The candle custom op: `(x, weight, bias) → act(x weightᵀ + bias)`.
pub(crate) struct LinearOp {
    pub activation: Activation,
}

impl LinearOp {
    fn run_backward<T: Real>(
        &self,
        x: &Tensor,
        weight: &Tensor,
        bias: &Tensor,
        y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let g = LinearGeometry::new(x.dims(), weight.dims(), bias.dims())?;
        let want_x = kernel::needs_grad(x);
        let (x_c, w_c, dy_c, y_c) =
            (x.contiguous()?, weight.contiguous()?, dy.contiguous()?, y.contiguous()?);
        let (x_d, w_d, dy_d, y_d) = (Data::new(&x_c), Data::new(&w_c), Data::new(&dy_c), Data::new(&y_c));
        let y_data = match self.activation {
            Activation::Identity => None,
            Activation::Relu => Some(y_d.slice::<T>()?),
        };
        let grads = backward(&g, x_d.slice::<T>()?, w_d.slice::<T>()?, y_data, dy_d.slice::<T>()?, want_x);
        kernel::layer_grad_tensors(grads.x, grads.weight, grads.bias, (x, weight, bias))
    }
}

impl CustomOp3 for LinearOp {
    fn name(&self) -> &'static str {
        "atelier-linear"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = LinearGeometry::new(l1.dims(), l2.dims(), l3.dims())?;
        let shape = Shape::from((g.batch, g.outputs));
        let storage = match kernel::float_kind(s1, self.name())? {
            Float::F32 => CpuStorage::F32(forward::<f32>(
                &g,
                kernel::slice_of(s1, l1)?,
                kernel::slice_of(s2, l2)?,
                kernel::slice_of(s3, l3)?,
                self.activation,
            )),
            Float::F64 => CpuStorage::F64(forward::<f64>(
                &g,
                kernel::slice_of(s1, l1)?,
                kernel::slice_of(s2, l2)?,
                kernel::slice_of(s3, l3)?,
                self.activation,
            )),
        };
        Ok((storage, shape))
    }

    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        bias: &Tensor,
        y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        match x.dtype() {
            candle_core::DType::F64 => self.run_backward::<f64>(x, weight, bias, y, dy),
            _ => self.run_backward::<f32>(x, weight, bias, y, dy),
        }
    }
}
