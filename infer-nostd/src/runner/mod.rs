//! Running a model: whole windows ([`Runner::predict`]) and streams
//! ([`Runner::push`]), over fixed-capacity buffers and either arithmetic.
//! This file is the API and its checks (capacity at `new`, every window
//! and step before it runs) and the choice of path; the rest, one job a
//! file:
//!
//! - `state`: the buffers (hidden and cell states, scratch, sequences);
//! - `time_major`: forward-only stacks, each timestep through every layer,
//!   so only one hidden and cell vector per layer is kept (and a stream is
//!   the same code path, one step at a time);
//! - `by_layer`: a stack with a bidirectional layer, layer by layer through
//!   two sequence buffers of `T` steps;
//! - `decoder`: the encoder-decoder's decoder, whose repeated context is
//!   projected through the first decoder layer's input kernel once per
//!   window;
//! - `input`: the window as the first layer's input.
//!
//! No timestep decodes a layer from the file: the encoder's layers are
//! decoded once, when the runner is made (when they run time-major), a
//! decoder's or a layer-by-layer stack's once per window.

mod by_layer;
mod decoder;
mod input;
mod state;
mod time_major;

use crate::error::{Detail, Error};
use crate::format::Outputs;
use crate::format::{HeadKind, Input};
use crate::kernel::{Fixed, Float, Kernel};
use crate::model::Model;
use by_layer::{by_layer, Source};
use decoder::decode;
use input::input_scale;
use state::{context, layer_output, seq_row, ContextFrom, Emit, State};
use time_major::Forward;

/// A model with the buffers to run it: `H` is the most units per layer
/// direction, `L` the most layers of one stack (an encoder-decoder's
/// decoder runs in the encoder's state once the context is taken), `T` the
/// longest sequence a stack with a bidirectional layer can hold (0 when no
/// bidirectional model is to run). Nothing is allocated on the heap.
pub struct Runner<'a, K: Kernel, const H: usize, const L: usize, const T: usize> {
    model: Model<'a>,
    /// The encoder's layers, decoded (none if it runs layer by layer).
    encoder: Forward<'a, L>,
    state: State<K::Value, H, L, T>,
}

/// The fixed-point engine.
pub type Engine<'a, const H: usize, const L: usize, const T: usize> = Runner<'a, Fixed, H, L, T>;
/// The f32 reference over the same file.
pub type Reference<'a, const H: usize, const L: usize, const T: usize> = Runner<'a, Float, H, L, T>;

impl<'a, K: Kernel, const H: usize, const L: usize, const T: usize> Runner<'a, K, H, L, T> {
    /// Prepares `model` to run, refusing it if it exceeds the capacity.
    pub fn new(model: Model<'a>) -> Result<Self, Error> {
        check_capacity(&model, H, L, T)?;
        Ok(Runner {
            encoder: Forward::new(model.encoder()),
            model,
            state: State::new(),
        })
    }

    /// The model being run.
    pub fn model(&self) -> &Model<'a> {
        &self.model
    }

    /// Predicts one window: `window` holds one class index per timestep
    /// (one-hot input) or `features` quantised values per timestep (dense);
    /// in a masked model, pad steps ([`Model::is_pad`]) are masked.
    /// Writes [`Model::predictions`] values into `out`, step-major (an
    /// output step's [`Model::predictions_per_step`] in order): each a
    /// class (argmax, lowest index on ties, within its group) or, for
    /// regression, the raw output (see [`Model::dequantise_output`]).
    /// Returns their number. Starts from zero state; a stream in progress
    /// is lost.
    pub fn predict(&mut self, window: &[i16], out: &mut [i32]) -> Result<usize, Error> {
        let steps = self.window_steps(window)?;
        let n = self.model.predictions(steps);
        let per_step = self.model.predictions_per_step();
        let out = out.get_mut(..n).ok_or(Error::OutputTooShort)?;
        let head = *self.model.head();
        self.run(window, steps, |k, h, scale, scratch| {
            if let Some(step) = out.get_mut(k * per_step..(k + 1) * per_step) {
                head_predictions::<K>(&head, h, scale, scratch, step);
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
    /// through the model and writes that step's predictions into `out`
    /// ([`Model::predictions_per_step`] of them, returned), as
    /// [`predict`](Self::predict) would for the window of every step pushed
    /// since the last [`reset`](Self::reset). A pad step of a masked model
    /// ([`Model::is_pad`]) leaves the state as it is and answers from it.
    pub fn push(&mut self, step: &[i16], out: &mut [i32]) -> Result<usize, Error> {
        let head = *self.model.head();
        let n = self.model.predictions_per_step();
        let out = out.get_mut(..n).ok_or(Error::OutputTooShort)?;
        self.push_with(step, |h, scale, scratch| {
            head_predictions::<K>(&head, h, scale, scratch, out)
        })?;
        Ok(n)
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
            Outputs::EncoderDecoder { decoder, .. } => decoder,
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
        if d.encoder().has_bidirectional() || matches!(d.readout(), Outputs::EncoderDecoder { .. })
        {
            return Err(Error::NotStreamable);
        }
        if step.len() != self.model.step_width() {
            return Err(Error::WindowLength);
        }
        check_input_range(d, step)?;
        let st = &mut self.state;
        let last = self.encoder.encoder_step::<K, H, T>(d, step, 0, st);
        let out = d.encoder().output();
        emit(
            layer_output(&st.h, last, out.width()),
            out.scale(),
            st.scratch.as_mut_slice(),
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
        let every = matches!(d.readout(), Outputs::EveryStep);
        let decoder = match d.readout() {
            Outputs::EncoderDecoder { steps, decoder } => Some((steps as usize, decoder)),
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
            for t in 0..steps {
                let last = self.encoder.encoder_step::<K, H, T>(d, window, t, st);
                if every {
                    emit(
                        t,
                        layer_output(&st.h, last, width),
                        scale,
                        st.scratch.as_mut_slice(),
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

/// The predictions of one output step, one per group of head rows into
/// `out`: the argmax class within the group, or a regression's raw value
/// (a regression's every group is one row).
fn head_predictions<K: Kernel>(
    head: &crate::format::Head,
    h: &[K::Value],
    scale: f32,
    scratch: &mut [K::Value],
    out: &mut [i32],
) {
    // Validated: `groups` divides the rows, so no group is empty.
    let per_group = (head.dense.rows / head.groups.max(1)).max(1) as usize;
    let mut groups = Groups::<K> {
        head,
        per_group,
        end: per_group,
        best: None,
        slots: out.iter_mut(),
    };
    K::head(head, h, scale, scratch, |r, v| {
        // The first of equal maxima: rows come in order.
        if groups.best.is_none_or(|(_, b)| v > b) {
            groups.best = Some((r, v));
        }
        if r + 1 == groups.end {
            groups.close();
        }
    });
}

/// The state of [`head_predictions`] across the head's rows.
struct Groups<'h, 'o, K: Kernel> {
    head: &'h crate::format::Head<'h>,
    per_group: usize,
    /// One past the current group's last row.
    end: usize,
    /// The current group's best row and output so far.
    best: Option<(usize, K::Output)>,
    slots: core::slice::IterMut<'o, i32>,
}

impl<K: Kernel> Groups<'_, '_, K> {
    /// Writes the finished group's prediction and starts the next. Out of
    /// line and cold: the per-row loop keeps only the argmax and one
    /// comparison (as fast as a plain argmax on a Cortex-M4).
    #[cold]
    #[inline(never)]
    fn close(&mut self) {
        if let (Some(slot), Some((row, v))) = (self.slots.next(), self.best) {
            *slot = match self.head.kind {
                HeadKind::Classify => (row + self.per_group - self.end) as i32,
                HeadKind::Regress => K::raw_output(v, self.head),
            };
        }
        self.end += self.per_group;
        self.best = None;
    }
}

/// Refuses one-hot values outside `0..classes`, but for the pad value of
/// a masked model (a one-hot step is one value, so a pad step).
fn check_input_range(d: &Model, values: &[i16]) -> Result<(), Error> {
    match d.input() {
        Input::OneHot { classes }
            if values
                .iter()
                .any(|&v| (v < 0 || v as u16 >= classes) && d.mask() != Some(v)) =>
        {
            Err(Error::InputOutOfRange)
        }
        _ => Ok(()),
    }
}

/// Refuses a model that does not fit `H` units, `L` layers and `T` steps.
fn check_capacity(d: &Model, h: usize, l: usize, t: usize) -> Result<(), Error> {
    let decoder = match d.readout() {
        Outputs::EncoderDecoder { steps, decoder } => Some((steps as usize, decoder)),
        _ => None,
    };
    let stacks = core::iter::once(d.encoder()).chain(decoder.map(|(_, s)| s));
    // The decoder runs in the encoder's state slots (see `decode`).
    let layers = stacks.clone().map(|s| s.len()).max().unwrap_or(0);
    if layers > l {
        return Err(Error::OverCapacity(Detail::TooManyLayers));
    }
    #[cfg(not(feature = "gru"))]
    if d.uses(crate::format::Cell::Gru) {
        return Err(Error::OverCapacity(Detail::GruCells));
    }
    // A layer's gate rows fill the 4H-value projection buffer at most: an
    // LSTM's 4 units do, a GRU's (padded to blocks of four units) may not.
    let fits = |layer: crate::format::RecurrentLayer| {
        layer.units as usize <= h && (cfg!(not(feature = "gru")) || layer.gate_rows() <= 4 * h)
    };
    if !stacks.flat_map(|s| s.iter()).all(fits) {
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
