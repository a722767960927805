//! Request ids and the job ids made from them.

pub use crate::models::sane_request_id;

/// The job id of a request: a DNS-1123 label (a valid Kubernetes Job name) derived from the
/// request id, with a hash of the exact id so that ids differing only in case or in
/// characters a label cannot hold still get different jobs.
pub fn job_id(request_id: &str) -> String {
    job_id_of(request_id, request_id)
}

/// The job id of `owner`'s request: the anonymous caller's (a service running open) is
/// [`job_id`]; any other caller's hashes the owner in, so that two callers using the same
/// request id get different jobs and neither can reach the other's by guessing its ids.
pub fn job_id_for(owner: &str, request_id: &str) -> String {
    if owner == "anonymous" {
        job_id(request_id)
    } else {
        job_id_of(request_id, &format!("{owner}\n{request_id}"))
    }
}

fn job_id_of(request_id: &str, hashed: &str) -> String {
    let mut slug: String = request_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.truncate(38);
    let slug = slug.trim_matches('-');
    // 64 bits of SHA-256: stable across runs and versions, and no caller can search for a
    // request id whose job id is another caller's (a 32-bit hash fell to a search in 0.4 s).
    let digest = <sha2::Sha256 as sha2::Digest>::digest(hashed.as_bytes());
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    if slug.is_empty() {
        format!("pyexec-{hash}")
    } else {
        format!("pyexec-{slug}-{hash}")
    }
}

#[cfg(test)]
mod tests {
    use super::{job_id, job_id_for, sane_request_id};

    #[test]
    fn job_ids_are_dns_labels_and_distinct_per_request_id() {
        for id in ["Req-1", "req-1", "a_b.c:d", "x", "----", &"long".repeat(30)] {
            let job = job_id(id);
            assert!(job.len() <= 63, "{job}");
            assert!(
                job.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{job}"
            );
            assert!(job.starts_with("pyexec-") && !job.ends_with('-'), "{job}");
        }
        assert_ne!(job_id("Req-1"), job_id("req-1"));
        assert_eq!(job_id("req-1"), job_id("req-1"));
        assert_eq!(job_id_for("anonymous", "req-1"), job_id("req-1"));
        assert_ne!(job_id_for("key:a", "req-1"), job_id_for("key:b", "req-1"));
        assert_ne!(job_id_for("key:a", "req-1"), job_id("req-1"));
        assert!(sane_request_id("abc-1.2:3_4"));
        assert!(!sane_request_id("../etc"));
        assert!(!sane_request_id(".."));
        assert!(!sane_request_id("."));
        assert!(!sane_request_id(":x"));
        assert!(!sane_request_id(""));
    }
}
