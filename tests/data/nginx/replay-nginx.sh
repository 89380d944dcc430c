#!/bin/sh
# Stands in for nginx in the driver contract only (behaviour is proven against the lab's real nginx): answers -T with
# a recorded `nginx -T` of the lab, and refuses anything else.
dump=$1
shift
case " $* " in
*" -T "*)
    cat "$dump"
    echo "nginx: the configuration file /srv/lab/nginx-1/nginx.conf syntax is ok" >&2
    exit 0
    ;;
esac
echo "replay-nginx: only -T is recorded" >&2
exit 1
