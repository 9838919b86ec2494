import {
  checkUint,
  type DissectContext,
  type DissectionNode,
  hex,
  type LayerDissection,
  type LayerDissector,
  readU16,
  writeU16,
} from '@cnikit/wire';
import { MAX_8023_LENGTH } from './constants.js';
import { layerTrailer } from './ethernet-trailer.js';
import { failTruncated } from './fail.js';

const EMPTY = new Uint8Array(0);
export const VLAN_TAG_LENGTH = 4;

/** An IEEE 802.1Q / 802.1ad tag after its TPID: TCI (PCP, DEI, VID) and the next EtherType. */
export interface VlanTagHeader {
  /** Priority code point, 0..7. */
  pcp: number;
  /** Drop eligible indicator (formerly CFI). */
  dei: boolean;
  /** VLAN identifier, 0..4095. */
  vid: number;
  /** EtherType of what follows (another tag's TPID for stacked tags), or an 802.3 length ≤ 1500. */
  etherType: number;
}

/** Zero-copy, rebindable view of the 4 bytes that follow a 0x8100/0x88a8 TPID. */
export class VlanTag {
  buf: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  /** Layer name used in errors: `vlan` or `ieee8021ad`. */
  layer = 'vlan';

  static parse(buf: Uint8Array, start = 0, end = buf.length): VlanTag {
    return new VlanTag().bind(buf, start, end);
  }

  bind(buf: Uint8Array, start = 0, end = buf.length): this {
    if (end - start < VLAN_TAG_LENGTH) failTruncated(this.layer, start, VLAN_TAG_LENGTH, end);
    this.buf = buf;
    this.start = start;
    this.end = end;
    return this;
  }

  get tci(): number {
    return readU16(this.buf, this.start);
  }
  get pcp(): number {
    return this.buf[this.start] >>> 5;
  }
  get dei(): boolean {
    return (this.buf[this.start] & 0x10) !== 0;
  }
  get vid(): number {
    return readU16(this.buf, this.start) & 0x0fff;
  }
  get etherType(): number {
    return readU16(this.buf, this.start + 2);
  }
  get isLengthField(): boolean {
    return this.etherType <= MAX_8023_LENGTH;
  }
  get payloadOffset(): number {
    return this.start + VLAN_TAG_LENGTH;
  }
  get payload(): Uint8Array {
    return this.buf.subarray(this.start + VLAN_TAG_LENGTH, this.end);
  }

  toJSON(): VlanTagHeader {
    return { pcp: this.pcp, dei: this.dei, vid: this.vid, etherType: this.etherType };
  }
}

/** What `writeVlanTag` takes: priority 0 and DEI clear when left out. */
export interface VlanTagHeaderInit {
  pcp?: number;
  dei?: boolean;
  vid: number;
  etherType: number;
}

/** Writes the 4-byte tag (TCI + EtherType) at `offset`; the TPID before it is the caller's. */
export function writeVlanTag(h: VlanTagHeaderInit, out: Uint8Array, offset = 0): number {
  const pcp = h.pcp ?? 0;
  checkUint('pcp', pcp, 7);
  checkUint('vid', h.vid, 0xfff);
  checkUint('etherType', h.etherType, 0xffff);
  if (!Number.isInteger(offset) || offset < 0 || offset + VLAN_TAG_LENGTH > out.length) {
    throw new RangeError(`out has no room for ${VLAN_TAG_LENGTH} bytes at offset ${offset}`);
  }
  writeU16(out, offset, (pcp << 13) | (h.dei ? 0x1000 : 0) | h.vid);
  writeU16(out, offset + 2, h.etherType);
  return VLAN_TAG_LENGTH;
}

export function encodeVlanTag(h: VlanTagHeaderInit): Uint8Array {
  const out = new Uint8Array(VLAN_TAG_LENGTH);
  writeVlanTag(h, out, 0);
  return out;
}

function dissectTag(
  buf: Uint8Array,
  start: number,
  end: number,
  context: DissectContext,
  layer: 'vlan' | 'ieee8021ad',
): LayerDissection {
  const tag = new VlanTag();
  tag.layer = layer;
  tag.bind(buf, start, end);
  const type = tag.etherType;
  const is8023 = layer === 'vlan' && type <= MAX_8023_LENGTH;
  const field = (f: string, name: string, offset: number, length: number, value: number | boolean) =>
    ({ field: `${layer}.${f}`, name, offset, length, value }) as DissectionNode;
  // Wireshark's 802.1ad dissector names its type field after 802.1ah.
  const typeField = layer === 'vlan' ? (is8023 ? 'vlan.len' : 'vlan.etype') : 'ieee8021ah.etype';
  const typeNode: DissectionNode = is8023
    ? { field: typeField, name: 'Length', offset: start + 2, length: 2, value: type }
    : {
        field: typeField,
        name: 'Type',
        offset: start + 2,
        length: 2,
        value: type,
        display: `Type: ${hex(type, 4)}`,
      };
  const node: DissectionNode = {
    field: layer,
    name: layer === 'vlan' ? '802.1Q Virtual LAN' : 'IEEE 802.1ad',
    offset: start,
    length: VLAN_TAG_LENGTH,
    display: `${layer === 'vlan' ? '802.1Q Virtual LAN' : 'IEEE 802.1ad'}, PRI: ${tag.pcp}, DEI: ${tag.dei ? 1 : 0}, ID: ${tag.vid}`,
    children: [
      field('priority', 'Priority', start, 2, tag.pcp),
      field('dei', 'DEI', start, 2, layer === 'vlan' ? tag.dei : tag.dei ? 1 : 0),
      field('id', 'ID', start, 2, tag.vid),
      typeNode,
    ],
  };
  const payloadStart = start + VLAN_TAG_LENGTH;
  return {
    node,
    next: is8023
      ? { table: 'llc', keys: [], start: payloadStart, end: Math.min(end, payloadStart + type) }
      : { table: 'ethertype', keys: [type], start: payloadStart, end },
    // Wireshark's tag dissectors show the bytes after their payload themselves, never as an FCS.
    trailer: layerTrailer(
      buf,
      start,
      end,
      context,
      layer === 'vlan' ? 'vlan.trailer' : 'ieee8021ah.trailer',
      false,
      is8023 ? payloadStart + type : undefined,
    ),
  };
}

/**
 * 802.1Q customer tag (TPID 0x8100); a tag's EtherType of 0x8100/0x88a8 leads to the next tag.
 * Padding after its payload is `eth.padding`, other bytes `vlan.trailer`, as in Wireshark.
 */
export const dissectVlan: LayerDissector = (buf, start, end, context) =>
  dissectTag(buf, start, end, context, 'vlan');

/** 802.1ad service tag (TPID 0x88a8), the outer tag of QinQ; its trailer is `ieee8021ah.trailer`. */
export const dissectQinQ: LayerDissector = (buf, start, end, context) =>
  dissectTag(buf, start, end, context, 'ieee8021ad');

export const vlanBindings = [
  { table: 'ethertype', key: 0x8100, layer: 'vlan' },
  { table: 'ethertype', key: 0x88a8, layer: 'ieee8021ad' },
] as const;
