use anyhow::bail;
use clap::Args;

use super::Outcome;
use crate::config::{Role, Sources};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which role to run.
    #[arg(long, value_enum)]
    pub role: Role,
    /// Address to listen on (overrides `server.listen`).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
}

#[derive(Debug, Args)]
pub struct JobRunArgs {}

pub fn serve(sources: &Sources, args: &ServeArgs) -> anyhow::Result<Outcome> {
    // Fail on bad configuration first: that is useful even before the role exists.
    super::load_settings(sources, args.role)?;
    bail!(
        "role {:?} is not available in this build yet; available now: validate, explain, rules, config show",
        args.role
    )
}

pub fn job_run(sources: &Sources, _args: &JobRunArgs) -> anyhow::Result<Outcome> {
    super::load_settings(sources, Role::JobRun)?;
    bail!("job-run is not available in this build yet")
}
