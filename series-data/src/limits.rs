//! The readers' size limits, and the checks that keep memory within them.

use crate::error::DataError;

/// Most channels (a `.ts` file's dimensions, a CSV series' value columns)
/// a file may have.
pub const MAX_CHANNELS: usize = 4096;
/// Most time steps one sequence (or a CSV series) may have.
pub const MAX_STEPS: usize = 1_000_000;
/// Most values (steps times channels, over all sequences) a file may hold:
/// 400 MB of `f32`.
pub const MAX_VALUES: usize = 100_000_000;

/// Refuses `channels` over [`MAX_CHANNELS`].
pub(crate) fn check_channels(line: usize, channels: usize) -> Result<(), DataError> {
    if channels > MAX_CHANNELS {
        return Err(DataError::at(
            line,
            format!("more than {MAX_CHANNELS} channels (the limit)"),
        ));
    }
    Ok(())
}

/// Refuses `steps` over [`MAX_STEPS`].
pub(crate) fn check_steps(line: usize, steps: usize) -> Result<(), DataError> {
    if steps > MAX_STEPS {
        return Err(DataError::at(
            line,
            format!("more than {MAX_STEPS} steps in one sequence (the limit)"),
        ));
    }
    Ok(())
}

/// Refuses a file whose values, `total` so far, pass [`MAX_VALUES`].
pub(crate) fn check_total(line: usize, total: usize) -> Result<(), DataError> {
    if total > MAX_VALUES {
        return Err(DataError::at(
            line,
            format!("more than {MAX_VALUES} values in the file (the limit)"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_inclusive() {
        assert!(check_channels(1, MAX_CHANNELS).is_ok());
        assert!(check_steps(1, MAX_STEPS).is_ok());
        assert!(check_total(1, MAX_VALUES).is_ok());
        let e = check_total(7, MAX_VALUES + 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 7: more than 100000000 values in the file (the limit)"
        );
        assert!(check_channels(1, MAX_CHANNELS + 1).is_err());
        assert!(check_steps(1, MAX_STEPS + 1).is_err());
    }
}
