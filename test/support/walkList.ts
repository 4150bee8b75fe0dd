import { expect } from 'vitest';
import type { WireRequest } from '../../src/datasources/shared/source.ts';
import type { RunningEmulator } from '@jobgraph/emulators/framework';
import { signedAws } from '../emulators/listClient.ts';
import { loadFixture, type FixtureProvider } from './fixtures.ts';

/**
 * Every item a list operation gives, page after page: `request(token)` is a page's wire request,
 * `send` answers it (200 expected) and `parse` reads the page; from no token until a page
 * carries none.
 */
export async function walkList<T>(
  send: (req: WireRequest) => Promise<{ status: number; body: string }>,
  parse: (body: string) => { items: T[]; nextToken: string | null },
  request: (token: string | null) => WireRequest,
): Promise<T[]> {
  const items: T[] = [];
  let token: string | null = null;
  do {
    const res = await send(request(token));
    expect(res.status).toBe(200);
    const page = parse(res.body);
    items.push(...page.items);
    token = page.nextToken;
  } while (token);
  return items;
}

/** `send` for `walkList`: the request signed with SigV4 for `service`, sent to `emu`. */
export const signedAwsSend =
  (emu: RunningEmulator, service: string) =>
  (req: WireRequest): ReturnType<typeof signedAws> =>
    signedAws(emu, {
      service,
      method: req.method,
      path: req.path,
      query: Object.fromEntries(req.query ?? []),
      headers: req.headers,
      ...(req.body !== '' ? { body: req.body } : {}),
    });

/**
 * A provider's list fixtures (test/fixtures/<provider>/list/): `fixture(name)` the answer,
 * `wire(name)` its page as `parse` reads the body, `lastPage(name)` the same, a last page.
 */
export function listFixtures<P extends { nextToken: string | null }>(
  provider: FixtureProvider,
  parse: (body: string) => P,
) {
  const fixture = (name: string) => loadFixture(provider, `list/${name}`);
  const wire = (name: string) => parse(fixture(name).body);
  /** `wire(name)`, which must be a last page: no nextToken. */
  const lastPage = (name: string) => {
    const page = wire(name);
    expect(page.nextToken).toBeNull();
    return page;
  };
  return { fixture, wire, lastPage };
}
