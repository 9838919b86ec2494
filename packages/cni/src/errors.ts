/**
 * The spec's well-known error codes (CNI spec 1.1.0, "Error"). 0-99 are reserved for these; a
 * plugin uses 100 and above for its own. `Internal` (999) is what the Go library reports for a
 * plugin failure that carries no code; we do the same.
 */
export const CniErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironmentVariables: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  PluginNotAvailableLimitedConnectivity: 51,
  Internal: 999,
} as const;

export type CniWellKnownErrorCode = (typeof CniErrorCode)[keyof typeof CniErrorCode];

/** What a plugin prints on stdout when it fails (and what a runtime reads back). */
export interface CniErrorJson {
  readonly cniVersion: string;
  readonly code: number;
  readonly msg: string;
  readonly details?: string;
}

/**
 * A CNI error: `code` is a well-known code or a plugin code (>= 100), `msg` the short message,
 * `details` the long one. Thrown by validation, by a plugin's handlers (the skeleton prints it)
 * and by the runtime side when a plugin fails (then `plugin` and `command` say which).
 */
export class CniError extends Error {
  override readonly name = 'CniError';
  /** The plugin type that printed this error, when it came from a plugin run by invoke/runtime. */
  plugin?: string;
  /** The CNI_COMMAND that failed, when it came from a plugin run by invoke/runtime. */
  command?: string;

  constructor(
    readonly code: number,
    readonly msg: string,
    readonly details?: string,
  ) {
    super(details ? `${msg}: ${details}` : msg);
    if (!Number.isInteger(code) || code < 0) throw new RangeError(`code: not a CNI error code: ${code}`);
  }

  toJSON(cniVersion: string): CniErrorJson {
    return this.details === undefined
      ? { cniVersion, code: this.code, msg: this.msg }
      : { cniVersion, code: this.code, msg: this.msg, details: this.details };
  }
}

/** An invalid-network-config (7) error naming the field at fault. */
export function invalidConfig(field: string, why: string): CniError {
  return new CniError(CniErrorCode.InvalidNetworkConfig, `invalid network configuration: ${field}: ${why}`);
}
