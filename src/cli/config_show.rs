use clap::Args;

use super::{load_settings, Outcome};
use crate::config::{Role, Sources};

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The role whose configuration is shown.
    #[arg(long, value_enum)]
    pub role: Role,
}

pub fn run(sources: &Sources, args: &ShowArgs) -> anyhow::Result<Outcome> {
    let settings = load_settings(sources, args.role)?;
    // Secrets serialise as a redaction marker (config::Secret), so this is safe to print.
    print!("{}", toml::to_string_pretty(&settings)?);
    Ok(Outcome::Success)
}
