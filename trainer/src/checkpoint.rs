//! Training checkpoints: the network, the optimizer state and the loop
//! position, swapped in as a whole so a kill at any moment leaves either
//! the previous checkpoint or the new one.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};
use burn::module::Module;
use burn::optim::ModuleOptimizer;
use serde::{Deserialize, Serialize};

use crate::model::Network;

/// Where in the loop a checkpoint was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Loop iterations done (fresh batches, or sequences of the seed recipe).
    pub iteration: u64,
    /// Optimizer updates done.
    pub steps: usize,
    /// Training seconds spent.
    pub seconds: f64,
    /// The task and network shape trained (`TrainConfig::network_name`);
    /// empty in checkpoints from before it was recorded.
    #[serde(default)]
    pub network: String,
}

const MODEL: &str = "model.bpk";
const OPTIMIZER: &str = "optimizer.bpk";
const POSITION: &str = "position.json";

/// A checkpoint directory and its staging siblings.
pub struct Checkpoints {
    dir: PathBuf,
}

impl Checkpoints {
    /// Checkpoints kept in `dir`.
    pub fn new(dir: PathBuf) -> Self {
        Checkpoints { dir }
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.dir.file_name().unwrap_or_default().to_os_string();
        name.push(suffix);
        self.dir.with_file_name(name)
    }

    /// Saves a checkpoint: written to a staging directory, then renamed
    /// over the previous one.
    pub fn save(
        &self,
        network: &Network,
        optimizer: &ModuleOptimizer,
        at: &Position,
    ) -> Result<()> {
        let staging = self.sibling(".tmp");
        let old = self.sibling(".old");
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir_all(&staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        network
            .clone()
            .save_file(staging.join(MODEL))
            .map_err(|e| anyhow::anyhow!("cannot save the model checkpoint: {e}"))?;
        optimizer
            .save(staging.join(OPTIMIZER))
            .map_err(|e| anyhow::anyhow!("cannot save the optimizer checkpoint: {e}"))?;
        fs::write(staging.join(POSITION), serde_json::to_string(at)?)?;
        let _ = fs::remove_dir_all(&old);
        if self.dir.exists() {
            fs::rename(&self.dir, &old)?;
        }
        fs::rename(&staging, &self.dir)?;
        let _ = fs::remove_dir_all(&old);
        Ok(())
    }

    /// Whether a complete checkpoint exists.
    pub fn exist(&self) -> bool {
        self.latest().is_some()
    }

    /// The directory holding the latest complete checkpoint, if any (a
    /// kill between the two renames leaves it under the `.old` name).
    fn latest(&self) -> Option<PathBuf> {
        [self.dir.clone(), self.sibling(".old")]
            .into_iter()
            .find(|d| d.join(POSITION).exists())
    }

    /// Loads the latest checkpoint into `network` and `optimizer`, which
    /// must be the network it was made for (named `network_name`, as
    /// [`Position::network`]).
    pub fn load(
        &self,
        network: Network,
        optimizer: ModuleOptimizer,
        network_name: &str,
    ) -> Result<Option<(Network, ModuleOptimizer, Position)>> {
        let Some(dir) = self.latest() else {
            return Ok(None);
        };
        let position = dir.join(POSITION);
        let at: Position = fs::read_to_string(&position)
            .map_err(anyhow::Error::from)
            .and_then(|text| Ok(serde_json::from_str(&text)?))
            .with_context(|| {
                format!(
                    "cannot read checkpoint position {}: remove {} to start afresh",
                    position.display(),
                    dir.display()
                )
            })?;
        let other = |made_for: &str| {
            anyhow::anyhow!(
                "the checkpoint in {} was made for {made_for}, not {network_name}: remove it, \
                 or choose another --out",
                dir.display()
            )
        };
        if !at.network.is_empty() && at.network != network_name {
            return Err(other(&at.network));
        }
        // A checkpoint named for this network but whose tensors do not fit
        // it comes from an older trainer (or was altered).
        let network = network.try_load_file(dir.join(MODEL)).map_err(|_| {
            other("another network (or by an older trainer, its layers laid out differently)")
        })?;
        let optimizer = optimizer.load(dir.join(OPTIMIZER)).map_err(|e| {
            anyhow::anyhow!(
                "cannot load the optimizer state of the checkpoint in {}: {e}",
                dir.display()
            )
        })?;
        Ok(Some((network, optimizer, at)))
    }
}
