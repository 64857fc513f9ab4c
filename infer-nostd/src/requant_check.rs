//! Test support: checks a fast requantisation against its definition.

use core::fmt::Debug;

/// A small deterministic generator (SplitMix64).
pub fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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
    draw: impl Fn(&mut u64) -> (A, i32, u8),
) {
    for s in 0..=255u8 {
        for &acc in accs {
            for &m in multipliers {
                assert_eq!(fast(acc, m, s), exact(acc, m, s), "{acc:?} {m} {s}");
            }
        }
    }
    let mut state = seed;
    for _ in 0..draws {
        let (acc, m, s) = draw(&mut state);
        assert_eq!(fast(acc, m, s), exact(acc, m, s), "{acc:?} {m} {s}");
    }
}

/// Multipliers every check tries at every shift: the extremes of the
/// non-negative range and 2^30.
pub const MULTIPLIERS: [i32; 5] = [0, 1, 1 << 30, i32::MAX - 1, i32::MAX];

/// A non-negative multiplier of random magnitude.
pub fn multiplier(state: &mut u64) -> i32 {
    (next(state) as i32 & i32::MAX) >> (next(state) % 31)
}
