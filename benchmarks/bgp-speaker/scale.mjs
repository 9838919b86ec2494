#!/usr/bin/env node
/**
 * BgpSpeaker at scale (issue #10, "Scale"), against BIRD 2 in the same run. Needs root, gobgpd/gobgp
 * and bird; run `npm run build` first. Everything happens in namespaces this script creates and
 * deletes; nothing touches the host's own namespace.
 *
 *   node benchmarks/bgp-speaker/scale.mjs [--prefixes 1000000] [--sessions 200] [--routes 1000] [--hold 30]
 *
 * 1. Full table: our MRT writer makes a TABLE_DUMP_V2 file of N IPv4 /24s (10,000 attribute sets);
 *    `gobgp mrt inject` loads it into GoBGP; then our speaker (a receiver process of its own) and
 *    BIRD 2 each peer with GoBGP in turn (eBGP, import all, export none). Reported for each: time
 *    from process start to the whole table received, from Established to the whole table, and peak
 *    RSS (VmHWM). Ours is polled every 50 ms, as BIRD is (`birdc show protocols all`).
 * 2. Sessions: one process of ours with S eBGP sessions to one GoBGP (S addresses a side), GoBGP
 *    sending R routes on each; reported: time to every session Established with every route, peak
 *    RSS, and, after `--hold` seconds more, the sessions still up on both sides and the longest gap
 *    between two messages we sent on any session (keepalives on time: at most the keepalive time).
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { community, encodeMrtRecord, writeAttribute } from '@cnikit/bgp';

const args = { prefixes: 1_000_000, sessions: 200, routes: 1000, hold: 30 };
for (let i = 2; i < process.argv.length; i += 2)
  args[process.argv[i].replace(/^--/, '')] = Number(process.argv[i + 1]);

const RECEIVER = fileURLToPath(new URL('./receiver.mjs', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../.bench-results/', import.meta.url));
const tag = randomBytes(3).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'cnk-bgp-scale-'));
const namespaces = [];
const children = new Set();

const missing = ['gobgpd', 'gobgp', 'bird', 'birdc'].filter((t) => spawnSync('which', [t]).status !== 0);
if (process.getuid?.() !== 0 || missing.length) {
  console.error(
    `!!! bgp speaker scale benchmark skipped: ${process.getuid?.() !== 0 ? 'needs root (network namespaces)' : ''} ${
      missing.length ? `missing ${missing.join(', ')} (sudo bash scripts/install-peers.sh)` : ''
    }`,
  );
  process.exit(0);
}

function sh(ns, cmd, input) {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', cmd], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`[${ns}] ${cmd}: ${r.stderr}`);
  return r.stdout;
}
function netns(name) {
  const ns = `cnk-scale-${name}-${tag}`;
  const r = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip netns add ${ns}: ${r.stderr}`);
  namespaces.push(ns);
  sh(ns, 'ip link set lo up');
  return ns;
}
function start(ns, argv) {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  child.stderrText = '';
  child.stderr.on('data', (d) => {
    child.stderrText += d;
  });
  return child;
}
function cleanup() {
  for (const c of children) c.kill('SIGKILL');
  for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const peakRssMiB = (pid) =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

/** TABLE_DUMP_V2 with `count` IPv4 /24s from 20.0.0.0 (no special-purpose block), `sets` attribute sets. */
function writeTable(path, count, sets) {
  const T = Math.floor(Date.now() / 1000);
  const attributeSets = [];
  for (let i = 0; i < sets; i++) {
    const list = [
      { kind: 'origin', origin: i % 3 },
      { kind: 'as-path', segments: [{ type: 2, asns: [65010, 64512 + (i % 400), 4_200_000_000 + i] }] },
      // GoBGP passes this next hop on unchanged; BIRD treats an UPDATE whose next hop is not on a
      // connected network as a withdrawal, so it is GoBGP's address on the receivers' link.
      { kind: 'next-hop', nextHop: 0x0a000101 },
      { kind: 'med', med: i % 100 },
      { kind: 'communities', communities: [community(65010, i % 500), community(65010, 9999)] },
    ];
    const out = new Uint8Array(256);
    let n = 0;
    for (const a of list) n += writeAttribute(a, { fourOctetAs: true }, out, n);
    attributeSets.push(out.slice(0, n));
  }
  const fd = openSync(path, 'w');
  const chunk = [];
  let size = 0;
  const flush = () => {
    writeSync(fd, Buffer.concat(chunk));
    chunk.length = 0;
    size = 0;
  };
  const push = (b) => {
    chunk.push(b);
    size += b.length;
    if (size > 1 << 20) flush();
  };
  push(
    encodeMrtRecord({
      timestamp: T,
      kind: 'peer-index-table',
      collectorId: 0x0a000063,
      viewName: '',
      peers: [{ bgpId: 0x0a000063, address: Uint8Array.of(10, 0, 0, 99), asn: 65010, asn4: true }],
    }),
  );
  const perSet = Math.ceil(count / sets);
  const record = (i) =>
    encodeMrtRecord({
      timestamp: T,
      kind: 'rib',
      subtype: 2,
      sequence: i,
      prefix: { family: 4, address: (0x14000000 + i * 256) >>> 0, length: 24 },
      entries: [{ peerIndex: 0, originatedTime: T, attributes: attributeSets[Math.floor(i / perSet)] }],
    });
  for (let i = 0; i < count; i++) push(record(i));
  // `gobgp mrt inject` 3.10 exits without closing its gRPC stream (cmd/gobgp/mrt.go), so what is still
  // buffered is lost: 62 of 1,000 records here. The file ends with the first records again (the same
  // routes, idempotent) as padding for that loss.
  for (let i = 0; i < 20_000; i++) push(record(i % count));
  flush();
  closeSync(fd);
}

async function startGobgp(ns, conf) {
  const path = join(dir, `${ns}.toml`);
  writeFileSync(path, conf);
  const go = start(ns, ['gobgpd', '-f', path, '--api-hosts', '127.0.0.1:50051', '-l', 'warn']);
  const end = Date.now() + 20_000;
  while (spawnSync('ip', ['netns', 'exec', ns, 'gobgp', '-u', '127.0.0.1', 'global']).status !== 0) {
    if (go.exitCode !== null || Date.now() > end) throw new Error(`gobgpd did not start: ${go.stderrText}`);
    await sleep(100);
  }
  return go;
}

async function inject(ns, file, count) {
  const t0 = Date.now();
  for (let attempt = 0; attempt < 20; attempt++) {
    sh(ns, `gobgp -u 127.0.0.1 mrt inject global ${file}`);
    for (let i = 0; i < 20; i++) {
      const summary = sh(ns, 'gobgp -u 127.0.0.1 global rib summary -a ipv4');
      const n = Number(/Destination:\s*(\d+)/.exec(summary)?.[1] ?? 0);
      if (n >= count) return Date.now() - t0;
      await sleep(250);
    }
  }
  throw new Error(`gobgp mrt inject: the table never reached ${count} prefixes`);
}

function events(child) {
  const list = [];
  const waiters = [];
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const e = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      list.push(e);
      api.onEvent?.(e);
      for (const w of [...waiters]) if (w.match(e)) w.resolve(e);
    }
  });
  const wait = (name, ms) =>
    new Promise((resolve, reject) => {
      const found = list.find((e) => e.event === name);
      if (found) return resolve(found);
      const t = setTimeout(
        () => reject(new Error(`receiver: no ${name} in ${ms} ms; stderr: ${child.stderrText}`)),
        ms,
      );
      waiters.push({
        match: (e) => e.event === name,
        resolve: (e) => {
          clearTimeout(t);
          resolve(e);
        },
      });
    });
  const api = { list, wait, onEvent: undefined };
  return api;
}

async function oursFullTable(ns, n) {
  const config = {
    expect: n,
    speakers: [
      {
        asn: 65200,
        routerId: '10.0.1.2',
        peers: [{ address: '10.0.1.1', asn: 65100, localAddress: '10.0.1.2', holdTime: 240 }],
      },
    ],
  };
  const t0 = Date.now();
  const child = start(ns, [process.execPath, RECEIVER, JSON.stringify(config)]);
  const ev = events(child);
  const up = await ev.wait('peerUp', 60_000);
  const all = await ev.wait('allRoutes', (args.timeout ?? 600) * 1000);
  child.stdin.write('stop\n');
  const final = await ev.wait('final', 30_000);
  await new Promise((r) => child.once('exit', r));
  return {
    total: all.at - t0,
    established: all.at - up.at,
    peakRssMiB: final.peakRssMiB,
    routes: final.received,
  };
}

async function birdFullTable(ns, n) {
  const conf = join(dir, 'bird.conf');
  const sock = join(dir, 'bird.ctl');
  writeFileSync(
    conf,
    `router id 10.0.1.3;\nprotocol device {}\nprotocol bgp gobgp {\n  local 10.0.1.3 as 65300;\n  neighbor 10.0.1.1 as 65100;\n  hold time 240;\n  ipv4 { import all; export none; };\n}\n`,
  );
  const t0 = Date.now();
  const bird = start(ns, ['bird', '-f', '-c', conf, '-s', sock]);
  let upAt = 0;
  for (;;) {
    if (bird.exitCode !== null) throw new Error(`bird exited: ${bird.stderrText}`);
    const r = spawnSync(
      'ip',
      ['netns', 'exec', ns, 'birdc', '-s', sock, 'show', 'protocols', 'all', 'gobgp'],
      { encoding: 'utf8' },
    );
    const text = r.stdout ?? '';
    if (!upAt && /Established/.test(text)) upAt = Date.now();
    const imported = Number(/Routes:\s+(\d+) imported/.exec(text)?.[1] ?? 0);
    if (imported >= n) {
      const at = Date.now();
      const rss = peakRssMiB(bird.pid);
      bird.kill('SIGTERM');
      await new Promise((r) => bird.once('exit', r));
      return { total: at - t0, established: at - upAt, peakRssMiB: rss, routes: imported };
    }
    if (Date.now() - t0 > (args.timeout ?? 600) * 1000)
      throw new Error(`BIRD: ${imported} of ${n} routes after the timeout:\n${text}`);
    await sleep(50);
  }
}

async function fullTable() {
  const go = netns('go');
  const us = netns('us');
  // Our receiver and BIRD take turns in one namespace, on one link, at two addresses.
  sh(go, `ip link add vu0 type veth peer name vu1 netns ${us}`);
  sh(go, 'ip addr add 10.0.1.1/24 dev vu0 && ip link set vu0 up');
  sh(us, 'ip addr add 10.0.1.2/24 dev vu1 && ip addr add 10.0.1.3/24 dev vu1 && ip link set vu1 up');
  const neighbor = (address, asn) =>
    `[[neighbors]]\n  [neighbors.config]\n    neighbor-address = "${address}"\n    peer-as = ${asn}\n  [neighbors.timers.config]\n    connect-retry = 1\n    hold-time = 240\n  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "ipv4-unicast"\n`;
  const go1 = await startGobgp(
    go,
    `[global.config]\n  as = 65100\n  router-id = "10.0.0.1"\n[global.apply-policy.config]\n  default-import-policy = "accept-route"\n  default-export-policy = "accept-route"\n${neighbor('10.0.1.2', 65200)}${neighbor('10.0.1.3', 65300)}`,
  );
  const file = join(dir, 'table.mrt');
  let t = Date.now();
  writeTable(file, args.prefixes, 10_000);
  const writeMs = Date.now() - t;
  const injectMs = await inject(go, file, args.prefixes);
  console.log(
    `table: ${args.prefixes} prefixes written by our MRT writer in ${writeMs} ms, injected into GoBGP in ${injectMs} ms`,
  );
  const birdResult = await birdFullTable(us, args.prefixes);
  console.log(`BIRD 2: ${JSON.stringify(birdResult)}`);
  const ours = await oursFullTable(us, args.prefixes);
  console.log(`ours:   ${JSON.stringify(ours)}`);
  go1.kill('SIGTERM');
  t = Date.now();
  return { writeMs, injectMs, bird: birdResult, ours };
}

async function sessions() {
  const S = args.sessions;
  const go = netns('go2');
  const us = netns('us2');
  sh(go, `ip link add vs0 type veth peer name vs1 netns ${us} && ip link set vs0 up`);
  sh(us, 'ip link set vs1 up');
  const addr = (side, i) => `10.1.${side * 4 + (i >> 8)}.${i & 255}`;
  const index = Array.from({ length: S }, (_, i) => i + 1);
  sh(go, 'ip -batch -', index.map((i) => `addr add ${addr(0, i)}/14 dev vs0`).join('\n'));
  sh(us, 'ip -batch -', index.map((i) => `addr add ${addr(1, i)}/14 dev vs1`).join('\n'));
  const hold = 9;
  const neighbors = index
    .map(
      (i) =>
        `[[neighbors]]\n  [neighbors.config]\n    neighbor-address = "${addr(1, i)}"\n    peer-as = 65200\n  [neighbors.transport.config]\n    local-address = "${addr(0, i)}"\n    passive-mode = true\n  [neighbors.timers.config]\n    hold-time = ${hold}\n    keepalive-interval = ${hold / 3}\n  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "ipv4-unicast"\n`,
    )
    .join('');
  const go1 = await startGobgp(
    go,
    `[global.config]\n  as = 65100\n  router-id = "10.1.0.1"\n  local-address-list = [${index.map((i) => `"${addr(0, i)}"`).join(', ')}]\n[global.apply-policy.config]\n  default-import-policy = "accept-route"\n  default-export-policy = "accept-route"\n${neighbors}`,
  );
  const file = join(dir, 'small.mrt');
  writeTable(file, args.routes, 100);
  await inject(go, file, args.routes);
  const config = {
    expect: args.routes,
    speakers: [
      {
        asn: 65200,
        routerId: addr(1, 1),
        peers: index.map((i) => ({
          address: addr(0, i),
          asn: 65100,
          localAddress: addr(1, i),
          holdTime: hold,
        })),
      },
    ],
  };
  const t0 = Date.now();
  const child = start(us, [process.execPath, RECEIVER, JSON.stringify(config)]);
  const ev = events(child);
  ev.onEvent = (e) => {
    if (e.event === 'progress')
      console.log(`  ${e.established}/${e.peers} Established, ${e.received} routes`);
  };
  const all = await ev.wait('allRoutes', (args.timeout ?? 300) * 1000).catch((e) => {
    console.log(sh(go, 'gobgp -u 127.0.0.1 neighbor').split('\n').slice(0, 6).join('\n'));
    throw e;
  });
  console.log(
    `${S} sessions Established with ${args.routes} routes each after ${all.at - t0} ms; holding ${args.hold} s`,
  );
  await sleep(args.hold * 1000);
  const goEstablished = (sh(go, 'gobgp -u 127.0.0.1 neighbor').match(/Establ/g) ?? []).length;
  child.stdin.write('stop\n');
  const final = await ev.wait('final', 60_000);
  go1.kill('SIGTERM');
  const downs = ev.list.filter((e) => e.event === 'peerDown').length;
  return {
    sessions: S,
    routesEach: args.routes,
    toAllRoutesMs: all.at - t0,
    establishedAtEnd: final.established,
    establishedOnGobgp: goEstablished,
    peerDownEvents: downs,
    maxGapBetweenSentMessagesMs: final.maxKeepaliveGapMs,
    keepaliveTimeMs: (hold / 3) * 1000,
    routesReceived: final.received,
    peakRssMiB: final.peakRssMiB,
  };
}

try {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`node ${process.version}, load ${load}`);
  const table = args.prefixes > 0 ? await fullTable() : undefined;
  const many = await sessions();
  if (table) {
    console.log(
      '\n| full table (IPv4) | prefixes | start → all routes | Established → all routes | peak RSS |',
    );
    console.log('|---|---:|---:|---:|---:|');
    for (const [name, r] of [
      ['BIRD 2', table.bird],
      ['ours', table.ours],
    ])
      console.log(
        `| ${name} | ${r.routes} | ${(r.total / 1000).toFixed(2)} s | ${(r.established / 1000).toFixed(2)} s | ${r.peakRssMiB.toFixed(0)} MiB |`,
      );
    console.log(
      `ratio ours ÷ BIRD (Established → all routes): ${(table.ours.established / table.bird.established).toFixed(2)}× (goal < 1), ours peak RSS ${table.ours.peakRssMiB.toFixed(0)} MiB (goal < 1024)`,
    );
  }
  console.log(`\n${many.sessions} sessions × ${many.routesEach} routes: ${JSON.stringify(many, null, 1)}`);
  const ok =
    many.establishedAtEnd === many.sessions &&
    many.establishedOnGobgp === many.sessions &&
    many.peerDownEvents === 0 &&
    many.maxGapBetweenSentMessagesMs <= many.keepaliveTimeMs * 1.1 + 100 &&
    many.routesReceived === many.sessions * many.routesEach;
  console.log(`sessions: ${ok ? 'all up, keepalives on time' : 'FAILED'}`);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'bgp-speaker-scale.json'),
    JSON.stringify({ load, args, table, many }, null, 2),
  );
  process.exitCode =
    ok && (!table || (table.ours.established < table.bird.established && table.ours.peakRssMiB < 1024))
      ? 0
      : 1;
} finally {
  cleanup();
}
