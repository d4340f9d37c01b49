//! Small helpers for text meant for people: aligned tables, ages, plurals.

/// How long ago something happened, coarse enough to read at a glance:
/// `42s ago`, `17m ago`, `5h 3m ago`, `12d 4h ago`.
pub fn age(seconds: f64) -> String {
    if seconds < 0.0 {
        return format!("in the future ({})", span((-seconds) as u64));
    }
    format!("{} ago", span(seconds as u64))
}

fn span(s: u64) -> String {
    const MIN: u64 = 60;
    const HOUR: u64 = 60 * MIN;
    const DAY: u64 = 24 * HOUR;
    match s {
        s if s < MIN => format!("{s}s"),
        s if s < HOUR => format!("{}m", s / MIN),
        s if s < DAY => format!("{}h {}m", s / HOUR, s % HOUR / MIN),
        s => format!("{}d {}h", s / DAY, s % DAY / HOUR),
    }
}

/// Left-aligned columns separated by two spaces; the last column is not
/// padded, so lines carry no trailing blanks.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    // A cell is one value (a node name, an address, a tag): it never
    // breaks a line or reorders one, whatever it holds.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| crate::terminal::escape_value(cell).into_owned())
                .collect()
        })
        .collect();
    let rows = &rows;
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let last = row.len().saturating_sub(1);
        for (i, cell) in row.iter().enumerate() {
            if i == last {
                out.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                out.push_str(cell);
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(age(42.9), "42s ago");
        assert_eq!(age(17.0 * 60.0 + 5.0), "17m ago");
        assert_eq!(age(5.0 * 3600.0 + 3.0 * 60.0), "5h 3m ago");
        assert_eq!(age(12.0 * 86400.0 + 4.0 * 3600.0 + 59.0), "12d 4h ago");
        assert_eq!(age(-90.0), "in the future (1m)");
    }

    #[test]
    fn tables_align_columns_without_trailing_blanks() {
        let out = table(
            &["NAME", "ENV"],
            &[
                vec!["web-01".into(), "gprd".into()],
                vec!["é".into(), "x".into()],
            ],
        );
        assert_eq!(out, "NAME    ENV\nweb-01  gprd\né       x\n");
    }
}
