//! Days and periods. A dossier's dates are kept as calendar days (indicators compare dates,
//! never times); a period is a calendar year, quarter or month, keyed by a sortable integer.

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

/// A calendar day as the number of days since 1970-01-01.
pub type Day = i32;

/// The day number of a date.
pub fn day_of(date: NaiveDate) -> Day {
    (date - NaiveDate::default()).num_days() as Day
}

/// The day number of a calendar date, `None` when there is no such date; the same number as
/// [`day_of`], computed without chrono (it runs for every date of every row).
pub const fn day_from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month {
        return None;
    }
    // Days from civil (H. Hinnant): years start in March, so the leap day ends a year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month as i32 + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day as i32 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// The date of a day number.
pub fn date_of(day: Day) -> NaiveDate {
    NaiveDate::default()
        .checked_add_signed(chrono::Duration::days(i64::from(day)))
        .unwrap_or_default()
}

/// The earliest and latest years a real dossier can carry (DOMAIN.md §1).
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;

/// Months from January [`MIN_YEAR`] to December [`MAX_YEAR`].
const MONTHS: usize = 12 * (MAX_YEAR - MIN_YEAR + 1) as usize;

/// The day number of the first of each month of [`MONTHS`], and of the month after them: a
/// month's length is the next start less its own.
const fn month_starts() -> [Day; MONTHS + 1] {
    let mut starts = [0; MONTHS + 1];
    let mut month = 0;
    while month <= MONTHS {
        let year = MIN_YEAR + (month / 12) as i32;
        starts[month] = match day_from_ymd(year, (month % 12) as u32 + 1, 1) {
            Some(day) => day,
            None => panic!("the first of a month is a date"),
        };
        month += 1;
    }
    starts
}

/// [`month_starts`], computed while compiling, in one place in the binary (a const would be
/// an array wherever it is used).
static MONTH_STARTS: [Day; MONTHS + 1] = month_starts();

/// The day number of a date of [`MIN_YEAR`]–[`MAX_YEAR`], looked up among the month starts
/// (reading a date cell, five a row, the arithmetic of [`day_from_ymd`] cost more than the
/// reading); `None` for another year or no such date.
#[inline(always)]
pub fn day_in_years(year: u32, month: u32, day: u32) -> Option<Day> {
    let month = (year as usize)
        .checked_sub(MIN_YEAR as usize)?
        .checked_mul(12)?
        .checked_add((month as usize).checked_sub(1)?)
        .filter(|_| (1..=12).contains(&month))?;
    let (start, next) = (*MONTH_STARTS.get(month)?, *MONTH_STARTS.get(month + 1)?);
    (1..=next - start)
        .contains(&(day as i32))
        .then(|| start + day as i32 - 1)
}

/// The first and last day a real dossier can carry, for the month table below.
const TABLE_FROM: Day = month_starts()[0];
const TABLE_DAYS: usize = (month_starts()[MONTHS] - TABLE_FROM) as usize;

/// `yyyy * 100 + mm` of every day 2000–2100: the compute stage keys a few million dates per
/// second by month, and a table lookup is several times cheaper than the calendar arithmetic.
fn months() -> &'static [i32] {
    static MONTHS: OnceLock<Vec<i32>> = OnceLock::new();
    MONTHS.get_or_init(|| {
        (0..TABLE_DAYS as i32)
            .map(|offset| month_of_date(date_of(TABLE_FROM + offset)))
            .collect()
    })
}

fn month_of_date(date: NaiveDate) -> i32 {
    date.year() * 100 + date.month() as i32
}

/// The month of a day, as `yyyy * 100 + mm`.
pub fn month_of(day: Day) -> i32 {
    match usize::try_from(day - TABLE_FROM) {
        Ok(offset) if offset < TABLE_DAYS => months()[offset],
        _ => month_of_date(date_of(day)),
    }
}

/// The year a day falls in.
pub fn year_of(day: Day) -> i32 {
    month_of(day) / 100
}

/// Length of the periods results are given for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Granularity {
    Year,
    Quarter,
    Month,
}

impl Granularity {
    /// The period of a `yyyy * 100 + mm` month.
    pub fn period_of_month(self, month: i32) -> PeriodKey {
        let key = match self {
            Granularity::Month => month,
            Granularity::Year => month / 100,
            Granularity::Quarter => (month / 100) * 10 + (month % 100 - 1) / 3 + 1,
        };
        PeriodKey::new(self, key)
    }

    pub fn period_of_day(self, day: Day) -> PeriodKey {
        self.period_of_month(month_of(day))
    }

    /// The period numbered `ordinal` (see [`PeriodKey::ordinal`]).
    pub fn period_of_ordinal(self, ordinal: i32) -> PeriodKey {
        match self {
            Granularity::Year => PeriodKey::new(self, ordinal),
            Granularity::Quarter => {
                PeriodKey::new(self, ordinal.div_euclid(4) * 10 + ordinal.rem_euclid(4) + 1)
            }
            Granularity::Month => PeriodKey::new(
                self,
                ordinal.div_euclid(12) * 100 + ordinal.rem_euclid(12) + 1,
            ),
        }
    }
}

/// A period as a sortable integer: `2024` (year), `20241` (2024-Q1) or `202403` (2024-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeriodKey {
    pub granularity: Granularity,
    pub key: i32,
}

impl PeriodKey {
    pub fn new(granularity: Granularity, key: i32) -> Self {
        PeriodKey { granularity, key }
    }

    pub fn year(self) -> i32 {
        match self.granularity {
            Granularity::Year => self.key,
            Granularity::Quarter => self.key / 10,
            Granularity::Month => self.key / 100,
        }
    }

    pub fn label(self) -> String {
        match self.granularity {
            Granularity::Year => format!("{}", self.key),
            Granularity::Quarter => format!("{}-Q{}", self.key / 10, self.key % 10),
            Granularity::Month => format!("{}-{:02}", self.key / 100, self.key % 100),
        }
    }

    /// The period's number among those of its granularity: consecutive periods have
    /// consecutive numbers.
    pub fn ordinal(self) -> i32 {
        match self.granularity {
            Granularity::Year => self.key,
            Granularity::Quarter => (self.key / 10) * 4 + self.key % 10 - 1,
            Granularity::Month => (self.key / 100) * 12 + self.key % 100 - 1,
        }
    }

    /// The first month and the number of months of the period.
    fn months(self) -> (i32, i32) {
        match self.granularity {
            Granularity::Year => (1, 12),
            Granularity::Quarter => ((self.key % 10 - 1) * 3 + 1, 3),
            Granularity::Month => (self.key % 100, 1),
        }
    }

    /// The first day of the period.
    pub fn first_day(self) -> Day {
        let (month, _) = self.months();
        first_of_month(self.year(), month)
    }

    /// The last day of the period.
    pub fn last_day(self) -> Day {
        self.next().first_day() - 1
    }

    /// The period after this one.
    pub fn next(self) -> PeriodKey {
        let (month, months) = self.months();
        let next = month + months;
        let (year, month) = if next > 12 {
            (self.year() + 1, next - 12)
        } else {
            (self.year(), next)
        };
        self.granularity.period_of_month(year * 100 + month)
    }
}

fn first_of_month(year: i32, month: i32) -> Day {
    NaiveDate::from_ymd_opt(year, month as u32, 1).map_or(0, day_of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_without_chrono_are_chrono_s() {
        let mut date = NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
        while date.year() < 2102 {
            let day = day_from_ymd(date.year(), date.month(), date.day());
            assert_eq!(day, Some(day_of(date)), "{date}");
            date = date.succ_opt().unwrap();
        }
        assert_eq!(day_from_ymd(2023, 2, 29), None);
        assert_eq!(
            day_from_ymd(2024, 2, 29),
            day_of(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()).into()
        );
        assert_eq!(day_from_ymd(2024, 13, 1), None);
        assert_eq!(day_from_ymd(2024, 4, 31), None);
        assert_eq!(day_from_ymd(2024, 1, 0), None);
    }

    fn day(y: i32, m: u32, d: u32) -> Day {
        NaiveDate::from_ymd_opt(y, m, d).map_or(0, day_of)
    }

    #[test]
    fn months_and_years_of_days() {
        assert_eq!(month_of(0), 197001);
        // 2024-02-29 is day 19782.
        assert_eq!(day(2024, 2, 29), 19782);
        assert_eq!(month_of(19782), 202402);
        assert_eq!(month_of(19783), 202403);
        assert_eq!(month_of(day(2100, 12, 31)), 210012);
        assert_eq!(year_of(day(2025, 12, 31)), 2025);
        assert_eq!(
            date_of(19782),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
    }

    #[test]
    fn periods_of_every_granularity() {
        let march = day(2024, 3, 15);
        assert_eq!(Granularity::Year.period_of_day(march).label(), "2024");
        assert_eq!(Granularity::Quarter.period_of_day(march).label(), "2024-Q1");
        assert_eq!(Granularity::Month.period_of_day(march).label(), "2024-03");
        let q4 = Granularity::Quarter.period_of_day(day(2024, 11, 2));
        assert_eq!(
            (q4.first_day(), q4.last_day()),
            (day(2024, 10, 1), day(2024, 12, 31))
        );
        assert_eq!(q4.next().label(), "2025-Q1");
        let february = Granularity::Month.period_of_day(day(2024, 2, 1));
        assert_eq!(february.last_day(), day(2024, 2, 29));
        assert_eq!(
            Granularity::Month
                .period_of_day(day(2024, 12, 1))
                .next()
                .label(),
            "2025-01"
        );
        assert_eq!(
            PeriodKey::new(Granularity::Year, 2024).last_day(),
            day(2024, 12, 31)
        );
    }
}
