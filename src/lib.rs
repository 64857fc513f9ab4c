//! Support shared by the workspace's cross-crate tests and host examples.

pub mod device;
pub mod random_model;
