#!/usr/bin/env node
import { createRequire } from 'node:module';
import { main } from '../dist/cli.js';

await main(createRequire(import.meta.url)('../package.json').version);
