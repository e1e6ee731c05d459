//! Clock, human durations (`90s`, `15m`, `2h30m`, `7d`, `1w`) and relative ages.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

const UNITS: [(char, u64); 5] = [
    ('w', 7 * 86_400),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

/// Parses `90s`, `15m`, `2h30m`, `7d`, `1w` into seconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let invalid = || {
        format!(
            "invalid duration '{text}': use a number and a unit s, m, h, d or w, e.g. 30m, 2h, 7d"
        )
    };
    let text_trimmed = text.trim();
    if text_trimmed.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    for c in text_trimmed.chars() {
        if let Some(digit) = c.to_digit(10) {
            number = Some(
                number
                    .unwrap_or(0)
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(u64::from(digit)))
                    .ok_or_else(invalid)?,
            );
        } else {
            let (_, secs) = UNITS
                .iter()
                .find(|(unit, _)| *unit == c)
                .ok_or_else(invalid)?;
            let n = number.take().ok_or_else(invalid)?;
            total = n
                .checked_mul(*secs)
                .and_then(|s| total.checked_add(s))
                .ok_or_else(invalid)?;
        }
    }
    if number.is_some() {
        return Err(invalid());
    }
    Ok(total)
}

/// Writes seconds back in the largest exact units: 5400 → `1h30m`.
pub fn format_duration(mut secs: u64) -> String {
    if secs == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in UNITS {
        if secs >= size {
            out.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    out
}

/// A short age for listings: `just now`, `42s ago`, `5m ago`, `3h ago`,
/// `12d ago`, then the date.
pub fn format_age(created_at_ms: i64, now_ms: i64) -> String {
    let secs = (now_ms - created_at_ms).max(0) / 1000;
    match secs {
        0..=4 => "just now".to_string(),
        5..=59 => format!("{secs}s ago"),
        60..=3_599 => format!("{}m ago", secs / 60),
        3_600..=86_399 => format!("{}h ago", secs / 3_600),
        86_400..=2_591_999 => format!("{}d ago", secs / 86_400),
        _ => format_date(created_at_ms),
    }
}

/// `YYYY-MM-DD` in UTC.
pub fn format_date(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A duration in milliseconds for listings: `850ms`, `12.3s`, `4m05s`.
pub fn format_elapsed(ms: i64) -> String {
    match ms {
        i64::MIN..=999 => format!("{}ms", ms.max(0)),
        1_000..=59_999 => format!("{:.1}s", ms as f64 / 1000.0),
        _ => format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_format() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("2h30m"), Ok(9_000));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("99999999999999999999w").is_err());
        assert_eq!(format_duration(5_400), "1h30m");
        assert_eq!(format_duration(900), "15m");
    }

    #[test]
    fn dates_and_ages() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(1_763_769_600_000), "2025-11-22");
        assert_eq!(format_age(1_000, 2_000), "just now");
        assert_eq!(format_age(0, 300_000), "5m ago");
        assert_eq!(format_elapsed(850), "850ms");
        assert_eq!(format_elapsed(12_345), "12.3s");
        assert_eq!(format_elapsed(245_000), "4m05s");
    }
}
