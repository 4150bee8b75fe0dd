import { jobsBody, post } from './queries.ts';

/**
 * The sensitive fields the README names under "Authorization" (CodePipeline artifactCredentials, actionConfiguration,
 * continuationToken; Import/Export signature, signatureFileContents, currentManifest and each
 * artifact url), asked with a token that may see them.
 */
const SECRET_SELECTION = `
  ... on ImportExportJob { signature signatureFileContents currentManifest artifactList { url } }
  ... on CodePipelineJob { continuationToken actionConfiguration { key } artifactCredentials { accessKeyId } }`;

const PROBE_QUERY = `query BenchSecretProbe($ids: [ID!]!) { jobs(ids: $ids) { id ${SECRET_SELECTION} } }`;

function holdsValue(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return false;
  if (Array.isArray(value)) return value.some(holdsValue);
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).some(holdsValue);
  return true;
}

/** The IDs among `ids` whose job carries a value in any sensitive field. */
export async function jobsHoldingSecrets(url: string, ids: readonly string[], secretsToken: string): Promise<Set<string>> {
  const body = JSON.stringify({ ...(JSON.parse(jobsBody(ids)) as object), operationName: 'BenchSecretProbe', query: PROBE_QUERY });
  const res = await post(url, body, { authorization: `Bearer ${secretsToken}` });
  const list = (res.json.data?.jobs ?? []) as ({ id: string } & Record<string, unknown>)[];
  const out = new Set<string>();
  for (const job of list) {
    if (!job) continue;
    const { id, ...rest } = job;
    if (holdsValue(rest)) out.add(id);
  }
  return out;
}
