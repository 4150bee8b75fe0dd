/** The GraphQL operations the bench sends, and their HTTP bodies. */

/** The `Job` interface fields every query selects (no secrets, so the peer can answer them). */
const JOB_FIELDS =
  'id provider nativeId region state providerStatus statusMessage terminal createdAt updatedAt completedAt';

/** The body of the bench's `jobs(ids:)` query. */
export const jobsBody = (ids: readonly string[]) => {
  const query = `query BenchJobs($ids: [ID!]!) { jobs(ids: $ids) { ${JOB_FIELDS} } }`;
  return JSON.stringify({ operationName: 'BenchJobs', query, variables: { ids } });
};

export interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

/**
 * POST one operation and return status, raw text and parsed body; with `what`, throw (naming it)
 * unless the answer is a 200 with no GraphQL errors.
 */
export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  what?: string,
): Promise<{ status: number; text: string; json: GraphQLResponse }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  const json = JSON.parse(text) as GraphQLResponse;
  if (what !== undefined && (res.status !== 200 || json.errors?.length))
    throw new Error(`${what} answered ${res.status}: ${text.slice(0, 500)}`);
  return { status: res.status, text, json };
}
