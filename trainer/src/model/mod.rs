//! The burn side: LSTM layers, the network, and tensor encoding.

pub mod encode;
pub mod lstm;
pub mod network;

pub use lstm::State;
pub use network::Network;
