import {
  composeDissectors,
  type DissectionNode,
  type DissectorSet,
  type FieldDescription,
  FLAG_FIELD,
  formatTree,
  namedValue,
  TRUE_FALSE_FIELD,
  U8_FIELD,
  valueOfName,
} from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

const PROTO: FieldDescription = { type: 'uint', bits: 8, values: { 6: 'TCP', 17: 'UDP' } };
const ETHERTYPE: FieldDescription = { type: 'uint', bits: 16, values: { 2048: 'IPv4' }, show: 'hex' };
const STATUS: FieldDescription = {
  type: 'uint',
  bits: 8,
  values: { 1: 'Good', 2: 'Unverified' },
  show: 'name',
  generated: true,
};

describe('namedValue', () => {
  it('shows a named value as tshark does: decimal, hex by width, or the name alone', () => {
    expect(namedValue(PROTO, 17)).toBe('UDP (17)');
    expect(namedValue(ETHERTYPE, 0x0800)).toBe('IPv4 (0x0800)');
    expect(namedValue(STATUS, 2)).toBe('Unverified');
    expect(namedValue(FLAG_FIELD, true)).toBe('Set');
    expect(namedValue(FLAG_FIELD, 0)).toBe('Not set');
    expect(namedValue(TRUE_FALSE_FIELD, 1)).toBe('True');
  });

  it('is undefined for a value without a name, or a field without names', () => {
    expect(namedValue(PROTO, 99)).toBeUndefined();
    expect(namedValue(U8_FIELD, 17)).toBeUndefined();
    expect(namedValue(undefined, 17)).toBeUndefined();
    expect(namedValue(PROTO, '17')).toBeUndefined();
  });
});

describe('valueOfName', () => {
  it('finds a value by its name, ignoring case as tshark does', () => {
    expect(valueOfName({ 6: 'TCP', 17: 'UDP' }, 'UDP')).toBe(17);
    expect(valueOfName({ 6: 'TCP', 17: 'UDP' }, 'udp')).toBe(17);
    expect(valueOfName({ 6: 'TCP', 17: 'UDP' }, 'echo')).toBeUndefined();
  });
});

describe('formatTree with field descriptions', () => {
  const nodes: DissectionNode[] = [
    {
      field: 'x',
      name: 'X',
      offset: 0,
      length: 2,
      children: [
        { field: 'x.proto', name: 'Protocol', offset: 0, length: 1, value: 17 },
        { field: 'x.proto', name: 'Protocol', offset: 0, length: 1, value: 99 },
        { field: 'x.type', name: 'Type', offset: 0, length: 2, value: 0x0800, display: 'Type: kept' },
        { field: 'x.type', name: 'Type', offset: 0, length: 2, value: 0x0800, display: 'Type: 0x0800' },
        { field: 'x.type', name: 'Type', offset: 0, length: 2, value: 0x0801, display: 'Type: 0x0801' },
        { field: 'x.status', name: 'Checksum Status', offset: 0, length: 0, value: 1 },
        { field: 'x.df', name: "Don't fragment", offset: 1, length: 1, value: true },
      ],
    },
  ];
  const fields = new Map<string, FieldDescription>([
    ['x.proto', PROTO],
    ['x.type', ETHERTYPE],
    ['x.status', STATUS],
    ['x.df', FLAG_FIELD],
  ]);

  it('names values (also over a display that only writes the number), brackets generated fields, keeps any other display', () => {
    expect(formatTree(nodes, { fields })).toBe(
      [
        'X',
        '    Protocol: UDP (17)',
        '    Protocol: 99',
        '    Type: kept',
        '    Type: IPv4 (0x0800)',
        '    Type: 0x0801',
        '    [Checksum Status: Good]',
        "    Don't fragment: Set",
        '',
      ].join('\n'),
    );
  });

  it('without descriptions prints values as before; a string second argument is the indent', () => {
    expect(formatTree(nodes).split('\n')[1]).toBe('    Protocol: 17');
    expect(formatTree(nodes, '  ').split('\n')[7]).toBe("      Don't fragment: True");
  });

  it('composeDissectors merges the sets’ fields (a later one wins) and always describes data', () => {
    const a: DissectorSet = { layers: {}, bindings: [], fields: { 'x.proto': U8_FIELD } };
    const b: DissectorSet = { layers: {}, bindings: [], fields: { 'x.proto': PROTO } };
    const registry = composeDissectors(a, b);
    expect(registry.fields?.get('x.proto')).toBe(PROTO);
    expect(registry.fields?.get('data.len')?.type).toBe('int');
    expect(registry.fields?.get('data')?.type).toBe('protocol');
  });
});
