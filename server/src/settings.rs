//! Loads the typed configuration: defaults, then an optional TOML file, then the
//! environment (`PORTAL_<KEY>`, plus `DATABASE_URL` and `RUST_LOG`).

use app::config::{PortalConfig, SETTINGS};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use std::path::Path;

pub fn load(file: Option<&Path>) -> Result<PortalConfig, Box<figment::Error>> {
    let mut figment = Figment::from(Serialized::defaults(PortalConfig::default()));
    if let Some(file) = file {
        if !file.exists() {
            return Err(Box::new(figment::Error::from(format!(
                "the configuration file {} does not exist",
                file.display()
            ))));
        }
        figment = figment.merge(Toml::file(file));
    }
    figment
        .merge(Env::raw().only(&["DATABASE_URL"]))
        .merge(Env::raw().only(&["RUST_LOG"]).map(|_| "log_filter".into()))
        .merge(Env::prefixed("PORTAL_").ignore(&["config_file"]))
        .extract()
        .map_err(Box::new)
}

/// The settings table printed after `--help` and copied into the README.
pub fn help_text() -> String {
    let mut text =
        String::from("Configuration (file given with --config, then environment variables, which win):\n");
    for setting in SETTINGS {
        text.push_str(&format!(
            "  {:<24} PORTAL_{:<24} default: {}\n      {}\n",
            setting.key,
            setting.key.to_ascii_uppercase(),
            setting.default,
            setting.help
        ));
    }
    text
}

#[cfg(test)]
// figment::Jail fixes the closures' error type to figment::Error, which is large.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use app::config::Mode;
    use figment::Jail;

    #[test]
    fn environment_overrides_file_overrides_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file("portal.toml", "listen_addr = \"0.0.0.0:8080\"\nsession_idle_minutes = 30\n")?;
            jail.set_env("PORTAL_SESSION_IDLE_MINUTES", "15");
            jail.set_env("DATABASE_URL", "postgres://postgres@127.0.0.1/portal");
            let config = load(Some(Path::new("portal.toml"))).expect("loads");
            assert_eq!(config.listen_addr, "0.0.0.0:8080");
            assert_eq!(config.session_idle_minutes, 15);
            assert_eq!(config.database_url, "postgres://postgres@127.0.0.1/portal");
            assert_eq!(config.mode, Mode::Development);
            Ok(())
        });
    }

    #[test]
    fn a_misspelt_setting_is_an_error_not_silence() {
        Jail::expect_with(|jail| {
            jail.set_env("PORTAL_SESION_SECRET", "x");
            assert!(load(None).is_err());
            Ok(())
        });
    }

    #[test]
    fn a_missing_file_is_an_error() {
        assert!(load(Some(Path::new("/nonexistent/portal.toml"))).is_err());
    }

    #[test]
    fn help_lists_every_setting() {
        let help = help_text();
        for setting in SETTINGS {
            assert!(help.contains(&format!("PORTAL_{}", setting.key.to_ascii_uppercase())));
        }
    }
}
