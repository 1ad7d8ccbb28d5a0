//! Dates as written in metadata (ISO 8601, `YYYY-MM`, `YYYY`, RFC 2822,
//! `5 March 2024`, `March 5, 2024`) and in file names, with the
//! precision they were given at.

use crate::model::{DatePrecision, DocDate};
use chrono::NaiveDate;

/// Parse a date as written in metadata: ISO 8601 `YYYY-MM-DD` (optionally
/// followed by a time), `YYYY-MM`, `YYYY`, RFC 2822 (`Tue, 05 Mar 2024
/// 10:00:00 GMT`), `DD Month YYYY` and `Month DD, YYYY` (English month
/// names, full or abbreviated). A time, if any, is ignored: the date is
/// the one written.
pub fn parse_date(s: &str) -> Option<DocDate> {
    let s = s.trim();
    iso_date(s).or_else(|| written_date(s))
}

fn iso_date(s: &str) -> Option<DocDate> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let day =
        |y, m, d, p| NaiveDate::from_ymd_opt(y, m, d).map(|date| DocDate { date, precision: p });
    match b.len() {
        4 => day(num(0..4)? as i32, 1, 1, DatePrecision::Year),
        7 if b[4] == b'-' => day(num(0..4)? as i32, num(5..7)?, 1, DatePrecision::Month),
        n if n >= 10
            && b[4] == b'-'
            && b[7] == b'-'
            && (n == 10 || matches!(b[10], b'T' | b' ')) =>
        {
            day(
                num(0..4)? as i32,
                num(5..7)?,
                num(8..10)?,
                DatePrecision::Day,
            )
        }
        _ => None,
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month_number(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let i = MONTHS.iter().position(|m| w.starts_with(m))?;
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ][i];
    (full.starts_with(&w) || w == "sept").then_some(i as u32 + 1)
}

/// `Tue, 05 Mar 2024 10:00:00 GMT`, `5 March 2024`, `March 5, 2024`.
fn written_date(s: &str) -> Option<DocDate> {
    let s = match s.split_once(',') {
        // A leading weekday ("Tue, ...").
        Some((day, rest)) if day.chars().all(char::is_alphabetic) => rest,
        _ => s,
    };
    let parts: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|p| !p.is_empty())
        .collect();
    let day_num = |p: &str| -> Option<u32> {
        let d = p.trim_end_matches(|c: char| c.is_alphabetic()); // 5th, 1st
        (d.len() <= 2).then(|| d.parse().ok()).flatten()
    };
    let year = |p: &str| -> Option<i32> { (p.len() == 4).then(|| p.parse().ok()).flatten() };
    let (d, m, y) = match parts.as_slice() {
        [a, b, c, ..] if day_num(a).is_some() && month_number(b).is_some() => {
            (day_num(a)?, month_number(b)?, year(c)?)
        }
        [a, b, c, ..] if month_number(a).is_some() && day_num(b).is_some() => {
            (day_num(b)?, month_number(a)?, year(c)?)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y, m, d).map(|date| DocDate {
        date,
        precision: DatePrecision::Day,
    })
}

/// A date in a file name: `YYYY-MM-DD`, `YYYYMMDD` or a year `YYYY`
/// (1000–2999), each standing alone between non-digits.
pub fn date_from_filename(name: &str) -> Option<DocDate> {
    let b = name.as_bytes();
    // Runs of digits and dashes, e.g. "2019-03-01" or "20190301" or "1945".
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            runs.push((i, j));
            i = j;
        } else {
            i += 1;
        }
    }
    // YYYY-MM-DD: three runs of 4, 2, 2 digits joined by single dashes.
    for w in runs.windows(3) {
        let [(a0, a1), (b0, b1), (c0, c1)] = [w[0], w[1], w[2]];
        if a1 - a0 == 4
            && b1 - b0 == 2
            && c1 - c0 == 2
            && b0 == a1 + 1
            && c0 == b1 + 1
            && b[a1] == b'-'
            && b[b1] == b'-'
        {
            if let Some(d) = parse_date(&name[a0..c1]) {
                return Some(d);
            }
        }
    }
    for &(s, e) in &runs {
        if e - s == 8 {
            let t = &name[s..e];
            if let Some(d) = parse_date(&format!("{}-{}-{}", &t[0..4], &t[4..6], &t[6..8])) {
                return Some(d);
            }
        }
    }
    for &(s, e) in &runs {
        if e - s == 4 {
            if let Some(d) = parse_date(&name[s..e]) {
                if (1000..3000)
                    .contains(&d.date.format("%Y").to_string().parse::<i32>().unwrap_or(0))
                {
                    return Some(d);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<(String, &'static str)> {
        parse_date(s).map(|d| (d.date.to_string(), d.precision.as_str()))
    }

    #[test]
    fn dates_in_metadata() {
        assert_eq!(d("1790-01-08"), Some(("1790-01-08".into(), "day")));
        assert_eq!(
            d("2004-11-13T10:00:00Z"),
            Some(("2004-11-13".into(), "day"))
        );
        assert_eq!(d("1997-05"), Some(("1997-05-01".into(), "month")));
        assert_eq!(d("1945"), Some(("1945-01-01".into(), "year")));
        assert_eq!(d("1997-13-01"), None);
        assert_eq!(d("May 1997"), None);
        assert_eq!(d("19x5"), None);
    }

    #[test]
    fn written_and_rfc_2822_dates() {
        let day = |s: &str| Some((s.to_string(), "day"));
        assert_eq!(d("Tue, 05 Mar 2024 10:00:00 GMT"), day("2024-03-05"));
        assert_eq!(d("Wed, 2 Oct 2002 13:00:00 +0200"), day("2002-10-02"));
        assert_eq!(d("12 March 2019"), day("2019-03-12"));
        assert_eq!(d("1st Sept 2010"), day("2010-09-01"));
        assert_eq!(d("March 12, 2019"), day("2019-03-12"));
        assert_eq!(d("Dec. 3, 2014"), day("2014-12-03"));
        assert_eq!(d("31 February 2019"), None);
        assert_eq!(d("12 Marchy 2019"), None);
        assert_eq!(d("12 Ma 2019"), None);
    }

    #[test]
    fn dates_in_file_names() {
        let f = |s: &str| date_from_filename(s).map(|d| (d.date.to_string(), d.precision.as_str()));
        assert_eq!(
            f("speech_2019-03-01.txt"),
            Some(("2019-03-01".into(), "day"))
        );
        assert_eq!(f("news20120704b.txt"), Some(("2012-07-04".into(), "day")));
        assert_eq!(
            f("UK_natl_1945_en_Con.txt"),
            Some(("1945-01-01".into(), "year"))
        );
        assert_eq!(f("notes_12345.txt"), None);
        assert_eq!(f("readme.txt"), None);
    }
}
