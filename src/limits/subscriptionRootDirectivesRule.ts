import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  SingleFieldSubscriptionsRule,
  parse,
  type ASTVisitFn,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';

/**
 * Rejects `@skip` and `@include` on the root selection set of a subscription, as the GraphQL
 * specification's "Single Root Field" rule does (graphql-js 17 checks it; 16 does not). A
 * subscription whose root field is skipped has no event stream at all, and graphql-js 16 then
 * throws instead of returning errors — from `subscribe`, and, when the condition is a variable,
 * from its own SingleFieldSubscriptionsRule during `validate`. As a validation error it is the
 * client's mistake: GRAPHQL_VALIDATION_FAILED, HTTP 400 or a graphql-ws `error` message.
 */
export const subscriptionRootDirectivesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    for (const directive of subscriptionRootDirectives(node, (name) => context.getFragment(name)))
      context.reportError(refusal(directive));
  },
});

/**
 * graphql-js's SingleFieldSubscriptionsRule, left out for a subscription that
 * {@link subscriptionRootDirectivesRule} refuses: there it would throw rather than report.
 */
export const guardedSingleFieldSubscriptionsRule: ValidationRule = (context) => {
  const inner = (
    SingleFieldSubscriptionsRule(context) as {
      OperationDefinition: ASTVisitFn<OperationDefinitionNode>;
    }
  ).OperationDefinition;
  return {
    OperationDefinition(node, ...rest) {
      if (subscriptionRootDirectives(node, (name) => context.getFragment(name)).length === 0)
        inner(node, ...rest);
    },
  };
};

/**
 * The same refusal for a request Apollo Server is about to run, from its query text: Apollo runs
 * graphql-js's rules before any of ours, so for `@skip(if: $var)` graphql-js would throw first (an
 * internal error). Made where the request's context is made, whose errors Apollo answers with
 * their code and HTTP status. Only a text naming a subscription and one of the directives is parsed.
 */
export function subscriptionRootDirectivesRefusal(
  query: unknown,
  parseOptions: ParseOptions,
): GraphQLError | null {
  if (
    typeof query !== 'string' ||
    !query.includes('subscription') ||
    !/@(skip|include)\b/.test(query)
  )
    return null;
  let document: DocumentNode;
  try {
    document = parse(query, parseOptions);
  } catch {
    return null; // Apollo answers the syntax error itself
  }
  const directive = rootDirectivesIn(document)[0];
  return directive ? refusal(directive, { http: { status: 400 } }) : null;
}

function refusal(directive: DirectiveNode, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(
    `A subscription's root selection must not use @${directive.name.value}: a subscription has exactly one root field, always executed.`,
    {
      nodes: [directive],
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...extensions },
    },
  );
}

/** Every `@skip`/`@include` on the root selections of the document's subscriptions. */
function rootDirectivesIn(document: DocumentNode): DirectiveNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return document.definitions.flatMap((d) =>
    d.kind === Kind.OPERATION_DEFINITION
      ? subscriptionRootDirectives(d, (name) => fragments.get(name))
      : [],
  );
}

/** The `@skip`/`@include` directives on a subscription's root selections, fragments followed once each; none for other operations. */
function subscriptionRootDirectives(
  node: OperationDefinitionNode,
  fragment: (name: string) => FragmentDefinitionNode | null | undefined,
): DirectiveNode[] {
  if (node.operation !== OperationTypeNode.SUBSCRIPTION) return [];
  const found: DirectiveNode[] = [];
  const seenFragments = new Set<string>();
  const walk = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      for (const directive of selection.directives ?? [])
        if (directive.name.value === 'skip' || directive.name.value === 'include')
          found.push(directive);
      if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (
        selection.kind === Kind.FRAGMENT_SPREAD &&
        !seenFragments.has(selection.name.value)
      ) {
        seenFragments.add(selection.name.value);
        const definition = fragment(selection.name.value);
        if (definition) walk(definition.selectionSet);
      }
    }
  };
  walk(node.selectionSet);
  return found;
}
