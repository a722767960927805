//! CPU priority between executions: one that runs long has its cgroup's CPU weight lowered,
//! so short programs are scheduled first on a saturated machine; the next execution in the
//! slot starts at the default weight again. (Its effect on latency is measured in
//! `benches/hostile_load.py`, not here.)

mod common;

use std::path::PathBuf;

use common::executor::Service;

/// The executions' cgroup of slot 0 of the service with process id `pid`: the file holding
/// its CPU weight and the default and lowered values (cgroup v1 `cpu.shares`, v2 `cpu.weight`).
fn weight_file(pid: u32) -> (PathBuf, &'static str, &'static str) {
    let v1 = PathBuf::from(format!("/sys/fs/cgroup/cpu/pyexec-{pid}/slot-0/cpu.shares"));
    if v1.exists() {
        return (v1, "1024", "16");
    }
    let own =
        std::fs::read_to_string(format!("/proc/{pid}/cgroup")).expect("cgroup of the service");
    let path = own
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .expect("a cgroup v2 line");
    let v2 = PathBuf::from(format!(
        "/sys/fs/cgroup{}/pyexec-{pid}/slot-0/cpu.weight",
        path.trim_end_matches('/')
    ));
    assert!(v2.exists(), "neither {v2:?} nor the v1 file exists");
    (v2, "100", "2")
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path)
        .expect("weight")
        .trim()
        .to_owned()
}

#[test]
fn a_long_execution_yields_the_cpu_and_the_next_one_starts_at_the_default_weight() {
    let service = Service::start(&[], &[("PYEXEC_EXECUTOR__POOL_SIZE", "1")]);
    let (file, default, lowered) = weight_file(service.child.id());
    assert_eq!(
        read(&file),
        default,
        "a prepared slot runs at the default weight"
    );
    let slow = service.occupy(3.0, "long");
    // Lowered 50 ms after the start; wait for it without a timing assumption.
    common::poll(
        std::time::Duration::from_secs(10),
        std::time::Duration::from_millis(10),
        || {
            let now = read(&file);
            if now == lowered {
                Ok(())
            } else {
                Err(format!("the weight of a long execution stayed {now}"))
            }
        },
    );
    let (status, body) = slow.join().expect("slow thread");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stdout"], "long\n");
    let (status, body) = service.execute(&serde_json::json!({"code": "print(1)"}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        read(&file),
        default,
        "the next execution did not start at the default weight"
    );
}
