/**
 * The bearer token: from a `#token=` fragment (the demo prints such a link) or the token field,
 * kept in sessionStorage, so it lives in this tab only and never in a URL the server sees (a
 * fragment is not sent, and it is removed from the address bar as soon as it is read).
 */
const KEY = 'jobgraph.console.token';

export function readToken(): string | null {
  const fragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fragment) {
    sessionStorage.setItem(KEY, fragment.trim());
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  }
  return sessionStorage.getItem(KEY);
}

/**
 * Calls `then` with the token of each `#token=` link followed while the tab is open: a link that
 * differs from the open page by its fragment alone does not load the page again (a `hashchange`),
 * and the pages drop the fragment from the address as they keep their filters, so a reload would
 * not see it either. The new token replaces the tab's at once. Returns the unsubscribe.
 */
export function onTokenLink(then: (token: string) => void): () => void {
  const changed = () => {
    const before = sessionStorage.getItem(KEY);
    const token = readToken();
    if (token !== null && token !== before) then(token);
  };
  addEventListener('hashchange', changed);
  return () => removeEventListener('hashchange', changed);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim().replace(/^bearer\s+/i, ''));
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
