// The shell scripts the nginx driver runs on the gateway's machine (POSIX sh). Constants: their data comes as
// positional parameters, never as text spliced into them.
#include "nginxscripts.h"

namespace Fleetdeck::Drivers::Nginx::Scripts {

// One poll, one round trip: the effective config (stdout as is, stderr and exit code apart) and, in a full poll, the
// version, the master's PID and age, when its newest worker started against the newest modification of the
// configuration's files (one path a line, from the last read: a file newer than the workers is not loaded), and
// what the logs gained since the offsets given (a light poll, for a re-read right after another, is the config
// alone). Sections start with "\n<token> <name>": the token is random per poll, so nothing in a config or a log can
// fake a section.
const char* const poll = R"SH(tok=$1; full=$2; alog=$3; aoff=$4; aino=$5; elog=$6; eoff=$7; eino=$8; max=$9
shift 9; pidf=$1; files=$2; shift 2
exec 3>&1
printf '\n%s dump\n' "$tok"
err=$("$@" -T 2>&1 1>&3); rc=$?
printf '\n%s status %s\n%s' "$tok" "$rc" "$err"
if [ "$full" = 1 ]; then
    printf '\n%s version\n' "$tok"
    "$@" -v 2>&1
    m=; up=; read -r m < "$pidf" 2>/dev/null
    [ -n "$m" ] && up=$(ps -o etimes= -p "$m" 2>/dev/null)
    printf '\n%s master %s %s\n' "$tok" "${m:--}" "$(echo ${up:--})"
    if [ -n "$m" ] && [ -n "$files" ] && [ -r "/proc/$m/task/$m/children" ]; then
        newest=0; w=
        read -r w < "/proc/$m/task/$m/children"
        for p in $w; do
            st=$(cut -d' ' -f22 "/proc/$p/stat" 2>/dev/null)
            [ -n "$st" ] && [ "$st" -gt "$newest" ] && newest=$st
        done
        upt=; read -r upt _ < /proc/uptime
        mt=$(printf '%s\n' "$files" | while IFS= read -r f; do [ -n "$f" ] && stat -c '%.9Y %n' -- "$f" 2>/dev/null; done | sort -n | tail -n 1)
        printf '\n%s loaded %s %s %s %s\n%s\n' "$tok" "$(date +%s.%N)" "$upt" "$(getconf CLK_TCK)" "$newest" "$mt"
    fi
    tailf() {
        [ -n "$2" ] || return 0
        if [ ! -r "$2" ]; then printf '\n%s %s unreadable\n' "$tok" "$1"; return 0; fi
        set -- "$1" "$2" "$3" "$4" $(stat -c '%i %s' -- "$2")
        off=$3
        if [ "$off" -lt 0 ]; then off=$6; elif [ "$5" != "$4" ] || [ "$off" -gt "$6" ]; then off=0; fi
        printf '\n%s %s %s %s %s\n' "$tok" "$1" "$off" "$6" "$5"
        [ "$off" -lt "$6" ] && tail -c +$((off + 1)) -- "$2" | head -c "$max"
    }
    tailf access "$alog" "$aoff" "$aino"
    tailf error "$elog" "$eoff" "$eino"
fi
printf '\n%s end\n' "$tok"
)SH";

// One change, one round trip, in the order that never leaves a file nginx has not accepted: the file must still be
// what the operator saw (its SHA-256; "nolf" is the same bytes without the line break `nginx -T` adds to a file that
// lacks one), a read-only file is left alone, the old version is kept next to it, the new one is written beside it
// (a copy first, so it has the file's owner and mode) and renamed over it, `nginx -t` tests the whole tree (the
// backup goes back if it fails), the reload must start new workers without a new [emerg]/[alert] in the error log
// (else the backup goes back and nginx is reloaded again). The outcome is one line: "ok ...", or a word naming the
// step, then nginx's words.
const char* const apply = R"SH(f=$1; want=$2; nolf=$3; elog=$4; pidf=$5; ngx=$6; reload=$7; tries=$8
d=${f%/*}; b=${f##*/}
new="$d/.$b.fleetdeck-new"; bak="$d/.$b.fleetdeck-backup"
have=$(sha256sum -- "$f" 2>&1) || { echo "unreadable $have"; exit 10; }
have=${have%% *}
[ "$have" = "$want" ] || [ "$have" = "$nolf" ] || { echo "conflict $have"; exit 11; }
set -- $(stat -c '%A %a' -- "$f")
case $1 in *w*) ;; *) echo "readonly mode $2"; exit 12;; esac
[ -w "$f" ] || { echo "readonly not writable by $(id -un)"; exit 12; }
out=$(cp -p -- "$f" "$bak" 2>&1) || { echo "backup $out"; exit 13; }
out=$(cp -p --remove-destination -- "$f" "$new" 2>&1) || { rm -f -- "$new"; echo "write $out"; exit 14; }
if [ "$have" = "$want" ]; then out=$( (cat > "$new") 2>&1); else out=$( (head -c -1 > "$new") 2>&1); fi
[ $? -eq 0 ] || { rm -f -- "$new"; echo "write $out"; exit 14; }
out=$(mv -f -- "$new" "$f" 2>&1) || { rm -f -- "$new"; echo "rename $out"; exit 15; }
t=$(eval "$ngx -t" 2>&1) || { mv -f -- "$bak" "$f"; echo "test"; printf '%s\n' "$t"; exit 20; }
# The master's children: from /proc without a process where Linux lists them, else from ps.
workers() {
    if [ -r "/proc/$1/task/$1/children" ]; then w=; read -r w < "/proc/$1/task/$1/children"; echo $w
    else echo $(ps -o pid= --ppid "$1" 2>/dev/null); fi
}
emerg() { [ -n "$elog" ] && [ -r "$elog" ] && tail -c +$(($1 + 1)) -- "$elog" | grep -E -m 3 '\[(emerg|alert)\]'; }
# Waits for a worker that was not there before: the reload took. An [emerg]/[alert] written since byte $2 of the error
# log explains a reload that did not: it fails once no new worker came within 3 s of it (a master that cannot bind
# retries for about 2.5 s, and may still be busy with an earlier reload when ours arrives).
confirm() {
    i=0; since=
    while [ $i -lt "$tries" ]; do
        for p in $(workers "$1"); do
            case " $3 " in *" $p "*) ;; *) echo "$p"; return 0;; esac
        done
        if [ -z "$since" ] && [ $((i % 10)) -eq 9 ] && bad=$(emerg "$2"); then since=$i; fi
        [ -n "$since" ] && [ $((i - since)) -ge 300 ] && { printf '%s\n' "$bad"; return 1; }
        sleep 0.01; i=$((i + 1))
    done
    [ -n "$since" ] && { printf '%s\n' "$bad"; return 1; }
    echo "no new worker process within $((tries / 100)) s"; return 1
}
esize=0; [ -n "$elog" ] && [ -r "$elog" ] && esize=$(stat -c %s -- "$elog")
m=; read -r m < "$pidf" 2>/dev/null
[ -n "$m" ] || { mv -f -- "$bak" "$f"; echo "nomaster $pidf"; exit 21; }
before=$(workers "$m")
# No reload command given: HUP to the master, which is what `nginx -s reload` does (without parsing the tree again).
doreload() { if [ -n "$reload" ]; then eval "$reload"; else kill -HUP "$m"; fi; }
r=$(doreload 2>&1) || { mv -f -- "$bak" "$f"; echo "reload"; printf '%s\n' "$r"; exit 22; }
if seen=$(confirm "$m" "$esize" "$before"); then
    # The configuration as nginx reads it now, for the verification: one round trip less.
    echo "ok $before -> $seen"; eval "$ngx -T" 2>/dev/null; exit 0
fi
cp -p -- "$bak" "$f"
esize2=0; [ -n "$elog" ] && [ -r "$elog" ] && esize2=$(stat -c %s -- "$elog")
before2=$(workers "$m")
if r2=$(doreload 2>&1) && again=$(confirm "$m" "$esize2" "$before2"); then
    echo "applyfailed restored, reloaded"
else
    echo "applyfailed restored, reload failed too: $r2 $again"
fi
printf '%s\n' "$seen"
exit 23
)SH";

} // namespace Fleetdeck::Drivers::Nginx::Scripts
