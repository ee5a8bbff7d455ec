/**
 * Building blocks of the agent (the sending side in each workload account): the Prometheus
 * receiver (text parser, OTLP conversion, scraper with file_sd), the scan policies that stamp
 * resources and filter what goes to the hub, and SigV4 signing / key distribution for the hub exporter.
 */
export {
  ParseError,
  parsePrometheusText,
  tryParsePrometheusText,
  formatFromContentType,
  DEFAULT_MAX_SAMPLES,
  DEFAULT_MAX_LABEL_LENGTH,
  DEFAULT_MAX_LABELS_PER_SAMPLE,
} from './prometheus-text-parser.js';
export type { MetricFamily, MetricType, PromSample, ParseOptions, ParseOutcome, ExpositionFormat } from './prometheus-text-parser.js';
export { prometheusToOtlp, AGGREGATION_TEMPORALITY_CUMULATIVE, SCRAPER_SCOPE_NAME } from './prometheus-to-otlp.js';
export type { ScrapeTargetInfo, ScrapeConversionInput } from './prometheus-to-otlp.js';
export { createStartTimeCache } from './start-time-cache.js';
export type { StartTimeCache, StartTimeCacheOptions } from './start-time-cache.js';
export { createScraper } from './scraper.js';
export type { Scraper, ScraperOptions, ScrapeReport } from './scraper.js';
export { fetchScrape, SCRAPE_ACCEPT } from './scrape-http.js';
export type { ScrapeFetchOutcome, ScrapeFetchOptions } from './scrape-http.js';
export { parseFileSd, createFileSdWatcher, FILE_SD_DEFAULT_JOB } from './file-sd.js';
export type { ScrapeTarget, FileSdParseOutcome, FileSdWatcher, FileSdWatcherOptions } from './file-sd.js';
export { resolveEnvRefs } from './env-refs.js';
export {
  createHubSigner,
  createHttpGet,
  fetchApiKey,
  createSessionCredentialsProvider,
  SESSION_REFRESH_BEFORE_MS,
} from './hub-signer.js';
export type {
  HubSigner,
  HubSignerOptions,
  HubCredentials,
  HubCredentialsProvider,
  SignInput,
  HttpGet,
  FetchApiKeyOutcome,
  SignedGetOptions,
  SessionCredentialsOptions,
} from './hub-signer.js';
export { agentConfigSchema, loadAgentConfig, resolveAgentEnv } from './agent-config.js';
export type { AgentConfig } from './agent-config.js';
export { startAgent } from './agent.js';
export type { Agent, StartAgentOptions } from './agent.js';
export { createAgentPolicies } from './agent-policies.js';
export type { AgentPolicies } from './agent-policies.js';
export { createHubExporter } from './hub-exporter.js';
export type { HubExporter, HubExporterOptions, HubExporterCredentials } from './hub-exporter.js';
export { batchingReader } from './batching-reader.js';
export { createAgentMetrics } from './agent-metrics.js';
export type { AgentMetrics } from './agent-metrics.js';
