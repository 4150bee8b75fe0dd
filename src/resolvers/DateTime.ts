import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/** The one form the datasources normalise every timestamp to (Date#toISOString's). */
const CANONICAL =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

function toIso(value: unknown): string {
  // Already canonical (every record's timestamps are): checked by shape, not re-parsed. A day that
  // passes the shape but not the calendar (e.g. 02-31) still goes through Date below.
  if (typeof value === 'string' && CANONICAL.test(value) && Number(value.slice(8, 10)) <= 28)
    return value;
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime()))
    throw new GraphQLError('DateTime must be an ISO-8601 timestamp.', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  return date.toISOString();
}

/** ISO-8601 UTC timestamps; datasources already normalise, so serialising is a check, not a conversion. */
export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 timestamp in UTC, e.g. 2024-07-01T09:26:43.456Z.',
  serialize: toIso,
  parseValue: toIso,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING)
      throw new GraphQLError('DateTime must be a string.', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    return toIso(ast.value);
  },
});
