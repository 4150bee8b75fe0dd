import { namedVariables } from './accounts.ts';
import type { Env } from './env.ts';
import { JOBGRAPH_VARIABLES } from './variableDocs.ts';

/**
 * One warning per set `JOBGRAPH_*` variable that jobgraph does not read (a misspelling is
 * otherwise ignored without a word), naming the closest known name when one is near. Only
 * names are printed, never values. The caller prints them.
 */
export function unknownVariableWarnings(env: Env = process.env): string[] {
  const warnings: string[] = [];
  const named = namedVariables(env);
  for (const name of Object.keys(env).sort()) {
    if (
      !name.startsWith('JOBGRAPH_') ||
      JOBGRAPH_VARIABLES.includes(name) ||
      named(name) ||
      env[name] === undefined
    )
      continue;
    const closest = closestName(name, JOBGRAPH_VARIABLES);
    warnings.push(
      `${name} is not a jobgraph variable and is ignored${closest ? `; did you mean ${closest}?` : ''}`,
    );
  }
  return warnings;
}

/** The known name nearest to `name` by edit distance, if it is near enough to be a likely misspelling. */
function closestName(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = levenshtein(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  // Past a third of the name it is another word, not a typo.
  return bestDistance <= Math.max(2, Math.floor((name.length - 'JOBGRAPH_'.length) / 3))
    ? best
    : null;
}

/** Edit distance (insertions, deletions, substitutions), two rows of the classic table. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
