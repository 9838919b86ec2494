import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base';

// shims: the CJS build needs import.meta.url to find the package root for node-gyp-build.
export default defineConfig({ ...packageBuild, shims: true });
