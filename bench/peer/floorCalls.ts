// The core floor's providers (bench/README.md): the floor's calls, fixed field values.
import { floorClient, type FloorAnswer } from '../lib/floor.ts';
import { nativeOf, PROVIDER_OF_PREFIX, type BenchProvider } from '../lib/ids.ts';
import { notFound, type Providers } from './providers.ts';
import { parseGlobalId } from '../../src/model/globalId.ts';
import type { Job } from './schema.ts';

/** Which of the call's jobs it answered: all on a 200, and for AWS Batch those it describes. */
function answeredBy(a: FloorAnswer): (id: string) => boolean {
  if (a.status !== 200) return () => false;
  if (a.provider !== 'batch') return () => true;
  const described = new Set(
    ((a.parsed as { jobs?: { jobId?: string }[] }).jobs ?? []).map((j) => j.jobId),
  );
  return (id) => described.has(nativeOf(id));
}

function job(id: string): Job {
  const parts = id.split(':');
  return {
    id,
    provider: parseGlobalId(id).provider,
    nativeId: nativeOf(id),
    region: parts.length > 2 ? (parts[1] as string) : null,
    state: 'SUCCEEDED',
    providerStatus: 'Completed',
    statusMessage: null,
    terminal: true,
    createdAt: '2026-11-20T08:00:00.000Z',
    updatedAt: '2026-11-20T08:10:00.000Z',
    completedAt: '2026-11-20T08:10:00.000Z',
  };
}

/** Every provider's loader sends its IDs through one floor client. */
export function floorCallProviders(urls: Record<BenchProvider, string>): Providers {
  const client = floorClient(urls);
  const read = async (ids: readonly string[]): Promise<(Job | Error)[]> => {
    const out = new Map<string, Job | Error>();
    for (const a of await client.send(ids)) {
      const answered = answeredBy(a);
      for (const id of a.ids) out.set(id, answered(id) ? job(id) : notFound(id));
    }
    return ids.map((id) => out.get(id) as Job | Error);
  };
  return Object.fromEntries(Object.keys(PROVIDER_OF_PREFIX).map((prefix) => [prefix, read]));
}
