//! The guard: the only thing that faces the network. It accepts the public listener (a
//! thread per connection, at most `MAX_CONNECTIONS`), reads each request head with the
//! bounded parser of `http.rs`, answers whatever is oversized, malformed, slow, carries a
//! body or is not GET/HEAD itself, and forwards only a validated head, never a body, to
//! tiny_http on its private Unix socket, one upstream connection per request
//! (`Connection: close`). tiny_http's response is copied back to the client; when its
//! length is known the client connection stays open for the next request, otherwise
//! (the event stream) it is copied until tiny_http closes, and then the client's closes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::Upstream;
use super::http::{self, ReadError, Request, Response, Version};

/// Open connections beyond this are answered 503 and closed at once. Each has a thread of
/// its own; a client holds one at most `http::HEAD_TIMEOUT` without sending a request and
/// `http::IDLE_TIMEOUT` between requests.
pub const MAX_CONNECTIONS: usize = 512;
/// Stack of a connection thread (it only parses heads and copies bytes).
const STACK: usize = 256 * 1024;
/// Longest response head accepted from tiny_http (ours are a few hundred bytes).
const MAX_UPSTREAM_HEAD: usize = 64 * 1024;
/// How long tiny_http may stay silent: an answer starts at once, and an event stream
/// sends a comment every 15 s.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(60);

/// Request headers not forwarded: hop-by-hop ones (the guard owns the client
/// connection), and any that would make tiny_http expect or wait for a body.
const DROPPED: [&str; 8] = [
    "Connection",
    "Keep-Alive",
    "Proxy-Connection",
    "Upgrade",
    "TE",
    "Expect",
    "Content-Length",
    "Transfer-Encoding",
];

/// Accepts connections for ever: a failed accept (out of file descriptors, say) waits a
/// little and goes on, it never stops the server.
pub fn accept_loop(listener: TcpListener, upstream: Arc<Upstream>) {
    let open = Arc::new(AtomicUsize::new(0));
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
        let upstream = upstream.clone();
        let count = OpenCount(open.clone());
        let spawned = std::thread::Builder::new()
            .name("casebook-guard".into())
            .stack_size(STACK)
            .spawn(move || {
                let _count = count;
                connection(stream, &upstream);
            });
        // On failure the closure (and the count in it) is dropped: the count goes down.
        drop(spawned);
    }
}

/// Decrements the open-connection count when a connection thread ends (even by panic).
struct OpenCount(Arc<AtomicUsize>);

impl Drop for OpenCount {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn text(status: u16, body: &str) -> Response {
    Response::new(status, body.as_bytes().to_vec())
        .with("Content-Type", "text/plain; charset=utf-8")
        .with("Cache-Control", "no-cache")
        .with("X-Content-Type-Options", "nosniff")
}

/// Answers 503 without reading anything, on the accepting thread: must never block.
fn refuse(stream: TcpStream) {
    if stream.set_nonblocking(true).is_ok() {
        let r = text(503, "too many connections\n").with("Retry-After", "1");
        let mut s = stream;
        let _ = http::write_response(&mut s, r, false, true);
    }
}

/// Serves one client connection: requests one after the other while the client keeps it
/// alive and behaves.
fn connection(stream: TcpStream, upstream: &Upstream) {
    // Small responses must not wait for the client's delayed ACK (Nagle: 40 ms each).
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
        let own = if !matches!(req.method.as_str(), "GET" | "HEAD") {
            Some(text(405, "method not allowed\n").with("Allow", "GET, HEAD"))
        } else if req.has_body {
            Some(text(413, "this server accepts no request bodies\n"))
        } else {
            None
        };
        if let Some(mut resp) = own {
            if req.version == Version::Http10 && !close {
                resp = resp.with("Connection", "keep-alive");
            }
            if http::write_response(&mut out, resp, head, close).is_err() {
                return;
            }
            if close {
                return http::linger_close(out);
            }
            continue;
        }
        match forward(&req, upstream, &mut out, close) {
            Ok(true) => {}
            Ok(false) => return http::linger_close(out),
            Err(Forward::Unavailable) => {
                let r = text(503, "the preview server is not available\n");
                let _ = http::write_response(&mut out, r, head, true);
                return http::linger_close(out);
            }
            // Part of a response went out: the client cannot tell where it ends.
            Err(Forward::Broken) => return,
        }
    }
}

/// Why a request could not be relayed.
enum Forward {
    /// Nothing was sent to the client yet.
    Unavailable,
    /// The client connection is in an unknown state.
    Broken,
}

/// The response head tiny_http sent, as the client will see it.
struct UpstreamHead {
    status: u16,
    /// Lines of the head, without `Connection`/`Keep-Alive`, each ending in CRLF.
    text: String,
    length: Option<u64>,
}

/// Sends the request head to tiny_http and copies its response to the client. Returns
/// whether the client connection may carry another request.
fn forward(
    req: &Request,
    upstream: &Upstream,
    out: &mut TcpStream,
    close: bool,
) -> Result<bool, Forward> {
    let up = upstream.connect().map_err(|_| Forward::Unavailable)?;
    let _ = up.set_read_timeout(Some(UPSTREAM_TIMEOUT));
    let _ = up.set_write_timeout(Some(UPSTREAM_TIMEOUT));
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.target);
    for (k, v) in &req.headers {
        if !DROPPED.iter().any(|d| k.eq_ignore_ascii_case(d)) {
            head.push_str(k);
            head.push_str(": ");
            head.push_str(v);
            head.push_str("\r\n");
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut w = &up;
    w.write_all(head.as_bytes())
        .map_err(|_| Forward::Unavailable)?;
    let mut r = BufReader::with_capacity(16 * 1024, &up);
    let resp = read_head(&mut r).ok_or(Forward::Unavailable)?;
    let bodiless = req.method == "HEAD" || resp.status < 200 || matches!(resp.status, 204 | 304);
    let length = if bodiless { Some(0) } else { resp.length };
    // Without a length the body ends when tiny_http closes: so must the client connection.
    let close = close || length.is_none();
    let mut bytes = resp.text.into_bytes();
    if close {
        bytes.extend_from_slice(b"Connection: close\r\n");
    } else if req.version == Version::Http10 {
        bytes.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    // The head goes out with the first part of the body, in one write.
    let mut left = length.unwrap_or(u64::MAX);
    let buffered = r.buffer();
    let take = buffered
        .len()
        .min(usize::try_from(left).unwrap_or(usize::MAX));
    bytes.extend_from_slice(&buffered[..take]);
    r.consume(take);
    left -= take as u64;
    out.write_all(&bytes).map_err(|_| Forward::Broken)?;
    let mut buf = vec![0u8; 16 * 1024];
    while left > 0 {
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = match r.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return Err(Forward::Broken),
        };
        out.write_all(&buf[..n]).map_err(|_| Forward::Broken)?;
        left -= n as u64;
    }
    if length.is_some() && left > 0 {
        // tiny_http closed before the announced end (the file shrank, say).
        return Err(Forward::Broken);
    }
    out.flush().map_err(|_| Forward::Broken)?;
    Ok(!close)
}

/// Reads tiny_http's response head: the status line and headers, bounded.
fn read_head(r: &mut BufReader<&UnixStream>) -> Option<UpstreamHead> {
    let mut raw = Vec::new();
    loop {
        let before = raw.len();
        let n = r
            .by_ref()
            .take((MAX_UPSTREAM_HEAD - before.min(MAX_UPSTREAM_HEAD)) as u64)
            .read_until(b'\n', &mut raw)
            .ok()?;
        if n == 0 || !raw.ends_with(b"\n") {
            return None;
        }
        if raw[before..] == *b"\r\n" || raw[before..] == *b"\n" {
            raw.truncate(before);
            break;
        }
    }
    let text = String::from_utf8(raw).ok()?;
    let mut lines = text.lines();
    let status_line = lines.next()?;
    let status: u16 = status_line.split(' ').nth(1)?.parse().ok()?;
    let mut out = format!("{status_line}\r\n");
    let mut length = None;
    for l in lines {
        let (k, v) = l.split_once(':')?;
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("Connection") || k.eq_ignore_ascii_case("Keep-Alive") {
            continue;
        }
        if k.eq_ignore_ascii_case("Content-Length") {
            length = Some(v.parse::<u64>().ok()?);
        } else if k.eq_ignore_ascii_case("Transfer-Encoding") {
            // Copied as sent, and delimited by tiny_http's close.
            length = None;
        }
        out.push_str(k);
        out.push_str(": ");
        out.push_str(v);
        out.push_str("\r\n");
    }
    // A chunked body has no length even beside a Content-Length (tiny_http sends none).
    if out.to_ascii_lowercase().contains("\r\ntransfer-encoding:") {
        length = None;
    }
    Some(UpstreamHead {
        status,
        text: out,
        length,
    })
}
