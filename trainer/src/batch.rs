//! A batch of framed samples, as plain host data.

/// The timestep values of a batch, `samples x steps` (x `features` when dense).
#[derive(Debug, Clone, PartialEq)]
pub enum Inputs {
    /// One class index per step, one-hot encoded by the model.
    Classes(Vec<u32>),
    /// `features` real numbers per step.
    Values(Vec<f32>),
}

/// The targets of a batch, `samples x out_steps`.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// One class per output step.
    Classes(Vec<u32>),
    /// One real value per output step.
    Values(Vec<f32>),
}

/// Samples framed for a model: inputs, targets and which output steps count.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Number of samples.
    pub samples: usize,
    /// Input timesteps per sample.
    pub steps: usize,
    /// Values per input timestep (1 for class inputs).
    pub features: usize,
    /// Output steps per sample.
    pub out_steps: usize,
    /// Output steps before this one are not scored (echo-lag's step 0 has no
    /// previous value).
    pub first_scored: usize,
    /// Per sample and output step (sample-major), whether the target is a
    /// pad's (the masked framing): left out of every score and of the
    /// loss. Empty when no target is.
    pub pads: Vec<bool>,
    /// Input values.
    pub inputs: Inputs,
    /// Target values.
    pub targets: Targets,
}

impl Batch {
    /// The input of sample `i` as the raw numbers the engine reads: class
    /// indices, or `steps * features` values.
    pub fn raw_input(&self, i: usize) -> Vec<f32> {
        let width = self.steps * self.features;
        match &self.inputs {
            Inputs::Classes(v) => v[i * width..(i + 1) * width]
                .iter()
                .map(|&c| c as f32)
                .collect(),
            Inputs::Values(v) => v[i * width..(i + 1) * width].to_vec(),
        }
    }

    /// Output steps per sample from `first_scored` on (the scored ones,
    /// and pads' among them).
    pub fn scored_per_sample(&self) -> usize {
        self.out_steps - self.first_scored
    }

    /// For every output step from `first_scored` on, sample-major, whether
    /// it counts (its target is not a pad's).
    pub fn counted(&self) -> Vec<bool> {
        let per = self.scored_per_sample();
        (0..self.samples * per)
            .map(|i| {
                let at = (i / per) * self.out_steps + self.first_scored + i % per;
                !self.pads.get(at).copied().unwrap_or(false)
            })
            .collect()
    }

    /// The samples `samples` (indices, in that order) as a batch of their own.
    pub fn pick(&self, samples: &[usize]) -> Batch {
        let width = self.steps * self.features;
        let o = self.out_steps;
        fn rows<T: Copy>(v: &[T], samples: &[usize], n: usize) -> Vec<T> {
            samples
                .iter()
                .flat_map(|&s| v[s * n..(s + 1) * n].iter().copied())
                .collect()
        }
        let inputs = match &self.inputs {
            Inputs::Classes(v) => Inputs::Classes(rows(v, samples, width)),
            Inputs::Values(v) => Inputs::Values(rows(v, samples, width)),
        };
        let targets = match &self.targets {
            Targets::Classes(v) => Targets::Classes(rows(v, samples, o)),
            Targets::Values(v) => Targets::Values(rows(v, samples, o)),
        };
        let pads = match self.pads.is_empty() {
            true => Vec::new(),
            false => rows(&self.pads, samples, o),
        };
        Batch {
            samples: samples.len(),
            inputs,
            targets,
            pads,
            ..*self
        }
    }

    /// The samples `range` as a batch of their own.
    pub fn slice(&self, range: std::ops::Range<usize>) -> Batch {
        let width = self.steps * self.features;
        let inputs = match &self.inputs {
            Inputs::Classes(v) => {
                Inputs::Classes(v[range.start * width..range.end * width].to_vec())
            }
            Inputs::Values(v) => Inputs::Values(v[range.start * width..range.end * width].to_vec()),
        };
        let o = self.out_steps;
        let targets = match &self.targets {
            Targets::Classes(v) => Targets::Classes(v[range.start * o..range.end * o].to_vec()),
            Targets::Values(v) => Targets::Values(v[range.start * o..range.end * o].to_vec()),
        };
        let pads = match self.pads.is_empty() {
            true => Vec::new(),
            false => self.pads[range.start * o..range.end * o].to_vec(),
        };
        Batch {
            samples: range.len(),
            inputs,
            targets,
            pads,
            ..*self
        }
    }
}
