//! Calendar days in UTC, for end dates: "2027-01-31" in a date field, "31 Jan 2027" on the
//! page. Access that ends "on 31 Jan 2027" lasts through that day (UTC) and ends at the
//! midnight after it.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day number.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The moment access "ending on" `date` (`YYYY-MM-DD`) ends: the midnight (UTC) after it.
/// `None` unless it is a real date.
pub fn end_of_day(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    // 31 February is not a date: it must come back as itself.
    (civil_from_days(days) == (year, month, day)).then_some((days + 1) * 86_400)
}

/// The last day of access that ends at `ends_at`, as "31 Jan 2027".
pub fn last_day(ends_at: i64) -> String {
    let (y, m, d) = civil_from_days((ends_at - 1).div_euclid(86_400));
    format!("{d} {} {y}", MONTHS[(m - 1) as usize])
}

/// The same day as a date field's value, "2027-01-31".
pub fn last_day_iso(ends_at: i64) -> String {
    let (y, m, d) = civil_from_days((ends_at - 1).div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Unix seconds as "2026-11-28 03:52 UTC" (civil-from-days, proleptic Gregorian).
pub fn format_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_unix_seconds_as_utc() {
        use super::format_time;
        assert_eq!(format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_time(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_time(1_795_837_920), "2026-11-28 03:52 UTC");
    }

    use super::*;

    #[test]
    fn an_end_date_lasts_through_its_day() {
        let end = end_of_day("2027-01-31").unwrap();
        assert_eq!(end, 1_801_440_000, "midnight UTC starting 1 Feb 2027");
        assert_eq!(last_day(end), "31 Jan 2027");
        assert_eq!(last_day_iso(end), "2027-01-31");
        assert_eq!(last_day(end_of_day("2028-02-29").unwrap()), "29 Feb 2028");
    }

    #[test]
    fn only_real_dates_are_read() {
        for bad in [
            "",
            "2027-02-30",
            "2027-13-01",
            "31/01/2027",
            "2027-01",
            "1969-12-31",
            "x-y-z",
        ] {
            assert_eq!(end_of_day(bad), None, "{bad}");
        }
    }
}
