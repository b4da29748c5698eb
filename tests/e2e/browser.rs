//! A headless Chromium session through chromedriver.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// A browser for one journey; screenshots numbered in order.
pub struct Browser {
    pub client: Client,
    driver: Child,
    shots: PathBuf,
    taken: u32,
}

fn find_binary(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Ok(path) = std::env::var(env) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var("PATH").unwrap_or_default();
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session, or returns `None`
    /// (after saying why) when they are not installed and not required.
    pub async fn start(journey: &str) -> Option<Browser> {
        let chromium = find_binary("CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]);
        let driver = find_binary("CHROMEDRIVER", &["chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            let message = "Chromium and chromedriver are not installed: browser journey skipped";
            if std::env::var_os("E2E_REQUIRED").is_some() {
                panic!("{message}, but E2E_REQUIRED is set");
            }
            eprintln!("SKIPPED {journey}: {message} (apt-get install chromium chromium-driver)");
            return None;
        };
        let port = free_port();
        let driver = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver listens");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("target/e2e")
            .join(journey);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        let profile = std::env::temp_dir().join(format!("e2e-profile-{}", uuid::Uuid::new_v4()));
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                    "--lang=en-US", format!("--user-data-dir={}", profile.display()),
                ],
                // Downloads (the bills CSV) land beside the screenshots.
                "prefs": {
                    "download.default_directory": shots.join("downloads"),
                    "download.prompt_for_download": false,
                },
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        // Two TLS backends are linked (ring, aws-lc-rs); WebDriver on loopback
        // needs neither, but rustls insists on a process-wide choice.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .expect("a TLS backend")
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session");
        Some(Browser {
            client,
            driver,
            shots,
            taken: 0,
        })
    }

    /// Saves a screenshot of the page as `NN-<step>.png`.
    pub async fn shot(&mut self, step: &str) {
        self.taken += 1;
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(self.shots.join(format!("{:02}-{step}.png", self.taken)), png).unwrap();
    }

    /// Screenshots at desktop width (1280 px) and phone width (390 px), with
    /// `focus` (a CSS selector) scrolled into view at each, asserting that the
    /// phone-width page does not scroll sideways.
    pub async fn shot_both_widths(&mut self, step: &str, focus: Option<&str>) {
        self.scroll_to(focus).await;
        self.shot(step).await;
        self.client.set_window_size(390, 844).await.unwrap();
        self.scroll_to(focus).await;
        self.shot(&format!("{step}-390px")).await;
        let widths = self
            .client
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                vec![],
            )
            .await
            .unwrap();
        let (scroll, client) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
        assert!(
            client <= 390 && scroll <= client,
            "{step} scrolls sideways at 390 px: {scroll} > {client}"
        );
        self.client.set_window_size(1280, 1000).await.unwrap();
    }

    async fn scroll_to(&self, css: Option<&str>) {
        if let Some(css) = css {
            let element = self.client.find(Locator::Css(css)).await.unwrap();
            let element = serde_json::to_value(element).unwrap();
            self.client
                .execute("arguments[0].scrollIntoView({block: 'start'});", vec![element])
                .await
                .unwrap();
        }
    }

    /// The bytes of the downloaded file `name`, once it is complete (15 s at most).
    pub async fn downloaded(&self, name: &str) -> Vec<u8> {
        let path = self.shots.join("downloads").join(name);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Ok(bytes) = std::fs::read(&path) {
                return bytes;
            }
            assert!(Instant::now() < deadline, "no download {name}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// Types `value` into the field named `name` (after clearing it).
    pub async fn fill(&self, name: &str, value: &str) {
        let field = self
            .client
            .find(Locator::Css(&format!("[name='{name}']")))
            .await
            .unwrap_or_else(|e| panic!("field {name}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Clicks `css` and waits until the browser is at `path` (a form's 303).
    pub async fn click_to(&self, css: &str, path: &str) {
        self.click(css).await;
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.path().await != path {
            assert!(
                Instant::now() < deadline,
                "after clicking {css}, still at {} instead of {path}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until an element matching `css` is on the page.
    pub async fn wait_for(&self, css: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
    }

    /// The text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// The page's visible text.
    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    /// The current path and query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Ends the session and the driver.
    pub async fn finish(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
