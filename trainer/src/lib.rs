//! Trains the echo tasks' LSTM and GRU networks with burn, quantises them
//! with infer-nostd and exports model files the no_std engine runs.
//!
//! Data: [`data`] generates and frames sequences once for every [`task`];
//! [`batch`] holds framed samples. Models: [`spec`] describes shapes,
//! [`model`] builds them in burn. [`train`] runs the loop ([`checkpoint`],
//! [`metrics`]); [`export`] writes the file and [`engine`] runs it;
//! [`pipeline`] ties train, export and verification together for the
//! [`cli`].

pub mod backend;
pub mod batch;
pub mod checkpoint;
pub mod cli;
pub mod data;
pub mod dataset;
pub mod engine;
pub mod export;
pub mod metrics;
pub mod model;
pub mod pipeline;
pub mod rng;
pub mod score;
pub mod spec;
pub mod task;
pub mod train;
