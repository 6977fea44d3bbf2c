//! The bounded HTTP/1.1 of the guard in front of tiny_http (see `guard.rs`): it parses
//! GET and HEAD heads with hard limits on everything a client sends (head size, header
//! count, time), so that no request can make the server read without bound, allocate
//! what a header announces, or hold a thread for long; and writes the guard's own
//! answers (refusals).
//!
//! tiny_http 0.12 never sees a raw client: on its own it read request heads without any
//! limit, allocated a buffer of the announced `Content-Length` when a request was dropped
//! (a `GET` announcing 10^14 bytes aborted the process; `usize::MAX` panicked its thread)
//! and blocked a handler thread reading bodies nobody sent (16 such clients stopped the
//! server).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// Longest request line (method, target, version): longer is 414.
pub const MAX_REQUEST_LINE: usize = 8 * 1024;
/// Longest request head, request line and headers together: longer is 431.
pub const MAX_HEAD: usize = 32 * 1024;
/// Most header fields in a request: more is 431.
pub const MAX_HEADERS: usize = 100;
/// How long a client has to send a whole head once it started one (slow-loris bound).
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a kept-alive connection may wait for its next request.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long one write may wait for a client that does not read.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Http10,
    Http11,
}

/// A request head (there is never a body).
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The request target exactly as sent (not decoded).
    pub target: String,
    pub version: Version,
    pub headers: Vec<(String, String)>,
    /// The request announced a body (which is never read): the connection must close.
    pub has_body: bool,
}

impl Request {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client wants the connection kept open after the response.
    pub fn keep_alive(&self) -> bool {
        let tokens = |v: &str, t: &str| v.split(',').any(|x| x.trim().eq_ignore_ascii_case(t));
        let conn = self.header("Connection").unwrap_or("");
        match self.version {
            Version::Http11 => !tokens(conn, "close"),
            Version::Http10 => tokens(conn, "keep-alive"),
        }
    }
}

/// Why no request could be read.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The connection closed or went idle before a request started: close quietly.
    Closed,
    /// A malformed, oversized or unsupported request: answer with this status, then close.
    Reject(u16),
}

/// Reads one request head. Waits up to `IDLE_TIMEOUT` for its first byte, then up to
/// `HEAD_TIMEOUT` for the rest; never buffers more than `MAX_HEAD` bytes.
pub fn read_request(r: &mut BufReader<TcpStream>) -> Result<Request, ReadError> {
    let mut budget = MAX_HEAD;
    let mut deadline = None;
    // RFC 9112 §2.2: ignore empty lines before the request line (a few, not forever).
    let mut line = Vec::new();
    for _ in 0..4 {
        line = read_line(r, MAX_REQUEST_LINE, &mut deadline).map_err(|e| match e {
            LineError::TooLong => ReadError::Reject(414),
            LineError::Timeout(false) | LineError::Eof(false) => ReadError::Closed,
            LineError::Timeout(true) => ReadError::Reject(408),
            LineError::Eof(true) | LineError::Bad => ReadError::Reject(400),
        })?;
        if !line.is_empty() {
            break;
        }
    }
    budget = budget.saturating_sub(line.len() + 2);
    let (method, target, version) = request_line(&line)?;
    let mut headers = Vec::new();
    loop {
        let l = read_line(r, budget, &mut deadline).map_err(|e| match e {
            LineError::TooLong => ReadError::Reject(431),
            LineError::Timeout(_) => ReadError::Reject(408),
            LineError::Eof(_) | LineError::Bad => ReadError::Reject(400),
        })?;
        if l.is_empty() {
            break;
        }
        budget = budget.saturating_sub(l.len() + 2);
        if headers.len() == MAX_HEADERS {
            return Err(ReadError::Reject(431));
        }
        headers.push(header_line(&l)?);
    }
    let mut req = Request {
        method,
        target,
        version,
        headers,
        has_body: false,
    };
    req.has_body = body_announced(&req)?;
    Ok(req)
}

enum LineError {
    TooLong,
    /// The peer closed; `true` when part of a request had come.
    Eof(bool),
    /// No byte for too long; `true` when part of a request had come.
    Timeout(bool),
    /// A bare CR, or an I/O error.
    Bad,
}

/// Reads one line ending in LF (CRLF or a bare LF, as RFC 9112 §2.2 allows) of at most
/// `limit` bytes, without the ending. `deadline` is set when the first byte of the head
/// arrives.
fn read_line(
    r: &mut BufReader<TcpStream>,
    limit: usize,
    deadline: &mut Option<Instant>,
) -> Result<Vec<u8>, LineError> {
    let mut line = Vec::new();
    loop {
        let started = deadline.is_some() || !line.is_empty();
        let wait = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => IDLE_TIMEOUT,
        };
        if wait.is_zero() {
            return Err(LineError::Timeout(true));
        }
        if r.buffer().is_empty() && r.get_ref().set_read_timeout(Some(wait)).is_err() {
            return Err(LineError::Bad);
        }
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(LineError::Timeout(started));
            }
            Err(_) => return Err(LineError::Eof(started)),
        };
        if buf.is_empty() {
            return Err(LineError::Eof(started));
        }
        if deadline.is_none() {
            *deadline = Some(Instant::now() + HEAD_TIMEOUT);
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        // The ending CR(LF) does not count towards the limit.
        if line.len() + take > limit + 2 {
            return Err(LineError::TooLong);
        }
        line.extend_from_slice(&buf[..take]);
        r.consume(take);
        if done {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if line.len() > limit {
                return Err(LineError::TooLong);
            }
            if line.contains(&b'\r') {
                return Err(LineError::Bad);
            }
            return Ok(line);
        }
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// `METHOD SP TARGET SP HTTP/x.y`, exactly.
fn request_line(line: &[u8]) -> Result<(String, String, Version), ReadError> {
    let bad = ReadError::Reject(400);
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        // Includes HTTP/0.9's `GET /` and any doubled space.
        return Err(bad);
    };
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(bad);
    }
    // Visible ASCII only: a NUL, a control or a raw non-ASCII byte is not a target.
    if target.is_empty() || !target.iter().all(|&b| (0x21..0x7f).contains(&b)) {
        return Err(bad);
    }
    let version = match version {
        b"HTTP/1.1" => Version::Http11,
        b"HTTP/1.0" => Version::Http10,
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            return Err(ReadError::Reject(505));
        }
        _ => return Err(bad),
    };
    // Checked above: ASCII.
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok((s(method), s(target), version))
}

/// `name: value` (no folding, no whitespace before the colon, no control bytes).
fn header_line(line: &[u8]) -> Result<(String, String), ReadError> {
    let bad = ReadError::Reject(400);
    let colon = line
        .iter()
        .position(|&b| b == b':')
        .ok_or(ReadError::Reject(400))?;
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(bad);
    }
    if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(bad);
    }
    let value = String::from_utf8_lossy(value)
        .trim_matches([' ', '\t'])
        .to_string();
    Ok((String::from_utf8_lossy(name).into_owned(), value))
}

/// Whether the request announces a body. Conflicting or malformed framing (two different
/// lengths, a length beside a transfer coding, a length that is not a number) is 400: a
/// proxy in front could read such a request differently (request smuggling).
fn body_announced(req: &Request) -> Result<bool, ReadError> {
    let mut length: Option<u64> = None;
    let mut coded = false;
    let mut hosts = 0;
    for (k, v) in &req.headers {
        if k.eq_ignore_ascii_case("Content-Length") {
            for part in v.split(',') {
                let part = part.trim();
                if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ReadError::Reject(400));
                }
                // Too long to be a number is as good as too large: still a body.
                let n = part.parse::<u64>().unwrap_or(u64::MAX);
                if length.is_some_and(|l| l != n) {
                    return Err(ReadError::Reject(400));
                }
                length = Some(n);
            }
        } else if k.eq_ignore_ascii_case("Transfer-Encoding") {
            coded = true;
        } else if k.eq_ignore_ascii_case("Host") {
            hosts += 1;
        }
    }
    if (coded && length.is_some()) || hosts > 1 {
        return Err(ReadError::Reject(400));
    }
    Ok(coded || length.is_some_and(|n| n > 0))
}

/// A response of the guard's own (a refusal), its body in memory.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body,
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// Writes `resp` (its head only for HEAD requests and 304); `close` adds
/// `Connection: close`.
pub fn write_response(
    out: &mut TcpStream,
    resp: Response,
    head_only: bool,
    close: bool,
) -> std::io::Result<()> {
    let len = resp.body.len();
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in &resp.headers {
        head.push_str(k);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    if resp.status != 304 {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    let send_body = !head_only && resp.status != 304;
    if send_body {
        bytes.extend_from_slice(&resp.body);
    }
    out.write_all(&bytes)?;
    out.flush()
}

/// Closes a connection whose client may still be sending (a rejected head, an unread
/// body): stop writing, then read and discard for a bounded time and amount, so the
/// response is not lost to a TCP reset (RFC 9112 §9.6).
pub fn linger_close(mut s: TcpStream) {
    let _ = s.flush();
    let _ = s.shutdown(Shutdown::Write);
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let end = Instant::now() + Duration::from_secs(1);
    let mut left: usize = 1 << 20;
    let mut buf = [0u8; 8192];
    while left > 0 && Instant::now() < end {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        let ok = request_line(b"GET /a?b HTTP/1.1").unwrap();
        assert_eq!(
            (ok.0.as_str(), ok.1.as_str(), ok.2),
            ("GET", "/a?b", Version::Http11)
        );
        for bad in [
            &b"GET /"[..],
            b"GET  / HTTP/1.1",
            b"GET / HTTP/1.1 x",
            b"G@T / HTTP/1.1",
            b"GET /\x00 HTTP/1.1",
            b"GET /\xc3\xa9 HTTP/1.1",
            b"GET / HTTP/1",
            b"GET / FTP/1.1",
            b"",
        ] {
            assert_eq!(
                request_line(bad).err(),
                Some(ReadError::Reject(400)),
                "{bad:?}"
            );
        }
        assert_eq!(
            request_line(b"GET / HTTP/2.0").err(),
            Some(ReadError::Reject(505))
        );
    }

    #[test]
    fn header_lines() {
        assert_eq!(
            header_line(b"Host:  a:1 ").unwrap(),
            ("Host".into(), "a:1".into())
        );
        for bad in [
            &b"Host : a"[..],
            b" folded",
            b"NoColon",
            b"X: a\x00b",
            b": v",
        ] {
            assert!(header_line(bad).is_err(), "{bad:?}");
        }
    }

    fn req(headers: &[(&str, &str)]) -> Request {
        Request {
            method: "GET".into(),
            target: "/".into(),
            version: Version::Http11,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            has_body: false,
        }
    }

    #[test]
    fn framing() {
        assert_eq!(body_announced(&req(&[])), Ok(false));
        assert_eq!(body_announced(&req(&[("Content-Length", "0")])), Ok(false));
        assert_eq!(body_announced(&req(&[("content-length", "5")])), Ok(true));
        assert_eq!(
            body_announced(&req(&[("Content-Length", "99999999999999999999999")])),
            Ok(true)
        );
        assert_eq!(
            body_announced(&req(&[("Transfer-Encoding", "chunked")])),
            Ok(true)
        );
        for bad in [
            &[("Content-Length", "0"), ("Content-Length", "5")][..],
            &[("Content-Length", "5, 6")],
            &[("Content-Length", "-1")],
            &[("Content-Length", "0x10")],
            &[("Content-Length", "5"), ("Transfer-Encoding", "chunked")],
            &[("Host", "a"), ("Host", "b")],
        ] {
            assert_eq!(
                body_announced(&req(bad)),
                Err(ReadError::Reject(400)),
                "{bad:?}"
            );
        }
        assert_eq!(
            body_announced(&req(&[("Content-Length", "5"), ("Content-Length", "5")])),
            Ok(true)
        );
    }

    #[test]
    fn keep_alive() {
        assert!(req(&[]).keep_alive());
        assert!(!req(&[("Connection", "Close")]).keep_alive());
        let mut r = req(&[]);
        r.version = Version::Http10;
        assert!(!r.keep_alive());
        r.headers.push(("Connection".into(), "keep-alive".into()));
        assert!(r.keep_alive());
    }
}
