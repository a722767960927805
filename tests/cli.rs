//! The `pyexec` binary as a user runs it: exit codes, output formats, configuration.

mod common;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

fn pyexec(args: &[&str]) -> Output {
    pyexec_with(args, &[], None)
}

fn pyexec_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pyexec"));
    command
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("PYEXEC_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("pyexec starts");
    let mut input = child.stdin.take().expect("stdin");
    // A command that fails early (a bad configuration, say) may exit before it
    // reads its input; the pipe then breaks, which is not what is under test.
    if let Err(error) = input.write_all(stdin.unwrap_or_default()) {
        assert_eq!(
            error.kind(),
            std::io::ErrorKind::BrokenPipe,
            "write stdin: {error}"
        );
    }
    drop(input);
    child.wait_with_output().expect("pyexec finishes")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn fixture(path: &str) -> String {
    common::fixtures().join(path).display().to_string()
}

#[test]
fn validate_accepts_with_exit_0() {
    let output = pyexec(&["validate", &fixture("benign/match_statement.py")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("accepted (lightweight tier)"));
}

#[test]
fn validate_rejects_with_exit_1_and_compiler_style_lines() {
    let file = fixture("hostile/alias_import_system.py");
    let output = pyexec(&["validate", &file]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains(&format!("{file}:3:1: PX101 `os.system` is not allowed")),
        "{text}"
    );
}

#[test]
fn validate_reads_standard_input() {
    let output = pyexec_with(&["validate", "-"], &[], Some(b"import subprocess\n"));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("<stdin>:1:8: PX101"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn validate_json_has_the_documented_shape() {
    let output = pyexec(&[
        "validate",
        "--format",
        "json",
        &fixture("hostile/json_codecs.py"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(value["valid"], false);
    assert_eq!(value["tier"], "lightweight");
    assert_eq!(value["imports"], serde_json::json!(["json"]));
    assert!(value["elapsed_us"].is_u64());
    let finding = &value["findings"][0];
    for key in [
        "code",
        "name",
        "message",
        "line",
        "column",
        "end_line",
        "end_column",
    ] {
        assert!(!finding[key].is_null(), "finding lacks {key}: {finding}");
    }
    assert_eq!(finding["code"], "PX304");
}

#[test]
fn validate_honours_the_tier_flag() {
    let file = fixture("heavy/pandas_storage.py");
    assert_eq!(
        pyexec(&["validate", "--tier", "heavy", &file])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        pyexec(&["validate", "--tier", "lightweight", &file])
            .status
            .code(),
        Some(1)
    );
    let auto = pyexec(&["validate", "--format", "json", &file]);
    let value: serde_json::Value = serde_json::from_slice(&auto.stdout).expect("JSON");
    assert_eq!(value["tier"], "heavy");
    assert_eq!(value["reasons"][0]["kind"], "heavy_import");
}

#[test]
fn validate_exits_2_when_it_cannot_run() {
    let output = pyexec(&["validate", "/nonexistent/file.py"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("/nonexistent/file.py"));
    let output = pyexec(&["validate", "--tier", "medium", "-"]);
    assert_eq!(output.status.code(), Some(2));
    let output = pyexec(&["validate", "--format", "yaml", "-"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn rules_lists_every_rule_and_explain_prints_its_doc() {
    let output = pyexec(&["rules"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    for rule in pyexec::validator::rules::RULES {
        assert!(
            text.contains(rule.code) && text.contains(rule.name),
            "{}",
            rule.code
        );
    }
    let output = pyexec(&["explain", "PX101"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("PX101 (os-command)"));
    assert!(text.contains("## Why is this bad"));
    assert!(text.contains("S605") || text.contains("S602"));
    let output = pyexec(&["explain", "os-command"]);
    assert_eq!(stdout(&output), text, "explain by name prints the same doc");
    let output = pyexec(&["explain", "PX999"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn config_show_layers_env_over_files_and_redacts_secrets() {
    let output = pyexec_with(
        &["config", "show", "--role", "llm"],
        &[
            ("PYEXEC_LLM__API_KEY", "sk-live-do-not-print"),
            ("PYEXEC_SERVER__LISTEN", "127.0.0.1:9191"),
            ("PYEXEC_LLM__MODEL", "test-model"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(!text.contains("sk-live-do-not-print"), "{text}");
    assert!(text.contains("***redacted***"));
    assert!(text.contains("127.0.0.1:9191"));
    assert!(text.contains("test-model"));
}

#[test]
fn config_file_layers_between_role_file_and_env() {
    let mut file = tempfile::NamedTempFile::new().expect("temp");
    writeln!(
        file,
        "[llm]\nmodel = \"from-file\"\n[server]\nlisten = \"127.0.0.1:7001\""
    )
    .expect("write");
    let path = file.path().display().to_string();
    let output = pyexec_with(
        &["config", "show", "--role", "executor", "--config", &path],
        &[("PYEXEC_SERVER__LISTEN", "127.0.0.1:7002")],
        None,
    );
    let text = stdout(&output);
    assert!(text.contains("from-file"), "{text}");
    assert!(
        text.contains("127.0.0.1:7002"),
        "env wins over the file: {text}"
    );
}

#[test]
fn unknown_keys_and_bad_values_fail_naming_the_key() {
    let output = pyexec_with(
        &["config", "show", "--role", "llm"],
        &[("PYEXEC_SERVER__LISTNE", "x")],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).to_lowercase().contains("listne"),
        "{}",
        stderr(&output)
    );
    let output = pyexec_with(
        &["config", "show", "--role", "llm"],
        &[("PYEXEC_VALIDATOR__MAX_SOURCE_BYTES", "lots")],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).to_lowercase().contains("max_source_bytes"),
        "{}",
        stderr(&output)
    );
    // The validator fails on bad configuration too, before reading any code.
    let output = pyexec_with(
        &["validate", "-"],
        &[("PYEXEC_CLASSIFIER__LOOP_ITERATIONS", "-1")],
        Some(b"print(1)\n"),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).to_lowercase().contains("loop_iterations"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn roles_dir_replaces_the_built_in_policies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let roles = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("roles");
    std::fs::create_dir(dir.path().join("policy")).expect("mkdir");
    // The policy folder, with its generated object tables in `objects/`.
    std::fs::create_dir(dir.path().join("policy/objects")).expect("mkdir");
    for folder in ["policy", "policy/objects"] {
        for entry in std::fs::read_dir(roles.join(folder)).expect("policy dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                continue;
            }
            let target = dir
                .path()
                .join(folder)
                .join(path.file_name().expect("name"));
            std::fs::copy(&path, target).expect("copy");
        }
    }
    for role in ["llm", "executor", "all", "job-run"] {
        std::fs::copy(
            roles.join(format!("{role}.toml")),
            dir.path().join(format!("{role}.toml")),
        )
        .expect("copy role file");
    }
    // Remove `math` from the lightweight allowlist.
    let light = dir.path().join("policy/lightweight.toml");
    let text = std::fs::read_to_string(&light).expect("read");
    let text = text.replace("module = \"math\"", "module = \"not-math\"");
    std::fs::write(&light, text).expect("write");
    let roles_dir = dir.path().display().to_string();
    let output = pyexec_with(
        &["validate", "--roles-dir", &roles_dir, "-"],
        &[],
        Some(b"import math\n"),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let output = pyexec_with(&["validate", "-"], &[], Some(b"import math\n"));
    assert_eq!(output.status.code(), Some(0));
}

/// Every command in the clap tree, as the words that name it (`["config", "show"]`).
fn command_paths(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for sub in command.get_subcommands() {
        if sub.is_hide_set() {
            continue;
        }
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_owned());
        out.push(path.clone());
        command_paths(sub, &path, out);
    }
}

/// Generated from the command tree, so a new subcommand or argument cannot go undocumented:
/// `pyexec [SUB...] --help` succeeds and names every argument of that command.
#[test]
fn every_subcommand_has_help_naming_its_arguments() {
    use clap::CommandFactory as _;
    let root = pyexec::cli::Cli::command();
    let mut paths = vec![Vec::new()];
    command_paths(&root, &[], &mut paths);
    assert!(paths.len() > 10, "{paths:?}");
    for path in paths {
        let mut command = &root;
        for name in &path {
            command = command.find_subcommand(name).expect("subcommand exists");
        }
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let output = pyexec(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        let help = stdout(&output);
        assert!(help.contains("Usage:"), "{args:?}");
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            let shown = match arg.get_long() {
                Some(long) => format!("--{long}"),
                None => arg.get_id().as_str().to_uppercase(),
            };
            assert!(
                help.contains(&shown),
                "{args:?} does not mention {shown}:\n{help}"
            );
            if arg.get_long().is_some() || arg.get_short().is_some() {
                assert!(
                    arg.get_help().is_some(),
                    "{args:?}: {shown} has no help text"
                );
            }
        }
    }
}

/// `exec` tells outcomes apart by exit code (documented in `pyexec exec --help` and the
/// README) and ends with one readable status line.
#[test]
fn exec_exit_codes_and_status_line_name_the_outcome() {
    let cases: [(&[&str], &[u8], i32, &str); 5] = [
        (&[], b"print(6 * 7)\n", 0, "ok · exit 0 · "),
        (&[], b"import os\nos.system('ls')\n", 3, "refused · "),
        (&[], b"raise SystemExit(7)\n", 1, "failed · exit 7 · "),
        (
            &["--timeout", "1"],
            b"while True: pass\n",
            4,
            "timed out · ",
        ),
        (
            &["--memory-mb", "64"],
            b"b = []\nwhile True: b.append(' ' * 10**6)\n",
            5,
            "out of memory · ",
        ),
    ];
    for (flags, code, exit, status) in cases {
        let mut args = vec!["exec"];
        args.extend_from_slice(flags);
        args.push("-");
        let output = pyexec_with(&args, &[], Some(code));
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(exit), "{args:?}: {err}");
        assert!(
            err.lines().any(|l| l.starts_with(status)),
            "{args:?}: no `{status}` line in {err}"
        );
        assert!(!err.contains("Some(") && !err.contains("None"), "{err}");
    }
    let output = pyexec_with(&["exec", "-"], &[], Some(b"print(6 * 7)\n"));
    assert_eq!(stdout(&output), "42\n");
}

#[test]
fn exec_names_the_valid_range_of_a_bad_limit() {
    let output = pyexec_with(&["exec", "--timeout", "0", "-"], &[], Some(b"print(1)\n"));
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("--timeout 0: must be more than 0 and at most"),
        "{err}"
    );
}

#[test]
fn exec_suggests_a_job_for_heavy_code() {
    let output = pyexec_with(&["exec", "-"], &[], Some(b"import pandas\n"));
    assert_eq!(output.status.code(), Some(3));
    let err = stderr(&output);
    assert!(
        err.contains("looks heavy (line 1: imports pandas)"),
        "{err}"
    );
    assert!(err.contains("pyexec job-run"), "{err}");
}

/// One-shot commands log warnings only, unless asked for more with `-v`.
#[test]
fn exec_logs_info_only_when_asked() {
    let quiet = pyexec_with(&["exec", "-"], &[], Some(b"print(1)\n"));
    assert_eq!(quiet.status.code(), Some(0));
    assert!(!stderr(&quiet).contains("INFO"), "{}", stderr(&quiet));
    let verbose = pyexec_with(&["exec", "-v", "-"], &[], Some(b"print(1)\n"));
    assert_eq!(verbose.status.code(), Some(0));
    assert!(stderr(&verbose).contains("INFO"), "{}", stderr(&verbose));
}
