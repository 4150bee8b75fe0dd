import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

// Apart from awsCall.ts, so that the accounts (accounts.ts) and the AWS wire (awsCall.ts) both
// read the credentials the same way without importing each other.

/**
 * The standard AWS credential chain (`@aws-sdk/credential-provider-node`: memoized, refreshed
 * before expiry), loaded on first use. Once loaded, a call is the chain's own: every upstream call
 * asks for credentials, and a wrapper's promise each time would be allocation for nothing.
 */
function lazyDefaultChain(): AwsCredentialIdentityProvider {
  let loaded: AwsCredentialIdentityProvider | undefined;
  let loading: Promise<AwsCredentialIdentityProvider> | undefined;
  return () => {
    if (loaded) return loaded();
    loading ??= import('@aws-sdk/credential-provider-node').then(
      (m) => (loaded = m.defaultProvider()),
    );
    return loading.then((chain) => chain());
  };
}

/** Credentials from the options: static ones as given, a provider as given, none the standard chain (loaded on first use). */
export function credentialSource(
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined,
): AwsCredentialIdentityProvider {
  if (typeof credentials === 'function') return credentials;
  if (credentials) {
    const fixed: AwsCredentialIdentity = { ...credentials };
    return () => Promise.resolve(fixed);
  }
  return lazyDefaultChain();
}
