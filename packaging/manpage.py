#!/usr/bin/env python3
"""Writes fleetdeck.1.gz from the program's own --help, so the manual page says what --help says.
Usage: manpage.py <fleetdeck binary> <version> <output .1.gz>"""
import gzip
import os
import re
import subprocess
import sys


def roff(text):
    # Escape what roff reads as commands: a leading dot or quote, and backslashes and hyphens.
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text, flags=re.M)


def main():
    binary, version, out = sys.argv[1:4]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("DISPLAY", None)
    help_text = subprocess.run([binary, "--help"], env=env, check=True, capture_output=True, text=True).stdout
    lines = help_text.splitlines()
    # "Usage: <path> [options]", the description, "Options:", then "  -x, --long <arg>  text" with continuations.
    description = []
    options = []
    in_options = False
    for line in lines[1:]:
        if line.strip() == "Options:":
            in_options = True
            continue
        if not in_options:
            if line.strip():
                description.append(line.strip())
            continue
        m = re.match(r"^  (\S.*?)\s{2,}(\S.*)$", line)
        if m:
            options.append([m.group(1), m.group(2)])
        elif line.startswith("  ") and options and line.strip():
            options[-1][1] += " " + line.strip()
    page = [
        f'.TH FLEETDECK 1 "" "Fleetdeck {version}" "User Commands"',
        ".SH NAME",
        "fleetdeck \\- desktop control panel for API fleets",
        ".SH SYNOPSIS",
        ".B fleetdeck",
        "[\\fIoptions\\fR]",
        ".SH DESCRIPTION",
        roff(" ".join(description)),
        ".SH OPTIONS",
    ]
    for flags, text in options:
        page += [".TP", f"\\fB{roff(flags)}\\fR", roff(text)]
    page += [
        ".SH FILES",
        ".TP",
        "\\fI~/.local/share/Fleetdeck/fleetdeck/\\fR",
        "the change journal and the charts' last hour",
        ".SH SEE ALSO",
        "The README and docs/ of the Fleetdeck sources.",
    ]
    data = ("\n".join(page) + "\n").encode()
    with open(out, "wb") as f:
        # mtime 0 and no file name: the same help gives the same bytes
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as gz:
            gz.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
