#!/usr/bin/env bash
# Check (or start) the MariaDB and Redis that the second test pass and production-like runs use.
#   scripts/services.sh check   exit 0 when both answer on 127.0.0.1
#   scripts/services.sh start   start whichever is down (as on the CI machine), then check
set -u

mariadb_up() { mysqladmin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

wait_for() {
    local check=$1
    for _ in $(seq 1 60); do
        "$check" && return 0
        sleep 0.5
    done
    return 1
}

case "${1:-check}" in
check)
    mariadb_up && redis_up
    ;;
start)
    if ! mariadb_up; then
        echo "starting MariaDB"
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
        wait_for mariadb_up || { echo "MariaDB did not start"; exit 1; }
    fi
    if ! redis_up; then
        echo "starting Redis"
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
        wait_for redis_up || { echo "Redis did not start"; exit 1; }
    fi
    mariadb_up && redis_up && echo "MariaDB and Redis answer"
    ;;
*)
    echo "usage: $0 check|start" >&2
    exit 2
    ;;
esac
