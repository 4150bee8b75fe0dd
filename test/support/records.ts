/**
 * The common fields of a record whose state and times the wire did not give: a CodePipeline job
 * (no status on the wire), or a job whose answer said nothing of them.
 */
export const UNKNOWN_STATE_FIELDS = {
  state: 'UNKNOWN',
  providerStatus: null,
  statusMessage: null,
  terminal: false,
  createdAt: null,
  updatedAt: null,
  completedAt: null,
} as const;
