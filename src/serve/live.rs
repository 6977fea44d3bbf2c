//! Live reload: the state of the last rebuild, the `/__casebook/status` JSON the error
//! overlay reads, and the server-sent-events stream that tells pages to reload.

use std::io::Write;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::diag::Diagnostic;

/// The script every served page loads (from memory; never written to the site).
pub const LIVE_JS: &str = include_str!("live.js");

/// Open event streams beyond this are refused (each holds a connection and a thread).
const MAX_STREAMS: usize = 256;
/// How often an idle stream gets a comment, so a vanished client is noticed.
const KEEPALIVE: Duration = Duration::from_secs(15);

#[derive(Clone, Debug, Serialize)]
pub struct StatusDiagnostic {
    pub rule: String,
    pub severity: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

impl From<&Diagnostic> for StatusDiagnostic {
    fn from(d: &Diagnostic) -> Self {
        StatusDiagnostic {
            rule: d.rule.to_string(),
            severity: if d.is_error() { "error" } else { "warning" }.into(),
            file: d.file.display().to_string(),
            line: d.line,
            column: d.column,
            message: d.message.clone(),
            help: d.help.clone(),
        }
    }
}

/// What `/__casebook/status` returns.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// Whether the last build succeeded (the site served is its output).
    pub ok: bool,
    /// Counts finished builds; pages reload when it moves on.
    pub generation: u64,
    /// Whether a site has been built at all (false while the first build failed).
    pub site: bool,
    pub diagnostics: Vec<StatusDiagnostic>,
}

/// Shared between the watch loop (which updates it) and the request handlers.
pub struct Live {
    status: Mutex<Status>,
    streams: Mutex<Vec<Sender<String>>>,
}

impl Live {
    pub fn new() -> Arc<Live> {
        Arc::new(Live {
            status: Mutex::new(Status {
                ok: true,
                generation: 0,
                site: false,
                diagnostics: Vec::new(),
            }),
            streams: Mutex::new(Vec::new()),
        })
    }

    pub fn status(&self) -> Status {
        self.status
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn status_json(&self) -> String {
        serde_json::to_string(&self.status()).unwrap_or_else(|_| "{\"ok\":true}".into())
    }

    /// Records a finished build and tells every open page: `reload` after a success (the
    /// site changed), `status` after a failure (the site did not; the page shows the
    /// overlay without losing its state).
    ///
    /// `pages`: the URL paths of the only pages a successful build changed (`None`: all
    /// reload). They follow the generation as further lines of the event's data; a page
    /// not among them stays as it is (and only refreshes its overlay).
    pub fn finished(&self, ok: bool, diagnostics: &[Diagnostic], pages: Option<&[String]>) {
        let generation = {
            let mut s = self.status.lock().unwrap_or_else(|e| e.into_inner());
            s.ok = ok;
            s.generation += 1;
            s.site |= ok;
            s.diagnostics = diagnostics
                .iter()
                .filter(|d| !ok || d.is_error())
                .map(StatusDiagnostic::from)
                .collect();
            s.generation
        };
        let event = if ok { "reload" } else { "status" };
        let mut msg = format!("event: {event}\ndata: {generation}\n");
        // A path with a line break could not be one line of data: then all reload.
        if ok
            && let Some(pages) = pages
            && !pages.iter().any(|p| p.contains(['\n', '\r']))
        {
            for p in pages {
                msg.push_str("data: ");
                msg.push_str(p);
                msg.push('\n');
            }
            msg.push_str("data: (end)\n");
        }
        msg.push('\n');
        self.broadcast(&msg);
    }

    /// Tells the pages showing `url` (a site path) that it was rewritten by the fast
    /// path, ahead of the rebuild: only they reload.
    pub fn page_updated(&self, url: &str) {
        // A path is one line of the event's data (it never holds a line break).
        if !url.contains(['\n', '\r']) {
            self.broadcast(&format!("event: page\ndata: {url}\n\n"));
        }
    }

    fn broadcast(&self, msg: &str) {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams.retain(|tx| tx.send(msg.to_string()).is_ok());
    }

    /// Registers a new event stream; `None` when there are too many.
    fn subscribe(&self) -> Option<Receiver<String>> {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        // Streams whose client left count no more (an empty message is not sent on).
        streams.retain(|tx| tx.send(String::new()).is_ok());
        if streams.len() >= MAX_STREAMS {
            return None;
        }
        let (tx, rx) = channel();
        streams.push(tx);
        Some(rx)
    }

    /// Serves `/__casebook/events` on a thread of its own, so a stream never holds one of
    /// tiny_http's workers: a `text/event-stream` delimited by the connection's close
    /// (the guard asked tiny_http for `Connection: close`), flushed per event.
    ///
    /// tiny_http's own streamed responses buffer 8 KiB before sending anything, which
    /// would hold events back, so the stream is written by hand.
    pub fn stream(self: &Arc<Self>, request: tiny_http::Request) {
        let Some(rx) = self.subscribe() else {
            let _ = request.respond(
                tiny_http::Response::from_string("too many open event streams\n")
                    .with_status_code(503),
            );
            return;
        };
        let generation = self.status().generation;
        let spawned = std::thread::Builder::new()
            .name("casebook-events".into())
            .spawn(move || {
                let mut w = request.into_writer();
                let head = "HTTP/1.1 200 OK\r\n\
                    Content-Type: text/event-stream; charset=utf-8\r\n\
                    Cache-Control: no-cache\r\n\
                    X-Content-Type-Options: nosniff\r\n\
                    Server: tiny-http (Rust)\r\n\
                    Connection: close\r\n\r\n";
                let first = format!("retry: 1000\nevent: hello\ndata: {generation}\n\n");
                if send(&mut w, head).is_err() || send(&mut w, &first).is_err() {
                    return;
                }
                let mut last = Instant::now();
                loop {
                    let msg = match rx.recv_timeout(KEEPALIVE) {
                        // A liveness probe (see `subscribe`): it resets no keep-alive timer.
                        Ok(m) if m.is_empty() && last.elapsed() < KEEPALIVE => continue,
                        Ok(m) if !m.is_empty() => m,
                        Ok(_) | Err(RecvTimeoutError::Timeout) => ": keepalive\n\n".to_string(),
                        Err(RecvTimeoutError::Disconnected) => break,
                    };
                    if send(&mut w, &msg).is_err() {
                        break;
                    }
                    last = Instant::now();
                }
            });
        if let Err(e) = spawned {
            eprintln!("warning: cannot start an event stream: {e}");
        }
    }
}

fn send(w: &mut dyn Write, data: &str) -> std::io::Result<()> {
    w.write_all(data.as_bytes())?;
    w.flush()
}
