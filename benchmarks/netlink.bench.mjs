/**
 * Netlink route dumps and veth creation against iproute2 and pyroute2 (issue #13, requirement 7):
 * whole operations, not per-op loops, so these cases `measure()` themselves in their worker (see
 * README.md). They need root (a namespace of their own) and are skipped loudly without it.
 */
import { measureRouteDump, routeDumpBlocker } from './netlink/route-dump.mjs';
import { measureVeth } from './netlink/veth.mjs';

/** A streamed dump must not keep what it has yielded: at most this much heap retained while streaming. */
const STREAMING_RETAINED_LIMIT = 4 * 2 ** 20;

function routeDumpCase(routes, pyroute2Runs) {
  return {
    id: `netlink-route-dump-${routes / 1000}k`,
    title: `netlink: dump + decode ${routes.toLocaleString('en')} routes (routes.list)`,
    blocker: routeDumpBlocker,
    async measure() {
      const r = await measureRouteDump(routes, { pyroute2Runs });
      if (r.retained > STREAMING_RETAINED_LIMIT) {
        throw new Error(`a streamed dump retained ${(r.retained / 2 ** 20).toFixed(1)} MiB of heap`);
      }
      return r;
    },
    targets: [
      { vs: 'iproute2', max: 0.5 },
      { vs: 'pyroute2', max: 0.1 },
    ],
  };
}

/** veth pairs per run: 1,000 take ~30-40 s per implementation on this loaded machine. */
const VETH_PAIRS = Number(process.env.CNIKIT_BENCH_VETHS ?? 300);

export const cases = [
  routeDumpCase(10_000, 3),
  routeDumpCase(100_000, 0),
  {
    id: 'netlink-veth-create-delete',
    title: `netlink: create + delete ${VETH_PAIRS} veth pairs (createMany, deleteMany)`,
    blocker: routeDumpBlocker,
    measure: () => measureVeth(VETH_PAIRS),
    targets: [
      { vs: 'iproute2', max: 0.5 },
      { vs: 'pyroute2', max: 0.5 },
    ],
  },
];
