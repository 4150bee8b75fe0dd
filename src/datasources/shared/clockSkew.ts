/** When a provider's answer says the signing clock is off (the pipeline's skew correction, source.ts). */

/** Codes the AWS SDK reads as "the signing clock is off" (its clock-skew list). */
export const CLOCK_SKEW_CODES: ReadonlySet<string> = new Set([
  'AuthFailure',
  'InvalidSignatureException',
  'RequestExpired',
  'RequestInTheFuture',
  'RequestTimeTooSkewed',
  'SignatureDoesNotMatch',
]);

/** Skew beyond which the signing clock is corrected from an answer's Date header (the SDK's 5 minutes). */
export const CLOCK_SKEW_MS = 300_000;
