//! Golden vectors: small committed models and the exact integers the
//! fixed-point engine gives for committed windows. Any change to the
//! arithmetic or the format that alters one output fails here.
//!
//! To re-create them after a deliberate change, run
//! `GOLDEN_BLESS=1 cargo test --test golden` and review the diff.

use std::fmt::Write as _;
use std::path::PathBuf;

use echo_tests::random_model::{quantised_random, Topology};
use infer_host::quantise::{engine_window, PrecisionPolicy};
use infer_host::HostEngine;
use infer_nostd::Model;

/// The golden cases: a name, a topology, units and the precision policy.
const CASES: [(&str, Topology, usize, PrecisionPolicy); 6] = [
    (
        "many-to-one-int8",
        Topology::ManyToOne,
        8,
        PrecisionPolicy::Int8,
    ),
    (
        "many-to-many-int16",
        Topology::ManyToMany,
        8,
        PrecisionPolicy::Int16,
    ),
    (
        "encoder-decoder-int8",
        Topology::EncoderDecoder,
        8,
        PrecisionPolicy::Int8,
    ),
    ("stacked-int8", Topology::Stacked, 6, PrecisionPolicy::Int8),
    (
        "bidirectional-int8",
        Topology::Bidirectional,
        6,
        PrecisionPolicy::Int8,
    ),
    (
        "relu-regression-int16",
        Topology::ReluRegression,
        8,
        PrecisionPolicy::Int16,
    ),
];

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden")
}

/// One line per window: the window, then every raw head output.
fn vectors(bytes: &[u8], windows: &[Vec<i16>]) -> String {
    let model = Model::from_bytes(bytes).expect("golden model loads");
    let mut engine = Box::new(HostEngine::new(model.clone()).unwrap());
    let mut logits = vec![0i32; 256];
    let mut text = String::new();
    for w in windows {
        let n = engine.predict_logits(w, &mut logits).unwrap();
        let outs = &logits[..n * model.head_outputs()];
        let join = |v: &mut dyn Iterator<Item = String>| v.collect::<Vec<_>>().join(" ");
        writeln!(
            text,
            "{} | {}",
            join(&mut w.iter().map(i16::to_string)),
            join(&mut outs.iter().map(i32::to_string))
        )
        .unwrap();
    }
    text
}

fn parse_windows(text: &str) -> Vec<Vec<i16>> {
    text.lines()
        .map(|l| {
            l.split('|')
                .next()
                .unwrap()
                .split_whitespace()
                .map(|v| v.parse().unwrap())
                .collect()
        })
        .collect()
}

fn bless(name: &str, topology: Topology, units: usize, policy: PrecisionPolicy) {
    let q = quantised_random(topology, units, 10, 2024, 100, 7, policy);
    let model = Model::from_bytes(&q.bytes).unwrap();
    let windows: Vec<Vec<i16>> = q
        .windows
        .iter()
        .take(24)
        .map(|w| engine_window(&model, w))
        .collect();
    std::fs::write(dir().join(format!("{name}.elsm")), &q.bytes).unwrap();
    std::fs::write(
        dir().join(format!("{name}.txt")),
        vectors(&q.bytes, &windows),
    )
    .unwrap();
}

#[test]
fn golden_vectors_are_reproduced_exactly() {
    let blessing = std::env::var_os("GOLDEN_BLESS").is_some();
    for (name, topology, units, policy) in CASES {
        if blessing {
            bless(name, topology, units, policy);
        }
        let bytes =
            std::fs::read(dir().join(format!("{name}.elsm"))).expect("golden model committed");
        let expected = std::fs::read_to_string(dir().join(format!("{name}.txt"))).unwrap();
        let got = vectors(&bytes, &parse_windows(&expected));
        assert_eq!(got, expected, "golden vectors of {name} changed");
    }
}
