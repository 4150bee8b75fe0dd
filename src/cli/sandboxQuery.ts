import { parse, print } from 'graphql';
import { KINDS, kindOf } from '../datasources/registry.ts';
import type { AnyKind } from '../datasources/shared/provider.ts';
import { parseGlobalId } from '../model/globalId.ts';

/**
 * The operations Apollo Sandbox opens with in demo mode: the `jobs` dashboard over `ids` (one
 * example job of each kind of job, put in the registry's order of kinds), each job's name first,
 * then the common progress fields and each kind's own (its `dashboardFields`); and `LatestJobs`,
 * the first page of `listJobs` with its cursors and the report of every source.
 */
export function sandboxDocument(ids: readonly string[]): string {
  const rank = (id: string) => KINDS.indexOf(kindOf(parseGlobalId(id)));
  const ordered = [...ids].sort((a, b) => rank(a) - rank(b));
  return `# One example job of each kind of job (demo data from the embedded emulators).
query Dashboard {
  jobs(ids: [
${ordered.map((id) => `    "${id}"`).join('\n')}
  ]) {
${DASHBOARD_FIELDS}

${LATEST_JOBS}`;
}

/** Every Job's fields: its name first, then the common progress fields. */
const JOB_FIELDS = `    name
    id
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

/** The dashboard's selection of each job: every Job's fields, then each kind's, in registry order. */
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
