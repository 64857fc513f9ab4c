//! Helpers shared by the trainer's integration tests.

use std::path::Path;

use infer_nostd::format::Cell;
use trainer::task::Task;
use trainer::train::TrainConfig;

/// A small, fast training configuration of a network of `cell` layers,
/// writing into `dir`.
pub fn small_config(task: Task, cell: Cell, dir: &Path, max_steps: usize) -> TrainConfig {
    let mut config = TrainConfig::new(task, cell, &dir.join("model.elsm"));
    config.seed = 7;
    config.max_steps = max_steps;
    config.eval_every = max_steps;
    config.quick_windows = 200;
    config.eval_windows = 200;
    config.checkpoint_every = 0;
    config
}
