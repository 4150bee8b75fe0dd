import { execFileSync } from 'node:child_process';
import { extendSchema, parse, validate, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { progressingJobIds } from '@jobgraph/emulators';
import { buildSchema } from '../../src/schema.ts';
import { watchCurlLines, watchSubscription } from '../../src/cli/watch.ts';

/** The served schema, with issue 13's `Subscription.jobUpdates` added when this build does not serve it yet. */
function schemaWithSubscription(): GraphQLSchema {
  const { schema } = buildSchema();
  if (schema.getSubscriptionType()?.getFields().jobUpdates) return schema;
  return extendSchema(
    schema,
    parse(
      'type Subscription { jobUpdates(ids: [ID!]!): Job! } extend schema { subscription: Subscription }',
    ),
  );
}

const NOW = progressingJobIds(Date.now(), Date.now());
const IDS = [NOW.panorama, NOW.omics, NOW.cosbatch, NOW.importexport];

describe('The demo banner’s SSE watch command', () => {
  it('sends a jobUpdates subscription that is valid against `jobUpdates(ids: [ID!]!): Job!` and the Job interface', () => {
    const document = parse(watchSubscription(IDS));
    expect(validate(schemaWithSubscription(), document)).toEqual([]);
    expect(document.definitions).toHaveLength(1);
    expect(document.definitions[0]).toMatchObject({
      kind: 'OperationDefinition',
      operation: 'subscription',
    });
  });

  it('is a shell command whose body is the JSON of that subscription, headers for SSE and the token', () => {
    const token = "eyJ.h'eader.sig"; // a quote, to prove the quoting holds
    const lines = watchCurlLines('http://127.0.0.1:4000/graphql', token, IDS);
    expect(lines[0]).toMatch(
      /^curl -N 'http:\/\/127\.0\.0\.1:4000\/graphql' -H 'accept: text\/event-stream' -H 'content-type: application\/json' \\$/,
    );
    // Let a real POSIX shell split the words, as it will when the line is pasted.
    const script = `set -- ${lines.join('\n').replace(/^curl -N /, '')}\nfor w do printf '%s\\0' "$w"; done`;
    const words = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\0').slice(0, -1);
    expect(words).toEqual([
      'http://127.0.0.1:4000/graphql',
      '-H',
      'accept: text/event-stream',
      '-H',
      'content-type: application/json',
      '-H',
      `authorization: Bearer ${token}`,
      '--data',
      JSON.stringify({ query: watchSubscription(IDS) }),
    ]);
  });
});
