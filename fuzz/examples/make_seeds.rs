//! Writes the seed corpora of both fuzz targets: real exported models of
//! every topology (int8, int16 and mixed precision, trained-length and
//! any-length windows), each with a script exercising every call.
//!
//! Run from the repository root:
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --example make_seeds
//! ```
//!
//! Output is deterministic; it replaces `fuzz/seeds/{load_and_run,mutate_model}`.

use std::fs;
use std::path::Path;

use echo_tests::random_model::{random_model, random_window, Rng, Topology};
use infer_host::file::{payload, to_file_bytes};
use infer_host::quantise::{quantise, PrecisionPolicy};
use infer_host::FileDesc;
use infer_nostd::format::Input;
use infer_nostd_fuzz::join_input;

/// A script that makes every kind of call (see `src/lib.rs` for the
/// encoding): probe bytes, a runner choice, then predict, predict_logits,
/// stream-vs-window, push, push_logits and reset, with random values.
fn script(runner: u8, rng: &mut Rng) -> Vec<u8> {
    let mut s = vec![5, 0, 0, 0x80, 0x3f, 7, 0, 0, 0, runner];
    for op in [0u8, 1, 5, 2, 3, 4, 2] {
        s.push(op);
        if matches!(op, 0 | 1 | 5) {
            s.push(0); // the trained window length (5 steps if any length)
        } else if matches!(op, 2 | 3) {
            s.push(0); // a step of the right width
        }
        for _ in 0..10 {
            s.push((rng.next_u64() % 251) as u8);
        }
        if op == 0 {
            s.push(0); // an output buffer of the right length
        }
    }
    s
}

/// The same model file accepting windows of any length, with a mask (the
/// pad value the quantiser gives: one past the last class, or `i16::MIN`
/// for dense input), so half the seeds reach the masked paths.
fn any_length_masked(file: &[u8]) -> Vec<u8> {
    let bytes = payload(file).expect("a model file");
    let (mut desc, _) = postcard::take_from_bytes::<FileDesc<'_>>(bytes).expect("decodes");
    desc.window = 0;
    desc.mask = Some(match desc.input {
        Input::OneHot { classes } => classes as i16,
        Input::Dense { .. } => i16::MIN,
    });
    to_file_bytes(&desc).expect("encodes")
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let dirs = [root.join("load_and_run"), root.join("mutate_model")];
    for dir in &dirs {
        let _ = fs::remove_dir_all(dir);
        fs::create_dir_all(dir).expect("create seed directory");
    }
    let policies = [
        ("int8", PrecisionPolicy::Int8),
        ("int16", PrecisionPolicy::Int16),
        (
            "auto",
            PrecisionPolicy::Auto {
                target_agreement: 1.0,
            },
        ),
    ];
    let (mut count, mut bytes) = (0, 0);
    for (t, topology) in Topology::ALL.into_iter().enumerate() {
        for (p, (name, policy)) in policies.into_iter().enumerate() {
            let seed = (t * 16 + p) as u64;
            let units = 3 + (t + p) % 4;
            let float = random_model(topology, units, 4, 5, seed);
            let mut rng = Rng::new(seed);
            let calib: Vec<Vec<f32>> = (0..32).map(|_| random_window(&float, &mut rng)).collect();
            let file = quantise(&float, &calib, policy).expect("quantise").bytes;
            let variants = [
                ("w5", file.clone()),
                ("any-masked", any_length_masked(&file)),
            ];
            for (v, (window, file)) in variants.into_iter().enumerate() {
                let s = script(((t + p + v) % 3) as u8, &mut rng);
                let stem = format!("{topology:?}-{name}-{window}");
                let load = join_input(&s, &file);
                let mutate = join_input(&s, payload(&file).expect("a model file"));
                fs::write(dirs[0].join(&stem), &load).expect("write seed");
                fs::write(dirs[1].join(&stem), &mutate).expect("write seed");
                count += 1;
                bytes += load.len() + mutate.len();
            }
        }
    }
    println!(
        "wrote {count} seeds per target, {bytes} bytes in all, under {}",
        root.display()
    );
}
