import { parseGlobalId } from '../model/globalId.ts';

/**
 * What the demo banner prints for watching the progressing jobs over Server-Sent Events: the
 * `jobUpdates` subscription (issue 13) and a `curl -N` command that sends it, in the graphql-sse
 * "distinct connections" mode (`POST` with `Accept: text/event-stream`).
 */

/** The subscription document over the given job IDs, on one line, with the Job interface's moving fields. */
export function watchSubscription(ids: readonly string[]): string {
  return `subscription { jobUpdates(ids: [${ids.map((id) => JSON.stringify(id)).join(', ')}]) { id state providerStatus statusMessage terminal updatedAt } }`;
}

/** A POSIX-shell single-quoted word. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The `curl -N` command, as lines to print (continued with ` \`). */
export function watchCurlLines(url: string, token: string, ids: readonly string[]): string[] {
  const body = JSON.stringify({ query: watchSubscription(ids) });
  return [
    `curl -N ${shellQuote(url)} -H 'accept: text/event-stream' -H 'content-type: application/json' \\`,
    `  -H ${shellQuote(`authorization: Bearer ${token}`)} \\`,
    `  --data ${shellQuote(body)}`,
  ];
}

/**
 * The `curl` command, as lines to print, that lists a provider's newest jobs (`listJobs`, newest
 * first): where the demo's progressing job is a new job each cycle, this cycle's is among them (a
 * service job submitted since the cycle began may come first).
 */
function newestJobsCurlLines(url: string, token: string, provider: string): string[] {
  const query = `{ listJobs(filter: {providers: [${provider}]}, first: 3) { nodes { id name state providerStatus createdAt } } }`;
  return [
    `curl -s ${shellQuote(url)} -H 'content-type: application/json' \\`,
    `  -H ${shellQuote(`authorization: Bearer ${token}`)} \\`,
    `  --data ${shellQuote(JSON.stringify({ query }))}`,
  ];
}

/** What the banner's progressing-jobs lines are made of (packages/emulators/src/index.ts's tables). */
export interface ProgressingJobsView {
  url: string;
  token: string;
  /** The providers as the banner names them, by emulator name. */
  labels: Readonly<Record<string, string>>;
  /** Each emulator's progressing job now, as a global ID. */
  current: Readonly<Record<string, string>>;
  /** The emulators whose progressing job starts again under its one ID. */
  inPlace: Readonly<Record<string, string>>;
  /** Per emulator whose job has no status, what moves instead. */
  noStatus: Readonly<Record<string, string>>;
}

/**
 * The banner's progressing jobs: one line each (a job that is new each run is named as this
 * minute's), a `curl -N` that watches the ones that keep their ID and have a status, and for each
 * provider whose job is new each run a `listJobs` that finds the current run when the user asks
 * (the ID printed now names a job that has finished a minute later).
 */
export function progressingJobLines(view: ProgressingJobsView): string[] {
  const names = Object.keys(view.current);
  const width = Math.max(...names.map((name) => view.labels[name]?.length ?? 0));
  const newEachRun = names.filter((name) => !(name in view.inPlace));
  const note = (name: string) =>
    name in view.noStatus
      ? `  (${view.noStatus[name]})`
      : newEachRun.includes(name)
        ? "  (this minute's run: a new job each run, as on the service)"
        : '';
  return [
    "  Jobs that progress through their provider's real states, again every minute:",
    ...names.map(
      (n) => `    ${(view.labels[n] ?? n).padEnd(width)}   ${view.current[n]}${note(n)}`,
    ),
    '',
    '  Watch them move (jobUpdates subscription over Server-Sent Events):',
    ...watchCurlLines(
      view.url,
      view.token,
      Object.entries(view.inPlace)
        .filter(([name]) => !(name in view.noStatus))
        .map(([, id]) => id),
    ).map((line) => `    ${line}`),
    ...newEachRun.flatMap((name) => [
      `  ${view.labels[name] ?? name} runs a new job each minute: its newest jobs, this minute's run among them (watch its id as above):`,
      ...newestJobsCurlLines(
        view.url,
        view.token,
        parseGlobalId(view.current[name] as string).provider,
      ).map((line) => `    ${line}`),
    ]),
    '',
  ];
}
