use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Flags access to the process environment and interpreter state: `os.environ`,
    /// `os.getenv`, `os.putenv`, and the `sys` module (`sys.modules`, `sys.path`,
    /// `sys._getframe`).
    ///
    /// ## Why is this bad
    /// The environment is where credentials live (LLM keys, storage keys, connection
    /// strings). `sys` reaches every loaded module and frame, and `sys.path` changes would
    /// persist into later imports.
    ///
    /// ## Example
    /// ```python
    /// import os
    /// print(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
    /// ```
    pub static ENVIRONMENT = {
        code: "PX103",
        name: "environment",
        summary: "environment and interpreter state (os.environ, os.getenv, sys)",
        see_also: "",
    };
}
