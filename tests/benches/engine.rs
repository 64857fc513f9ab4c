//! One window through the echo-whole and echo-partial shapes: the
//! fixed-point engine against the f32 reference, side by side.

use criterion::{criterion_group, criterion_main, Criterion};
use echo_tests::random_model::{quantised_random, Topology};
use infer_host::quantise::{engine_window, PrecisionPolicy};
use infer_nostd::{Engine, Model, Reference};
use std::hint::black_box;

fn bench_shape(c: &mut Criterion, name: &str, topology: Topology, units: usize) {
    let q = quantised_random(topology, units, 100, 1, 64, 2, PrecisionPolicy::Int8);
    let model = Model::from_bytes(&q.bytes).unwrap();
    let windows: Vec<Vec<i16>> = q.windows.iter().map(|w| engine_window(&model, w)).collect();
    let mut fixed = Box::new(Engine::<150, 2, 0>::new(model.clone()).unwrap());
    let mut reference = Box::new(Reference::<150, 2, 0>::new(model.clone()).unwrap());
    let mut out = [0i32; 8];
    let mut group = c.benchmark_group(name);
    let mut i = 0;
    group.bench_function("fixed", |b| {
        b.iter(|| {
            i = (i + 1) % windows.len();
            fixed.predict(black_box(&windows[i]), &mut out).unwrap()
        })
    });
    group.bench_function("f32", |b| {
        b.iter(|| {
            i = (i + 1) % windows.len();
            reference.predict(black_box(&windows[i]), &mut out).unwrap()
        })
    });
    group.finish();
}

fn engines(c: &mut Criterion) {
    bench_shape(
        c,
        "echo-whole window (LSTM 20, one-hot 100, head 100 per step)",
        Topology::ManyToMany,
        20,
    );
    bench_shape(
        c,
        "echo-partial window (LSTM 150 enc, 2-step LSTM 150 dec, head 100)",
        Topology::EncoderDecoder,
        150,
    );
}

criterion_group!(benches, engines);
criterion_main!(benches);
