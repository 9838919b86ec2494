import { DecodeError, requireBytes } from '@cnikit/wire';
import { describe, expect, it } from 'vitest';

describe('DecodeError', () => {
  const e = new DecodeError('bad-version', 'ip', 14, 'version 7 is not 4');

  it('carries code, layer, offset and reason as fields', () => {
    expect(e.code).toBe('bad-version');
    expect(e.layer).toBe('ip');
    expect(e.offset).toBe(14);
    expect(e.reason).toBe('version 7 is not 4');
  });

  it('has a readable message naming layer, reason and offset', () => {
    expect(e.message).toBe('ip: version 7 is not 4 (at byte 14)');
    expect(String(e)).toBe('DecodeError: ip: version 7 is not 4 (at byte 14)');
  });

  it('is an Error named DecodeError with a stack', () => {
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(DecodeError);
    expect(e.name).toBe('DecodeError');
    expect(e.stack).toContain('DecodeError: ip: version 7 is not 4 (at byte 14)');
    expect(Object.prototype.toString.call(e)).toBe('[object Error]');
  });

  it('toJSON is a plain object of exactly the four fields', () => {
    expect(e.toJSON()).toStrictEqual({
      code: 'bad-version',
      layer: 'ip',
      offset: 14,
      reason: 'version 7 is not 4',
    });
    expect(JSON.parse(JSON.stringify(e))).toStrictEqual({
      code: 'bad-version',
      layer: 'ip',
      offset: 14,
      reason: 'version 7 is not 4',
    });
    expect(JSON.stringify({ error: new DecodeError('truncated', 'udp', 0, 'x') })).toBe(
      '{"error":{"code":"truncated","layer":"udp","offset":0,"reason":"x"}}',
    );
  });

  it('can be caught as DecodeError and distinguished from other errors', () => {
    const thrown = (() => {
      try {
        throw new DecodeError('bad-checksum', 'tcp', 50, 'checksum 0x1234 is wrong');
      } catch (x) {
        return x;
      }
    })();
    expect(thrown instanceof DecodeError && thrown.code === 'bad-checksum').toBe(true);
    expect(new RangeError('x') instanceof DecodeError).toBe(false);
  });
});

describe('requireBytes', () => {
  it('returns when the bytes are there (boundary included)', () => {
    expect(requireBytes('udp', 0, 8, 8)).toBeUndefined();
    expect(requireBytes('udp', 10, 8, 18)).toBeUndefined();
    expect(requireBytes('udp', 10, 0, 10)).toBeUndefined();
  });

  it('throws a truncated DecodeError at the offset, saying what is missing', () => {
    let caught: unknown;
    try {
      requireBytes('udp', 34, 8, 40);
    } catch (x) {
      caught = x;
    }
    expect(caught).toBeInstanceOf(DecodeError);
    const d = caught as DecodeError;
    expect(d.toJSON()).toStrictEqual({
      code: 'truncated',
      layer: 'udp',
      offset: 34,
      reason: 'needs 8 bytes, only 6 left',
    });
    expect(d.message).toBe('udp: needs 8 bytes, only 6 left (at byte 34)');
  });

  it('one byte short is truncated', () => {
    expect(() => requireBytes('eth', 0, 14, 13)).toThrow('eth: needs 14 bytes, only 13 left (at byte 0)');
  });

  it('never reports a negative number of bytes left', () => {
    expect(() => requireBytes('ip', 60, 20, 40)).toThrow('ip: needs 20 bytes, only 0 left (at byte 60)');
  });
});

describe('DecodeError.is and instanceof (the cross-build brand)', () => {
  const e = new DecodeError('truncated', 'udp', 0, 'x');

  it('recognises a DecodeError by its brand, not by its class object', () => {
    expect(DecodeError.is(e)).toBe(true);
    // What the other build's class looks like from here: another class with the same brand.
    const copy = Object.create(Object.getPrototypeOf(e));
    expect(DecodeError.is(copy)).toBe(true);
    expect(copy instanceof DecodeError).toBe(true);
    const foreign = { '@cnikit/wire.DecodeError': true };
    expect(foreign instanceof DecodeError).toBe(true);
    // on the prototype, not enumerable: nothing per instance, nothing in Object.keys or toJSON
    expect(Object.getOwnPropertyNames(e)).not.toContain('@cnikit/wire.DecodeError');
    expect(Object.keys(Object.getPrototypeOf(e))).toEqual([]);
  });

  it('is false for other errors and look-alikes', () => {
    for (const x of [new Error('x'), new RangeError('x'), { name: 'DecodeError' }, null, undefined, 'x', 0]) {
      expect(DecodeError.is(x)).toBe(false);
      expect(x instanceof DecodeError).toBe(false);
    }
  });

  it('keeps the prototype test for subclasses', () => {
    class NotificationError extends DecodeError {}
    const n = new NotificationError('bad-value', 'bgp', 19, 'y');
    expect(n instanceof DecodeError).toBe(true);
    expect(n instanceof NotificationError).toBe(true);
    expect(e instanceof NotificationError).toBe(false);
  });
});
