//! The fixed-point engine against the f32 reference (same file) and the
//! float network (before quantisation), on random models of every topology.

use echo_tests::random_model::{quantised_random, random_window, Rng, Topology};
use infer_host::quantise::{argmax, dequantise, engine_window, float_predict, PrecisionPolicy};
use infer_host::{HostEngine, HostReference};
use infer_nostd::format::Input;
use infer_nostd::Model;
use proptest::prelude::*;

/// Counts output steps where the fixed engine's prediction equals the f32
/// reference's, over `windows` random windows of one random model.
fn compare(topology: Topology, units: usize, seed: u64, windows: usize) -> (usize, usize) {
    let q = quantised_random(
        topology,
        units,
        10,
        seed,
        200,
        seed ^ 0xABCD,
        PrecisionPolicy::Int8,
    );
    let (float, mut rng) = (&q.float, Rng::new(seed ^ 0x1234));
    let model = Model::from_bytes(&q.bytes).expect("load");
    let mut fixed = Box::new(HostEngine::new(model.clone()).unwrap());
    let mut reference = Box::new(HostReference::new(model.clone()).unwrap());
    let (mut same, mut total) = (0, 0);
    let mut a = [0i32; 8];
    let mut b = [0i32; 8];
    for _ in 0..windows {
        let w = engine_window(&model, &random_window(float, &mut rng));
        let n = fixed.predict(&w, &mut a).unwrap();
        assert_eq!(reference.predict(&w, &mut b).unwrap(), n);
        if topology == Topology::ReluRegression {
            let tol = 0.01 * model.dequantise_output(b[0]).abs().max(1.0);
            same += ((model.dequantise_output(a[0]) - model.dequantise_output(b[0])).abs() <= tol)
                as usize;
        } else {
            same += a[..n].iter().zip(&b[..n]).filter(|(x, y)| x == y).count();
        }
        total += n;
    }
    (same, total)
}

#[test]
fn fixed_argmax_matches_f32_reference_on_every_topology() {
    for topology in Topology::ALL {
        let (mut same, mut total) = (0, 0);
        for seed in 0..6 {
            let (s, t) = compare(topology, 16 + 8 * seed as usize, seed, 1500);
            same += s;
            total += t;
        }
        let rate = same as f64 / total as f64;
        println!("{topology:?}: {same}/{total} = {rate:.5}");
        assert!(
            rate >= 0.999,
            "{topology:?}: fixed agrees with f32 on {rate:.5} of {total}"
        );
    }
}

#[test]
fn reference_path_matches_the_float_network_with_int16_weights() {
    // With int16 weights the reference's only difference from the float
    // network is weight rounding: logits agree closely.
    for topology in Topology::ALL {
        let q = quantised_random(topology, 12, 10, 7, 100, 99, PrecisionPolicy::Int16);
        let (float, calib) = (&q.float, &q.windows);
        let model = Model::from_bytes(&q.bytes).unwrap();
        let mut reference = Box::new(HostReference::new(model.clone()).unwrap());
        let mut logits = vec![0f32; 64];
        for w in &calib[..20] {
            let n = reference
                .predict_logits(&engine_window(&model, w), &mut logits)
                .unwrap();
            let expected = float_predict(float, w);
            let rows = model.head_outputs();
            for (step, exp) in expected.iter().enumerate().take(n) {
                let got = &logits[step * rows..(step + 1) * rows];
                let tol = if topology == Topology::ReluRegression {
                    0.05
                } else {
                    2e-3
                };
                for (g, e) in got.iter().zip(exp) {
                    assert!(
                        (g - e).abs() <= tol * e.abs().max(1.0),
                        "{topology:?}: {g} vs {e}"
                    );
                }
                let mut sorted = exp.clone();
                sorted.sort_by(|a, b| b.total_cmp(a));
                if topology != Topology::ReluRegression && sorted[0] - sorted[1] > 2.0 * tol {
                    assert_eq!(argmax(got), argmax(exp), "{topology:?}");
                }
            }
        }
    }
}

#[test]
fn dequantised_file_matches_the_reference_path_within_1e_4() {
    // The float network read back from a file, run as plain f32 matrices,
    // against the engine's f32 reference over the file itself: the layout
    // (gate order, column-major one-hot kernels, scales) is what it says.
    for topology in Topology::ALL {
        let q = quantised_random(topology, 12, 10, 11, 50, 5, PrecisionPolicy::Int8);
        let model = Model::from_bytes(&q.bytes).unwrap();
        let calib = &q.windows;
        let read_back = dequantise(&model);
        let mut reference = Box::new(HostReference::new(model.clone()).unwrap());
        let mut logits = vec![0f32; 64];
        let rows = model.head_outputs();
        for w in &calib[..20] {
            let window = engine_window(&model, w);
            let real: Vec<f32> = match model.input() {
                Input::OneHot { .. } => window.iter().map(|&v| v as f32).collect(),
                Input::Dense { scale, .. } => window.iter().map(|&v| v as f32 * scale).collect(),
            };
            let n = reference.predict_logits(&window, &mut logits).unwrap();
            let expected = float_predict(&read_back, &real);
            assert_eq!(expected.len(), n, "{topology:?}");
            for (step, exp) in expected.iter().enumerate() {
                for (g, e) in logits[step * rows..(step + 1) * rows].iter().zip(exp) {
                    assert!(
                        (g - e).abs() <= 1e-4 * e.abs().max(1.0),
                        "{topology:?}: {g} vs {e}"
                    );
                }
            }
        }
    }
}

fn topology() -> impl Strategy<Value = Topology> {
    prop::sample::select(Topology::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The fixed hidden state tracks the f32 one within 2^-7 (tanh cells:
    /// Q0.15 hidden state, so 2^-7 is 256 LSB).
    #[test]
    fn hidden_state_within_2_pow_minus_7(topology in topology(), units in 4usize..40, seed in any::<u64>()) {
        prop_assume!(!matches!(topology, Topology::Bidirectional | Topology::ReluRegression));
        let q = quantised_random(topology, units, 10, seed, 50, seed, PrecisionPolicy::Int8);
        let calib = &q.windows;
        let model = Model::from_bytes(&q.bytes).unwrap();
        let mut fixed = Box::new(HostEngine::new(model.clone()).unwrap());
        let mut reference = Box::new(HostReference::new(model.clone()).unwrap());
        let mut out = [0i32; 8];
        for w in &calib[..10] {
            let w = engine_window(&model, w);
            fixed.predict(&w, &mut out).unwrap();
            reference.predict(&w, &mut out).unwrap();
            let (hf, hr) = (fixed.hidden(0).unwrap(), reference.hidden(0).unwrap());
            for (a, b) in hf.iter().zip(hr) {
                let diff = (*a as f32 / 32768.0 - b).abs();
                prop_assert!(diff <= 1.0 / 128.0, "hidden differs by {diff}");
            }
        }
    }
}
