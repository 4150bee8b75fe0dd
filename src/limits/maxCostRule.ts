import { GraphQLError, Kind, type ValidationRule } from 'graphql';
import { isSchemaIntrospection, type CountedNode } from './countedNode.ts';

const SCALAR_COST = 1;
const OBJECT_COST = 2;
/** Each level of nesting multiplies what is below it by this. */
const DEPTH_COST_FACTOR = 1.5;

/**
 * Rejects an operation whose static cost exceeds `max` (`config.limits.maxCost`, default
 * 5000): "Query Cost limit of 5000 exceeded, found 5300.5.".
 *
 * A leaf field costs 1; a field with a selection costs 2 plus 1.5 × each child's cost (times
 * its `first`/`last` argument, if any); a fragment adds no level; introspection's `__schema`
 * costs 0. This is graphql-armor's `costLimit` with its defaults, `flattenFragments` and
 * `ignoreIntrospection`, which this rule replaces, kept as it counted (a repeated spread of
 * the same fragment costs 1 + 1.5 × the fragment).
 */
export function maxCostRule(max: number): ValidationRule {
  return (context) => {
    // A fragment's cost, computed once per document; -1 while it is being computed (a cycle).
    const fragmentCosts = new Map<string, number>();
    const costOf = (node: CountedNode): number => {
      if (isSchemaIntrospection(node)) return 0;
      if (node.kind === Kind.OPERATION_DEFINITION) {
        return node.selectionSet.selections.reduce((sum, child) => sum + costOf(child), 0);
      }
      if (node.kind === Kind.FRAGMENT_SPREAD) {
        const name = node.name.value;
        const known = fragmentCosts.get(name);
        if (known !== undefined) return SCALAR_COST + DEPTH_COST_FACTOR * known;
        fragmentCosts.set(name, -1);
        const fragment = context.getFragment(name);
        if (!fragment) return SCALAR_COST;
        const cost = costOf(fragment);
        if (fragmentCosts.get(name) === -1) fragmentCosts.set(name, cost);
        return SCALAR_COST + cost;
      }
      if (!node.selectionSet) return SCALAR_COST;
      let cost = OBJECT_COST;
      for (const child of node.selectionSet.selections) {
        cost += child.kind === Kind.FIELD ? DEPTH_COST_FACTOR * costOf(child) : costOf(child);
      }
      return cost * pageSize(node);
    };
    return {
      OperationDefinition(node) {
        const found = costOf(node);
        if (found > max)
          context.reportError(
            new GraphQLError(`Query Cost limit of ${max} exceeded, found ${found}.`),
          );
      },
    };
  };
}

/** A field's first `first` or `last` argument when it is an integer literal above 1, else 1. */
function pageSize(node: CountedNode): number {
  if (node.kind !== Kind.FIELD) return 1;
  const arg = node.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
  return arg?.value.kind === Kind.INT ? Math.max(parseInt(arg.value.value, 10), 1) : 1;
}
