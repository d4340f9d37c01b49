//! `galley config`: the Chef server settings in effect and where each came
//! from. The key is named by its file, never shown.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::chef::config::{self, ChefConfig, Inputs, KeySource, Setting, VerifyMode};
use crate::cli::{ChefArgs, ConfigArgs, Format};
use crate::error::{output_result, Error};
use crate::exit;
use crate::report::human::table;

/// Reads the settings as knife would, with the flags on top.
pub fn chef_config(args: &ChefArgs) -> Result<ChefConfig, Error> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"));
    let inputs = Inputs {
        home,
        cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        knife_home: std::env::var_os("KNIFE_HOME").map(PathBuf::from),
        chef_profile_env: std::env::var("CHEF_PROFILE").ok(),
        config_file: args.config_file.clone(),
        profile: args.profile.clone(),
        server_url: args.server_url.clone(),
        user: args.user.clone(),
        key: args.key.clone(),
    };
    config::load(&inputs).map_err(Error::setup)
}

/// Problems with the key that do not stop galley from reading settings.
pub fn key_warnings(config: &ChefConfig) -> Vec<String> {
    let Some(Setting {
        value: KeySource::File(path),
        ..
    }) = &config.client_key
    else {
        return Vec::new();
    };
    match std::fs::metadata(path) {
        Err(e) => vec![format!("client key {}: {e}", path.display())],
        Ok(meta) if meta.permissions().mode() & 0o077 != 0 => vec![format!(
            "client key {} can be read by group or others (mode {:o}): chmod 600 it",
            path.display(),
            meta.permissions().mode() & 0o777
        )],
        Ok(_) => Vec::new(),
    }
}

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
        ("chef_server_url", show(&config.server_url, String::clone)),
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
    let config = chef_config(&args.chef)?;
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
    output_result(std::io::stdout().lock().write_all(text.as_bytes()))?;
    for warning in key_warnings(&config) {
        eprintln!("galley: warning: {warning}");
    }
    Ok(exit::OK)
}
