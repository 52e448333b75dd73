//! Mail's domain types: SMTP settings and their checked form, the retry schedule (no IO).

use chrono::{DateTime, Duration, Utc};

use crate::kit::keys::stored_keys;

stored_keys! {
    /// How the connection to the SMTP server is protected.
    pub enum Security: "mail security" {
        /// STARTTLS on the submission port (587).
        StartTls = "starttls",
        /// TLS from the first byte (465).
        Tls = "tls",
        /// Plain SMTP (only for a relay on the same host or a test server).
        None = "none",
    }
}

stored_keys! {
    /// Where a message of the outbox stands (`mail_outbox.status`).
    pub enum OutboxStatus: "outbox status" {
        /// Waiting for its next attempt.
        Pending = "pending",
        /// Delivered to the SMTP server.
        Sent = "sent",
        /// Given up after [`MAX_ATTEMPTS`] attempts (an administrator may retry it).
        Failed = "failed",
    }
}

/// The SMTP settings the administrator keeps.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Settings {
    /// Server host name.
    pub host: String,
    /// Port.
    pub port: i32,
    /// How the connection is protected.
    pub security: Security,
    /// Login (empty: no authentication).
    pub username: String,
    /// Password (never shown again, never logged).
    pub password: String,
    /// Sender address.
    pub from_address: String,
    /// Sender name.
    pub from_name: String,
    /// Sending switched on.
    pub enabled: bool,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("from_address", &self.from_address)
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// The settings form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SettingsForm {
    /// Host.
    #[serde(default)]
    pub host: String,
    /// Port.
    #[serde(default)]
    pub port: String,
    /// Security key.
    #[serde(default)]
    pub security: String,
    /// Login.
    #[serde(default)]
    pub username: String,
    /// New password (empty keeps the stored one).
    #[serde(default)]
    pub password: String,
    /// Sender address.
    #[serde(default)]
    pub from_address: String,
    /// Sender name.
    #[serde(default)]
    pub from_name: String,
    /// `yes` when sending is on.
    #[serde(default)]
    pub enabled: String,
}

/// Whether `s` looks like one e-mail address (a local part, `@`, a dotted or local domain).
pub fn is_email(s: &str) -> bool {
    let s = s.trim();
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && s.len() <= 254
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
        && !s.contains(['<', '>', ',', ';', '"'])
}

impl SettingsForm {
    /// Checks the form; an empty password keeps `current`'s. Errors name their field.
    pub fn parse(&self, current: &Settings) -> Result<Settings, Vec<(&'static str, &'static str)>> {
        let mut errors = vec![];
        let host = self.host.trim().to_string();
        let enabled = self.enabled == "yes";
        if host.contains(char::is_whitespace) || host.len() > 253 || (enabled && host.is_empty()) {
            errors.push(("host", "mail-error-host"));
        }
        let port = self
            .port
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|p| (1..=65535).contains(p));
        if port.is_none() {
            errors.push(("port", "mail-error-port"));
        }
        let security = Security::parse(&self.security);
        if security.is_none() {
            errors.push(("security", "mail-error-security"));
        }
        let from = self.from_address.trim().to_string();
        if (enabled || !from.is_empty()) && !is_email(&from) {
            errors.push(("from_address", "mail-error-from"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Settings {
            host,
            port: port.expect("checked"),
            security: security.expect("checked"),
            username: self.username.trim().to_string(),
            password: if self.password.is_empty() {
                current.password.clone()
            } else {
                self.password.clone()
            },
            from_address: from,
            from_name: self.from_name.trim().chars().take(100).collect(),
            enabled,
        })
    }
}

/// Attempts after which a message is given up and shown as failed.
pub const MAX_ATTEMPTS: i32 = 8;

/// When to try again after `attempts` failed attempts: 1, 2, 4, … minutes, at most 6 hours.
pub fn next_attempt(attempts: i32, now: DateTime<Utc>) -> DateTime<Utc> {
    let minutes = 1i64 << attempts.clamp(0, 12).saturating_sub(1);
    now + Duration::minutes(minutes.min(360))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let now = Utc::now();
        assert_eq!(next_attempt(1, now) - now, Duration::minutes(1));
        assert_eq!(next_attempt(2, now) - now, Duration::minutes(2));
        assert_eq!(next_attempt(4, now) - now, Duration::minutes(8));
        assert_eq!(next_attempt(12, now) - now, Duration::minutes(360));
    }

    #[test]
    fn addresses_are_checked() {
        assert!(is_email("ubnd.ninhkieu@cantho.gov.vn"));
        assert!(is_email("test@localhost"));
        assert!(!is_email("no-at-sign"));
        assert!(!is_email("a b@c.vn"));
        assert!(!is_email("a@b.vn, c@d.vn"));
    }

    #[test]
    fn an_empty_password_keeps_the_stored_one() {
        let current = Settings {
            host: "smtp.example.vn".into(),
            port: 587,
            security: Security::StartTls,
            username: "u".into(),
            password: "secret".into(),
            from_address: "a@b.vn".into(),
            from_name: "duluan".into(),
            enabled: true,
        };
        let form = SettingsForm {
            host: "smtp.example.vn".into(),
            port: "587".into(),
            security: "starttls".into(),
            from_address: "a@b.vn".into(),
            enabled: "yes".into(),
            ..Default::default()
        };
        assert_eq!(form.parse(&current).unwrap().password, "secret");
        assert!(format!("{current:?}").contains("[redacted]"));
        let bad = SettingsForm {
            port: "99999".into(),
            ..form
        };
        assert_eq!(bad.parse(&current).unwrap_err()[0].0, "port");
    }

    #[test]
    fn stored_keys_read_into_enums_and_unknown_ones_are_errors() {
        crate::kit::keys::assert_keys(&Security::ALL, Security::key);
        crate::kit::keys::assert_keys(&OutboxStatus::ALL, OutboxStatus::key);
    }
}
