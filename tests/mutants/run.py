#!/usr/bin/env python3
"""Shows that the tests can fail: applies each mutant of mutants.py to a scratch worktree of HEAD, builds the test it
names, runs it (with the lab, through CTest) and reports whether the named test function failed.

    tests/mutants/run.py [--only NAME ...] [--baseline] [--worktree DIR | --in-place BUILD_DIR]

--in-place mutates this checkout itself and builds in an existing build directory (say build/dev), which saves the
worktree's first full build on a slow machine; each file is put back byte for byte after its mutant, and the build
is brought back to the unmutated source at the end.

Not part of `make test`: it rebuilds once per mutant (about a minute each on two cores). Exit status 0 only when every
mutant was caught; a mutant that survived, no longer applies (stale) or did not build is listed and fails the run.
"""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mutants import MUTANTS  # noqa: E402

# "FAIL!  : TestX::function() message", or "TestX::function(data row) message" for a data-driven test.
FAIL_LINE = re.compile(r"^FAIL!  : (\w+::\w+)\([^)\n]*\)(.*)$", re.M)


def run(cmd, cwd=None, timeout=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    return p.returncode, p.stdout


def git(*args, cwd):
    code, out = run(["git", *args], cwd=cwd)
    if code != 0:
        sys.exit(f"git {' '.join(args)} failed: {out.strip()}")
    return out.strip()


def prepare_worktree(repo, worktree):
    head = git("rev-parse", "HEAD", cwd=repo)
    if not os.path.isdir(os.path.join(worktree, ".git")) and not os.path.isfile(os.path.join(worktree, ".git")):
        git("worktree", "add", "--detach", worktree, head, cwd=repo)
    else:
        git("checkout", "--detach", "--force", head, cwd=worktree)
        git("reset", "--hard", head, cwd=worktree)
    build = os.path.join(worktree, "build")
    # Warnings stay warnings here: a mutant may leave a parameter unused.
    code, out = run(["cmake", "-S", worktree, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                     "-DFLEETDECK_WERROR=OFF"])
    if code != 0:
        sys.exit("cmake failed:\n" + out)
    return head, build


def applies(worktree, mutant):
    for path, old, _ in mutant["edits"]:
        with open(os.path.join(worktree, path), encoding="utf-8") as f:
            if f.read().count(old) != 1:
                return f"{path}: the text to change is not there exactly once"
    return ""


def apply(worktree, mutant):
    for path, old, new in mutant["edits"]:
        full = os.path.join(worktree, path)
        with open(full, encoding="utf-8") as f:
            text = f.read()
        with open(full, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))


def test_run(build, test):
    code, out = run(["ctest", "--test-dir", build, "-R", f"^{test}$", "--output-on-failure", "--timeout", "300"],
                    timeout=900)
    return code, out, FAIL_LINE.findall(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", help="mutant names to run (default: all)")
    ap.add_argument("--baseline", action="store_true", help="first run each named test unmutated: it must pass")
    ap.add_argument("--worktree", default="/tmp/fleetdeck-mutants")
    ap.add_argument("--in-place", metavar="BUILD_DIR", help="mutate this checkout and build in BUILD_DIR")
    ap.add_argument("--check", action="store_true",
                    help="only check that every mutant still applies to this checkout (no build, no lab)")
    args = ap.parse_args()
    repo = git("rev-parse", "--show-toplevel", cwd=os.path.dirname(os.path.abspath(__file__)))
    if args.check:
        stale = [(m, applies(repo, m)) for m in MUTANTS if not args.only or m["name"] in args.only]
        stale = [(m, why) for m, why in stale if why]
        for m, why in stale:
            print(f"STALE     {m['name']}: {why}")
        print(f"{len(MUTANTS) - len(stale)} of {len(MUTANTS)} mutants apply")
        return 1 if stale else 0
    if args.in_place:
        head, build, worktree = git("rev-parse", "HEAD", cwd=repo), os.path.abspath(args.in_place), repo
    else:
        head, build = prepare_worktree(repo, os.path.abspath(args.worktree))
        worktree = os.path.abspath(args.worktree)
    chosen = [m for m in MUTANTS if not args.only or m["name"] in args.only]
    print(f"{len(chosen)} mutants on {head[:10]}, worktree {worktree}", flush=True)

    results = []
    if args.baseline:
        for test in sorted({m["test"] for m in chosen}):
            code, out = run(["cmake", "--build", build, "--target",
                             next(m.get("target", m["test"]) for m in chosen if m["test"] == test)])
            if code != 0:
                sys.exit(f"baseline: {test} does not build:\n{out[-3000:]}")
            code, out, fails = test_run(build, test)
            print(f"baseline  {test}: {'passes' if code == 0 else 'FAILS: ' + ', '.join(f[0] for f in fails)}",
                  flush=True)
            if code != 0:
                sys.exit("a test fails without any mutant: fix that first")

    for m in chosen:
        started = time.monotonic()
        stale = applies(worktree, m)
        if stale:
            results.append((m, "stale", stale))
            print(f"STALE     {m['name']}: {stale}", flush=True)
            continue
        originals = {p: open(os.path.join(worktree, p), "rb").read() for p, _, _ in m["edits"]}
        try:
            apply(worktree, m)
            code, out = run(["cmake", "--build", build, "--target", m.get("target", m["test"])])
            if code != 0:
                results.append((m, "did not build", out[-1500:]))
                print(f"NO BUILD  {m['name']}\n{out[-1500:]}", flush=True)
                continue
            code, out, fails = test_run(build, m["test"])
            named = [f for f in fails if f[0] == m["expect"]]
            seconds = time.monotonic() - started
            if named:
                detail = named[0][1].strip()
                results.append((m, "caught", detail))
                print(f"caught    {m['name']} ({seconds:.0f} s): {m['expect']} {detail[:160]}", flush=True)
            else:
                others = ", ".join(f[0] for f in fails) or ("none" if code == 0 else "the run failed otherwise")
                results.append((m, "SURVIVED", f"failed instead: {others}"))
                print(f"SURVIVED  {m['name']} ({seconds:.0f} s): {m['expect']} passed; failures: {others}",
                      flush=True)
                if code != 0 and not fails:
                    print(out[-2000:], flush=True)
        finally:
            if args.in_place:
                for p, data in originals.items():
                    with open(os.path.join(worktree, p), "wb") as f:
                        f.write(data)
            else:
                git("checkout", "--", *sorted({p for p, _, _ in m["edits"]}), cwd=worktree)
    if args.in_place:
        run(["cmake", "--build", build])

    caught = sum(1 for _, r, _ in results if r == "caught")
    print(f"\n{caught} of {len(results)} mutants caught", flush=True)
    for m, r, detail in results:
        if r != "caught":
            print(f"  {r}: {m['name']} ({m['why']}): {detail.splitlines()[0] if detail else ''}")
    return 0 if caught == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
