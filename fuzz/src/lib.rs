//! The harness shared by the fuzz targets, the seed generator and the
//! replay tests: how a fuzz input becomes a model file and a script of
//! calls on a runner, and the checks made on every answer. The third
//! target, `read_series`, fuzzes the training data readers instead: its
//! harness is [`series`].
//!
//! The two model targets read an input as
//!
//! ```text
//! [k: u8] [script: k bytes] [model bytes ...]
//! ```
//!
//! `load_and_run` hands the model bytes to [`Model::from_bytes`] as they
//! are, so most mutations die at the CRC (that is the loader's first line
//! of defence, and worth fuzzing too). `mutate_model` treats them as the
//! postcard payload only and wraps them with [`frame_payload`] (magic,
//! version, a freshly computed CRC-32), so every mutation reaches
//! validation and, when it passes, the runner. The engine is unchanged: no
//! fuzzing-only hook skips its CRC check.
//!
//! The script drives a runner (see [`exercise`]); bytes past its end read
//! as zero. Every call must return `Ok` or one of the errors its documentation
//! allows, and results are cross-checked: `predict` against
//! `predict_logits`, and a stream of `push` calls against `predict` on the
//! same window.

pub mod series;

use infer_host::file::frame;
use infer_host::FileDesc;
use infer_host::{HostEngine, HostReference};
use infer_nostd::format::{HeadKind, Input, ModelDesc, Outputs};
use infer_nostd::{Engine, Error, Kernel, Layers, Model, Runner};

/// Most multiply-accumulates the calls of one script may ask for in all:
/// keeps every execution far below libFuzzer's 1 s timeout (even on a
/// loaded machine) while still running real work on every model a small
/// input can describe.
const MAC_BUDGET: usize = 1 << 22;
/// Most values a window or output buffer built by the harness may hold.
const MAX_VALUES: usize = 1 << 16;
/// Most calls one script makes.
const MAX_CALLS: usize = 24;

/// Splits a fuzz input into its script and its model bytes.
pub fn split_input(data: &[u8]) -> (&[u8], &[u8]) {
    match data.split_first() {
        Some((&k, rest)) => rest.split_at(usize::from(k).min(rest.len())),
        None => (&[], &[]),
    }
}

/// Joins a script and model bytes into one fuzz input (the inverse of
/// [`split_input`]); the script is cut to 255 bytes.
pub fn join_input(script: &[u8], model: &[u8]) -> Vec<u8> {
    let script = &script[..script.len().min(255)];
    let mut out = Vec::with_capacity(1 + script.len() + model.len());
    out.push(script.len() as u8);
    out.extend_from_slice(script);
    out.extend_from_slice(model);
    out
}

/// A complete model file around `payload` ([`frame`]): if a prefix of
/// `payload` decodes as a [`FileDesc`], only that prefix is framed (the
/// rest would only make the file fail its CRC), so every input that
/// decodes reaches validation.
pub fn frame_payload(payload: &[u8]) -> Vec<u8> {
    let used = match postcard::take_from_bytes::<FileDesc<'_>>(payload) {
        Ok((_, rest)) => payload.len() - rest.len(),
        Err(_) => payload.len(),
    };
    frame(&payload[..used])
}

/// Loads `file` and, if it is a model, runs `script` on it.
///
/// Panics (failing the fuzz run) if the loader or a runner panics, or if an
/// answer breaks the engine's documented contract.
pub fn load_and_exercise(file: &[u8], script: &[u8]) {
    match Model::from_bytes(file) {
        Ok(model) => exercise(&model, script),
        Err(e) => assert!(
            is_load_error(e),
            "from_bytes returned a runner error: {e:?}"
        ),
    }
}

/// Whether `e` is an error the loader may return.
fn is_load_error(e: Error) -> bool {
    matches!(
        e,
        Error::Truncated
            | Error::BadMagic
            | Error::FutureVersion(_)
            | Error::UnsupportedVersion(_)
            | Error::BadCrc
            | Error::Malformed
            | Error::TrailingBytes
            | Error::Shape(_)
            | Error::Parameter(_)
    )
}

/// Runs `script` on a validated model: the first byte picks the runner
/// (the host engine, a small engine that refuses larger models, or the f32
/// reference), the rest are calls.
pub fn exercise(model: &Model<'_>, script: &[u8]) {
    let mut s = Script::new(script);
    probe_model(model, &mut s);
    match s.byte() % 3 {
        0 => {
            if let Some(mut r) = runner(HostEngine::new(model.clone())) {
                drive(&mut r, &mut s);
            }
        }
        1 => {
            if let Some(mut r) = runner(Engine::<8, 4, 8>::new(model.clone())) {
                drive(&mut r, &mut s);
            }
        }
        _ => {
            if let Some(mut r) = runner(HostReference::new(model.clone())) {
                drive(&mut r, &mut s);
            }
        }
    }
}

/// A boxed runner, or `None` if the model is over its capacity (the only
/// error `new` may return).
fn runner<R>(made: Result<R, Error>) -> Option<Box<R>> {
    match made {
        Ok(r) => Some(Box::new(r)),
        Err(e) => {
            assert!(matches!(e, Error::OverCapacity(_)), "Runner::new: {e:?}");
            None
        }
    }
}

/// Calls the model's informational methods with script-chosen arguments.
fn probe_model(model: &Model<'_>, s: &mut Script<'_>) {
    let steps = usize::from(s.byte());
    let _ = model.output_steps(steps);
    let _ = model.macs_per_window(steps);
    let x = f32::from_bits(s.u32());
    let _ = model.quantise_input(x);
    let _ = model.dequantise_output(s.u32() as i32);
    for layer in model.encoder().iter() {
        for r in 0..4 * usize::from(layer.units) {
            assert!(layer.row_frac(r) <= infer_nostd::format::UNIT_FRAC);
        }
    }
}

/// Script bytes, read front to back; zero once exhausted.
struct Script<'s> {
    bytes: &'s [u8],
    pos: usize,
    /// Multiply-accumulates the windows still to come may cost.
    macs_left: usize,
}

impl<'s> Script<'s> {
    fn new(bytes: &'s [u8]) -> Self {
        Script {
            bytes,
            pos: 0,
            macs_left: MAC_BUDGET,
        }
    }

    fn done(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn byte(&mut self) -> u8 {
        let b = self.bytes.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    fn i16(&mut self) -> i16 {
        i16::from_le_bytes([self.byte(), self.byte()])
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    /// One input value: one-hot values are usually in range (one byte
    /// modulo the class count); `0xFF` escapes to a raw i16, as do all
    /// dense values but `0xFE`, which is a masked model's pad value.
    fn value(&mut self, model: &Model<'_>) -> i16 {
        match (model.input(), self.byte(), model.mask()) {
            (_, 0xFE, Some(pad)) => pad,
            (Input::OneHot { .. }, 0xFF, _) | (Input::Dense { .. }, _, _) => self.i16(),
            (Input::OneHot { classes }, b, _) => (u16::from(b) % classes.max(1)) as i16,
        }
    }

    /// A window of timesteps: usually the model's trained length, else 0
    /// to 63 steps (0 and wrong lengths must be refused). `runs` is how
    /// many times the caller will run it, charged to the budget; `None`
    /// once the budget cannot pay for it.
    fn window(&mut self, model: &Model<'_>, runs: usize) -> Option<Vec<i16>> {
        let b = self.byte();
        let trained = usize::from(model.window());
        let steps = if trained != 0 && b < 0xC0 {
            trained
        } else {
            usize::from(b % 64)
        };
        let len = steps.checked_mul(model.step_width())?;
        let cost = model.macs_per_window(steps.max(1)).saturating_mul(runs);
        if len > MAX_VALUES || cost > self.macs_left {
            return None;
        }
        self.macs_left -= cost;
        Some((0..len).map(|_| self.value(model)).collect())
    }

    /// A step of the width the model takes, or (rarely) one value short
    /// or long.
    fn step(&mut self, model: &Model<'_>) -> Vec<i16> {
        let width = match self.byte() {
            0xFE => model.step_width() + 1,
            0xFF => model.step_width() - 1,
            _ => model.step_width(),
        };
        (0..width).map(|_| self.value(model)).collect()
    }
}

/// Whether the model accepts a window of `window.len()` values: the
/// error `predict` must give, if any, before looking at the output.
fn window_error<K: Kernel, const H: usize, const L: usize, const T: usize>(
    r: &Runner<'_, K, H, L, T>,
    window: &[i16],
) -> Option<Error> {
    let m = r.model();
    let d = m.desc();
    let width = m.step_width();
    let steps = window.len() / width;
    let bad_len = steps == 0
        || !window.len().is_multiple_of(width)
        || (d.window != 0 && steps != usize::from(d.window))
        || (d.encoder.has_bidirectional() && steps > T);
    if bad_len {
        return Some(Error::WindowLength);
    }
    let out_of_range = match d.input {
        Input::OneHot { classes } => window
            .iter()
            .any(|&v| (v < 0 || v as u16 >= classes) && d.mask != Some(v)),
        Input::Dense { .. } => false,
    };
    out_of_range.then_some(Error::InputOutOfRange)
}

/// Whether the model can run one step at a time.
fn streamable(d: &ModelDesc<'_, Layers<'_>>) -> bool {
    !d.encoder.has_bidirectional() && !matches!(d.outputs, Outputs::EncoderDecoder { .. })
}

/// The prediction `predict` must give for one group's logits.
fn expected_prediction<K: Kernel>(d: &ModelDesc<'_, Layers<'_>>, logits: &[K::Output]) -> i32 {
    match d.head.kind {
        HeadKind::Regress => K::raw_output(logits[0], &d.head),
        HeadKind::Classify => {
            let mut best = 0;
            for (i, v) in logits.iter().enumerate() {
                if *v > logits[best] {
                    best = i;
                }
            }
            best as i32
        }
    }
}

/// Runs script calls on `r` until the script ends, checking each answer.
fn drive<K: Kernel, const H: usize, const L: usize, const T: usize>(
    r: &mut Runner<'_, K, H, L, T>,
    s: &mut Script<'_>,
) where
    K::Output: Default,
{
    let model = r.model().clone();
    let d = model.desc();
    let rows = model.head_outputs();
    let (groups, per_group) = (model.predictions_per_step(), model.outputs_per_prediction());
    for _ in 0..MAX_CALLS {
        if s.done() {
            break;
        }
        match s.byte() % 6 {
            0 => {
                let Some(window) = s.window(&model, 1) else {
                    continue;
                };
                let short = usize::from(s.byte() % 4);
                predict_checked(r, &window, short);
            }
            1 => {
                let Some(window) = s.window(&model, 2) else {
                    continue;
                };
                logits_checked(r, &window);
            }
            2 => {
                let step = s.step(&model);
                let short = usize::from(s.byte() % 2).min(groups);
                let mut out = vec![0i32; groups - short];
                match r.push(&step, &mut out) {
                    Ok(n) => {
                        assert_eq!((n, short), (groups, 0), "push filled a short buffer");
                        if d.head.kind == HeadKind::Classify {
                            let classes = 0..per_group as i32;
                            assert!(out.iter().all(|p| classes.contains(p)), "push: class");
                        }
                    }
                    // The buffer is checked first, as `push_logits` does.
                    Err(Error::OutputTooShort) => assert_eq!(short, 1, "push: buffer fits"),
                    Err(e) => {
                        assert_eq!(short, 0, "push: short buffer not refused");
                        assert_push_error(d, &step, model.step_width(), e)
                    }
                }
            }
            3 => {
                let step = s.step(&model);
                let short = usize::from(s.byte() % 2);
                let mut out = vec![K::Output::default(); rows - short];
                match r.push_logits(&step, &mut out) {
                    Ok(()) => assert_eq!(short, 0, "push_logits filled a short buffer"),
                    Err(Error::OutputTooShort) => assert_eq!(short, 1, "push_logits: buffer fits"),
                    Err(e) => assert_push_error(d, &step, model.step_width(), e),
                }
            }
            4 => r.reset(),
            _ => {
                let Some(window) = s.window(&model, 2) else {
                    continue;
                };
                stream_matches_window(r, &window);
            }
        }
    }
}

/// `predict` with an output buffer `short` values shorter than needed.
fn predict_checked<K: Kernel, const H: usize, const L: usize, const T: usize>(
    r: &mut Runner<'_, K, H, L, T>,
    window: &[i16],
    short: usize,
) {
    let model = r.model().clone();
    let expected_err = window_error(r, window);
    let steps = window.len() / model.step_width();
    let n = model.predictions(steps);
    let mut out = vec![i32::MIN; n.saturating_sub(short)];
    match (r.predict(window, &mut out), expected_err) {
        (Err(e), Some(want)) => assert_eq!(e, want, "predict"),
        (Err(e), None) => {
            assert!(
                short > 0 && e == Error::OutputTooShort,
                "predict: unexpected {e:?}"
            )
        }
        (Ok(got), None) => {
            assert!(short == 0, "predict filled a buffer {short} short");
            assert_eq!(got, n, "predict: predictions");
            if model.desc().head.kind == HeadKind::Classify {
                let classes = 0..model.outputs_per_prediction() as i32;
                assert!(
                    out.iter().all(|p| classes.contains(p)),
                    "predict: class out of range"
                );
            }
        }
        (Ok(_), Some(want)) => panic!("predict accepted a window it should refuse with {want:?}"),
    }
}

/// `predict_logits`, checked against `predict` on the same window: each
/// prediction is the argmax (or the raw regression value) of its logits.
fn logits_checked<K: Kernel, const H: usize, const L: usize, const T: usize>(
    r: &mut Runner<'_, K, H, L, T>,
    window: &[i16],
) where
    K::Output: Default,
{
    let model = r.model().clone();
    let steps = window.len() / model.step_width();
    let n = model.output_steps(steps);
    let rows = model.head_outputs();
    if n.saturating_mul(rows) > MAX_VALUES {
        return;
    }
    let mut logits = vec![K::Output::default(); n * rows];
    match (
        r.predict_logits(window, &mut logits),
        window_error(r, window),
    ) {
        (Err(e), Some(want)) => assert_eq!(e, want, "predict_logits"),
        (Err(e), None) => panic!("predict_logits: unexpected {e:?}"),
        (Ok(_), Some(want)) => {
            panic!("predict_logits accepted a window it should refuse with {want:?}")
        }
        (Ok(got), None) => {
            assert_eq!(got, n, "predict_logits: output steps");
            let mut preds = vec![0i32; model.predictions(steps)];
            r.predict(window, &mut preds)
                .expect("predict after predict_logits");
            // Step-major, each step's groups in order: one prediction per
            // group of rows.
            let per_group = model.outputs_per_prediction();
            for (k, (p, group)) in preds.iter().zip(logits.chunks(per_group)).enumerate() {
                let want = expected_prediction::<K>(model.desc(), group);
                assert_eq!(*p, want, "predict vs predict_logits at prediction {k}");
            }
        }
    }
}

/// Checks that an error from `push` is one it documents.
fn assert_push_error(d: &ModelDesc<'_, Layers<'_>>, step: &[i16], width: usize, e: Error) {
    let want = if !streamable(d) {
        Error::NotStreamable
    } else if step.len() != width {
        Error::WindowLength
    } else {
        Error::InputOutOfRange
    };
    assert_eq!(e, want, "push");
}

/// Pushing a window's steps one by one after `reset` gives the same
/// predictions as `predict` on the window.
fn stream_matches_window<K: Kernel, const H: usize, const L: usize, const T: usize>(
    r: &mut Runner<'_, K, H, L, T>,
    window: &[i16],
) {
    let model = r.model().clone();
    if !streamable(model.desc()) || window_error(r, window).is_some() {
        return;
    }
    let width = model.step_width();
    let steps = window.len() / width;
    let mut whole = vec![0i32; model.predictions(steps)];
    r.predict(window, &mut whole)
        .expect("predict on a checked window");
    r.reset();
    let groups = model.predictions_per_step();
    let mut pushed = vec![0i32; steps * groups];
    for (step, out) in window.chunks_exact(width).zip(pushed.chunks_mut(groups)) {
        r.push(step, out).expect("push on a checked step");
    }
    match model.desc().outputs {
        Outputs::EveryStep => assert_eq!(pushed, whole, "stream vs window (every step)"),
        _ => assert_eq!(
            &pushed[pushed.len() - groups..],
            &whole[..],
            "stream vs window (last step)"
        ),
    }
}
