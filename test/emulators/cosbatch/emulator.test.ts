import COS from 'cos-nodejs-sdk-v5';
import { describe, expect, it } from 'vitest';
import { createCosBatchEmulator } from '@jobgraph/emulators/cosbatch/emulator';
import { DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { useEmulator } from '../../support/useEmulator.ts';

const emu = useEmulator(createCosBatchEmulator);

/** GET `path` signed by the official COS Node SDK with the demo key. */
async function signedGet(path: string): Promise<{ status: number; body: string }> {
  const headers = { host: new URL(emu.url).host, 'x-cos-appid': DEMO_TENCENT_CREDENTIALS.appId };
  const authorization = COS.getAuthorization({
    SecretId: DEMO_TENCENT_CREDENTIALS.secretId,
    SecretKey: DEMO_TENCENT_CREDENTIALS.secretKey,
    Method: 'GET',
    Pathname: path,
    Query: {},
    Headers: headers,
  });
  const res = await fetch(`${emu.url}${path}`, {
    headers: { 'x-cos-appid': headers['x-cos-appid'], authorization },
  });
  return { status: res.status, body: await res.text() };
}

describe('The COS Batch emulator', () => {
  it('answers GET /jobs signed by the official SDK as ListJobs, and other paths with InvalidRequest', async () => {
    const list = await signedGet('/jobs');
    expect(list.status).toBe(200);
    expect(list.body).toContain('<ListJobsResult>');
    expect(emu.calls.at(-1)?.operation).toBe('ListJobs');
    const other = await signedGet('/jobs/x/y');
    expect(other.status).toBe(400);
    expect(other.body).toContain('<Code>InvalidRequest</Code>');
  });
});
