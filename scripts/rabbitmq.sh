#!/usr/bin/env bash
# RabbitMQ with its AMQP 1.0 plugin on 127.0.0.1:5672 (guest/guest), for tests/events.rs and
# benches/amqp_throughput.py. Idempotent: installs the broker when it is missing, enables
# rabbitmq_amqp1_0 when it is not, and (re)starts the broker only when it must (the plugin
# was just enabled, or nothing answers on 5672). Exit 0 once an AMQP 1.0 handshake succeeds.
set -euo pipefail

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
port_open() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
# The AMQP 1.0 protocol header answered with the same header (or the SASL one): the plugin
# is live. RabbitMQ without it answers an AMQP 0-9-1 header and closes.
amqp10_answers() {
    python3 - <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", 5672), timeout=3)
    s.sendall(b"AMQP\x03\x01\x00\x00")
    head = s.recv(8)
    sys.exit(0 if head[:5] == b"AMQP\x03" or head[:5] == b"AMQP\x00" else 1)
except OSError:
    sys.exit(1)
PY
}

if ! command -v rabbitmq-server >/dev/null 2>&1; then
    as_root apt-get install -y --no-install-recommends rabbitmq-server >&2
fi

restart=0
if ! rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_amqp1_0; then
    # --offline writes the enabled-plugins file whether or not the node runs.
    as_root rabbitmq-plugins enable --offline rabbitmq_amqp1_0 >&2
    restart=1
fi
if ! port_open; then
    restart=1
fi

if [[ $restart -eq 1 ]]; then
    if port_open; then
        # Running without the plugin: restart it (service, else the node's own command).
        as_root service rabbitmq-server restart >&2 2>&1 \
            || { as_root rabbitmqctl stop >&2 || true; }
    fi
    if ! port_open; then
        as_root service rabbitmq-server start >&2 2>&1 \
            || (as_root setsid nohup rabbitmq-server >/tmp/rabbitmq-server.log 2>&1 < /dev/null &)
    fi
    for _ in $(seq 1 150); do port_open && amqp10_answers && break; sleep 0.2; done
fi

if ! amqp10_answers; then
    echo "RabbitMQ does not speak AMQP 1.0 on 127.0.0.1:5672 (rabbitmq_amqp1_0 enabled? see $(rabbitmq-diagnostics -q log_location 2>/dev/null || echo 'its log'))" >&2
    exit 1
fi
echo "RabbitMQ with AMQP 1.0 on 127.0.0.1:5672" >&2
