import type { JobActionName } from '../../config/types.ts';
import { BadUserInputError, JobgraphError } from '../../errors.ts';
import type { JobKey } from '../../model/keys.ts';
import { providerOf } from '../registry.ts';
import { reasonLength } from '../shared/acting.ts';
import { PROVIDER_LABEL } from '../shared/classify.ts';

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

/**
 * A reason that is blank, or longer than jobgraph takes (`max` characters) or than the provider of
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
  if (reason === '') return refuse("is required: say why, in words the job's owner will read.");
  if ([...reason].length > max)
    return refuse(`takes at most ${max} characters; got ${[...reason].length}.`);
  for (const provider of new Set(keys.map((k) => k.provider))) {
    const bound = providerOf(provider).actions?.reason;
    if (bound && reasonLength(reason, bound) > bound.max)
      return refuse(
        `takes at most ${bound.max} ${bound.unit === 'bytes' ? 'bytes (UTF-8)' : 'characters'} for ${PROVIDER_LABEL[provider]} jobs; got ${reasonLength(reason, bound)}.`,
      );
  }
  return null;
}
