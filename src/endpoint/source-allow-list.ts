import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address; null when it is neither. */
export function parseCidr(text: string): Cidr | null {
  const [address = '', prefixText, ...rest] = text.trim().split('/');
  if (rest.length > 0) return null;
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
  if (family === null) return null;
  const bits = family === 'ipv4' ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: bits, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return null;
  return { address, prefix: Number(prefixText), family };
}

/**
 * A predicate over remote addresses: true when the address lies in one of the CIDRs. An IPv4 client
 * of a dual-stack listener shows up as `::ffff:a.b.c.d` and is matched against IPv4 ranges too.
 */
export function createSourceAllowList(cidrs: readonly string[]): (remoteAddress: string | undefined) => boolean {
  const list = new BlockList();
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (cidr === null) throw new RangeError(`not an address or CIDR: ${JSON.stringify(text)}`);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return (remoteAddress) => {
    if (remoteAddress === undefined) return false;
    const mapped = IPV4_MAPPED.exec(remoteAddress)?.[1];
    if (mapped !== undefined && list.check(mapped, 'ipv4')) return true;
    if (isIPv4(remoteAddress)) return list.check(remoteAddress, 'ipv4');
    return isIPv6(remoteAddress) && list.check(remoteAddress, 'ipv6');
  };
}
