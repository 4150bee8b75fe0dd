import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isLeafType,
  isObjectType,
  type FieldNode,
  type FragmentSpreadNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { isSchemaIntrospection, type CountedNode } from './countedNode.ts';

/** maxCostRule's weights, one table (its doc comment shows how they combine). */
const COST = {
  /** A leaf field (scalar, enum, `__typename`). */
  scalar: 1,
  /** A field with a selection, before its children. */
  object: 2,
  /** Each level of nesting multiplies what is below it by this (a nested selection may be a list). */
  depthFactor: 1.5,
  /**
   * A leaf a list page answers for each of its items without a describe call: the edge's own
   * leaves (`cursor`), and on a listed node `__typename` and the fields its interface declares
   * (`Job`: `id`, `provider`, `nativeId`, `region`, `state`, `createdAt`, …).
   */
  listedSummaryField: 0.1,
} as const;
/** Relay's per-item lists of a connection: the fields its page size multiplies. */
const ITEM_LISTS = new Set(['edges', 'nodes']);
/** Relay's page-size arguments. */
const PAGE_SIZE_ARGUMENTS = new Set(['first', 'last']);

/** Where in a connection a selection set sits, which decides how its fields are counted. */
interface Scope {
  /** The type the selections are made on (undefined when the document names an unknown field). */
  type: GraphQLNamedType | undefined;
  /** Within a connection's selection: the page size its item lists count. */
  pageSize?: number;
  /** Within a listed item (an edge or a node): the leaves the page answers, at COST.listedSummaryField. */
  listedLeaves?: ReadonlySet<string> | 'all';
}

/**
 * Rejects an operation whose static cost exceeds `max` (`config.limits.maxCost`,
 * JOBGRAPH_MAX_COST, default 5000): "Query cost limit of 5000 (JOBGRAPH_MAX_COST) exceeded,
 * found 5300.5.".
 *
 * The weights (README "Limits and resilience" shows them with worked examples):
 *
 * - a leaf costs COST.scalar; a field with a selection COST.object plus COST.depthFactor times
 *   each child field's cost; a fragment adds no level (a spread costs COST.scalar plus its
 *   fragment, a repeated spread COST.scalar plus COST.depthFactor times it, as graphql-armor's
 *   `costLimit` counted); introspection's `__schema` costs nothing. Outside
 *   connections this is graphql-armor's `costLimit` with its defaults, `flattenFragments` and
 *   `ignoreIntrospection`, which this rule replaced.
 * - A connection (a field taking `first` or `last`) counts its item lists, `edges` and `nodes`,
 *   page-size times, in place of COST.depthFactor, which stands for "may be a list"; the rest of its
 *   selection (`pageInfo`, `sources`) is answered once per page and counted once. The page size is
 *   the argument's literal, the schema's default when it is left out (`listJobs`: 25), and
 *   `maxPageSize` (100) when it is a variable, whose value validation does not know.
 * - On a listed item, what the page answers without a describe call costs
 *   COST.listedSummaryField (0.1): the edge's `cursor`, and the node's `__typename` and the
 *   fields its interface declares (`Job`'s summary fields). Any other field of a listed job (a
 *   provider's own fields, through a fragment) costs in full, times the page size: that is
 *   what needs each job's describe call.
 *
 * So a full page of a list view's summary fields costs about 760, a full page of the console's
 * rows (summary fields plus progress) about 3640, and a page of every field of every job type, or
 * a few aliased pages with provider fields, are refused.
 */
export function maxCostRule(max: number, maxPageSize = 100): ValidationRule {
  return (context) => {
    const costs = new OperationCost(context, maxPageSize);
    return {
      OperationDefinition(node) {
        const found = costs.costOf(node, { type: undefined });
        if (found > max)
          context.reportError(
            new GraphQLError(
              `Query cost limit of ${max} (JOBGRAPH_MAX_COST) exceeded, found ${shown(found, max)}.`,
            ),
          );
      },
    };
  };
}

/** The static cost of one document's operations by maxCostRule's weights. */
class OperationCost {
  private readonly schema: GraphQLSchema;
  /** A fragment's cost in a scope, computed once per document; -1 while it is being computed (a cycle). */
  private readonly fragmentCosts = new Map<string, number>();

  constructor(
    private readonly context: ValidationContext,
    private readonly maxPageSize: number,
  ) {
    this.schema = context.getSchema();
  }

  costOf(node: CountedNode, scope: Scope): number {
    const { schema } = this;
    if (isSchemaIntrospection(node)) return 0;
    if (node.kind === Kind.OPERATION_DEFINITION) {
      const root = schema.getRootType(node.operation) ?? undefined;
      return node.selectionSet.selections.reduce(
        (sum, child) => sum + this.costOf(child, { type: root }),
        0,
      );
    }
    if (node.kind === Kind.FRAGMENT_SPREAD) return this.spreadCost(node, scope);
    if (node.kind === Kind.FRAGMENT_DEFINITION || node.kind === Kind.INLINE_FRAGMENT) {
      const type = node.typeCondition
        ? (schema.getType(node.typeCondition.name.value) ?? undefined)
        : scope.type;
      return this.selectionCost(node.selectionSet.selections, { ...scope, type }, COST.object);
    }
    return this.fieldCost(node, scope);
  }

  /** A spread: COST.scalar plus its fragment, a repeated one COST.scalar plus COST.depthFactor times it. */
  private spreadCost(node: FragmentSpreadNode, scope: Scope): number {
    const name = node.name.value;
    const key = `${name}\u0000${scopeKey(scope)}`;
    const known = this.fragmentCosts.get(key);
    if (known !== undefined) return COST.scalar + COST.depthFactor * known;
    this.fragmentCosts.set(key, -1);
    const fragment = this.context.getFragment(name);
    if (!fragment) return COST.scalar;
    const cost = this.costOf(fragment, {
      ...scope,
      type: this.schema.getType(fragment.typeCondition.name.value) ?? undefined,
    });
    if (this.fragmentCosts.get(key) === -1) this.fragmentCosts.set(key, cost);
    return COST.scalar + cost;
  }

  private fieldCost(node: FieldNode, scope: Scope): number {
    const name = node.name.value;
    const definition =
      isObjectType(scope.type) || isInterfaceType(scope.type)
        ? scope.type.getFields()[name]
        : undefined;
    if (!node.selectionSet) {
      const answeredByPage =
        scope.listedLeaves === 'all' ||
        (scope.listedLeaves !== undefined &&
          (name === '__typename' || scope.listedLeaves.has(name)));
      return answeredByPage ? COST.listedSummaryField : COST.scalar;
    }
    const selections = node.selectionSet.selections;
    const type = definition ? getNamedType(definition.type) : undefined;
    // An item list of a connection: its items are counted page-size times, each in its item scope.
    if (scope.pageSize !== undefined && ITEM_LISTS.has(name)) {
      const itemScope: Scope =
        name === 'edges' ? { type, listedLeaves: 'all' } : { type, listedLeaves: leavesOf(type) };
      return scope.pageSize * this.selectionCost(selections, itemScope, COST.object);
    }
    // An edge's node: the listed item itself.
    if (scope.listedLeaves === 'all' && name === 'node')
      return this.selectionCost(selections, { type, listedLeaves: leavesOf(type) }, COST.object);
    const pageSize = pageSizeOf(node, definition?.args, this.maxPageSize);
    if (pageSize === undefined) return this.selectionCost(selections, { type }, COST.object);
    // A paged field that is itself the list of items (no edges or nodes between).
    if (definition && isListType(getNullableType(definition.type)))
      return pageSize * this.selectionCost(selections, { type }, COST.object);
    return this.selectionCost(selections, { type, pageSize }, COST.object);
  }

  private selectionCost(selections: readonly CountedNode[], scope: Scope, base: number): number {
    let cost = base;
    for (const child of selections) {
      const childCost = this.costOf(child, scope);
      // A listed item's fields and a connection's item lists carry their own factor.
      cost +=
        child.kind === Kind.FIELD &&
        !(scope.pageSize !== undefined && ITEM_LISTS.has(child.name.value))
          ? COST.depthFactor * childCost
          : childCost;
    }
    return cost;
  }
}

/** A cost to two decimals (the weights make float noise), never shown as within `max` when it is not. */
function shown(found: number, max: number): number {
  const rounded = Math.round(found * 100) / 100;
  return rounded > max ? rounded : Math.ceil(found * 100) / 100;
}

/** The leaves a listed item of `type` answers from its list summary: an interface's own fields. */
function leavesOf(type: GraphQLNamedType | undefined): ReadonlySet<string> {
  if (!isInterfaceType(type)) return new Set();
  return new Set(
    Object.values(type.getFields())
      .filter((f) => isLeafType(getNamedType(f.type)))
      .map((f) => f.name),
  );
}

/** What a fragment's cost depends on besides its own text. */
function scopeKey(scope: Scope): string {
  const leaves =
    scope.listedLeaves === undefined
      ? ''
      : scope.listedLeaves === 'all'
        ? '*'
        : [...scope.listedLeaves].join(',');
  return `${scope.pageSize ?? ''}|${leaves}`;
}

/**
 * A connection's page size: its `first` or `last` argument's integer literal (at least 1); the
 * argument's default when left out; `maxPageSize` for a variable. undefined for a field that
 * takes neither argument (not a connection).
 */
function pageSizeOf(
  node: FieldNode,
  args: readonly { name: string; defaultValue: unknown }[] | undefined,
  maxPageSize: number,
): number | undefined {
  const given = node.arguments?.find((a) => PAGE_SIZE_ARGUMENTS.has(a.name.value));
  if (given) {
    if (given.value.kind === Kind.INT) return Math.max(parseInt(given.value.value, 10), 1);
    if (given.value.kind === Kind.VARIABLE) return maxPageSize;
    return 1; // null or a mistyped value: refused by another rule or the resolver
  }
  const declared = args?.filter((a) => PAGE_SIZE_ARGUMENTS.has(a.name));
  if (!declared?.length) return undefined;
  const defaults = declared
    .map((a) => a.defaultValue)
    .filter((v): v is number => typeof v === 'number');
  return defaults.length ? Math.max(...defaults, 1) : maxPageSize;
}
