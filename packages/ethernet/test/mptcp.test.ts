import {
  decodeMptcpOption,
  decodeTcpOptions,
  mptcpOptionLength,
  type TcpOption,
  tcpOptionNodes,
  tcpOptionsLength,
  writeTcpOptions,
} from '@cnikit/ethernet';
import { type DissectionNode, formatFieldValue, parseBytes, walkNodes } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

/** `field=value` of every node with a value under the option nodes, in tree order (tshark's -T pdml order). */
function fields(hex: string): string[] {
  const b = parseBytes(hex);
  const out: string[] = [];
  for (const n of walkNodes(tcpOptionNodes(b, 0, b.length))) {
    if (n.field === 'tcp.option_kind' || n.field === 'tcp.option_len' || n.field === 'mptcp') continue;
    out.push(n.value === undefined ? n.field : `${n.field}=${formatFieldValue(n.value)}`);
  }
  return out;
}

function bytesOf(options: TcpOption[]): string {
  const out = new Uint8Array(tcpOptionsLength(options));
  writeTcpOptions(options, out, 0);
  return [...out].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

// Expected values: tshark 4.0.17 (-T pdml) on frames carrying these option bytes.
describe('MPTCP option (RFC 8684, RFC 6824) as tshark 4.0.17 shows it', () => {
  it('DSS with 8-byte data ACK and DSN, DATA_FIN (length 28: tshark shows no checksum)', () => {
    const hex = '1e:1c:20:1f:01:02:03:04:05:06:07:08:11:12:13:14:15:16:17:18:21:22:23:24:00:10:ab:cd';
    expect(fields(hex)).toEqual([
      'tcp.options.mptcp.subtype=2',
      'tcp.options.mptcp.flags=31',
      'tcp.options.mptcp.datafin.flag=1',
      'tcp.options.mptcp.dseqn8.flag=1',
      'tcp.options.mptcp.dseqnpresent.flag=1',
      'tcp.options.mptcp.dataack8.flag=1',
      'tcp.options.mptcp.dataackpresent.flag=1',
      'tcp.options.mptcp.rawdataack=72623859790382856',
      'tcp.options.mptcp.rawdataseqno=1230066625199609624',
      'tcp.options.mptcp.subflowseqno=555885348',
      'tcp.options.mptcp.datalvllen=16',
    ]);
    // RFC 8684 §3.3: the two bytes after the length are the checksum.
    expect(decodeTcpOptions(parseBytes(hex), 0, 28)).toEqual([
      {
        kind: 'mptcp',
        subtype: 'dss',
        reserved: 0,
        flags: 0x1f,
        dataAck: 72623859790382856n,
        dataSequenceNumber: 1230066625199609624n,
        subflowSequenceNumber: 555885348,
        dataLevelLength: 16,
        checksum: 0xabcd,
      },
    ]);
    expect(bytesOf(decodeTcpOptions(parseBytes(hex), 0, 28))).toBe(hex);
  });

  it('MP_CAPABLE v1 third ACK with data (length 24), MP_JOIN SYN/ACK, ADD_ADDR v6 with port and HMAC', () => {
    expect(fields('1e:18:01:81:01:02:03:04:05:06:07:08:11:12:13:14:15:16:17:18:00:05:ab:cd')).toEqual([
      'tcp.options.mptcp.subtype=0',
      'tcp.options.mptcp.version=1',
      'tcp.options.mptcp.flags=129',
      'tcp.options.mptcp.checksumreq.flags=1',
      'tcp.options.mptcp.extensibility.flag=0',
      'tcp.options.mptcp.nomoresubflows.flag=0',
      'tcp.options.mptcp.sha256.flag=1',
      'tcp.options.mptcp.reserved.flag=0',
      'tcp.options.mptcp.sendkey=72623859790382856',
      'tcp.options.mptcp.recvkey=1230066625199609624',
      'tcp.options.mptcp.datalvllen=5',
      'tcp.options.mptcp.checksum=43981',
    ]);
    expect(fields('1e:10:11:07:01:02:03:04:05:06:07:08:11:12:13:14')).toEqual([
      'tcp.options.mptcp.subtype=1',
      'tcp.options.mptcp.flags=17',
      'tcp.options.mptcp.backup.flag=1',
      'tcp.options.mptcp.addrid=7',
      'tcp.options.mptcp.sendtrunchmac=72623859790382856',
      'tcp.options.mptcp.sendrand=286397204',
    ]);
    const addAddr =
      '1e:1e:31:06:20:01:0d:b8:00:00:00:00:00:00:00:00:00:00:00:01:1f:90:01:02:03:04:05:06:07:08';
    expect(fields(addAddr)).toEqual([
      'tcp.options.mptcp.subtype=3',
      'tcp.options.mptcp.echo=1',
      'tcp.options.mptcp.addrid=6',
      'tcp.options.mptcp.ipv6=2001:db8::1',
      'tcp.options.mptcp.port=8080',
      'tcp.options.mptcp.addaddrtrunchmac=72623859790382856',
    ]);
    // RFC 6824 ADD_ADDR: the low nibble is the IP version, and tshark says so.
    expect(fields('1e:0a:34:05:0a:00:00:03:1f:90')).toEqual([
      'tcp.options.mptcp.subtype=3',
      'tcp.options.mptcp.ipver=4',
      'tcp.options.mptcp.addrid=5',
      'tcp.options.mptcp.ipv4=10.0.0.3',
      'tcp.options.mptcp.port=8080',
    ]);
  });

  it('REMOVE_ADDR, MP_PRIO, MP_FAIL, MP_TCPRST, unknown subtype', () => {
    expect(fields('1e:06:40:01:02:03')).toEqual([
      'tcp.options.mptcp.subtype=4',
      'mptcp.rm_addr.count=3',
      'tcp.options.mptcp.addrid=1',
      'tcp.options.mptcp.addrid=2',
      'tcp.options.mptcp.addrid=3',
    ]);
    expect(fields('1e:04:51:07')).toEqual([
      'tcp.options.mptcp.subtype=5',
      'tcp.options.mptcp.flags=81',
      'tcp.options.mptcp.backup.flag=1',
      'tcp.options.mptcp.addrid=7',
    ]);
    expect(fields('1e:0c:60:00:01:02:03:04:05:06:07:08')).toEqual([
      'tcp.options.mptcp.subtype=6',
      'tcp.options.mptcp.reserved=0',
      'tcp.options.mptcp.rawdataseqno=72623859790382856',
    ]);
    expect(fields('1e:04:8f:05')).toEqual([
      'tcp.options.mptcp.subtype=8',
      'tcp.options.mptcp.flags=143',
      'tcp.options.mptcp.flag_U.flag=1',
      'tcp.options.mptcp.flag_V.flag=1',
      'tcp.options.mptcp.flag_W.flag=1',
      'tcp.options.mptcp.flag_T.flag=1',
      'tcp.options.mptcp.rst_reason=5',
    ]);
    expect(fields('1e:06:90:01:02:03:00:00')).toEqual([
      'tcp.options.mptcp.subtype=9',
      'tcp.options.eol=00',
      'tcp.options.eol=00',
    ]);
  });

  it('a field past the option ends the list where tshark throws (mptcp-dss-oobr.pcap, MP_CAPABLE length 3)', () => {
    // mptcp-dss-oobr.pcap: MSS, SACK permitted, timestamps, then DSS of length 3 (tshark: subtype only, malformed).
    const oobr = '02:04:40:0c:04:02:08:0a:23:97:55:34:00:00:00:00:1e:03:20:00';
    expect(fields(oobr).slice(-2)).toEqual(['tcp.options.timestamp.tsecr=0', 'tcp.options.mptcp.subtype=2']);
    // tshark shows nothing after the malformed option: not the timestamps that follow.
    const cut = parseBytes('1e:03:00:01:08:0a:00:00:00:01:00:00:00:02');
    const nodes: DissectionNode[] = tcpOptionNodes(cut, 0, cut.length);
    expect(nodes.map((n) => n.field)).toEqual(['mptcp']);
    expect(fields('1e:03:00:01:08:0a:00:00:00:01:00:00:00:02')).toEqual([
      'tcp.options.mptcp.subtype=0',
      'tcp.options.mptcp.version=0',
    ]);
    // Length 2: kind and length only (tshark: no subtype, malformed).
    expect(fields('1e:02:01:01')).toEqual([]);
    // The codec keeps such options raw, byte-exact.
    expect(decodeTcpOptions(cut, 0, 3)).toEqual([{ kind: 'unknown', code: 30, data: parseBytes('00') }]);
  });

  it('keeps an MPTCP option whose length fits no layout of its subtype raw (kind unknown, code 30)', () => {
    for (const hex of [
      '1e:0d:00:81:01:02:03:04:05:06:07:08:09',
      '1e:0a:11:07:01:02:03:04:05:06',
      '1e:06:20:00:01:02',
    ]) {
      const b = parseBytes(hex);
      expect(decodeTcpOptions(b, 0, b.length), hex).toEqual([
        { kind: 'unknown', code: 30, data: b.subarray(2) },
      ]);
    }
    expect(decodeMptcpOption(parseBytes('1e:04:20:10'), 0, 4)).toEqual({
      subtype: 'dss',
      reserved: 0,
      flags: 0x10,
    });
  });

  it('writers refuse inconsistent or out-of-range MPTCP options before writing', () => {
    const bad: [TcpOption, RegExp][] = [
      [{ kind: 'mptcp', subtype: 'dss', reserved: 0, flags: 0, dataAck: 1n }, /dataAck/],
      [{ kind: 'mptcp', subtype: 'dss', reserved: 0, flags: 0x01, dataAck: 1n << 32n }, /dataAck/],
      [
        { kind: 'mptcp', subtype: 'dss', reserved: 0, flags: 0x04, dataSequenceNumber: 1n },
        /subflowSequenceNumber/,
      ],
      [{ kind: 'mptcp', subtype: 'mp-capable', version: 1, flags: 0, receiverKey: 1n }, /receiverKey/],
      [{ kind: 'mptcp', subtype: 'mp-capable', version: 16, flags: 0 }, /version/],
      [{ kind: 'mptcp', subtype: 'remove-addr', reserved: 0, addressIds: [] }, /addressIds/],
      [{ kind: 'mptcp', subtype: 'add-addr', flags: 0, addressId: 1, address: new Uint8Array(4) }, /address/],
      [{ kind: 'mptcp', subtype: 'mp-join-ack', reserved: 0, senderHmac: new Uint8Array(19) }, /senderHmac/],
      [{ kind: 'fast-open', cookie: new Uint8Array(3) }, /cookie/],
      [{ kind: 'accecn', order: 0, counters: [1 << 24] }, /counter/],
    ];
    for (const [o, message] of bad) expect(() => tcpOptionsLength([o]), message.source).toThrow(message);
    expect(mptcpOptionLength({ subtype: 'mp-prio', flags: 1 })).toBe(3);
  });
});

describe('TCP Fast Open and AccECN as tshark 4.0.17 shows them', () => {
  it('kind 34 request and cookie, experiment 0xF989 (tfo-5c1fa7f9ae91.pcap)', () => {
    expect(fields('22:02:00:00')).toEqual([
      'tcp.options.tfo=22:02',
      'tcp.options.tfo.request',
      'tcp.options.eol=00',
      'tcp.options.eol=00',
    ]);
    const request = tcpOptionNodes(parseBytes('fe:04:f9:89'), 0, 4)[0].children?.at(-1);
    // tshark: the request spans the Experiment Identifier (pos 56, size 2 in a frame).
    expect(request).toMatchObject({ field: 'tcp.options.tfo.request', offset: 2, length: 2 });
    expect(fields('fe:0a:f9:89:09:09:09:09:00:00:01:01').slice(0, 3)).toEqual([
      'tcp.options.experimental=fe:0a:f9:89:09:09:09:09:00:00',
      'tcp.options.experimental.exid=63881',
      'tcp.options.tfo.cookie=09:09:09:09:00:00',
    ]);
    expect(decodeTcpOptions(parseBytes('fe:0a:f9:89:09:09:09:09:00:00'), 0, 10)).toEqual([
      { kind: 'fast-open', cookie: parseBytes('09:09:09:09:00:00'), experimental: 254 },
    ]);
  });

  it('AccECN counters in the order each kind gives; a length outside 2/5/8/11 shows none', () => {
    expect(fields('ae:0b:00:00:01:00:00:02:00:00:03:00').slice(1, 4)).toEqual([
      'tcp.options.acc_ecn.ee1b=1',
      'tcp.options.acc_ecn.eceb=2',
      'tcp.options.acc_ecn.ee0b=3',
    ]);
    expect(fields('ac:08:00:00:01:00:00:02').slice(1)).toEqual([
      'tcp.options.acc_ecn.ee0b=1',
      'tcp.options.acc_ecn.eceb=2',
    ]);
    expect(fields('ac:09:00:00:01:00:00:02:05:00:00:00')[0]).toBe(
      'tcp.options.acc_ecn=ac:09:00:00:01:00:00:02:05',
    );
    expect(fields('ac:09:00:00:01:00:00:02:05:00:00:00')[1]).toBe('tcp.options.eol=00');
    expect(bytesOf([{ kind: 'accecn', order: 1, counters: [0x123456], experimental: 253 }])).toBe(
      'fd:07:ac:c1:12:34:56',
    );
  });
});
