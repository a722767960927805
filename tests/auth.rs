//! Authentication, authorization and the error contract against the real executor: API keys
//! with scopes, OIDC tokens from an issuer served on 127.0.0.1 (discovery and JWKS), job
//! ownership, per-caller rate limits, the refusal to run open off loopback.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::app::Options;
use common::executor::{post_raw, Service};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const KEY_PEM: &str = include_str!("fixtures/auth/test-issuer-key.pem");

/// A configuration naming the test's keys (and an issuer, when given).
fn config(issuer: Option<&str>, extra: &str) -> String {
    let jobs = ["execute", "jobs:read", "jobs:write"];
    let mut text = String::from("[auth]\nrate_per_sec = 0\nburst = 2\n");
    for entry in [
        common::api_key("alice", &jobs, ""),
        common::api_key("bob", &jobs, ""),
        common::api_key("reader", &["jobs:read"], ""),
        common::api_key("root", &["admin"], ""),
        common::api_key(
            "llm",
            &["execute", "jobs:read", "jobs:write", "delegate"],
            "",
        ),
        common::api_key("slow", &["execute"], "rate_per_sec = 0.5\n"),
    ] {
        text.push_str(&entry);
    }
    if let Some(issuer) = issuer {
        text.push_str(&format!(
            "[auth.oidc]\nissuer = \"{issuer}\"\naudience = [\"api://pyexec\"]\nleeway_secs = 0\n"
        ));
    }
    text.push_str(extra);
    text
}

/// The executor with `config` passed as its `--config` file.
fn start(config: &str) -> Service {
    Service::with(Options::default().pool_size(2).config(config))
}

fn get(url: &str, headers: &[(&str, &str)]) -> (u16, ureq::Response) {
    let mut request = ureq::get(url);
    for (k, v) in headers {
        request = request.set(k, v);
    }
    match request.call() {
        Ok(response) => (response.status(), response),
        Err(ureq::Error::Status(code, response)) => (code, response),
        Err(err) => panic!("transport error: {err}"),
    }
}

fn execute(service: &Service, code: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    post_raw(
        &service.url("/api/v1/execute_snippet"),
        json!({ "code": code }).to_string().as_bytes(),
        headers,
    )
}

/// Every error body follows the contract: a kind, a message and the request id.
fn assert_contract(status: u16, body: &Value, kind: &str) {
    assert_eq!(body["error"]["kind"], kind, "{status}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["error"]["request_id"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

#[test]
fn keys_and_scopes_decide_who_may_run_code_and_every_refusal_follows_the_contract() {
    let config = config(None, "");
    let service = start(&config);

    let (status, body) = execute(&service, "print(1 + 1)", &[]);
    assert_eq!(status, 401);
    assert_contract(status, &body, "unauthorized");

    let (status, body) = execute(
        &service,
        "print(1 + 1)",
        &[("authorization", "Bearer wrong")],
    );
    assert_eq!(status, 401);
    assert_contract(status, &body, "unauthorized");

    let (status, body) = execute(
        &service,
        "print(1 + 1)",
        &[("authorization", "Basic YWxpY2U6a2V5")],
    );
    assert_eq!(status, 401);
    assert_contract(status, &body, "unauthorized");

    let (status, body) = execute(
        &service,
        "print(1 + 1)",
        &[("authorization", "Bearer reader-key")],
    );
    assert_eq!(status, 403);
    assert_contract(status, &body, "forbidden");

    let (status, body) = execute(
        &service,
        "print(1 + 1)",
        &[
            ("authorization", "Bearer alice-key"),
            ("x-request-id", "auth-ok-1"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stdout"], "2\n");
    assert_eq!(body["request_id"], "auth-ok-1");
    let (status, body) = execute(&service, "print(3)", &[("x-api-key", "bob-key")]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stdout"], "3\n");

    // Probes are open; details are not.
    let (status, _) = get(&service.url("/api/v1/health/live"), &[]);
    assert_eq!(status, 200);
    let (status, response) = get(&service.url("/api/v1/health/ready"), &[]);
    assert_eq!(status, 200);
    let brief: Value = response.into_json().expect("JSON");
    assert_eq!(brief["ready"], true);
    assert!(brief.get("pool").is_none(), "{brief}");
    let (status, response) = get(&service.url("/api/v1/health"), &[]);
    assert_eq!(status, 401);
    assert!(response.header("www-authenticate").is_some());
    let (status, response) = get(
        &service.url("/api/v1/health"),
        &[("authorization", "Bearer reader-key")],
    );
    assert_eq!(status, 200);
    let health: Value = response.into_json().expect("JSON");
    assert_eq!(health["auth"], "required");

    // Unknown routes, wrong methods and non-JSON bodies: the same contract.
    let (status, response) = get(
        &service.url("/api/v1/nothing-here"),
        &[("x-request-id", "nf-1")],
    );
    assert_eq!(status, 404);
    let body: Value = response.into_json().expect("JSON");
    assert_contract(404, &body, "not_found");
    assert_eq!(body["error"]["request_id"], "nf-1");
    let (status, response) = get(
        &service.url("/api/v1/execute_snippet"),
        &[("authorization", "Bearer alice-key")],
    );
    assert_eq!(status, 405);
    assert_contract(
        405,
        &response.into_json().expect("JSON"),
        "method_not_allowed",
    );
    let result = ureq::post(&service.url("/api/v1/execute_snippet"))
        .set("authorization", "Bearer alice-key")
        .set("content-type", "text/plain")
        .send_string("print(1)");
    let Err(ureq::Error::Status(415, response)) = result else {
        panic!("text/plain was not refused with 415: {result:?}");
    };
    assert_contract(
        415,
        &response.into_json().expect("JSON"),
        "unsupported_media_type",
    );

    // A caller over its rate gets 429 with Retry-After; the others are not affected.
    let mut limited = None;
    for _ in 0..5 {
        let (status, response) = get(
            &service.url("/api/v1/health"),
            &[("authorization", "Bearer slow-key")],
        );
        if status == 429 {
            limited = Some(response);
            break;
        }
    }
    let response = limited.expect("a caller at 0.5 requests/s was never limited");
    assert!(response.header("retry-after").is_some());
    assert_contract(429, &response.into_json().expect("JSON"), "rate_limited");
    let (status, _) = execute(
        &service,
        "print(4)",
        &[("authorization", "Bearer alice-key")],
    );
    assert_eq!(status, 200);
}

#[test]
fn a_caller_sees_only_its_own_jobs_unless_it_is_admin() {
    let config = config(None, "");
    let service = start(&config);
    let create = |key: &str| {
        post_raw(
            &service.url("/api/v1/create_heavy_job"),
            json!({"code": "print('heavy')", "request_id": "shared-id-1"})
                .to_string()
                .as_bytes(),
            &[("authorization", &format!("Bearer {key}"))],
        )
    };
    let (status, alice_job) = create("alice-key");
    assert_eq!(status, 202, "{alice_job}");
    let (status, bob_job) = create("bob-key");
    assert_eq!(status, 202, "{bob_job}");
    // The same request id from two callers: two jobs.
    assert_ne!(alice_job["job_id"], bob_job["job_id"]);
    let job_url = service.url(&format!(
        "/api/v1/jobs/{}",
        alice_job["job_id"].as_str().expect("job id")
    ));
    let (status, response) = get(&job_url, &[("authorization", "Bearer alice-key")]);
    assert_eq!(status, 200);
    let record: Value = response.into_json().expect("JSON");
    assert_eq!(record["owner"], "key:alice");
    let (status, response) = get(&job_url, &[("authorization", "Bearer bob-key")]);
    assert_eq!(status, 404);
    assert_contract(404, &response.into_json().expect("JSON"), "not_found");
    // `reader` has jobs:read but is not the owner either.
    let (status, _) = get(&job_url, &[("authorization", "Bearer reader-key")]);
    assert_eq!(status, 404);
    let (status, _) = get(&job_url, &[("authorization", "Bearer root-key")]);
    assert_eq!(status, 200);
    // Creating a job needs jobs:write.
    let (status, body) = create("reader-key");
    assert_eq!(status, 403);
    assert_contract(403, &body, "forbidden");
}

/// A minimal OIDC issuer on 127.0.0.1: discovery document and JWKS, over real HTTP.
fn issuer() -> (String, tokio::runtime::Runtime) {
    issuer_with(std::sync::Arc::default(), std::sync::Arc::default())
}

/// As [`issuer`]; while `hang` is set, its key endpoint accepts requests and never answers
/// (counting them in `hung`).
fn issuer_with(
    hang: std::sync::Arc<std::sync::atomic::AtomicBool>,
    hung: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) -> (String, tokio::runtime::Runtime) {
    use axum::routing::get;
    let key = EncodingKey::from_rsa_pem(KEY_PEM.as_bytes()).expect("test key");
    let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
    jwk.common.key_id = Some("test-key-1".to_owned());
    let jwks = json!({ "keys": [jwk] });
    let (addr_tx, addr_rx) = std::sync::mpsc::channel::<String>();
    let base = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let discovery_base = std::sync::Arc::clone(&base);
    let app =
        axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || {
                    let base = discovery_base.lock().expect("base").clone();
                    async move {
                        axum::Json(json!({"issuer": base, "jwks_uri": format!("{base}/keys")}))
                    }
                }),
            )
            .route(
                "/keys",
                get(move || {
                    let hang = hang.load(std::sync::atomic::Ordering::SeqCst);
                    if hang {
                        hung.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    let jwks = jwks.clone();
                    async move {
                        if hang {
                            std::future::pending::<()>().await;
                        }
                        axum::Json(jwks)
                    }
                }),
            );
    let (addr, runtime) = common::serve_in_background(app);
    let url = format!("http://{addr}");
    *base.lock().expect("base") = url.clone();
    drop((addr_tx, addr_rx));
    (url, runtime)
}

fn token(issuer: &str, audience: &str, scopes: &str, expires_in: i64) -> String {
    token_with_kid(issuer, audience, scopes, expires_in, "test-key-1")
}

fn token_with_kid(
    issuer: &str,
    audience: &str,
    scopes: &str,
    expires_in: i64,
    kid: &str,
) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let claims = json!({
        "iss": issuer, "aud": audience, "sub": "user-1", "scp": scopes,
        "iat": now, "exp": now + expires_in,
    });
    let key = EncodingKey::from_rsa_pem(KEY_PEM.as_bytes()).expect("test key");
    jsonwebtoken::encode(&header, &claims, &key).expect("token")
}

#[test]
fn oidc_tokens_from_the_configured_issuer_are_checked_against_its_keys() {
    let (issuer, _issuer_runtime) = issuer();
    let config = config(Some(&issuer), "");
    let service = start(&config);
    let bearer = |t: &str| format!("Bearer {t}");

    let good = token(&issuer, "api://pyexec", "execute jobs:read", 300);
    let (status, body) = execute(
        &service,
        "print(6 * 7)",
        &[("authorization", &bearer(&good))],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stdout"], "42\n");

    let expired = token(&issuer, "api://pyexec", "execute", -120);
    let (status, body) = execute(
        &service,
        "print(1)",
        &[("authorization", &bearer(&expired))],
    );
    assert_eq!(status, 401);
    assert_contract(status, &body, "unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("expired")),
        "{body}"
    );

    let wrong_audience = token(&issuer, "api://other", "execute", 300);
    let (status, body) = execute(
        &service,
        "print(1)",
        &[("authorization", &bearer(&wrong_audience))],
    );
    assert_eq!(status, 401, "{body}");

    let wrong_issuer = token(
        "http://127.0.0.1:1/elsewhere",
        "api://pyexec",
        "execute",
        300,
    );
    let (status, _) = execute(
        &service,
        "print(1)",
        &[("authorization", &bearer(&wrong_issuer))],
    );
    assert_eq!(status, 401);

    let no_scope = token(&issuer, "api://pyexec", "jobs:read", 300);
    let (status, body) = execute(
        &service,
        "print(1)",
        &[("authorization", &bearer(&no_scope))],
    );
    assert_eq!(status, 403);
    assert_contract(status, &body, "forbidden");

    // A token signed by another key, and a tampered one.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    parts[2] = parts[2].chars().rev().collect();
    let tampered = parts.join(".");
    let (status, _) = execute(
        &service,
        "print(1)",
        &[("authorization", &bearer(&tampered))],
    );
    assert_eq!(status, 401);
    let unsigned = format!("{}.{}.", "eyJhbGciOiJub25lIn0", parts[1]);
    let (status, _) = execute(
        &service,
        "print(1)",
        &[("authorization", &bearer(&unsigned))],
    );
    assert_eq!(status, 401);
}

#[test]
fn without_credentials_a_role_runs_open_on_loopback_only() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pyexec"))
        .args(["serve", "--role", "executor", "--listen", "0.0.0.0:0"])
        .env("PYEXEC_LOG__FORMAT", "text")
        .output()
        .expect("pyexec runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without credentials"),
        "{stderr}"
    );

    let service = Service::start(&[], &[]);
    let health = service.health();
    assert_eq!(health["auth"], "open", "{health}");
}

/// Review findings: results were kept by request id, so one caller could read another's
/// result by reusing its request id; `..` was a valid request id. Results are now kept
/// under the job id, which is the caller's own.
#[test]
fn two_callers_with_one_request_id_keep_their_own_results() {
    let service = start(&config(None, ""));
    let mut jobs = Vec::new();
    for (key, secret) in [("alice-key", "ALICE-SECRET"), ("bob-key", "BOB-SECRET")] {
        let (status, created) = post_raw(
            &service.url("/api/v1/create_heavy_job"),
            json!({"code": format!("print({secret:?})"), "request_id": "shared-2"})
                .to_string()
                .as_bytes(),
            &[("authorization", &format!("Bearer {key}"))],
        );
        assert_eq!(status, 202, "{created}");
        jobs.push((
            key,
            secret,
            created["job_id"].as_str().expect("job id").to_owned(),
        ));
    }
    let mut locations = Vec::new();
    for (key, secret, job_id) in &jobs {
        let (status, response) = get(
            &service.url(&format!("/api/v1/jobs/{job_id}?wait_secs=120")),
            &[("authorization", &format!("Bearer {key}"))],
        );
        assert_eq!(status, 200);
        let record: Value = response.into_json().expect("JSON");
        assert_eq!(record["status"], "succeeded", "{record}");
        assert_eq!(
            record["result"]["stdout"],
            format!("{secret}\n"),
            "{record}"
        );
        locations.push(
            record["result_location"]
                .as_str()
                .expect("location")
                .to_owned(),
        );
    }
    assert_ne!(locations[0], locations[1]);
    for id in ["..", ".", "../x"] {
        let (status, body) = post_raw(
            &service.url("/api/v1/create_heavy_job"),
            json!({"code": "print(1)", "request_id": id})
                .to_string()
                .as_bytes(),
            &[("authorization", "Bearer alice-key")],
        );
        assert_eq!(status, 400, "{id}: {body}");
        assert_contract(status, &body, "bad_request");
    }
    // A job id that is not UTF-8: the contract, not a plain-text rejection.
    let (status, response) = get(
        &service.url("/api/v1/jobs/%ff"),
        &[("authorization", "Bearer alice-key")],
    );
    assert_eq!(status, 400);
    assert_contract(400, &response.into_json().expect("JSON"), "bad_request");
}

/// Only a credential with the `delegate` scope may act for another caller; what it starts
/// then belongs to that caller as the delegate knows it (`key:llm/<user>`), never to one of
/// this service's own callers of the same name.
#[test]
fn acting_for_another_caller_needs_the_delegate_scope() {
    let service = start(&config(None, ""));
    let (status, body) = post_raw(
        &service.url("/api/v1/create_heavy_job"),
        json!({"code": "print(1)", "request_id": "act-1"})
            .to_string()
            .as_bytes(),
        &[
            ("authorization", "Bearer alice-key"),
            ("x-pyexec-on-behalf-of", "key:bob"),
        ],
    );
    assert_eq!(status, 403, "{body}");
    assert_contract(status, &body, "forbidden");
    let (status, created) = post_raw(
        &service.url("/api/v1/create_heavy_job"),
        json!({"code": "print(1)", "request_id": "act-1"})
            .to_string()
            .as_bytes(),
        &[
            ("authorization", "Bearer llm-key"),
            ("x-pyexec-on-behalf-of", "key:bob"),
        ],
    );
    assert_eq!(status, 202, "{created}");
    let job_url = service.url(&format!(
        "/api/v1/jobs/{}",
        created["job_id"].as_str().expect("job id")
    ));
    let (status, response) = get(
        &job_url,
        &[
            ("authorization", "Bearer llm-key"),
            ("x-pyexec-on-behalf-of", "key:bob"),
        ],
    );
    assert_eq!(status, 200);
    let record: Value = response.into_json().expect("JSON");
    assert_eq!(record["owner"], "key:llm/key:bob");
    // Not this service's own bob, nor anyone else.
    for key in ["bob-key", "alice-key"] {
        let (status, _) = get(&job_url, &[("authorization", &format!("Bearer {key}"))]);
        assert_eq!(status, 404, "{key}");
    }
    // Any user id fits once encoded (an OIDC subject with a space and an accent).
    let (status, created) = post_raw(
        &service.url("/api/v1/create_heavy_job"),
        json!({"code": "print(1)", "request_id": "act-2"})
            .to_string()
            .as_bytes(),
        &[
            ("authorization", "Bearer llm-key"),
            (
                "x-pyexec-on-behalf-of",
                &pyexec::http::auth::encode_caller("oidc:José Díaz"),
            ),
        ],
    );
    assert_eq!(status, 202, "{created}");
    // A caller without the scope is refused whatever the value.
    let (status, body) = post_raw(
        &service.url("/api/v1/create_heavy_job"),
        json!({"code": "print(1)"}).to_string().as_bytes(),
        &[
            ("authorization", "Bearer alice-key"),
            ("x-pyexec-on-behalf-of", "not valid"),
        ],
    );
    assert_eq!(status, 403, "{body}");
}

/// Review finding: fetching the issuer's keys held the key cache's lock, so a token with an
/// unknown key id stalled every login while the issuer was slow. Tokens the cache can check
/// are now checked while such a fetch waits.
#[test]
fn a_silent_issuer_does_not_stall_tokens_the_cache_can_check() {
    let hang = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hung = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (issuer, _issuer_runtime) =
        issuer_with(std::sync::Arc::clone(&hang), std::sync::Arc::clone(&hung));
    let config = config(Some(&issuer), "jwks_min_refresh_secs = 1\n");
    let service = start(&config);
    let good = token(&issuer, "api://pyexec", "execute", 300);
    let bearer = format!("Bearer {good}");
    let (status, body) = execute(&service, "print(1)", &[("authorization", &bearer)]);
    assert_eq!(status, 200, "{body}");
    hang.store(true, std::sync::atomic::Ordering::SeqCst);
    let unknown = token_with_kid(&issuer, "api://pyexec", "execute", 300, "rotated-key");
    let url = service.url("/api/v1/execute_snippet");
    let asked = std::sync::Arc::clone(&hung);
    let stalled = std::thread::spawn(move || loop {
        // Within a second of the last fetch an unknown key id is refused at once; the first
        // request after that fetches, and the issuer never answers it.
        let answer = post_raw(
            &url,
            json!({"code": "print(2)"}).to_string().as_bytes(),
            &[("authorization", &format!("Bearer {unknown}"))],
        );
        if asked.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            return answer;
        }
    });
    // The unknown key's fetch is in flight (the issuer never answers) ...
    common::poll(
        std::time::Duration::from_secs(10),
        std::time::Duration::from_millis(10),
        || {
            if hung.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                Ok(())
            } else {
                Err("the service never asked the issuer for the unknown key".to_owned())
            }
        },
    );
    // ... and a token with a known key is checked meanwhile.
    let (status, body) = execute(&service, "print(3)", &[("authorization", &bearer)]);
    assert_eq!(status, 200, "{body}");
    assert!(
        !stalled.is_finished(),
        "the unknown key's request ended before the known one: the fetch did not hang"
    );
    let (status, body) = stalled.join().expect("thread");
    assert!(status == 401 || status == 503, "{status}: {body}");
}
