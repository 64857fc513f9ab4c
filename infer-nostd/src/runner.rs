//! Running a model: whole windows ([`Runner::predict`]) and streams
//! ([`Runner::push`]), over fixed-capacity buffers and either arithmetic.
//!
//! Forward-only stacks run time-major: each timestep goes through every
//! layer, so only one hidden and cell vector per layer is kept (and a
//! stream is the same code path, one step at a time). A stack with a
//! bidirectional layer runs layer by layer through two sequence buffers of
//! `T` steps. The encoder-decoder's repeated context is projected through
//! the first decoder layer's input kernel once per window.

use crate::error::{Detail, Error};
use crate::format::{HeadKind, Input, LstmLayer, LstmWeights};
use crate::kernel::{Fixed, Float, Kernel, StepInput};
use crate::layers::{Last, LayerIter, Layers};
use crate::model::{Model, Readout};

/// A model with the buffers to run it: `H` is the most units per layer
/// direction, `L` the most layers of one stack (an encoder-decoder's
/// decoder runs in the encoder's state once the context is taken), `T` the
/// longest sequence a stack with a bidirectional layer can hold (0 when no
/// bidirectional model is to run). Nothing is allocated on the heap.
pub struct Runner<'a, K: Kernel, const H: usize, const L: usize, const T: usize> {
    model: Model<'a>,
    state: State<K::Value, H, L, T>,
}

/// The fixed-point engine.
pub type Engine<'a, const H: usize, const L: usize, const T: usize> = Runner<'a, Fixed, H, L, T>;
/// The f32 reference over the same file.
pub type Reference<'a, const H: usize, const L: usize, const T: usize> = Runner<'a, Float, H, L, T>;
/// A fixed-point engine sized for any model a host will meet (about 150 KiB:
/// box it on small stacks).
pub type HostEngine<'a> = Engine<'a, 511, 8, 32>;
/// The f32 reference sized like [`HostEngine`].
pub type HostReference<'a> = Reference<'a, 511, 8, 32>;

/// The mutable buffers of a runner.
struct State<V, const H: usize, const L: usize, const T: usize> {
    /// Hidden state per layer (encoder layers, then decoder layers).
    h: [[V; H]; L],
    /// Cell state per layer.
    c: [[V; H]; L],
    /// The previous hidden vector, laid out for the recurrent product
    /// (padded to whole groups of four), while a step computes.
    scratch: Padded<V, H>,
    /// The first decoder layer's projected context (4H wide).
    cache: [[V; H]; 4],
    /// Two sequence buffers of T steps, 2H wide each, for bidirectional stacks.
    seq: [[[[V; H]; 2]; T]; 2],
}

impl<V: Copy + Default, const H: usize, const L: usize, const T: usize> State<V, H, L, T> {
    fn new() -> Self {
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
    fn clear(&mut self, from: usize, to: usize) {
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
    fn place_context(&mut self, output: Last, from: ContextFrom, steps: usize) {
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

    /// Runs a stack layer by layer over `steps` timesteps through the
    /// sequence buffers, using layer 0's state as the working state of each
    /// direction in turn; returns the index of the buffer holding the last
    /// layer's outputs.
    fn sequence<K: Kernel<Value = V>>(
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
            for (dir, w) in [Some(&layer.forward), layer.backward.as_ref()]
                .into_iter()
                .enumerate()
            {
                let Some(w) = w else { continue };
                *h = [V::default(); H];
                *c = [V::default(); H];
                for k in 0..steps.min(T) {
                    let t = if dir == 0 { k } else { steps - 1 - k };
                    let x = match (l, source) {
                        (0, Source::Window(window)) => {
                            encoder_input::<K>(d, (&layer, w), window, t, cache.as_flattened_mut())
                        }
                        // The context waits in row 0 of buffer 0, which is
                        // `src` (unwritten) while layer 0 runs.
                        (0, Source::Context(width)) => {
                            StepInput::Vector(src.first().map_or(&[], |r| row(r, width)))
                        }
                        _ => StepInput::Vector(row(&src[t], prev_width)),
                    };
                    K::step(&layer, w, x, scale, h, c, scratch.as_mut_slice());
                    if let Some(out) = dst[t].as_flattened_mut().get_mut(dir * u..(dir + 1) * u) {
                        out.copy_from_slice(&h[..u]);
                    }
                }
            }
            cur = 1 - cur;
            scale = layer.hidden_scale();
            prev_width = layer.output_width();
        }
        cur
    }
}

/// `N` values and three more: a vector of up to `N` values padded to whole
/// groups of four, word-aligned (the Cortex-M4 kernels load it by words).
#[repr(C, align(4))]
struct Padded<V, const N: usize> {
    body: [V; N],
    pad: [V; 3],
}

impl<V, const N: usize> Padded<V, N> {
    /// All `N + 3` values.
    fn as_mut_slice(&mut self) -> &mut [V] {
        // SAFETY: `repr(C)` lays the two arrays of `V` out one after the
        // other with no gap (the second starts at `N * size_of::<V>()`, a
        // multiple of `V`'s alignment): `N + 3` values in one allocation,
        // borrowed mutably through `self`.
        unsafe { core::slice::from_raw_parts_mut(self as *mut Self as *mut V, N + 3) }
    }
}

/// Where the first layer of a layer-by-layer stack reads its input.
#[derive(Clone, Copy)]
enum Source<'x> {
    /// The caller's window.
    Window(&'x [i16]),
    /// The context vector of this width, in row 0 of sequence buffer 0, at every step.
    Context(usize),
}

/// Where the encoder's final output is when it moves to sequence buffer 0.
#[derive(Clone, Copy)]
enum ContextFrom {
    /// The output sequence in this sequence buffer (a bidirectional stack).
    Sequence(usize),
    /// This layer's hidden state (a forward stack).
    Hidden(usize),
}

impl<'a, K: Kernel, const H: usize, const L: usize, const T: usize> Runner<'a, K, H, L, T> {
    /// Prepares `model` to run, refusing it if it exceeds the capacity.
    pub fn new(model: Model<'a>) -> Result<Self, Error> {
        check_capacity(&model, H, L, T)?;
        Ok(Runner {
            model,
            state: State::new(),
        })
    }

    /// The model being run.
    pub fn model(&self) -> &Model<'a> {
        &self.model
    }

    /// Predicts one window: `window` holds one class index per timestep
    /// (one-hot input) or `features` quantised values per timestep (dense).
    /// Writes one value per output step into `out`: the class (argmax,
    /// lowest index on ties) or, for regression, the raw output (see
    /// [`Model::dequantise_output`]). Returns the number of output steps.
    /// Starts from zero state; a stream in progress is lost.
    pub fn predict(&mut self, window: &[i16], out: &mut [i32]) -> Result<usize, Error> {
        let steps = self.window_steps(window)?;
        let n = self.model.output_steps(steps);
        let out = out.get_mut(..n).ok_or(Error::OutputTooShort)?;
        let head = *self.model.head();
        self.run(window, steps, |k, h, scale, scratch| {
            if let Some(slot) = out.get_mut(k) {
                *slot = head_prediction::<K>(&head, h, scale, scratch);
            }
        });
        Ok(n)
    }

    /// Like [`predict`](Self::predict), but writes every head output
    /// (`output steps x head outputs`, step-major) into `out`.
    pub fn predict_logits(
        &mut self,
        window: &[i16],
        out: &mut [K::Output],
    ) -> Result<usize, Error> {
        let steps = self.window_steps(window)?;
        let n = self.model.output_steps(steps);
        let rows = self.model.head_outputs();
        let out = out.get_mut(..n * rows).ok_or(Error::OutputTooShort)?;
        let head = *self.model.head();
        self.run(window, steps, |k, h, scale, scratch| {
            if let Some(step) = out.get_mut(k * rows..(k + 1) * rows) {
                K::head(&head, h, scale, scratch, |r, v| {
                    if let Some(slot) = step.get_mut(r) {
                        *slot = v;
                    }
                });
            }
        });
        Ok(n)
    }

    /// Clears the streaming state.
    pub fn reset(&mut self) {
        self.state.clear(0, L);
    }

    /// Streams one timestep (`step`: one class index, or `features` values)
    /// through the model and returns that step's prediction, as
    /// [`predict`](Self::predict) would for the window of every step pushed
    /// since the last [`reset`](Self::reset).
    pub fn push(&mut self, step: &[i16]) -> Result<i32, Error> {
        let head = *self.model.head();
        let mut pred = 0;
        self.push_with(step, |h, scale, scratch| {
            pred = head_prediction::<K>(&head, h, scale, scratch)
        })?;
        Ok(pred)
    }

    /// Like [`push`](Self::push), but writes every head output into `out`.
    pub fn push_logits(&mut self, step: &[i16], out: &mut [K::Output]) -> Result<(), Error> {
        let head = *self.model.head();
        let out = out
            .get_mut(..self.model.head_outputs())
            .ok_or(Error::OutputTooShort)?;
        self.push_with(step, |h, scale, scratch| {
            K::head(&head, h, scale, scratch, |r, v| {
                if let Some(slot) = out.get_mut(r) {
                    *slot = v;
                }
            })
        })
    }

    /// The hidden state of layer `layer` (forward direction) of the stack
    /// that ran last, as `units` values: the encoder's after a stream step
    /// or a window, except the decoder's after an encoder-decoder window.
    pub fn hidden(&self, layer: usize) -> Option<&[K::Value]> {
        let stack = match self.model.readout() {
            Readout::EncoderDecoder { decoder, .. } => decoder,
            _ => self.model.encoder(),
        };
        let units = stack.get(layer)?.units as usize;
        self.state.h.get(layer)?.get(..units)
    }

    fn push_with(
        &mut self,
        step: &[i16],
        emit: impl FnOnce(&[K::Value], f32, &mut [K::Value]),
    ) -> Result<(), Error> {
        let d = &self.model;
        if d.encoder().has_bidirectional() || matches!(d.readout(), Readout::EncoderDecoder { .. })
        {
            return Err(Error::NotStreamable);
        }
        if step.len() != self.model.step_width() {
            return Err(Error::WindowLength);
        }
        check_input_range(d, step)?;
        let State {
            h,
            c,
            scratch,
            cache,
            ..
        } = &mut self.state;
        let Some(layers) = Decoded::new(d.encoder()) else {
            return Ok(());
        };
        let first = (&layers.first, &layers.first.forward);
        let x = encoder_input::<K>(d, first, step, 0, cache.as_flattened_mut());
        let last = stack_step::<K, H>(&layers, x, input_scale(d), h, c, scratch);
        let out = d.encoder().output();
        emit(
            layer_output(h, last, out.width()),
            out.scale(),
            scratch.as_mut_slice(),
        );
        Ok(())
    }

    /// Checks a window and returns its number of timesteps.
    fn window_steps(&self, window: &[i16]) -> Result<usize, Error> {
        let d = &self.model;
        let width = self.model.step_width();
        let steps = window.len().checked_div(width).unwrap_or(0);
        let trained = d.window() as usize;
        let fits =
            steps >= 1 && window.len().is_multiple_of(width) && (trained == 0 || steps == trained);
        if !fits || (d.encoder().has_bidirectional() && steps > T) {
            return Err(Error::WindowLength);
        }
        check_input_range(d, window)?;
        Ok(steps)
    }

    /// Runs a checked window, calling `emit(output step, hidden vector, its
    /// scale, scratch)`; the head may use the scratch buffer.
    ///
    /// The encoder's final output (the context) stays in the last encoder
    /// layer's hidden state or, when a stack is bidirectional, in row 0 of
    /// sequence buffer 0.
    fn run(&mut self, window: &[i16], steps: usize, mut emit: impl Emit<K::Value>) {
        let d = &self.model;
        let st = &mut self.state;
        st.clear(0, L);
        let enc = d.encoder();
        let enc_last = enc.output();
        let (width, scale) = (enc_last.width(), enc_last.scale());
        let every = matches!(d.readout(), Readout::EveryStep);
        let decoder = match d.readout() {
            Readout::EncoderDecoder { steps, decoder } => Some((steps as usize, decoder)),
            _ => None,
        };
        let context_in_seq = by_layer::<T>(enc) || decoder.is_some_and(|(_, s)| by_layer::<T>(s));
        if by_layer::<T>(enc) {
            let buf = st.sequence::<K>(d, enc, Source::Window(window), steps, input_scale(d));
            if every {
                for t in 0..steps {
                    let scratch = st.scratch.as_mut_slice();
                    emit(t, seq_row(&st.seq, buf, t, width), scale, scratch);
                }
                return;
            }
            st.place_context(enc_last, ContextFrom::Sequence(buf), steps);
        } else {
            let Some(enc_layers) = Decoded::new(enc) else {
                return;
            };
            let first = (&enc_layers.first, &enc_layers.first.forward);
            for t in 0..steps {
                let State {
                    h,
                    c,
                    scratch,
                    cache,
                    ..
                } = st;
                let x = encoder_input::<K>(d, first, window, t, cache.as_flattened_mut());
                let last = stack_step::<K, H>(&enc_layers, x, input_scale(d), h, c, scratch);
                if every {
                    emit(
                        t,
                        layer_output(h, last, width),
                        scale,
                        scratch.as_mut_slice(),
                    );
                }
            }
            if every {
                return;
            }
            if context_in_seq {
                st.place_context(enc_last, ContextFrom::Hidden(enc.len() - 1), steps);
            }
        }
        match decoder {
            None => emit(
                0,
                context(context_in_seq, &st.h, &st.seq, enc.len(), width),
                scale,
                st.scratch.as_mut_slice(),
            ),
            Some((steps, decoder)) => {
                decode::<K, H, L, T>(d, decoder, steps, context_in_seq, st, &mut emit)
            }
        }
    }
}

/// What receives each output step: `(step, hidden vector, its scale,
/// scratch)`; the scratch buffer is free for the head.
trait Emit<V>: FnMut(usize, &[V], f32, &mut [V]) {}

impl<V, F: FnMut(usize, &[V], f32, &mut [V])> Emit<V> for F {}

/// Runs the decoder stack on the encoder's context.
fn decode<K: Kernel, const H: usize, const L: usize, const T: usize>(
    d: &Model,
    decoder: Layers,
    steps: usize,
    context_in_seq: bool,
    st: &mut State<K::Value, H, L, T>,
    emit: &mut impl Emit<K::Value>,
) {
    let (enc_last, dec_last) = (d.encoder().output(), decoder.output());
    let (context_width, context_scale) = (enc_last.width(), enc_last.scale());
    let (width, scale) = (dec_last.width(), dec_last.scale());
    if by_layer::<T>(decoder) {
        let source = Source::Context(context_width);
        let buf = st.sequence::<K>(d, decoder, source, steps, context_scale);
        for t in 0..steps {
            let scratch = st.scratch.as_mut_slice();
            emit(t, seq_row(&st.seq, buf, t, width), scale, scratch);
        }
        return;
    }
    let first = d.encoder().len();
    let Some(dec_layers) = Decoded::new(decoder) else {
        return;
    };
    K::project(
        &dec_layers.first,
        &dec_layers.first.forward,
        (
            context(context_in_seq, &st.h, &st.seq, first, context_width),
            context_scale,
        ),
        st.cache.as_flattened_mut(),
        st.scratch.as_mut_slice(),
    );
    // The encoder's state is done with: the decoder runs in its slots.
    st.clear(0, dec_layers.len);
    let State {
        h,
        c,
        scratch,
        cache,
        ..
    } = st;
    for t in 0..steps {
        let x = StepInput::Projected(cache.as_flattened());
        let last = stack_step::<K, H>(&dec_layers, x, context_scale, h, c, scratch);
        emit(
            t,
            layer_output(h, last, width),
            scale,
            scratch.as_mut_slice(),
        );
    }
}

/// Whether `stack` runs layer by layer through the sequence buffers (it
/// has a bidirectional layer). Never with `T = 0`: [`check_capacity`]
/// refuses such a model, and the sequence code is left out of the build.
fn by_layer<const T: usize>(stack: Layers) -> bool {
    T > 0 && stack.has_bidirectional()
}

/// The prediction of one output step: argmax class or raw regression value.
fn head_prediction<K: Kernel>(
    head: &crate::format::Head,
    h: &[K::Value],
    scale: f32,
    scratch: &mut [K::Value],
) -> i32 {
    let classify = head.kind == HeadKind::Classify;
    // The first row, then (classifying) the first of equal maxima: rows
    // come in order.
    let mut best: Option<(usize, K::Output)> = None;
    K::head(head, h, scale, scratch, |r, v| {
        if best.is_none_or(|(_, b)| classify && v > b) {
            best = Some((r, v));
        }
    });
    match (head.kind, best) {
        (_, None) => 0,
        (HeadKind::Regress, Some((_, v))) => K::raw_output(v, head),
        (HeadKind::Classify, Some((r, _))) => r as i32,
    }
}

/// The first `width` values of a (possibly two-part) buffer row.
fn row<V, const H: usize, const N: usize>(buf: &[[V; H]; N], width: usize) -> &[V] {
    prefix(buf.as_flattened(), width)
}

/// The first `width` values of row `t` of sequence buffer `buf` (empty if absent).
fn seq_row<V, const H: usize, const T: usize>(
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
fn layer_output<V, const H: usize>(h: &[[V; H]], l: usize, width: usize) -> &[V] {
    h.get(l).map_or(&[], |h| prefix(h, width))
}

/// The first `width` values of `s` (all of it if shorter).
fn prefix<V>(s: &[V], width: usize) -> &[V] {
    s.get(..width).unwrap_or(s)
}

/// The real value of one unit of the encoder's input.
fn input_scale(d: &Model) -> f32 {
    match d.input() {
        Input::OneHot { .. } => 1.0,
        Input::Dense { scale, .. } => scale,
    }
}

/// Timestep `t` of `window` as the input of the first encoder layer
/// `layer` and its direction's weights `w`: a one-hot class's input part is
/// gathered into `buf`; dense values are converted into `buf` when the
/// arithmetic needs it.
fn encoder_input<'x, K: Kernel>(
    d: &Model,
    (layer, w): (&LstmLayer, &LstmWeights),
    window: &'x [i16],
    t: usize,
    buf: &'x mut [K::Value],
) -> StepInput<'x, K::Value> {
    match d.input() {
        Input::OneHot { .. } => {
            let class = window.get(t).copied().unwrap_or(0) as usize;
            K::gather(layer, w, class, buf);
            StepInput::Projected(buf)
        }
        Input::Dense { features, scale } => {
            let f = features as usize;
            let raw = window.get(t * f..(t + 1) * f).unwrap_or(&[]);
            StepInput::Vector(K::dense_vector(raw, scale, buf))
        }
    }
}

/// A stack's layers for one run: the first decoded once, any others
/// decoded as they are visited (no per-layer RAM).
struct Decoded<'a> {
    first: LstmLayer<'a>,
    /// The layers after the first, still encoded.
    rest: LayerIter<'a>,
    len: usize,
}

impl<'a> Decoded<'a> {
    /// `None` for an empty stack (which a loaded model never has).
    fn new(stack: Layers<'a>) -> Option<Self> {
        let mut rest = stack.iter();
        let first = rest.next()?;
        Some(Decoded {
            first,
            rest,
            len: stack.len(),
        })
    }

    /// Calls `f(index, layer)` for every layer in order.
    fn for_each(&self, mut f: impl FnMut(usize, &LstmLayer<'a>)) {
        f(0, &self.first);
        for (l, layer) in self.rest.clone().enumerate() {
            f(l + 1, &layer);
        }
    }
}

/// One timestep through a forward-only stack whose states are `h`, `c`;
/// returns the index of the last layer (whose `h` is the output).
fn stack_step<K: Kernel, const H: usize>(
    stack: &Decoded,
    x: StepInput<'_, K::Value>,
    x_scale: f32,
    h: &mut [[K::Value; H]],
    c: &mut [[K::Value; H]],
    scratch: &mut Padded<K::Value, H>,
) -> usize {
    let mut scale = x_scale;
    let mut prev_width = 0;
    stack.for_each(|l, layer| {
        let Some((done, rest)) = h.split_at_mut_checked(l) else {
            return;
        };
        let (Some(h_l), Some(c_l)) = (rest.first_mut(), c.get_mut(l)) else {
            return;
        };
        let input = match done.last() {
            Some(prev) => StepInput::Vector(prefix(prev, prev_width)),
            None => x,
        };
        K::step(
            layer,
            &layer.forward,
            input,
            scale,
            h_l,
            c_l,
            scratch.as_mut_slice(),
        );
        scale = layer.hidden_scale();
        prev_width = layer.output_width();
    });
    stack.len.saturating_sub(1)
}

/// The encoder's final output of `width` values: row 0 of sequence buffer
/// 0 when `in_seq`, else the hidden state of encoder layer `layers - 1`.
fn context<'s, V, const H: usize, const T: usize>(
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

/// Refuses one-hot values outside `0..classes`.
fn check_input_range(d: &Model, values: &[i16]) -> Result<(), Error> {
    match d.input() {
        Input::OneHot { classes } if values.iter().any(|&v| v < 0 || v as u16 >= classes) => {
            Err(Error::InputOutOfRange)
        }
        _ => Ok(()),
    }
}

/// Refuses a model that does not fit `H` units, `L` layers and `T` steps.
fn check_capacity(d: &Model, h: usize, l: usize, t: usize) -> Result<(), Error> {
    let decoder = match d.readout() {
        Readout::EncoderDecoder { steps, decoder } => Some((steps as usize, decoder)),
        _ => None,
    };
    let stacks = core::iter::once(d.encoder()).chain(decoder.map(|(_, s)| s));
    // The decoder runs in the encoder's state slots (see `decode`).
    let layers = stacks.clone().map(|s| s.len()).max().unwrap_or(0);
    if layers > l {
        return Err(Error::OverCapacity(Detail::TooManyLayers));
    }
    if stacks
        .flat_map(|s| s.iter())
        .any(|layer| layer.units as usize > h)
    {
        return Err(Error::OverCapacity(Detail::TooManyUnits));
    }
    if let Input::Dense { features, .. } = d.input() {
        if features as usize > 2 * h {
            return Err(Error::OverCapacity(Detail::TooManyFeatures));
        }
    }
    let too_long = |bidirectional: bool, steps: usize| bidirectional && (t == 0 || steps > t);
    if too_long(d.encoder().has_bidirectional(), d.window() as usize) {
        return Err(Error::OverCapacity(Detail::WindowTooLong));
    }
    if let Some((steps, decoder)) = decoder {
        if too_long(decoder.has_bidirectional(), steps) {
            return Err(Error::OverCapacity(Detail::DecoderTooLong));
        }
    }
    Ok(())
}
