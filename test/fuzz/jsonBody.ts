import { MalformedBodyError } from '../../src/errors.ts';
import type { JsonObject } from '../../src/datasources/shared/json.ts';

/**
 * A JSON body as the SDK clients would hand it over: parsed, and an object, else a
 * MalformedBodyError (the fuzz tests feed raw bodies through the parse steps with it).
 */
export function parseJsonBody(body: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new MalformedBodyError('JSON body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new MalformedBodyError('JSON body is not an object');
  return value as JsonObject;
}
