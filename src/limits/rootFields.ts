import {
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * The root fields an operation selects, in document order: root fragments followed once each.
 * `included` leaves out a selection (and all under it); by default `@skip`/`@include` are not
 * evaluated (a conditional field counts) — what the budget checks read from a document before
 * any variable is looked at.
 */
export function rootFieldNodes(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  included?: (selection: SelectionNode) => boolean,
): FieldNode[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION && !fragments.has(d.name.value))
      fragments.set(d.name.value, d);
  return selectedFields(operation.selectionSet, (name) => fragments.get(name), included);
}

/**
 * The fields a selection set selects at its own level, in order: inline fragments entered,
 * fragment spreads followed once each through `fragment` (a document's definitions, or a
 * validation context's `getFragment`), `included` leaving out a selection and all under it.
 */
export function selectedFields(
  selectionSet: SelectionSetNode,
  fragment: (name: string) => FragmentDefinitionNode | null | undefined,
  included: (selection: SelectionNode) => boolean = () => true,
): FieldNode[] {
  const fields: FieldNode[] = [];
  const seenFragments = new Set<string>();
  const walk = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seenFragments.has(selection.name.value)) {
        seenFragments.add(selection.name.value);
        const definition = fragment(selection.name.value);
        if (definition) walk(definition.selectionSet);
      }
    }
  };
  walk(selectionSet);
  return fields;
}
