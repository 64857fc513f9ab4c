//! Every error the loader and the runner can return, each reached on
//! purpose; every truncation and every single-bit flip of real model files
//! refused with an error (never a panic, never a model).

use echo_tests::random_model::{random_model, random_window, Rng, Topology};
use infer_host::file::{frame, payload, to_file_bytes};
use infer_host::quantise::{quantise, PrecisionPolicy};
use infer_host::FileDesc;
use infer_host::HostEngine;
use infer_nostd::format::{
    CellActivation, HeadKind, Input, Matrix, Outputs, Precision, FORMAT_VERSION, HEADER_LEN,
    MAX_SHIFT,
};
use infer_nostd::{Detail, Engine, Error, Model};

/// A real quantised model file of `topology` (4 units, 4 classes, windows of 5).
fn model_file(topology: Topology) -> Vec<u8> {
    let float = random_model(topology, 4, 4, 5, 11);
    let mut rng = Rng::new(3);
    let calib: Vec<Vec<f32>> = (0..16).map(|_| random_window(&float, &mut rng)).collect();
    quantise(&float, &calib, PrecisionPolicy::Int8)
        .expect("quantise")
        .bytes
}

/// The model file of `topology`'s description after `edit`.
fn edited(topology: Topology, edit: impl FnOnce(&mut FileDesc)) -> Result<(), Error> {
    let file = model_file(topology);
    let mut desc = infer_host::describe(&Model::from_bytes(&file).expect("valid"));
    edit(&mut desc);
    let bytes = to_file_bytes(&desc).expect("encode");
    Model::from_bytes(&bytes).map(|_| ())
}

#[test]
fn framing_a_written_payload_gives_the_written_file() {
    let file = model_file(Topology::ManyToOne);
    assert_eq!(frame(payload(&file).unwrap()), file);
}

#[test]
fn shorter_than_the_header_is_truncated() {
    let file = model_file(Topology::ManyToOne);
    for n in 0..HEADER_LEN {
        assert_eq!(
            Model::from_bytes(&file[..n]),
            Err(Error::Truncated),
            "{n} bytes"
        );
    }
}

#[test]
fn wrong_magic_is_bad_magic() {
    let mut file = model_file(Topology::ManyToOne);
    file[0] = b'X';
    assert_eq!(Model::from_bytes(&file), Err(Error::BadMagic));
    assert_eq!(Model::from_bytes(b"\x7fELF\x01\x00"), Err(Error::BadMagic));
}

#[test]
fn versions_other_than_the_current_are_refused() {
    let mut file = model_file(Topology::ManyToOne);
    for (version, want) in [
        (FORMAT_VERSION + 1, Error::FutureVersion(FORMAT_VERSION + 1)),
        (u16::MAX, Error::FutureVersion(u16::MAX)),
        (0, Error::UnsupportedVersion(0)),
    ] {
        file[4..6].copy_from_slice(&version.to_le_bytes());
        assert_eq!(Model::from_bytes(&file), Err(want));
    }
}

#[test]
fn a_corrupt_checksum_is_bad_crc() {
    let mut file = model_file(Topology::ManyToOne);
    *file.last_mut().unwrap() ^= 0x80;
    assert_eq!(Model::from_bytes(&file), Err(Error::BadCrc));
    let mut file = model_file(Topology::ManyToOne);
    let mid = file.len() / 2;
    file[mid] = file[mid].wrapping_add(1);
    assert!(Model::from_bytes(&file).is_err());
}

#[test]
fn an_undecodable_payload_is_malformed() {
    // The payload of a many-to-one model starts: label length (one byte),
    // label, window (5: one byte), input tag, class count (4: one byte),
    // the encoder's layer count.
    let file = model_file(Topology::ManyToOne);
    let good = payload(&file).expect("a model file");
    let tag = 1 + usize::from(good[0]) + 1;
    let count = tag + 2;
    assert_eq!(
        (good[tag], good[count]),
        (0, 1),
        "payload layout as expected"
    );

    let mut bad_tag = good.to_vec();
    bad_tag[tag] = 9;
    assert_eq!(Model::from_bytes(&frame(&bad_tag)), Err(Error::Malformed));

    let mut bad_utf8 = good.to_vec();
    bad_utf8[1] = 0xFF;
    assert_eq!(Model::from_bytes(&frame(&bad_utf8)), Err(Error::Malformed));

    // Five well-formed layers, one more than a stack holds. A layer's bytes
    // are what an encoder with no layers lacks.
    let mut desc = infer_host::describe(&Model::from_bytes(&file).unwrap());
    desc.encoder.clear();
    let empty = to_file_bytes(&desc).unwrap();
    let layer =
        &good[count + 1..count + 1 + good.len() - payload(&empty).expect("a model file").len()];
    let mut five = good[..count].to_vec();
    five.push(5);
    for _ in 0..5 {
        five.extend_from_slice(layer);
    }
    five.extend_from_slice(&good[count + 1 + layer.len()..]);
    assert_eq!(Model::from_bytes(&frame(&five)), Err(Error::Malformed));
}

#[test]
fn bytes_after_the_checksum_are_trailing() {
    let mut file = model_file(Topology::ManyToOne);
    file.push(0);
    assert_eq!(Model::from_bytes(&file), Err(Error::TrailingBytes));
}

#[test]
fn written_files_word_align_every_matrix() {
    // The Cortex-M4 kernels load row groups by whole words: the writer
    // pads each matrix so its weights start at a multiple of four bytes
    // from the file's start, whatever the lengths before them.
    for topology in Topology::ALL {
        for policy in [PrecisionPolicy::Int8, PrecisionPolicy::Int16] {
            let float = random_model(topology, 5, 7, 5, 2);
            let mut rng = Rng::new(1);
            let calib: Vec<Vec<f32>> = (0..8).map(|_| random_window(&float, &mut rng)).collect();
            let file = quantise(&float, &calib, policy).unwrap().bytes;
            let desc = infer_host::describe(&Model::from_bytes(&file).unwrap());
            let stacks = [
                Some(&desc.encoder),
                match &desc.outputs {
                    Outputs::EncoderDecoder { decoder, .. } => Some(decoder),
                    _ => None,
                },
            ];
            let mut matrices = vec![desc.head.dense];
            for layer in stacks.into_iter().flatten().flatten() {
                for w in std::iter::once(&layer.forward).chain(&layer.backward) {
                    matrices.extend([w.input, w.recurrent]);
                }
            }
            for m in matrices {
                let offset = m.values.as_ptr() as usize - file.as_ptr() as usize;
                assert_eq!(offset % 4, 0, "{topology:?} {policy:?}");
            }
        }
    }
}

#[test]
fn include_model_embeds_a_word_aligned_file() {
    static MODEL: &[u8] = infer_nostd::include_model!("models/echo-whole.elsm");
    assert_eq!(MODEL.as_ptr() as usize % 4, 0);
    assert_eq!(
        MODEL,
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/models/echo-whole.elsm"
        ))
        .unwrap()
    );
    assert!(Model::from_bytes(MODEL).is_ok());
}

#[test]
fn every_truncation_is_an_error() {
    for topology in Topology::ALL {
        let file = model_file(topology);
        assert!(Model::from_bytes(&file).is_ok());
        for n in 0..file.len() {
            let got = Model::from_bytes(&file[..n]);
            assert_eq!(
                got,
                Err(Error::Truncated),
                "{topology:?} cut to {n} of {} bytes",
                file.len()
            );
        }
    }
}

#[test]
fn every_single_bit_flip_is_an_error() {
    let mut flips = 0;
    for topology in Topology::ALL {
        let file = model_file(topology);
        let mut copy = file.clone();
        for i in 0..file.len() {
            for bit in 0..8 {
                copy[i] ^= 1 << bit;
                assert!(
                    Model::from_bytes(&copy).is_err(),
                    "{topology:?}: byte {i} bit {bit} flipped"
                );
                copy[i] = file[i];
                flips += 1;
            }
        }
    }
    assert!(flips > 10_000, "only {flips} flips tried");
}

/// An edit of a topology's model and the message of the error it must cause.
type Case = (Topology, fn(&mut FileDesc), &'static str);

/// A stand-in tensor of `n` bytes: the validation checks lengths first.
fn zeros(n: usize) -> &'static [u8] {
    Box::leak(vec![0u8; n].into_boxed_slice())
}

#[test]
fn shape_errors() {
    use Topology::*;
    let shape = |t, edit: fn(&mut FileDesc)| match edited(t, edit) {
        Err(Error::Shape(what)) => what.as_str(),
        other => panic!("{t:?}: expected a shape error, got {other:?}"),
    };
    let cases: [Case; 18] = [
        (
            ManyToOne,
            |d| d.encoder[0].forward.input.rows += 1,
            "LSTM input kernel",
        ),
        (
            ManyToOne,
            |d| d.encoder[0].forward.input.values = zeros(3),
            "LSTM input kernel",
        ),
        (
            ManyToOne,
            |d| d.encoder[0].forward.input.multipliers = zeros(4),
            "LSTM input kernel",
        ),
        (
            ManyToOne,
            |d| d.encoder[0].forward.recurrent.shifts = zeros(1),
            "LSTM recurrent kernel",
        ),
        (
            ManyToOne,
            |d| d.encoder[0].forward.recurrent.cols += 1,
            "LSTM recurrent kernel",
        ),
        (
            ManyToOne,
            |d| d.encoder[0].forward.bias = zeros(4),
            "LSTM bias",
        ),
        (
            Bidirectional,
            |d| d.encoder[0].backward.as_mut().unwrap().bias = zeros(0),
            "LSTM bias",
        ),
        (ManyToOne, |d| d.encoder.clear(), "empty LSTM stack"),
        (
            ManyToOne,
            |d| d.encoder[0].units = 0,
            "LSTM layer without units",
        ),
        (
            ManyToOne,
            |d| d.input = Input::OneHot { classes: 0 },
            "one-hot input without classes",
        ),
        (
            ReluRegression,
            |d| {
                d.input = Input::Dense {
                    features: 0,
                    scale: 1.0,
                }
            },
            "dense input without features",
        ),
        (
            EncoderDecoder,
            |d| set_decoder_steps(d, 0),
            "encoder-decoder without output steps",
        ),
        (ManyToOne, |d| d.head.dense.rows = 0, "head without outputs"),
        (ManyToOne, |d| d.head.dense.cols += 1, "head weights"),
        (
            ManyToOne,
            |d| d.head.kind = HeadKind::Regress,
            "regression head with more than one output per group",
        ),
        (
            Vector,
            |d| d.head.groups = 0,
            "head rows not in whole, non-empty groups",
        ),
        (
            Vector,
            |d| d.head.groups = d.head.dense.rows + 1,
            "head rows not in whole, non-empty groups",
        ),
        (ManyToOne, |d| d.head.bias = zeros(1), "head bias"),
    ];
    for (t, edit, want) in cases {
        assert_eq!(shape(t, edit), want, "{t:?}");
    }
}

#[test]
fn a_matrix_wider_than_511_columns_is_a_shape_error() {
    let got = edited(Topology::ManyToOne, |d| {
        let units = d.encoder[0].units as usize;
        let cols = 512;
        d.input = Input::OneHot {
            classes: cols as u16,
        };
        let m = &mut d.encoder[0].forward.input;
        m.cols = cols as u16;
        m.values = zeros(4 * units * cols);
    });
    assert_eq!(got, Err(Error::Shape(Detail::MatrixTooWide)));
    assert_eq!(
        Detail::MatrixTooWide.as_str(),
        "matrix wider than 511 columns"
    );
}

fn set_decoder_steps(d: &mut FileDesc, n: u16) {
    if let Outputs::EncoderDecoder { steps, .. } = &mut d.outputs {
        *steps = n;
    }
}

#[test]
fn parameter_errors() {
    use Topology::*;
    let cases: [Case; 9] = [
        (
            ManyToOne,
            |d| d.encoder[0].forward.recurrent.shifts = shifts_of(d, MAX_SHIFT + 1),
            "requantisation shift",
        ),
        (
            ManyToOne,
            |d| d.head.dense.multipliers = negative_multipliers(d.head.dense),
            "negative multiplier",
        ),
        (
            ManyToOne,
            |d| d.encoder[0].cell_frac = 16,
            "cell fraction bits",
        ),
        (
            ReluRegression,
            |d| relu_fracs(d, 16, 0),
            "candidate fraction bits",
        ),
        (
            ReluRegression,
            |d| relu_fracs(d, 0, 16),
            "hidden fraction bits",
        ),
        (
            ReluRegression,
            |d| {
                d.input = Input::Dense {
                    features: 1,
                    scale: 0.0,
                }
            },
            "input scale",
        ),
        (
            ReluRegression,
            |d| {
                d.input = Input::Dense {
                    features: 1,
                    scale: f32::NAN,
                }
            },
            "input scale",
        ),
        (
            ManyToOne,
            |d| d.head.output_scale = f32::INFINITY,
            "output scale",
        ),
        (ManyToOne, |d| d.head.output_scale = -1.0, "output scale"),
    ];
    for (t, edit, want) in cases {
        match edited(t, edit) {
            Err(Error::Parameter(what)) => assert_eq!(what.as_str(), want, "{t:?}"),
            other => panic!("{t:?}: expected a parameter error, got {other:?}"),
        }
    }
}

fn shifts_of(d: &FileDesc, s: u8) -> &'static [u8] {
    let n = d.encoder[0].forward.recurrent.shifts.len();
    Box::leak(vec![s; n].into_boxed_slice())
}

fn negative_multipliers(m: Matrix) -> &'static [u8] {
    let mut bytes = m.multipliers.to_vec();
    bytes[..4].copy_from_slice(&(-1i32).to_le_bytes());
    Box::leak(bytes.into_boxed_slice())
}

fn relu_fracs(d: &mut FileDesc, candidate_frac: u8, hidden_frac: u8) {
    d.encoder[0].activation = CellActivation::Relu {
        candidate_frac,
        hidden_frac,
    };
}

#[test]
fn loader_never_returns_a_runner_error() {
    // The loader's errors and the runner's are disjoint: a truncated or
    // flipped file never reports a window or capacity problem.
    let file = model_file(Topology::Stacked);
    for n in 0..file.len() {
        let e = Model::from_bytes(&file[..n]).unwrap_err();
        assert!(!matches!(
            e,
            Error::InputOutOfRange
                | Error::WindowLength
                | Error::OutputTooShort
                | Error::NotStreamable
                | Error::OverCapacity(_)
        ));
    }
}

/// The message of an `OverCapacity` error (anything else fails the test).
fn over<R>(made: Result<R, Error>) -> &'static str {
    match made {
        Err(Error::OverCapacity(what)) => what.as_str(),
        Err(e) => panic!("expected over capacity, got {e:?}"),
        Ok(_) => panic!("expected over capacity, got an engine"),
    }
}

#[test]
fn over_capacity_is_refused_by_the_runner() {
    let load = |t| Model::from_bytes(Box::leak(model_file(t).into_boxed_slice())).unwrap();
    assert_eq!(
        over(Engine::<3, 2, 5>::new(load(Topology::ManyToOne))),
        "more units than the engine holds"
    );
    assert_eq!(
        over(Engine::<4, 1, 5>::new(load(Topology::Stacked))),
        "more layers than the engine holds"
    );
    assert_eq!(
        over(Engine::<4, 2, 4>::new(load(Topology::Bidirectional))),
        "window longer than the sequence buffer"
    );
    assert_eq!(
        over(Engine::<4, 2, 0>::new(load(Topology::Bidirectional))),
        "window longer than the sequence buffer"
    );
    // Dense input wider than the engine's input buffer (2H values).
    let wide = edited_model(Topology::ReluRegression, |d, keep| {
        let features = 9;
        d.input = Input::Dense {
            features,
            scale: 0.5,
        };
        let m = &mut d.encoder[0].forward.input;
        m.cols = features;
        m.values = keep(vec![0; m.grouped_len()]);
    });
    assert_eq!(
        over(Engine::<4, 2, 5>::new(wide)),
        "more input features than the engine holds"
    );
    // A bidirectional decoder longer than the sequence buffer.
    let long = edited_model(Topology::EncoderDecoder, |d, _| {
        if let Outputs::EncoderDecoder { steps, decoder } = &mut d.outputs {
            *steps = 6;
            let layer = &mut decoder[0];
            layer.backward = Some(layer.forward);
        }
        // The head now reads both decoder directions.
        let m = &mut d.head.dense;
        m.cols *= 2;
        m.values = Box::leak(vec![0; m.grouped_len()].into_boxed_slice());
    });
    assert_eq!(
        over(Engine::<4, 2, 5>::new(long)),
        "decoder longer than the sequence buffer"
    );
}

#[test]
fn an_encoder_decoder_needs_the_layers_of_one_stack() {
    // The decoder runs in the encoder's state slots: one layer each fits
    // an engine of one layer, and predicts what a roomier engine does.
    let bytes = model_file(Topology::EncoderDecoder);
    let model = Model::from_bytes(&bytes).unwrap();
    let mut small = Engine::<4, 1, 0>::new(model.clone()).unwrap();
    let mut host = Box::new(HostEngine::new(model.clone()).unwrap());
    let mut rng = Rng::new(8);
    let float = random_model(Topology::EncoderDecoder, 4, 4, 5, 11);
    let (mut a, mut b) = ([0i32; 8], [0i32; 8]);
    for _ in 0..50 {
        let w: Vec<i16> = random_window(&float, &mut rng)
            .iter()
            .map(|&v| v as i16)
            .collect();
        assert_eq!(small.predict(&w, &mut a), host.predict(&w, &mut b));
        assert_eq!(a, b);
        assert_eq!(small.hidden(0), host.hidden(0));
    }
}

/// The model of `topology` after `edit`, which may keep new tensors alive
/// through its second argument.
fn edited_model(
    topology: Topology,
    edit: impl FnOnce(&mut FileDesc<'static>, &dyn Fn(Vec<u8>) -> &'static [u8]),
) -> Model<'static> {
    let file: &'static [u8] = Box::leak(model_file(topology).into_boxed_slice());
    let mut desc = infer_host::describe(&Model::from_bytes(file).unwrap());
    edit(&mut desc, &|v| Box::leak(v.into_boxed_slice()));
    let bytes: &'static [u8] = Box::leak(to_file_bytes(&desc).unwrap().into_boxed_slice());
    Model::from_bytes(bytes).expect("the edited model is valid")
}

#[test]
fn runner_errors() {
    let file = model_file(Topology::ManyToMany);
    let model = Model::from_bytes(&file).unwrap();
    let mut engine = Box::new(HostEngine::new(model).unwrap());
    let mut out = [0i32; 16];
    let mut logits = [0i32; 64];
    // One-hot values outside 0..4.
    assert_eq!(
        engine.predict(&[0, 1, 4, 2, 3], &mut out),
        Err(Error::InputOutOfRange)
    );
    assert_eq!(
        engine.predict(&[0, 1, -1, 2, 3], &mut out),
        Err(Error::InputOutOfRange)
    );
    assert_eq!(
        engine.push(&[i16::MAX], &mut [0]),
        Err(Error::InputOutOfRange)
    );
    // Windows of the wrong length (the model was trained on 5 steps).
    assert_eq!(engine.predict(&[], &mut out), Err(Error::WindowLength));
    assert_eq!(engine.predict(&[0; 4], &mut out), Err(Error::WindowLength));
    assert_eq!(
        engine.predict_logits(&[0; 6], &mut logits),
        Err(Error::WindowLength)
    );
    assert_eq!(engine.push(&[], &mut [0]), Err(Error::WindowLength));
    assert_eq!(engine.push(&[0, 1], &mut [0]), Err(Error::WindowLength));
    // Output buffers too short: 5 steps, 5 x 4 logits, 4 logits per push.
    assert_eq!(
        engine.predict(&[0; 5], &mut out[..4]),
        Err(Error::OutputTooShort)
    );
    assert_eq!(
        engine.predict_logits(&[0; 5], &mut logits[..19]),
        Err(Error::OutputTooShort)
    );
    assert_eq!(
        engine.push_logits(&[0], &mut logits[..3]),
        Err(Error::OutputTooShort)
    );
    // And the same calls succeed when everything fits.
    assert_eq!(engine.predict(&[0, 1, 2, 3, 0], &mut out), Ok(5));
    assert_eq!(engine.predict_logits(&[0; 5], &mut logits[..20]), Ok(5));
    assert!(engine.push_logits(&[3], &mut logits[..4]).is_ok());

    // Dense input: a window must be whole timesteps.
    let wide = edited_model(Topology::ReluRegression, |d, keep| {
        d.input = Input::Dense {
            features: 2,
            scale: 0.5,
        };
        let m = &mut d.encoder[0].forward.input;
        m.cols = 2;
        m.values = keep(vec![1; m.grouped_len()]);
    });
    let mut dense = Box::new(HostEngine::new(wide).unwrap());
    assert_eq!(dense.predict(&[0; 9], &mut out), Err(Error::WindowLength));
    assert_eq!(dense.predict(&[i16::MIN; 10], &mut out), Ok(1));
    assert_eq!(dense.push(&[0], &mut [0]), Err(Error::WindowLength));
    assert!(dense.push(&[i16::MAX, i16::MIN], &mut [0]).is_ok());

    // A vector output: one prediction per group of head rows, each a
    // class of its own group.
    let file = model_file(Topology::Vector);
    let vector = Model::from_bytes(&file).unwrap();
    let groups = echo_tests::random_model::VECTOR_GROUPS;
    assert_eq!(vector.predictions(5), groups);
    let classes = vector.outputs_per_prediction();
    assert_eq!(classes * groups, vector.head_outputs());
    let mut engine = Box::new(HostEngine::new(vector).unwrap());
    let mut out = vec![-1; groups];
    assert_eq!(
        engine.predict(&[0; 5], &mut out[..groups - 1]),
        Err(Error::OutputTooShort)
    );
    assert_eq!(
        engine.push(&[0], &mut out[..groups - 1]),
        Err(Error::OutputTooShort)
    );
    assert_eq!(engine.predict(&[0, 1, 2, 3, 0], &mut out), Ok(groups));
    assert!(out.iter().all(|c| (0..classes as i32).contains(c)));
    engine.reset();
    assert_eq!(engine.push(&[0], &mut out), Ok(groups));
}

#[test]
fn bidirectional_and_encoder_decoder_models_do_not_stream() {
    for topology in [Topology::Bidirectional, Topology::EncoderDecoder] {
        let file = model_file(topology);
        let mut engine = Box::new(HostEngine::new(Model::from_bytes(&file).unwrap()).unwrap());
        assert_eq!(
            engine.push(&[0], &mut [0]),
            Err(Error::NotStreamable),
            "{topology:?}"
        );
        assert_eq!(
            engine.push_logits(&[0], &mut [0; 8]),
            Err(Error::NotStreamable)
        );
        // A whole window still runs.
        assert!(engine.predict(&[0, 1, 2, 3, 0], &mut [0; 8]).is_ok());
    }
}

#[test]
fn a_bidirectional_window_longer_than_the_buffer_is_refused() {
    // An any-length bidirectional model: windows beyond T steps cannot run.
    let any = edited_model(Topology::Bidirectional, |d, _| d.window = 0);
    let mut engine = Box::new(Engine::<4, 2, 8>::new(any).unwrap());
    let mut out = [0i32; 1];
    assert_eq!(engine.predict(&[0; 8], &mut out), Ok(1));
    assert_eq!(engine.predict(&[0; 9], &mut out), Err(Error::WindowLength));
}

#[test]
fn all_int16_weights_load_and_run() {
    // The precision tag is per tensor: flip the head to int16 with the
    // matching byte length and the model is still valid.
    let model = edited_model(Topology::ManyToOne, |d, keep| {
        let m = &mut d.head.dense;
        m.precision = Precision::Int16;
        m.values = keep(
            m.values
                .iter()
                .flat_map(|&b| i16::from(b as i8).to_le_bytes())
                .collect(),
        );
    });
    let mut engine = Box::new(HostEngine::new(model).unwrap());
    assert!(engine.predict(&[0, 1, 2, 3, 0], &mut [0; 1]).is_ok());
}
