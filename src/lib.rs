//! pyexec: run LLM-generated Python safely.
//!
//! The library holds every role's code; `main.rs` only parses the command line and starts one.
//! The modules form layers; each uses only the layers below it (`tests/module_graph.rs`
//! checks this, and that there are no cycles), from the bottom up:
//!
//! 1. [`models`], the JSON shapes every role speaks, [`telemetry`], the logging set-up, and
//!    [`metrics`], the Prometheus metrics every role serves;
//! 2. [`policy`], the policy data of `roles/policy/`, and [`config`], layered configuration;
//! 3. [`names`], name resolution over a parsed program;
//! 4. [`classifier`], the tier choice (lightweight or heavy, with reasons);
//! 5. [`validator`], the static AST rules (layer 1 of the sandbox), which classifies first;
//! 6. [`sandbox`], the warm OS-level sandbox pool; [`jobs`], heavy jobs (local and
//!    Kubernetes backends, the runner); [`storage`], result storage (Azure Blob, S3, a folder);
//! 7. [`http`], the hardened server loop and JSON answers every role's API uses;
//! 8. [`executor`], the sandbox service, and [`llm`], the question-to-answer flow;
//!    [`events`], event triggers and completion events, on top of the executor;
//! 9. [`app`], where configuration is turned into what the layers below need;
//! 10. [`cli`], the commands and roles of the `pyexec` binary.

pub mod app;
pub mod classifier;
pub mod cli;
pub mod config;
pub mod events;
pub mod executor;
pub mod history;
pub mod http;
pub mod jobs;
pub mod llm;
pub mod metrics;
pub mod models;
pub mod names;
pub mod policy;
pub mod sandbox;
pub mod storage;
pub mod telemetry;
pub mod validator;
