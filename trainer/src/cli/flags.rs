//! Value parsers of the numeric flags and the cell: each flag's range is
//! checked when the command line is parsed (a usage error, exit code 2),
//! before any work.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use infer_nostd::format::Cell;

/// A whole number in `LO..=HI`.
pub fn whole<const LO: usize, const HI: usize>(s: &str) -> Result<usize, String> {
    let v: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("`{}` is not a whole number", super::text::quote(s)))?;
    if (LO..=HI).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is out of range: {LO} to {HI}"))
    }
}

fn number(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("`{}` is not a finite number", super::text::quote(s)))
}

/// A finite learning rate above 0.
pub fn learning_rate(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if v > 0.0 {
        Ok(v)
    } else {
        Err(format!("{v} is not a learning rate: it must be above 0"))
    }
}

/// A percentage in (0, 100].
pub fn target_percent(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if v > 0.0 && v <= 100.0 {
        Ok(v)
    } else {
        Err(format!(
            "{v} is out of range: a percentage above 0, at most 100"
        ))
    }
}

/// A percentage in [0, 100].
pub fn percent(s: &str) -> Result<f64, String> {
    let v = number(s)?;
    if (0.0..=100.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is out of range: a percentage from 0 to 100"))
    }
}

/// A finite margin of at least 0 logits.
pub fn margin(s: &str) -> Result<f32, String> {
    let v = number(s)?;
    if (0.0..=f64::from(f32::MAX)).contains(&v) {
        Ok(v as f32)
    } else {
        Err(format!(
            "{v} is out of range: a number of logits, at least 0"
        ))
    }
}

/// A recurrent cell by name: `lstm` or `gru` (clap lists both in the help
/// and refuses anything else).
pub fn cell() -> impl TypedValueParser<Value = Cell> {
    PossibleValuesParser::new(["lstm", "gru"]).map(|name| match name.as_str() {
        "gru" => Cell::Gru,
        _ => Cell::Lstm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_enforced() {
        assert_eq!(whole::<1, 511>("20"), Ok(20));
        assert!(whole::<1, 511>("0").is_err());
        assert!(whole::<1, 511>("100000").is_err());
        assert!(whole::<1, 511>("1e8")
            .unwrap_err()
            .contains("not a whole number"));
        assert!(whole::<1, 511>("-3").is_err());
        for bad in ["NaN", "inf", "-inf", "0", "-1e-3", "x"] {
            assert!(learning_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(learning_rate("1e-2"), Ok(0.01));
        assert!(target_percent("0").is_err());
        assert!(target_percent("100.1").is_err());
        assert_eq!(target_percent("99.5"), Ok(99.5));
        assert!(percent("0").is_ok());
        assert!(margin("-1").is_err());
        assert!(margin("NaN").is_err());
        assert_eq!(margin("0"), Ok(0.0));
    }

    #[test]
    fn cells_are_named() {
        let cmd = clap::Command::new("t");
        let parse = |s: &str| cell().parse_ref(&cmd, None, std::ffi::OsStr::new(s));
        assert_eq!(parse("lstm").unwrap(), Cell::Lstm);
        assert_eq!(parse("gru").unwrap(), Cell::Gru);
        assert!(parse("rnn").is_err());
        assert!(parse("GRU").is_err());
    }
}
