import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook must not reach: loopback, private, link-local (cloud metadata lives at
 * 169.254.169.254), unique-local and unspecified. IPv4-mapped IPv6 addresses match the IPv4 rules.
 */
const PRIVATE = new BlockList();
PRIVATE.addSubnet('0.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('169.254.0.0', 16, 'ipv4');
PRIVATE.addAddress('::', 'ipv6');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');
PRIVATE.addSubnet('fe80::', 10, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) throw new Error(`${address} is not an IP address`);
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Why a host may not be called, or the addresses it may be called on. */
export type HostCheck = { ok: true; addresses: ResolvedAddress[] } | { ok: false; reason: string };

/**
 * Resolves `hostname` (a name or an IP literal, IPv6 with or without brackets) and refuses it when
 * any address it resolves to is private: a name with one public and one private address could be
 * answered with either.
 */
export async function checkPublicHost(hostname: string): Promise<HostCheck> {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: ResolvedAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) as 4 | 6 }];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })) as ResolvedAddress[];
    } catch (err) {
      return { ok: false, reason: `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }
  const blocked = addresses.find((a) => isPrivateAddress(a.address));
  if (blocked) return { ok: false, reason: `${host} resolves to ${blocked.address}, a private or loopback address` };
  if (addresses.length === 0) return { ok: false, reason: `${host} has no addresses` };
  return { ok: true, addresses };
}
