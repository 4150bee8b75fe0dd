import { useState } from 'preact/hooks';
import { jobPath } from './api.ts';
import { candidatesFor, formOf, grammarOf, partsOf, pastedId, type Candidate } from './ids.ts';
import { PROVIDER_NAMES } from './format.ts';

/** A listed job, as the search needs it. */
export interface FindableJob {
  id: string;
  nativeId: string;
  provider: string;
}

/** A listed source's place: the part values its jobs' global IDs share. */
export interface SourcePlace {
  provider: string;
  /** The account's alias (`default` for the default account), where the schema says it. */
  account?: string | null;
  region: string | null;
  referenceStoreId: string | null;
}

type Answer =
  | { kind: 'bad-form'; text: string; form: string; provider: string }
  | { kind: 'several'; text: string; jobs: FindableJob[] }
  | { kind: 'not-listed'; text: string; candidates: Candidate[] };

const quoted = (value: string): string =>
  `\u201c${value.length > 80 ? `${value.slice(0, 80)}…` : value}\u201d`;

/**
 * What the search finds for `text`: a global ID (or a console job URL) opens its page; a native ID
 * opens the listed job that has it; otherwise an answer that says which global ID to paste.
 */
function find(
  text: string,
  jobs: readonly FindableJob[],
  sources: readonly SourcePlace[],
): string | Answer {
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
  const matches = exact.length
    ? exact
    : jobs.filter((j) => j.nativeId.toLowerCase() === id.toLowerCase());
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length > 1) return { kind: 'several', text: id, jobs: matches };
  // The places the list knows, per provider: each listed source's region (and store), and each
  // listed job's global-ID parts but its own ID (a COS Batch job gives the account UIN).
  const places = (provider: string) => {
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
  return { kind: 'not-listed', text: id, candidates: candidatesFor(id, places) };
}

/** The search box: find a job by its global ID or native ID, and open its page. */
export function FindJob({
  jobs,
  sources,
}: {
  jobs: readonly FindableJob[];
  sources: readonly SourcePlace[];
}) {
  const [answer, setAnswer] = useState<Answer | null>(null);
  return (
    <div class="find-box">
      <form
        class="find"
        role="search"
        aria-label="Find a job by ID"
        onSubmit={(e) => {
          e.preventDefault();
          const value = new FormData(e.currentTarget).get('find');
          if (typeof value !== 'string' || !value.trim()) return;
          const found = find(value, jobs, sources);
          if (typeof found === 'string') {
            setAnswer(null);
            location.assign(jobPath(found));
          } else {
            setAnswer(found);
          }
        }}
      >
        <label for="find">Find a job by ID</label>
        <input
          id="find"
          name="find"
          type="search"
          autoComplete="off"
          spellcheck={false}
          placeholder="global ID (panorama:us-east-1:…) or the provider's own ID"
          onInput={() => setAnswer(null)}
        />
        <button type="submit">Open</button>
      </form>
      {answer ? <FindAnswer answer={answer} listed={jobs.length} /> : null}
    </div>
  );
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
  if (answer.kind === 'several') {
    return (
      <div class="banner warn" role="status" data-find-answer="several">
        {`${answer.jobs.length} listed jobs have the ID ${quoted(answer.text)}:`}
        <ul>
          {answer.jobs.map((j) => (
            <li key={j.id}>
              <a href={jobPath(j.id)}>{j.id}</a>
            </li>
          ))}
        </ul>
      </div>
    );
  }
  const guessed = answer.candidates.some((c) => c.ids.length > 0);
  return (
    <div class="banner warn find-answer" role="status" data-find-answer="not-listed">
      <p>
        {`No job among the ${listed} listed here has the ID ${quoted(answer.text)} (it may be further down the list, or outside these filters). Paste its global ID instead: the console opens a job wherever it is. `}
        {guessed
          ? 'The forms, for the providers whose job IDs look like this one, and the IDs to try where this list looks:'
          : "No provider's job IDs look like this one. The forms:"}
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
                {' — try '}
                {c.ids.map((id, i) => (
                  <span key={id}>
                    {i ? ', ' : ''}
                    <a href={jobPath(id)}>{id}</a>
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
