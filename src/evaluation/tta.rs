//! Test-time augmentation: how a model's class probabilities are made from a picture. A model
//! file records its choice; evaluation, Predict and the command line all follow it.

use std::fmt;
use std::str::FromStr;

use candle_core::Tensor;

/// How a picture is turned into class probabilities at test time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestTimeAugmentation {
    /// The softmax of the network's logits on the picture as it is.
    #[default]
    None,
    /// The mean of the softmaxes on the picture and on its left-right mirror. Clothes stay clothes
    /// when mirrored, so two looks average out some of one look's mistakes, at twice the cost.
    HorizontalFlip,
    /// Flip TTA's two looks, each also moved one pixel left, right, up and down: ten looks, at ten
    /// times the cost. It suits models trained with shifts (the `best` preset); one that never saw
    /// a moved picture can do worse.
    FlipAndShifts,
}

/// One way of looking at a picture at test time: mirrored left to right or not, then moved `dx`
/// pixels right and `dy` down (negative: left, up), the uncovered edge filled with 0 (the
/// background), as the training shift augmentation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    /// Mirrored left to right first.
    pub mirrored: bool,
    /// Pixels moved to the right (negative: to the left).
    pub dx: i8,
    /// Pixels moved down (negative: up).
    pub dy: i8,
}

impl Look {
    const fn new(mirrored: bool, dx: i8, dy: i8) -> Self {
        Self { mirrored, dx, dy }
    }

    /// Pictures `x` `[batch, channels, height, width]` seen this way (the same shape).
    ///
    /// # Errors
    /// `x` is not four-dimensional, or a failure inside candle.
    pub fn apply(self, x: &Tensor) -> candle_core::Result<Tensor> {
        let seen = if self.mirrored { x.flip(&[3])? } else { x.clone() };
        let seen = shifted(&seen, 3, self.dx)?;
        shifted(&seen, 2, self.dy)
    }
}

/// `x` moved `by` places along `dim` (towards higher indices when positive), zeros coming in.
fn shifted(x: &Tensor, dim: usize, by: i8) -> candle_core::Result<Tensor> {
    let len = x.dim(dim)?;
    let places = usize::from(by.unsigned_abs()).min(len);
    match by.signum() {
        0 => Ok(x.clone()),
        1 => x.pad_with_zeros(dim, places, 0)?.narrow(dim, 0, len),
        _ => x.pad_with_zeros(dim, 0, places)?.narrow(dim, places, len),
    }
}

const PLAIN: [Look; 1] = [Look::new(false, 0, 0)];
const FLIP: [Look; 2] = [Look::new(false, 0, 0), Look::new(true, 0, 0)];
const FLIP_AND_SHIFTS: [Look; 10] = [
    Look::new(false, 0, 0),
    Look::new(true, 0, 0),
    Look::new(false, 1, 0),
    Look::new(true, 1, 0),
    Look::new(false, -1, 0),
    Look::new(true, -1, 0),
    Look::new(false, 0, 1),
    Look::new(true, 0, 1),
    Look::new(false, 0, -1),
    Look::new(true, 0, -1),
];

impl TestTimeAugmentation {
    /// Every choice, in the order a user is offered them.
    pub const ALL: [Self; 3] = [Self::None, Self::HorizontalFlip, Self::FlipAndShifts];

    /// The command-line name (`none`, `flip`, `flip-shift`), also what [`FromStr`] reads.
    #[must_use]
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::HorizontalFlip => "flip",
            Self::FlipAndShifts => "flip-shift",
        }
    }

    /// The looks whose softmaxes are averaged, the picture as it is first.
    #[must_use]
    pub fn looks(self) -> &'static [Look] {
        match self {
            Self::None => &PLAIN,
            Self::HorizontalFlip => &FLIP,
            Self::FlipAndShifts => &FLIP_AND_SHIFTS,
        }
    }

    /// The pictures `x` `[batch, 1, 28, 28]` seen each way but the first (the plain picture, whose
    /// softmax the caller already has), made one at a time as they are asked for.
    pub fn other_looks<'x>(self, x: &'x Tensor) -> impl Iterator<Item = candle_core::Result<Tensor>> + 'x {
        self.looks()[1..].iter().map(move |look| look.apply(x))
    }

    /// A short phrase for reports and status lines ("no TTA", "flip TTA").
    #[must_use]
    pub fn short_label(self) -> &'static str {
        match self {
            Self::None => "no TTA",
            Self::HorizontalFlip => "flip TTA",
            Self::FlipAndShifts => "flip + shift TTA",
        }
    }

    /// One sentence saying what the numbers were made with.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::None => "each picture as it is (no test-time augmentation)",
            Self::HorizontalFlip => "the mean of each picture and its left-right mirror (flip TTA)",
            Self::FlipAndShifts => {
                "the mean of each picture and its left-right mirror, each also moved one pixel left, \
                 right, up and down (flip + shift TTA, ten looks)"
            }
        }
    }

    /// How many forward passes one picture costs.
    #[must_use]
    pub fn passes(self) -> usize {
        self.looks().len()
    }
}

impl fmt::Display for TestTimeAugmentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cli_name())
    }
}

/// A test-time augmentation name that is not `none`, `flip` or `flip-shift`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown test-time augmentation \"{0}\"; choose none, flip or flip-shift")]
pub struct UnknownTta(pub String);

impl FromStr for TestTimeAugmentation {
    type Err = UnknownTta;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.trim().to_ascii_lowercase().as_str() {
            "none" | "off" => Ok(Self::None),
            "flip" | "horizontal-flip" | "horizontal_flip" => Ok(Self::HorizontalFlip),
            "flip-shift" | "flip-shifts" | "flip+shift" | "flip_and_shifts" => Ok(Self::FlipAndShifts),
            _ => Err(UnknownTta(name.to_owned())),
        }
    }
}

/// Mirrors row-major pictures of `side`×`side` values left to right, in place (any number of
/// pictures back to back; a trailing partial row is left alone).
pub fn mirror_rows<T>(values: &mut [T], side: usize) {
    if side == 0 {
        return;
    }
    for row in values.chunks_exact_mut(side) {
        row.reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_bad_names_are_refused() {
        for tta in TestTimeAugmentation::ALL {
            assert_eq!(tta.cli_name().parse::<TestTimeAugmentation>(), Ok(tta));
        }
        assert_eq!(" FLIP ".parse(), Ok(TestTimeAugmentation::HorizontalFlip));
        assert_eq!("flip+shift".parse(), Ok(TestTimeAugmentation::FlipAndShifts));
        assert_eq!(
            "spin".parse::<TestTimeAugmentation>().unwrap_err().to_string(),
            "unknown test-time augmentation \"spin\"; choose none, flip or flip-shift"
        );
    }

    #[test]
    fn serde_names_are_stable() {
        assert_eq!(
            serde_json::to_string(&TestTimeAugmentation::HorizontalFlip).unwrap(),
            "\"horizontal_flip\""
        );
        assert_eq!(
            serde_json::to_string(&TestTimeAugmentation::FlipAndShifts).unwrap(),
            "\"flip_and_shifts\""
        );
        assert_eq!(
            serde_json::from_str::<TestTimeAugmentation>("\"none\"").unwrap(),
            TestTimeAugmentation::None
        );
    }

    #[test]
    fn looks_mirror_then_move_with_background_coming_in() {
        use candle_core::{Device, Tensor};
        // One 3×3 picture 1..=9, row-major.
        let x = Tensor::arange(1f32, 10.0, &Device::Cpu).unwrap().reshape((1, 1, 3, 3)).unwrap();
        let seen = |look: Look| look.apply(&x).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(seen(Look::new(false, 0, 0)), [1., 2., 3., 4., 5., 6., 7., 8., 9.]);
        assert_eq!(seen(Look::new(true, 0, 0)), [3., 2., 1., 6., 5., 4., 9., 8., 7.]);
        assert_eq!(seen(Look::new(false, 1, 0)), [0., 1., 2., 0., 4., 5., 0., 7., 8.]);
        assert_eq!(seen(Look::new(false, -1, 0)), [2., 3., 0., 5., 6., 0., 8., 9., 0.]);
        assert_eq!(seen(Look::new(false, 0, 1)), [0., 0., 0., 1., 2., 3., 4., 5., 6.]);
        assert_eq!(seen(Look::new(true, 0, -1)), [6., 5., 4., 9., 8., 7., 0., 0., 0.]);
        assert_eq!(seen(Look::new(false, 5, 0)), [0.; 9], "moved off the picture: background");
    }

    #[test]
    fn each_choice_has_its_looks_the_plain_picture_first_and_no_look_twice() {
        for tta in TestTimeAugmentation::ALL {
            let looks = tta.looks();
            assert_eq!(looks[0], Look::new(false, 0, 0));
            assert_eq!(looks.len(), tta.passes());
            for (i, look) in looks.iter().enumerate() {
                assert!(!looks[..i].contains(look), "{tta}: {look:?} twice");
            }
        }
        assert_eq!(TestTimeAugmentation::FlipAndShifts.passes(), 10);
        let x =
            candle_core::Tensor::zeros((2, 1, 28, 28), candle_core::DType::F32, &candle_core::Device::Cpu)
                .unwrap();
        assert_eq!(TestTimeAugmentation::FlipAndShifts.other_looks(&x).count(), 9);
        assert_eq!(TestTimeAugmentation::None.other_looks(&x).count(), 0);
    }

    #[test]
    fn mirroring_reverses_each_row_and_twice_is_identity() {
        let mut values: Vec<u8> = (0..6).collect();
        mirror_rows(&mut values, 3);
        assert_eq!(values, [2, 1, 0, 5, 4, 3]);
        mirror_rows(&mut values, 3);
        assert_eq!(values, [0, 1, 2, 3, 4, 5]);
    }
}
