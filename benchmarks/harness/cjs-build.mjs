/**
 * `node --import ./cjs-build.mjs …`: every `@cnikit/*` package imported by a case file resolves
 * to its CommonJS build, loaded by Node's CommonJS loader (as `require('@cnikit/ethernet')` loads
 * it for a consumer); inside, the bundles `require()` each other the same way. The runner times
 * the cases that set `formats: true` once more in a worker started like this (the `ours-cjs` column).
 */
import { register } from 'node:module';

register('./cjs-build-hooks.mjs', import.meta.url);
