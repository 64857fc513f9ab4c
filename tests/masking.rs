//! Masked steps behave as Keras' `Masking`: every layer's state passes
//! through a pad step unchanged and an output taken at it is the step
//! before's. Checked against a hand-computed one-unit LSTM, then exactly
//! (integers) on every path of the engine: a window with pad steps gives
//! the outputs of the window without them, and so does a stream. A model
//! without a mask refuses the pad value, and a pad value that is a class
//! is refused at load.

use echo_tests::random_model::{random_model, Topology};
use infer_host::file::to_file_bytes;
use infer_host::quantise::{
    float_predict, quantise, FloatDirection, FloatInput, FloatLayer, FloatModel, FloatOutputs,
    PrecisionPolicy,
};
use infer_host::{describe, HostEngine, HostReference};
use infer_nostd::format::{Cell, HeadKind};
use infer_nostd::{Detail, Error, Model};

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// One unit, one dense feature, every step, a regression head `2 h + 0.1`.
/// Gate weights (input, forget, cell, output): input kernel `wx`,
/// recurrent `wh`, bias `b`.
fn one_unit() -> FloatModel {
    FloatModel {
        label: "one unit".into(),
        window: 0,
        input: FloatInput::Dense { features: 1 },
        encoder: vec![FloatLayer {
            cell: Cell::Lstm,
            units: 1,
            relu: false,
            forward: FloatDirection {
                input: vec![0.9, -0.4, 1.3, 0.6],
                recurrent: vec![0.5, 0.8, -0.7, 0.3],
                bias: vec![0.1, 1.0, -0.2, 0.05],
            },
            backward: None,
        }],
        outputs: FloatOutputs::EveryStep,
        head_kind: HeadKind::Regress,
        head_groups: 1,
        head_weights: vec![2.0],
        head_bias: vec![0.1],
        masked: true,
        names: Vec::new(),
    }
}

/// The same unit computed by hand: one step from `(h, c)` on input `x`.
fn lstm_step(x: f64, h: f64, c: f64) -> (f64, f64) {
    let g = |k: usize| {
        let m = one_unit();
        let w = &m.encoder[0].forward;
        w.input[k] as f64 * x + w.recurrent[k] as f64 * h + w.bias[k] as f64
    };
    let (i, f, o) = (sigmoid(g(0)), sigmoid(g(1)), sigmoid(g(3)));
    let c = f * c + i * g(2).tanh();
    (o * c.tanh(), c)
}

#[test]
fn a_pad_step_carries_the_state_as_keras_masking_does() {
    // Keras: Masking(mask_value) before LSTM(1, return_sequences=True):
    // at a masked step the states are carried and the output repeats.
    let (h1, c1) = lstm_step(0.5, 0.0, 0.0);
    let (h3, _) = lstm_step(-0.25, h1, c1);
    let head = |h: f64| 2.0 * h + 0.1;
    let expected = [head(h1), head(h1), head(h3)];
    let model = one_unit();
    let got = float_predict(&model, &[0.5, f32::NAN, -0.25]);
    for (g, e) in got.iter().zip(expected) {
        assert!((g[0] as f64 - e).abs() < 1e-6, "{got:?} vs {expected:?}");
    }
    // A masked first step leaves the zero state: its output is the head's bias.
    let got = float_predict(&model, &[f32::NAN, 0.5]);
    assert!((got[0][0] as f64 - head(0.0)).abs() < 1e-6);
    assert!((got[1][0] as f64 - head(h1)).abs() < 1e-6);

    // The file: its f32 reference follows the float model, and the fixed
    // engine masks exactly.
    let calibration = vec![vec![0.5, -0.25, 1.0, -1.0]];
    let file = quantise(&model, &calibration, PrecisionPolicy::Int16)
        .unwrap()
        .bytes;
    let loaded = Model::from_bytes(&file).unwrap();
    assert_eq!(loaded.mask(), Some(i16::MIN));
    let window: Vec<i16> = [0.5, f32::NAN, -0.25]
        .iter()
        .map(|&x| loaded.quantise_input(x))
        .collect();
    assert_eq!(window[1], i16::MIN, "NaN quantises to the pad value");
    // No real value quantises to the pad: the lowest saturates one above.
    assert_eq!(loaded.quantise_input(-1e9), i16::MIN + 1);
    assert_eq!(loaded.quantise_input(1e9), i16::MAX);
    let mut reference = Box::new(HostReference::new(loaded.clone()).unwrap());
    let mut out = [0f32; 3];
    reference.predict_logits(&window, &mut out).unwrap();
    for (g, e) in out.iter().zip(expected) {
        assert!((*g as f64 - e).abs() < 1e-2, "{out:?} vs {expected:?}");
    }
    let mut engine = Box::new(HostEngine::new(loaded.clone()).unwrap());
    let mut masked = [0i32; 3];
    engine.predict(&window, &mut masked).unwrap();
    let mut plain = [0i32; 2];
    engine.predict(&[window[0], window[2]], &mut plain).unwrap();
    assert_eq!(masked, [plain[0], plain[0], plain[1]]);
    // Streaming: a pad step answers from the unchanged state.
    engine.reset();
    let streamed: Vec<i32> = window
        .chunks(1)
        .flat_map(|s| {
            let mut one = [0];
            engine.push(s, &mut one).unwrap();
            one
        })
        .collect();
    assert_eq!(streamed, masked);
}

/// `topology`'s random model with a mask, window of any length.
fn masked_model(topology: Topology) -> Vec<u8> {
    let mut float = random_model(topology, 6, 7, 0, 0x3A5C);
    float.masked = true;
    let calibration: Vec<Vec<f32>> = (0..32)
        .map(|i| (0..5).map(|t| ((i * 5 + t) % 7) as f32).collect())
        .collect();
    quantise(&float, &calibration, PrecisionPolicy::Int8)
        .unwrap()
        .bytes
}

#[test]
fn every_path_masks_exactly_what_it_is_told() {
    // Pad steps (class 7, one past the last) inserted into a window give
    // the window's outputs without them: at every output step kept, at
    // the last step, and through an encoder-decoder's context.
    let plain: Vec<i16> = vec![3, 1, 4, 1, 5];
    let padded: Vec<i16> = vec![7, 3, 1, 7, 7, 4, 1, 5, 7];
    let kept: Vec<usize> = (0..padded.len()).filter(|&t| padded[t] != 7).collect();
    for topology in Topology::ALL {
        if matches!(topology, Topology::ReluRegression | Topology::GruMixed) {
            continue; // dense: the hand-computed case above
        }
        let file = masked_model(topology);
        let model = Model::from_bytes(&file).unwrap();
        assert_eq!(model.mask(), Some(7));
        let mut engine = Box::new(HostEngine::new(model.clone()).unwrap());
        let mut a = vec![0i32; 16];
        let mut b = vec![0i32; 16];
        let n = engine.predict(&plain, &mut a).unwrap();
        let m = engine.predict(&padded, &mut b).unwrap();
        match topology {
            Topology::ManyToMany | Topology::Stacked | Topology::GruManyToMany => {
                let at_kept: Vec<i32> = kept.iter().map(|&t| b[t]).collect();
                assert_eq!(at_kept, a[..n], "{topology:?}");
                // A masked step repeats the step before (the zero state first).
                assert_eq!(b[4], b[3], "{topology:?}");
            }
            _ => assert_eq!(b[..m], a[..n], "{topology:?}"),
        }
    }
}

#[test]
fn the_pad_value_is_refused_where_the_model_has_no_mask() {
    let float = random_model(Topology::ManyToMany, 6, 7, 0, 0x3A5C);
    let calibration = vec![vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]];
    let file = quantise(&float, &calibration, PrecisionPolicy::Int8)
        .unwrap()
        .bytes;
    let model = Model::from_bytes(&file).unwrap();
    assert_eq!(model.mask(), None);
    let mut engine = Box::new(HostEngine::new(model).unwrap());
    let mut out = [0i32; 8];
    assert_eq!(
        engine.predict(&[3, 7, 4], &mut out),
        Err(Error::InputOutOfRange)
    );
    assert_eq!(engine.push(&[7], &mut [0]), Err(Error::InputOutOfRange));

    // A mask whose pad value is a class cannot be told from it: refused.
    let masked = masked_model(Topology::ManyToMany);
    let loaded = Model::from_bytes(&masked).unwrap();
    let mut desc = describe(&loaded);
    desc.mask = Some(2);
    let bad = to_file_bytes(&desc).unwrap();
    assert_eq!(
        Model::from_bytes(&bad).err(),
        Some(Error::Parameter(Detail::PadValue))
    );
}
