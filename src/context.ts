import type DataLoader from 'dataloader';
import type { AuthContext } from './auth/directives.ts';
import type { Identity } from './auth/identity.ts';
import type { Config } from './config.ts';
import type { Sources } from './datasources/index.ts';
import { createJobLoader, NO_SUBJECT_CALLER } from './datasources/loader.ts';
import type { JobKey, KeyOf } from './globalId.ts';
import type { JobProvider, JobRecord } from './model.ts';

type Loaders = { [P in JobProvider]: DataLoader<KeyOf<P>, JobRecord, string> };

/** Per-request state: who is calling, one DataLoader per provider, and whether a secret was served. */
export interface RequestContext extends AuthContext {
  config: Config;
  requestId: string;
  loaders: Loaders;
  secretServed: boolean;
  /** Load one job through its provider's loader (batched and de-duplicated per request). */
  loadJob(key: JobKey): Promise<JobRecord>;
}

export function createRequestContext(config: Config, sources: Sources, identity: Identity, requestId: string): RequestContext {
  // The caller, for the per-caller share of each provider's concurrency: the token's subject.
  const caller = identity.subject ?? NO_SUBJECT_CALLER;
  const loaders: Loaders = {
    AWS_PANORAMA: createJobLoader(sources.AWS_PANORAMA, caller),
    AWS_OMICS: createJobLoader(sources.AWS_OMICS, caller),
    TENCENT_COS_BATCH: createJobLoader(sources.TENCENT_COS_BATCH, caller),
    AWS_IMPORT_EXPORT: createJobLoader(sources.AWS_IMPORT_EXPORT, caller),
    AWS_CODEPIPELINE: createJobLoader(sources.AWS_CODEPIPELINE, caller),
  };
  const context: RequestContext = {
    config,
    requestId,
    identity,
    loaders,
    secretServed: false,
    noteSecretServed() {
      context.secretServed = true;
    },
    loadJob(key) {
      return (loaders[key.provider] as DataLoader<JobKey, JobRecord, string>).load(key);
    },
  };
  return context;
}
