import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';

/**
 * `@apollo/gateway` serving a composed supergraph on a loopback port, forwarding the caller's
 * bearer token to the subgraphs as a router's header propagation would. (Its usage reporting is
 * off in every test process: APOLLO_TELEMETRY_DISABLED in vitest.config.ts.)
 */
export async function startApolloGateway(
  supergraphSdl: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<{ authorization?: string }>({
        ...(url === undefined ? {} : { url }),
        willSendRequest({ request, context }) {
          if (context.authorization)
            request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    }),
  });
  return { url, stop: () => server.stop() };
}

/** Each job type by its global ID's prefix. */
export const TYPE_OF_PREFIX: Readonly<Record<string, string>> = {
  panorama: 'PanoramaPackageImportJob',
  omics: 'OmicsReferenceImportJob',
  cos: 'CosBatchJob',
  importexport: 'ImportExportJob',
  codepipeline: 'CodePipelineJob',
  batch: 'BatchJob',
};

/**
 * Each type's native key fields, in global-ID order after the prefix (an AWS type's `account` left
 * out: absent, the representation names the default account).
 */
export const NATIVE_KEY: Readonly<Record<string, string[]>> = {
  PanoramaPackageImportJob: ['region', 'nativeId'],
  OmicsReferenceImportJob: ['region', 'referenceStoreId', 'nativeId'],
  CosBatchJob: ['region', 'uin', 'nativeId'],
  ImportExportJob: ['nativeId'],
  CodePipelineJob: ['region', 'nativeId'],
  BatchJob: ['region', 'nativeId'],
};

/** The job type of a global ID. */
export const typeOfGlobalId = (id: string): string =>
  TYPE_OF_PREFIX[id.split(':')[0] as string] as string;
