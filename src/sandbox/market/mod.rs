//! The simulated Alibaba Cloud Marketplace: buyer pages, a JSON API for tests,
//! the Market OpenAPI, and an SPI caller that signs and retries like Alibaba.
//! Its state lives in the `sandbox` schema.

pub mod api;
pub mod buyer;
pub mod notifier;
pub mod openapi;
pub mod schema;
pub mod store;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use secrecy::SecretString;
use url::Url;

use crate::db::DbPool;
use store::Instance;

/// The SKU every simulated purchase gets (pay-as-you-go).
pub const SKU: &str = "cmgj00053362-postpay";

/// Faults a test can switch on for a while.
#[derive(Default)]
struct FaultState {
    spi_unreachable_until: Option<Instant>,
    openapi_fail_until: Option<Instant>,
    openapi_delay: Duration,
    openapi_in_flight: usize,
    /// How many of the next PushMeteringData calls answer 503, are
    /// throttled, or are recorded and then never answered in time.
    metering_fail: u32,
    metering_throttle: u32,
    metering_time_out_after_recording: u32,
}

/// A fault of PushMeteringData a test can queue for the next calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeteringFault {
    /// 503 `ServiceUnavailable`, nothing recorded.
    Fail,
    /// `Service.Flow.Control`, nothing recorded.
    Throttle,
    /// Recorded, then no answer for a minute (the caller times out).
    TimeOutAfterRecording,
}

/// Shared fault switches.
#[derive(Clone, Default)]
pub struct Faults(Arc<Mutex<FaultState>>);

impl Faults {
    fn with<T>(&self, f: impl FnOnce(&mut FaultState) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn until(seconds: u64) -> Option<Instant> {
        (seconds > 0).then(|| Instant::now() + Duration::from_secs(seconds))
    }

    /// SPI calls fail as if the ISV's endpoint were unreachable.
    pub fn spi_unreachable_for(&self, seconds: u64) {
        self.with(|f| f.spi_unreachable_until = Self::until(seconds));
    }

    /// The OpenAPI answers 503.
    pub fn openapi_fail_for(&self, seconds: u64) {
        self.with(|f| f.openapi_fail_until = Self::until(seconds));
    }

    /// The OpenAPI answers only after `delay`.
    pub fn openapi_delay(&self, delay: Duration) {
        self.with(|f| f.openapi_delay = delay);
    }

    /// The next `count` pushes meet `fault` (the counts of each fault add up
    /// in the order fail, throttle, time out).
    pub fn metering(&self, fault: MeteringFault, count: u32) {
        self.with(|f| match fault {
            MeteringFault::Fail => f.metering_fail = count,
            MeteringFault::Throttle => f.metering_throttle = count,
            MeteringFault::TimeOutAfterRecording => f.metering_time_out_after_recording = count,
        });
    }

    /// The fault the current push meets, if any (counted down).
    fn next_metering_fault(&self) -> Option<MeteringFault> {
        self.with(|f| {
            let queued = [
                (&mut f.metering_fail, MeteringFault::Fail),
                (&mut f.metering_throttle, MeteringFault::Throttle),
                (
                    &mut f.metering_time_out_after_recording,
                    MeteringFault::TimeOutAfterRecording,
                ),
            ];
            queued.into_iter().find(|(n, _)| **n > 0).map(|(n, fault)| {
                *n -= 1;
                fault
            })
        })
    }

    fn spi_unreachable(&self) -> bool {
        self.with(|f| f.spi_unreachable_until.is_some_and(|t| Instant::now() < t))
    }

    fn openapi_failing(&self) -> bool {
        self.with(|f| f.openapi_fail_until.is_some_and(|t| Instant::now() < t))
    }

    fn openapi_delay_now(&self) -> Duration {
        self.with(|f| f.openapi_delay)
    }

    /// Counts an OpenAPI call as in flight until the guard drops.
    fn openapi_call(&self) -> InFlight {
        self.with(|f| f.openapi_in_flight += 1);
        InFlight(self.clone())
    }

    /// OpenAPI calls received and not yet answered.
    pub fn openapi_in_flight(&self) -> usize {
        self.with(|f| f.openapi_in_flight)
    }
}

/// An OpenAPI call being answered (see [`Faults::openapi_call`]).
struct InFlight(Faults);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.with(|f| f.openapi_in_flight -= 1);
    }
}

/// Everything the marketplace's handlers share.
pub struct Market {
    pub pool: DbPool,
    pub http: reqwest::Client,
    /// The ISV's SPI production URL.
    pub spi_url: Url,
    pub spi_key: SecretString,
    /// The one AccessKey the simulated OpenAPI accepts.
    pub access_key_id: String,
    pub access_key_secret: SecretString,
    pub product_code: String,
    pub retry: Vec<Duration>,
    pub faults: Faults,
    /// Refuse daily pushes after 01:59 the next day (Asia/Shanghai).
    pub metering_cutoff: bool,
    /// One push per instance per this long.
    pub metering_interval: Duration,
    nonces: Mutex<std::collections::HashMap<String, Instant>>,
}

/// Why a buyer action was refused.
#[derive(Debug, thiserror::Error)]
pub enum MarketRefusal {
    #[error("no such instance")]
    Unknown,
    #[error("the instance is closed")]
    Closed,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl Market {
    /// Creates the `sandbox` schema if needed.
    pub async fn new(
        pool: DbPool,
        spi_url: Url,
        settings: &crate::settings::Settings,
    ) -> anyhow::Result<Self> {
        let mut conn = pool.get().await.context("sandbox database")?;
        conn.batch_execute(include_str!("schema.sql"))
            .await
            .context("creating the sandbox schema")?;
        drop(conn);
        Ok(Market {
            pool,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
            spi_url,
            spi_key: settings.aliyun.spi_key.clone(),
            access_key_id: settings.aliyun.access_key_id.clone(),
            access_key_secret: settings.aliyun.access_key_secret.clone(),
            product_code: settings.aliyun.product_code.clone(),
            retry: settings.sandbox_spi_retry.clone(),
            faults: Faults::default(),
            metering_cutoff: settings.billing.sandbox_metering_cutoff,
            metering_interval: settings.billing.sandbox_metering_interval,
            nonces: Mutex::new(Default::default()),
        })
    }

    /// Remembers a signature nonce; `false` when it was seen in the last 15 minutes.
    fn fresh_nonce(&self, nonce: &str) -> bool {
        let mut seen = self.nonces.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        seen.retain(|_, at| now.duration_since(*at) < Duration::from_secs(15 * 60));
        seen.insert(nonce.to_string(), now).is_none()
    }

    async fn conn(&self) -> anyhow::Result<crate::db::DbConn> {
        self.pool.get().await.context("sandbox database")
    }

    /// A buyer activates the product: a new instance, announced with `createInstance`.
    pub async fn purchase(&self, ali_uid: &str) -> anyhow::Result<(Instance, bool)> {
        let mut conn = self.conn().await?;
        let instance = store::purchase(&mut conn, ali_uid, &self.product_code, SKU).await?;
        let params = serde_json::json!({
            "aliUid": instance.ali_uid,
            "orderBizId": instance.instance_id,
            "orderId": instance.order_id,
            "productCode": instance.product_code,
            "skuId": instance.sku_id,
            "trial": instance.trial.to_string(),
        });
        drop(conn);
        let delivered = notifier::notify(self, &instance.instance_id, "createInstance", params).await?;
        Ok((
            self.instance(&instance.instance_id).await?.unwrap_or(instance),
            delivered,
        ))
    }

    /// One instance.
    pub async fn instance(&self, id: &str) -> anyhow::Result<Option<Instance>> {
        Ok(store::instance(&mut *self.conn().await?, id).await?)
    }

    async fn open_instance(&self, conn: &mut AsyncPgConnection, id: &str) -> Result<Instance, MarketRefusal> {
        match store::instance(conn, id).await.map_err(anyhow::Error::from)? {
            None => Err(MarketRefusal::Unknown),
            Some(i) if i.status == "CLOSED" => Err(MarketRefusal::Closed),
            Some(i) => Ok(i),
        }
    }

    /// The buyer closes the instance (`releaseInstance`, unless `notify` is off:
    /// then only the marketplace knows, as when a call is lost for good).
    pub async fn close(&self, id: &str, notify: bool) -> Result<(Instance, bool), MarketRefusal> {
        let mut conn = self.conn().await?;
        let instance = self.open_instance(&mut conn, id).await?;
        store::set_state(&mut conn, id, "CLOSED", instance.end_on)
            .await
            .map_err(anyhow::Error::from)?;
        drop(conn);
        let params = serde_json::json!({
            "instanceId": id,
            "isRefund": "false",
            "orderId": instance.order_id,
        });
        self.announce(id, "releaseInstance", params, notify).await
    }

    /// The instance runs out (`expiredInstance`).
    pub async fn expire(&self, id: &str, notify: bool) -> Result<(Instance, bool), MarketRefusal> {
        let mut conn = self.conn().await?;
        self.open_instance(&mut conn, id).await?;
        store::set_state(&mut conn, id, "EXPIRED", Some(Utc::now()))
            .await
            .map_err(anyhow::Error::from)?;
        drop(conn);
        self.announce(
            id,
            "expiredInstance",
            serde_json::json!({ "instanceId": id }),
            notify,
        )
        .await
    }

    /// The buyer renews for 30 days from the later of now and the current end
    /// (`renewInstance` with the new expiry).
    pub async fn renew(&self, id: &str, notify: bool) -> Result<(Instance, bool), MarketRefusal> {
        let mut conn = self.conn().await?;
        let instance = self.open_instance(&mut conn, id).await?;
        let from = instance
            .end_on
            .filter(|e| *e > Utc::now())
            .unwrap_or_else(Utc::now);
        let until = from + chrono::Duration::days(30);
        let order_id = conn
            .transaction(async |conn| {
                let order_id = store::renewal_order(conn, &instance).await?;
                store::set_state(conn, id, "OPENED", Some(until)).await?;
                Ok::<_, diesel::result::Error>(order_id)
            })
            .await
            .map_err(anyhow::Error::from)?;
        drop(conn);
        let params = serde_json::json!({
            "instanceId": id,
            "orderId": order_id,
            "expiredOn": crate::marketplace::spi::format_time(until),
        });
        self.announce(id, "renewInstance", params, notify).await
    }

    async fn announce(
        &self,
        id: &str,
        action: &str,
        params: serde_json::Value,
        notify: bool,
    ) -> Result<(Instance, bool), MarketRefusal> {
        let delivered = if notify {
            notifier::notify(self, id, action, params).await?
        } else {
            false
        };
        let instance = self.instance(id).await?.ok_or(MarketRefusal::Unknown)?;
        Ok((instance, delivered))
    }

    /// How many SPI calls are still being retried (for the pages).
    pub async fn pending_deliveries(&self) -> anyhow::Result<i64> {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.conn().await?;
        let n: N = diesel::sql_query("SELECT count(*) AS n FROM sandbox.deliveries WHERE status = 'pending'")
            .get_result(&mut conn)
            .await?;
        Ok(n.n)
    }
}
