import type { Options } from 'tsup';

/**
 * esbuild's CommonJS output exposes each export through two getters (`__export`, then
 * `__copyProps`' `() => from[key]`, one keyed load shared by every export and so megamorphic).
 * A consumer's `(0, import_wire.readU16)(…)` pays that chain on every call: 3–4× slower decoding
 * than the ESM build. Our exports are never reassigned (no `export let`), so the CJS build
 * replaces module.exports with a plain object holding the same values.
 */
const CJS_PLAIN_EXPORTS =
  "module.exports = Object.defineProperty(Object.assign({}, module.exports), '__esModule', { value: true });";

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
