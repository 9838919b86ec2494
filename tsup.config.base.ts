import type { Options } from 'tsup';

/**
 * esbuild's CommonJS output exposes each export through two getters (`__export`, then
 * `__copyProps`' `() => from[key]`, one keyed load shared by every export and so megamorphic).
 * A consumer's `(0, import_wire.readU16)(…)` pays that chain on every call: 3–4× slower decoding
 * than the ESM build. Our exports are never reassigned (no `export let`), so the CJS build
 * replaces module.exports with a plain object holding the same values. It is made by an object
 * literal: an object filled key by key (`Object.assign`) past a dozen properties is a dictionary
 * in V8, every `import_wire.readU16` is then a hash lookup TurboFan cannot inline through
 * (VXLAN decode 1.6–2.3× slower from CJS than from ESM, issue #12); a literal's map is fast.
 */
const CJS_PLAIN_EXPORTS = [
  'module.exports = Object.defineProperty(',
  "  new Function('m', 'return {' + Object.keys(module.exports).map((k) => JSON.stringify(k) + ': m[' + JSON.stringify(k) + ']').join(',') + '};')(module.exports),",
  "  '__esModule',",
  '  { value: true },',
  ');',
].join('\n');

/** The build every package uses: ESM + CJS + .d.ts/.d.cts from src/index.ts. */
export const packageBuild: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: { compilerOptions: { composite: false, incremental: false } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  footer: ({ format }) => (format === 'cjs' ? { js: CJS_PLAIN_EXPORTS } : undefined),
};
