//! `GET /metrics` end to end: known traffic against a real service, then its scrape read by
//! the reference parsers (the Python `prometheus_client` package's, for the Prometheus text
//! format and for OpenMetrics), and the numbers compared with the traffic.

mod common;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, Stdio};

use common::app::{spawn, App, Options, Role};
use common::executor::{post_raw, Service};
use common::fake_llm::{Scripted, TestLlm};
use serde_json::{json, Value};

/// One sample as the parser read it.
#[derive(Debug, Clone)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Reads `text` with `prometheus_client`'s parser (`openmetrics` picks the OpenMetrics one)
/// and prints every sample as a JSON line.
const PARSER: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families as prometheus
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
parse = openmetrics if sys.argv[1] == "openmetrics" else prometheus
for family in parse(sys.stdin.read()):
    for s in family.samples:
        print(json.dumps({"name": s.name, "labels": s.labels, "value": s.value, "type": family.type}))
"#;

fn parse(text: &str, format: &str) -> Vec<Sample> {
    let mut child = Command::new("python3")
        .args(["-c", PARSER, format])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write the scrape");
    let output = child.wait_with_output().expect("parser ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("No module named 'prometheus_client'"),
        "the reference parser is missing: python3 -m pip install 'prometheus-client==0.*' (scripts/test.sh does)"
    );
    assert!(
        output.status.success(),
        "the {format} parser refused the scrape: {stderr}\n{text}"
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("a JSON line");
            Sample {
                name: v["name"].as_str().expect("name").to_owned(),
                labels: serde_json::from_value(v["labels"].clone()).expect("labels"),
                value: v["value"].as_f64().expect("value"),
            }
        })
        .collect()
}

/// `GET /metrics`, optionally asking for OpenMetrics: the content type and the text.
fn scrape(app: &App, openmetrics: bool) -> (String, String) {
    let mut request = ureq::get(&app.url("/metrics"));
    if openmetrics {
        request = request.set(
            "accept",
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
        );
    }
    let response = request.call().expect("/metrics answers 200");
    let content_type = response
        .header("content-type")
        .unwrap_or_default()
        .to_owned();
    (content_type, response.into_string().expect("text"))
}

struct Scrape(Vec<Sample>);

impl Scrape {
    /// The value of the sample `name` whose labels include `labels`; 0 when there is none
    /// (a counter never incremented has no sample for its labels).
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let found: Vec<&Sample> = self.matching(name, labels).collect();
        assert!(
            found.len() <= 1,
            "{name} {labels:?} is ambiguous: {found:?}"
        );
        found.first().map_or(0.0, |s| s.value)
    }

    fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.0.iter().filter(move |s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
    }

    /// Checks the histogram `name` (with `labels`): buckets cumulative in `le` order, the
    /// `+Inf` bucket equal to `_count`, which must be `count`.
    fn histogram(&self, name: &str, labels: &[(&str, &str)], count: f64) {
        let bucket = format!("{name}_bucket");
        let mut buckets: Vec<(f64, f64)> = self
            .matching(&bucket, labels)
            .map(|s| {
                let le = s.labels.get("le").expect("le label");
                let le = if le == "+Inf" {
                    f64::INFINITY
                } else {
                    le.parse().expect("le is a number")
                };
                (le, s.value)
            })
            .collect();
        assert!(!buckets.is_empty(), "no buckets for {name} {labels:?}");
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in buckets.windows(2) {
            assert!(
                pair[0].1 <= pair[1].1,
                "{name} {labels:?}: buckets not cumulative: {buckets:?}"
            );
        }
        let last = buckets.last().expect("a bucket");
        assert_eq!(last.0, f64::INFINITY, "{name}: no +Inf bucket");
        let total = self.value(&format!("{name}_count"), labels);
        assert_eq!(
            last.1, total,
            "{name} {labels:?}: +Inf bucket is not _count"
        );
        assert_eq!(total, count, "{name} {labels:?}: _count");
    }
}

fn executions(service: &Service, programs: &[(&str, &str)]) -> Vec<Value> {
    programs
        .iter()
        .map(|(code, expected)| {
            let (status, result) = service.execute(&json!({
                "code": code,
                "limits": {"timeout_secs": 1.0},
            }));
            assert_eq!(status, 200, "{code}: {result}");
            assert_eq!(result["status"], *expected, "{code}: {result}");
            result
        })
        .collect()
}

#[test]
fn the_executor_counts_its_traffic_exactly() {
    let service = Service::start(&[], &[]);
    let results = executions(
        &service,
        &[
            ("print(1)", "ok"),
            ("print(2)", "ok"),
            ("print(3)", "ok"),
            ("import os\nos.system('id')", "rejected"),
            ("while True:\n    pass", "timeout"),
        ],
    );
    let (bad, _) = post_raw(&service.url("/api/v1/execute_snippet"), b"{not json", &[]);
    assert_eq!(bad, 400);
    let (unknown, _) = service.get("/api/v1/jobs/no-such-job/extra");
    assert_eq!(unknown, 404);

    let (content_type, text) = scrape(&service, false);
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    let m = Scrape(parse(&text, "prometheus"));

    let run = [("ok", 3.0), ("rejected", 1.0), ("timeout", 1.0)];
    for (status, n) in run {
        assert_eq!(
            m.value("pyexec_executions_total", &[("status", status)]),
            n,
            "{status}\n{text}"
        );
        m.histogram(
            "pyexec_execution_duration_seconds",
            &[("status", status)],
            n,
        );
    }
    assert_eq!(
        m.matching("pyexec_executions_total", &[]).count(),
        run.len()
    );
    assert_eq!(
        m.value("pyexec_validations_total", &[("outcome", "valid")]),
        4.0
    );
    assert_eq!(
        m.value("pyexec_validations_total", &[("outcome", "rejected")]),
        1.0
    );
    let mut expected_findings: BTreeMap<String, f64> = BTreeMap::new();
    for finding in results[3]["findings"].as_array().expect("findings") {
        let code = finding["code"].as_str().expect("code").to_owned();
        *expected_findings.entry(code).or_default() += 1.0;
    }
    assert!(expected_findings.contains_key("PX101"), "{results:?}");
    for (rule, n) in &expected_findings {
        assert_eq!(
            m.value("pyexec_validation_findings_total", &[("rule", rule)]),
            *n
        );
    }
    assert_eq!(
        m.matching("pyexec_validation_findings_total", &[]).count(),
        expected_findings.len()
    );

    // The requests, by route template and status; the start-up self-test is not counted.
    let route = |route: &str, status: &str| {
        m.value(
            "pyexec_http_requests_total",
            &[("role", "executor"), ("route", route), ("status", status)],
        )
    };
    assert_eq!(route("/api/v1/execute_snippet", "200"), 5.0);
    assert_eq!(route("/api/v1/execute_snippet", "400"), 1.0);
    assert_eq!(route("unmatched", "404"), 1.0);
    assert!(route("/api/v1/health/live", "200") >= 1.0);
    m.histogram(
        "pyexec_http_request_duration_seconds",
        &[("role", "executor"), ("route", "/api/v1/execute_snippet")],
        6.0,
    );
    // Only the programs that passed validation asked the pool for a slot.
    m.histogram("pyexec_pool_queue_wait_seconds", &[], 4.0);
    assert_eq!(m.matching("pyexec_rejected_for_load_total", &[]).count(), 0);
    assert_eq!(m.value("pyexec_pool_slot_replacements_total", &[]), 0.0);
    assert_eq!(m.value("pyexec_heavy_jobs_created_total", &[]), 0.0);
    let slots: f64 = ["ready", "busy", "rearming", "dead"]
        .iter()
        .map(|state| m.value("pyexec_pool_slots", &[("state", state)]))
        .sum();
    assert_eq!(slots, service.pool_size as f64, "{text}");
    assert_eq!(m.value("pyexec_pool_queued_requests", &[]), 0.0);

    // OpenMetrics on request, read by the stricter OpenMetrics parser; the scrape above is
    // counted now.
    let (content_type, text) = scrape(&service, true);
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    let m = Scrape(parse(&text, "openmetrics"));
    assert_eq!(m.value("pyexec_executions_total", &[("status", "ok")]), 3.0);
    assert_eq!(
        m.value(
            "pyexec_http_requests_total",
            &[
                ("role", "executor"),
                ("route", "/metrics"),
                ("status", "200")
            ]
        ),
        1.0
    );
}

#[test]
fn refusals_for_load_are_counted_by_reason() {
    let service = Service::start(
        &[],
        &[
            ("PYEXEC_EXECUTOR__POOL_SIZE", "1"),
            ("PYEXEC_EXECUTOR__MAX_QUEUE", "0"),
        ],
    );
    let slow = service.occupy(1.5, "slow");
    let (status, answer) = service.execute(&json!({"code": "print(1)"}));
    assert_eq!(status, 503, "{answer}");
    let (status, _) = slow.join().expect("the slow request");
    assert_eq!(status, 200);
    let (_, text) = scrape(&service, false);
    let m = Scrape(parse(&text, "prometheus"));
    assert_eq!(
        m.value("pyexec_rejected_for_load_total", &[("reason", "busy")]),
        1.0
    );
    assert_eq!(
        m.value("pyexec_executions_total", &[("status", "busy")]),
        1.0
    );
    assert_eq!(m.value("pyexec_executions_total", &[("status", "ok")]), 1.0);
    m.histogram("pyexec_pool_queue_wait_seconds", &[], 1.0);
}

#[test]
fn the_llm_role_counts_queries_llm_calls_and_corrections() {
    // A refused first program, then a good one: one correction round, two LLM calls.
    let llm = TestLlm::start(&[
        Scripted::Reply("```python\nimport os\nos.system('id')\n```"),
        Scripted::Reply("```python\nprint(6 * 7)\n```"),
    ]);
    let service = spawn(
        Role::All,
        Options::default().env(&[("PYEXEC_LLM__BASE_URL", llm.url.as_str())]),
    );
    let (status, answer) = service.post("/api/v1/query", &json!({"query": "6 times 7?"}), &[]);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["status"], "ok", "{answer}");

    let (_, text) = scrape(&service, false);
    let m = Scrape(parse(&text, "prometheus"));
    assert_eq!(
        m.value("pyexec_llm_queries_total", &[("outcome", "ok")]),
        1.0
    );
    m.histogram(
        "pyexec_llm_request_duration_seconds",
        &[("outcome", "ok")],
        2.0,
    );
    m.histogram("pyexec_llm_correction_rounds", &[], 1.0);
    assert_eq!(m.value("pyexec_llm_correction_rounds_sum", &[]), 1.0);
    // The test LLM reports one prompt and one completion token per call.
    assert_eq!(
        m.value("pyexec_llm_tokens_total", &[("kind", "prompt")]),
        2.0
    );
    assert_eq!(
        m.value("pyexec_llm_tokens_total", &[("kind", "completion")]),
        2.0
    );
    // One registry for the process: the executor behind it ran only the accepted program.
    assert_eq!(m.value("pyexec_executions_total", &[("status", "ok")]), 1.0);
    assert_eq!(
        m.value(
            "pyexec_http_requests_total",
            &[
                ("role", "all"),
                ("route", "/api/v1/query"),
                ("status", "200")
            ]
        ),
        1.0
    );
    assert_eq!(
        m.value(
            "pyexec_http_requests_total",
            &[
                ("role", "executor"),
                ("route", "/api/v1/execute_snippet"),
                ("status", "200")
            ]
        ),
        1.0
    );
}

#[test]
fn a_rate_limited_caller_is_counted_and_the_scrape_needs_no_credential() {
    let config = format!(
        "[auth]\nburst = 1\n{}",
        common::api_key("slow", &["execute"], "rate_per_sec = 0.2\n")
    );
    let service = Service::with(Options::default().pool_size(1).config(config));
    let url = service.url("/api/v1/execute_snippet");
    let headers = [("authorization", "Bearer slow-key")];
    let mut answered = BTreeMap::<u16, f64>::new();
    for _ in 0..5 {
        let (status, _) = post_raw(&url, br#"{"code": "print(1)"}"#, &headers);
        *answered.entry(status).or_default() += 1.0;
        if status == 429 {
            break;
        }
    }
    assert_eq!(answered.get(&429), Some(&1.0), "{answered:?}");
    let (_, text) = scrape(&service, false);
    let m = Scrape(parse(&text, "prometheus"));
    assert_eq!(
        m.value(
            "pyexec_rejected_for_load_total",
            &[("reason", "rate_limited")]
        ),
        1.0
    );
    for (status, n) in &answered {
        let status = status.to_string();
        assert_eq!(
            m.value(
                "pyexec_http_requests_total",
                &[("route", "/api/v1/execute_snippet"), ("status", &status)]
            ),
            *n,
            "{status}"
        );
    }
}
