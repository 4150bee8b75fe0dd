import {
  Kind,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';

/** The nodes the depth, alias, directive and cost rules walk. */
export type CountedNode = OperationDefinitionNode | FragmentDefinitionNode | SelectionNode;

/** `__schema`, which the depth and cost limits leave out. */
export function isSchemaIntrospection(node: CountedNode): boolean {
  return node.kind === Kind.FIELD && node.name.value === '__schema';
}
