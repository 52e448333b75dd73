//! The origin (`http(s)://host`) to put in links that leave the browser (e-mails, device
//! settings): the host the client asked for, kept only when it is a host name or address with a
//! port, HTTPS when the server is configured behind TLS (`--secure-cookies`).

/// `http(s)://host` as the client asked for it; `localhost` when the `Host` header is missing or
/// not a plain host.
pub fn origin(secure: bool, headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                })
        })
        .unwrap_or("localhost");
    let scheme = if secure { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The address links in e-mails start with: the deployment's `--public-url` when set, else the
/// origin of the request being answered.
pub fn base(config: &crate::config::Config, headers: &axum::http::HeaderMap) -> String {
    match &config.public_url {
        Some(u) => u.clone(),
        None => origin(config.secure_cookies, headers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_hosts_are_kept() {
        let mut h = axum::http::HeaderMap::new();
        assert_eq!(origin(false, &h), "http://localhost");
        h.insert("host", "ttdl.cantho.gov.vn:8443".parse().unwrap());
        assert_eq!(origin(true, &h), "https://ttdl.cantho.gov.vn:8443");
        h.insert("host", "evil.example/x?".parse().unwrap());
        assert_eq!(origin(false, &h), "http://localhost");
    }
}
