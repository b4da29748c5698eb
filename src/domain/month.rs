//! A calendar month (`YYYY-MM`), as bills are grouped.

use chrono::{Datelike, NaiveDate};

use super::Invalid;

/// A month of the years 2000-2999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month(NaiveDate);

impl Month {
    /// `2026-11`, nothing else.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let refuse = || Invalid::new("error-month-format");
        let bytes = raw.as_bytes();
        if bytes.len() != 7 || bytes[4] != b'-' {
            return Err(refuse());
        }
        let (year, month) = (&raw[..4], &raw[5..]);
        if !(year.bytes().chain(month.bytes())).all(|b| b.is_ascii_digit()) {
            return Err(refuse());
        }
        let year: i32 = year.parse().map_err(|_| refuse())?;
        let month: u32 = month.parse().map_err(|_| refuse())?;
        if !(2000..=2999).contains(&year) {
            return Err(refuse());
        }
        NaiveDate::from_ymd_opt(year, month, 1)
            .map(Month)
            .ok_or_else(refuse)
    }

    /// The month `day` falls in.
    pub fn of(day: NaiveDate) -> Self {
        Month(day.with_day(1).unwrap_or(day))
    }

    /// Its first day.
    pub fn first(self) -> NaiveDate {
        self.0
    }

    /// Its last day.
    pub fn last(self) -> NaiveDate {
        self.next().0.pred_opt().unwrap_or(self.0)
    }

    /// The month before.
    pub fn previous(self) -> Self {
        Month::of(self.0.pred_opt().unwrap_or(self.0))
    }

    /// The month after.
    pub fn next(self) -> Self {
        let (y, m) = match self.0.month() {
            12 => (self.0.year() + 1, 1),
            m => (self.0.year(), m + 1),
        };
        NaiveDate::from_ymd_opt(y, m, 1).map_or(self, Month)
    }

    /// Its days, in order.
    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        let last = self.last();
        self.0.iter_days().take_while(move |d| *d <= last)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_year_dash_month() {
        let m = Month::parse("2026-11").unwrap();
        assert_eq!(m.to_string(), "2026-11");
        assert_eq!(m.first(), NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        assert_eq!(m.last(), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        assert_eq!(m.previous().to_string(), "2026-10");
        assert_eq!(m.next().to_string(), "2026-12");
        assert_eq!(Month::parse("2026-12").unwrap().next().to_string(), "2027-01");
        assert_eq!(Month::parse("2028-02").unwrap().days().count(), 29);
        for bad in [
            "",
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026/11",
            "abcd-ef",
            "1999-12",
            "2026-11-01",
            "２０２６-11",
        ] {
            assert_eq!(
                Month::parse(bad).unwrap_err().message,
                "error-month-format",
                "{bad:?}"
            );
        }
    }
}
