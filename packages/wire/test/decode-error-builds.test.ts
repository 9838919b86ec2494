/**
 * The dual-package hazard: a program that loads the CommonJS build (through a dependency that
 * `require`s us) and the ESM build has two DecodeError classes. A DecodeError thrown by either
 * must pass `instanceof` and `DecodeError.is` of both. Checked on the real build outputs in a
 * child Node process, as a user's program would load them.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildIfNeeded, discoverPackages } from '../../../test/packaging/workspace.js';

const WIRE = discoverPackages().included.find((p) => p.name === '@cnikit/wire');

const PROGRAM = `
const { createRequire } = await import('node:module');
const dist = process.argv[1];
const cjs = createRequire(import.meta.url)(dist + '/index.cjs');
const esm = await import(dist + '/index.js');
const thrown = (lib) => { try { lib.requireBytes('ip', 4, 20, 10); } catch (e) { return e; } };
const fromCjs = thrown(cjs);
const fromEsm = thrown(esm);
class Other extends esm.DecodeError {}
console.log(JSON.stringify({
  twoClasses: cjs.DecodeError !== esm.DecodeError,
  cjsErrorInstanceofEsm: fromCjs instanceof esm.DecodeError,
  esmErrorInstanceofCjs: fromEsm instanceof cjs.DecodeError,
  cjsErrorIsEsm: esm.DecodeError.is(fromCjs),
  esmErrorIsCjs: cjs.DecodeError.is(fromEsm),
  cjsFields: [fromCjs.code, fromCjs.layer, fromCjs.offset, fromCjs.name],
  rangeErrorIs: [esm.DecodeError.is(new RangeError('x')), new RangeError('x') instanceof cjs.DecodeError],
  lookalikeIs: esm.DecodeError.is({ name: 'DecodeError', code: 'truncated' }),
  nullIs: [esm.DecodeError.is(null), esm.DecodeError.is(undefined), esm.DecodeError.is('DecodeError')],
  subclass: [new Other('truncated', 'x', 0, 'r') instanceof cjs.DecodeError, fromCjs instanceof Other],
}));
`;

describe('DecodeError across the ESM and CommonJS builds', () => {
  beforeAll(() => {
    if (!WIRE) throw new Error('@cnikit/wire not found among the workspace packages');
    buildIfNeeded([WIRE]);
  }, 180_000);

  it('instanceof and DecodeError.is hold for an error of the other build', () => {
    const dist = join(WIRE?.dir ?? '', 'dist');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROGRAM, dist], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toStrictEqual({
      twoClasses: true,
      cjsErrorInstanceofEsm: true,
      esmErrorInstanceofCjs: true,
      cjsErrorIsEsm: true,
      esmErrorIsCjs: true,
      cjsFields: ['truncated', 'ip', 4, 'DecodeError'],
      rangeErrorIs: [false, false],
      lookalikeIs: false,
      nullIs: [false, false, false],
      subclass: [true, false],
    });
  });
});
