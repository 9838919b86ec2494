/** Why a decoder gave up. */
export type DecodeErrorCode =
  | 'truncated'
  | 'bad-version'
  | 'bad-length'
  | 'bad-header-length'
  | 'bad-checksum'
  | 'bad-value'
  | 'bad-option'
  | 'too-deep'
  | 'unsupported';

/**
 * The brand every DecodeError carries: a property name, the same in the ESM and the CommonJS
 * build (two copies of this class when a program loads both). A string, not a `Symbol.for`
 * symbol: a class member keyed by a call is kept by bundlers, so every user of @cnikit/wire would
 * carry DecodeError whether they decode or not.
 */
const DECODE_ERROR_BRAND = '@cnikit/wire.DecodeError';

/**
 * The only exception a cnikit decoder throws on bad input: it names the protocol layer,
 * the byte offset (from the start of the buffer handed to the decoder) and the reason.
 *
 * `e instanceof DecodeError` and `DecodeError.is(e)` hold for a DecodeError of either build of
 * this package (ESM `import` and CommonJS `require` load two copies of the class): both test a
 * brand property, not the prototype chain. `instanceof` a subclass still tests its prototype.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  /** True for a DecodeError from any build or copy of `@cnikit/wire`. */
  static is(value: unknown): value is DecodeError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<string, unknown>)[DECODE_ERROR_BRAND] === true
    );
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // A subclass keeps the ordinary prototype test: a DecodeError is not every subclass.
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` was asked about
    if (this !== DecodeError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return DecodeError.is(value);
  }

  /** The cross-build brand (see `DecodeError.is`), on the prototype: nothing per instance. */
  get '@cnikit/wire.DecodeError'(): true {
    return true;
  }

  constructor(
    readonly code: DecodeErrorCode,
    readonly layer: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${layer}: ${reason} (at byte ${offset})`);
    this.reason = reason;
  }
  readonly reason: string;
  /**
   * Where the layer that threw ends by its own length fields, when it had read them before it
   * failed (IPv6's payload length before a bad extension header), as `LayerDissection.end`.
   * `dissect` hands it to the previous layer's trailer, as Wireshark's ethertype dissector still
   * adds the Ethernet trailer after the length its payload had set. Set with `atLayerEnd`.
   */
  declare readonly layerEnd?: number;

  /**
   * Marks this error with where its layer ends (see `layerEnd`) and returns it; a mark already
   * there stays. Not part of `toJSON` or the message.
   */
  atLayerEnd(end: number): this {
    if (this.layerEnd === undefined) {
      Object.defineProperty(this, 'layerEnd', { value: end, enumerable: false });
    }
    return this;
  }

  toJSON(): { code: DecodeErrorCode; layer: string; offset: number; reason: string } {
    return { code: this.code, layer: this.layer, offset: this.offset, reason: this.reason };
  }
}

/** Throws a `truncated` DecodeError unless `need` bytes are available from `offset` before `end`. */
export function requireBytes(layer: string, offset: number, need: number, end: number): void {
  if (offset + need > end) {
    throw new DecodeError(
      'truncated',
      layer,
      offset,
      `needs ${need} bytes, only ${Math.max(0, end - offset)} left`,
    );
  }
}
