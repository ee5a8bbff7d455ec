/** prometheus.WriteRequest (remote write 1.0, prompb/remote.proto + types.proto), as plain data. */

export interface PromLabel {
  name: string;
  value: string;
}

export interface PromSample {
  value: number;
  timestampMs: number;
  /** Prometheus staleness marker (a NaN with a reserved bit pattern that a JS number cannot carry reliably). */
  stale?: boolean;
}

export interface PromTimeSeries {
  labels: PromLabel[];
  samples: PromSample[];
}

/** prompb MetricMetadata.MetricType */
export const PromMetricType = {
  unknown: 0,
  counter: 1,
  gauge: 2,
  histogram: 3,
  gaugeHistogram: 4,
  summary: 5,
  info: 6,
  stateset: 7,
} as const;
export type PromMetricType = (typeof PromMetricType)[keyof typeof PromMetricType];

export interface PromMetadata {
  type: PromMetricType;
  metricFamilyName: string;
  help: string;
  unit: string;
}

export interface PromWriteRequest {
  timeseries: PromTimeSeries[];
  metadata: PromMetadata[];
}
