import { useRef, useState } from 'preact/hooks';
import { jobPath } from './api.ts';
import { StateBadge } from './cells.tsx';
import {
  PROVIDER_NAMES,
  candidatesFor,
  formOf,
  grammarOf,
  partsOf,
  pastedId,
  type Candidate,
} from './ids.ts';
import { accountText, codeWords, type RowJob } from './format.ts';

/** A job as the search needs it, and shows it when several have the ID asked. */
export type FindableJob = Pick<
  RowJob,
  'id' | 'nativeId' | 'name' | 'provider' | 'region' | 'state' | 'account' | 'accountAlias'
>;

/** What `jobs(ids:)` answered for each global ID asked: the job, or its error's code (NOT_FOUND…). */
export type LookedUp = ReadonlyMap<string, FindableJob | string>;

/** A listed source's place: the part values its jobs' global IDs share. */
export interface SourcePlace {
  provider: string;
  /** The account's alias (`default` for the default account), where the schema says it. */
  account?: string | null;
  region: string | null;
  referenceStoreId: string | null;
}

/** Most global IDs one search asks the server for (one `jobs(ids:)` request). */
const MAX_LOOKUP = 30;

type Answer =
  | { kind: 'bad-form'; text: string; form: string; provider: string }
  | { kind: 'looking'; text: string; asked: number }
  | { kind: 'several'; text: string; jobs: FindableJob[] }
  | {
      kind: 'not-listed';
      text: string;
      candidates: Candidate[];
      /** What the server answered for the IDs tried; null when it could not be asked. */
      tried: LookedUp | null;
    };

/** A native ID to look for: the listed jobs that have it, and the global IDs to ask for. */
interface Search {
  kind: 'search';
  text: string;
  listed: FindableJob[];
  candidates: Candidate[];
  ids: string[];
}

const quoted = (value: string): string =>
  `\u201c${value.length > 80 ? `${value.slice(0, 80)}…` : value}\u201d`;

/**
 * The places the list knows, per provider: each listed source's account, region (and store), and
 * each listed job's global-ID parts but its own ID (a COS Batch job gives its account's UIN).
 */
function placesIn(jobs: readonly FindableJob[], sources: readonly SourcePlace[]) {
  return (provider: string) => {
    const found: Record<string, string>[] = [];
    for (const s of sources) {
      if (s.provider !== provider) continue;
      found.push({
        ...(s.account ? { account: s.account } : {}),
        ...(s.region ? { region: s.region } : {}),
        ...(s.referenceStoreId ? { referenceStoreId: s.referenceStoreId } : {}),
      });
    }
    for (const j of jobs) {
      if (j.provider === provider) found.push(partsOf(j.id) ?? {});
    }
    return found;
  };
}

/**
 * What the search does with `text`: a global ID (or a console job URL) opens its page; a global ID
 * with a part missing is answered with its form; anything else is a native ID or a job's name
 * (`Job.name`), looked for among the listed jobs (an ID exactly, else an ID or a name ignoring
 * case) and, as a native ID, at every global ID it would have in the places
 * this list looks (its accounts, regions and stores), since the same native ID may name a job in
 * each account.
 */
function plan(
  text: string,
  jobs: readonly FindableJob[],
  sources: readonly SourcePlace[],
): string | Answer | Search {
  const id = pastedId(text);
  const grammar = id.includes(':') ? grammarOf(id) : undefined;
  if (grammar) {
    if (partsOf(id)) return id;
    return {
      kind: 'bad-form',
      text: id,
      form: formOf(grammar),
      provider: PROVIDER_NAMES[grammar.provider] ?? grammar.provider,
    };
  }
  const exact = jobs.filter((j) => j.id === id || j.nativeId === id);
  const lower = id.toLowerCase();
  const listed = exact.length
    ? exact
    : jobs.filter((j) => j.nativeId.toLowerCase() === lower || j.name?.toLowerCase() === lower);
  // The provider's own spelling, when a listed job has it.
  const nativeId = listed[0]?.nativeId ?? id;
  const candidates = candidatesFor(nativeId, placesIn(jobs, sources));
  const known = new Set(listed.map((j) => j.id));
  const ids = [...new Set(candidates.flatMap((c) => c.ids))]
    .filter((x) => !known.has(x))
    .slice(0, MAX_LOOKUP);
  return { kind: 'search', text: id, listed, candidates, ids };
}

/** The jobs a search found: the listed ones, then those the server has at the IDs asked. */
function foundIn(search: Search, tried: LookedUp | null): FindableJob[] {
  const found = new Map(search.listed.map((j) => [j.id, j]));
  for (const answer of tried?.values() ?? []) {
    if (typeof answer !== 'string' && !found.has(answer.id)) found.set(answer.id, answer);
  }
  return [...found.values()];
}

/**
 * The search box: find a job by its global ID, native ID or name, and open its page; a native ID
 * or a name that several jobs have (in several accounts, regions or stores) lists them, each with its account.
 */
export function FindJob({
  jobs,
  sources,
  lookUp,
}: {
  jobs: readonly FindableJob[];
  sources: readonly SourcePlace[];
  /** Ask the server for these global IDs at once (`jobs(ids:)`). */
  lookUp: (ids: readonly string[]) => Promise<LookedUp>;
}) {
  const [answer, setAnswer] = useState<Answer | null>(null);
  // Each search's number: an answer arriving after the text changed is dropped.
  const current = useRef(0);
  const search = async (value: string) => {
    const ticket = ++current.current;
    const step = plan(value, jobs, sources);
    if (typeof step === 'string') {
      setAnswer(null);
      location.assign(jobPath(step));
      return;
    }
    if (step.kind !== 'search') return setAnswer(step);
    let tried: LookedUp | null = new Map();
    if (step.ids.length) {
      setAnswer({ kind: 'looking', text: step.text, asked: step.ids.length });
      tried = await lookUp(step.ids).catch(() => null);
    }
    if (ticket !== current.current) return;
    const found = foundIn(step, tried);
    if (found.length === 1) {
      setAnswer(null);
      location.assign(jobPath(found[0]!.id));
    } else if (found.length > 1) {
      setAnswer({ kind: 'several', text: step.text, jobs: found });
    } else {
      setAnswer({ kind: 'not-listed', text: step.text, candidates: step.candidates, tried });
    }
  };
  return (
    <div class="find-box">
      <form
        class="find"
        role="search"
        aria-label="Find a job by name or ID"
        onSubmit={(e) => {
          e.preventDefault();
          const value = new FormData(e.currentTarget).get('find');
          if (typeof value === 'string' && value.trim()) void search(value);
        }}
      >
        <label for="find">Find a job by name or ID</label>
        <input
          id="find"
          name="find"
          type="search"
          autoComplete="off"
          spellcheck={false}
          placeholder="the job's name, its global ID (panorama:us-east-1:…) or the provider's own ID"
          onInput={() => {
            current.current++;
            setAnswer(null);
          }}
        />
        <button type="submit">Open</button>
      </form>
      {answer ? <FindAnswer answer={answer} listed={jobs.length} /> : null}
    </div>
  );
}

/** The jobs that have the ID asked, each with its account, state, provider and region. */
function SeveralJobs({ text, jobs }: { text: string; jobs: FindableJob[] }) {
  const accounts = new Set(jobs.map((j) => j.accountAlias)).size;
  return (
    <div class="banner warn find-answer" role="status" data-find-answer="several">
      <p>
        {`${jobs.length} jobs have the name or ID ${quoted(text)}${accounts > 1 ? `, in ${accounts} accounts` : ''}. Which one?`}
      </p>
      <ul>
        {jobs.map((j) => (
          <li key={j.id} data-find-match={j.id} data-account-alias={j.accountAlias}>
            <a href={jobPath(j.id)}>{j.name ? `${j.name} (${j.id})` : j.id}</a>{' '}
            <StateBadge state={j.state} />{' '}
            <span class="muted">
              {PROVIDER_NAMES[j.provider] ?? j.provider} · account{' '}
              <span class="account" data-account>
                {accountText(j) ?? '—'}
              </span>
              {j.region ? ` · ${j.region}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** How the server answered a global ID tried: "not found", or its error in words (one not asked: past MAX_LOOKUP). */
function triedWords(answer: FindableJob | string | undefined): string {
  if (answer === undefined) return 'not asked';
  if (answer === 'NOT_FOUND') return 'not found';
  return typeof answer === 'string' ? `not checked: ${codeWords(answer)}` : 'found';
}

function FindAnswer({ answer, listed }: { answer: Answer; listed: number }) {
  if (answer.kind === 'bad-form') {
    return (
      <div class="banner warn" role="status" data-find-answer="bad-form">
        {`${quoted(answer.text)} is not a whole ${answer.provider} global ID: its form is `}
        <code>{answer.form}</code>.
      </div>
    );
  }
  if (answer.kind === 'looking') {
    return (
      <p class="muted" role="status" data-find-answer="looking">
        {`Looking for ${quoted(answer.text)} at ${answer.asked} global ${answer.asked === 1 ? 'ID' : 'IDs'} where this list looks…`}
      </p>
    );
  }
  if (answer.kind === 'several') return <SeveralJobs text={answer.text} jobs={answer.jobs} />;
  const { tried } = answer;
  const guessed = answer.candidates.some((c) => c.ids.length > 0);
  const asked = guessed && tried !== null;
  return (
    <div class="banner warn find-answer" role="status" data-find-answer="not-listed">
      <p>
        {`No job among the ${listed} listed here has the name or ID ${quoted(answer.text)}`}
        {asked
          ? ', and jobgraph has none at the global IDs it would have where this list looks (its accounts, regions and stores). '
          : ' (it may be further down the list, or outside these filters). '}
        {'Paste its global ID instead: the console opens a job wherever it is. '}
        {!guessed
          ? "No provider's job IDs look like this one. The forms:"
          : asked
            ? 'The forms, for the providers whose job IDs look like this one, and the IDs asked:'
            : 'The forms, for the providers whose job IDs look like this one, and the IDs to try where this list looks:'}
      </p>
      <ul>
        {answer.candidates.map((c) => (
          <li key={c.provider} data-find-candidate={c.provider}>
            <strong>{c.providerName}</strong> <code>{c.form}</code>
            {c.parts.length ? (
              <span class="muted"> ({c.parts.map((p) => `${p.name}: ${p.form}`).join('; ')})</span>
            ) : null}
            {c.ids.length ? (
              <>
                {asked ? ' — asked ' : ' — try '}
                {c.ids.map((id, i) => (
                  <span key={id}>
                    {i ? ', ' : ''}
                    <a href={jobPath(id)}>{id}</a>
                    {asked ? (
                      <span class="muted" data-tried={id}>{` (${triedWords(tried.get(id))})`}</span>
                    ) : null}
                  </span>
                ))}
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
