//! Random integer sequences and their framing into windows: written once,
//! shared by every task.

use rand::Rng;

/// Draws `len` integers uniformly from `0..classes`.
pub fn random_sequence(rng: &mut impl Rng, len: usize, classes: u32) -> Vec<u32> {
    (0..len).map(|_| rng.random_range(0..classes)).collect()
}

/// Sliding windows of `width` consecutive values: window `t` holds
/// `seq[t..t + width]`, for `t = 0..=seq.len() - width`. Windows that would
/// run past the end of the sequence are dropped.
pub fn sliding_windows(seq: &[u32], width: usize) -> impl Iterator<Item = &[u32]> {
    seq.windows(width)
}

/// The masked framing of sliding windows: the window of `width` values
/// ending at each position `t` of `seq`, for every `t`; the first
/// `width - 1` windows reach before the sequence, and their missing
/// values are `pad`. (The plain framing, [`sliding_windows`], drops them.)
pub fn padded_windows(seq: &[u32], width: usize, pad: u32) -> Vec<Vec<u32>> {
    (0..seq.len())
        .map(|t| {
            let missing = (width - 1).saturating_sub(t);
            let start = (t + 1).saturating_sub(width);
            std::iter::repeat_n(pad, missing)
                .chain(seq[start..=t].iter().copied())
                .collect()
        })
        .collect()
}

/// The published echo-lag framing: row `t` is the window of the `width`
/// values ending at position `t` (`seq[t + 1 - width..=t]`), for
/// `t = width..seq.len()`, and its target is `seq[t - 1]`.
///
/// A streaming model that reads one value per step and answers the
/// previous one makes, at step `t`, exactly row `t`'s prediction: the row
/// is the tail of the stream the model has seen (see `lag_targets`).
pub fn lag_rows(seq: &[u32], width: usize) -> Vec<(&[u32], u32)> {
    (width..seq.len())
        .map(|t| (&seq[t + 1 - width..=t], seq[t - 1]))
        .collect()
}

/// Targets of a streaming echo-lag model at every step: step `t` answers
/// `seq[t - 1]`. Step 0 has no previous value; it gets 0 and is never scored.
pub fn lag_targets(seq: &[u32]) -> Vec<u32> {
    std::iter::once(0)
        .chain(seq.iter().copied().take(seq.len().saturating_sub(1)))
        .collect()
}

/// The univariate series 10, 20, ..., 90 cut into windows of `width`
/// values, each with the next value as target.
pub fn univariate_windows(width: usize) -> Vec<(Vec<f32>, f32)> {
    let series: Vec<f32> = (1..=9).map(|v| (v * 10) as f32).collect();
    series
        .windows(width + 1)
        .map(|w| (w[..width].to_vec(), w[width]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn padded_windows_keep_the_first_rows() {
        let seq = [1, 2, 3, 4, 5, 6];
        let w = padded_windows(&seq, 3, 9);
        assert_eq!(w.len(), 6);
        assert_eq!(w[0], [9, 9, 1]);
        assert_eq!(w[1], [9, 1, 2]);
        assert_eq!(w[2], [1, 2, 3]);
        // The windows past the padded ones are the plain framing's.
        let plain: Vec<&[u32]> = sliding_windows(&seq, 3).collect();
        assert_eq!(w[2..], plain[..]);
    }

    #[test]
    fn sequences_are_in_range_and_reproducible() {
        let a = random_sequence(&mut StdRng::seed_from_u64(7), 1000, 10);
        let b = random_sequence(&mut StdRng::seed_from_u64(7), 1000, 10);
        assert_eq!(a, b);
        assert!(a.iter().all(|&v| v < 10));
        assert!((0..10).all(|v| a.contains(&v)));
    }

    #[test]
    fn sliding_windows_of_25_give_21_hand_checked_windows() {
        let seq: Vec<u32> = (0..25).collect();
        let windows: Vec<&[u32]> = sliding_windows(&seq, 5).collect();
        assert_eq!(windows.len(), 21);
        assert_eq!(windows[0], &[0, 1, 2, 3, 4]);
        assert_eq!(windows[1], &[1, 2, 3, 4, 5]);
        assert_eq!(windows[20], &[20, 21, 22, 23, 24]);
    }

    #[test]
    fn lag_rows_match_the_published_framing() {
        let seq: Vec<u32> = (100..125).collect();
        let rows = lag_rows(&seq, 5);
        assert_eq!(rows.len(), 20);
        assert_eq!(rows[0], (&[101, 102, 103, 104, 105][..], 104));
        assert_eq!(rows[19], (&[120, 121, 122, 123, 124][..], 123));
    }

    #[test]
    fn streaming_lag_targets_equal_the_row_targets() {
        let seq = random_sequence(&mut StdRng::seed_from_u64(3), 25, 100);
        let stream = lag_targets(&seq);
        assert_eq!(stream.len(), seq.len());
        assert_eq!(stream[1..], seq[..24]);
        for (k, (row, target)) in lag_rows(&seq, 5).into_iter().enumerate() {
            let t = k + 5;
            assert_eq!(row.last(), Some(&seq[t]));
            assert_eq!(stream[t], target);
        }
    }

    #[test]
    fn univariate_windows_are_the_six_published_samples() {
        let w = univariate_windows(3);
        assert_eq!(w.len(), 6);
        assert_eq!(w[0], (vec![10.0, 20.0, 30.0], 40.0));
        assert_eq!(w[5], (vec![60.0, 70.0, 80.0], 90.0));
    }
}
