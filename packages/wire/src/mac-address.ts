/** Six colon- or six hyphen-separated octets (one separator throughout), or Cisco's dotted form. */
const MAC_SEPARATED = /^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(?:\1[0-9a-fA-F]{2}){4}$/;
const MAC_DOTTED = /^[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}\.[0-9a-fA-F]{4}$/;

/** `aa:bb:cc:dd:ee:ff`, `aa-bb-…` or `aabb.ccdd.eeff` to 6 bytes; throws RangeError otherwise. */
export function parseMac(text: string): Uint8Array {
  if (!MAC_SEPARATED.test(text) && !MAC_DOTTED.test(text)) {
    throw new RangeError(`not a MAC address: ${JSON.stringify(text)}`);
  }
  const digits = text.replace(/[:.-]/g, '');
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = Number.parseInt(digits.slice(2 * i, 2 * i + 2), 16);
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
