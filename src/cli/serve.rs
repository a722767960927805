use anyhow::bail;
use clap::Args;

use super::Outcome;
use crate::app::Flags;
use crate::config::{Role, Sources};

/// The roles `serve` runs (`job-run` is a command of its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ServeRole {
    /// Question in, validated code out, executed, answered.
    Llm,
    /// The warm sandbox and its REST API.
    Executor,
    /// The LLM and executor roles in one process, on embedded defaults.
    All,
}

impl From<ServeRole> for Role {
    fn from(role: ServeRole) -> Self {
        match role {
            ServeRole::Llm => Role::Llm,
            ServeRole::Executor => Role::Executor,
            ServeRole::All => Role::All,
        }
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which role to run.
    #[arg(long, value_enum)]
    pub role: ServeRole,
    /// Address to listen on (overrides `server.listen`); port 0 picks a free port, printed
    /// on standard output as `listening on ADDR`.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// Operator flag (executor): skip the static validator, to test the lower layers alone.
    /// Requests can never ask for this.
    #[arg(long)]
    pub no_validate: bool,
    /// Operator flag (executor): switch off the Python guards, to test the OS layer alone.
    /// Requests can never ask for this.
    #[arg(long)]
    pub no_guards: bool,
}

#[derive(Debug, Args)]
pub struct JobRunArgs {
    /// Operator flag: skip the static validator, to test the guards and the OS layer alone.
    #[arg(long)]
    pub no_validate: bool,
}

pub fn serve(sources: &Sources, args: &ServeArgs) -> anyhow::Result<Outcome> {
    let role = Role::from(args.role);
    let mut settings = super::load_settings(sources, role)?;
    if let Some(listen) = args.listen {
        settings.server.listen = listen;
    }
    if role == Role::Llm && (args.no_validate || args.no_guards) {
        bail!("--no-validate and --no-guards are executor flags; the LLM role always validates");
    }
    // Before the runtime: the span exporter makes its blocking HTTP client here.
    let telemetry =
        crate::telemetry::init_service(&settings.log, &settings.telemetry, role.name())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let flags = Flags {
        validate: !args.no_validate,
        guards: !args.no_guards,
    };
    let served = runtime.block_on(crate::app::serve(role, sources, settings, flags));
    // The servers have drained: export the spans still queued before exiting.
    telemetry.shutdown();
    served?;
    Ok(Outcome::Success)
}

pub fn job_run(sources: &Sources, args: &JobRunArgs) -> anyhow::Result<Outcome> {
    let settings = super::load_settings(sources, Role::JobRun)?;
    let telemetry =
        crate::telemetry::init_service(&settings.log, &settings.telemetry, Role::JobRun.name())?;
    let mut spec = crate::jobs::runner::RunSpec::from_env()?;
    spec.validate = !args.no_validate;
    // The trace of the job that started this runner goes on here.
    let traceparent = std::env::var("TRACEPARENT").ok();
    let tracestate = std::env::var("TRACESTATE").ok();
    let span = crate::telemetry::job_run_span(
        &spec.request_id,
        traceparent.as_deref(),
        tracestate.as_deref(),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (request_id, result_key) = (spec.request_id.clone(), spec.result_key.clone());
    let outcome = span.in_scope(|| {
        runtime.block_on(tracing::Instrument::instrument(
            async {
                let outcome = crate::jobs::runner::run(sources, &settings, spec).await;
                // The completion event leaves from here (the executor announces a job
                // whose runner wrote no result or could not publish).
                if let Ok(done) = &outcome {
                    crate::events::job_run::announce(&settings, &request_id, &result_key, done)
                        .await;
                }
                outcome
            },
            span.clone(),
        ))
    });
    if !matches!(&outcome, Ok(o) if crate::jobs::runner::exit_code(&o.result) == 0) {
        crate::telemetry::mark_failed(&span);
    }
    if let Err(err) = &outcome {
        let _entered = span.enter();
        tracing::error!(error = %crate::telemetry::error_chain(err), "the runner failed");
    }
    // The runner's span ends here; its spans are exported before the process exits.
    drop(span);
    drop(runtime);
    telemetry.shutdown();
    let outcome = outcome?;
    println!("{}", serde_json::to_string(&outcome.result)?);
    match crate::jobs::runner::exit_code(&outcome.result) {
        0 => Ok(Outcome::Success),
        1 => Ok(Outcome::Negative),
        _ => anyhow::bail!("the sandbox failed: {}", outcome.result.errors.join("; ")),
    }
}
