//! The preview server: serves the files of a built site (and nothing else) over HTTP,
//! plus the live-reload endpoints under `/__casebook/`.
//!
//! Two layers. tiny_http does the serving (`Ctx::handle`, on a pool of worker threads),
//! listening on a Unix socket in a private folder (mode 0700) that nothing but the guard
//! reaches. The guard (`guard.rs`) owns the public listener: it reads every request head
//! with the bounded parser of `http.rs` and forwards only valid GET/HEAD heads, never a
//! body. tiny_http 0.12 cannot be bounded on its own: it reads request heads without any
//! limit, allocates the announced `Content-Length` when a request is dropped (a `GET`
//! announcing 10^14 bytes aborted the process; `usize::MAX` panicked its thread) and
//! blocks a handler thread reading bodies nobody sends. Behind the guard none of that can
//! reach it. Its former workarounds are not needed there either: the guard sets
//! TCP_NODELAY on client connections, and each upstream connection carries one request
//! and closes, so tiny_http's connection pool never holds a long-lived one (event streams
//! are written from threads of their own).

pub mod files;
mod guard;
pub mod http;
pub mod live;
mod private;

use std::net::{SocketAddr, TcpListener};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow};
use tiny_http::{Header, Method, Request, Response, StatusCode};

use files::Resolved;
pub use guard::MAX_CONNECTIONS;
pub use live::Live;

/// tiny_http's request-handling threads. Event streams get threads of their own, so these
/// only ever serve short requests.
const WORKERS: usize = 16;
/// How many ports after the asked one to try when it is taken.
const PORT_TRIES: u16 = 20;
/// The socket tiny_http listens on, in the private folder.
const SOCKET: &str = "http.sock";
/// Longest Unix socket path (`sun_path` holds 108 bytes on Linux, 104 on macOS).
const MAX_SOCKET_PATH: usize = 100;

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

/// A running server. Dropping it removes the private folder (and with it tiny_http's
/// socket: the server stops answering); the process ends the threads.
pub struct Server {
    pub addr: SocketAddr,
    /// The Unix socket tiny_http listens on.
    pub socket: PathBuf,
    _private: private::Folder,
}

/// Starts serving the folder `site` (which may not exist yet: the first build fills it).
/// tiny_http's private folder goes beside it (in `.casebook/`), or in the temporary
/// folder when that path is too long for a Unix socket.
pub fn start(listener: TcpListener, site: PathBuf, live: Arc<Live>) -> Result<Server> {
    let addr = listener.local_addr().context("reading the bound address")?;
    raise_fd_limit();
    let parent = site.parent().unwrap_or(Path::new("."));
    let folder = private::Folder::create(parent, MAX_SOCKET_PATH - SOCKET.len() - 1)?;
    let socket = folder.path().join(SOCKET);
    let ctx = Arc::new(Ctx {
        site,
        live,
        check_host: addr.ip().is_loopback(),
    });
    let server = launch(&socket, &ctx)?;
    private::remove_on_signal(&folder, &socket);
    let upstream = Arc::new(Upstream {
        socket: socket.clone(),
        ctx,
        server: Mutex::new(server),
    });
    std::thread::Builder::new()
        .name("casebook-guard-accept".into())
        .spawn(move || guard::accept_loop(listener, upstream))
        .context("starting the HTTP server")?;
    Ok(Server {
        addr,
        socket,
        _private: folder,
    })
}

/// Starts tiny_http on `socket` with its worker threads.
fn launch(socket: &Path, ctx: &Arc<Ctx>) -> Result<Arc<tiny_http::Server>> {
    // A socket file left by a tiny_http that stopped.
    let _ = std::fs::remove_file(socket);
    let server = tiny_http::Server::http_unix(socket)
        .map_err(|e| anyhow!("starting the HTTP server on {}: {e}", socket.display()))?;
    let server = Arc::new(server);
    for i in 0..WORKERS {
        let server = server.clone();
        let ctx = ctx.clone();
        std::thread::Builder::new()
            .name(format!("casebook-http-{i}"))
            .spawn(move || {
                // An error is tiny_http's accept thread failing (and ending), or
                // `Upstream::connect` retiring this server after that.
                while let Ok(req) = server.recv() {
                    ctx.handle(req);
                }
            })
            .context("starting the HTTP threads")?;
    }
    Ok(server)
}

/// tiny_http as the guard reaches it. tiny_http's accept thread ends at its first failed
/// accept (out of file descriptors, say), and the server with it; when the guard then
/// cannot connect, a new tiny_http is started on the same socket.
pub struct Upstream {
    socket: PathBuf,
    ctx: Arc<Ctx>,
    server: Mutex<Arc<tiny_http::Server>>,
}

impl Upstream {
    /// A connection to tiny_http, restarting it once if it does not answer.
    pub fn connect(&self) -> std::io::Result<UnixStream> {
        if let Ok(s) = UnixStream::connect(&self.socket) {
            return Ok(s);
        }
        let mut server = self.server.lock().unwrap_or_else(|e| e.into_inner());
        // Another connection may have restarted it meanwhile.
        if let Ok(s) = UnixStream::connect(&self.socket) {
            return Ok(s);
        }
        match launch(&self.socket, &self.ctx) {
            Ok(new) => {
                eprintln!("warning: the HTTP server stopped; restarted it");
                let old = std::mem::replace(&mut *server, new);
                // Let the old workers go.
                for _ in 0..WORKERS {
                    old.unblock();
                }
            }
            Err(e) => return Err(std::io::Error::other(e.to_string())),
        }
        drop(server);
        UnixStream::connect(&self.socket)
    }
}

/// Raises the soft limit of open files to the hard one (Linux): every client connection
/// costs the guard's socket and both ends of its upstream connection, and tiny_http stops
/// at its first failed accept.
#[cfg(target_os = "linux")]
fn raise_fd_limit() {
    #[repr(C)]
    struct Rlimit {
        cur: u64,
        max: u64,
    }
    const RLIMIT_NOFILE: i32 = 7;
    unsafe extern "C" {
        fn getrlimit(resource: i32, rlim: *mut Rlimit) -> i32;
        fn setrlimit(resource: i32, rlim: *const Rlimit) -> i32;
    }
    let mut l = Rlimit { cur: 0, max: 0 };
    // SAFETY: a valid pointer to a struct of the kernel's layout (64-bit rlim_t).
    unsafe {
        if getrlimit(RLIMIT_NOFILE, &mut l) == 0 && l.cur < l.max {
            l.cur = l.max;
            setrlimit(RLIMIT_NOFILE, &l);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn raise_fd_limit() {}

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

fn header(name: &str, value: &str) -> Header {
    // Names and values here are ours and ASCII; a failure would be a bug.
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

/// Headers every response carries: previews must never be cached stale.
fn common_headers() -> Vec<Header> {
    vec![
        header("Cache-Control", "no-cache"),
        header("X-Content-Type-Options", "nosniff"),
    ]
}

impl Ctx {
    fn handle(&self, req: Request) {
        if self.check_host {
            let host = req.headers().iter().find(|h| h.field.equiv("Host"));
            if let Some(h) = host
                && !local_host(h.value.as_str())
            {
                let _ = req.respond(self.bytes(
                    403,
                    "text/plain; charset=utf-8",
                    b"this preview server answers only to localhost and IP addresses\n".to_vec(),
                ));
                return;
            }
        }
        let head = match req.method() {
            Method::Get => false,
            Method::Head => true,
            _ => {
                let mut r = Response::from_string("method not allowed\n").with_status_code(405);
                r.add_header(header("Allow", "GET, HEAD"));
                let _ = req.respond(r);
                return;
            }
        };
        let url = req.url().to_string();
        let path = url.split('?').next().unwrap_or("");
        match path {
            "/__casebook/live.js" => {
                let _ = req.respond(self.bytes(
                    200,
                    "text/javascript; charset=utf-8",
                    live::LIVE_JS.as_bytes().to_vec(),
                ));
            }
            "/__casebook/status" => {
                let _ = req.respond(self.bytes(
                    200,
                    "application/json",
                    self.live.status_json().into_bytes(),
                ));
            }
            "/__casebook/events" if !head => self.live.stream(req),
            _ => self.file(req, &url),
        }
    }

    fn bytes(&self, status: u16, mime: &str, body: Vec<u8>) -> Response<std::io::Cursor<Vec<u8>>> {
        let mut r = Response::from_data(body).with_status_code(status);
        r.add_header(header("Content-Type", mime));
        for h in common_headers() {
            r.add_header(h);
        }
        r
    }

    fn file(&self, req: Request, url: &str) {
        // The site folder is swapped on every build: resolve it afresh each time.
        let site = self
            .site
            .canonicalize()
            .unwrap_or_else(|_| self.site.clone());
        match files::resolve(&site, url) {
            Resolved::File(p) => self.send_file(req, &p),
            Resolved::Redirect(to) => {
                let mut r = self.bytes(301, "text/plain; charset=utf-8", b"moved\n".to_vec());
                r.add_header(header("Location", &to));
                let _ = req.respond(r);
            }
            Resolved::NotFound => self.not_found(req, &site),
            Resolved::Forbidden => {
                let _ = req.respond(self.bytes(
                    403,
                    "text/plain; charset=utf-8",
                    b"forbidden\n".to_vec(),
                ));
            }
        }
    }

    fn send_file(&self, req: Request, path: &Path) {
        let opened = std::fs::File::open(path).and_then(|f| f.metadata().map(|m| (f, m)));
        let (file, meta) = match opened {
            Ok(x) => x,
            // Removed between resolving and opening (a build swapped the site in).
            Err(_) => {
                let site = self
                    .site
                    .canonicalize()
                    .unwrap_or_else(|_| self.site.clone());
                return self.not_found(req, &site);
            }
        };
        let etag = files::etag(&meta);
        let matched = req
            .headers()
            .iter()
            .find(|h| h.field.equiv("If-None-Match"))
            .is_some_and(|h| files::none_match(h.value.as_str(), &etag));
        let mut headers = common_headers();
        headers.push(header("ETag", &etag));
        if matched {
            let mut r = Response::empty(304);
            for h in headers {
                r.add_header(h);
            }
            let _ = req.respond(r);
            return;
        }
        headers.push(header("Content-Type", files::mime(path)));
        let len = usize::try_from(meta.len()).ok();
        // A known length is always sent as Content-Length (tiny_http would switch to
        // chunked past 32 KiB), so HEAD and download progress get it too.
        let r = Response::new(StatusCode(200), headers, file, len, None)
            .with_chunked_threshold(usize::MAX);
        let _ = req.respond(r);
    }

    fn not_found(&self, req: Request, site: &Path) {
        let body = files::resolve(site, "/404.html");
        let body = match body {
            Resolved::File(p) => std::fs::read(p).ok(),
            _ => None,
        }
        .unwrap_or_else(|| FALLBACK_404.as_bytes().to_vec());
        let _ = req.respond(self.bytes(404, "text/html; charset=utf-8", body));
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
