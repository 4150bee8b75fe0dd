import { JobgraphError } from '../errors.ts';
import { SCOPE_WRITE, type Identity } from './identity.ts';

/**
 * The refusal of an action on jobs by a caller without `jobs:write` (docs/actions.md): the
 * mutation's own check beside its `@requiresScopes`, so the subgraph refuses whatever a router
 * does. UNAUTHENTICATED without a token, FORBIDDEN with one; null when the scope is there.
 */
export function writeScopeRefusal(identity: Identity, field: string): JobgraphError | null {
  if (identity.scopes.has(SCOPE_WRITE)) return null;
  const what = `Mutation.${field} needs a bearer token with scope ${SCOPE_WRITE}`;
  return identity.authenticated
    ? new JobgraphError('FORBIDDEN', `${what}.`)
    : new JobgraphError(
        'UNAUTHENTICATED',
        `${what}; sign in and send it as "Authorization: Bearer <token>".`,
      );
}
