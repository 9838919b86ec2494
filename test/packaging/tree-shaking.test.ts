/**
 * Importing one codec must not drag in the rest: bundle a one-import program with esbuild
 * (bundle, minify, ESM, platform neutral) against the built dist, as a web app would, and check
 * what survived.
 *
 * Markers: minification renames identifiers, so exports are looked for in a second bundle with
 * identifier minification off (syntax + whitespace still minified); string literals such as the
 * DecodeError layer names survive full minification and are checked in the real bundle.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './readme-runner.js';
import { buildIfNeeded, discoverPackages } from './workspace.js';

interface Bundle {
  /** Fully minified: what a user ships. */
  readonly minified: string;
  /** Identifiers kept, so export and class names are visible. */
  readonly named: string;
}

async function bundle(contents: string): Promise<Bundle> {
  const common = {
    stdin: { contents, resolveDir: REPO_ROOT, loader: 'js' as const, sourcefile: 'entry.js' },
    bundle: true,
    format: 'esm' as const,
    platform: 'neutral' as const, // no Node built-ins; `exports` "import" condition → dist/index.js
    write: false,
    logLevel: 'silent' as const,
  };
  const minified = await build({ ...common, minify: true });
  const named = await build({
    ...common,
    minifySyntax: true,
    minifyWhitespace: true,
    minifyIdentifiers: false,
  });
  return { minified: minified.outputFiles![0].text, named: named.outputFiles![0].text };
}

/** Runs a bundled ES module and returns its exports. */
async function load(code: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'cnikit-treeshake-'));
  try {
    const file = join(dir, 'bundle.mjs');
    writeFileSync(file, code);
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Names that must not appear, with what their presence means. */
function present(text: string, names: readonly string[]): string[] {
  return names.filter((n) => new RegExp(`\\b${n}\\b`).test(text));
}

/** The IPv4 header of LINKTYPE_IPV4.pcap (tcpdump test suite): TTL 64, UDP, 192.168.1.100 → 9.9.9.9. */
const IPV4_PACKET =
  '4500003900010000401' +
  '1a695c0a80164090909093039003500251976123401000001000000000000076578616d706c6503636f6d0000010001';

const { included } = discoverPackages();
const has = (name: string) => included.some((p) => p.name === name);

beforeAll(() => {
  for (const line of buildIfNeeded(
    included.filter((p) => p.name === '@cnikit/wire' || p.name === '@cnikit/ethernet'),
  )) {
    console.warn(line);
  }
}, 600_000);

describe('tree-shaking @cnikit/wire', () => {
  it('parseIpv4 alone brings neither the dissection engine, the checksums, IPv6 nor the hex table', async () => {
    const b = await bundle("import { parseIpv4 } from '@cnikit/wire'; export const f = (t) => parseIpv4(t);");
    expect(present(b.named, ['parseIpv4'])).toEqual(['parseIpv4']); // the marker method works
    expect(
      present(b.named, [
        'composeDissectors',
        'dissect',
        'DecodeError',
        'formatTree',
        'annotatedHexdump',
        'hexdump',
        'internetChecksum',
        'parseIpv6',
        'formatIpv6',
        'parsePrefix',
        'HEX',
      ]),
    ).toEqual([]);
    expect(b.minified).not.toContain('Array.from'); // the byte-to-hex table
    // measured 381 bytes (esbuild 0.27, Nov 2025)
    expect(b.minified.length).toBeLessThan(600);
    const { f } = await load(b.minified);
    expect((f as (t: string) => number)('192.0.2.1')).toBe(0xc0000201);
  });

  it('formatIpv6 brings formatIpv4 (for the dotted tail) but not the parsers or the engine', async () => {
    const b = await bundle(
      "import { formatIpv6 } from '@cnikit/wire'; export const f = (b) => formatIpv6(b);",
    );
    expect(present(b.named, ['formatIpv6', 'formatIpv4'])).toEqual(['formatIpv6', 'formatIpv4']);
    expect(present(b.named, ['parseIpv6', 'parseIpv4', 'dissect', 'DecodeError', 'HEX'])).toEqual([]);
    // measured 548 bytes
    expect(b.minified.length).toBeLessThan(800);
  });
});

describe('tree-shaking @cnikit/ethernet', () => {
  it('the package is built and packed by the packaging test', () => {
    expect(has('@cnikit/ethernet')).toBe(true);
  });

  it('a control: importing TcpSegment does bring TCP in (so the markers below can see it)', async () => {
    const b = await bundle(
      "import { TcpSegment } from '@cnikit/ethernet'; export const f = (b) => TcpSegment.parse(b).srcPort;",
    );
    expect(present(b.named, ['TcpSegment'])).toEqual(['TcpSegment']);
    expect(b.minified).toContain('"tcp"');
  });

  it("`import { Ipv4Packet } from '@cnikit/ethernet'` bundles no TCP, UDP, ICMP, IPv6, ARP or dissector code", async () => {
    const b = await bundle(
      "import { Ipv4Packet } from '@cnikit/ethernet'; export const ttl = (b) => Ipv4Packet.parse(b).ttl;",
    );
    expect(present(b.named, ['Ipv4Packet'])).toEqual(['Ipv4Packet']);
    const leaked = present(b.named, [
      'TcpSegment',
      'UdpDatagram',
      'Icmpv4Message',
      'Icmpv6Message',
      'Ipv6Packet',
      'ArpPacket',
      'EthernetFrame',
      'VlanTag',
      'FrameDecoder',
      'dissectTcp',
      'dissectUdp',
      'dissectIcmpv4',
      'dissectIcmpv6',
      'dissectIpv6',
      'dissectIpv4',
      'ethernetDissectors',
      'composeDissectors',
      'dissect',
    ]);
    const hint = leaked.includes('ethernetDissectors')
      ? ' — ethernetDissectors is retained, and it references every dissector: esbuild treats the array spread' +
        ' in its top-level `bindings: [...ethernetBindings, ...]` as a possible side effect and keeps it.' +
        ' Build that array without spread, or mark the expression /* @__PURE__ */.'
      : '';
    expect(leaked, `leaked into the Ipv4Packet bundle${hint}`).toEqual([]);
    // DecodeError layer names of the other codecs survive minification as string literals
    for (const layer of ['"tcp"', '"udp"', '"icmp"', '"icmpv6"', '"ipv6"', '"arp"']) {
      expect(b.minified, `${layer} in the Ipv4Packet bundle`).not.toContain(layer);
    }
    // measured 4,910 bytes with the spread fixed (51,483 with it: the whole package is ~79 KB)
    // 6,668 bytes since the allocation-free address halves (srcHi/srcLo/dstHi/dstLo) joined Ipv4Packet.
    expect(b.minified.length).toBeLessThan(7_000);
    const { ttl } = await load(b.minified);
    const header = Uint8Array.from(Buffer.from(IPV4_PACKET, 'hex'));
    expect((ttl as (b: Uint8Array) => number)(header)).toBe(64);
  });
});
