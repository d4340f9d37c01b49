//! Which algorithms galley offers: OpenSSH 9.2's client defaults (no CBC
//! ciphers, no SHA-1 key exchange, no `ssh-rsa` or `ssh-dss` host keys),
//! or ssh_config's `Ciphers`, `KexAlgorithms`, `MACs` and
//! `HostKeyAlgorithms` with their `+` (append), `-` (remove), `^`
//! (prepend) and pattern forms, assembled as OpenSSH's
//! `kex_assemble_names` assembles them. libssh2 then drops the names it
//! does not implement; a list with none left is an error before any host.

use ssh2::{MethodType, Session};

use super::config::Algorithms;

/// OpenSSH 9.2's defaults (`ssh -G`) and everything it knows (`ssh -Q`).
const CIPHERS: (&str, &str) = (
    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
    "3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com",
);
const MACS: (&str, &str) = (
    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1",
    "hmac-sha1,hmac-sha1-96,hmac-sha2-256,hmac-sha2-512,hmac-md5,hmac-md5-96,umac-64@openssh.com,umac-128@openssh.com,hmac-sha1-etm@openssh.com,hmac-sha1-96-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-md5-etm@openssh.com,hmac-md5-96-etm@openssh.com,umac-64-etm@openssh.com,umac-128-etm@openssh.com",
);
const KEX: (&str, &str) = (
    "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group14-sha256",
    "diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp256,ecdh-sha2-nistp384,ecdh-sha2-nistp521,curve25519-sha256,curve25519-sha256@libssh.org,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com",
);
const HOST_KEYS: (&str, &str) = (
    "ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
    "ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,ecdsa-sha2-nistp256,ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384,ecdsa-sha2-nistp384-cert-v01@openssh.com,ecdsa-sha2-nistp521,ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ecdsa-sha2-nistp256@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss,ssh-dss-cert-v01@openssh.com,ssh-rsa,ssh-rsa-cert-v01@openssh.com,rsa-sha2-256,rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-512,rsa-sha2-512-cert-v01@openssh.com",
);

/// The lists a connection offers, as OpenSSH would (before libssh2 drops
/// what it lacks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub ciphers: String,
    pub macs: String,
    pub kex: String,
    pub host_keys: String,
}

impl Default for Preferences {
    fn default() -> Preferences {
        Preferences {
            ciphers: CIPHERS.0.into(),
            macs: MACS.0.into(),
            kex: KEX.0.into(),
            host_keys: HOST_KEYS.0.into(),
        }
    }
}

impl Preferences {
    /// From ssh_config's lists (absent: the defaults).
    pub(crate) fn resolve(config: &Algorithms) -> Result<Preferences, String> {
        let one =
            |written: &Option<String>, (default, all): (&str, &str), keyword: &str| match written {
                None => Ok(default.to_string()),
                Some(list) => assemble(list, default, all)
                    .ok_or_else(|| format!("{keyword} {list}: no algorithm OpenSSH knows")),
            };
        Ok(Preferences {
            ciphers: one(&config.ciphers, CIPHERS, "Ciphers")?,
            macs: one(&config.macs, MACS, "MACs")?,
            kex: one(&config.kex, KEX, "KexAlgorithms")?,
            host_keys: one(&config.host_key, HOST_KEYS, "HostKeyAlgorithms")?,
        })
    }

    /// The same lists with the host key algorithms for these key types
    /// (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`) first, in their
    /// order, as OpenSSH orders them for a host it already knows.
    pub(crate) fn preferring_host_keys(&self, key_types: &[String]) -> Preferences {
        if key_types.is_empty() {
            return self.clone();
        }
        let key_type = |algorithm: &str| -> String {
            let plain = algorithm.replace("-cert-v01@openssh.com", "");
            match plain.as_str() {
                "rsa-sha2-512" | "rsa-sha2-256" => "ssh-rsa".to_string(),
                _ => plain,
            }
        };
        let (known, rest): (Vec<&str>, Vec<&str>) = self
            .host_keys
            .split(',')
            .partition(|a| key_types.contains(&key_type(a)));
        Preferences {
            host_keys: known.into_iter().chain(rest).collect::<Vec<_>>().join(","),
            ..self.clone()
        }
    }

    /// Sets the lists on a session before its handshake; libssh2 drops
    /// names it does not implement and fails a list left empty.
    pub(crate) fn apply(&self, session: &Session) -> Result<(), String> {
        let lists = [
            (MethodType::Kex, &self.kex, "key exchange"),
            (MethodType::HostKey, &self.host_keys, "host key"),
            (MethodType::CryptCs, &self.ciphers, "cipher"),
            (MethodType::CryptSc, &self.ciphers, "cipher"),
            (MethodType::MacCs, &self.macs, "MAC"),
            (MethodType::MacSc, &self.macs, "MAC"),
        ];
        for (method, list, what) in lists {
            session
                .method_pref(method, list)
                .map_err(|_| format!("galley implements no {what} algorithm of {list}"))?;
        }
        Ok(())
    }
}

/// OpenSSH's kex_assemble_names.
fn assemble(list: &str, default: &str, all: &str) -> Option<String> {
    let list = if let Some(rest) = list.strip_prefix('+') {
        cat(default, rest)
    } else if let Some(rest) = list.strip_prefix('-') {
        let kept: Vec<&str> = default
            .split(',')
            .filter(|name| {
                !rest
                    .split(',')
                    .any(|p| super::config::pattern_matches(name, p))
            })
            .collect();
        return Some(kept.join(","));
    } else if let Some(rest) = list.strip_prefix('^') {
        cat(rest, default)
    } else {
        list.to_string()
    };
    let mut out = String::new();
    for pattern in list.split(',') {
        if pattern.starts_with('!') {
            return None;
        }
        let matching: Vec<&str> = all
            .split(',')
            .filter(|name| super::config::pattern_matches(name, pattern))
            .collect();
        out = cat(&out, &matching.join(","));
    }
    (!out.is_empty()).then_some(out)
}

/// `a`, then the names of `b` not already in it.
fn cat(a: &str, b: &str) -> String {
    let mut names: Vec<&str> = a.split(',').filter(|n| !n.is_empty()).collect();
    for name in b.split(',').filter(|n| !n.is_empty()) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_assemble_as_openssh_assembles_them() {
        let (default, all) = CIPHERS;
        assert_eq!(
            assemble("+aes128-cbc", default, all).unwrap(),
            format!("{default},aes128-cbc")
        );
        assert_eq!(
            assemble("-chacha*,aes1*", default, all).unwrap(),
            "aes256-ctr,aes256-gcm@openssh.com"
        );
        assert_eq!(
            assemble("^aes256-gcm@openssh.com", default, all).unwrap(),
            "aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com"
        );
        assert_eq!(
            assemble("aes*-ctr", default, all).unwrap(),
            "aes128-ctr,aes192-ctr,aes256-ctr"
        );
        assert_eq!(assemble("nonesuch", default, all), None);
        assert!(!default.contains("cbc"), "no CBC cipher by default");
        assert!(!HOST_KEYS
            .0
            .split(',')
            .any(|k| k == "ssh-rsa" || k == "ssh-dss"));
    }
}
