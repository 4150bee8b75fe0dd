/** The GRCh38 source of the example job, the same in the golden full response and in the emulator. */
export const GRCH38_SOURCE = {
  sourceFile: 's3://genomics-reference-demo/GRCh38/GRCh38_full_analysis_set.fa',
  status: 'FINISHED',
  statusMessage: null,
  name: 'GRCh38',
  description: 'Human reference genome GRCh38 (full analysis set)',
  tags: [
    { key: 'project', value: 'population-study' },
    { key: 'assembly', value: 'GRCh38' },
    { key: 'reviewed', value: '' },
  ],
  referenceId: '3417622790',
};
