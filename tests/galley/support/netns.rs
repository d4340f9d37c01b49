//! Network namespaces a test makes (and deletes when dropped), so that
//! traffic beyond loopback stays inside them.

use std::process::Command;

use super::require;

/// Network namespaces made for a test, deleted when dropped.
pub struct Netns {
    pub names: Vec<String>,
}

impl Netns {
    /// Runs `ip ARGS`, failing the test with the output when it fails.
    pub fn ip(args: &[&str]) {
        require("/usr/sbin/ip", "iproute2");
        let out = Command::new("ip").args(args).output().expect("ip runs");
        assert!(
            out.status.success(),
            "ip {} failed (the tests need root for network namespaces): {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Three namespaces in a row: a client (where galley runs), a bastion
    /// the client reaches at `10.231.N.2`, and a target at `10.232.N.2` that
    /// only the bastion can reach. The client has no other route at all, so
    /// a direct attempt fails at once and no packet leaves the namespaces.
    /// Returns the namespaces (client, bastion, target) and the two addresses.
    pub fn bastion_and_target() -> (Netns, String, String) {
        let n = std::process::id() % 250 + 1;
        let names = [
            format!("galley-c{n}"),
            format!("galley-b{n}"),
            format!("galley-t{n}"),
        ];
        for name in &names {
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
        let [c, b, t] = names.clone();
        let netns = Netns {
            names: names.to_vec(),
        };
        for name in &names {
            Netns::ip(&["netns", "add", name]);
            Netns::ip(&["-n", name, "link", "set", "lo", "up"]);
        }
        let link = |from: &str, to: &str, from_if: &str, to_if: &str, net: &str| {
            Netns::ip(&[
                "-n", from, "link", "add", from_if, "type", "veth", "peer", "name", to_if,
            ]);
            Netns::ip(&["-n", from, "link", "set", to_if, "netns", to]);
            Netns::ip(&[
                "-n",
                from,
                "addr",
                "add",
                &format!("{net}.1/30"),
                "dev",
                from_if,
            ]);
            Netns::ip(&[
                "-n",
                to,
                "addr",
                "add",
                &format!("{net}.2/30"),
                "dev",
                to_if,
            ]);
            Netns::ip(&["-n", from, "link", "set", from_if, "up"]);
            Netns::ip(&["-n", to, "link", "set", to_if, "up"]);
        };
        link(&c, &b, "gvc", "gvb", &format!("10.231.{n}"));
        link(&b, &t, "gvx", "gvt", &format!("10.232.{n}"));
        (netns, format!("10.231.{n}.2"), format!("10.232.{n}.2"))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for name in &self.names {
            let _ = Command::new("ip").args(["netns", "del", name]).output();
        }
    }
}
