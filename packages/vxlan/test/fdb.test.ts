import { ALL_ZEROS_MAC, Fdb } from '@cnikit/vxlan';
import { parseMac } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

/** A frame whose source MAC (offset 6) is `mac`. */
function fromMac(mac: string): Uint8Array {
  const f = new Uint8Array(14);
  f.set(parseMac(mac), 6);
  return f;
}

describe('FDB (Linux vxlan device semantics)', () => {
  it('learns a source MAC, refreshes it, and moves it to a new remote', () => {
    const c = clock();
    const fdb = new Fdb({ now: c.now });
    expect(fdb.learn(fromMac('0a:00:00:00:00:01'), 6, '192.168.0.2')).toBe('learned');
    c.t += 1000;
    expect(fdb.learn(fromMac('0a:00:00:00:00:01'), 6, '192.168.0.2')).toBe('refreshed');
    expect(fdb.get('0a:00:00:00:00:01')).toMatchObject({
      remotes: ['192.168.0.2'],
      static: false,
      updated: c.t,
    });
    expect(fdb.learn(fromMac('0a:00:00:00:00:01'), 6, '192.168.0.3')).toBe('moved');
    expect(fdb.get('0a:00:00:00:00:01')?.remotes).toEqual(['192.168.0.3']);
  });

  it('never learns multicast or all-zeros sources', () => {
    const fdb = new Fdb();
    expect(fdb.learn(fromMac('01:00:5e:00:00:01'), 6, '10.0.0.1')).toBe('invalid-source');
    expect(fdb.learn(fromMac(ALL_ZEROS_MAC), 6, '10.0.0.1')).toBe('invalid-source');
    expect(fdb.size).toBe(0);
  });

  it('keeps static entries: no ageing, no migration (a conflicting frame is to be dropped)', () => {
    const c = clock();
    const fdb = new Fdb({ now: c.now, ageingSeconds: 10 });
    fdb.set('0a:00:00:00:00:02', '192.168.0.2');
    expect(fdb.learn(fromMac('0a:00:00:00:00:02'), 6, '192.168.0.9')).toBe('conflict');
    c.t += 3_600_000;
    expect(fdb.age()).toBe(0);
    expect(fdb.get('0a:00:00:00:00:02')?.remotes).toEqual(['192.168.0.2']);
  });

  it('ages learned entries exactly at the ageing time unless a frame refreshes them', () => {
    const c = clock();
    const fdb = new Fdb({ now: c.now, ageingSeconds: 300 });
    fdb.learn(fromMac('0a:00:00:00:00:03'), 6, '192.168.0.3');
    fdb.learn(fromMac('0a:00:00:00:00:04'), 6, '192.168.0.4');
    c.t += 200_000;
    fdb.learn(fromMac('0a:00:00:00:00:04'), 6, '192.168.0.4');
    c.t += 99_999;
    expect(fdb.lookup(parseMac('0a:00:00:00:00:03'))?.remotes).toEqual(['192.168.0.3']);
    c.t += 1;
    expect(fdb.lookup(parseMac('0a:00:00:00:00:03'))).toBeUndefined();
    expect(fdb.age()).toBe(0);
    expect(fdb.entries().map((e) => e.mac)).toEqual(['0a:00:00:00:00:04']);
    c.t += 200_000;
    expect(fdb.age()).toBe(1);
    expect(fdb.size).toBe(0);
  });

  it('builds a flood list with append on the all-zeros MAC, and deletes one remote at a time', () => {
    const fdb = new Fdb();
    fdb.append(ALL_ZEROS_MAC, '192.168.0.2');
    fdb.append(ALL_ZEROS_MAC, '192.168.0.3');
    fdb.append(ALL_ZEROS_MAC, '192.168.0.3');
    expect(fdb.floodList()?.remotes).toEqual(['192.168.0.2', '192.168.0.3']);
    expect(fdb.delete(ALL_ZEROS_MAC, '192.168.0.2')).toBe(true);
    expect(fdb.floodList()?.remotes).toEqual(['192.168.0.3']);
    expect(fdb.delete(ALL_ZEROS_MAC, '192.168.0.3')).toBe(true);
    expect(fdb.floodList()).toBeUndefined();
    expect(fdb.delete(ALL_ZEROS_MAC)).toBe(false);
  });

  it('refuses malformed MAC text with RangeError', () => {
    expect(() => new Fdb().set('0a:00:00', '10.0.0.1')).toThrow(RangeError);
  });
});
