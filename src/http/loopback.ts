import { BlockList, isIP } from 'node:net';

/**
 * Whether a listen address is reachable only from this machine: 127.0.0.0/8, ::1 (also
 * written in full, in brackets or IPv4-mapped) or `localhost`. Anything else — 0.0.0.0, ::,
 * a LAN address, another host name — may be reachable from elsewhere.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === 'localhost.') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

/** 127.0.0.0/8 and ::1. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
