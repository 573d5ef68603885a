//! A training step's backward pass without candle's general one: the custom ops of one forward
//! pass are recorded in order (a tape), and their own backward functions run in reverse, each
//! gradient handed straight to the op before it.
//!
//! candle's `Tensor::backward` starts every gradient it keeps as `zeros_like` and adds each
//! contribution to it: for a sequential network, where every tensor has one consumer, that is a
//! zero-filled copy and one more full pass per weight and per activation, on the training thread
//! (a patched candle took 15% off a one-thread `dense` step). The tape gives each gradient as the
//! op computed it. It covers the networks whose layers all run as atelier's ops (every preset);
//! [`Tape::backward`] refuses anything else, and the caller then uses candle's backward.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use candle_core::backprop::GradStore;
use candle_core::{CustomOp1, CustomOp2, CustomOp3, Result, Tensor, TensorId};

/// One recorded op: its inputs, its output, and the op itself (whose backward needs what its
/// forward saved).
enum Entry {
    One {
        op: Arc<Box<dyn CustomOp1 + Send + Sync>>,
        x: Tensor,
        y: Tensor,
    },
    Two {
        op: Arc<Box<dyn CustomOp2 + Send + Sync>>,
        x: Tensor,
        other: Tensor,
        y: Tensor,
    },
    Three {
        op: Arc<Box<dyn CustomOp3 + Send + Sync>>,
        args: [Tensor; 3],
        third_parts: Vec<Tensor>,
        y: Tensor,
    },
    /// The same values under another shape (`Flatten`).
    Reshape {
        x: Tensor,
        y: Tensor,
    },
    /// An op whose weights are computed rather than variables: the tape cannot give their
    /// variables a gradient, so it declines the whole pass.
    Unsupported {
        y: Tensor,
    },
}

impl Entry {
    fn output(&self) -> &Tensor {
        match self {
            Entry::One { y, .. }
            | Entry::Two { y, .. }
            | Entry::Three { y, .. }
            | Entry::Reshape { y, .. }
            | Entry::Unsupported { y } => y,
        }
    }
}

thread_local! {
    /// The tape being recorded on this thread, if any.
    static RECORDING: RefCell<Option<Vec<Entry>>> = const { RefCell::new(None) };
}

/// The ops of one forward pass, in the order they ran.
pub struct Tape {
    entries: Vec<Entry>,
}

/// The gradients of a backward pass, by the tensor (a variable) they belong to.
#[derive(Default)]
pub struct Gradients {
    by_id: HashMap<TensorId, Tensor>,
}

/// Where an optimizer finds the gradient of a variable: candle's [`GradStore`] or a tape's
/// [`Gradients`].
pub trait GradientSource {
    /// The gradient of `tensor`, if the backward pass reached it.
    fn gradient(&self, tensor: &Tensor) -> Option<&Tensor>;
}

impl GradientSource for GradStore {
    fn gradient(&self, tensor: &Tensor) -> Option<&Tensor> {
        self.get(tensor)
    }
}

impl GradientSource for Gradients {
    fn gradient(&self, tensor: &Tensor) -> Option<&Tensor> {
        self.by_id.get(&tensor.id())
    }
}

impl Gradients {
    fn add(&mut self, tensor: &Tensor, gradient: Tensor) -> Result<()> {
        match self.by_id.remove(&tensor.id()) {
            // A tensor used twice gets the sum (never the case in a sequential network).
            Some(earlier) => self.by_id.insert(tensor.id(), (earlier + gradient)?),
            None => self.by_id.insert(tensor.id(), gradient),
        };
        Ok(())
    }
}

impl Tape {
    /// Runs `forward` and records the atelier ops it applies on this thread.
    ///
    /// # Errors
    /// What `forward` returns.
    pub fn record<R>(forward: impl FnOnce() -> Result<R>) -> Result<(R, Tape)> {
        let outer = RECORDING.with(|slot| slot.borrow_mut().replace(Vec::new()));
        let result = forward();
        let entries =
            RECORDING.with(|slot| std::mem::replace(&mut *slot.borrow_mut(), outer)).unwrap_or_default();
        Ok((result?, Tape { entries }))
    }

    /// The gradients of the scalar `loss` (the output of the last recorded op) with respect to
    /// every variable, by running the recorded ops' backward functions in reverse. `None` when
    /// the ops do not form one chain from the loss back to the input, each op's output the next
    /// one's input (a layer that is not an atelier op, such as `tanh`, breaks it): the caller
    /// then uses candle's backward instead.
    ///
    /// # Errors
    /// Failures inside an op's backward.
    pub fn backward(&self, loss: &Tensor) -> Result<Option<Gradients>> {
        let mut gradients = Gradients::default();
        let Some(last) = self.entries.last() else { return Ok(None) };
        if last.output().id() != loss.id() {
            return Ok(None);
        }
        // The tensor whose gradient is in hand, and that gradient.
        let mut wanted = loss.clone();
        let mut gradient = loss.ones_like()?;
        for entry in self.entries.iter().rev() {
            if entry.output().id() != wanted.id() {
                return Ok(None);
            }
            let input = match entry {
                Entry::One { op, x, y } => (x, op.bwd(x, y, &gradient)?),
                Entry::Two { op, x, other, y } => {
                    let (dx, d_other) = op.bwd(x, other, y, &gradient)?;
                    if let Some(d_other) = d_other {
                        gradients.add(other, d_other)?;
                    }
                    (x, dx)
                }
                Entry::Three { op, args: [x, second, third], third_parts, y } => {
                    let (dx, d_second, d_third) = op.bwd(x, second, third, y, &gradient)?;
                    if let Some(d_second) = d_second {
                        gradients.add(second, d_second)?;
                    }
                    if let Some(d_third) = d_third {
                        if third_parts.is_empty() {
                            gradients.add(third, d_third)?;
                        } else {
                            // The third argument was these tensors concatenated: split its gradient.
                            let mut start = 0;
                            for part in third_parts {
                                let len = part.elem_count();
                                gradients.add(part, d_third.narrow(0, start, len)?.reshape(part.dims())?)?;
                                start += len;
                            }
                        }
                    }
                    (x, dx)
                }
                Entry::Reshape { x, .. } => (x, Some(gradient.reshape(x.dims())?)),
                Entry::Unsupported { .. } => return Ok(None),
            };
            match input {
                (x, Some(dx)) => (wanted, gradient) = (x.clone(), dx),
                // Nothing before this op has a variable (the network's input, perhaps
                // flattened): every gradient is in.
                (x, None) if !x.track_op() => return Ok(Some(gradients)),
                (_, None) => return Ok(None),
            }
        }
        Ok(Some(gradients))
    }
}

/// `x` reshaped to `[batch, rest]` (`Flatten`), recorded on the tape if one is being recorded.
pub(crate) fn flatten(x: &Tensor) -> Result<Tensor> {
    let y = x.flatten_from(1)?;
    push(|| Entry::Reshape { x: x.clone(), y: y.clone() });
    Ok(y)
}

/// `x.apply_op1(op)`, recorded on the tape if one is being recorded.
pub(crate) fn apply1(x: &Tensor, op: impl CustomOp1 + Send + Sync + 'static) -> Result<Tensor> {
    let op: Arc<Box<dyn CustomOp1 + Send + Sync>> = Arc::new(Box::new(op));
    let y = x.apply_op1_arc(Arc::clone(&op))?;
    push(|| Entry::One { op, x: x.clone(), y: y.clone() });
    Ok(y)
}

/// `x.apply_op2(other, op)`, recorded on the tape if one is being recorded.
pub(crate) fn apply2(
    x: &Tensor,
    other: &Tensor,
    op: impl CustomOp2 + Send + Sync + 'static,
) -> Result<Tensor> {
    let op: Arc<Box<dyn CustomOp2 + Send + Sync>> = Arc::new(Box::new(op));
    let y = x.apply_op2_arc(other, Arc::clone(&op))?;
    push(|| Entry::Two { op, x: x.clone(), other: other.clone(), y: y.clone() });
    Ok(y)
}

/// `x.apply_op3(second, third, op)`, recorded on the tape if one is being recorded;
/// `third_parts`, when not empty, are the tensors `third` concatenates (along its only
/// dimension), which get their share of its gradient.
pub(crate) fn apply3(
    [x, second, third]: [&Tensor; 3],
    third_parts: &[&Tensor],
    op: impl CustomOp3 + Send + Sync + 'static,
) -> Result<Tensor> {
    let op: Arc<Box<dyn CustomOp3 + Send + Sync>> = Arc::new(Box::new(op));
    let y = x.apply_op3_arc(second, third, Arc::clone(&op))?;
    let weights_are_variables = second.is_variable()
        && if third_parts.is_empty() {
            third.is_variable()
        } else {
            third_parts.iter().all(|t| t.is_variable())
        };
    if !weights_are_variables {
        push(|| Entry::Unsupported { y: y.clone() });
        return Ok(y);
    }
    push(|| Entry::Three {
        op,
        args: [x.clone(), second.clone(), third.clone()],
        third_parts: third_parts.iter().map(|&t| t.clone()).collect(),
        y: y.clone(),
    });
    Ok(y)
}

fn push(entry: impl FnOnce() -> Entry) {
    RECORDING.with(|slot| {
        if let Some(entries) = slot.borrow_mut().as_mut() {
            entries.push(entry());
        }
    });
}
