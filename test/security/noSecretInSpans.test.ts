import { beforeAll, describe, expect, it } from 'vitest';
import { REDACTED, scrubSecrets, secretValues } from '../../src/auth/secretValues.ts';
import { exampleGlobalIds, type EmulatorName } from '@jobgraph/emulators';
import { parseGlobalId } from '../../src/model/globalId.ts';
import type { JobProvider } from '../../src/model/job.ts';
import { UPSTREAM_VALUE_PATTERN } from '../../src/errors.ts';
import { EMULATOR_NAMES, gql, resetFaults } from '../support/gateway.ts';
import { attrs, spanTexts, spansOf, useTracedGateway } from '../observability/otlp.ts';

/**
 * No learned secret in an exported span, whatever an upstream echoes. An upstream answers with
 * an error envelope whose error code and request ID are secret values jobgraph learned (here,
 * the artifact credentials of a CodePipeline job it served): the GraphQL error shows them
 * scrubbed, and so must every span — each text of each span exported over OTLP, by value.
 */

const ex = exampleGlobalIds();
/** Each emulator's provider, from its example job's ID. */
const PROVIDER = Object.fromEntries(
  EMULATOR_NAMES.map((name) => [name, parseGlobalId(ex[name]).provider]),
) as Record<EmulatorName, JobProvider>;

describe('No learned secret in a span attribute, when an upstream echoes one as its request ID or error code', () => {
  const { receiver, gw } = useTracedGateway({ JOBGRAPH_BREAKER_FAILURES: '1000' });
  /** Learned values an upstream could echo as a code or request ID (they match UPSTREAM_VALUE_PATTERN). */
  let echoed: string[] = [];

  beforeAll(async () => {
    // Learn the secrets through the gateway: a CodePipeline job's artifact credentials, read with the secrets scope.
    const res = await gql<{ job: { artifactCredentials: Record<string, string> } }>(
      gw,
      `query Learn($id: ID!) { job(id: $id) { ... on CodePipelineJob { artifactCredentials { accessKeyId secretAccessKey sessionToken } } } }`,
      { variables: { id: ex.codepipeline }, token: gw.tokens.secrets },
    );
    expect(res.body.errors).toBeUndefined();
    const credentials = Object.values(res.body.data!.job.artifactCredentials);
    echoed = credentials.filter((v) => UPSTREAM_VALUE_PATTERN.test(v));
    expect(echoed.length).toBeGreaterThanOrEqual(2);
    for (const secret of echoed) expect(secretValues.contains(secret), secret).toBe(true);
  });

  it.each([400, 503])(
    'every provider, HTTP %i: the attempt span carries the code and request ID scrubbed, and no span holds a secret',
    async (status) => {
      await gw.observability!.tracing!.forceFlush();
      receiver.posts.length = 0;
      const [secretA, secretB] = echoed as [string, string];
      for (const name of EMULATOR_NAMES) {
        gw.emulators[name].setFaults({
          errorAnswer: {
            status,
            code: secretA,
            message: `failed for ${secretB}`,
            requestId: secretB,
          },
        });
        const res = await gql(gw, `query Echo($id: ID!) { job(id: $id) { id } }`, {
          variables: { id: ex[name] },
          token: gw.tokens.read,
        });
        resetFaults(gw);
        const error = res.body.errors?.[0];
        // jobgraph kept both values (they pass the pattern of upstream identifiers) and scrubbed them for the client.
        expect(error?.extensions, name).toMatchObject({
          upstreamCode: REDACTED,
          upstreamRequestId: REDACTED,
        });
        expect(res.text, name).not.toContain(secretA);
        expect(res.text, name).not.toContain(secretB);
      }
      await gw.observability!.tracing!.forceFlush();
      const spans = spansOf(receiver);

      // The attempt span of each provider has both attributes: set, and scrubbed.
      for (const name of EMULATOR_NAMES) {
        const attempt = spans.filter(
          (s) =>
            attrs(s)['jobgraph.provider'] === PROVIDER[name] &&
            attrs(s)['rpc.method'] !== undefined,
        );
        expect(attempt, name).toHaveLength(1);
        expect(attrs(attempt[0]!), name).toMatchObject({
          'jobgraph.upstream.error_code': REDACTED,
          'jobgraph.upstream.request_id': REDACTED,
        });
      }

      // Every text of every span (name, every attribute, events, links, status), by value.
      for (const span of spans) {
        for (const { where, text } of spanTexts(span)) {
          for (const secret of echoed) expect(text, where).not.toContain(secret);
          expect(scrubSecrets(text), where).toBe(text);
        }
      }
      // And the bytes exported, whatever field a secret could have gone to.
      const exported = receiver.posts.map((p) => p.body.toString('utf8')).join('\n');
      expect(exported).toContain(REDACTED);
      for (const secret of echoed) expect(exported).not.toContain(secret);
    },
  );
});
