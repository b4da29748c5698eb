//! The month's daily totals as an inline SVG bar chart, drawn on the server
//! (no script; CSP allows no inline style, so colours come from app.css).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::Month;

/// One day's bar, in the chart's own coordinates (viewBox units).
pub struct Bar {
    pub x: u32,
    pub y: String,
    pub height: String,
    /// `2026-11-27: ¥13.40`, for the bar's tooltip.
    pub label: String,
    /// Day-of-month tick under some bars (1, 5, 10, ...).
    pub tick: Option<u32>,
}

/// The chart of a month.
pub struct Chart {
    pub width: u32,
    pub bars: Vec<Bar>,
    /// The tallest day's total (the top of the scale).
    pub max: String,
}

/// The chart's plot height; labels take the rest.
pub const PLOT: f64 = 100.0;
/// Width of one day's slot.
const SLOT: u32 = 10;

/// Bars for every day of `month` from its (day, total) pairs.
pub fn chart(month: Month, totals: &[(NaiveDate, Decimal)]) -> Chart {
    let max = totals.iter().map(|(_, t)| *t).max().unwrap_or_default();
    let scale = max.to_f64().filter(|m| *m > 0.0).unwrap_or(1.0);
    let bars = month
        .days()
        .enumerate()
        .map(|(i, day)| {
            let total = totals
                .iter()
                .find(|(d, _)| *d == day)
                .map_or(Decimal::ZERO, |(_, t)| *t);
            // Drawing only: the numbers themselves stay exact in the labels.
            let height = total.to_f64().unwrap_or(0.0) / scale * PLOT;
            let n = u32::try_from(i).unwrap_or(0);
            Bar {
                x: n * SLOT + 1,
                y: format!("{:.2}", PLOT - height),
                height: format!("{height:.2}"),
                label: format!("{day}: {}", crate::domain::cny(total)),
                tick: (day.day() == 1 || day.day() % 5 == 0).then_some(day.day()),
            }
        })
        .collect::<Vec<_>>();
    Chart {
        width: u32::try_from(bars.len()).unwrap_or(31) * SLOT,
        bars,
        max: crate::domain::cny(max),
    }
}
