use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Flags any reference to a file-system API: the builtin `open`, `io.open`, `io.FileIO`,
    /// `codecs.open`, `pathlib`, `shutil`, `tempfile`, `glob`, `os` file functions
    /// (`os.remove`, `os.listdir`, `os.walk`...), `sqlite3`, `zipfile`, `tarfile`, `mmap`...
    /// The full list, with a reason per entry, is `roles/policy/denylist.toml` (rule
    /// `file-io`). References count, not only calls: `f = open` is flagged too.
    ///
    /// In the heavy tier, data functions (`pandas.read_csv`, `DataFrame.to_parquet`, `open`...)
    /// are allowed when their path passes rule PX400; everything else here stays refused.
    ///
    /// ## Why is this bad
    /// Reading host files leaks secrets (`/etc`, service configuration, other executions'
    /// folders); writing them can leave something behind for a later execution.
    ///
    /// ## Example
    /// ```python
    /// secrets = open("/proc/self/environ").read()
    /// ```
    pub static FILE_IO = {
        code: "PX100",
        name: "file-io",
        summary: "file-system access (open, io, pathlib, shutil, tempfile, os file functions)",
        see_also: "ruff PTH123 (builtin-open), S108 (hardcoded-temp-file)",
    };
}
