/** The action details of a job that has none: empty lists and nulls. */
export const NO_ACTION_DETAILS = {
  actionConfiguration: [],
  pipelineContext: null,
  inputArtifacts: [],
  outputArtifacts: [],
  artifactCredentials: null,
  continuationToken: null,
  encryptionKey: null,
};
