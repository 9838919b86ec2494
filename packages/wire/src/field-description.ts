/**
 * What a field holds, as Wireshark types it: what a display filter may compare it with, and how
 * a tree shows it. `protocol` is a layer (present or not); `none` a label without a value.
 */
export type FieldType =
  | 'protocol'
  | 'none'
  | 'uint'
  | 'int'
  | 'boolean'
  | 'ipv4'
  | 'ipv6'
  | 'ether'
  | 'bytes'
  | 'string'
  | 'time';

/** Names of a field's values, as tshark shows them and as display filters may use them. */
export type ValueNames = Readonly<Record<number, string>>;

/**
 * One field's description: its type, its width (a `uint`/`int` holds `bits` bits, so a filter
 * value outside that range can never match), and the names of its values.
 */
export interface FieldDescription {
  readonly type: FieldType;
  /** Width of a `uint`/`int` (8, 16, 24, 32, 64): the range a filter value must fall in. */
  readonly bits?: number;
  /** Value names (`ip.proto` 17 → `UDP`); for a `boolean`, 0 and 1 (`Not set`, `Set`). */
  readonly values?: ValueNames;
  /**
   * How a tree shows a named value: `dec` `UDP (17)`, `hex` `IPv4 (0x0800)` (hex digits from
   * `bits`), `name` the name alone (`Checksum Status: Good`). Default `dec`.
   */
  readonly show?: 'dec' | 'hex' | 'name';
  /** A value Wireshark works out rather than reads (a checksum status): shown in `[…]`. */
  readonly generated?: boolean;
}

/** Field descriptions keyed by display-filter name (`ip.ttl`). */
export type FieldDescriptions = Readonly<Record<string, FieldDescription>>;

export const PROTOCOL_FIELD: FieldDescription = { type: 'protocol' };
export const LABEL_FIELD: FieldDescription = { type: 'none' };
export const U8_FIELD: FieldDescription = { type: 'uint', bits: 8 };
export const U16_FIELD: FieldDescription = { type: 'uint', bits: 16 };
export const U24_FIELD: FieldDescription = { type: 'uint', bits: 24 };
export const U32_FIELD: FieldDescription = { type: 'uint', bits: 32 };
export const U64_FIELD: FieldDescription = { type: 'uint', bits: 64 };
export const I16_FIELD: FieldDescription = { type: 'int', bits: 16 };
export const I32_FIELD: FieldDescription = { type: 'int', bits: 32 };
export const IPV4_FIELD: FieldDescription = { type: 'ipv4' };
export const IPV6_FIELD: FieldDescription = { type: 'ipv6' };
export const ETHER_FIELD: FieldDescription = { type: 'ether' };
export const BYTES_FIELD: FieldDescription = { type: 'bytes' };
export const STRING_FIELD: FieldDescription = { type: 'string' };
export const TIME_FIELD: FieldDescription = { type: 'time' };

/** Wireshark's default names of a flag: `Set` / `Not set`. */
export const SET_NOT_SET: ValueNames = { 0: 'Not set', 1: 'Set' };
/** A flag shown `Set` / `Not set`. */
export const FLAG_FIELD: FieldDescription = { type: 'boolean', values: SET_NOT_SET, show: 'name' };
/** A boolean without names of its own, shown `True` / `False` as Wireshark does. */
export const TRUE_FALSE_FIELD: FieldDescription = {
  type: 'boolean',
  values: { 0: 'False', 1: 'True' },
  show: 'name',
};

/** The fields of the `data` node `dissect` adds for bytes no layer claims (see `dataNode`). */
export const DATA_FIELDS: FieldDescriptions = {
  data: PROTOCOL_FIELD,
  'data.data': BYTES_FIELD,
  'data.len': I32_FIELD,
};

/**
 * A value as a tree shows it when its field names values: `UDP (17)`, `IPv4 (0x0800)`, `Set`;
 * undefined when the field names none or not this one.
 */
export function namedValue(
  description: FieldDescription | undefined,
  value: number | bigint | boolean | string | Uint8Array | undefined,
): string | undefined {
  const values = description?.values;
  if (!values || value === undefined) return undefined;
  const n = typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'number' ? value : undefined;
  if (n === undefined) return undefined;
  const name = values[description.type === 'boolean' && n !== 0 ? 1 : n];
  if (name === undefined) return undefined;
  const show = description.show ?? 'dec';
  if (show === 'name') return name;
  if (show === 'hex')
    return `${name} (0x${n.toString(16).padStart(Math.ceil((description.bits ?? 8) / 4), '0')})`;
  return `${name} (${n})`;
}

/** The value name `name` stands for in `values` (matched as tshark does: ignoring case), or undefined. */
export function valueOfName(values: ValueNames, name: string): number | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(values)) if (v.toLowerCase() === wanted) return Number(k);
  return undefined;
}
