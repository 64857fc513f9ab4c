//! Which burn backend trains: chosen at run time through the `Device`.

use burn::tensor::Device;

#[cfg(not(any(feature = "flex", feature = "ndarray")))]
compile_error!("the trainer needs a burn backend: enable the `flex` or `ndarray` feature");

/// A CPU backend compiled into this binary.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// burn's pure-Rust `flex` CPU backend (feature `flex`, the default):
    /// 1.25-1.5x faster per update than ndarray on these models.
    #[cfg(feature = "flex")]
    Flex,
    /// burn-ndarray (feature `ndarray`; deprecated upstream in 0.22).
    #[cfg(feature = "ndarray")]
    Ndarray,
}

/// flex when compiled in.
#[cfg(feature = "flex")]
impl Default for Backend {
    fn default() -> Self {
        Backend::Flex
    }
}

/// ndarray when flex is not compiled in.
#[cfg(not(feature = "flex"))]
impl Default for Backend {
    fn default() -> Self {
        Backend::Ndarray
    }
}

impl Backend {
    /// The device to train on, with autodiff, its random initialisation
    /// seeded with `seed`.
    pub fn training_device(self, seed: u64) -> Device {
        let device = match self {
            #[cfg(feature = "flex")]
            Backend::Flex => Device::flex(),
            // The deprecation concerns upstream's future, not this use.
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            Backend::Ndarray => Device::ndarray(),
        }
        .autodiff();
        device.seed(seed);
        device
    }
}
