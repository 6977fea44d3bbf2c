//! The preview server: serves the files of a built site (and nothing else) over HTTP, a
//! thread per connection up to a bound, plus the live-reload endpoints under `/__casebook/`.

pub mod files;
pub mod http;
pub mod live;

use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};

use files::Resolved;
use http::{Body, ReadError, Request, Response};
pub use live::Live;

/// Open connections beyond this are answered 503 and closed at once. Each has a thread of
/// its own; a client holds one at most `http::HEAD_TIMEOUT` without sending a request and
/// `http::IDLE_TIMEOUT` between requests.
const MAX_CONNECTIONS: usize = 512;
/// Stack of a connection thread (it only parses heads and copies files).
const STACK: usize = 256 * 1024;
/// How many ports after the asked one to try when it is taken.
const PORT_TRIES: u16 = 20;

/// Shown for a missing page when the site has no 404.html (the first build failed):
/// it loads the live script, so the overlay explains why.
const FALLBACK_404: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title></head>\n<body><h1>Not found</h1><p>casebook serve has no page here (yet).</p>\n<script src=\"/__casebook/live.js\"></script></body></html>\n";

/// Binds `bind:port`, or the next free port when it is taken. Returns the listener and
/// whether the port differs from the one asked for.
pub fn bind(bind: &str, port: u16) -> Result<(TcpListener, bool)> {
    let mut last = None;
    for p in port..=port.saturating_add(if port == 0 { 0 } else { PORT_TRIES }) {
        match TcpListener::bind((bind, p)) {
            Ok(l) => return Ok((l, p != port)),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last = Some(e),
            Err(e) => return Err(e).with_context(|| format!("binding {bind}:{p}")),
        }
    }
    Err(anyhow!(
        "ports {port} to {} on {bind} are all taken ({}); choose another with --port",
        port.saturating_add(PORT_TRIES),
        last.map(|e| e.to_string()).unwrap_or_default()
    ))
}

/// A running server. Dropping it does not stop the threads; the process ends them.
pub struct Server {
    pub addr: SocketAddr,
}

/// Starts serving the folder `site` (which may not exist yet: the first build fills it).
pub fn start(listener: TcpListener, site: PathBuf, live: Arc<Live>) -> Result<Server> {
    let addr = listener.local_addr().context("reading the bound address")?;
    let ctx = Arc::new(Ctx {
        site,
        live,
        check_host: addr.ip().is_loopback(),
    });
    let open = Arc::new(AtomicUsize::new(0));
    std::thread::Builder::new()
        .name("casebook-http-accept".into())
        .spawn(move || accept_loop(listener, ctx, open))
        .context("starting the HTTP server")?;
    Ok(Server { addr })
}

/// Accepts connections for ever: a failed accept (out of file descriptors, say) waits a
/// little and goes on, it never stops the server.
fn accept_loop(listener: TcpListener, ctx: Arc<Ctx>, open: Arc<AtomicUsize>) {
    for conn in listener.incoming() {
        let stream = match conn {
            Ok(s) => s,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if open.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            open.fetch_sub(1, Ordering::AcqRel);
            refuse(stream);
            continue;
        }
        let ctx = ctx.clone();
        let guard = OpenGuard(open.clone());
        let spawned = std::thread::Builder::new()
            .name("casebook-http".into())
            .stack_size(STACK)
            .spawn(move || {
                let _guard = guard;
                ctx.connection(stream);
            });
        // On failure the closure (and the guard in it) is dropped: the count goes down.
        drop(spawned);
    }
}

/// Decrements the open-connection count when a connection thread ends (even by panic).
struct OpenGuard(Arc<AtomicUsize>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Answers 503 without reading anything, on the accepting thread: must never block.
fn refuse(stream: TcpStream) {
    if stream.set_nonblocking(true).is_ok() {
        let r = Response::new(503, Body::Bytes(b"too many connections\n".to_vec()))
            .with("Content-Type", "text/plain; charset=utf-8")
            .with("Retry-After", "1");
        let mut s = stream;
        let _ = http::write_response(&mut s, r, false, true);
    }
}

struct Ctx {
    site: PathBuf,
    live: Arc<Live>,
    /// Bound to loopback: refuse requests naming another host, so a web page cannot read
    /// the preview through DNS rebinding (its requests carry the attacker's host name).
    check_host: bool,
}

/// Whether a `Host` header names this machine: `localhost` or an IP literal.
pub fn local_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    let name = name.to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name.parse::<std::net::IpAddr>().is_ok()
}

/// Headers every response carries: previews must never be cached stale.
fn common(r: Response) -> Response {
    r.with("Cache-Control", "no-cache")
        .with("X-Content-Type-Options", "nosniff")
}

fn bytes(status: u16, mime: &str, body: Vec<u8>) -> Response {
    common(Response::new(status, Body::Bytes(body))).with("Content-Type", mime)
}

fn text(status: u16, body: &str) -> Response {
    bytes(
        status,
        "text/plain; charset=utf-8",
        body.as_bytes().to_vec(),
    )
}

/// What to do with a request.
enum Reply {
    Send(Response),
    /// Hand the connection to the live-reload event stream.
    Events,
}

impl Ctx {
    /// Serves one connection: requests one after the other while the client keeps it
    /// alive and behaves.
    fn connection(&self, stream: TcpStream) {
        // tiny responses must not wait for the client's delayed ACK (Nagle: 40 ms each).
        let _ = stream.set_nodelay(true);
        let _ = stream.set_write_timeout(Some(http::WRITE_TIMEOUT));
        let Ok(read_half) = stream.try_clone() else {
            return;
        };
        let mut reader = BufReader::with_capacity(8 * 1024, read_half);
        let mut out = stream;
        loop {
            let req = match http::read_request(&mut reader) {
                Ok(r) => r,
                Err(ReadError::Closed) => return,
                Err(ReadError::Reject(status)) => {
                    let msg = format!("{}\n", http::reason(status).to_ascii_lowercase());
                    let _ = http::write_response(&mut out, text(status, &msg), false, true);
                    return http::linger_close(out);
                }
            };
            let head = req.method == "HEAD";
            // A body is never read, so the connection cannot carry another request.
            let close = !req.keep_alive() || req.has_body;
            match self.handle(&req) {
                Reply::Events => return self.live.stream(out),
                Reply::Send(mut resp) => {
                    // HTTP/1.0 closes by default: say that this connection stays.
                    if req.version == http::Version::Http10 && !close {
                        resp = resp.with("Connection", "keep-alive");
                    }
                    if http::write_response(&mut out, resp, head, close).is_err() {
                        return;
                    }
                }
            }
            if close {
                return http::linger_close(out);
            }
        }
    }

    fn handle(&self, req: &Request) -> Reply {
        if self.check_host
            && let Some(h) = req.header("Host")
            && !local_host(h)
        {
            return Reply::Send(text(
                403,
                "this preview server answers only to localhost and IP addresses\n",
            ));
        }
        let head = match req.method.as_str() {
            "GET" => false,
            "HEAD" => true,
            _ => {
                return Reply::Send(text(405, "method not allowed\n").with("Allow", "GET, HEAD"));
            }
        };
        if req.has_body {
            return Reply::Send(text(413, "this server accepts no request bodies\n"));
        }
        let url = req.target.as_str();
        let path = url.split('?').next().unwrap_or("");
        Reply::Send(match path {
            "/__casebook/live.js" => bytes(
                200,
                "text/javascript; charset=utf-8",
                live::LIVE_JS.as_bytes().to_vec(),
            ),
            "/__casebook/status" => bytes(
                200,
                "application/json",
                self.live.status_json().into_bytes(),
            ),
            "/__casebook/events" if !head => return Reply::Events,
            _ => self.file(req, url),
        })
    }

    fn site(&self) -> PathBuf {
        // The site folder is swapped on every build: resolve it afresh each time.
        self.site
            .canonicalize()
            .unwrap_or_else(|_| self.site.clone())
    }

    fn file(&self, req: &Request, url: &str) -> Response {
        let site = self.site();
        match files::resolve(&site, url) {
            Resolved::File(p) => self.send_file(req, &p),
            Resolved::Redirect(to) => text(301, "moved\n").with("Location", to),
            Resolved::NotFound => self.not_found(&site),
            Resolved::Forbidden => text(403, "forbidden\n"),
        }
    }

    fn send_file(&self, req: &Request, path: &Path) -> Response {
        let opened = std::fs::File::open(path).and_then(|f| f.metadata().map(|m| (f, m)));
        let Ok((file, meta)) = opened else {
            // Removed between resolving and opening (a build swapped the site in).
            return self.not_found(&self.site());
        };
        let etag = files::etag(&meta);
        if req
            .header("If-None-Match")
            .is_some_and(|v| files::none_match(v, &etag))
        {
            return common(Response::new(304, Body::Empty)).with("ETag", etag);
        }
        common(Response::new(200, Body::File(file, meta.len())))
            .with("ETag", etag)
            .with("Content-Type", files::mime(path))
    }

    fn not_found(&self, site: &Path) -> Response {
        let body = match files::resolve(site, "/404.html") {
            Resolved::File(p) => std::fs::read(p).ok(),
            _ => None,
        }
        .unwrap_or_else(|| FALLBACK_404.as_bytes().to_vec());
        bytes(404, "text/html; charset=utf-8", body)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn local_hosts() {
        for h in [
            "localhost:1111",
            "127.0.0.1:1111",
            "[::1]:1111",
            "app.localhost",
            "10.0.0.2",
        ] {
            assert!(super::local_host(h), "{h}");
        }
        for h in [
            "attacker.example",
            "attacker.example:1111",
            "localhost.evil.com",
            "",
        ] {
            assert!(!super::local_host(h), "{h}");
        }
    }
}
