import { describe, expect, it } from 'vitest';
import { emulatorEnvironment, exampleGlobalIds, startEmulators } from '@jobgraph/emulators';
import { parseGlobalId } from '../../src/model/globalId.ts';

const PROVIDER = {
  panorama: 'AWS_PANORAMA',
  omics: 'AWS_OMICS',
  cosbatch: 'TENCENT_COS_BATCH',
  importexport: 'AWS_IMPORT_EXPORT',
  codepipeline: 'AWS_CODEPIPELINE',
  batch: 'AWS_BATCH',
} as const;

describe('The emulator set', () => {
  it('starts every provider’s emulator on loopback and points every client at them', async () => {
    const set = await startEmulators();
    try {
      const urls = Object.keys(PROVIDER).map((name) => set[name as keyof typeof PROVIDER].url);
      expect(new Set(urls).size).toBe(Object.keys(PROVIDER).length);
      for (const url of urls) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const env = emulatorEnvironment(set);
      expect(env).toMatchObject({
        AWS_ENDPOINT_URL_PANORAMA: set.panorama.url,
        AWS_ENDPOINT_URL_OMICS: set.omics.url,
        AWS_ENDPOINT_URL_CODEPIPELINE: set.codepipeline.url,
        AWS_ENDPOINT_URL_IMPORTEXPORT: set.importexport.url,
        COS_BATCH_ENDPOINT_URL: set.cosbatch.url,
        AWS_ENDPOINT_URL_BATCH: set.batch.url,
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
      });
    } finally {
      await set.close();
    }
  });

  it('has one example global ID per provider', () => {
    for (const [name, id] of Object.entries(exampleGlobalIds())) {
      expect(parseGlobalId(id).provider).toBe(PROVIDER[name as keyof typeof PROVIDER]);
    }
  });
});
