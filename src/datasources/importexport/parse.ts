import { MalformedBodyError } from '../../errors.ts';
import type { ImportExportKey } from '../../model/keys.ts';
import { mapState } from '../../model/job.ts';
import { jobHeader } from '../shared/jobHeader.ts';
import { enumValue } from '../shared/json.ts';
import { toIsoTimestamp } from '../shared/time.ts';
import { child, children, createXmlParser, integer, text, type XmlNode } from '../shared/xml.ts';
import {
  IMPORTEXPORT_JOB_TYPES,
  IMPORTEXPORT_STATE_MAP,
  type ImportExportArtifact,
  type ImportExportJobRecord,
} from './record.ts';
import { IMPORTEXPORT_KEY } from './key.ts';

/**
 * Paths are matched after namespace prefixes are removed and attributes ignored, so the
 * model namespace (`…/doc/2010-06-01/`) and the Developer Guide's (`http://importexport.amazonaws.com/`)
 * read the same.
 */
const IMPORTEXPORT_ARRAY_PATHS: readonly string[] = [
  'GetStatusResponse.GetStatusResult.ArtifactList.member',
];
const parseSuccessXml = createXmlParser(IMPORTEXPORT_ARRAY_PATHS);
const parseErrorXml = createXmlParser(['Response.Errors.Error']);

/** What the query error envelope says. Every field may be missing. */
export interface ImportExportWireError {
  type: string | null;
  code: string | null;
  message: string | null;
  requestId: string | null;
}

/** The request id in a success body (`ResponseMetadata/RequestId`), or null if the body does not show one. */
export function successRequestId(body: string): string | null {
  try {
    return text(
      child(child(parseSuccessXml(body).GetStatusResponse, 'ResponseMetadata'), 'RequestId'),
    );
  } catch {
    return null;
  }
}

/** `RequestId>`, the end of the request ID's opening and closing tags (any namespace prefix). */
const REQUEST_ID_TAG = Buffer.from('RequestId>', 'latin1');
const [LT, SLASH, COLON] = [0x3c, 0x2f, 0x3a];

/** Whether `body[from, to)` is a tag's namespace prefix (`[\w.-]+:`) or nothing. */
function prefixOrNothing(body: Buffer, from: number, to: number): boolean {
  if (from === to) return true;
  if (to - from < 2 || body[to - 1] !== COLON) return false;
  for (let i = from; i < to - 1; i++) {
    const c = body[i] as number;
    const word =
      (c >= 0x30 && c <= 0x39) || // 0-9
      (c >= 0x41 && c <= 0x5a) || // A-Z
      (c >= 0x61 && c <= 0x7a) || // a-z
      c === 0x5f || // _
      c === 0x2e || // .
      c === 0x2d; // -
    if (!word) return false;
  }
  return true;
}

/**
 * A GetStatus body without its request ID, which differs between answers that say the same
 * (Operation.sameAnswer): the bytes before and after the first
 * `<RequestId>…</RequestId>` element (either tag with any namespace prefix, no markup inside;
 * the whole body when there is none), found in the bytes as read — no decode, no copy.
 */
export function withoutRequestId(body: Buffer): Buffer[] {
  for (let at = body.indexOf(REQUEST_ID_TAG); at >= 0; at = body.indexOf(REQUEST_ID_TAG, at + 1)) {
    const open = body.lastIndexOf(LT, at);
    if (open < 0 || body[open + 1] === SLASH || !prefixOrNothing(body, open + 1, at)) continue;
    const close = body.indexOf(LT, at + REQUEST_ID_TAG.length); // the text ends at the next `<`
    if (close < 0 || body[close + 1] !== SLASH) continue;
    const end = body.indexOf(REQUEST_ID_TAG, close);
    if (end < 0 || !prefixOrNothing(body, close + 2, end)) continue;
    return [body.subarray(0, open), body.subarray(end + REQUEST_ID_TAG.length)];
  }
  return [body];
}

/**
 * Read `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`
 * (RequestId is a sibling of Error). The EC2-style `<Response><Errors><Error>…</Errors><RequestID/>`
 * is read too. Returns null when the body is not an error envelope at all (e.g. an HTML page).
 */
export function parseErrorResponse(body: string): ImportExportWireError | null {
  let doc: Record<string, XmlNode>;
  try {
    doc = parseErrorXml(body);
  } catch {
    return null;
  }
  const envelope = doc.ErrorResponse;
  if (envelope !== undefined) {
    const error = child(envelope, 'Error');
    return {
      type: text(child(error, 'Type')),
      code: text(child(error, 'Code')),
      message: text(child(error, 'Message')),
      requestId: text(child(envelope, 'RequestId')),
    };
  }
  const ec2 = doc.Response;
  if (ec2 !== undefined) {
    const error = child(child(ec2, 'Errors'), 'Error');
    return {
      type: null,
      code: text(child(error, 'Code')),
      message: text(child(error, 'Message')),
      requestId: text(child(ec2, 'RequestID')) ?? text(child(ec2, 'RequestId')),
    };
  }
  return null;
}

/** A leaf that must be text: `<X>a</X>` and `<X/>` are fine, an element with children is malformed. */
function leaf(parent: XmlNode, name: string): string | null {
  const node = child(parent, name);
  const value = text(node);
  if (node !== undefined && value === null)
    throw new MalformedBodyError(`${name} is not a text element`);
  return value;
}

function artifact(member: XmlNode): ImportExportArtifact {
  if (typeof member === 'string') {
    if (member.trim() === '') return { description: null, url: null };
    throw new MalformedBodyError('ArtifactList.member is not an element');
  }
  return { description: leaf(member, 'Description'), url: leaf(member, 'URL') };
}

/**
 * Parse a GetStatus success body into the normalised record. Throws MalformedBodyError when
 * the body is not XML, is not a GetStatusResponse, or a typed field does not read.
 * Text (manifest, signature file) is kept exactly, line breaks and surrounding space included.
 */
export function parse(key: ImportExportKey, body: string): ImportExportJobRecord {
  const doc = parseSuccessXml(body);
  const response = doc.GetStatusResponse;
  if (response === undefined || typeof response === 'string')
    throw new MalformedBodyError('body is not a GetStatusResponse');
  const result = child(response, 'GetStatusResult');
  if (result === undefined)
    throw new MalformedBodyError('GetStatusResponse has no GetStatusResult');

  const progressCode = leaf(result, 'ProgressCode');
  const progressMessage = leaf(result, 'ProgressMessage');
  const state = mapState(IMPORTEXPORT_STATE_MAP, progressCode);
  const rawJobType = leaf(result, 'JobType');
  const creationDate = toIsoTimestamp(leaf(result, 'CreationDate'), 'CreationDate');

  return {
    ...jobHeader(IMPORTEXPORT_KEY, key, {
      nativeId: key.jobId,
      name: null,
      state,
      providerStatus: progressCode,
      statusMessage: progressMessage,
      createdAt: creationDate,
      updatedAt: null,
      completedAt: null,
    }),
    jobId: leaf(result, 'JobId'),
    jobType: enumValue(rawJobType, IMPORTEXPORT_JOB_TYPES),
    locationCode: leaf(result, 'LocationCode'),
    locationMessage: leaf(result, 'LocationMessage'),
    progressCode,
    progressMessage,
    carrier: leaf(result, 'Carrier'),
    trackingNumber: leaf(result, 'TrackingNumber'),
    logBucket: leaf(result, 'LogBucket'),
    logKey: leaf(result, 'LogKey'),
    errorCount: integer(child(result, 'ErrorCount'), 'ErrorCount'),
    signature: leaf(result, 'Signature'),
    signatureFileContents: leaf(result, 'SignatureFileContents'),
    currentManifest: leaf(result, 'CurrentManifest'),
    creationDate,
    artifactList: children(child(result, 'ArtifactList'), 'member').map(artifact),
    awsShippingAddress: leaf(result, 'AwsShippingAddress'),
    warningMessage: leaf(result, 'WarningMessage'),
  };
}
