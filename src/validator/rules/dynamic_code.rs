use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Flags code that builds or loads code at run time: `eval`, `exec`, `compile`,
    /// `types.CodeType`, `types.FunctionType`, `pickle`, `marshal`, `cloudpickle.loads`,
    /// `pandas.read_pickle`, `code`, `runpy`... (rule `dynamic-code` in
    /// `roles/policy/denylist.toml`). References count: `run = exec` is flagged.
    ///
    /// ## Why is this bad
    /// Code assembled at run time is code the validator never saw: any other rule can be
    /// bypassed by hiding the call in a string. Unpickling runs arbitrary callables.
    ///
    /// ## Example
    /// ```python
    /// exec("imp" + "ort os; os.system('id')")
    /// ```
    pub static DYNAMIC_CODE = {
        code: "PX201",
        name: "dynamic-code",
        summary: "run-time code (eval, exec, compile, code objects, pickle and marshal loads)",
        see_also: "bandit/ruff S102 (exec), S307 (eval), S301 (pickle), S302 (marshal)",
    };
}
