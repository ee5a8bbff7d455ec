import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatCompact } from '../lib/format.js';
import { PALETTE } from '../lib/accounts.js';

/** A series with more samples than this is drawn as a line without a mark on every point. */
const MAX_POINT_MARKS = 24;

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  colour?: string;
  /** Draw as bars (counts per step) instead of a line. */
  bars?: boolean;
  dash?: number[];
}

export interface TimeChartProps {
  /** Unix seconds, ascending; one entry per value of every series. */
  x: number[];
  series: ChartSeries[];
  height?: number;
  /** Axis label / unit, e.g. "items/s". */
  unit?: string;
  format?: (v: number) => string;
  /** Counts, rates and durations start at 0 (and an all-zero chart reads 0..1, not ±100); a gauge may not. */
  zeroBased?: boolean;
  /** Name for tests and screen readers. */
  name: string;
}

/**
 * A time-series chart (uPlot: canvas, fast with thousands of points). The container carries the
 * number of plotted points so tests and assistive text can tell an empty chart from a drawn one.
 */
export function TimeChart({ x, series, height = 220, unit, format = formatCompact, zeroBased = true, name }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}|${s.colour ?? ''}|${s.bars === true ? 'b' : 'l'}`).join(',') + `|${height}|${unit ?? ''}|${zeroBased}|${series.map((s) => s.values.filter((v) => v !== null).length <= MAX_POINT_MARKS).join()}`;
  const data = useMemo(() => [x, ...series.map((s) => s.values)] as uPlot.AlignedData, [x, series]);
  const points = series.reduce((n, s) => n + s.values.filter((v) => v !== null && Number.isFinite(v)).length, 0);

  useEffect(() => {
    const el = box.current;
    if (el === null) return undefined;
    const bars = uPlot.paths.bars?.({ size: [0.7, 40] });
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: { time: true },
        ...(zeroBased ? { y: { range: (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, max > 0 ? max * 1.1 : 1] } } : {}),
      },
      axes: [
        { stroke: '#475569', grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#cbd5e1' } },
        {
          stroke: '#475569',
          grid: { stroke: '#e2e8f0' },
          ticks: { stroke: '#cbd5e1' },
          // Wide enough for the longest tick label ("1,250 ms"), so labels are never cut.
          size: (_u: uPlot, values: string[] | null) => Math.max(40, ...(values ?? []).map((v) => v.length * 7 + 22)),
          values: (_u, splits) => splits.map((v) => format(v)),
          ...(unit === undefined ? {} : { label: unit, labelSize: 18 }),
        },
      ],
      series: [
        {},
        ...series.map((s, i) => {
          const colour = s.colour ?? PALETTE[i % PALETTE.length] ?? '#0072b2';
          return {
            label: s.label,
            stroke: colour,
            width: s.bars === true ? 1 : 2,
            spanGaps: false,
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
            ...(s.dash === undefined ? {} : { dash: s.dash }),
            ...(s.bars === true && bars !== undefined ? { paths: bars, fill: `${colour}99` } : { points: { show: s.values.filter((v) => v !== null).length <= MAX_POINT_MARKS } }),
          };
        }),
      ],
    };
    const chart = new uPlot(opts, data, el);
    plot.current = chart;
    const ro = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt only when the set of series changes; data updates go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure class="chart" data-chart={name} data-points={points} data-series={series.length}>
      <div ref={box} class="chart-box" role="img" aria-label={`${name}: ${points} points in ${series.length} series`} />
      {points === 0 ? <figcaption class="chart-empty">No data in this time range.</figcaption> : null}
    </figure>
  );
}

/**
 * Aligns series sampled at different times onto one x axis (the union of their times), as uPlot
 * needs; a series has null where it has no sample.
 */
export function alignSeries(input: { label: string; points: { t: number; v: number | null }[]; colour?: string }[]): { x: number[]; series: ChartSeries[] } {
  const xs = new Set<number>();
  for (const s of input) for (const p of s.points) xs.add(p.t);
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((t, i) => [t, i]));
  const series = input.map((s) => {
    const values: (number | null)[] = new Array<number | null>(x.length).fill(null);
    for (const p of s.points) {
      const i = index.get(p.t);
      if (i !== undefined) values[i] = p.v;
    }
    return { label: s.label, values, ...(s.colour === undefined ? {} : { colour: s.colour }) };
  });
  return { x, series };
}
