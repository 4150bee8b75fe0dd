import type { ProviderParts } from '../shared/provider.ts';
import type { BatchJobRecord } from './record.ts';

/**
 * AWS Batch jobs made of parts: an array job's children (`<jobId>:<index>`) and a multi-node
 * job's nodes (`<jobId>#<node>`), each a job of its own that fails with its parent. What a chat
 * message says of a parent counts its parts, so a failure is one message, not one a part.
 */
export const BATCH_PARTS: ProviderParts<BatchJobRecord> = {
  parentOf(globalId: string): string | null {
    const m = /^(.*?)(?::\d+|#\d+)$/.exec(globalId);
    // The region part is `batch:<region>:<jobId>`: a suffix of the job ID only, never the region's.
    return m && m[1]!.split(':').length >= 3 ? m[1]! : null;
  },
  countOf(record: BatchJobRecord): string | null {
    const array = record.arrayProperties;
    if (array && array.size !== null && array.index === null) {
      const counted = array.statusSummary
        .filter((s) => s.count > 0)
        .map((s) => `${s.count} ${s.status}`)
        .join(', ');
      return `${array.size} children${counted ? `: ${counted}` : ''}`;
    }
    const nodes = record.nodeProperties?.numNodes;
    return typeof nodes === 'number' ? `${nodes} nodes` : null;
  },
};
