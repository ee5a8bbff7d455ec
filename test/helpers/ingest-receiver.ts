import { createOtlpReceiver, type AcceptRequest, type OtlpReceiver, type OtlpReceiverOptions } from '../../src/ingest/index.js';

/** An OTLP receiver with the options the agent passes (src/agent/agent.ts) and test limits; `extra` overrides. */
export function agentReceiver(accept: AcceptRequest, extra: Partial<OtlpReceiverOptions> = {}): OtlpReceiver {
  return createOtlpReceiver({
    name: 'agent_otlp',
    ownerName: 'agent',
    configKey: 'receivers.otlp',
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 64 * 1024,
    maxDecompressedBytes: 256 * 1024,
    requestTimeoutMs: 5000,
    accept,
    ...extra,
  });
}
