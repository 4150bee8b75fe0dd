import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { DEMO_AWS_CREDENTIALS } from '../../src/emulators/framework.ts';

/**
 * A SigV4-signed Panorama DescribePackageImportJob for one demo job, straight to the
 * emulator: the baseline "one upstream round trip". The emulator accepts a signature for
 * 15 minutes, so one signed request can be replayed for a whole bench run.
 */
export async function signedPanoramaRequest(emulatorUrl: string, globalId: string): Promise<{ url: string; headers: Record<string, string> }> {
  const [, region, jobId] = globalId.split(':') as [string, string, string];
  const base = new URL(emulatorUrl);
  const path = `/packages/import-jobs/${encodeURIComponent(jobId)}`;
  const signer = new SignatureV4({ service: 'panorama', region, credentials: { ...DEMO_AWS_CREDENTIALS }, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    new HttpRequest({ method: 'GET', protocol: 'http:', hostname: base.hostname, port: Number(base.port), path, headers: { host: base.host } }),
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k] = String(v);
  return { url: `${base.origin}${path}`, headers };
}
