import {
  Kind,
  type DocumentNode,
  type OperationDefinitionNode,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import { MAX_OMICS_REFERENCE_STORES, type Config } from '../config/index.ts';
import { MAX_LIST_REGIONS } from '../datasources/listing/plan.ts';
import { BadUserInputError } from '../errors.ts';
import { rootFieldNodes } from './rootFields.ts';

/** Root fields that take a list of job IDs, and the argument. */
export const JOB_ID_LIST_ARGUMENTS: Readonly<Record<string, string>> = {
  jobs: 'ids',
  jobUpdates: 'ids',
  cancelJobs: 'ids',
  rerunJobs: 'ids',
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
function listCaps(config: Pick<Config, 'limits'>): Readonly<Record<string, ListCap>> {
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
 *
 * What depends on the document alone — its root fields' arguments in walk order, its variables'
 * definitions — is found once per operation (`planOf`), and the caps once per configuration
 * (`capsOf`): a request of a query already seen walks only its arguments' values.
 */
export function overlongListArgument(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Readonly<Record<string, unknown>> | undefined,
  config: Pick<Config, 'limits'>,
): ListArgumentTooLongError | null {
  return new ListArgumentWalk(planOf(document, operation), capsOf(config), rawVariables).walk();
}

type Refusal = ListArgumentTooLongError | null;

/** One root field's argument, as an operation's walk meets it. */
interface ArgumentSite {
  field: string;
  argument: string;
  value: ValueNode;
}

/** What the walk needs of an operation's document: its arguments in order, its variables' definitions. */
interface ListArgumentPlan {
  sites: readonly ArgumentSite[];
  definitions: ReadonlyMap<string, VariableDefinitionNode>;
}

/** The caps by path, and the cap of any list at a path not named. */
interface Caps {
  byPath: Readonly<Record<string, ListCap>>;
  fallback: ListCap;
}

// Keyed by the parsed nodes, which Apollo keeps one of per query text (its document store), and
// by the configuration's `limits`, which lives as long as the gateway: both outlive many requests.
const plans = new WeakMap<OperationDefinitionNode, ListArgumentPlan>();
const caps = new WeakMap<object, Caps>();

function capsOf(config: Pick<Config, 'limits'>): Caps {
  let found = caps.get(config.limits);
  if (!found) {
    found = {
      byPath: listCaps(config),
      fallback: { max: config.limits.maxJobIds, variable: 'JOBGRAPH_MAX_JOB_IDS' },
    };
    caps.set(config.limits, found);
  }
  return found;
}

/** The operation's plan: its root fields' arguments, root fragments followed once each. */
function planOf(document: DocumentNode, operation: OperationDefinitionNode): ListArgumentPlan {
  const known = plans.get(operation);
  if (known) return known;
  const sites = rootFieldNodes(document, operation).flatMap((field) =>
    (field.arguments ?? []).map((argument) => ({
      field: field.name.value,
      argument: argument.name.value,
      value: argument.value,
    })),
  );
  const plan = {
    sites,
    definitions: new Map(
      (operation.variableDefinitions ?? []).map((d) => [d.variable.name.value, d]),
    ),
  };
  plans.set(operation, plan);
  return plan;
}

/** One walk of an operation's root-field arguments for overlongListArgument. */
class ListArgumentWalk {
  #seenVariables: Set<string> | undefined;

  constructor(
    private readonly plan: ListArgumentPlan,
    private readonly caps: Caps,
    private readonly rawVariables: Readonly<Record<string, unknown>> | undefined,
  ) {}

  /** The refusal for the list at `path` of `field` if it is too long, else null. */
  private check(field: string, path: string[], length: number): Refusal {
    const cap = this.caps.byPath[[field, ...path].join('.')] ?? this.caps.fallback;
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
    const fallback = this.plan.definitions.get(name)?.defaultValue;
    // A default refers to no variable, but guard the walk against repeats all the same.
    const seen = `${field}:${path.join('.')}:${name}`;
    if (!fallback || this.#seenVariables?.has(seen)) return null;
    (this.#seenVariables ??= new Set()).add(seen);
    return this.astValue(field, path, fallback);
  }

  /** Every root field argument of the plan, in order: the first refusal, else null. */
  walk(): Refusal {
    for (const site of this.plan.sites) {
      const refusal = this.astValue(site.field, [site.argument], site.value);
      if (refusal) return refusal;
    }
    return null;
  }
}
