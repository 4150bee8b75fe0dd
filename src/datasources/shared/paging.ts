/**
 * A list call's page size as sent: an integer from 1 to the provider's largest page, else a
 * RangeError naming the parameter (a caller's bug: the gateway bounds page sizes first).
 */
export function pageSize(name: string, value: number, max: number): string {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new RangeError(`${name} must be an integer from 1 to ${max}`);
  return String(value);
}
