//! Serde models shared by every role: what goes over the wire and into the job history.
//! Their JSON shapes are snapshot-tested (`tests/models.rs`) and documented in
//! `docs/models.md`.

mod caller;
mod completion;
mod errors;
mod execution;
mod history;
mod job;
mod validation;

pub use caller::{Caller, Scope};
pub use completion::{
    failing_line, CompletionError, CompletionEvent, CompletionSink, CompletionStatus, Finished,
};
pub use errors::{ApiError, ApiErrorBody, ErrorKind, ExecutionError};
pub use execution::{
    check_source, sane_request_id, CodeExecutionRequest, ExecutionResult, ExecutionStatus,
    InputRef, NamedInput, ResourceLimits,
};
pub use history::{ExecutionRecord, HistoryPage, RunStatus, Source};
pub use job::{
    JobCreated, JobLogs, JobOutputs, JobRecord, JobStatus, OutputFile, StagedInput, UploadedFile,
};
pub use validation::{Finding, ReasonKind, Tier, TierChoice, TierReason, ValidationResult};
