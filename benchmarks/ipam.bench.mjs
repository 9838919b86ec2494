/**
 * @cnikit/ipam's in-memory allocator (issue #14, "Speed"): allocate and release with 1,000,000
 * addresses held, in an IPv4 /12 and in an IPv6 /64, host-local style (round-robin from the last
 * reserved address; network, gateway and broadcast never handed out; release by container id and
 * interface).
 *
 * setup() allocates for owners 0..N-1 (N = 1,000,000); then op k releases the oldest holder and
 * allocates for a new owner (a ring of N + 1 owners), so every op runs at the full 1,000,000 held,
 * where the owner maps are largest: ns/op is an upper bound for one allocate + one release, and
 * ns/op × N the time of 1,000,000 of each (the goal: under 1 s, so ≤ 1,000 ns/op on a quiet machine).
 * Each op returns the new address's offset from the network address (low 32 bits), the same on every side.
 *
 * References, measured in the same worker, in the same state:
 *   loop         a Uint32Array bitmap scanned from the cursor + a Map from container id to offset:
 *                the least an allocator that releases by owner has to do (the target's reference);
 *   loop-bitmap  the bitmap alone, owners remembered by position (informational: what owners cost).
 * verify() fills a fresh pool with N addresses and measures the memory it holds (V8 heap +
 * typed-array backing stores, after a full GC): the IPv4 /12 case fails above 64 MiB.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { canonicalizeRanges, RangePool } from '@cnikit/ipam';

const N = 1_000_000;
const RING = N + 1;
const MEMORY_LIMIT_MIB = 64;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

let owners;
function ownersOnce() {
  if (!owners) {
    owners = [];
    for (let i = 0; i < RING; i++) owners.push({ containerId: `c${i}`, ifname: 'eth0' });
  }
  return owners;
}

/** Runs `allocate(k)` for k = 0..N-1, then returns an op that releases the oldest and allocates the next. */
function steady(allocate, release) {
  for (let k = 0; k < N; k++) allocate(k);
  let oldest = 0;
  return () => {
    release(oldest);
    const got = allocate(oldest === 0 ? N : oldest - 1);
    oldest = oldest + 1 === RING ? 0 : oldest + 1;
    return got;
  };
}

function makeOurs(subnet, network) {
  const list = ownersOnce();
  const pool = new RangePool(canonicalizeRanges({ ranges: [[{ subnet }]] }));
  const release = (k) => pool.releaseValues(list[k]);
  if (typeof network === 'number') {
    return steady((k) => Number(pool.allocateValues(list[k])[0]) - network, release);
  }
  return steady((k) => Number(BigInt.asUintN(32, pool.allocateValues(list[k])[0])), release);
}

/**
 * The hand-written reference: `size` offsets from the network address, a bitmap with the network
 * address, the gateway (offset 1) and for IPv4 the broadcast address preset, a cursor scanned forward
 * with wrap-around, and a Map container id → offset (or, without owners, an array by owner position).
 */
function makeLoop(size, ipv4, withOwners) {
  const list = ownersOnce();
  const bits = new Uint32Array(Math.ceil(size / 32));
  for (const j of ipv4 ? [0, 1, size - 1] : [0, 1]) bits[j >>> 5] |= 1 << (j & 31);
  const held = new Map();
  const byPosition = new Int32Array(withOwners ? 0 : RING);
  let last = 0;
  const allocate = (k) => {
    const id = list[k].containerId;
    if (withOwners && held.has(id)) throw new Error(`${id} already holds an address`);
    let j = last + 1 === size ? 0 : last + 1;
    while ((bits[j >>> 5] & (1 << (j & 31))) !== 0) j = j + 1 === size ? 0 : j + 1;
    bits[j >>> 5] |= 1 << (j & 31);
    last = j;
    if (withOwners) held.set(id, j);
    else byPosition[k] = j;
    return j;
  };
  const release = (k) => {
    let j;
    if (withOwners) {
      const id = list[k].containerId;
      j = held.get(id);
      held.delete(id);
    } else j = byPosition[k];
    bits[j >>> 5] &= ~(1 << (j & 31));
  };
  return steady(allocate, release);
}

function memoryUsed() {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Prints the memory a pool holds with N addresses allocated; throws above `limitMiB` (when given). */
function peakMemory(subnet, limitMiB) {
  const list = ownersOnce();
  gc();
  const before = memoryUsed();
  const pool = new RangePool(canonicalizeRanges({ ranges: [[{ subnet }]] }));
  for (let k = 0; k < N; k++) pool.allocateValues(list[k]);
  gc();
  const mib = (memoryUsed() - before) / 2 ** 20;
  if (pool.size !== N) throw new Error(`${subnet}: ${pool.size} held, expected ${N}`);
  for (let k = 0; k < N; k++) pool.releaseValues(list[k]);
  if (pool.size !== 0) throw new Error(`${subnet}: ${pool.size} left after releasing everything`);
  const note = `${subnet}: ${N} addresses held in ${mib.toFixed(1)} MiB (V8 heap + typed arrays, after GC)`;
  if (limitMiB !== undefined && mib > limitMiB) throw new Error(`${note}: over the ${limitMiB} MiB goal`);
  process.stderr.write(`  ${note}\n`);
}

export const cases = [
  {
    id: 'ipam-pool-ipv4-1m',
    title: '(a) RangePool: release + allocate with 1,000,000 held, IPv4 /12',
    setup() {
      return {
        ours: makeOurs('10.0.0.0/12', 0x0a000000),
        loop: makeLoop(1 << 20, true, true),
        'loop-bitmap': makeLoop(1 << 20, true, false),
      };
    },
    verify: () => peakMemory('10.0.0.0/12', MEMORY_LIMIT_MIB),
    targets: [{ vs: 'loop', max: 2 }],
  },
  {
    id: 'ipam-pool-ipv6-1m',
    title: '(b) RangePool: release + allocate with 1,000,000 held, IPv6 /64',
    setup() {
      return {
        ours: makeOurs('fd00::/64', undefined),
        // A /64 has no bitmap; the loop's covers the first 2^24 offsets, more than a run's ops reach.
        loop: makeLoop(1 << 24, false, true),
        'loop-bitmap': makeLoop(1 << 24, false, false),
      };
    },
    verify: () => peakMemory('fd00::/64'),
    targets: [{ vs: 'loop', max: 2.5 }],
  },
];
