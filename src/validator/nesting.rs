//! A linear pre-scan that bounds how deeply the parser will have to recurse.
//!
//! Recursive-descent parsing and tree walking use stack in proportion to nesting, so a few
//! kilobytes of `((((` or `not not not` could overflow the stack of whatever thread validates.
//! This scan runs before the parser, in constant stack, and over-approximates nesting: every
//! open bracket, and every run of prefix operators and nesting keywords (`not`, `-`, `+`,
//! `~`, `lambda`, `await`, `if`/`else` inside an expression, `**`) on one logical line,
//! counts one level. Plain string literals are skipped; f-string text is scanned, since its
//! replacement fields hold expressions.

use ruff_text_size::TextSize;

/// The offset where nesting first exceeds `limit`, if it does.
///
/// Operators are counted per bracket level and reset by a comma at that level, so a long
/// list of negative numbers does not add up, while `-(-(-(...)))` does.
pub(crate) fn too_deep(source: &str, limit: usize) -> Option<TextSize> {
    let bytes = source.as_bytes();
    // Operator count of each open bracket level; index 0 is the logical line itself.
    let mut frames: Vec<usize> = vec![0];
    let mut operators = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let mut token_start = i;
        match byte {
            b'(' | b'[' | b'{' => frames.push(0),
            b')' | b']' | b'}' => {
                if frames.len() > 1 {
                    operators -= frames.pop().unwrap_or(0);
                }
            }
            b',' => {
                if let Some(last) = frames.last_mut() {
                    operators -= *last;
                    *last = 0;
                }
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\n' | b';' if frames.len() == 1 => {
                operators = 0;
                frames[0] = 0;
            }
            b'-' | b'+' | b'~' => bump(&mut frames, &mut operators),
            b'*' if bytes.get(i + 1) == Some(&b'*') => {
                bump(&mut frames, &mut operators);
                i += 1;
            }
            b'\'' | b'"' => {
                if !is_fstring_prefix(bytes, i) {
                    i = skip_string(bytes, i);
                    continue;
                }
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                token_start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if matches!(
                    &bytes[token_start..i],
                    b"not" | b"lambda" | b"await" | b"if" | b"else" | b"yield"
                ) {
                    bump(&mut frames, &mut operators);
                }
                if frames.len() - 1 + operators > limit {
                    return TextSize::try_from(token_start).ok();
                }
                continue;
            }
            _ => {}
        }
        if frames.len() - 1 + operators > limit {
            return TextSize::try_from(token_start).ok();
        }
        i += 1;
    }
    None
}

fn bump(frames: &mut [usize], operators: &mut usize) {
    if let Some(last) = frames.last_mut() {
        *last += 1;
        *operators += 1;
    }
}

/// True when the quote at `quote` is preceded by a string prefix containing `f` or `t`.
fn is_fstring_prefix(bytes: &[u8], quote: usize) -> bool {
    let mut j = quote;
    while j > 0 && bytes[j - 1].is_ascii_alphabetic() && quote - j < 3 {
        j -= 1;
    }
    let prefix = &bytes[j..quote];
    let starts_word = j == 0 || !(bytes[j - 1].is_ascii_alphanumeric() || bytes[j - 1] == b'_');
    starts_word
        && prefix
            .iter()
            .any(|b| matches!(b, b'f' | b'F' | b't' | b'T'))
}

/// Skips a plain string literal starting at the quote `start`; returns the index after it.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes.get(start + 1) == Some(&quote) && bytes.get(start + 2) == Some(&quote);
    let mut i = if triple { start + 3 } else { start + 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\n' if !triple => return i,
            b if b == quote => {
                if !triple {
                    return i + 1;
                }
                if bytes.get(i + 1) == Some(&quote) && bytes.get(i + 2) == Some(&quote) {
                    return i + 3;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::too_deep;

    #[test]
    fn ordinary_code_passes() {
        let code = "def f(x):\n    return [(-a) ** 2 for a in x if not a]\n";
        assert_eq!(too_deep(code, 100), None);
    }

    #[test]
    fn deep_brackets_are_caught() {
        let code = format!("x = {}1{}", "(".repeat(150), ")".repeat(150));
        assert!(too_deep(&code, 100).is_some());
    }

    #[test]
    fn prefix_operator_runs_are_caught() {
        assert!(too_deep(&format!("x = {}1", "- ".repeat(150)), 100).is_some());
        assert!(too_deep(&format!("x = {}1", "not ".repeat(150)), 100).is_some());
        assert!(too_deep(&format!("x = {}1", "lambda: ".repeat(150)), 100).is_some());
    }

    #[test]
    fn strings_do_not_count_but_fstrings_do() {
        let plain = format!("x = '{}'", "(".repeat(500));
        assert_eq!(too_deep(&plain, 100), None);
        let fstring = format!("x = f'{{{}1{}}}'", "(".repeat(150), ")".repeat(150));
        assert!(too_deep(&fstring, 100).is_some());
    }

    #[test]
    fn long_lists_of_negative_numbers_pass() {
        let code = format!("data = [{}]", "-1.5, ".repeat(1000));
        assert_eq!(too_deep(&code, 100), None);
    }

    #[test]
    fn operators_reset_on_each_logical_line() {
        let code = "x = -1\n".repeat(500);
        assert_eq!(too_deep(&code, 100), None);
    }
}
