//! Finding the program in what a model answered: real models put prose around the block,
//! send several blocks, tag fences `py`, `python3` or nothing, or skip the fence entirely.

/// The program in `reply`: the longest fenced block tagged as Python, else the longest
/// untagged block, else the whole reply when it has no fence at all. `None` when there is
/// nothing that could be code.
pub fn extract_code(reply: &str) -> Option<String> {
    let blocks = fenced_blocks(reply);
    let python = blocks
        .iter()
        .filter(|b| is_python_tag(&b.tag))
        .max_by_key(|b| b.body.len());
    let untagged = blocks
        .iter()
        .filter(|b| b.tag.is_empty())
        .max_by_key(|b| b.body.len());
    let chosen = match (python, untagged) {
        (Some(block), _) | (None, Some(block)) => Some(block.body.clone()),
        (None, None) if blocks.is_empty() => Some(reply.to_owned()),
        (None, None) => None,
    }?;
    let code = chosen.trim_matches('\n').trim_end().to_owned();
    (!code.trim().is_empty()).then_some(code)
}

struct Block {
    tag: String,
    body: String,
}

fn is_python_tag(tag: &str) -> bool {
    matches!(
        tag.to_ascii_lowercase().as_str(),
        "python" | "python3" | "py" | "py3" | "ipython" | "pycon"
    )
}

/// Fenced blocks (``` or ~~~, three or more, as CommonMark), with the fence's info word.
/// An unclosed fence runs to the end of the reply, as models cut off mid-block do.
fn fenced_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(char, usize, String, Vec<&str>)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let fence = fence_of(trimmed);
        match (&mut open, fence) {
            (None, Some((ch, len))) => {
                let info = trimmed[ch.len_utf8() * len..].trim();
                let tag = info
                    .split(|c: char| c.is_whitespace() || c == '{' || c == ',')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                open = Some((ch, len, tag, Vec::new()));
            }
            (Some((ch, len, _, _)), Some((c, l)))
                if c == *ch && l >= *len && trimmed[c.len_utf8() * l..].trim().is_empty() =>
            {
                if let Some((_, _, tag, lines)) = open.take() {
                    blocks.push(Block {
                        tag,
                        body: lines.join("\n"),
                    });
                }
            }
            (Some((_, _, _, lines)), _) => lines.push(line),
            (None, None) => {}
        }
    }
    if let Some((_, _, tag, lines)) = open {
        blocks.push(Block {
            tag,
            body: lines.join("\n"),
        });
    }
    blocks
}

fn fence_of(line: &str) -> Option<(char, usize)> {
    let ch = line.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let len = line.chars().take_while(|c| *c == ch).count();
    (len >= 3).then_some((ch, len))
}

#[cfg(test)]
mod tests {
    use super::extract_code;

    #[test]
    fn prose_around_one_block() {
        let reply = "Sure! Here is the code:\n\n```python\nprint(1 + 1)\n```\n\nIt prints 2.";
        assert_eq!(extract_code(reply).as_deref(), Some("print(1 + 1)"));
    }

    #[test]
    fn python3_and_py_tags_count_as_python() {
        for tag in ["python3", "py", "Python"] {
            let reply = format!("```{tag}\nx = 3\nprint(x)\n```");
            assert_eq!(
                extract_code(&reply).as_deref(),
                Some("x = 3\nprint(x)"),
                "{tag}"
            );
        }
    }

    #[test]
    fn a_python_block_wins_over_output_and_shell_blocks() {
        let reply = "Run it:\n```bash\npython3 main.py\n```\n```python\nimport math\nprint(math.pi)\n```\nOutput:\n```\n3.14159\n```";
        assert_eq!(
            extract_code(reply).as_deref(),
            Some("import math\nprint(math.pi)")
        );
    }

    #[test]
    fn of_several_python_blocks_the_longest_is_the_program() {
        let reply = "```python\nprint(f(3))\n```\nwhere\n```python\ndef f(x):\n    return x * 2\n\nprint(f(3))\n```";
        assert_eq!(
            extract_code(reply).as_deref(),
            Some("def f(x):\n    return x * 2\n\nprint(f(3))")
        );
    }

    #[test]
    fn no_fence_means_the_whole_reply() {
        assert_eq!(
            extract_code("print('no fence')\n").as_deref(),
            Some("print('no fence')")
        );
    }

    #[test]
    fn an_untagged_block_is_used_when_nothing_is_tagged() {
        assert_eq!(
            extract_code("Here:\n```\nprint(5)\n```").as_deref(),
            Some("print(5)")
        );
    }

    #[test]
    fn an_unclosed_fence_runs_to_the_end() {
        assert_eq!(
            extract_code("```python\nprint(7)\n").as_deref(),
            Some("print(7)")
        );
    }

    #[test]
    fn tildes_and_longer_fences_work_and_inner_backticks_stay() {
        let reply = "~~~~python\ns = '```'\nprint(s)\n~~~~";
        assert_eq!(extract_code(reply).as_deref(), Some("s = '```'\nprint(s)"));
    }

    #[test]
    fn only_non_python_blocks_or_nothing_gives_none() {
        assert_eq!(extract_code("```bash\nls\n```"), None);
        assert_eq!(extract_code("   \n"), None);
        assert_eq!(extract_code("```python\n```"), None);
    }
}
