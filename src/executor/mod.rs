//! The executor role: validates lightweight code and runs it in the sandbox pool, behind
//! `POST /api/v1/execute_snippet` and `GET /api/v1/health`.

pub mod api;

use std::sync::Arc;

use crate::models::{CodeExecutionRequest, ExecutionError, ExecutionResult, TierChoice};
use crate::sandbox::{Job, Pool};
use crate::validator::Validator;

/// What one execution request turned into, before HTTP.
#[derive(Debug)]
pub enum Failure {
    /// The request is wrong (limits above the maximums, heavy tier asked of this endpoint).
    BadRequest(String),
    Execution(ExecutionError),
}

/// Programs up to this size are validated on the request's own task (about 0.2 ms for 200
/// lines, measured in `benches/validator.rs`); bigger ones on the blocking pool, so that a
/// large program cannot stall the runtime's workers.
const INLINE_VALIDATION_BYTES: usize = 8 * 1024;

pub struct Executor {
    pub pool: Pool,
    validator: Arc<Validator>,
    /// Static validation on (operators may switch it off to test the lower layers alone).
    validate: bool,
    /// Every layer in force: the validator's, then the pool's (fixed once started).
    layers: Vec<String>,
}

impl Executor {
    pub fn new(pool: Pool, validator: Validator, validate: bool) -> Self {
        let validator_layer = validate.then(|| "validator".to_owned());
        let layers = validator_layer
            .into_iter()
            .chain(pool.layers().iter().cloned())
            .collect();
        Self {
            pool,
            validator: Arc::new(validator),
            validate,
            layers,
        }
    }

    pub fn layers(&self) -> &[String] {
        &self.layers
    }

    pub async fn execute(
        &self,
        request: CodeExecutionRequest,
        request_id: String,
    ) -> Result<ExecutionResult, Failure> {
        if request.tier == TierChoice::Heavy {
            return Err(Failure::BadRequest(
                "heavy code does not run here: use POST /api/v1/create_heavy_job".to_owned(),
            ));
        }
        let limits = self
            .pool
            .limits(request.limits.as_ref())
            .map_err(Failure::Execution)?;
        if self.validate {
            let verdict = if request.code.len() <= INLINE_VALIDATION_BYTES {
                // A few microseconds: cheaper than a hand-off to the blocking pool, which
                // costs hundreds of microseconds on a busy two-core machine.
                self.validator
                    .validate(&request.code, TierChoice::Lightweight)
            } else {
                let validator = Arc::clone(&self.validator);
                let code = request.code.clone();
                tokio::task::spawn_blocking(move || {
                    validator.validate(&code, TierChoice::Lightweight)
                })
                .await
                .map_err(|e| {
                    Failure::Execution(ExecutionError::SandboxSetup {
                        message: format!("validation task failed: {e}"),
                    })
                })?
            };
            tracing::info!(
                valid = verdict.valid,
                findings = verdict.findings.len(),
                elapsed_us = verdict.elapsed_us,
                "validated"
            );
            if !verdict.valid {
                return Ok(ExecutionResult::rejected(request_id, verdict.findings));
            }
        }
        let job = Job {
            request_id: request_id.clone(),
            code: request.code,
            limits,
        };
        let mut result = self.pool.execute(job).await.map_err(Failure::Execution)?;
        result.layers.clone_from(&self.layers);
        tracing::info!(
            status = ?result.status,
            duration_ms = result.duration_ms,
            cpu_ms = result.cpu_ms,
            peak_memory_kb = result.peak_memory_kb,
            "executed"
        );
        Ok(result)
    }
}
