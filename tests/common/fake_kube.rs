//! A Kubernetes API server on 127.0.0.1 speaking the real HTTP API for `batch/v1` Jobs
//! (create with 409 on a duplicate name, get with 404, watch as a stream of JSON events,
//! delete) and core/v1 Secrets (create, and the merge patch of their owner). The test plays
//! the cluster through [`FakeApi`]: it changes Job status and deletes Jobs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::broadcast;

use super::poll;

#[derive(Default)]
pub struct Cluster {
    pub jobs: Mutex<HashMap<String, Value>>,
    pub secrets: Mutex<HashMap<String, Value>>,
    pub creates: Mutex<Vec<String>>,
    pub fail_creates: Mutex<u32>,
    pub version: AtomicU32,
    pub events: Mutex<Option<broadcast::Sender<(String, Value)>>>,
    /// Every event published, in order, so that a watch from a `resourceVersion` first
    /// replays what it missed, as the real API server does. Also the lock that keeps
    /// publishing and a watcher's subscription in one order.
    pub history: Mutex<Vec<(String, Value)>>,
    /// The Job names watches were opened for (`fieldSelector=metadata.name=X`), in order.
    pub watches: Mutex<Vec<String>>,
}

impl Cluster {
    fn bump(&self, object: &mut Value) {
        let version = self.version.fetch_add(1, Ordering::SeqCst) + 1;
        object["metadata"]["resourceVersion"] = json!(version.to_string());
    }

    fn publish(&self, kind: &str, object: &Value) {
        let mut history = self.history.lock().expect("lock");
        history.push((kind.to_owned(), object.clone()));
        if let Some(tx) = self.events.lock().expect("lock").as_ref() {
            let _ = tx.send((kind.to_owned(), object.clone()));
        }
    }
}

/// An object's `metadata.resourceVersion` as a number (0 when it has none).
pub fn version_of(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// An object's `metadata.name` ("" when it has none).
fn name_of(object: &Value) -> String {
    object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn status(code: u16, reason: &str, message: &str) -> Response {
    (
        StatusCode::from_u16(code).expect("code"),
        Json(json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code})),
    )
        .into_response()
}

async fn create_job(
    State(cluster): State<Arc<Cluster>>,
    Path(ns): Path<String>,
    Json(mut job): Json<Value>,
) -> Response {
    let name = name_of(&job);
    cluster.creates.lock().expect("lock").push(name.clone());
    {
        let mut failing = cluster.fail_creates.lock().expect("lock");
        if *failing > 0 {
            *failing -= 1;
            return status(500, "InternalError", "etcdserver: request timed out");
        }
    }
    let mut jobs = cluster.jobs.lock().expect("lock");
    if jobs.contains_key(&name) {
        return status(
            409,
            "AlreadyExists",
            &format!("jobs.batch \"{name}\" already exists"),
        );
    }
    job["metadata"]["namespace"] = json!(ns);
    job["metadata"]["uid"] = json!(format!("uid-{name}"));
    job["metadata"]["creationTimestamp"] = json!("2026-11-23T00:00:00Z");
    cluster.bump(&mut job);
    jobs.insert(name, job.clone());
    drop(jobs);
    cluster.publish("ADDED", &job);
    (StatusCode::CREATED, Json(job)).into_response()
}

async fn create_secret(
    State(cluster): State<Arc<Cluster>>,
    Json(mut secret): Json<Value>,
) -> Response {
    let name = name_of(&secret);
    cluster.bump(&mut secret);
    cluster
        .secrets
        .lock()
        .expect("lock")
        .insert(name, secret.clone());
    (StatusCode::CREATED, Json(secret)).into_response()
}

/// `PATCH .../secrets/{name}` with a JSON merge patch of `metadata.ownerReferences`, the
/// only change pyexec makes to a Secret.
async fn patch_secret(
    State(cluster): State<Arc<Cluster>>,
    Path((_ns, name)): Path<(String, String)>,
    Json(patch): Json<Value>,
) -> Response {
    let mut secrets = cluster.secrets.lock().expect("lock");
    let Some(secret) = secrets.get_mut(&name) else {
        return status(404, "NotFound", &format!("secrets \"{name}\" not found"));
    };
    let references = patch["metadata"]["ownerReferences"].clone();
    assert!(
        references.is_array() && patch.as_object().is_some_and(|o| o.len() == 1),
        "unexpected patch {patch}"
    );
    secret["metadata"]["ownerReferences"] = references;
    let secret = secret.clone();
    drop(secrets);
    (StatusCode::OK, Json(secret)).into_response()
}

async fn get_job(
    State(cluster): State<Arc<Cluster>>,
    Path((_ns, name)): Path<(String, String)>,
) -> Response {
    match cluster.jobs.lock().expect("lock").get(&name) {
        Some(job) => Json(job.clone()).into_response(),
        None => status(404, "NotFound", &format!("jobs.batch \"{name}\" not found")),
    }
}

async fn delete_job(
    State(cluster): State<Arc<Cluster>>,
    Path((_ns, name)): Path<(String, String)>,
) -> Response {
    let removed = cluster.jobs.lock().expect("lock").remove(&name);
    match removed {
        Some(mut job) => {
            cluster.bump(&mut job);
            cluster.publish("DELETED", &job);
            Json(json!({"kind": "Status", "apiVersion": "v1", "status": "Success"})).into_response()
        }
        None => status(404, "NotFound", &format!("jobs.batch \"{name}\" not found")),
    }
}

/// `GET .../jobs?watch=true&fieldSelector=metadata.name=X&resourceVersion=V`: one JSON event
/// per line. With a version, the events after it are replayed first, then live ones follow,
/// so nothing published between the client's read and its watch is lost (without one, or
/// with "0", only live events).
async fn list_or_watch(
    State(cluster): State<Arc<Cluster>>,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    if query.get("watch").map(String::as_str) != Some("true") {
        // `labelSelector=k=v,k2=v2`: equality terms, as the real server reads them.
        let terms: Vec<(String, String)> = query
            .get("labelSelector")
            .map(|s| {
                s.split(',')
                    .filter_map(|t| t.split_once('='))
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let items: Vec<Value> = cluster
            .jobs
            .lock()
            .expect("lock")
            .values()
            .filter(|job| {
                terms
                    .iter()
                    .all(|(k, v)| job["metadata"]["labels"][k.as_str()] == v.as_str())
            })
            .cloned()
            .collect();
        return Json(
            json!({"kind": "JobList", "apiVersion": "batch/v1", "metadata": {}, "items": items}),
        )
        .into_response();
    }
    let wanted = query
        .get("fieldSelector")
        .and_then(|f| f.strip_prefix("metadata.name="))
        .map(str::to_owned);
    let since: u64 = query
        .get("resourceVersion")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let (rx, missed) = {
        // Under the history lock: every event is either in `missed` or comes through `rx`.
        let history = cluster.history.lock().expect("lock");
        let rx = cluster
            .events
            .lock()
            .expect("lock")
            .as_ref()
            .expect("events")
            .subscribe();
        let missed: std::collections::VecDeque<(String, Value)> = if since == 0 {
            Default::default()
        } else {
            history
                .iter()
                .filter(|(_, object)| version_of(object) > since)
                .cloned()
                .collect()
        };
        (rx, missed)
    };
    if let Some(name) = &wanted {
        cluster.watches.lock().expect("lock").push(name.clone());
    }
    let stream = futures::stream::unfold((missed, rx), move |(mut missed, mut rx)| {
        let wanted = wanted.clone();
        async move {
            loop {
                let next = match missed.pop_front() {
                    Some(event) => Ok(event),
                    None => rx.recv().await,
                };
                match next {
                    Ok((kind, object)) => {
                        if wanted
                            .as_deref()
                            .is_some_and(|w| object["metadata"]["name"] != w)
                        {
                            continue;
                        }
                        let mut line =
                            serde_json::to_vec(&json!({"type": kind, "object": object})).ok()?;
                        line.push(b'\n');
                        return Some((Ok::<_, std::convert::Infallible>(line), (missed, rx)));
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    Response::builder()
        .header("content-type", "application/json")
        .body(Body::from_stream(stream))
        .expect("response")
}

pub struct FakeApi {
    pub url: String,
    pub cluster: Arc<Cluster>,
    _runtime: tokio::runtime::Runtime,
}

impl FakeApi {
    pub fn start() -> Self {
        let cluster = Arc::new(Cluster::default());
        let (tx, _) = broadcast::channel(64);
        *cluster.events.lock().expect("lock") = Some(tx);
        let app = Router::new()
            .route(
                "/apis/batch/v1/namespaces/{ns}/jobs",
                post(create_job).get(list_or_watch),
            )
            .route(
                "/apis/batch/v1/namespaces/{ns}/jobs/{name}",
                get(get_job).delete(delete_job),
            )
            .route("/api/v1/namespaces/{ns}/secrets", post(create_secret))
            .route(
                "/api/v1/namespaces/{ns}/secrets/{name}",
                patch(patch_secret),
            )
            .with_state(Arc::clone(&cluster));
        let (addr, runtime) = super::serve_in_background(app);
        Self {
            url: format!("http://{addr}"),
            cluster,
            _runtime: runtime,
        }
    }

    pub fn job(&self, name: &str) -> Option<Value> {
        self.cluster.jobs.lock().expect("lock").get(name).cloned()
    }

    /// Plays the Job controller: sets the status and tells watchers.
    pub fn set_status(&self, name: &str, status: Value) {
        let mut jobs = self.cluster.jobs.lock().expect("lock");
        let job = jobs.get_mut(name).expect("job exists");
        job["status"] = status;
        self.cluster.bump(job);
        let job = job.clone();
        drop(jobs);
        self.cluster.publish("MODIFIED", &job);
    }

    pub fn delete(&self, name: &str) {
        let mut job = self
            .cluster
            .jobs
            .lock()
            .expect("lock")
            .remove(name)
            .expect("job exists");
        self.cluster.bump(&mut job);
        self.cluster.publish("DELETED", &job);
    }

    /// Waits until the service has opened a watch on the Job `name`.
    pub fn wait_for_watch(&self, name: &str) {
        poll(Duration::from_secs(10), Duration::from_millis(20), || {
            let watches = self.cluster.watches.lock().expect("lock");
            if watches.iter().any(|w| w == name) {
                Ok(())
            } else {
                Err(format!("the Job {name} was never watched"))
            }
        });
    }

    pub fn wait_for_job(&self, name: &str) -> Value {
        poll(Duration::from_secs(10), Duration::from_millis(20), || {
            self.job(name)
                .ok_or_else(|| format!("the Job {name} was never created"))
        })
    }
}
