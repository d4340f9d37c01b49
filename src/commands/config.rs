//! `galley config`: the Chef server settings in effect and where each came
//! from. The key is named by its file, never shown.

use serde_json::{json, Value};

use crate::chef::config::{key_warnings, ChefConfig, Setting, VerifyMode};
use crate::cli::{ConfigArgs, Format};
use crate::config::chef_settings;
use crate::error::Error;
use crate::exit;
use crate::report::human::table;

fn rows(config: &ChefConfig) -> Vec<(&'static str, Option<(String, String)>)> {
    fn show<T>(
        setting: &Option<Setting<T>>,
        value: impl Fn(&T) -> String,
    ) -> Option<(String, String)> {
        setting
            .as_ref()
            .map(|s| (value(&s.value), s.source.to_string()))
    }
    vec![
        ("profile", show(&config.profile, String::clone)),
        (
            "config_file",
            config
                .config_file
                .as_ref()
                .map(|p| (p.display().to_string(), "knife's lookup or -c".to_string())),
        ),
        // A password in the URL (https://user:PASS@...) is never shown.
        (
            "chef_server_url",
            show(&config.server_url, |url| crate::secrets::mask(url)),
        ),
        ("client_name", show(&config.client_name, String::clone)),
        ("client_key", show(&config.client_key, |k| k.to_string())),
        (
            "ssl_verify_mode",
            show(&config.ssl_verify_mode, |m| {
                match m {
                    VerifyMode::Peer => "verify_peer",
                    VerifyMode::None => "verify_none",
                }
                .to_string()
            }),
        ),
        (
            "trusted_certs_dir",
            show(&config.trusted_certs_dir, |p| p.display().to_string()),
        ),
        (
            "ssl_ca_file",
            show(&config.ssl_ca_file, |p| p.display().to_string()),
        ),
        ("knife[:ssh_user]", show(&config.ssh_user, String::clone)),
        (
            "knife[:ssh_attribute]",
            show(&config.ssh_attribute, String::clone),
        ),
        (
            "knife[:ssh_gateway]",
            show(&config.ssh_gateway, String::clone),
        ),
    ]
}

pub fn run(args: &ConfigArgs) -> Result<u8, Error> {
    let config = chef_settings(&args.chef, true)?;
    let rows = rows(&config);
    let text = match args.format {
        Format::Table => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|(name, found)| match found {
                    Some((value, source)) => vec![name.to_string(), value.clone(), source.clone()],
                    None => vec![name.to_string(), "-".into(), "not set".into()],
                })
                .collect();
            table(&["SETTING", "VALUE", "FROM"], &cells)
        }
        Format::Json => {
            let map: serde_json::Map<String, Value> = rows
                .iter()
                .map(|(name, found)| {
                    let v = match found {
                        Some((value, source)) => json!({"value": value, "from": source}),
                        None => Value::Null,
                    };
                    (name.to_string(), v)
                })
                .collect();
            serde_json::to_string_pretty(&map).expect("settings serialize") + "\n"
        }
    };
    crate::terminal::output(&text, args.format == Format::Json)?;
    for warning in key_warnings(&config) {
        crate::terminal::message(&format!("galley: warning: {warning}"));
    }
    Ok(exit::OK)
}
