//! Writes the seed corpora of the fuzz targets: for `load_and_run` and
//! `mutate_model`, real exported models of every topology (int8, int16 and
//! mixed precision, trained-length and any-length windows), each with a
//! script exercising every call; for `read_series`, small files of each
//! format the readers take ([`SERIES_SEEDS`]).
//!
//! Run from the repository root:
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --example make_seeds
//! ```
//!
//! Output is deterministic; it replaces
//! `fuzz/seeds/{load_and_run,mutate_model,read_series}`.

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

/// The `read_series` seeds: one small file of each kind each reader
/// accepts, named for its reader (`ts-`, `csv-sequences-`, `csv-series-`:
/// the replay test checks that reader accepts it).
const SERIES_SEEDS: &[(&str, &str)] = &[
    (
        "ts-multivariate-unequal",
        "# Three dimensions, cases of 4, 2 and 3 steps, string labels.\n\
         @problemName Seed\n@timeStamps false\n@missing false\n@univariate false\n\
         @dimensions 3\n@equalLength false\n@classLabel true walk run\n@data\n\
         0.5,1.25,-3,4e-2:1,2,3,4:0,0,0,0:walk\n\
         7,8:-0.5,0.5:1e3,2:run\n\
         % an ARFF-style comment\n\
         1,2,3:4,5,6:7,8,9:Walk\n",
    ),
    (
        "ts-univariate-equal",
        "@problemName UnitTest\n@timeStamps false\n@missing false\n@univariate true\n\
         @equalLength true\n@seriesLength 6\n@classLabel true 1 2\n@data\n\
         573.0,375.0,301.0,212.0,55.0,34.0:1\n\
         394.0,264.0,140.0,144.0,104.0,28.0:2\n",
    ),
    (
        "ts-unlabelled",
        "@problemName Unlabelled\n@dimensions 2\n@classLabel false\n@data\n\
         1,2,3:4,5,6\n\n7:8\n",
    ),
    (
        "csv-sequences-header",
        "label,t1,t2,t3,t4\n1,0.1,0.2,0.3,0.4\n2,-1,-2,-3,-4\n1,5,6,7,8\n",
    ),
    (
        "csv-sequences-tsv-unequal",
        "Badminton\t0.079\t0.079\t-0.903\nStanding\t1.5\t\t\n\"Running fast\"\t2\t3\n",
    ),
    (
        "csv-series-airline",
        "Date,Passengers\n1949-01,112\n1949-02,118\n1949-03,132\n1949-04,129\n",
    ),
    (
        "csv-series-multichannel",
        "x,y,z\r\n1,2,3\r\n4,5,6\r\n7.5,-8,9e-3\r\n",
    ),
];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let series = root.join("read_series");
    let _ = fs::remove_dir_all(&series);
    fs::create_dir_all(&series).expect("create seed directory");
    for (name, text) in SERIES_SEEDS {
        fs::write(series.join(name), text).expect("write seed");
    }
    println!(
        "wrote {} read_series seeds under {}",
        SERIES_SEEDS.len(),
        series.display()
    );
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
