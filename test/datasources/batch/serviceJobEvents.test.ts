import { describe, expect, it } from 'vitest';
import { batch } from '../../../src/datasources/batch/index.ts';
import { parseServiceJob } from '../../../src/datasources/batch/serviceJob/parse.ts';
import { formatGlobalId } from '../../../src/model/globalId.ts';
import { BATCH_DEMO_ACCOUNT_ID } from '@jobgraph/emulators/batch/data';
import {
  progressingServiceJob,
  SERVICE_JOB_IDS,
  SERVICE_JOB_STEP_MS,
} from '@jobgraph/emulators/batch/serviceJobData';

/**
 * `Batch Service Job State Change` through the Batch provider's events: a hint naming the
 * service job (its detail lacks the payload and tags, so it is read again, never applied), and
 * its records ordered with SCHEDULED between RUNNABLE and STARTING.
 */
const events = batch.events!;
const KEY = {
  provider: 'AWS_BATCH',
  kind: 'serviceJob',
  region: 'us-east-1',
  jobId: SERVICE_JOB_IDS.progressing,
} as const;
const at = (step: number) =>
  progressingServiceJob(BATCH_DEMO_ACCOUNT_ID, 0, step * SERVICE_JOB_STEP_MS);

describe('a service job’s events', () => {
  it('reads a Batch Service Job State Change as a hint naming the service job', () => {
    const { serviceRequestPayload: _p, tags: _t, ...detail } = at(1);
    expect(events.detailTypes).toContain('Batch Service Job State Change');
    const meaning = events.read(
      detail,
      { account: 'default', region: 'us-east-1' },
      'Batch Service Job State Change',
    );
    expect(meaning.kind).toBe('hint');
    if (meaning.kind !== 'hint') return;
    expect(formatGlobalId(meaning.key)).toBe(
      `batchservice:us-east-1:${SERVICE_JOB_IDS.progressing}`,
    );
  });

  it('orders SUBMITTED < SCHEDULED < RUNNING < SUCCEEDED records of a service job', () => {
    const orders = [0, 1, 2, 3].map((step) => events.order!(parseServiceJob(KEY, at(step))));
    expect(parseServiceJob(KEY, at(1)).providerStatus).toBe('SCHEDULED');
    for (let i = 1; i < orders.length; i++) {
      const [a, b] = [orders[i - 1]!, orders[i]!];
      const cmp = a.findIndex((v, j) => v !== b[j]);
      expect(cmp, `step ${i}`).toBeGreaterThanOrEqual(0);
      expect(a[cmp]!, `step ${i}`).toBeLessThan(b[cmp]!);
    }
  });
});
