import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { loadTypeDefs } from '../../src/schema.ts';
import { NATIVE_KEY, startApolloGateway, typeOfGlobalId } from '../support/apolloGateway.ts';
import { WATCHERS_SDL, startOtherTeamSubgraphs } from '../support/deploymentsSubgraph.ts';
import {
  EMULATOR_NAMES,
  callsOf,
  clearCalls,
  describeCalls,
  emulatorOf,
  freshCopies,
  gql,
  upstreamCallCount,
} from '../support/gateway.ts';
import { cacheableOf } from '../support/cacheable.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { subscribe } from '../support/subscriptions.ts';

/**
 * A finished job asked for again is answered from the cross-request job cache, which hands out one
 * deeply frozen record per job. `@apollo/subgraph` defines `__typename` on whatever a
 * `__resolveReference` returns, so every repeated `_entities` reference to a cached job once failed
 * (null, INTERNAL_SERVER_ERROR "Cannot define property __typename, object is not extensible"),
 * directly and through a supergraph. The gateway here runs the default configuration: cache on.
 */

const ex = exampleGlobalIds();
/** Every provider's example job: the cache keeps those finished without secrets, and never the rest. */
const JOBS = EMULATOR_NAMES.map((name) => ex[name]);
/** The jobs of JOBS the cache keeps once fetched (see `beforeAll`). */
let CACHEABLE: string[] = [];

const typeOf = typeOfGlobalId;
/** The three representations of a job a router may send: the interface by `id`, its type by `id`, its type by native key. */
const representationsOf = (id: string) => {
  const parts = id.split(':').slice(1);
  const native = Object.fromEntries(NATIVE_KEY[typeOf(id)]!.map((name, i) => [name, parts[i]]));
  return [
    { __typename: 'Job', id },
    { __typename: typeOf(id), id },
    { __typename: typeOf(id), ...native },
  ];
};

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { id state } } }`;

const gw = useTestGateway();
beforeAll(async () => {
  expect(gw.cache).toBeDefined();
  // Read from copies of JOBS, so that JOBS' first fetch is still the tests' to count.
  const copies = freshCopies(gw, JOBS);
  const cacheable = await cacheableOf(gw, copies);
  CACHEABLE = JOBS.filter((_, i) => cacheable.has(copies[i] as string));
  // The demo has jobs of both kinds: some answered from the cache, some asked for again.
  expect(CACHEABLE.length).toBeGreaterThan(0);
  expect(CACHEABLE.length).toBeLessThan(JOBS.length);
});
beforeEach(() => clearCalls(gw));

/** The cache's record of `id`, or undefined. */
const cachedRecord = async (id: string) => gw.cache?.get(id);

describe('_entities of a job the job cache holds, directly against jobgraph', () => {
  it('answers every provider’s job asked twice, by every key, both times; the second time cached jobs make no upstream call', async () => {
    const reps = JOBS.flatMap(representationsOf);
    const expected = JOBS.flatMap((id) => [id, id, id]);
    const first = await gql(gw, ENTITIES, { variables: { r: reps }, token: gw.tokens.read });
    expect(first.body.errors, first.text.slice(0, 500)).toBeUndefined();
    const firstJobs = first.body.data?._entities as { id: string; state: string }[];
    expect(firstJobs.map((j) => j.id)).toEqual(expected);
    expect(callsOf(gw)).toEqual(describeCalls(JOBS));
    for (const id of JOBS)
      if (CACHEABLE.includes(id)) expect(await cachedRecord(id), id).toBeDefined();
      else expect(await cachedRecord(id), id).toBeUndefined();

    clearCalls(gw);
    const second = await gql(gw, ENTITIES, { variables: { r: reps }, token: gw.tokens.read });
    expect(second.body.errors, second.text.slice(0, 500)).toBeUndefined();
    expect(second.body.data?._entities).toEqual(firstJobs);
    // Only the jobs the cache does not keep were asked for again.
    expect(callsOf(gw)).toEqual(describeCalls(JOBS.filter((id) => !CACHEABLE.includes(id))));
    for (const id of CACHEABLE) expect(gw.emulators[emulatorOf(id)].calls, id).toEqual([]);
  });

  it('answers a cached job asked twice in one request and in requests at once', async () => {
    await gql(gw, ENTITIES, {
      variables: { r: CACHEABLE.map((id) => ({ __typename: 'Job', id })) },
      token: gw.tokens.read,
    });
    for (const id of CACHEABLE) expect(await cachedRecord(id), id).toBeDefined();
    const reps = [...CACHEABLE, ...CACHEABLE].flatMap(representationsOf);
    const answers = await Promise.all(
      [1, 2, 3].map(() => gql(gw, ENTITIES, { variables: { r: reps }, token: gw.tokens.read })),
    );
    for (const res of answers) {
      expect(res.body.errors, res.text.slice(0, 500)).toBeUndefined();
      expect((res.body.data?._entities as { id: string }[]).map((j) => j.id)).toEqual(
        [...CACHEABLE, ...CACHEABLE].flatMap((id) => [id, id, id]),
      );
    }
  });

  it("leaves the cache's record as it was after serving it with different selections, aliases and keys", async () => {
    // A job nobody has asked for yet, so its first ask fetches it and puts it in the cache.
    const [id] = freshCopies(gw, [ex.omics]) as [string];
    await gql(gw, `query($id: ID!) { job(id: $id) { id } }`, {
      variables: { id },
      token: gw.tokens.read,
    });
    const before = await cachedRecord(id);
    expect(before).toBeDefined();
    const snapshot = {
      json: JSON.stringify(before),
      names: Object.getOwnPropertyNames(before),
      frozen: Object.isFrozen(before),
    };
    expect(snapshot.frozen).toBe(true);

    const selections = [
      `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Job { id state terminal } } }`,
      `query($r: [_Any!]!) { a: _entities(representations: $r) { ... on OmicsReferenceImportJob { s: state sources { sourceFile status } t: __typename } } b: _entities(representations: $r) { __typename } }`,
    ];
    for (const query of selections) {
      for (let i = 0; i < 2; i++) {
        const res = await gql(gw, query, {
          variables: { r: representationsOf(id) },
          token: gw.tokens.read,
        });
        expect(res.body.errors, res.text.slice(0, 500)).toBeUndefined();
      }
    }
    const root = await gql(
      gw,
      `query($id: ID!) { x: job(id: $id) { __typename id } y: jobs(ids: [$id, $id]) { state __typename } }`,
      {
        variables: { id },
        token: gw.tokens.read,
      },
    );
    expect(root.body.errors).toBeUndefined();
    expect(upstreamCallCount(gw)).toBe(1); // the first ask; everything after it came from the cache

    const after = await cachedRecord(id);
    // The same parsed record (its stored text unchanged), with no property added, changed or unfrozen.
    expect(after).toBe(before);
    expect(Object.getOwnPropertyNames(after)).toEqual(snapshot.names);
    expect(Object.hasOwn(after as object, '__typename')).toBe(false);
    expect(JSON.stringify(after)).toBe(snapshot.json);
    expect(Object.isFrozen(after)).toBe(true);
  });

  it('streams jobUpdates events of cached jobs, which graphql-js executes from the shared record', async () => {
    await gql(gw, `query($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      variables: { ids: CACHEABLE },
      token: gw.tokens.read,
    });
    for (const id of CACHEABLE) expect(await cachedRecord(id), id).toBeDefined();
    clearCalls(gw);
    const sub = subscribe(
      gw.server.url,
      'sse',
      `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { __typename id state terminal } }`,
      {
        token: gw.tokens.read,
        variables: { ids: CACHEABLE },
      },
    );
    try {
      const events = await sub.rest();
      expect(events.flatMap((e) => e.errors ?? [])).toEqual([]);
      expect(events.map((e) => e.data?.jobUpdates.id).sort()).toEqual([...CACHEABLE].sort());
      for (const e of events)
        expect(e.data?.jobUpdates).toMatchObject({
          __typename: typeOf(e.data?.jobUpdates.id),
          terminal: true,
        });
      expect(upstreamCallCount(gw)).toBe(0);
    } finally {
      await sub.close();
    }
  });
});

describe('_entities of a job the job cache holds, through @apollo/gateway', () => {
  let other: Awaited<ReturnType<typeof startOtherTeamSubgraphs>>;
  let router: { url: string; stop(): Promise<void> };
  /** Copies of the jobs nobody has asked for yet: the first ask fetches them, the second is the cache's. */
  let watched: string[];

  beforeAll(async () => {
    watched = freshCopies(gw, JOBS);
    other = await startOtherTeamSubgraphs(
      [],
      Object.fromEntries(watched.map((id) => [id, ['eve']])),
    );
    const composed = composeServices([
      { name: 'jobgraph', url: gw.server.url, typeDefs: loadTypeDefs() },
      { name: 'watchers', url: other.watching.url, typeDefs: parse(WATCHERS_SDL) },
    ]);
    if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    // @apollo/gateway refuses a supergraph that links a feature `for: SECURITY`; jobgraph enforces @requiresScopes itself.
    const supergraphSdl = composed.supergraphSdl.replace(
      /(@link\(url: "https:\/\/specs\.apollo\.dev\/requiresScopes\/v[0-9.]+"), for: SECURITY\)/g,
      '$1)',
    );
    router = await startApolloGateway(supergraphSdl);
  });
  afterAll(async () => {
    await router?.stop();
    await other?.stop();
  });

  it('answers a repeated reference to a finished job of every provider: the watchers subgraph’s jobs, twice', async () => {
    const query = `{ watchedJobs(user: "eve") { __typename id state terminal watchers } }`;
    const first = await gql({ server: { url: router.url } }, query, { token: gw.tokens.read });
    expect(first.body.errors, first.text.slice(0, 500)).toBeUndefined();
    const jobs = first.body.data?.watchedJobs as {
      __typename: string;
      id: string;
      state: string;
      terminal: boolean;
      watchers: string[];
    }[];
    expect(jobs.map((j) => j.id)).toEqual(watched);
    for (const j of jobs) expect(j).toMatchObject({ __typename: typeOf(j.id), watchers: ['eve'] });
    expect(callsOf(gw)).toEqual(describeCalls(watched));
    const kept = watched.filter((_, i) => CACHEABLE.includes(JOBS[i] as string));
    for (const id of kept) expect(await cachedRecord(id), id).toBeDefined();

    clearCalls(gw);
    const second = await gql({ server: { url: router.url } }, query, { token: gw.tokens.read });
    expect(second.body.errors, second.text.slice(0, 500)).toBeUndefined();
    expect(second.body.data?.watchedJobs).toEqual(jobs);
    expect(callsOf(gw)).toEqual(describeCalls(watched.filter((id) => !kept.includes(id))));
  });
});
