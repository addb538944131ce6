//! The portal's typed configuration and the rules a production deployment must satisfy.
//! Loading it (defaults, optional file, `PORTAL_*` environment) is the server binary's job.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Human,
    Json,
}

/// One documented setting: its key (also `PORTAL_<KEY>` in the environment), default and meaning.
pub struct SettingDoc {
    pub key: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

/// Every setting, in the order `--help` and the README list them.
pub const SETTINGS: &[SettingDoc] = &[
    SettingDoc {
        key: "mode",
        default: "development",
        help: "development or production; production refuses unsafe settings",
    },
    SettingDoc {
        key: "database_url",
        default: "sqlite://data/portal.db",
        help: "sqlite://FILE or postgres://USER@HOST/DB (DATABASE_URL also works)",
    },
    SettingDoc { key: "listen_addr", default: "127.0.0.1:3000", help: "address and port to serve on" },
    SettingDoc {
        key: "public_url",
        default: "http://127.0.0.1:3000",
        help: "the URL people use to reach the portal; must be https in production",
    },
    SettingDoc {
        key: "session_secret",
        default: "(none)",
        help: "at least 32 characters of randomness; keys session cookies. Required in production",
    },
    SettingDoc {
        key: "demo_sign_in",
        default: "true",
        help: "offer the demo sign-in page; must be false in production",
    },
    SettingDoc {
        key: "session_idle_minutes",
        default: "60",
        help: "a session ends after this long without a request",
    },
    SettingDoc {
        key: "session_absolute_hours",
        default: "12",
        help: "a session ends this long after sign-in, whatever happens",
    },
    SettingDoc {
        key: "content_dir",
        default: "content",
        help: "folder with the Markdown pages (content/sv, content/en)",
    },
    SettingDoc { key: "log_format", default: "human", help: "human or json" },
    SettingDoc {
        key: "log_filter",
        default: "info",
        help: "tracing filter, e.g. info,portal=debug (RUST_LOG also works)",
    },
    SettingDoc {
        key: "job_interval_seconds",
        default: "60",
        help: "how often this replica looks for due background jobs",
    },
    SettingDoc { key: "max_db_connections", default: "10", help: "size of the database connection pool" },
    SettingDoc {
        key: "max_requests_in_flight",
        default: "64",
        help: "requests this replica works on at once; more wait in line (health checks and static files never do)",
    },
    SettingDoc {
        key: "request_queue_seconds",
        default: "20",
        help: "a request that waited this long in line is answered 503 with Retry-After",
    },
    SettingDoc {
        key: "oidc_providers",
        default: "[]",
        help: "OpenID Connect providers: a list of {id, display_name, issuer, client_id, client_secret, scopes}",
    },
    SettingDoc {
        key: "rate_limit_sign_in_per_minute",
        default: "20",
        help: "sign-in attempts (start, callback, demo) one client address may make per minute, per replica",
    },
    SettingDoc {
        key: "trust_forwarded_for",
        default: "false",
        help: "behind a reverse proxy: count rate limits per the last X-Forwarded-For address, not per connection",
    },
    SettingDoc {
        key: "rate_limit_api_per_minute",
        default: "600",
        help: "/api/ requests one client address may make per minute, per replica",
    },
    SettingDoc {
        key: "rate_limit_actions_per_minute",
        default: "120",
        help: "actions that create things or send mail (applications, companies, invitations, commands) one client address may make per minute, per replica",
    },
    SettingDoc {
        key: "harvest_interval_minutes",
        default: "360",
        help: "how often every node catalogue is harvested (one replica at a time); 0 turns scheduled harvests off",
    },
    SettingDoc {
        key: "harvest_timeout_seconds",
        default: "20",
        help: "a catalogue page that takes longer to arrive fails its harvest",
    },
    SettingDoc {
        key: "harvest_max_page_bytes",
        default: "10485760",
        help: "a catalogue page larger than this fails its harvest",
    },
    SettingDoc {
        key: "harvest_allowed_hosts",
        default: "[]",
        help: "catalogue hosts the harvester may reach although they resolve to a private address (e.g. [\"catalogue.node.internal\"]); everything else must be public. Loopback only in development, where the portal's own host is allowed for the demo catalogues",
    },
    SettingDoc {
        key: "harvest_max_pages",
        default: "200",
        help: "a catalogue with more pages fails its harvest",
    },
    SettingDoc {
        key: "catalog_page_size",
        default: "100",
        help: "datasets per page of the published catalogue (/catalog.ttl, .jsonld, .rdf)",
    },
    SettingDoc {
        key: "small_number_threshold",
        default: "5",
        help: "the dashboard and its exports show counts below this as \"<5\" (and hide what would give them away)",
    },
    SettingDoc {
        key: "visa_key_rotation_days",
        default: "90",
        help: "a new key signs GA4GH visas after this many days; old keys stay published while their visas live",
    },
    SettingDoc {
        key: "smtp_url",
        default: "(none)",
        help: "mail server, e.g. smtps://user:password@mail.example.se or smtp://relay.example.se:25; unset, mail stays in the portal's demo outbox. Required in production",
    },
    SettingDoc {
        key: "mail_from",
        default: "Precision medicine portal <noreply@portal.invalid>",
        help: "the From address of the portal's mail",
    },
    SettingDoc {
        key: "attachment_dir",
        default: "data/attachments",
        help: "folder where uploaded files (ethics decisions) are kept, outside the web root",
    },
    SettingDoc {
        key: "attachment_max_bytes",
        default: "10485760",
        help: "largest file that can be uploaded",
    },
];

/// One OpenID Connect provider people can sign in with (Life Science Login, a hospital's own).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderConfig {
    /// Short name used in URLs and on people's records, e.g. `lifescience`.
    pub id: String,
    pub display_name: String,
    /// Exactly as the provider publishes it (a trailing slash matters).
    pub issuer: String,
    pub client_id: String,
    #[serde(default, serialize_with = "hide_secret")]
    pub client_secret: Option<SecretString>,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email"].map(String::from).to_vec()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PortalConfig {
    pub mode: Mode,
    pub database_url: String,
    pub listen_addr: String,
    pub public_url: String,
    #[serde(serialize_with = "hide_secret")]
    pub session_secret: Option<SecretString>,
    pub demo_sign_in: bool,
    pub session_idle_minutes: u32,
    pub session_absolute_hours: u32,
    pub content_dir: String,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub job_interval_seconds: u64,
    pub max_db_connections: u32,
    pub max_requests_in_flight: u32,
    pub request_queue_seconds: u32,
    pub oidc_providers: Vec<OidcProviderConfig>,
    pub rate_limit_sign_in_per_minute: u32,
    pub rate_limit_api_per_minute: u32,
    pub rate_limit_actions_per_minute: u32,
    pub trust_forwarded_for: bool,
    pub harvest_interval_minutes: u32,
    pub harvest_timeout_seconds: u32,
    pub harvest_max_page_bytes: u64,
    pub harvest_max_pages: u32,
    pub harvest_allowed_hosts: Vec<String>,
    pub catalog_page_size: u32,
    pub small_number_threshold: u64,
    pub visa_key_rotation_days: u32,
    #[serde(serialize_with = "hide_secret")]
    pub smtp_url: Option<SecretString>,
    pub mail_from: String,
    pub attachment_dir: String,
    pub attachment_max_bytes: u64,
}

fn hide_secret<S: serde::Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(_) => serializer.serialize_some("[hidden]"),
        None => serializer.serialize_none(),
    }
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            mode: Mode::Development,
            database_url: "sqlite://data/portal.db".into(),
            listen_addr: "127.0.0.1:3000".into(),
            public_url: "http://127.0.0.1:3000".into(),
            session_secret: None,
            demo_sign_in: true,
            session_idle_minutes: 60,
            session_absolute_hours: 12,
            content_dir: "content".into(),
            log_format: LogFormat::Human,
            log_filter: "info".into(),
            job_interval_seconds: 60,
            max_db_connections: 10,
            max_requests_in_flight: 64,
            request_queue_seconds: 20,
            oidc_providers: Vec::new(),
            rate_limit_sign_in_per_minute: 20,
            rate_limit_api_per_minute: 600,
            rate_limit_actions_per_minute: 120,
            trust_forwarded_for: false,
            harvest_interval_minutes: 360,
            harvest_timeout_seconds: 20,
            harvest_max_page_bytes: 10 * 1024 * 1024,
            harvest_max_pages: 200,
            harvest_allowed_hosts: Vec::new(),
            catalog_page_size: 100,
            small_number_threshold: kernel::kpi::disclosure::DEFAULT_THRESHOLD,
            visa_key_rotation_days: 90,
            smtp_url: None,
            mail_from: "Precision medicine portal <noreply@portal.invalid>".into(),
            attachment_dir: "data/attachments".into(),
            attachment_max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Why a configuration may not run in production.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProductionProblem {
    #[error("demo sign-in is on (set PORTAL_DEMO_SIGN_IN=false)")]
    DemoSignInEnabled,
    #[error("PORTAL_SESSION_SECRET is missing")]
    SessionSecretMissing,
    #[error(
        "PORTAL_SESSION_SECRET is weak: use at least 32 random characters (at least 10 different, no placeholder words)"
    )]
    SessionSecretWeak,
    #[error("PORTAL_PUBLIC_URL must start with https://")]
    PublicUrlNotHttps,
    #[error("identity provider {0}: its issuer must start with https://")]
    IssuerNotHttps(String),
    #[error("identity providers: the id {0} is used twice")]
    DuplicateProviderId(String),
    #[error("no way to sign in: configure at least one identity provider (oidc_providers)")]
    NoIdentityProvider,
    #[error("no mail server (PORTAL_SMTP_URL): invitations and decisions would never reach anyone")]
    NoMailServer,
}

/// Known placeholder secrets that must never reach production, however long.
const PLACEHOLDER_SECRETS: &[&str] = &["changeme", "secret", "password", "development", "portal"];

impl PortalConfig {
    /// Everything that stops this configuration from running in production; empty when fine.
    pub fn production_problems(&self) -> Vec<ProductionProblem> {
        let mut problems = Vec::new();
        if self.demo_sign_in {
            problems.push(ProductionProblem::DemoSignInEnabled);
        }
        match &self.session_secret {
            None => problems.push(ProductionProblem::SessionSecretMissing),
            Some(secret) if is_weak_secret(secret.expose_secret()) => {
                problems.push(ProductionProblem::SessionSecretWeak)
            }
            Some(_) => {}
        }
        if !self.public_url.starts_with("https://") {
            problems.push(ProductionProblem::PublicUrlNotHttps);
        }
        if self.oidc_providers.is_empty() {
            problems.push(ProductionProblem::NoIdentityProvider);
        }
        if self.smtp_url.is_none() {
            problems.push(ProductionProblem::NoMailServer);
        }
        problems.extend(
            self.oidc_providers
                .iter()
                .filter(|p| !p.issuer.starts_with("https://"))
                .map(|p| ProductionProblem::IssuerNotHttps(p.id.clone())),
        );
        problems.extend(self.provider_problems());
        problems
    }

    /// Mistakes in the provider list that break sign-in in any mode.
    pub fn provider_problems(&self) -> Vec<ProductionProblem> {
        let mut seen = std::collections::BTreeSet::new();
        self.oidc_providers
            .iter()
            .filter(|p| !seen.insert(p.id.as_str()))
            .map(|p| ProductionProblem::DuplicateProviderId(p.id.clone()))
            .collect()
    }

    pub fn provider(&self, id: &str) -> Option<&OidcProviderConfig> {
        self.oidc_providers.iter().find(|p| p.id == id)
    }

    pub fn is_production(&self) -> bool {
        self.mode == Mode::Production
    }

    /// The key for session-cookie hashing. Development without a configured secret gets a
    /// fixed, clearly non-secret key; production cannot start without a strong one.
    pub fn session_key(&self) -> Vec<u8> {
        match &self.session_secret {
            Some(secret) => secret.expose_secret().as_bytes().to_vec(),
            None => b"development-only-session-key-not-for-production".to_vec(),
        }
    }
}

fn is_weak_secret(secret: &str) -> bool {
    let distinct: std::collections::BTreeSet<char> = secret.chars().collect();
    let lowered = secret.to_ascii_lowercase();
    secret.chars().count() < 32
        || distinct.len() < 10
        || PLACEHOLDER_SECRETS.iter().any(|p| lowered.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn production_ready() -> PortalConfig {
        PortalConfig {
            mode: Mode::Production,
            demo_sign_in: false,
            session_secret: Some("k9Qz-Tr3vW8pL2mX7bN4cJ6hF1dS5gA0eY".to_owned().into()),
            public_url: "https://portal.example.se".into(),
            oidc_providers: vec![OidcProviderConfig {
                id: "lifescience".into(),
                display_name: "Life Science Login".into(),
                issuer: "https://login.aai.lifescience-ri.eu/oidc/".into(),
                client_id: "portal".into(),
                client_secret: Some("client-secret-value".to_owned().into()),
                scopes: default_scopes(),
            }],
            smtp_url: Some("smtps://portal:mail-password@mail.example.se".to_owned().into()),
            ..PortalConfig::default()
        }
    }

    #[test]
    fn a_complete_production_configuration_has_no_problems() {
        assert_eq!(production_ready().production_problems(), vec![]);
    }

    #[test]
    fn production_refuses_demo_sign_in() {
        let config = PortalConfig { demo_sign_in: true, ..production_ready() };
        assert_eq!(config.production_problems(), vec![ProductionProblem::DemoSignInEnabled]);
    }

    #[test]
    fn production_refuses_missing_or_weak_secrets() {
        let missing = PortalConfig { session_secret: None, ..production_ready() };
        assert_eq!(missing.production_problems(), vec![ProductionProblem::SessionSecretMissing]);
        for weak in ["short", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "changeme-changeme-changeme-123456"]
        {
            let config = PortalConfig { session_secret: Some(weak.to_owned().into()), ..production_ready() };
            assert_eq!(config.production_problems(), vec![ProductionProblem::SessionSecretWeak], "{weak}");
        }
    }

    #[test]
    fn production_refuses_plain_http() {
        let config = PortalConfig { public_url: "http://portal.example.se".into(), ..production_ready() };
        assert_eq!(config.production_problems(), vec![ProductionProblem::PublicUrlNotHttps]);
    }

    #[test]
    fn production_needs_a_provider_over_https() {
        let none = PortalConfig { oidc_providers: vec![], ..production_ready() };
        assert_eq!(none.production_problems(), vec![ProductionProblem::NoIdentityProvider]);
        let mut plain = production_ready();
        plain.oidc_providers[0].issuer = "http://idp.example".into();
        assert_eq!(
            plain.production_problems(),
            vec![ProductionProblem::IssuerNotHttps("lifescience".into())]
        );
        let mut twice = production_ready();
        twice.oidc_providers.push(twice.oidc_providers[0].clone());
        assert_eq!(
            twice.production_problems(),
            vec![ProductionProblem::DuplicateProviderId("lifescience".into())]
        );
    }

    #[test]
    fn every_setting_is_documented_and_every_documented_setting_exists() {
        let value = serde_json::to_value(PortalConfig::default()).unwrap();
        let fields: Vec<&String> = value.as_object().unwrap().keys().collect();
        let documented: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
        for field in &fields {
            assert!(documented.contains(&field.as_str()), "{field} is not documented in SETTINGS");
        }
        assert_eq!(fields.len(), documented.len(), "SETTINGS lists a key the config lacks");
    }

    #[test]
    fn the_secret_never_prints() {
        let config = production_ready();
        assert!(!format!("{config:?}").contains("k9Qz"));
        assert!(!serde_json::to_string(&config).unwrap().contains("k9Qz"));
        assert!(!serde_json::to_string(&config).unwrap().contains("client-secret-value"));
        assert!(!serde_json::to_string(&config).unwrap().contains("mail-password"));
    }
}
