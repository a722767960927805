//! Where job results go, through opendal: a local folder (`fs`, the default), Azure Blob /
//! ADLS (`azblob`) or S3 (`s3`). The location given back is one a data scientist can open
//! with pandas/fsspec as it is: a path, `abfs://container/...` or `s3://bucket/...`.

use std::path::PathBuf;

use opendal::{services, Operator};

use crate::config::{StorageBackend, StorageSettings};

/// Why storage could not be opened, written or read; each names the setting or location.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{name} is required for this storage backend")]
    Required { name: &'static str },
    #[error("storage.account_name (or AZURE_STORAGE_ACCOUNT) is required for azblob")]
    AccountName,
    #[error("storage.root {0:?} must be plain names separated by '/' (no '.', '..' or parts with blanks at their ends): a bucket's keys are read as written, and the service must know exactly which keys are its own")]
    BadRoot(String),
    #[error("cannot read the working directory (storage.root {root} is relative)")]
    WorkingDir {
        root: String,
        #[source]
        source: std::io::Error,
    },
    #[error("create storage folder {}", .path.display())]
    CreateFolder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot set up the {backend} storage backend")]
    Backend {
        backend: &'static str,
        #[source]
        source: opendal::Error,
    },
    #[error("write {location}")]
    Write {
        location: String,
        #[source]
        source: opendal::Error,
    },
    #[error("read {location}")]
    Read {
        location: String,
        #[source]
        source: opendal::Error,
    },
}

/// `Operator::new`, naming the backend in the error.
fn operator(
    backend: &'static str,
    builder: impl opendal::Builder,
) -> Result<Operator, StorageError> {
    Operator::new(builder).map_err(|source| StorageError::Backend { backend, source })
}

#[derive(Clone, Debug)]
pub struct Storage {
    op: Operator,
    /// The URL or folder the storage root corresponds to, for result locations.
    base: String,
}

impl Storage {
    pub fn from_settings(settings: &StorageSettings) -> Result<Self, StorageError> {
        // opendal's process-wide HTTP transport (reqwest with native TLS, as the rest of
        // pyexec uses); its automatic installation comes only with the rustls feature set.
        // Installing twice is a no-op.
        opendal_http_transport_reqwest::install_default();
        let root = settings.root.trim_matches('/');
        if settings.backend != StorageBackend::Fs && !root.is_empty() && !plain_path(root) {
            return Err(StorageError::BadRoot(settings.root.clone()));
        }
        let (op, base) = match settings.backend {
            StorageBackend::Fs => {
                let folder = absolute(&settings.root)?;
                std::fs::create_dir_all(&folder).map_err(|source| StorageError::CreateFolder {
                    path: folder.clone(),
                    source,
                })?;
                let folder_text = folder.display().to_string();
                let op = operator("fs", services::Fs::default().root(&folder_text))?;
                (op, folder_text)
            }
            StorageBackend::Azblob => {
                let container = required(&settings.container, "storage.container")?;
                let account = settings
                    .account_name
                    .clone()
                    .or_else(|| std::env::var("AZURE_STORAGE_ACCOUNT").ok())
                    .ok_or(StorageError::AccountName)?;
                let endpoint = settings
                    .endpoint
                    .clone()
                    .unwrap_or_else(|| format!("https://{account}.blob.core.windows.net"));
                let mut builder = services::Azblob::default()
                    .container(container)
                    .endpoint(&endpoint)
                    .account_name(&account)
                    .root(&format!("/{root}"));
                let key = settings
                    .account_key
                    .as_ref()
                    .map(|k| k.expose().to_owned())
                    .or_else(|| std::env::var("AZURE_STORAGE_KEY").ok());
                if let Some(key) = key {
                    builder = builder.account_key(&key);
                }
                (
                    operator("azblob", builder)?,
                    join(&format!("abfs://{container}"), root),
                )
            }
            StorageBackend::S3 => {
                let bucket = required(&settings.container, "storage.container (the bucket)")?;
                let mut builder = services::S3::default()
                    .bucket(bucket)
                    .root(&format!("/{root}"))
                    .region(settings.region.as_deref().unwrap_or("us-east-1"));
                if let Some(endpoint) = &settings.endpoint {
                    builder = builder.endpoint(endpoint);
                }
                if let (Some(id), Some(secret)) =
                    (&settings.access_key_id, &settings.secret_access_key)
                {
                    // Explicit credentials: ignore ~/.aws and instance metadata entirely.
                    builder = builder
                        .access_key_id(id)
                        .secret_access_key(secret.expose())
                        .disable_config_load()
                        .disable_ec2_metadata();
                }
                (
                    operator("s3", builder)?,
                    join(&format!("s3://{bucket}"), root),
                )
            }
        };
        Ok(Self { op, base })
    }

    pub async fn write(&self, path: &str, bytes: Vec<u8>) -> Result<(), StorageError> {
        self.op
            .write(path, bytes)
            .await
            .map_err(|source| StorageError::Write {
                location: self.location(path),
                source,
            })?;
        Ok(())
    }

    pub async fn read(&self, path: &str) -> Result<Vec<u8>, StorageError> {
        let buffer = self
            .op
            .read(path)
            .await
            .map_err(|source| StorageError::Read {
                location: self.location(path),
                source,
            })?;
        Ok(buffer.to_vec())
    }

    /// The size of `path` in bytes; `None` when there is no such object.
    pub async fn size(&self, path: &str) -> Result<Option<u64>, StorageError> {
        match self.op.stat(path).await {
            Ok(meta) => Ok(Some(meta.content_length())),
            Err(err) if err.kind() == opendal::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StorageError::Read {
                location: self.location(path),
                source,
            }),
        }
    }

    /// The bytes `range` of `path`, as a stream of chunks (nothing held whole in memory).
    pub async fn stream(
        &self,
        path: &str,
        range: std::ops::Range<u64>,
    ) -> Result<
        impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> + Send + 'static,
        StorageError,
    > {
        let failed = |source| StorageError::Read {
            location: self.location(path),
            source,
        };
        let reader = self.op.reader(path).await.map_err(failed)?;
        reader.into_bytes_stream(range).await.map_err(failed)
    }

    /// The opendal operator, for what the plain reads and writes above do not cover
    /// (the Event Hubs checkpoint store's conditional writes and listings).
    pub fn operator(&self) -> &Operator {
        &self.op
    }

    /// Where `path` is, as pandas/fsspec takes it.
    pub fn location(&self, path: &str) -> String {
        join(&self.base, path)
    }
}

/// Whether every `/`-separated part of `path` is a plain name: not empty, `.` or `..`, and
/// without blanks at its ends (which the storage layer would trim: it would read another
/// key than the one checked).
pub fn plain_path(path: &str) -> bool {
    path.split('/')
        .all(|part| !part.is_empty() && part != "." && part != ".." && part.trim() == part)
}

fn required<'a>(value: &'a Option<String>, name: &'static str) -> Result<&'a str, StorageError> {
    match value.as_deref() {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(StorageError::Required { name }),
    }
}

fn absolute(root: &str) -> Result<PathBuf, StorageError> {
    let path = PathBuf::from(root);
    if path.is_absolute() {
        return Ok(path);
    }
    let here = std::env::current_dir().map_err(|source| StorageError::WorkingDir {
        root: root.to_owned(),
        source,
    })?;
    Ok(here.join(path))
}

fn join(base: &str, path: &str) -> String {
    let path = path.trim_matches('/');
    if path.is_empty() {
        base.trim_end_matches('/').to_owned()
    } else {
        format!("{}/{path}", base.trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::Storage;
    use crate::config::StorageSettings;

    #[tokio::test]
    async fn a_folder_round_trips_and_names_real_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = StorageSettings {
            root: dir.path().join("results").display().to_string(),
            ..StorageSettings::default()
        };
        let storage = Storage::from_settings(&settings).expect("fs storage");
        storage
            .write("results/r1/result.json", b"{}".to_vec())
            .await
            .expect("write");
        assert_eq!(
            storage.read("results/r1/result.json").await.expect("read"),
            b"{}"
        );
        let location = storage.location("results/r1/result.json");
        assert_eq!(std::fs::read(&location).expect("a real file"), b"{}");
    }
}

#[cfg(test)]
mod root_tests {
    use super::*;

    #[test]
    fn a_bucket_root_must_be_plain_names() {
        // Round 2 of the inputs review: a root written `./pyexec` kept its data under
        // `pyexec/` while the input check protected `./pyexec/`.
        for root in ["./pyexec", "pyexec/.", "a/../pyexec", "a//b", " pyexec"] {
            let settings = StorageSettings {
                backend: StorageBackend::S3,
                root: root.to_owned(),
                container: Some("bucket".to_owned()),
                ..StorageSettings::default()
            };
            assert!(
                matches!(
                    Storage::from_settings(&settings),
                    Err(StorageError::BadRoot(_))
                ),
                "{root:?}"
            );
        }
        let plain = StorageSettings {
            backend: StorageBackend::S3,
            root: "/pyexec/results/".to_owned(),
            container: Some("bucket".to_owned()),
            ..StorageSettings::default()
        };
        assert!(Storage::from_settings(&plain).is_ok());
    }
}
