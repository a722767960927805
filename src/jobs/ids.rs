//! Request ids and the job ids made from them.

/// Whether `id` may name a job and its result folder.
pub fn sane_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// The job id of a request: a DNS-1123 label (a valid Kubernetes Job name) derived from the
/// request id, with a hash of the exact id so that ids differing only in case or in
/// characters a label cannot hold still get different jobs.
pub fn job_id(request_id: &str) -> String {
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
    slug.truncate(40);
    let slug = slug.trim_matches('-');
    // FNV-1a: stable across runs and versions, unlike std's hasher.
    let hash = request_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    if slug.is_empty() {
        format!("pyexec-{:012x}", hash & 0xffff_ffff_ffff)
    } else {
        format!("pyexec-{slug}-{:08x}", hash & 0xffff_ffff)
    }
}

#[cfg(test)]
mod tests {
    use super::{job_id, sane_request_id};

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
        assert!(sane_request_id("abc-1.2:3_4"));
        assert!(!sane_request_id("../etc"));
        assert!(!sane_request_id(""));
    }
}
