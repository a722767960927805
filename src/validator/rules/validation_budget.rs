use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Rejects a program the validator could not finish checking within its budget:
    /// `validator.max_validation_ms` of time (250 ms by default) or `validator.max_work`
    /// resolution steps (one per path a name or attribute chain may refer to; 250,000 by
    /// default). Ordinary programs use a small fraction of either: a 10,000-line file takes a
    /// few milliseconds.
    ///
    /// ## Why is this bad
    /// A validator that can be made to work for seconds per request is a denial of service,
    /// and one that gives up silently would let the unchecked rest through. Programs that
    /// reach the budget are built to be expensive to check: thousands of imports bound to one
    /// name, each of its uses resolved against all of them.
    ///
    /// ## Example
    /// ```python
    /// from math import a0 as r
    /// from math import a1 as r
    /// # ... a thousand more
    /// r.x; r.x1; r.x2  # ... each resolved a thousand ways
    /// ```
    pub static VALIDATION_BUDGET = {
        code: "PX004",
        name: "validation-budget",
        summary: "the program could not be checked within the validator's time or work budget",
        see_also: "",
    };
}
