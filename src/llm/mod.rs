//! The LLM role: a question in, a program written by an OpenAI-compatible model, checked by
//! the validator (findings sent back for corrections), run by the executor over its REST
//! API, and the answer out. The flow is `flow.rs`; the prompts are data in `roles/llm/`.

pub mod api;
pub mod client;
pub mod executor_client;
pub mod extract;
pub mod flow;
pub mod prompts;
