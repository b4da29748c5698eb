//! The price list (data, not code): billing items and their unit prices by
//! retention and first valid day.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use rust_decimal::Decimal;

use crate::db::schema::{price_items, prices};
use crate::domain::Language;

/// A billing item: how its quantity is counted and named.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = price_items, check_for_backend(diesel::pg::Pg))]
pub struct PriceItem {
    pub item: String,
    pub name_en: String,
    pub name_zh: String,
    pub unit_size: i64,
    pub unit_en: String,
    pub unit_zh: String,
    pub tiered: bool,
    pub position: i32,
}

impl PriceItem {
    /// Every item, in list order (pipelined when `conn` is shared).
    pub async fn all(mut conn: &AsyncPgConnection) -> QueryResult<Vec<PriceItem>> {
        price_items::table
            .order(price_items::position)
            .select(PriceItem::as_select())
            .load(&mut conn)
            .await
    }

    /// One item.
    pub async fn find(conn: &mut AsyncPgConnection, item: &str) -> QueryResult<Option<PriceItem>> {
        price_items::table
            .find(item)
            .select(PriceItem::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// The item's name in `lang`.
    pub fn name(&self, lang: Language) -> &str {
        match lang {
            Language::En => &self.name_en,
            Language::Zh => &self.name_zh,
        }
    }

    /// The priced unit's name in `lang`.
    pub fn unit(&self, lang: Language) -> &str {
        match lang {
            Language::En => &self.unit_en,
            Language::Zh => &self.unit_zh,
        }
    }
}

/// A unit price from a day on. `retention_days` is 0 for items without tiers.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = prices, check_for_backend(diesel::pg::Pg))]
pub struct Price {
    pub item: String,
    pub retention_days: i32,
    pub unit_price: Decimal,
    pub valid_from: NaiveDate,
}

impl Price {
    /// Every price row, by item, retention and day.
    pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Price>> {
        prices::table
            .inner_join(price_items::table)
            .order((price_items::position, prices::retention_days, prices::valid_from))
            .select(Price::as_select())
            .load(conn)
            .await
    }

    /// Sets the price of (`item`, `retention_days`) from `valid_from` on,
    /// replacing a price set earlier for that same first day.
    pub async fn set(
        conn: &mut AsyncPgConnection,
        item: &str,
        retention_days: i32,
        unit_price: Decimal,
        valid_from: NaiveDate,
    ) -> QueryResult<()> {
        diesel::insert_into(prices::table)
            .values((
                prices::item.eq(item),
                prices::retention_days.eq(retention_days),
                prices::unit_price.eq(unit_price),
                prices::valid_from.eq(valid_from),
            ))
            .on_conflict((prices::item, prices::retention_days, prices::valid_from))
            .do_update()
            .set((
                prices::unit_price.eq(unit_price),
                prices::created_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await
            .map(drop)
    }
}
