/**
 * Route dumps in a namespace of their own (root): ours (`routes.list()` and a streamed
 * `routes.dump()`) against `ip -j route show table 100` and pyroute2, measured in the same run.
 * Times are wall-clock per whole dump; the tools' include their process start, as a CNI plugin
 * shelling out to them would pay it.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Netlink, Netns } from '@cnikit/netlink';

const PYTHON = '/usr/bin/python3';

/** Why this case cannot run here, or undefined (root, Linux, iproute2). */
export function routeDumpBlocker() {
  if (process.platform !== 'linux') return 'netlink exists only on Linux';
  if (process.getuid?.() !== 0) return 'needs root (it creates a network namespace)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 (`ip`) is not installed';
  return undefined;
}

function hasPyroute2() {
  return spawnSync(PYTHON, ['-c', 'import pyroute2']).status === 0;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Heap a streamed dump keeps alive: collected (gc, from --expose-gc) and sampled every 10,000
 * routes, minus the heap before it. Flat streaming keeps this near zero whatever the route count.
 */
async function retainedWhileStreaming(nl) {
  const gc = globalThis.gc;
  if (!gc) throw new Error('run with --expose-gc to measure what a streamed dump retains');
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  let c = 0;
  for await (const _ of nl.routes.dump({ table: 100 })) {
    if (++c % 10_000 === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
  }
  return peak - base;
}

function nsSince(t0) {
  return Number(process.hrtime.bigint() - t0);
}

/**
 * Measures one route count. `pyroute2Runs` 0 leaves pyroute2 out (it needs ~70 s for 100,000
 * routes here). Returns medians in ns per dump and notes (route counts, RSS growth while streaming).
 */
export async function measureRouteDump(routes, { ourRuns = 7, ipRuns = 5, pyroute2Runs = 3 } = {}) {
  const name = `cnk-nl-bench-${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'cnk-nl-bench-'));
  const path = Netns.create(name);
  const inNs = (command) => {
    const r = spawnSync('ip', ['netns', 'exec', name, 'sh', '-c', command], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    if (r.status !== 0) throw new Error(`${command}: ${r.stderr}`);
    return r.stdout;
  };
  const timedTool = (command) => {
    const t0 = process.hrtime.bigint();
    inNs(`${command} >/dev/null`);
    return nsSince(t0);
  };
  let nl;
  try {
    inNs(
      'ip link set lo up && ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up',
    );
    const batch = join(dir, 'routes.batch');
    const lines = [];
    for (let i = 0; i < routes; i++)
      lines.push(`route add 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 dev v0 table 100`);
    writeFileSync(batch, lines.join('\n'));
    inNs(`ip -batch ${batch}`);
    nl = await Netlink.open({ netns: path });
    for (let k = 0; k < 3; k++) await nl.routes.list({ table: 100 }); // JIT warm-up
    const ours = [];
    const streamed = [];
    for (let k = 0; k < ourRuns; k++) {
      const t0 = process.hrtime.bigint();
      const n = (await nl.routes.list({ table: 100 })).length;
      ours.push(nsSince(t0));
      if (n !== routes) throw new Error(`routes.list() gave ${n} routes, ${routes} installed`);
    }
    for (let k = 0; k < ourRuns; k++) {
      const t0 = process.hrtime.bigint();
      let c = 0;
      for await (const _ of nl.routes.dump({ table: 100 })) c++;
      streamed.push(nsSince(t0));
      if (c !== routes) throw new Error(`routes.dump() gave ${c} routes, ${routes} installed`);
    }
    const retained = await retainedWhileStreaming(nl);
    const ipCount = JSON.parse(inNs('ip -j route show table 100')).length;
    if (ipCount !== routes) throw new Error(`ip -j shows ${ipCount} routes, ${routes} installed`);
    const ip = Array.from({ length: ipRuns }, () => timedTool('ip -j route show table 100'));
    const medians = { ours: median(ours), 'ours-dump': median(streamed), iproute2: median(ip) };
    const unavailable = [];
    const notes = [
      `${routes} routes; a streamed dump() retained at most ${(retained / 2 ** 20).toFixed(2)} MiB of heap (after GC, sampled every 10,000 routes)`,
    ];
    if (pyroute2Runs > 0 && hasPyroute2()) {
      const py = `${PYTHON} -c "from pyroute2 import IPRoute; r = IPRoute().get_routes(table=100); assert len(r) == ${routes}"`;
      medians.pyroute2 = median(Array.from({ length: pyroute2Runs }, () => timedTool(py)));
    } else {
      unavailable.push('pyroute2');
      notes.push(
        pyroute2Runs > 0
          ? 'pyroute2 is not installed'
          : 'pyroute2 left out at this size (over a minute per dump)',
      );
    }
    return { medians, unavailable, notes, retained };
  } finally {
    nl?.close();
    Netns.delete(name);
    rmSync(dir, { recursive: true, force: true });
  }
}
