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

/**
 * The demo embeds a 12-hour jobs:read token in the Sandbox page, so anyone who can load the
 * page holds it. Harmless on loopback; beyond it, say so loudly. It stays embedded (the demo's
 * point is a Sandbox that works at once), and what it exposes is bounded: the key is made at
 * each start, so the token is good only for this process, which serves only the emulators'
 * seeded demo data. Returns the warning lines, or null on a loopback address.
 */
export function demoExposureWarning(host: string): string[] | null {
  if (isLoopbackHost(host)) return null;
  return [
    `  WARNING: the demo is listening on ${host}, which is not a loopback address.`,
    '  The Sandbox page embeds a 12-hour jobs:read token, and the tokens below are printed here:',
    '  anyone who can reach this port can read the page and use the token. They are valid only',
    '  for this process and its emulated demo data. Set HOST=127.0.0.1 to keep the demo local.',
  ];
}
