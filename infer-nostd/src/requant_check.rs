//! Test support: checks a fast requantisation against its definition.

use core::fmt::Debug;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

/// The workspace's one seeded test generator (`rand`'s `StdRng`, as the
/// trainer's and the tests crate's), from `seed`.
pub fn seeded(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// The next 64 random bits of `rng`.
pub fn next(rng: &mut StdRng) -> u64 {
    rng.next_u64()
}

/// Asserts `fast(acc, m, s) == exact(acc, m, s)` for every accumulator of
/// `accs` with every multiplier of `multipliers` at every shift 0..=255,
/// then for `draws` triples drawn by `draw` from a generator seeded with
/// `seed`.
pub fn assert_same<A: Copy + Debug>(
    fast: impl Fn(A, i32, u8) -> i32,
    exact: impl Fn(A, i32, u8) -> i32,
    (accs, multipliers): (&[A], &[i32]),
    (seed, draws): (u64, usize),
    draw: impl Fn(&mut StdRng) -> (A, i32, u8),
) {
    for s in 0..=255u8 {
        for &acc in accs {
            for &m in multipliers {
                assert_eq!(fast(acc, m, s), exact(acc, m, s), "{acc:?} {m} {s}");
            }
        }
    }
    let mut rng = seeded(seed);
    for _ in 0..draws {
        let (acc, m, s) = draw(&mut rng);
        assert_eq!(fast(acc, m, s), exact(acc, m, s), "{acc:?} {m} {s}");
    }
}

/// Multipliers every check tries at every shift: the extremes of the
/// non-negative range and 2^30.
pub const MULTIPLIERS: [i32; 5] = [0, 1, 1 << 30, i32::MAX - 1, i32::MAX];

/// A non-negative multiplier of random magnitude.
pub fn multiplier(rng: &mut StdRng) -> i32 {
    (next(rng) as i32 & i32::MAX) >> (next(rng) % 31)
}
