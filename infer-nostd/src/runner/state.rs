//! The runner's mutable buffers, sized by its const generics, and views
//! into them.

use crate::layers::Last;

/// The mutable buffers of a runner: `H` units per layer direction, `L`
/// layers, `T` steps of a layer-by-layer stack.
pub(super) struct State<V, const H: usize, const L: usize, const T: usize> {
    /// Hidden state per layer (encoder layers, then decoder layers).
    pub(super) h: [[V; H]; L],
    /// Cell state per layer.
    pub(super) c: [[V; H]; L],
    /// The previous hidden vector, laid out for the recurrent product
    /// (padded to whole groups of four), while a step computes.
    pub(super) scratch: Padded<V, H>,
    /// The first decoder layer's projected context (4H wide).
    pub(super) cache: [[V; H]; 4],
    /// Two sequence buffers of T steps, 2H wide each, for bidirectional stacks.
    pub(super) seq: [[[[V; H]; 2]; T]; 2],
}

impl<V: Copy + Default, const H: usize, const L: usize, const T: usize> State<V, H, L, T> {
    /// Every buffer zeroed.
    pub(super) fn new() -> Self {
        let z = V::default();
        State {
            h: [[z; H]; L],
            c: [[z; H]; L],
            scratch: Padded {
                body: [z; H],
                pad: [z; 3],
            },
            cache: [[z; H]; 4],
            seq: [[[[z; H]; 2]; T]; 2],
        }
    }

    /// Zeroes the hidden and cell state of layers `from..to`.
    pub(super) fn clear(&mut self, from: usize, to: usize) {
        let z = V::default();
        for l in from..to.min(L) {
            self.h[l] = [z; H];
            self.c[l] = [z; H];
        }
    }

    /// Puts the encoder's final output in row 0 of sequence buffer 0. From
    /// a bidirectional output sequence that is the forward direction after
    /// the last step and the backward direction after its last step
    /// (timestep 0), as Keras does.
    pub(super) fn place_context(&mut self, output: Last, from: ContextFrom, steps: usize) {
        let u = output.units as usize;
        let last = steps.saturating_sub(1) * 2 * H;
        let [a, b] = &mut self.seq;
        let a = a.as_flattened_mut().as_flattened_mut();
        match from {
            ContextFrom::Hidden(l) => {
                if let (Some(dst), Some(src)) =
                    (a.get_mut(..u), self.h.get(l).and_then(|h| h.get(..u)))
                {
                    dst.copy_from_slice(src);
                }
            }
            ContextFrom::Sequence(0) => {
                if last + u <= a.len() {
                    a.copy_within(last..last + u, 0);
                }
            }
            ContextFrom::Sequence(_) => {
                let b = b.as_flattened().as_flattened();
                let mut copy = |from: usize, to: usize| {
                    if let (Some(dst), Some(src)) = (a.get_mut(to..to + u), b.get(from..from + u)) {
                        dst.copy_from_slice(src);
                    }
                };
                copy(last, 0);
                if output.bidirectional {
                    copy(u, u);
                }
            }
        }
    }
}

/// `N` values and three more: a vector of up to `N` values padded to whole
/// groups of four, word-aligned (the Cortex-M4 kernels load it by words).
#[repr(C, align(4))]
pub(super) struct Padded<V, const N: usize> {
    body: [V; N],
    pad: [V; 3],
}

impl<V, const N: usize> Padded<V, N> {
    /// All `N + 3` values.
    pub(super) fn as_mut_slice(&mut self) -> &mut [V] {
        // SAFETY: `repr(C)` lays the two arrays of `V` out one after the
        // other with no gap (the second starts at `N * size_of::<V>()`, a
        // multiple of `V`'s alignment): `N + 3` values in one allocation,
        // borrowed mutably through `self`.
        unsafe { core::slice::from_raw_parts_mut(self as *mut Self as *mut V, N + 3) }
    }
}

/// Where the encoder's final output is when it moves to sequence buffer 0.
#[derive(Clone, Copy)]
pub(super) enum ContextFrom {
    /// The output sequence in this sequence buffer (a bidirectional stack).
    Sequence(usize),
    /// This layer's hidden state (a forward stack).
    Hidden(usize),
}

/// What receives each output step: `(step, hidden vector, its scale,
/// scratch)`; the scratch buffer is free for the head.
pub(super) trait Emit<V>: FnMut(usize, &[V], f32, &mut [V]) {}

impl<V, F: FnMut(usize, &[V], f32, &mut [V])> Emit<V> for F {}

/// The first `width` values of a (possibly two-part) buffer row.
pub(super) fn row<V, const H: usize, const N: usize>(buf: &[[V; H]; N], width: usize) -> &[V] {
    prefix(buf.as_flattened(), width)
}

/// The first `width` values of row `t` of sequence buffer `buf` (empty if absent).
pub(super) fn seq_row<V, const H: usize, const T: usize>(
    seq: &[[[[V; H]; 2]; T]; 2],
    buf: usize,
    t: usize,
    width: usize,
) -> &[V] {
    seq.get(buf)
        .and_then(|s| s.get(t))
        .map_or(&[], |r| row(r, width))
}

/// The first `width` values of layer `l`'s hidden state (empty if absent).
pub(super) fn layer_output<V, const H: usize>(h: &[[V; H]], l: usize, width: usize) -> &[V] {
    h.get(l).map_or(&[], |h| prefix(h, width))
}

/// The first `width` values of `s` (all of it if shorter).
pub(super) fn prefix<V>(s: &[V], width: usize) -> &[V] {
    s.get(..width).unwrap_or(s)
}

/// The encoder's final output of `width` values: row 0 of sequence buffer
/// 0 when `in_seq`, else the hidden state of encoder layer `layers - 1`.
pub(super) fn context<'s, V, const H: usize, const T: usize>(
    in_seq: bool,
    h: &'s [[V; H]],
    seq: &'s [[[[V; H]; 2]; T]; 2],
    layers: usize,
    width: usize,
) -> &'s [V] {
    if in_seq {
        seq_row(seq, 0, 0, width)
    } else {
        layer_output(h, layers.wrapping_sub(1), width)
    }
}
