import type http from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import {
  createMcpHandler,
  type OAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/server';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Identity } from '../auth/identity.ts';
import { SCOPE_LOGS, SCOPE_READ, SCOPE_WRITE } from '../auth/identity.ts';
import type { Config } from '../config/index.ts';
import { admittedOf, type Admitted } from '../http/authenticator.ts';
import { writeErrorAnswer } from '../http/errors.ts';
import type { RunOperation } from './results.ts';
import { choicesOf, mcpServerFor } from './tools.ts';
import { refusedWriteCall } from './writeTools.ts';

/** Where the MCP server answers, under the gateway's own HTTP server. */
const MCP_PATH = '/mcp';
/** RFC 9728's document, at the root of the public URL (and, as the SDK derives it, before /mcp). */
const METADATA_PATHS = [
  '/.well-known/oauth-protected-resource',
  '/.well-known/oauth-protected-resource/mcp',
];

/** Request headers the SDK is not handed: the bearer token, cookies. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** The base users reach this gateway by: JOBGRAPH_PUBLIC_URL, else the request's own host. */
function baseOf(config: Config, req: http.IncomingMessage): string {
  if (config.publicUrl) return config.publicUrl;
  const host = req.headers.host ?? 'localhost';
  return `http://${host}`;
}

/** The 401 challenge of /mcp (RFC 9728 §5.1): where the protected resource's metadata is. */
export function mcpChallengeOf(config: Config): (req: http.IncomingMessage) => string {
  return (req) =>
    `Bearer error="invalid_token", resource_metadata="${baseOf(config, req)}${METADATA_PATHS[0]}"`;
}

/** The RFC 9728 document: the resource (`<public url>/mcp`), its authorization server, its scopes. */
function protectedResourceMetadata(
  config: Config,
  req: http.IncomingMessage,
): OAuthProtectedResourceMetadata {
  return {
    resource: `${baseOf(config, req)}${MCP_PATH}`,
    ...(config.auth.issuer ? { authorization_servers: [config.auth.issuer] } : {}),
    scopes_supported: [SCOPE_READ, SCOPE_LOGS, SCOPE_WRITE],
    bearer_methods_supported: ['header'],
    resource_name: 'jobgraph',
  };
}

/** The parts /mcp is mounted with: the same admission as /graphql, and the graph's own pipeline. */
export interface McpRouteParts {
  config: Config;
  /** The gateway's schema: the tools' filter choices are its enums' values. */
  schema: GraphQLSchema;
  authenticate: express.RequestHandler;
  rate?: express.RequestHandler;
  spanMiddleware?: express.RequestHandler;
  run: RunOperation;
}

/** A verified token is required: without one, the same 401 and challenge as a bad token's. */
function requireToken(config: Config): express.RequestHandler {
  const challenge = mcpChallengeOf(config);
  return (req, res, next) => {
    if ((res.locals.identity as Identity).authenticated) return next();
    writeErrorAnswer(
      req,
      res,
      401,
      [{ message: 'a bearer token is required', extensions: { code: 'UNAUTHENTICATED' } }],
      { 'www-authenticate': challenge(req) },
    );
  };
}

/**
 * A write tool called by a token without `jobs:write` (the tools on): 403 with the step-up
 * challenge naming the scopes it needs (RFC 6750 §3.1, as MCP's authorization asks), and the
 * JSON-RPC error saying the same. True when it answered.
 */
function refuseWriteCall(
  config: Config,
  req: express.Request,
  res: express.Response,
  identity: Identity,
): boolean {
  const allowed =
    !config.mcpWriteTools || (identity.scopes.has(SCOPE_READ) && identity.scopes.has(SCOPE_WRITE));
  const tool = refusedWriteCall(req.body, allowed);
  if (tool === null) return false;
  const message = `${tool} needs the ${SCOPE_WRITE} scope, which this token lacks`;
  res.status(403);
  res.setHeader(
    'www-authenticate',
    `Bearer error="insufficient_scope", scope="${SCOPE_READ} ${SCOPE_WRITE}", resource_metadata="${baseOf(config, req)}${METADATA_PATHS[0]}", error_description="${message}"`,
  );
  const id = (req.body as { id?: unknown }).id ?? null;
  res.json({ jsonrpc: '2.0', id, error: { code: -32600, message } });
  return true;
}

/** Answers a web-standard Response on Express's response, streaming its body. */
async function writeResponse(response: Response, res: express.Response): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, key) => res.setHeader(key, value));
  if (!response.body) {
    res.end();
    return;
  }
  const body = Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>);
  for await (const chunk of body) res.write(chunk);
  res.end();
}

/**
 * `/.well-known/oauth-protected-resource` and `/mcp`: Streamable HTTP (2026-07-28, and the
 * stateless 2025 fallback), one fresh server per request built for its caller (any replica
 * answers). Admission is /graphql's: the operation span, the token (401 with the challenge), the
 * caller's rate, the body limit.
 */
export function mcpRoute(app: express.Express, parts: McpRouteParts): void {
  const { config } = parts;
  app.get(METADATA_PATHS, (req, res) => {
    res.setHeader('cache-control', 'no-store');
    res.json(protectedResourceMetadata(config, req));
  });
  const choices = choicesOf(parts.schema);
  if (choices === null) return;
  const handler = createMcpHandler(
    ({ authInfo }) =>
      mcpServerFor(authInfo?.extra?.admitted as Admitted, { config, run: parts.run, choices }),
    { maxRequestBodySize: config.limits.maxBodyBytes },
  );
  app.use(
    MCP_PATH,
    ...(parts.spanMiddleware ? [parts.spanMiddleware] : []),
    parts.authenticate,
    requireToken(config),
    ...(parts.rate ? [parts.rate] : []),
    express.json({ limit: config.limits.maxBodyBytes }),
    (req, res, next) => {
      const admitted = admittedOf(res);
      if (refuseWriteCall(config, req, res, admitted.identity)) return;
      const headers = new Headers();
      // The token stays here: the SDK gets the verified caller (authInfo), never the credential.
      for (const [key, value] of Object.entries(req.headers))
        if (value !== undefined && !CREDENTIAL_HEADERS.has(key))
          headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      const request = new Request(`${baseOf(config, req)}${MCP_PATH}`, {
        method: req.method,
        headers,
      });
      handler
        .fetch(request, {
          ...(req.method === 'POST' ? { parsedBody: req.body as unknown } : {}),
          // AuthInfo's `token` is required by its type; the SDK never reads it here (no verifier
          // of its own is mounted), so it holds a marker, never the credential.
          authInfo: {
            token: 'verified',
            clientId: admitted.identity.subject ?? 'unknown',
            scopes: [...admitted.identity.scopes],
            extra: { admitted },
          },
        })
        .then((response) => writeResponse(response, res))
        .catch(next);
    },
  );
}
