//! Value types for command-line flags, each owning its parsing.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A duration written `500ms`, `10s`, `5m`, `2h`, `1d` or a plain number of
/// seconds.
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
            "d" => value * 86400.0,
            _ => {
                return Err(format!(
                    "{s:?} has an unknown unit {unit:?}: use ms, s, m, h or d"
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
        write!(f, "{}", crate::units::seconds(self.0))
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

/// A number of hosts, or a share of them: `5` or `10%`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HostCount {
    Hosts(usize),
    Percent(f64),
}

impl FromStr for HostCount {
    type Err = String;

    fn from_str(s: &str) -> Result<HostCount, String> {
        let s = s.trim();
        if let Some(number) = s.strip_suffix('%') {
            return match number.trim().parse::<f64>() {
                Ok(p) if p > 0.0 && p <= 100.0 => Ok(HostCount::Percent(p)),
                _ => Err(format!(
                    "{s:?} is not a percentage: write a number above 0 and up to 100, then %"
                )),
            };
        }
        match s.parse::<usize>() {
            Ok(n) if n >= 1 => Ok(HostCount::Hosts(n)),
            _ => Err(format!(
                "{s:?} is not a number of hosts (1 or more) or a percentage (10%)"
            )),
        }
    }
}

impl fmt::Display for HostCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostCount::Hosts(n) => write!(f, "{n}"),
            HostCount::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl HostCount {
    /// How many of `total` hosts: a share rounds up, and is at least one.
    pub fn of(self, total: usize) -> usize {
        match self {
            HostCount::Hosts(n) => n,
            HostCount::Percent(p) => ((total as f64 * p / 100.0).ceil() as usize).max(1),
        }
    }
}

/// The K-th of N slices of the fleet: `2/3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("{s:?} is not a shard: write K/N with 1 <= K <= N, as 2/3");
        let (k, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let (index, count): (u32, u32) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// `--shard`: a slice given as K/N, or `auto`: the one GitLab CI's
/// `parallel: N` gives this job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSpec {
    Fixed(Shard),
    /// From `CI_NODE_INDEX` and `CI_NODE_TOTAL`.
    Auto,
}

impl FromStr for ShardSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<ShardSpec, String> {
        if s.trim() == "auto" {
            return Ok(ShardSpec::Auto);
        }
        s.parse()
            .map(ShardSpec::Fixed)
            .map_err(|e| format!("{e}, or auto in a GitLab CI job with `parallel:`"))
    }
}

impl ShardSpec {
    /// The slice this run takes; `env` reads the environment (GitLab CI
    /// sets `CI_NODE_INDEX`, 1-based, and `CI_NODE_TOTAL` for `parallel: N`).
    pub fn resolve(self, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let ShardSpec::Fixed(shard) = self else {
            let (index, total) = (env("CI_NODE_INDEX"), env("CI_NODE_TOTAL"));
            let (Some(index), Some(total)) = (index, total) else {
                return Err("--shard auto takes the slice from GitLab CI's CI_NODE_INDEX and CI_NODE_TOTAL, \
                     which a job with `parallel: N` sets; they are not set here: give --shard K/N"
                    .into());
            };
            return format!("{index}/{total}").parse().map_err(|e| {
                format!("--shard auto: CI_NODE_INDEX={index} CI_NODE_TOTAL={total} do not make a shard: {e}")
            });
        };
        Ok(shard)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Seconds since the Unix epoch, now: the clock every moment galley
/// reads or writes is measured against.
pub(crate) fn now_epoch() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// `1 node`, `3 nodes`.
pub(crate) fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Whole milliseconds of a duration (saturating).
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `10s`, `1.5s`.
pub(crate) fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{}s", s as u64)
    } else {
        format!("{s:.1}s")
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch (UTC).
pub(crate) fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_iso8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_230_811_200), "2009-01-01T12:00:00Z");
        assert_eq!(iso8601(1_795_608_000), "2026-11-25T12:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn auto_shards_come_from_gitlab_ci() {
        let ci = |i: &str, n: &str| {
            let (i, n) = (i.to_string(), n.to_string());
            move |k: &str| match k {
                "CI_NODE_INDEX" => Some(i.clone()),
                "CI_NODE_TOTAL" => Some(n.clone()),
                _ => None,
            }
        };
        assert_eq!("auto".parse::<ShardSpec>().unwrap(), ShardSpec::Auto);
        let shard = ShardSpec::Auto.resolve(ci("2", "3")).unwrap();
        assert_eq!(shard, Shard { index: 2, count: 3 });
        let outside = ShardSpec::Auto.resolve(|_| None).unwrap_err();
        assert!(
            outside.contains("not set here: give --shard K/N"),
            "{outside}"
        );
        assert!(ShardSpec::Auto.resolve(ci("4", "3")).is_err());
        let fixed: ShardSpec = "1/2".parse().unwrap();
        assert_eq!(fixed.resolve(|_| None).unwrap().to_string(), "1/2");
        assert!("x".parse::<ShardSpec>().unwrap_err().contains("or auto"));
    }

    #[test]
    fn host_counts_and_shards() {
        assert_eq!("5".parse::<HostCount>().unwrap(), HostCount::Hosts(5));
        assert_eq!("10%".parse::<HostCount>().unwrap().of(25), 3);
        assert_eq!("0.1%".parse::<HostCount>().unwrap().of(25), 1);
        for bad in ["0", "-1", "0%", "101%", "x", "5 %%"] {
            assert!(bad.parse::<HostCount>().is_err(), "{bad}");
        }
        assert_eq!(
            "2/3".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 3 }
        );
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "1/3/4"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

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
        assert_eq!("1d".parse::<Dur>().unwrap().0, Duration::from_secs(86400));
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

/// A moment: RFC 3339 (`2026-11-25T12:00:00Z`, `2026-11-25T13:00:00+01:00`)
/// or relative to now (`-2h`, `-90m`). Seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moment(pub f64);

impl FromStr for Moment {
    type Err = String;

    fn from_str(s: &str) -> Result<Moment, String> {
        let s = s.trim();
        if let Some(ago) = s.strip_prefix('-') {
            let Dur(d) = ago.parse()?;
            return Ok(Moment(now_epoch() - d.as_secs_f64()));
        }
        parse_rfc3339(s).map(Moment).ok_or_else(|| {
            format!("{s:?} is not a moment: write 2026-11-25T12:00:00Z or a time ago such as -2h")
        })
    }
}

/// Seconds since the epoch of an RFC 3339 date-time.
fn parse_rfc3339(s: &str) -> Option<f64> {
    let (date, time) = s.split_once(['T', 't', ' '])?;
    let mut d = date.split('-');
    let (year, month, day): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    if d.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, offset) = if let Some(t) = time.strip_suffix(['Z', 'z']) {
        (t, 0)
    } else {
        let i = time.rfind(['+', '-'])?;
        let (t, zone) = time.split_at(i);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone[1..].split_once(':')?;
        (
            t,
            sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60),
        )
    };
    let mut c = clock.split(':');
    let (h, m): (i64, i64) = (c.next()?.parse().ok()?, c.next()?.parse().ok()?);
    let sec: f64 = c.next()?.parse().ok()?;
    if c.next().is_some() || h > 23 || m > 59 || !(0.0..61.0).contains(&sec) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + m * 60 - offset) as f64 + sec)
}

#[cfg(test)]
mod moment_tests {
    use super::*;

    #[test]
    fn moments() {
        assert_eq!(
            "2026-11-25T12:00:00Z".parse::<Moment>().unwrap().0,
            1_795_608_000.0
        );
        assert_eq!(
            "2026-11-25T13:00:00+01:00".parse::<Moment>().unwrap().0,
            1_795_608_000.0
        );
        assert_eq!(
            "2026-11-25T12:00:00.5Z".parse::<Moment>().unwrap().0,
            1_795_608_000.5
        );
        assert_eq!(
            "2000-02-29T00:00:00Z".parse::<Moment>().unwrap().0,
            951_782_400.0
        );
        let ago = "-2h".parse::<Moment>().unwrap().0;
        let expected = now_epoch() - 7200.0;
        assert!((ago - expected).abs() < 5.0);
        assert!("yesterday".parse::<Moment>().is_err());
        assert!("2026-13-01T00:00:00Z".parse::<Moment>().is_err());
    }

    #[test]
    fn plurals() {
        assert_eq!(plural(1, "node", "nodes"), "1 node");
        assert_eq!(plural(0, "node", "nodes"), "0 nodes");
        assert_eq!(plural(2, "host", "hosts"), "2 hosts");
    }
}
