//! Amounts of money in CNY: exact decimals, never floating point. Operators
//! type them into commands (top-up, adjustment); pages show them with `cny`.

use std::str::FromStr;

use rust_decimal::Decimal;

use super::Invalid;

/// An amount an operator entered: at most two decimals, not zero, at most
/// ten million in either direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Amount(Decimal);

/// The largest amount one command may move (a typo guard, not a business rule).
const LIMIT: i64 = 10_000_000;

impl Amount {
    /// A top-up: greater than zero.
    pub fn parse_positive(raw: &str) -> Result<Self, Invalid> {
        let amount = Self::parse_signed(raw)?;
        if amount.0.is_sign_negative() {
            return Err(Invalid::new("error-amount-positive"));
        }
        Ok(amount)
    }

    /// An adjustment: either sign, not zero.
    pub fn parse_signed(raw: &str) -> Result<Self, Invalid> {
        let s = raw.trim();
        let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let well_formed = !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.bytes().all(|b| b.is_ascii_digit())
            && (digits.contains('.') <= !fraction.is_empty());
        if !well_formed {
            return Err(Invalid::new("error-amount-format"));
        }
        if fraction.len() > 2 {
            return Err(Invalid::new("error-amount-decimals"));
        }
        // More than 8 whole digits is over the limit whatever they are.
        let value = match whole.trim_start_matches('0').len() {
            0..=8 => Decimal::from_str(s).map_err(|_| Invalid::new("error-amount-format"))?,
            _ => return Err(Invalid::new("error-amount-too-large").with("limit", cny(Decimal::from(LIMIT)))),
        };
        if value.is_zero() {
            return Err(Invalid::new("error-amount-zero"));
        }
        if value.abs() > Decimal::from(LIMIT) {
            return Err(Invalid::new("error-amount-too-large").with("limit", cny(Decimal::from(LIMIT))));
        }
        Ok(Amount(value.normalize().round_dp(2)))
    }

    /// The value.
    pub fn value(self) -> Decimal {
        self.0
    }
}

/// `¥1,234.50`, `-¥12.30`: two decimals, thousands grouped.
pub fn cny(amount: Decimal) -> String {
    let sign = if amount.is_sign_negative() && !amount.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}¥{}", grouped(amount.abs()))
}

/// `+¥100.00`, `-¥12.30`: for changes of a balance.
pub fn signed_cny(amount: Decimal) -> String {
    if amount.is_sign_negative() && !amount.is_zero() {
        cny(amount)
    } else {
        format!("+{}", cny(amount))
    }
}

/// `3.60`: two decimals, no grouping (CSV, forms).
pub fn plain(amount: Decimal) -> String {
    let mut rounded = amount.round_dp(2);
    rounded.rescale(2);
    rounded.to_string()
}

fn grouped(non_negative: Decimal) -> String {
    let text = plain(non_negative);
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "00"));
    format!("{}.{fraction}", group_digits(whole))
}

/// `1,234,567`: a count (quantities of usage) with thousands grouped.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", group_digits(&digits))
}

fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn top_ups_are_positive_with_at_most_two_decimals() {
        assert_eq!(Amount::parse_positive("100.00").unwrap().value(), d("100"));
        assert_eq!(Amount::parse_positive(" 0.5 ").unwrap().value(), d("0.5"));
        assert_eq!(Amount::parse_positive("10000000").unwrap().value(), d("10000000"));
        for (raw, message) in [
            ("", "error-amount-format"),
            ("abc", "error-amount-format"),
            ("1,000", "error-amount-format"),
            ("1e3", "error-amount-format"),
            ("12.", "error-amount-format"),
            (".5", "error-amount-format"),
            ("--1", "error-amount-format"),
            ("NaN", "error-amount-format"),
            ("1.234", "error-amount-decimals"),
            ("0", "error-amount-zero"),
            ("0.00", "error-amount-zero"),
            ("-5", "error-amount-positive"),
            ("10000000.01", "error-amount-too-large"),
            ("99999999999999999999999999999999", "error-amount-too-large"),
        ] {
            assert_eq!(
                Amount::parse_positive(raw).unwrap_err().message,
                message,
                "{raw:?}"
            );
        }
    }

    #[test]
    fn adjustments_take_either_sign() {
        assert_eq!(Amount::parse_signed("-12.30").unwrap().value(), d("-12.3"));
        assert_eq!(Amount::parse_signed("+7").unwrap().value(), d("7"));
        assert_eq!(
            Amount::parse_signed("-0").unwrap_err().message,
            "error-amount-zero"
        );
        assert_eq!(
            Amount::parse_signed("-10000000.01").unwrap_err().message,
            "error-amount-too-large"
        );
    }

    #[test]
    fn amounts_show_two_decimals_grouped() {
        assert_eq!(cny(d("13.4")), "¥13.40");
        assert_eq!(cny(d("1234567.5")), "¥1,234,567.50");
        assert_eq!(cny(d("-12.3")), "-¥12.30");
        assert_eq!(cny(d("0")), "¥0.00");
        assert_eq!(cny(d("-0.00")), "¥0.00");
        assert_eq!(signed_cny(d("100")), "+¥100.00");
        assert_eq!(signed_cny(d("-3.6")), "-¥3.60");
        assert_eq!(plain(d("3.6")), "3.60");
        assert_eq!(plain(d("999.999")), "1000.00");
        assert_eq!(cny(d("100")), "¥100.00");
        assert_eq!(cny(d("999")), "¥999.00");
        assert_eq!(cny(d("1000")), "¥1,000.00");
        assert_eq!(count(2_000_000), "2,000,000");
        assert_eq!(count(999), "999");
        assert_eq!(count(0), "0");
    }
}
