//! `qtrain data` subcommands (under construction).

use clap::Subcommand;

/// Subcommands of this group.
#[derive(Subcommand)]
pub enum DataCommands {
    /// Not built yet.
    DataPlaceholder,
}

impl DataCommands {
    /// Run the chosen subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        anyhow::bail!("qtrain data: not built yet")
    }
}
