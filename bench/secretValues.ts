/**
 * Micro-benchmark of the secret registry (src/auth/secretValues.ts), run by hand:
 * `npm run build && node --import tsx bench/secretValues.ts [N]`.
 *
 * Every loaded record's sensitive values are learned before a resolver sees it (context.ts), so
 * this runs once per Import/Export and CodePipeline job the gateway fetches. The records are the
 * largest fixtures of the two providers that carry secrets, each with fresh values (as every real
 * job has its own credentials, signature and manifest). Prints µs of learnRecord per record while
 * the registry fills and once it is full (it then forgets its oldest value on every learn), for
 * this checkout's dist/ and, with BENCH_BEFORE_ROOT, for another checkout's (wall time, one
 * process, warmed up).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSensitiveValueCollector } from '../src/auth/secrets.ts';
import { parse as parseCodePipeline } from '../src/datasources/codepipeline/parse.ts';
import { parse as parseImportExport } from '../src/datasources/importexport/parse.ts';
import type { JobRecord } from '../src/model/job.ts';
import { JOB_TYPE_NAME } from '../src/model/jobKeys.ts';
import { buildSchema } from '../src/schema.ts';

const N = Number(process.argv[2] ?? 20_000);
const here = fileURLToPath(new URL('..', import.meta.url));
const fixture = (name: string) => readFileSync(join(here, 'test/fixtures', name), 'utf8');
const importExportBody = fixture('importexport/success-full.xml');
const codePipelineBody = fixture('codepipeline/success-full.json');

/** `count` fresh records, alternately Import/Export and CodePipeline, every secret value its own. */
function freshRecords(count: number, from: number): JobRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const n = `-${(from + i).toString(36)}`;
    if (i % 2 === 0) {
      const body = importExportBody.replace(
        /(<(?:Signature|SignatureFileContents|CurrentManifest|URL)>)([^<]*)/g,
        `$1$2${n}`,
      );
      return parseImportExport({ provider: 'AWS_IMPORT_EXPORT', jobId: 'ABC12' }, body);
    }
    const body = codePipelineBody.replace(/(FIXTURE[A-Z-]*|ASIA[A-Z0-9]+)/g, `$1${n}`);
    return parseCodePipeline(
      {
        provider: 'AWS_CODEPIPELINE',
        region: 'us-east-1',
        jobId: 'ef66c259-64f9-4d2a-8e3b-0c1d2e3f4a5b',
      },
      JSON.parse(body),
    );
  });
}

interface Registry {
  size: number;
  setRecordCollector(collect: (record: JobRecord) => string[]): void;
  learnRecord(record: JobRecord): void;
}

const built = buildSchema();
const collect = createSensitiveValueCollector(
  built.schema,
  built.policy.sensitiveFields,
  JOB_TYPE_NAME,
);

async function measure(root: string): Promise<{ filling: number; full: number; values: number }> {
  const module = (await import(pathToFileURL(join(root, 'dist/auth/secretValues.js')).href)) as {
    SecretValueRegistry: new () => Registry;
  };
  const registry = new module.SecretValueRegistry();
  registry.setRecordCollector(collect);
  const timed = (records: JobRecord[]) => {
    const t0 = performance.now();
    for (const record of records) registry.learnRecord(record);
    return ((performance.now() - t0) * 1000) / records.length;
  };
  // Filling: a fresh registry, until it is full (its size stops growing).
  let made = 0;
  const fillTimes: number[] = [];
  for (let last = -1; registry.size !== last; made += 1000) {
    last = registry.size;
    fillTimes.push(timed(freshRecords(1000, made)));
  }
  const full = timed(freshRecords(N, made));
  return {
    filling: fillTimes.slice(0, -1).reduce((a, b) => a + b, 0) / Math.max(1, fillTimes.length - 1),
    full,
    values: registry.size,
  };
}

const roots = [['this checkout', here]];
if (process.env.BENCH_BEFORE_ROOT) roots.unshift(['before', process.env.BENCH_BEFORE_ROOT]);
for (const [label, root] of roots) {
  const { filling, full, values } = await measure(root as string);
  console.log(
    `${label}: learnRecord ${filling.toFixed(1)} µs per record while filling, ${full.toFixed(1)} µs once full (${values} values held)`,
  );
}
