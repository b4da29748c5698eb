//! What a bill line costs: the one rounding rule of the product.
//!
//! `amount = quantity / unit_size × unit_price`, rounded half-up to 0.01 CNY,
//! once per bill line (reference §6.2). A day's bill is the sum of its
//! rounded lines; nothing else rounds money.
//!
//! Prices are data: an operator sets the price of future days with
//! [`set_price`] (`billing-center prices set`); settled days keep the prices
//! their bills were made with.

use std::str::FromStr;

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::db::models::price::{Price, PriceItem};

/// The amount of one bill line, or `None` when it does not fit a decimal
/// (quantities are bounded by the usage table, so only a corrupt price can
/// get there).
pub fn line_amount(quantity: i64, unit_size: i64, unit_price: Decimal) -> Option<Decimal> {
    if quantity < 0 || unit_size <= 0 || unit_price.is_sign_negative() {
        return None;
    }
    // Multiply first: quantity × price is exact, and dividing by a unit size
    // (a power of ten for every item) then stays exact too.
    let exact = Decimal::from(quantity)
        .checked_mul(unit_price)?
        .checked_div(Decimal::from(unit_size))?;
    // Half-up: for the non-negative amounts of bill lines, midpoints go up.
    Some(exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// Why a price was not set (nothing was written). The messages name the
/// command's flags.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PriceRefusal {
    #[error("--item: no such billing item (see `billing-center prices list`)")]
    UnknownItem,
    #[error("--retention: {0} is priced per retention tier; give one")]
    RetentionRequired(String),
    #[error("--retention: {0} has one price for any retention; leave it out")]
    RetentionNotTiered(String),
    #[error("--retention: a number of days from 1 to 3650")]
    BadRetention,
    #[error("--price: a non-negative amount with at most 4 decimals, below 100,000,000")]
    BadPrice,
    #[error("--from: prices change for future days only (after {0}, Asia/Shanghai)")]
    NotFuture(NaiveDate),
}

/// A unit price as the price list stores it: at most 4 decimals, below 10^8.
fn parse_unit_price(raw: &str) -> Option<Decimal> {
    let s = raw.trim();
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    let digits_only = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let well_formed = (1..=8).contains(&whole.len())
        && digits_only(whole)
        && digits_only(fraction)
        && fraction.len() <= 4
        && (s.contains('.') <= !fraction.is_empty());
    well_formed.then(|| Decimal::from_str(s).ok()).flatten()
}

/// Sets the unit price of `item` (at `retention` days for tiered items) for
/// every day from `from`, which must lie after `today`.
pub async fn set_price(
    conn: &mut AsyncPgConnection,
    item: &str,
    retention: Option<i32>,
    price: &str,
    from: NaiveDate,
    today: NaiveDate,
) -> diesel::QueryResult<Result<Price, PriceRefusal>> {
    let Some(found) = PriceItem::find(conn, item).await? else {
        return Ok(Err(PriceRefusal::UnknownItem));
    };
    let retention_days = match (found.tiered, retention) {
        (true, None) => return Ok(Err(PriceRefusal::RetentionRequired(found.item))),
        (false, Some(_)) => return Ok(Err(PriceRefusal::RetentionNotTiered(found.item))),
        (true, Some(days)) if !(1..=3650).contains(&days) => return Ok(Err(PriceRefusal::BadRetention)),
        (true, Some(days)) => days,
        (false, None) => 0,
    };
    let Some(unit_price) = parse_unit_price(price) else {
        return Ok(Err(PriceRefusal::BadPrice));
    };
    if from <= today {
        return Ok(Err(PriceRefusal::NotFuture(today)));
    }
    Price::set(conn, &found.item, retention_days, unit_price, from).await?;
    Ok(Ok(Price {
        item: found.item,
        retention_days,
        unit_price,
        valid_from: from,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_prices_have_at_most_four_decimals() {
        assert_eq!(parse_unit_price("1.5000"), Some(d("1.5")));
        assert_eq!(parse_unit_price("0"), Some(d("0")));
        assert_eq!(parse_unit_price("19.44"), Some(d("19.44")));
        for bad in ["", "-1", "1.23456", "1e2", "1.", ".5", "123456789", "abc", "1,5"] {
            assert_eq!(parse_unit_price(bad), None, "{bad:?}");
        }
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn the_worked_example_of_the_price_list_costs_13_40() {
        // Reference §6.2 (ZH billing-item.md), CN prices.
        let lines = [
            (6_000, 1_000, "0.6", "3.60"),         // timeline @3 d
            (2_000_000, 1_000_000, "1.2", "2.40"), // logs @7 d
            (2_000_000, 1_000_000, "2", "4.00"),   // trace @3 d
            (20_000, 10_000, "0.7", "1.40"),       // pv @3 d
            (20_000, 10_000, "1", "2.00"),         // trigger
        ];
        let mut total = Decimal::ZERO;
        for (quantity, unit, price, expected) in lines {
            let amount = line_amount(quantity, unit, d(price)).unwrap();
            assert_eq!(amount, d(expected), "{quantity} at {price} per {unit}");
            total += amount;
        }
        assert_eq!(total, d("13.40"));
    }

    #[test]
    fn midpoints_round_up_and_everything_else_to_the_nearest_cent() {
        for (quantity, unit, price, expected) in [
            (5, 1_000, "1", "0.01"),                      // 0.005 -> up
            (4_999, 1_000_000, "1", "0.00"),              // 0.004999 -> down
            (25, 1_000, "0.6", "0.02"),                   // 0.015 -> up
            (1_250_000, 1_000_000, "1.5", "1.88"),        // 1.875 -> up
            (1_250_000, 1_000_000, "1.2", "1.50"),        // exactly 1.5
            (15, 10_000, "19.44", "0.03"),                // 0.02916 -> up
            (1_234_567, 1_000_000, "19.44", "24.00"),     // 23.99998248 -> up
            (1, 10, "1", "0.10"),                         // sms
            (500_000_000, 1_000_000_000, "0.35", "0.18"), // 0.175 GB forwarding -> up
            (499_999_999, 1_000_000_000, "0.1", "0.05"),  // 0.0499999999 -> down
            (0, 1_000, "0.6", "0.00"),
        ] {
            assert_eq!(
                line_amount(quantity, unit, d(price)).unwrap(),
                d(expected),
                "{quantity} at {price} per {unit}"
            );
        }
    }

    #[test]
    fn the_largest_day_fits_and_nonsense_is_refused() {
        // 24 hours of the largest hourly quantity at the largest price.
        let most = line_amount(24_000_000_000_000_000, 1, d("99999999.9999"));
        assert!(most.is_some());
        assert_eq!(line_amount(-1, 1_000, d("1")), None);
        assert_eq!(line_amount(1, 0, d("1")), None);
        assert_eq!(line_amount(1, 1, d("-1")), None);
    }
}
