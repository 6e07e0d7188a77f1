//! Training: the loop behind `qtrain train` (input pipeline, schedule, checkpoints, metrics), the
//! Table 1 grid, the speed benchmark, and model export/import.

pub mod bench;
pub mod checkpoint;
pub mod config;
pub mod export;
pub mod input;
pub mod integer;
pub mod npy;
pub mod preset;
pub mod progress;
pub mod run;
pub mod schedule;
pub mod table1;
pub mod warm_start;

pub use config::{EpochMetrics, Summary, TrainConfig};
pub use run::{run, RunOptions, Trainer};
