import type { DurationRow, Histogram } from './chartData.ts';
import { isoDuration, spanWords, stateLabel, utc } from './format.ts';
import { PROVIDER_NAMES } from './ids.ts';

/**
 * The history view's charts as SVG elements (the page's CSP allows no inline style: geometry is
 * in attributes, colours in the state classes of style.css), each with its figures in a table
 * beside it for a screen reader and for anyone who would rather read the numbers.
 */

const W = 720;
const H = 180;
const LEFT = 36;
const BOTTOM = 22;
const TOP = 8;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** "2026-11-26 14:00 UTC" or "2026-11-26" (a day bucket). */
function bucketText(start: string, unit: 'hour' | 'day'): string {
  return unit === 'day' ? start.slice(0, 10) : `${start.slice(0, 10)} ${start.slice(11, 16)} UTC`;
}

/** "3 Failed, 12 Succeeded": the counts in the chart's state order. */
function countsText(counts: Record<string, number>, states: readonly string[]): string {
  return states
    .filter((s) => counts[s])
    .map((s) => `${counts[s]} ${stateLabel(s)}`)
    .join(', ');
}

/** The bars of FinishedChart: a stacked bar a bucket, about eight time labels along the bottom. */
function FinishedBars({ histogram, label }: { histogram: Histogram; label: string }) {
  const { buckets, states, max, unit } = histogram;
  const plotW = W - LEFT;
  const plotH = H - BOTTOM - TOP;
  const step = plotW / Math.max(1, buckets.length);
  const barW = Math.max(1, step * 0.8);
  const scale = max ? plotH / max : 0;
  const every = Math.max(1, Math.ceil(buckets.length / 8));
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} class="chart-svg">
      <line class="axis" x1={LEFT} y1={TOP + plotH} x2={W} y2={TOP + plotH} />
      <text class="tick" x={LEFT - 4} y={TOP + 10} text-anchor="end">
        {max}
      </text>
      <text class="tick" x={LEFT - 4} y={TOP + plotH} text-anchor="end">
        0
      </text>
      {buckets.map((b, i) => {
        let y = TOP + plotH;
        const x = LEFT + i * step + (step - barW) / 2;
        return (
          <g key={b.start} data-bucket={b.start}>
            {states.map((s) => {
              const n = b.counts[s] ?? 0;
              if (!n) return null;
              const h = n * scale;
              y -= h;
              return (
                <rect
                  key={s}
                  class={`bar state-${s}`}
                  x={x}
                  y={y}
                  width={barW}
                  height={h}
                  data-state={s}
                  data-count={n}
                >
                  <title>{`${bucketText(b.start, unit)}: ${n} ${stateLabel(s)}`}</title>
                </rect>
              );
            })}
            {i % every === 0 ? (
              <BucketTick start={b.start} unit={unit} x={LEFT + i * step} />
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}

/** A bucket's label under its bar ("11-26 14h", "11-26"), kept inside the chart at its right edge. */
function BucketTick({ start, unit, x }: { start: string; unit: 'hour' | 'day'; x: number }) {
  const text =
    unit === 'day' ? start.slice(5, 10) : `${start.slice(5, 10)} ${start.slice(11, 13)}h`;
  const past = x + textWidth(text, TICK_CHAR) > W;
  return (
    <text class="tick" x={past ? W : x} y={H - 6} {...(past ? { 'text-anchor': 'end' } : {})}>
      {text}
    </text>
  );
}

/** FinishedChart's figures: each bucket in which a job finished, its count per state. */
function FinishedFigures({ histogram }: { histogram: Histogram }) {
  const { buckets, states, unit } = histogram;
  return (
    <table class="figures" data-figures="finished">
      <caption>{`The figures: each ${unit} in which a job finished`}</caption>
      <thead>
        <tr>
          <th scope="col">{unit === 'day' ? 'Day (UTC)' : 'Hour (UTC)'}</th>
          {states.map((s) => (
            <th scope="col" key={s}>
              {stateLabel(s)}
            </th>
          ))}
          <th scope="col">All</th>
        </tr>
      </thead>
      <tbody>
        {buckets
          .filter((b) => b.total)
          .map((b) => (
            <tr key={b.start} data-bucket={b.start}>
              <th scope="row">
                <time dateTime={b.start}>{bucketText(b.start, unit)}</time>
              </th>
              {states.map((s) => (
                <td key={s} data-state={s}>
                  {b.counts[s] ?? 0}
                </td>
              ))}
              <td data-total>{b.total}</td>
            </tr>
          ))}
      </tbody>
    </table>
  );
}

/** Jobs finished per hour (or day) by state: a stacked bar a bucket, and the figures as a table. */
export function FinishedChart({
  histogram,
  window,
}: {
  histogram: Histogram;
  window: { from: string; to: string };
}) {
  const { buckets, states, max, unit } = histogram;
  const totals: Record<string, number> = {};
  for (const b of buckets)
    for (const s of states) totals[s] = (totals[s] ?? 0) + (b.counts[s] ?? 0);
  const total = buckets.reduce((n, b) => n + b.total, 0);
  const title = `Jobs finished per ${unit} by state, ${utc(window.from)} to ${utc(window.to)}`;
  const summary = total
    ? `${plural(total, 'job')} finished: ${countsText(totals, states)}; at most ${max} in one ${unit}.`
    : 'No job finished in this window.';
  return (
    <figure class="chart" data-chart="finished" data-total={total}>
      <figcaption>
        <strong>{title}</strong> <span class="muted">{summary}</span>
      </figcaption>
      {total ? (
        <>
          <FinishedBars histogram={histogram} label={`${title}. ${summary}`} />
          <p class="legend" aria-hidden="true">
            {states.map((s) => (
              <span key={s} class={`badge state-${s}`}>
                {stateLabel(s)}
              </span>
            ))}
          </p>
          <FinishedFigures histogram={histogram} />
        </>
      ) : null}
    </figure>
  );
}

/** "AWS Batch · nightly-etl", or the provider alone. */
function groupLabel(row: { provider: string; queue: string | null }): string {
  const provider = PROVIDER_NAMES[row.provider] ?? row.provider;
  return row.queue ? `${provider} · ${row.queue}` : provider;
}

const PERCENTILES = ['p50', 'p90', 'p99'] as const;

function Seconds({ seconds }: { seconds: number }) {
  return <time dateTime={isoDuration(seconds * 1000)}>{spanWords(seconds * 1000)}</time>;
}

/**
 * Widths of SVG text in the charts' units, for fitting labels: generous per character (the
 * viewBox scales text and bars alike, so what fits at one width fits at every width).
 */
const TICK_CHAR = 6.6; // 11px
const GROUP_CHAR = 7.9; // 13px
const textWidth = (text: string, charWidth: number) => text.length * charWidth;

/** `text` cut with an ellipsis to fit `width` (the whole text stays in the element's title). */
function fitted(text: string, width: number, charWidth: number): string {
  const fits = Math.floor(width / charWidth);
  return text.length <= fits ? text : `${text.slice(0, Math.max(1, fits - 1))}…`;
}

/** The width of DurationBars' group labels, left of the bars. */
const GROUP_W = 200;

/**
 * One percentile's bar and its label: right of the bar when it fits in the chart, else inside the
 * bar's end (never past the chart's right edge, where it was cut off).
 */
function PercentileBar({ row, p, top, scale }: PercentileBarProps) {
  const width = Math.max(1, row[p] * scale);
  const text = `${p} ${spanWords(row[p] * 1000)}`;
  const outside = GROUP_W + width + 4;
  const inside = outside + textWidth(text, TICK_CHAR) > W;
  return (
    <g>
      <rect
        class={`bar ${p}`}
        x={GROUP_W}
        y={top}
        width={width}
        height={10}
        data-p={p}
        data-seconds={row[p]}
      >
        <title>{`${groupLabel(row)} ${p}: ${spanWords(row[p] * 1000)}`}</title>
      </rect>
      <text
        class={inside ? 'tick inside' : 'tick'}
        x={inside ? GROUP_W + width - 4 : outside}
        y={top + 9}
        {...(inside ? { 'text-anchor': 'end' } : {})}
        data-tick={p}
      >
        {text}
      </text>
    </g>
  );
}

interface PercentileBarProps {
  row: DurationRow;
  p: (typeof PERCENTILES)[number];
  top: number;
  scale: number;
}

/** DurationChart's bars: a group's label (cut to its column), its three percentiles on one scale. */
function DurationBars({ rows, label }: { rows: DurationRow[]; label: string }) {
  const rowH = 42;
  const height = rows.length * rowH + 6;
  const max = Math.max(1, ...rows.map((r) => r.p99));
  const scale = (W - GROUP_W - 8) / max;
  return (
    <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={label} class="chart-svg">
      {rows.map((r, i) => {
        const top = i * rowH + 4;
        return (
          <g key={groupLabel(r)}>
            <text class="group" x={0} y={top + 22}>
              <title>{groupLabel(r)}</title>
              {fitted(groupLabel(r), GROUP_W - 8, GROUP_CHAR)}
            </text>
            {PERCENTILES.map((p, j) => (
              <PercentileBar key={p} row={r} p={p} top={top + j * 12} scale={scale} />
            ))}
          </g>
        );
      })}
    </svg>
  );
}

/** DurationChart's figures: each group's job count and percentiles. */
function DurationFigures({ rows, grouping }: { rows: DurationRow[]; grouping: string }) {
  return (
    <table class="figures" data-figures="durations">
      <caption>The figures: nearest-rank percentiles of each group's finished jobs</caption>
      <thead>
        <tr>
          <th scope="col">{grouping === 'queue' ? 'Provider · queue' : 'Provider'}</th>
          <th scope="col">Jobs</th>
          <th scope="col">p50</th>
          <th scope="col">p90</th>
          <th scope="col">p99</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr
            key={groupLabel(r)}
            data-provider={r.provider}
            {...(r.queue ? { 'data-queue': r.queue } : {})}
          >
            <th scope="row">{groupLabel(r)}</th>
            <td data-jobs>{r.jobs}</td>
            {PERCENTILES.map((p) => (
              <td key={p} data-p={p} data-seconds={r[p]}>
                <Seconds seconds={r[p]} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * How long jobs took (created → completed) per provider or queue: three bars a group (p50, p90,
 * p99) on one scale, and the figures as a table.
 */
export function DurationChart({ rows, grouping }: { rows: DurationRow[]; grouping: string }) {
  const title = `How long finished jobs took (created to completed), per ${grouping}: p50, p90 and p99`;
  if (rows.length === 0) {
    return (
      <figure class="chart" data-chart="durations">
        <figcaption>
          <strong>{title}</strong>{' '}
          <span class="muted">No finished job in this window has both times.</span>
        </figcaption>
      </figure>
    );
  }
  const summary = rows
    .map(
      (r) =>
        `${groupLabel(r)}: ${plural(r.jobs, 'job')}, p50 ${spanWords(r.p50 * 1000)}, p90 ${spanWords(r.p90 * 1000)}, p99 ${spanWords(r.p99 * 1000)}`,
    )
    .join('; ');
  return (
    <figure class="chart" data-chart="durations">
      <figcaption>
        <strong>{title}</strong>
      </figcaption>
      <DurationBars rows={rows} label={`${title}. ${summary}.`} />
      <DurationFigures rows={rows} grouping={grouping} />
    </figure>
  );
}
