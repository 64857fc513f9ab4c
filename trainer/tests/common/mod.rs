//! Helpers shared by the trainer's integration tests.

use std::path::Path;

use trainer::task::Task;
use trainer::train::TrainConfig;

/// A small, fast training configuration writing into `dir`.
pub fn small_config(task: Task, dir: &Path, max_steps: usize) -> TrainConfig {
    let mut config = TrainConfig::new(task, &dir.join("model.elsm"));
    config.seed = 7;
    config.max_steps = max_steps;
    config.eval_every = max_steps;
    config.quick_windows = 200;
    config.eval_windows = 200;
    config.checkpoint_every = 0;
    config
}
