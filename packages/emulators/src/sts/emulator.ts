import { randomUUID } from 'node:crypto';
import {
  MAX_SESSION_SECONDS,
  type AwsKey,
  type AwsSession,
  type EmulatorAccounts,
} from '../accounts.ts';
import { awsQueryAnswers } from '../awsQuery.ts';
import { awsCallers } from '../awsCaller.ts';
import type { EmulatorRequest, EmulatorResponse, ProviderEmulator } from '../framework.ts';
import { isoSeconds } from '../progress.ts';

/** The STS query API version, and its XML namespace. */
const STS_API_VERSION = '2011-06-15';
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
/** A session's length when AssumeRole names none, in seconds. */
const DEFAULT_SESSION_SECONDS = 3_600;
/** STS's shortest session, in seconds. */
const MIN_SESSION_SECONDS = 900;

/** The STS actions of the 2011-06-15 API; the emulator answers two of them. */
const STS_ACTIONS = new Set([
  'AssumeRole',
  'AssumeRoleWithSAML',
  'AssumeRoleWithWebIdentity',
  'AssumeRoot',
  'DecodeAuthorizationMessage',
  'GetAccessKeyInfo',
  'GetCallerIdentity',
  'GetDelegatedAccessToken',
  'GetFederationToken',
  'GetSessionToken',
  'GetWebIdentityToken',
]);

export interface StsEmulatorOptions {
  /** The accounts registry shared with the AWS emulators (default: a fresh one). */
  accounts?: EmulatorAccounts;
  /** Clock in ms: signature skew, session issue and expiry, the Date header (default Date.now). */
  now?: () => number;
}

function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

const el = (name: string, value: string | number, indent: string) =>
  `${indent}<${name}>${escapeXml(String(value))}</${name}>\n`;

/**
 * AWS STS over the query protocol, as the service answers it: `POST /` form-encoded (or `GET
 * /?…`) `Action=…&Version=2011-06-15`, SigV4 `sts` in any region, XML answers in the
 * 2011-06-15 namespace, errors as `ErrorResponse/Error/{Type,Code,Message}` with `RequestId`
 * beside `Error` and `x-amzn-RequestId`.
 *
 * - AssumeRole (`RoleArn`, `RoleSessionName`, optional `DurationSeconds` 900..43200, default
 *   3600, `ExternalId`, `Policy`): a fresh session (random `ASIA…` key, secret, token) of the
 *   role's account, valid DurationSeconds from `now()`, issued into the shared accounts registry
 *   so the AWS emulators accept its keys for that account's jobs. The model's constraints are
 *   400 ValidationError ("N validation errors detected: …"); a RoleArn that is no IAM role ARN
 *   400 ValidationError "Request ARN is invalid" (unverified wording for AssumeRole); a role
 *   that does not exist or does not trust the caller's account, or a wrong or missing external
 *   ID, 403 AccessDenied "User: … is not authorized to perform: sts:AssumeRole on resource: …"
 *   (AWS does not tell these apart; the demo roles trust the default account only, so a session
 *   assumes none of them); a duration over the role's MaxSessionDuration (12 hours here) 400
 *   ValidationError.
 * - GetCallerIdentity: `Account`, `Arn`, `UserId` of the default credentials' IAM user or of a
 *   session's assumed role.
 * - Auth: no Authorization 403 MissingAuthenticationToken; a malformed one 400
 *   IncompleteSignature; an unknown key or a session key without its token 403
 *   InvalidClientTokenId; an expired session 403 ExpiredToken; wrong service, skew or signature
 *   403 SignatureDoesNotMatch.
 * - Other actions of the API 400 InvalidAction (not emulated); unknown actions or versions 400
 *   InvalidAction "Could not find operation …"; no Action 400 MissingAction; other paths 404.
 */
export function createStsEmulator(opts: StsEmulatorOptions = {}): ProviderEmulator {
  const now = opts.now ?? Date.now;
  const callers = awsCallers(opts, { service: 'sts', now });

  const answers = awsQueryAnswers({ xmlns: STS_XMLNS, escapeXml, nextRequestId: randomUUID, now });
  const { respond, error, ok } = answers;

  function assumeRole(params: URLSearchParams, caller: AwsKey): EmulatorResponse {
    const roleArn = params.get('RoleArn');
    const sessionName = params.get('RoleSessionName');
    const duration = params.get('DurationSeconds');
    const externalId = params.get('ExternalId');
    const policy = params.get('Policy');
    const problems: string[] = [];
    const value = (v: string | null) => (v === null ? 'null' : `'${v.slice(0, 2048)}'`);
    const constraint = (field: string, v: string | null, text: string) =>
      problems.push(`Value ${value(v)} at '${field}' failed to satisfy constraint: ${text}`);
    if (roleArn === null) constraint('roleArn', roleArn, 'Member must not be null');
    else {
      if (roleArn.length < 20)
        constraint('roleArn', roleArn, 'Member must have length greater than or equal to 20');
      if (roleArn.length > 2048)
        constraint('roleArn', roleArn, 'Member must have length less than or equal to 2048');
    }
    if (sessionName === null) constraint('roleSessionName', sessionName, 'Member must not be null');
    else {
      if (sessionName.length < 2)
        constraint(
          'roleSessionName',
          sessionName,
          'Member must have length greater than or equal to 2',
        );
      if (sessionName.length > 64)
        constraint(
          'roleSessionName',
          sessionName,
          'Member must have length less than or equal to 64',
        );
      if (!/^[\w+=,.@-]*$/.test(sessionName))
        constraint(
          'roleSessionName',
          sessionName,
          'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
        );
    }
    let seconds = DEFAULT_SESSION_SECONDS;
    if (duration !== null) {
      seconds = /^-?\d{1,10}$/.test(duration) ? Number(duration) : NaN;
      if (Number.isNaN(seconds))
        constraint('durationSeconds', duration, 'Member must be an integer');
      else if (seconds < MIN_SESSION_SECONDS)
        constraint(
          'durationSeconds',
          duration,
          `Member must have value greater than or equal to ${MIN_SESSION_SECONDS}`,
        );
      else if (seconds > MAX_SESSION_SECONDS)
        constraint(
          'durationSeconds',
          duration,
          `Member must have value less than or equal to ${MAX_SESSION_SECONDS}`,
        );
    }
    if (externalId !== null) {
      if (externalId.length < 2)
        constraint('externalId', externalId, 'Member must have length greater than or equal to 2');
      if (externalId.length > 1224)
        constraint('externalId', externalId, 'Member must have length less than or equal to 1224');
      if (!/^[\w+=,.@:/-]*$/.test(externalId))
        constraint(
          'externalId',
          externalId,
          'Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*',
        );
    }
    if (problems.length > 0)
      return error(
        400,
        'ValidationError',
        `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected: ${problems.join('; ')}`,
      );
    const arn = roleArn as string;
    if (!/^arn:aws:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/.test(arn))
      return error(400, 'ValidationError', 'Request ARN is invalid');
    const role = callers.accounts.role(arn);
    if (
      !role ||
      !role.trustedAccounts.includes(caller.accountId) ||
      (role.externalId !== null && externalId !== role.externalId)
    )
      return error(
        403,
        'AccessDenied',
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
      );
    if (seconds > role.maxSessionSeconds)
      return error(
        400,
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    const session = callers.accounts.issueSession(role, sessionName as string, now(), seconds);
    return ok('AssumeRole', assumeRoleResult(session, policy));
  }

  function getCallerIdentity(caller: AwsKey): EmulatorResponse {
    const i = '    ';
    return ok(
      'GetCallerIdentity',
      el('Arn', caller.arn, i) +
        el('UserId', caller.userId, i) +
        el('Account', caller.accountId, i),
    );
  }

  async function handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    if ((req.method !== 'POST' && req.method !== 'GET') || req.rawPath !== '/')
      return respond(404, '<UnknownOperationException/>', randomUUID());
    const auth = await callers.verify(req);
    if (!auth.ok)
      return answers.refused(auth, {
        invalidTokenCode: 'InvalidClientTokenId',
        wrongScopeMessage: "Credential should be scoped to correct service: 'sts'. ",
      });
    const params = paramsOf(req);
    const action = params.get('Action');
    if (!action) return error(400, 'MissingAction', 'Missing Action');
    const version = params.get('Version');
    if (version !== STS_API_VERSION || !STS_ACTIONS.has(action))
      return error(
        400,
        'InvalidAction',
        `Could not find operation ${action.slice(0, 64)} for version ${(version ?? 'NO_VERSION_SPECIFIED').slice(0, 64)}`,
      );
    if (action === 'AssumeRole') return assumeRole(params, auth.key);
    if (action === 'GetCallerIdentity') return getCallerIdentity(auth.key);
    return answers.notEmulated(action, 'AssumeRole and GetCallerIdentity');
  }

  return {
    name: 'sts',
    handle,
    describe(req) {
      const params = paramsOf(req);
      const action = params.get('Action') ?? 'unknown';
      return {
        operation: action,
        job: action === 'AssumeRole' ? params.get('RoleArn') : null,
        ...callers.otherAccountOf(req),
      };
    },
    throttled: answers.throttled,
    serverError: answers.serverError,
    errorAnswer: answers.errorAnswer,
    malformed() {
      // Cut before any key, so a malformed answer never carries one.
      return respond(
        200,
        `<AssumeRoleResponse xmlns="${STS_XMLNS}">\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n      <Arn>arn:aws:sts::`,
        randomUUID(),
      );
    },
  };
}

/** The request's parameters: the query's, then (for POST) the form body's. */
function paramsOf(req: EmulatorRequest): URLSearchParams {
  const params = new URLSearchParams(req.query);
  if (req.method === 'POST') for (const [k, v] of new URLSearchParams(req.body)) params.set(k, v);
  return params;
}

/** `AssumeRoleResult`'s children in the order of the STS API reference's example. */
function assumeRoleResult(session: AwsSession, policy: string | null): string {
  const i = '    ';
  const packedPolicy =
    policy === null
      ? ''
      : el('PackedPolicySize', Math.max(1, Math.ceil((policy.length * 100) / 2048)), i);
  return (
    `${i}<AssumedRoleUser>\n` +
    el('AssumedRoleId', session.userId, `${i}  `) +
    el('Arn', session.arn, `${i}  `) +
    `${i}</AssumedRoleUser>\n` +
    `${i}<Credentials>\n` +
    el('AccessKeyId', session.accessKeyId, `${i}  `) +
    el('SecretAccessKey', session.secretAccessKey, `${i}  `) +
    el('SessionToken', session.sessionToken, `${i}  `) +
    el('Expiration', isoSeconds(session.expiresMs), `${i}  `) +
    `${i}</Credentials>\n` +
    packedPolicy
  );
}
