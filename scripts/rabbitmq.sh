#!/usr/bin/env bash
# RabbitMQ with its AMQP 1.0 plugin on 127.0.0.1:5672 (guest/guest), for tests/events.rs and
# benches/amqp_throughput.py. Idempotent: installs the broker when it is missing, enables
# rabbitmq_amqp1_0 when it is not, starts the broker when nothing answers on 5672, and
# restarts the node's application only when the plugin is enabled but not live. Exit 0 once
# an AMQP 1.0 handshake succeeds.
set -euo pipefail

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
port_open() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
# The AMQP 1.0 protocol header answered with a 1.0 header (SASL or plain): the plugin is
# live. RabbitMQ without it answers with the 0-9-1 header (AMQP 0 0 9 1) and closes.
amqp10_answers() {
    python3 - <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", 5672), timeout=3)
    s.sendall(b"AMQP\x03\x01\x00\x00")
    head = s.recv(8)
    sys.exit(0 if head in (b"AMQP\x03\x01\x00\x00", b"AMQP\x00\x01\x00\x00") else 1)
except OSError:
    sys.exit(1)
PY
}
wait_for_amqp10() {
    for _ in $(seq 1 150); do port_open && amqp10_answers && return 0; sleep 0.2; done
    return 1
}
# Daemons must not hold this script's output open (a caller reading it would wait for
# ever), and rabbitmqctl can wait on a missing pid file: logs and timeouts.
log=/tmp/pyexec-rabbitmq.log

if ! command -v rabbitmq-server >/dev/null 2>&1; then
    as_root apt-get install -y --no-install-recommends rabbitmq-server >&2
fi

if ! port_open; then
    as_root rabbitmq-plugins enable --offline rabbitmq_amqp1_0 >>"$log" 2>&1
    as_root timeout 60 service rabbitmq-server start >>"$log" 2>&1 < /dev/null \
        || as_root setsid rabbitmq-server -detached >>"$log" 2>&1 < /dev/null
    wait_for_amqp10 || true
fi
if ! amqp10_answers; then
    # Running without the plugin: enabling it online starts it on the running node.
    as_root timeout 60 rabbitmq-plugins enable rabbitmq_amqp1_0 >>"$log" 2>&1 < /dev/null || true
    if ! wait_for_amqp10; then
        # Enabled (e.g. offline) but not live: restart the node's application.
        as_root timeout 60 rabbitmqctl stop_app >>"$log" 2>&1 < /dev/null || true
        as_root timeout 60 rabbitmqctl start_app >>"$log" 2>&1 < /dev/null || true
        wait_for_amqp10 || true
    fi
fi

if ! amqp10_answers; then
    echo "RabbitMQ does not speak AMQP 1.0 on 127.0.0.1:5672 (see $log)" >&2
    exit 1
fi
echo "RabbitMQ with AMQP 1.0 on 127.0.0.1:5672" >&2
