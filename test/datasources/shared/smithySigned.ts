import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { SigV4Request } from '../../../src/datasources/shared/sigv4.ts';

/**
 * A request as the SigV4 tests describe it: jobgraph's `SigV4Request`, its header names in any
 * case (the SDK's signer takes them so), with the keys and the service and region to sign for.
 */
export type SignedCase = Omit<SigV4Request, 'headers'> & {
  headers: Record<string, string>;
  credentials: AwsCredentialIdentity;
  service: string;
  region: string;
};

/**
 * The headers `@smithy/signature-v4` (the SDK's own signer) signs `c` with at `signingDate`: the
 * oracle the SigV4 tests hold jobgraph's signer to. A repeated query name is a list, as the SDK
 * takes it.
 */
export async function smithySigned(
  c: SignedCase,
  signingDate: Date,
): Promise<Record<string, string>> {
  const [hostname, port] = c.host.split(':') as [string, string | undefined];
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of c.query ?? []) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signer = new SignatureV4({
    service: c.service,
    region: c.region,
    credentials: c.credentials,
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: c.method,
      protocol: 'https:',
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path: c.path,
      query,
      headers: { ...c.headers, host: c.host },
      ...(c.body !== '' ? { body: c.body } : {}),
    }),
    { signingDate },
  );
  return signed.headers;
}
