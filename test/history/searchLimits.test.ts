// jobHistory's searches cannot hurt the gateway (issue 84, item 1): on a real gateway over 200,000
// stored jobs (some holding long runs of one letter), on its default SQLite file and on a real
// PostgreSQL server, hostile searches answer or are refused within their bounds while /healthz
// keeps answering; a text out of bounds is BAD_USER_INPUT before any query; a search past its time
// limit is a clear BAD_USER_INPUT; one caller's searches at once are bounded, another's are not.
import { beforeAll, describe, expect, it } from 'vitest';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { SEARCHES_PER_CALLER } from '../../src/history/searchSlots.ts';
import { accountToken } from '../support/accountTokens.ts';
import { gql, type GqlResult, type TestGateway } from '../support/gateway.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { storeManyJobs, type ManyJobs } from '../support/manyJobs.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const SEARCH = `query($filter: JobHistoryFilter, $first: Int) {
  jobHistory(filter: $filter, first: $first) { edges { node { id } } }
}`;

type Filter = Record<string, unknown>;
const search = (gw: TestGateway, filter: Filter, token: string) =>
  gql(gw, SEARCH, { variables: { filter, first: 25 }, token });

/**
 * A search, and /healthz asked again and again while it runs: how many of those answered after
 * the search was sent and before its answer came.
 */
async function searchWhileHealthz(
  gw: TestGateway,
  filter: Filter,
  token: string,
): Promise<{ result: GqlResult; healthzDuring: number }> {
  let answered = false;
  const pending = search(gw, filter, token).finally(() => (answered = true));
  const healthz = new URL('/healthz', gw.server.url);
  let healthzDuring = 0;
  while (!answered) {
    const res = await fetch(healthz);
    await res.text();
    if (res.ok && !answered) healthzDuring++;
  }
  return { result: await pending, healthzDuring };
}

/** The search answered a page, or was stopped at its time limit with the clear error. */
function expectAnswerOrTimeLimit(result: GqlResult): string[] | 'time limit' {
  const error = result.body.errors?.[0];
  if (error) {
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter' });
    expect(typeof error.extensions?.timeoutMs).toBe('number');
    expect(error.message).toMatch(/ran past its time limit .* narrow it/);
    return 'time limit';
  }
  const page = result.body.data?.jobHistory as { edges: { node: { id: string } }[] };
  const edges = page.edges;
  return edges.map((e) => e.node.id);
}

describe.each(historyStores())('jobHistory searches on a $name', ({ skip, fresh }) => {
  let store: HistoryStoreConfig | undefined;
  let many: ManyJobs;
  beforeAll(async () => {
    if (skip) return;
    store = await fresh();
    many = await storeManyJobs(store);
  });
  const env = () => (store ? { JOBGRAPH_HISTORY_URL: historyUrlOf(store) } : {});
  const gw = useTestGateway(env);

  it.skipIf(skip)(
    'refuses a text out of its bounds as BAD_USER_INPUT naming the argument and the bound',
    async () => {
      const token = gw.tokens.read;
      for (const [text, bound] of [
        ['x'.repeat(500_000), { maxLength: 200 }],
        [`${'a'.repeat(1000)}b`, { maxLength: 200 }],
        ['ab', { minCharacters: 3 }],
        [' a  b \t', { minCharacters: 3 }],
      ] as const) {
        const res = await search(gw, { text }, token);
        expect(res.status).toBe(200);
        expect(res.body.errors).toHaveLength(1);
        expect(res.body.errors?.[0]?.extensions).toEqual({
          code: 'BAD_USER_INPUT',
          argument: 'filter.text',
          ...bound,
        });
        expect(res.body.errors?.[0]?.message).toContain('filter.text');
      }
      // The bounds themselves are searched.
      expect(expectAnswerOrTimeLimit(await search(gw, { text: 'a-c' }, token))).not.toBe(undefined);
      const longest = `${'a'.repeat(199)}b`;
      expect(expectAnswerOrTimeLimit(await search(gw, { text: longest }, token))).not.toBe(
        undefined,
      );
    },
  );

  const hostile = `${'a'.repeat(199)}b`;
  /**
   * A search that reads many rows on either store: the hostile text (the newest jobs compared, then
   * the long rows the trigram index finds confirmed one by one). A text most jobs hold no longer
   * is one: its page fills from the newest jobs.
   */
  const slow = (): Filter => ({ text: hostile });

  it.skipIf(skip)(
    'keeps /healthz answering while searches of the 200,000 jobs run, each answered or stopped at its time limit',
    async () => {
      const token = gw.tokens.read;
      const during: number[] = [];
      // Found nowhere, through the index.
      const none = await searchWhileHealthz(gw, { text: 'zqxw' }, token);
      expect(expectAnswerOrTimeLimit(none.result)).toEqual([]);
      // The longest run of `a`s allowed and a `b`: every long row holds its trigrams, none the text.
      const worst = await searchWhileHealthz(gw, { text: hostile }, token);
      expect(['time limit', []]).toContainEqual(expectAnswerOrTimeLimit(worst.result));
      // A state no job is in: the whole time index walked.
      const rare = await searchWhileHealthz(gw, { states: ['FAILED'] }, token);
      expect(['time limit', []]).toContainEqual(expectAnswerOrTimeLimit(rare.result));
      // A text most jobs hold.
      const common = await searchWhileHealthz(gw, { text: 'EXITED' }, token);
      const found = expectAnswerOrTimeLimit(common.result);
      if (found !== 'time limit') {
        expect(found).toHaveLength(25);
        expect(found[0]).toBe(`batch:us-east-1:many-${many.count - 1}`); // the newest not long
      }
      during.push(
        none.healthzDuring,
        worst.healthzDuring,
        rare.healthzDuring,
        common.healthzDuring,
      );
      // The gateway's thread was free while they ran: /healthz answered again and again between a
      // search's start and its answer (a search holding the thread lets one through at most).
      expect(Math.max(...during)).toBeGreaterThanOrEqual(3);
      const longest = await searchWhileHealthz(gw, slow(), token);
      expect(longest.healthzDuring).toBeGreaterThanOrEqual(3);
    },
  );

  it.skipIf(skip)(
    "bounds one caller's searches at once (UPSTREAM_THROTTLED beyond), not another caller's",
    async () => {
      const a = gw.tokens.read;
      const b = await accountToken(gw, undefined, 'another-caller');
      // Three of a's at once and one of b's, each reading many rows.
      const results = await Promise.all([a, a, a, b].map((token) => search(gw, slow(), token)));
      const refused = results.map((r) => r.body.errors?.[0]?.extensions?.code ?? 'answered');
      expect(refused.slice(0, 3).filter((c) => c === 'UPSTREAM_THROTTLED')).toHaveLength(1);
      expect(refused[3]).not.toBe('UPSTREAM_THROTTLED');
      const throttled = results.find(
        (r) => r.body.errors?.[0]?.extensions?.code === 'UPSTREAM_THROTTLED',
      )!;
      expect(throttled.body.errors?.[0]?.extensions).toEqual({
        code: 'UPSTREAM_THROTTLED',
        searchesPerCaller: SEARCHES_PER_CALLER,
        retryAfterMs: 5000,
      });
      expect(throttled.body.errors?.[0]?.message).toMatch(
        `at most ${SEARCHES_PER_CALLER} run at a time`,
      );
      // Once they answered, a's slots are free again.
      expect(expectAnswerOrTimeLimit(await search(gw, { text: 'zqxw' }, a))).toEqual([]);
    },
  );

  describe('with a time limit of 1 ms', () => {
    const tight = useTestGateway(() => ({ ...env(), JOBGRAPH_HISTORY_SEARCH_TIMEOUT_MS: '1' }));

    it.skipIf(skip)('answers a search past it with a clear BAD_USER_INPUT', async () => {
      // Every row read, none found: far more than a millisecond's work.
      const res = await search(tight, { states: ['FAILED'] }, tight.tokens.read);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        argument: 'filter',
        timeoutMs: 1,
      });
      expect(res.body.errors?.[0]?.message).toMatch(
        /^The jobHistory search ran past its time limit of 1 ms \(JOBGRAPH_HISTORY_SEARCH_TIMEOUT_MS\) and was stopped; narrow it/,
      );
      // The text's bounds are checked first: before any query, so no time limit is reached.
      const long = await search(tight, { text: 'x'.repeat(201) }, tight.tokens.read);
      expect(long.body.errors?.[0]?.extensions).toMatchObject({ argument: 'filter.text' });
    });
  });
});
