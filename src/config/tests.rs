use std::io::Write;

use super::*;

fn sources_with(config: &str) -> (tempfile::NamedTempFile, Sources) {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(config.as_bytes()).expect("write");
    let sources = Sources {
        roles_dir: None,
        config_file: Some(file.path().to_owned()),
    };
    (file, sources)
}

#[test]
fn role_files_load_on_defaults() {
    for role in [Role::Llm, Role::Executor, Role::All, Role::JobRun] {
        let settings = Sources::default().load(role).expect("role file loads");
        assert!(settings.validator.max_source_bytes > 0);
    }
}

#[test]
fn roles_load_independently() {
    let llm = Sources::default().load(Role::Llm).expect("llm");
    let executor = Sources::default().load(Role::Executor).expect("executor");
    assert_ne!(llm.server.listen, executor.server.listen);
}

#[test]
fn config_file_overrides_role_file() {
    let (_f, sources) = sources_with("[server]\nlisten = \"127.0.0.1:9999\"\n");
    let settings = sources.load(Role::Llm).expect("loads");
    assert_eq!(settings.server.listen.port(), 9999);
}

#[test]
fn unknown_key_is_an_error_naming_it() {
    let (_f, sources) = sources_with("[server]\nlistne = \"127.0.0.1:9999\"\n");
    let err = anyhow::Error::from(sources.load(Role::Llm).expect_err("unknown key rejected"));
    assert!(format!("{err:#}").contains("listne"), "{err:#}");
}

#[test]
fn bad_value_is_an_error_naming_the_key() {
    let (_f, sources) = sources_with("[validator]\nmax_source_bytes = \"lots\"\n");
    let err = anyhow::Error::from(sources.load(Role::Llm).expect_err("bad value rejected"));
    assert!(format!("{err:#}").contains("max_source_bytes"), "{err:#}");
}

#[test]
fn missing_config_file_is_an_error() {
    let sources = Sources {
        roles_dir: None,
        config_file: Some("/nonexistent/pyexec.toml".into()),
    };
    assert!(matches!(
        sources.load(Role::Llm),
        Err(ConfigError::MissingConfigFile(_))
    ));
}

#[test]
fn secrets_are_redacted_when_serialised() {
    let (_f, sources) = sources_with("[llm]\napi_key = \"sk-very-secret\"\n");
    let settings = sources.load(Role::Llm).expect("loads");
    assert_eq!(
        settings.llm.api_key.as_ref().map(Secret::expose),
        Some("sk-very-secret")
    );
    let shown = toml::to_string(&settings).expect("serialises");
    assert!(!shown.contains("sk-very-secret"));
    assert!(shown.contains(secret::REDACTED));
    assert!(!format!("{settings:?}").contains("sk-very-secret"));
}
