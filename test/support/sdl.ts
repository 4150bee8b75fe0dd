import { parse, print, visit } from 'graphql';

/**
 * An SDL printed again without its descriptions, so a field prints on one line
 * (`jobUpdates(ids: [ID!]!): Job!`) whatever its arguments' descriptions.
 */
export function withoutDescriptions(sdl: string): string {
  return print(
    visit(parse(sdl), {
      enter: (node) =>
        'description' in node && node.description ? { ...node, description: undefined } : undefined,
    }),
  );
}
