#!/usr/bin/env bash
# Installs the Debian packages the interop tests and peer benchmarks need. Idempotent; needs root.
set -euo pipefail

packages=(
  tshark          # Wireshark agreement tests (codecs, pcap, vxlan, kernel traffic); brings dumpcap
  tcpdump         # underlay captures in the VXLAN kernel test, captures in the kernel traffic test
  tcpreplay       # injecting our frames into a namespace's veth
  iproute2        # ip netns / veth / vxlan / tc for kernel tests
  iputils-ping    # pod-to-pod traffic in the VXLAN kernel test; ping's options in the traffic test
  ethtool         # VXLAN kernel test: veth checksum offload off, so captures hold real checksums
  python3         # VXLAN GBP kernel test: reads a datagram's skb mark (SO_RCVMARK), which Node cannot;
                  # kernel traffic test: loads the 802.1Q-tagging tc program, sends a Router Advertisement
  golang-go       # gopacket peer benchmark
  golang-github-google-gopacket-dev
  strace          # netlink: the request bytes iproute2 sends, for link kinds this kernel lacks
  python3-pyroute2  # netlink peer benchmark
  bird2           # BGP interop: real daemons in namespaces
  gobgpd          # BGP interop and MRT files (gobgp, gobgpd)
  bzip2           # bgp MRT test: a bzip2-compressed dump to read
  frr             # BGP interop (bgpd, vtysh)
  golang-github-osrg-gobgp-dev  # GoBGP codec peer benchmark
  etcd-server     # IPAM etcd store and flannel leases: a real etcd started by the tests
  etcd-client     # etcdctl: reading flannel's keys as flannel's users do
  containernetworking-plugins  # the real host-local, bridge, portmap, tuning (/usr/lib/cni)
  iptables        # cni interop: portmap's DNAT rules (iptables-save reads them)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-peers: all ${#packages[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-peers: missing ${missing[*]}; run as root (or: sudo $0)" >&2
  exit 1
fi
echo "install-peers: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
