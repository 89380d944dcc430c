#!/usr/bin/env python3
"""The lab tells its own processes by the PIDs it recorded and its own directory, never by a program's name
(issue 31, defect 12): another nginx on this machine, reloaded while the lab runs (a workstation's, by logrotate),
is not blamed; a process the lab left in its own directory is named and fails the run.

Runs `fleetlab.py run` twice with a small lab (one HAProxy, no traffic). Prints PASS and FAIL! lines as QtTest does
(so `make mutants` reads them); exits non-zero on a failure."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "fleetlab.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def decoy_nginx(root):
    """An nginx that is not the lab's: its own prefix, its own port, on 127.0.0.1."""
    port = free_port()
    for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    with open(os.path.join(root, "nginx.conf"), "w") as f:
        f.write("\n".join([
            "worker_processes 1;", f"pid {root}/nginx.pid;", "error_log stderr warn;", "events {}",
            "http {", "    access_log off;",
            *[f"    {d}_temp_path {root}/{d};" for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")],
            f"    server {{ listen 127.0.0.1:{port}; return 200 'decoy'; }}", "}", ""]))
    proc = subprocess.Popen(["nginx", "-p", root, "-c", "nginx.conf", "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.05)
    raise RuntimeError("the decoy nginx did not start")


def run_lab(command, timeout=120):
    state = tempfile.mktemp(prefix="fleetdeck-leftovers-", suffix=".json")
    args = [sys.executable, LAB, "run", "--state", state, "--haproxy", "1", "--rate", "0", "--traffic-seconds", "0",
            "--lifetime", "300", "--"] + command
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout + done.stderr


def main():
    failures = 0
    with tempfile.TemporaryDirectory(prefix="fleetdeck-decoy-") as root:
        decoy = decoy_nginx(root)
        try:
            # The decoy reloads while the lab runs: a new worker appears that was not there before the lab.
            rc, out = run_lab(["sh", "-c", f"kill -HUP {decoy.pid}; sleep 2"])
            blamed = str(decoy.pid) in out or root in out
            if rc == 0 and "none of its processes is left running" in out and not blamed:
                print("PASS   : TestLabLeftovers::anotherNginxIsNotTheLabs()")
            else:
                failures += 1
                print(f"FAIL!  : TestLabLeftovers::anotherNginxIsNotTheLabs() blamed, or the run failed (exit {rc}):"
                      f"\n{out}")
            if decoy.poll() is not None:
                failures += 1
                print("FAIL!  : TestLabLeftovers::anotherNginxIsNotTheLabs() the lab stopped an nginx not its own")
        finally:
            os.killpg(decoy.pid, signal.SIGTERM)
            decoy.wait(10)

    # A process the lab's run leaves in the lab's own directory is named, and the run fails.
    leave = ("import json, subprocess, sys; d = json.load(open(sys.argv[1]))['dir']; "
             "subprocess.Popen(['sleep', '30'], cwd=d, start_new_session=True)")
    rc, out = run_lab([sys.executable, "-c", leave, "{state}"])
    if rc != 0 and "still running" in out and "sleep 30" in out:
        print("PASS   : TestLabLeftovers::aProcessLeftInTheLabsDirectoryIsNamed()")
    else:
        failures += 1
        print(f"FAIL!  : TestLabLeftovers::aProcessLeftInTheLabsDirectoryIsNamed() not reported (exit {rc}):\n{out}")
    for line in out.splitlines():
        pid = line.strip().split(" ", 1)[0]
        if "sleep 30" in line and pid.isdigit():
            try:
                os.killpg(int(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
