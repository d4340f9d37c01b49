//! Value types for command-line flags, each owning its parsing.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A duration written `500ms`, `10s`, `5m`, `2h` or a plain number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

impl FromStr for Dur {
    type Err = String;

    fn from_str(s: &str) -> Result<Dur, String> {
        let s = s.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (number, unit) = s.split_at(split);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("{s:?} is not a duration: write 500ms, 10s, 5m or 2h"))?;
        let seconds = match unit {
            "ms" => value / 1000.0,
            "" | "s" => value,
            "m" => value * 60.0,
            "h" => value * 3600.0,
            _ => {
                return Err(format!(
                    "{s:?} has an unknown unit {unit:?}: use ms, s, m or h"
                ))
            }
        };
        if !(seconds > 0.0 && seconds.is_finite()) {
            return Err(format!("{s:?} must be more than zero"));
        }
        Ok(Dur(Duration::from_secs_f64(seconds)))
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::ssh::seconds(self.0))
    }
}

/// A size in bytes: `1048576`, `64k`, `1M`, `1G` (powers of 1024).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes(pub usize);

impl FromStr for Bytes {
    type Err = String;

    fn from_str(s: &str) -> Result<Bytes, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (number, unit) = s.split_at(split);
        let value: usize = number
            .parse()
            .map_err(|_| format!("{s:?} is not a size: write 65536, 64k, 1M or 1G"))?;
        let scale: usize = match unit.to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" | "kib" => 1 << 10,
            "m" | "mb" | "mib" => 1 << 20,
            "g" | "gb" | "gib" => 1 << 30,
            _ => return Err(format!("{s:?} has an unknown unit {unit:?}: use k, M or G")),
        };
        value
            .checked_mul(scale)
            .filter(|&b| b >= 2)
            .map(Bytes)
            .ok_or_else(|| format!("{s:?} must be at least 2 bytes"))
    }
}

/// A concurrency: a whole number of hosts, at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concurrency(pub usize);

impl FromStr for Concurrency {
    type Err = String;

    fn from_str(s: &str) -> Result<Concurrency, String> {
        match s.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Concurrency(n)),
            _ => Err(format!("{s:?} is not a number of hosts (1 or more)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!("10s".parse::<Dur>().unwrap().0, Duration::from_secs(10));
        assert_eq!("10".parse::<Dur>().unwrap().0, Duration::from_secs(10));
        assert_eq!(
            "500ms".parse::<Dur>().unwrap().0,
            Duration::from_millis(500)
        );
        assert_eq!("1.5m".parse::<Dur>().unwrap().0, Duration::from_secs(90));
        assert_eq!("2h".parse::<Dur>().unwrap().0, Duration::from_secs(7200));
        assert!("0s".parse::<Dur>().is_err());
        assert!("10x".parse::<Dur>().is_err());
        assert!("s".parse::<Dur>().is_err());
    }

    #[test]
    fn sizes_and_concurrency() {
        assert_eq!("1M".parse::<Bytes>().unwrap().0, 1 << 20);
        assert_eq!("64k".parse::<Bytes>().unwrap().0, 65536);
        assert_eq!("100".parse::<Bytes>().unwrap().0, 100);
        assert!("1T".parse::<Bytes>().is_err());
        assert!("0".parse::<Concurrency>().is_err());
        assert_eq!("10".parse::<Concurrency>().unwrap().0, 10);
    }
}
