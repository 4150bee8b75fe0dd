import {
  createSecretDetector,
  createSecretStripper,
  createSensitiveValueCollector,
} from '../auth/secrets.ts';
import { secretValues } from '../auth/secretValues.ts';
import type { ShareRules } from '../cache/index.ts';
import type { Config } from '../config/index.ts';
import { JOB_TYPES } from '../model/jobKeys.ts';
import type { BuiltSchema } from '../schema.ts';

// What the gateway knows of secrets as it starts, from the central sensitive-field list: the
// names the log redacts, the values it scrubs, and what may be cached, shared or kept of a record.

/** The sensitive fields' names, which the log redacts by key. */
export const sensitiveFieldNames = (built: BuiltSchema) =>
  built.policy.sensitiveFields.map((f) => f.field);

/**
 * Logs and error messages are scrubbed of every secret the process knows: the configured
 * credentials from now on, each loaded record's sensitive values as it is loaded.
 */
export function learnConfiguredSecrets(config: Config, built: BuiltSchema): void {
  secretValues.setRecordCollector(
    createSensitiveValueCollector(built.schema, built.policy.sensitiveFields, JOB_TYPES),
  );
  for (const value of [
    config.awsCredentials?.secretAccessKey,
    config.awsCredentials?.sessionToken,
    // A COS SecretId too: it signs every request (`q-ak`) and names the key pair.
    config.tencent.credentials?.secretId,
    config.tencent.credentials?.secretKey,
    config.tencent.credentials?.sessionToken,
    ...config.tencent.accounts.flatMap((a) => [
      a.credentials.secretId,
      a.credentials.secretKey,
      a.credentials.sessionToken,
    ]),
    config.auth.jwtSecret,
    // The notifications' sealing key and the cursors' HMAC key: pasted into a reason, never shown.
    config.notifications.secret,
    config.listing.cursorSecret,
    config.cache.clusterSecret,
    config.cache.previousClusterSecret,
    ...Object.values(config.tracing?.headers ?? {}),
  ]) {
    secretValues.pin(value);
  }
}

/**
 * What may be cached, shared or kept of a record, from the central sensitive-field list: whether it
 * holds a secret, and the record with every sensitive field null.
 */
export function shareRules(built: BuiltSchema): ShareRules {
  const { schema, policy } = built;
  return {
    holdsSecret: createSecretDetector(schema, policy.sensitiveFields, JOB_TYPES),
    withoutSecrets: createSecretStripper(schema, policy.sensitiveFields, JOB_TYPES),
  };
}
