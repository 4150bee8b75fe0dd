import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { useTestGateway } from '../support/useTestGateway.ts';

// What docs/clients.md says about Apollo Client's subscriptions: a reader (jobs:read only) who
// selects a secret field gets that field's FORBIDDEN error in every event; on Apollo Client's
// default errorPolicy ('none') that error takes the whole event's `data` with it, and
// `errorPolicy: 'all'`, given on the subscription itself (`defaultOptions` has no entry for
// subscriptions), keeps the rest of the job.

const ID = exampleGlobalIds().importexport; // a finished job: one event, then complete
const WATCH_WITH_SECRET = gql`
  subscription ($ids: [ID!]!) {
    jobUpdates(ids: $ids) {
      id
      state
      ... on ImportExportJob {
        signature
      }
    }
  }
`;

const gw = useTestGateway();

/** Every result Apollo Client's `subscribe` emits for one subscription, until it completes. */
async function subscribeAll(
  errorPolicy: 'none' | 'all' | undefined,
): Promise<{ data: unknown; error: unknown }[]> {
  const wsClient = createWsClient({
    url: gw.server.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${gw.tokens.read}` },
  });
  const client = new ApolloClient({
    link: new GraphQLWsLink(wsClient),
    cache: new InMemoryCache(),
  });
  try {
    return await new Promise((resolve, reject) => {
      const results: { data: unknown; error: unknown }[] = [];
      client
        .subscribe({
          query: WATCH_WITH_SECRET,
          variables: { ids: [ID] },
          ...(errorPolicy ? { errorPolicy } : {}),
        })
        .subscribe({
          next: ({ data, error }) => void results.push({ data, error }),
          error: reject,
          complete: () => resolve(results),
        });
    });
  } finally {
    await wsClient.dispose();
  }
}

const forbiddenSignature = expect.objectContaining({
  errors: [
    expect.objectContaining({
      path: ['jobUpdates', 'signature'],
      extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
    }),
  ],
});

describe("Apollo Client's subscriptions when a reader selects a secret field", () => {
  it("lose the whole event's data on the default errorPolicy ('none')", async () => {
    expect(await subscribeAll(undefined)).toEqual([{ data: undefined, error: forbiddenSignature }]);
  });

  it("keep the job, with null for the secret field and its FORBIDDEN error, on errorPolicy 'all'", async () => {
    expect(await subscribeAll('all')).toEqual([
      {
        data: {
          jobUpdates: {
            __typename: 'ImportExportJob',
            id: ID,
            state: 'SUCCEEDED',
            signature: null,
          },
        },
        error: forbiddenSignature,
      },
    ]);
  });
});
