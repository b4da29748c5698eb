//! The SMTP listener (mailin-embedded: blocking, its own thread pool).

use std::net::{IpAddr, TcpListener};

use mailin_embedded::response::{NO_SERVICE, OK};
use mailin_embedded::{Handler, Response, Server, SslConfig};

use super::{Mailbox, ReceivedMessage};

#[derive(Clone)]
struct Receiver {
    mailbox: Mailbox,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Receiver {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        if self.mailbox.refusing() { NO_SERVICE } else { OK }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let parsed = mail_parser::MessageParser::default().parse(&self.data);
        let message = ReceivedMessage {
            id: 0,
            to: std::mem::take(&mut self.to),
            from: std::mem::take(&mut self.from),
            subject: parsed
                .as_ref()
                .and_then(|m| m.subject())
                .unwrap_or_default()
                .to_string(),
            message_id: parsed.as_ref().and_then(|m| m.message_id()).map(str::to_string),
            received_at: chrono::Utc::now(),
            text: parsed
                .as_ref()
                .and_then(|m| m.body_text(0))
                .unwrap_or_default()
                .into_owned(),
            html: parsed
                .as_ref()
                .and_then(|m| m.body_html(0))
                .unwrap_or_default()
                .into_owned(),
        };
        self.mailbox.store(message);
        self.data.clear();
        // The SMTP threads are the listener's own: blocking here holds only
        // this conversation.
        std::thread::sleep(self.mailbox.hold());
        OK
    }
}

/// Serves SMTP on `listener` in a background thread for the life of the process.
pub fn spawn(listener: TcpListener, mailbox: Mailbox) -> anyhow::Result<()> {
    let handler = Receiver {
        mailbox,
        from: String::new(),
        to: Vec::new(),
        data: Vec::new(),
    };
    let mut server = Server::new(handler);
    server
        .with_name("sandbox.localhost")
        .with_num_threads(2)
        .with_ssl(SslConfig::None)
        .map_err(|e| anyhow::anyhow!("sandbox SMTP: {e}"))?
        .with_tcp_listener(listener);
    std::thread::Builder::new()
        .name("sandbox-smtp".into())
        .spawn(move || {
            if let Err(e) = server.serve() {
                tracing::error!(error = %e, "sandbox SMTP listener stopped");
            }
        })?;
    Ok(())
}
