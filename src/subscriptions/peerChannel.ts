import type { PollLeases, SharedPoll } from '../cache/pollLeases.ts';
import type { JobStates } from '../datasources/state/jobStates.ts';
import type { JobRecord } from '../model/job.ts';

/**
 * The poll leases' channel of a watched job as this process hears it (replicas sharing Redis).
 * Another replica's applied job event is offered to the job-state store here, once a message,
 * whatever this replica's role for the job: the store judges it and, when it is news, tells its
 * subscribers — the job's watch among them, through WatchRegistry, as this process's own
 * events are told — and, news or not, to the events' coverage (`heard`): a change a read here
 * found first was announced by it. The rest of what the job's holder shares (its polls, waits,
 * releases, hints) goes to the schedule that follows the channel, which decides from it when and
 * by whom the job is read.
 */
export class PeerChannel {
  constructor(
    private readonly leases: PollLeases,
    private readonly states: Pick<JobStates, 'offer' | 'now'>,
    /** Told of each such event, news or not (the events' coverage: it announces the job's change). */
    private readonly heard: (record: JobRecord) => void = () => undefined,
  ) {}

  /** Hear the channel of job `id` until the returned function is called. */
  follow(id: string, listener: (poll: SharedPoll) => void): () => void {
    return this.leases.follow(id, (poll) => {
      if (poll.kind !== 'event') return listener(poll);
      if (poll.from === this.leases.replicaId) return;
      this.offer(poll.record, poll.stripped, poll.time);
      this.heard(poll.record);
    });
  }

  /** Another replica's event (its `time`), offered as a peer's word; `stripped`: its secrets were taken out. */
  private offer(record: JobRecord, stripped: boolean, time: number): void {
    const states = this.states;
    states.offer(record, {
      origin: 'peer',
      at: states.now(),
      time,
      ...(stripped ? { stripped } : {}),
    });
  }
}
