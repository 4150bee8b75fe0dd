import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { REDACTED, secretValues } from '../../src/auth/secretValues.ts';
import { UpstreamError } from '../../src/errors.ts';
import { createFormatError } from '../../src/http/server.ts';
import { createLogger } from '../../src/logger.ts';
import { LogCapture } from '../support/gateway.ts';

/**
 * Issue 70, item 4: what formatError scrubs of a kept error. A value registered with the process
 * (here pinned, as a configured credential is whatever its shape, so that it matches the code and
 * the provider's name) is replaced in the message and in what the upstream sent, never in
 * `extensions.code` or jobgraph's other extensions. This file's process pins them for itself.
 */
describe('formatError', () => {
  it('scrubs the message and the upstream identifiers, never the code or the provider', () => {
    const echoed = 'k3Vq9ZtX1pW7rN2m';
    for (const value of ['UPSTREAM_BAD_RESPONSE', 'AWS_BATCH', echoed]) secretValues.pin(value);
    const formatError = createFormatError(createLogger('info', [], new LogCapture()));
    const upstream = new UpstreamError({
      code: 'UPSTREAM_BAD_RESPONSE',
      provider: 'AWS_BATCH',
      message: `AWS_BATCH answered UPSTREAM_BAD_RESPONSE for ${echoed}`,
      upstreamCode: `Invalid${echoed}`,
      upstreamRequestId: echoed,
    });
    const error = new GraphQLError(upstream.message, { originalError: upstream, path: ['job'] });
    const kept = formatError({ ...error.toJSON(), extensions: { ...error.extensions } }, error);
    expect(kept.message).toBe(`${REDACTED} answered ${REDACTED} for ${REDACTED}`);
    expect(kept.extensions).toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      provider: 'AWS_BATCH',
      upstreamCode: `Invalid${REDACTED}`,
      upstreamRequestId: REDACTED,
    });
  });
});
