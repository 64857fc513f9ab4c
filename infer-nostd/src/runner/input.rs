//! The caller's window as the input of the encoder's first layer.

use crate::format::Input;
use crate::kernel::{Direction, Kernel, StepInput};
use crate::model::Model;

/// The real value of one unit of the encoder's input.
pub(super) fn input_scale(d: &Model) -> f32 {
    match d.input() {
        Input::OneHot { .. } => 1.0,
        Input::Dense { scale, .. } => scale,
    }
}

/// Timestep `t` of `window` as the input of `first`, a direction of the
/// first encoder layer: a one-hot class's input part is gathered into
/// `buf`; dense values are converted into `buf` when the arithmetic needs
/// it.
pub(super) fn encoder_input<'x, K: Kernel>(
    d: &Model,
    first: &Direction,
    window: &'x [i16],
    t: usize,
    buf: &'x mut [K::Value],
) -> StepInput<'x, K::Value> {
    match d.input() {
        Input::OneHot { .. } => {
            let class = window.get(t).copied().unwrap_or(0) as usize;
            K::gather(first, class, buf);
            StepInput::Projected(buf)
        }
        Input::Dense { features, scale } => {
            let f = features as usize;
            let raw = window.get(t * f..(t + 1) * f).unwrap_or(&[]);
            StepInput::Vector(K::dense_vector(raw, scale, buf))
        }
    }
}

/// Whether timestep `t` of `window` is a pad step of the masked model `d`.
pub(super) fn is_pad_step(d: &Model, window: &[i16], t: usize) -> bool {
    let w = d.step_width();
    d.mask().is_some() && window.get(t * w..(t + 1) * w).is_some_and(|s| d.is_pad(s))
}
