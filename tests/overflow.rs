//! The fixed-point pass stays in range for any model the format admits and
//! any input, and saturates where `fixed.rs` and `activation.rs` say (the
//! dot products at their extremes are checked beside the kernels, in
//! `infer-nostd/src/kernels`).
//!
//! Models here are built by hand from the format types (not through the
//! quantiser), with weights, multipliers, shifts, biases and fraction bits
//! drawn towards the limits the loader accepts: int8 and int16 weights at
//! their extremes, shifts 0..=62, multipliers up to `i32::MAX`, biases at
//! the i32 extremes, fraction bits 0..=15, inputs at the i16 extremes.
//!
//! These tests run in the dev profile, which keeps overflow checks on for
//! infer-nostd (the root Cargo.toml only raises its `opt-level`): any
//! arithmetic overflow in the engine panics and fails them.

use echo_tests::random_model::Rng;
use infer_host::file::to_file_bytes;
use infer_host::owned::{OwnedDirection, OwnedLayer, OwnedMatrix};
use infer_host::{FileDesc, Stack};
use infer_nostd::activation::{sigmoid, tanh};
use infer_nostd::fixed::{
    mul_shift, requant32, requant64, rescale, round_shift32, round_shift64, sat16, sat32,
};
use infer_nostd::format::{
    Cell, CellActivation, DirectionWeights, Head, HeadKind, Input, Matrix, ModelDesc, Outputs,
    Precision, RecurrentLayer, MAX_SHIFT, UNIT_FRAC,
};
use infer_nostd::{Engine, Model};
use proptest::prelude::*;

/// Values drawn towards the format's limits.
struct Extremes(Rng);

impl Extremes {
    fn pick<T: Copy>(&mut self, edges: &[T], any: impl FnOnce(&mut Rng) -> T) -> T {
        let k = self.0.below(edges.len() + 2);
        edges.get(k).copied().unwrap_or_else(|| any(&mut self.0))
    }

    fn weight(&mut self, precision: Precision) -> Vec<u8> {
        match precision {
            Precision::Int8 => {
                vec![self.pick(&[i8::MIN, i8::MAX, 0, -1], |r| r.next_u64() as i8) as u8]
            }
            Precision::Int16 => self
                .pick(&[i16::MIN, i16::MAX, 0, -1], |r| r.next_u64() as i16)
                .to_le_bytes()
                .to_vec(),
        }
    }

    fn multiplier(&mut self) -> i32 {
        self.pick(&[0, 1, i32::MAX, 1 << 30], |r| (r.next_u64() >> 33) as i32)
    }

    fn shift(&mut self) -> u8 {
        self.pick(&[0, 1, 31, 32, MAX_SHIFT], |r| {
            r.below(MAX_SHIFT as usize + 1) as u8
        })
    }

    fn bias(&mut self) -> i32 {
        self.pick(&[i32::MIN, i32::MAX, 0, -1], |r| r.next_u64() as i32)
    }

    fn frac(&mut self) -> u8 {
        self.pick(&[0, UNIT_FRAC], |r| r.below(UNIT_FRAC as usize + 1) as u8)
    }

    fn input(&mut self) -> i16 {
        self.pick(&[i16::MIN, i16::MAX, 0, -1, 1], |r| r.next_u64() as i16)
    }

    fn precision(&mut self) -> Precision {
        if self.0.below(2) == 0 {
            Precision::Int8
        } else {
            Precision::Int16
        }
    }
}

/// A matrix with extreme values for every stored weight (padding
/// included) and every stored row's requantisation; `column_major` for a
/// one-hot input kernel.
fn extreme_matrix(x: &mut Extremes, rows: usize, cols: usize, column_major: bool) -> OwnedMatrix {
    let precision = x.precision();
    let mut m = OwnedMatrix {
        rows: rows as u16,
        cols: cols as u16,
        precision,
        values: Vec::new(),
        multipliers: Vec::new(),
        shifts: Vec::new(),
    };
    let shape = m.view();
    let (weights, stored_rows) = if column_major {
        (rows * cols, rows)
    } else {
        (shape.grouped_len() / precision.bytes(), 4 * shape.groups())
    };
    m.values = (0..weights).flat_map(|_| x.weight(precision)).collect();
    m.multipliers = (0..stored_rows)
        .flat_map(|_| x.multiplier().to_le_bytes())
        .collect();
    m.shifts = (0..stored_rows).map(|_| x.shift()).collect();
    m
}

/// One direction's weights of a `cell` layer, extreme.
fn extreme_direction(
    x: &mut Extremes,
    cell: Cell,
    units: usize,
    cols: usize,
    one_hot: bool,
) -> OwnedDirection {
    let rows = cell.gate_rows(units);
    OwnedDirection {
        input: extreme_matrix(x, rows, cols, one_hot),
        recurrent: extreme_matrix(x, rows, units, false),
        bias: (0..cell.biases(units))
            .flat_map(|_| x.bias().to_le_bytes())
            .collect(),
    }
}

/// One layer of `shape`, extreme.
fn extreme_layer(x: &mut Extremes, shape: &LayerShape, cols: usize, one_hot: bool) -> OwnedLayer {
    let activation = if shape.relu {
        CellActivation::Relu {
            candidate_frac: x.frac(),
            hidden_frac: x.frac(),
        }
    } else {
        CellActivation::Tanh
    };
    let cell = if shape.gru { Cell::Gru } else { Cell::Lstm };
    OwnedLayer {
        cell,
        units: shape.units as u16,
        activation,
        // A GRU has no cell state.
        cell_frac: if shape.gru { 0 } else { x.frac() },
        forward: extreme_direction(x, cell, shape.units, cols, one_hot),
        backward: shape
            .bidirectional
            .then(|| extreme_direction(x, cell, shape.units, cols, one_hot)),
    }
}

/// The shape of one layer, chosen by proptest.
#[derive(Debug, Clone)]
struct LayerShape {
    units: usize,
    bidirectional: bool,
    /// A ReLU LSTM cell (never a GRU).
    relu: bool,
    /// A GRU layer.
    gru: bool,
}

/// The shape of a whole model, chosen by proptest; the values come from
/// `seed` through [`Extremes`].
#[derive(Debug, Clone)]
struct Shape {
    /// `Some(classes)` for one-hot input, else dense with `features`.
    one_hot: Option<usize>,
    features: usize,
    window: usize,
    encoder: Vec<LayerShape>,
    /// Decoder steps and layers of an encoder-decoder.
    decoder: Option<(usize, Vec<LayerShape>)>,
    every_step: bool,
    classify: bool,
    head_rows: usize,
    seed: u64,
}

/// A model description that owns every tensor.
struct OwnedModel {
    shape: Shape,
    encoder: Vec<OwnedLayer>,
    decoder: Vec<OwnedLayer>,
    head: OwnedMatrix,
    head_bias: Vec<u8>,
}

/// A stack viewing `layers`.
fn stack(layers: &[OwnedLayer]) -> Stack<'_> {
    layers.iter().map(OwnedLayer::view).collect()
}

impl OwnedModel {
    fn new(shape: Shape) -> Self {
        let mut x = Extremes(Rng::new(shape.seed));
        let stack = |x: &mut Extremes, shapes: &[LayerShape], mut cols: usize, one_hot: bool| {
            let mut layers = Vec::new();
            for (l, s) in shapes.iter().enumerate() {
                let layer = extreme_layer(x, s, cols, one_hot && l == 0);
                cols = layer.width();
                layers.push(layer);
            }
            (layers, cols)
        };
        let first = shape.one_hot.unwrap_or(shape.features);
        let (encoder, width) = stack(&mut x, &shape.encoder, first, shape.one_hot.is_some());
        let (decoder, width) = match &shape.decoder {
            Some((_, layers)) => stack(&mut x, layers, width, false),
            None => (Vec::new(), width),
        };
        let rows = if shape.classify { shape.head_rows } else { 1 };
        let head = extreme_matrix(&mut x, rows, width, false);
        let head_bias = (0..rows).flat_map(|_| x.bias().to_le_bytes()).collect();
        OwnedModel {
            shape,
            encoder,
            decoder,
            head,
            head_bias,
        }
    }

    fn desc(&self) -> FileDesc<'_> {
        let s = &self.shape;
        ModelDesc {
            label: "adversarial",
            window: s.window as u16,
            input: match s.one_hot {
                Some(classes) => Input::OneHot {
                    classes: classes as u16,
                },
                None => Input::Dense {
                    features: s.features as u16,
                    scale: 1.0 / 256.0,
                },
            },
            encoder: stack(&self.encoder),
            outputs: match &s.decoder {
                Some((steps, _)) => Outputs::EncoderDecoder {
                    steps: *steps as u16,
                    decoder: stack(&self.decoder),
                },
                None if s.every_step => Outputs::EveryStep,
                None => Outputs::LastStep,
            },
            head: Head {
                kind: if s.classify {
                    HeadKind::Classify
                } else {
                    HeadKind::Regress
                },
                groups: 1,
                dense: self.head.view(),
                bias: &self.head_bias,
                output_scale: 1.0 / 1024.0,
            },
            // Masked, so inputs at the extremes are pad steps too.
            mask: Some(if s.one_hot.is_some() { -1 } else { i16::MIN }),
            names: "",
        }
    }
}

fn layer_shape() -> impl Strategy<Value = LayerShape> {
    (1usize..=5, any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(units, bidirectional, relu, gru)| LayerShape {
            units,
            bidirectional,
            relu: relu && !gru,
            gru,
        },
    )
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::option::of(1usize..=6),
        1usize..=4,
        0usize..=6,
        prop::collection::vec(layer_shape(), 1..=2),
        prop::option::of((1usize..=4, prop::collection::vec(layer_shape(), 1..=2))),
        any::<bool>(),
        any::<bool>(),
        1usize..=5,
        any::<u64>(),
    )
        .prop_map(
            |(
                one_hot,
                features,
                window,
                encoder,
                decoder,
                every_step,
                classify,
                head_rows,
                seed,
            )| Shape {
                one_hot,
                features,
                window,
                encoder,
                decoder,
                every_step,
                classify,
                head_rows,
                seed,
            },
        )
}

/// The engine under test: 8 units, 4 layers, 8 steps hold every [`shape`].
type Small<'a> = Engine<'a, 8, 4, 8>;

/// Runs whole windows and streams on `file`'s model with extreme inputs,
/// checking the documented ranges of every output.
fn run_extremes(file: &[u8], shape: &Shape) -> Result<(), TestCaseError> {
    let model = Model::from_bytes(file).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    let mut engine = Box::new(Small::new(model.clone()).unwrap());
    let mut x = Extremes(Rng::new(!shape.seed));
    let steps = if shape.window == 0 {
        1 + x.0.below(8)
    } else {
        shape.window
    };
    let d = model.desc();
    let window: Vec<i16> = match shape.one_hot {
        Some(classes) => (0..steps).map(|_| x.0.below(classes) as i16).collect(),
        None => (0..steps * shape.features).map(|_| x.input()).collect(),
    };
    let n = model.output_steps(steps);
    let rows = model.head_outputs();
    let mut out = vec![0i32; n];
    let mut logits = vec![0i32; n * rows];
    prop_assert_eq!(engine.predict(&window, &mut out), Ok(n));
    prop_assert_eq!(engine.predict_logits(&window, &mut logits), Ok(n));
    if d.head.kind == HeadKind::Classify {
        prop_assert!(out.iter().all(|&c| (0..rows as i32).contains(&c)));
    } else {
        prop_assert_eq!(&out, &logits);
    }
    // Hidden states of a forward-only encoder stay in their documented range.
    if !d.encoder.has_bidirectional() && !matches!(d.outputs, Outputs::EncoderDecoder { .. }) {
        for (l, layer) in d.encoder.iter().enumerate() {
            let h = engine.hidden(l).unwrap();
            match layer.activation {
                // o * tanh(c) with |o|, |tanh| < 1: never the i16 minimum.
                CellActivation::Tanh => prop_assert!(h.iter().all(|&v| v > i16::MIN)),
                // o * max(c, 0): never negative.
                CellActivation::Relu { .. } => prop_assert!(h.iter().all(|&v| v >= 0)),
            }
        }
        // Streaming gives the same predictions as the whole window.
        engine.reset();
        let width = model.step_width();
        let pushed: Vec<i32> = window
            .chunks(width)
            .map(|s| {
                let mut one = [0];
                engine.push(s, &mut one).unwrap();
                one[0]
            })
            .collect();
        match d.outputs {
            Outputs::EveryStep => prop_assert_eq!(&pushed, &out),
            _ => prop_assert_eq!(pushed.last(), out.first()),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any model within the format's limits runs on extreme inputs without
    /// an arithmetic overflow, and its outputs are in range.
    #[test]
    fn adversarial_models_never_overflow(shape in shape()) {
        let owned = OwnedModel::new(shape.clone());
        let file = to_file_bytes(&owned.desc()).unwrap();
        run_extremes(&file, &shape)?;
    }

    /// `round_shift*`, `requant*`, `mul_shift` and `rescale` are the exact
    /// round-half-up results, saturated to i32 where documented.
    #[test]
    fn primitives_match_exact_arithmetic(
        a in any::<i32>(),
        wide in any::<i64>(),
        m in 0..=i32::MAX,
        s in 0..=MAX_SHIFT,
        p in any::<i16>(),
        q in any::<i16>(),
        from in 0u8..=15,
        to in 0u8..=15,
    ) {
        prop_assert_eq!(round_shift64(wide, s) as i128, exact_shift(wide as i128, s as u32));
        prop_assert_eq!(round_shift32(a, s as u32) as i128, if s <= 31 { exact_shift(a as i128, s as u32) } else { 0 });
        prop_assert_eq!(requant32(a, m, s), exact_requant(a as i128, m, s));
        prop_assert_eq!(requant64(wide, m, s), exact_requant(wide as i128, m, s));
        prop_assert_eq!(mul_shift(p, q, UNIT_FRAC as u32) as i128, exact_shift(p as i128 * q as i128, 15));
        let r = rescale(p as i32, from, to) as i128;
        if from >= to {
            prop_assert_eq!(r, exact_shift(p as i128, (from - to) as u32));
        } else {
            prop_assert_eq!(r, p as i128 * (1 << (to - from)));
        }
        prop_assert_eq!(sat16(a) as i32, a.clamp(i16::MIN as i32, i16::MAX as i32));
        prop_assert_eq!(sat32(wide) as i64, wide.clamp(i32::MIN as i64, i32::MAX as i64));
    }

    /// Sigmoid of any Q3.12 gate: in [0, 2^15) and monotonic, as
    /// `activation.rs` documents.
    #[test]
    fn sigmoid_is_a_monotonic_q0_15(x in any::<i16>(), y in any::<i16>()) {
        let s = sigmoid(x);
        prop_assert!((0..=i16::MAX).contains(&s));
        if x <= y {
            prop_assert!(s <= sigmoid(y));
        }
    }

    /// Tanh: odd, monotonic, within +-(2^15 - 2) and saturated there
    /// beyond +-8 (from +-5 on: the shared sigmoid table ends at 2x = 10).
    #[test]
    fn tanh_saturates_beyond_8(x in any::<i32>(), y in any::<i32>()) {
        const LIMIT: i16 = i16::MAX - 1;
        let t = tanh(x);
        prop_assert!((-LIMIT..=LIMIT).contains(&t));
        prop_assert_eq!(tanh(x.saturating_neg()), -t);
        if x <= y {
            prop_assert!(t <= tanh(y));
        }
        if x >= 8 << 12 {
            prop_assert_eq!(t, LIMIT);
        }
        if x <= -(8 << 12) {
            prop_assert_eq!(t, -LIMIT);
        }
    }
}

/// `x / 2^s` rounded half up, exactly.
fn exact_shift(x: i128, s: u32) -> i128 {
    if s == 0 {
        x
    } else {
        (x + (1 << (s - 1))).div_euclid(1 << s)
    }
}

/// `round_half_up(acc * m / 2^s)` saturated to i32, exactly.
fn exact_requant(acc: i128, m: i32, s: u8) -> i32 {
    exact_shift(acc * m as i128, s as u32).clamp(i32::MIN as i128, i32::MAX as i128) as i32
}

#[test]
fn tanh_is_odd_where_the_docs_say_symmetric() {
    // "symmetric around zero": tanh(-x) == -tanh(x) for every Q3.12 input.
    let asymmetric: Vec<i32> = (-(1 << 16)..=(1 << 16))
        .filter(|&x| tanh(-x) != -tanh(x))
        .collect();
    assert!(
        asymmetric.is_empty(),
        "{} inputs, first {:?}",
        asymmetric.len(),
        &asymmetric[..asymmetric.len().min(5)]
    );
}

/// A one-column int8 matrix of `rows` rows with these weights, every row
/// requantised by `multiplier` and `shift`: column-major (a one-hot input
/// kernel) or in row groups. Leaked: tests only.
fn column(
    rows: u16,
    weights: &[u8],
    multiplier: i32,
    shift: u8,
    column_major: bool,
) -> Matrix<'static> {
    let mut m = Matrix {
        rows,
        cols: 1,
        precision: Precision::Int8,
        align: &[],
        values: &[],
        multipliers: &[],
        shifts: &[],
    };
    let stored_rows = 4 * m.groups();
    let values = if column_major {
        weights.to_vec()
    } else {
        let mut v = vec![0; m.grouped_len()];
        for (r, &w) in weights.iter().enumerate() {
            v[m.grouped_offset(r, 0)] = w;
        }
        v
    };
    m.values = Vec::leak(values);
    m.multipliers = Vec::leak(multiplier.to_le_bytes().repeat(stored_rows));
    m.shifts = Vec::leak(vec![shift; stored_rows]);
    m
}

/// A one-layer, one-unit model: one-hot input of one class, every gate's
/// weights zero and its bias `bias[gate]`; a regression head reading the
/// hidden state.
fn saturating_model(bias: [i32; 4], activation: CellActivation, cell_frac: u8) -> Vec<u8> {
    let bias: Vec<u8> = bias.iter().flat_map(|b| b.to_le_bytes()).collect();
    let direction = DirectionWeights {
        input: column(4, &[0; 4], 1 << 30, 0, true),
        recurrent: column(4, &[0; 4], 1 << 30, 0, false),
        bias: &bias,
    };
    let layer = RecurrentLayer {
        cell: Cell::Lstm,
        units: 1,
        activation,
        cell_frac,
        forward: direction,
        backward: None,
    };
    let head = Head {
        kind: HeadKind::Regress,
        groups: 1,
        dense: column(1, &[1], 1 << 30, 30, false),
        bias: &[0; 4],
        output_scale: 1.0,
    };
    one_layer_file(layer, Outputs::LastStep, head)
}

/// A model file of one one-hot value, one LSTM layer and `head`.
fn one_layer_file(layer: RecurrentLayer, outputs: Outputs<Stack>, head: Head) -> Vec<u8> {
    let desc = ModelDesc {
        label: "one layer",
        window: 0,
        input: Input::OneHot { classes: 1 },
        encoder: [layer].into_iter().collect(),
        outputs,
        head,
        mask: None,
        names: "",
    };
    to_file_bytes(&desc).unwrap()
}

/// The hidden state after `steps` steps of [`saturating_model`].
fn hidden_after(file: &[u8], steps: usize) -> i16 {
    let mut engine = Box::new(Small::new(Model::from_bytes(file).unwrap()).unwrap());
    let mut out = [0i32; 1];
    engine.predict(&vec![0; steps], &mut out).unwrap();
    engine.hidden(0).unwrap()[0]
}

#[test]
fn gate_pre_activations_saturate_at_the_i16_limits() {
    // A bias of i32::MAX (and i32::MIN) saturates each gate's Q3.12
    // pre-activation to i16::MAX (i16::MIN), not wrapping: the gates are
    // sigmoid(i16::MAX) (nearly 1) and sigmoid(i16::MIN) (nearly 0).
    let (hi, lo) = (sigmoid(i16::MAX), sigmoid(i16::MIN));
    assert!(hi > 32700 && lo < 100, "{hi} {lo}");
    // ReLU cell, cell and hidden state both Q0.15 (cell_frac 15,
    // hidden_frac 15), candidate Q0.15: after one step c = i * g, the
    // candidate saturated at i16::MAX.
    let relu = CellActivation::Relu {
        candidate_frac: 15,
        hidden_frac: 15,
    };
    let file = saturating_model([i32::MAX; 4], relu, 15);
    let c1 = mul_shift(hi, i16::MAX, 15);
    assert_eq!(hidden_after(&file, 1), mul_shift(hi, c1 as i16, 15) as i16);
    // Over more steps the cell state climbs and saturates at i16::MAX
    // (f c + i g is about 2^16 there): h = o * i16::MAX.
    assert_eq!(hidden_after(&file, 4), mul_shift(hi, i16::MAX, 15) as i16);
    // A closed output gate (bias i32::MIN) gives h = round(lo * c).
    let closed = saturating_model([i32::MAX, i32::MAX, i32::MAX, i32::MIN], relu, 15);
    assert_eq!(hidden_after(&closed, 4), mul_shift(lo, i16::MAX, 15) as i16);
}

#[test]
fn the_cell_state_saturates_at_i16_min_for_a_tanh_cell() {
    // Candidate bias i32::MIN: g = tanh(i16::MIN) = -(2^15 - 2); with the
    // forget gate open the cell state falls to i16::MIN (cell_frac 12, so
    // -8.0) and stays there, h = o * tanh(-8.0).
    let file = saturating_model(
        [i32::MAX, i32::MAX, i32::MIN, i32::MAX],
        CellActivation::Tanh,
        12,
    );
    let hi = sigmoid(i16::MAX);
    let t = tanh(rescale(i16::MIN as i32, 12, 12));
    assert_eq!(t, -(i16::MAX - 1));
    let h = mul_shift(hi, t, 15) as i16;
    assert_eq!(hidden_after(&file, 12), h);
    assert_eq!(hidden_after(&file, 40), h);
}

#[test]
fn recurrent_part_saturated_at_i32_max_does_not_overflow_the_gate_sum() {
    // Regression (found by the mutate_model fuzz target): the recurrent
    // row's requantisation saturates at i32::MAX, and the gate sum added the
    // input part to it without saturating (an overflow panic in debug
    // builds, a wrapped negative pre-activation in release ones).
    let input = column(4, &[127; 4], i32::MAX, 0, true);
    let recurrent = column(4, &[127; 4], i32::MAX, 0, false);
    let bias = i32::MAX.to_le_bytes().repeat(4);
    let layer = RecurrentLayer {
        cell: Cell::Lstm,
        units: 1,
        activation: CellActivation::Tanh,
        cell_frac: 15,
        forward: DirectionWeights {
            input,
            recurrent,
            bias: &bias,
        },
        backward: None,
    };
    let head = Head {
        kind: HeadKind::Classify,
        groups: 1,
        dense: column(1, &[1], 1, 0, false),
        bias: &[0; 4],
        output_scale: 1.0,
    };
    let file = one_layer_file(layer, Outputs::EveryStep, head);
    let mut engine = Box::new(Small::new(Model::from_bytes(&file).unwrap()).unwrap());
    let mut out = [0i32; 3];
    assert_eq!(engine.predict(&[0, 0, 0], &mut out), Ok(3));
    // Every gate pre-activation saturates high: h > 0 after the first step
    // (h = 0 then, so the recurrent part is 0) and stays positive when the
    // recurrent part saturates.
    assert!(engine.hidden(0).unwrap()[0] > 0);
}
