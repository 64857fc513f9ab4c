//! The burn side: recurrent layers (LSTM and GRU), the network, and
//! tensor encoding.

pub mod encode;
pub mod gru;
pub mod layer;
pub mod lstm;
pub mod network;
pub mod recurrent;

pub use network::Network;
pub use recurrent::State;
