//! The layer-by-layer path: a stack with a bidirectional layer runs one
//! layer (and direction) at a time over the whole sequence, through two
//! sequence buffers of `T` steps. Each layer is decoded once per window,
//! when its turn comes.

use super::input::{encoder_input, is_pad_step};
use super::state::{row, State};
use crate::kernel::{Direction, Kernel, StepInput};
use crate::layers::Layers;
use crate::model::Model;

/// Whether `stack` runs layer by layer through the sequence buffers (it
/// has a bidirectional layer). Never with `T = 0`: the runner refuses such
/// a model, and the sequence code is left out of the build.
pub(super) fn by_layer<const T: usize>(stack: Layers) -> bool {
    T > 0 && stack.has_bidirectional()
}

/// Where the first layer of a layer-by-layer stack reads its input.
#[derive(Clone, Copy)]
pub(super) enum Source<'x> {
    /// The caller's window.
    Window(&'x [i16]),
    /// The context vector of this width, in row 0 of sequence buffer 0, at every step.
    Context(usize),
}

impl<V: Copy + Default, const H: usize, const L: usize, const T: usize> State<V, H, L, T> {
    /// Runs a stack layer by layer over `steps` timesteps through the
    /// sequence buffers, using layer 0's state as the working state of each
    /// direction in turn; returns the index of the buffer holding the last
    /// layer's outputs.
    pub(super) fn sequence<K: Kernel<Value = V>>(
        &mut self,
        d: &Model,
        stack: Layers,
        source: Source<'_>,
        steps: usize,
        x_scale: f32,
    ) -> usize {
        let State {
            h,
            c,
            scratch,
            cache,
            seq,
        } = self;
        let (Some(h), Some(c)) = (h.first_mut(), c.first_mut()) else {
            return 0;
        };
        let mut cur = 0;
        let mut scale = x_scale;
        let mut prev_width = 0;
        for (l, layer) in stack.iter().enumerate() {
            let [a, b] = seq;
            let (src, dst) = if cur == 0 { (&*a, b) } else { (&*b, a) };
            let u = layer.units as usize;
            for (dir, w) in [Some(layer.forward), layer.backward]
                .into_iter()
                .enumerate()
            {
                let Some(w) = w else { continue };
                let direction = Direction::new(&layer, w);
                *h = [V::default(); H];
                *c = [V::default(); H];
                // The runner checks `steps <= T`; rows are taken with
                // `get` all the same, so no index can panic.
                let steps = steps.min(T);
                for k in 0..steps {
                    let t = if dir == 0 { k } else { steps - 1 - k };
                    // A masked step (of the window, so of every layer)
                    // leaves the state, and the output is the state's.
                    let masked =
                        matches!(source, Source::Window(window) if is_pad_step(d, window, t));
                    if !masked {
                        let x = match (l, source) {
                            (0, Source::Window(window)) => encoder_input::<K>(
                                d,
                                &direction,
                                window,
                                t,
                                cache.as_flattened_mut(),
                            ),
                            // The context waits in row 0 of buffer 0, which
                            // is `src` (unwritten) while layer 0 runs.
                            (0, Source::Context(width)) => {
                                StepInput::Vector(src.first().map_or(&[], |r| row(r, width)))
                            }
                            _ => StepInput::Vector(src.get(t).map_or(&[], |r| row(r, prev_width))),
                        };
                        K::step(&direction, x, scale, h, c, scratch.as_mut_slice());
                    }
                    // This direction's half of the output row: `u` values.
                    let out = dst.get_mut(t).map_or(&mut [][..], |r| r.as_flattened_mut());
                    let half = out.iter_mut().skip(dir * u).take(u);
                    half.zip(h.iter()).for_each(|(o, v)| *o = *v);
                }
            }
            cur = 1 - cur;
            scale = layer.hidden_scale();
            prev_width = layer.output_width();
        }
        cur
    }
}
