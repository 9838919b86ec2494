#!/usr/bin/env node
/**
 * Two BGP speakers in one process on loopback: B (AS 65002) connects to A (AS 65001), the OPEN
 * exchange is printed with the BGP dissector (the Wireshark field names), A announces a route and
 * B's Loc-RIB shows it, then A shuts down with an RFC 9003 message.
 *
 *   npm run build && node examples/bgp-speakers/speakers.mjs
 */
import {
  BgpSpeaker,
  community,
  dissectBgp,
  encodeMessage,
  formatCommunity,
  shutdownCommunication,
} from '@cnikit/bgp';
import { formatTree } from '@cnikit/wire';

const once = (emitter, event) => new Promise((resolve) => emitter.once(event, (...args) => resolve(args)));

/** Runs the example, printing each line with `print`. */
export async function speakers(print = console.log) {
  const a = new BgpSpeaker({ asn: 65001, routerId: '192.0.2.1', listen: { host: '127.0.0.1', port: 0 } });
  const b = new BgpSpeaker({ asn: 65002, routerId: '192.0.2.2', listen: { host: '127.0.0.2', port: 0 } });
  try {
    await Promise.all([a.listening, b.listening]);
    b.on('stateChange', (peer, from, to) => print(`B ↔ ${peer.address}: ${from} → ${to}`));
    a.addPeer({ address: '127.0.0.2', asn: 65002, passive: true, holdTime: 30 });
    const up = once(b, 'peerUp');
    b.addPeer({ address: '127.0.0.1', asn: 65001, port: a.port, holdTime: 90 });
    const [peer] = await up;

    for (const [who, open] of [
      ['B sent', peer.localOpen],
      ['A sent', peer.remoteOpen],
    ]) {
      const bytes = encodeMessage(open);
      print(`\n${who} (${bytes.length} bytes):`);
      print(formatTree([dissectBgp(bytes, 0, bytes.length, {}).node]));
    }
    print(
      `\nnegotiated: hold ${peer.holdTime} s, keepalive ${peer.keepaliveTime} s, 4-octet AS ${peer.fourOctetAs}, families ${peer.families.join(' ')}`,
    );

    const best = once(b, 'bestPathChange');
    a.announce(['10.42.0.0/24'], { med: 10, communities: [community(65001, 42)] });
    const [change] = await best;
    const r = change.best;
    const path = r.asPath.flatMap((s) => s.asns).join(' ');
    print(
      `B's best path to ${r.prefix}: via ${r.nextHop}, AS path ${path}, MED ${r.med}, ${r.communities.map(formatCommunity).join(' ')}`,
    );

    const down = once(b, 'peerDown');
    await a.close('maintenance: back in 10 minutes');
    const [, reason, notification] = await down;
    print(
      `B: peer down (${reason}): Cease ${notification.code}/${notification.subcode} "${shutdownCommunication(notification)}"`,
    );
    print(`B's Loc-RIB now holds ${b.routes().length} routes`);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await speakers();
