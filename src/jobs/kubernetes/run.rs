//! A heavy job on the Kubernetes backend, from creation to its result.

use std::sync::Arc;

use tokio::sync::watch;

use crate::config::{LimitSettings, Settings};
use crate::jobs::{JobService, JobsError};
use crate::models::{JobRecord, JobStatus};

impl JobService {
    /// Creates the job's Secret and Job in the background and follows it.
    pub(in crate::jobs) fn spawn_kubernetes(
        self: &Arc<Self>,
        tx: watch::Sender<JobRecord>,
        code: String,
        limits: LimitSettings,
        inputs: Vec<crate::jobs::inputs::ResolvedInput>,
    ) {
        let (request_id, job_id) = {
            let record = tx.borrow();
            (record.request_id.clone(), record.job_id.clone())
        };
        let span = crate::telemetry::job_span(&request_id, &job_id, None);
        let service = Arc::clone(self);
        tokio::spawn(tracing::Instrument::instrument(
            async move { service.run_kubernetes(tx, code, limits, inputs).await },
            span,
        ));
    }

    /// Creates the Job, follows it through the watch API, then reads the result its runner
    /// wrote to storage.
    async fn run_kubernetes(
        self: Arc<Self>,
        tx: watch::Sender<JobRecord>,
        code: String,
        limits: LimitSettings,
        inputs: Vec<crate::jobs::inputs::ResolvedInput>,
    ) {
        let Some(client) = self.kube.clone() else {
            return;
        };
        let jobs = &self.settings.jobs;
        let (job_id, request_id, owner) = {
            let record = tx.borrow();
            (
                record.job_id.clone(),
                record.request_id.clone(),
                record.owner.clone(),
            )
        };
        // The runner continues the job's trace (this runs in the job's span).
        let traceparent = crate::telemetry::current_traceparent();
        let built = super::build_job(&super::JobInput {
            inputs: &inputs,
            job_id: &job_id,
            request_id: &request_id,
            traceparent: traceparent.as_deref(),
            telemetry: &self.settings.telemetry,
            code: &code,
            limits: &limits,
            jobs,
            storage: &self.settings.storage,
            events: &self.settings.events,
            owner: owner.as_deref(),
        });
        drop(code);
        let (job, secret) = match built {
            Ok(objects) => objects,
            Err(err) => {
                // Checked at start-up (`client`); a failure here is a bug, and still no Job.
                let error = crate::telemetry::error_chain(&err);
                tracing::error!(error = %error, "Kubernetes Job not built");
                tx.send_modify(|r| self.end_record(r, JobStatus::Failed, Some(error), None));
                return;
            }
        };
        match super::create(&client, &jobs.namespace, &job, &secret, jobs.api_retries).await {
            Ok(true) => tracing::info!("Kubernetes Job created"),
            Ok(false) => tracing::info!(
                "a Job of this name exists; following it instead of creating another"
            ),
            Err(err) => {
                let error = crate::telemetry::error_chain(&err);
                tracing::error!(error = %error, "Kubernetes Job not created");
                tx.send_modify(|r| self.end_record(r, JobStatus::Failed, Some(error), None));
                let record = tx.borrow().clone();
                self.announce_end(&record).await;
                return;
            }
        }
        self.follow_kubernetes(&client, tx).await;
    }

    /// Follows a Job that exists (one a previous instance created), in the background.
    /// `traceparent`: the trace the Job was created in (its `TRACEPARENT`).
    pub(in crate::jobs) fn spawn_kubernetes_follow(
        self: &Arc<Self>,
        tx: watch::Sender<JobRecord>,
        traceparent: Option<String>,
    ) {
        let Some(client) = self.kube.clone() else {
            return;
        };
        let (request_id, job_id) = {
            let record = tx.borrow();
            (record.request_id.clone(), record.job_id.clone())
        };
        let span = crate::telemetry::job_span(&request_id, &job_id, traceparent.as_deref());
        let service = Arc::clone(self);
        tokio::spawn(tracing::Instrument::instrument(
            async move { service.follow_kubernetes(&client, tx).await },
            span,
        ));
    }

    /// Follows the Job through the watch API until it ends, then reads the result its
    /// runner wrote to storage.
    async fn follow_kubernetes(&self, client: &kube::Client, tx: watch::Sender<JobRecord>) {
        let jobs = &self.settings.jobs;
        let job_id = tx.borrow().job_id.clone();
        let followed = super::follow(client, &jobs.namespace, &job_id, |job| {
            let status = super::status_of(job);
            if !status.is_done() {
                tx.send_if_modified(|r| std::mem::replace(&mut r.status, status) != status);
            }
        })
        .await;
        let result = self.read_result(&job_id).await;
        let (status, error) = match &followed {
            Ok(job) => (super::status_of(job), super::failure_of(job)),
            Err(err) => (JobStatus::Failed, Some(crate::telemetry::error_chain(err))),
        };
        tx.send_modify(|r| self.end_record(r, status, error, result));
        let record = tx.borrow().clone();
        self.announce_end(&record).await;
    }
}

/// The API server's client: `jobs.api_url` when set, else the in-cluster configuration or
/// the kubeconfig, as kubectl finds them. Refuses, before anything starts, settings with
/// which Jobs would lose their results or run weaker than asked (`super::check`).
pub async fn client(settings: &Settings) -> Result<kube::Client, JobsError> {
    super::check(&settings.jobs, &settings.storage)
        .map_err(|e| JobsError::setup("the Kubernetes job backend's settings", e))?;
    match &settings.jobs.api_url {
        Some(url) => {
            let uri = url
                .parse()
                .map_err(|e| JobsError::setup(format!("jobs.api_url {url:?}"), e))?;
            kube::Client::try_from(kube::Config::new(uri))
                .map_err(|e| JobsError::setup(format!("jobs.api_url {url:?}"), e))
        }
        None => kube::Client::try_default().await.map_err(|e| {
            JobsError::setup(
                "no Kubernetes configuration (in-cluster or kubeconfig); set jobs.api_url or use jobs.backend = \"local\"",
                e,
            )
        }),
    }
}
