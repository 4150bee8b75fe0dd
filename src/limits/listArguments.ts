import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { BadUserInputError } from '../errors.ts';

/**
 * Root fields that take a list of job IDs, and the argument: each list is capped by
 * `limits.maxJobIds` (JOBGRAPH_MAX_JOB_IDS) on every transport.
 */
export const JOB_ID_LIST_ARGUMENTS: Readonly<Record<string, string>> = {
  jobs: 'ids',
  jobUpdates: 'ids',
};

/** A list argument longer than its cap: refused before anything else is done with it. */
export class ListArgumentTooLongError extends BadUserInputError {
  constructor(field: string, argument: string, max: number, found: number) {
    super(
      `Argument "${argument}" of ${field} takes at most ${max} IDs (JOBGRAPH_MAX_JOB_IDS); got ${found}.`,
      { argument },
    );
  }
}

/**
 * The first job-ID list argument of the operation's root fields that holds more than `max`
 * items, read from the document's literal or the raw variable without coercing anything, so
 * the check costs the same whatever the list's length. Root fragments are followed once each;
 * `@skip`/`@include` are not evaluated (a conditional field counts).
 */
export function overlongJobIdList(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Readonly<Record<string, unknown>> | undefined,
  max: number,
): ListArgumentTooLongError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const lengthOf = (value: ValueNode): number => {
    if (value.kind === Kind.LIST) return value.values.length;
    if (value.kind === Kind.VARIABLE) {
      const raw = rawVariables?.[value.name.value];
      return Array.isArray(raw) ? raw.length : 1;
    }
    return 1; // a single value is coerced to a list of one
  };
  const seenFragments = new Set<string>();
  const walk = (set: SelectionSetNode): ListArgumentTooLongError | null => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const argument = JOB_ID_LIST_ARGUMENTS[selection.name.value];
        const node = argument
          ? selection.arguments?.find((a) => a.name.value === argument)
          : undefined;
        const found = node ? lengthOf(node.value) : 0;
        if (argument && found > max)
          return new ListArgumentTooLongError(selection.name.value, argument, max, found);
        continue;
      }
      let inner: SelectionSetNode | undefined;
      if (selection.kind === Kind.INLINE_FRAGMENT) inner = selection.selectionSet;
      else if (!seenFragments.has(selection.name.value)) {
        seenFragments.add(selection.name.value);
        inner = fragments.get(selection.name.value)?.selectionSet;
      }
      const refusal = inner ? walk(inner) : null;
      if (refusal) return refusal;
    }
    return null;
  };
  return walk(operation.selectionSet);
}
