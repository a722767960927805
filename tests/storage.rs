//! The runner's results in real object stores: Azure Blob (Azurite) and S3 (moto), both
//! started by `scripts/test.sh` on 127.0.0.1. `pyexec job-run` writes `result.json` and a
//! Parquet file there; Python's fsspec/pandas (adlfs, s3fs) reads them back.

mod common;

use std::process::Command;

use futures::StreamExt as _;
use pyexec::config::{Secret, StorageBackend, StorageSettings};
use pyexec::models::OutputFile;
use pyexec::storage::Storage;
use serde_json::Value;

/// Azurite's well-known development account.
const ACCOUNT: &str = "devstoreaccount1";
const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

fn endpoint(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set: run the suite with ./scripts/test.sh, which starts Azurite and moto"
        )
    })
}

const PROGRAM: &str = r#"import pandas as pd
df = pd.DataFrame({"city": ["Oslo", "Lima", "Pune"], "temp": [4.5, 19.0, 31.25]})
df.to_parquet("weather.parquet")
print(df["temp"].max())
"#;

/// Runs `pyexec job-run` with `env` and returns its printed result.
fn job_run(request_id: &str, env: &[(&str, String)]) -> Value {
    // A uid block no other test process holds while this job runs (tests/common/executor.rs).
    let uid_lock = common::executor::UidLock::take();
    let uid = uid_lock.uid;
    let output = Command::new(env!("CARGO_BIN_EXE_pyexec"))
        .arg("job-run")
        .env("CODE", PROGRAM)
        .env("REQUEST_ID", request_id)
        .env("TIMEOUT", "120")
        .env("PYEXEC_EXECUTOR__SANDBOX__UID", uid.to_string())
        .env("PYEXEC_EXECUTOR__SANDBOX__GID", uid.to_string())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("job-run runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the result on stdout")
}

/// The outputs manifest the runner wrote under `prefix`, checked against the object store
/// through the executor's own storage layer: sizes, SHA-256 of the whole file, and a byte
/// range streamed (what `GET /api/v1/jobs/{id}/outputs/{name}` serves).
fn check_outputs(settings: StorageSettings, prefix: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let storage = Storage::from_settings(&settings).expect("storage");
        let manifest = storage
            .read(&format!("{prefix}/outputs.json"))
            .await
            .expect("outputs.json");
        let files: Vec<OutputFile> = serde_json::from_slice(&manifest).expect("manifest");
        assert_eq!(files.len(), 1, "{files:?}");
        let file = &files[0];
        assert_eq!(file.name, "weather.parquet");
        let path = format!("{prefix}/{}", file.name);
        let whole = storage.read(&path).await.expect("read");
        assert_eq!(pyexec::history::sha256_hex(&whole), file.sha256);
        assert_eq!(storage.size(&path).await.expect("stat"), Some(file.size));
        assert_eq!(whole.len() as u64, file.size);
        let mut part = Vec::new();
        let mut stream = Box::pin(storage.stream(&path, 4..40).await.expect("stream"));
        while let Some(chunk) = stream.next().await {
            part.extend_from_slice(&chunk.expect("chunk"));
        }
        assert_eq!(part, whole[4..40]);
        assert_eq!(
            storage
                .size(&format!("{prefix}/no-such-file"))
                .await
                .expect("stat"),
            None
        );
    });
}

#[test]
fn results_land_in_azure_blob_and_pandas_reads_them() {
    let endpoint = endpoint("AZURITE_BLOB_ENDPOINT");
    let connection = format!(
        "DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};BlobEndpoint={endpoint};"
    );
    let container = format!("results{}", std::process::id());
    common::heavy_python(&format!(
        "from azure.storage.blob import BlobServiceClient\nBlobServiceClient.from_connection_string({connection:?}).create_container({container:?})"
    ));
    let request_id = "azure-job-1";
    let result = job_run(
        request_id,
        &[
            ("PYEXEC_STORAGE__BACKEND", "azblob".to_owned()),
            ("PYEXEC_STORAGE__CONTAINER", container.clone()),
            ("PYEXEC_STORAGE__ENDPOINT", endpoint.clone()),
            ("PYEXEC_STORAGE__ACCOUNT_NAME", ACCOUNT.to_owned()),
            ("PYEXEC_STORAGE__ACCOUNT_KEY", KEY.to_owned()),
            ("PYEXEC_STORAGE__ROOT", "pyexec".to_owned()),
        ],
    );
    assert_eq!(result["status"], "ok", "{result}");
    let read = common::heavy_python(&format!(
        r#"import json, fsspec, pandas as pd
opts = {{"connection_string": {connection:?}}}
base = "abfs://{container}/pyexec/results/{request_id}"
df = pd.read_parquet(base + "/weather.parquet", storage_options=opts)
with fsspec.open(base + "/result.json", "r", **opts) as f:
    stored = json.load(f)
print(df["temp"].max(), stored["status"], stored["stdout"].strip())
"#
    ));
    assert_eq!(read, "31.25 ok 31.25\n");
    check_outputs(
        StorageSettings {
            backend: StorageBackend::Azblob,
            root: "pyexec".to_owned(),
            container: Some(container),
            endpoint: Some(endpoint),
            account_name: Some(ACCOUNT.to_owned()),
            account_key: Some(Secret::new(KEY)),
            ..StorageSettings::default()
        },
        &format!("results/{request_id}"),
    );
}

#[test]
fn results_land_in_s3_and_pandas_reads_them() {
    let endpoint = endpoint("S3_TEST_ENDPOINT");
    let bucket = format!("results-{}", std::process::id());
    let fs = format!(
        "s3fs.S3FileSystem(key='test', secret='test', client_kwargs={{'endpoint_url': {endpoint:?}}})"
    );
    common::heavy_python(&format!("import s3fs\n{fs}.mkdir({bucket:?})"));
    let request_id = "s3-job-1";
    let result = job_run(
        request_id,
        &[
            ("PYEXEC_STORAGE__BACKEND", "s3".to_owned()),
            ("PYEXEC_STORAGE__CONTAINER", bucket.clone()),
            ("PYEXEC_STORAGE__ENDPOINT", endpoint.clone()),
            ("PYEXEC_STORAGE__REGION", "us-east-1".to_owned()),
            ("PYEXEC_STORAGE__ACCESS_KEY_ID", "test".to_owned()),
            ("PYEXEC_STORAGE__SECRET_ACCESS_KEY", "test".to_owned()),
            ("PYEXEC_STORAGE__ROOT", "pyexec".to_owned()),
        ],
    );
    assert_eq!(result["status"], "ok", "{result}");
    let read = common::heavy_python(&format!(
        r#"import json, pandas as pd
opts = {{"key": "test", "secret": "test", "client_kwargs": {{"endpoint_url": {endpoint:?}, "region_name": "us-east-1"}}}}
base = "s3://{bucket}/pyexec/results/{request_id}"
df = pd.read_parquet(base + "/weather.parquet", storage_options=opts)
stored = json.loads(pd.io.common.get_handle(base + "/result.json", "r", storage_options=opts).handle.read())
print(df["temp"].max(), stored["status"])
"#
    ));
    assert_eq!(read, "31.25 ok\n");
    check_outputs(
        StorageSettings {
            backend: StorageBackend::S3,
            root: "pyexec".to_owned(),
            container: Some(bucket),
            endpoint: Some(endpoint),
            region: Some("us-east-1".to_owned()),
            access_key_id: Some("test".to_owned()),
            secret_access_key: Some(Secret::new("test")),
            ..StorageSettings::default()
        },
        &format!("results/{request_id}"),
    );
}
