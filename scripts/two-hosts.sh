#!/usr/bin/env bash
# Two "hosts" on one machine: two network namespaces joined by a veth pair
# with a 1500-byte MTU, so lab 02 runs across a real Ethernet-sized link
# where TCP cuts the stream at the MSS (1448 bytes of payload with
# timestamps). Loopback's MTU is 65536 and hides that.
#
#   scripts/two-hosts.sh up   [NAME]   # create NAME-a (10.77.2.1) and NAME-b (10.77.2.2)
#   scripts/two-hosts.sh down [NAME]   # delete both (the veth pair goes with them)
#
# NAME defaults to "sticky". Needs root and iproute2 (`ip`). The addresses
# exist only inside the two namespaces created here: nothing is routed to
# or from the machine's own network.
#
# Then, in two terminals:
#   ip netns exec sticky-a lab02-nagle server --addr 10.77.2.1:9502
#   ip netns exec sticky-b lab02-nagle client --addr 10.77.2.1:9502 --writes 20 --size 10000
# and to watch the segments:
#   ip netns exec sticky-a tcpdump -i veth0 -n tcp
set -euo pipefail

ADDR_A=10.77.2.1
ADDR_B=10.77.2.2
MTU=1500

usage() {
    echo "usage: $0 up|down [NAME]   (NAME: letters, digits, '-', '_'; default sticky)" >&2
    exit 2
}

[ $# -ge 1 ] || usage
action=$1
name=${2:-sticky}
[[ $name =~ ^[A-Za-z0-9_-]{1,40}$ ]] || usage
ns_a="$name-a"
ns_b="$name-b"

if ! command -v ip >/dev/null 2>&1; then
    echo "two-hosts: 'ip' (iproute2) is not installed" >&2
    exit 3
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "two-hosts: network namespaces need root (try: sudo $0 $*)" >&2
    exit 3
fi

down() {
    # Deleting a namespace deletes the veth end inside it, and with it the pair.
    ip netns del "$ns_a" 2>/dev/null || true
    ip netns del "$ns_b" 2>/dev/null || true
}

case "$action" in
up)
    if ip netns list | grep -qE "^($ns_a|$ns_b)( |$)"; then
        echo "two-hosts: $ns_a or $ns_b already exists (run: $0 down $name)" >&2
        exit 1
    fi
    # On any failure half-way, take down what was made.
    trap down ERR
    ip netns add "$ns_a"
    ip netns add "$ns_b"
    # Both ends are created directly inside the namespaces, so the interface
    # names never appear in (or collide in) the machine's own namespace.
    ip link add veth0 netns "$ns_a" mtu "$MTU" type veth peer name veth0 netns "$ns_b" mtu "$MTU"
    ip -n "$ns_a" addr add "$ADDR_A/24" dev veth0
    ip -n "$ns_b" addr add "$ADDR_B/24" dev veth0
    for ns in "$ns_a" "$ns_b"; do
        ip -n "$ns" link set lo up
        ip -n "$ns" link set veth0 up
    done
    trap - ERR
    echo "NS_A=$ns_a"
    echo "NS_B=$ns_b"
    echo "ADDR_A=$ADDR_A"
    echo "ADDR_B=$ADDR_B"
    echo "MTU=$MTU"
    ;;
down)
    down
    echo "two-hosts: $ns_a and $ns_b removed"
    ;;
*)
    usage
    ;;
esac
