/**
 * Reading one variable: trimmed (blank is unset), checked against its form, and a bad value named
 * by its variable, never shown (it may be a secret).
 */

/** A bad configuration value: one clear line naming the variable, never its (possibly secret) value. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function opt(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/**
 * `raw` read as a URL of one of `protocols` (`'http:'`), else a ConfigError for `name` saying
 * `notUrl` (it is not a URL) or `otherProtocol` (its protocol is another).
 */
export function urlIn(
  name: string,
  raw: string,
  protocols: readonly string[],
  says: { notUrl: string; otherProtocol: string },
): URL {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, says.notUrl);
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, says.otherProtocol);
  return parsed;
}

export function url(env: Env, name: string): string | undefined {
  const v = opt(env, name);
  if (v === undefined) return undefined;
  urlIn(name, v, ['http:', 'https:'], {
    notUrl: 'is not a URL (expected e.g. http://127.0.0.1:4105)',
    otherProtocol: 'must be an http:// or https:// URL',
  });
  return v.replace(/\/+$/, '');
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = opt(env, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v))
    throw new ConfigError(name, `must be a whole number between ${min} and ${max}`);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return n;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = opt(env, name)?.toLowerCase();
  if (v === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, 'must be true or false');
}

export function pattern(
  env: Env,
  name: string,
  re: RegExp,
  form: string,
  served?: { test(v: string): boolean; by: string },
): string | undefined {
  const v = opt(env, name);
  if (v !== undefined && !re.test(v)) throw new ConfigError(name, `must be ${form}`);
  if (v !== undefined && served && !served.test(v))
    throw new ConfigError(name, `is not a region ${served.by} serves`);
  return v;
}
