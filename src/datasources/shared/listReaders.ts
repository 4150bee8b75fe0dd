import { MalformedBodyError } from '../../errors.ts';
import { mapState, type JobState } from '../../model/job.ts';
import { toIsoTimestamp } from './time.ts';
import { child, text, type XmlNode } from './xml.ts';

/**
 * The per-field readers every provider's list parse (`<p>/list.ts`) shares: a summary's times,
 * its state, and an XML list member's identity. A summary is a line of a listing, so a member
 * it cannot be listed without (its job ID, its creation time) is MalformedBodyError naming it,
 * and every other member reads as null when absent.
 */

/** Reads a time member to an ISO-8601 string (toIsoTimestamp, or a provider's stricter reader). */
export type IsoReader = (value: unknown, field: string) => string | null;

/** A time member as a Date; null when absent. */
export function listTime(
  value: unknown,
  field: string,
  read: IsoReader = toIsoTimestamp,
): Date | null {
  const iso = read(value, field);
  return iso === null ? null : new Date(iso);
}

/** An XML element's time text as a Date; null when absent. */
export function xmlListTime(node: XmlNode, field: string): Date | null {
  return listTime(text(node), field);
}

/** A summary's state: its status through the provider's table; null when it sent no status. */
export function summaryState(
  table: Readonly<Record<string, JobState>>,
  upstreamStatus: string | null,
): JobState | null {
  return upstreamStatus === null ? null : mapState(table, upstreamStatus);
}

/** An XML list member: an element, with the job ID it cannot be listed without (trimmed). */
export function xmlListMember(
  member: XmlNode,
  field: string,
): { element: Exclude<XmlNode, string | undefined>; jobId: string } {
  if (member === null || typeof member !== 'object' || Array.isArray(member))
    throw new MalformedBodyError(`${field} is not an element`);
  const jobId = text(child(member, 'JobId'))?.trim();
  if (!jobId) throw new MalformedBodyError(`${field}.JobId is missing`);
  return { element: member, jobId };
}

/** An XML member's time it cannot be listed without: absent is MalformedBodyError naming it. */
export function requiredXmlTime(element: XmlNode, name: string, field: string): Date {
  const named = `${field}.${name}`;
  const time = xmlListTime(child(element, name), named);
  if (!time) throw new MalformedBodyError(`${named} is missing`);
  return time;
}
