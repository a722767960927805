use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Rejects source larger than `validator.max_source_bytes` (1 MiB by default) before
    /// parsing it.
    ///
    /// ## Why is this bad
    /// Generated programs are small; a huge one is either an accident or an attempt to tie up
    /// the validator. Data belongs in the request's `data` or in storage, not in the code.
    ///
    /// ## Example
    /// ```python
    /// DATA = [0, 0, 0, ...]  # two megabytes of literals
    /// ```
    pub static SOURCE_TOO_LARGE = {
        code: "PX002",
        name: "source-too-large",
        summary: "source is larger than the configured limit",
        see_also: "",
    };
}
