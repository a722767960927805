//! Layer 2, the Python guards, with the validator off: user code cannot reach the zygote's
//! state or switch the audit hook off (the probes in tests/escape/guards/), the standard
//! library's own code generation still works, and errors read like Python's.

mod common;

use common::executor::{post_json, Service};
use serde_json::{json, Value};

fn run(service: &Service, code: &str) -> Value {
    let (status, result) = post_json(
        &service.url("/api/v1/execute_snippet"),
        &json!({"code": code, "limits": {"timeout_secs": 10}}),
    );
    assert_eq!(status, 200, "{result}");
    result
}

#[test]
fn guard_probes_reach_nothing_of_the_zygote() {
    let service = Service::start(&["--no-validate"], &[]);
    let probes = common::python_files("../escape/guards");
    assert!(probes.len() >= 5, "{probes:?}");
    for probe in probes {
        let code = std::fs::read_to_string(&probe).expect("probe");
        let result = run(&service, &code);
        assert_probe_held(&probe, &code, &result);
    }
}

/// Nothing in the probe's output says ESCAPED, and every check it makes (its `# held: N`
/// header) printed HELD.
fn assert_probe_held(probe: &std::path::Path, code: &str, result: &Value) {
    let held: usize = common::header(code, "held")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{} has no `# held: N` header", probe.display()));
    let output = format!("{}{}", result["stdout"], result["stderr"]);
    assert!(!output.contains("ESCAPED"), "{}: {output}", probe.display());
    assert_eq!(
        output.matches("HELD").count(),
        held,
        "{}: every check must run and hold: {output}",
        probe.display()
    );
}

#[test]
fn the_standard_librarys_code_generation_runs_under_the_guards() {
    let service = Service::start(&["--no-validate"], &[]);
    let code = r#"
from dataclasses import dataclass, field, asdict
from collections import namedtuple
from enum import Enum, IntFlag, auto
from typing import NamedTuple, TypeVar, Generic

@dataclass(order=True, frozen=True)
class Point:
    x: int
    y: int = 0
    tags: tuple = field(default_factory=tuple)

Pair = namedtuple("Pair", "left right", defaults=[0])

class Row(NamedTuple):
    name: str
    score: float = 0.0

Color = Enum("Color", "RED GREEN BLUE")

class Perm(IntFlag):
    R = auto()
    W = auto()

T = TypeVar("T")

class Box(Generic[T]):
    count = 0
    def __init__(self, item: T):
        self.item = item
        Box.count += 1

Box(1); Box("a")
print(Point(1, 2) < Point(2, 0), asdict(Point(3)), Pair(1), Row("a"), Color.GREEN.value)
print(Perm.R | Perm.W, T, Box.count, type(Box(2)).__name__)
"#;
    let result = run(&service, code);
    assert_eq!(result["status"], "ok", "{result}");
    let cpython = std::process::Command::new("python3")
        .args(["-c", code])
        .output()
        .expect("python3 runs");
    assert!(cpython.status.success(), "{cpython:?}");
    assert_eq!(
        result["stdout"].as_str(),
        Some(String::from_utf8_lossy(&cpython.stdout).as_ref()),
        "{result}"
    );
}

#[test]
fn errors_read_like_python_from_the_users_first_line() {
    let service = Service::start(&[], &[]);
    let code = "def ratio(a, b):\n    return a / b\n\ntotal = 3\nprint(ratio(total, 0))\n";
    let result = run(&service, code);
    assert_eq!(result["status"], "error", "{result}");
    assert_eq!(
        result["stderr"],
        "Traceback (most recent call last):\n  \
         File \"<snippet>\", line 5, in <module>\n    print(ratio(total, 0))\n  \
         File \"<snippet>\", line 2, in ratio\n    return a / b\n\
         ZeroDivisionError: division by zero\n",
        "{result}"
    );
    let chained = "try:\n    {}['k']\nexcept KeyError as e:\n    raise ValueError('no k') from e\n";
    let result = run(&service, chained);
    let stderr = result["stderr"].as_str().expect("stderr");
    assert!(
        stderr.contains("KeyError: 'k'\n\nThe above exception was the direct cause of the following exception:\n\n"),
        "{result}"
    );
    assert!(stderr.ends_with("ValueError: no k\n"), "{result}");
    assert!(!stderr.contains("zygote"), "{result}");
}

/// The heavy tier's guards with the validator off (`pyexec job-run --no-validate`): the probes
/// in tests/escape/heavy_guards/ run as jobs, and every check in them holds.
#[test]
fn heavy_guard_probes_hold_with_the_validator_off() {
    let probes = common::python_files("../escape/heavy_guards");
    assert!(!probes.is_empty());
    for probe in probes {
        let code = std::fs::read_to_string(&probe).expect("probe");
        let store = tempfile::tempdir().expect("temp dir");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_pyexec"))
            .args(["job-run", "--no-validate"])
            .env_remove("CODE")
            .env("CODE_FILE", &probe)
            .env("REQUEST_ID", "heavy-guard-probe")
            .env("RESULT_KEY", "heavy-guard-probe")
            .env("TIMEOUT", "60")
            .env("PYEXEC_STORAGE__ROOT", store.path())
            .output()
            .expect("job-run runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let result: Value = stdout
            .lines()
            .rev()
            .find_map(|line| serde_json::from_str(line).ok())
            .unwrap_or_else(|| {
                panic!(
                    "{}: no result: {stdout}\n{}",
                    probe.display(),
                    String::from_utf8_lossy(&output.stderr)
                )
            });
        assert_probe_held(&probe, &code, &result);
    }
}
