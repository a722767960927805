//! The generation flow as an explicit state machine. Each state is a named variant; `run`
//! moves from one to the next until the answer:
//!
//! ```text
//! Generate ──> Validate ──(findings, corrections left)──> Correct ──> Generate
//!                 │  └──(findings, none left)──> Refuse
//!                 └──> Execute ──(runtime error, repair left)──> Repair ──> Generate
//!                         └──> Answer
//! ```
//!
//! Validation always precedes execution: a program reaches `Execute` only from `Validate`
//! with no findings, and the executor validates it once more itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tracing::field::Empty;
use tracing::Instrument as _;
use utoipa::ToSchema;

use super::client::{Completion, LlmClient, LlmError, Message, Speaker};
use super::executor_client::{ExecutorClient, ExecutorError};
use super::extract::extract_code;
use super::prompts::Prompts;
use crate::models::{
    CodeExecutionRequest, ExecutionResult, ExecutionStatus, Finding, JobRecord, ResourceLimits,
    Tier, TierChoice, TierReason,
};
use crate::validator::Validator;

/// `POST /api/v1/query`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    /// The question, in plain language (not only white space).
    #[schema(min_length = 1, pattern = r"\S")]
    pub query: String,
    /// Small inline data (CSV text, a table): given to the program as the string `DATA`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<QueryOptions>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryOptions {
    /// Limits for the execution, within the executor's maximums.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceLimits>,
    /// Fewer correction rounds than configured (never more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_corrections: Option<u32>,
    /// Send a runtime error back for one repair (default from `llm.repair_runtime_errors`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repair: Option<bool>,
    /// Heavy code runs as a job: wait up to this many seconds for it to finish (default 0:
    /// answer at once with the job id and status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_secs: Option<f64>,
}

/// One program the LLM produced, with what the validator (or the run) found wrong with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attempt {
    pub code: String,
    pub findings: Vec<Finding>,
    /// Set when the program passed validation but failed when it ran (then repaired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Timings {
    pub llm_ms: f64,
    pub validate_ms: f64,
    pub execute_ms: f64,
    pub total_ms: f64,
}

/// The answer to a query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QueryAnswer {
    pub request_id: String,
    /// The final program: the accepted one, or the last refused one.
    pub code: String,
    /// Every program the LLM produced, in order; the accepted one last, with no findings.
    pub attempts: Vec<Attempt>,
    pub tier: Tier,
    pub reasons: Vec<TierReason>,
    /// The execution; `rejected` with the last findings when no program passed validation;
    /// absent while a heavy job is still running.
    pub result: Option<ExecutionResult>,
    /// The heavy job that runs the program, for heavy code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<JobRecord>,
    pub timings: Timings,
    /// Why there is no useful result, when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Llm(#[from] LlmError),
    #[error(transparent)]
    Executor(#[from] ExecutorError),
}

/// What the flow needs, shared by every query.
pub struct Context {
    /// `None` when no endpoint is configured: queries then fail with `LlmError::NotConfigured`.
    pub llm: Option<LlmClient>,
    pub executor: ExecutorClient,
    pub validator: Arc<Validator>,
    pub prompts: Prompts,
    pub allowed_imports: Vec<String>,
    pub max_corrections: u32,
    pub repair_runtime_errors: bool,
    pub max_data_bytes: usize,
    /// Where LLM calls (duration, tokens) are counted.
    pub metrics: Option<Arc<crate::metrics::Metrics>>,
}

/// The pseudo-rule used when an answer holds no code at all.
const NO_CODE: &str = "PX000";

enum State {
    /// Ask the LLM for a program (the conversation says what for).
    Generate,
    /// Check the program the LLM just wrote.
    Validate {
        code: String,
    },
    /// Send the findings back for a corrected program.
    Correct {
        findings: Vec<Finding>,
    },
    /// No program passed validation within the allowed corrections.
    Refuse {
        findings: Vec<Finding>,
    },
    /// Run an accepted program.
    Execute {
        code: String,
        tier: Tier,
        reasons: Vec<TierReason>,
    },
    /// Send a runtime error back for one repaired program.
    Repair {
        stderr: String,
    },
    Answer(Box<QueryAnswer>),
}

struct Flow<'a> {
    ctx: &'a Context,
    llm: &'a LlmClient,
    request_id: String,
    /// Who asked: the executor runs the code and keeps the job as this caller's.
    caller: String,
    data: Option<String>,
    limits: Option<ResourceLimits>,
    wait_secs: f64,
    conversation: Vec<Message>,
    attempts: Vec<Attempt>,
    corrections_left: u32,
    repairs_left: u32,
    timings: Timings,
    started: Instant,
}

pub async fn answer(
    ctx: &Context,
    request: QueryRequest,
    request_id: String,
    caller: &str,
) -> Result<QueryAnswer, FlowError> {
    // Parse the input.
    let query = request.query.trim();
    if query.is_empty() {
        return Err(FlowError::BadRequest("`query` is empty".to_owned()));
    }
    if let Some(data) = &request.data {
        if data.len() > ctx.max_data_bytes {
            return Err(FlowError::BadRequest(format!(
                "`data` is {} bytes, over the limit of {} (llm.max_data_bytes)",
                data.len(),
                ctx.max_data_bytes
            )));
        }
    }
    let llm = ctx.llm.as_ref().ok_or(LlmError::NotConfigured)?;
    let options = request.options.unwrap_or_default();
    let corrections = options
        .max_corrections
        .map_or(ctx.max_corrections, |m| m.min(ctx.max_corrections));
    let repair = options.repair.unwrap_or(ctx.repair_runtime_errors);
    let flow = Flow {
        ctx,
        llm,
        request_id,
        caller: caller.to_owned(),
        conversation: vec![
            Message::new(Speaker::System, ctx.prompts.system(&ctx.allowed_imports)),
            Message::new(
                Speaker::User,
                ctx.prompts.question(query, request.data.as_deref()),
            ),
        ],
        data: request.data,
        limits: options.limits,
        wait_secs: options
            .wait_secs
            .filter(|w| w.is_finite() && *w > 0.0)
            .unwrap_or(0.0)
            .min(3600.0),
        attempts: Vec::new(),
        corrections_left: corrections,
        repairs_left: u32::from(repair),
        timings: Timings::default(),
        started: Instant::now(),
    };
    flow.run().await
}

impl Flow<'_> {
    async fn run(mut self) -> Result<QueryAnswer, FlowError> {
        let mut state = State::Generate;
        loop {
            state = match state {
                State::Generate => self.generate().await?,
                State::Validate { code } => self.validate(code),
                State::Correct { findings } => self.correct(&findings),
                State::Refuse { findings } => self.refuse(findings),
                State::Execute {
                    code,
                    tier,
                    reasons,
                } => self.execute(code, tier, reasons).await?,
                State::Repair { stderr } => self.repair(&stderr),
                State::Answer(answer) => return Ok(*answer),
            };
        }
    }

    async fn generate(&mut self) -> Result<State, FlowError> {
        let called = Instant::now();
        let span = tracing::info_span!(
            target: crate::telemetry::SPANS,
            "generation",
            attempt = self.attempts.len() + 1,
            gen_ai.usage.input_tokens = Empty,
            gen_ai.usage.output_tokens = Empty,
        );
        let completion = self
            .llm
            .complete(&self.conversation)
            .instrument(span.clone())
            .await;
        match &completion {
            Ok(Completion {
                tokens: Some((prompt, reply)),
                ..
            }) => {
                span.record("gen_ai.usage.input_tokens", prompt);
                span.record("gen_ai.usage.output_tokens", reply);
            }
            Ok(_) => {}
            Err(_) => crate::telemetry::mark_failed(&span),
        }
        drop(span);
        if let Some(metrics) = &self.ctx.metrics {
            metrics.llm_call(completion.is_ok(), called.elapsed());
            if let Ok(Completion {
                tokens: Some((prompt, reply)),
                ..
            }) = &completion
            {
                metrics.llm_tokens(u64::from(*prompt), u64::from(*reply));
            }
        }
        let completion = completion?;
        self.timings.llm_ms += ms(completion.elapsed);
        tracing::info!(
            llm_ms = ms(completion.elapsed),
            reply_chars = completion.text.len(),
            "llm answered"
        );
        self.conversation
            .push(Message::new(Speaker::Assistant, completion.text.clone()));
        Ok(match extract_code(&completion.text) {
            Some(code) => State::Validate { code },
            None => {
                let finding = Finding {
                    code: NO_CODE.to_owned(),
                    name: "no-code".to_owned(),
                    message: "the answer holds no Python code block".to_owned(),
                    line: 1,
                    column: 1,
                    end_line: 1,
                    end_column: 1,
                };
                self.attempts.push(Attempt {
                    code: completion.text,
                    findings: vec![finding.clone()],
                    runtime_error: None,
                });
                self.after_findings(vec![finding])
            }
        })
    }

    fn validate(&mut self, code: String) -> State {
        let verdict = self.ctx.validator.validate(&code, TierChoice::Auto);
        self.timings.validate_ms += verdict.elapsed_us as f64 / 1000.0;
        tracing::info!(
            valid = verdict.valid,
            findings = verdict.findings.len(),
            tier = %verdict.tier,
            "validated"
        );
        self.attempts.push(Attempt {
            code: code.clone(),
            findings: verdict.findings.clone(),
            runtime_error: None,
        });
        if verdict.valid {
            State::Execute {
                code,
                tier: verdict.tier,
                reasons: verdict.reasons,
            }
        } else {
            self.after_findings(verdict.findings)
        }
    }

    fn after_findings(&mut self, findings: Vec<Finding>) -> State {
        if self.corrections_left > 0 {
            self.corrections_left -= 1;
            State::Correct { findings }
        } else {
            State::Refuse { findings }
        }
    }

    fn correct(&mut self, findings: &[Finding]) -> State {
        self.conversation.push(Message::new(
            Speaker::User,
            self.ctx.prompts.correction(findings),
        ));
        State::Generate
    }

    fn refuse(&mut self, findings: Vec<Finding>) -> State {
        let attempts = self.attempts.len();
        tracing::warn!(attempts, "no program passed validation");
        let code = self
            .attempts
            .last()
            .map(|a| a.code.clone())
            .unwrap_or_default();
        let result = ExecutionResult::rejected(self.request_id.clone(), findings);
        State::Answer(Box::new(self.finish(
            code,
            Tier::Lightweight,
            Vec::new(),
            Some(result),
            Some(format!(
                "no program passed validation in {attempts} attempt(s); nothing was run"
            )),
        )))
    }

    async fn execute(
        &mut self,
        code: String,
        tier: Tier,
        reasons: Vec<TierReason>,
    ) -> Result<State, FlowError> {
        let program = match &self.data {
            // One line, so the program's own line numbers are unchanged but for the shift
            // of one; a JSON string is a valid Python string literal.
            Some(data) => format!(
                "DATA = {}\n{code}",
                serde_json::to_string(data).unwrap_or_default()
            ),
            None => code.clone(),
        };
        let request = CodeExecutionRequest {
            code: program,
            request_id: Some(self.request_id.clone()),
            tier: if tier == Tier::Heavy {
                TierChoice::Heavy
            } else {
                TierChoice::Lightweight
            },
            limits: self.limits.clone(),
            inputs: Vec::new(),
        };
        if tier == Tier::Heavy {
            let span = tracing::info_span!(target: crate::telemetry::SPANS, "job", tier = "heavy");
            return self.run_job(code, reasons, &request).instrument(span).await;
        }
        let started = Instant::now();
        let span = tracing::info_span!(
            target: crate::telemetry::SPANS,
            "execution",
            tier = "lightweight",
            status = Empty,
        );
        let result = self
            .ctx
            .executor
            .execute(
                &request,
                &self.request_id,
                &self.caller,
                self.attempts.len(),
            )
            .instrument(span.clone())
            .await;
        match &result {
            Ok(result) => {
                span.record("status", crate::metrics::status_label(result.status));
            }
            Err(_) => crate::telemetry::mark_failed(&span),
        }
        drop(span);
        let result = result?;
        self.timings.execute_ms += ms(started.elapsed());
        tracing::info!(status = ?result.status, "executed");
        if result.status == ExecutionStatus::Error && self.repairs_left > 0 {
            self.repairs_left -= 1;
            if let Some(last) = self.attempts.last_mut() {
                last.runtime_error = Some(result.stderr.clone());
            }
            return Ok(State::Repair {
                stderr: result.stderr,
            });
        }
        Ok(State::Answer(Box::new(self.finish(
            code,
            tier,
            reasons,
            Some(result),
            None,
        ))))
    }

    /// Heavy code: a job on the executor's job backend; the answer comes at once with the
    /// job's id and status, or once it is done when the query asked to wait.
    async fn run_job(
        &mut self,
        code: String,
        reasons: Vec<TierReason>,
        request: &CodeExecutionRequest,
    ) -> Result<State, FlowError> {
        let started = Instant::now();
        let created = self
            .ctx
            .executor
            .create_job(request, &self.request_id, &self.caller, self.attempts.len())
            .await?;
        tracing::info!(job_id = %created.job_id, "heavy job created");
        let record = self
            .ctx
            .executor
            .job(&created.job_id, self.wait_secs, &self.caller)
            .await?;
        self.timings.execute_ms += ms(started.elapsed());
        let result = record.result.clone();
        let error = (!record.status.is_done()).then(|| {
            format!(
                "heavy job {} is {:?}: GET /api/v1/jobs/{} on the executor for its result",
                record.job_id, record.status, record.job_id
            )
        });
        let mut answer = self.finish(code, Tier::Heavy, reasons, result, error);
        answer.job = Some(record);
        Ok(State::Answer(Box::new(answer)))
    }

    fn repair(&mut self, stderr: &str) -> State {
        self.conversation
            .push(Message::new(Speaker::User, self.ctx.prompts.repair(stderr)));
        State::Generate
    }

    fn finish(
        &mut self,
        code: String,
        tier: Tier,
        reasons: Vec<TierReason>,
        result: Option<ExecutionResult>,
        error: Option<String>,
    ) -> QueryAnswer {
        self.timings.total_ms = ms(self.started.elapsed());
        QueryAnswer {
            request_id: self.request_id.clone(),
            code,
            attempts: std::mem::take(&mut self.attempts),
            tier,
            reasons,
            result,
            job: None,
            timings: self.timings.clone(),
            error,
        }
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
