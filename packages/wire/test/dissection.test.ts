import {
  composeDissectors,
  DecodeError,
  type DissectContext,
  type DissectionNode,
  type DissectorSet,
  dissect,
  findField,
  formatIpv4,
  formatMac,
  formatTree,
  type IpContext,
  type LayerDissector,
  LINK_TABLE,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_RAW,
  parseBytes,
  readIpv4,
  readU16,
  requireBytes,
  walkNodes,
} from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

/** dns_tcp.pcap frame 4 cut to Ethernet + IPv4 + the first 4 TCP bytes (ports 33779 → 53). */
const frame = parseBytes(`
  00 11 22 33 44 66 00 11 22 33 44 55 08 00 45 00
  00 62 9b 2a 40 00 40 06 13 4e c0 a8 01 0b d1 57
  f9 12 83 f3 00 35`);

/** Toy dissectors, just enough of Ethernet and IPv4 to drive the engine over real bytes. */
const eth: LayerDissector = (buf, start, end) => {
  requireBytes('eth', start, 14, end);
  const type = readU16(buf, start + 12);
  return {
    node: {
      field: 'eth',
      name: 'Ethernet II',
      offset: start,
      length: 14,
      children: [
        { field: 'eth.dst', name: 'Destination', offset: start, length: 6, value: formatMac(buf, start) },
        { field: 'eth.src', name: 'Source', offset: start + 6, length: 6, value: formatMac(buf, start + 6) },
        {
          field: 'eth.type',
          name: 'Type',
          offset: start + 12,
          length: 2,
          value: type,
          display: 'Type: IPv4 (0x0800)',
        },
      ],
    },
    next: { table: 'ethertype', keys: [type], start: start + 14, end },
  };
};
const ip: LayerDissector = (buf, start, end) => {
  requireBytes('ip', start, 20, end);
  if (buf[start] >> 4 !== 4) throw new DecodeError('bad-version', 'ip', start, `version ${buf[start] >> 4}`);
  const total = readU16(buf, start + 2);
  const ipContext: IpContext = { family: 4, src: readIpv4(buf, start + 12), dst: readIpv4(buf, start + 16) };
  return {
    node: {
      field: 'ip',
      name: 'Internet Protocol Version 4',
      offset: start,
      length: 20,
      children: [
        { field: 'ip.ttl', name: 'Time to Live', offset: start + 8, length: 1, value: buf[start + 8] },
        { field: 'ip.proto', name: 'Protocol', offset: start + 9, length: 1, value: buf[start + 9] },
        {
          field: 'ip.src',
          name: 'Source Address',
          offset: start + 12,
          length: 4,
          value: formatIpv4(ipContext.src),
        },
      ],
    },
    // hands over the bytes present, even though total length says more: the frame is cut short
    next: {
      table: 'ip.proto',
      keys: [buf[start + 9]],
      start: start + 20,
      end: Math.min(end, start + total),
      ip: ipContext,
    },
  };
};
const ports: LayerDissector = (buf, start, end) => {
  requireBytes('tcp', start, 4, end);
  const src = readU16(buf, start);
  const dst = readU16(buf, start + 2);
  return {
    node: { field: 'tcp', name: 'Transmission Control Protocol', offset: start, length: 4 },
    next: { table: 'tcp.port', keys: [Math.min(src, dst), Math.max(src, dst)], start: start + 4, end },
  };
};
const toySet: DissectorSet = {
  layers: { eth, ip, tcp: ports },
  bindings: [
    { table: LINK_TABLE, key: LINKTYPE_ETHERNET, layer: 'eth' },
    { table: 'ethertype', key: 0x0800, layer: 'ip' },
    { table: LINK_TABLE, key: LINKTYPE_IPV4, layer: 'ip' },
    { table: 'ip.proto', key: 6, layer: 'tcp' },
  ],
};

/** A layer that records what it was called with and returns a node named after itself. */
function recorder(
  name: string,
  calls: { name: string; start: number; end: number; context: DissectContext }[],
) {
  return (next?: (start: number, end: number) => LayerDissection['next']): LayerDissector =>
    (_buf, start, end, context) => {
      calls.push({ name, start, end, context });
      return { node: { field: name, name, offset: start, length: end - start }, next: next?.(start, end) };
    };
}
type LayerDissection = ReturnType<LayerDissector>;

describe('composeDissectors', () => {
  it('merges layers and bindings into lookup tables', () => {
    const r = composeDissectors(toySet);
    expect([...r.layers.keys()].sort()).toEqual(['eth', 'ip', 'tcp']);
    expect(r.layers.get('ip')).toBe(ip);
    expect([...r.tables.keys()].sort()).toEqual(['ethertype', 'ip.proto', 'link']);
    expect(r.tables.get('link')?.get(1)).toBe('eth');
    expect(r.tables.get('link')?.get(228)).toBe('ip');
    expect(r.tables.get('ethertype')?.get(0x0800)).toBe('ip');
    expect(r.tables.get('ethertype')?.get(0x86dd)).toBeUndefined();
  });

  it('a later set overrides an earlier binding of the same key and a same-named layer', () => {
    const other: LayerDissector = () => ({ node: { field: 'x', name: 'x', offset: 0, length: 0 } });
    const r = composeDissectors(
      toySet,
      { layers: { myip: other }, bindings: [{ table: 'ethertype', key: 0x0800, layer: 'myip' }] },
      { layers: { tcp: other }, bindings: [] },
    );
    expect(r.tables.get('ethertype')?.get(0x0800)).toBe('myip');
    expect(r.tables.get('link')?.get(228)).toBe('ip'); // other keys untouched
    expect(r.layers.get('tcp')).toBe(other);
    expect(r.layers.get('ip')).toBe(ip);
    // and the reverse order gives the reverse result
    const reversed = composeDissectors(
      { layers: { myip: other }, bindings: [{ table: 'ethertype', key: 0x0800, layer: 'myip' }] },
      toySet,
    );
    expect(reversed.tables.get('ethertype')?.get(0x0800)).toBe('ip');
  });

  it('within one set, the last binding of a key wins', () => {
    const r = composeDissectors({
      layers: {},
      bindings: [
        { table: 't', key: 1, layer: 'a' },
        { table: 't', key: 1, layer: 'b' },
      ],
    });
    expect(r.tables.get('t')?.get(1)).toBe('b');
  });

  it('composing nothing gives empty tables, and the inputs are not modified', () => {
    const r = composeDissectors();
    expect(r.layers.size).toBe(0);
    expect(r.tables.size).toBe(0);
    const before = JSON.stringify(toySet.bindings);
    composeDissectors(toySet, { layers: {}, bindings: [{ table: 'ethertype', key: 0x0800, layer: 'z' }] });
    expect(JSON.stringify(toySet.bindings)).toBe(before);
    expect(composeDissectors(toySet).tables.get('ethertype')?.get(0x0800)).toBe('ip');
  });
});

describe('dissect', () => {
  const registry = composeDissectors(toySet);

  it('walks a real frame layer by layer from LINKTYPE_ETHERNET by default', () => {
    const d = dissect(registry, frame);
    expect(d.malformed).toBeUndefined();
    expect(d.layers.map((l) => l.field)).toEqual(['eth', 'ip', 'tcp']);
    expect(findField(d.layers, 'eth.src')?.value).toBe('00:11:22:33:44:55');
    expect(findField(d.layers, 'ip.src')?.value).toBe('192.168.1.11');
    expect(findField(d.layers, 'ip.ttl')?.value).toBe(64);
    expect(d.layers[2].offset).toBe(34);
  });

  it('starts from the table and key given, within start/end', () => {
    const d = dissect(registry, frame, { table: LINK_TABLE, key: LINKTYPE_IPV4 }, 14);
    expect(d.layers.map((l) => l.field)).toEqual(['ip', 'tcp']);
    expect(d.layers[0].offset).toBe(14);
    // end cuts the frame: the IPv4 layer now sees 19 bytes and is truncated
    const cut = dissect(registry, frame, { table: LINK_TABLE, key: LINKTYPE_IPV4 }, 14, 33);
    expect(cut.layers).toEqual([]);
    expect(cut.malformed?.toJSON()).toStrictEqual({
      code: 'truncated',
      layer: 'ip',
      offset: 14,
      reason: 'needs 20 bytes, only 19 left',
    });
  });

  it('exports the pcap LINKTYPE numbers', () => {
    expect([LINK_TABLE, LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6]).toEqual([
      'link',
      1,
      101,
      228,
      229,
    ]);
  });

  it('bytes no layer claims become one Wireshark-style `data` node, zero-copy', () => {
    const ipOnly = composeDissectors({ layers: { eth, ip }, bindings: toySet.bindings });
    const d = dissect(ipOnly, frame);
    expect(d.malformed).toBeUndefined();
    expect(d.layers.map((l) => l.field)).toEqual(['eth', 'ip', 'data']);
    const data = d.layers[2];
    expect(data).toStrictEqual({
      field: 'data',
      name: 'Data',
      offset: 34,
      length: 4,
      display: 'Data (4 bytes)',
      children: [
        { field: 'data.data', name: 'Data', offset: 34, length: 4, value: frame.subarray(34, 38) },
        { field: 'data.len', name: 'Length', offset: 34, length: 0, value: 4 },
      ],
    });
    const bytes = data.children?.[0].value as Uint8Array;
    expect(bytes.buffer).toBe(frame.buffer);
    expect(bytes.byteOffset).toBe(34);
  });

  it('an unknown key, an unknown table, or a binding to a missing layer all end in `data`', () => {
    const unknownKey = dissect(registry, frame, { table: LINK_TABLE, key: 9999 });
    expect(unknownKey.layers.map((l) => [l.field, l.offset, l.length])).toEqual([['data', 0, 38]]);
    const unknownTable = dissect(registry, frame, { table: 'nope', key: 1 });
    expect(unknownTable.layers.map((l) => [l.field, l.length])).toEqual([['data', 38]]);
    const dangling = composeDissectors(toySet, {
      layers: {},
      bindings: [{ table: 'ethertype', key: 0x0800, layer: 'not-registered' }],
    });
    const d = dissect(dangling, frame);
    expect(d.layers.map((l) => [l.field, l.offset, l.length])).toEqual([
      ['eth', 0, 14],
      ['data', 14, 24],
    ]);
    expect(d.malformed).toBeUndefined();
  });

  it('no `data` node when nothing is left over', () => {
    const ethOnly = composeDissectors({
      layers: { eth },
      bindings: [{ table: LINK_TABLE, key: 1, layer: 'eth' }],
    });
    expect(dissect(ethOnly, frame.subarray(0, 15)).layers.map((l) => l.field)).toEqual(['eth', 'data']);
    const d = dissect(ethOnly, frame.subarray(0, 14));
    expect(d.layers.map((l) => l.field)).toEqual(['eth']);
    expect(d.malformed).toBeUndefined();
  });

  it('looks keys up in order: the first bound key wins', () => {
    const seen: string[] = [];
    const layer =
      (name: string): LayerDissector =>
      (_b, start) => {
        seen.push(name);
        return { node: { field: name, name, offset: start, length: 0 } };
      };
    const r = composeDissectors(toySet, {
      layers: { dns: layer('dns'), other: layer('other') },
      bindings: [
        { table: 'tcp.port', key: 53, layer: 'dns' },
        { table: 'tcp.port', key: 33779, layer: 'other' },
      ],
    });
    // ports dissector hands over keys [53, 33779]: the lower port is tried first
    expect(dissect(r, frame).layers.map((l) => l.field)).toEqual(['eth', 'ip', 'tcp', 'dns']);
    expect(seen).toEqual(['dns']);
    // with 53 unbound, the second key is used
    const r2 = composeDissectors(toySet, {
      layers: { other: layer('other') },
      bindings: [{ table: 'tcp.port', key: 33779, layer: 'other' }],
    });
    expect(dissect(r2, frame).layers.map((l) => l.field)).toEqual(['eth', 'ip', 'tcp', 'other']);
  });

  it('a DecodeError becomes `malformed`, keeping the layers before it', () => {
    const bad = frame.slice();
    bad[14] = 0x65; // IP version 6 inside an IPv4 ethertype
    const d = dissect(registry, bad);
    expect(d.layers.map((l) => l.field)).toEqual(['eth']);
    expect(d.malformed).toBeInstanceOf(DecodeError);
    expect(d.malformed?.toJSON()).toStrictEqual({
      code: 'bad-version',
      layer: 'ip',
      offset: 14,
      reason: 'version 6',
    });
    const truncated = dissect(registry, frame.subarray(0, 30));
    expect(truncated.layers.map((l) => l.field)).toEqual(['eth']);
    expect(truncated.malformed?.code).toBe('truncated');
    expect(truncated.malformed?.offset).toBe(14);
  });

  it('anything that is not a DecodeError is a bug and is rethrown', () => {
    for (const error of [
      new RangeError('offset is outside the bounds'),
      new TypeError('x is undefined'),
      new Error('plain'),
    ]) {
      const r = composeDissectors(toySet, {
        layers: {
          tcp: () => {
            throw error;
          },
        },
        bindings: [],
      });
      expect(() => dissect(r, frame)).toThrow(error);
    }
  });

  it('a layer handing over bytes outside the frame is malformed (bad-length), its node kept', () => {
    const handsOver =
      (next: { start: number; end: number }): LayerDissector =>
      (_b, start, end) => ({
        node: { field: 'evil', name: 'Evil', offset: start, length: end - start },
        next: { table: 'x', keys: [1], ...next },
      });
    for (const next of [
      { start: 10, end: 39 }, // past the end of the buffer
      { start: -1, end: 10 }, // before its start
      { start: 20, end: 10 }, // inverted
    ]) {
      const r = composeDissectors({
        layers: { evil: handsOver(next) },
        bindings: [{ table: 'link', key: 1, layer: 'evil' }],
      });
      const d = dissect(r, frame);
      expect(d.layers.map((l) => l.field)).toEqual(['evil']);
      expect(d.malformed?.toJSON()).toStrictEqual({
        code: 'bad-length',
        layer: 'evil',
        offset: next.start,
        reason: 'layer hands over an out-of-range payload',
      });
    }
    // the frame is [start, end) of the buffer, not the whole buffer
    const r = composeDissectors({
      layers: { evil: handsOver({ start: 14, end: 30 }) },
      bindings: [{ table: 'link', key: 1, layer: 'evil' }],
    });
    expect(dissect(r, frame, undefined, 0, 20).malformed?.code).toBe('bad-length');
    expect(dissect(r, frame, undefined, 16, 38).malformed?.code).toBe('bad-length');
    expect(dissect(r, frame, undefined, 0, 30).malformed).toBeUndefined();
  });

  it('bounds the depth: a layer that keeps handing over to itself ends as `too-deep`', () => {
    let calls = 0;
    const loop: LayerDissector = (_b, start, end) => {
      calls++;
      return {
        node: { field: 'ipip', name: 'IP in IP', offset: start, length: 0 },
        next: { table: 't', keys: [1], start, end },
      };
    };
    const r = composeDissectors({
      layers: { loop },
      bindings: [
        { table: 'link', key: 1, layer: 'loop' },
        { table: 't', key: 1, layer: 'loop' },
      ],
    });
    const d = dissect(r, frame);
    expect(calls).toBe(64);
    expect(d.layers).toHaveLength(64);
    expect(d.malformed?.code).toBe('too-deep');
    expect(d.malformed?.offset).toBe(0);
  });

  it('64 real layers are still fine', () => {
    let left = 64;
    const step: LayerDissector = (_b, start) => ({
      node: { field: 'step', name: 'Step', offset: start, length: 0 },
      next: --left > 0 ? { table: 't', keys: [1], start, end: start } : undefined,
    });
    const r = composeDissectors({
      layers: { step },
      bindings: [
        { table: 'link', key: 1, layer: 'step' },
        { table: 't', key: 1, layer: 'step' },
      ],
    });
    const d = dissect(r, frame);
    expect(d.layers).toHaveLength(64);
    expect(d.malformed).toBeUndefined();
  });

  it('passes the IP context on to later layers until a new one replaces it; `quoted` sticks', () => {
    const calls: { name: string; start: number; end: number; context: DissectContext }[] = [];
    const outer: IpContext = { family: 4, src: 0x0a000001, dst: 0x0a000002 };
    const inner: IpContext = { family: 6, src: new Uint8Array(16).fill(1), dst: new Uint8Array(16).fill(2) };
    const to =
      (key: number, extra: { ip?: IpContext; quoted?: boolean } = {}) =>
      (start: number, end: number) => ({
        table: 't',
        keys: [key],
        start: start + 1,
        end,
        ...extra,
      });
    const r = composeDissectors({
      layers: {
        a: recorder('a', calls)(to(2, { ip: outer })),
        b: recorder('b', calls)(to(3)),
        c: recorder('c', calls)(to(4, { quoted: true })),
        d: recorder('d', calls)(to(5, { ip: inner })),
        e: recorder('e', calls)(to(6, { quoted: false })),
        f: recorder('f', calls)(),
      },
      bindings: [
        { table: 'link', key: 1, layer: 'a' },
        ...[2, 3, 4, 5, 6].map((key, i) => ({ table: 't', key, layer: 'bcdef'[i] })),
      ],
    });
    const d = dissect(r, frame, undefined, 2, 30);
    expect(d.malformed).toBeUndefined();
    expect(calls.map((c) => [c.name, c.start, c.end])).toEqual([
      ['a', 2, 30],
      ['b', 3, 30],
      ['c', 4, 30],
      ['d', 5, 30],
      ['e', 6, 30],
      ['f', 7, 30],
    ]);
    const ctx = calls.map((c) => [c.context.ip, c.context.quoted ?? false]);
    expect(ctx[0]).toEqual([undefined, false]); // the first layer has no context
    expect(ctx[1][0]).toBe(outer);
    expect(ctx[1][1]).toBe(false);
    expect(ctx[2][0]).toBe(outer); // b handed over no ip: the outer one carries on
    expect(ctx[3]).toEqual([outer, true]); // c: quoted datagram (ICMP error)
    expect(ctx[4][0]).toBe(inner); // d: the quoted IPv6 header replaces the context
    expect(ctx[4][1]).toBe(true);
    expect(ctx[5][0]).toBe(inner);
    expect(ctx[5][1]).toBe(true); // once inside a quoted datagram, everything after is quoted
  });
});

describe('walkNodes / findField', () => {
  const tree: DissectionNode[] = [
    {
      field: 'a',
      name: 'A',
      offset: 0,
      length: 4,
      children: [
        { field: 'a.x', name: 'X', offset: 0, length: 1, value: 1 },
        {
          field: 'a.y',
          name: 'Y',
          offset: 1,
          length: 1,
          children: [{ field: 'a.y.z', name: 'Z', offset: 1, length: 1, value: 2 }],
        },
      ],
    },
    {
      field: 'b',
      name: 'B',
      offset: 4,
      length: 1,
      children: [{ field: 'a.x', name: 'X again', offset: 4, length: 1, value: 3 }],
    },
  ];
  it('walks depth-first, parents before children', () => {
    expect([...walkNodes(tree)].map((n) => n.field)).toEqual(['a', 'a.x', 'a.y', 'a.y.z', 'b', 'a.x']);
    expect([...walkNodes([])]).toEqual([]);
  });
  it('findField returns the first match in that order, or undefined', () => {
    expect(findField(tree, 'a.x')?.value).toBe(1);
    expect(findField(tree, 'a.y.z')?.value).toBe(2);
    expect(findField(tree, 'b')?.name).toBe('B');
    expect(findField(tree, 'c')).toBeUndefined();
  });
});

describe('formatTree', () => {
  it('prints one line per node, four spaces per level, like tshark -V', () => {
    const d = dissect(composeDissectors(toySet), frame);
    expect(formatTree(d.layers)).toBe(
      [
        'Ethernet II',
        '    Destination: 00:11:22:33:44:66',
        '    Source: 00:11:22:33:44:55',
        '    Type: IPv4 (0x0800)',
        'Internet Protocol Version 4',
        '    Time to Live: 64',
        '    Protocol: 6',
        '    Source Address: 192.168.1.11',
        'Transmission Control Protocol',
        '',
      ].join('\n'),
    );
  });

  it('renders each value type, and display wins over name: value', () => {
    const nodes: DissectionNode[] = [
      {
        field: 'p',
        name: 'Proto',
        offset: 0,
        length: 9,
        children: [
          { field: 'p.flag', name: 'Flag', offset: 0, length: 1, value: true },
          { field: 'p.off', name: 'Off', offset: 0, length: 1, value: false },
          { field: 'p.big', name: 'Big', offset: 1, length: 8, value: 18446744073709551615n },
          { field: 'p.bytes', name: 'Bytes', offset: 1, length: 3, value: Uint8Array.from([0, 0xab, 0x0f]) },
          { field: 'p.empty', name: 'Empty', offset: 1, length: 0, value: new Uint8Array(0) },
          { field: 'p.text', name: 'Text', offset: 1, length: 1, value: '' },
          { field: 'p.hex', name: 'Hex', offset: 1, length: 2, value: 2048, display: 'Hex: 0x0800' },
          { field: 'p.zero', name: 'Zero', offset: 1, length: 1, value: 0 },
        ],
      },
    ];
    expect(formatTree(nodes)).toBe(
      'Proto\n    Flag: True\n    Off: False\n    Big: 18446744073709551615\n    Bytes: 00:ab:0f\n    Empty: \n    Text: \n    Hex: 0x0800\n    Zero: 0\n',
    );
    expect(formatTree(nodes, '  ').split('\n')[1]).toBe('      Flag: True');
    expect(formatTree([])).toBe('');
  });
});
