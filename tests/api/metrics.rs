//! `/metrics`: every label bounded, and not for everyone.

use reqwest::Method;

use crate::helpers::{spawn_app, spawn_app_with};

/// The series of `http_requests_total` in a scrape.
fn request_series(scrape: &str) -> Vec<&str> {
    scrape
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .collect()
}

#[tokio::test]
async fn random_methods_and_paths_add_no_series() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let before = app.get_text("/metrics").await.len();
    let mut methods = Vec::new();
    for i in 0..300 {
        let method = format!(
            "M{}",
            &uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()
        );
        let path = if i % 2 == 0 {
            "/healthz".to_string()
        } else {
            format!("/nowhere/{}", uuid::Uuid::new_v4().simple())
        };
        let res = client
            .request(Method::from_bytes(method.as_bytes()).unwrap(), app.url(&path))
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_client_error(),
            "{method} {path}: {}",
            res.status()
        );
        methods.push(method);
    }
    let scrape = app.get_text("/metrics").await;
    for method in &methods {
        assert!(!scrape.contains(method.as_str()), "a series for {method}");
    }
    assert!(!scrape.contains("/nowhere/"), "a series for a raw path");
    let series = request_series(&scrape);
    assert!(
        series.contains(&"http_requests_total{method=\"other\",route=\"/healthz\",status=\"405\"} 150"),
        "{series:#?}"
    );
    assert!(
        series.contains(&"http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"} 150"),
        "{series:#?}"
    );
    assert!(series.len() <= 4, "{series:#?}");
    // 300 hostile requests cost a few series, not kilobytes per request.
    assert!(
        scrape.len() < before + 8 * 1024,
        "{} -> {} bytes",
        before,
        scrape.len()
    );
}

#[tokio::test]
async fn with_a_token_only_the_scraper_that_sends_it_reads_the_metrics() {
    let token = "scrape-token-0123456789";
    let app = spawn_app_with(&[("APP_METRICS_TOKEN", token)]).await;
    let client = reqwest::Client::new();
    let res = client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-token-wrong-guess")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("db_pool_max_size"));
}
