import { AssumeRoleCommand, type Credentials, type STSClient } from '@aws-sdk/client-sts';
import { afterAll } from 'vitest';
import { DEMO_SECOND_AWS_ACCOUNT } from '@jobgraph/emulators/accounts';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';

/**
 * What a test's real AWS SDK client starts from against the emulator at `endpoint`: the demo
 * region and keys, one attempt (a retry would hide what the emulator answered).
 */
export const demoSdkConfig = (endpoint: string) => ({
  region: 'us-east-1',
  endpoint,
  credentials: { ...DEMO_AWS_CREDENTIALS },
  maxAttempts: 1,
});

/**
 * `keep(client)`: the SDK clients a test file makes, destroyed (their sockets closed) after its
 * last test; `keep` returns the client it is given.
 */
export function useSdkClients(): <C extends { destroy(): void }>(client: C) => C {
  const clients: { destroy(): void }[] = [];
  afterAll(() => {
    for (const c of clients) c.destroy();
  });
  return (client) => {
    clients.push(client);
    return client;
  };
}

/** A session STS answered, as the credentials an SDK client signs with. */
export const sessionCredentials = (session: Credentials | undefined) => ({
  accessKeyId: session?.AccessKeyId as string,
  secretAccessKey: session?.SecretAccessKey as string,
  sessionToken: session?.SessionToken as string,
});

/** The second demo account's session: its role assumed through `sts` (a client with the demo keys). */
export async function stagingSession(sts: STSClient, sessionName: string) {
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: DEMO_SECOND_AWS_ACCOUNT.roleArn,
      RoleSessionName: sessionName,
    }),
  );
  return sessionCredentials(Credentials);
}
