//! Where the Chef server settings come from, found the way knife finds them
//! (chef/chef chef-config/lib/chef-config/workstation_config_loader.rb and
//! mixin/credentials.rb):
//!
//! 1. `~/.chef/credentials` (TOML), the profile from `--profile`,
//!    `CHEF_PROFILE`, `~/.chef/context`, else `default`;
//! 2. one `config.rb` or `knife.rb` (`-c FILE`; `$KNIFE_HOME`; `.chef/` in
//!    the current folder and upward; `~/.chef/`), which overrides the
//!    credentials, as knife evaluates it after them;
//! 3. command-line flags, which override both.
//!
//! `config.rb` is Ruby; galley reads the common literal forms (`setting
//! "value"`, `'value'`, `:symbol`, `"#{current_dir}/x.pem"`,
//! `File.join(current_dir, "x.pem")`, `knife[:key] = "value"`). A setting
//! galley needs that is written as other Ruby is an error naming the file,
//! the line and the flag that overrides it; settings galley does not use are
//! ignored whatever their form.

use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Flag(&'static str),
    Credentials {
        path: PathBuf,
        profile: String,
    },
    /// Read from the file's text (galley's literal reader).
    ConfigFile {
        path: PathBuf,
        line: usize,
    },
    /// The file evaluated by Ruby, as knife evaluates it.
    Evaluated {
        path: PathBuf,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "{flag}"),
            Source::Credentials { path, profile } => write!(f, "{} [{profile}]", path.display()),
            Source::ConfigFile { path, line } => write!(f, "{}:{line}", path.display()),
            Source::Evaluated { path } => write!(f, "{} (evaluated by ruby)", path.display()),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// The client key: a file, or PEM text inline in the credentials file.
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    File(PathBuf),
    /// Never shown: `Debug` and `Display` hide it.
    Inline(String),
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::File(path) => write!(f, "{}", path.display()),
            KeySource::Inline(_) => f.write_str("(inline PEM, hidden)"),
        }
    }
}

/// `ssl_verify_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyMode {
    Peer,
    None,
}

/// The effective Chef settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChefConfig {
    pub profile: Option<Setting<String>>,
    pub config_file: Option<PathBuf>,
    pub server_url: Option<Setting<String>>,
    pub client_name: Option<Setting<String>>,
    pub client_key: Option<Setting<KeySource>>,
    pub ssl_verify_mode: Option<Setting<VerifyMode>>,
    pub trusted_certs_dir: Option<Setting<PathBuf>>,
    pub ssl_ca_file: Option<Setting<PathBuf>>,
    pub ssh_user: Option<Setting<String>>,
    pub ssh_attribute: Option<Setting<String>>,
    pub ssh_gateway: Option<Setting<String>>,
}

/// Everything the lookup depends on, so tests control it.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub home: PathBuf,
    pub cwd: PathBuf,
    pub knife_home: Option<PathBuf>,
    pub chef_profile_env: Option<String>,
    /// `-c FILE`.
    pub config_file: Option<PathBuf>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--server-url`.
    pub server_url: Option<String>,
    /// `-u/--user`.
    pub user: Option<String>,
    /// `-k/--key`.
    pub key: Option<PathBuf>,
    /// The `ruby` to evaluate config.rb with: set only when galley needs a
    /// Chef server and Ruby is installed; else the literal reader reads it.
    pub ruby: Option<PathBuf>,
}

/// Why the settings could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{}: not valid TOML: {reason}", path.display())]
    Toml { path: PathBuf, reason: String },
    #[error("{}: profile {profile:?} is not defined (profiles: {known})", path.display())]
    NoProfile {
        path: PathBuf,
        profile: String,
        known: String,
    },
    #[error("{}:{line}: {setting} is Ruby code galley cannot read without Ruby; write it as a string literal, pass {flag}, or install Ruby (it is wherever knife is) and galley evaluates the file as knife does", path.display())]
    Ruby {
        path: PathBuf,
        line: usize,
        setting: String,
        flag: &'static str,
    },
    #[error("{}{}: ruby could not evaluate it: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Evaluated {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
}

/// The settings galley reads from config.rb, with the flag that overrides each.
const RUBY_SETTINGS: [(&str, &str); 8] = [
    ("chef_server_url", "--server-url"),
    ("node_name", "--user"),
    ("client_name", "--user"),
    ("client_key", "--key"),
    (
        "ssl_verify_mode",
        "--server-url with https and a trusted certificate",
    ),
    ("trusted_certs_dir", "a trusted_certs_dir string"),
    ("ssl_ca_file", "an ssl_ca_file string"),
    ("knife", "the matching galley flag"),
];

pub fn load(inputs: &Inputs) -> Result<ChefConfig, ConfigError> {
    let mut config = ChefConfig {
        profile: profile(inputs)?,
        ..ChefConfig::default()
    };
    apply_credentials(&mut config, inputs)?;
    if let Some(file) = find_config_file(inputs) {
        apply_config_file(&mut config, &file, inputs)?;
        config.config_file = Some(file);
    }
    let flag = |value: &Option<String>, name: &'static str| {
        value.clone().map(|value| Setting {
            value,
            source: Source::Flag(name),
        })
    };
    if let Some(url) = flag(&inputs.server_url, "--server-url") {
        config.server_url = Some(url);
    }
    if let Some(user) = flag(&inputs.user, "--user") {
        config.client_name = Some(user);
    }
    if let Some(key) = &inputs.key {
        config.client_key = Some(Setting {
            value: KeySource::File(key.clone()),
            source: Source::Flag("--key"),
        });
    }
    Ok(config)
}

fn profile(inputs: &Inputs) -> Result<Option<Setting<String>>, ConfigError> {
    if let Some(p) = &inputs.profile {
        return Ok(Some(Setting {
            value: p.clone(),
            source: Source::Flag("--profile"),
        }));
    }
    if let Some(p) = inputs.chef_profile_env.as_ref().filter(|p| !p.is_empty()) {
        return Ok(Some(Setting {
            value: p.clone(),
            source: Source::Flag("CHEF_PROFILE"),
        }));
    }
    let context = inputs.home.join(".chef/context");
    if let Ok(text) = std::fs::read_to_string(&context) {
        let name = text.trim();
        if !name.is_empty() {
            return Ok(Some(Setting {
                value: name.to_string(),
                source: Source::ConfigFile {
                    path: context,
                    line: 1,
                },
            }));
        }
    }
    Ok(None)
}

fn expand_home(path: &str, home: &Path, relative_to: &Path) -> PathBuf {
    if let Some(rest) = path.strip_prefix("~/") {
        home.join(rest)
    } else if Path::new(path).is_absolute() {
        PathBuf::from(path)
    } else {
        relative_to.join(path)
    }
}

fn apply_credentials(config: &mut ChefConfig, inputs: &Inputs) -> Result<(), ConfigError> {
    let path = inputs.home.join(".chef/credentials");
    let Some(table) = read_credentials(&path)? else {
        return Ok(());
    };
    let explicit = config.profile.is_some();
    let name = config
        .profile
        .as_ref()
        .map_or("default".to_string(), |p| p.value.clone());
    let Some(toml::Value::Table(section)) = table.get(&name) else {
        if explicit {
            return Err(ConfigError::NoProfile {
                path,
                profile: name,
                known: table.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        }
        return Ok(());
    };
    let source = || Source::Credentials {
        path: path.clone(),
        profile: name.clone(),
    };
    let setting = |value: String| Setting {
        value,
        source: source(),
    };
    let string = |table: &toml::Table, key: &str| {
        table.get(key).and_then(|v| v.as_str()).map(str::to_string)
    };
    if let Some(url) = string(section, "chef_server_url") {
        config.server_url = Some(setting(url));
    }
    let client = string(section, "client_name").or_else(|| string(section, "node_name"));
    if let Some(client) = client {
        config.client_name = Some(setting(client));
    }
    if let Some(key) = string(section, "client_key") {
        let value = if key.trim_start().starts_with("-----BEGIN") {
            KeySource::Inline(key)
        } else {
            KeySource::File(expand_home(&key, &inputs.home, &inputs.home.join(".chef")))
        };
        config.client_key = Some(Setting {
            value,
            source: source(),
        });
    }
    if let Some(toml::Value::Table(knife)) = section.get("knife") {
        config.ssh_user = string(knife, "ssh_user").map(setting);
        config.ssh_attribute = string(knife, "ssh_attribute").map(setting);
        config.ssh_gateway = string(knife, "ssh_gateway").map(setting);
    }
    Ok(())
}

/// `~/.chef/credentials` as TOML; None when there is none.
fn read_credentials(path: &Path) -> Result<Option<toml::Table>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        }
    };
    text.parse()
        .map(Some)
        .map_err(|e: toml::de::Error| ConfigError::Toml {
            path: path.to_path_buf(),
            reason: e.message().to_string(),
        })
}

/// knife's lookup: `-c`, `$KNIFE_HOME`, `.chef/` here and upward, `~/.chef/`;
/// in each folder config.rb before knife.rb.
pub fn find_config_file(inputs: &Inputs) -> Option<PathBuf> {
    if let Some(file) = &inputs.config_file {
        return Some(file.clone());
    }
    let in_dir = |dir: &Path| {
        ["config.rb", "knife.rb"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file())
    };
    if let Some(found) = inputs.knife_home.as_deref().and_then(in_dir) {
        return Some(found);
    }
    for dir in inputs.cwd.ancestors() {
        if let Some(found) = in_dir(&dir.join(".chef")) {
            return Some(found);
        }
    }
    in_dir(&inputs.home.join(".chef"))
}

fn apply_config_file(
    config: &mut ChefConfig,
    path: &Path,
    inputs: &Inputs,
) -> Result<(), ConfigError> {
    match &inputs.ruby {
        Some(ruby) => apply_evaluated(config, path, ruby, inputs),
        None => apply_literals(config, path, inputs),
    }
}

/// The settings Ruby reads from the file, as knife would.
fn apply_evaluated(
    config: &mut ChefConfig,
    path: &Path,
    ruby: &Path,
    inputs: &Inputs,
) -> Result<(), ConfigError> {
    let failed = |line, message| ConfigError::Evaluated {
        path: path.to_path_buf(),
        line,
        message,
    };
    let evaluated = super::ruby::evaluate(ruby, path).map_err(|why| failed(None, why))?;
    if let Some(error) = evaluated.error {
        return Err(failed(evaluated.line, error));
    }
    let source = Source::Evaluated {
        path: path.to_path_buf(),
    };
    let dir = absolute_dir(path);
    // In ruby::SETTINGS's order: node_name before client_name, so
    // client_name wins when both are set.
    let settings = super::ruby::SETTINGS
        .iter()
        .map(|name| (name.to_string(), evaluated.settings.get(*name)));
    let knife = super::ruby::KNIFE_SETTINGS
        .iter()
        .map(|name| (format!("knife:{name}"), evaluated.knife.get(*name)));
    for (name, value) in settings.chain(knife) {
        let Some(Some(value)) = value else { continue };
        set(config, &name, value, source.clone(), &dir, &inputs.home).map_err(|()| {
            failed(
                None,
                format!(
                    "{name} is {:?}, not :verify_peer or :verify_none",
                    value.trim_start_matches(':')
                ),
            )
        })?;
    }
    Ok(())
}

/// The folder of `path`, absolute, so that `#{current_dir}/key.pem` from
/// `-c .chef/knife.rb` is not read relative to .chef twice.
fn absolute_dir(path: &Path) -> PathBuf {
    std::path::absolute(path.parent().unwrap_or(Path::new(".")))
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// Sets one of the config file's settings galley uses, named as the file
/// names it (`knife[:ssh_user]` as `knife:ssh_user`); paths are resolved
/// against `dir` and `~`. Err: the value is not one the setting takes
/// (ssl_verify_mode).
fn set(
    config: &mut ChefConfig,
    name: &str,
    value: &str,
    source: Source,
    dir: &Path,
    home: &Path,
) -> Result<(), ()> {
    let text = |source| {
        Some(Setting {
            value: value.to_string(),
            source,
        })
    };
    let path = |source| {
        Some(Setting {
            value: expand_home(value, home, dir),
            source,
        })
    };
    match name {
        "chef_server_url" => config.server_url = text(source),
        "node_name" | "client_name" => config.client_name = text(source),
        "client_key" => {
            config.client_key = Some(Setting {
                value: KeySource::File(expand_home(value, home, dir)),
                source,
            })
        }
        "trusted_certs_dir" => config.trusted_certs_dir = path(source),
        "ssl_ca_file" => config.ssl_ca_file = path(source),
        "ssl_verify_mode" => {
            let mode = match value.trim_start_matches(':') {
                "verify_none" => VerifyMode::None,
                "verify_peer" => VerifyMode::Peer,
                _ => return Err(()),
            };
            config.ssl_verify_mode = Some(Setting {
                value: mode,
                source,
            });
        }
        "knife:ssh_user" => config.ssh_user = text(source),
        "knife:ssh_attribute" => config.ssh_attribute = text(source),
        "knife:ssh_gateway" => config.ssh_gateway = text(source),
        _ => {}
    }
    Ok(())
}

/// The settings galley reads from the file's text, in the common literal
/// forms.
fn apply_literals(
    config: &mut ChefConfig,
    path: &Path,
    inputs: &Inputs,
) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let dir = absolute_dir(path);
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split(" #").next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let source = || Source::ConfigFile {
            path: path.to_path_buf(),
            line: i + 1,
        };
        let ruby = |setting: &str, flag: &'static str| ConfigError::Ruby {
            path: path.to_path_buf(),
            line: i + 1,
            setting: setting.to_string(),
            flag,
        };
        // knife[:ssh_user] = "value"
        if let Some(rest) = line.strip_prefix("knife[:") {
            let Some((key, value)) = rest.split_once(']') else {
                continue;
            };
            let value = value.trim().trim_start_matches('=').trim();
            if !super::ruby::KNIFE_SETTINGS.contains(&key) {
                continue;
            }
            let value = literal(value, &dir, inputs)
                .ok_or_else(|| ruby(&format!("knife[:{key}]"), "the matching galley flag"))?;
            let _ = set(
                config,
                &format!("knife:{key}"),
                &value,
                source(),
                &dir,
                &inputs.home,
            );
            continue;
        }
        // `setting value`, `setting(value)` or `setting = value`.
        let name_end = line
            .find(|c: char| c.is_whitespace() || c == '(' || c == '=')
            .unwrap_or(line.len());
        let (setting, rest) = line.split_at(name_end);
        let rest = rest.trim_start();
        let value = match rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            Some(inner) => inner.trim(),
            None => rest.strip_prefix('=').unwrap_or(rest).trim(),
        };
        let Some(&(_, flag)) = RUBY_SETTINGS.iter().find(|(name, _)| *name == setting) else {
            continue;
        };
        // ssl_verify_mode takes a symbol as it is; the others a literal.
        let value = if setting == "ssl_verify_mode" {
            value.to_string()
        } else {
            literal(value, &dir, inputs).ok_or_else(|| ruby(setting, flag))?
        };
        set(config, setting, &value, source(), &dir, &inputs.home)
            .map_err(|()| ruby(setting, flag))?;
    }
    Ok(())
}

/// The value of a Ruby literal galley understands, or None.
fn literal(value: &str, dir: &Path, inputs: &Inputs) -> Option<String> {
    let value = value.trim();
    if let Some(args) = value
        .strip_prefix("File.join(")
        .and_then(|v| v.strip_suffix(')'))
    {
        let parts: Option<Vec<String>> = args.split(',').map(|p| literal(p, dir, inputs)).collect();
        return Some(parts?.join("/"));
    }
    if value == "current_dir" || value == "File.dirname(__FILE__)" {
        return Some(dir.display().to_string());
    }
    if let Some(sym) = value.strip_prefix(':') {
        return sym
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_')
            .then(|| sym.to_string());
    }
    if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return (!inner.contains('\'')).then(|| inner.to_string());
    }
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut rest = inner;
    while let Some(start) = rest.find("#{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}')? + start;
        let expr = rest[start + 2..end].trim();
        let expanded = match expr {
            "current_dir" | "File.dirname(__FILE__)" => dir.display().to_string(),
            "ENV['HOME']" | "ENV[\"HOME\"]" | "Dir.home" => inputs.home.display().to_string(),
            _ => return None,
        };
        out.push_str(&expanded);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    (!out.contains('"')).then_some(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(files: &[(&str, &str)]) -> (tempfile::TempDir, Inputs) {
        let root = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = root.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let inputs = Inputs {
            home: root.path().join("home"),
            cwd: root.path().join("repo/sub"),
            ..Inputs::default()
        };
        std::fs::create_dir_all(&inputs.cwd).unwrap();
        (root, inputs)
    }

    const CREDENTIALS: &str = "[default]\nclient_name = \"alice\"\nclient_key = \"alice.pem\"\nchef_server_url = \"https://chef.example.com/organizations/acme\"\n\n[prod]\nclient_name = \"deploy\"\nclient_key = \"\"\"\n-----BEGIN RSA PRIVATE KEY-----\nMIIsecret\n-----END RSA PRIVATE KEY-----\n\"\"\"\nchef_server_url = \"https://chef-prod.example.com/organizations/acme\"\n[prod.knife]\nssh_user = \"ops\"\n";

    #[test]
    fn credentials_profiles_in_knifes_order() {
        let (_root, mut inputs) = setup(&[("home/.chef/credentials", CREDENTIALS)]);
        let c = load(&inputs).unwrap();
        assert_eq!(c.client_name.as_ref().unwrap().value, "alice");
        assert_eq!(
            c.client_key.as_ref().unwrap().value,
            KeySource::File(inputs.home.join(".chef/alice.pem"))
        );
        inputs.chef_profile_env = Some("prod".into());
        let c = load(&inputs).unwrap();
        assert_eq!(c.client_name.as_ref().unwrap().value, "deploy");
        assert!(matches!(
            c.client_key.as_ref().unwrap().value,
            KeySource::Inline(_)
        ));
        assert_eq!(c.ssh_user.as_ref().unwrap().value, "ops");
        assert!(
            !format!("{c:?}").contains("MIIsecret"),
            "the inline key never shows"
        );
        inputs.profile = Some("default".into());
        assert_eq!(
            load(&inputs).unwrap().client_name.unwrap().value,
            "alice",
            "--profile beats CHEF_PROFILE"
        );
        inputs.profile = Some("staging".into());
        let err = load(&inputs).unwrap_err();
        assert!(
            err.to_string()
                .contains("profile \"staging\" is not defined (profiles: default, prod)"),
            "{err}"
        );
    }

    #[test]
    fn the_context_file_picks_the_profile() {
        let (_root, inputs) = setup(&[
            ("home/.chef/credentials", CREDENTIALS),
            ("home/.chef/context", "prod\n"),
        ]);
        assert_eq!(load(&inputs).unwrap().client_name.unwrap().value, "deploy");
    }

    #[test]
    fn config_rb_overrides_credentials_and_flags_override_both() {
        let knife = "current_dir = File.dirname(__FILE__)\nlog_level :info\nnode_name \"bob\"\nclient_key \"#{current_dir}/bob.pem\"\nchef_server_url 'https://chef.internal/organizations/acme'\nssl_verify_mode :verify_none\ntrusted_certs_dir File.join(current_dir, \"trusted_certs\")\nknife[:ssh_user] = \"ubuntu\"\nknife[:ssh_attribute] = 'ipaddress'\ncookbook_path [\"#{current_dir}/../cookbooks\"]\n";
        let (root, mut inputs) = setup(&[
            ("home/.chef/credentials", CREDENTIALS),
            ("repo/.chef/config.rb", knife),
        ]);
        let c = load(&inputs).unwrap();
        let chef = root.path().join("repo/.chef");
        assert_eq!(
            c.config_file.as_deref(),
            Some(chef.join("config.rb").as_path())
        );
        assert_eq!(c.client_name.as_ref().unwrap().value, "bob");
        assert_eq!(
            c.client_name.as_ref().unwrap().source.to_string(),
            format!("{}:3", chef.join("config.rb").display())
        );
        assert_eq!(
            c.client_key.as_ref().unwrap().value,
            KeySource::File(chef.join("bob.pem"))
        );
        assert_eq!(
            c.server_url.as_ref().unwrap().value,
            "https://chef.internal/organizations/acme"
        );
        assert_eq!(c.ssl_verify_mode.as_ref().unwrap().value, VerifyMode::None);
        assert_eq!(
            c.trusted_certs_dir.as_ref().unwrap().value,
            chef.join("trusted_certs")
        );
        assert_eq!(c.ssh_user.as_ref().unwrap().value, "ubuntu");
        assert_eq!(c.ssh_attribute.as_ref().unwrap().value, "ipaddress");
        inputs.user = Some("carol".into());
        inputs.server_url = Some("https://other/organizations/x".into());
        let c = load(&inputs).unwrap();
        assert_eq!(c.client_name.unwrap().source, Source::Flag("--user"));
        assert_eq!(c.server_url.unwrap().value, "https://other/organizations/x");
    }

    #[test]
    fn lookup_order_is_knifes() {
        let (root, mut inputs) = setup(&[
            ("home/.chef/knife.rb", "node_name 'home'\n"),
            ("repo/.chef/knife.rb", "node_name 'repo-knife'\n"),
            ("repo/.chef/config.rb", "node_name 'repo-config'\n"),
            ("kh/knife.rb", "node_name 'knife-home'\n"),
        ]);
        assert_eq!(
            load(&inputs).unwrap().client_name.unwrap().value,
            "repo-config"
        );
        inputs.knife_home = Some(root.path().join("kh"));
        assert_eq!(
            load(&inputs).unwrap().client_name.unwrap().value,
            "knife-home"
        );
        inputs.knife_home = None;
        inputs.cwd = root.path().to_path_buf();
        assert_eq!(load(&inputs).unwrap().client_name.unwrap().value, "home");
    }

    #[test]
    fn ruby_galley_cannot_evaluate_names_the_line_and_the_flag() {
        let (root, inputs) = setup(&[(
            "repo/.chef/config.rb",
            "log_level :info\nchef_server_url \"https://#{ENV['CHEF_HOST']}/organizations/acme\"\n",
        )]);
        let err = load(&inputs).unwrap_err();
        let path = root.path().join("repo/.chef/config.rb");
        assert_eq!(
            err.to_string(),
            format!("{}:2: chef_server_url is Ruby code galley cannot read without Ruby; write it as a string literal, pass --server-url, or install Ruby (it is wherever knife is) and galley evaluates the file as knife does", path.display())
        );
    }
}
