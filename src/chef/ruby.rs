//! knife's config.rb/knife.rb evaluated by Ruby, the way knife reads it:
//! a small Ruby program shipped inside galley, in the manner of Chef's
//! mixlib-config (settings are method calls, `knife[:key] = value`,
//! `Chef::Config[:key]`, `Chef::Config.from_file`, `current_dir`, unknown
//! settings accepted and ignored), run as a subprocess of the user's own
//! `ruby` with a deadline, printing back as JSON only the settings galley
//! uses.
//!
//! The file is code the operator wrote and knife already runs; galley runs
//! it only when it needs a Chef server (never for `--inventory` or `-m`),
//! with the user's own rights, and reads nothing else back.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long evaluating a config file may take.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// The settings galley reads, as config.rb names them (node_name before
/// client_name: the later wins when both are set).
pub const SETTINGS: [&str; 7] = [
    "chef_server_url",
    "node_name",
    "client_name",
    "client_key",
    "ssl_verify_mode",
    "trusted_certs_dir",
    "ssl_ca_file",
];

/// The `knife[...]` settings galley reads.
pub const KNIFE_SETTINGS: [&str; 3] = ["ssh_user", "ssh_attribute", "ssh_gateway"];

/// The evaluator. `$stdout` is the file's own output while it runs (it goes
/// to stderr), so that only the JSON line reaches galley.
const PROGRAM: &str = r##"
require 'json'
out = $stdout
$stdout = $stderr
path = File.expand_path(ARGV[0])

module GalleyConfig
  VALUES = {}
  KNIFE = {}
  def self.key(k) = k.to_s.sub(/=\z/, '')
end

# Whatever a config file names that galley does not know answers anything
# and holds nothing (Ohai::Config[...] = x, chefdk.generator.email = y).
class GalleyStub < BasicObject
  def method_missing(*) = self
  def respond_to_missing?(*) = true
  def [](*) = nil
  def []=(*args)
    nil
  end
  def to_s = ''
  def nil? = true
  def !
    true
  end
end
STUB = GalleyStub.new

class GalleyKnife
  def [](k) = GalleyConfig::KNIFE[GalleyConfig.key(k)]
  def []=(k, v)
    GalleyConfig::KNIFE[GalleyConfig.key(k)] = v
  end
  def method_missing(name, *args)
    k = GalleyConfig.key(name)
    args.empty? ? GalleyConfig::KNIFE[k] : (GalleyConfig::KNIFE[k] = args.first)
  end
  def respond_to_missing?(*) = true
end

# The context a config file runs in: every unknown method is a setting.
class GalleyContext
  KNIFE = GalleyKnife.new
  def knife = KNIFE
  def from_file(file) = instance_eval(File.read(file), file, 1)
  def [](k) = GalleyConfig::VALUES[GalleyConfig.key(k)]
  def []=(k, v)
    GalleyConfig::VALUES[GalleyConfig.key(k)] = v
  end
  def method_missing(name, *args, &block)
    k = GalleyConfig.key(name)
    if args.empty? && block.nil?
      GalleyConfig::VALUES.fetch(k) { STUB }
    else
      GalleyConfig::VALUES[k] = args.length == 1 ? args.first : args
    end
  end
  def respond_to_missing?(*) = true
end
CONTEXT = GalleyContext.new

module Chef
  class Config
    def self.method_missing(name, *args, &block) = CONTEXT.__send__(name, *args, &block)
    def self.respond_to_missing?(*) = true
    def self.[](k) = CONTEXT[k]
    def self.[]=(k, v)
      CONTEXT[k] = v
    end
  end
end
ChefConfig = Chef unless defined?(ChefConfig)

class Object
  def self.const_missing(_name) = STUB
end

module Kernel
  alias_method :galley_require, :require
  # A plugin the file loads (librarian, berkshelf) may not be installed
  # here; knife's own settings do not depend on it.
  def require(name)
    galley_require(name)
  rescue LoadError
    false
  end
end

begin
  CONTEXT.from_file(path)
rescue Exception => e
  where = (e.backtrace || []).find { |l| l.start_with?(path) }
  line = where && where.split(':')[1].to_i
  out.puts JSON.generate({ 'error' => "#{e.class}: #{e.message}", 'line' => line })
  exit 0
end

text = ->(v) { v.nil? || v.equal?(STUB) ? nil : v.to_s }
settings = {}
SETTING_NAMES.each { |k| settings[k] = text.(GalleyConfig::VALUES[k]) }
knife = {}
KNIFE_NAMES.each { |k| knife[k] = text.(GalleyConfig::KNIFE[k]) }
out.puts JSON.generate({ 'settings' => settings, 'knife' => knife })
"##;

/// What Ruby made of a config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Evaluated {
    /// Setting -> its value as text, when the file set it.
    #[serde(default)]
    pub settings: std::collections::BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub knife: std::collections::BTreeMap<String, Option<String>>,
    /// The file raised this (with the line, when Ruby knows it).
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub line: Option<usize>,
}

/// The `ruby` on PATH, if there is one.
pub fn find_ruby() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("ruby"))
        .find(|candidate| candidate.is_file())
}

/// Evaluates `file` with `ruby`, in galley's own environment (config files
/// read `HOME`, `USER` and their own variables).
pub fn evaluate(ruby: &Path, file: &Path) -> Result<Evaluated, String> {
    evaluate_with(ruby, file, &[])
}

/// Bytes kept of each of Ruby's streams.
const MAX_OUTPUT: u64 = 1 << 20;

/// How many of the file's last lines an error shows.
const SHOWN_LINES: usize = 5;

/// What the file (or Ruby) printed, its last lines, for an error: a file
/// that stops on purpose says why there (`puts "export
/// CHEF_ORGANIZATION"; exit!(1)`), as knife would show it. Masked, since a
/// config file may print a key or a URL with a token; the error's display
/// escapes control characters.
fn printed(said: &str) -> String {
    let lines: Vec<&str> = said.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let shown = &lines[lines.len().saturating_sub(SHOWN_LINES)..];
    let skipped = lines.len() - shown.len();
    let mut text = String::from("; it printed:");
    if skipped > 0 {
        text.push_str(&format!("\n  [{skipped} earlier lines]"));
    }
    for line in shown {
        text.push_str("\n  ");
        text.push_str(line);
    }
    crate::secrets::mask(&text)
}

/// Reads a child's pipe to its end on a thread of its own: the text, at
/// most [`MAX_OUTPUT`] bytes of it.
fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = (&mut pipe).take(MAX_OUTPUT).read_to_end(&mut text);
            let _ = std::io::copy(&mut pipe, &mut std::io::sink());
        }
        String::from_utf8_lossy(&text).into_owned()
    })
}

/// [`evaluate`] with these environment variables set for Ruby.
pub fn evaluate_with(ruby: &Path, file: &Path, envs: &[(&str, &str)]) -> Result<Evaluated, String> {
    let names = |list: &[&str]| {
        list.iter()
            .map(|s| format!("'{s}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let program = format!(
        "SETTING_NAMES = [{}]\nKNIFE_NAMES = [{}]\n{PROGRAM}",
        names(&SETTINGS),
        names(&KNIFE_SETTINGS)
    );
    let mut child = Command::new(ruby)
        .envs(envs.iter().copied())
        .arg("-e")
        .arg(program)
        .arg("--")
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", ruby.display()))?;
    // Both pipes are drained as the file runs, so a file that prints a lot
    // cannot block on a full pipe.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > DEADLINE => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "ruby did not finish reading it within {} s{}",
                    DEADLINE.as_secs(),
                    printed(&stderr.join().unwrap_or_default())
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("waiting for ruby: {e}")),
        }
    };
    let output = stdout.join().unwrap_or_default();
    let said = stderr.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("ruby exited with {status}{}", printed(&said)));
    }
    let last = output.lines().last().unwrap_or("");
    serde_json::from_str(last).map_err(|e| format!("ruby's answer is not readable: {e}"))
}
