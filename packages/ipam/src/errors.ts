/**
 * What went wrong, as a union a caller can switch on:
 * - `exhausted`: no free address/subnet/block is left (nothing was changed);
 * - `unavailable`: a specific address or subnet was asked for and is taken, reserved or outside every range;
 * - `duplicate`: the owner already holds an address in that range set (CNI forbids a second one);
 * - `bad-config`: a configuration value is wrong (`input` names it, e.g. `ranges[0][1].gateway`);
 * - `corrupt-store`: a stored value cannot be read back (`input` names the key or file);
 * - `conflict`: an optimistic store kept losing the race past its retry budget;
 * - `store-unreachable`: the store did not answer within the configured bound (no local fallback).
 */
export type IpamErrorCode =
  | 'exhausted'
  | 'unavailable'
  | 'duplicate'
  | 'bad-config'
  | 'corrupt-store'
  | 'conflict'
  | 'store-unreachable';

export class IpamError extends Error {
  override readonly name = 'IpamError';
  constructor(
    readonly code: IpamErrorCode,
    /** The configuration path, key or file the error is about. */
    readonly input: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${input}: ${message}`, options);
  }
}

export function badConfig(input: string, message: string): IpamError {
  return new IpamError('bad-config', input, message);
}
