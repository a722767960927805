//! Inputs of heavy jobs: what a request may name, where it is in storage, and how the runner
//! stages it.
//!
//! A request names each input as an uploaded file's id (`POST /api/v1/files`) or a storage
//! URL. The executor resolves every one *before* the job is created ([`resolve`]): an id to
//! its owner's upload folder (`uploads/{owner digest}/{id}`, so that a caller can never name
//! another caller's upload), a URL to a key in the configured bucket or container, outside the
//! service's own area (`storage.root`: results, uploads and checkpoints of every caller) and,
//! when configured, under one of `jobs.inputs.url_prefixes`. Anything else is a 400 naming the
//! input. The runner then copies each resolved key into the job's input folder
//! ([`stage`]): sizes are checked against the caps before and while it copies, an upload's
//! checksum must match the one recorded at upload, and a missing or refused input fails the
//! job before any user code runs. The folder is bound read-only at [`INPUT_DIR`] in the
//! sandbox.

use std::path::Path;

use futures_util::StreamExt as _;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use tokio::io::AsyncWriteExt as _;

use crate::config::{InputSettings, StorageBackend, StorageSettings};
use crate::models::{InputRef, StagedInput, UploadedFile};
use crate::storage::{Storage, StorageError};

/// Where the inputs are inside the sandbox (read-only), and the value of `INPUT_DIR`.
pub use crate::sandbox::INPUT_DIR;

/// The folder (relative to the storage root) under which uploads are kept.
const UPLOADS: &str = "uploads";

/// An input resolved by the executor and staged by the runner (`INPUTS`, a JSON list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolvedInput {
    /// What the request named, for messages and `inputs.json`.
    pub source: String,
    /// The file name in the input folder.
    pub name: String,
    /// Where it is.
    pub location: InputLocation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum InputLocation {
    /// An upload: a key under the storage root; its record (`{key}.json`) holds its checksum.
    Upload { key: String },
    /// An object of the bucket or container, by its key from the bucket's top.
    Object { key: String },
}

/// Why an input cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(
        "at most {max} inputs may be named (jobs.inputs.max_files); this request names {count}"
    )]
    TooMany { count: usize, max: usize },
    #[error("input {input:?}: {why}")]
    Refused { input: String, why: String },
    #[error("two inputs would both be named {name:?} in the input folder; give one a name ({{\"source\": ..., \"name\": ...}})")]
    SameName { name: String },
    #[error("input {input:?} ({name}): {why}")]
    Stage {
        input: String,
        name: String,
        why: String,
    },
    #[error("cannot read the inputs given to the runner (INPUTS)")]
    BadSpec(#[source] serde_json::Error),
    #[error("input folder: {step}")]
    Folder {
        step: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// The folder of `owner`'s uploads: a digest of the caller's id, so that ids never mix.
pub fn owner_folder(owner: &str) -> String {
    let digest = crate::history::sha256_hex(owner.as_bytes());
    format!("{UPLOADS}/{}", &digest[..32])
}

/// A new upload id: `f-` and 32 hex digits (random, never derived from its content).
pub fn new_file_id() -> String {
    format!("f-{}", uuid::Uuid::new_v4().simple())
}

/// Whether `text` has the shape of an upload id.
pub fn is_file_id(text: &str) -> bool {
    text.len() == 34
        && text.starts_with("f-")
        && text[2..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Where an upload's bytes are, and its record beside them.
pub fn upload_key(owner: &str, file_id: &str) -> String {
    format!("{}/{file_id}", owner_folder(owner))
}

pub fn record_key(key: &str) -> String {
    format!("{key}.json")
}

/// Whether `name` may name a file in the input folder (or an upload): one path segment of
/// printable characters, not hidden, at most 255 bytes, without whitespace at either end
/// and without invisible or direction-changing format characters (a name must read as what
/// it is).
pub fn sane_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && name.trim() == name
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control() || invisible(c))
}

/// Zero-width, bidirectional-override and other format characters.
fn invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Longest source (id or URL) accepted: the resolved list travels in the runner's
/// environment, which Linux limits to 128 KiB per string.
const MAX_SOURCE_BYTES: usize = 1024;

/// Resolves a request's inputs for `owner` against the configured storage; every refusal
/// names the input and why.
pub fn resolve(
    inputs: &[InputRef],
    owner: &str,
    storage: &StorageSettings,
    settings: &InputSettings,
) -> Result<Vec<ResolvedInput>, InputError> {
    if inputs.len() > settings.max_files {
        return Err(InputError::TooMany {
            count: inputs.len(),
            max: settings.max_files,
        });
    }
    let mut resolved: Vec<ResolvedInput> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let source = input.source();
        let refused = |why: String| InputError::Refused {
            input: source.chars().take(300).collect(),
            why,
        };
        if source.len() > MAX_SOURCE_BYTES {
            return Err(refused(format!("longer than {MAX_SOURCE_BYTES} bytes")));
        }
        if inputs
            .iter()
            .take_while(|other| !std::ptr::eq(*other, input))
            .any(|other| other.source() == source)
        {
            return Err(refused(
                "named twice; stage it once and read it under one name".to_owned(),
            ));
        }
        let (location, last) = if is_file_id(source) {
            let key = upload_key(owner, source);
            (InputLocation::Upload { key }, None)
        } else {
            let key = object_key(source, storage, settings).map_err(refused)?;
            let last = key.rsplit('/').next().unwrap_or_default().to_owned();
            (InputLocation::Object { key }, Some(last))
        };
        // An upload's own name is known only from its record: the runner reads it there.
        let name = match (input.name(), last) {
            (Some(name), _) => name.to_owned(),
            (None, Some(last)) => last,
            (None, None) => String::new(),
        };
        if (input.name().is_some() || !name.is_empty()) && !sane_file_name(&name) {
            return Err(refused(format!(
                "{name:?} cannot name a file in the input folder (one plain file name, not starting with '.')"
            )));
        }
        if !name.is_empty() && resolved.iter().any(|r| r.name == name) {
            return Err(InputError::SameName { name });
        }
        resolved.push(ResolvedInput {
            source: source.to_owned(),
            name,
            location,
        });
    }
    Ok(resolved)
}

/// The key, from the top of the configured bucket or container, that a storage URL names.
fn object_key(
    url: &str,
    storage: &StorageSettings,
    settings: &InputSettings,
) -> Result<String, String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(
            "not an uploaded file's id (f-...) nor a storage URL (s3://, az://, abfs://)"
                .to_owned(),
        );
    };
    let scheme = scheme.to_ascii_lowercase();
    let (container, key) = rest.split_once('/').unwrap_or((rest, ""));
    let configured = storage.container.as_deref().unwrap_or_default();
    let (kind, container) = match (scheme.as_str(), storage.backend) {
        ("s3" | "s3a", StorageBackend::S3) => ("bucket", container),
        ("az", StorageBackend::Azblob) => ("container", container),
        ("abfs" | "abfss", StorageBackend::Azblob) => {
            // `container@account.dfs.core.windows.net`, or just the container.
            match container.split_once('@') {
                Some((container, host)) => {
                    let account = host
                        .strip_suffix(".dfs.core.windows.net")
                        .or_else(|| host.strip_suffix(".blob.core.windows.net"))
                        .unwrap_or(host);
                    let configured_account = storage.account_name.clone().or_else(|| std::env::var("AZURE_STORAGE_ACCOUNT").ok());
                    if configured_account.as_deref() != Some(account) {
                        return Err(format!(
                            "the storage account {account:?} is not the configured one; inputs are read from the job storage only"
                        ));
                    }
                    ("container", container)
                }
                None => ("container", container),
            }
        }
        ("s3" | "s3a" | "az" | "abfs" | "abfss", backend) => {
            return Err(format!(
                "the job storage is {}; {scheme}:// URLs cannot be read from it{}",
                match backend {
                    StorageBackend::Fs => "a local folder",
                    StorageBackend::Azblob => "Azure Blob (az://, abfs://)",
                    StorageBackend::S3 => "S3 (s3://)",
                },
                if backend == StorageBackend::Fs {
                    " (upload the file with POST /api/v1/files or `pyexec job submit --input PATH` and name its id)"
                } else {
                    ""
                }
            ))
        }
        _ => {
            return Err(format!(
                "{scheme}:// is not a storage URL scheme (s3://, az://, abfs://, or an uploaded file's id)"
            ))
        }
    };
    if container != configured {
        return Err(format!(
            "the {kind} {container:?} is not the job storage's ({configured:?}); inputs are read with the service's own credentials, from its {kind} only"
        ));
    }
    if key.contains(['?', '#']) {
        return Err("a storage URL with a query or fragment is not a plain object name".to_owned());
    }
    check_object_key(key, storage, settings)?;
    Ok(key.to_owned())
}

/// Whether the object `key` (from the top of the bucket) may be read as an input: a plain
/// file path whose every part reads exactly as the storage layer will read it (opendal
/// normalises paths: it trims whitespace and drops empty parts, so a key that differs from
/// its normal form could name, after the check, what the check refused), outside the
/// service's own area, and under a configured prefix when there are any. Checked by the
/// executor and again by the runner before it reads.
pub fn check_object_key(
    key: &str,
    storage: &StorageSettings,
    settings: &InputSettings,
) -> Result<(), String> {
    if key.is_empty() || key.ends_with('/') {
        return Err("names a folder, not a file".to_owned());
    }
    if !crate::storage::plain_path(key) {
        return Err(
            "the path has an empty, '.' or '..' part, or a part with blanks at its ends".to_owned(),
        );
    }
    for segment in key.split('/') {
        // Azure Blob drops a trailing dot from a name part: `root./x` would read `root/x`.
        if segment.ends_with('.') {
            return Err("a part of the path ends with a dot".to_owned());
        }
        if segment
            .chars()
            .any(|c| c.is_control() || c == '\\' || invisible(c))
        {
            return Err(
                "the path has a control, invisible or direction-changing character, or a backslash"
                    .to_owned(),
            );
        }
    }
    // The root as the storage layer reads it: no empty parts, no whitespace at its ends.
    let root = storage
        .root
        .split('/')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("/");
    let root = root.as_str();
    let under = |prefix: &str| {
        let prefix = prefix.trim_matches('/');
        prefix.is_empty() || key == prefix || key.starts_with(&format!("{prefix}/"))
    };
    if under(root) {
        return Err(format!(
            "the service keeps its results and uploads under {root:?}/; name a job's outputs by downloading them, and an upload by its id"
        ));
    }
    if !settings.url_prefixes.is_empty() && !settings.url_prefixes.iter().any(|p| under(p)) {
        return Err(format!(
            "inputs are read only under {} (jobs.inputs.url_prefixes)",
            settings.url_prefixes.join(", ")
        ));
    }
    Ok(())
}

/// Stages `inputs` into `folder` (created here; read-only to the sandbox): each copied from
/// storage with its size checked against the caps before and while it is copied, its SHA-256
/// computed and, for an upload, compared with the one recorded at upload. `bucket` reads
/// object keys from the top of the bucket; `storage` reads uploads under the root.
pub async fn stage(
    inputs: &[ResolvedInput],
    (storage, bucket): (&Storage, &Storage),
    folder: &Path,
    (storage_settings, settings): (&StorageSettings, &InputSettings),
) -> Result<Vec<StagedInput>, InputError> {
    let mut staged = Vec::with_capacity(inputs.len());
    let mut total: u64 = 0;
    for input in inputs {
        let fail = |name: &str, why: String| InputError::Stage {
            input: input.source.clone(),
            name: name.to_owned(),
            why,
        };
        let (store, key, expected, name) = match &input.location {
            InputLocation::Upload { key } => {
                if !crate::storage::plain_path(key) || !key.starts_with(&format!("{UPLOADS}/")) {
                    return Err(fail(&input.name, "not an upload's place".to_owned()));
                }
                let record = match storage.read(&record_key(key)).await {
                    Ok(bytes) => bytes,
                    Err(err) if is_not_found(&err) => {
                        return Err(fail(
                            &input.name,
                            "no such uploaded file (ids are the uploader's own)".to_owned(),
                        ))
                    }
                    Err(err) => return Err(fail(&input.name, crate::telemetry::error_chain(&err))),
                };
                let record: UploadedFile = serde_json::from_slice(&record).map_err(|e| {
                    fail(&input.name, format!("its upload record is unreadable: {e}"))
                })?;
                let name = if input.name.is_empty() {
                    record.name.clone()
                } else {
                    input.name.clone()
                };
                (storage, key, Some(record), name)
            }
            InputLocation::Object { key } => {
                // Resolved by the executor; checked again where it is read.
                check_object_key(key, storage_settings, settings)
                    .map_err(|why| fail(&input.name, why))?;
                (bucket, key, None, input.name.clone())
            }
        };
        if !sane_file_name(&name) || staged.iter().any(|s: &StagedInput| s.name == name) {
            return Err(fail(
                &name,
                "its name is taken by another input or is not a plain file name; give it a name"
                    .to_owned(),
            ));
        }
        let size = match store.size(key).await {
            Ok(Some(size)) => size,
            Ok(None) => return Err(fail(&name, "not found".to_owned())),
            Err(err) => return Err(fail(&name, crate::telemetry::error_chain(&err))),
        };
        check_size(size, total, settings).map_err(|why| fail(&name, why))?;
        check_room(folder, size).map_err(|why| fail(&name, why))?;
        let path = folder.join(&name);
        let (copied, sha256) = copy(store, key, size, &path, settings.max_file_bytes)
            .await
            .map_err(|why| fail(&name, why))?;
        if copied != size {
            return Err(fail(
                &name,
                format!("it changed while it was read ({size} bytes listed, {copied} read)"),
            ));
        }
        if let Some(record) = &expected {
            if record.sha256 != sha256 || record.size != size {
                return Err(fail(
                    &name,
                    "its bytes do not match the checksum recorded at upload".to_owned(),
                ));
            }
        }
        total = total.saturating_add(size);
        tracing::info!(input = %name, source = %input.source, size, %sha256, "input staged");
        staged.push(StagedInput {
            name,
            source: input.source.clone(),
            size,
            sha256,
        });
    }
    Ok(staged)
}

fn check_size(size: u64, total: u64, settings: &InputSettings) -> Result<(), String> {
    if size > settings.max_file_bytes {
        return Err(format!(
            "{size} bytes is over the limit of {} per input (jobs.inputs.max_file_bytes)",
            settings.max_file_bytes
        ));
    }
    if total.saturating_add(size) > settings.max_total_bytes {
        return Err(format!(
            "the inputs together are over the limit of {} bytes (jobs.inputs.max_total_bytes)",
            settings.max_total_bytes
        ));
    }
    Ok(())
}

/// Room kept free on the input folder's file system beyond what an input takes.
const SPARE_BYTES: u64 = 256 << 20;

/// Whether the input folder's file system has room for `size` more bytes (and some to spare):
/// inputs are staged outside the sandbox's limits, on the host's disk.
fn check_room(folder: &Path, size: u64) -> Result<(), String> {
    let stats = nix::sys::statvfs::statvfs(folder)
        .map_err(|e| format!("cannot tell the free space of the input folder: {e}"))?;
    let free = stats
        .blocks_available()
        .saturating_mul(stats.fragment_size());
    if free < size.saturating_add(SPARE_BYTES) {
        return Err(format!(
            "{size} bytes do not fit on the runner's disk ({free} bytes free, {SPARE_BYTES} kept spare)"
        ));
    }
    Ok(())
}

fn is_not_found(err: &StorageError) -> bool {
    match err {
        StorageError::Read { source, .. } => source.kind() == opendal::ErrorKind::NotFound,
        _ => false,
    }
}

/// Copies `key` to a new file at `path` (never replacing one), stopping past `cap` bytes;
/// returns the bytes copied and their SHA-256.
async fn copy(
    store: &Storage,
    key: &str,
    size: u64,
    path: &Path,
    cap: u64,
) -> Result<(u64, String), String> {
    let mut stream = store
        .stream(key, 0..size)
        .await
        .map_err(|e| crate::telemetry::error_chain(&e))?;
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .await
        .map_err(|e| format!("cannot create it in the input folder: {e}"))?;
    let mut hasher = sha2::Sha256::new();
    let mut copied: u64 = 0;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| format!("reading it failed: {e}"))?;
        copied = copied.saturating_add(chunk.len() as u64);
        if copied > cap {
            return Err(format!(
                "it grew past the limit of {cap} bytes while it was read"
            ));
        }
        hasher.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|e| format!("writing it to the input folder failed: {e}"))?;
    }
    file.flush()
        .await
        .map_err(|e| format!("writing it to the input folder failed: {e}"))?;
    Ok((copied, crate::history::hex(&hasher.finalize())))
}

/// Where the resolved inputs travel to the runner: the `INPUTS` variable.
pub fn to_env(inputs: &[ResolvedInput]) -> Option<String> {
    if inputs.is_empty() {
        return None;
    }
    serde_json::to_string(inputs).ok()
}

pub fn from_env(text: &str) -> Result<Vec<ResolvedInput>, InputError> {
    serde_json::from_str(text).map_err(InputError::BadSpec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::NamedInput;

    fn s3() -> StorageSettings {
        StorageSettings {
            backend: StorageBackend::S3,
            container: Some("lake".to_owned()),
            ..StorageSettings::default()
        }
    }

    fn one(
        source: &str,
        storage: &StorageSettings,
        settings: &InputSettings,
    ) -> Result<ResolvedInput, InputError> {
        resolve(
            &[InputRef::Source(source.to_owned())],
            "key:alice",
            storage,
            settings,
        )
        .map(|mut v| v.remove(0))
    }

    #[test]
    fn urls_in_the_configured_bucket_resolve_to_keys() {
        let settings = InputSettings::default();
        let input = one("s3://lake/sales/2024.parquet", &s3(), &settings).expect("resolves");
        assert_eq!(input.name, "2024.parquet");
        assert_eq!(
            input.location,
            InputLocation::Object {
                key: "sales/2024.parquet".to_owned()
            }
        );
        let azure = StorageSettings {
            backend: StorageBackend::Azblob,
            container: Some("data".to_owned()),
            account_name: Some("acct".to_owned()),
            ..StorageSettings::default()
        };
        for url in [
            "az://data/a/b.csv",
            "abfs://data@acct.dfs.core.windows.net/a/b.csv",
            "abfss://data/a/b.csv",
        ] {
            let input = one(url, &azure, &settings).expect("resolves");
            assert_eq!(
                input.location,
                InputLocation::Object {
                    key: "a/b.csv".to_owned()
                },
                "{url}"
            );
        }
        let refused = one(
            "abfs://data@other.dfs.core.windows.net/a/b.csv",
            &azure,
            &settings,
        )
        .expect_err("refused");
        assert!(refused.to_string().contains("storage account"), "{refused}");
    }

    #[test]
    fn urls_outside_the_bucket_or_into_the_service_area_are_refused() {
        let settings = InputSettings::default();
        for (url, why) in [
            ("s3://other/x.csv", "not the job storage"),
            (
                "s3://lake/pyexec-results/results/j-1/result.json",
                "keeps its results",
            ),
            ("s3://lake/pyexec-results", "keeps its results"),
            ("s3://lake/a/../pyexec-results/x", "'..'"),
            ("s3://lake/a//x", "empty"),
            ("s3://lake/a/", "folder"),
            ("s3://lake", "folder"),
            ("s3://lake/a?x=1", "query"),
            ("s3://lake/a\u{0}b", "control"),
            ("az://lake/x.csv", "S3"),
            ("file:///etc/passwd", "not a storage URL scheme"),
            ("/etc/passwd", "not an uploaded file's id"),
            ("http://169.254.169.254/x", "not a storage URL scheme"),
            ("f-0123", "not an uploaded file's id"),
        ] {
            let err = one(url, &s3(), &settings).expect_err("refused").to_string();
            assert!(err.contains(why), "{url}: {err}");
        }
        let fs = StorageSettings::default();
        let err = one("s3://lake/x.csv", &fs, &settings)
            .expect_err("refused")
            .to_string();
        assert!(
            err.contains("local folder") && err.contains("POST /api/v1/files"),
            "{err}"
        );
    }

    #[test]
    fn keys_that_the_storage_layer_would_read_differently_are_refused() {
        // Found by the review: opendal trims whitespace off a path, so a key starting with
        // a space passed the root check and then read the root.
        let settings = InputSettings::default();
        for url in [
            "s3://lake/ pyexec-results/uploads/x/f-1",
            "s3://lake/\u{a0}pyexec-results/results/j/result.json",
            "s3://lake/\u{3000}pyexec-results/x",
            "s3://lake/pyexec-results /x",
            "s3://lake/  pyexec-results/x",
            "s3://lake/data/ x.csv",
            "s3://lake/data/x.csv ",
            "s3://lake/data/\u{202e}vsc.exe",
            "s3://lake/data/\u{200b}x.csv",
            // Round 2: Azure drops a part's trailing dot.
            "s3://lake/pyexec-results./uploads/x/f-1",
            "s3://lake/data./x.csv",
        ] {
            assert!(one(url, &s3(), &settings).is_err(), "{url:?}");
        }
        // A root written with slashes or blanks at its ends is the same root.
        let slashed = StorageSettings {
            root: " /pyexec-results/ ".to_owned(),
            ..s3()
        };
        assert!(one("s3://lake/pyexec-results/x", &slashed, &settings).is_err());
        // Spaces inside a part are a plain key.
        assert!(one("s3://lake/data/sales 2024.csv", &s3(), &settings).is_ok());
        // The runner checks a resolved key again before it reads.
        assert!(check_object_key(" pyexec-results/x", &s3(), &settings).is_err());
    }

    #[test]
    fn an_account_is_compared_whole_and_a_source_is_named_once() {
        let azure = StorageSettings {
            backend: StorageBackend::Azblob,
            container: Some("data".to_owned()),
            account_name: Some("acct".to_owned()),
            ..StorageSettings::default()
        };
        let settings = InputSettings::default();
        assert!(one("abfs://data@acct.evil.example/a.csv", &azure, &settings).is_err());
        assert!(one(
            "abfs://data@acct.blob.core.windows.net/a.csv",
            &azure,
            &settings
        )
        .is_ok());
        let twice = [
            InputRef::Source("s3://lake/a/x.csv".to_owned()),
            InputRef::Named(NamedInput {
                source: "s3://lake/a/x.csv".to_owned(),
                name: "y.csv".to_owned(),
            }),
        ];
        let err = resolve(&twice, "o", &s3(), &settings).expect_err("refused");
        assert!(err.to_string().contains("named twice"), "{err}");
        let long = format!("s3://lake/{}.csv", "a".repeat(2000));
        assert!(one(&long, &s3(), &settings).is_err());
        for name in ["x\u{202e}gpj.exe", " x.csv", "x.csv ", "\u{feff}x"] {
            assert!(!sane_file_name(name), "{name:?}");
        }
    }

    #[test]
    fn prefixes_limit_urls_when_configured() {
        let settings = InputSettings {
            url_prefixes: vec!["datasets/".to_owned()],
            ..InputSettings::default()
        };
        assert!(one("s3://lake/datasets/x.csv", &s3(), &settings).is_ok());
        assert!(one("s3://lake/datasetsx/x.csv", &s3(), &settings).is_err());
        assert!(one("s3://lake/other/x.csv", &s3(), &settings).is_err());
    }

    #[test]
    fn upload_ids_resolve_into_the_callers_own_folder() {
        let id = new_file_id();
        assert!(is_file_id(&id), "{id}");
        let alice = resolve(
            &[InputRef::Source(id.clone())],
            "key:alice",
            &s3(),
            &InputSettings::default(),
        )
        .expect("resolves");
        let bob = resolve(
            &[InputRef::Source(id.clone())],
            "key:bob",
            &s3(),
            &InputSettings::default(),
        )
        .expect("resolves");
        assert_ne!(alice[0].location, bob[0].location);
        assert_eq!(
            alice[0].location,
            InputLocation::Upload {
                key: upload_key("key:alice", &id)
            }
        );
        assert!(!is_file_id("f-0123456789ABCDEF0123456789abcdef"));
        assert!(!is_file_id("f-0123456789abcdef0123456789abcdef0"));
    }

    #[test]
    fn names_must_be_plain_and_distinct() {
        let settings = InputSettings::default();
        let twice = [
            InputRef::Source("s3://lake/a/x.csv".to_owned()),
            InputRef::Source("s3://lake/b/x.csv".to_owned()),
        ];
        assert!(matches!(
            resolve(&twice, "o", &s3(), &settings),
            Err(InputError::SameName { .. })
        ));
        let renamed = [
            InputRef::Source("s3://lake/a/x.csv".to_owned()),
            InputRef::Named(NamedInput {
                source: "s3://lake/b/x.csv".to_owned(),
                name: "y.csv".to_owned(),
            }),
        ];
        assert_eq!(
            resolve(&renamed, "o", &s3(), &settings).expect("resolves")[1].name,
            "y.csv"
        );
        for bad in ["../x", ".hidden", "a/b", "", "a\nb"] {
            let named = [InputRef::Named(NamedInput {
                source: "s3://lake/a/x.csv".to_owned(),
                name: bad.to_owned(),
            })];
            assert!(resolve(&named, "o", &s3(), &settings).is_err(), "{bad:?}");
        }
        let many: Vec<InputRef> = (0..33)
            .map(|i| InputRef::Source(format!("s3://lake/d/{i}.csv")))
            .collect();
        assert!(matches!(
            resolve(&many, "o", &s3(), &settings),
            Err(InputError::TooMany { .. })
        ));
    }
}
