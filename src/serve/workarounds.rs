//! Workarounds for two tiny_http 0.12 behaviours that broke the server's promises (no
//! delay per response, no connection left waiting): Nagle's algorithm, and a race in its
//! connection pool.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// The kicker's pace (see `start_kicker`): fast for a while after requests came in (a
/// burst of connections is when some get stuck), slow at rest.
const KICK_ACTIVE: Duration = Duration::from_millis(10);
const KICK_IDLE: Duration = Duration::from_secs(1);
const ACTIVE_FOR: Duration = Duration::from_millis(500);
/// How long a kick may wait for the pool to take it before it counts as stuck itself.
const KICK_WAIT: Duration = Duration::from_millis(100);
/// Most kicks in one round (a bound, should the thread count keep rising for another
/// reason).
const MAX_KICKS: usize = 1024;

/// Works around a race in tiny_http 0.12's connection pool: `TaskPool::spawn` checks for
/// an idle thread before the thread it woke for the previous connection has taken its
/// task, so in a burst of connections (a browser opens six at once) some are queued
/// instead of getting a thread. A queued connection then waits until a pool thread
/// finishes, which with keep-alive connections, event streams or stalled clients may be
/// never: measured, 2 of 30 simultaneous keep-alive requests were not answered.
///
/// The server cannot see that queue, so a thread opens empty connections to it ("kicks").
/// With no idle pool thread (the only state in which a connection can be stuck) the pool
/// starts a fresh thread for a kick, which finishes it at once and then takes a queued
/// connection; with an idle thread, that thread just closes it. So a round of kicks goes
/// on while each kick makes the process gain a thread, and stops at the first that does
/// not: then a pool thread is idle and nothing is queued. Rounds start every second at
/// rest and every few milliseconds while requests come in. Where the thread count cannot
/// be read, a round is one kick.
pub fn start_kicker(addr: SocketAddr, requests: Arc<AtomicU64>) -> Result<()> {
    let target = if addr.ip().is_unspecified() {
        let ip: IpAddr = if addr.is_ipv4() {
            Ipv4Addr::LOCALHOST.into()
        } else {
            Ipv6Addr::LOCALHOST.into()
        };
        SocketAddr::new(ip, addr.port())
    } else {
        addr
    };
    std::thread::Builder::new()
        .name("casebook-http-kick".into())
        .spawn(move || {
            let mut seen = 0;
            let mut active_until = Instant::now();
            loop {
                let n = requests.load(Ordering::Relaxed);
                if n != seen {
                    seen = n;
                    active_until = Instant::now() + ACTIVE_FOR;
                }
                let pace = if Instant::now() < active_until {
                    KICK_ACTIVE
                } else {
                    KICK_IDLE
                };
                std::thread::sleep(pace);
                for _ in 0..MAX_KICKS {
                    let before = thread_count();
                    let taken = kick(target);
                    let grew = matches!((before, thread_count()), (Some(b), Some(a)) if a > b);
                    if taken && !grew {
                        break;
                    }
                }
            }
        })
        .context("starting the HTTP threads")?;
    Ok(())
}

/// Opens an empty connection and waits until the server closed it: false when it was not
/// taken within `KICK_WAIT` (it is queued itself).
fn kick(target: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&target, KICK_WAIT) else {
        return false;
    };
    let _ = s.shutdown(std::net::Shutdown::Write);
    if s.set_read_timeout(Some(KICK_WAIT)).is_err() {
        return false;
    }
    let mut buf = [0u8; 256];
    loop {
        match std::io::Read::read(&mut s, &mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}

/// This process's thread count (Linux).
fn thread_count() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
}

/// Sets TCP_NODELAY on the listening socket; accepted connections inherit it (Linux, the
/// BSDs, macOS). tiny_http writes the headers and the body of a response separately and
/// does not set it itself, so with Nagle's algorithm every page waited for the client's
/// delayed ACK: 40 ms per response on loopback.
#[cfg(unix)]
pub fn no_delay(listener: &TcpListener) {
    use std::os::fd::AsRawFd;
    // The same values on Linux, the BSDs and macOS.
    const IPPROTO_TCP: i32 = 6;
    const TCP_NODELAY: i32 = 1;
    unsafe extern "C" {
        fn setsockopt(
            fd: i32,
            level: i32,
            name: i32,
            value: *const std::ffi::c_void,
            len: u32,
        ) -> i32;
    }
    let one: i32 = 1;
    // SAFETY: a valid socket descriptor and a pointer to an int that outlives the call.
    // Failure only costs latency, so the result is ignored.
    unsafe {
        setsockopt(
            listener.as_raw_fd(),
            IPPROTO_TCP,
            TCP_NODELAY,
            (&one as *const i32).cast(),
            std::mem::size_of::<i32>() as u32,
        );
    }
}

#[cfg(not(unix))]
pub fn no_delay(_listener: &TcpListener) {}
