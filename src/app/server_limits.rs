//! The `[server]` settings turned into the limits of the HTTP server loop. This lives above
//! both `config` and `http` so that `config` stays plain data with no dependency on the
//! server (see `tests/module_graph.rs`); the methods are still called on `ServerSettings`.

use crate::config::ServerSettings;
use crate::http::{BodyLimits, ServerLimits};

impl ServerSettings {
    /// The server loop's limits; `grace` is how long shutdown waits for open connections.
    pub fn limits(&self, grace: std::time::Duration) -> ServerLimits {
        ServerLimits {
            header_read_timeout: secs(self.header_read_timeout_secs),
            idle_timeout: secs(self.idle_timeout_secs),
            request_timeout: secs(self.request_timeout_secs),
            max_connections: self.max_connections,
            max_body_bytes: self.max_body_bytes,
            max_upload_bytes: 0,
            grace,
        }
    }

    pub fn body_limits(&self) -> BodyLimits {
        BodyLimits {
            max_bytes: self.max_body_bytes,
            read_timeout: secs(self.body_read_timeout_secs),
        }
    }
}

/// A duration from a configured number of seconds; negative or NaN values count as zero.
fn secs(value: f64) -> std::time::Duration {
    std::time::Duration::try_from_secs_f64(value.max(0.0)).unwrap_or(std::time::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_and_nan_seconds_count_as_zero() {
        assert_eq!(secs(-1.0), std::time::Duration::ZERO);
        assert_eq!(secs(f64::NAN), std::time::Duration::ZERO);
        assert_eq!(secs(1.5), std::time::Duration::from_millis(1500));
    }
}
