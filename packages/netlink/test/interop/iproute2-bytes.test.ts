/**
 * Link kinds this kernel lacks (vlan, ipvlan, dummy, geneve, wireguard): the RTM_NEWLINK we send
 * is byte for byte what iproute2 sends for the same command (captured with `strace -xx -e
 * write=all`), and the kernel's refusal arrives as a NetlinkError with its extended-ack text.
 * Kinds it has (veth, bridge, macvlan) are compared the same way.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../../../test/support/netns.js';
import { encodeLinkCreate, type LinkAttributes, Netlink, NetlinkError } from '../../src/index.js';
import { kernelBlocker, netlinkLab, nsPath } from '../kernel.js';

const blocker = kernelBlocker('netlink request bytes against iproute2', ['strace']);

/** Every message `ip` wrote with sendmsg, from strace's hex dumps. */
function capture(ns: string, args: string): Uint8Array[] {
  const r = spawnSync(
    'ip',
    [
      'netns',
      'exec',
      ns,
      'strace',
      '-xx',
      '-s',
      '65535',
      '-e',
      'trace=sendmsg',
      '-e',
      'write=all',
      'ip',
      ...args.split(' '),
    ],
    { encoding: 'utf8' },
  );
  const out: Uint8Array[] = [];
  let current: number[] | undefined;
  for (const line of r.stderr.split('\n')) {
    if (line.startsWith('sendmsg(')) {
      current = [];
      out.push(Uint8Array.from([]));
      continue;
    }
    const m = /^ \| [0-9a-f]{5} {2}((?:[0-9a-f]{2} {1,2})+)/.exec(line);
    if (m && current) {
      for (const h of m[1].trim().split(/\s+/)) current.push(Number.parseInt(h, 16));
      out[out.length - 1] = Uint8Array.from(current);
    }
  }
  return out;
}

/** The RTM_NEWLINK (type 16) that `ip link add` sent, sequence number zeroed. */
function ipNewlink(ns: string, args: string): Uint8Array {
  const msg = capture(ns, args).find((m) => m.length >= 16 && m[4] === 16 && m[5] === 0);
  if (!msg) throw new Error(`no RTM_NEWLINK captured for ip ${args}`);
  msg.fill(0, 8, 12);
  return msg;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

describe.skipIf(blocker)('RTM_NEWLINK bytes equal iproute2 (strace capture)', () => {
  let lab: Lab;
  let ns: string;
  let nl: Netlink;
  let parent: number;

  beforeAll(async () => {
    lab = netlinkLab();
    ns = lab.ns('bytes');
    lab.run(ns, 'ip link add p0 type veth peer name p1');
    nl = await Netlink.open({ netns: nsPath(ns) });
    parent = (await nl.links.get('p0')).index;
  });
  afterAll(() => {
    nl?.close();
    lab?.cleanup();
  });

  const missing: [string, string, () => LinkAttributes & { name: string }][] = [
    ['dummy', 'link add name d0 type dummy', () => ({ name: 'd0', kind: 'dummy' })],
    ['wireguard', 'link add name wg0 type wireguard', () => ({ name: 'wg0', kind: 'wireguard' })],
    [
      'vlan 802.1Q',
      'link add link p0 name p0.10 type vlan id 10',
      () => ({ name: 'p0.10', link: parent, kind: 'vlan', vlan: { id: 10 } }),
    ],
    [
      'vlan 802.1ad',
      'link add link p0 name p0.11 type vlan protocol 802.1ad id 11',
      () => ({ name: 'p0.11', link: parent, kind: 'vlan', vlan: { id: 11, protocol: '802.1ad' } }),
    ],
    [
      'ipvlan l3',
      'link add link p0 name ipv0 type ipvlan mode l3',
      () => ({ name: 'ipv0', link: parent, kind: 'ipvlan', ipvlan: { mode: 'l3' } }),
    ],
    [
      'ipvlan l2 with mtu',
      'link add link p0 name ipv1 mtu 1400 type ipvlan mode l2',
      () => ({ name: 'ipv1', link: parent, mtu: 1400, kind: 'ipvlan', ipvlan: { mode: 'l2' } }),
    ],
    [
      'geneve',
      'link add name gnv0 type geneve id 5 remote 10.1.1.1 ttl 9 tos 3 dstport 6081',
      () => ({
        name: 'gnv0',
        kind: 'geneve',
        geneve: { id: 5, remote: '10.1.1.1', ttl: 9, tos: 3, port: 6081 },
      }),
    ],
  ];

  for (const [what, args, link] of missing) {
    it(`${what}: same bytes as ip ${args}; the kernel refuses with a typed error`, async () => {
      const theirs = ipNewlink(ns, args);
      const ours = encodeLinkCreate(link());
      expect(hex(ours)).toBe(hex(theirs));
      const e = await nl.links.create(link()).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(NetlinkError);
      expect((e as NetlinkError).code).toBe('EOPNOTSUPP');
      expect((e as NetlinkError).extAck.message).toBe('Unknown device type');
      expect(lab.run(ns, 'ip -o link show').trim().split('\n')).toHaveLength(3);
    });
  }

  const present: [string, string, () => LinkAttributes & { name: string }][] = [
    [
      'veth',
      'link add name x0 type veth peer name x1',
      () => ({ name: 'x0', kind: 'veth', veth: { peer: { name: 'x1' } } }),
    ],
    ['bridge', 'link add name br9 type bridge', () => ({ name: 'br9', kind: 'bridge' })],
    [
      'macvlan',
      'link add link p0 name mv9 type macvlan mode bridge',
      () => ({ name: 'mv9', link: parent, kind: 'macvlan', macvlan: { mode: 'bridge' } }),
    ],
  ];
  for (const [what, args, link] of present) {
    it(`${what}: same bytes as ip ${args}`, () => {
      const theirs = ipNewlink(ns, args);
      lab.run(ns, `ip link del ${link().name}`);
      expect(hex(encodeLinkCreate(link()))).toBe(hex(theirs));
    });
  }
});
