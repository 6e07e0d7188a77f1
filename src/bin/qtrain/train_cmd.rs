//! `qtrain train` subcommands (under construction).

use clap::Subcommand;

/// Subcommands of this group.
#[derive(Subcommand)]
pub enum TrainCommands {
    /// Not built yet.
    TrainPlaceholder,
}

impl TrainCommands {
    /// Run the chosen subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        anyhow::bail!("qtrain train: not built yet")
    }
}
