#!/usr/bin/env node
// cnikit stats on a 1 GiB capture: peak RSS (must stay under 150 MiB) and throughput next to
// `tshark -r FILE -q` and the npm pcap-parser package, in the same run. See README.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCapture, loadTemplates } from './generate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const corpus = process.env.CNIKIT_CORPUS ?? resolve(repo, '../shared/corpus');
const bin = join(repo, 'packages/pcap/bin/cnikit.js');
const sizeArg = process.argv.find((a) => a.startsWith('--mib='));
const SIZE = (sizeArg ? Number(sizeArg.slice(6)) : 1024) * 1024 * 1024;
// `dissect --json` against `tshark -T json` writes every field of every packet: a smaller file.
const jsonArg = process.argv.find((a) => a.startsWith('--json-mib='));
const JSON_SIZE = (jsonArg ? Number(jsonArg.slice(11)) : 32) * 1024 * 1024;
const RSS_LIMIT_MIB = 150;
const MiB = 1024 * 1024;

if (!existsSync(join(repo, 'packages/pcap/dist/cli.js'))) {
  console.error('build first: npm run build');
  process.exit(2);
}
const haveTime = existsSync('/usr/bin/time');
const haveTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/** Runs a command to completion: wall seconds, peak RSS in KiB and its stdout. */
async function measure(command, args) {
  const started = process.hrtime.bigint();
  if (haveTime) {
    const r = spawnSync('/usr/bin/time', ['-v', command, ...args], { encoding: 'utf8', maxBuffer: 64 * MiB });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr.slice(-2000)}`);
    const peak = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1]);
    return { seconds, peakKiB: peak, stdout: r.stdout };
  }
  // No /usr/bin/time: poll the child's VmHWM (peak RSS) from /proc until it exits.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  let peakKiB = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
    } catch {}
  }, 20);
  const code = await new Promise((done) => child.on('close', done));
  clearInterval(poll);
  if (code !== 0) throw new Error(`${command} exited with ${code}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, peakKiB, stdout };
}

const scratch = mkdtempSync(join(tmpdir(), 'cnikit-pcap-stats-'));
const file = join(scratch, 'bench.pcap');
try {
  process.stderr.write(`generating ${(SIZE / MiB).toFixed(0)} MiB in ${file} … `);
  const packets = await generateCapture(file, SIZE, loadTemplates(corpus));
  const bytes = statSync(file).size;
  process.stderr.write(`${packets} packets, ${(bytes / MiB).toFixed(0)} MiB\n`);

  const cases = [
    ['cnikit stats (read + dissect every layer)', process.execPath, [bin, 'stats', file]],
    ['@cnikit/pcap openCapture, count only', process.execPath, [join(here, 'cnikit-read-count.mjs'), file]],
    ['pcap-parser (npm), count only', process.execPath, [join(here, 'pcap-parser-count.mjs'), file]],
  ];
  if (haveTshark) {
    // -q alone skips building protocol trees; -z io,phs is the same work and output as cnikit stats.
    cases.push(['tshark -r FILE -q', 'tshark', ['-r', file, '-q']]);
    cases.push(['tshark -r FILE -q -z io,phs', 'tshark', ['-r', file, '-q', '-z', 'io,phs']]);
  } else console.error('tshark not installed: its row is missing');

  const rows = [];
  for (const [name, command, args] of cases) {
    process.stderr.write(`running ${name} … `);
    const r = await measure(command, args);
    process.stderr.write(`${r.seconds.toFixed(1)} s\n`);
    rows.push({ name, ...r });
  }

  // The packet counts must agree, or the figures compare different work.
  const statsFrames = Number(/^eth +frames:(\d+)/m.exec(rows[0].stdout)?.[1]);
  const counted = [statsFrames, Number(rows[1].stdout), Number(rows[2].stdout)];
  const phs = rows.find((r) => r.name.endsWith('io,phs'));
  if (phs) counted.push(Number(/^eth +frames:(\d+)/m.exec(phs.stdout)?.[1]));
  if (counted.some((n) => n !== packets)) throw new Error(`packet counts disagree: ${counted} vs ${packets}`);

  const tshark = rows.find((r) => r.name === 'tshark -r FILE -q');
  console.log(
    `\n${packets} packets, ${(bytes / MiB).toFixed(0)} MiB (mean ${(bytes / packets).toFixed(0)} bytes/record), ${haveTime ? '/usr/bin/time -v' : '/proc VmHWM'} for peak RSS\n`,
  );
  console.log('| reader | seconds | MiB/s | packets/s | peak RSS MiB | time vs tshark |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const ratio = tshark ? `${(r.seconds / tshark.seconds).toFixed(2)}×` : 'n/a';
    console.log(
      `| ${r.name} | ${r.seconds.toFixed(1)} | ${(bytes / MiB / r.seconds).toFixed(0)} | ${Math.round(packets / r.seconds).toLocaleString('en')} | ${(r.peakKiB / 1024).toFixed(0)} | ${ratio} |`,
    );
  }
  const peak = rows[0].peakKiB / 1024;
  console.log(
    `\ncnikit stats peak RSS ${peak.toFixed(0)} MiB (limit ${RSS_LIMIT_MIB} MiB): ${peak < RSS_LIMIT_MIB ? 'OK' : 'OVER'}`,
  );
  if (peak >= RSS_LIMIT_MIB) process.exitCode = 1;

  if (haveTshark) await compareJson();
  else console.error('tshark not installed: dissect --json vs tshark -T json skipped');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/**
 * `cnikit dissect --json FILE` (NDJSON, a line per packet) against `tshark -r FILE -T json` (an
 * array, an `_index` per packet) on one file: the two commands people compare. The output goes
 * through a counter (`wc -l`, `grep -c`), so both print every packet and both counts are checked.
 */
async function compareJson() {
  const jsonFile = join(scratch, 'json.pcap');
  const packets = await generateCapture(jsonFile, JSON_SIZE, loadTemplates(corpus));
  const mib = statSync(jsonFile).size / MiB;
  const node = `'${process.execPath}' '${bin}'`;
  const pairs = [
    ['cnikit dissect --json', `${node} dissect --json '${jsonFile}' | wc -l`],
    ['tshark -T json', `tshark -r '${jsonFile}' -T json | grep -c '"_index":'`],
  ];
  const rows = [];
  for (const [name, script] of pairs) {
    process.stderr.write(`running ${name} on ${mib.toFixed(0)} MiB … `);
    const r = await measure('sh', ['-c', script]);
    process.stderr.write(`${r.seconds.toFixed(1)} s\n`);
    if (Number(r.stdout) !== packets)
      throw new Error(`${name} printed ${Number(r.stdout)} packets, expected ${packets}`);
    rows.push({ name, ...r });
  }
  const [ours, tshark] = rows;
  console.log(`\n${packets} packets, ${mib.toFixed(0)} MiB: every field of every packet as JSON\n`);
  console.log('| command | seconds | packets/s | peak RSS MiB | time vs tshark -T json |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.seconds.toFixed(1)} | ${Math.round(packets / r.seconds).toLocaleString('en')} | ${(r.peakKiB / 1024).toFixed(0)} | ${(r.seconds / tshark.seconds).toFixed(2)}× |`,
    );
  }
  console.log(
    `\ncnikit dissect --json is ${(tshark.seconds / ours.seconds).toFixed(1)}× faster than tshark -T json`,
  );
}
