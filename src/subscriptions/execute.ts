import {
  GraphQLError,
  Kind,
  createSourceEventStream,
  getOperationAST,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type SelectionSetNode,
} from 'graphql';
import { JOB_ID_LIST_ARGUMENTS } from '../limits/listArguments.ts';
import { executeShared, shareKey } from './sharedResults.ts';

/**
 * graphql-js's `subscribe`, except that each event is executed against a copy of the document
 * whose root job-ID lists are empty. graphql-js 16 executes every event with the operation's
 * arguments and variables coerced again, so a subscription's cost per event would grow with its
 * `ids` list; the root field's resolver reads only the event, never its arguments. Subscriptions
 * that would compute the same result for an event share one execution (sharedResults.ts). Errors that
 * graphql-js throws instead of returning (a document it should have refused) become a result
 * with one error, formatted and logged as jobgraph's own fault.
 */
export async function subscribe(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  let source: AsyncIterable<unknown> | ExecutionResult;
  try {
    source = await createSourceEventStream(args);
  } catch (err) {
    return {
      errors: [
        err instanceof GraphQLError
          ? err
          : new GraphQLError('The subscription could not start.', { originalError: err as Error }),
      ],
    };
  }
  if (!(Symbol.asyncIterator in source)) return source;
  const eventArgs: ExecutionArgs = {
    ...args,
    document: sharedEventDocument(args.document, args.operationName),
  };
  const key = shareKey(eventArgs);
  return mapEvents(source as AsyncIterator<unknown> & AsyncIterable<unknown>, (payload) =>
    executeShared(eventArgs, payload, key),
  );
}

/** Event documents by document and operation name: subscriptions of one text share one (sharedResults.ts keys on it). */
const eventDocuments = new WeakMap<DocumentNode, Map<string | null, DocumentNode>>();

function sharedEventDocument(document: DocumentNode, operationName?: string | null): DocumentNode {
  let byName = eventDocuments.get(document);
  if (!byName) eventDocuments.set(document, (byName = new Map<string | null, DocumentNode>()));
  let made = byName.get(operationName ?? null);
  if (!made) byName.set(operationName ?? null, (made = eventDocument(document, operationName)));
  return made;
}

/** The document each event executes: the root fields' job-ID lists empty, and the variables only they used gone. */
export function eventDocument(document: DocumentNode, operationName?: string | null): DocumentNode {
  const operation = getOperationAST(document, operationName);
  if (!operation) return document;
  const rootFragments = new Set<string>();
  const emptyLists = (set: SelectionSetNode): SelectionSetNode => ({
    ...set,
    selections: set.selections.map((selection) => {
      if (selection.kind === Kind.INLINE_FRAGMENT)
        return { ...selection, selectionSet: emptyLists(selection.selectionSet) };
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        rootFragments.add(selection.name.value);
        return selection;
      }
      const argument = JOB_ID_LIST_ARGUMENTS[selection.name.value];
      if (!argument || !selection.arguments) return selection;
      return {
        ...selection,
        arguments: selection.arguments.map((a) =>
          a.name.value === argument ? { ...a, value: { kind: Kind.LIST, values: [] } } : a,
        ),
      };
    }),
  });
  const rootSelection = emptyLists(operation.selectionSet);
  // A fragment spread at a subscription's root is on the Subscription type, so it is spread nowhere else.
  const fragments = document.definitions.map((d): DefinitionNode =>
    d.kind === Kind.FRAGMENT_DEFINITION && rootFragments.has(d.name.value)
      ? { ...d, selectionSet: emptyLists(d.selectionSet) }
      : d,
  );
  const used = new Set<string>();
  visit(
    {
      ...document,
      definitions: [
        { ...operation, selectionSet: rootSelection },
        ...fragments.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION),
      ],
    },
    {
      VariableDefinition: () => false,
      Variable: (node) => void used.add(node.name.value),
    },
  );
  const variableDefinitions = (operation.variableDefinitions ?? []).filter((v) =>
    used.has(v.variable.name.value),
  );
  return {
    ...document,
    definitions: fragments.map((d) =>
      d === operation ? { ...operation, variableDefinitions, selectionSet: rootSelection } : d,
    ),
  };
}

/**
 * An async iterator of `map(event)` over `source`, passing `return` and `throw` through. An event
 * is handed on in the promise the source's `next` gave, chained once: no async function per event
 * (each would make its own promise, and another for the value it awaits and returns), and a
 * result `map` gives at once (a shared execution's, sharedResults.ts) is not awaited at all.
 */
function mapEvents<T, U>(
  source: AsyncIterator<T> & AsyncIterable<T>,
  map: (event: T) => U | Promise<U>,
): AsyncIterableIterator<U> {
  const iterator = source[Symbol.asyncIterator]();
  const mapped = (result: IteratorResult<T>): IteratorResult<U> | Promise<IteratorResult<U>> => {
    if (result.done) return result;
    const value = map(result.value);
    return value instanceof Promise ? value.then(step) : step(value);
  };
  return {
    next: () => iterator.next().then(mapped),
    return: async () =>
      typeof iterator.return === 'function'
        ? mapped(await iterator.return())
        : { value: undefined, done: true },
    throw: async (err?: unknown) => {
      if (typeof iterator.throw === 'function') return mapped(await iterator.throw(err));
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** One mapped event as an iterator result. */
const step = <U>(value: U): IteratorResult<U> => ({ value, done: false });
