import type { EmulatorRequest, EmulatorResponse, JobControls } from './framework.ts';

/**
 * `JobControls` over HTTP, for tools and processes that do not hold the emulator in memory:
 * `POST /__emulator/jobs/state` with `{"jobId", "status", "account"?, "statusReason"?}` answers
 * the job's new record (404 for a job the account does not have), `POST /__emulator/jobs/forget`
 * with `{"jobIds": [...], "account"?}` answers which of them were forgotten. Null for any other path.
 */
export function jobControlRoute(jobs: JobControls, req: EmulatorRequest): EmulatorResponse | null {
  if (req.method !== 'POST') return null;
  const json = (status: number, body: unknown): EmulatorResponse => ({
    status,
    headers: {},
    body: JSON.stringify(body),
  });
  const body = JSON.parse(req.body || '{}') as Record<string, unknown>;
  const account = typeof body.account === 'string' ? { account: body.account } : {};
  if (req.rawPath === '/__emulator/jobs/state') {
    if (typeof body.jobId !== 'string' || typeof body.status !== 'string')
      throw new Error('jobId and status must be strings');
    const record = jobs.changeState(body.jobId, body.status, {
      ...account,
      ...(typeof body.statusReason === 'string' ? { statusReason: body.statusReason } : {}),
    });
    return record ? json(200, record) : json(404, { error: 'no such job' });
  }
  if (req.rawPath === '/__emulator/jobs/forget') {
    const ids = body.jobIds;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string'))
      throw new Error('jobIds must be a list of job IDs');
    return json(200, { forgotten: (ids as string[]).filter((id) => jobs.forget(id, account)) });
  }
  return null;
}
