/** Module hooks for cjs-build.mjs: `@cnikit/*` → the package's `require` export (its .cjs build). */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith('@cnikit/') && context.parentURL) {
    const url = pathToFileURL(createRequire(context.parentURL).resolve(specifier)).href;
    return { url, format: 'commonjs', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
