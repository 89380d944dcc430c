#!/usr/bin/env python3
"""Fleetdeck's test lab: a real fleet of HAProxy instances in front of nginx upstreams, on 127.0.0.1 only.
Caddy and Varnish instances in front of the first pool's upstreams can be added (--caddy, --varnish).
nginx load balancers can be added too (--nginx), with a private sshd on 127.0.0.1 through which Fleetdeck reads
and edits their configuration, logs and status (ssh -F <lab>/ssh/config lab-nginx).
--tls adds an HTTPS front (nginx) to the first Caddy's admin API, with a lab CA and certificates for TLS tests.

Commands:
  start   start the lab in a fresh temporary directory, write its state file and return
  stop    stop every process the state file names (by PID) and remove the directory
  run     start, run an optional command ({fleet} is replaced by the fleet file), stop on exit or Ctrl-C
  kill-haproxy / start-haproxy   kill (SIGKILL) or start again one HAProxy instance, for recovery tests

Every daemon is started as a plain child process so that its PID is known, and is stopped by that PID.
A watchdog stops the lab by itself after --lifetime seconds, so a lab whose caller died does not linger.
"""

import argparse
import base64
import getpass
import hashlib
import json
import secrets
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

LOOPBACK = "127.0.0.1"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {LOOPBACK}:{port} within {timeout} s")


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0): reap it if it is our child, and count it dead either way
    # (in a container, PID 1 may never reap the orphans of an earlier "start").
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done != 0:
            return False
    except ChildProcessError:
        pass
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def group_members(pgid):
    """The live (not zombie) processes of a process group, from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[0] is the state, fields[2] the process group
        if fields[2] == str(pgid) and fields[0] != "Z":
            members.append(int(entry))
    return members


def stop_pids(pids, grace=5.0):
    """SIGTERM to each process's group (spawn() makes every lab process lead its own), wait for all of them
    together, SIGKILL whatever is left: a daemon's workers (HAProxy's, nginx's) go with it, not after the lab."""
    pids = [p for p in pids if p and (pid_alive(p) or group_members(p))]

    def signal_all(sig):
        for pid in pids:
            try:
                os.killpg(pid, sig)
            except (ProcessLookupError, PermissionError):
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass

    signal_all(signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        pids = [p for p in pids if pid_alive(p) or group_members(p)]
        if not pids:
            return
        time.sleep(0.05)
    signal_all(signal.SIGKILL)


def stop_pid(pid, grace=5.0):
    stop_pids([pid], grace)


def spawn(cmd, log_path, env=None):
    log = open(log_path, "ab")
    # A new session, so a Ctrl-C in the caller's terminal reaches the lab through us only, and we stop it in order.
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, env=env)
    return proc.pid


# ---------------------------------------------------------------- configuration files

def nginx_conf(root, ports, error_share, latency_ms):
    lines = [
        "load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;",
        "worker_processes 1;",
        f"pid {root}/nginx.pid;",
        "error_log stderr warn;",
        "events { worker_connections 4096; }",
        "http {",
        "    access_log off;",
        f"    client_body_temp_path {root}/client_body;",
        f"    proxy_temp_path {root}/proxy;",
        f"    fastcgi_temp_path {root}/fastcgi;",
        f"    uwsgi_temp_path {root}/uwsgi;",
        f"    scgi_temp_path {root}/scgi;",
        "    default_type text/plain;",
    ]
    pct = max(0.0, min(100.0, error_share * 100.0))
    if pct > 0:
        lines.append('    split_clients "${request_id}" $lab_fail { %.2f%% 1; * 0; }' % pct)
    else:
        lines.append("    map $request_id $lab_fail { default 0; }")
    for name, port in ports:
        lines += [
            "    server {",
            f"        listen {LOOPBACK}:{port};",
            # A marker file makes the health check fail, so tests and the demo can take an upstream down.
            f'        location = /health {{ if (-f {root}/down/{name}) {{ return 503; }} return 200 "ok\\n"; }}',
            # A deliberately slow answer, for tests that need a request in flight.
            '        location ~ /slow$ { echo_sleep 4; echo "slow"; }',
            # A steadily slow path (300 ms), for latency and queues (the signals instance's "slow" pool).
            '        location /lag/ { echo_sleep 0.3; echo "lag"; }',
            "        location / {",
            "            if ($lab_fail) { return 500; }",
        ]
        if latency_ms > 0:
            lines.append(f"            echo_sleep {latency_ms / 1000.0:.3f};")
        lines += [f'            echo "{name}";', "        }", "    }"]
    lines.append("}")
    return "\n".join(lines) + "\n"


def backend_names(count):
    base = ["api", "static", "auth", "search", "media", "billing", "users", "orders", "events", "reports"]
    return [base[i] if i < len(base) else f"pool{i + 1}" for i in range(count)]


def haproxy_conf(inst, backends, servers, upstream_ports, check_inter_ms):
    d = inst["dir"]
    lines = [
        "global",
        f"    stats socket ipv4@{LOOPBACK}:{inst['adminPort']} level admin",
        f"    stats socket {inst['socket']} mode 600 level admin",
        "    stats timeout 30s",
        "    set-var proc.iplimit int(200)",
        "",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 10s",
        "    timeout server 10s",
        "",
        "frontend fe",
        f"    bind {LOOPBACK}:{inst['frontendPort']}",
        "    stick-table type string len 64 size 100k expire 30s store http_req_rate(10s),http_req_cnt,gpc0",
        "    http-request set-var(txn.apikey) req.hdr(X-API-Key)",
        "    http-request track-sc0 var(txn.apikey) if { var(txn.apikey) -m found }",
        f"    http-request set-var(txn.keylimit) var(txn.apikey),map_str_int({d}/ratelimits.map,100)"
        " if { var(txn.apikey) -m found }",
        # gpc0 counts each key's refusals, so the rate-limit editor can show 429s per key.
        "    http-request sc-inc-gpc0(0) if { var(txn.apikey) -m found } { sc_http_req_rate(0),sub(txn.keylimit) gt 0 }",
        "    http-request deny deny_status 429 if { var(txn.apikey) -m found }"
        " { sc_http_req_rate(0),sub(txn.keylimit) gt 0 }",
        "    http-request track-sc1 src table st_ip if !{ var(txn.apikey) -m found }",
        "    http-request deny deny_status 429 if !{ var(txn.apikey) -m found }"
        " { sc_http_req_rate(1),sub(proc.iplimit) gt 0 }",
    ]
    names = backend_names(backends)
    for name in names[1:]:
        lines.append(f"    use_backend {name} if {{ path_beg /{name}/ }}")
    lines += [f"    default_backend {names[0]}", "",
              "backend st_ip",
              "    stick-table type ip size 100k expire 30s store http_req_rate(10s)", ""]
    # A small cache for the static pool's /static/assets/ paths only, so the lab's traffic still reaches servers.
    lines += ["cache assets", "    total-max-size 4", "    max-age 60", ""]
    for b, name in enumerate(names):
        lines += [f"backend {name}", "    balance roundrobin", "    option httpchk GET /health",
                  "    http-check expect status 200"]
        if name == "static":
            lines += ["    http-request set-var(txn.asset) bool(true) if { path_beg /static/assets/ }",
                      "    http-request cache-use assets if { var(txn.asset) -m bool }",
                      '    http-response set-header Cache-Control "max-age=60" if { var(txn.asset) -m bool }',
                      "    http-response cache-store assets if { var(txn.asset) -m bool }"]
        for s in range(servers):
            port = upstream_ports[b * servers + s]
            lines.append(f"    server s{s + 1} {LOOPBACK}:{port} check inter {check_inter_ms}")
        lines.append("")
    lines += [
        "frontend stats",
        f"    bind {LOOPBACK}:{inst['statsPort']}",
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "    stats enable",
        "    stats uri /stats",
        "    stats refresh 10s",
        "    stats admin if TRUE",
    ]
    return "\n".join(lines) + "\n"


def signals_conf(inst, ports):
    """One HAProxy whose pools show latency, queues, connection reuse, a server disabled in the configuration,
    a TCP proxy and a stats-only listen section: what an incident view must read right."""
    return "\n".join([
        "global",
        f"    stats socket ipv4@{LOOPBACK}:{inst['adminPort']} level admin",
        "    stats timeout 30s",
        "",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 10s",
        "    timeout server 10s",
        "    timeout queue 10s",
        "",
        "frontend web",
        f"    bind {LOOPBACK}:{inst['frontendPort']}",
        "    option socket-stats",
        "    use_backend slow if { path_beg /lag/ }",
        "    default_backend pooled",
        "",
        # Two requests at a time on one server taking 300 ms each: more than that waits in HAProxy's queue.
        "backend slow",
        f"    server s1 {LOOPBACK}:{ports[0]} maxconn 2",
        "",
        # Server connections kept and reused across clients.
        "backend pooled",
        "    http-reuse always",
        f"    server p1 {LOOPBACK}:{ports[1]} maxconn 50",
        f"    server p2 {LOOPBACK}:{ports[2]} maxconn 50",
        "",
        "backend configured_off",
        "    option httpchk GET /health",
        f"    server on1 {LOOPBACK}:{ports[0]} check inter 1s",
        f"    server off1 {LOOPBACK}:{ports[1]} check inter 1s disabled",
        "",
        "frontend tcp_in",
        "    mode tcp",
        f"    bind {LOOPBACK}:{inst['tcpPort']}",
        "    default_backend tcp_pool",
        "",
        "backend tcp_pool",
        "    mode tcp",
        f"    server t1 {LOOPBACK}:{ports[2]}",
        "",
        "listen stats_only",
        f"    bind {LOOPBACK}:{inst['statsPort']}",
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "    stats enable",
        "    stats uri /",
    ]) + "\n"


def start_signals(state, ports, poll_ms):
    d = os.path.join(state["dir"], "haproxy-signals")
    os.makedirs(d)
    inst = {"name": "haproxy-signals", "dir": d, "adminPort": free_port(), "frontendPort": free_port(),
            "tcpPort": free_port(), "statsPort": free_port(), "config": os.path.join(d, "haproxy.cfg")}
    with open(inst["config"], "w") as f:
        f.write(signals_conf(inst, ports))
    start_haproxy(inst)
    inst["gateway"] = {"name": inst["name"], "product": "haproxy", "admin": f"tcp://{LOOPBACK}:{inst['adminPort']}",
                       "metrics": f"http://{LOOPBACK}:{inst['statsPort']}/metrics", "pollIntervalMs": poll_ms}
    inst["fleet"] = os.path.join(d, "fleet.json")
    with open(inst["fleet"], "w") as f:
        json.dump({"name": "Fleetdeck lab signals", "gateways": [inst["gateway"]]}, f, indent=2)
    state["signals"] = inst


def varnish_vcl(upstreams):
    lines = [
        "vcl 4.1;",
        "import directors;",
        "",
        "probe health {",
        '    .url = "/health";',
        "    .interval = 1s;",
        "    .timeout = 1s;",
        "    .window = 3;",
        "    .threshold = 2;",
        "}",
        "",
    ]
    for name, port in upstreams:
        lines.append(f'backend {name} {{ .host = "{LOOPBACK}"; .port = "{port}"; .probe = health; }}')
    lines += ["", "sub vcl_init {", "    new pool = directors.round_robin();"]
    lines += [f"    pool.add_backend({name});" for name, _ in upstreams]
    lines += [
        "}",
        "",
        "sub vcl_recv {",
        "    set req.backend_hint = pool.backend();",
        "}",
        "",
        "sub vcl_deliver {",
        "    if (obj.hits > 0) {",
        '        set resp.http.X-Cache = "HIT";',
        "    } else {",
        '        set resp.http.X-Cache = "MISS";',
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def tls_nginx_conf(root, servers, upstream_port):
    """servers: (port, certificate, key, extra directives) for each HTTPS server in front of upstream_port."""
    lines = [
        "worker_processes 1;",
        f"pid {root}/nginx.pid;",
        "error_log stderr warn;",
        "events { worker_connections 256; }",
        "http {",
        "    access_log off;",
        f"    client_body_temp_path {root}/client_body;",
        f"    proxy_temp_path {root}/proxy;",
        f"    fastcgi_temp_path {root}/fastcgi;",
        f"    uwsgi_temp_path {root}/uwsgi;",
        f"    scgi_temp_path {root}/scgi;",
        # nginx before 1.23.4 leaves TLS 1.3 off by default; clients should meet what current gateways speak.
        "    ssl_protocols TLSv1.2 TLSv1.3;",
    ]
    for port, cert, key, extra in servers:
        lines += [
            "    server {",
            f"        listen {LOOPBACK}:{port} ssl;",
            f"        ssl_certificate {cert};",
            f"        ssl_certificate_key {key};",
        ]
        lines += [f"        {d}" for d in extra]
        # The default Host sent upstream, 127.0.0.1:<admin port>, is one Caddy's admin API accepts.
        lines += [f"        location / {{ proxy_pass http://{LOOPBACK}:{upstream_port}; }}", "    }"]
    lines.append("}")
    return "\n".join(lines) + "\n"


NGINX_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so"
SSHD = "/usr/sbin/sshd"

# One JSON object per request (field, nginx variable): what Fleetdeck reads back over ssh for each upstream.
# "proxy_host" names the pool each request went through, so a server's figures are its pool's, not its address's.
NGINX_LOG_FIELDS = [("time", "time_iso8601"), ("status", "status"), ("upstream_addr", "upstream_addr"),
                    ("upstream_status", "upstream_status"), ("upstream_response_time", "upstream_response_time"),
                    ("request_time", "request_time"), ("uri", "uri"), ("proxy_host", "proxy_host")]
NGINX_LOG_FORMAT = ("    log_format fleetdeck escape=json '{"
                    + ",".join(f'"{field}":"${var}"' for field, var in NGINX_LOG_FIELDS) + "}';")


def nginx_lb_conf(inst):
    """nginx as a load balancer: the pools live in included files, which Fleetdeck edits, tests and reloads."""
    d = inst["dir"]
    return "\n".join([
        f"load_module {NGINX_STREAM_MODULE};",
        "worker_processes 1;",
        f"pid {d}/nginx.pid;",
        f"error_log {d}/error.log notice;",
        "",
        "events {",
        "    worker_connections 1024;",
        "}",
        "",
        "http {",
        f"    client_body_temp_path {d}/client_body;",
        f"    proxy_temp_path {d}/proxy;",
        f"    fastcgi_temp_path {d}/fastcgi;",
        f"    uwsgi_temp_path {d}/uwsgi;",
        f"    scgi_temp_path {d}/scgi;",
        "",
        NGINX_LOG_FORMAT,
        f"    access_log {d}/access.log fleetdeck;",
        "",
        "    # /mapped/static/ goes to the static pool and the rest of /mapped/ to api, through a variable.",
        "    map $uri $fleetdeck_pool {",
        "        ~^/mapped/static/ static;",
        "        default api;",
        "    }",
        "",
        f"    include {d}/conf.d/*.conf;",
        "",
        "    server {",
        f"        listen {LOOPBACK}:{inst['frontPort']};",
        "",
        "        location = /nginx_status {",
        "            stub_status;",
        f"            allow {LOOPBACK};",
        "            deny all;",
        "            access_log off;",
        "        }",
        "",
        "        location /static/ {",
        "            proxy_pass http://static;",
        "        }",
        "",
        "        location /mapped/ {",
        "            proxy_pass http://$fleetdeck_pool;",
        "        }",
        "",
        "        location / {",
        "            proxy_pass http://api;",
        "        }",
        "    }",
        "}",
        "",
        "stream {",
        f"    include {d}/stream.conf;",
        "",
        "    server {",
        f"        listen {LOOPBACK}:{inst['tcpPort']};",
        "        proxy_pass tcp_api;",
        "    }",
        "}",
    ]) + "\n"


def nginx_lb_upstreams(name, api_ports, static_ports):
    lines = [f"# {name}: the HTTP pools. Edited by hand or by Fleetdeck; check with nginx -t, apply with -s reload.",
             "",
             "upstream api {",
             "    # The first pool's upstreams, the same servers as HAProxy's api backend."]
    lines += [f"    server {LOOPBACK}:{port} weight=1 max_fails=3 fail_timeout=10s;" for port in api_ports]
    lines += ["}", "", "upstream static {", "    least_conn;"]
    lines += [f"    server {LOOPBACK}:{port};" for port in static_ports]
    lines.append("}")
    return "\n".join(lines) + "\n"


def nginx_lb_stream(api_ports):
    lines = ["upstream tcp_api {"]
    lines += [f"    server {LOOPBACK}:{port};" for port in api_ports]
    lines.append("}")
    return "\n".join(lines) + "\n"


def sshd_config(ssh):
    d = ssh["dir"]
    return "\n".join([
        "# The lab's own sshd on 127.0.0.1, for reaching its nginx instances; never the system's sshd.",
        f"Port {ssh['port']}",
        f"ListenAddress {LOOPBACK}",
        f"HostKey {d}/host_key",
        f"AuthorizedKeysFile {d}/authorized_keys",
        f"AllowUsers {ssh['user']}",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        "UsePAM no",
        "StrictModes no",
        f"PidFile {d}/sshd.pid",
        # Without PAM a session's PATH is sshd's built-in one, which has no /usr/sbin (nginx) for other users.
        # Sessions get a home of their own, so the machine's shell start-up files (root's ~/.bashrc, which Debian's
        # bash reads for every ssh command) are neither run nor part of what the tests and benchmarks measure.
        # (sshd takes the first SetEnv line only: both on one.)
        f"SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME={d}/home",
    ]) + "\n"


def ssh_client_config(ssh):
    return "\n".join([
        f"Host {ssh['host']}",
        f"    HostName {LOOPBACK}",
        f"    Port {ssh['port']}",
        f"    User {ssh['user']}",
        f"    IdentityFile {ssh['userKey']}",
        "    IdentitiesOnly yes",
        f"    UserKnownHostsFile {ssh['knownHosts']}",
        # Only the lab's host key counts, whatever the system's known hosts say about 127.0.0.1.
        "    GlobalKnownHostsFile /dev/null",
        "    StrictHostKeyChecking yes",
        "    BatchMode yes",
    ]) + "\n"


# ---------------------------------------------------------------- lab certificates

TLS_DAYS = "3"
CA_EXT = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"]
# Leaf extensions complete enough for strict verifiers (X509_STRICT wants the key identifiers too).
LEAF_EXT = ["basicConstraints = CA:FALSE", "keyUsage = critical, digitalSignature, keyEncipherment",
            "subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid:always"]
SERVER_EXT = LEAF_EXT + ["extendedKeyUsage = serverAuth", f"subjectAltName = IP:{LOOPBACK}, DNS:localhost"]
CLIENT_EXT = LEAF_EXT + ["extendedKeyUsage = clientAuth"]


def openssl(args, cwd):
    r = subprocess.run(["openssl"] + args, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {r.stderr.strip()}")


def make_ca(d, name, cn):
    """Self-signed CA: name.pem and name.key in d."""
    addext = [a for ext in CA_EXT for a in ("-addext", ext)]
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem",
             "-days", TLS_DAYS, "-sha256", "-subj", f"/CN={cn}"] + addext, d)


def make_cert(d, name, cn, ca, ext):
    """A fresh key (name.key, unencrypted) and its certificate (name.pem) signed by the CA ca.pem/ca.key."""
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write("\n".join(ext) + "\n")
    openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
             "-subj", f"/CN={cn}"], d)
    openssl(["x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
             "-set_serial", "0x" + os.urandom(15).hex(), "-days", TLS_DAYS, "-sha256",
             "-extfile", f"{name}.ext", "-out", f"{name}.pem"], d)


def cert_sha256(path):
    with open(path) as f:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()


def make_lab_certificates(d):
    make_ca(d, "ca", "Fleetdeck lab CA")
    make_ca(d, "wrong-ca", "Fleetdeck lab unrelated CA")
    make_ca(d, "client-ca", "Fleetdeck lab client CA")
    make_cert(d, "server", "localhost", "ca", SERVER_EXT)
    # Same CA and names, another key: what a test sees when the gateway's certificate was replaced.
    make_cert(d, "server2", "localhost", "ca", SERVER_EXT)
    make_cert(d, "client", "Fleetdeck lab client", "client-ca", CLIENT_EXT)


# ---------------------------------------------------------------- lab lifecycle

def start_haproxy(inst):
    pid = spawn(["haproxy", "-f", inst["config"], "-db"], os.path.join(inst["dir"], "haproxy.log"))
    inst["pid"] = pid
    wait_for_port(inst["adminPort"], 10, f"HAProxy {inst['name']} runtime API")
    return pid


def start_varnish(state, args, upstreams):
    state["varnish"] = []
    exporter = shutil.which("prometheus-varnish-exporter")
    for i in range(args.varnish):
        name = f"varnish-{i + 1}"
        d = os.path.join(state["dir"], name)
        os.makedirs(d)
        inst = {"index": i, "name": name, "dir": d, "workdir": os.path.join(d, "workdir"),
                "adminPort": free_port(), "listenPort": free_port(), "secretFile": os.path.join(d, "secret"),
                "exporterPort": 0, "pid": 0, "exporterPid": 0, "vcl": os.path.join(d, "default.vcl")}
        state["varnish"].append(inst)
        # The same bytes as `head -c 32 /dev/urandom | base64`: the trailing newline is part of the secret.
        fd = os.open(inst["secretFile"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(base64.b64encode(os.urandom(32)) + b"\n")
        with open(inst["vcl"], "w") as f:
            f.write(varnish_vcl(upstreams))
        # -F keeps the manager in the foreground, so the PID is varnishd's own; it stops its child on SIGTERM.
        inst["pid"] = spawn(["varnishd", "-F", "-j", "none", "-n", inst["workdir"], "-f", inst["vcl"],
                             "-a", f"{LOOPBACK}:{inst['listenPort']}", "-T", f"{LOOPBACK}:{inst['adminPort']}",
                             "-S", inst["secretFile"], "-s", "malloc,32m", "-p", "default_ttl=60"],
                            os.path.join(d, "varnishd.log"))
        wait_for_port(inst["adminPort"], 20, f"Varnish {name} CLI")
        wait_for_port(inst["listenPort"], 10, f"Varnish {name} listener")
        if exporter:
            inst["exporterPort"] = free_port()
            # The exporter listens on every interface unless told otherwise.
            inst["exporterPid"] = spawn([exporter, "-n", inst["workdir"], "-raw",
                                         "-web.listen-address", f"{LOOPBACK}:{inst['exporterPort']}"],
                                        os.path.join(d, "exporter.log"))
            wait_for_port(inst["exporterPort"], 20, f"Varnish exporter for {name}")


def redis_conf(inst, master=None):
    lines = [f"port {inst['port']}", f"bind {LOOPBACK}", "protected-mode yes", 'save ""', "appendonly no",
             f"dir {inst['dir']}", f"pidfile {inst['dir']}/redis.pid", "daemonize no",
             # An ACL user for Fleetdeck (and the lab's traffic); the default user is off, so AUTH is needed.
             "user default off", f"user fleet on >{inst['password']} ~* &* +@all",
             "maxmemory 32mb", "maxmemory-policy allkeys-lru", "slowlog-log-slower-than 1000",
             "latency-monitor-threshold 5"]
    if master:
        lines += [f"replicaof {LOOPBACK} {master['port']}", "masteruser fleet", f"masterauth {master['password']}"]
    if inst.get("tlsPort"):
        # TLS beside the plain port, with the lab's CA and server certificate (Debian's Redis is built with TLS).
        lines += [f"tls-port {inst['tlsPort']}", f"tls-cert-file {inst['tlsDir']}/server.pem",
                  f"tls-key-file {inst['tlsDir']}/server.key", f"tls-ca-cert-file {inst['tlsCaFile']}",
                  "tls-auth-clients no"]
    return "\n".join(lines) + "\n"


def start_redis(state, args):
    state["redis"] = []
    password = base64.b64encode(os.urandom(18)).decode().replace("/", "x").replace("+", "y")
    for i in range(args.redis):
        name = f"redis-{i + 1}"
        d = os.path.join(state["dir"], name)
        os.makedirs(d)
        inst = {"index": i, "name": name, "dir": d, "port": free_port(), "password": password,
                "config": os.path.join(d, "redis.conf"), "secretFile": os.path.join(d, "secret"), "pid": 0}
        if i == 0 and state.get("tls"):
            inst["tlsPort"] = free_port()
            inst["tlsDir"] = state["tls"]["dir"]
            inst["tlsCaFile"] = state["tls"]["caFile"]
        # The credential Fleetdeck keeps: an ACL user and its password.
        fd = os.open(inst["secretFile"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"fleet:{password}")
        # The second instance replicates the first, so the first has a replica to show.
        with open(inst["config"], "w") as f:
            f.write(redis_conf(inst, state["redis"][0] if i == 1 else None))
        inst["pid"] = spawn(["redis-server", inst["config"]], os.path.join(d, "redis.log"))
        wait_for_port(inst["port"], 10, f"Redis {name}")
        state["redis"].append(inst)


PG_BIN = "/usr/lib/postgresql/15/bin"


def pg_user():
    """PostgreSQL will not run as root: the lab's cluster then belongs to nobody (its files in the lab directory)."""
    return "nobody" if os.geteuid() == 0 else None


def pg_command(cmd):
    user = pg_user()
    return (["setpriv", f"--reuid={user}", f"--regid={user == 'nobody' and 'nogroup' or user}", "--clear-groups"]
            if user else []) + cmd


def spawn_postgres(inst):
    inst["pid"] = spawn(pg_command([f"{PG_BIN}/postgres", "-D", inst["data"]]), os.path.join(inst["dir"], "postgres.log"))
    wait_for_port(inst["port"], 30, "PostgreSQL")
    # Listening is not yet accepting: while it replays its log, it answers "the database system is starting up".
    deadline = time.monotonic() + 30
    while subprocess.run(pg_command([f"{PG_BIN}/pg_isready", "-q", "-h", inst["dir"], "-p", str(inst["port"])]),
                         capture_output=True).returncode != 0:
        if time.monotonic() > deadline:
            raise RuntimeError("PostgreSQL listens but does not accept connections after 30 s")
        time.sleep(0.05)


def psql(inst, sql, user="postgres"):
    r = subprocess.run(pg_command([f"{PG_BIN}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", inst["dir"], "-p",
                                   str(inst["port"]), "-U", user, "-d", "fleetdeck"]),
                       input=sql, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"psql failed: {r.stderr.strip()}")
    return r.stdout


def start_postgres(state, args):
    """PostgreSQL 15 in the lab directory (initdb, a free port on 127.0.0.1, its UNIX socket in the lab directory),
    the team journal's schema from packaging/team-journal.sql, and two operators, ops-1 and ops-2, each with a
    password in a secret file; TLS with the lab's certificate when the lab has one."""
    if not args.postgres:
        return
    d = os.path.join(state["dir"], "postgres")
    os.makedirs(d)
    inst = {"name": "postgres", "dir": d, "data": os.path.join(d, "data"), "port": free_port(), "pid": 0,
            "database": "fleetdeck", "operators": []}
    user = pg_user()
    if user:
        shutil.chown(d, user)
    subprocess.run(pg_command([f"{PG_BIN}/initdb", "-D", inst["data"], "-U", "postgres", "--auth-local=trust",
                               "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, capture_output=True)
    conf = [f"port = {inst['port']}", f"listen_addresses = '{LOOPBACK}'", f"unix_socket_directories = '{d}'",
            "fsync = off", "shared_buffers = 16MB", "max_connections = 40", "logging_collector = off"]
    if state.get("tls"):
        tls = state["tls"]
        for name in ("server.pem", "server.key"):
            shutil.copy(os.path.join(tls["dir"], name), os.path.join(d, name))
            if user:
                shutil.chown(os.path.join(d, name), user)
        os.chmod(os.path.join(d, "server.key"), 0o600)
        conf += ["ssl = on", f"ssl_cert_file = '{d}/server.pem'", f"ssl_key_file = '{d}/server.key'"]
        inst["caFile"] = tls["caFile"]
        inst["wrongCaFile"] = tls["wrongCaFile"]
    with open(os.path.join(inst["data"], "postgresql.auto.conf"), "a") as f:
        f.write("\n".join(conf) + "\n")
    spawn_postgres(inst)
    subprocess.run(pg_command([f"{PG_BIN}/createdb", "-h", d, "-p", str(inst["port"]), "-U", "postgres",
                               "fleetdeck"]), check=True, capture_output=True)
    schema = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "packaging", "team-journal.sql")
    with open(schema) as f:
        psql(inst, f.read())
    for name in ("ops-1", "ops-2"):
        password = secrets.token_hex(12)
        secret_file = os.path.join(d, f"{name}.secret")
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(password)
        psql(inst, f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}' IN ROLE fleetdeck_operator;")
        inst["operators"].append({"name": name, "password": password, "secretFile": secret_file})
    query = f"?sslmode=verify-full&sslrootcert={inst['caFile']}" if "caFile" in inst else ""
    inst["url"] = f"postgresql://ops-1@{LOOPBACK}:{inst['port']}/fleetdeck{query}"
    state["postgres"] = inst


def stop_postgres(inst):
    """A fast shutdown (SIGINT to the postmaster): sessions are ended and postmaster.pid removed, so it starts again
    at once; the process group is stopped after it, in case."""
    pid = inst.get("pid")
    if not pid:
        return
    lock = os.path.join(inst["data"], "postmaster.pid")
    try:
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + 15
        while os.path.exists(lock) and time.monotonic() < deadline:
            time.sleep(0.05)
    except ProcessLookupError:
        pass
    stop_pids([pid], 5)


def cmd_postgres(args):
    """Stops (fast shutdown) or starts again the lab's PostgreSQL: an outage of the team journal."""
    state = read_state(args.state)
    inst = state["postgres"]
    if args.action == "stop":
        stop_postgres(inst)
    else:
        spawn_postgres(inst)
        write_state(args.state, state)
    return 0


def redis_gateways(state, poll_ms):
    return [{"name": inst["name"], "product": "redis", "admin": f"tcp://{LOOPBACK}:{inst['port']}",
             "credential": f"{inst['name']}/auth", "pollIntervalMs": poll_ms} for inst in state.get("redis", [])]


def resp(*args):
    out = f"*{len(args)}\r\n"
    for a in args:
        a = str(a)
        out += f"${len(a.encode())}\r\n{a}\r\n"
    return out.encode()


def cmd_redis_traffic(args):
    """Reads and writes keys on one lab Redis at about `rate` commands a second for `seconds`: most reads hit, some
    miss, keys expire, so the hit ratio, ops and expirations move. A replica (--read-only) is only read."""
    import random
    import socket
    with open(args.secret_file) as f:
        user, password = f.read().split(":", 1)
    end = time.time() + args.seconds
    rng = random.Random(args.port)
    seeded = False

    def reply(sock, buf):
        # One RESP reply (+OK, -ERR, :n, $-1, $n + data), and what is left of the buffer.
        while True:
            eol = buf.find(b"\r\n")
            if eol >= 0:
                if buf[:1] == b"$" and int(buf[1:eol]) >= 0:
                    need = eol + 2 + int(buf[1:eol]) + 2
                    if len(buf) >= need:
                        return buf[need:]
                else:
                    return buf[eol + 2:]
            data = sock.recv(65536)
            if not data:
                raise OSError("closed")
            buf += data

    while time.time() < end:
        try:
            with socket.create_connection((LOOPBACK, args.port), timeout=5) as sock:
                buf = b""
                sock.sendall(resp("AUTH", user, password))
                buf = reply(sock, buf)
                if not args.read_only and not seeded:
                    # Half the key space at once, so reads hit about half the time from the first second.
                    sock.sendall(b"".join(resp("SET", f"lab:item:{k}", "x" * 200, "EX", 600)
                                          for k in range(0, 3000, 2)))
                    for _ in range(0, 3000, 2):
                        buf = reply(sock, buf)
                    seeded = True
                while time.time() < end:
                    k = rng.randrange(3000)
                    if not args.read_only and rng.random() < 0.3:
                        sock.sendall(resp("SET", f"lab:item:{k}", "x" * rng.randrange(10, 2000), "EX",
                                          rng.randrange(5, 60)))
                    else:
                        sock.sendall(resp("GET", f"lab:item:{k}"))
                    buf = reply(sock, buf)
                    time.sleep(1.0 / max(1, args.rate))
        except (OSError, ValueError):
            time.sleep(0.5)
    return 0


def start_tls(state):
    d = os.path.join(state["dir"], "tls")
    ngx = os.path.join(d, "nginx")
    os.makedirs(ngx)
    make_lab_certificates(d)
    caddy = state["caddy"][0]
    tls = {"dir": d, "caFile": os.path.join(d, "ca.pem"), "wrongCaFile": os.path.join(d, "wrong-ca.pem"),
           "clientCert": os.path.join(d, "client.pem"), "clientKey": os.path.join(d, "client.key"),
           "port": free_port(), "changedPort": free_port(), "mtlsPort": free_port(),
           "serverSha256": cert_sha256(os.path.join(d, "server.pem")),
           "changedSha256": cert_sha256(os.path.join(d, "server2.pem")),
           "caddyAdminPort": caddy["adminPort"], "pid": 0,
           # HTTP authentication in front of the admin API: basic (user and password) and a bearer token.
           "authPort": free_port(), "authUser": "operator", "authPassword": secrets.token_hex(12),
           "bearerPort": free_port(), "bearerToken": secrets.token_hex(16),
           # The client key again, encrypted with a pass phrase (which an operator keeps in the keychain).
           "clientKeyEncrypted": os.path.join(d, "client-encrypted.key"), "clientKeyPassphrase": secrets.token_hex(8)}
    openssl(["pkey", "-in", "client.key", "-aes256", "-passout", f"pass:{tls['clientKeyPassphrase']}",
             "-out", "client-encrypted.key"], d)
    with open(os.path.join(d, "htpasswd"), "w") as f:
        hashed = subprocess.run(["openssl", "passwd", "-apr1", tls["authPassword"]], capture_output=True, text=True,
                                check=True).stdout.strip()
        f.write(f"{tls['authUser']}:{hashed}\n")
    server, server2 = (os.path.join(d, f"{n}.pem") for n in ("server", "server2"))
    key, key2 = (os.path.join(d, f"{n}.key") for n in ("server", "server2"))
    servers = [(tls["port"], server, key, []),
               (tls["changedPort"], server2, key2, []),
               (tls["mtlsPort"], server, key, [f"ssl_client_certificate {d}/client-ca.pem;", "ssl_verify_client on;"]),
               (tls["authPort"], server, key, ['auth_basic "fleetdeck lab";', f"auth_basic_user_file {d}/htpasswd;"]),
               (tls["bearerPort"], server, key,
                [f'if ($http_authorization != "Bearer {tls["bearerToken"]}") {{ return 401; }}'])]
    with open(os.path.join(ngx, "nginx.conf"), "w") as f:
        f.write(tls_nginx_conf(ngx, servers, caddy["adminPort"]))
    state["tls"] = tls
    tls["pid"] = spawn(["nginx", "-p", ngx, "-c", "nginx.conf", "-g", "daemon off;"], os.path.join(ngx, "nginx.log"))
    for port in (tls["port"], tls["changedPort"], tls["mtlsPort"], tls["authPort"], tls["bearerPort"]):
        wait_for_port(port, 10, "nginx TLS front")


def nginx_lb_missing():
    """What --nginx needs and this machine lacks, as a message; empty when nothing is missing."""
    if not os.path.exists(SSHD):
        return (f"--nginx needs a private sshd, and {SSHD} is missing: install openssh-server"
                " (packaging/lab-packages.txt lists it)")
    if not os.path.exists(NGINX_STREAM_MODULE):
        return (f"--nginx needs {NGINX_STREAM_MODULE}: install libnginx-mod-stream"
                " (packaging/lab-packages.txt lists it)")
    return ""


def start_sshd(state):
    """The lab's private sshd: per-run host and user keys, a client config whose host key check is strict."""
    d = os.path.join(state["dir"], "ssh")
    os.makedirs(os.path.join(d, "home"))
    ssh = {"pid": 0, "port": free_port(), "dir": d, "host": "lab-nginx", "config": os.path.join(d, "config"),
           "sshdConfig": os.path.join(d, "sshd_config"), "userKey": os.path.join(d, "user_key"),
           "knownHosts": os.path.join(d, "known_hosts"), "log": os.path.join(d, "sshd.log"),
           "user": "root" if os.geteuid() == 0 else getpass.getuser()}
    state["ssh"] = ssh
    for key, comment in (("host_key", "fleetdeck lab host"), ("user_key", "fleetdeck lab user")):
        r = subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", os.path.join(d, key)],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"ssh-keygen for the lab's {key} failed: {r.stderr.strip()}")
    shutil.copyfile(ssh["userKey"] + ".pub", os.path.join(d, "authorized_keys"))
    with open(os.path.join(d, "host_key.pub")) as f:
        host_key = f.read().strip()
    with open(ssh["knownHosts"], "w") as f:
        f.write(f"[{LOOPBACK}]:{ssh['port']} {host_key}\n")
    with open(ssh["sshdConfig"], "w") as f:
        f.write(sshd_config(ssh))
    with open(ssh["config"], "w") as f:
        f.write(ssh_client_config(ssh))
    if os.geteuid() == 0:
        # sshd's privilege separation directory, which only a root sshd needs.
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    # sshd daemonises: the command returns once it has forked, and the daemon writes its PID to the PidFile.
    r = subprocess.run([SSHD, "-f", ssh["sshdConfig"], "-E", ssh["log"]], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=20)
    if r.returncode != 0:
        with open(ssh["log"], errors="replace") as f:
            raise RuntimeError(f"the lab's sshd did not start: {(r.stderr + f.read()).strip()}")
    pid_file = os.path.join(d, "sshd.pid")
    deadline = time.monotonic() + 10
    while not ssh["pid"]:
        try:
            with open(pid_file) as f:
                ssh["pid"] = int(f.read().strip())
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the lab's sshd wrote no PID to {pid_file}; see {ssh['log']}")
            time.sleep(0.05)
    wait_for_port(ssh["port"], 10, "the lab's sshd")


def start_nginx_lb(state, args, ports):
    """nginx as a load balancer in front of the shared upstreams, each in its own prefix directory."""
    state["nginxlb"] = []
    if args.nginx <= 0:
        return
    missing = nginx_lb_missing()
    if missing:
        raise RuntimeError(missing)
    start_sshd(state)
    api = ports[:args.servers]
    static = ports[args.servers:2 * args.servers] if args.backends >= 2 else api
    for i in range(args.nginx):
        name = f"nginx-{i + 1}"
        d = os.path.join(state["dir"], name)
        os.makedirs(os.path.join(d, "conf.d"))
        front = free_port()
        inst = {"index": i, "name": name, "dir": d, "pid": 0, "frontPort": front, "tcpPort": free_port(),
                "config": os.path.join(d, "nginx.conf"), "upstreams": os.path.join(d, "conf.d", "upstreams.conf"),
                "stream": os.path.join(d, "stream.conf"), "accessLog": os.path.join(d, "access.log"),
                "errorLog": os.path.join(d, "error.log"), "pidFile": os.path.join(d, "nginx.pid"),
                "statusUrl": f"http://{LOOPBACK}:{front}/nginx_status",
                "nginxCommand": f"nginx -p {d} -c nginx.conf"}
        with open(inst["config"], "w") as f:
            f.write(nginx_lb_conf(inst))
        with open(inst["upstreams"], "w") as f:
            f.write(nginx_lb_upstreams(name, api, static))
        with open(inst["stream"], "w") as f:
            f.write(nginx_lb_stream(api))
        state["nginxlb"].append(inst)
        inst["pid"] = spawn(["nginx", "-p", d, "-c", "nginx.conf", "-g", "daemon off;"], os.path.join(d, "nginx.log"))
        wait_for_port(front, 10, f"nginx {name}")


def nginx_gateways(state, poll_ms):
    ssh = state.get("ssh", {})
    return [{"name": inst["name"], "product": "nginx", "admin": f"ssh://{ssh['host']}", "sshConfig": ssh["config"],
             "nginx": inst["nginxCommand"], "stubStatus": inst["statusUrl"], "accessLog": inst["accessLog"],
             "errorLog": inst["errorLog"], "pollIntervalMs": poll_ms} for inst in state.get("nginxlb", [])]


def start(args):
    root = tempfile.mkdtemp(prefix="fleetdeck-lab-")
    # nginx workers run as an unprivileged user when the lab runs as root: they must reach the marker files.
    os.chmod(root, 0o755)
    state = {"dir": root, "haproxy": [], "traffic": [], "nginx": {}, "watchdog": 0}
    state_path = os.path.abspath(args.state)
    try:
        _start_into(state, args)
    except Exception:
        write_state(state_path, state)
        stop_state(state)
        raise
    if args.flap_seconds > 0:
        # One upstream fails its health checks for flap_seconds, then recovers, and again: transitions to watch.
        state["flapper"] = spawn([sys.executable, os.path.abspath(__file__), "flap", "--state", state_path,
                                  "--every", str(args.flap_seconds), "--for", str(args.traffic_seconds)],
                                 os.path.join(root, "flap.log"))
    if args.lifetime > 0:
        state["watchdog"] = spawn([sys.executable, os.path.abspath(__file__), "watchdog", "--state", state_path,
                                   "--after", str(args.lifetime)], os.path.join(root, "watchdog.log"))
    write_state(state_path, state)
    return state


def _start_into(state, args):
    root = state["dir"]
    ups = [(f"u{i + 1}", free_port()) for i in range(args.backends * args.servers)]
    ngx = os.path.join(root, "nginx")
    os.makedirs(os.path.join(ngx, "down"))
    with open(os.path.join(ngx, "nginx.conf"), "w") as f:
        f.write(nginx_conf(ngx, ups, args.error_share, args.latency_ms))
    state["nginx"] = {"ports": [p for _, p in ups], "names": [n for n, _ in ups],
                      "config": os.path.join(ngx, "nginx.conf"), "downDir": os.path.join(ngx, "down")}
    state["nginx"]["pid"] = spawn(["nginx", "-p", ngx, "-c", "nginx.conf", "-g", "daemon off;"],
                                  os.path.join(ngx, "nginx.log"))
    for _, port in ups:
        wait_for_port(port, 10, "nginx upstream")

    gateways = []
    for i in range(args.haproxy):
        name = f"haproxy-{i + 1}"
        d = os.path.join(root, name)
        os.makedirs(d)
        inst = {"index": i, "name": name, "dir": d, "adminPort": free_port(), "socket": os.path.join(d, "admin.sock"),
                "frontendPort": free_port(), "statsPort": free_port(), "config": os.path.join(d, "haproxy.cfg"),
                "backends": backend_names(args.backends)}
        with open(os.path.join(d, "ratelimits.map"), "w") as f:
            f.write("key-gold 1000\nkey-free 5\nkey-load 1000000000\n")
        with open(inst["config"], "w") as f:
            f.write(haproxy_conf(inst, args.backends, args.servers, [p for _, p in ups], args.check_inter_ms))
        state["haproxy"].append(inst)
        start_haproxy(inst)
        gateways.append({"name": name, "product": "haproxy", "admin": f"tcp://{LOOPBACK}:{inst['adminPort']}",
                         "metrics": f"http://{LOOPBACK}:{inst['statsPort']}/metrics",
                         "pollIntervalMs": args.poll_ms})

    state["caddy"] = []
    for i in range(args.caddy):
        name = f"caddy-{i + 1}"
        d = os.path.join(root, name)
        os.makedirs(d)
        inst = {"index": i, "name": name, "dir": d, "adminPort": free_port(), "listenPort": free_port()}
        api = [{"dial": f"{LOOPBACK}:{p}"} for _, p in ups[:args.servers]]
        cfg = {"admin": {"listen": f"{LOOPBACK}:{inst['adminPort']}", "config": {"persist": False}},
               "apps": {"http": {"servers": {"srv0": {
                   "listen": [f"{LOOPBACK}:{inst['listenPort']}"], "automatic_https": {"disable": True}, "metrics": {},
                   "routes": [{"handle": [{"handler": "reverse_proxy", "@id": "api", "upstreams": api,
                                           "load_balancing": {"selection_policy": {"policy": "round_robin"}},
                                           "health_checks": {"active": {"uri": "/health", "interval": "1s",
                                                                        "timeout": "1s", "expect_status": 200}}}]}]}}}}}
        with open(os.path.join(d, "caddy.json"), "w") as f:
            json.dump(cfg, f)
        env = dict(os.environ, XDG_DATA_HOME=os.path.join(d, "data"), XDG_CONFIG_HOME=os.path.join(d, "config"), HOME=d)
        inst["pid"] = spawn(["caddy", "run", "--config", os.path.join(d, "caddy.json")], os.path.join(d, "caddy.log"), env)
        wait_for_port(inst["adminPort"], 10, f"Caddy {name} admin API")
        state["caddy"].append(inst)
    if args.tls:
        start_tls(state)

    start_varnish(state, args, ups[:args.servers])
    start_redis(state, args)
    start_postgres(state, args)
    if args.signals:
        start_signals(state, [p for _, p in ups[:3]], args.poll_ms)
    if args.mixed_fleet:
        gateways += mixed_gateways(state, args.poll_ms)
        gateways += redis_gateways(state, args.poll_ms)
        if args.signals:
            gateways.append(state["signals"]["gateway"])
    start_nginx_lb(state, args, [p for _, p in ups])
    # Each instance's fleet entry is in the state (tests build their gateway from it); the fleet file lists them
    # with the other products' under --mixed-fleet, so tests of a HAProxy-only fleet keep theirs.
    for inst, gw in zip(state.get("nginxlb", []), nginx_gateways(state, args.poll_ms)):
        inst["gateway"] = gw
        if args.mixed_fleet:
            gateways.append(gw)

    fleet = {"name": "Fleetdeck lab", "gateways": gateways}
    if "postgres" in state:
        fleet["journal"] = state["postgres"]["url"]
    if args.alertmanager:
        start_alertmanager(state)
        fleet["alertmanager"] = state["alertmanager"]["url"]
    if args.prometheus:
        start_prometheus(state, args.scrape_interval)
        fleet["prometheus"] = state["prometheus"]["url"]
        # Every HAProxy as the lab's Prometheus finds it (the signals instance too, which the list leaves out).
        fleet["discover"] = {"selector": 'haproxy_process_start_time_seconds{job="haproxy"}', "product": "haproxy",
                             "nameLabel": "gateway", "groupBy": ["site", "role"], "admin": "tcp://{fleetdeck_admin}",
                             "refreshSeconds": 2}
    state["fleet"] = os.path.join(root, "fleet.json")
    with open(state["fleet"], "w") as f:
        json.dump(fleet, f, indent=2)

    if args.traffic_seconds > 0 and args.rate > 0:
        for inst in state["haproxy"]:
            paths = ["/"] + [f"/{b}/" for b in inst["backends"][1:]]
            for path in paths:
                state["traffic"].append(spawn(
                    ["hey", "-z", f"{args.traffic_seconds}s", "-c", "2", "-q", str(max(1, args.rate // 2)),
                     "-H", "X-API-Key: key-load", f"http://{LOOPBACK}:{inst['frontendPort']}{path}"],
                    os.path.join(inst["dir"], "traffic.log")))
            # A client over its limit, so the frontend's 429s show up too.
            state["traffic"].append(spawn(
                ["hey", "-z", f"{args.traffic_seconds}s", "-c", "1", "-q", "2",
                 "-H", "X-API-Key: key-free", f"http://{LOOPBACK}:{inst['frontendPort']}/"],
                os.path.join(inst["dir"], "traffic.log")))
        for inst in state["caddy"] + state["varnish"]:
            state["traffic"].append(spawn(
                ["hey", "-z", f"{args.traffic_seconds}s", "-c", "2", "-q", str(max(1, args.rate // 2)),
                 f"http://{LOOPBACK}:{inst['listenPort']}/"],
                os.path.join(inst["dir"], "traffic.log")))
        for inst in state["nginxlb"]:
            for path in ("/", "/static/"):
                state["traffic"].append(spawn(
                    ["hey", "-z", f"{args.traffic_seconds}s", "-c", "2", "-q", str(max(1, args.rate // 2)),
                     f"http://{LOOPBACK}:{inst['frontPort']}{path}"],
                    os.path.join(inst["dir"], "traffic.log")))
        if args.signals and args.mixed_fleet:
            # The demo's incident: more clients than the slow pool takes, so requests queue and wait.
            sig = state["signals"]
            state["traffic"].append(spawn(
                ["hey", "-z", f"{args.traffic_seconds}s", "-c", "4", "-q", "2",
                 f"http://{LOOPBACK}:{sig['frontendPort']}/lag/"], os.path.join(sig["dir"], "traffic.log")))
            state["traffic"].append(spawn(
                ["hey", "-z", f"{args.traffic_seconds}s", "-c", "2", "-q", "10",
                 f"http://{LOOPBACK}:{sig['frontendPort']}/"], os.path.join(sig["dir"], "traffic.log")))
        for inst in state["redis"]:
            state["traffic"].append(spawn(
                [sys.executable, os.path.abspath(__file__), "redis-traffic", "--port", str(inst["port"]),
                 "--secret-file", inst["secretFile"], "--seconds", str(args.traffic_seconds),
                 "--rate", str(args.rate * 5)] + (["--read-only"] if inst["index"] > 0 else []),
                os.path.join(inst["dir"], "traffic.log")))
        for inst in state["varnish"]:
            # Requests with a cookie pass through Varnish uncached, so its backends see traffic too.
            state["traffic"].append(spawn(
                ["hey", "-z", f"{args.traffic_seconds}s", "-c", "1", "-q", str(max(1, args.rate // 4)),
                 "-H", "Cookie: session=lab", f"http://{LOOPBACK}:{inst['listenPort']}/"],
                os.path.join(inst["dir"], "traffic.log")))


def mixed_gateways(state, poll_ms):
    gateways = []
    for inst in state["caddy"]:
        admin = f"http://{LOOPBACK}:{inst['adminPort']}"
        gateways.append({"name": inst["name"], "product": "caddy", "admin": admin, "metrics": f"{admin}/metrics",
                         "pollIntervalMs": poll_ms})
    for inst in state["varnish"]:
        gw = {"name": inst["name"], "product": "varnish", "admin": f"tcp://{LOOPBACK}:{inst['adminPort']}"}
        if inst["exporterPort"]:
            gw["metrics"] = f"http://{LOOPBACK}:{inst['exporterPort']}/metrics"
        gw.update({"credential": f"{inst['name']}/cli", "pollIntervalMs": poll_ms})
        gateways.append(gw)
    return gateways


# What Fleetdeck charts per server (requests, 5xx, sessions, latency, queue, and the session limit its load is taken
# against), per backend and frontend; server states only where the alert rules read them (--alertmanager).
PROMETHEUS_KEEP = ("haproxy_(frontend|backend)_(http_requests_total|http_responses_total|current_sessions)"
                   "|haproxy_server_(sessions_total|http_responses_total|current_sessions|total_time_average_seconds"
                   "|current_queue|limit_sessions)"
                   "|haproxy_backend_current_queue|haproxy_server_status|haproxy_process_start_time_seconds")

# What the lab's Prometheus alerts on (lab --alertmanager): a server whose health checks fail.
ALERT_RULES = """groups:
  - name: lab
    interval: 1s
    rules:
      - alert: LabServerDown
        expr: haproxy_server_status{state="DOWN"} == 1
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.proxy }}/{{ $labels.server }} fails its health checks"
      - alert: LabRequestsQueueing
        expr: haproxy_backend_current_queue > 0
        for: 5s
        labels:
          severity: warning
        annotations:
          summary: "{{ $value }} requests wait for a free server"
"""


def prometheus_yml(targets, interval, alertmanager_port=0, rules=""):
    # Keep only what Fleetdeck charts and what the alert rules read, so Prometheus and Fleetdeck hold the same series
    # when they are compared.
    lines = [
        "global:",
        f"  scrape_interval: {interval}",
        f"  scrape_timeout: {interval}",
        f"  evaluation_interval: {interval}",
    ]
    if alertmanager_port:
        lines += [
            "alerting:",
            "  alertmanagers:",
            "    - static_configs:",
            f"        - targets: ['{LOOPBACK}:{alertmanager_port}']",
            f"rule_files: ['{rules}']",
        ]
    lines += [
        "scrape_configs:",
        "  - job_name: haproxy",
        "    metrics_path: /metrics",
        "    static_configs:",
    ]
    # Each target with the labels a large fleet is grouped by and the admin address Fleetdeck opens (the fleet
    # file's "discover").
    for address, labels in targets:
        lines += [f"      - targets: ['{address}']",
                  "        labels: {" + ", ".join(f"{k}: '{v}'" for k, v in labels.items()) + "}"]
    lines += [
        "    metric_relabel_configs:",
        "      - source_labels: [__name__]",
        f"        regex: '{PROMETHEUS_KEEP}'",
        "        action: keep",
        "      - source_labels: [__name__, code]",
        "        regex: 'haproxy_.+_http_responses_total;[1234o].*'",
        "        action: drop",
    ]
    return "\n".join(lines) + "\n"


def wait_for_http(url, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not become ready at {url}")


def start_alertmanager(state):
    root = os.path.join(state["dir"], "alertmanager")
    os.makedirs(root)
    port = free_port()
    config = os.path.join(root, "alertmanager.yml")
    with open(config, "w") as f:
        # Alerts are only kept and listed (Fleetdeck reads them); nothing is sent anywhere.
        f.write("route:\n  receiver: none\n  group_wait: 1s\n  group_interval: 1s\nreceivers:\n  - name: none\n")
    pid = spawn(["prometheus-alertmanager", f"--config.file={config}", f"--storage.path={root}/data",
                 f"--web.listen-address={LOOPBACK}:{port}", "--cluster.listen-address=", "--log.level=warn"],
                os.path.join(root, "alertmanager.log"))
    state["alertmanager"] = {"pid": pid, "port": port, "url": f"http://{LOOPBACK}:{port}"}
    wait_for_http(f"http://{LOOPBACK}:{port}/-/ready", 20, "Alertmanager")


def start_prometheus(state, interval):
    root = os.path.join(state["dir"], "prometheus")
    os.makedirs(root)
    port = free_port()
    config = os.path.join(root, "prometheus.yml")
    def target(inst, site, role):
        return (f"{LOOPBACK}:{inst['statsPort']}", {"gateway": inst["name"], "site": site, "role": role,
                                                     "fleetdeck_admin": f"{LOOPBACK}:{inst['adminPort']}"})
    targets = [target(inst, f"lab-{'ab'[i % 2]}", "edge") for i, inst in enumerate(state["haproxy"])]
    if "signals" in state:
        targets.append(target(state["signals"], "lab-a", "signals"))
    rules = os.path.join(root, "rules.yml")
    with open(rules, "w") as f:
        f.write(ALERT_RULES)
    alertmanager_port = state.get("alertmanager", {}).get("port", 0)
    with open(config, "w") as f:
        f.write(prometheus_yml(targets, interval, alertmanager_port, rules))
    pid = spawn(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={root}/data",
                 f"--web.listen-address={LOOPBACK}:{port}", "--web.enable-lifecycle", "--log.level=warn"],
                os.path.join(root, "prometheus.log"))
    state["prometheus"] = {"pid": pid, "port": port, "url": f"http://{LOOPBACK}:{port}", "config": config}
    wait_for_http(f"http://{LOOPBACK}:{port}/-/ready", 20, "Prometheus")


def bigfleet_openmetrics(path, gateways, now):
    """A large fleet's last four minutes as HAProxy's exporter would have shown it, written as OpenMetrics for
    `promtool tsdb create-blocks-from openmetrics`: per gateway its start time, frontend requests, 5xx answers and
    sessions, and two servers' status. Every 47th gateway has a server down, every 97th answers 20 % 5xx (primes, so
    the trouble is spread over the sites and roles)."""
    step, samples = 30, 8
    sites = [f"site-{i:02d}" for i in range(20)]
    down, erring, troubled = 0, 0, 0
    series = {"haproxy_process_start_time_seconds": ("gauge", []),
              "haproxy_frontend_http_requests": ("counter", []),
              "haproxy_frontend_http_responses": ("counter", []),
              "haproxy_frontend_current_sessions": ("gauge", []),
              "haproxy_server_status": ("gauge", [])}
    for g in range(gateways):
        labels = (f'job="edge",instance="10.{g // 250}.{g % 250}.1:8405",gateway="gw-{g:04d}",'
                  f'site="{sites[g % 20]}",role="{"api" if g % 3 else "edge"}",fleetdeck_admin="10.{g // 250}.'
                  f'{g % 250}.1:9999"')
        rate = 20 + g % 200
        has_down = g % 47 == 7
        errors = 0.2 if g % 97 == 13 else 0.001
        down += has_down
        erring += g % 97 == 13
        troubled += has_down or g % 97 == 13
        for k in range(samples):
            t = now - (samples - 1 - k) * step
            reqs = rate * (t - now + 3600)
            series["haproxy_process_start_time_seconds"][1].append(f"{{{labels}}} {now - 3600} {t}")
            series["haproxy_frontend_http_requests"][1].append(f"_total{{{labels},proxy=\"fe\"}} {reqs} {t}")
            series["haproxy_frontend_http_responses"][1].append(
                f"_total{{{labels},proxy=\"fe\",code=\"5xx\"}} {int(reqs * errors)} {t}")
            series["haproxy_frontend_current_sessions"][1].append(f"{{{labels},proxy=\"fe\"}} {g % 40} {t}")
            for srv in (1, 2):
                up = 0 if has_down and srv == 2 else 1
                series["haproxy_server_status"][1].append(
                    f"{{{labels},proxy=\"be\",server=\"s{srv}\",state=\"UP\"}} {up} {t}")
                series["haproxy_server_status"][1].append(
                    f"{{{labels},proxy=\"be\",server=\"s{srv}\",state=\"DOWN\"}} {1 - up} {t}")
    with open(path, "w") as f:
        for name, (kind, lines) in series.items():
            f.write(f"# TYPE {name} {kind}\n")
            # OpenMetrics wants each series' samples together and in time order.
            lines.sort(key=lambda line: (line.rsplit(" ", 2)[0], int(line.rsplit(" ", 1)[1])))
            for line in lines:
                f.write(name + line + "\n")
        f.write("# EOF\n")
    return {"gateways": gateways, "withServerDown": down, "withErrors": erring, "inTrouble": troubled}


def spawn_bigfleet_prometheus(state):
    prom = state["prometheus"]
    root = os.path.dirname(prom["config"])
    prom["pid"] = spawn(["prometheus", f"--config.file={prom['config']}", f"--storage.tsdb.path={root}/data",
                         f"--web.listen-address={LOOPBACK}:{prom['port']}", "--log.level=warn"],
                        os.path.join(root, "prometheus.log"))


def cmd_record(args):
    """Gives the lab's Prometheus Fleetdeck's recording rules (`fleetdeck --recording-rules`). A live lab evaluates
    them from now on: its configuration names the rule file, then Prometheus reloads it. A bigfleet lab, whose series
    all lie in the last minutes, gets them backfilled by Prometheus' own tool over those minutes (`promtool tsdb
    create-blocks-from rules`, the rules evaluated by the running Prometheus), and Prometheus starts again on the new
    blocks."""
    state = read_state(args.state)
    prom = state["prometheus"]
    root = os.path.dirname(prom["config"])
    rules = os.path.join(root, "recorded-" + os.path.basename(args.rules))
    shutil.copyfile(args.rules, rules)
    if "bigfleet" not in state:
        with open(prom["config"]) as f:
            config = f.read()
        if "rule_files: [" in config:
            config = config.replace("rule_files: [", f"rule_files: ['{rules}', ", 1)
        else:
            config += f"rule_files: ['{rules}']\n"
        with open(prom["config"], "w") as f:
            f.write(config)
        with urllib.request.urlopen(urllib.request.Request(prom["url"] + "/-/reload", method="POST"), timeout=10):
            pass
        return 0
    last = state["bigfleet"]["lastSample"]
    blocks = tempfile.mkdtemp(prefix="recorded-", dir=root)
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "rules", "--start", str(last - 120), "--end",
                    str(last + 1), "--eval-interval", "15s", "--url", prom["url"], "--output-dir", blocks, rules],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop_pid(prom["pid"])
    for block in os.listdir(blocks):
        shutil.move(os.path.join(blocks, block), os.path.join(root, "data", block))
    spawn_bigfleet_prometheus(state)
    write_state(args.state, state)
    wait_for_http(f"{prom['url']}/-/ready", 60, "Prometheus")
    return 0


def cmd_bigfleet(args):
    """A real Prometheus serving a large fleet's series, written with Prometheus' own tooling (promtool) into a
    fresh TSDB in a temporary directory; nothing is scraped."""
    root = tempfile.mkdtemp(prefix="fleetdeck-lab-")
    state = {"dir": root, "traffic": [], "watchdog": 0}
    prom = os.path.join(root, "prometheus")
    os.makedirs(prom)
    now = int(time.time())
    om = os.path.join(prom, "bigfleet.om")
    state["bigfleet"] = bigfleet_openmetrics(om, args.gateways, now)
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, os.path.join(prom, "data")],
                   check=True, stdout=subprocess.DEVNULL)
    os.remove(om)
    config = os.path.join(prom, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  scrape_interval: 15s\n")
    port = free_port()
    state["prometheus"] = {"port": port, "url": f"http://{LOOPBACK}:{port}", "config": config}
    spawn_bigfleet_prometheus(state)
    state["bigfleet"]["lastSample"] = now
    write_state(args.state, state)
    state["watchdog"] = spawn([sys.executable, os.path.abspath(__file__), "watchdog", "--state", args.state,
                               "--after", str(args.lifetime)], os.path.join(root, "watchdog.log"))
    write_state(args.state, state)
    wait_for_http(f"http://{LOOPBACK}:{port}/-/ready", 60, "Prometheus")
    print(f"fleetdeck lab: {args.gateways} gateways' series in Prometheus {state['prometheus']['url']}", flush=True)
    return 0


def write_state(path, state):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=2)
    os.replace(tmp, path)


def read_state(path):
    with open(path) as f:
        return json.load(f)


def recorded_pids(state):
    """Every PID the state records (any key ending in "pid", the traffic generators'), wherever it is nested."""
    found = []

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, int) and not isinstance(value, bool) and value > 1 and \
                (key.lower().endswith("pid") or key in ("traffic", "watchdog", "flapper")):
            found.append(value)
    walk(state)
    return sorted(set(found))


def leftovers(state):
    """The lab's own processes still running: those its state records (or their process groups: a daemon's
    workers), and any whose working directory or command line is inside the lab's directory. Told by the lab's own
    PIDs and directory, never by a program's name: another nginx on this machine (a workstation's, reloaded by
    logrotate meanwhile) is not the lab's."""
    root = state.get("dir", "")
    mine = {os.getpid(), os.getppid()}
    left = {}
    for pid in recorded_pids(state):
        for p in ([pid] if pid_alive(pid) else []) + group_members(pid):
            left[p] = "recorded by the lab"
    if root and os.path.basename(root).startswith("fleetdeck-lab-"):
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) in mine:
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        continue
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
                cwd = os.readlink(f"/proc/{entry}/cwd")
                if cwd.endswith(" (deleted)"):  # the lab's directory is removed when it stops
                    cwd = cwd[: -len(" (deleted)")]
            except OSError:
                continue
            if root in cmdline or cwd == root or cwd.startswith(root + "/"):
                left.setdefault(int(entry), "in the lab's directory")
    out = []
    for pid, why in sorted(left.items()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        out.append(f"{pid} ({why}): {cmd[:200]}")
    return out


def stop_state(state, keep=False):
    if state.get("watchdog") and state["watchdog"] != os.getpid():
        stop_pid(state["watchdog"], 1)
    stop_pids(state.get("traffic", []) + [state.get("flapper", 0)], 2)
    varnish = state.get("varnish", [])
    signals = [state["signals"]] if "signals" in state else []
    gateways = (state.get("haproxy", []) + state.get("caddy", []) + varnish + signals + state.get("nginxlb", [])
                + state.get("redis", []))
    stop_pids([inst.get("pid") for inst in gateways] + [inst.get("exporterPid") for inst in varnish])
    stop_pids([state.get("nginx", {}).get("pid"), state.get("tls", {}).get("pid"),
               state.get("prometheus", {}).get("pid"), state.get("alertmanager", {}).get("pid"),
               state.get("ssh", {}).get("pid")])
    if "postgres" in state:
        stop_postgres(state["postgres"])
    root = state.get("dir", "")
    if not keep and root and os.path.basename(root).startswith("fleetdeck-lab-"):
        shutil.rmtree(root, ignore_errors=True)


def cmd_stop(args):
    if not os.path.exists(args.state):
        return 0
    stop_state(read_state(args.state), keep=args.keep)
    os.remove(args.state)
    return 0


def cmd_start(args):
    state = start(args)
    print(state["fleet"])
    return 0


def cmd_run(args):
    state_path = args.state or os.path.join(tempfile.gettempdir(), f"fleetdeck-lab-{os.getpid()}.json")
    args.state = state_path
    state = start(args)
    print(f"fleetdeck lab: {len(state['haproxy'])} HAProxy instance(s), fleet file {state['fleet']}", flush=True)
    for inst in state["haproxy"]:
        print(f"  {inst['name']}: runtime API tcp://{LOOPBACK}:{inst['adminPort']} and {inst['socket']},"
              f" frontend http://{LOOPBACK}:{inst['frontendPort']}/,"
              f" stats http://{LOOPBACK}:{inst['statsPort']}/stats", flush=True)
    for inst in state.get("nginxlb", []):
        print(f"  {inst['name']}: http://{LOOPBACK}:{inst['frontPort']}/, tcp {LOOPBACK}:{inst['tcpPort']},"
              f" status {inst['statusUrl']}, over ssh -F {state['ssh']['config']} {state['ssh']['host']}",
              flush=True)
    if "prometheus" in state:
        print(f"  prometheus: {state['prometheus']['url']}", flush=True)
    if "alertmanager" in state:
        print(f"  alertmanager: {state['alertmanager']['url']}", flush=True)
    if "tls" in state:
        print(f"  tls: https://{LOOPBACK}:{state['tls']['port']}/ in front of caddy-1's admin API,"
              f" CA {state['tls']['caFile']}", flush=True)
    stopping = {"flag": False}

    def on_signal(signum, _frame):
        stopping["flag"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    rc = 0
    try:
        command = [c.replace("{fleet}", state["fleet"]).replace("{state}", state_path)
                   for c in args.command if c != "--"]
        if command:
            child = subprocess.Popen(command)
            while child.poll() is None and not stopping["flag"]:
                time.sleep(0.2)
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(5)
                except subprocess.TimeoutExpired:
                    child.kill()
            rc = child.returncode or 0
        else:
            print("fleetdeck lab: running; Ctrl-C stops it", flush=True)
            while not stopping["flag"]:
                time.sleep(0.2)
    finally:
        stopped = read_state(state_path)
        stop_state(stopped)
        os.remove(state_path)
        left = leftovers(stopped)
        if left:
            print("fleetdeck lab: stopped, but these of its processes are still running:", file=sys.stderr,
                  flush=True)
            for line in left:
                print(f"  {line}", file=sys.stderr, flush=True)
            rc = rc or 1
        else:
            print(f"fleetdeck lab: stopped; none of its processes is left running (checked by its "
                  f"{len(recorded_pids(stopped))} recorded PIDs and its directory {stopped.get('dir', '')})",
                  flush=True)
    return rc


def cmd_kill_haproxy(args):
    state = read_state(args.state)
    inst = state["haproxy"][args.index]
    if inst.get("pid") and pid_alive(inst["pid"]):
        os.kill(inst["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 5
        while pid_alive(inst["pid"]) and time.monotonic() < deadline:
            time.sleep(0.05)
    return 0


def cmd_start_haproxy(args):
    state = read_state(args.state)
    inst = state["haproxy"][args.index]
    if not (inst.get("pid") and pid_alive(inst["pid"])):
        start_haproxy(inst)
        write_state(args.state, state)
    return 0


def set_upstream_health(state, index, healthy):
    marker = os.path.join(state["nginx"]["downDir"], state["nginx"]["names"][index])
    if healthy:
        if os.path.exists(marker):
            os.remove(marker)
    else:
        open(marker, "w").close()


def cmd_upstream(args):
    set_upstream_health(read_state(args.state), args.index, args.healthy == "up")
    return 0


def cmd_flap(args):
    state = read_state(args.state)
    index = len(state["nginx"]["names"]) - 1  # the last upstream: the last server of the last backend
    deadline = time.monotonic() + args.duration
    healthy = True
    time.sleep(min(5, args.every))
    while time.monotonic() < deadline and os.path.exists(args.state):
        healthy = not healthy
        set_upstream_health(state, index, healthy)
        time.sleep(args.every)
    set_upstream_health(state, index, True)
    return 0


def cmd_watchdog(args):
    deadline = time.monotonic() + args.after
    while time.monotonic() < deadline:
        if not os.path.exists(args.state):
            return 0
        time.sleep(1)
    if os.path.exists(args.state):
        state = read_state(args.state)
        state["watchdog"] = 0
        stop_state(state)
        os.remove(args.state)
        print("fleetdeck lab: lifetime reached, stopped", flush=True)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    def lab_options(sp, state_required):
        sp.add_argument("--state", required=state_required, help="state file to write (JSON)")
        sp.add_argument("--haproxy", type=int, default=2, help="HAProxy instances (default 2)")
        sp.add_argument("--backends", type=int, default=2, help="backends per instance (default 2)")
        sp.add_argument("--servers", type=int, default=3, help="servers per backend (default 3)")
        sp.add_argument("--error-share", type=float, default=0.03, help="share of 5xx answers (default 0.03)")
        sp.add_argument("--latency-ms", type=int, default=15, help="added upstream latency (default 15)")
        sp.add_argument("--rate", type=int, default=40, help="req/s per backend per instance (default 40)")
        sp.add_argument("--traffic-seconds", type=int, default=900, help="traffic duration, 0 for none")
        sp.add_argument("--check-inter-ms", type=int, default=1000, help="health check interval")
        sp.add_argument("--poll-ms", type=int, default=1000, help="poll interval written to the fleet file")
        sp.add_argument("--lifetime", type=int, default=3600, help="stop by itself after this many seconds")
        sp.add_argument("--prometheus", action="store_true", help="also run Prometheus scraping every HAProxy")
        sp.add_argument("--caddy", type=int, default=0, help="Caddy instances proxying the first pool's upstreams")
        sp.add_argument("--varnish", type=int, default=0, help="Varnish instances caching the first pool's upstreams")
        sp.add_argument("--redis", type=int, default=0,
                        help="Redis instances (ACL user, 32 MB limit; the second replicates the first); always listed "
                             "in the fleet file")
        sp.add_argument("--postgres", action="store_true",
                        help="PostgreSQL 15 in the lab directory with the team journal's schema and two operators "
                             "(ops-1, ops-2); named as the fleet file's journal")
        sp.add_argument("--nginx", type=int, default=0,
                        help="nginx load balancers in front of the first pools' upstreams, reached over a private "
                             "sshd; always listed in the fleet file")
        sp.add_argument("--mixed-fleet", action="store_true",
                        help="also list the Caddy and Varnish instances as gateways in the fleet file")
        sp.add_argument("--scrape-interval", default="2s", help="Prometheus scrape interval (default 2s)")
        sp.add_argument("--flap-seconds", type=int, default=0,
                        help="make one upstream fail its health checks every N seconds (0: never)")
        sp.add_argument("--alertmanager", action="store_true",
                        help="also run Alertmanager, named in the fleet file; with --prometheus, rules alert on "
                             "servers that fail their health checks")
        sp.add_argument("--signals", action="store_true",
                        help="one more HAProxy with a slow pool (queues), connection reuse, a server disabled in its "
                             "configuration and a TCP proxy; listed in the fleet file with --mixed-fleet")
        sp.add_argument("--tls", action="store_true",
                        help="an HTTPS front (nginx, lab CA) for the first Caddy's admin API; needs --caddy 1 or more")

    lab_options(sub.add_parser("start"), True)
    r = sub.add_parser("run")
    lab_options(r, False)
    r.add_argument("command", nargs=argparse.REMAINDER, help="command to run; {fleet} is the fleet file")
    s = sub.add_parser("stop")
    s.add_argument("--state", required=True)
    s.add_argument("--keep", action="store_true", help="keep the lab directory")
    for name in ("kill-haproxy", "start-haproxy"):
        k = sub.add_parser(name)
        k.add_argument("--state", required=True)
        k.add_argument("--index", type=int, default=0)
    u = sub.add_parser("upstream", help="make an upstream pass or fail its health checks")
    u.add_argument("--state", required=True)
    u.add_argument("--index", type=int, required=True)
    u.add_argument("healthy", choices=["up", "down"])
    f = sub.add_parser("flap")
    f.add_argument("--state", required=True)
    f.add_argument("--every", type=int, required=True)
    f.add_argument("--for", dest="duration", type=int, required=True)
    rt = sub.add_parser("redis-traffic")
    rt.add_argument("--port", type=int, required=True)
    rt.add_argument("--secret-file", required=True)
    rt.add_argument("--seconds", type=int, default=60)
    rt.add_argument("--rate", type=int, default=200)
    rt.add_argument("--read-only", action="store_true")
    pg = sub.add_parser("postgres", help="stop or start again the lab's PostgreSQL")
    pg.add_argument("--state", required=True)
    pg.add_argument("action", choices=["stop", "start"])
    bf = sub.add_parser("bigfleet", help="a real Prometheus holding the last minutes of a large fleet's series")
    bf.add_argument("--state", required=True)
    bf.add_argument("--gateways", type=int, default=5000)
    bf.add_argument("--lifetime", type=int, default=900, help="stop by itself after this many seconds")
    rec = sub.add_parser("record", help="load Fleetdeck's recording rules into the lab's Prometheus (a bigfleet "
                                        "lab: backfilled over its minutes of series)")
    rec.add_argument("--state", required=True)
    rec.add_argument("--rules", required=True, help="the rule file `fleetdeck --recording-rules` wrote")
    w = sub.add_parser("watchdog")
    w.add_argument("--state", required=True)
    w.add_argument("--after", type=int, required=True)
    args = p.parse_args()
    if getattr(args, "tls", False) and args.caddy < 1:
        p.error("--tls needs --caddy 1 or more")
    if getattr(args, "nginx", 0) > 0 and nginx_lb_missing():
        p.error(nginx_lb_missing())
    return {"start": cmd_start, "stop": cmd_stop, "run": cmd_run, "kill-haproxy": cmd_kill_haproxy,
            "start-haproxy": cmd_start_haproxy, "watchdog": cmd_watchdog, "upstream": cmd_upstream,
            "flap": cmd_flap, "redis-traffic": cmd_redis_traffic,
            "postgres": cmd_postgres, "bigfleet": cmd_bigfleet,
            "record": cmd_record}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
