// The file store's ADD and DEL in-process (flock, read the directory, crash-safe write) against the
// real host-local binary's whole ADD and DEL (a process each, as a CNI runtime runs it), on a /14,
// in the same run; plus a whole Node process of ours per ADD for comparison.
//   npm run build -w @cnikit/ipam && node benchmarks/ipam/file-store-vs-host-local.mjs [N]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostLocal } from '@cnikit/ipam';

const N = Number(process.argv[2] ?? 200);
const BIN = '/usr/lib/cni/host-local';
const dir = mkdtempSync(join(tmpdir(), 'cnikit-ipam-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const net = (name) => ({
  name,
  ipam: { type: 'host-local', ranges: [[{ subnet: '10.128.0.0/14' }]], dataDir: dir },
});

try {
  const ours = new HostLocal(net('ours'));
  await ours.add({ containerId: 'warm-up', ifname: 'eth0' }); // starts the flock helper
  const add = [];
  const del = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await ours.add({ containerId: `c${i}`, ifname: 'eth0' });
    add.push(performance.now() - t);
  }
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await ours.del({ containerId: `c${i}`, ifname: 'eth0' });
    del.push(performance.now() - t);
  }
  await ours.close();

  const hl = { add: [], del: [] };
  if (existsSync(BIN)) {
    const config = JSON.stringify({
      cniVersion: '1.0.0',
      name: 'hl',
      type: 'host-local',
      ipam: net('hl').ipam,
    });
    for (const command of ['ADD', 'DEL']) {
      for (let i = 0; i < N; i++) {
        const t = performance.now();
        const r = spawnSync(BIN, [], {
          input: config,
          env: {
            CNI_COMMAND: command,
            CNI_CONTAINERID: `c${i}`,
            CNI_NETNS: '/var/run/netns/x',
            CNI_IFNAME: 'eth0',
            CNI_PATH: '/usr/lib/cni',
          },
        });
        if (r.status !== 0) throw new Error(`host-local ${command}: ${r.stdout}`);
        hl[command.toLowerCase()].push(performance.now() - t);
      }
    }
  }

  // A whole process of ours: node starting, importing the package, one ADD.
  // Inside the repository, so that `@cnikit/ipam` resolves (ESM ignores NODE_PATH).
  // node_modules/.cache does not exist in a fresh clone until some tool makes it.
  const cacheDir = join(process.cwd(), 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const scriptDir = mkdtempSync(join(cacheDir, 'cnikit-ipam-bench-'));
  const script = join(scriptDir, 'one-add.mjs');
  writeFileSync(
    script,
    `import { HostLocal } from '@cnikit/ipam';\nconst h = new HostLocal(${JSON.stringify(net('proc'))});\nawait h.add({ containerId: process.argv[2], ifname: 'eth0' });\nawait h.close();\n`,
  );
  const proc = [];
  const procN = Math.min(N, 20);
  for (let i = 0; i < procN; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [script, `p${i}`]);
    if (r.status !== 0) throw new Error(String(r.stderr));
    proc.push(performance.now() - t);
  }
  rmSync(scriptDir, { recursive: true, force: true });
  const f = (x) => (x === undefined ? 'n/a' : `${x.toFixed(2)} ms`);
  console.log(
    `load average ${(await import('node:os'))
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; N=${N}; medians:`,
  );
  console.log(`  ours, file store op in-process: ADD ${f(median(add))}, DEL ${f(median(del))}`);
  console.log(`  host-local binary, whole process: ADD ${f(median(hl.add))}, DEL ${f(median(hl.del))}`);
  console.log(
    `  ours, whole node process per ADD (${procN} runs, node start, import, perl flock helper start): ${f(median(proc))}`,
  );
  if (hl.add.length)
    console.log(
      `  ratio ours ADD op / host-local ADD: ${(median(add) / median(hl.add)).toFixed(2)} (goal <= 0.1)`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
