// What sealing costs on the job cache's hot path (issue #58; bench/README.md).
import { createSealer } from '../src/cache/sealed.ts';
import { JOB_PREFIX } from '../src/cache/jobCache.ts';
import { int } from './lib/settings.ts';
import { median } from './rig/stats.ts';

const RUNS = int('BENCH_SEALED_RUNS', 7, 1, 1000);
const PER_RUN = 20_000;

/** A finished CodePipeline job as the cache keeps it (no secret: those are never cached). */
const id = 'codepipeline:us-east-1:c0de0001-7e57-4b1d-8a11-000000000001';
const record = JSON.stringify({
  id,
  provider: 'AWS_CODEPIPELINE',
  nativeId: 'c0de0001-7e57-4b1d-8a11-000000000001',
  region: 'us-east-1',
  state: 'SUCCEEDED',
  providerStatus: 'Succeeded',
  statusMessage: null,
  terminal: true,
  createdAt: '2026-11-01T09:30:00.000Z',
  updatedAt: '2026-11-01T09:31:00.000Z',
  completedAt: '2026-11-01T09:31:00.000Z',
  accountId: '123456789012',
  nonce: '3',
  actionTypeId: { category: 'Build', owner: 'Custom', provider: 'jobgraph-build', version: '1' },
  pipelineContext: {
    pipelineName: 'deploy-web',
    stage: { name: 'Build' },
    action: { name: 'Compile', actionExecutionId: 'a1b2c3d4-0000-4000-8000-000000000001' },
  },
  inputArtifacts: [
    {
      name: 'SourceOutput',
      revision: '7f3e9a1',
      location: { type: 'S3', s3Location: { bucketName: 'artifacts-123', objectKey: 'src.zip' } },
    },
  ],
  outputArtifacts: [],
  artifactCredentials: null,
});

const sealer = createSealer('bench-cluster-secret-that-is-long-enough-0123456789');
const key = JOB_PREFIX + id;
const sealed = sealer.seal('job', key, record);

/** µs per call of `fn`, over one round. */
function perCall(fn: () => unknown): number {
  const start = performance.now();
  for (let i = 0; i < PER_RUN; i++) fn();
  return ((performance.now() - start) * 1000) / PER_RUN;
}

const rounds = { seal: [] as number[], open: [] as number[], parse: [] as number[] };
for (let r = 0; r < RUNS; r++) {
  rounds.seal.push(perCall(() => sealer.seal('job', key, record)));
  rounds.open.push(perCall(() => sealer.open('job', key, sealed, 1024 * 1024)));
  rounds.parse.push(perCall(() => JSON.parse(record)));
}
const fmt = (xs: number[]) => `${median(xs).toFixed(2)} µs`;
console.log(
  `record ${record.length} bytes: seal ${fmt(rounds.seal)}, open ${fmt(rounds.open)}, ` +
    `JSON.parse alone ${fmt(rounds.parse)} (median of ${RUNS} × ${PER_RUN})`,
);
