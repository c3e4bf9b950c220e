import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { parseCidr } from '../config/cidr.js';

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

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
