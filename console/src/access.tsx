import { useEffect, useState } from 'preact/hooks';
import { graphql } from './api.ts';

interface JobAccess {
  subject: string | null;
  allAccounts: boolean;
  accounts: string[];
}

const ACCESS_QUERY = '{ jobAccess { subject allAccounts accounts } }';

/** The accounts as a person reads them: every account, none, or the aliases. */
function accountsText(access: JobAccess): string {
  if (access.allAccounts) return 'every account';
  if (access.accounts.length === 0) return 'no account';
  return access.accounts.join(', ');
}

/**
 * Which accounts this tab's token may read (`jobAccess`, as the server resolved its claim and
 * group mapping): what on-call needs to know before wondering why a job is FORBIDDEN. Shows nothing
 * until the server answered, and nothing when it could not.
 */
export function TokenAccess({ token }: { token: string }) {
  const [access, setAccess] = useState<JobAccess | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    graphql<{ jobAccess: JobAccess }>(ACCESS_QUERY, {}, token, abort.signal).then(
      (result) => setAccess(result.data?.jobAccess ?? null),
      () => setAccess(null),
    );
    return () => abort.abort();
  }, [token]);
  if (!access) return null;
  const text = accountsText(access);
  return (
    <span
      class="token-access"
      data-token-accounts={access.allAccounts ? '*' : access.accounts.join(' ')}
      title={access.subject ? `Token subject: ${access.subject}` : undefined}
    >
      Reads {text}
    </span>
  );
}
