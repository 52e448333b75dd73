//! Typed configuration of the server: every setting is a `duluan serve` option and an environment
//! variable, documented by its doc comment; nothing is needed for the embedded default.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Settings of `duluan serve` (and of `duluan migrate`, which uses the database part).
#[derive(Clone, clap::Args)]
pub struct Config {
    /// Address and port the web server listens on.
    #[arg(long, env = "DULUAN_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    #[command(flatten)]
    pub database: DatabaseConfig,

    /// Start on a fresh database filled with the demo (Cần Thơ city, its 103 communes and wards,
    /// one user per role). Refuses to run on a database that already holds other data.
    #[arg(long, env = "DULUAN_DEMO")]
    pub demo: bool,

    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "DULUAN_SESSION_IDLE_MINUTES", default_value_t = 60)]
    pub session_idle_minutes: u64,

    /// Hours after login after which a session ends whatever the activity.
    #[arg(long, env = "DULUAN_SESSION_MAX_HOURS", default_value_t = 12)]
    pub session_max_hours: u64,

    /// Mark cookies `Secure` (set when the server is reached over HTTPS, e.g. behind a proxy).
    #[arg(long, env = "DULUAN_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "DULUAN_LOG_FORMAT", default_value = "text")]
    pub log_format: String,

    /// Requests per second each client address may make to the public survey pages and the
    /// submission endpoint (a burst of 60 is allowed); `0` turns the limit off (load tests).
    #[arg(long, env = "DULUAN_SURVEY_RATE", default_value_t = 10.0, value_parser = parse_rate)]
    pub survey_rate: f64,

    /// Reverse proxies in front of the server, by address or network (`127.0.0.1,10.0.0.0/8`).
    /// Only for a request whose TCP peer is one of them is the client's address read from
    /// `X-Forwarded-For` (the right-most address that is not a trusted proxy); otherwise the
    /// header is ignored. Empty by default: nobody can choose their own address by a header.
    #[arg(long, env = "DULUAN_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<crate::kit::client_addr::TrustedProxy>,

    /// Days after their last change at which unfinished responses of anonymous surveys are
    /// deleted: an abandoned response still links its answers to a token or a device.
    #[arg(long, env = "DULUAN_SURVEY_ABANDONED_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub survey_abandoned_days: u32,

    /// Smallest number of respondents a published survey figure may rest on: a cell of the
    /// results (page, CSV of figures, charts) below it is hidden, with a partner so that it
    /// cannot be worked out from totals.
    #[arg(long, env = "DULUAN_RESULTS_MIN_CELL", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(3..=100))]
    pub results_min_cell: u32,

    /// How a share's confidence interval is computed (R's `svyciprop` method): logit (R's
    /// default), asin, beta (Korn-Graubard), mean (Wald) or xlogit.
    #[arg(long, env = "DULUAN_RESULTS_CI_METHOD", default_value = "logit",
          value_parser = ["logit", "asin", "beta", "mean", "xlogit"])]
    pub results_ci_method: String,

    /// Token a Prometheus scraper sends (`Authorization: Bearer …`) to read `/metrics`; without
    /// one the route does not exist.
    #[arg(long, env = "DULUAN_METRICS_TOKEN")]
    pub metrics_token: Option<String>,

    /// Retention: months monitored items are kept after they occurred (0: kept).
    #[arg(long, env = "DULUAN_RETAIN_MONITORING_MONTHS", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=1200))]
    pub retain_monitoring_months: u32,

    /// Retention: days alert notifications are kept (0: kept).
    #[arg(long, env = "DULUAN_RETAIN_NOTIFICATIONS_DAYS", default_value_t = 180,
          value_parser = clap::value_parser!(u32).range(0..=36500))]
    pub retain_notifications_days: u32,

    /// Retention: days unfinished survey responses of any survey are kept after their last
    /// change (0: kept; those of anonymous surveys go after --survey-abandoned-days anyway).
    #[arg(long, env = "DULUAN_RETAIN_PARTIAL_DAYS", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=36500))]
    pub retain_partial_days: u32,

    /// Retention: months audit entries are kept (0: kept; otherwise at least 12, so that a
    /// year of who did what can always be answered).
    #[arg(long, env = "DULUAN_RETAIN_AUDIT_MONTHS", default_value_t = 0,
          value_parser = parse_audit_months)]
    pub retain_audit_months: u32,

    /// The address people reach the server at (`https://duluan.example.vn`), for the links in
    /// e-mails. Without it, an e-mail written while answering a request links to the address
    /// that request came to, and one written by a background job carries a path only.
    #[arg(long, env = "DULUAN_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
}

fn parse_public_url(s: &str) -> Result<String, String> {
    let t = s.trim().trim_end_matches('/');
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"))
        .unwrap_or("");
    if rest.is_empty()
        || !rest.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'/')
        })
    {
        return Err(format!(
            "{s:?}: give the server's address as http(s)://host[:port][/path]"
        ));
    }
    Ok(t.to_string())
}

fn parse_audit_months(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(0) => Ok(0),
        Ok(m) if (12..=1200).contains(&m) => Ok(m),
        _ => Err(format!(
            "{s:?}: give 0 (keep the audit log) or 12 to 1200 months"
        )),
    }
}

impl Config {
    /// The deployment's method for a share's interval.
    pub fn ci_method(&self) -> duluan_stats::CipropMethod {
        self.results_ci_method.parse().unwrap_or_default()
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(r) if r.is_finite() && r >= 0.0 => Ok(r),
        _ => Err(format!(
            "{s:?} is not a rate: give requests per second, 0 or more"
        )),
    }
}

/// Where the data lives.
#[derive(Clone, clap::Args)]
pub struct DatabaseConfig {
    /// Folder for the embedded database (`duluan.db`) and every other file the server keeps.
    #[arg(long, env = "DULUAN_DATA_DIR", default_value = "./duluan-data")]
    pub data_dir: PathBuf,

    /// Database URL: `postgres://…` selects PostgreSQL; `sqlite://…` a given SQLite file. When
    /// absent, the embedded SQLite database in the data folder is used.
    #[arg(long, env = "DULUAN_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DatabaseConfig {
    /// Opens the configured database (without migrating it).
    pub async fn open(&self) -> anyhow::Result<crate::db::Db> {
        match &self.database_url {
            Some(url) => {
                std::fs::create_dir_all(&self.data_dir)?;
                crate::db::Db::connect(url).await
            }
            None => crate::db::Db::open_in_dir(&self.data_dir).await,
        }
    }
}

fn redact(url: &str) -> String {
    // postgres://user:secret@host/db → postgres://user:***@host/db
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl std::fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(redact))
            .finish()
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("addr", &self.addr)
            .field("database", &self.database)
            .field("demo", &self.demo)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("session_max_hours", &self.session_max_hours)
            .field("secure_cookies", &self.secure_cookies)
            .field("log_format", &self.log_format)
            .field("survey_rate", &self.survey_rate)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("survey_abandoned_days", &self.survey_abandoned_days)
            .field("results_min_cell", &self.results_min_cell)
            .field("results_ci_method", &self.results_ci_method)
            .field("public_url", &self.public_url)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<set>"),
            )
            .finish()
    }
}

impl Config {
    /// A configuration for tests and tools: everything at its default, the given database.
    pub fn for_database(data_dir: PathBuf, database_url: Option<String>) -> Config {
        Config {
            addr: "127.0.0.1:0".parse().expect("valid address"),
            database: DatabaseConfig {
                data_dir,
                database_url,
            },
            demo: false,
            session_idle_minutes: 60,
            session_max_hours: 12,
            secure_cookies: false,
            log_format: "text".into(),
            survey_rate: 10.0,
            trusted_proxies: Vec::new(),
            survey_abandoned_days: 7,
            results_min_cell: 5,
            results_ci_method: "logit".into(),
            metrics_token: None,
            retain_monitoring_months: 0,
            retain_notifications_days: 180,
            retain_partial_days: 0,
            retain_audit_months: 0,
            public_url: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_public_url, parse_rate, redact};

    #[test]
    fn a_public_url_is_an_http_address_without_its_last_slash() {
        assert_eq!(
            parse_public_url("https://duluan.cantho.gov.vn/").unwrap(),
            "https://duluan.cantho.gov.vn"
        );
        assert!(parse_public_url("duluan.cantho.gov.vn").is_err());
        assert!(parse_public_url("https://").is_err());
        assert!(parse_public_url("https://x.vn/?a=<b>").is_err());
    }

    #[test]
    fn survey_rates_are_checked() {
        assert_eq!(parse_rate("0"), Ok(0.0));
        assert_eq!(parse_rate(" 2.5 "), Ok(2.5));
        assert!(parse_rate("-1").is_err());
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("inf").is_err());
    }

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
