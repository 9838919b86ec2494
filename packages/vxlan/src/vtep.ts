import { DecodeError, formatIpv4, formatIpv6 } from '@cnikit/wire';
import { VxlanPort } from './constants.js';
import { VxlanDecapsulator } from './decapsulate.js';
import { type EncapsulateOptions, encapsulatedLength, VxlanEncapsulator } from './encapsulate.js';
import { Fdb, type FdbEntry, type LearnResult } from './fdb.js';
import { macKey, toMacKey } from './mac-key.js';

/** The I flag: all an RFC 7348 VTEP parses of the header's first word. */
const PARSED_BITS = 0x08000000;
/** With `gbp`, Linux also takes G and the whole low 24 bits (VXLAN_GBP_USED_BITS), even without G. */
const PARSED_BITS_GBP = PARSED_BITS | 0x80000000 | 0x00ffffff;

export interface VtepOptions {
  readonly vni: number;
  /** This VTEP's underlay MAC and IP (the `local` address of `ip link add … type vxlan`). */
  readonly localMac: string;
  readonly localIp: string;
  /** MAC of the vxlan device itself: received frames from it are loops and dropped. */
  readonly deviceMac?: string;
  /** UDP destination port. Default 4789. */
  readonly port?: number;
  /** Learn inner source MAC → outer source IP from received frames. Default true (Linux default). */
  readonly learning?: boolean;
  /**
   * Linux's `gbp` flag: take the Group Based Policy bits (G, the second flags octet with D and A,
   * the Group Policy ID). Default false: to such a VTEP they are reserved bits, and frames carrying
   * them are dropped (see `reserved-bits`).
   */
  readonly gbp?: boolean;
  /**
   * Skip learning from a GBP frame with D (don't learn) set, as the GBP draft asks. Default false,
   * as Linux behaves: it reads D into the skb mark and learns anyway (vxlan_set_mac).
   */
  readonly honourDontLearn?: boolean;
  readonly ageingSeconds?: number;
  /** Milliseconds clock for ageing. Default Date.now. */
  readonly now?: () => number;
  /** Underlay next hop MAC for a remote VTEP IP (the underlay's ARP/ND table). */
  readonly underlayMac: (remoteIp: string) => string | Uint8Array;
  /** Other encapsulation settings: TTL, TOS, DF, source-port range, UDP checksum. */
  readonly encapsulation?: Omit<EncapsulateOptions, 'srcMac' | 'dstMac' | 'src' | 'dst' | 'vni' | 'port'>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Why `receive` did not deliver a frame. */
export type VtepDropReason =
  | 'malformed'
  | 'wrong-vni'
  /** The inner source MAC is the vxlan device's own: a loop. */
  | 'own-mac'
  /** Learning is on and a static FDB entry puts the source MAC behind another VTEP. */
  | 'static-conflict'
  /**
   * A header bit this VTEP does not parse is set: a flag other than I (and G with `gbp`), the
   * reserved octets, or the octet after the VNI. Linux drops these (vxlan_rcv), unlike RFC 7348 §5's
   * "ignored on receipt", so that extensions are only honoured when configured.
   */
  | 'reserved-bits';

export type VtepReceive =
  | {
      readonly delivered: true;
      /** The inner Ethernet frame (a view into the received bytes). */
      readonly inner: Uint8Array;
      readonly remote: string;
      readonly learned?: LearnResult;
      /**
       * With `gbp`, a frame's Group Policy ID and its D and A flags: what Linux hands on as the
       * packet's skb mark (ID in the low 16 bits, D as bit 22, A as bit 19). Absent without G.
       */
      readonly groupPolicy?: {
        readonly id: number;
        readonly dontLearn: boolean;
        readonly policyApplied: boolean;
      };
    }
  | { readonly delivered: false; readonly reason: VtepDropReason; readonly error?: DecodeError };

export interface VtepTransmit {
  /** One encapsulated frame per remote VTEP (head-end replication when flooding). */
  readonly frames: { readonly remote: string; readonly frame: Uint8Array }[];
  /** `unicast`: the FDB knew the destination; `flood`: sent to the all-zeros list; `drop`: neither. */
  readonly action: 'unicast' | 'flood' | 'drop';
}

/**
 * A VXLAN tunnel endpoint modelled on Linux's vxlan device (no kernel involved): an FDB of inner
 * MAC → remote VTEP, learning from received frames (off with `learning: false`, Linux's
 * `nolearning`, as flannel runs it with static entries), ageing, and head-end replication of
 * broadcast, multicast and unknown-unicast frames to the remotes of the all-zeros entry. Received
 * headers are checked as the kernel checks them: bits it was not configured to parse drop the frame.
 */
export class Vtep {
  readonly fdb: Fdb;
  readonly vni: number;
  readonly port: number;
  readonly learning: boolean;
  readonly gbp: boolean;
  private readonly options: VtepOptions;
  /** Bits of the header's first 32-bit word this VTEP parses; any other set bit drops the frame. */
  private readonly parsedBits: number;
  private readonly deviceMacKey: number;
  private readonly decapsulator: VxlanDecapsulator;
  private readonly encapsulators = new Map<string, VxlanEncapsulator>();

  constructor(options: VtepOptions) {
    this.options = options;
    this.vni = options.vni;
    this.port = options.port ?? VxlanPort.IANA;
    this.learning = options.learning ?? true;
    this.gbp = options.gbp ?? false;
    this.parsedBits = this.gbp ? PARSED_BITS_GBP : PARSED_BITS;
    this.fdb = new Fdb({ ageingSeconds: options.ageingSeconds, now: options.now });
    this.deviceMacKey = options.deviceMac === undefined ? -1 : toMacKey(options.deviceMac);
    this.decapsulator = new VxlanDecapsulator({ ports: [this.port] });
    // Checks the options once (RangeError now rather than on the first frame).
    this.encapsulatorFor(options.localIp);
  }

  /** Encapsulates an inner Ethernet frame for every remote the FDB sends it to. */
  transmit(inner: Uint8Array): VtepTransmit {
    if (inner.length < 14) return { frames: [], action: 'drop' };
    let entry: FdbEntry | undefined;
    let action: VtepTransmit['action'] = 'unicast';
    // Group (broadcast/multicast) destinations are never learned, so they always flood.
    if ((inner[0] & 1) === 0) entry = this.fdb.lookup(inner, 0);
    if (!entry) {
      entry = this.fdb.floodList();
      action = 'flood';
    }
    if (!entry || entry.remotes.length === 0) return { frames: [], action: 'drop' };
    const frames = entry.remotes.map((remote) => {
      const enc = this.encapsulatorFor(remote);
      const out = new Uint8Array(encapsulatedLength(inner.length, enc.family));
      enc.encapsulate(inner, out, 0);
      return { remote, frame: out };
    });
    return { frames, action };
  }

  /** Decapsulates a frame from the underlay and decides, as the kernel does, whether to deliver it. */
  receive(frame: Uint8Array): VtepReceive {
    const d = this.decapsulator;
    try {
      d.bind(frame);
    } catch (e) {
      if (e instanceof DecodeError) return { delivered: false, reason: 'malformed', error: e };
      throw e;
    }
    const v = d.vxlan;
    if (((v.flags * 0x10000 + v.groupPolicyId) & ~this.parsedBits) !== 0 || v.reserved8 !== 0)
      return { delivered: false, reason: 'reserved-bits' };
    if (v.vni !== this.vni) return { delivered: false, reason: 'wrong-vni' };
    const inner = d.inner;
    if (macKey(inner.buf, inner.start + 6) === this.deviceMacKey)
      return { delivered: false, reason: 'own-mac' };
    const remote = d.ipv4 ? formatIpv4(d.ipv4.src) : formatIpv6(d.ipv6!.src);
    let learned: LearnResult | undefined;
    const dontLearn = this.options.honourDontLearn === true && v.hasGroupPolicy && v.dontLearn;
    if (this.learning && !dontLearn) {
      learned = this.fdb.learn(inner.buf, inner.start + 6, remote);
      if (learned === 'conflict') return { delivered: false, reason: 'static-conflict' };
    }
    const delivered: Mutable<Extract<VtepReceive, { delivered: true }>> = {
      delivered: true,
      inner: inner.buf.subarray(inner.start, inner.end),
      remote,
    };
    if (learned !== undefined) delivered.learned = learned;
    if (this.gbp && v.hasGroupPolicy) {
      delivered.groupPolicy = { id: v.groupPolicyId, dontLearn: v.dontLearn, policyApplied: v.policyApplied };
    }
    return delivered;
  }

  private encapsulatorFor(remote: string): VxlanEncapsulator {
    let enc = this.encapsulators.get(remote);
    if (!enc) {
      const o = this.options;
      enc = new VxlanEncapsulator({
        ...o.encapsulation,
        srcMac: o.localMac,
        dstMac: remote === o.localIp ? o.localMac : o.underlayMac(remote),
        src: o.localIp,
        dst: remote,
        vni: this.vni,
        port: this.port,
      });
      this.encapsulators.set(remote, enc);
    }
    return enc;
  }
}
