//! `qtrain theory` subcommands (under construction).

use clap::Subcommand;

/// Subcommands of this group.
#[derive(Subcommand)]
pub enum TheoryCommands {
    /// Not built yet.
    TheoryPlaceholder,
}

impl TheoryCommands {
    /// Run the chosen subcommand.
    pub fn run(self) -> anyhow::Result<()> {
        anyhow::bail!("qtrain theory: not built yet")
    }
}
