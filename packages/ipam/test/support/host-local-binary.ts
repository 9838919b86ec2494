import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { HostLocalNetwork } from '../../src/index.js';

export const HOST_LOCAL = '/usr/lib/cni/host-local';
export const HAVE_HOST_LOCAL =
  existsSync(HOST_LOCAL) && spawnSync(HOST_LOCAL, [], { stdio: 'ignore' }).error === undefined;

export interface CniCall {
  command: 'ADD' | 'DEL';
  containerId: string;
  ifname: string;
}

export function cniConfig(network: HostLocalNetwork): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: network.name,
    type: 'host-local',
    ipam: { type: 'host-local', ...network.ipam },
  });
}

function env(call: CniCall): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    CNI_COMMAND: call.command,
    CNI_CONTAINERID: call.containerId,
    CNI_NETNS: `/var/run/netns/cnk-ipam-${call.containerId}`,
    CNI_IFNAME: call.ifname,
    CNI_PATH: '/usr/lib/cni',
  };
}

/** Runs the real host-local as a CNI runtime does: CNI_* environment, the network config on stdin. */
export function runHostLocalSync(
  network: HostLocalNetwork,
  call: CniCall,
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(HOST_LOCAL, [], { input: cniConfig(network), env: env(call), encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function runHostLocal(
  network: HostLocalNetwork,
  call: CniCall,
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(HOST_LOCAL, [], { env: env(call), stdio: ['pipe', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
    child.stdin.end(cniConfig(network));
  });
}
