//! Fixed-point LSTM inference for echo sequence models, for microcontrollers.
//!
//! `#![no_std]`, no allocation: a model file (see [`format`]) is validated
//! once by [`Model::from_bytes`] and used in place; a [`Runner`] holds the
//! buffers, sized by const generics, and runs whole windows
//! ([`Runner::predict`]) or streams ([`Runner::push`]). The integer
//! [`Engine`] and the f32 [`Reference`] read the same file through the same
//! topology code.
//!
//! ```
//! # fn demo(bytes: &[u8]) -> Result<(), infer_nostd::Error> {
//! use infer_nostd::{Engine, Model};
//! let model = Model::from_bytes(bytes)?;
//! let mut engine = Engine::<32, 2, 0>::new(model)?;
//! let mut out = [0i32; 5];
//! let n = engine.predict(&[3, 1, 4, 1, 5], &mut out)?;
//! # let _ = n; Ok(()) }
//! ```
#![no_std]
#![warn(missing_docs)]

pub mod activation;
mod error;
pub mod fixed;
pub mod format;
#[cfg(feature = "gru")]
mod gru;
pub mod kernel;
mod kernels;
mod layers;
mod model;
#[cfg(test)]
mod requant_check;
mod runner;
pub mod tensor;
mod wire;
#[cfg(all(test, feature = "serde"))]
mod wire_check;

/// Word alignment for a model file embedded in flash: the Cortex-M4
/// kernels load its weights by words (see [`include_model!`]).
#[repr(C, align(4))]
pub struct Aligned<T: ?Sized>(pub T);

/// Embeds a model file as a word-aligned `&'static [u8]`, as
/// `include_bytes!` does (the path is relative to the calling file), for
/// [`Model::from_bytes`] to use in place:
/// `static MODEL: &[u8] = infer_nostd::include_model!("echo-whole.elsm");`
#[macro_export]
macro_rules! include_model {
    ($path:expr) => {
        &$crate::Aligned(*include_bytes!($path)).0
    };
}

pub use error::{Detail, Error};
pub use kernel::{Fixed, Float, Kernel};
pub use layers::{LayerIter, Layers};
pub use model::{Model, MAX_COLS};
pub use runner::{Engine, Reference, Runner};
