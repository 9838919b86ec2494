import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT } from '../../test/packaging/readme-runner.js';

describe('examples/ipam-three-nodes', () => {
  it('allocates for three nodes in the flannel, host-local and Calico styles', () => {
    ensureBuilt('wire');
    ensureBuilt('ipam');
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'examples/ipam-three-nodes/three-nodes.mjs')], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'node-a: flannel lease 10.244.1.0/24 (key /coreos.com/network/subnets/10.244.1.0-24)',
        '  host-local pods 10.244.1.2/24, 10.244.1.3/24; files: 10.244.1.2 10.244.1.3 last_reserved_ip.0 lock',
        '  calico pod 10.96.0.0 from block 10.96.0.0/26',
        'node-b: flannel lease 10.244.2.0/24 (key /coreos.com/network/subnets/10.244.2.0-24)',
        '  host-local pods 10.244.2.2/24, 10.244.2.3/24; files: 10.244.2.2 10.244.2.3 last_reserved_ip.0 lock',
        '  calico pod 10.96.0.64 from block 10.96.0.64/26',
        'node-c: flannel lease 10.244.3.0/24 (key /coreos.com/network/subnets/10.244.3.0-24)',
        '  host-local pods 10.244.3.2/24, 10.244.3.3/24; files: 10.244.3.2 10.244.3.3 last_reserved_ip.0 lock',
        '  calico pod 10.96.0.128 from block 10.96.0.128/26',
        'calico blocks: 10.96.0.0/26=node-a 10.96.0.64/26=node-b 10.96.0.128/26=node-c',
        '',
      ].join('\n'),
    );
  }, 180_000);
});
