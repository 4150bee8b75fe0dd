import { createClient, type Client } from 'graphql-sse';

/** One GraphQL error as jobgraph sends it (DESIGN.md "Errors"). */
export interface GqlError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; provider?: string; upstreamCode?: string };
}

export interface GqlResult<T> {
  data?: T | null;
  errors?: GqlError[];
}

/** The server refused the token (expired, bad signature, unknown issuer): ask for another. */
export class TokenRefusedError extends Error {}

/**
 * Where the console is mounted: everything before `/console` in this page's path, so the console
 * works behind a reverse proxy that serves jobgraph under a prefix (`/jobgraph/console` →
 * `/jobgraph/graphql`).
 */
const basePath: string = location.pathname.replace(/\/console(\/.*)?$/, '');
export const consolePath = `${basePath}/console`;
const endpoint = `${basePath}/graphql`;

export function jobPath(id: string): string {
  return `${consolePath}/jobs/${encodeURIComponent(id)}`;
}

/**
 * A query or mutation over HTTP POST with the bearer token; `headers` adds request headers (a
 * mutation's `Idempotency-Key`).
 */
export async function graphql<T>(
  query: string,
  variables: Record<string, unknown>,
  token: string,
  signal?: AbortSignal,
  headers: Record<string, string> = {},
): Promise<GqlResult<T>> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query, variables }),
    ...(signal ? { signal } : {}),
  });
  let body: GqlResult<T>;
  try {
    body = (await response.json()) as GqlResult<T>;
  } catch {
    throw new Error(`jobgraph answered HTTP ${response.status} without a GraphQL body`);
  }
  const refused = body.errors?.find((e) => e.extensions?.code === 'UNAUTHENTICATED');
  if (response.status === 401 || refused) throw new TokenRefusedError(refused?.message ?? '');
  return body;
}

/** A graphql-sse client for `jobUpdates` (distinct connections: one event stream per subscription). */
export function subscriptionClient(token: string): Client {
  return createClient({
    url: endpoint,
    headers: { authorization: `Bearer ${token}` },
    retryAttempts: 3,
  });
}

/** Errors keyed by the path below `prefix` (e.g. `['listJobs','edges']` → keyed by edge index). */
export function errorsUnder(errors: readonly GqlError[] | undefined, prefix: readonly string[]) {
  const found = new Map<string | number, GqlError[]>();
  for (const e of errors ?? []) {
    const path = e.path ?? [];
    if (!prefix.every((p, i) => path[i] === p) || path.length <= prefix.length) continue;
    const key = path[prefix.length] as string | number;
    found.set(key, [...(found.get(key) ?? []), e]);
  }
  return found;
}
