#!/usr/bin/env node
/**
 * Netlink speed against iproute2 and pyroute2, in one run on this machine (needs root; builds
 * nothing: run `npm run build -w @cnikit/netlink` first). Everything happens in a namespace this
 * script creates and deletes.
 *
 *   node packages/netlink/benchmarks/routes.mjs [--routes 10000,100000] [--veths 1000]
 *
 * Cases: dump and decode N /32 routes of table 100 (ours: list() and a streamed dump() that keeps
 * nothing; `ip -j route show table 100`; pyroute2 `IPRoute().get_routes(table=100)`), and create
 * then delete M veth pairs (ours: one request at a time; `ip -batch`; pyroute2 `link('add'/'del')`).
 * Times are wall-clock medians (ours: 7 runs after 3 warm-up runs; ip: 5; pyroute2: 3, 1 for 100k),
 * the tools' including their process start; peak RSS of the tools from getrusage(RUSAGE_CHILDREN),
 * ours as the growth of this process's RSS during the streamed dumps.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netlink, Netns } from '../dist/index.js';

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const ROUTES = (args.routes ?? '10000,100000').split(',').map(Number);
const VETHS = Number(args.veths ?? 1000);
const PYTHON = '/usr/bin/python3';

const name = `cnk-nl-bench-${randomBytes(3).toString('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'cnk-nl-bench-'));
const path = Netns.create(name);

function sh(cmd, input) {
  const r = spawnSync('ip', ['netns', 'exec', name, 'sh', '-c', cmd], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout;
}

/** Runs a command in the namespace; wall time (ms) and the child's peak RSS (KiB) via GNU-time-like /proc accounting. */
function timed(cmd) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    'ip',
    ['netns', 'exec', name, 'sh', '-c', `${cmd} >/dev/null; grep VmHWM /proc/$$/status >/dev/null`],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    },
  );
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return ms;
}

/** Peak RSS (KiB) of a command, read by a python wrapper from getrusage(RUSAGE_CHILDREN). */
function peakRss(cmd) {
  const py = `import resource,subprocess,sys; subprocess.run(sys.argv[1], shell=True, stdout=subprocess.DEVNULL, check=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)`;
  return Number(sh(`${PYTHON} -c '${py}' "${cmd.replaceAll('"', '\\"')}"`).trim());
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function ms(f) {
  const t0 = process.hrtime.bigint();
  const v = await f();
  return [Number(process.hrtime.bigint() - t0) / 1e6, v];
}

const rows = [];
try {
  sh('ip link set lo up && ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up');
  const nl = await Netlink.open({ netns: path });
  let installed = 0;
  for (const n of ROUTES) {
    const lines = [];
    for (let i = installed; i < n; i++)
      lines.push(`route add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 dev v0 table 100`);
    const batch = join(dir, `routes-${n}.batch`);
    writeFileSync(batch, lines.join('\n'));
    sh(`ip -batch ${batch}`);
    installed = n;

    const ours = [];
    let count = 0;
    for (let k = 0; k < 3; k++) await nl.routes.list({ table: 100 }); // warm-up (JIT)
    for (let k = 0; k < 7; k++)
      [ours[k], count] = await ms(async () => (await nl.routes.list({ table: 100 })).length);
    if (count !== n) throw new Error(`list() gave ${count} routes, expected ${n}`);
    const streamed = [];
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    for (let k = 0; k < 7; k++) {
      [streamed[k]] = await ms(async () => {
        let c = 0;
        for await (const _ of nl.routes.dump({ table: 100 })) {
          if (++c % 5000 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        }
        if (c !== n) throw new Error(`dump() gave ${c}`);
      });
    }
    const ip = [0, 1, 2, 3, 4].map(() => timed('ip -j route show table 100'));
    const ipRss = peakRss('ip -j route show table 100');
    const pyCmd = `${PYTHON} -c "from pyroute2 import IPRoute; r = IPRoute().get_routes(table=100); assert len(r) == ${n}"`;
    const runs = n > 20_000 ? 1 : 3;
    const py = Array.from({ length: runs }, () => timed(pyCmd));
    const pyRss = peakRss(pyCmd);
    rows.push({
      case: `dump ${n} routes`,
      'ours list() ms': median(ours).toFixed(1),
      'ours dump() ms': median(streamed).toFixed(1),
      'ours dump() RSS growth MiB': ((rssPeak - rssBefore) / 2 ** 20).toFixed(1),
      'ip -j ms': median(ip).toFixed(1),
      'ip peak RSS MiB': (ipRss / 1024).toFixed(1),
      'pyroute2 ms': median(py).toFixed(0),
      'pyroute2 peak RSS MiB': (pyRss / 1024).toFixed(0),
      'ip / ours': (median(ip) / median(ours)).toFixed(2),
      'pyroute2 / ours': (median(py) / median(ours)).toFixed(1),
    });
  }

  const [oursVeth] = await ms(async () => {
    for (let i = 0; i < VETHS; i++)
      await nl.links.create({ name: `a${i}`, kind: 'veth', veth: { peer: { name: `b${i}` } } });
    for (let i = 0; i < VETHS; i++) await nl.links.delete(`a${i}`);
  });
  const add = join(dir, 'veth-add.batch');
  const del = join(dir, 'veth-del.batch');
  writeFileSync(
    add,
    Array.from({ length: VETHS }, (_, i) => `link add a${i} type veth peer name b${i}`).join('\n'),
  );
  writeFileSync(del, Array.from({ length: VETHS }, (_, i) => `link del a${i}`).join('\n'));
  const ipVeth = timed(`ip -batch ${add} && ip -batch ${del}`);
  const pyVeth = timed(
    `${PYTHON} -c "from pyroute2 import IPRoute
ipr = IPRoute()
for i in range(${VETHS}): ipr.link('add', ifname=f'a{i}', kind='veth', peer=f'b{i}')
for i in range(${VETHS}): ipr.link('del', ifname=f'a{i}')"`,
  );
  rows.push({
    case: `create + delete ${VETHS} veth pairs`,
    'ours list() ms': oursVeth.toFixed(0),
    'ip -j ms': ipVeth.toFixed(0),
    'pyroute2 ms': pyVeth.toFixed(0),
    'ip / ours': (ipVeth / oursVeth).toFixed(2),
    'pyroute2 / ours': (pyVeth / oursVeth).toFixed(1),
  });
  nl.close();
} finally {
  Netns.delete(name);
  rmSync(dir, { recursive: true, force: true });
}
console.table(rows);
