#!/bin/sh
# Installs the Debian packages of the named lists that are not installed yet: build (build-packages.txt), runtime
# (runtime-packages.txt), lab (lab-packages.txt: the lab, the tests and the demo); all three when none is named.
# Uses sudo when not root. The lab starts every daemon itself: installing them starts none (policy-rc.d refuses,
# unless the machine has its own), and the ones installed now are disabled again (below): systemd units under
# systemd, the init scripts' rc links elsewhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lists=${*:-build runtime lab}

missing=""
for name in $lists; do
    list="$here/$name-packages.txt"
    if [ ! -f "$list" ]; then
        echo "fleetdeck: no package list $list (build, runtime or lab)" >&2
        exit 2
    fi
    pkgs="${pkgs:-} $(sed -e 's/#.*//' "$list")"
done
for pkg in $pkgs; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done

if [ -z "$missing" ]; then
    exit 0
fi

echo "fleetdeck: installing missing Debian packages:$missing"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
else
    SUDO="sudo"
fi
$SUDO apt-get update -q

# The lab starts every daemon itself, on 127.0.0.1 ports of its own. Debian starts (and, under systemd, enables) a
# packaged service when it is installed: while these install, a policy-rc.d refuses every start, and under systemd
# the services of the daemons installed now are disabled again. Nothing already installed is touched.
daemons="haproxy nginx caddy varnish prometheus prometheus-alertmanager prometheus-varnish-exporter openssh-server redis-server postgresql-15 postgresql-common postgresql"
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# fleetdeck install-deps: no service starts while the lab packages install\nexit 101\n' |
        $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    own_policy=1
fi
trap 'if [ -n "$own_policy" ]; then $SUDO rm -f "$policy"; fi' EXIT

# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing

# Without systemd (sysvinit, containers) a service is enabled by its /etc/rcN.d start links: those of the daemons
# installed now are turned into stop links (update-rc.d disable), so no boot starts them either.
if [ ! -d /run/systemd/system ]; then
    for pkg in $missing; do
        case " $daemons " in
        *" $pkg "*)
            for script in $(dpkg -L "$pkg" | grep -E '^/etc/init\.d/[^/]+$' || true); do
                script=$(basename "$script")
                $SUDO update-rc.d "$script" disable >/dev/null 2>&1 || true
                echo "fleetdeck: init script $script (from $pkg) disabled; the lab runs its own $pkg"
            done
            ;;
        esac
    done
fi

# systemd units: disabled (their wants links removed) whether or not systemd runs now, so a later boot under systemd
# starts none of them; stopped as well where systemd runs.
if command -v systemctl >/dev/null 2>&1; then
    now=""
    if [ -d /run/systemd/system ]; then now="--now"; fi
    for pkg in $missing; do
        case " $daemons " in
        *" $pkg "*)
            for unit in $(dpkg -L "$pkg" | grep -E '^/(usr/)?lib/systemd/system/[^/@]+\.(service|socket)$' || true); do
                unit=$(basename "$unit")
                # shellcheck disable=SC2086
                $SUDO systemctl disable $now "$unit" >/dev/null 2>&1 || true
                echo "fleetdeck: systemd unit $unit (from $pkg): $(systemctl is-enabled "$unit" 2>/dev/null || true)${now:+ and stopped}; the lab runs its own $pkg"
            done
            ;;
        esac
    done
fi
