import { afterEach, describe, expect, it } from 'vitest';
import { parseGlobalId, type OmicsKey } from '../../../src/model/globalId.ts';
import { omics } from '../../../src/datasources/omics/index.ts';
import type { OmicsReferenceImportJobRecord } from '../../../src/datasources/omics/record.ts';
import type { AwsSourceOptions } from '../../../src/datasources/shared/options.ts';
import type { JobSource } from '../../../src/datasources/shared/types.ts';
import { fixtureLoader, sdkFixtureHandler as fixtureHandler } from '../../support/fixtures.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';

const loadFixture = fixtureLoader('omics');

const creds = { accessKeyId: 'ASIAJOBGRAPHDEMO0001', secretAccessKey: 'demo' };
const key = (region: string) => parseGlobalId(`omics:${region}:5038720581:8110394857`) as OmicsKey;

let sources: JobSource<'AWS_OMICS', OmicsReferenceImportJobRecord>[] = [];
afterEach(() => {
  for (const s of sources) s.close?.();
  sources = [];
});

function capture(extra: Partial<AwsSourceOptions> = {}) {
  const handler = fixtureHandler(loadFixture('success-full'));
  const source = createSource(
    omics,
    { timeoutMs: 1000, maxAttempts: 1, maxSockets: 2, credentials: creds, ...extra },
    { requestHandler: handler },
  );
  sources.push(source);
  return { source, handler };
}

describe('Omics client', () => {
  // Its regional host (control-storage-), signing region, override and missing credentials: the
  // contract suite (test/datasources/shared/regionalClients.test.ts, "source addressing a region").
  it('keeps a path prefix of an endpoint override', async () => {
    const { source, handler } = capture({ endpoint: 'https://omics-proxy.example.test/aws' });
    await source.fetchJob(key('us-east-1'));
    const req = handler.requests[0]!;
    expect(req.hostname).toBe('omics-proxy.example.test');
    expect(req.path).toBe('/aws/referencestore/5038720581/importjob/8110394857');
  });
});
