import {
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import { MAX_OMICS_REFERENCE_STORES, type Config } from '../config/index.ts';
import { MAX_LIST_REGIONS } from '../datasources/listing/plan.ts';
import { BadUserInputError } from '../errors.ts';

/** Root fields that take a list of job IDs, and the argument. */
export const JOB_ID_LIST_ARGUMENTS: Readonly<Record<string, string>> = {
  jobs: 'ids',
  jobUpdates: 'ids',
};

/** How long one list in a root field's arguments may be, and the variable that sets it (if any). */
export interface ListCap {
  max: number;
  variable?: string;
}

/**
 * The caps of the list arguments root fields take, by path (`field.argument[.inputField…]`). A
 * list at a path not named here is capped by `limits.maxJobIds` too: no list reaches a resolver
 * unbounded.
 */
export function listCaps(config: Pick<Config, 'limits'>): Readonly<Record<string, ListCap>> {
  const ids: ListCap = { max: config.limits.maxJobIds, variable: 'JOBGRAPH_MAX_JOB_IDS' };
  return {
    ...Object.fromEntries(
      Object.entries(JOB_ID_LIST_ARGUMENTS).map(([field, arg]) => [`${field}.${arg}`, ids]),
    ),
    '_entities.representations': {
      max: Math.max(config.limits.maxJobIds, config.limits.maxJobsPerRequest),
      variable: 'JOBGRAPH_MAX_JOBS_PER_REQUEST',
    },
    'listJobs.filter.regions': { max: MAX_LIST_REGIONS },
    'listJobs.filter.omicsReferenceStoreIds': { max: MAX_OMICS_REFERENCE_STORES },
  };
}

/** A list argument longer than its cap: refused before anything else is done with it. */
export class ListArgumentTooLongError extends BadUserInputError {
  constructor(field: string, argument: string, cap: ListCap, found: number) {
    const unit = argument.endsWith('ids') ? 'IDs' : 'items';
    super(
      `Argument "${argument}" of ${field} takes at most ${cap.max} ${unit}${cap.variable ? ` (${cap.variable})` : ''}; got ${found}.`,
      { argument },
    );
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The first list in the arguments of the operation's root fields that holds more items than its
 * cap, however it got there: a literal, a variable, a variable's default value, or any of those
 * nested in an input object. Read from the document and the raw variables without coercing
 * anything, so the check costs the same whatever the lists' lengths; it runs before execution on
 * every transport. Root fragments are followed once each; `@skip`/`@include` are not evaluated (a
 * conditional field counts).
 */
export function overlongListArgument(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Readonly<Record<string, unknown>> | undefined,
  config: Pick<Config, 'limits'>,
): ListArgumentTooLongError | null {
  return new ListArgumentWalk(document, operation, rawVariables, config).walk(
    operation.selectionSet,
  );
}

type Refusal = ListArgumentTooLongError | null;

/** One walk of an operation's root-field arguments for overlongListArgument. */
class ListArgumentWalk {
  private readonly caps: ReturnType<typeof listCaps>;
  private readonly defaultCap: ListCap;
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly definitions: Map<string, VariableDefinitionNode>;
  private readonly seenVariables = new Set<string>();
  private readonly seenFragments = new Set<string>();

  constructor(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    private readonly rawVariables: Readonly<Record<string, unknown>> | undefined,
    config: Pick<Config, 'limits'>,
  ) {
    this.caps = listCaps(config);
    this.defaultCap = { max: config.limits.maxJobIds, variable: 'JOBGRAPH_MAX_JOB_IDS' };
    for (const d of document.definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(d.name.value, d);
    this.definitions = new Map(
      (operation.variableDefinitions ?? []).map((d) => [d.variable.name.value, d]),
    );
  }

  /** The refusal for the list at `path` of `field` if it is too long, else null. */
  private check(field: string, path: string[], length: number): Refusal {
    const cap = this.caps[[field, ...path].join('.')] ?? this.defaultCap;
    return length > cap.max
      ? new ListArgumentTooLongError(field, path.join('.'), cap, length)
      : null;
  }

  /** A raw JSON value (a variable's), walked for lists. */
  private rawValue(field: string, path: string[], value: unknown): Refusal {
    if (Array.isArray(value)) {
      const refusal = this.check(field, path, value.length);
      if (refusal) return refusal;
      for (const item of value) {
        const inner = isRecord(item) ? this.rawValue(field, path, item) : null;
        if (inner) return inner;
      }
      return null;
    }
    if (isRecord(value)) {
      for (const [name, inner] of Object.entries(value)) {
        const refusal = this.rawValue(field, [...path, name], inner);
        if (refusal) return refusal;
      }
    }
    return null;
  }

  /** A value in the document: a literal, an input object, or a variable (its raw value, else its default). */
  private astValue(field: string, path: string[], value: ValueNode): Refusal {
    switch (value.kind) {
      case Kind.LIST: {
        const refusal = this.check(field, path, value.values.length);
        if (refusal) return refusal;
        for (const item of value.values) {
          const inner = this.astValue(field, path, item);
          if (inner) return inner;
        }
        return null;
      }
      case Kind.OBJECT:
        for (const f of value.fields) {
          const refusal = this.astValue(field, [...path, f.name.value], f.value);
          if (refusal) return refusal;
        }
        return null;
      case Kind.VARIABLE:
        return this.variable(field, path, value.name.value);
      default:
        return null; // a single value is coerced to a list of one
    }
  }

  /** A variable: its raw value when sent, else its default. */
  private variable(field: string, path: string[], name: string): Refusal {
    const { rawVariables } = this;
    if (rawVariables && Object.hasOwn(rawVariables, name))
      return this.rawValue(field, path, rawVariables[name]);
    const fallback = this.definitions.get(name)?.defaultValue;
    // A default refers to no variable, but guard the walk against repeats all the same.
    const seen = `${field}:${path.join('.')}:${name}`;
    if (!fallback || this.seenVariables.has(seen)) return null;
    this.seenVariables.add(seen);
    return this.astValue(field, path, fallback);
  }

  /** A selection set's fields' arguments, its fragments followed once each. */
  walk(set: SelectionSetNode): Refusal {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        for (const argument of selection.arguments ?? []) {
          const refusal = this.astValue(
            selection.name.value,
            [argument.name.value],
            argument.value,
          );
          if (refusal) return refusal;
        }
        continue;
      }
      let inner: SelectionSetNode | undefined;
      if (selection.kind === Kind.INLINE_FRAGMENT) inner = selection.selectionSet;
      else if (!this.seenFragments.has(selection.name.value)) {
        this.seenFragments.add(selection.name.value);
        inner = this.fragments.get(selection.name.value)?.selectionSet;
      }
      const refusal = inner ? this.walk(inner) : null;
      if (refusal) return refusal;
    }
    return null;
  }
}
