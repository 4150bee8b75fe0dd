import { useEffect, useState } from 'preact/hooks';
import { graphql } from './api.ts';

interface JobAccess {
  subject: string | null;
  /** The token's scopes, sorted (`jobs:read`, `jobs:write`…). */
  scopes: string[];
  allAccounts: boolean;
  accounts: string[];
}

const ACCESS_QUERY = '{ jobAccess { subject scopes allAccounts accounts } }';

/** The scope that lets a token act on jobs (docs/actions.md). */
const WRITE_SCOPE = 'jobs:write';
/** The scope of a job's own log lines (docs/logs.md). */
export const LOGS_SCOPE = 'jobs:logs:read';

/**
 * One `jobAccess` question per token for the whole tab: the header and the action controls read
 * the same answer (null when the server could not give one).
 */
let asked: { token: string; answer: Promise<JobAccess | null> } | null = null;
function accessOf(token: string): Promise<JobAccess | null> {
  if (asked?.token !== token) {
    const answer = graphql<{ jobAccess: JobAccess }>(ACCESS_QUERY, {}, token).then(
      (result) => result.data?.jobAccess ?? null,
      () => null,
    );
    asked = { token, answer };
  }
  return asked.answer;
}

/** What the server says this token may do; null until it answered, and when it could not. */
function useJobAccess(token: string): JobAccess | null {
  const [access, setAccess] = useState<JobAccess | null>(null);
  useEffect(() => {
    let current = true;
    void accessOf(token).then((a) => {
      if (current) setAccess(a);
    });
    return () => {
      current = false;
    };
  }, [token]);
  return access;
}

/**
 * Whether this token may act on jobs (`jobs:write`): false until the server said so, so a
 * reader never sees an action control, not even for a moment.
 */
export function useCanAct(token: string): boolean {
  return useJobAccess(token)?.scopes.includes(WRITE_SCOPE) ?? false;
}

/**
 * Whether this token may read jobs' log lines (`jobs:logs:read`): null until the server answered
 * (and when it could not), so the page neither asks for lines nor says they are hidden before it knows.
 */
export function useCanReadLogs(token: string): boolean | null {
  const access = useJobAccess(token);
  return access ? access.scopes.includes(LOGS_SCOPE) : null;
}

/** Whether this token may see and make notification rules (`notifications:write`); null until known. */
export function useCanNotify(token: string): boolean | null {
  const access = useJobAccess(token);
  return access ? access.scopes.includes('notifications:write') : null;
}

/** The accounts as a person reads them: every account, none, or the aliases. */
function accountsText(access: Pick<JobAccess, 'allAccounts' | 'accounts'>): string {
  if (access.allAccounts) return 'every account';
  if (access.accounts.length === 0) return 'no account';
  return access.accounts.join(', ');
}

/** What each scope lets the token do, in words, in the order the header says them. */
const SCOPE_WORDS: readonly [scope: string, words: string][] = [
  [WRITE_SCOPE, 'can act'],
  [LOGS_SCOPE, 'reads logs'],
  ['jobs:secrets:read', 'sees secrets'],
  ['notifications:write', 'makes rules'],
  ['jobgraph:operate', 'operates'],
];

/**
 * What this tab's token may do, in words: the accounts it reads, then what its scopes allow
 * ("reads every account · can act · reads logs"). `jobAccess` answers as the server resolved the
 * claim and group mapping, so on-call knows which token the tab holds before wondering why a job is
 * FORBIDDEN or a button is missing. Nothing until the server answered, and nothing when it could not.
 */
function accessWords(access: Pick<JobAccess, 'scopes' | 'allAccounts' | 'accounts'>): string[] {
  const reads = access.scopes.includes('jobs:read');
  return [
    reads ? `reads ${accountsText(access)}` : 'reads no job',
    ...SCOPE_WORDS.filter(([scope]) => access.scopes.includes(scope)).map(([, words]) => words),
  ];
}

export function TokenAccess({ token }: { token: string }) {
  const access = useJobAccess(token);
  if (!access) return null;
  const words = accessWords(access);
  return (
    <span
      class="token-access"
      data-token-accounts={access.allAccounts ? '*' : access.accounts.join(' ')}
      data-token-scopes={access.scopes.join(' ')}
      title={`${access.subject ? `Token subject: ${access.subject}. ` : ''}Scopes: ${access.scopes.join(' ') || 'none'}`}
    >
      {words[0]!.charAt(0).toUpperCase() + words.join(' \u00b7 ').slice(1)}
    </span>
  );
}
