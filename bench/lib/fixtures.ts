import type { Stack } from '../rig/stack.ts';
import { floorClient } from './floor.ts';
import { BENCH_PROVIDERS, demoIds, synthesizeRules, type BenchProvider } from './ids.ts';
import { jobsBody, post } from './queries.ts';
import { holdsSecret, SECRET_FIELDS } from '../../test/support/secretFields.ts';

type StoredJob = Record<string, unknown> & { id: string };

/** The jobs in a `jobs` answer that carry an ID. */
function jobsOf(value: unknown): StoredJob[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter(
    (j): j is StoredJob =>
      typeof j === 'object' && j !== null && typeof (j as StoredJob).id === 'string',
  );
}

/** The IDs among `ids` whose job holds a secret (bench/README.md, `jobsHoldingSecrets`). */
async function jobsHoldingSecrets(url: string, ids: readonly string[], secretsToken: string) {
  const query = `query BenchSecretProbe($ids: [ID!]!) { jobs(ids: $ids) { ${SECRET_FIELDS} } }`;
  const body = JSON.stringify({ operationName: 'BenchSecretProbe', query, variables: { ids } });
  const res = await post(url, body, { authorization: `Bearer ${secretsToken}` });
  if (res.json.errors?.length && !res.json.data)
    throw new Error(`secret probe failed: ${res.text.slice(0, 500)}`);
  const jobs = (res.json.data?.jobs ?? []) as (Record<string, unknown> | null)[];
  return new Set(jobs.flatMap((j) => (j && holdsSecret(j) ? [j.id as string] : [])));
}

/**
 * Every demo job through the probe gateway, which finished ones hold a secret, and the `synthesize`
 * knob set: fresh IDs copy each provider's largest finished job without secrets and unfinished job;
 * returns the templates (the demo job each provider's fresh IDs copy).
 */
export async function prepareFixtures(probeUrl: string, stack: Stack) {
  const { emulators, headers, secretsToken } = stack;
  const demoBody = jobsBody(BENCH_PROVIDERS.flatMap((p) => demoIds(p)));
  const demo = jobsOf((await post(probeUrl, demoBody, headers)).json.data?.jobs);
  const finished = demo.filter((j) => j.terminal === true).map((j) => j.id);
  const secretHolding = await jobsHoldingSecrets(probeUrl, finished, secretsToken);
  const clean = new Set(finished.filter((id) => !secretHolding.has(id)));
  const sizer = floorClient(emulators.urls);
  // One call a job, AWS Batch's too, so each size is one job's.
  const sizes = await Promise.all(demo.map((j) => sizer.send([j.id])));
  sizer.close();
  const upstreamBytes = new Map(demo.map((j, i) => [j.id, sizes[i]?.[0]?.bytes ?? 0]));
  const templates = Object.fromEntries(
    BENCH_PROVIDERS.map((p) => {
      const own = demo
        .filter((j) => demoIds(p).includes(j.id))
        .sort((x, y) => (upstreamBytes.get(y.id) ?? 0) - (upstreamBytes.get(x.id) ?? 0));
      const first = (ok: (j: StoredJob) => boolean) => own.find(ok)?.id;
      const finished =
        first((j) => clean.has(j.id)) ?? first((j) => j.terminal === true) ?? own[0]?.id;
      return [p, { finished, running: first((j) => j.terminal !== true) ?? finished }];
    }),
  ) as Record<BenchProvider, { finished: string; running: string }>;
  await emulators.setFaults({ synthesize: synthesizeRules(templates) });
  return { templates };
}
