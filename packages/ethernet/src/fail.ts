import { DecodeError, type DecodeErrorCode } from '@cnikit/wire';

/*
 * Cold throw helpers. A `bind` that builds its DecodeError messages inline carries their bytecode
 * on the hot path, which counts against V8's inlining budget; calling one of these does not.
 */

/** The `truncated` error `requireBytes` throws: `need` bytes from `offset` do not fit before `end`. */
export function failTruncated(layer: string, offset: number, need: number, end: number): never {
  throw new DecodeError(
    'truncated',
    layer,
    offset,
    `needs ${need} bytes, only ${Math.max(0, end - offset)} left`,
  );
}

export function fail(code: DecodeErrorCode, layer: string, offset: number, reason: string): never {
  throw new DecodeError(code, layer, offset, reason);
}
