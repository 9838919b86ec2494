import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base';

export default defineConfig({
  ...packageBuild,
  // dist/cli.js: the `cnikit` command, loaded by bin/cnikit.js.
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
});
