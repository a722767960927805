//! Each role composed from its parts, as zero2prod's `startup.rs` does: the CLI parses
//! arguments and calls [`serve`]; tests and new entry points (event triggers) build the
//! same pieces with [`build_executor`] and [`build_llm_context`].
//!
//! Start-up refuses what would be unsafe: a role with no credential configured runs open
//! (one anonymous caller, said in its log and health) only on a loopback address.
//!
//! This is where configuration meets the pieces it configures: modules below never see
//! each other's types through `config`; this layer converts (`server_limits`).
//!
//! Each serving process makes one [`Metrics`] here and hands it to what records (the
//! routers, the executor, its pool and job service, the LLM flow); every role's router
//! serves it at `GET /metrics`.

mod server_limits;
mod shutdown;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{Role, Settings, Sources};
use crate::executor::api::AppState;
use crate::executor::{AdmissionPolicy, Executor};
use crate::history::History;
use crate::http::auth::AuthSetupError;
use crate::http::Authenticator;
use crate::metrics::Metrics;
use crate::models::{Caller, Scope, Tier};
use crate::sandbox::{Pool, PoolOptions};
use crate::validator::Validator;
use shutdown::stop_on_signal;

type Source = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("refusing to listen on {addr} without credentials: configure auth.api_keys, auth.api_keys_file or auth.oidc, or listen on a loopback address")]
    OpenOnNetwork { addr: SocketAddr },
    #[error("invalid authentication settings")]
    Auth(#[from] AuthSetupError),
    #[error("cannot listen on {addr} ({role})")]
    Bind {
        addr: SocketAddr,
        role: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} is not a service")]
    NotAService(Role),
    #[error("events.source.kind = \"eventhubs\" needs the run history (history.enabled = true): a partition is read again from its last checkpoint after a crash or a hand-over, and only the history answers a request id seen before instead of running it again")]
    EventHubsWithoutHistory,
    #[error("{context}")]
    Setup {
        context: String,
        #[source]
        source: Source,
    },
}

impl StartError {
    fn setup(context: impl Into<String>, source: impl Into<Source>) -> Self {
        Self::Setup {
            context: context.into(),
            source: source.into(),
        }
    }
}

/// Operator switches of the executor (never a request's).
#[derive(Debug, Clone, Copy)]
pub struct Flags {
    /// Static validation (off: test the lower layers alone).
    pub validate: bool,
    /// The Python guards (off: test the OS layer alone).
    pub guards: bool,
}

/// The authenticator of a role listening on `addrs`: from `auth`, or open when nothing is
/// configured, which is refused unless every address is a loopback one.
pub fn authenticator(
    settings: &Settings,
    addrs: &[SocketAddr],
) -> Result<Authenticator, StartError> {
    let auth = Authenticator::from_settings(&settings.auth)?;
    if auth.is_open() {
        if let Some(addr) = addrs.iter().find(|a| !a.ip().is_loopback()) {
            return Err(StartError::OpenOnNetwork { addr: *addr });
        }
        tracing::warn!("authentication is OFF: no credential configured (auth.api_keys, auth.oidc); serving loopback only, every caller is `anonymous`");
    } else {
        tracing::info!(
            api_keys = settings.auth.api_keys.len(),
            oidc = settings.auth.oidc.is_some(),
            "authentication required"
        );
    }
    Ok(auth)
}

/// Runs `role` until SIGTERM or SIGINT, then shuts down gracefully.
pub async fn serve(
    role: Role,
    sources: &Sources,
    settings: Settings,
    flags: Flags,
) -> Result<(), StartError> {
    match role {
        Role::Executor => serve_executor(sources, settings, flags).await,
        Role::Llm => serve_llm(sources, settings).await,
        Role::All => serve_all(sources, settings, flags).await,
        Role::JobRun => Err(StartError::NotAService(role)),
    }
}

/// The validator, prompts and clients of the LLM role. The LLM endpoint is `llm.base_url`;
/// when that is not set, a local OpenAI-compatible server at `llm.local_fallback_url`
/// (Ollama's address) is used if it answers; otherwise queries fail with a message naming
/// the setting to make, and everything else works.
pub async fn build_llm_context(
    sources: &Sources,
    settings: &Settings,
    executor_url: &str,
    executor_key: Option<crate::config::Secret>,
    metrics: Option<Arc<Metrics>>,
) -> Result<crate::llm::flow::Context, StartError> {
    use crate::llm::client::LlmClient;
    let validator = Validator::load(sources, settings)
        .map_err(|e| StartError::setup("cannot load the validator's policies", e))?;
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
        Some(url) => {
            Some(LlmClient::new(llm, &url).map_err(|e| StartError::setup("the LLM client", e))?)
        }
        None => None,
    };
    let executor = crate::llm::executor_client::ExecutorClient::new(
        executor_url,
        crate::llm::executor_client::ExecutorClientOptions::from_settings(llm, executor_key),
    )
    .map_err(|e| StartError::setup("the executor client", e))?;
    Ok(crate::llm::flow::Context {
        llm: client,
        executor,
        validator: Arc::new(validator),
        prompts: crate::llm::prompts::Prompts::load(sources)
            .map_err(|e| StartError::setup("cannot load the prompts", e))?,
        allowed_imports,
        max_corrections: llm.max_corrections,
        repair_runtime_errors: llm.repair_runtime_errors,
        max_data_bytes: llm.max_data_bytes,
        metrics,
    })
}

/// Where the executor listens in the all-in-one mode: the host and port of
/// `llm.executor_url` (port 0 picks a free one).
pub fn executor_listen_addr(url: &str) -> Result<SocketAddr, StartError> {
    let bad = || {
        StartError::setup(
            format!("llm.executor_url {url:?} must be http://IP:PORT in the all-in-one mode"),
            "not an http://IP:PORT address",
        )
    };
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let authority = rest.split('/').next().unwrap_or_default();
    authority
        .parse()
        .or_else(|_| authority.replace("localhost", "127.0.0.1").parse())
        .map_err(|_| bad())
}

/// The validator and the started sandbox pool, as the executor role uses them, with the
/// heavy-job service when there is one; counting in `metrics` when given.
pub async fn build_executor(
    sources: &Sources,
    settings: &Settings,
    flags: Flags,
    jobs: Option<Arc<crate::jobs::JobService>>,
    open: bool,
    metrics: Option<Arc<Metrics>>,
) -> Result<Executor, StartError> {
    let validator = Validator::load(sources, settings)
        .map_err(|e| StartError::setup("cannot load the validator's policies", e))?;
    let allowed_imports = validator.allowed_imports(Tier::Lightweight);
    let restricted_imports = validator.restricted_imports(Tier::Lightweight);
    if !flags.validate {
        tracing::warn!("static validation is OFF (operator flag --no-validate)");
    }
    if !flags.guards {
        tracing::warn!("Python guards are OFF (operator flag --no-guards)");
    }
    let program =
        std::env::current_exe().map_err(|e| StartError::setup("locating the pyexec binary", e))?;
    let pool = Pool::start(PoolOptions {
        settings: settings.executor.clone(),
        program,
        allowed_imports,
        restricted_imports,
        guards: flags.guards,
        validated: flags.validate,
        heavy: None,
        metrics: metrics.clone(),
    })
    .await
    .map_err(|e| StartError::setup("the sandbox cannot start", e))?;
    let admission = AdmissionPolicy::from_settings(&settings.executor, open);
    if let (Some(jobs), Some(metrics)) = (&jobs, &metrics) {
        jobs.count_in(metrics);
    }
    Ok(Executor::new(pool, validator, flags.validate, jobs, admission).count_in(metrics))
}

async fn bind(addr: SocketAddr, role: &'static str) -> Result<tokio::net::TcpListener, StartError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { addr, role, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr, role, source })?;
    tracing::info!(addr = %local, role, "listening");
    Ok(listener)
}

fn local_addr(
    listener: &tokio::net::TcpListener,
    role: &'static str,
) -> Result<SocketAddr, StartError> {
    listener.local_addr().map_err(|source| StartError::Bind {
        addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        role,
        source,
    })
}

async fn job_service(
    settings: &Settings,
    sources: &Sources,
    history: Option<History>,
) -> Result<Arc<crate::jobs::JobService>, StartError> {
    crate::jobs::JobService::new(settings, sources, history)
        .await
        .map_err(|e| StartError::setup("the heavy-job service cannot start", e))
}

/// The database URL of the run history: `history.url`, else the SQLite file `history.db`
/// in `jobs.state_dir` (created with its folder).
pub fn history_url(settings: &Settings) -> Result<String, StartError> {
    if let Some(url) = &settings.history.url {
        return Ok(url.expose().to_owned());
    }
    let dir = &settings.jobs.state_dir;
    std::fs::create_dir_all(dir).map_err(|e| {
        StartError::setup(
            format!("cannot create the state folder {}", dir.display()),
            e,
        )
    })?;
    let dir = dir
        .canonicalize()
        .map_err(|e| StartError::setup(format!("the state folder {}", dir.display()), e))?;
    Ok(format!("sqlite://{}", dir.join("history.db").display()))
}

/// The run history of `settings` (`None` when `history.enabled` is off), counting in
/// `metrics`. A database that cannot be opened stops the start-up: an executor that would
/// lose its records silently is worse than one that does not start.
pub async fn open_history(
    settings: &Settings,
    metrics: Option<Arc<Metrics>>,
) -> Result<Option<History>, StartError> {
    if !settings.history.enabled {
        tracing::warn!("the run history is OFF (history.enabled = false): nothing is recorded and resent request ids run again");
        return Ok(None);
    }
    let url = history_url(settings)?;
    History::open(&url, &settings.history, metrics)
        .await
        .map(Some)
        .map_err(|e| {
            StartError::setup(
                "the run history's database cannot be opened (history.url)",
                e,
            )
        })
}

/// The executor role's state: its job service, its validator and started pool, behind `auth`,
/// counting in `metrics`.
async fn executor_state(
    sources: &Sources,
    settings: &Settings,
    flags: Flags,
    auth: Arc<Authenticator>,
    metrics: &Arc<Metrics>,
) -> Result<ExecutorParts, StartError> {
    if settings.events.source.kind == crate::config::EventKind::EventHubs
        && !settings.history.enabled
    {
        return Err(StartError::EventHubsWithoutHistory);
    }
    let history = open_history(settings, Some(Arc::clone(metrics))).await?;
    let jobs = job_service(settings, sources, history.clone()).await?;
    // Completion events: every finished request, from any path (events.sink).
    let publisher = crate::events::publisher(&settings.events, Some(Arc::clone(metrics)))
        .map_err(|e| StartError::setup("the completion-event sink (events.sink)", e))?;
    let completions = publisher
        .clone()
        .map(|p| p as Arc<dyn crate::models::CompletionSink>);
    if let Some(completions) = &completions {
        jobs.publish_in(Arc::clone(completions));
    }
    let executor = build_executor(
        sources,
        settings,
        flags,
        Some(Arc::clone(&jobs)),
        auth.is_open(),
        Some(Arc::clone(metrics)),
    )
    .await?
    .record_in(history)
    .publish_in(completions);
    let pool = executor.pool.clone();
    let state = Arc::new(AppState {
        executor,
        body: settings.server.body_limits(),
        auth,
        metrics: Some(Arc::clone(metrics)),
        follows: Default::default(),
    });
    Ok(ExecutorParts {
        state,
        pool,
        jobs,
        publisher,
    })
}

/// What the executor role is made of.
struct ExecutorParts {
    state: Arc<AppState>,
    pool: Pool,
    jobs: Arc<crate::jobs::JobService>,
    publisher: Option<Arc<crate::events::Publisher>>,
}

/// The event source of `settings` (`events.source`), consuming into `state` until `stop`.
fn start_events(
    settings: &Settings,
    state: &Arc<AppState>,
    metrics: &Arc<Metrics>,
    publisher: Option<&Arc<crate::events::Publisher>>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<Option<crate::events::Trigger>, StartError> {
    crate::events::start_source(
        Arc::clone(state) as Arc<dyn AsRef<Executor> + Send + Sync>,
        &settings.events,
        Some(Arc::clone(metrics)),
        publisher.cloned(),
        stop,
    )
    .map_err(|e| StartError::setup("the event source (events.source)", e))
}

/// After the servers stopped: the event source's last messages settled, then the
/// completion events still queued published.
async fn finish_events(
    trigger: Option<crate::events::Trigger>,
    publisher: Option<&Arc<crate::events::Publisher>>,
    grace: Duration,
) {
    if let Some(trigger) = trigger {
        trigger.finished(grace + Duration::from_secs(30)).await;
    }
    if let Some(publisher) = publisher {
        let queued = publisher.queued();
        if !publisher.flush(Duration::from_secs(10)).await {
            tracing::error!(
                queued,
                left = publisher.queued(),
                "completion events still queued at exit are not published"
            );
        }
    }
}

async fn serve_executor(
    sources: &Sources,
    settings: Settings,
    flags: Flags,
) -> Result<(), StartError> {
    let auth = Arc::new(authenticator(&settings, &[settings.server.listen])?);
    let metrics = Arc::new(Metrics::new());
    let ExecutorParts {
        state,
        pool,
        jobs,
        publisher,
    } = executor_state(sources, &settings, flags, auth, &metrics).await?;
    let listener = bind(settings.server.listen, "executor").await?;
    println!("listening on {}", local_addr(&listener, "executor")?);
    let grace = Duration::from_secs(settings.executor.shutdown_grace_secs);
    let history = state.executor.history().cloned();
    let (stop, shutdown) = stop_on_signal(Some(pool), Some(jobs), grace);
    let trigger = start_events(
        &settings,
        &state,
        &metrics,
        publisher.as_ref(),
        stop.clone(),
    )?;
    crate::http::serve(
        listener,
        crate::executor::api::router(state),
        settings
            .server
            .limits(grace)
            .with_uploads(settings.jobs.inputs.max_upload_bytes),
        stop,
    )
    .await
    .map_err(|e| StartError::setup("the executor's server failed", e))?;
    let _ = shutdown.await;
    finish_events(trigger, publisher.as_ref(), grace).await;
    flush_history(history.as_ref()).await;
    tracing::info!("stopped");
    Ok(())
}

/// Writes the run history's queued records before the process ends.
async fn flush_history(history: Option<&History>) {
    let Some(history) = history else {
        return;
    };
    let queued = history.queued();
    if !history.flush(Duration::from_secs(10)).await {
        tracing::error!(
            queued,
            left = history.queued(),
            "the run history's database did not take every queued record before exit"
        );
    }
}

async fn serve_llm(sources: &Sources, settings: Settings) -> Result<(), StartError> {
    let auth = Arc::new(authenticator(&settings, &[settings.server.listen])?);
    let metrics = Arc::new(Metrics::new());
    let context = build_llm_context(
        sources,
        &settings,
        &settings.llm.executor_url,
        settings.auth.executor_api_key.clone(),
        Some(Arc::clone(&metrics)),
    )
    .await?;
    let state = Arc::new(crate::llm::api::LlmState {
        context,
        body: settings.server.body_limits(),
        auth,
        metrics: Some(metrics),
    });
    let listener = bind(settings.server.listen, "llm").await?;
    println!("listening on {}", local_addr(&listener, "llm")?);
    let grace = Duration::from_secs(settings.executor.shutdown_grace_secs);
    let (stop, shutdown) = stop_on_signal(None, None, grace);
    let limits = settings.server.limits(grace);
    crate::http::serve(listener, crate::llm::api::router(state), limits, stop)
        .await
        .map_err(|e| StartError::setup("the LLM role's server failed", e))?;
    let _ = shutdown.await;
    tracing::info!("stopped");
    Ok(())
}

/// The LLM and executor roles in one process, talking over loopback HTTP as they would
/// across the network. With credentials configured, the LLM role calls the executor with a
/// key made at start-up and known only to this process.
async fn serve_all(sources: &Sources, settings: Settings, flags: Flags) -> Result<(), StartError> {
    let executor_addr = executor_listen_addr(&settings.llm.executor_url)?;
    let mut authenticator = authenticator(&settings, &[settings.server.listen, executor_addr])?;
    let internal_key = (!authenticator.is_open()).then(|| {
        let key = format!(
            "pyx-internal-{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        authenticator.add_internal_key(
            &key,
            Caller {
                // Not a `key:` id: no configured key can be this caller.
                id: "internal:llm-role".to_owned(),
                // It acts for each of its users (delegate): they are admitted, limited and
                // own their jobs as themselves.
                scopes: vec![
                    Scope::Execute,
                    Scope::JobsRead,
                    Scope::JobsWrite,
                    Scope::Delegate,
                ],
                max_concurrent: None,
                rate_per_sec: Some(0.0),
                delegated: false,
            },
        );
        crate::config::Secret::new(key)
    });
    let auth = Arc::new(authenticator);
    // One registry for the process: both addresses serve the same metrics.
    let metrics = Arc::new(Metrics::new());
    let ExecutorParts {
        state: executor_state,
        pool,
        jobs,
        publisher,
    } = executor_state(sources, &settings, flags, Arc::clone(&auth), &metrics).await?;
    let executor_listener = bind(executor_addr, "executor").await?;
    let executor_url = format!("http://{}", local_addr(&executor_listener, "executor")?);
    let executor_key = internal_key.or_else(|| settings.auth.executor_api_key.clone());
    let context = build_llm_context(
        sources,
        &settings,
        &executor_url,
        executor_key,
        Some(Arc::clone(&metrics)),
    )
    .await?;
    let llm_listener = bind(settings.server.listen, "llm").await?;
    println!("listening on {}", local_addr(&llm_listener, "llm")?);
    let grace = Duration::from_secs(settings.executor.shutdown_grace_secs);
    let history = executor_state.executor.history().cloned();
    let (stop, shutdown) = stop_on_signal(Some(pool), Some(jobs), grace);
    let trigger = start_events(
        &settings,
        &executor_state,
        &metrics,
        publisher.as_ref(),
        stop.clone(),
    )?;
    let limits = settings
        .server
        .limits(grace)
        .with_uploads(settings.jobs.inputs.max_upload_bytes);
    let public_work = crate::executor::api::work_routes(Arc::clone(&executor_state));
    let executor_server = tokio::spawn(crate::http::serve(
        executor_listener,
        crate::executor::api::router(executor_state),
        limits,
        stop.clone(),
    ));
    let llm_state = Arc::new(crate::llm::api::LlmState {
        context,
        body: settings.server.body_limits(),
        auth,
        metrics: Some(Arc::clone(&metrics)),
    });
    // The public address answers queries and, as in the executor role, runs snippets.
    let app = crate::http::finish(
        crate::llm::api::work_routes(llm_state).merge(public_work),
        Some(&metrics),
        "all",
    );
    crate::http::serve(llm_listener, app, limits, stop)
        .await
        .map_err(|e| StartError::setup("the public server failed", e))?;
    match executor_server.await {
        Ok(result) => result.map_err(|e| StartError::setup("the executor's server failed", e))?,
        Err(e) => return Err(StartError::setup("the executor's server task failed", e)),
    }
    let _ = shutdown.await;
    finish_events(trigger, publisher.as_ref(), grace).await;
    flush_history(history.as_ref()).await;
    tracing::info!("stopped");
    Ok(())
}
