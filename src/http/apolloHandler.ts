import type http from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type express from 'express';

/** A request's headers as Apollo reads them: each one, a repeated one joined with ", ". */
export function headerMapOf(headers: http.IncomingHttpHeaders): HeaderMap {
  const map = new HeaderMap();
  for (const [key, value] of Object.entries(headers))
    if (value !== undefined) map.set(key, Array.isArray(value) ? value.join(', ') : value);
  return map;
}

/** The query string of a request target (`?…`, up to a fragment), '' when it has none. */
export function searchOf(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return '';
  const hashAt = url.indexOf('#', queryAt);
  return hashAt < 0 ? url.slice(queryAt) : url.slice(queryAt, hashAt);
}

/**
 * /graphql's answer from Apollo Server: the steps of `@as-integrations/express5`'s middleware
 * (Apollo's public `executeHTTPGraphQLRequest`, then its headers, status and body), with a POST's
 * body written as Apollo's own standalone server writes it, `res.end`. The integration's
 * `res.send` hashes every answer for an ETag, copies it into a Buffer and re-reads its content
 * type; an ETag only serves a conditional GET, so every other answer (a GET's, the landing page,
 * a HEAD's length, a refused method's) still goes through `res.send`, and a POST's, which no
 * client revalidates, does not. `url.parse` of the integration is a cut of the target at `?`.
 * The integration is this handler's oracle (test/http/apolloHandlerOracle.test.ts): the same
 * answers but for a POST's ETag.
 */
export function apolloHandler<C extends BaseContext>(
  apollo: ApolloServer<C>,
  context: (req: express.Request, res: express.Response) => Promise<C>,
): express.RequestHandler {
  return async (req, res) => {
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method.toUpperCase(),
        headers: headerMapOf(req.headers),
        search: searchOf(req.url),
        body: req.body,
      },
      context: () => context(req, res),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status || 200;
    if (response.body.kind === 'complete') {
      if (req.method !== 'POST') res.send(response.body.string);
      else res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
