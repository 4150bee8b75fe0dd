import { parse, print } from 'graphql';
import { KINDS } from '../datasources/registry.ts';
import type { AnyKind } from '../datasources/shared/provider.ts';

/**
 * The operations Apollo Sandbox opens with in demo mode: the `jobs` dashboard over one example job
 * per provider, with the common progress fields and each provider's own (its `dashboardFields`);
 * and `LatestJobs`, the first page of `listJobs` with its cursors and the report of every source.
 */
export function sandboxDocument(ids: readonly string[]): string {
  return `# One example job at each provider (demo data from the embedded emulators).
query Dashboard {
  jobs(ids: [
${ids.map((id) => `    "${id}"`).join('\n')}
  ]) {
${DASHBOARD_FIELDS}

${LATEST_JOBS}`;
}

/** Every Job's fields: the common progress fields. */
const JOB_FIELDS = `    id
    provider
    region
    state
    providerStatus
    statusMessage
    terminal
    createdAt
    updatedAt
    completedAt`;

/**
 * A provider's own fields as an inline fragment on its type, laid out as graphql-js prints it
 * (two spaces a level) at the depth of the job's selection.
 */
function providerFragment(provider: AnyKind): string {
  const printed = print(
    parse(`{ ... on ${provider.key.typeName} { ${provider.dashboardFields} } }`),
  );
  // The printed operation's braces dropped: its selection, one level deeper.
  return printed
    .split('\n')
    .slice(1, -1)
    .map((line) => `  ${line}`)
    .join('\n');
}

/** The dashboard's selection of each job: every Job's fields, then each provider's, in registry order. */
const DASHBOARD_FIELDS = `${[JOB_FIELDS, ...KINDS.map(providerFragment)].join('\n')}
  }
}`;

/** The first page of `listJobs` with its cursors and the report of every source. */
const LATEST_JOBS = `# What ran lately across the providers, newest first; page on with after: <pageInfo.endCursor>.
query LatestJobs {
  listJobs(first: 25, filter: { states: [FAILED, IN_PROGRESS, QUEUED, SUCCEEDED] }) {
    edges {
      cursor
      node {
        id
        provider
        region
        state
        createdAt
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
    sources {
      provider
      region
      referenceStoreId
      state
      code
    }
  }
}
`;
