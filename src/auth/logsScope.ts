import { JobgraphError } from '../errors.ts';
import { SCOPE_LOGS, SCOPE_READ, type Identity } from './identity.ts';

/**
 * The refusal of a job's log lines (`logTail`, `jobLogs`) to a caller without `jobs:logs:read`
 * and `jobs:read` (docs/logs.md): the field's own check beside its `@requiresScopes`, made
 * before any log call, so the subgraph refuses whatever a router does. UNAUTHENTICATED without
 * a token, FORBIDDEN with one; null when both scopes are there.
 */
export function logsScopeRefusal(identity: Identity, field: string): JobgraphError | null {
  if (identity.scopes.has(SCOPE_LOGS) && identity.scopes.has(SCOPE_READ)) return null;
  const what = `${field} needs a bearer token with scope ${SCOPE_READ} and ${SCOPE_LOGS}`;
  return identity.authenticated
    ? new JobgraphError('FORBIDDEN', `${what}.`)
    : new JobgraphError(
        'UNAUTHENTICATED',
        `${what}; sign in and send it as "Authorization: Bearer <token>".`,
      );
}
