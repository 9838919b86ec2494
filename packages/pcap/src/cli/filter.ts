import { formatIpv6, parseIpv4, parseIpv6, parsePrefix, prefixContains } from '@cnikit/wire';
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
  | { kind: 'present'; field: string }
  | { kind: 'compare'; field: string; op: CompareOp; value: string };

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
      return { kind: 'compare', field: t.text, op: op.text as CompareOp, value: v.text };
    }
    return { kind: 'present', field: t.text };
  };
  const tree = parseOr();
  if (peek().type !== 'end') fail(peek(), `unexpected ${peek().text}`);
  return tree;
}

/** Compiles a filter string into a predicate over a packet's fields. */
export function compileFilter(filter: string): PacketFilter {
  const tree = parseFilter(filter);
  return (packet) => evaluate(tree, packet);
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
