//! Reproducible random streams derived from one seed.

use rand::rngs::StdRng;
use rand::SeedableRng;

/// The independent streams a run draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Training data of one iteration (so a resumed run draws what the
    /// uninterrupted one would have).
    Train(u64),
    /// Held-out set `k` of the checks during training.
    HeldOut(u64),
    /// Calibration windows for quantisation.
    Calibration,
    /// The windows the exported model is verified on.
    Verification,
    /// A user's data set's split into training and validation sequences.
    Split,
}

/// SplitMix64's finaliser: a well-mixed 64-bit hash.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream `stream` of the run seeded with `seed`.
pub fn stream(seed: u64, stream: Stream) -> StdRng {
    let tag = match stream {
        Stream::Train(i) => mix(i),
        Stream::HeldOut(k) => (2 << 62) ^ mix(k),
        Stream::Calibration => 3 << 62,
        Stream::Verification => (3 << 62) | 1,
        Stream::Split => (3 << 62) | 2,
    };
    StdRng::seed_from_u64(mix(seed ^ mix(tag)))
}
