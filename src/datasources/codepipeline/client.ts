import { CodePipelineClient, GetJobDetailsCommand, type GetJobDetailsCommandOutput } from '@aws-sdk/client-codepipeline';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandler } from '@smithy/protocol-http';
import type { CodePipelineKey } from '../../globalId.ts';
import { createAgents } from '../http.ts';
import type { AwsSourceOptions } from '../options.ts';

/** Test seam: replace the HTTP layer below the SDK (protocol tests feed golden fixtures this way). */
export interface CodePipelineTransportOverrides {
  requestHandler?: HttpHandler;
}

/**
 * The official SDK client (AWS JSON 1.1, SigV4 `codepipeline`), one long-lived client per
 * region, each with its own keep-alive agents. The SDK signs, serialises and deserialises;
 * nothing here sees the wire.
 */
export class CodePipelineClients {
  private readonly clients = new Map<string, CodePipelineClient>();

  constructor(
    private readonly options: AwsSourceOptions,
    private readonly overrides: CodePipelineTransportOverrides = {},
  ) {}

  forRegion(region: string): CodePipelineClient {
    let client = this.clients.get(region);
    if (!client) {
      client = new CodePipelineClient({
        region,
        credentials: this.options.credentials,
        maxAttempts: this.options.maxAttempts,
        requestHandler: this.overrides.requestHandler ?? this.createHandler(),
        // The endpoint comes from jobgraph's config (AWS_ENDPOINT_URL_CODEPIPELINE) only, so the
        // SDK must not read the environment for it on its own.
        ignoreConfiguredEndpointUrls: true,
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      });
      this.clients.set(region, client);
    }
    return client;
  }

  private createHandler(): NodeHttpHandler {
    const agents = createAgents(this.options.maxSockets);
    return new NodeHttpHandler({
      httpAgent: agents.http,
      httpsAgent: agents.https,
      connectionTimeout: this.options.timeoutMs,
      // Whole-attempt timeout; without throwOnRequestTimeout the handler only logs a warning.
      requestTimeout: this.options.timeoutMs,
      throwOnRequestTimeout: true,
    });
  }

  /** One GetJobDetails call; throws whatever the SDK throws (mapped by errors.ts). */
  getJobDetails(key: CodePipelineKey, signal?: AbortSignal): Promise<GetJobDetailsCommandOutput> {
    return this.forRegion(key.region).send(new GetJobDetailsCommand({ jobId: key.jobId }), signal ? { abortSignal: signal } : {});
  }

  /** Destroy every client and its sockets. */
  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}
