//! The JSON shapes of the shared models, pinned by snapshots: a change here is a change of
//! the wire format and must be deliberate (and reflected in docs/models.md).

use pyexec::models::*;

fn finding() -> Finding {
    Finding {
        code: "PX101".to_owned(),
        name: "os-command".to_owned(),
        message: "`os.system` is not allowed: runs a shell command".to_owned(),
        line: 2,
        column: 1,
        end_line: 2,
        end_column: 10,
    }
}

#[test]
fn code_execution_request_shape() {
    let request = CodeExecutionRequest {
        code: "print(1 + 1)".to_owned(),
        request_id: Some("req-1".to_owned()),
        tier: TierChoice::Auto,
        limits: Some(ResourceLimits {
            timeout_secs: Some(5.0),
            memory_mb: Some(256),
            ..ResourceLimits::default()
        }),
        inputs: vec![
            InputRef::Source("f-0123456789abcdef0123456789abcdef".to_owned()),
            InputRef::Named(NamedInput {
                source: "s3://lake/sales/2024.parquet".to_owned(),
                name: "sales.parquet".to_owned(),
            }),
        ],
    };
    insta::assert_json_snapshot!(request);
    let back: CodeExecutionRequest =
        serde_json::from_value(serde_json::to_value(&request).expect("json")).expect("parses");
    assert_eq!(back, request);
    // The minimal request is just the code.
    let minimal: CodeExecutionRequest =
        serde_json::from_str(r#"{"code": "print(1)"}"#).expect("minimal request parses");
    assert_eq!(minimal.tier, TierChoice::Auto);
    assert!(minimal.request_id.is_none() && minimal.limits.is_none());
}

#[test]
fn unknown_request_fields_are_refused() {
    let err = serde_json::from_str::<CodeExecutionRequest>(r#"{"code": "x", "no_validate": true}"#)
        .expect_err("unknown field refused");
    assert!(err.to_string().contains("no_validate"));
    let err = serde_json::from_str::<CodeExecutionRequest>(
        r#"{"code": "x", "limits": {"memory_mb": 1, "root": true}}"#,
    )
    .expect_err("unknown limit refused");
    assert!(err.to_string().contains("root"));
}

#[test]
fn validation_result_shape() {
    let result = ValidationResult {
        valid: false,
        tier: Tier::Heavy,
        reasons: vec![TierReason {
            kind: ReasonKind::HeavyImport,
            detail: "pandas".to_owned(),
            line: 1,
        }],
        findings: vec![finding()],
        imports: vec!["pandas".to_owned(), "os".to_owned()],
        elapsed_us: 42,
    };
    insta::assert_json_snapshot!(result);
}

#[test]
fn execution_result_shape() {
    let result = ExecutionResult {
        request_id: "req-1".to_owned(),
        status: ExecutionStatus::Ok,
        exit_code: Some(0),
        signal: None,
        stdout: "2\n".to_owned(),
        stderr: String::new(),
        stdout_truncated: false,
        stderr_truncated: false,
        duration_ms: 1.5,
        cpu_ms: 1.0,
        peak_memory_kb: 9000,
        findings: Vec::new(),
        errors: Vec::new(),
        layers: vec![
            "validator".to_owned(),
            "guards".to_owned(),
            "namespaces".to_owned(),
        ],
    };
    insta::assert_json_snapshot!(result);
    let rejected = ExecutionResult::rejected("req-2".to_owned(), vec![finding()]);
    insta::assert_json_snapshot!("execution_result_rejected", rejected);
}

#[test]
fn error_shapes() {
    let execution = ExecutionError::Busy {
        slots: 4,
        retry_after_secs: 1,
    };
    insta::assert_json_snapshot!("execution_error", execution);
    let body = ApiError::new(ErrorKind::Busy, "")
        .with_details(&execution)
        .with_request_id("req-3");
    insta::assert_json_snapshot!("api_error", body);
    assert_eq!(
        execution.to_string(),
        "all 4 sandbox slots are busy and the queue is full; retry in 1s",
        "messages name the numbers involved"
    );
}

#[test]
fn models_round_trip() {
    let rejected = ExecutionResult::rejected("r".to_owned(), vec![finding()]);
    let json = serde_json::to_string(&rejected).expect("serialise");
    let back: ExecutionResult = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, rejected);
}
