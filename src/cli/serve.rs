use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::Args;

use super::Outcome;
use crate::config::{Role, Settings, Sources};
use crate::executor::api::{router, AppState};
use crate::executor::Executor;
use crate::models::Tier;
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
    if args.role == Role::JobRun {
        bail!("job-run is a command, not a service: use `pyexec job-run`");
    }
    if args.role == Role::Llm && (args.no_validate || args.no_guards) {
        bail!("--no-validate and --no-guards are executor flags; the LLM role always validates");
    }
    crate::telemetry::init(&settings.log)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match args.role {
            Role::Executor => serve_executor(sources, settings, args).await,
            Role::Llm => serve_llm(sources, settings).await,
            _ => serve_all(sources, settings, args).await,
        }
    })?;
    Ok(Outcome::Success)
}

/// The validator, prompts and clients of the LLM role. The LLM endpoint is `llm.base_url`;
/// when that is not set, a local OpenAI-compatible server at `llm.local_fallback_url`
/// (Ollama's address) is used if it answers; otherwise queries fail with a message naming
/// the setting to make, and everything else works.
pub(crate) async fn build_llm_context(
    sources: &Sources,
    settings: &Settings,
    executor_url: &str,
) -> anyhow::Result<crate::llm::flow::Context> {
    use crate::llm::client::LlmClient;
    let validator =
        Validator::load(sources, settings).context("cannot load the validator's policies")?;
    // What the LLM is told: the policy's own allowlist, restricted modules with their names.
    let allowed_imports = validator.prompt_imports(Tier::Lightweight);
    let llm = &settings.llm;
    let base_url = match &llm.base_url {
        Some(url) => Some(url.clone()),
        None if !llm.local_fallback_url.is_empty()
            && LlmClient::reachable(&llm.local_fallback_url).await =>
        {
            tracing::info!(url = %llm.local_fallback_url, "no llm.base_url set; using the local OpenAI-compatible server found there");
            Some(llm.local_fallback_url.clone())
        }
        None => {
            tracing::warn!("no LLM endpoint: set llm.base_url (PYEXEC_LLM__BASE_URL); queries will fail until then");
            None
        }
    };
    let client = match base_url {
        Some(url) => Some(LlmClient::new(llm, &url)?),
        None => None,
    };
    Ok(crate::llm::flow::Context {
        llm: client,
        executor: crate::llm::executor_client::ExecutorClient::new(
            executor_url,
            crate::llm::executor_client::ExecutorClientOptions::from_settings(llm),
        )?,
        validator: Arc::new(validator),
        prompts: crate::llm::prompts::Prompts::load(sources)?,
        allowed_imports,
        max_corrections: llm.max_corrections,
        repair_runtime_errors: llm.repair_runtime_errors,
        max_data_bytes: llm.max_data_bytes,
    })
}

async fn serve_llm(sources: &Sources, settings: Settings) -> anyhow::Result<()> {
    let context = build_llm_context(sources, &settings, &settings.llm.executor_url).await?;
    let state = Arc::new(crate::llm::api::LlmState {
        context,
        body: settings.server.body_limits(),
    });
    let listener = bind(settings.server.listen, "llm").await?;
    println!("listening on {}", listener.local_addr()?);
    let grace = Duration::from_secs(settings.executor.shutdown_grace_secs);
    let (stop, shutdown) = stop_on_signal(None, None, grace);
    let limits = settings.server.limits(grace);
    crate::http::serve(listener, crate::llm::api::router(state), limits, stop).await?;
    let _ = shutdown.await;
    tracing::info!("stopped");
    Ok(())
}

/// Where the executor listens in the all-in-one mode: the host and port of
/// `llm.executor_url` (port 0 picks a free one).
pub(crate) fn executor_listen_addr(url: &str) -> anyhow::Result<std::net::SocketAddr> {
    let rest = url.strip_prefix("http://").with_context(|| {
        format!("llm.executor_url {url:?} must be http://HOST:PORT in the all-in-one mode")
    })?;
    let authority = rest.split('/').next().unwrap_or_default();
    authority
        .parse()
        .or_else(|_| authority.replace("localhost", "127.0.0.1").parse())
        .with_context(|| {
            format!("llm.executor_url {url:?} must be http://IP:PORT in the all-in-one mode")
        })
}

/// The LLM and executor roles in one process, talking over loopback HTTP as they would
/// across the network.
async fn serve_all(sources: &Sources, settings: Settings, args: &ServeArgs) -> anyhow::Result<()> {
    let executor = build_executor(sources, &settings, !args.no_validate, !args.no_guards).await?;
    let pool = executor.pool.clone();
    let executor_listener = bind(
        executor_listen_addr(&settings.llm.executor_url)?,
        "executor",
    )
    .await?;
    let executor_url = format!("http://{}", executor_listener.local_addr()?);
    let context = build_llm_context(sources, &settings, &executor_url).await?;
    let llm_listener = bind(settings.server.listen, "llm").await?;
    println!("listening on {}", llm_listener.local_addr()?);
    let grace = Duration::from_secs(settings.executor.shutdown_grace_secs);
    let jobs = crate::jobs::JobService::new(&settings, sources).await?;
    let (stop, shutdown) = stop_on_signal(Some(pool), Some(Arc::clone(&jobs)), grace);
    let executor_state = Arc::new(AppState {
        executor,
        jobs: Some(jobs),
        body: settings.server.body_limits(),
    });
    let limits = settings.server.limits(grace);
    let public_execute = crate::executor::api::execute_routes(Arc::clone(&executor_state));
    let executor_server = tokio::spawn(crate::http::serve(
        executor_listener,
        router(executor_state),
        limits,
        stop.clone(),
    ));
    let llm_state = Arc::new(crate::llm::api::LlmState {
        context,
        body: settings.server.body_limits(),
    });
    // The public address answers queries and, as in the executor role, runs snippets.
    let app = crate::llm::api::router(llm_state).merge(public_execute);
    crate::http::serve(llm_listener, app, limits, stop).await?;
    executor_server.await??;
    let _ = shutdown.await;
    tracing::info!("stopped");
    Ok(())
}

async fn bind(addr: std::net::SocketAddr, role: &str) -> anyhow::Result<tokio::net::TcpListener> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} ({role})"))?;
    tracing::info!(addr = %listener.local_addr()?, role, "listening");
    Ok(listener)
}

/// The validator and the started sandbox pool, as the executor role uses them.
pub(crate) async fn build_executor(
    sources: &Sources,
    settings: &Settings,
    validate: bool,
    guards: bool,
) -> anyhow::Result<Executor> {
    let validator =
        Validator::load(sources, settings).context("cannot load the validator's policies")?;
    let allowed_imports = validator.allowed_imports(Tier::Lightweight);
    let restricted_imports = validator.restricted_imports(Tier::Lightweight);
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
        restricted_imports,
        guards,
        heavy: None,
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
    let jobs = crate::jobs::JobService::new(&settings, sources).await?;
    let state = Arc::new(AppState {
        executor,
        jobs: Some(Arc::clone(&jobs)),
        body: settings.server.body_limits(),
    });
    let listener = bind(settings.server.listen, "executor").await?;
    println!("listening on {}", listener.local_addr()?);
    let grace = Duration::from_secs(settings.executor.shutdown_grace_secs);
    let (stop, shutdown) = stop_on_signal(Some(pool), Some(jobs), grace);
    crate::http::serve(listener, router(state), settings.server.limits(grace), stop).await?;
    let _ = shutdown.await;
    tracing::info!("stopped");
    Ok(())
}

/// On SIGTERM or SIGINT: the returned flag turns true (servers stop accepting, close idle
/// connections and close the rest `grace` later) and the pool stops admitting work (queued
/// requests are answered 503 `shutdown`). Running executions get `grace` less a margin to
/// finish, so that their answers, real or 503 `shutdown`, are written before the servers
/// close their connections; then every slot is killed. Local heavy jobs get the same period.
/// The task ends when all that is done.
fn stop_on_signal(
    pool: Option<Pool>,
    jobs: Option<Arc<crate::jobs::JobService>>,
    grace: Duration,
) -> (
    tokio::sync::watch::Receiver<bool>,
    tokio::task::JoinHandle<()>,
) {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!(
            grace_secs = grace.as_secs_f64(),
            "shutting down: no new requests; in-flight work gets the grace period"
        );
        if let Some(pool) = &pool {
            pool.begin_shutdown();
        }
        let _ = stop_tx.send(true);
        let margin = (grace / 4).min(Duration::from_secs(1));
        let executions = async {
            if let Some(pool) = pool {
                pool.shutdown(grace.saturating_sub(margin)).await;
            }
        };
        // Local heavy jobs get the same grace period; those still running are left to their
        // runners and taken over by the next instance (their records are on disk).
        let heavy_jobs = async {
            if let Some(jobs) = jobs {
                jobs.shutdown(grace.saturating_sub(margin)).await;
            }
        };
        tokio::join!(executions, heavy_jobs);
    });
    (stop_rx, task)
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
    let settings = super::load_settings(sources, Role::JobRun)?;
    crate::telemetry::init(&settings.log)?;
    let spec = crate::jobs::runner::RunSpec::from_env()?;
    let span = crate::telemetry::request_span(&spec.request_id);
    let _entered = span.enter();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(crate::jobs::runner::run(sources, &settings, spec))?;
    println!("{}", serde_json::to_string(&outcome.result)?);
    match crate::jobs::runner::exit_code(&outcome.result) {
        0 => Ok(Outcome::Success),
        1 => Ok(Outcome::Negative),
        _ => anyhow::bail!("the sandbox failed: {:?}", outcome.result.errors),
    }
}
