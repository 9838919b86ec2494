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
 * The only exception a cnikit decoder throws on bad input: it names the protocol layer,
 * the byte offset (from the start of the buffer handed to the decoder) and the reason.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
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
