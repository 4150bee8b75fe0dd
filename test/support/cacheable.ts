import { expect } from 'vitest';
import { gql } from './gateway.ts';
import { holdsSecret, SECRET_FIELDS } from './secretFields.ts';

/**
 * Which of `ids` (at most 100) the job cache's rules allow caching: finished (`terminal`) and
 * holding no secret value (no value below a field the SDL marks sensitive), as `gateway` answers
 * them to a token that may read secrets. Reading them fetches them, and the cache may keep them:
 * a test that counts the calls of a first fetch asks this of other jobs (`freshCopies` of them).
 */
export async function cacheableOf(
  gateway: { server: { url: string }; tokens: { secrets: string } },
  ids: readonly string[],
): Promise<Set<string>> {
  const res = await gql(gateway, `query($ids: [ID!]!) { jobs(ids: $ids) { ${SECRET_FIELDS} } }`, {
    variables: { ids },
    token: gateway.tokens.secrets,
  });
  expect(res.body.errors).toBeUndefined();
  const jobs = res.body.data?.jobs as Record<string, unknown>[];
  return new Set(jobs.filter((j) => j.terminal && !holdsSecret(j)).map((j) => j.id as string));
}
