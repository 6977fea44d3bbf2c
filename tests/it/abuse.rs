//! `casebook serve` under abusive requests: oversized heads, malformed requests, bodies
//! it never reads, connection floods. Every one is answered 4xx (or 503 for the flood) and
//! closed; the server stays up, its memory stays flat, and an ordinary request right after
//! is answered at once.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use super::serve::{Served, get, serve};
use super::watch::site;

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// What came back on a connection.
#[derive(Debug, PartialEq)]
enum Answer {
    /// A response with this status, and whether the server closed the connection after it.
    Status(u16, bool),
    /// The connection closed (or was reset) with no response.
    Closed,
}

/// Sends `bytes` (from another thread, so a server that answers before reading everything
/// cannot deadlock us), optionally keeps the write side open, and reads what comes back.
fn send(port: u16, bytes: Vec<u8>, keep_open: bool) -> Answer {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        // The server may stop reading and close: write errors are expected.
        if w.write_all(&bytes).is_ok() && !keep_open {
            let _ = w.shutdown(Shutdown::Write);
        }
        w
    });
    let mut r = s;
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = loop {
        match r.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break true,
            Err(e) => panic!(
                "reading the answer: {e} (got {:?})",
                String::from_utf8_lossy(&raw)
            ),
        }
    };
    let _ = writer.join();
    if raw.is_empty() {
        return Answer::Closed;
    }
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|t| t.get(..3))
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    Answer::Status(status, closed)
}

const H: &str = "Host: 127.0.0.1\r\n";

/// The cases: name, bytes, keep the write side open, the answer expected.
fn cases() -> Vec<(&'static str, Vec<u8>, bool, u16)> {
    let mut v: Vec<(&'static str, Vec<u8>, bool, u16)> = Vec::new();
    let mut add =
        |name, bytes: Vec<u8>, keep_open, status| v.push((name, bytes, keep_open, status));
    let big = "a".repeat(1 << 20);
    add(
        "one 1 MB header",
        format!("GET / HTTP/1.1\r\n{H}X-Big: {big}\r\n\r\n").into_bytes(),
        false,
        431,
    );
    let many: String = (0..10_000).map(|i| format!("X-H{i}: v\r\n")).collect();
    add(
        "10,000 headers",
        format!("GET / HTTP/1.1\r\n{H}{many}\r\n").into_bytes(),
        false,
        431,
    );
    add(
        "a 100 KB request line",
        format!("GET /{} HTTP/1.1\r\n{H}\r\n", "a".repeat(100_000)).into_bytes(),
        false,
        414,
    );
    add(
        "a 1 MB request line",
        format!("GET /{big} HTTP/1.1\r\n{H}\r\n").into_bytes(),
        false,
        414,
    );
    add(
        "a 1 MB line with no end",
        big.clone().into_bytes(),
        false,
        414,
    );
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .chain(*b"\r\n\r\n")
        .collect();
    add("garbage bytes", garbage, false, 400);
    add(
        "a NUL byte and an escape in the request line",
        b"GET /\x00\x1b[2J HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_vec(),
        false,
        400,
    );
    add(
        "missing HTTP version",
        format!("GET / \r\n{H}\r\n").into_bytes(),
        false,
        400,
    );
    add("HTTP/0.9 style", b"GET /\r\n".to_vec(), false, 400);
    add(
        "HTTP/0.9 style, kept open",
        b"GET /\r\n".to_vec(),
        true,
        400,
    );
    add(
        "HTTP/2 preface",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
        false,
        505,
    );
    add(
        "invalid method characters",
        format!("G(E)T / HTTP/1.1\r\n{H}\r\n").into_bytes(),
        false,
        400,
    );
    add(
        "unknown method",
        format!("BREW / HTTP/1.1\r\n{H}\r\n").into_bytes(),
        false,
        405,
    );
    add(
        "lower-case version",
        format!("GET / http/1.1\r\n{H}\r\n").into_bytes(),
        false,
        400,
    );
    add(
        "a header without a colon",
        format!("GET / HTTP/1.1\r\n{H}NoColonHere\r\n\r\n").into_bytes(),
        false,
        400,
    );
    add(
        "a folded header",
        format!("GET / HTTP/1.1\r\n{H}X-A: 1\r\n  folded\r\n\r\n").into_bytes(),
        false,
        400,
    );
    add(
        "a NUL in a header value",
        format!("GET / HTTP/1.1\r\n{H}X-A: a\0b\r\n\r\n").into_bytes(),
        false,
        400,
    );
    add(
        "two Host headers",
        format!("GET / HTTP/1.1\r\n{H}Host: other\r\n\r\n").into_bytes(),
        false,
        400,
    );
    for (name, target) in [
        ("bad escape %zz", "/%zz"),
        ("truncated escape %", "/%"),
        ("truncated escape %2", "/index.html%2"),
        ("encoded NUL", "/index.html%00"),
        ("invalid UTF-8 escape", "/%ff%fe"),
    ] {
        add(
            name,
            format!("GET {target} HTTP/1.1\r\n{H}Connection: close\r\n\r\n").into_bytes(),
            false,
            403,
        );
    }
    add(
        "conflicting Content-Length",
        format!("GET / HTTP/1.1\r\n{H}Content-Length: 0\r\nContent-Length: 5\r\n\r\nhello")
            .into_bytes(),
        false,
        400,
    );
    add(
        "Content-Length and Transfer-Encoding",
        format!(
            "GET / HTTP/1.1\r\n{H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )
        .into_bytes(),
        false,
        400,
    );
    add(
        "a negative Content-Length",
        format!("GET / HTTP/1.1\r\n{H}Content-Length: -1\r\n\r\n").into_bytes(),
        false,
        400,
    );
    // Regression: tiny_http allocated the announced length when the request was dropped:
    // 10^14 aborted the server, usize::MAX panicked a handler thread, and 16 clients
    // announcing 1 MB they never sent blocked every handler thread.
    for (name, len) in [
        ("absurd Content-Length, no body", "100000000000000"),
        ("Content-Length usize::MAX, no body", "18446744073709551615"),
        (
            "Content-Length past u64, no body",
            "99999999999999999999999999",
        ),
        ("Content-Length 1 MB, no body", "1048576"),
    ] {
        add(
            name,
            format!("GET / HTTP/1.1\r\n{H}Content-Length: {len}\r\n\r\n").into_bytes(),
            true,
            413,
        );
    }
    add(
        "a body on POST",
        format!("POST / HTTP/1.1\r\n{H}Content-Length: 5\r\n\r\nhello").into_bytes(),
        false,
        405,
    );
    let mut chunked =
        format!("GET / HTTP/1.1\r\n{H}Transfer-Encoding: chunked\r\n\r\n").into_bytes();
    let chunk = format!("4000\r\n{}\r\n", "z".repeat(0x4000));
    for _ in 0..512 {
        chunked.extend_from_slice(chunk.as_bytes()); // 8 MB
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    add("a very long chunked body", chunked, false, 413);
    v
}

/// An ordinary request succeeds, quickly, and the process is still there.
fn still_serving(s: &mut Served, after: &str) {
    let started = Instant::now();
    let r = get(s.port, "/");
    let took = started.elapsed();
    assert_eq!(r.status, 200, "after {after}");
    assert!(
        took < Duration::from_secs(2),
        "after {after}: a normal request took {took:?}"
    );
    assert!(s.run.alive(), "the server died after {after}");
}

#[test]
fn abusive_requests_are_refused_and_change_nothing() {
    let site = site("abuse");
    let mut s = serve(&site, &[]);
    let pid = s.run.pid();
    still_serving(&mut s, "start");
    let before = rss_kib(pid);
    for (name, bytes, keep_open, status) in cases() {
        let got = send(s.port, bytes, keep_open);
        assert_eq!(got, Answer::Status(status, true), "{name}");
        still_serving(&mut s, name);
    }
    // All at once, several times over: what each leaves behind must not add up.
    let handles: Vec<_> = (0..4)
        .flat_map(|_| cases())
        .map(|(name, bytes, keep_open, status)| {
            let port = s.port;
            std::thread::spawn(move || {
                let got = send(port, bytes, keep_open);
                assert_eq!(got, Answer::Status(status, true), "{name} (concurrent)");
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a concurrent abusive client");
    }
    still_serving(&mut s, "the concurrent round");
    let after = rss_kib(pid);
    eprintln!("resident memory: {before} KiB before, {after} KiB after");
    // The server never holds more than a 32 KiB head per connection; what grows is
    // allocator and thread-stack bookkeeping. tiny_http grew by each request's size.
    assert!(
        after < before + 8 * 1024,
        "resident memory grew from {before} KiB to {after} KiB"
    );
}

#[test]
fn a_connection_flood_is_refused_then_forgotten() {
    let site = site("abuse-flood");
    let mut s = serve(&site, &[]);
    let pid = s.run.pid();
    still_serving(&mut s, "start");
    let before = rss_kib(pid);
    // More idle connections than the server takes (512): the surplus is told 503 at once
    // rather than queued behind connections that may never send anything.
    let mut idle: Vec<TcpStream> = (0..600)
        .map(|_| TcpStream::connect(("127.0.0.1", s.port)).unwrap())
        .collect();
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    c.read_exact(&mut head).expect("an answer while flooded");
    assert_eq!(&head, b"HTTP/1.1 503");
    let during = rss_kib(pid);
    eprintln!("resident memory: {before} KiB before, {during} KiB under the flood");
    for c in &mut idle {
        let _ = c.shutdown(Shutdown::Both);
    }
    drop(idle);
    // Connection threads notice the close and end; then ordinary service is back.
    let end = Instant::now() + Duration::from_secs(10);
    loop {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        c.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut head = [0u8; 12];
        c.read_exact(&mut head).unwrap();
        if &head == b"HTTP/1.1 200" {
            break;
        }
        assert!(
            Instant::now() < end,
            "still refusing 10 s after the flood ended"
        );
        std::thread::yield_now();
    }
    still_serving(&mut s, "the flood");
    // 512 idle connections cost their threads' stacks (256 KiB reserved, a few touched).
    assert!(
        during < before + 32 * 1024,
        "resident memory grew from {before} KiB to {during} KiB under the flood"
    );
}

/// Reads one response (head and a Content-Length body, none for HEAD) from a kept-alive
/// connection.
fn read_one(r: &mut std::io::BufReader<TcpStream>, head_request: bool) -> (String, Vec<u8>) {
    use std::io::BufRead;
    let mut head = String::new();
    loop {
        let mut l = String::new();
        assert!(r.read_line(&mut l).unwrap() > 0, "closed after {head:?}");
        if l == "\r\n" {
            break;
        }
        head.push_str(&l);
    }
    let len: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0; if head_request { 0 } else { len }];
    r.read_exact(&mut body).unwrap();
    (head, body)
}

#[test]
fn pipelined_and_kept_alive_requests_are_answered_in_order() {
    let site = site("abuse-keepalive");
    let s = serve(&site, &[]);
    let c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut w = c.try_clone().unwrap();
    let mut r = std::io::BufReader::new(c);
    // Three requests in one write; then a bad one closes the connection after its answer.
    w.write_all(
        b"GET /style.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\
          HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\
          GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n\
          GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc\
          GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    )
    .unwrap();
    let (h, body) = read_one(&mut r, false);
    assert!(
        h.starts_with("HTTP/1.1 200") && h.contains("text/css"),
        "{h}"
    );
    assert_eq!(
        body,
        std::fs::read(site.path().join(".casebook/serve-public/style.css")).unwrap()
    );
    let (h, _) = read_one(&mut r, true);
    assert!(
        h.starts_with("HTTP/1.1 200") && h.contains("text/html"),
        "{h}"
    );
    let (h, _) = read_one(&mut r, false);
    assert!(h.starts_with("HTTP/1.1 404"), "{h}");
    let (h, _) = read_one(&mut r, false);
    assert!(
        h.starts_with("HTTP/1.1 413") && h.contains("Connection: close"),
        "{h}"
    );
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();
    assert!(
        rest.is_empty(),
        "answered after a body it did not read: {:?}",
        String::from_utf8_lossy(&rest)
    );
    // HTTP/1.0 keeps the connection only when asked, and says so.
    let c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut w = c.try_clone().unwrap();
    let mut r = std::io::BufReader::new(c);
    w.write_all(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /style.css HTTP/1.0\r\n\r\n")
        .unwrap();
    let (h, _) = read_one(&mut r, false);
    assert!(
        h.starts_with("HTTP/1.1 200") && h.contains("Connection: keep-alive"),
        "{h}"
    );
    let (h, _) = read_one(&mut r, false);
    assert!(
        h.starts_with("HTTP/1.1 200") && h.contains("Connection: close"),
        "{h}"
    );
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}
