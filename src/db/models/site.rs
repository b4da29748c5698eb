//! Sites (data, not code: SPEC 3.2).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::sites;
use crate::domain::{Language, SettlementMethod};

/// A site and the settlement methods it allows by default.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sites, check_for_backend(diesel::pg::Pg))]
pub struct Site {
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
    pub cloud: String,
    pub methods: Vec<String>,
    pub position: i32,
}

impl Site {
    /// Every site, in display order.
    pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Site>> {
        sites::table
            .order(sites::position)
            .select(Site::as_select())
            .load(conn)
            .await
    }

    /// The site's name in `lang`.
    pub fn name(&self, lang: Language) -> &str {
        match lang {
            Language::En => &self.name_en,
            Language::Zh => &self.name_zh,
        }
    }

    /// Whether the site allows `method` without `arbitrary_settlement` (R3).
    pub fn allows(&self, method: SettlementMethod) -> bool {
        self.methods.iter().any(|m| m == method.code())
    }
}

/// Finds `code` among `sites`.
pub fn find<'a>(sites: &'a [Site], code: &str) -> Option<&'a Site> {
    sites.iter().find(|s| s.code == code)
}
