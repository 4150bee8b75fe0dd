/**
 * A list call's page size as sent: an integer from 1 to the provider's largest page, else a
 * RangeError naming the parameter (a caller's bug: the gateway bounds page sizes first).
 */
function pageSize(name: string, value: number, max: number): string {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new RangeError(`${name} must be an integer from 1 to ${max}`);
  return String(value);
}

/** One page of a list call: its entries in the order sent, and the token of the next page (null on the last). */
export interface ListPage<S> {
  items: S[];
  nextToken: string | null;
}

/** The page a list call asks for: its size and the previous page's token. */
export interface PageInput {
  /** Page size, 1 to the provider's largest; absent leaves it to the service. */
  maxResults?: number;
  /** The previous page's next token; absent or null for the first page. */
  nextToken?: string | null;
}

/** How a list call names its page on the wire, and its largest page. */
export interface PageParams {
  /** The size's parameter on the wire, and as the caller names it (in the RangeError). */
  size: string;
  sizeInput: string;
  max: number;
  /** The token's parameter on the wire. */
  token: string;
}

/**
 * Add a page's size and token to a list call's query or form parameters, as `params` names them;
 * an absent one is not sent. Throws RangeError for a size outside 1..`params.max`.
 */
export function addPage(
  to: [string, string][],
  params: PageParams,
  size: number | undefined,
  token: string | null | undefined,
): [string, string][] {
  if (size !== undefined) to.push([params.size, pageSize(params.sizeInput, size, params.max)]);
  if (token != null) to.push([params.token, token]);
  return to;
}
