use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Rejects source whose brackets, unary operators, lambdas or conditional expressions are
    /// nested deeper than `validator.max_nesting` (100 by default), before parsing it.
    ///
    /// ## Why is this bad
    /// Parsers and tree walks recurse over nesting; a few kilobytes of `((((...` or `- - - x`
    /// would otherwise exhaust the validator's stack. CPython itself refuses 200 nested
    /// brackets ("too many nested parentheses").
    ///
    /// ## Example
    /// ```python
    /// x = ((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))
    /// ```
    pub static TOO_DEEPLY_NESTED = {
        code: "PX003",
        name: "too-deeply-nested",
        summary: "nesting deeper than the configured limit",
        see_also: "",
    };
}
