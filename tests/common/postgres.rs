//! PostgreSQL for the tests: the machine's server on 127.0.0.1:5432 (`scripts/test.sh`
//! starts it; user `postgres`, trust on loopback), one throwaway database per test.

use std::process::Command;

/// Runs `sql` in the `postgres` database.
pub fn psql(sql: &str) -> Result<(), String> {
    let out = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ])
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A database made for one test (`pyexec_<tag>_<pid>_<time>`) and dropped after it.
pub struct Database {
    pub name: String,
}

impl Database {
    pub fn new(tag: &str) -> Self {
        let name = format!(
            "pyexec_{tag}_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_nanos()
        );
        psql(&format!("CREATE DATABASE {name}")).unwrap_or_else(|e| {
            panic!("PostgreSQL on 127.0.0.1:5432 (scripts/test.sh starts it): {e}")
        });
        Self { name }
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = psql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}
