use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;

use super::Outcome;
use crate::config::{Role, Settings, Sources};
use crate::executor::api::{router, AppState};
use crate::executor::Executor;
use crate::models::Tier;
use crate::policy::PolicySet;
use crate::sandbox::{Pool, PoolOptions};
use crate::validator::Validator;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Which role to run.
    #[arg(long, value_enum)]
    pub role: Role,
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
pub struct JobRunArgs {}

pub fn serve(sources: &Sources, args: &ServeArgs) -> anyhow::Result<Outcome> {
    let mut settings = super::load_settings(sources, args.role)?;
    if let Some(listen) = args.listen {
        settings.server.listen = listen;
    }
    match args.role {
        Role::Executor => {}
        Role::Llm | Role::All => bail!(
            "role {} is not available in this build yet; available now: serve --role executor, exec, validate, explain, rules, config show",
            args.role
        ),
        Role::JobRun => bail!("job-run is a command, not a service: use `pyexec job-run`"),
    }
    crate::telemetry::init(&settings.log)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve_executor(sources, settings, args))?;
    Ok(Outcome::Success)
}

/// The validator and the started sandbox pool, as the executor role uses them.
pub(crate) async fn build_executor(
    sources: &Sources,
    settings: &Settings,
    validate: bool,
    guards: bool,
) -> anyhow::Result<Executor> {
    let policy = PolicySet::load(sources).context("cannot load the validator's policies")?;
    let allowed_imports: Vec<String> = policy
        .tier(Tier::Lightweight)
        .imports()
        .map(|(module, _)| module.to_owned())
        .collect();
    let validator = Validator::new(
        policy,
        settings.validator.clone(),
        settings.classifier.clone(),
    );
    if !validate {
        tracing::warn!("static validation is OFF (operator flag --no-validate)");
    }
    if !guards {
        tracing::warn!("Python guards are OFF (operator flag --no-guards)");
    }
    let pool = Pool::start(PoolOptions {
        settings: settings.executor.clone(),
        program: std::env::current_exe().context("locating the pyexec binary")?,
        allowed_imports,
        guards,
    })
    .await
    .context("the sandbox cannot start")?;
    Ok(Executor::new(pool, validator, validate))
}

async fn serve_executor(
    sources: &Sources,
    settings: Settings,
    args: &ServeArgs,
) -> anyhow::Result<()> {
    let executor = build_executor(sources, &settings, !args.no_validate, !args.no_guards).await?;
    let pool = executor.pool.clone();
    let state = Arc::new(AppState {
        executor,
        max_body_bytes: settings.server.max_body_bytes,
    });
    let listener = tokio::net::TcpListener::bind(settings.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.server.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, role = "executor", "listening");
    println!("listening on {addr}");
    let grace = Duration::from_secs(settings.executor.shutdown_grace_secs);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let killer_pool = pool.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!(
            grace_secs = grace.as_secs(),
            "shutting down: no new requests; in-flight executions get the grace period"
        );
        let _ = stop_tx.send(true);
        tokio::time::sleep(grace).await;
        killer_pool.shutdown(Duration::ZERO).await;
    });
    let mut stop = stop_rx.clone();
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|s| *s).await;
        })
        .await?;
    pool.shutdown(grace).await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}

pub fn job_run(sources: &Sources, _args: &JobRunArgs) -> anyhow::Result<Outcome> {
    super::load_settings(sources, Role::JobRun)?;
    bail!("job-run is not available in this build yet")
}
