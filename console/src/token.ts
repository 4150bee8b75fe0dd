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

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token.trim().replace(/^bearer\s+/i, ''));
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
