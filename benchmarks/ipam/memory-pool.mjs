// In-memory allocate + release of 1,000,000 addresses (IPv4 /12, IPv6 /64) with RangePool.
// Prints ms and the memory held at the peak (all allocated): V8 heap plus typed-array backing stores,
// which live outside the heap. Run after `npm run build -w @cnikit/ipam`:
//   node --expose-gc benchmarks/ipam/memory-pool.mjs
import { canonicalizeRanges, RangePool } from '@cnikit/ipam';

const N = Number(process.env.N ?? 1_000_000);
const gc = globalThis.gc ?? (() => {});
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

function run(label, subnet) {
  gc();
  const heap0 = used();
  const pool = new RangePool(canonicalizeRanges({ ranges: [[{ subnet }]] }));
  const owners = [];
  for (let i = 0; i < N; i++) owners.push({ containerId: `c${i}`, ifname: 'eth0' });
  gc();
  const heapOwners = used();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) pool.allocateValues(owners[i]);
  const t1 = performance.now();
  gc();
  const heapPeak = used();
  for (let i = 0; i < N; i++) pool.releaseValues(owners[i]);
  const t2 = performance.now();
  if (pool.size !== 0) throw new Error('not empty');
  console.log(
    `${label}: allocate ${N} in ${(t1 - t0).toFixed(0)} ms, release in ${(t2 - t1).toFixed(0)} ms, ` +
      `total ${(t2 - t0).toFixed(0)} ms; memory held by the pool at peak ${((heapPeak - heapOwners) / 2 ** 20).toFixed(1)} MiB ` +
      `(the ${N} owner objects themselves ${((heapOwners - heap0) / 2 ** 20).toFixed(1)} MiB, not counted)`,
  );
}

run('IPv4 10.0.0.0/12', '10.0.0.0/12');
run('IPv6 fd00::/64', 'fd00::/64');
