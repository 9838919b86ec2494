#!/usr/bin/env node
/**
 * Start-up cost of a CNI plugin built on @cnikit/cni (issue 15, requirement 5): the runtime starts
 * the plugin for every ADD and DEL, so its wall time per invocation is what matters. Measured next
 * to `node -e 0` (Node's own start-up) and Debian's Go plugins, interleaved round by round:
 *
 *   node -e 0                 Node alone
 *   node empty.js             Node running an empty file (what a plugin file starts from)
 *   ours noop ADD / DEL       a plugin on the skeleton doing nothing (cni-startup/noop-plugin.ts)
 *   Go host-local ADD / DEL   the real IPAM plugin
 *   ours veth ADD / DEL       our test veth plugin delegating to host-local   (root: namespaces)
 *   ours flannel ADD / DEL    examples/flannel-vxlan's plugin (netlink), host-local (root: namespaces)
 *   Go bridge ADD / DEL       the real bridge plugin delegating to host-local (root: namespaces)
 *
 * Each plugin is one bundled, minified file (esbuild). Target: what the skeleton adds on top of
 * `node -e 0` (noop median − node median) stays under half of `node -e 0`. `--check` exits 1 when
 * it does not. As root the measuring runs inside a "node" namespace the script creates (and
 * deletes), so bridge's bridge and the veths never touch the root namespace.
 *
 *   node benchmarks/cni-startup.mjs [--rounds N] [--check]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CNI_DIR = '/usr/lib/cni';
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const rounds = Number(option('--rounds', '25'));

async function bundle(entry, outfile) {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    logLevel: 'silent',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [
      {
        name: 'cnikit-workspace',
        setup(b) {
          b.onResolve({ filter: /^@cnikit\/[a-z0-9-]+$/ }, (a) => ({
            path: join(ROOT, 'packages', a.path.slice('@cnikit/'.length), 'src/index.ts'),
          }));
        },
      },
    ],
  });
  chmodSync(outfile, 0o755);
  return outfile;
}

function time(command, argv, env, input) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command, argv, { env, input, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0)
    throw new Error(`${command} ${env?.CNI_COMMAND ?? ''} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs in the measuring process (inside the node namespace when root). */
async function measure({ dir, podNetns }) {
  const bin = join(dir, 'bin');
  const noop = await bundle(join(ROOT, 'benchmarks/cni-startup/noop-plugin.ts'), join(bin, 'cnk-noop'));
  const veth = await bundle(join(ROOT, 'packages/cni/test/fixtures/veth-plugin.ts'), join(bin, 'cnk-veth'));
  // The flannel example's plugin (netlink from source, its addon from packages/netlink/build).
  let flannel;
  let snapshot;
  try {
    const { buildExample, buildSnapshot } = await import(join(ROOT, 'examples/flannel-vxlan/build.mjs'));
    flannel = (await buildExample()).plugin;
    snapshot = (await buildSnapshot()).plugin;
  } catch (e) {
    process.stderr.write(`!!! flannel plugin left out: ${e.message}\n`);
  }
  const subnetEnv = join(dir, 'subnet.env');
  writeFileSync(subnetEnv, 'FLANNEL_NETWORK=10.97.0.0/16\nFLANNEL_SUBNET=10.97.1.1/24\nFLANNEL_MTU=1450\n');
  const haveGo = existsSync(join(CNI_DIR, 'host-local'));
  const empty = join(dir, 'empty.js');
  writeFileSync(empty, '');
  // When a script's first line runs in a bare Node (ms since the process started): the split's base.
  const probe = join(dir, 'first-line.js');
  writeFileSync(probe, 'process.stdout.write(String(process.uptime() * 1000));');
  const trace = join(dir, 'flannel-trace.jsonl');
  const firstLines = [];
  const env = (command, id) => ({
    PATH: process.env.PATH,
    CNI_COMMAND: command,
    CNI_CONTAINERID: id,
    CNI_NETNS: podNetns ?? '/var/run/netns/none',
    CNI_IFNAME: 'eth0',
    CNI_PATH: `${bin}:${CNI_DIR}`,
  });
  const ipam = (subnet) => ({ type: 'host-local', dataDir: join(dir, 'ipam'), ranges: [[{ subnet }]] });
  const conf = (type, extra) =>
    JSON.stringify({ cniVersion: '1.0.0', name: `bench-${type}`, type, ...extra });
  const cases = [
    ['node -e 0', () => [time(process.execPath, ['-e', '0'], { PATH: process.env.PATH })]],
    ['node empty.js', () => [time(process.execPath, [empty], { PATH: process.env.PATH })]],
    [
      'node first-line.js',
      () => {
        const t0 = process.hrtime.bigint();
        const out = execFileSync(process.execPath, [probe], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH },
        });
        firstLines.push(Number(out));
        return [Number(process.hrtime.bigint() - t0) / 1e6];
      },
    ],
    ['ours noop', (i) => pair(noop, conf('cnk-noop', {}), `n${i}`)],
  ];
  if (haveGo)
    cases.push([
      'Go host-local',
      (i) => pair(join(CNI_DIR, 'host-local'), conf('host-local', { ipam: ipam('10.94.0.0/24') }), `h${i}`),
    ]);
  if (haveGo && podNetns) {
    cases.push([
      'ours veth + host-local',
      (i) => pair(veth, conf('cnk-veth', { ipam: ipam('10.95.0.0/24') }), `v${i}`),
    ]);
    if (flannel) {
      cases.push([
        'ours flannel + host-local',
        (i) =>
          pair(
            flannel,
            conf('cnk-flannel', { subnetFile: subnetEnv, dataDir: join(dir, 'ipam'), bridge: 'cnkfl0' }),
            `f${i}`,
          ),
      ]);
      cases.push([
        'ours flannel, V8 snapshot',
        (i) =>
          pair(
            snapshot,
            conf('cnk-flannel', { subnetFile: subnetEnv, dataDir: join(dir, 'ipam'), bridge: 'cnkfl1' }),
            `s${i}`,
          ),
      ]);
    }
    cases.push([
      'Go bridge + host-local',
      (i) =>
        pair(
          join(CNI_DIR, 'bridge'),
          conf('bridge', { bridge: 'cnkbench0', ipam: ipam('10.96.0.0/24') }),
          `b${i}`,
        ),
    ]);
  }
  function pair(exe, stdin, id) {
    const e = (command) => ({
      ...env(command, id),
      ...(exe === flannel ? { CNK_FLANNEL_TRACE: trace } : {}),
    });
    return [time(exe, [], e('ADD'), stdin), time(exe, [], e('DEL'), stdin)];
  }
  const samples = new Map(cases.map(([name]) => [name, []]));
  for (const [, run] of cases) run('warm'); // first runs pay page-cache misses
  rmSync(trace, { force: true });
  firstLines.length = 0;
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const [name, run] = cases[(k + r) % cases.length];
      samples.get(name).push(run(r));
    }
  }
  const out = {};
  for (const [name, s] of samples) {
    out[name] =
      s[0].length === 1
        ? { run: median(s.map((x) => x[0])) }
        : { add: median(s.map((x) => x[0])), del: median(s.map((x) => x[1])) };
  }
  const split =
    flannel && existsSync(trace)
      ? flannelSplit(
          trace,
          samples.get('ours flannel + host-local'),
          median(firstLines),
          out['node -e 0'].run,
        )
      : undefined;
  return {
    results: out,
    split,
    bundleBytes: {
      noop: statSync(noop).size,
      veth: statSync(veth).size,
      ...(flannel ? { flannel: statSync(flannel).size } : {}),
    },
  };
}

/**
 * The flannel plugin's wall time split, per command (medians over the rounds): Node's start-up
 * (`node -e 0`), loading our file (its first line later than a bare script's), module
 * initialisation, the netlink addon's loading, our own work (the skeleton, the handler, stdin
 * and stdout), host-local (spawned and run: delegation), the netlink requests (kernel work) and
 * what is left (exit, spawn noise). "Ours" is everything but Node, host-local and the kernel.
 */
function flannelSplit(file, walls, firstLineBase, node) {
  const lines = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const out = {};
  for (const [k, command] of [
    [0, 'ADD'],
    [1, 'DEL'],
  ]) {
    const runs = lines.filter((l) => l.command === command);
    if (runs.length !== walls.length)
      throw new Error(`trace has ${runs.length} ${command} runs, expected ${walls.length}`);
    const parts = runs.map((t, i) => {
      const wall = walls[i][k];
      const own = t.end - t.modulesReady - t.addon - t.spawner - t.netlink - t.delegate;
      const p = {
        wall,
        node,
        file: t.firstLine - firstLineBase,
        modules: t.modulesReady - t.firstLine,
        addon: t.addon,
        spawner: t.spawner,
        own,
        delegate: t.delegate,
        kernel: t.netlink,
      };
      p.rest = wall - node - p.file - p.modules - p.addon - p.spawner - p.own - p.delegate - p.kernel;
      p.ours = wall - node - p.delegate - p.kernel;
      return p;
    });
    out[command] = Object.fromEntries(
      Object.keys(parts[0]).map((key) => [key, median(parts.map((p) => p[key]))]),
    );
  }
  return out;
}

function reportSplit(split) {
  const rows = [
    ['node', 'Node start-up and exit (node -e 0)'],
    ['file', 'reading and compiling our file'],
    ['modules', 'module initialisation'],
    ['addon', 'loading the netlink addon'],
    ['spawner', 'loading node:child_process (to spawn host-local)'],
    ['own', 'our own work (skeleton, handler, stdin/stdout)'],
    ['delegate', 'host-local (spawn + run: delegation)'],
    ['kernel', 'netlink requests (kernel work)'],
    ['rest', 'the rest (exit, noise)'],
    ['wall', 'wall time'],
  ];
  console.log(
    `\nflannel plugin, where the time goes (medians, ms)${''.padEnd(8)}${'ADD'.padStart(8)}${'DEL'.padStart(8)}`,
  );
  for (const [key, label] of rows)
    console.log(
      `  ${label.padEnd(54)}${split.ADD[key].toFixed(1).padStart(8)}${split.DEL[key].toFixed(1).padStart(8)}`,
    );
  const worst = Math.max(split.ADD.ours, split.DEL.ours);
  const ok = worst < split.ADD.node / 2;
  console.log(
    `ours on top of Node (wall − node − host-local − kernel): ADD ${split.ADD.ours.toFixed(1)} ms, DEL ${split.DEL.ours.toFixed(1)} ms = ${((100 * worst) / split.ADD.node).toFixed(0)}% of node -e 0; target < 50%: ${ok ? 'pass' : 'FAIL'}`,
  );
  return ok;
}

function report({ results, bundleBytes, split }, note) {
  const node = results['node -e 0'].run;
  const fmt = (ms) => `${ms.toFixed(1).padStart(7)} ms`;
  console.log(
    `\nCNI plugin start-up, median of ${rounds} interleaved rounds (wall time per invocation)${note}`,
  );
  console.log(
    `bundles: noop ${bundleBytes.noop} bytes, veth ${bundleBytes.veth} bytes${bundleBytes.flannel ? `, flannel ${bundleBytes.flannel} bytes` : ''} (one file each)`,
  );
  console.log(
    `load average: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  console.log(`${'case'.padEnd(28)}${'ADD'.padStart(10)}${'DEL'.padStart(10)}   ADD ÷ node -e 0`);
  for (const [name, r] of Object.entries(results)) {
    if ('run' in r)
      console.log(`${name.padEnd(28)}${fmt(r.run)}${''.padStart(10)}   ${(r.run / node).toFixed(2)}`);
    else console.log(`${name.padEnd(28)}${fmt(r.add)}${fmt(r.del)}   ${(r.add / node).toFixed(2)}`);
  }
  const noop = results['ours noop'];
  const added = Math.max(noop.add, noop.del) - node;
  const overFile = Math.max(noop.add, noop.del) - results['node empty.js'].run;
  console.log(`\nskeleton cost over node empty.js: ${overFile.toFixed(1)} ms`);
  let ok = added < node / 2;
  console.log(
    `skeleton cost over node -e 0: ${added.toFixed(1)} ms (worse of ADD/DEL) = ${((100 * added) / node).toFixed(0)}% of node -e 0; target < 50%: ${ok ? 'pass' : 'FAIL'}`,
  );
  if (split) ok = reportSplit(split) && ok;
  return ok;
}

if (flag('--inside')) {
  // Child mode: measure and print JSON for the parent.
  const result = await measure({ dir: option('--dir'), podNetns: option('--pod') });
  process.stdout.write(JSON.stringify(result));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'cnk-cni-bench-'));
  const root = process.getuid?.() === 0;
  const id = randomBytes(3).toString('hex');
  const nodeNs = `cnk-cni-bench-${id}-node`;
  const podNs = `cnk-cni-bench-${id}-pod`;
  let ok = true;
  try {
    let result;
    if (root) {
      execFileSync('ip', ['netns', 'add', nodeNs]);
      execFileSync('ip', ['netns', 'add', podNs]);
      const self = fileURLToPath(import.meta.url);
      const out = execFileSync(
        'ip',
        [
          'netns',
          'exec',
          nodeNs,
          process.execPath,
          self,
          '--inside',
          '--dir',
          dir,
          '--pod',
          `/var/run/netns/${podNs}`,
          '--rounds',
          String(rounds),
        ],
        { encoding: 'utf8', maxBuffer: 16 << 20 },
      );
      result = JSON.parse(out);
      ok = report(result, ', inside a namespace of its own');
    } else {
      console.warn('!!! not root: the veth and bridge cases (network namespaces) are left out');
      result = await measure({ dir, podNetns: undefined });
      ok = report(result, '');
    }
    writeFileSync(join(dir, 'result.json'), JSON.stringify(result));
  } finally {
    if (root) {
      spawnSync('ip', ['netns', 'del', podNs]);
      spawnSync('ip', ['netns', 'del', nodeNs]);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  if (flag('--check') && !ok) process.exit(1);
}
