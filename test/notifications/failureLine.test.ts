import { describe, expect, it } from 'vitest';
import { headline, type WebhookBody } from '../../src/notifications/payload.ts';

const body = (failure?: WebhookBody['data']['failure']): WebhookBody => ({
  type: 'job.failed',
  timestamp: '2026-11-28T20:00:00.000Z',
  data: {
    rule: { id: 'r1', name: 'failed jobs' },
    job: {
      name: 'align-NA12878-deep',
      state: 'FAILED',
      provider: 'AWS_BATCH',
      region: 'us-east-1',
    },
    transitions: [],
    consoleUrl: null,
    ...(failure ? { failure } : {}),
  },
});

describe('A chat message’s first line', () => {
  it('says the failure’s category and summary after what happened', () => {
    const failure = {
      category: 'OUT_OF_MEMORY' as const,
      retryable: false,
      summary: 'The container was killed for using more memory than the job asked for.',
      evidence: [
        'attempts[0].container.reason: OutOfMemoryError: Container killed due to memory usage',
      ],
      rulesVersion: 'batch-2026.11.1',
    };
    expect(headline(body(failure))).toBe(
      'align-NA12878-deep is FAILED (AWS_BATCH, us-east-1) — OUT_OF_MEMORY: The container was killed for using more memory than the job asked for.',
    );
  });

  it('is as before without a failure', () => {
    expect(headline(body())).toBe('align-NA12878-deep is FAILED (AWS_BATCH, us-east-1)');
  });
});
