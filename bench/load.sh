#!/usr/bin/env bash
# A load run against `casebook serve` (not a test: it prints figures).
#
#   bench/load.sh [SECONDS]        # default 30
#
# Serves a copy of the example archive (casebook.yaml + content/) with a release build,
# then for SECONDS runs at the same time:
#   - wrk -t2 -c100 on one determination page (requests/s, latency p50/p90/p99, errors);
#   - 40 slow-loris clients, each sending a request head one byte every 2 s (the server
#     closes them after its 10 s head limit; they reconnect at once);
#   - 10 clients that request search.js and never read the answer.
# Needs wrk (apt-get install -y wrk) and python3. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 2; }

cargo build --release --locked --quiet
bin=${CARGO_TARGET_DIR:-target}/release/casebook
site=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$site"
}
trap cleanup EXIT
cp -r casebook.yaml content "$site/"

"$bin" serve --root "$site" --port 0 2>"$site/serve.log" &
server=$!
pids+=("$server")
for _ in $(seq 600); do
  grep -q "^built in" "$site/serve.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "^built in" "$site/serve.log" || { cat "$site/serve.log" >&2; exit 1; }
port=$(sed -n 's|^serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$site/serve.log")
page=$(cd "$site/.casebook/serve-public" && ls -d determinations/*/ | head -1)
url="http://127.0.0.1:$port/$page"
rss() { awk '/^VmRSS/ {print $2 " kB"}' "/proc/$server/status"; }
echo "casebook serve (pid $server) on $url, $(rss) resident"

python3 - "$port" "$secs" >"$site/slow.txt" <<'EOF' &
import socket, sys, threading, time
port, secs = int(sys.argv[1]), float(sys.argv[2])
end = time.time() + secs
stats = {"connections": 0, "closed_by_server": 0, "answered_408": 0}
lock = threading.Lock()
def count(k):
    with lock:
        stats[k] += 1
def loris():
    head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 1000
    while time.time() < end:
        s = socket.create_connection(("127.0.0.1", port))
        count("connections")
        try:
            for b in head:
                if time.time() >= end:
                    return
                s.send(bytes([b]))
                time.sleep(2)
        except OSError:
            pass
        try:
            s.settimeout(1)
            if s.recv(64).startswith(b"HTTP/1.1 408"):
                count("answered_408")
        except OSError:
            pass
        count("closed_by_server")
        s.close()
def never_reads():
    s = socket.create_connection(("127.0.0.1", port))
    count("connections")
    s.send(b"GET /search.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 50)
    time.sleep(max(0, end - time.time()))
    s.close()
threads = [threading.Thread(target=loris) for _ in range(40)]
threads += [threading.Thread(target=never_reads) for _ in range(10)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("slow clients: " + ", ".join(f"{k} {v}" for k, v in stats.items()))
EOF
pids+=("$!")
sleep 1
wrk -t2 -c100 -d"${secs}s" --latency "$url"
wait "${pids[-1]}" || true
cat "$site/slow.txt"
echo "server: $(rss) resident after the run; still answering: $(curl -s -o /dev/null -w '%{http_code} in %{time_total} s' "$url")"
