// The notifications' sealing key (JOBGRAPH_NOTIFY_SECRET) and the cursors' HMAC key
// (JOBGRAPH_CURSOR_SECRET) are scrubbed like every configured secret (issue 100, item 7): pasted
// into an action's reason by a `jobs:write` holder, neither reaches the provider, the job's readers,
// its audit or the log.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS, batchGlobalId } from '@jobgraph/emulators/batch/data';
import { accountToken, writerToken } from '../support/accountTokens.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const NOTIFY_SECRET = `notify-${randomBytes(24).toString('base64url')}`;
const CURSOR_SECRET = `cursor-${randomBytes(24).toString('base64url')}`;

const gw = useTestGateway({
  JOBGRAPH_NOTIFY_SECRET: NOTIFY_SECRET,
  JOBGRAPH_CURSOR_SECRET: CURSOR_SECRET,
});

describe('The notify and cursor keys in a reason', () => {
  it('are redacted at the provider, for every reader of the job, in actionsTaken and in the log', async () => {
    const id = batchGlobalId(BATCH_JOB_IDS.running);
    const writer = await writerToken(gw, undefined, 'oncall-eve');
    const reader = await accountToken(gw, undefined, 'reader-fay');
    const out = await gql(
      gw,
      `mutation ($id: ID!, $reason: String!) { terminateJob(id: $id, reason: $reason) { outcome job { statusMessage } } }`,
      {
        token: writer,
        variables: { id, reason: `keys ${NOTIFY_SECRET} and ${CURSOR_SECRET} pasted` },
      },
    );
    const shown = 'keys [REDACTED] and [REDACTED] pasted';
    expect(out.body.data?.terminateJob).toEqual({
      outcome: 'REQUESTED',
      job: { statusMessage: shown },
    });
    const read = await gql(
      gw,
      `query ($id: ID!) { job(id: $id) { statusMessage actionsTaken { reason } } }`,
      { token: reader, variables: { id } },
    );
    expect(read.body.data?.job).toEqual({
      statusMessage: shown,
      actionsTaken: [{ reason: shown }],
    });
    const sent = JSON.stringify(gw.emulators.batch.received);
    for (const key of [NOTIFY_SECRET, CURSOR_SECRET]) {
      expect(sent).not.toContain(key);
      expect(gw.logs.text()).not.toContain(key);
    }
  });
});
