//! Clock, durations people type and read (`90s`, `15m`, `2h 30m`, `7d`, `1w`,
//! by `humantime`), relative ages, and dates: local ones for people (the
//! system's time zone, by `jiff`), RFC 3339 UTC ones for files.

use std::time::Duration;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

/// Parses `90s`, `15m`, `2h30m`, `2h 30m`, `7d`, `1w` into whole seconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let invalid = |why: String| {
        format!(
            "invalid duration '{text}' ({why}): use a number and a unit, e.g. 30s, 15m, 2h30m, 7d"
        )
    };
    let duration = humantime::parse_duration(text.trim()).map_err(|e| invalid(e.to_string()))?;
    if duration.subsec_nanos() != 0 {
        return Err(invalid("caro counts whole seconds".to_string()));
    }
    Ok(duration.as_secs())
}

/// Writes seconds back as [`parse_duration`] reads them: 5400 → `1h 30m`.
pub fn format_duration(secs: u64) -> String {
    humantime::format_duration(Duration::from_secs(secs)).to_string()
}

/// A short age for listings: `just now`, `42s ago`, `5m ago`, `3h ago`,
/// `12d ago`, then the local date.
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

/// `YYYY-MM-DD` in the system's time zone (`TZ`, else `/etc/localtime`; UTC
/// when neither names a zone the system's database has).
pub fn format_date(ms: i64) -> String {
    format_date_in(ms, &TimeZone::system())
}

fn format_date_in(ms: i64, zone: &TimeZone) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(at) => at
            .to_zoned_datetime(zone.clone())
            .strftime("%Y-%m-%d")
            .to_string(),
        // Beyond jiff's range (years -9999..=9999): no real entry is dated there.
        Err(_) => "-".to_string(),
    }
}

/// RFC 3339 in UTC with milliseconds, as exports carry time:
/// `2023-11-14T20:00:00.000Z`.
pub fn format_rfc3339(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(at) => format!("{at:.3}"),
        Err(_) => format!(
            "{:.3}",
            if ms < 0 {
                Timestamp::MIN
            } else {
                Timestamp::MAX
            }
        ),
    }
}

/// Reads a time as exports write it (RFC 3339, any offset) back to epoch ms.
pub fn parse_rfc3339(text: &str) -> Result<i64, String> {
    text.parse::<Timestamp>()
        .map(|at| at.as_millisecond())
        .map_err(|e| format!("{text:?} is not an RFC 3339 time: {e}"))
}

/// A duration in milliseconds for listings: `850ms`, `12.3s`, `4m05s`. Hand
/// written on purpose: humantime would print `12s 345ms` and `4m 5s`, wider
/// and ragged in a fixed-width column.
pub fn format_elapsed(ms: i64) -> String {
    match ms {
        i64::MIN..=999 => format!("{}ms", ms.max(0)),
        1_000..=59_999 => format!("{:.1}s", ms as f64 / 1000.0),
        _ => format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000),
    }
}

/// Parses WHEN into ms since the epoch.
pub fn parse_when(text: &str) -> Result<i64, String> {
    parse_when_at(text, now_ms(), &TimeZone::system())
}

fn parse_when_at(text: &str, now: i64, tz: &TimeZone) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(ago) = humantime::parse_duration(text) {
        let ago = i64::try_from(ago.as_millis()).unwrap_or(i64::MAX);
        return Ok(now.saturating_sub(ago));
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts.as_millisecond());
    }
    let local = text.parse::<DateTime>().or_else(|_| {
        text.parse::<Date>()
            .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
    });
    match local.and_then(|dt| dt.to_zoned_datetime(tz.clone())) {
        Ok(zoned) => Ok(zoned.timestamp().as_millisecond()),
        Err(_) => Err(format!(
            "cannot read '{text}' as a time: give a duration ago (30m, 2h, 3days) \
             or a local date or date and time (2026-11-30, \"2026-11-30 14:00\")"
        )),
    }
}

/// `YYYY-MM-DD HH:MM:SS` in the local time zone.
pub fn local_time(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|ts| {
            ts.to_zoned_datetime(TimeZone::system())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_format() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("2h30m"), Ok(9_000));
        assert_eq!(parse_duration(" 2h 30m "), Ok(9_000));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        for bad in ["", "10", "h", "5x", "99999999999999999999w", "1500ms"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(
                err.starts_with(&format!("invalid duration '{bad}' (")),
                "{err}"
            );
        }
        assert_eq!(format_duration(5_400), "1h 30m");
        assert_eq!(format_duration(900), "15m");
        assert_eq!(format_duration(0), "0s");
        for secs in [10, 900, 5_400, 86_400, 604_800, 93_784] {
            assert_eq!(parse_duration(&format_duration(secs)), Ok(secs));
        }
    }

    #[test]
    fn dates_are_local_to_the_zone() {
        let tokyo = TimeZone::get("Asia/Tokyo").expect("the system has Asia/Tokyo");
        let new_york = TimeZone::get("America/New_York").expect("the system has America/New_York");
        // 2023-11-14T20:00:00Z is 05:00 on the 15th in Tokyo, 15:00 on the 14th in New York.
        let ms = 1_699_992_000_000;
        assert_eq!(format_date_in(ms, &tokyo), "2023-11-15");
        assert_eq!(format_date_in(ms, &new_york), "2023-11-14");
        assert_eq!(format_date_in(0, &TimeZone::UTC), "1970-01-01");
        assert_eq!(format_date_in(i64::MAX, &TimeZone::UTC), "-");
    }

    #[test]
    fn exports_are_rfc3339_utc() {
        assert_eq!(
            format_rfc3339(1_699_992_000_000),
            "2023-11-14T20:00:00.000Z"
        );
        assert_eq!(
            format_rfc3339(1_699_992_000_123),
            "2023-11-14T20:00:00.123Z"
        );
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert!(format_rfc3339(i64::MAX).starts_with("9999-12-"));
        assert!(format_rfc3339(i64::MIN).starts_with("-009999-"));
    }

    #[test]
    fn ages_and_elapsed() {
        assert_eq!(format_age(1_000, 2_000), "just now");
        assert_eq!(format_age(0, 300_000), "5m ago");
        assert_eq!(format_age(0, 3 * 86_400_000), "3d ago");
        assert_eq!(format_elapsed(850), "850ms");
        assert_eq!(format_elapsed(12_345), "12.3s");
        assert_eq!(format_elapsed(245_000), "4m05s");
    }

    #[test]
    fn rfc3339_reads_back_what_exports_write() {
        for ms in [0, 1_699_992_000_123, -1_000] {
            assert_eq!(parse_rfc3339(&format_rfc3339(ms)), Ok(ms));
        }
        assert_eq!(
            parse_rfc3339("2023-11-15T05:00:00+09:00"),
            Ok(1_699_992_000_000)
        );
        assert!(parse_rfc3339("yesterday").is_err());
    }

    #[test]
    fn when_reads_durations_and_local_dates() {
        let now = 1_800_000_000_000;
        let utc = TimeZone::UTC;
        assert_eq!(parse_when_at("2h", now, &utc), Ok(now - 7_200_000));
        assert_eq!(parse_when_at("3days", now, &utc), Ok(now - 3 * 86_400_000));
        assert_eq!(
            parse_when_at("2026-11-30", now, &utc),
            Ok(1_795_996_800_000)
        );
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(
            parse_when_at("2026-11-30 14:00", now, &berlin),
            Ok(1_795_996_800_000 + 13 * 3_600_000)
        );
        assert_eq!(
            parse_when_at("2026-11-30T14:00:00Z", now, &berlin),
            Ok(1_795_996_800_000 + 14 * 3_600_000)
        );
        assert!(parse_when_at("yesterday-ish", now, &utc)
            .unwrap_err()
            .contains("duration ago"));
    }
}
