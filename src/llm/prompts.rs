//! The prompts, kept as data in `roles/llm/prompts.toml` (built in; `--roles-dir` replaces
//! them) and filled in with the policy they must state.

use serde::Deserialize;

use crate::config::Sources;
use crate::models::Finding;

const EMBEDDED: &str = include_str!("../../roles/llm/prompts.toml");

/// Why the prompts could not be loaded; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum PromptsError {
    #[error("cannot read {}", .path.display())]
    Read {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid prompts file (llm/prompts.toml)")]
    Parse(#[source] toml::de::Error),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prompts {
    system: String,
    question: String,
    data_note: String,
    correction: String,
    repair: String,
}

impl Prompts {
    pub fn load(sources: &Sources) -> Result<Self, PromptsError> {
        let text = match &sources.roles_dir {
            Some(dir) => {
                let path = dir.join("llm").join("prompts.toml");
                match std::fs::read_to_string(&path) {
                    Ok(text) => text,
                    Err(source) => return Err(PromptsError::Read { path, source }),
                }
            }
            None => EMBEDDED.to_owned(),
        };
        toml::from_str(&text).map_err(PromptsError::Parse)
    }

    pub fn system(&self, allowed_imports: &[String]) -> String {
        self.system
            .replace("{allowed_imports}", &allowed_imports.join(", "))
            .trim()
            .to_owned()
    }

    pub fn question(&self, question: &str, data: Option<&str>) -> String {
        let note = match data {
            Some(data) => {
                let head: Vec<&str> = data.lines().take(5).collect();
                self.data_note.replace("{data_head}", &head.join("\n"))
            }
            None => String::new(),
        };
        self.question
            .replace("{question}", question)
            .replace("{data_note}", note.trim())
            .trim()
            .to_owned()
    }

    pub fn correction(&self, findings: &[Finding]) -> String {
        let listed: Vec<String> = findings
            .iter()
            .map(|f| format!("- {} line {}: {}", f.code, f.line, f.message))
            .collect();
        self.correction
            .replace("{findings}", &listed.join("\n"))
            .trim()
            .to_owned()
    }

    pub fn repair(&self, stderr: &str) -> String {
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        self.repair
            .replace("{stderr}", &tail.join("\n"))
            .trim()
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::Prompts;
    use crate::config::Sources;
    use crate::models::Finding;

    #[test]
    fn the_built_in_prompts_state_the_policy_and_carry_the_findings() {
        let prompts = Prompts::load(&Sources::default()).expect("built-in prompts parse");
        let system = prompts.system(&["math".to_owned(), "json".to_owned()]);
        assert!(system.contains("math, json"), "{system}");
        assert!(system.contains("fenced code block"));
        let question = prompts.question("How many?", Some("a,b\n1,2\n"));
        assert!(
            question.contains("How many?") && question.contains("DATA") && question.contains("a,b")
        );
        assert!(!prompts.question("Q", None).contains("DATA"));
        let finding = Finding {
            code: "PX101".to_owned(),
            name: "os-command".to_owned(),
            message: "os.system runs a shell command".to_owned(),
            line: 3,
            column: 1,
            end_line: 3,
            end_column: 10,
        };
        let correction = prompts.correction(&[finding]);
        assert!(
            correction.contains("- PX101 line 3: os.system runs a shell command"),
            "{correction}"
        );
        assert!(prompts
            .repair("Traceback\nZeroDivisionError: division by zero")
            .contains("ZeroDivisionError"));
    }
}
