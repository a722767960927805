//! The LLM client: OpenAI-compatible Chat Completions through `async-openai` (OpenAI, Azure
//! OpenAI, Ollama, vLLM, llama.cpp). 429, 5xx and refused connections are retried by the
//! crate's own retry layer (exponential backoff from 100 ms, `Retry-After` honoured) up to
//! `llm.max_retries` times; what still fails becomes an error that names the endpoint. The
//! key never reaches a log line: it lives in the client's configuration only.

use std::time::{Duration, Instant};

use async_openai::config::{AzureConfig, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::middleware::retry::OpenAIRetryLayer;
use async_openai::middleware::{HttpRequestFactory, ReqwestService};
use async_openai::types::chat::{
    ChatCompletionRequestAssistantMessageArgs, ChatCompletionRequestMessage,
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequest, CreateChatCompletionRequestArgs,
};
use async_openai::Client;
use tower::{Layer as _, ServiceExt as _};

use crate::config::LlmSettings;
use crate::telemetry::error_chain;

/// Who said a message of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    System,
    User,
    Assistant,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub speaker: Speaker,
    pub text: String,
}

impl Message {
    pub fn new(speaker: Speaker, text: impl Into<String>) -> Self {
        Self {
            speaker,
            text: text.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("no LLM endpoint is configured: set llm.base_url (environment PYEXEC_LLM__BASE_URL) to an OpenAI-compatible API, for example http://127.0.0.1:11434/v1 for Ollama, and llm.model (PYEXEC_LLM__MODEL)")]
    NotConfigured,
    #[error("the LLM at {endpoint} did not answer within {secs} s (llm.timeout_secs)")]
    Timeout { endpoint: String, secs: u64 },
    #[error("the LLM at {endpoint} is unreachable: {message}")]
    Unreachable { endpoint: String, message: String },
    #[error("the LLM at {endpoint} answered HTTP {status}: {message}")]
    Status {
        endpoint: String,
        status: u16,
        message: String,
    },
    #[error("the LLM at {endpoint} sent an answer pyexec cannot use: {message}")]
    BadAnswer { endpoint: String, message: String },
}

enum Api {
    OpenAi(Client<OpenAIConfig>),
    Azure(Client<AzureConfig>),
}

pub struct LlmClient {
    api: Api,
    endpoint: String,
    model: String,
    temperature: f32,
    timeout: Duration,
}

/// One answer of the model and how long it took, retries included.
#[derive(Debug, Clone)]
pub struct Completion {
    pub text: String,
    pub elapsed: Duration,
    /// Prompt and completion tokens, when the endpoint reports its usage.
    pub tokens: Option<(u32, u32)>,
}

impl LlmClient {
    /// Fails only when the HTTP client cannot be built (no TLS backend, say).
    pub fn new(settings: &LlmSettings, base_url: &str) -> Result<Self, reqwest::Error> {
        let timeout = Duration::from_secs(settings.timeout_secs.max(1));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(settings.connect_timeout_secs.max(1)).min(timeout))
            .build()?;
        let key = settings
            .api_key
            .as_ref()
            .map(|k| k.expose().to_owned())
            .unwrap_or_default();
        let base = base_url.trim_end_matches('/').to_owned();
        let retries = usize::try_from(settings.max_retries).unwrap_or(usize::MAX);
        let transport = ReqwestService::new(http.clone());
        let cap = settings.max_response_bytes;
        // Every answer is read under a size cap before async-openai parses it: a runaway or
        // hostile endpoint cannot make this role buffer more than `llm.max_response_bytes`.
        let capped = tower::service_fn(move |factory: HttpRequestFactory| {
            let transport = transport.clone();
            async move {
                let response = transport.oneshot(factory).await?;
                read_capped(response, cap).await
            }
        });
        let service = OpenAIRetryLayer::new(retries).layer(capped);
        let api = match &settings.api_version {
            Some(version) => Api::Azure(
                Client::with_config(
                    AzureConfig::new()
                        .with_api_base(&base)
                        .with_api_version(version)
                        .with_deployment_id(&settings.model)
                        .with_api_key(key),
                )
                .with_http_client(http.clone())
                .with_http_service(service),
            ),
            None => Api::OpenAi(
                Client::with_config(OpenAIConfig::new().with_api_base(&base).with_api_key(key))
                    .with_http_client(http)
                    .with_http_service(service),
            ),
        };
        Ok(Self {
            api,
            endpoint: base,
            model: settings.model.clone(),
            temperature: settings.temperature,
            timeout,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Sends the conversation and returns the model's answer.
    pub async fn complete(&self, messages: &[Message]) -> Result<Completion, LlmError> {
        let request = self.request(messages)?;
        let started = Instant::now();
        let outcome = match &self.api {
            Api::OpenAi(client) => client.chat().create(request).await,
            Api::Azure(client) => client.chat().create(request).await,
        };
        let response = outcome.map_err(|e| self.classify(e))?;
        let tokens = response
            .usage
            .as_ref()
            .map(|u| (u.prompt_tokens, u.completion_tokens));
        let text = response
            .choices
            .into_iter()
            .next()
            .and_then(|choice| choice.message.content)
            .ok_or_else(|| LlmError::BadAnswer {
                endpoint: self.endpoint.clone(),
                message: "no message content in the first choice".to_owned(),
            })?;
        Ok(Completion {
            text,
            elapsed: started.elapsed(),
            tokens,
        })
    }

    fn request(&self, messages: &[Message]) -> Result<CreateChatCompletionRequest, LlmError> {
        let bad = |e: &dyn std::fmt::Display| LlmError::BadAnswer {
            endpoint: self.endpoint.clone(),
            message: format!("cannot build the request: {e}"),
        };
        let mut converted: Vec<ChatCompletionRequestMessage> = Vec::with_capacity(messages.len());
        for message in messages {
            converted.push(match message.speaker {
                Speaker::System => {
                    ChatCompletionRequestSystemMessage::from(message.text.as_str()).into()
                }
                Speaker::User => {
                    ChatCompletionRequestUserMessage::from(message.text.as_str()).into()
                }
                Speaker::Assistant => ChatCompletionRequestAssistantMessageArgs::default()
                    .content(message.text.clone())
                    .build()
                    .map_err(|e| bad(&e))?
                    .into(),
            });
        }
        CreateChatCompletionRequestArgs::default()
            .model(&self.model)
            .temperature(self.temperature)
            .messages(converted)
            .build()
            .map_err(|e| bad(&e))
    }

    fn classify(&self, err: OpenAIError) -> LlmError {
        let endpoint = self.endpoint.clone();
        match err {
            OpenAIError::Reqwest(e) if e.is_timeout() => LlmError::Timeout {
                endpoint,
                secs: self.timeout.as_secs(),
            },
            OpenAIError::Reqwest(e) if e.is_connect() || e.is_request() => LlmError::Unreachable {
                endpoint,
                message: error_chain(&e),
            },
            OpenAIError::Reqwest(e) => match e.status() {
                Some(status) => LlmError::Status {
                    endpoint,
                    status: status.as_u16(),
                    message: error_chain(&e),
                },
                None => LlmError::Unreachable {
                    endpoint,
                    message: error_chain(&e),
                },
            },
            OpenAIError::Boxed(boxed) if boxed.is::<TooLarge>() => LlmError::BadAnswer {
                endpoint,
                message: boxed.to_string(),
            },
            OpenAIError::ApiError(api) => LlmError::Status {
                endpoint,
                status: api.status_code.as_u16(),
                message: truncate(&api.api_error.message, 500),
            },
            other => LlmError::BadAnswer {
                endpoint,
                message: truncate(&other.to_string(), 500),
            },
        }
    }

    /// Whether `GET {base}/models` answers at all (any HTTP status) within two seconds.
    pub async fn reachable(base_url: &str) -> bool {
        let Ok(http) = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
        else {
            return false;
        };
        let url = format!("{}/models", base_url.trim_end_matches('/'));
        http.get(url).send().await.is_ok()
    }
}

/// An answer over `llm.max_response_bytes`.
#[derive(Debug, thiserror::Error)]
#[error("the answer is over the limit of {0} bytes (llm.max_response_bytes)")]
struct TooLarge(usize);

/// Reads `response` whole, refusing it past `cap` bytes, and hands it on unchanged.
async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<reqwest::Response, OpenAIError> {
    let too_large = || OpenAIError::Boxed(Box::new(TooLarge(cap)));
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let mut builder = axum::http::Response::builder()
        .status(response.status())
        .version(response.version());
    if let Some(headers) = builder.headers_mut() {
        headers.clone_from(response.headers());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let rebuilt = builder
        .body(body)
        .map_err(|e| OpenAIError::Boxed(Box::new(e)))?;
    Ok(reqwest::Response::from(rebuilt))
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}
