//! Readers of users' time-series files for training (std; no model or
//! training code).
//!
//! - [`read_ts`]: the UEA/UCR archive's `.ts` format (as aeon and sktime
//!   write it): labelled or unlabelled, univariate or multivariate, equal
//!   or unequal length, into a [`Dataset`];
//! - [`read_csv_sequences`]: one univariate sequence per row, its class
//!   label first (the UCR archive's CSV/TSV layout), into a [`Dataset`];
//! - [`read_csv_series`]: one long multichannel series, a column per
//!   channel and a row per step (for forecasting), into a [`Series`].
//!
//! Every value is a finite `f32`; missing values (`?`, `NaN`) are refused,
//! not imputed. Nothing in a file is silently dropped: what is not read is
//! an error with its line ([`DataError`]). Memory grows with the input's
//! length only, never with a size a header declares, and within
//! [`MAX_CHANNELS`], [`MAX_STEPS`] and [`MAX_VALUES`]. No input panics.
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod csv_sequences;
mod csv_series;
mod dataset;
mod delimited;
mod error;
mod limits;
mod ts;
mod value;

pub use csv_sequences::read_csv_sequences;
pub use csv_series::read_csv_series;
pub use dataset::{Dataset, Sequence, Series};
pub use error::DataError;
pub use limits::{MAX_CHANNELS, MAX_STEPS, MAX_VALUES};
pub use ts::read_ts;
