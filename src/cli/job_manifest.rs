//! `pyexec job-manifest`: the Kubernetes objects a heavy request would create, as JSON, for
//! review (`kubectl apply --dry-run=server -f -`) or schema validation.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use super::validate::read_source;
use super::{load_settings, Outcome};
use crate::config::{Role, Sources};
use crate::jobs::kubernetes::{build_job, JobInput};

#[derive(Debug, Args)]
pub struct JobManifestArgs {
    /// Python file the job would run, or `-` for standard input.
    #[arg(default_value = "-")]
    pub file: PathBuf,
    /// The request id the job is for.
    #[arg(long, default_value = "manifest-preview")]
    pub request_id: String,
}

pub fn run(sources: &Sources, args: &JobManifestArgs) -> anyhow::Result<Outcome> {
    let settings = load_settings(sources, Role::Executor)?;
    let (_, source) = read_source(&args.file)?;
    let code = String::from_utf8(source).context("the program is not valid UTF-8")?;
    if !crate::jobs::sane_request_id(&args.request_id) {
        anyhow::bail!(
            "--request-id `{}` is not a sane id (letters, digits, - _ . : only)",
            args.request_id
        );
    }
    let limits = crate::jobs::runner::heavy_limits(&settings, None, None)?;
    let job_id = crate::jobs::job_id(&args.request_id);
    let (job, secret) = build_job(&JobInput {
        inputs: &[],
        job_id: &job_id,
        request_id: &args.request_id,
        // The executor sets the trace context of the job's span here.
        traceparent: None,
        telemetry: &settings.telemetry,
        code: &code,
        limits: &limits,
        jobs: &settings.jobs,
        storage: &settings.storage,
        events: &settings.events,
        owner: None,
    })?;
    let items = vec![serde_json::to_value(&secret)?, serde_json::to_value(&job)?];
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    println!("{}", serde_json::to_string_pretty(&list)?);
    Ok(Outcome::Success)
}
