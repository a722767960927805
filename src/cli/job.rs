//! `pyexec job`: heavy jobs from a terminal, through a running executor's API (submit,
//! status, logs, outputs, cancel). Human output by default, `--format json` for scripts.
//! The credential comes from `PYEXEC_API_KEY` (never from an argument, which `ps` shows).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand, ValueEnum};

use super::Outcome;
use crate::models::{JobCreated, JobLogs, JobOutputs, JobRecord, JobStatus, UploadedFile};

#[derive(Debug, Args)]
pub struct JobArgs {
    #[command(subcommand)]
    pub command: JobCommand,
    /// The executor's base URL.
    #[arg(
        long,
        global = true,
        env = "PYEXEC_EXECUTOR_URL",
        default_value = "http://127.0.0.1:8081"
    )]
    pub executor_url: String,
    /// The API key (`Authorization: Bearer`), from the environment only.
    #[arg(
        long,
        global = true,
        env = "PYEXEC_API_KEY",
        hide_env_values = true,
        hide = true
    )]
    pub api_key: Option<String>,
    /// `text` for people, `json` for scripts.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Submit a Python file as a heavy job; prints its id, or with --wait its output as it
    /// comes and how it ended (exit code as `pyexec exec`'s).
    Submit(SubmitArgs),
    /// A job's status and result.
    Status(IdArgs),
    /// A job's output so far; with --follow, as it comes until the job ends.
    Logs(LogsArgs),
    /// The files a finished job wrote; with --download DIR, fetched and checked against
    /// their SHA-256.
    Outputs(OutputsArgs),
    /// Stop a job.
    Cancel(IdArgs),
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The Python program (`-` for standard input).
    pub file: PathBuf,
    /// The request id (idempotent: the same program under the same id is the same job).
    #[arg(long)]
    pub request_id: Option<String>,
    /// Follow the job's output until it ends.
    #[arg(long)]
    pub wait: bool,
    /// A file the job reads from its input folder (`INPUT_DIR`): a local path (uploaded
    /// first, with a progress line), an uploaded file's id (`f-...`) or a storage URL in the
    /// executor's bucket (`s3://`, `az://`, `abfs://`). Repeat for several.
    #[arg(long = "input", value_name = "URL|PATH")]
    pub inputs: Vec<String>,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The job id (`job submit` prints it).
    pub job_id: String,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The job id (`job submit` prints it).
    pub job_id: String,
    /// Print the output as it comes, until the job ends.
    #[arg(long)]
    pub follow: bool,
}

#[derive(Debug, Args)]
pub struct OutputsArgs {
    /// The job id (`job submit` prints it).
    pub job_id: String,
    /// Download every file into this folder (created when missing).
    #[arg(long)]
    pub download: Option<PathBuf>,
}

/// The executor's API, as this command uses it.
struct Api {
    http: reqwest::Client,
    base: String,
    key: Option<String>,
}

impl Api {
    fn new(args: &JobArgs) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            http,
            base: args.executor_url.trim_end_matches('/').to_owned(),
            key: args.api_key.clone().filter(|k| !k.is_empty()),
        })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        match &self.key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }

    /// Sends `request`; a non-2xx answer becomes an error with the server's message.
    async fn send(&self, request: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot reach the executor at {}", self.base))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        let message = body["error"]["message"]
            .as_str()
            .unwrap_or("no message")
            .to_owned();
        bail!("the executor answered {status}: {message}")
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<T> {
        self.send(request)
            .await?
            .json()
            .await
            .context("the executor's answer is not what this command expects")
    }
}

pub fn run(args: &JobArgs) -> anyhow::Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let api = Api::new(args)?;
        match &args.command {
            JobCommand::Submit(submit) => submit_job(&api, submit, args.format).await,
            JobCommand::Status(id) => {
                let record: JobRecord = api
                    .json(api.request(reqwest::Method::GET, &job_path(&id.job_id)?))
                    .await?;
                print_record(&record, args.format)?;
                Ok(outcome_of(&record))
            }
            JobCommand::Cancel(id) => {
                let record: JobRecord = api
                    .json(api.request(reqwest::Method::DELETE, &job_path(&id.job_id)?))
                    .await?;
                print_record(&record, args.format)?;
                Ok(Outcome::Success)
            }
            JobCommand::Logs(logs) if logs.follow => {
                let status = follow(&api, &logs.job_id, args.format).await?;
                Ok(outcome_of_status(status))
            }
            JobCommand::Logs(logs) => {
                let found: JobLogs = api
                    .json(api.request(
                        reqwest::Method::GET,
                        &format!("{}/logs", job_path(&logs.job_id)?),
                    ))
                    .await?;
                match args.format {
                    Format::Json => println!("{}", serde_json::to_string(&found)?),
                    Format::Text => {
                        print!("{}", found.stdout);
                        eprint!("{}", found.stderr);
                    }
                }
                Ok(Outcome::Success)
            }
            JobCommand::Outputs(outputs) => list_outputs(&api, outputs, args.format).await,
        }
    })
}

/// `/api/v1/jobs/{id}` for an id that can only be a job id (a DNS label).
fn job_path(job_id: &str) -> anyhow::Result<String> {
    let label = !job_id.is_empty()
        && job_id.len() <= 63
        && job_id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !label {
        bail!(
            "{job_id:?} is not a job id (lowercase letters, digits and -, as `job submit` prints)"
        );
    }
    Ok(format!("/api/v1/jobs/{job_id}"))
}

async fn submit_job(api: &Api, args: &SubmitArgs, format: Format) -> anyhow::Result<Outcome> {
    let code = if args.file == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).context("cannot read the program from stdin")?
    } else {
        std::fs::read_to_string(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?
    };
    let mut inputs = Vec::with_capacity(args.inputs.len());
    for input in &args.inputs {
        // A local file is uploaded, whatever its name looks like; anything else is a source.
        let local = Path::new(input).exists();
        if !local && (input.contains("://") || crate::jobs::inputs::is_file_id(input)) {
            inputs.push(input.clone());
        } else {
            let uploaded = upload(api, Path::new(input), format).await?;
            inputs.push(uploaded.file_id);
        }
    }
    let mut body = serde_json::json!({ "code": code, "tier": "heavy", "inputs": inputs });
    if let Some(id) = &args.request_id {
        body["request_id"] = serde_json::Value::String(id.clone());
    }
    let created: JobCreated = api
        .json(
            api.request(reqwest::Method::POST, "/api/v1/create_heavy_job")
                .json(&body),
        )
        .await?;
    if !args.wait {
        match format {
            Format::Json => println!("{}", serde_json::to_string(&created)?),
            Format::Text => println!("{}", created.job_id),
        }
        return Ok(Outcome::Success);
    }
    if format == Format::Text {
        eprintln!("job {} {}", created.job_id, status_word(created.status));
    }
    follow(api, &created.job_id, format).await?;
    let record: JobRecord = api
        .json(api.request(reqwest::Method::GET, &job_path(&created.job_id)?))
        .await?;
    match format {
        Format::Json => println!("{}", serde_json::to_string(&record)?),
        Format::Text => eprintln!("{}", summary(&record)),
    }
    Ok(outcome_of(&record))
}

/// Uploads a local file (`POST /api/v1/files`), streaming it, with a progress line on a
/// terminal; checks the executor's checksum against the file's.
async fn upload(api: &Api, path: &Path, format: Format) -> anyhow::Result<UploadedFile> {
    use futures_util::StreamExt as _;
    use sha2::Digest as _;
    let file = tokio::fs::File::open(path)
        .await
        .with_context(|| format!("cannot open the input {}", path.display()))?;
    let size = file
        .metadata()
        .await
        .with_context(|| format!("cannot read the size of {}", path.display()))?
        .len();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| crate::jobs::inputs::sane_file_name(n))
        .with_context(|| {
            format!(
                "{} has no plain file name to give the job's input",
                path.display()
            )
        })?;
    let show = format == Format::Text && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let hasher = std::sync::Arc::new(std::sync::Mutex::new(sha2::Sha256::new()));
    let progress = Progress::new(&name, size, show);
    let chunks = {
        let hasher = std::sync::Arc::clone(&hasher);
        file_chunks(file).map(move |chunk| {
            if let Ok(bytes) = &chunk {
                if let Ok(mut hasher) = hasher.lock() {
                    hasher.update(bytes);
                }
                progress.advance(bytes.len());
            }
            chunk
        })
    };
    let mut url = reqwest::Url::parse(&format!("{}/api/v1/files", api.base))
        .context("the executor URL is not a URL")?;
    url.query_pairs_mut().append_pair("name", &name);
    let mut request = api
        .http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .header(reqwest::header::CONTENT_LENGTH, size)
        .body(reqwest::Body::wrap_stream(chunks));
    if let Some(key) = &api.key {
        request = request.bearer_auth(key);
    }
    let uploaded: UploadedFile = api.json(request).await?;
    if show {
        eprintln!();
    }
    let sha256 = hasher
        .lock()
        .map(|h| crate::history::hex(&h.clone().finalize()))
        .unwrap_or_default();
    if uploaded.sha256 != sha256 || uploaded.size != size {
        bail!(
            "the executor stored {} with another checksum or size than the file's (it changed while it was sent?)",
            path.display()
        );
    }
    if format == Format::Text {
        eprintln!(
            "uploaded {} as {} ({} bytes)",
            path.display(),
            uploaded.file_id,
            size
        );
    }
    Ok(uploaded)
}

/// A file as a stream of 256 KiB chunks.
fn file_chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static {
    futures_util::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt as _;
        let mut buffer = vec![0u8; 256 << 10];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(buffer), file))
            }
            Err(err) => Some((Err(err), file)),
        }
    })
}

/// A progress line on standard error (`name: 42% (12.0 of 28.5 MiB)`), redrawn at most
/// every 200 ms.
struct Progress {
    name: String,
    size: u64,
    show: bool,
    sent: std::sync::atomic::AtomicU64,
    drawn: std::sync::Mutex<Option<std::time::Instant>>,
}

impl Progress {
    fn new(name: &str, size: u64, show: bool) -> Self {
        Self {
            name: name.to_owned(),
            size,
            show,
            sent: std::sync::atomic::AtomicU64::new(0),
            drawn: std::sync::Mutex::new(None),
        }
    }

    fn advance(&self, bytes: usize) {
        use std::sync::atomic::Ordering;
        let sent = self.sent.fetch_add(bytes as u64, Ordering::Relaxed) + bytes as u64;
        if !self.show {
            return;
        }
        let Ok(mut drawn) = self.drawn.lock() else {
            return;
        };
        let due = drawn.is_none_or(|at| at.elapsed() >= Duration::from_millis(200));
        if due || sent >= self.size {
            *drawn = Some(std::time::Instant::now());
            let mib = |b: u64| b as f64 / (1 << 20) as f64;
            let percent = if self.size == 0 {
                100.0
            } else {
                sent as f64 * 100.0 / self.size as f64
            };
            eprint!(
                "\r{}: {percent:.0}% ({:.1} of {:.1} MiB)",
                self.name,
                mib(sent),
                mib(self.size)
            );
            let _ = std::io::stderr().flush();
        }
    }
}

/// Prints the job's output as it comes (server-sent events) until it ends; its last status.
async fn follow(api: &Api, job_id: &str, format: Format) -> anyhow::Result<JobStatus> {
    let mut response = api
        .send(api.request(
            reqwest::Method::GET,
            &format!("{}/logs?follow=true", job_path(job_id)?),
        ))
        .await?;
    let mut pending = Vec::new();
    let mut event = String::new();
    let mut status = JobStatus::Running;
    while let Some(chunk) = response
        .chunk()
        .await
        .context("the executor's event stream broke off")?
    {
        pending.extend_from_slice(&chunk);
        while let Some(end) = pending.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            if let Some(name) = line.strip_prefix("event:") {
                event = name.trim().to_owned();
            } else if let Some(data) = line.strip_prefix("data:") {
                let data: serde_json::Value = serde_json::from_str(data.trim()).unwrap_or_default();
                if format == Format::Json {
                    println!("{}", serde_json::json!({"event": event, "data": data}));
                }
                match event.as_str() {
                    "stdout" if format == Format::Text => {
                        print!("{}", data["text"].as_str().unwrap_or_default());
                        let _ = std::io::stdout().flush();
                    }
                    "stderr" if format == Format::Text => {
                        eprint!("{}", data["text"].as_str().unwrap_or_default());
                    }
                    "end" => {
                        status = serde_json::from_value(data["status"].clone())
                            .unwrap_or(JobStatus::Failed);
                        return Ok(status);
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(status)
}

async fn list_outputs(api: &Api, args: &OutputsArgs, format: Format) -> anyhow::Result<Outcome> {
    let path = format!("{}/outputs", job_path(&args.job_id)?);
    let outputs: JobOutputs = api.json(api.request(reqwest::Method::GET, &path)).await?;
    let Some(folder) = &args.download else {
        match format {
            Format::Json => println!("{}", serde_json::to_string(&outputs)?),
            Format::Text => {
                for file in &outputs.files {
                    let short: String = file.sha256.chars().take(12).collect();
                    println!("{:>12}  {short}  {}", file.size, printable(&file.name));
                }
            }
        }
        return Ok(Outcome::Success);
    };
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    for file in &outputs.files {
        // The server lists only its own relative names; refuse anything else all the same.
        if file
            .name
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
        {
            bail!("the executor listed an unsafe file name {:?}", file.name);
        }
        let target = folder.join(&file.name);
        make_folders(folder, &file.name)?;
        let mut response = api
            .send(api.request(
                reqwest::Method::GET,
                &format!("{path}/{}", encode_path(&file.name)),
            ))
            .await?;
        let partial = target.with_extension("pyexec-part");
        let mut out = create_new(&partial)?;
        let mut digest = <sha2::Sha256 as sha2::Digest>::new();
        let mut size = 0u64;
        while let Some(chunk) = response
            .chunk()
            .await
            .with_context(|| format!("the download of {} broke off", file.name))?
        {
            sha2::Digest::update(&mut digest, &chunk);
            size += chunk.len() as u64;
            out.write_all(&chunk)
                .with_context(|| format!("cannot write {}", partial.display()))?;
            if format == Format::Text {
                eprint!(
                    "\r{}: {} / {} bytes",
                    printable(&file.name),
                    size,
                    file.size
                );
            }
        }
        if format == Format::Text {
            eprintln!();
        }
        let sha256: String = sha2::Digest::finalize(digest)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if sha256 != file.sha256 || size != file.size {
            let _ = std::fs::remove_file(&partial);
            bail!(
                "{} arrived damaged ({size} bytes, sha256 {sha256}; expected {} bytes, {})",
                file.name,
                file.size,
                file.sha256
            );
        }
        // rename replaces a symlink at the target, never what it points to.
        std::fs::rename(&partial, &target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        if format == Format::Json {
            println!(
                "{}",
                serde_json::json!({"name": file.name, "path": target, "size": size, "sha256": sha256})
            );
        } else {
            println!("{}", printable(&target.display().to_string()));
        }
    }
    Ok(Outcome::Success)
}

/// The folders above `name` under `folder`, created, none of them a symlink (a folder that
/// others can write to could otherwise send the download elsewhere).
fn make_folders(folder: &Path, name: &str) -> anyhow::Result<()> {
    let mut at = folder.to_owned();
    let parts: Vec<&str> = name.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                bail!(
                    "{} is a symbolic link; download into a folder of your own",
                    at.display()
                )
            }
            Ok(_) => {}
            Err(_) => std::fs::create_dir(&at)
                .with_context(|| format!("cannot create {}", at.display()))?,
        }
    }
    Ok(())
}

/// A new file: an existing one (or a symlink) at `path` is removed first, and the file is
/// created exclusively, never through a link.
fn create_new(path: &Path) -> anyhow::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    if std::fs::symlink_metadata(path).is_ok() {
        std::fs::remove_file(path).with_context(|| format!("cannot replace {}", path.display()))?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A file name as a URL path: each segment percent-encoded, `/` kept.
fn encode_path(name: &str) -> String {
    name.split('/')
        .map(|segment| {
            segment
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `text` with control characters shown as `?`: names come from the job's code.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn status_word(status: JobStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn summary(record: &JobRecord) -> String {
    let mut text = format!("job {} {}", record.job_id, status_word(record.status));
    if let Some(result) = &record.result {
        text.push_str(&format!(" · {:.1} s", result.duration_ms / 1000.0));
    }
    if let Some(location) = &record.result_location {
        text.push_str(&format!(" · results in {location}"));
    }
    if let Some(error) = &record.error {
        text.push_str(&format!(" · {error}"));
    }
    text
}

fn print_record(record: &JobRecord, format: Format) -> anyhow::Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string(record)?),
        Format::Text => println!("{}", summary(record)),
    }
    Ok(())
}

fn outcome_of(record: &JobRecord) -> Outcome {
    match &record.result {
        Some(result) => Outcome::of_execution(result.status),
        None => outcome_of_status(record.status),
    }
}

fn outcome_of_status(status: JobStatus) -> Outcome {
    match status {
        JobStatus::Succeeded | JobStatus::Pending | JobStatus::Running => Outcome::Success,
        JobStatus::Failed | JobStatus::Cancelled => Outcome::Negative,
    }
}
