// Runs BgpSpeakers inside a network namespace for the daemon interop tests (started with
// `ip netns exec`): one JSON command per stdin line, one JSON reply or event per stdout line.
import { createInterface } from 'node:readline';
import { nativeNetlink } from '@cnikit/netlink';
import { BgpSpeaker, type BgpSpeakerOptions, type EvpnRouteSpec, type PeerOptions } from '../../src/index.js';

const speakers = new Map<string, BgpSpeaker>();
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);

type Command =
  | { id: number; cmd: 'speaker'; name: string; options: BgpSpeakerOptions; peers: PeerOptions[] }
  | { id: number; cmd: 'announce'; name: string; prefixes: string[]; attributes: Record<string, unknown> }
  | { id: number; cmd: 'withdraw'; name: string; prefixes: string[] }
  | {
      id: number;
      cmd: 'announceEvpn';
      name: string;
      routes: EvpnRouteSpec[];
      attributes: Record<string, unknown>;
    }
  | { id: number; cmd: 'withdrawEvpn'; name: string; routes: EvpnRouteSpec[] }
  | { id: number; cmd: 'adjRibOut'; name: string; peer: string }
  | { id: number; cmd: 'refresh'; name: string; peer: string }
  | { id: number; cmd: 'multipath'; name: string; prefix: string }
  | { id: number; cmd: 'state'; name: string }
  | { id: number; cmd: 'adjRibIn'; name: string; peer: string }
  | { id: number; cmd: 'close' };

async function run(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'speaker': {
      // `nativeSetsockopt: true` stands for the addon's setsockopt (a function cannot travel as JSON).
      const { nativeSetsockopt, ...options } = c.options as BgpSpeakerOptions & {
        nativeSetsockopt?: boolean;
      };
      const s = new BgpSpeaker(
        nativeSetsockopt
          ? {
              ...options,
              setsockopt: nativeNetlink().setsockopt,
              setsockoptBytes: nativeNetlink().setsockoptBytes,
            }
          : options,
      );
      speakers.set(c.name, s);
      await s.listening;
      s.on('peerUp', (p) => out({ event: 'peerUp', name: c.name, peer: p.address, at: Date.now() }));
      s.on('peerDown', (p, reason, n, sent) =>
        out({
          event: 'peerDown',
          name: c.name,
          peer: p.address,
          reason,
          code: n?.code,
          subcode: n?.subcode,
          sent,
          at: Date.now(),
        }),
      );
      s.on('routeRefresh', (p, family, kind) =>
        out({ event: 'routeRefresh', name: c.name, peer: p.address, family, reason: kind, at: Date.now() }),
      );
      s.on('error', (e, p) => out({ event: 'error', name: c.name, peer: p?.address, message: e.message }));
      for (const p of c.peers) s.addPeer(p);
      return 'ok';
    }
    case 'announce':
      speakers.get(c.name)?.announce(c.prefixes, c.attributes);
      return 'ok';
    case 'withdraw':
      speakers.get(c.name)?.withdraw(c.prefixes);
      return 'ok';
    case 'announceEvpn':
      speakers.get(c.name)?.announceEvpn(c.routes, c.attributes);
      return 'ok';
    case 'withdrawEvpn':
      speakers.get(c.name)?.withdrawEvpn(c.routes);
      return 'ok';
    case 'multipath':
      return speakers.get(c.name)?.multipath(c.prefix);
    case 'refresh':
      return speakers.get(c.name)?.requestRefresh(c.peer);
    case 'adjRibOut':
      return speakers.get(c.name)?.adjRibOut(c.peer);
    case 'state': {
      const s = speakers.get(c.name);
      return (
        s && {
          peers: s.peerInfo().map(({ localOpen: _l, remoteOpen: _r, ...rest }) => rest),
          routes: s.routes(),
        }
      );
    }
    case 'adjRibIn':
      return speakers.get(c.name)?.adjRibIn(c.peer);
    case 'close':
      await Promise.all([...speakers.values()].map((s) => s.close('interop test done')));
      return 'ok';
  }
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line) as Command;
  run(c).then(
    (result) => out({ id: c.id, result }),
    (e: Error) => out({ id: c.id, error: e.message }),
  );
});
process.stdin.on('end', () => process.exit(0));
