import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { Providers } from './providers.ts';
import type { Job } from './schema.ts';

/** What each request's resolvers share: one DataLoader per provider, made for that request. */
export interface PeerContext {
  loaders: Map<string, DataLoader<string, Job>>;
}

/** One loader per provider (keyed by global-ID prefix), at most 100 IDs a batch (AWS Batch's DescribeJobs limit). */
export function createContext(providers: Providers): PeerContext {
  const loaders = new Map<string, DataLoader<string, Job>>();
  for (const [prefix, read] of Object.entries(providers))
    loaders.set(prefix, new DataLoader<string, Job>(read, { maxBatchSize: 100 }));
  return { loaders };
}

export const resolvers = {
  Query: {
    /** Each ID through its provider's loader; an unknown prefix is that item's own error. */
    jobs: (
      _parent: unknown,
      args: { ids: string[] },
      context: PeerContext,
    ): (Promise<Job> | Error)[] =>
      args.ids.map((id) => {
        const loader = context.loaders.get(id.slice(0, id.indexOf(':')));
        return loader
          ? loader.load(id)
          : new GraphQLError(`Unknown job ID ${id}.`, { extensions: { code: 'BAD_USER_INPUT' } });
      }),
  },
};
