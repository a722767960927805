use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Rejects source that does not parse as Python 3, or is not valid UTF-8.
    ///
    /// ## Why is this bad
    /// Code that does not parse cannot be checked, and code that cannot be checked is never
    /// run. The message gives the parser's reason and the position.
    ///
    /// ## Example
    /// ```python
    /// def f(:
    ///     pass
    /// ```
    pub static SYNTAX_ERROR = {
        code: "PX001",
        name: "syntax-error",
        summary: "source does not parse as Python",
        see_also: "",
    };
}
