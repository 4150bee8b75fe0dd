/** Endpoint variants the AWS SDK's rules know; jobgraph's config sets neither today, so both default to false. */
export interface AwsEndpointVariant {
  useFips?: boolean;
  useDualStack?: boolean;
}

/** What `aws.partition(region)` answers (the SDK's partition data). */
interface PartitionResult {
  dnsSuffix: string;
  dualStackDnsSuffix: string;
  supportsFIPS: boolean;
  supportsDualStack: boolean;
}

let partitionOf: Promise<(region: string) => PartitionResult> | null = null;

/**
 * The SDK's own partition function (`@aws-sdk/core/client`, the data the services' endpoint
 * rules use: DNS suffix, dual-stack suffix, FIPS and dual-stack support per partition), loaded
 * on the first endpoint that is not overridden, never at start-up.
 */
function loadPartitions(): Promise<(region: string) => PartitionResult> {
  partitionOf ??= import('@aws-sdk/core/client').then(
    (m) => (region: string) => m.partition(region),
  );
  return partitionOf;
}

/**
 * The regional endpoint of an AWS service whose endpoint rules are the standard regional
 * template (Panorama, HealthOmics, CodePipeline: `https://{prefix}[-fips].{Region}.{dnsSuffix |
 * dualStackDnsSuffix}`, with the "not supported" errors of the rules), resolved through the
 * SDK's partition data. A test checks the result against each real SDK client's resolver.
 */
export async function resolveAwsEndpoint(
  endpointPrefix: string,
  region: string,
  variant: AwsEndpointVariant = {},
): Promise<URL> {
  const p = (await loadPartitions())(region);
  const fips = variant.useFips === true;
  const dual = variant.useDualStack === true;
  if (fips && dual && !(p.supportsFIPS && p.supportsDualStack))
    throw new Error(
      'FIPS and DualStack are enabled, but this partition does not support one or both',
    );
  if (fips && !p.supportsFIPS)
    throw new Error('FIPS is enabled but this partition does not support FIPS');
  if (dual && !p.supportsDualStack)
    throw new Error('DualStack is enabled but this partition does not support DualStack');
  return new URL(
    `https://${endpointPrefix}${fips ? '-fips' : ''}.${region}.${dual ? p.dualStackDnsSuffix : p.dnsSuffix}`,
  );
}
