/**
 * The subscription transports' bounds that are constants beside their use, not configuration (no
 * operator needed them): a test narrows them through `startGateway`'s `bounds` to see each at work
 * quickly (a ping every 20 ms, a caller's third reservation refused). Unset: the constants.
 */
export interface SubscriptionBounds {
  /** WebSocket ping interval, ms (default HEARTBEAT_MS, wsTransport.ts). */
  heartbeatMs?: number;
  /** Single connection reservations one caller may hold (default RESERVATIONS_PER_CALLER, sseSingleConnection.ts). */
  maxReservationsPerCaller?: number;
  /** How long a watched job's poller pauses for an open circuit, ms (default BREAKER_HALF_OPEN_MS). */
  breakerHalfOpenMs?: number;
}
