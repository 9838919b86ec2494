/**
 * The packages as a user gets them: build (if dist is missing or stale), `npm pack` every
 * publishable package, install all the tarballs together into a scratch project with the
 * network unreachable, then import each from ESM and CJS, type-check a consumer under node16
 * and bundler resolution, and run publint and attw on the exact tarballs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependencyClosure, type LocalRegistry, startLocalRegistry } from './local-registry.js';
import { REPO_ROOT } from './readme-runner.js';
import { buildIfNeeded, discoverPackages, type WorkspacePackage } from './workspace.js';

/**
 * A few real uses per package, run in both module systems. `js` is a function body that sees the
 * package's namespace as `pkg` and @cnikit/wire's as `wire`, and returns something JSON-able.
 * `ts` is consumer code that must type-check (use `// @ts-expect-error` to prove types are not any).
 */
const SMOKE: Record<string, { js: string; expected: unknown; ts: string }> = {
  '@cnikit/wire': {
    js: `
      const d = pkg.dissect(pkg.composeDissectors(), new Uint8Array(3));
      let error;
      try { pkg.requireBytes('ip', 4, 20, 10); } catch (e) { error = [e instanceof pkg.DecodeError, e.code, e.message]; }
      return [
        pkg.formatIpv6(pkg.parseIpv6('2001:0db8:0000:0000:0001:0000:0000:0001')),
        pkg.formatIpv4(pkg.parseIpv4('192.0.2.1')),
        pkg.internetChecksum(Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])),
        pkg.prefixContains(pkg.parsePrefix('10.244.0.0/16'), '10.244.3.4'),
        d.layers[0].field, d.layers[0].length,
        error,
      ];`,
    expected: [
      '2001:db8::1:0:0:1',
      '192.0.2.1',
      0x220d,
      true,
      'data',
      3,
      [true, 'truncated', 'ip: needs 20 bytes, only 6 left (at byte 4)'],
    ],
    ts: `
      import { type DissectionNode, type Prefix, DecodeError, formatIpv6, parseIpv4, parseIpv6, parsePrefix, dissect, composeDissectors } from '@cnikit/wire';
      const bytes: Uint8Array = parseIpv6('::1');
      const text: string = formatIpv6(bytes);
      const p: Prefix = parsePrefix('10.0.0.0/8');
      const family: 4 | 6 = p.family;
      const nodes: DissectionNode[] = dissect(composeDissectors(), bytes).layers;
      const err = new DecodeError('truncated', 'ip', 0, 'short');
      const code: 'truncated' | 'bad-version' | string = err.code;
      // @ts-expect-error parseIpv4 returns a number
      const wrong: string = parseIpv4('1.2.3.4');
      // @ts-expect-error not a DecodeErrorCode
      new DecodeError('no-such-code', 'ip', 0, 'x');
      export { text, family, nodes, code, wrong };`,
  },
  '@cnikit/ethernet': {
    // LINKTYPE_IPV4.pcap from the tcpdump test suite: IPv4 + UDP DNS query, 192.168.1.100 → 9.9.9.9
    js: `
      const header = Uint8Array.from(Buffer.from('450000390001000040' + '11a695c0a80164090909093039003500251976' +
        '12340100000100000000000007' + '6578616d706c6503636f6d0000010001', 'hex'));
      const ip = pkg.Ipv4Packet.parse(header);
      let sameError;
      try { pkg.Ipv4Packet.parse(new Uint8Array(3)); } catch (e) { sameError = e instanceof wire.DecodeError && e.layer; }
      const names = Object.keys(pkg.ethernetDissectors.layers).sort();
      return [ip.ttl, wire.formatIpv4(ip.src), wire.formatIpv4(ip.dst), ip.protocol, ip.verifyChecksum(), sameError,
        names.includes('eth') && names.includes('ip') && names.includes('tcp')];`,
    expected: [64, '192.168.1.100', '9.9.9.9', 17, true, 'ip', true],
    ts: `
      import { Ipv4Packet, ethernetDissectors } from '@cnikit/ethernet';
      import { composeDissectors, dissect, type DissectorSet } from '@cnikit/wire';
      const ip: Ipv4Packet = Ipv4Packet.parse(new Uint8Array(20));
      const ttl: number = ip.ttl;
      const ok: boolean = ip.verifyChecksum();
      const set: DissectorSet = ethernetDissectors;
      const layers = dissect(composeDissectors(set), new Uint8Array(14)).layers;
      // @ts-expect-error ttl is a number
      const wrong: string = ip.ttl;
      export { ttl, ok, layers, wrong };`,
  },
  '@cnikit/ipam': {
    js: `
      const p = wire.parsePrefix('10.244.0.0/16');
      let error;
      try { pkg.canonicalizeRanges({ ranges: [[{ subnet: '10.0.0.0/24', gateway: '10.9.9.9' }]] }); } catch (e) { error = [e instanceof pkg.IpamError, e.code, e.input]; }
      return [pkg.formatIpValue(4, pkg.nthAddress(p, 5)), pkg.containsPrefix(p, wire.parsePrefix('10.244.3.0/24')), String(pkg.subnetCount(p, 24)), error];`,
    expected: ['10.244.0.5', true, '256', [true, 'bad-config', 'ranges[0][0].gateway']],
    ts: `
      import { HostLocal, IpamError, MemoryStore, nthAddress } from '@cnikit/ipam';
      import { parsePrefix } from '@cnikit/wire';
      const n: bigint = nthAddress(parsePrefix('10.0.0.0/8'), 1);
      const h = new HostLocal({ name: 'n', ipam: { ranges: [[{ subnet: '10.22.0.0/24' }]] } }, new MemoryStore());
      // @ts-expect-error nthAddress returns a bigint
      const wrong: string = nthAddress(parsePrefix('10.0.0.0/8'), 1);
      export { n, h, IpamError, wrong };`,
  },
  '@cnikit/cni': {
    js: `
      const r = pkg.convertResult(pkg.parseResult({ cniVersion: '1.0.0', ips: [{ address: '10.1.0.5/16' }] }), '0.4.0');
      let error;
      try { pkg.parsePluginConfig('{"name": '); } catch (e) { error = [e instanceof pkg.CniError, e.code]; }
      return [r.ips[0].version, error, pkg.CniErrorCode.InvalidNetworkConfig, typeof pkg.CniRuntime];`,
    expected: ['4', [true, 6], 7, 'function'],
    ts: `
      import { type CniPlugin, type CniResult, CniError, convertResult, parseResult } from '@cnikit/cni';
      const r: CniResult = parseResult('{"cniVersion": "1.0.0"}');
      const p: CniPlugin = { add: () => ({}), del: () => {} };
      const e: CniError = new CniError(7, 'bad');
      const old = convertResult(r, '0.4.0');
      // @ts-expect-error cniVersion is a string
      const wrong: number = r.cniVersion;
      export { r, p, e, old, wrong };`,
  },
};

const { included, skipped } = discoverPackages();
let work = '';
let consumer = '';
let registry: LocalRegistry | undefined;
const tarballs = new Map<string, { file: string; files: string[] }>();
type Ran = Awaited<ReturnType<typeof runAsync>>;
const lintJobs = new Map<string, { publint: Promise<Ran>; attw: Promise<Ran> }>();

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}\n${r.stderr}`.trim() };
}

/** Like run(), without blocking the event loop, so the slow tools can run side by side. */
function runAsync(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string; output: string }>(
    (done, fail) => {
      const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      child.on('error', fail);
      child.on('close', (status) => done({ status, stdout, stderr, output: `${stdout}\n${stderr}`.trim() }));
    },
  );
}

/**
 * npm settings that make any registry access fail: installs come from the tarballs (and, for
 * third-party dependencies, the local npm cache) alone.
 */
const offline = () => ({
  npm_config_registry: 'http://127.0.0.1:9/',
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
});

function consumerScript(kind: 'esm' | 'cjs', packages: readonly WorkspacePackage[]): string {
  const lines: string[] = [];
  packages.forEach((p, i) => {
    lines.push(
      kind === 'esm' ? `import * as p${i} from '${p.name}';` : `const p${i} = require('${p.name}');`,
    );
  });
  lines.push(
    kind === 'esm' ? "import * as wire from '@cnikit/wire';" : "const wire = require('@cnikit/wire');",
  );
  if (kind === 'cjs') lines.push("const manifest = require('@cnikit/wire/package.json');");
  else lines.push("import manifest from '@cnikit/wire/package.json' with { type: 'json' };");
  lines.push('const out = { manifestName: manifest.name, packages: {} };');
  packages.forEach((p, i) => {
    const smoke = SMOKE[p.name];
    lines.push(`out.packages['${p.name}'] = {`);
    lines.push(`  exports: Object.keys(p${i}).filter((k) => k !== 'default' && k !== '__esModule').sort(),`);
    // An export read through a getter costs a call per use in a consumer's hot loop (the CJS build)
    lines.push(
      `  accessors: Object.keys(p${i}).filter((k) => typeof Object.getOwnPropertyDescriptor(p${i}, k).get === 'function'),`,
    );
    // A dictionary-mode exports object makes every `import_wire.readU16` a hash lookup TurboFan
    // cannot inline through (the CJS build is run with --allow-natives-syntax to ask V8).
    lines.push(`  fastProperties: ${kind === 'cjs' ? `%HasFastProperties(p${i})` : 'true'},`);
    lines.push(`  smoke: ${smoke ? `((pkg, wire) => { ${smoke.js} })(p${i}, wire)` : 'null'},`);
    lines.push('};');
  });
  lines.push('process.stdout.write(JSON.stringify(out));');
  return lines.join('\n');
}

beforeAll(async () => {
  for (const s of skipped) console.warn(`\n*** packaging: skipping ${s.name}: ${s.reason}\n`);
  for (const line of buildIfNeeded(included)) console.warn(line);
  work = mkdtempSync(join(tmpdir(), 'cnikit-packaging-'));
  const packs = join(work, 'tarballs');
  mkdirSync(packs);
  for (const pkg of included) {
    const r = run('npm', ['pack', '--json', '--pack-destination', packs], pkg.dir, {
      npm_config_update_notifier: 'false',
    });
    if (r.status !== 0) throw new Error(`npm pack ${pkg.name} failed:\n${r.output}`);
    const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
    tarballs.set(pkg.name, { file: join(packs, info.filename), files: info.files.map((f) => f.path).sort() });
  }
  // Third-party dependencies (@types/node for pcap's stream API, etcd3 and gRPC for ipam's etcd
  // store, …) come from a registry on loopback that serves the versions in the repo's node_modules.
  const dependencies = dependencyClosure(included.map((p) => p.dir));
  registry = await startLocalRegistry(dependencies, work);
  consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '0.0.0', private: true }),
  );
  const install = await runAsync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      '--ignore-scripts',
      ...[...tarballs.values()].map((t) => t.file),
    ],
    consumer,
    {
      ...offline(),
      npm_config_offline: 'false',
      npm_config_registry: registry.url,
      npm_config_cache: join(work, 'npm-cache'),
    },
  );
  if (install.status !== 0)
    throw new Error(
      `npm install of the tarballs (dependencies from the loopback registry) failed:\n${install.output}`,
    );
  // publint and attw take ~10 s a package: start them all now, side by side with the other tests
  for (const pkg of included) {
    const file = tarballs.get(pkg.name)!.file;
    const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);
    lintJobs.set(pkg.name, {
      publint: runAsync(bin('publint'), ['run', file, '--strict', '--level', 'suggestion'], work, offline()),
      attw: runAsync(bin('attw'), [file, '--format', 'json', '--no-color'], work, offline()),
    });
  }
}, 600_000);

afterAll(() => {
  registry?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('packaging', () => {
  it('finds the publishable packages (ethernet included once it has code)', () => {
    const names = included.map((p) => p.name);
    expect(names).toContain('@cnikit/wire');
    expect(names).toContain('@cnikit/ethernet');
    for (const p of included) expect(p.name).toBe(`@cnikit/${p.dirName}`);
  });

  it('each tarball holds the built ESM, CJS and both declaration files, the README and no sources', () => {
    for (const pkg of included) {
      const { files } = tarballs.get(pkg.name)!;
      for (const f of [
        'package.json',
        'README.md',
        'dist/index.js',
        'dist/index.cjs',
        'dist/index.d.ts',
        'dist/index.d.cts',
      ]) {
        expect(files, `${pkg.name} tarball`).toContain(f);
      }
      expect(
        files.filter((f) => /^(src|test|build-types)\/|tsconfig|tsup\.config|\.tsbuildinfo$/.test(f)),
        pkg.name,
      ).toEqual([]);
    }
  });

  it('installs from the tarballs alone, with the registry unreachable, as one copy of each package', () => {
    for (const pkg of included) {
      const installed = JSON.parse(
        readFileSync(join(consumer, 'node_modules', pkg.name, 'package.json'), 'utf8'),
      );
      expect(installed.name).toBe(pkg.name);
      expect(installed.version).toBe(pkg.manifest.version);
      expect(installed.sideEffects, `${pkg.name} sideEffects`).toBe(false);
      expect(installed.type).toBe('module');
      expect(installed.exports['.']).toStrictEqual({
        import: { types: './dist/index.d.ts', default: './dist/index.js' },
        require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
      });
      // a dependency on another @cnikit package resolves to the top-level copy, not a nested one
      for (const dep of Object.keys(installed.dependencies ?? {})) {
        expect(
          existsSync(join(consumer, 'node_modules', pkg.name, 'node_modules', dep)),
          `${pkg.name} nests ${dep}`,
        ).toBe(false);
        expect(existsSync(join(consumer, 'node_modules', dep, 'package.json')), `${dep} installed`).toBe(
          true,
        );
      }
    }
  });

  const results: Record<
    string,
    {
      packages: Record<
        string,
        { exports: string[]; accessors: string[]; fastProperties: boolean; smoke: unknown }
      >;
      manifestName: string;
    }
  > = {};
  for (const kind of ['esm', 'cjs'] as const) {
    it(`works from ${kind === 'esm' ? 'ESM (.mjs, import)' : 'CommonJS (.cjs, require)'}`, () => {
      const file = join(consumer, kind === 'esm' ? 'smoke.mjs' : 'smoke.cjs');
      writeFileSync(file, consumerScript(kind, included));
      const r = run(process.execPath, kind === 'cjs' ? ['--allow-natives-syntax', file] : [file], consumer);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout);
      results[kind] = out;
      expect(out.manifestName).toBe('@cnikit/wire'); // the ./package.json export
      for (const pkg of included) {
        const got = out.packages[pkg.name];
        expect(got.exports.length, `${pkg.name} exports`).toBeGreaterThan(0);
        expect(got.accessors, `${pkg.name} exports read through getters (${kind})`).toEqual([]);
        expect(got.fastProperties, `${pkg.name} exports object in fast mode (${kind})`).toBe(true);
        if (SMOKE[pkg.name])
          expect(got.smoke, `${pkg.name} smoke (${kind})`).toStrictEqual(SMOKE[pkg.name].expected);
        else console.warn(`packaging: no SMOKE entry for ${pkg.name} yet; only its export list is checked`);
      }
    });
  }

  it('ESM and CJS builds export the same names', () => {
    expect(Object.keys(results).sort()).toEqual(['cjs', 'esm']);
    for (const pkg of included) {
      expect(results.cjs.packages[pkg.name].exports, pkg.name).toEqual(
        results.esm.packages[pkg.name].exports,
      );
    }
  });

  for (const resolution of ['node16', 'bundler'] as const) {
    it(`type-checks a consumer with moduleResolution ${resolution} against the installed declarations`, async () => {
      const dir = join(consumer, `tsc-${resolution}`);
      mkdirSync(dir, { recursive: true });
      const files: string[] = [];
      for (const pkg of included) {
        const ts =
          SMOKE[pkg.name]?.ts ??
          `import * as ns from '${pkg.name}';\nconst names: string[] = Object.keys(ns);\nexport { names };`;
        const base = pkg.dirName;
        // node16: the .mts file resolves the "import" condition (.d.ts), the .cts file "require" (.d.cts)
        const exts = resolution === 'node16' ? ['mts', 'cts'] : ['ts'];
        for (const ext of exts) {
          writeFileSync(join(dir, `${base}.${ext}`), ts);
          files.push(`${base}.${ext}`);
        }
      }
      const compilerOptions =
        resolution === 'node16'
          ? { module: 'node16', moduleResolution: 'node16' }
          : { module: 'esnext', moduleResolution: 'bundler' };
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            ...compilerOptions,
            target: 'es2022',
            lib: ['es2022'], // no DOM, no @types/node unless a package depends on it
            strict: true,
            noEmit: true,
            skipLibCheck: false, // check the published .d.ts/.d.cts files themselves
            verbatimModuleSyntax: false,
          },
          files,
        }),
      );
      const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = await runAsync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], dir);
      // "Cannot find module 'node:…'" means the declarations need @types/node: list it in the
      // package's dependencies (DefinitelyTyped's rule for types that depend on other types) or keep
      // Node types out of the public API (DESIGN.md: library code runs in browsers too)
      expect(r.output).toBe('');
      expect(r.status).toBe(0);
    });
  }

  describe.each(included.map((p) => [p.name, p] as const))('%s', (_name, pkg) => {
    it('publint reports no errors or warnings on the tarball', async () => {
      const r = await lintJobs.get(pkg.name)!.publint;
      if (/Suggestions?:/.test(r.output)) console.warn(`publint suggestions for ${pkg.name}:\n${r.output}`);
      expect(r.output).not.toMatch(/Errors?:|Warnings?:/);
      expect(r.output).toMatch(/All good!|Suggestions?:/);
      expect(r.status).toBe(0);
    });

    it('attw (are the types wrong) finds no problems in the tarball', async () => {
      const r = await lintJobs.get(pkg.name)!.attw;
      const report = JSON.parse(r.stdout);
      expect(report.analysis.packageName).toBe(pkg.name);
      expect(Object.keys(report.analysis.entrypoints)).toContain('.');
      const problems = report.problems ?? report.analysis.problems;
      expect(Array.isArray(problems) ? problems : Object.values(problems).flat()).toEqual([]);
      expect(r.status).toBe(0);
    });
  });
});
