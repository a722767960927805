//! Resolution of a request's limits against the configured defaults and maximums.

use super::super::slot::Limits;
use crate::config::{ExecutorSettings, LimitSettings};
use crate::models::{ExecutionError, ResourceLimits};

/// The limits a slot's child is locked down with, from a request's resolved limits.
pub(super) fn slot_limits(limits: &LimitSettings, guards: bool) -> Limits {
    Limits {
        timeout: limits.timeout_secs,
        memory_bytes: limits.memory_mb << 20,
        max_pids: limits.max_pids,
        disk_mb: limits.disk_mb,
        guards,
        cpus: limits.cpus,
    }
}

pub fn resolve_limits(
    settings: &ExecutorSettings,
    requested: Option<&ResourceLimits>,
) -> Result<LimitSettings, ExecutionError> {
    let defaults = &settings.default_limits;
    let max = &settings.max_limits;
    let requested = requested.cloned().unwrap_or_default();
    fn check(name: &str, value: f64, maximum: f64) -> Result<(), ExecutionError> {
        if !value.is_finite() || value <= 0.0 {
            return Err(ExecutionError::LimitInvalid {
                name: name.to_owned(),
                requested: value,
            });
        }
        if value > maximum {
            return Err(ExecutionError::LimitTooHigh {
                name: name.to_owned(),
                requested: value,
                maximum,
            });
        }
        Ok(())
    }
    let limits = LimitSettings {
        timeout_secs: requested.timeout_secs.unwrap_or(defaults.timeout_secs),
        memory_mb: requested.memory_mb.unwrap_or(defaults.memory_mb),
        cpus: requested.cpus.unwrap_or(defaults.cpus),
        max_pids: requested.max_pids.unwrap_or(defaults.max_pids),
        max_output_bytes: requested
            .max_output_bytes
            .unwrap_or(defaults.max_output_bytes),
        disk_mb: requested.disk_mb.unwrap_or(defaults.disk_mb),
    };
    check("timeout_secs", limits.timeout_secs, max.timeout_secs)?;
    check("memory_mb", limits.memory_mb as f64, max.memory_mb as f64)?;
    check("cpus", limits.cpus, max.cpus)?;
    check(
        "max_pids",
        f64::from(limits.max_pids),
        f64::from(max.max_pids),
    )?;
    check(
        "max_output_bytes",
        limits.max_output_bytes as f64,
        max.max_output_bytes as f64,
    )?;
    check("disk_mb", limits.disk_mb as f64, max.disk_mb as f64)?;
    Ok(limits)
}

#[cfg(test)]
mod tests {
    use super::resolve_limits;
    use crate::config::ExecutorSettings;
    use crate::models::{ExecutionError, ResourceLimits};

    #[test]
    fn limits_default_and_are_capped() {
        let settings = ExecutorSettings::default();
        let limits = resolve_limits(&settings, None).expect("defaults are within maximums");
        assert_eq!(limits.memory_mb, settings.default_limits.memory_mb);
        let asked = ResourceLimits {
            memory_mb: Some(settings.max_limits.memory_mb + 1),
            ..ResourceLimits::default()
        };
        assert!(matches!(
            resolve_limits(&settings, Some(&asked)),
            Err(ExecutionError::LimitTooHigh { name, .. }) if name == "memory_mb"
        ));
        let negative = ResourceLimits {
            timeout_secs: Some(-1.0),
            ..ResourceLimits::default()
        };
        assert!(matches!(
            resolve_limits(&settings, Some(&negative)),
            Err(ExecutionError::LimitInvalid { name, .. }) if name == "timeout_secs"
        ));
        let nan = ResourceLimits {
            timeout_secs: Some(f64::NAN),
            ..ResourceLimits::default()
        };
        assert!(resolve_limits(&settings, Some(&nan)).is_err());
    }
}
