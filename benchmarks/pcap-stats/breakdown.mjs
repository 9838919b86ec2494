#!/usr/bin/env node
// Where `cnikit stats` spends its time, per packet, in one process: the reader, the dissection
// engine, and each layer dissector on its own. Packets are generated in memory (as run.mjs does)
// so file I/O is left out. Usage: node benchmarks/pcap-stats/breakdown.mjs [--mib=32]
import { resolve } from 'node:path';
import { ethernetDissectors } from '@cnikit/ethernet';
import { pcapLinkDissectors, readCapture, writePcapFileHeader, writePcapRecord } from '@cnikit/pcap';
import { VxlanPort, vxlanDissectorsForPorts } from '@cnikit/vxlan';
import { composeDissectors, dissect, dissectLayerPath, LINK_TABLE } from '@cnikit/wire';
import { loadTemplates } from './generate.mjs';

const here = import.meta.dirname;
const corpus = process.env.CNIKIT_CORPUS ?? resolve(here, '../../../shared/corpus');
const sizeArg = process.argv.find((a) => a.startsWith('--mib='));
const SIZE = (sizeArg ? Number(sizeArg.slice(6)) : 32) * 1024 * 1024;

// The CLI's registry (packages/pcap/src/cli/protocols.ts), composed the same way.
const sets = [
  pcapLinkDissectors,
  ethernetDissectors,
  vxlanDissectorsForPorts([VxlanPort.IANA, VxlanPort.Linux]),
];
const registry = composeDissectors(...sets);

const templates = loadTemplates(corpus);
const file = new Uint8Array(SIZE + 70_000);
let at = writePcapFileHeader({ linkType: 1 }, file, 0);
let timestamp = 1_700_000_000_000_000_000n;
for (let i = 0; at < SIZE; i++) {
  at += writePcapRecord({ data: templates[i % templates.length], timestamp }, { linkType: 1 }, file, at);
  timestamp += 10_000n;
}
const bytes = file.subarray(0, at);
const packets = [...readCapture(bytes)];
const n = packets.length;

/** Best of `rounds` timings of fn(), in ns per packet. */
function perPacket(fn, rounds = 9) {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / n);
  }
  return best;
}

const first = (p) => ({ table: LINK_TABLE, key: p.linkType });
const path = [];
const rows = [
  [
    'readCapture (sync, in memory), count',
    perPacket(() => {
      let c = 0;
      for (const _ of readCapture(bytes)) c++;
      if (c !== n) throw new Error(`counted ${c} packets, expected ${n}`);
    }),
  ],
  [
    'dissect (full trees)',
    perPacket(() => {
      for (const p of packets) dissect(registry, p.data, first(p), 0, p.data.length, p.originalLength);
    }),
  ],
  [
    'dissectLayerPath (names only)',
    perPacket(() => {
      for (const p of packets)
        dissectLayerPath(registry, p.data, first(p), 0, p.data.length, p.originalLength, path);
    }),
  ],
];

// Each layer dissector alone over the exact inputs the engine gave it: what the layers cost.
const calls = new Map();
const recording = composeDissectors(
  ...sets.map((s) => ({
    ...s,
    layers: Object.fromEntries(
      Object.entries(s.layers).map(([name, d]) => [
        name,
        (buf, start, end, context) => {
          let list = calls.get(name);
          if (!list) calls.set(name, (list = []));
          list.push([buf, start, end, context]);
          return d(buf, start, end, context);
        },
      ]),
    ),
  })),
);
for (const p of packets) dissect(recording, p.data, first(p), 0, p.data.length, p.originalLength);
let layerSum = 0;
const layerRows = [];
for (const [name, list] of calls) {
  const d = registry.layers.get(name);
  const ns = perPacket(() => {
    for (const [buf, start, end, context] of list) {
      try {
        d(buf, start, end, context);
      } catch {}
    }
  });
  layerSum += ns;
  layerRows.push([
    `  layer ${name} (${list.length} calls, ${((ns * n) / list.length).toFixed(0)} ns/call)`,
    ns,
  ]);
}
layerRows.sort((a, b) => b[1] - a[1]);
rows.push(['sum of the layer dissectors alone', layerSum], ...layerRows);

console.log(
  `${n} packets, ${(bytes.length / 1024 / 1024).toFixed(0)} MiB, in memory; ns per packet (best of 9)\n`,
);
console.log('| work | ns/packet |\n|---|---:|');
for (const [name, ns] of rows) console.log(`| ${name} | ${ns.toFixed(0)} |`);
