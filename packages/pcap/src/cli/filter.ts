import {
  type FieldDescription,
  formatIpv6,
  parseIpv4,
  parseIpv6,
  parsePrefix,
  prefixContains,
  valueOfName,
} from '@cnikit/wire';
import type { FieldMap, JsonFieldValue } from './fields.js';

/**
 * A small subset of Wireshark's display-filter language: `field == value` (and `!=`, `<`, `<=`,
 * `>`, `>=`, with `eq`/`ne`/`lt`/`le`/`gt`/`ge` spellings), `&&`/`and`, `||`/`or`, `!`/`not`,
 * parentheses, and a bare field or protocol name (true when present). A comparison holds when
 * any occurrence of the field satisfies it; `!=` holds when none equals the value. Addresses
 * compare by value (`ipv6.dst == 2001:DB8::1`), and an IP field against a prefix by containment
 * (`ip.src == 10.0.0.0/8`).
 */
export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'present'; field: string; at?: number }
  | {
      kind: 'compare';
      field: string;
      op: CompareOp;
      value: string;
      at?: number;
      /** Where the value starts in the filter, and whether it was written in quotes. */
      valueAt?: number;
      quoted?: boolean;
    };

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  constructor(
    readonly filter: string,
    readonly position: number,
    reason: string,
  ) {
    super(`bad filter at character ${position + 1}: ${reason}\n  ${filter}\n  ${' '.repeat(position)}^`);
  }
}

export interface PacketFields {
  readonly fields: FieldMap;
  readonly protocols: ReadonlySet<string>;
}

export type PacketFilter = (packet: PacketFields) => boolean;

interface Token {
  text: string;
  pos: number;
  type: 'op' | 'word' | 'string' | 'end';
}

const WORD_OPS: Record<string, string> = {
  and: '&&',
  or: '||',
  not: '!',
  eq: '==',
  ne: '!=',
  lt: '<',
  le: '<=',
  gt: '>',
  ge: '>=',
};

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = filter.slice(i, i + 2);
    if (['&&', '||', '==', '!=', '<=', '>='].includes(two)) {
      tokens.push({ text: two, pos: i, type: 'op' });
      i += 2;
    } else if ('!()<>'.includes(c)) {
      tokens.push({ text: c, pos: i, type: 'op' });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      while (j < filter.length && filter[j] !== '"') {
        if (filter[j] === '\\' && j + 1 < filter.length) j++;
        text += filter[j++];
      }
      if (j >= filter.length) throw new FilterSyntaxError(filter, i, 'unterminated string');
      tokens.push({ text, pos: i, type: 'string' });
      i = j + 1;
    } else if (/[A-Za-z0-9_.:/-]/.test(c)) {
      let j = i;
      while (j < filter.length && /[A-Za-z0-9_.:/-]/.test(filter[j])) j++;
      const text = filter.slice(i, j);
      const op = WORD_OPS[text.toLowerCase()];
      tokens.push(op ? { text: op, pos: i, type: 'op' } : { text, pos: i, type: 'word' });
      i = j;
    } else {
      throw new FilterSyntaxError(filter, i, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ text: '', pos: filter.length, type: 'end' });
  return tokens;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

/** Parses a filter into a tree; throws FilterSyntaxError with the position of the problem. */
export function parseFilter(filter: string): FilterNode {
  const tokens = tokenize(filter);
  let k = 0;
  const peek = () => tokens[k];
  const fail = (t: Token, why: string): never => {
    throw new FilterSyntaxError(filter, t.pos, why);
  };
  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (peek().type === 'op' && peek().text === '||') {
      k++;
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseNot();
    while (peek().type === 'op' && peek().text === '&&') {
      k++;
      left = { kind: 'and', left, right: parseNot() };
    }
    return left;
  };
  const parseNot = (): FilterNode => {
    if (peek().type === 'op' && peek().text === '!') {
      k++;
      return { kind: 'not', operand: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): FilterNode => {
    const t = peek();
    if (t.type === 'op' && t.text === '(') {
      k++;
      const inner = parseOr();
      if (peek().text !== ')' || peek().type !== 'op') fail(peek(), 'expected )');
      k++;
      return inner;
    }
    if (t.type !== 'word') fail(t, t.type === 'end' ? 'expression expected' : `unexpected ${t.text}`);
    if (!FIELD_NAME.test(t.text)) fail(t, `${JSON.stringify(t.text)} is not a field or protocol name`);
    k++;
    const op = peek();
    if (op.type === 'op' && COMPARE_OPS.has(op.text)) {
      k++;
      const v = peek();
      if (v.type !== 'word' && v.type !== 'string') fail(v, 'value expected');
      k++;
      const node: FilterNode = {
        kind: 'compare',
        field: t.text,
        op: op.text as CompareOp,
        value: v.text,
      };
      return Object.defineProperties(node, positions(t.pos, v.pos, v.type === 'string'));
    }
    return Object.defineProperties({ kind: 'present', field: t.text }, positions(t.pos));
  };
  const tree = parseOr();
  if (peek().type !== 'end') fail(peek(), `unexpected ${peek().text}`);
  return tree;
}

/**
 * Positions are kept out of the node's own (enumerable) shape, so a tree compares equal to a
 * literal one; `checkFilter` reads them to point at the problem.
 */
function positions(at: number, valueAt?: number, quoted?: boolean): PropertyDescriptorMap {
  const map: PropertyDescriptorMap = { at: { value: at, enumerable: false } };
  if (valueAt !== undefined) {
    map.valueAt = { value: valueAt, enumerable: false };
    map.quoted = { value: quoted === true, enumerable: false };
  }
  return map;
}

/**
 * Compiles a filter string into a predicate over a packet's fields. With `fields` (a dissector
 * registry's descriptions) it is first checked as tshark checks it: see `checkFilter`.
 */
export function compileFilter(filter: string, fields?: ReadonlyMap<string, FieldDescription>): PacketFilter {
  const parsed = parseFilter(filter);
  const tree = fields ? checkFilter(filter, parsed, fields) : parsed;
  return (packet) => evaluate(tree, packet);
}

/**
 * Checks a parsed filter against the fields' descriptions and returns it with value names
 * replaced by their numbers (`ip.proto == UDP` → 17). A filter that could never match is a
 * FilterSyntaxError naming the field, at the position of the problem: an unknown field or
 * protocol, a value out of the field's range, text that is not an address of the field's
 * family, or a word the field has no value name for.
 */
export function checkFilter(
  filter: string,
  tree: FilterNode,
  fields: ReadonlyMap<string, FieldDescription>,
): FilterNode {
  const fail = (at: number | undefined, why: string): never => {
    throw new FilterSyntaxError(filter, at ?? 0, why);
  };
  const describe = (field: string, at: number | undefined): FieldDescription =>
    fields.get(field) ?? fail(at, `"${field}" is not a field or protocol cnikit knows`);
  const check = (node: FilterNode): FilterNode => {
    switch (node.kind) {
      case 'and':
      case 'or':
        return { kind: node.kind, left: check(node.left), right: check(node.right) };
      case 'not':
        return { kind: 'not', operand: check(node.operand) };
      case 'present':
        describe(node.field, node.at);
        return node;
      case 'compare': {
        const d = describe(node.field, node.at);
        if (!node.quoted && fields.has(node.value)) {
          fail(node.valueAt, `${node.field} cannot be compared with the field ${node.value}`);
        }
        const value = checkValue(node.field, d, node.value, (why) => fail(node.valueAt, why));
        return value === node.value ? node : { ...node, value };
      }
    }
  };
  return check(tree);
}

/** Integers as tshark reads them: decimal, 0x hex, 0-prefixed octal, optionally negative. */
const INT_TEXT = /^-?(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i;

/** The literal as the evaluator should compare it (a value name as its number), or `fail`s. */
function checkValue(
  field: string,
  d: FieldDescription,
  literal: string,
  fail: (why: string) => never,
): string {
  switch (d.type) {
    case 'protocol':
    case 'none':
      return fail(`${field} has no value to compare (test it alone: ${field})`);
    case 'uint':
    case 'int':
    case 'boolean': {
      const named = d.values ? valueOfName(d.values, literal) : undefined;
      if (named !== undefined) return String(named);
      if (d.type === 'boolean' && (literal === 'True' || literal === 'False'))
        return literal === 'True' ? '1' : '0';
      if (!INT_TEXT.test(literal)) {
        return fail(
          d.values
            ? `"${literal}" is neither a number nor a value name of ${field}`
            : `"${literal}" is not a number (${field} is a number field)`,
        );
      }
      const n = parseInteger(literal);
      const bits = d.type === 'boolean' ? 64 : (d.bits ?? 64);
      const max = d.type === 'int' ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
      if (n > max) return fail(`"${literal}" is too big for ${field} (at most ${max})`);
      if (d.type === 'int' && n < -(2n ** BigInt(bits - 1))) {
        return fail(`"${literal}" is too small for ${field} (at least ${-(2n ** BigInt(bits - 1))})`);
      }
      // A negative value for an unsigned field is accepted and never matches, as in tshark.
      return String(n);
    }
    case 'ipv4':
      if (!isIpv4Literal(literal)) return fail(`"${literal}" is not an IPv4 address or prefix (${field})`);
      return literal;
    case 'ipv6':
      if (!isIpv6Literal(literal)) return fail(`"${literal}" is not an IPv6 address or prefix (${field})`);
      return literal;
    case 'ether':
      if (!/^([0-9a-f]{12}|[0-9a-f]{2}([:.-][0-9a-f]{2}){5})$/i.test(literal))
        return fail(`"${literal}" is not an Ethernet address (${field}: six bytes, aa:bb:cc:dd:ee:ff)`);
      return literal.length === 12 ? (literal.match(/../g) ?? []).join(':') : literal;
    case 'bytes':
      if (!/^[0-9a-f]{2}([:.-]?[0-9a-f]{2})*$/i.test(literal))
        return fail(`"${literal}" is not a byte string (${field}: hex bytes, 01:02:03)`);
      return literal;
    default:
      return literal;
  }
}

function parseInteger(text: string): bigint {
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  let n: bigint;
  if (/^0x/i.test(digits)) n = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) n = BigInt(`0o${digits.slice(1)}`);
  else n = BigInt(digits);
  return negative ? -n : n;
}

function isIpv4Literal(text: string): boolean {
  const [address, bits, extra] = text.split('/');
  if (extra !== undefined) return false;
  if (bits !== undefined && !(/^[0-9]{1,2}$/.test(bits) && Number(bits) <= 32)) return false;
  try {
    parseIpv4(address);
    return true;
  } catch {
    return false;
  }
}

function isIpv6Literal(text: string): boolean {
  const [address, bits, extra] = text.split('/');
  if (extra !== undefined || !address.includes(':')) return false;
  if (bits !== undefined && !(/^[0-9]{1,3}$/.test(bits) && Number(bits) <= 128)) return false;
  try {
    parseIpv6(address);
    return true;
  } catch {
    return false;
  }
}

function evaluate(node: FilterNode, p: PacketFields): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, p) && evaluate(node.right, p);
    case 'or':
      return evaluate(node.left, p) || evaluate(node.right, p);
    case 'not':
      return !evaluate(node.operand, p);
    case 'present':
      return p.protocols.has(node.field) || p.fields.has(node.field);
    case 'compare': {
      const values = p.fields.get(node.field) ?? [];
      if (node.op === '!=') return values.length > 0 && !values.some((v) => matches(v, '==', node.value));
      return values.some((v) => matches(v, node.op, node.value));
    }
  }
}

function matches(actual: JsonFieldValue, op: CompareOp, literal: string): boolean {
  if (typeof actual === 'number') {
    const wanted = literalNumber(literal);
    if (wanted === undefined) return false;
    return compareNumbers(actual, op, wanted);
  }
  if (op === '==' || op === '!=') {
    if (literal.includes('/') && isIpText(actual)) {
      try {
        return prefixContains(parsePrefix(literal, false), actual);
      } catch {
        return false;
      }
    }
    return normalize(actual) === normalize(literal);
  }
  const a = literalNumber(actual);
  const b = literalNumber(literal);
  return a !== undefined && b !== undefined && compareNumbers(a, op, b);
}

function compareNumbers(a: number, op: CompareOp, b: number): boolean {
  switch (op) {
    case '==':
    case '!=':
      return a === b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function literalNumber(text: string): number | undefined {
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text, 16);
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'True') return 1;
  if (text === 'false' || text === 'False') return 0;
  return undefined;
}

function isIpText(text: string): boolean {
  return /^[0-9.]+$/.test(text) || (text.includes(':') && /^[0-9a-fA-F:.]+$/.test(text));
}

function normalize(text: string): string {
  if (/^[0-9a-fA-F]{2}([:.-][0-9a-fA-F]{2})+$/.test(text)) return text.toLowerCase().replace(/[.-]/g, ':');
  if (text.includes(':')) {
    try {
      return formatIpv6(parseIpv6(text));
    } catch {
      return text;
    }
  }
  if (/^[0-9.]+$/.test(text)) {
    try {
      return String(parseIpv4(text));
    } catch {
      return text;
    }
  }
  return text;
}
