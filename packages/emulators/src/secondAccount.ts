/**
 * The one generator of the demo's second accounts. Each emulator keeps its second account as a
 * small table (`<p>/secondAccount.ts`): the job IDs by what they show, and one row per job,
 * newest first, naming its job by that role, its age and what it shows. This turns a table and
 * the provider's wire template into the jobs the emulator serves, so every provider reads its
 * second account the same way: ages before the emulator's start, IDs from the table, order as
 * written.
 */

/** How long before the emulator's start a job was created: hours or days. */
type SecondAccountAge = `${number}h` | `${number}d`;

/** One row: which job (its role in `ids`), its age, and the fields the provider's template reads. */
export type SecondAccountRow<Ids extends string, Fields> = Fields & {
  job: Ids;
  age?: SecondAccountAge;
};

/** A provider's second account: its job IDs by what they show, and its rows newest first. */
export interface SecondAccountTable<Ids extends string, Fields> {
  ids: Readonly<Record<Ids, string>>;
  rows: readonly SecondAccountRow<Ids, Fields>[];
}

/** What a template gets for one row: the job's ID and when it was created (ms). */
export interface SecondAccountSlot {
  jobId: string;
  createdMs: number;
}

const UNIT_MS = { h: 3_600_000, d: 86_400_000 } as const;

/** A row's age in ms (0 without one: a job with no times on the wire). */
function ageMs(age: SecondAccountAge | undefined): number {
  if (age === undefined) return 0;
  return Number(age.slice(0, -1)) * UNIT_MS[age.slice(-1) as keyof typeof UNIT_MS];
}

/** The table's jobs, in its order, for an emulator started at `anchorMs`. */
export function secondAccountJobs<Ids extends string, Fields, Job>(
  table: SecondAccountTable<Ids, Fields>,
  anchorMs: number,
  template: (row: SecondAccountRow<Ids, Fields>, slot: SecondAccountSlot) => Job,
): Job[] {
  return table.rows.map((row) =>
    template(row, { jobId: table.ids[row.job], createdMs: anchorMs - ageMs(row.age) }),
  );
}
