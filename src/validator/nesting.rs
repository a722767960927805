//! A linear pre-scan that bounds how deeply the parser will have to recurse.
//!
//! Recursive-descent parsing and tree walking use stack in proportion to nesting, so a few
//! kilobytes of `((((` or `not not not` could overflow the stack of whatever thread validates.
//! This scan runs before the parser, in constant stack, and over-approximates nesting: every
//! open bracket counts one level, and so does every operator and nesting keyword between two
//! commas of the same bracket level: arithmetic and bitwise operators (a chain `a*b*c` is a
//! left-deep tree as deep as it is long), unary operators, attribute access (`a.b.c`),
//! chained calls and subscripts (`f()()`, `x[0][0]`), `not`, `lambda`, `await`, `yield`,
//! and `if`/`else`. Plain string literals are skipped; f-string text is scanned, since its
//! replacement fields hold expressions.

use ruff_text_size::TextSize;

/// An f-string (or t-string) being scanned: its quote, whether it is triple-quoted, and the
/// bracket depth at which its literal text resumes.
struct FString {
    quote: u8,
    triple: bool,
    base: usize,
}

/// The offset where nesting first exceeds `limit`, if it does.
///
/// Operators are counted per bracket level and reset by a comma at that level, so a long
/// list of negative numbers does not add up, while `-(-(-(...)))` does. F-strings are
/// followed with an explicit stack: their literal text is skipped, each replacement field
/// counts as a bracket level, and nested f-strings count one level each.
pub(crate) fn too_deep(source: &str, limit: usize) -> Option<TextSize> {
    let bytes = source.as_bytes();
    // Operator count of each open bracket level; index 0 is the logical line itself.
    let mut frames: Vec<usize> = vec![0];
    let mut operators = 0usize;
    let mut fstrings: Vec<FString> = Vec::new();
    // Indentation widths of the enclosing blocks.
    let mut indents: Vec<usize> = Vec::new();
    let mut line_start = true;
    let mut i = 0;
    let depth = |frames: &Vec<usize>, operators: usize, fstrings: &Vec<FString>| {
        frames.len() - 1 + operators + fstrings.len()
    };
    while i < bytes.len() {
        // Literal text of the innermost f-string.
        if let Some(fstring) = fstrings.last() {
            if frames.len() == fstring.base {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'{' if bytes.get(i + 1) == Some(&b'{') => i += 2,
                    b'{' => {
                        frames.push(0);
                        if depth(&frames, operators, &fstrings) > limit {
                            return TextSize::try_from(i).ok();
                        }
                        i += 1;
                    }
                    // An unterminated single-quoted f-string ends with its line.
                    b'\n' if !fstring.triple => {
                        fstrings.pop();
                    }
                    q if q == fstring.quote => {
                        if !fstring.triple {
                            fstrings.pop();
                            i += 1;
                        } else if bytes.get(i + 1) == Some(&q) && bytes.get(i + 2) == Some(&q) {
                            fstrings.pop();
                            i += 3;
                        } else {
                            i += 1;
                        }
                    }
                    _ => i += 1,
                }
                continue;
            }
        }
        if line_start && frames.len() == 1 {
            line_start = false;
            if let Some(width) = indentation(&bytes[i..]) {
                while indents.last().is_some_and(|top| *top > width) {
                    indents.pop();
                }
                if width > 0 && indents.last().is_none_or(|top| *top < width) {
                    indents.push(width);
                }
                if indents.len() > limit {
                    return TextSize::try_from(i).ok();
                }
            }
        }
        let byte = bytes[i];
        let mut token_start = i;
        match byte {
            b'(' | b'[' | b'{' => {
                if byte != b'{' && follows_closing(bytes, i) {
                    bump(&mut frames, &mut operators);
                }
                frames.push(0);
            }
            b')' | b']' | b'}' if frames.len() > 1 => {
                operators -= frames.pop().unwrap_or(0);
            }
            b',' => {
                if let Some(last) = frames.last_mut() {
                    operators -= *last;
                    *last = 0;
                }
            }
            // Inside a replacement field `#` is more often a format flag (`{n:#x}`).
            b'#' if fstrings.is_empty() => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            // A backslash continues the logical line.
            b'\\' if bytes.get(i + 1) == Some(&b'\n') => i += 1,
            b'\\' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => {
                i += 2;
            }
            b'\n' | b';' if frames.len() == 1 => {
                operators = 0;
                frames[0] = 0;
                line_start = byte == b'\n';
            }
            b'-' | b'+' | b'~' | b'*' | b'/' | b'%' | b'|' | b'&' | b'^' | b'@' => {
                bump(&mut frames, &mut operators);
            }
            b'.' if bytes
                .get(i + 1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') =>
            {
                bump(&mut frames, &mut operators);
            }
            b'\'' | b'"' if is_fstring_prefix(bytes, i) => {
                let triple = bytes.get(i + 1) == Some(&byte) && bytes.get(i + 2) == Some(&byte);
                fstrings.push(FString {
                    quote: byte,
                    triple,
                    base: frames.len(),
                });
                if depth(&frames, operators, &fstrings) > limit {
                    return TextSize::try_from(i).ok();
                }
                i += if triple { 3 } else { 1 };
                continue;
            }
            b'\'' | b'"' => {
                i = skip_string(bytes, i);
                continue;
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
                if depth(&frames, operators, &fstrings) > limit {
                    return TextSize::try_from(token_start).ok();
                }
                continue;
            }
            _ => {}
        }
        if depth(&frames, operators, &fstrings) > limit {
            return TextSize::try_from(token_start).ok();
        }
        i += 1;
    }
    None
}

/// Width of the indentation that starts `line` (a tab counts 8), or `None` for a blank or
/// comment-only line, which does not open or close blocks.
fn indentation(line: &[u8]) -> Option<usize> {
    let mut width = 0;
    for byte in line {
        match byte {
            b' ' => width += 1,
            b'\t' => width = (width / 8 + 1) * 8,
            b'\x0c' => width = 0,
            b'\n' | b'\r' | b'#' => return None,
            _ => return Some(width),
        }
    }
    None
}

/// True when the bracket at `i` directly follows a closing bracket: a chained call or
/// subscript, which nests the tree without nesting brackets.
fn follows_closing(bytes: &[u8], i: usize) -> bool {
    bytes[..i]
        .iter()
        .rev()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b')' | b']'))
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
    fn left_deep_chains_are_caught() {
        assert!(too_deep(&format!("x = a{}", "*a".repeat(150)), 100).is_some());
        assert!(too_deep(&format!("x = a{}", ".b".repeat(150)), 100).is_some());
        assert!(too_deep(&format!("x = f{}", "()".repeat(150)), 100).is_some());
        assert!(too_deep(&format!("x = a{}", "[0]".repeat(150)), 100).is_some());
        assert!(too_deep(&format!("x = a{}", " if a else a".repeat(150)), 100).is_some());
    }

    #[test]
    fn continuation_lines_do_not_reset() {
        let code = format!("x = a{}", " \\\n* a".repeat(150));
        assert!(too_deep(&code, 100).is_some());
    }

    #[test]
    fn deep_indentation_is_caught() {
        let mut code = String::new();
        for depth in 0..150 {
            code.push_str(&" ".repeat(depth));
            code.push_str("if x:\n");
        }
        assert!(too_deep(&code, 100).is_some());
        let shallow = "def f():\n    if x:\n        return 1\n    return 2\nf()\n".repeat(50);
        assert_eq!(too_deep(&shallow, 100), None);
    }

    #[test]
    fn strings_do_not_count_but_fstrings_do() {
        let plain = format!("x = '{}'", "(".repeat(500));
        assert_eq!(too_deep(&plain, 100), None);
        let fstring = format!("x = f'{{{}1{}}}'", "(".repeat(150), ")".repeat(150));
        assert!(too_deep(&fstring, 100).is_some());
    }

    #[test]
    fn fstrings_do_not_leak_levels() {
        let code =
            "raise E(f\"bad value {value!r}\") from err\nprint(f\"{n:#010b} {x:>{w}} {{}}\")\n"
                .repeat(300);
        assert_eq!(too_deep(&code, 100), None);
        let nested = "x = f'{f\"{y}\"}'\n".repeat(300);
        assert_eq!(too_deep(&nested, 100), None);
        let unterminated = "x = f'{y}\n".repeat(300);
        assert_eq!(too_deep(&unterminated, 100), None);
    }

    #[test]
    fn nested_fstrings_are_caught() {
        let mut code = String::from("1");
        for _ in 0..150 {
            code = format!("f'{{{code}}}'");
        }
        assert!(too_deep(&format!("x = {code}"), 100).is_some());
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
