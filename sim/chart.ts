import type { CensusSample } from './scenarios';

/** One line of a chart: its points, colour, dash, and legend label. */
interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: [number, number][];
}

interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** A log scale on x (for waits from a tenth of a second to hours). */
  logX?: boolean;
}

const WIDTH = 960;
const PANEL_HEIGHT = 230;
const MARGIN = { left: 70, right: 190, top: 34, bottom: 42 };

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Round tick values across [0, max]. */
function ticks(max: number): number[] {
  const step = 10 ** Math.floor(Math.log10(Math.max(max, 1) / 4));
  const unit = [1, 2, 5, 10].map((m) => m * step).find((u) => max / u <= 6) ?? step * 10;
  return Array.from({ length: Math.floor(max / unit) + 1 }, (_, i) => i * unit);
}

function panelSvg(panel: Panel, top: number): string {
  const width = WIDTH - MARGIN.left - MARGIN.right;
  const height = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const xs = panel.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = panel.series.flatMap((s) => s.points.map(([, y]) => y));
  const minX = panel.logX ? Math.max(0.1, Math.min(...xs)) : 0;
  const maxX = Math.max(...xs, 1);
  const maxY = Math.max(...ys, 1);
  const toX = (x: number) =>
    panel.logX
      ? MARGIN.left +
        ((Math.log10(Math.max(x, minX)) - Math.log10(minX)) / (Math.log10(maxX) - Math.log10(minX))) * width
      : MARGIN.left + (x / maxX) * width;
  const toY = (y: number) => top + MARGIN.top + height - (y / maxY) * height;
  const parts: string[] = [];
  parts.push(
    `<text x="${MARGIN.left}" y="${top + 20}" font-size="15" font-weight="bold">${escapeXml(panel.title)}</text>`,
  );
  parts.push(
    `<rect x="${MARGIN.left}" y="${top + MARGIN.top}" width="${width}" height="${height}" fill="none" stroke="#999"/>`,
  );
  for (const y of ticks(maxY)) {
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + width}" y1="${toY(y)}" y2="${toY(y)}" stroke="#eee"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${toY(y) + 4}" font-size="11" text-anchor="end">${y}</text>`);
  }
  const xTicks = panel.logX
    ? [0.1, 1, 10, 100, 1_000, 10_000].filter((x) => x >= minX && x <= maxX * 1.0001)
    : ticks(maxX);
  for (const x of xTicks) {
    parts.push(
      `<line x1="${toX(x)}" x2="${toX(x)}" y1="${top + MARGIN.top}" y2="${top + MARGIN.top + height}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${toX(x)}" y="${top + MARGIN.top + height + 15}" font-size="11" text-anchor="middle">${x}</text>`,
    );
  }
  parts.push(
    `<text x="${MARGIN.left + width / 2}" y="${top + PANEL_HEIGHT - 6}" font-size="12" text-anchor="middle">${escapeXml(panel.xLabel)}</text>`,
  );
  parts.push(
    `<text x="16" y="${top + MARGIN.top + height / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${top + MARGIN.top + height / 2})">${escapeXml(panel.yLabel)}</text>`,
  );
  panel.series.forEach((series, i) => {
    const d = series.points
      .map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${toX(x).toFixed(1)},${toY(y).toFixed(1)}`)
      .join('');
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<path d="${d}" fill="none" stroke="${series.color}" stroke-width="2"${dash}/>`);
    const ly = top + MARGIN.top + 14 + i * 18;
    const lx = MARGIN.left + width + 14;
    parts.push(
      `<line x1="${lx}" x2="${lx + 26}" y1="${ly - 4}" y2="${ly - 4}" stroke="${series.color}" stroke-width="2"${dash}/>`,
    );
    parts.push(`<text x="${lx + 32}" y="${ly}" font-size="11">${escapeXml(series.label)}</text>`);
  });
  return parts.join('\n');
}

/** The share of `waits` at or below each wait, as CDF points. */
function cdf(waits: readonly number[]): [number, number][] {
  const sorted = [...waits].sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(sorted.length / 400));
  const points: [number, number][] = [];
  for (let i = 0; i < sorted.length; i += step)
    points.push([Math.max(0.1, sorted[i] ?? 0), ((i + 1) / sorted.length) * 100]);
  if (sorted.length > 0) points.push([Math.max(0.1, sorted.at(-1) ?? 0), 100]);
  return points;
}

/** The chart of one run: jobs running and waiting over time, and the light and heavy users' waits. */
export function runChartSvg(run: {
  capacity: number;
  census: CensusSample[];
  lightWaitsS: number[];
  heavyWaitsS: number[];
}): string {
  const panels: Panel[] = [
    {
      title: `Jobs running (the workers busy), ${run.capacity} slots`,
      xLabel: 'seconds since the start',
      yLabel: 'running',
      series: [{ label: 'running', color: '#1f77b4', points: run.census.map((c) => [c.t, c.running]) }],
    },
    {
      title: 'Jobs not started (waiting for a slot, a delivery or a retry)',
      xLabel: 'seconds since the start',
      yLabel: 'waiting',
      series: [{ label: 'waiting', color: '#ff7f0e', points: run.census.map((c) => [c.t, c.waiting]) }],
    },
    {
      title: 'Wait from create to RUNNING: share of jobs that waited at most x',
      xLabel: 'seconds (log scale)',
      yLabel: '% of jobs',
      logX: true,
      series: [
        { label: 'light users', color: '#2ca02c', points: cdf(run.lightWaitsS) },
        { label: 'heavy users', color: '#d62728', points: cdf(run.heavyWaitsS) },
      ],
    },
  ];
  const height = PANEL_HEIGHT * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    ...panels.map((panel, i) => panelSvg(panel, i * PANEL_HEIGHT)),
    '</svg>',
    '',
  ].join('\n');
}
