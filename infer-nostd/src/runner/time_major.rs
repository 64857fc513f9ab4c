//! The time-major path: a forward-only stack takes each timestep through
//! every layer, so only one hidden and cell vector per layer is kept, and
//! a stream is the same code, one step at a time.

use super::input::{encoder_input, input_scale, is_pad_step};
use super::state::{prefix, Padded, State};
use crate::kernel::{Direction, Kernel, StepInput};
use crate::layers::Layers;
use crate::model::Model;

/// A forward-only stack's layers, decoded (the file keeps its stacks
/// encoded): the runner decodes its encoder once, when it is made, and a
/// decoder once per window, so no timestep decodes a layer. Each is
/// [`Direction`]'s few words (96 bytes on a 32-bit target): the shape and
/// the forward weights. Measured on the Cortex-M4 (`device_bench`),
/// decoding a layer costs about 4,400 instructions: echo-index took 47,855
/// instructions per window and echo-lag 40,620 per streamed step when
/// each window or step decoded it, 43,468 and 35,346 with it held.
pub(super) struct Forward<'a, const L: usize> {
    /// The layers in order, then `None`.
    layers: [Option<Direction<'a>>; L],
}

impl<'a, const L: usize> Forward<'a, L> {
    /// The first `L` layers of `stack`, decoded, or none if it does not run
    /// time-major (it has a bidirectional layer). Out of line: one copy for
    /// the encoder and the decoder, and the decoding's stack apart from
    /// the caller's.
    #[inline(never)]
    pub(super) fn new(stack: Layers<'a>) -> Self {
        // Element by element: only each `None`'s tag is written.
        let mut forward = Forward {
            layers: core::array::from_fn(|_| None),
        };
        if !stack.has_bidirectional() {
            for (slot, layer) in forward.layers.iter_mut().zip(stack.iter()) {
                *slot = Some(Direction::new(&layer, layer.forward));
            }
        }
        forward
    }

    /// The layers in order.
    fn iter(&self) -> impl Iterator<Item = &Direction<'a>> {
        self.layers.iter().map_while(Option::as_ref)
    }

    /// The first layer (`None` for an empty stack, which a loaded model
    /// never has).
    pub(super) fn first(&self) -> Option<&Direction<'a>> {
        self.layers.first()?.as_ref()
    }

    /// Number of layers.
    pub(super) fn len(&self) -> usize {
        self.iter().count()
    }

    /// One timestep through the stack, whose states are `h` and `c`, from
    /// the first layer's input `x` of real scale `x_scale`; returns the
    /// index of the last layer (whose `h` is the output).
    pub(super) fn step<K: Kernel, const H: usize>(
        &self,
        x: StepInput<'_, K::Value>,
        x_scale: f32,
        h: &mut [[K::Value; H]],
        c: &mut [[K::Value; H]],
        scratch: &mut Padded<K::Value, H>,
    ) -> usize {
        let mut scale = x_scale;
        let mut prev_width = 0;
        let mut last = 0;
        for (l, layer) in self.iter().enumerate() {
            let Some((done, rest)) = h.split_at_mut_checked(l) else {
                break;
            };
            let (Some(h_l), Some(c_l)) = (rest.first_mut(), c.get_mut(l)) else {
                break;
            };
            let input = match done.last() {
                Some(prev) => StepInput::Vector(prefix(prev, prev_width)),
                None => x,
            };
            K::step(layer, input, scale, h_l, c_l, scratch.as_mut_slice());
            scale = layer.hidden_scale();
            prev_width = layer.units as usize;
            last = l;
        }
        last
    }

    /// Timestep `t` of `window` through the stack as the encoder, in the
    /// state of `st`; returns the index of the last layer. A pad step
    /// changes no state.
    pub(super) fn encoder_step<K: Kernel, const H: usize, const T: usize>(
        &self,
        d: &Model,
        window: &[i16],
        t: usize,
        st: &mut State<K::Value, H, L, T>,
    ) -> usize {
        let Some(first) = self.first() else {
            return 0;
        };
        if is_pad_step(d, window, t) {
            return self.len() - 1;
        }
        let State {
            h,
            c,
            scratch,
            cache,
            ..
        } = st;
        let x = encoder_input::<K>(d, first, window, t, cache.as_flattened_mut());
        self.step::<K, H>(x, input_scale(d), h, c, scratch)
    }
}
