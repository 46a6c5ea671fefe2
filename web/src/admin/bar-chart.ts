import type { Bucket, BucketCounts } from './throughput';

/** The chart's drawing box, in SVG user units. */
export const CHART = { width: 600, height: 160, padding: 24 } as const;

/** One bar of a span: its completed part stacked under its failed part, in SVG coordinates (y grows down). */
export interface BarGeometry {
  x: number;
  width: number;
  completed: { y: number; height: number };
  failed: { y: number; height: number };
  /** The span's words, for its tooltip and the screen reader's table: "12:05–12:10: 14 completed, 2 failed". */
  label: string;
}

/** "12:05", in the viewer's time zone. */
function clock(time: number): string {
  const date = new Date(time);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/**
 * The bars of a stacked bar chart of ended jobs per span: heights scaled to the tallest span (at least 1 job, so an
 * empty hour draws no bar rather than dividing by zero), bars side by side with a gap of a fifth of their slot.
 */
export function barGeometry(buckets: readonly Bucket[], counts: readonly BucketCounts[]): BarGeometry[] {
  const plotHeight = CHART.height - CHART.padding;
  const slot = (CHART.width - CHART.padding) / Math.max(1, buckets.length);
  const tallest = Math.max(1, ...counts.map((c) => c.completed + c.failed));
  return buckets.map((bucket, i) => {
    const c = counts[i] ?? { completed: 0, failed: 0 };
    const completedHeight = (c.completed / tallest) * plotHeight;
    const failedHeight = (c.failed / tallest) * plotHeight;
    const baseline = plotHeight;
    return {
      x: CHART.padding + i * slot + slot * 0.1,
      width: slot * 0.8,
      completed: { y: baseline - completedHeight, height: completedHeight },
      failed: { y: baseline - completedHeight - failedHeight, height: failedHeight },
      label: `${clock(bucket.start)}–${clock(bucket.end)}: ${c.completed} completed, ${c.failed} failed`,
    };
  });
}

const SVG = 'http://www.w3.org/2000/svg';

function svgElement(name: string, attributes: Record<string, string | number>): SVGElement {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/** Draws the bars into an inline SVG (no chart library): completed in green, failed in red, each with a tooltip. */
export function renderBarChart(svg: SVGSVGElement, bars: readonly BarGeometry[]): void {
  svg.setAttribute('viewBox', `0 0 ${CHART.width} ${CHART.height}`);
  const baseline = CHART.height - CHART.padding;
  const children: SVGElement[] = [
    svgElement('line', { x1: CHART.padding, x2: CHART.width, y1: baseline, y2: baseline, class: 'axis' }),
  ];
  for (const bar of bars) {
    const group = svgElement('g', { 'data-label': bar.label });
    const title = svgElement('title', {});
    title.textContent = bar.label;
    group.append(
      title,
      svgElement('rect', { x: bar.x, width: bar.width, ...bar.completed, class: 'bar-completed' }),
      svgElement('rect', { x: bar.x, width: bar.width, ...bar.failed, class: 'bar-failed' }),
    );
    children.push(group);
  }
  const first = bars[0]?.label.slice(0, 5) ?? '';
  const last = bars[bars.length - 1]?.label.slice(6, 11) ?? '';
  const start = svgElement('text', { x: CHART.padding, y: CHART.height - 6, class: 'tick' });
  start.textContent = first;
  const end = svgElement('text', { x: CHART.width, y: CHART.height - 6, class: 'tick', 'text-anchor': 'end' });
  end.textContent = last;
  children.push(start, end);
  svg.replaceChildren(...children);
}
