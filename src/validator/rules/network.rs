use super::declare_rule;

declare_rule! {
    /// ## What it does
    /// Flags any reference to a network API: `socket`, `ssl`, `select`, `urllib`, `http`,
    /// `ftplib`, `smtplib`, `telnetlib`, `xmlrpc`, `asyncio.open_connection` and friends,
    /// `requests`, `httpx`, `aiohttp`... (rule `network` in `roles/policy/denylist.toml`).
    ///
    /// ## Why is this bad
    /// Network access exfiltrates data and reaches internal services (cloud metadata
    /// endpoints, databases). Code run by pyexec has no network at all.
    ///
    /// ## Example
    /// ```python
    /// from urllib.request import urlopen
    /// urlopen("http://169.254.169.254/latest/meta-data/")
    /// ```
    pub static NETWORK = {
        code: "PX102",
        name: "network",
        summary: "network access (socket, urllib, http, requests, asyncio streams)",
        see_also: "bandit/ruff S310 (urlopen), S113, S321 (ftplib), S312 (telnetlib), S401, S402",
    };
}
