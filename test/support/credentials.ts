/** Static AWS credentials for sources under test: no error, log line or span may show the secret. */
export const TEST_AWS_CREDENTIALS = {
  accessKeyId: 'AKIDCONTRACTTESTKEY1',
  secretAccessKey: 'contract-test-aws-secret-access-key',
};

/** Static Tencent Cloud credentials for sources under test: the same rule for the secret key. */
export const TEST_COS_CREDENTIALS = {
  secretId: 'AKIDcontractTestSecretId',
  secretKey: 'contract-test-cos-secret-key',
};
