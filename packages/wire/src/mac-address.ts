/** `aa:bb:cc:dd:ee:ff`, `aa-bb-…` or `aabb.ccdd.eeff` to 6 bytes; throws RangeError otherwise. */
export function parseMac(text: string): Uint8Array {
  const m =
    /^([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})[:-]([0-9a-fA-F]{2})$/.exec(
      text,
    ) ??
    /^([0-9a-fA-F]{2})([0-9a-fA-F]{2})\.([0-9a-fA-F]{2})([0-9a-fA-F]{2})\.([0-9a-fA-F]{2})([0-9a-fA-F]{2})$/.exec(
      text,
    );
  if (!m) throw new RangeError(`not a MAC address: ${JSON.stringify(text)}`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = Number.parseInt(m[i + 1], 16);
  return out;
}

/** 6 bytes (at `offset`) to lower-case colon form, as Wireshark writes `eth.dst`. */
export function formatMac(b: Uint8Array, offset = 0): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    const v = b[offset + i];
    s += (i ? ':' : '') + (v < 16 ? '0' : '') + v.toString(16);
  }
  return s;
}

/** Group bit (I/G) of the first octet: broadcast and multicast addresses. */
export function isMulticastMac(b: Uint8Array, offset = 0): boolean {
  return (b[offset] & 1) === 1;
}

export function isBroadcastMac(b: Uint8Array, offset = 0): boolean {
  for (let i = 0; i < 6; i++) if (b[offset + i] !== 0xff) return false;
  return true;
}
