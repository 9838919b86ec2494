// Runs inside a benchmark namespace (`ip netns exec NS node receiver.mjs '<json>'`): BgpSpeakers
// with the peers the driver asks for. Prints one JSON line per event; polls every peer's counters
// every 50 ms (the same granularity the driver uses for BIRD) and reports when every peer holds
// `expect` routes, then keepalive gaps until told to stop on stdin.
import { readFileSync } from 'node:fs';
import { BgpSpeaker } from '@cnikit/bgp';

const config = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(`${JSON.stringify({ at: Date.now(), ...o })}\n`);
const peakRssMiB = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;

const speakers = config.speakers.map(({ asn, routerId, peers }) => {
  const s = new BgpSpeaker({ asn, routerId, listen: false });
  s.on('peerUp', (p) => out({ event: 'peerUp', peer: p.address }));
  s.on('peerDown', (p, reason) => out({ event: 'peerDown', peer: p.address, reason }));
  s.on('endOfRib', (p, family) => out({ event: 'endOfRib', peer: p.address, family }));
  s.on('error', () => {});
  // Receivers only: nothing is passed on (a route server would otherwise re-send every path to
  // every other peer), as BIRD's `export none` in the driver.
  for (const p of peers) s.addPeer({ ...p, exportPolicy: () => false });
  return s;
});

const allPeers = () => speakers.flatMap((s) => s.peerInfo());
let done = false;
const lastSent = new Map();
let maxKeepaliveGapMs = 0;
let established = 0;
let lastProgress = Date.now();
const poll = setInterval(() => {
  const peers = allPeers();
  established = peers.filter((p) => p.state === 'Established').length;
  const received = peers.reduce((n, p) => n + p.routesReceived, 0);
  if (!done && established === peers.length && peers.every((p) => p.routesReceived >= config.expect)) {
    done = true;
    out({ event: 'allRoutes', received, peers: peers.length, peakRssMiB: peakRssMiB() });
  }
  if (!done && Date.now() - lastProgress > 5000) {
    lastProgress = Date.now();
    out({ event: 'progress', established, peers: peers.length, received });
  }
  // Keepalive timing once every session is up: the longest time any peer went without sending.
  const now = Date.now();
  for (const p of peers) {
    const last = lastSent.get(p.address);
    if (!last || p.messagesSent !== last.count) lastSent.set(p.address, { count: p.messagesSent, at: now });
    else if (done) maxKeepaliveGapMs = Math.max(maxKeepaliveGapMs, now - last.at);
  }
}, 50);

process.stdin.on('data', async () => {
  clearInterval(poll);
  const peers = allPeers();
  out({
    event: 'final',
    established,
    peers: peers.length,
    maxKeepaliveGapMs,
    received: peers.reduce((n, p) => n + p.routesReceived, 0),
    peakRssMiB: peakRssMiB(),
  });
  await Promise.all(speakers.map((s) => s.close('benchmark done')));
  process.exit(0);
});
