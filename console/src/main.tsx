import { render } from 'preact';
import { useState } from 'preact/hooks';
import { consolePath } from './api.ts';
import { JobList } from './list.tsx';
import { JobPage } from './job.tsx';
import { lastSearch } from './filters.ts';
import { forgetToken, readToken, saveToken } from './token.ts';
import './style.css';

function TokenForm({
  message,
  onToken,
}: {
  message: string | null;
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
      {message ? (
        <p class="banner error" role="alert">
          {message}
        </p>
      ) : null}
      <p>
        Paste a token with the <code>jobs:read</code> scope. It is kept for this tab only
        (sessionStorage) and sent only to this jobgraph.
      </p>
      <label for="token">Token</label>
      <input id="token" name="token" type="password" autoComplete="off" required autoFocus />
      <button type="submit">Show jobs</button>
    </form>
  );
}

function App() {
  const [token, setToken] = useState(readToken);
  const [refused, setRefused] = useState<string | null>(null);
  const onRefused = (message: string) => {
    forgetToken();
    setRefused(
      `The token was refused${message ? `: ${message}` : ''}. It may have expired; paste a new one.`,
    );
    setToken(null);
  };
  const jobMatch = /\/console\/jobs\/([^/]+)\/?$/.exec(location.pathname);
  return (
    <>
      <header class="top">
        <a class="brand" href={`${consolePath}${jobMatch ? lastSearch() : location.search}`}>
          jobgraph <span>jobs</span>
        </a>
        {token ? (
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
        ) : null}
      </header>
      <main id="main">
        {!token ? (
          <TokenForm
            message={refused}
            onToken={(value) => {
              saveToken(value);
              setRefused(null);
              setToken(readToken());
            }}
          />
        ) : jobMatch ? (
          <JobPage id={decodeURIComponent(jobMatch[1] ?? '')} token={token} onRefused={onRefused} />
        ) : (
          <JobList token={token} onRefused={onRefused} />
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
