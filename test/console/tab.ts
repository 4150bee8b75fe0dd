import type { Browser, BrowserContext, Page } from 'playwright-core';

/** A console tab the tests opened, with what it asked for and what went wrong in it. */
export interface Opened {
  context: BrowserContext;
  page: Page;
  /** Every URL the page asked for. */
  requests: string[];
  /** Console errors and page errors (a CSP refusal shows here). */
  problems: string[];
  /** GraphQL requests made for the page's content (POST /graphql; not the header's `jobAccess`). */
  graphqlCalls(): number;
  /**
   * Load `path` in this tab as `open` loads it in a new one (the same address, `#token=` and
   * all): a shared link followed where a fresh tab is not the subject, without starting another
   * renderer for it. `path` must differ from the tab's address by more than the fragment, or
   * the browser would only move to the fragment instead of loading the page anew.
   */
  visit(path: string): Promise<void>;
}

/** Watch a page: its requests and its errors, recorded into `opened`. */
export function watch(
  page: Page,
  opened: Pick<Opened, 'requests' | 'problems'> & { headerCalls?: number },
): void {
  page.on('request', (r) => {
    opened.requests.push(r.url());
    // The header's one question (which accounts the token reads) is no call for the page's content.
    if (r.postData()?.includes('jobAccess')) opened.headerCalls = (opened.headerCalls ?? 0) + 1;
  });
  page.on('console', (m) => {
    if (m.type() === 'error') opened.problems.push(m.text());
  });
  page.on('pageerror', (e) => void opened.problems.push(e.message));
}

/**
 * `open(path, token?, at?)`: a fresh browser context (its own tab, its own sessionStorage) at
 * `path`, with `#token=` when a token is given (default: the reader token `env` names).
 */
export function tabOpener(env: () => { browser: Browser; origin: string; token: string }) {
  return async (
    path: string,
    token: string | null = env().token,
    at: string = env().origin,
  ): Promise<Opened> => {
    const context = await env().browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    const watched: { requests: string[]; problems: string[]; headerCalls?: number } = {
      requests,
      problems,
    };
    watch(page, watched);
    const visit = async (to: string) => {
      await page.goto(`${at}${to}${token ? `#token=${token}` : ''}`);
    };
    await visit(path);
    return {
      context,
      page,
      requests,
      problems,
      graphqlCalls: () =>
        requests.filter((u) => new URL(u).pathname.endsWith('/graphql')).length -
        (watched.headerCalls ?? 0),
      visit,
    };
  };
}

export interface ShownRow {
  id: string;
  state: string;
  badge: string;
  createdAt: string | null;
  text: string;
}

/** The rows shown once the list for `search` (the URL query, '' for none) has arrived. */
export async function rows(page: Page, search = new URL(page.url()).search): Promise<ShownRow[]> {
  await page.waitForSelector(`table.jobs[data-search="${search}"]`);
  return page.$$eval('tbody tr[data-job-id]', (trs) =>
    trs.map((tr) => ({
      id: tr.getAttribute('data-job-id') ?? '',
      state: tr.getAttribute('data-state') ?? '',
      badge: tr.querySelector('.badge')?.textContent ?? '',
      createdAt:
        tr.querySelector('td[data-label="Created"] time')?.getAttribute('datetime') ?? null,
      text: tr.textContent ?? '',
    })),
  );
}

/** Each state in words, as the page writes it. */
export const LABEL: Record<string, string> = {
  QUEUED: 'Queued',
  IN_PROGRESS: 'In progress',
  PAUSED: 'Paused',
  CANCELLING: 'Cancelling',
  CANCELLED: 'Cancelled',
  SUCCEEDED: 'Succeeded',
  SUCCEEDED_WITH_ERRORS: 'Succeeded with errors',
  FAILED: 'Failed',
  UNKNOWN: 'Unknown',
};

/** Make the page believe the tab was hidden or shown (the Page Visibility API), as a browser does. */
export function setVisibility(page: Page, state: 'hidden' | 'visible'): Promise<void> {
  return page.evaluate((value) => {
    Object.defineProperty(document, 'visibilityState', { value, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);
}

/** Run `body` in the tab `opening` opens, and close the tab's context however `body` ends. */
export async function inTab<T>(
  opening: Promise<Opened>,
  body: (tab: Opened) => Promise<T>,
): Promise<T> {
  const tab = await opening;
  try {
    return await body(tab);
  } finally {
    await tab.context.close();
  }
}
