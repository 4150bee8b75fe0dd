import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { Kind, type ObjectTypeDefinitionNode } from 'graphql';
import { KINDS } from '../../src/datasources/registry.ts';
import { loadTypeDefs } from '../../src/sdl.ts';

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

/** Each job type by its global ID's prefix: the key grammars of the registry's kinds of job. */
export const TYPE_OF_PREFIX: Readonly<Record<string, string>> = Object.fromEntries(
  KINDS.map((k) => [k.key.prefix, k.key.typeName]),
);

/** The subgraph SDL (schema/*.graphql). */
const SDL = loadTypeDefs();

/** The `fields` of each `@key` of `type` in the SDL, as written. */
function keysOf(type: ObjectTypeDefinitionNode): string[] {
  return (type.directives ?? []).flatMap((d) => {
    const fields = d.name.value === 'key' && d.arguments?.find((a) => a.name.value === 'fields');
    return fields && fields.value.kind === Kind.STRING ? [fields.value.value] : [];
  });
}

/**
 * Each job type's native key fields, in global-ID order after the prefix: its SDL's one `@key`
 * besides `id`, its `account` left out (absent, the representation names the default account).
 */
export const NATIVE_KEY: Readonly<Record<string, string[]>> = Object.fromEntries(
  Object.values(TYPE_OF_PREFIX).map((name) => {
    const type = SDL.definitions.find(
      (d): d is ObjectTypeDefinitionNode =>
        d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === name,
    );
    const native = type ? keysOf(type).filter((fields) => fields !== 'id') : [];
    if (native.length !== 1)
      throw new Error(`${name}: expected one @key besides id in the SDL, got ${native.length}`);
    return [name, native[0]!.split(/\s+/).filter((field) => field !== 'account')];
  }),
);

/** The job type of a global ID. */
export const typeOfGlobalId = (id: string): string =>
  TYPE_OF_PREFIX[id.split(':')[0] as string] as string;
