//! `%` tokens and `${VAR}` in ssh_config values, as OpenSSH expands them
//! (percent_expand, percent_dollar_expand in misc.c; the tokens each
//! keyword accepts are in ssh_config(5), TOKENS). An unknown token is an
//! error, as in OpenSSH.

use std::path::Path;

/// The values tokens stand for, for one connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tokens {
    /// `%h`: the host name connected to (after HostName).
    pub(crate) host: String,
    /// `%n`: the name as given (the node's address).
    pub(crate) original: String,
    /// `%p`.
    pub(crate) port: u16,
    /// `%r`: the remote user.
    pub(crate) user: String,
    /// `%u`: the local user.
    pub(crate) local_user: String,
    /// `%d`.
    pub(crate) home: String,
    /// `%i`.
    pub(crate) uid: u32,
    /// `%k`: HostKeyAlias, else the name as given.
    pub(crate) key_alias: String,
    /// `%l`: this machine's name; `%L` is its first label.
    pub(crate) this_host: String,
}

/// The tokens most keywords accept (sshconnect.h's
/// DEFAULT_CLIENT_PERCENT_EXPAND_ARGS).
pub(crate) const DEFAULT: &str = "CLiklnpdhru";
/// ProxyCommand's (sshconnect.c, expand_proxy_command).
pub(crate) const PROXY_COMMAND: &str = "hnpr";

impl Tokens {
    /// `%X` for each X in `allowed`; `%%` is `%`.
    pub(crate) fn expand(&self, value: &str, allowed: &str) -> Result<String, String> {
        let mut out = String::with_capacity(value.len());
        let mut chars = value.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let token = chars
                .next()
                .ok_or_else(|| format!("{value:?}: a lone % at the end"))?;
            if token == '%' {
                out.push('%');
                continue;
            }
            if !allowed.contains(token) {
                return Err(format!("{value:?}: unknown token %{token}"));
            }
            match token {
                'C' => out.push_str(&self.connection_hash()),
                'L' => out.push_str(self.this_host.split('.').next().unwrap_or("")),
                'i' => out.push_str(&self.uid.to_string()),
                'k' => out.push_str(&self.key_alias),
                'l' => out.push_str(&self.this_host),
                'n' => out.push_str(&self.original),
                'p' => out.push_str(&self.port.to_string()),
                'd' => out.push_str(&self.home),
                'h' => out.push_str(&self.host),
                'r' => out.push_str(&self.user),
                'u' => out.push_str(&self.local_user),
                _ => unreachable!("every allowed token is handled"),
            }
        }
        Ok(out)
    }

    /// `~` and tokens, then `${VAR}` (a path: IdentityFile,
    /// UserKnownHostsFile).
    pub(crate) fn path(&self, value: &str) -> Result<String, String> {
        let value = tilde(value, Path::new(&self.home));
        let value = self.expand(&value, DEFAULT)?;
        dollar(&value)
    }

    /// `%C`: the SHA-1 of `%l%h%p%r`, in hex.
    fn connection_hash(&self) -> String {
        let text = format!("{}{}{}{}", self.this_host, self.host, self.port, self.user);
        openssl::sha::sha1(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// `~/` and a lone `~` to the home folder.
pub(crate) fn tilde(path: &str, home: &Path) -> String {
    match path.strip_prefix("~/") {
        Some(rest) => home.join(rest).display().to_string(),
        None if path == "~" => home.display().to_string(),
        None => path.to_string(),
    }
}

/// `${VAR}` from the environment; an unset variable is an error, as in
/// OpenSSH.
fn dollar(value: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("{value:?}: unterminated ${{"))?;
        let name = &after[..end];
        let var = std::env::var(name)
            .map_err(|_| format!("{value:?}: environment variable {name} is not set"))?;
        out.push_str(&var);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// This machine's name, as gethostname(2) gives it.
pub(crate) fn this_host() -> String {
    crate::sys::host_name()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        Tokens {
            host: "web-01.example.com".into(),
            original: "web-01".into(),
            port: 2222,
            user: "deploy".into(),
            local_user: "me".into(),
            home: "/home/me".into(),
            uid: 1000,
            key_alias: "web-01".into(),
            this_host: "laptop.local".into(),
        }
    }

    #[test]
    fn tokens_expand_and_unknown_ones_are_errors() {
        let t = tokens();
        assert_eq!(
            t.expand("nc %h %p %r %n %%", PROXY_COMMAND).unwrap(),
            "nc web-01.example.com 2222 deploy web-01 %"
        );
        assert_eq!(
            t.expand("%L-%l-%i", DEFAULT).unwrap(),
            "laptop-laptop.local-1000"
        );
        assert!(t
            .expand("%u", PROXY_COMMAND)
            .unwrap_err()
            .contains("unknown token %u"));
        assert!(t.expand("50%", DEFAULT).is_err());
        assert_eq!(t.path("~/.ssh/id_%r").unwrap(), "/home/me/.ssh/id_deploy");
    }
}
