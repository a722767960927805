//! pyexec: run LLM-generated Python safely.
//!
//! The library holds every role's code; `main.rs` only parses the command line and starts one.
//! Layers, from the outside in: [`validator`] (static AST rules) and [`classifier`] (tier
//! choice), driven by [`policy`] data from `roles/`; shared [`models`]; [`config`] and
//! [`telemetry`] for every role; [`http`], the hardened server loop and JSON answers every
//! role's API uses.

pub mod app;
pub mod classifier;
pub mod cli;
pub mod config;
pub mod executor;
pub mod http;
pub mod jobs;
pub mod llm;
pub mod models;
pub mod policy;
pub mod sandbox;
pub mod storage;
pub mod telemetry;
pub mod validator;
