/** UDP destination ports VXLAN is seen on. */
export const VxlanPort = {
  /** IANA-assigned VXLAN port (RFC 7348 §5). */
  IANA: 4789,
  /** Linux's compiled-in default (`dstport` unset) and flannel's, from before the IANA assignment. */
  Linux: 8472,
  /** IANA-assigned VXLAN-GPE port. */
  GPE: 4790,
} as const;

/** Ports `decapsulate` and `vxlanDissectors` recognise unless told otherwise. */
export const DEFAULT_VXLAN_PORTS: readonly number[] = [VxlanPort.IANA, VxlanPort.Linux];

export const VXLAN_HEADER_LENGTH = 8;
export const MAX_VNI = 0xffffff;
