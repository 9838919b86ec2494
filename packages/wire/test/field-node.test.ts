import { checkOptionalUint, checkUint, dataNode, fieldNode } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

describe('fieldNode, dataNode, checkUint', () => {
  it('fieldNode leaves value and display off unless given', () => {
    expect(fieldNode('ip.ttl', 'Time to Live', 22, 1, 64)).toEqual({
      field: 'ip.ttl',
      name: 'Time to Live',
      offset: 22,
      length: 1,
      value: 64,
    });
    expect(Object.keys(fieldNode('ip.opt', 'Options', 34, 4))).toEqual(['field', 'name', 'offset', 'length']);
    expect(fieldNode('eth.type', 'Type', 12, 2, 0x0800, 'Type: 0x0800').display).toBe('Type: 0x0800');
  });

  it("dataNode is Wireshark's data layer: data.data as a view of the bytes, data.len", () => {
    const buf = Uint8Array.of(1, 2, 3, 4, 5);
    const node = dataNode(buf, 1, 4);
    expect(node.display).toBe('Data (3 bytes)');
    const [data, len] = node.children ?? [];
    expect(data.value).toEqual(Uint8Array.of(2, 3, 4));
    expect((data.value as Uint8Array).buffer).toBe(buf.buffer); // no copy
    expect(len.value).toBe(3);
  });

  it('checkUint returns the value in range and names the field otherwise', () => {
    expect(checkUint('ttl', 255, 255)).toBe(255);
    expect(checkUint('ttl', 0, 255)).toBe(0);
    for (const bad of [256, -1, 1.5, Number.NaN]) {
      expect(() => checkUint('ttl', bad, 255)).toThrow(
        new RangeError(`ttl must be an integer in 0..255, got ${bad}`),
      );
    }
  });

  it('checkUint names the layer when given; checkOptionalUint lets undefined through', () => {
    expect(() => checkUint('srcPort', 65536, 0xffff, 'udp')).toThrow(
      new RangeError('udp srcPort must be an integer in 0..65535, got 65536'),
    );
    expect(() => checkOptionalUint('checksum', undefined, 0xffff, 'tcp')).not.toThrow();
    expect(() => checkOptionalUint('checksum', 0x10000, 0xffff, 'tcp')).toThrow(
      new RangeError('tcp checksum must be an integer in 0..65535, got 65536'),
    );
    expect(() => checkOptionalUint('checksum', -1, 0xffff)).toThrow(
      new RangeError('checksum must be an integer in 0..65535, got -1'),
    );
  });
});
