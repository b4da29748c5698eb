//! A headless Chromium session through chromedriver, and the checks every
//! page the journeys visit goes through ([`Browser::check_page`]).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use billing_center::domain::Language;
use fantoccini::{Client, ClientBuilder, Locator};

/// A browser for one journey in one language; screenshots numbered in order.
pub struct Browser {
    pub client: Client,
    /// The language the browser asks for (`Accept-Language`).
    pub lang: Language,
    driver: Child,
    shots: PathBuf,
    taken: u32,
    /// axe-core's `axe.min.js`, injected into every checked page.
    axe: String,
    /// With `E2E_KEEP_GOING` set, the problems of every page, reported at
    /// [`Browser::finish`] instead of at the first page that has any.
    deferred: Option<Vec<String>>,
}

/// The desktop window every journey runs in.
const DESKTOP: (u32, u32) = (1280, 1000);

/// The phone widths every checked page must fit, without scrolling sideways
/// (CSS pixels, like a phone's): small Android phones and iPhones.
const PHONES: [u32; 2] = [360, 390];

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

/// axe-core as `scripts/test` fetches it (`AXE_CORE_JS`, else its place under
/// `target/`).
fn find_axe() -> Option<String> {
    let path = std::env::var("AXE_CORE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/axe-core/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(path).ok()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A Chrome DevTools command, sent through chromedriver's `goog/cdp/execute`.
#[derive(Debug)]
struct Cdp(&'static str, serde_json::Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.0, "params": self.1 });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// Why a page failed a check; empty when it passed.
type Problems = Vec<String>;

impl Browser {
    /// Starts chromedriver and a headless Chromium session asking for pages
    /// in `lang`, or returns `None` (after saying why) when Chromium,
    /// chromedriver or axe-core are missing and not required.
    pub async fn start(journey: &str, lang: Language) -> Option<Browser> {
        let chromium = find_binary("CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]);
        let driver = find_binary("CHROMEDRIVER", &["chromedriver"]);
        let axe = find_axe();
        let (Some(chromium), Some(driver), Some(axe)) = (chromium, driver, axe) else {
            let message = "Chromium, chromedriver or axe-core is missing: browser journey skipped";
            if std::env::var_os("E2E_REQUIRED").is_some() {
                panic!("{message}, but E2E_REQUIRED is set");
            }
            eprintln!(
                "SKIPPED {journey}: {message} (apt-get install chromium chromium-driver npm; scripts/test fetches axe-core)"
            );
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
            .join(format!("{journey}-{}", lang.code()));
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).unwrap();
        let profile = std::env::temp_dir().join(format!("e2e-profile-{}", uuid::Uuid::new_v4()));
        let accept = match lang {
            Language::En => "en-US,en",
            Language::Zh => "zh-CN,zh",
        };
        let capabilities = serde_json::json!({
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                    format!("--lang={}", accept.split(',').next().unwrap_or("en-US")),
                    format!("--user-data-dir={}", profile.display()),
                ],
                // Downloads (the bills CSV) land beside the screenshots.
                "prefs": {
                    "intl.accept_languages": accept,
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
            lang,
            driver,
            shots,
            taken: 0,
            axe,
            deferred: std::env::var_os("E2E_KEEP_GOING").map(|_| Vec::new()),
        })
    }

    /// The message `key` in the browser's language, as the pages show it.
    pub fn t(&self, key: &str) -> String {
        billing_center::i18n::t(self.lang, key).into_owned()
    }

    /// The message `key` with one argument, as the pages show it.
    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        self.t_args(key, &[(name, value)])
    }

    /// The message `key` with its arguments, as the pages show it.
    pub fn t_args(&self, key: &str, args: &[(&str, &str)]) -> String {
        let args: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, v.to_string())).collect();
        billing_center::i18n::t_args(self.lang, key, &args)
    }

    /// The checks of every page state a journey reaches, named `step`:
    /// - a screenshot on the desktop and at each phone width
    ///   (`target/e2e/<journey>-<lang>/NN-<step>-<width>.png`);
    /// - at each phone width, the document no wider than the screen (no
    ///   sideways scrolling), and no date, badge or name wrapped inside a word;
    /// - axe-core on the desktop and on the narrowest phone: any violation fails;
    /// - in Chinese, no space after full-width punctuation.
    ///
    /// Fails the test with every problem found.
    pub async fn check_page(&mut self, step: &str) {
        self.taken += 1;
        let name = format!("{:02}-{step}", self.taken);
        let mut problems = Problems::new();
        self.screenshot(&format!("{name}-{}", DESKTOP.0)).await;
        problems.extend(self.axe(&format!("{step} at {} px", DESKTOP.0)).await);
        problems.extend(self.punctuation(step).await);
        for width in PHONES {
            self.emulate_phone(Some(width)).await;
            self.screenshot(&format!("{name}-{width}")).await;
            problems.extend(self.fits(step, width).await);
            problems.extend(self.unbroken(step, width).await);
            if width == PHONES[0] {
                problems.extend(self.axe(&format!("{step} at {width} px")).await);
            }
        }
        self.emulate_phone(None).await;
        if problems.is_empty() {
            return;
        }
        let report = format!(
            "{step} ({}) fails its checks:\n{}",
            self.path().await,
            problems.join("\n")
        );
        match &mut self.deferred {
            Some(deferred) => {
                eprintln!("{report}");
                deferred.push(report);
            }
            None => panic!("{report}"),
        }
    }

    /// Saves the whole page (not only what the window shows) as `file`.png.
    async fn screenshot(&self, file: &str) {
        use base64::Engine;
        let shot = self
            .client
            .issue_cmd(Cdp(
                "Page.captureScreenshot",
                serde_json::json!({ "format": "png", "captureBeyondViewport": true }),
            ))
            .await
            .expect("a screenshot");
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .expect("a PNG");
        std::fs::write(self.shots.join(format!("{file}.png")), png).unwrap();
    }

    /// Shows the page as a phone `width` CSS pixels wide would (a mobile
    /// viewport honouring `<meta name=viewport>`), or as the desktop again.
    async fn emulate_phone(&self, width: Option<u32>) {
        let cmd = match width {
            Some(width) => Cdp(
                "Emulation.setDeviceMetricsOverride",
                serde_json::json!({ "width": width, "height": 800, "deviceScaleFactor": 1, "mobile": true }),
            ),
            None => Cdp("Emulation.clearDeviceMetricsOverride", serde_json::json!({})),
        };
        self.client.issue_cmd(cmd).await.expect("device emulation");
    }

    /// Whether the page fits `width` without scrolling sideways; if not,
    /// the widest elements that stick out, to find the culprit.
    async fn fits(&self, step: &str, width: u32) -> Problems {
        let measured = self
            .client
            .execute(
                r#"
                const root = document.documentElement;
                const out = [];
                if (root.scrollWidth > root.clientWidth) {
                  for (const el of document.body.querySelectorAll('*')) {
                    const r = el.getBoundingClientRect();
                    if (r.right > root.clientWidth + 0.5 && r.width > 0) {
                      out.push(`${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} right=${Math.round(r.right)}`);
                    }
                  }
                }
                return [root.clientWidth, root.scrollWidth, out.slice(-5)];
                "#,
                vec![],
            )
            .await
            .expect("page measurements");
        let viewport = measured[0].as_u64().unwrap_or_default();
        let scroll = measured[1].as_u64().unwrap_or_default();
        let mut problems = Problems::new();
        if viewport != u64::from(width) {
            problems.push(format!("{step}: viewport {viewport} px instead of {width} px"));
        }
        if scroll > viewport {
            problems.push(format!(
                "{step} at {width} px scrolls sideways to {scroll} px; sticking out: {}",
                measured[2]
            ));
        }
        problems
    }

    /// Text that must not wrap inside a word, as laid out now: dates, badges
    /// and `.nowrap` not at all; `.keep` (Chinese names) never between two
    /// Chinese characters.
    async fn unbroken(&self, step: &str, width: u32) -> Problems {
        let broken = self
            .client
            .execute(
                r#"
                const han = /\p{Script=Han}/u;
                const out = [];
                for (const el of document.querySelectorAll('time, .badge, .nowrap, .keep')) {
                  const whole = !el.matches('.keep');
                  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
                  let prev = null;
                  while (walker.nextNode()) {
                    const node = walker.currentNode;
                    for (let i = 0; i < node.length; i++) {
                      const range = document.createRange();
                      range.setStart(node, i);
                      range.setEnd(node, i + 1);
                      const rect = range.getClientRects()[0];
                      if (!rect) continue;
                      const ch = node.data[i];
                      if (prev && rect.top > prev.top + 1 && (whole || (han.test(prev.ch) && han.test(ch)))) {
                        out.push(`"${el.textContent.trim()}" breaks between "${prev.ch}" and "${ch}"`);
                      }
                      prev = { ch, top: rect.top };
                    }
                  }
                }
                return out;
                "#,
                vec![],
            )
            .await
            .expect("a script");
        broken
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| format!("{step} at {width} px: {}", b.as_str().unwrap_or_default()))
            .collect()
    }

    /// The space between the first elements matching `above_or_left` and
    /// `below_or_right`, in CSS pixels (vertical when one is below the other).
    pub async fn gap_between(&self, above_or_left: &str, below_or_right: &str) -> f64 {
        let gap = self
            .client
            .execute(
                r#"
                const a = document.querySelector(arguments[0]).getBoundingClientRect();
                const b = document.querySelector(arguments[1]).getBoundingClientRect();
                return b.top >= a.bottom ? b.top - a.bottom : b.left - a.right;
                "#,
                vec![above_or_left.into(), below_or_right.into()],
            )
            .await
            .expect("a script");
        gap.as_f64().unwrap()
    }

    /// axe-core's violations on the page as it is now.
    async fn axe(&self, what: &str) -> Problems {
        let loaded = self
            .client
            .execute("return typeof window.axe === 'object';", vec![])
            .await
            .expect("a script");
        if loaded != serde_json::Value::Bool(true) {
            self.client
                .execute(&format!("{}\nreturn true;", self.axe), vec![])
                .await
                .expect("axe-core loads");
        }
        let result = self
            .client
            .execute_async(
                r#"
                const done = arguments[arguments.length - 1];
                axe.run(document, { resultTypes: ['violations'] }).then(
                  r => done(r.violations.map(v =>
                    `${v.id} (${v.impact}): ${v.help}\n` +
                    v.nodes.map(n => `      ${n.target.join(' ')}: ${n.failureSummary.replace(/\n/g, ' ')}`).join('\n'))),
                  e => done([`axe-core failed: ${e}`]));
                "#,
                vec![],
            )
            .await
            .expect("axe-core runs");
        result
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| format!("axe, {what}: {}", v.as_str().unwrap_or_default()))
            .collect()
    }

    /// Chinese text puts no space after full-width punctuation (a space
    /// there shows as a gap, like "。 下一句").
    async fn punctuation(&self, step: &str) -> Problems {
        if self.lang != Language::Zh {
            return Problems::new();
        }
        let text = self.page_text().await;
        text.lines()
            .filter(|line| {
                line.char_indices().any(|(i, c)| {
                    "。，；：！？、".contains(c) && line[i + c.len_utf8()..].starts_with([' ', '\u{a0}'])
                })
            })
            .map(|line| format!("{step}: a space after full-width punctuation in {line:?}"))
            .collect()
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

    /// The current value of the field named `name`.
    pub async fn value(&self, name: &str) -> String {
        self.client
            .find(Locator::Css(&format!("[name='{name}']")))
            .await
            .unwrap_or_else(|e| panic!("field {name}: {e}"))
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// Presses Enter in the field named `name`, as a person ending a form does.
    pub async fn press_enter_in(&self, name: &str) {
        self.client
            .find(Locator::Css(&format!("[name='{name}']")))
            .await
            .unwrap_or_else(|e| panic!("field {name}: {e}"))
            .send_keys("\u{E007}")
            .await
            .unwrap();
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
        self.wait_until_at(path).await;
    }

    /// Waits until the browser is at `path` (and query).
    pub async fn wait_until_at(&self, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.path().await != path {
            assert!(
                Instant::now() < deadline,
                "still at {} instead of {path}",
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

    /// How many elements match `css`.
    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.unwrap().len()
    }

    /// The names of the inputs drawn as refused (the danger colour's border).
    pub async fn invalid_looking_inputs(&self) -> Vec<String> {
        let names = self
            .client
            .execute(
                r#"
                const probe = document.createElement('p');
                probe.style.color = getComputedStyle(document.documentElement).getPropertyValue('--danger');
                document.body.append(probe);
                const danger = getComputedStyle(probe).color;
                probe.remove();
                return [...document.querySelectorAll('input, select')]
                  .filter(el => el.offsetParent !== null && getComputedStyle(el).borderTopColor === danger)
                  .map(el => el.name);
                "#,
                vec![],
            )
            .await
            .expect("a script");
        serde_json::from_value(names).unwrap()
    }

    /// Opens `url` in a new tab and switches to it; returns the tab to come
    /// back to with [`Browser::close_tab`].
    pub async fn open_tab(&self, url: &str) -> fantoccini::wd::WindowHandle {
        let back = self.client.window().await.unwrap();
        let tab = self.client.new_window(true).await.unwrap();
        self.client.switch_to_window(tab.handle).await.unwrap();
        self.goto(url).await;
        back
    }

    /// Closes the current tab and goes back to `back`.
    pub async fn close_tab(&self, back: fantoccini::wd::WindowHandle) {
        self.client.close_window().await.unwrap();
        self.client.switch_to_window(back).await.unwrap();
    }

    /// Whether an element matching `css` is on the page and shown.
    pub async fn is_shown(&self, css: &str) -> bool {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.is_displayed().await.unwrap(),
            Err(_) => false,
        }
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

    /// Logs in through the login page and waits for `landing`.
    pub async fn log_in(&mut self, app_url: &str, login: &str, landing: &str) {
        self.goto(&format!("{app_url}/login")).await;
        self.fill("login", login).await;
        self.fill("password", crate::helpers::PASSWORD).await;
        self.click_to("form button.primary", landing).await;
    }

    /// Ends the session and the driver; fails with the deferred problems.
    pub async fn finish(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        if let Some(deferred) = self.deferred.take() {
            assert!(deferred.is_empty(), "{}", deferred.join("\n"));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
