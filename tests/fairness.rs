//! Fair admission against the real executor: two callers flooding hostile programs cannot
//! take more than their share of the pool, and a third caller's ordinary programs all run.
//! (Latency under this load is measured in `benches/hostile_load.py --callers`, not here.)

mod common;

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use common::executor::{post_raw, Service};
use serde_json::json;

const HOSTILE: &[&str] = &[
    "while True:\n    pass\n",
    "x = []\nwhile True:\n    x.append(' ' * 10_000_000)\n",
    "import time\ntime.sleep(30)\n",
];

#[test]
fn hostile_callers_hold_at_most_their_share_and_a_third_caller_is_served() {
    let mut config = tempfile::NamedTempFile::new().expect("config");
    let mut text = String::from("[auth]\nrate_per_sec = 0\n");
    for id in ["h1", "h2", "normal"] {
        text.push_str(&common::api_key(id, &["execute"], ""));
    }
    config.write_all(text.as_bytes()).expect("write");
    let path = config.path().to_str().expect("path").to_owned();
    // Four slots: by default a caller holds at most a third of them (one).
    let service = Arc::new(Service::start(
        &["--config", &path],
        &[("PYEXEC_EXECUTOR__POOL_SIZE", "4")],
    ));
    let flooding = Arc::new(AtomicBool::new(true));
    let hostile_sent = Arc::new(AtomicUsize::new(0));
    let mut floods = Vec::new();
    for caller in ["h1", "h2"] {
        for thread in 0..3 {
            let service = Arc::clone(&service);
            let flooding = Arc::clone(&flooding);
            let sent = Arc::clone(&hostile_sent);
            floods.push(std::thread::spawn(move || {
                let key = format!("Bearer {caller}-key");
                let mut n = thread;
                while flooding.load(Ordering::SeqCst) {
                    let code = HOSTILE[n % HOSTILE.len()];
                    n += 1;
                    let (status, body) = post_raw(
                        &service.url("/api/v1/execute_snippet"),
                        json!({"code": code, "limits": {"timeout_secs": 1.0}})
                            .to_string()
                            .as_bytes(),
                        &[("authorization", &key)],
                    );
                    // Their own limits may refuse them (429); nothing else is expected.
                    assert!(status == 200 || status == 429, "{status}: {body}");
                    sent.fetch_add(1, Ordering::SeqCst);
                }
            }));
        }
    }
    // While they flood: the pool never has more than their two slots plus the third
    // caller's one busy, and every ordinary program runs and prints what it should.
    let mut most_busy = 0;
    for i in 0..30 {
        let (status, body) = post_raw(
            &service.url("/api/v1/execute_snippet"),
            json!({"code": format!("print(sum(range({i})))")})
                .to_string()
                .as_bytes(),
            &[("authorization", "Bearer normal-key")],
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "ok", "{body}");
        assert_eq!(body["stdout"], format!("{}\n", (0..i).sum::<i32>()));
        let health: serde_json::Value = ureq::get(&service.url("/api/v1/health"))
            .set("authorization", "Bearer normal-key")
            .call()
            .expect("health")
            .into_json()
            .expect("JSON");
        let busy = health["pool"]["busy"].as_u64().expect("busy");
        most_busy = most_busy.max(busy);
        assert!(
            busy <= 3,
            "{busy} slots busy: the hostile callers took more than their share"
        );
    }
    flooding.store(false, Ordering::SeqCst);
    for flood in floods {
        flood.join().expect("flood thread");
    }
    assert!(hostile_sent.load(Ordering::SeqCst) > 0);
    assert!(
        most_busy >= 2,
        "the hostile callers never held their slots ({most_busy})"
    );
}
