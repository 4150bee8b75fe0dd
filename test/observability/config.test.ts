import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

const live = (env: Record<string, string>) => loadConfig({ mode: 'live' }, env);

describe('Metrics and tracing configuration', () => {
  it('serves metrics by default and turns them off with JOBGRAPH_METRICS=off', () => {
    expect(live({}).metrics).toBe(true);
    expect(live({ JOBGRAPH_METRICS: 'off' }).metrics).toBe(false);
    expect(() => live({ JOBGRAPH_METRICS: 'maybe' })).toThrow(ConfigError);
  });

  it('leaves tracing off unless an OTLP endpoint or OTEL_TRACES_EXPORTER is set', () => {
    expect(live({}).tracing).toBeNull();
    expect(
      live({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing,
    ).toBeNull();
    expect(
      live({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).tracing,
    ).toBeNull();
    expect(
      live({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).tracing,
    ).toBeNull();
  });

  it('reads the standard OTEL_* variables: endpoint, protocol, headers, service name', () => {
    expect(live({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      exporter: 'otlp',
      protocol: 'http/protobuf',
      url: 'http://collector:4318/v1/traces',
      headers: {},
      serviceName: 'jobgraph',
    });
    expect(live({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing?.url).toBe(
      'http://localhost:4318/v1/traces',
    );
    expect(
      live({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp/v1/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D,x-team=ops',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'X-Team=traces',
        OTEL_SERVICE_NAME: 'jobgraph-eu',
      }).tracing,
    ).toEqual({
      exporter: 'otlp',
      protocol: 'http/json',
      url: 'https://traces.example/otlp/v1/traces',
      headers: { 'x-api-key': 'abc==', 'x-team': 'traces' },
      serviceName: 'jobgraph-eu',
    });
  });

  it('names the variable of a value it cannot use, never the value', () => {
    expect(() =>
      live({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    ).toThrow(/^OTEL_EXPORTER_OTLP_PROTOCOL: .*gRPC/);
    expect(() => live({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/^OTEL_TRACES_EXPORTER: /);
    expect(() => live({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /^OTEL_EXPORTER_OTLP_ENDPOINT: /,
    );
    expect(() =>
      live({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_HEADERS: 'secretvalue' }),
    ).toThrow(/^OTEL_EXPORTER_OTLP_HEADERS: (?!.*secretvalue)/);
  });
});
