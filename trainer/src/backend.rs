//! Which burn backend trains: chosen at run time through the `Device`.

use burn::tensor::Device;

/// A CPU backend compiled into this binary.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Backend {
    /// burn-ndarray (the specified default; deprecated upstream in 0.22).
    #[default]
    Ndarray,
    /// burn's pure-Rust `flex` CPU backend (feature `flex`).
    #[cfg(feature = "flex")]
    Flex,
}

impl Backend {
    /// The device to train on, with autodiff, its random initialisation
    /// seeded with `seed`.
    pub fn training_device(self, seed: u64) -> Device {
        let device = match self {
            // The deprecation concerns upstream's future, not this use.
            #[allow(deprecated)]
            Backend::Ndarray => Device::ndarray(),
            #[cfg(feature = "flex")]
            Backend::Flex => Device::flex(),
        }
        .autodiff();
        device.seed(seed);
        device
    }
}
