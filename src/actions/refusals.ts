import type { JobActionName } from '../config/types.ts';
import { BadUserInputError, JobgraphError } from '../errors.ts';
import type { JobKey } from '../model/keys.ts';
import { kindOf } from '../datasources/registry.ts';
import { reasonLength } from '../datasources/shared/acting.ts';
import { PROVIDER_LABEL } from '../datasources/shared/classify.ts';

/** An action JOBGRAPH_ACTIONS does not name: FORBIDDEN, before anything else is looked at. */
export class ActionsOffError extends JobgraphError {
  constructor(action: JobActionName) {
    super(
      'FORBIDDEN',
      `This jobgraph takes no ${action} actions: JOBGRAPH_ACTIONS does not name "${action}" (docs/actions.md). Nothing was done.`,
      { reason: 'ACTIONS_OFF' },
    );
  }
}

/** A control character (Unicode Cc) other than tab and newline. */
// eslint-disable-next-line no-control-regex -- the control characters are the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
/**
 * What shows nothing: whitespace and separators (Z*), control and format characters (Cc, Cf:
 * zero-width spaces and joiners, the BOM, bidirectional marks) and the other default-ignorable
 * code points (fillers, variation selectors).
 */
const INVISIBLE = /[\s\p{Z}\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * A reason that holds a control character other than tab and newline, that shows nothing (empty,
 * or only whitespace and invisible characters), or longer than jobgraph takes (`max` characters) or than the provider of
 * any of `keys` keeps (AWS Batch 1,024 characters, COS Batch 256 UTF-8 bytes): BAD_USER_INPUT
 * naming `reason`, before any call. Null when it will do.
 */
export function reasonRefusal(
  reason: string,
  max: number,
  keys: readonly JobKey[],
): BadUserInputError | null {
  const refuse = (why: string) =>
    new BadUserInputError(`Argument "reason" ${why}`, { argument: 'reason' });
  const control = CONTROL.exec(reason);
  if (control)
    return refuse(
      `holds the control character U+${control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}: only tabs and newlines are taken.`,
    );
  if (reason.replace(INVISIBLE, '') === '')
    return refuse(
      "is required and must show something: say why, in words the job's owner will read (spaces and invisible characters alone are not a reason).",
    );
  if ([...reason].length > max)
    return refuse(`takes at most ${max} characters; got ${[...reason].length}.`);
  for (const kind of new Set(keys.map((k) => kindOf(k)))) {
    const provider = kind.name;
    const bound = kind.actions?.reason;
    if (bound && reasonLength(reason, bound) > bound.max)
      return refuse(
        `takes at most ${bound.max} ${bound.unit === 'bytes' ? 'bytes (UTF-8)' : 'characters'} for ${PROVIDER_LABEL[provider]} jobs; got ${reasonLength(reason, bound)}.`,
      );
  }
  return null;
}
