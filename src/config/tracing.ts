import { ConfigError, bool, opt, url, type Env } from './env.ts';
import type { TracingConfig } from './types.ts';

function otlpHeaders(env: Env, name: string): Record<string, string> {
  const v = opt(env, name);
  const headers: Record<string, string> = {};
  if (v === undefined) return headers;
  for (const part of v.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(name, 'must be a comma-separated list of key=value pairs');
    try {
      headers[decodeURIComponent(part.slice(0, eq).trim()).toLowerCase()] = decodeURIComponent(
        part.slice(eq + 1).trim(),
      );
    } catch {
      throw new ConfigError(name, 'has an entry that is not URL-encoded');
    }
  }
  return headers;
}

/** The OpenTelemetry trace export settings from the standard variables; null when tracing is off. */
export function tracing(env: Env): TracingConfig | null {
  if (bool(env, 'OTEL_SDK_DISABLED', false)) return null;
  const exporter = opt(env, 'OTEL_TRACES_EXPORTER')?.toLowerCase();
  const tracesEndpoint = url(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (exporter === undefined && tracesEndpoint === undefined && endpoint === undefined) return null;
  if (exporter === 'none') return null;
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'console') {
    throw new ConfigError('OTEL_TRACES_EXPORTER', 'must be otlp, console or none');
  }
  const protocolName =
    opt(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') !== undefined
      ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
      : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = opt(env, protocolName) ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(
      protocolName,
      'must be http/protobuf or http/json (OTLP over gRPC is not supported)',
    );
  }
  return {
    exporter: exporter === 'console' ? 'console' : 'otlp',
    protocol,
    url: tracesEndpoint ?? `${endpoint ?? 'http://localhost:4318'}/v1/traces`,
    headers: {
      ...otlpHeaders(env, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...otlpHeaders(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    },
    serviceName: opt(env, 'OTEL_SERVICE_NAME') ?? 'jobgraph',
  };
}
