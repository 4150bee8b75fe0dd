// The guard's ranges (src/notifications/ssrfGuard.ts, ipaddr.js's `range()`) held to the IANA IPv4
// and IPv6 Special-Purpose Address Registries (RFC 6890 and their later entries, as of 2026) and to
// the address space registries' non-unicast blocks: every entry is refused as a notification target
// — a literal at creation, and an address a name resolves to at an attempt, whose error never says
// the address — and global unicast addresses are not. Through the real gateway too: each target the
// issue found accepted is refused by createNotificationRule (issue 100, item 7).
import { describe, expect, it } from 'vitest';
import { SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import {
  blockedAddressKind,
  postToTarget,
  TargetError,
  targetUrlRefusal,
} from '../../src/notifications/ssrfGuard.ts';
import { accountToken } from '../support/accountTokens.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/** IANA IPv4 Special-Purpose Address Registry, each entry with an address inside it (and its RFC). */
const IPV4_REGISTRY: readonly [cidr: string, inside: string, rfc: string][] = [
  ['0.0.0.0/8', '0.1.2.3', 'RFC 791'],
  ['10.0.0.0/8', '10.200.0.1', 'RFC 1918'],
  ['100.64.0.0/10', '100.127.255.254', 'RFC 6598'],
  ['127.0.0.0/8', '127.0.0.2', 'RFC 1122'],
  ['169.254.0.0/16', '169.254.169.254', 'RFC 3927'],
  ['172.16.0.0/12', '172.31.255.1', 'RFC 1918'],
  ['192.0.0.0/24', '192.0.0.9', 'RFC 6890'],
  ['192.0.2.0/24', '192.0.2.1', 'RFC 5737 (TEST-NET-1)'],
  ['192.31.196.0/24', '192.31.196.1', 'RFC 7535 (AS112-v4)'],
  ['192.52.193.0/24', '192.52.193.1', 'RFC 7450 (AMT)'],
  ['192.88.99.0/24', '192.88.99.1', 'RFC 7526 (6to4 relay, deprecated)'],
  ['192.168.0.0/16', '192.168.255.1', 'RFC 1918'],
  ['192.175.48.0/24', '192.175.48.1', 'RFC 7534 (AS112 direct delegation)'],
  ['198.18.0.0/15', '198.19.0.1', 'RFC 2544 (benchmarking)'],
  ['198.51.100.0/24', '198.51.100.7', 'RFC 5737 (TEST-NET-2)'],
  ['203.0.113.0/24', '203.0.113.9', 'RFC 5737 (TEST-NET-3)'],
  ['240.0.0.0/4', '250.1.2.3', 'RFC 1112 (reserved)'],
  ['255.255.255.255/32', '255.255.255.255', 'RFC 919 (limited broadcast)'],
  ['224.0.0.0/4', '239.1.2.3', 'RFC 5771 (multicast, the address space registry)'],
];

/** IANA IPv6 Special-Purpose Address Registry (and the address space registry's non-global blocks). */
const IPV6_REGISTRY: readonly [cidr: string, inside: string, rfc: string][] = [
  ['::1/128', '::1', 'RFC 4291 (loopback)'],
  ['::/128', '::', 'RFC 4291 (unspecified)'],
  ['::ffff:0:0/96', '::ffff:7f00:2', 'RFC 4291 (IPv4-mapped)'],
  ['::/96', '::7f00:2', 'RFC 4291 (IPv4-compatible, deprecated)'],
  ['::ffff:0:0:0/96', '::ffff:0:7f00:2', 'RFC 6145 (SIIT)'],
  ['64:ff9b::/96', '64:ff9b::7f00:2', 'RFC 6052 (NAT64)'],
  ['64:ff9b:1::/48', '64:ff9b:1::7f00:2', 'RFC 8215 (local-use NAT64)'],
  ['100::/64', '100::1', 'RFC 6666 (discard-only)'],
  ['100:0:0:1::/64', '100:0:0:1::1', 'RFC 9780 (dummy prefix)'],
  ['2001::/23', '2001:1::1', 'RFC 2928 (IETF protocol assignments)'],
  ['2001::/32', '2001:0:4136:e378::1', 'RFC 4380 (Teredo)'],
  ['2001:2::/48', '2001:2::1', 'RFC 5180 (benchmarking)'],
  ['2001:3::/32', '2001:3::1', 'RFC 7450 (AMT)'],
  ['2001:4:112::/48', '2001:4:112::1', 'RFC 7535 (AS112-v6)'],
  ['2001:10::/28', '2001:10::1', 'RFC 4843 (ORCHID, deprecated)'],
  ['2001:20::/28', '2001:20::1', 'RFC 7343 (ORCHIDv2)'],
  ['2001:30::/28', '2001:30::1', 'RFC 9374 (drone remote ID)'],
  ['2001:db8::/32', '2001:db8::1', 'RFC 3849 (documentation)'],
  ['2002::/16', '2002:7f00:2::', 'RFC 3056 (6to4)'],
  ['2620:4f:8000::/48', '2620:4f:8000::1', 'RFC 7534 (AS112 direct delegation)'],
  ['3fff::/20', '3fff::1', 'RFC 9637 (documentation)'],
  ['5f00::/16', '5f00::1', 'RFC 9602 (SRv6 SIDs)'],
  ['fc00::/7', 'fd12:3456::1', 'RFC 4193 (unique-local)'],
  ['fe80::/10', 'fe80::1', 'RFC 4291 (link-local)'],
  ['fec0::/10', 'fec0::1', 'RFC 3879 (site-local, deprecated)'],
  ['ff00::/8', 'ff02::1', 'RFC 4291 (multicast)'],
];

describe('The notification guard against the IANA special-purpose registries', () => {
  it.each([...IPV4_REGISTRY, ...IPV6_REGISTRY])('refuses %s (%s, %s)', (_cidr, inside) => {
    expect(blockedAddressKind(inside)).not.toBeNull();
    const literal = inside.includes(':') ? `[${inside}]` : inside;
    expect(targetUrlRefusal(`https://${literal}/hook`, [])).toMatch(/refused/);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700::1111', '2a00:1450:4001::200e'])(
    'lets the global unicast address %s through',
    (address) => {
      expect(blockedAddressKind(address)).toBeNull();
    },
  );

  it('allows an allowed host on its port alone, and a bare host on 443 alone', () => {
    const allow = ['127.0.0.1:9000', 'hooks.internal:443'];
    expect(targetUrlRefusal('http://127.0.0.1:9000/hook', allow)).toBeNull();
    expect(targetUrlRefusal('http://127.0.0.1:9001/hook', allow)).toMatch(/https/);
    expect(targetUrlRefusal('https://127.0.0.1:9001/hook', allow)).toMatch(/loopback/);
    expect(targetUrlRefusal('https://hooks.internal/hook', allow)).toBeNull();
    expect(targetUrlRefusal('https://hooks.internal:8443/hook', allow)).toMatch(/port 443/);
    expect(targetUrlRefusal('https://hooks.example.com:8443/hook', [])).toMatch(/port 443/);
  });

  it('never says what a name resolved to', async () => {
    const err = await postToTarget('https://hooks.example.com/x', {}, '{}', {
      allowHosts: [],
      timeoutMs: 1000,
      resolve: () => Promise.resolve([{ address: '10.1.2.3', family: 4 }]),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as TargetError).message).toContain('hooks.example.com resolves to a private');
    expect((err as TargetError).message).not.toContain('10.1.2.3');
  });
});

describe('createNotificationRule through the gateway', () => {
  const gw = useTestGateway();
  const CREATE = `mutation ($input: NotificationRuleInput!) {
    createNotificationRule(input: $input) { rule { id } }
  }`;
  it.each([
    'http://[::7f00:2]/',
    'http://[::ffff:0:7f00:2]/',
    'http://[2002:7f00:2::]/',
    'https://[64:ff9b:1::7f00:2]/',
    'https://[fec0::1]/',
    'https://192.0.2.1/',
    'https://[100::1]/',
    'https://[2001:db8::1]/',
    'https://[::7f00:2]/',
    'https://[2002:7f00:2::]/',
  ])('refuses the target %s with BAD_USER_INPUT', async (url) => {
    const token = await accountToken(gw, undefined, 'ssrf-probe', [SCOPE_READ, SCOPE_NOTIFY]);
    const res = await gql(gw, CREATE, {
      token,
      variables: { input: { name: 'probe', on: ['FAILED'], target: { kind: 'WEBHOOK', url } } },
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.data?.createNotificationRule ?? null).toBeNull();
  });

  it("refuses an emulator's port of the demo's own host: only its receiver's port is allowed", async () => {
    const token = await accountToken(gw, undefined, 'ssrf-probe', [SCOPE_READ, SCOPE_NOTIFY]);
    const control = `${gw.emulators.batch.url}/control/faults`;
    const res = await gql(gw, CREATE, {
      token,
      variables: {
        input: { name: 'probe', on: ['FAILED'], target: { kind: 'WEBHOOK', url: control } },
      },
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
