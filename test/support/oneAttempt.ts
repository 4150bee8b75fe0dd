import { DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';

/**
 * The transport a test's source starts from: a timeout of `timeoutMs` (default 2 s), one attempt
 * (a retry would hide the answer under test) and `maxSockets` sockets (default 2).
 */
export const oneAttempt = ({ timeoutMs = 2000, maxSockets = 2 } = {}) => ({
  timeoutMs,
  maxAttempts: 1,
  maxSockets,
});

/** The demo COS account's keys and APPID, as a COS Batch source takes them. */
export const DEMO_COS_SIGNING = {
  credentials: {
    secretId: DEMO_TENCENT_CREDENTIALS.secretId,
    secretKey: DEMO_TENCENT_CREDENTIALS.secretKey,
  },
  appId: DEMO_TENCENT_CREDENTIALS.appId,
};
