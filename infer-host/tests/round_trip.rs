//! Host encoder to device decoder, field for field: models built by the
//! host tools (the quantiser, the file writer) over every type and enum
//! variant of the format are decoded by the engine's loader, and the
//! engine's view ([`infer_host::describe`]) must equal postcard's decoding
//! of the same bytes (the host's view, from the same serde description).

use std::collections::BTreeSet;

use infer_host::file::payload;
use infer_host::quantise::{
    quantise, FloatDirection, FloatInput, FloatLayer, FloatModel, FloatOutputs, PrecisionPolicy,
};
use infer_host::{describe, FileDesc};
use infer_nostd::format::{Cell, CellActivation, HeadKind, Input, Outputs};
use infer_nostd::Model;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn weights(rng: &mut StdRng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-0.8..0.8)).collect()
}

fn direction(rng: &mut StdRng, cell: Cell, units: usize, inputs: usize) -> FloatDirection {
    let rows = cell.gates() * units;
    FloatDirection {
        input: weights(rng, rows * inputs),
        recurrent: weights(rng, rows * units),
        bias: weights(rng, 4 * units),
    }
}

/// `units.len()` layers, the first reading `inputs` values.
fn stack(
    rng: &mut StdRng,
    units: &[usize],
    mut inputs: usize,
    bidirectional: bool,
    relu: bool,
) -> Vec<FloatLayer> {
    // A stack of tanh cells alternates GRU and LSTM layers.
    units
        .iter()
        .enumerate()
        .map(|(l, &u)| {
            let cell = if relu || l % 2 == 1 {
                Cell::Lstm
            } else {
                Cell::Gru
            };
            let layer = FloatLayer {
                cell,
                units: u,
                relu,
                forward: direction(rng, cell, u, inputs),
                backward: bidirectional.then(|| direction(rng, cell, u, inputs)),
            };
            inputs = u * if bidirectional { 2 } else { 1 };
            layer
        })
        .collect()
}

/// One model of a combination of variants.
struct Case {
    dense: bool,
    relu: bool,
    bidirectional: bool,
    outputs: u8,
    regress: bool,
    policy: PrecisionPolicy,
}

fn model(rng: &mut StdRng, c: &Case) -> FloatModel {
    let (input, width) = if c.dense {
        (FloatInput::Dense { features: 3 }, 3)
    } else {
        (FloatInput::OneHot { classes: 7 }, 7)
    };
    let encoder = stack(rng, &[6, 5], width, c.bidirectional, c.relu);
    let encoded = 5 * if c.bidirectional { 2 } else { 1 };
    let (outputs, head_in) = match c.outputs {
        0 => (FloatOutputs::LastStep, encoded),
        1 => (FloatOutputs::EveryStep, encoded),
        _ => (
            FloatOutputs::EncoderDecoder {
                steps: 3,
                decoder: stack(rng, &[4, 6], encoded, false, false),
            },
            6,
        ),
    };
    // Dense cases answer two predictions per step (a vector output).
    let groups = 1 + usize::from(c.dense);
    let rows = groups * if c.regress { 1 } else { 7 };
    FloatModel {
        label: "round trip".into(),
        window: 4,
        input,
        encoder,
        outputs,
        head_kind: if c.regress {
            HeadKind::Regress
        } else {
            HeadKind::Classify
        },
        head_groups: groups,
        head_weights: weights(rng, rows * head_in),
        head_bias: weights(rng, rows),
        // Masks in the bidirectional cases: one one-hot, one dense.
        masked: c.bidirectional,
        // Names in the ReLU cases: one per class, or one per value.
        names: match (c.relu, c.regress) {
            (false, _) => Vec::new(),
            (true, true) => (0..rows).map(|r| format!("value {r}")).collect(),
            (true, false) => (0..7).map(|c| format!("class {c}")).collect(),
        },
    }
}

/// The variants a description holds, by name.
fn variants(d: &FileDesc, seen: &mut BTreeSet<String>) {
    seen.insert(match d.input {
        Input::OneHot { .. } => "one-hot".into(),
        Input::Dense { .. } => "dense".into(),
    });
    seen.insert(format!("{:?}", d.head.kind));
    seen.insert(format!("groups {}", d.head.groups));
    seen.insert(
        if d.mask.is_some() {
            "masked"
        } else {
            "unmasked"
        }
        .into(),
    );
    seen.insert(
        if d.names.is_empty() {
            "unnamed"
        } else {
            "named"
        }
        .into(),
    );
    seen.insert(format!("head {:?}", d.head.dense.precision));
    let decoder = match &d.outputs {
        Outputs::LastStep => {
            seen.insert("last-step".into());
            None
        }
        Outputs::EveryStep => {
            seen.insert("every-step".into());
            None
        }
        Outputs::EncoderDecoder { decoder, .. } => {
            seen.insert("encoder-decoder".into());
            Some(decoder)
        }
    };
    for layer in d.encoder.iter().chain(decoder.into_iter().flatten()) {
        seen.insert(format!("{:?}", layer.cell));
        seen.insert(match layer.activation {
            CellActivation::Tanh => "tanh".into(),
            CellActivation::Relu { .. } => "relu".into(),
        });
        seen.insert(
            if layer.backward.is_some() {
                "bidirectional"
            } else {
                "forward"
            }
            .into(),
        );
        for w in std::iter::once(&layer.forward).chain(&layer.backward) {
            for m in [w.input, w.recurrent] {
                seen.insert(format!("{:?}", m.precision));
            }
        }
    }
}

#[test]
fn the_device_decodes_what_the_host_encodes_field_for_field() {
    let mut rng = StdRng::seed_from_u64(13);
    let mut seen = BTreeSet::new();
    let cases = [
        Case {
            dense: false,
            relu: false,
            bidirectional: false,
            outputs: 0,
            regress: false,
            policy: PrecisionPolicy::Int8,
        },
        Case {
            dense: true,
            relu: true,
            bidirectional: false,
            outputs: 1,
            regress: true,
            policy: PrecisionPolicy::Int16,
        },
        Case {
            dense: false,
            relu: false,
            bidirectional: true,
            outputs: 1,
            regress: false,
            policy: PrecisionPolicy::Int16,
        },
        Case {
            dense: false,
            relu: false,
            bidirectional: false,
            outputs: 2,
            regress: false,
            policy: PrecisionPolicy::Int8,
        },
        Case {
            dense: true,
            relu: false,
            bidirectional: true,
            outputs: 0,
            regress: true,
            policy: PrecisionPolicy::Int8,
        },
        Case {
            dense: false,
            relu: false,
            bidirectional: false,
            outputs: 2,
            regress: true,
            policy: PrecisionPolicy::Int16,
        },
    ];
    for case in &cases {
        let float = model(&mut rng, case);
        let calibration: Vec<Vec<f32>> = (0..16)
            .map(|_| {
                let width = if case.dense { 3 } else { 1 };
                (0..4 * width)
                    .map(|_| {
                        if case.dense {
                            rng.random_range(-2.0..2.0)
                        } else {
                            rng.random_range(0..7) as f32
                        }
                    })
                    .collect()
            })
            .collect();
        let file = quantise(&float, &calibration, case.policy).unwrap().bytes;
        let host: FileDesc = postcard::from_bytes(payload(&file).unwrap()).unwrap();
        let device = describe(&Model::from_bytes(&file).unwrap());
        assert_eq!(device, host);
        // And back: the host re-encodes the device's view to the same file.
        assert_eq!(infer_host::file::to_file_bytes(&device).unwrap(), file);
        variants(&host, &mut seen);
    }
    for variant in [
        "one-hot",
        "dense",
        "tanh",
        "relu",
        "forward",
        "bidirectional",
        "last-step",
        "every-step",
        "encoder-decoder",
        "Classify",
        "Regress",
        "Int8",
        "Int16",
        "masked",
        "unmasked",
        "named",
        "unnamed",
        "groups 1",
        "groups 2",
        "Lstm",
        "Gru",
    ] {
        assert!(seen.contains(variant), "no case covers {variant}: {seen:?}");
    }
}
