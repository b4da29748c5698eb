//! The simulated marketplace's buyer pages, over HTTP as a browser uses them.

use crate::helpers::{browser, spawn_app};

/// The Instance ID on the *Activation Request Submitted* page.
fn submitted_instance_id(page: &str) -> String {
    let marker = r#"id="instance-id">"#;
    let start = page.find(marker).expect("an instance id") + marker.len();
    page[start..].chars().take_while(char::is_ascii_digit).collect()
}

/// *Purchased Services* as `client` sees it, with `query` (`?ali_uid=`, or none).
async fn purchased(client: &reqwest::Client, sandbox: &str, query: &[(&str, &str)]) -> String {
    let res = client
        .get(format!("{sandbox}/market/purchased"))
        .query(query)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// Posts a buyer form; the page it answers with.
async fn submit(client: &reqwest::Client, sandbox: &str, path: &str, fields: &[(&str, &str)]) -> String {
    let res = client
        .post(format!("{sandbox}{path}"))
        .form(fields)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

/// Whether the page lists `instance`.
fn lists(page: &str, instance: &str) -> bool {
    page.contains(&format!(r#"data-instance-id="{instance}""#))
}

#[tokio::test]
async fn purchased_services_lists_the_buyer_who_just_activated_and_looks_up_any_account() {
    let app = spawn_app().await;
    let (uid, other_uid) = ("1234567890123456", "6543210987654321");
    let other_instance = app.market_purchase(other_uid).await["instance_id"]
        .as_str()
        .unwrap()
        .to_string();

    // Activate through the buyer pages: the terms, then confirm.
    let buyer = browser();
    let terms = submit(&buyer, &app.sandbox, "/market/activate", &[("ali_uid", uid)]).await;
    assert!(terms.contains("Activate Pay-as-you-go Service"));
    let fields = [("ali_uid", uid), ("agree", "on")];
    let instance = submitted_instance_id(&submit(&buyer, &app.sandbox, "/market/confirm", &fields).await);

    // Purchased Services, with no account in the address, shows that buyer's instance.
    let page = purchased(&buyer, &app.sandbox, &[]).await;
    assert!(lists(&page, &instance), "{page}");
    assert!(page.contains(&format!(r#"value="{uid}""#)));
    assert!(!lists(&page, &other_instance));

    // Another browser is asked for an account ID and offered the recent buyers.
    let stranger = browser();
    let page = purchased(&stranger, &app.sandbox, &[]).await;
    assert!(!page.contains("data-instance-id"));
    assert!(page.contains("Enter the account ID you activated with"));
    assert!(page.contains(&format!(r#"href="/market/purchased?ali_uid={uid}""#)));

    // The lookup field takes an account ID as typed (spaces and all), and
    // that account is remembered from then on.
    let page = purchased(&stranger, &app.sandbox, &[("ali_uid", &format!(" {other_uid} "))]).await;
    assert!(
        lists(&page, &other_instance) && !lists(&page, &instance),
        "{page}"
    );
    let page = purchased(&stranger, &app.sandbox, &[]).await;
    assert!(lists(&page, &other_instance));

    // Something that is not an account ID is refused, and nothing is listed.
    let page = purchased(&stranger, &app.sandbox, &[("ali_uid", "alice")]).await;
    assert!(page.contains("The account ID is a number"));
    assert!(page.contains(r#"value="alice""#));
    assert!(!page.contains("data-instance-id"));
}
