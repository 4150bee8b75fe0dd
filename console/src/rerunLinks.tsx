// A job page's links to the job it reruns and to its reruns (docs/actions.md, "Rerun").
import { jobPath } from './api.ts';

/** The job this one reruns and its reruns (`Job.rerunOf`, `Job.reruns`), each a link to its page. */
export function RerunLinks({ job }: { job: Record<string, unknown> }) {
  const of = (job.rerunOf as { id?: unknown } | null | undefined)?.id;
  const made = Array.isArray(job.reruns)
    ? (job.reruns as { id?: unknown }[]).flatMap((r) => (typeof r.id === 'string' ? [r.id] : []))
    : [];
  if (typeof of !== 'string' && made.length === 0) return null;
  return (
    <section class="job-reruns" aria-label="Reruns" data-reruns>
      {typeof of === 'string' ? (
        <p>
          A rerun of{' '}
          <a href={jobPath(of)} data-rerun-of={of}>
            {of}
          </a>
        </p>
      ) : null}
      {made.length > 0 ? (
        <p>
          Rerun as{' '}
          {made.map((id, i) => (
            <span key={id}>
              {i > 0 ? ', ' : ''}
              <a href={jobPath(id)} data-rerun={id}>
                {id}
              </a>
            </span>
          ))}
        </p>
      ) : null}
    </section>
  );
}
