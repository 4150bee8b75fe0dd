import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { TokenAccess } from './access.tsx';
import { consolePath } from './api.ts';
import { JobList } from './list.tsx';
import { JobPage } from './job.tsx';
import { HISTORY_PATH, HistoryPage } from './history.tsx';
import { NotificationsPage } from './notifications.tsx';
import { NOTIFICATIONS_PATH } from './notificationData.ts';
import { QueuesPage } from './queues.tsx';
import { QUEUES_PATH } from './queueData.ts';
import { lastSearch } from './filters.ts';
import { forgetToken, onTokenLink, readToken, saveToken } from './token.ts';
import './style.css';

/**
 * Why the server refused the token (`UNAUTHENTICATED`), and how to get a new one. `reason` is the
 * server's message ("The bearer token is not valid: it has expired."); empty when a stream was
 * refused without one.
 */
function TokenRefused({ reason }: { reason: string }) {
  const expired = /expired/i.test(reason);
  return (
    <div
      class="banner error token-refused"
      role="alert"
      data-token-refused={expired ? 'expired' : 'invalid'}
    >
      <p>
        <strong>
          {expired
            ? 'Your token has expired.'
            : reason
              ? 'This token is not valid for this jobgraph.'
              : 'Your token was refused: it has expired or is not valid for this jobgraph.'}
        </strong>{' '}
        {`jobgraph refused it${reason ? ` (\u201c${reason}\u201d)` : ''}, so this tab has forgotten it. Get a new one and paste it below:`}
      </p>
      <ul>
        <li>
          The demo (<code>npm start</code>) prints a console link with a fresh <code>#token=</code>{' '}
          each time it starts (its tokens last 12 hours): open that link. A restarted demo signs
          with a new key unless <code>JOBGRAPH_JWT_SECRET</code> is set, so the tokens it printed
          before are refused.
        </li>
        <li>
          With <code>JOBGRAPH_JWT_SECRET</code> set:{' '}
          <code>npm run jobgraph -- token --scopes "jobs:read"</code> mints one (<code>--ttl</code>{' '}
          sets its life in seconds).
        </li>
        <li>
          Elsewhere: a token with the <code>jobs:read</code> scope from the identity provider this
          jobgraph trusts (its issuer and audience).
        </li>
      </ul>
    </div>
  );
}

function TokenForm({
  refused,
  jobId,
  onToken,
}: {
  /** The server's reason for refusing the last token ('' when it gave none); null: none refused. */
  refused: string | null;
  /** The job this page shows once signed in (a job page), else null (the list). */
  jobId: string | null;
  onToken: (token: string) => void;
}) {
  return (
    <form
      class="token-form"
      aria-labelledby="token-title"
      onSubmit={(e) => {
        e.preventDefault();
        const value = new FormData(e.currentTarget).get('token');
        if (typeof value === 'string' && value.trim()) onToken(value);
      }}
    >
      <h2 id="token-title">Sign in with a bearer token</h2>
      {refused !== null ? (
        <TokenRefused reason={refused} />
      ) : (
        <p class="banner info" data-sign-in-help>
          {jobId ? (
            <>
              To see job <code>{jobId}</code>, this tab needs a token.{' '}
            </>
          ) : (
            'This tab has no token. '
          )}
          The console keeps the token in the tab it was given to (sessionStorage), so a page opened
          in a new tab or from a shared link asks for it again.
        </p>
      )}
      <p>
        Paste a token with the <code>jobs:read</code> scope here, or open the link with{' '}
        <code>#token=</code> that <code>npm start</code> prints (any console page takes one: add{' '}
        <code>#token=</code> and the token to its address). The token is sent only to this jobgraph
        and never leaves this tab.
      </p>
      <label for="token">Token</label>
      <input id="token" name="token" type="password" autoComplete="off" required autoFocus />
      <button type="submit">{jobId ? 'Show the job' : 'Show jobs'}</button>
    </form>
  );
}

/** A path segment decoded; as it is when it is not valid percent-encoding. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The views' links, the current one marked as the page. */
function TopNav({
  isHistory,
  isQueues,
  isNotify,
}: {
  isHistory: boolean;
  isQueues: boolean;
  isNotify: boolean;
}) {
  return (
    <nav class="top-nav" aria-label="Views">
      <a href={`${consolePath}${lastSearch()}`}>Jobs</a>
      <a href={HISTORY_PATH} {...(isHistory ? { 'aria-current': 'page' } : {})}>
        History
      </a>
      <a href={QUEUES_PATH} {...(isQueues ? { 'aria-current': 'page' } : {})}>
        Queues
      </a>
      <a href={NOTIFICATIONS_PATH} {...(isNotify ? { 'aria-current': 'page' } : {})}>
        Notifications
      </a>
    </nav>
  );
}

function App() {
  const [token, setToken] = useState(readToken);
  const [refused, setRefused] = useState<string | null>(null);
  // A `#token=` link followed in this tab (another token's console link) replaces its token.
  useEffect(
    () =>
      onTokenLink((next) => {
        setRefused(null);
        setToken(next);
      }),
    [],
  );
  const onRefused = (message: string) => {
    forgetToken();
    setRefused(message);
    setToken(null);
  };
  const jobMatch = /\/console\/jobs\/([^/]+)\/?$/.exec(location.pathname);
  const jobId = jobMatch ? decoded(jobMatch[1] ?? '') : null;
  const isHistory = /\/console\/history\/?$/.test(location.pathname);
  const isNotify = /\/console\/notifications\/?$/.test(location.pathname);
  const isQueues = /\/console\/queues\/?$/.test(location.pathname);
  return (
    <>
      <header class="top">
        <a
          class="brand"
          href={`${consolePath}${jobMatch || isHistory || isNotify || isQueues ? lastSearch() : location.search}`}
        >
          jobgraph <span>jobs</span>
        </a>
        <TopNav isHistory={isHistory} isQueues={isQueues} isNotify={isNotify} />
        {token ? (
          <span class="top-token">
            <TokenAccess token={token} />
            <button
              type="button"
              class="link"
              onClick={() => {
                forgetToken();
                setRefused(null);
                setToken(null);
              }}
            >
              Forget token
            </button>
          </span>
        ) : null}
      </header>
      {/* Keyed by the token: a page opened with another token starts afresh, asking nothing with the old one. */}
      <main id="main" key={token ?? ''}>
        {!token ? (
          <TokenForm
            refused={refused}
            jobId={jobId}
            onToken={(value) => {
              saveToken(value);
              setRefused(null);
              setToken(readToken());
            }}
          />
        ) : jobId !== null ? (
          <JobPage id={jobId} token={token} onRefused={onRefused} />
        ) : isHistory ? (
          <HistoryPage token={token} onRefused={onRefused} />
        ) : isNotify ? (
          <NotificationsPage token={token} onRefused={onRefused} />
        ) : isQueues ? (
          <QueuesPage token={token} onRefused={onRefused} />
        ) : (
          <JobList token={token} onRefused={onRefused} />
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
