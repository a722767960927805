use ruff_python_ast::PatternMatchClass;

use super::declare_rule;
use crate::validator::checker::Checker;

declare_rule! {
    /// ## What it does
    /// Flags keyword sub-patterns of `match` class patterns that name dunder, private or
    /// frame attributes: `case object(__class__=cls)`.
    ///
    /// ## Why is this bad
    /// A class pattern reads the named attributes of its subject, so it is attribute access
    /// that does not look like attribute access: `case str(__class__=c)` binds `"".__class__`.
    ///
    /// ## Example
    /// ```python
    /// match ():
    ///     case tuple(__class__=cls):
    ///         print(cls.__base__)
    /// ```
    pub static MATCH_CLASS_DUNDER = {
        code: "PX303",
        name: "match-class-dunder",
        summary: "match class patterns naming dunder, private or frame attributes",
        see_also: "",
    };
}

pub(crate) fn check_match_class(checker: &mut Checker<'_, '_>, class: &PatternMatchClass) {
    for keyword in &class.arguments.keywords {
        let attr = keyword.attr.id.as_str();
        if attr.starts_with('_') || checker.policy.attributes.is_escape(attr) {
            checker.report(
                &MATCH_CLASS_DUNDER,
                keyword.range,
                format!("class pattern reads attribute `{attr}`"),
            );
        }
    }
}
